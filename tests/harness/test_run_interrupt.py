"""An interrupted `dvc-harness run` (Ctrl-C, CI's SIGTERM): a real process signalled while its journeys run.

The journeys not finished count as not run (not as passed), the summaries say "interrupted" and the exit
code is 2; pytest is stopped and nothing is left running.
"""

from __future__ import annotations

import io
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
from typing import TextIO

import pytest

from harness import load_cmd
from harness import run as run_module
from harness.run import Progress, RunOptions, StackHandle
from harness.stack import Stack, StackInfo
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


@pytest.mark.parametrize(("sig", "sigint"), [(signal.SIGINT, signal.SIG_DFL), (signal.SIGTERM, signal.SIG_DFL),
                                             (signal.SIGTERM, signal.SIG_IGN)],
                         ids=["ctrl-c", "sigterm", "sigterm-in-the-background"])
def test_an_interrupted_run_counts_the_unfinished_journeys_as_not_run(
    sig: signal.Signals, sigint: signal.Handlers, running_stack: Stack, tmp_path: Path
) -> None:
    """Ctrl-C in a terminal (SIGINT as a terminal leaves it), and SIGTERM: also to a run started in the background
    by a script, which inherits an ignored SIGINT, as its pytest did (it then ran to its end)."""
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "test_sleepy.py").write_text(textwrap.dedent(SLEEPY), encoding="utf-8")
    reports = tmp_path / "reports"
    proc = subprocess.Popen(
        [sys.executable, "-m", "harness.cli", "run", "--suite", str(suite), "--state-dir",
         str(running_stack.config.state_dir), "--report-dir", str(reports), "--workers", "1", "--no-smoke",
         "--", "-p", "no:schemathesis", "-p", "no:hypothesispytest"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp_path, start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, sigint))   # not what this suite was started with
    try:
        lines, seen = _lines(proc), []
        deadline = time.monotonic() + 60   # a loaded machine starts the run slowly; only a failure waits it out
        while not any("journeys 1/4 done" in line for line in seen):   # the quick one passed: the slow ones run
            assert time.monotonic() < deadline, "".join(seen)
            try:
                seen.append(lines.get(timeout=1))
            except queue.Empty:
                assert proc.poll() is None, "".join(seen)
        proc.send_signal(sig)   # to the run alone, as `kill` does; a terminal's Ctrl-C reaches it the same way
        code = proc.wait(timeout=60)
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


# -- interrupted during the smoke load, after every journey ran (pytest and the load stubbed) -----------------
ONE_PASSED = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" errors="0" failures="0" skipped="0" tests="1" time="0.1">
 <testcase classname="suite.test_a" name="test_ok" file="suite/test_a.py" line="1" time="0.100"/>
</testsuite></testsuites>"""


def fake_stack(default_namespace: str = "default") -> StackHandle:
    info = StackInfo(services={"provincial": "http://127.0.0.1:9"}, admin_token="t", oidc_client={},
                     payment_partner={}, postal={}, sync={}, default_namespace=default_namespace)
    return StackHandle(info, started_here=False)


def stub_journeys(monkeypatch: pytest.MonkeyPatch, smoke: tuple[int, bool]) -> None:
    """pytest runs one journey that passes, uninterrupted; the smoke load gives `smoke` (code, interrupted)."""

    def run_pytest(cmd: list[str], log_path: Path, out: TextIO) -> tuple[int, bool, Progress]:
        log_path.write_text("$ pytest\n1 passed\n", encoding="utf-8")
        (log_path.parent / "junit.xml").write_text(ONE_PASSED, encoding="utf-8")
        progress = Progress(io.StringIO())
        progress.total = 1
        return 0, False, progress

    def run_smoke(state_dir: Path, report_dir: Path, **kwargs: object) -> tuple[int, bool]:
        folder = report_dir / "load"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "load-summary.json").write_text(json.dumps({"exit_code": smoke[0], "interrupted": smoke[1]}),
                                                  encoding="utf-8")
        return smoke

    monkeypatch.setattr(run_module, "open_stack", lambda state_dir: fake_stack())
    monkeypatch.setattr(run_module, "run_pytest", run_pytest)
    monkeypatch.setattr(load_cmd, "run_smoke", run_smoke)


def test_a_smoke_load_interrupted_after_the_journeys_is_not_an_interrupted_journey_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stub_journeys(monkeypatch, smoke=(2, True))
    reports = tmp_path / "reports"
    code = run_module.run(RunOptions(state_dir=tmp_path / "state", report_dir=reports, suite=str(tmp_path)))
    captured = capsys.readouterr()
    assert code == 2, captured.out                                   # still 2: the run was stopped
    data = json.loads((reports / "summary.json").read_text(encoding="utf-8"))
    assert data["exit_code"] == 2 and data["journeys_exit_code"] == 0 and data["run_error"] == ""
    assert data["interrupted"] is False and data["totals"]["not_run"] == 0 and data["totals"]["passed"] == 1
    assert data["smoke"]["verdict"] == "interrupted" and data["smoke"]["exit_code"] == 2
    html = (reports / "summary.html").read_text(encoding="utf-8")
    assert "journey(s) not run" not in html and "All journeys passed" in html
    assert "Smoke load: interrupted (Ctrl-C / SIGTERM, after the journeys" in html
    assert "INTERRUPTED during the smoke load" in captured.out and "INTERRUPTED —" not in captured.out
    assert "the last lines of pytest.log" not in captured.err       # pytest did nothing wrong


def test_a_smoke_load_that_finished_leaves_the_journeys_verdict_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stub_journeys(monkeypatch, smoke=(1, False))
    reports = tmp_path / "reports"
    assert run_module.run(RunOptions(state_dir=tmp_path / "state", report_dir=reports, suite=str(tmp_path))) == 1
    data = json.loads((reports / "summary.json").read_text(encoding="utf-8"))
    assert data["smoke"]["verdict"] == "an SLO failed" and data["interrupted"] is False
    assert "INTERRUPTED" not in capsys.readouterr().out


def test_interrupted_while_collecting_counts_the_selection_as_not_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Ctrl-C before pytest had said how many journeys it selected (its workers were collecting): the selection is
    counted (pytest --collect-only), not lost from the totals."""
    suite = tmp_path / "suite"
    suite.mkdir()
    (suite / "test_three.py").write_text("".join(f"def test_{n}():\n    pass\n\n" for n in "abc"), encoding="utf-8")

    def run_pytest(cmd: list[str], log_path: Path, out: TextIO) -> tuple[int | None, bool, Progress]:
        log_path.write_text("$ pytest\ncollecting ...\nKeyboardInterrupt\n", encoding="utf-8")
        return 2, True, Progress(io.StringIO())         # interrupted; no total, no JUnit XML

    monkeypatch.setattr(run_module, "open_stack", lambda state_dir: fake_stack())
    monkeypatch.setattr(run_module, "run_pytest", run_pytest)
    monkeypatch.chdir(tmp_path)
    reports = tmp_path / "reports"
    code = run_module.run(RunOptions(state_dir=tmp_path / "state", report_dir=reports, suite=str(suite),
                                     smoke=False))
    assert code == 2
    data = json.loads((reports / "summary.json").read_text(encoding="utf-8"))
    assert data["interrupted"] is True and data["totals"]["not_run"] == 3 and data["totals"]["journeys"] == 3
    assert "3 not run" in capsys.readouterr().out
