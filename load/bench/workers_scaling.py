"""Throughput of the emulator with 1 and 2 worker processes (`serve --workers N`), in the same run.

    python -m load.bench.workers_scaling [--seconds 10] [--connections 64] [--rounds 2]

A read mix of the provincial portal (a catalogue search, a procedure with its agencies, the
agencies of a tier), through wrk (one thread, C: it costs the servers little CPU). The
servers may use every core; on a 2-core machine wrk shares them, so 2.0× is out of reach.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
from pathlib import Path

from load.bench.common import Serve, cores, show, wrk

PATHS = ("/api/v1/procedures?q=ho%20tich&limit=10", "/api/v1/procedures/2.000488", "/api/v1/agencies?tier=district")
LUA = """
paths = {%s}
i = 0
request = function()
  i = i %% #paths + 1
  return wrk.format("GET", paths[i])
end
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    runs: dict[int, list[dict[str, float]]] = {1: [], 2: []}
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "mix.lua"
        script.write_text(LUA % ", ".join(f'"{p}"' for p in PATHS), encoding="utf-8")
        for _ in range(args.rounds):
            for workers in (1, 2):
                with Serve(workers=workers) as stack:
                    url = stack.info.url("provincial") + "/"
                    wrk(url, seconds=3, connections=args.connections, cpus=None, script=str(script))   # warm up
                    runs[workers].append(wrk(url, seconds=args.seconds, connections=args.connections, cpus=None,
                                             script=str(script)).to_json())
    one, two = (statistics.median(r["rps"] for r in runs[n]) for n in (1, 2))
    show("the provincial read mix with 1 and 2 emulator worker processes", {
        "cores": cores(), "load_average": os.getloadavg()[0], "paths": PATHS,
        "generator": f"wrk -t1 -c{args.connections}, {args.seconds:g} s a run, unpinned", "runs": runs,
        "rps_1_worker": one, "rps_2_workers": two, "ratio_2_to_1": round(two / one, 3) if one else None,
    })
    print(f"\n1 worker {one:,.0f} req/s, 2 workers {two:,.0f} req/s: {two / one:.2f}×")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
