"""Processes our tests start (`serve`, `serve --workers N`), each in its own process group, so that a test
ends all of it — the workers too — whatever happened to the test (a failed assert, a timeout)."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from harness.stack import StackInfo


def serve_command(state_dir: Path, *, workers: int = 1, base_port: int = 0) -> list[str]:
    cmd = [sys.executable, "-m", "harness.cli", "serve", "--state-dir", str(state_dir), "--base-port", str(base_port)]
    return cmd + (["--workers", str(workers)] if workers > 1 else [])


def start(cmd: list[str], **popen: Any) -> subprocess.Popen[str]:
    """`cmd` in a new session (its own process group); output to a pipe unless told otherwise."""
    popen.setdefault("stdout", subprocess.PIPE)
    popen.setdefault("stderr", subprocess.STDOUT)
    return subprocess.Popen(cmd, text=True, start_new_session=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
                            **popen)


@contextlib.contextmanager
def started(cmd: list[str], **popen: Any) -> Iterator[subprocess.Popen[str]]:
    process = start(cmd, **popen)
    try:
        yield process
    finally:
        end_group(process)


def end_group(process: subprocess.Popen[Any], timeout: float = 15.0, *, close_streams: bool = True) -> None:
    """SIGTERM to the process's whole group, then SIGKILL to what is left of it; reaps the leader. A test whose
    thread still reads the process's output keeps its streams open (`close_streams=False`)."""
    pgid = process.pid  # a session leader: its group has its pid, and keeps it after the leader is gone
    if process.poll() is not None and not group_members(pgid):
        # the leader was reaped and its group is empty: the number is free, and may be another run's group by
        # now (a second copy of the suite beside this one churns through pids too)
        _close(process, close_streams)
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGTERM)
    if not wait_until(lambda: not group_members(pgid), timeout):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
        wait_until(lambda: not group_members(pgid), 5.0)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)
    _close(process, close_streams)


def _close(process: subprocess.Popen[Any], close_streams: bool) -> None:
    for stream in (process.stdin, process.stdout, process.stderr) if close_streams else ():
        if stream is not None:
            stream.close()


def wait_until(condition: Any, timeout: float, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(step)


def _stat(pid: int) -> list[str] | None:
    """Fields of /proc/PID/stat after the command name (state, ppid, pgrp, ...); None when gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2:].split()


def alive(pid: int) -> bool:
    """Running (a zombie waiting for its parent to reap it counts as gone)."""
    fields = _stat(pid)
    return fields is not None and fields[0] not in ("Z", "X")


def _pids() -> Iterator[int]:
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            yield int(entry)


def group_members(pgid: int) -> list[int]:
    """The live processes of a process group."""
    return [pid for pid in _pids() if (f := _stat(pid)) is not None and f[2] == str(pgid) and f[0] not in "ZX"]


def children_of(pid: int) -> list[int]:
    return [p for p in _pids() if (f := _stat(p)) is not None and f[1] == str(pid) and f[0] not in "ZX"]


def wait_for_stack(state_dir: Path, process: subprocess.Popen[str], timeout: float = 60) -> StackInfo:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"serve exited with {process.returncode}: "
                                 f"{process.stdout.read() if process.stdout else ''}")
        info = StackInfo.load(state_dir)
        if info is not None and info.answers():
            return info
        time.sleep(0.1)
    raise AssertionError("serve did not write a stack.json that answers")


def _ephemeral_low() -> int:
    """The first port of the kernel's ephemeral range (the ports outgoing connections and bind(0) take)."""
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_base_port(span: int = 15) -> int:
    """A base port N with N..N+span-1 free (a serve's five, and a second serve's at N+10), chosen at random below
    the ephemeral range: a port from bind(0) or an outgoing connection, which any process (the suite's other tests,
    a second copy of it) may take between this check and serve's bind, is never one of them."""
    low, chooser = _ephemeral_low(), random.Random()
    for _ in range(200):
        base = chooser.randrange(20000, max(20001, low - span))
        held: list[socket.socket] = []
        try:
            for port in range(base, base + span):
                s = socket.socket()
                held.append(s)
                s.bind(("127.0.0.1", port))
        except OSError:
            continue
        finally:
            for s in held:
                s.close()
        return base
    raise RuntimeError(f"no {span} free consecutive ports below {low}")
