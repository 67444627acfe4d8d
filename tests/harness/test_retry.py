"""The failed journeys' second run (harness.retry): which runs trace at once, which journeys run again, how the
second run joins the report, and a second run interrupted. pytest itself is stubbed here; tests/harness/test_run.py
runs a real one."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import TextIO

import pytest

from harness import load_cmd
from harness import run as run_module
from harness.report import FAILED, PASSED, RETRY_INTERRUPTED, Artifact, Journey, terminal_summary
from harness.retry import RETRY_AT_MOST, merge, retries, selection
from harness.run import Progress, RunOptions, pytest_command
from tests.harness.test_run_interrupt import fake_stack


def journey(name: str, outcome: str = FAILED, **fields: object) -> Journey:
    return Journey(id=f"suite/test_a.py::{name}", name=name, classname="suite.test_a", file="suite/test_a.py",
                   outcome=outcome, seconds=1.0, **fields)  # type: ignore[arg-type]


def tracing(cmd: list[str]) -> str:
    return next(a.split("=", 1)[1] for a in cmd if a.startswith("--tracing="))


@pytest.mark.parametrize(("options", "again"), [
    ({}, True),
    ({"retry": False}, False),                                   # --no-retry
    ({"driver": "api"}, False),                                  # no trace to keep
    ({"pages": "my_portal.pages:factory"}, False),               # a team's portal keeps the first run's accounts
    ({"pytest_args": ["--tracing=on"]}, False),                  # the user's own tracing
    ({"pytest_args": ["--tracing", "off"]}, False),
], ids=["default", "no-retry", "api-driver", "team-portal", "tracing-on", "tracing-off"])
def test_which_runs_trace_at_once_and_which_run_failures_again(options: dict, again: bool, tmp_path: Path) -> None:
    opts = RunOptions(**options)
    assert retries(opts) is again
    cmd = pytest_command(opts, 7, tmp_path, tmp_path)
    assert tracing(cmd) == ("off" if again else "retain-on-failure")
    repeat = run_module.repeat_command(opts, 7, None, 2)
    assert ("--no-retry" in repeat) is (options.get("retry") is False)


def test_the_second_run_s_command_is_traced_selected_and_writes_apart(tmp_path: Path) -> None:
    opts = RunOptions(workers=2, keyword="level4", pytest_args=["-x"])
    first = pytest_command(opts, 7, tmp_path, tmp_path)
    again = pytest_command(opts, 7, tmp_path, tmp_path, again=("(a) or (b)", 1))
    assert tracing(again) == "on" and f"--output={tmp_path / 'artifacts' / 'retry'}" in again
    assert f"--junitxml={tmp_path / 'junit-retry.xml'}" in again and f"--junitxml={tmp_path / 'junit.xml'}" in first
    assert again[again.index("-k") + 1] == "(a) or (b)" and "-n" not in again    # one journey, one process
    assert first[first.index("-k") + 1] == "level4" and first[first.index("-n") + 1] == "2"
    assert again[-1] == "-x" and "--dvc-seed=7" in again       # the same data, the user's own arguments


def test_the_failed_journeys_run_again_at_most_ten_and_never_a_collection_error() -> None:
    journeys = [journey(f"test_j{i:02d}") for i in range(RETRY_AT_MOST + 2)]
    journeys += [journey("test_ok", PASSED), journey("broken", "error", collection_error=True)]
    chosen, keyword = selection(journeys)
    assert [j.name for j in chosen] == [f"test_j{i:02d}" for i in range(RETRY_AT_MOST)]
    assert keyword.count(" or ") == RETRY_AT_MOST - 1 and "test_j00" in keyword and "test_j10" not in keyword
    assert "test_ok" not in keyword and "broken" not in keyword
    assert selection([journey("test_ok", PASSED)]) == ([], "")


def test_the_second_run_joins_the_journeys_it_ran() -> None:
    first_shot = Artifact("screenshot", "artifacts/a/test-failed-1.png", True)
    journeys = [journey("test_flaky", artifacts=[first_shot]), journey("test_broken"), journey("test_ok", PASSED),
                journey("test_left_out")]
    second = [journey("test_flaky", PASSED, artifacts=[Artifact("trace", "artifacts/retry/a/trace.zip", True)]),
              journey("test_broken", FAILED, message="again", artifacts=[
                  Artifact("screenshot", "artifacts/retry/b/test-failed-1.png", True),
                  Artifact("trace", "artifacts/retry/b/trace.zip", True)]),
              journey("test_ok", PASSED)]       # a passing journey the -k caught too: not a second run of it
    assert merge(journeys, second) == 2
    flaky, broken, ok, left_out = journeys
    assert flaky.flaky and flaky.outcome == FAILED and flaky.retry is not None and flaky.retry.outcome == PASSED
    assert [(a.kind, a.attempt) for a in flaky.artifacts] == [("trace", 2), ("screenshot", 1)]
    assert not broken.flaky and broken.retry is not None and broken.retry.message == "again"
    assert [(a.kind, a.attempt) for a in broken.artifacts] == [("trace", 2), ("screenshot", 2)]
    assert ok.retry is None and left_out.retry is None and not left_out.flaky


FIRST_RUN = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" errors="0" failures="1" skipped="0" tests="2" time="0.1">
 <testcase classname="suite.test_a" name="test_ok" file="suite/test_a.py" line="1" time="0.100"/>
 <testcase classname="suite.test_a" name="test_broken" file="suite/test_a.py" line="5" time="0.100">
  <failure message="AssertionError: no">Traceback</failure></testcase>
</testsuite></testsuites>"""


