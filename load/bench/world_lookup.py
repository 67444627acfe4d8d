"""What answering "which world is this namespace in" costs the catalogue's hot read (issue 16).

    python -m load.bench.world_lookup [--calls 20000] [--rounds 3]

Since the catalogue follows the namespace's date (Quảng Nam's until 30 June 2025, thành phố Đà Nẵng's after), the
fast read of `GET /api/v1/procedures` first reads the namespace's clock (one SQLite query on the control store).
This times, in one process and in turns, the fast read as the stack answers it (world lookup + the era's bytes)
against the era's bytes alone (the baseline: what the read cost before), per call, for a namespace whose clock is
set and one whose clock is not; it prints microseconds per call and the ratio. No server, no network: the cost of
the lookup itself, which a wrk run against the server (catalogue_vs_wiremock) then shows as a share of a request.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import datetime

from mocks.core.timefmt import VN_TZ


def per_call(fn: Callable[[], object], calls: int) -> float:
    started = time.perf_counter()
    for _ in range(calls):
        fn()
    return (time.perf_counter() - started) / calls * 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m load.bench.world_lookup")
    parser.add_argument("--calls", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)

    from harness.stack import Stack  # here: importing the stack is not part of what is timed

    with tempfile.TemporaryDirectory() as folder:
        stack = Stack.start(folder, services=("provincial",))
        try:
            app = stack.app("provincial")
            fast = app.fast_reads["/api/v1/procedures"]
            portal = app.app.state.portal
            portal.clock.set("pinned", datetime(2026, 1, 15, 9, 0, tzinfo=VN_TZ))
            era = portal.catalogue_for("pinned")
            assert fast(b"", "pinned") == era.fast_read(b"")       # the same bytes, by both ways
            rows: dict[str, list[float]] = {"baseline (bytes only)": [], "world + bytes, clock set": [],
                                            "world + bytes, clock not set": []}
            for _ in range(args.rounds):
                rows["baseline (bytes only)"].append(per_call(lambda: era.fast_read(b""), args.calls))
                rows["world + bytes, clock set"].append(per_call(lambda: fast(b"", "pinned"), args.calls))
                rows["world + bytes, clock not set"].append(per_call(lambda: fast(b"", "fresh"), args.calls))
        finally:
            stack.stop()
    base = statistics.median(rows["baseline (bytes only)"])
    print(f"catalogue fast read, {args.calls} calls x {args.rounds} rounds (median µs per call):")
    for name, values in rows.items():
        median = statistics.median(values)
        print(f"  {name:<30} {median:8.2f} µs   x{median / base:6.1f} the baseline   (+{median - base:.2f} µs)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
