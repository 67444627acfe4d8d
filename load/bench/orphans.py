"""How long the workers of `serve --workers 2` outlive a parent killed with SIGKILL (no chance to stop them).

    .venv/bin/python -m load.bench.orphans [--rounds 3]

Each round starts `dvc-harness serve --workers 2` in a fresh state folder, waits for stack.json, kills the parent
with SIGKILL and measures the time until both workers are gone (their services stopped in parallel, or the
orphan's grace ended).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _children(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [int(p) for p in found]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/status")
    return not (status.exists() and "\nState:\tZ" in status.read_text())


def one_round() -> float:
    with tempfile.TemporaryDirectory(prefix="dvc-bench-orphans-") as tmp:
        state = Path(tmp) / "state"
        parent = subprocess.Popen([sys.executable, "-m", "harness.cli", "serve", "--state-dir", str(state),
                                   "--base-port", "0", "--workers", "2"], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            deadline = time.monotonic() + 60
            while not (state / "stack.json").exists():
                if time.monotonic() > deadline:
                    raise SystemExit("the stack did not start")
                time.sleep(0.1)
            json.loads((state / "stack.json").read_text())
            workers = _children(parent.pid)
            started = time.perf_counter()
            parent.send_signal(signal.SIGKILL)
            parent.wait()
            while any(_alive(pid) for pid in workers):
                time.sleep(0.02)
            return time.perf_counter() - started
        finally:
            os.killpg(parent.pid, signal.SIGKILL) if _alive(parent.pid) else None


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m load.bench.orphans")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    times = [one_round() for _ in range(args.rounds)]
    print("workers gone after the parent's SIGKILL: " + ", ".join(f"{t:.2f} s" for t in times)
          + f"; longest {max(times):.2f} s (load average {os.getloadavg()[0]:.1f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
