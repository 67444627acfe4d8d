"""One stack for all parallel pytest workers: started once, under a file lock, as a process.

The first worker that needs it runs `dvc-harness serve` on free ports in the state folder
and records its pid; the others find it through stack.json. The process that ran the
whole session (the xdist controller) stops it at the end — only if it was started here.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from filelock import FileLock

from .stack import StackInfo, find_running, prepare_state_dir, process_alive

PID_FILE = "shared-serve.pid"


def ensure_serving(state_dir: Path, run_id: str, timeout: float = 60.0) -> StackInfo:
    prepare_state_dir(state_dir)  # a StackError in one line when the folder is unusable
    with FileLock(str(state_dir / "shared-serve.lock")):
        info = find_running(state_dir)
        if info is not None:
            return info
        log = open(state_dir / "shared-serve.log", "ab")  # noqa: SIM115 - the child keeps writing to it
        process = subprocess.Popen(
            [sys.executable, "-m", "harness.cli", "serve", "--state-dir", str(state_dir), "--base-port", "0"],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        (state_dir / PID_FILE).write_text(json.dumps({"pid": process.pid, "run": run_id}))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"dvc-harness serve exited with {process.returncode}; "
                                   f"see {state_dir / 'shared-serve.log'}")
            info = find_running(state_dir)
            if info is not None:
                return info
            time.sleep(0.1)
        end(process.pid)
        process.wait()
        raise RuntimeError(f"dvc-harness serve did not answer within {timeout:.0f} s")


def stop_serving(state_dir: Path, run_id: str) -> None:
    """Stop the shared stack if this run started it (a stack someone else serves stays up)."""
    pid_file = state_dir / PID_FILE
    if not pid_file.exists():
        return
    try:
        started = json.loads(pid_file.read_text())
        if started.get("run") != run_id:
            return
        if _serves(int(started["pid"]), state_dir):
            end(int(started["pid"]))
    except (ValueError, KeyError, AttributeError):
        pass
    pid_file.unlink(missing_ok=True)


def _serves(pid: int, state_dir: Path) -> bool:
    """The process `pid` is still the serve of `state_dir`: a serve that died left its number free for another
    process, which must not get its SIGTERM."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return not Path("/proc/self/cmdline").exists() and process_alive(pid)   # no /proc: trust the number
    return b"serve" in command and any(str(state_dir).encode() in part for part in command)


def end(pid: int, grace: float = 10.0) -> None:
    """SIGTERM to the serve; SIGKILL to its whole session (it leads one) if it has not stopped after `grace`."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while process_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    if process_alive(pid):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, signal.SIGKILL)
