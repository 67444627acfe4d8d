"""`serve --workers N`: the workers live no longer than their parent, and hold the state folder with it."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import requests

from mocks.core.config import SERVICES
from tests.process_groups import (
    alive,
    children_of,
    free_base_port,
    serve_command,
    start,
    started,
    wait_for_stack,
    wait_until,
)


def port_free(url: str) -> bool:
    """Nothing listens on the URL's port (our bind would fail next to a listener, even with SO_REUSEADDR)."""
    host, port = url.removeprefix("http://").rsplit(":", 1)
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, int(port)))
        except OSError:
            return False
    return True


def refused(state: Path) -> tuple[int, str]:
    second = start(serve_command(state, workers=2))
    out, _ = second.communicate(timeout=60)
    return second.returncode, out


def test_killing_the_parent_takes_its_workers_and_ports_with_it(tmp_path: Path) -> None:
    state = tmp_path / "state"
    with started(serve_command(state, workers=2)) as first:
        info = wait_for_stack(state, first)
        workers = children_of(first.pid)
        assert len(workers) == 2

        first.send_signal(signal.SIGKILL)          # the parent only: no chance to stop its children
        first.wait(timeout=10)

        assert wait_until(lambda: not any(alive(pid) for pid in workers), timeout=10), \
            f"workers left behind: {[pid for pid in workers if alive(pid)]}"
        assert all(port_free(url) for url in info.services.values())


def test_a_second_serve_is_refused_while_any_worker_of_the_first_lives(tmp_path: Path) -> None:
    state = tmp_path / "state"
    with started(serve_command(state, workers=2)) as first:
        wait_for_stack(state, first)
        code, out = refused(state)
        assert code == 2
        assert out.strip().splitlines() == [out.strip()] and "Traceback" not in out
        assert out.startswith(f"dvc-harness serve: another `dvc-harness serve` (pid {first.pid}, ")
        assert "already uses" in out and str(state) in out

        # a worker that outlives its parent (stopped, so it cannot act on SIGTERM yet) still holds the folder
        straggler, other = children_of(first.pid)
        os.kill(straggler, signal.SIGSTOP)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        assert wait_until(lambda: not alive(other), timeout=10)
        assert alive(straggler)
        code, out = refused(state)
        assert code == 2 and f"(pid {straggler})" in out, out

        os.kill(straggler, signal.SIGCONT)          # it takes the pending SIGTERM and stops
        assert wait_until(lambda: not alive(straggler), timeout=15)
    with started(serve_command(state)) as third:     # the folder is free again (one process starts sooner)
        wait_for_stack(state, third)
        third.terminate()
        assert third.wait(timeout=30) == 0


def test_a_worker_whose_parent_is_already_gone_does_not_start() -> None:
    # the race the kernel's parent-death signal leaves open: the parent died before the child asked for it
    gone = subprocess.Popen(["true"])
    gone.wait()
    worker = subprocess.run([sys.executable, "-c", f"from harness.workers import die_with_parent; "
                             f"die_with_parent({gone.pid}); print('started')"], capture_output=True, text=True,
                            timeout=60)
    assert worker.returncode == 1 and worker.stdout == ""
    assert worker.stderr.strip() == f"worker: the serve process {gone.pid} is gone; not starting"


def test_a_worker_stops_when_its_lifeline_ends(tmp_path: Path) -> None:
    """The portable way (no prctl): the child's stdin ends with its parent. Here the 'parent' closes it."""
    state = tmp_path / "state"
    base = free_base_port(len(SERVICES))
    ports = {service: base + i for i, service in enumerate(SERVICES)}
    cmd = [sys.executable, "-m", "harness.workers", "--child", "0", "--state-dir", str(state), "--ports",
           json.dumps(ports), "--urls", json.dumps({s: f"http://127.0.0.1:{port}" for s, port in ports.items()}),
           "--parent", str(os.getpid())]
    with started(cmd, stdin=subprocess.PIPE, stderr=None) as child:
        assert child.stdout is not None and child.stdout.readline().strip() == "ready"
        health = requests.get(f"http://127.0.0.1:{ports['postal']}/_admin/health", timeout=5)
        assert health.headers["X-DVC-Worker"] == "0"
        assert child.stdin is not None
        child.stdin.close()
        assert child.wait(timeout=15) == 0