def test_a_second_run_interrupted_keeps_the_first_verdicts_and_skips_the_smoke_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    calls: list[list[str]] = []

    def run_pytest(cmd: list[str], log_path: Path, out: TextIO) -> tuple[int, bool, Progress]:
        calls.append(cmd)
        log_path.write_text("$ pytest\n", encoding="utf-8")
        if len(calls) == 1:
            (log_path.parent / "junit.xml").write_text(FIRST_RUN, encoding="utf-8")
            return 1, False, Progress(io.StringIO())
        return 2, True, Progress(io.StringIO())         # Ctrl-C during the second run

    def run_smoke(*args: object, **kwargs: object) -> tuple[int, bool]:
        raise AssertionError("the smoke load ran after an interruption")

    monkeypatch.setattr(run_module, "open_stack", lambda state_dir: fake_stack())
    monkeypatch.setattr(run_module, "run_pytest", run_pytest)
    monkeypatch.setattr(load_cmd, "run_smoke", run_smoke)
    reports = tmp_path / "reports"
    code = run_module.run(RunOptions(state_dir=tmp_path / "state", report_dir=reports, suite=str(tmp_path)))
    out = capsys.readouterr().out
    assert len(calls) == 2 and calls[1][calls[1].index("-k") + 1] == "(test_a.py and test_broken)"
    assert code == 2, out                                 # stopped by the user: 2, as any interrupted run
    data = json.loads((reports / "summary.json").read_text(encoding="utf-8"))
    assert data["journeys_exit_code"] == 1 and data["totals"]["failed"] == 1 and data["totals"]["flaky"] == 0
    assert data["retry_note"] == RETRY_INTERRUPTED and data["smoke"]["verdict"] == "interrupted"
    assert RETRY_INTERRUPTED in out and "INTERRUPTED during the smoke load" not in out
    assert RETRY_INTERRUPTED in (reports / "summary.html").read_text(encoding="utf-8")


def test_the_summary_counts_the_flaky_journeys() -> None:
    from tests.harness.test_report import make_report

    flaky = journey("test_flaky")
    merge([flaky], [journey("test_flaky", PASSED)])
    text = terminal_summary(make_report([flaky, journey("test_ok", PASSED)]), Path("reports"))
    assert "1 flaky: failed, then passed when run again (the first verdict stands)" in text
    assert "run again, traced: passed — FLAKY" in text
