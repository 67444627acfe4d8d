"""What a server's retired threads leave in memory: glibc's default malloc arenas, two a process, or a trim.

    .venv/bin/python -m load.bench.arenas [--cycles 30] [--threads 40] [--rows 20000]

The emulators' thread pool starts threads in a burst when requests wait and retires them when idle; each
thread opens its own SQLite connections (mocks/core/storage.py), fills their page caches and closes them when
it ends. Each variant runs in a process of its own: CYCLES bursts of THREADS threads at once, each reading a
table of ROWS rows through a `Store` (page cache filled), then ending. It prints the process's RSS after the
first burst and after the last, for glibc's default (up to 8 arenas a core, what `serve` keeps), for
MALLOC_ARENA_MAX=2 and for `malloc_trim(0)` after each burst. Same machine, same run: read the ratios, not the
megabytes. Why `serve` keeps the default: docs/limits.md, "Long runs".
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


VARIANTS = {"default": ({}, "glibc's default arenas"), "two": ({"MALLOC_ARENA_MAX": "2"}, "MALLOC_ARENA_MAX=2"),
            "trim": ({}, "default + malloc_trim")}


def _variant(name: str, cycles: int, threads: int, rows: int) -> dict[str, float]:
    import ctypes

    from mocks.core.storage import Store

    trim = ctypes.CDLL(None).malloc_trim if name == "trim" else None
    with tempfile.TemporaryDirectory() as folder:
        store = Store(Path(folder) / "bench.db", synchronous="NORMAL")
        store.migrate("CREATE TABLE IF NOT EXISTS row (id INTEGER PRIMARY KEY, body TEXT)")
        with store.transaction() as conn:
            conn.executemany("INSERT INTO row (body) VALUES (?)", ((f"{i:08d}" * 24,) for i in range(rows)))

        def visit() -> None:
            store.scalar("SELECT sum(length(body)) FROM row")
            store.query("SELECT id, body FROM row ORDER BY body DESC LIMIT 50")

        figures = {}
        for cycle in range(cycles):
            burst = [threading.Thread(target=visit) for _ in range(threads)]
            for thread in burst:
                thread.start()
            for thread in burst:
                thread.join()
            if trim is not None:
                trim(0)
            if cycle == 0:
                figures["first"] = _rss_mb()
        figures["last"] = _rss_mb()
        figures["connections_left"] = store.connections
        store.close()
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m load.bench.arenas", description=__doc__.split("\n\n")[0])
    parser.add_argument("--cycles", type=int, default=30)
    parser.add_argument("--threads", type=int, default=40)
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--variant", choices=tuple(VARIANTS), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.variant:
        print(json.dumps(_variant(args.variant, args.cycles, args.threads, args.rows)))
        return 0
    results = {}
    for variant, (env, _) in VARIANTS.items():
        out = subprocess.run([sys.executable, "-m", "load.bench.arenas", "--variant", variant,
                              "--cycles", str(args.cycles), "--threads", str(args.threads), "--rows", str(args.rows)],
                             capture_output=True, text=True, check=True, env={**os.environ, **env}).stdout
        results[variant] = json.loads(out.strip().splitlines()[-1])
    print(f"{args.cycles} bursts of {args.threads} threads, each reading {args.rows:,} rows, a connection each:")
    base = results["default"]["last"]
    for variant, (_, label) in VARIANTS.items():
        r = results[variant]
        print(f"  {label:<24} RSS {r['first']:6.1f} MB after the first burst, {r['last']:6.1f} MB after the last "
              f"({r['last'] / r['first']:.2f}×; {r['last'] / base:.2f}× the default's); "
              f"connections left {r['connections_left']:.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
