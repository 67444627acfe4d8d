"""Injected latency must not tie up the emulator: with D of added latency and C concurrent
connections the bound is C / D requests per second, and the emulator should reach 90 % of it.

    python -m load.bench.latency_faults [--concurrency 200] [--latency-ms 200] [--seconds 10] [--route PATH]

The stack runs in its own process on core 1, the generator on core 0 (wrk when installed —
`apt-get install wrk` —, else the small asyncio generator of load.bench.httpgen). The same route
is measured without the fault first (the baseline of this run), then with it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil

import requests

from load.bench.common import Serve, wrk
from load.bench.httpgen import run

ROUTE = "/api/v1/procedures?limit=1"
NS = "bench-latency"


def measure(url: str, concurrency: int, seconds: float) -> tuple[float, float, int]:
    """(requests per second, median latency in ms, errors)."""
    if shutil.which("wrk"):
        result = wrk(url, seconds=seconds, connections=concurrency, headers={"X-DVC-Namespace": NS})
        return result.rps, result.p50_ms, result.errors
    measured = run(url, concurrency=concurrency, seconds=seconds, headers={"X-DVC-Namespace": NS})
    return measured.rps, measured.percentile(50) * 1000, measured.errors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--latency-ms", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--route", default=ROUTE, help=f"a provincial route (default {ROUTE})")
    args = parser.parse_args(argv)
    with Serve(cpus="1") as stack:
        url = stack.info.url("provincial") + args.route
        measure(url, 10, 1)                                                   # warm up
        baseline = measure(url, args.concurrency, args.seconds)
        requests.post(f"{stack.info.url('provincial')}/_admin/faults", timeout=10,
                      headers={"X-Admin-Token": stack.info.admin_token, "X-DVC-Namespace": NS},
                      json={"action": "latency", "path": args.route.split("?")[0],
                            "latency": {"ms": args.latency_ms}}).raise_for_status()
        faulted = measure(url, args.concurrency, args.seconds)
    bound = args.concurrency / (args.latency_ms / 1000)
    figures = {
        "cpu_count": os.cpu_count(), "generator": "wrk" if shutil.which("wrk") else "load.bench.httpgen",
        "route": args.route, "concurrency": args.concurrency, "latency_ms": args.latency_ms, "seconds": args.seconds,
        "baseline_rps": round(baseline[0], 1), "baseline_p50_ms": round(baseline[1], 1),
        "faulted_rps": round(faulted[0], 1), "faulted_p50_ms": round(faulted[1], 1),
        "errors": baseline[2] + faulted[2], "bound_rps": bound, "ratio_to_bound": round(faulted[0] / bound, 3),
    }
    print(json.dumps(figures, indent=2))
    print(f"\n{faulted[0]:.0f} req/s with {args.latency_ms:.0f} ms injected at C={args.concurrency}: "
          f"{faulted[0] / bound:.1%} of the bound {bound:.0f} (target ≥ 90 %); "
          f"without the fault: {baseline[0]:.0f} req/s")
    return 0 if faulted[0] >= 0.9 * bound else 1


if __name__ == "__main__":
    raise SystemExit(main())
