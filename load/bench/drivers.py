"""The journeys' drivers against each other: the same citizen journeys, one at a time, in the browser and over HTTP.

    .venv/bin/python -m load.bench.drivers [--rounds 2] [-k EXPR]

Each round runs the suite scenarios/suites/test_citizen_journeys.py (or the -k selection) in the browser driver,
then in the API driver, on one stack started for the bench (`dvc-harness serve`, one worker of pytest, so the
figures are the journeys' own, not the machine's parallelism). It prints, per driver, the journeys' time (the
sum of the tests' call phases, from JUnit XML: the journey without pytest's start-up and the browser's launch),
the level-4 journey's and the median journey's time, and the wall time; then the ratios. The machine is noisy:
the rounds alternate the drivers, and the figures of the round with the smallest sum are kept for each.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from load.bench.common import Serve

SUITE = "scenarios/suites/test_citizen_journeys.py"
ROOT = Path(__file__).resolve().parents[2]


def run_suite(state: Path, driver: str, keyword: str | None, folder: Path) -> dict[str, float]:
    junit = folder / f"{driver}.xml"
    cmd = [sys.executable, "-m", "pytest", SUITE, "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
           "-p", "no:schemathesis", "-p", "no:hypothesispytest", f"--dvc-state-dir={state}",
           f"--dvc-driver={driver}", f"--junitxml={junit}", "-o", "junit_family=xunit1",
           "-o", "junit_duration_report=call"]   # the journeys, not the session's set-up (the catalogue, a browser)
    if keyword:
        cmd += ["-k", keyword]
    started = time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=1800)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"the {driver} run failed:\n{done.stdout[-3000:]}")
    times = {case.get("name", ""): float(case.get("time") or 0) for case in ET.parse(junit).getroot().iter("testcase")
             if case.find("skipped") is None}
    return {"wall": wall, "sum": sum(times.values()), "median": statistics.median(times.values()),
            "level4": times.get("test_journey[level4]", float("nan")), "count": len(times)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m load.bench.drivers", description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("-k", dest="keyword", default=None)
    args = parser.parse_args(argv)
    best: dict[str, dict[str, float]] = {}
    with Serve() as serve, tempfile.TemporaryDirectory(prefix="dvc-bench-drivers-") as tmp:
        for round_ in range(args.rounds):
            for driver in ("browser", "api") if round_ % 2 == 0 else ("api", "browser"):
                figures = run_suite(serve.state, driver, args.keyword, Path(tmp))
                print(f"round {round_ + 1} {driver:<7}: {figures['count']:.0f} journeys in {figures['sum']:.1f} s "
                      f"(level-4 {figures['level4']:.2f} s, median {figures['median']:.2f} s), wall "
                      f"{figures['wall']:.1f} s", flush=True)
                if driver not in best or figures["sum"] < best[driver]["sum"]:
                    best[driver] = figures
    browser, api = best["browser"], best["api"]
    print()
    print(f"browser: journeys {browser['sum']:.1f} s, level-4 {browser['level4']:.2f} s, median "
          f"{browser['median']:.2f} s, wall {browser['wall']:.1f} s")
    print(f"api:     journeys {api['sum']:.1f} s, level-4 {api['level4']:.2f} s, median {api['median']:.2f} s, "
          f"wall {api['wall']:.1f} s")
    print(f"the API driver takes {api['sum'] / browser['sum']:.3f} of the browser's journey time "
          f"(1/{browser['sum'] / api['sum']:.1f}); wall {api['wall'] / browser['wall']:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
