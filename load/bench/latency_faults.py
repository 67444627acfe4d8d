"""Injected latency must not tie up the emulator: with D of added latency and C concurrent
connections the bound is C / D requests per second, and the emulator should reach 90 % of it.

    python -m load.bench.latency_faults [--concurrency 200] [--latency-ms 200] [--seconds 10]

Starts `dvc-harness serve` in its own process, measures the same route without the fault
first (the baseline of this run), then with the fault, and prints both.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from harness.stack import find_running
from load.bench.httpgen import run

ROUTE = "/api/v1/procedures?limit=1"
NS = "bench-latency"


def serve(state_dir: Path) -> tuple[subprocess.Popen[bytes], dict[str, str], str]:
    process = subprocess.Popen([sys.executable, "-m", "harness.cli", "serve", "--state-dir", str(state_dir),
                                "--base-port", "0"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(300):
        info = find_running(state_dir)
        if info is not None:
            return process, info.services, info.admin_token
        time.sleep(0.1)
    process.kill()
    raise SystemExit("the stack did not start")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--latency-ms", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        process, urls, token = serve(Path(tmp))
        try:
            url = urls["provincial"] + ROUTE
            headers = {"X-DVC-Namespace": NS}
            run(url, concurrency=10, seconds=1, headers=headers)                       # warm up
            baseline = run(url, concurrency=args.concurrency, seconds=args.seconds, headers=headers)
            requests.post(f"{urls['provincial']}/_admin/faults", timeout=10,
                          headers={"X-Admin-Token": token, "X-DVC-Namespace": NS},
                          json={"action": "latency", "path": "/api/v1/procedures", "latency": {"ms": args.latency_ms}}
                          ).raise_for_status()
            faulted = run(url, concurrency=args.concurrency, seconds=args.seconds, headers=headers)
        finally:
            process.terminate()
            process.wait(timeout=30)
    bound = args.concurrency / (args.latency_ms / 1000)
    figures = {
        "cpu_count": os.cpu_count(), "concurrency": args.concurrency, "latency_ms": args.latency_ms,
        "seconds": args.seconds,
        "baseline_rps": round(baseline.rps, 1), "baseline_p50_ms": round(baseline.percentile(50) * 1000, 1),
        "faulted_rps": round(faulted.rps, 1), "faulted_p50_ms": round(faulted.percentile(50) * 1000, 1),
        "faulted_p99_ms": round(faulted.percentile(99) * 1000, 1), "errors": baseline.errors + faulted.errors,
        "bound_rps": bound, "ratio_to_bound": round(faulted.rps / bound, 3),
    }
    print(json.dumps(figures, indent=2))
    print(f"\n{faulted.rps:.0f} req/s with {args.latency_ms:.0f} ms injected at C={args.concurrency}: "
          f"{faulted.rps / bound:.1%} of the bound {bound:.0f} (target ≥ 90 %); "
          f"without the fault: {baseline.rps:.0f} req/s")
    return 0 if faulted.rps >= 0.9 * bound else 1


if __name__ == "__main__":
    raise SystemExit(main())
