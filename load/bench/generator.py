"""The load generator's cost: requests per second per core of dvc-harness's users against a bare
FastHttpUser on the same endpoint, in the same run.

    python -m load.bench.generator [--seconds 15] [--users 20]

The emulator gets core 1, each Locust run (one process) core 0, in turns: the bare
FastHttpUser, Locust's HttpUser (requests, which the harness's clients take), and the harness's
user (the provincial client over the named, measured session). Requests per second per core =
the requests Locust counted / the CPU seconds the Locust process used, so a server that is
the bottleneck does not flatter or spoil the figure.
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from load.bench.common import Serve, cores, pinned, show

CLASSES = ("BareFastHttpUser", "BareHttpUser", "HarnessUser")


def one_run(host: str, user_class: str, seconds: float, users: int, cpus: str | None) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        prefix = str(Path(tmp) / "run")
        cmd = [sys.executable, "-m", "locust", "-f", str(Path(__file__).with_name("generator_users.py")), "--headless",
               "--host", host, "-u", str(users), "-r", str(users), "-t", f"{seconds:g}s", "--csv", prefix,
               "--only-summary", "--loglevel", "WARNING", "--exit-code-on-error", "0", user_class]
        process = subprocess.Popen(pinned(cmd, cpus), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                   env={**os.environ, "DVC_BENCH_HOST": host})
        _, _, usage = os.wait4(process.pid, 0)
        cpu = usage.ru_utime + usage.ru_stime
        with open(prefix + "_stats.csv", encoding="utf-8") as f:
            total = next(r for r in csv.DictReader(f) if r["Name"] == "Aggregated")
    requests_ = int(total["Request Count"])
    return {"requests": requests_, "failures": int(total["Failure Count"]), "cpu_s": round(cpu, 2),
            "rps": round(float(total["Requests/s"]), 1), "rps_per_core": round(requests_ / cpu, 1) if cpu else 0.0}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)
    server_cpu, generator_cpu = ("1", "0") if cores() >= 2 else (None, None)
    runs: dict[str, list[dict[str, float]]] = {c: [] for c in CLASSES}
    with Serve(cpus=server_cpu) as stack:
        host = stack.info.url("provincial")
        for _ in range(args.rounds):
            for user_class in CLASSES:
                runs[user_class].append(one_run(host, user_class, args.seconds, args.users, generator_cpu))
    per_core = {c: statistics.median(r["rps_per_core"] for r in runs[c]) for c in CLASSES}
    show("requests per second per core of the load generator (GET /api/v1/procedures?limit=1)", {
        "cores": cores(), "load_average": os.getloadavg()[0], "users": args.users, "seconds": args.seconds,
        "runs": runs, "rps_per_core_median": per_core,
        "ratio_harness_to_bare_fasthttp": round(per_core["HarnessUser"] / per_core["BareFastHttpUser"], 3),
        "ratio_harness_to_bare_http": round(per_core["HarnessUser"] / per_core["BareHttpUser"], 3),
    })
    print(f"\nharness user {per_core['HarnessUser']:,.0f} req/s per core, bare FastHttpUser "
          f"{per_core['BareFastHttpUser']:,.0f}: ratio {per_core['HarnessUser'] / per_core['BareFastHttpUser']:.2f} "
          f"(HttpUser {per_core['BareHttpUser']:,.0f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
