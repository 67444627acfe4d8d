"""The children of `run` and `load` (pytest, Locust) do not outlive a `run` or `load` killed outright."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from tests.process_groups import end_group

PARENT = """
import sys, time
from harness.children import start_child
child = start_child([sys.executable, "-c", "import time; time.sleep(60)"])
print(child.pid, flush=True)
time.sleep(60)
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal is Linux's")
def test_a_child_dies_when_its_parent_is_killed_outright() -> None:
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True,
                              start_new_session=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        child = int(parent.stdout.readline())  # type: ignore[union-attr]
        assert _alive(child)
        parent.kill()   # SIGKILL: no chance to stop the child itself
        parent.wait()
        deadline = time.monotonic() + 10
        while _alive(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(child), "the child outlived its killed parent"
    finally:
        end_group(parent)


AFTER_FORK = """
import ctypes, os, sys
from harness import workers

def no_dlopen(*args, **kwargs):
    raise OSError("dlopen after fork")

ctypes.CDLL = no_dlopen          # what a forked child must not do: workers resolved prctl at its import
workers.die_with_parent(os.getppid())
signal = ctypes.c_int(0)
workers._PRCTL(2, ctypes.byref(signal), 0, 0, 0)   # PR_GET_PDEATHSIG
print(signal.value)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal is Linux's")
def test_dying_with_the_parent_opens_no_library_after_fork() -> None:
    """start_child's preexec_fn runs in a child forked from a process that may have threads: it calls the prctl
    looked up at import, and opens no library there (a dlopen after fork may deadlock)."""
    import signal

    done = subprocess.run([sys.executable, "-c", AFTER_FORK], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) == signal.SIGTERM
