"""A pytest plugin that fails a test run which leaves processes behind (`-p tests.leftovers`).

The run marks its environment with a value of its own before any test runs, so whatever its tests start
carries the mark — and keeps it after its parent is gone, as an orphaned `serve --workers` child would.
xdist workers keep the mark they inherit; a pytest run inside a test adds its own to it (MARK=outer/inner).
When the session ends (after the fixtures' teardown, the xdist workers' exit and the other plugins' own
cleanup, such as the shared stack's stop), any live process whose mark is the run's or under it is listed,
stopped, and the run fails. Linux only (it reads /proc); elsewhere it does nothing.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
import uuid
from pathlib import Path

import pytest

MARK = "DVC_TEST_RUN"
_OWN = pytest.StashKey[str]()
# What a process may take to finish stopping after its test let it go (a browser, a serve). The test of this
# plugin, whose leftover never stops, sets a short one.
GRACE = float(os.environ.get("DVC_LEFTOVERS_GRACE_S", "10"))


def marked(mark: str) -> dict[int, str]:
    """Live processes (not this one) marked `mark` or under it: pid -> command line."""
    return _scan(mark)[0]


def _scan(mark: str) -> tuple[dict[int, str], set[int]]:
    """The processes marked `mark` or under it, and the descendants of this process whose environment cannot be
    read yet: a child is running once its parent's `Popen` returns, but for a moment (long on a busy machine)
    its new image has no environment to show."""
    key = f"{MARK}=".encode()
    found: dict[int, str] = {}
    unread: set[int] = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            environ = Path(f"/proc/{entry}/environ").read_bytes()
            if not environ:
                if _state(int(entry)) not in (None, "Z", "X") and _descends_from_us(int(entry)):
                    unread.add(int(entry))
                continue
            values = [v[len(key):].decode() for v in environ.split(b"\0") if v.startswith(key)]
            if not values or not (values[0] == mark or values[0].startswith(f"{mark}/")):
                continue
            if _state(int(entry)) in (None, "Z", "X"):  # gone, or dead and waiting to be reaped
                continue
            found[int(entry)] = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
        except (OSError, ValueError):
            continue
    return found, unread


def _descends_from_us(pid: int) -> bool:
    for _ in range(64):
        fields = _stat(pid)
        if fields is None:
            return False
        pid = int(fields[1])    # the parent
        if pid == os.getpid():
            return True
        if pid <= 1:
            return False
    return False


def left_behind(mark: str, grace: float = GRACE) -> dict[int, str]:
    deadline = time.monotonic() + grace
    while True:
        found, unread = _scan(mark)
        if not (found or unread) or time.monotonic() >= deadline:
            return found
        time.sleep(0.2)


def stop(pids: list[int]) -> None:
    """SIGTERM, then SIGKILL to those still running after 3 s (each process alone: it may share our group)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        for pid in running(pids):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, sig)
        deadline = time.monotonic() + 3
        while running(pids) and time.monotonic() < deadline:
            time.sleep(0.1)


def running(pids: list[int]) -> list[int]:
    return [pid for pid in pids if _state(pid) not in (None, "Z", "X")]


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name (state, parent, group, ...); None when gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat[stat.rindex(")") + 2:].split()


def _state(pid: int) -> str | None:
    fields = _stat(pid)
    return fields[0] if fields else None


def pytest_configure(config: pytest.Config) -> None:
    if not Path("/proc/self/environ").exists() or hasattr(config, "workerinput"):  # xdist workers keep the run's
        return
    outer = os.environ.get(MARK)
    mine = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
    os.environ[MARK] = f"{outer}/{mine}" if outer else mine
    config.stash[_OWN] = os.environ[MARK]


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    mark = session.config.stash.get(_OWN, None)
    if mark is None:
        return
    found = left_behind(mark)
    if not found:
        return
    stop(list(found))
    lines = [f"  pid {pid}: {cmd[:200]}" for pid, cmd in sorted(found.items())]
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    message = f"the tests left {len(found)} process(es) running (now stopped):\n" + "\n".join(lines)
    if reporter is not None:
        reporter.write_sep("=", "processes left behind", red=True)
        reporter.write_line(message)
    else:
        print(message)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED
