"""The emulator's sustainable throughput of the campaign mix, at the campaign-peak SLOs.

    python -m load.bench.capacity [--start 4] [--increment 4] [--step-s 20] [--max-steps 12]

A breakpoint run (the campaign mix of load/profiles/campaign-peak.toml, arrival rate, the
campaign-peak SLOs on each step) against `dvc-harness serve` pinned to core 1, the load
generator (`dvc-harness load`, Locust) pinned to core 0. It prints the last step that held,
in journeys and requests per second, as a multiple of the campaign peak (its baseline in the
same run: the rate campaign-peak offers). When the generator itself was CPU-bound the figure
is a lower bound of the emulator's and says so.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from load import profiles
from load.bench.common import Serve, cores, pinned, show

PROFILE = """
name = "capacity-bench"
extends = "breakpoint"
[load.steps]
start = {start}
increment = {increment}
step_s = {step_s}
max_steps = {max_steps}
[think_time]
min_s = 0.5
max_s = 1.5
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--start", type=float, default=4.0, help="journeys/s of the first step")
    parser.add_argument("--increment", type=float, default=4.0)
    parser.add_argument("--step-s", type=float, default=20.0)
    parser.add_argument("--max-steps", type=int, default=12)
    args = parser.parse_args(argv)
    server_cpu, generator_cpu = ("1", "0") if cores() >= 2 else (None, None)
    peak = profiles.load("campaign-peak")
    with tempfile.TemporaryDirectory() as tmp, Serve(cpus=server_cpu) as stack:
        profile = Path(tmp) / "capacity.toml"
        profile.write_text(PROFILE.format(start=args.start, increment=args.increment, step_s=args.step_s,
                                          max_steps=args.max_steps), encoding="utf-8")
        report = Path(tmp) / "report"
        cmd = [sys.executable, "-m", "harness.load_cmd", "--profile", str(profile), "--state-dir", str(stack.state),
               "--report-dir", str(report), "--no-check"]
        subprocess.run(pinned(cmd, generator_cpu), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        summary = json.loads((report / "load-summary.json").read_text(encoding="utf-8"))
    bp = (summary.get("slo") or {}).get("breakpoint") or {}
    steps = bp.get("steps") or []
    held = bp.get("last_held")
    broken = bp.get("broken")
    bound = (summary.get("cpu") or {}).get("bound") or {}
    figures = {
        "cores": cores(), "load_average": os.getloadavg()[0],
        "campaign_peak_journeys_per_s": round(peak.rate, 3),
        "steps": [{k: s.get(k) for k in ("index", "target", "ok", "rps", "started", "offered", "failed")}
                  for s in steps],
        "last_held_journeys_per_s": held["target"] if held else 0,
        "last_held_requests_per_s": held["rps"] if held else 0,
        "multiple_of_campaign_peak": round(held["target"] / peak.rate, 1) if held else 0,
        "broke_on": broken["failed"] if broken else "no step broke: raise --max-steps",
        "generator_cpu_bound": bound or False,
    }
    show("the campaign mix against one emulator process (core 1), at the campaign-peak SLOs", figures)
    if held:
        print(f"\nheld {held['target']:g} journeys/s ({held['rps']:.0f} req/s), "
              f"{held['target'] / peak.rate:.1f}× the campaign peak of {peak.rate:.2f} journeys/s"
              + ("; the generator was CPU-bound: a lower bound" if bound else ""))
    else:
        print("\nno step held")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
