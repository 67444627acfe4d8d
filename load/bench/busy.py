"""How busy the machine's CPUs are while a command runs: is a run waiting, or computing?

    python -m load.bench.busy [--every 10] -- make test

Prints, when the command ends, the share of CPU time not idle (all cores, /proc/stat) in each interval and over
the whole run, and exits with the command's exit code. docs/testing.md reads it to decide between moving checks
and adding workers: a suite that leaves the cores idle gains from another worker; one that keeps them busy
does not. Linux only.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time


def sample() -> tuple[int, int]:
    """(all jiffies, idle and I/O-wait jiffies) since boot."""
    with open("/proc/stat", encoding="ascii") as stat:
        fields = [int(v) for v in stat.readline().split()[1:]]
    return sum(fields), fields[3] + fields[4]


def busy(before: tuple[int, int], after: tuple[int, int]) -> float:
    total, idle = after[0] - before[0], after[1] - before[1]
    return 100.0 * (1 - idle / total) if total else 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m load.bench.busy", description=__doc__.splitlines()[0])
    parser.add_argument("--every", type=float, default=10.0, help="seconds per interval (default 10)")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="the command, after --")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the command to watch after --")
    started, first = time.monotonic(), sample()
    last, shares = first, []
    process = subprocess.Popen(command)
    while process.poll() is None:
        time.sleep(args.every)
        now = sample()
        shares.append(round(busy(last, now)))
        last = now
    print(f"busy % every {args.every:g} s: {shares}", file=sys.stderr)
    print(f"busy {busy(first, sample()):.0f} % over {time.monotonic() - started:.0f} s", file=sys.stderr)
    return process.returncode


if __name__ == "__main__":
    raise SystemExit(main())
