"""An interrupted `dvc-harness run` (Ctrl-C, CI's SIGTERM): a real process signalled while its journeys run.

The journeys not finished count as not run (not as passed), the summaries say "interrupted" and the exit
code is 2; pytest is stopped and nothing is left running.
"""

from __future__ import annotations

import json
import queue
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.stack import Stack
from tests.process_groups import end_group

SLEEPY = '''
import time


def test_a_quick_one():
    pass


def test_slow_1():
    time.sleep(4)


def test_slow_2():
    time.sleep(4)


def test_slow_3():
    time.sleep(4)
'''


@pytest.fixture(scope="module")
def running_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with Stack.start(tmp_path_factory.mktemp("interrupt-stack")) as stack:
        yield stack


def _lines(proc: subprocess.Popen[str]) -> queue.Queue[str]:
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)

    threading.Thread(target=read, daemon=True).start()
    return lines


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_an_interrupted_run_counts_the_unfinished_journeys_as_not_run(
    sig: signal.Signals, running_stack: Stack, tmp_path: Path
) -> None:
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "test_sleepy.py").write_text(textwrap.dedent(SLEEPY), encoding="utf-8")
    reports = tmp_path / "reports"
    proc = subprocess.Popen(
        [sys.executable, "-m", "harness.cli", "run", "--suite", str(suite), "--state-dir",
         str(running_stack.config.state_dir), "--report-dir", str(reports), "--workers", "1", "--no-smoke",
         "--", "-p", "no:schemathesis", "-p", "no:hypothesispytest"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp_path, start_new_session=True)
    try:
        lines, seen = _lines(proc), []
        deadline = time.monotonic() + 25
        while not any("journeys 1/4 done" in line for line in seen):   # the quick one passed: the slow ones run
            assert time.monotonic() < deadline, "".join(seen)
            try:
                seen.append(lines.get(timeout=1))
            except queue.Empty:
                assert proc.poll() is None, "".join(seen)
        proc.send_signal(sig)   # to the run alone, as `kill` does; a terminal's Ctrl-C reaches it the same way
        code = proc.wait(timeout=30)
    finally:
        end_group(proc, close_streams=False)   # the run and its pytest, whatever happened
    time.sleep(0.2)
    while not lines.empty():
        seen.append(lines.get())
    out = "".join(seen)
    assert code == 2, out
    assert "INTERRUPTED" in out and "1 passed" in out and "3 not run" in out, out
    data = json.loads((reports / "summary.json").read_text(encoding="utf-8"))
    assert data["interrupted"] is True and data["exit_code"] == 2
    assert data["totals"]["journeys"] == 4 and data["totals"]["passed"] == 1 and data["totals"]["not_run"] == 3
    assert [j["name"] for j in data["journeys"]] == ["test_a_quick_one"]    # no unnamed "?" journeys
    html = (reports / "summary.html").read_text(encoding="utf-8")
    assert "Interrupted" in html and "3 journey(s) not run" in html
    assert "KeyboardInterrupt" in (reports / "pytest.log").read_text(encoding="utf-8")   # pytest was stopped
