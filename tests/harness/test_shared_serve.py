"""The stack parallel pytest workers share (harness.shared): started once, stopped by the run that started it."""

from __future__ import annotations

import json
import signal
import sys
from pathlib import Path

from harness import shared
from harness.stack import process_alive
from tests.process_groups import group_members, start, wait_until


def test_the_run_that_started_the_shared_stack_stops_it(tmp_path: Path) -> None:
    state = tmp_path / "state"
    info = shared.ensure_serving(state, "run-a")
    pid = json.loads((state / shared.PID_FILE).read_text())["pid"]
    try:
        assert shared.ensure_serving(state, "run-b") == info          # found, not started again
        shared.stop_serving(state, "run-b")                          # not its stack: it stays up
        assert info.answers()
        shared.stop_serving(state, "run-a")
        assert not process_alive(pid) and not group_members(pid)
        assert not (state / shared.PID_FILE).exists()
    finally:
        if process_alive(pid):
            shared.end(pid, grace=0)


def test_a_serve_that_ignores_sigterm_is_killed_with_its_session() -> None:
    stubborn = start([sys.executable, "-c", "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
                      "print('up', flush=True); time.sleep(120)"], stderr=None)
    try:
        assert stubborn.stdout is not None and stubborn.stdout.readline().strip() == "up"
        shared.end(stubborn.pid, grace=0.5)
        assert stubborn.wait(timeout=10) == -signal.SIGKILL
        assert wait_until(lambda: not group_members(stubborn.pid), timeout=5)
    finally:
        if stubborn.poll() is None:
            stubborn.kill()
        stubborn.wait()


def test_a_serve_that_died_leaves_its_number_to_another_process_which_is_not_stopped(tmp_path: Path) -> None:
    """The pid file outlived its serve, and the number now belongs to someone else's process."""
    import subprocess

    stranger = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (tmp_path / shared.PID_FILE).write_text(json.dumps({"run": "run-a", "pid": stranger.pid}))
        shared.stop_serving(tmp_path, "run-a")
        assert stranger.poll() is None, "the stop signalled a process that was not the serve"
        assert not (tmp_path / shared.PID_FILE).exists()
    finally:
        stranger.kill()
        stranger.wait()
