"""The children of `run` and `load` (pytest, Locust): started in a process group of their own and stopped
the same way whatever stopped us (a terminal's Ctrl-C, `kill -INT`, CI's SIGTERM), so that they write
their reports and nothing is left running."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

from .workers import die_with_parent

INTERRUPT_WAIT_S = 30.0     # how long an interrupted pytest or Locust may take to write its reports


@contextmanager
def sigterm_as_interrupt() -> Iterator[dict[str, bool]]:
    """SIGTERM (CI cancelling the job) ends the run like Ctrl-C: pytest is stopped, the stack too."""
    state = {"sigterm": False}
    if threading.current_thread() is not threading.main_thread():
        yield state
        return

    def handler(signum: int, frame: Any) -> None:
        state["sigterm"] = True
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield state
    finally:
        signal.signal(signal.SIGTERM, previous)


def start_child(cmd: list[str], **kwargs: Any) -> subprocess.Popen[str]:
    """A child (pytest, Locust) in a process group of its own: a terminal's Ctrl-C reaches this process only,
    which then stops the child once, the same way for Ctrl-C, `kill -INT` and SIGTERM (see stop_child).
    Should this process be killed outright (`kill -9`), the child gets SIGTERM from the kernel (Linux), so a
    killed `run` or `load` leaves no pytest or Locust behind."""
    parent = os.getpid()

    def prepare() -> None:
        die_with_parent(parent)
        # A run started in the background inherits an ignored SIGINT, and its child would too: the child is in a
        # session of its own, reached by no terminal, and must hear the SIGINT that stop_child sends it.
        with suppress(ValueError):
            signal.signal(signal.SIGINT, signal.SIG_DFL)

    return subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, encoding="utf-8", errors="replace", start_new_session=True,
                            preexec_fn=prepare, **kwargs)


def _signal_group(proc: subprocess.Popen[str], sig: int) -> None:
    with suppress(ProcessLookupError, PermissionError):   # already gone
        os.killpg(proc.pid, sig)


def stop_child(proc: subprocess.Popen[str], wait: float = INTERRUPT_WAIT_S) -> None:
    """Ctrl-C for the child's whole group (pytest and its xdist workers, Locust and its processes), so it
    writes its reports; killed when it takes longer than `wait` or on a second Ctrl-C."""
    if proc.poll() is None:
        _signal_group(proc, signal.SIGINT)
    try:
        proc.wait(timeout=wait)
    except (subprocess.TimeoutExpired, KeyboardInterrupt):
        _signal_group(proc, signal.SIGKILL)
        proc.wait()


