"""The report builder on hand-made JUnit XML: outcomes, steps, artefacts, unicode, both summaries."""

from __future__ import annotations

import io
import json
from pathlib import Path
from xml.sax.saxutils import quoteattr

import pytest

from harness.report import (
    ERROR,
    FAILED,
    PASSED,
    SKIPPED,
    ReportError,
    RunReport,
    keyword_expression,
    read_junit,
    render_html,
    terminal_summary,
    write_reports,
)
from harness.run import Progress, judge, prepare_report_dir, suite_arguments


def steps_json(*steps: tuple[str, float, bool, str]) -> str:
    return quoteattr(json.dumps([{"name": n, "seconds": s, "ok": ok, "error": e} for n, s, ok, e in steps],
                                ensure_ascii=False))


def junit(report_dir: Path, base_dir: Path) -> Path:
    """A run of six test cases, as pytest writes them with junit_family=xunit1."""
    folder = report_dir / "artifacts" / "suites-test-nop-ho-so-py-testnophoso-test-nop-truc-tuyen-chromium"
    folder.mkdir(parents=True)
    (folder / "trace.zip").write_bytes(b"PK")
    (folder / "test-failed-1.png").write_bytes(b"\x89PNG")
    (folder / "page.html").write_text("<html>trang lỗi</html>", encoding="utf-8")
    relative_to_base = Path("..", *(folder.relative_to(base_dir.parent).parts))  # as pytest-playwright writes it
    failed_steps = steps_json(("Đăng nhập qua DVCQG", 1.25, True, ""),
                              ("Nộp hồ sơ", 3.5, False, "TimeoutError: Nút 'Nộp hồ sơ' không hiện"))
    passed_steps = steps_json(("Tìm thủ tục", 0.4, True, ""), ("Mở chi tiết", 0.2, True, ""))
    xml = f"""<?xml version="1.0" encoding="utf-8"?>
<testsuites name="pytest tests"><testsuite name="pytest" errors="2" failures="1" skipped="1" tests="6" time="9.0">
 <testcase classname="suites.test_tra_cuu" name="test_tim_thu_tuc[chromium]" file="suites/test_tra_cuu.py" line="3"
           time="1.500"><properties><property name="dvc_steps" value={passed_steps}/></properties></testcase>
 <testcase classname="suites.test_nop_ho_so.TestNopHoSo" name="test_nop_truc_tuyen[chromium]"
           file="suites/test_nop_ho_so.py" line="10" time="6.250">
  <properties>
   <property name="dvc_steps" value={failed_steps}/>
   <property name="dvc_page_html" value="{folder / 'page.html'}"/>
   <property name="playwright_screenshot" value="{relative_to_base / 'test-failed-1.png'}"/>
   <property name="playwright_trace" value="{relative_to_base / 'trace.zip'}"/>
  </properties>
  <failure message="TimeoutError: Nút 'Nộp hồ sơ' không hiện&#10;Call log:&#10;  - waiting">Traceback…
E   TimeoutError: Nút 'Nộp hồ sơ' không hiện</failure>
 </testcase>
 <testcase classname="suites.test_nop_ho_so.TestNopHoSo" name="test_nop_truc_tuyen_le_phi[chromium]"
           file="suites/test_nop_ho_so.py" line="20" time="0.300">
  <error message="failed on setup with &quot;ConnectionError: cổng thanh toán không trả lời&quot;">setup tb</error>
 </testcase>
 <testcase classname="suites.test_tra_cuu" name="test_buu_chinh" file="suites/test_tra_cuu.py" line="9" time="0.001">
  <skipped type="pytest.skip" message="chưa có dịch vụ bưu chính">suites/test_tra_cuu.py:9: chưa có</skipped>
 </testcase>
 <testcase classname="suites.test_tra_cuu" name="test_thanh_toán[H\\xe0 N\\u1ed9i]" file="suites/test_tra_cuu.py"
           line="12" time="0.100"/>
 <testcase classname="" name="suites.test_hong" file="suites/test_hong.py" time="0.000">
  <error message="collection failure">ImportError while importing test module</error>
 </testcase>
</testsuite></testsuites>"""
    path = report_dir / "junit.xml"
    path.write_text(xml, encoding="utf-8")
    return path


@pytest.fixture
def folders(tmp_path: Path) -> tuple[Path, Path]:
    report_dir, base_dir = tmp_path / "reports", tmp_path / "work"
    report_dir.mkdir()
    base_dir.mkdir()
    return report_dir, base_dir


def make_report(journeys: list, exit_code: int = 1, run_error: str = "") -> RunReport:
    return RunReport(
        journeys=journeys, started_at="2024-01-15T08:00:00+07:00", seconds=12.5, seed=1234, suite="scenarios.suites",
        services={"national": "http://127.0.0.1:8100", "provincial": "http://127.0.0.1:8101"},
        state_dir="/tmp/state", stack_started_here=True, command="python -m pytest --pyargs scenarios.suites",
        exit_code=exit_code, run_error=run_error, repeat_all="dvc-harness run --seed 1234",
    )


def test_read_junit_outcomes_steps_and_ids(folders: tuple[Path, Path]) -> None:
    report_dir, base_dir = folders
    journeys = read_junit(junit(report_dir, base_dir), report_dir, base_dir)
    by_name = {j.name: j for j in journeys}
    assert [j.outcome for j in journeys] == [PASSED, FAILED, ERROR, SKIPPED, PASSED, ERROR]

    passed = by_name["test_tim_thu_tuc[chromium]"]
    assert passed.id == "suites/test_tra_cuu.py::test_tim_thu_tuc[chromium]"
    assert [(s.name, s.seconds, s.ok) for s in passed.steps] == [("Tìm thủ tục", 0.4, True), ("Mở chi tiết", 0.2, True)]
    assert passed.seconds == 1.5 and passed.message == "" and passed.artifacts == []

    failed = by_name["test_nop_truc_tuyen[chromium]"]
    assert failed.id == "suites/test_nop_ho_so.py::TestNopHoSo::test_nop_truc_tuyen[chromium]"
    assert failed.classes == ["TestNopHoSo"] and failed.module == "test_nop_ho_so.py"
    assert failed.message.startswith("TimeoutError: Nút 'Nộp hồ sơ' không hiện")
    assert "E   TimeoutError" in failed.details
    assert failed.failed_step is not None
    index, step = failed.failed_step
    assert (index, step.name, step.error) == (2, "Nộp hồ sơ", "TimeoutError: Nút 'Nộp hồ sơ' không hiện")

    error = by_name["test_nop_truc_tuyen_le_phi[chromium]"]
    assert error.failed and "cổng thanh toán không trả lời" in error.message and not error.collection_error
    assert by_name["test_buu_chinh"].message == "chưa có dịch vụ bưu chính"
    assert by_name["test_thanh_toán[H\\xe0 N\\u1ed9i]"].outcome == PASSED

    broken = by_name["suites.test_hong"]
    assert broken.collection_error and broken.id == "suites/test_hong.py"


def test_artefacts_are_relative_to_the_report_folder(folders: tuple[Path, Path]) -> None:
    report_dir, base_dir = folders
    failed = read_junit(junit(report_dir, base_dir), report_dir, base_dir)[1]
    folder = "artifacts/suites-test-nop-ho-so-py-testnophoso-test-nop-truc-tuyen-chromium"
    assert [(a.kind, a.path, a.exists) for a in failed.artifacts] == [
        ("trace", f"{folder}/trace.zip", True),
        ("screenshot", f"{folder}/test-failed-1.png", True),
        ("page_html", f"{folder}/page.html", True),
    ]
    assert failed.artifact("trace").command == f"playwright show-trace --host 127.0.0.1 --port 9323 {folder}/trace.zip"


def test_artefacts_beside_the_page_html_when_pytest_playwright_names_none(tmp_path: Path) -> None:
    folder = tmp_path / "artifacts" / "t"
    folder.mkdir(parents=True)
    for name in ("page.html", "trace.zip", "test-failed-1.png"):
        (folder / name).write_bytes(b"x")
    (tmp_path / "junit.xml").write_text(
        f'<testsuite><testcase classname="t" name="test_a" file="t.py" time="1"><properties>'
        f'<property name="dvc_page_html" value="{folder / "page.html"}"/></properties>'
        f'<failure message="boom">tb</failure></testcase></testsuite>', encoding="utf-8")
    [journey] = read_junit(tmp_path / "junit.xml", tmp_path, tmp_path)
    assert [a.kind for a in journey.artifacts] == ["trace", "screenshot", "page_html"]


def test_unreadable_junit_and_bad_steps(tmp_path: Path) -> None:
    (tmp_path / "junit.xml").write_text("<testsuite><testcase", encoding="utf-8")
    with pytest.raises(ReportError):
        read_junit(tmp_path / "junit.xml", tmp_path)
    with pytest.raises(ReportError):
        read_junit(tmp_path / "missing.xml", tmp_path)
    (tmp_path / "junit.xml").write_text(
        '<testsuite><testcase classname="t" name="test_a" time="0.5"><properties>'
        '<property name="dvc_steps" value="not json"/></properties></testcase></testsuite>', encoding="utf-8")
    [journey] = read_junit(tmp_path / "junit.xml", tmp_path)
    assert journey.outcome == PASSED and journey.id == "t::test_a"
    assert journey.steps[0].name == "(dvc_steps could not be read)"


def test_keyword_expression_selects_one_journey(folders: tuple[Path, Path]) -> None:
    report_dir, base_dir = folders
    journeys = read_junit(junit(report_dir, base_dir), report_dir, base_dir)
    failed, error = journeys[1], journeys[2]
    # test_nop_truc_tuyen is a substring of test_nop_truc_tuyen_le_phi: that one is excluded by name
    assert keyword_expression(failed, journeys) == (
        "test_nop_ho_so.py and TestNopHoSo and test_nop_truc_tuyen[chromium]"
    )
    assert keyword_expression(error, journeys) == (
        "test_nop_ho_so.py and TestNopHoSo and test_nop_truc_tuyen_le_phi[chromium]"
    )
    shorter = journeys[1]
    shorter.name = "test_nop_truc_tuyen"
    assert keyword_expression(shorter, journeys).endswith("and not test_nop_truc_tuyen_le_phi[chromium]")
    # -k names stop at characters -k cannot take (a space in a parameter id)
    unicode_case = journeys[4]
    assert keyword_expression(unicode_case, journeys) == "test_tra_cuu.py and test_thanh_toán[H\\xe0"


def test_html_and_json_summaries(folders: tuple[Path, Path]) -> None:
    report_dir, base_dir = folders
    journeys = read_junit(junit(report_dir, base_dir), report_dir, base_dir)
    journeys[1].repeat = "dvc-harness run --seed 1234 --workers 1 -k 'test_nop_ho_so.py and x'"
    report = make_report(journeys)
    html_path, json_path = write_reports(report, report_dir)
    html = html_path.read_text(encoding="utf-8")
    assert "Nộp hồ sơ" in html and "Đăng nhập qua DVCQG" in html
    assert "playwright show-trace --host 127.0.0.1 --port 9323 artifacts/" in html
    assert 'src="artifacts/suites-test-nop-ho-so-py-testnophoso-test-nop-truc-tuyen-chromium/test-failed-1.png"' in html
    assert "TimeoutError: Nút &#39;Nộp hồ sơ&#39; không hiện" in html          # escaped, not raw
    assert "1234" in html and "http://127.0.0.1:8101" in html and "2024-01-15T08:00:00+07:00" in html
    assert "<script" not in html and "http" not in html.split("<style>")[1].split("</style>")[0]  # self-contained

    data = json.loads(json_path.read_text(encoding="utf-8"))
    assert data["exit_code"] == 1 and data["seed"] == 1234
    assert data["totals"] == {"journeys": 6, "passed": 2, "failed": 1, "error": 2, "skipped": 1, "not_run": 0,
                              "flaky": 0, "journey_seconds": 8.151, "run_seconds": 12.5}
    assert data["stack"]["services"]["provincial"] == "http://127.0.0.1:8101"
    failed = data["journeys"][1]
    assert failed["outcome"] == "failed" and failed["steps"][1]["ok"] is False
    assert [a["kind"] for a in failed["artifacts"]] == ["trace", "screenshot", "page_html"]
    assert failed["repeat_command"].startswith("dvc-harness run")
    assert data["slowest_steps"][0] == {"journey": failed["id"], "name": "Nộp hồ sơ", "seconds": 3.5, "ok": False,
                                        "error": "TimeoutError: Nút 'Nộp hồ sơ' không hiện", "skipped": ""}


def test_html_of_a_run_that_failed_before_any_journey() -> None:
    html = render_html(make_report([], exit_code=2, run_error="the emulators could not start: <port busy>"))
    assert "exit code 2" in html and "&lt;port busy&gt;" in html


def test_terminal_summary(folders: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    report_dir, base_dir = folders
    monkeypatch.chdir(report_dir.parent)
    journeys = read_junit(junit(report_dir, base_dir), report_dir, base_dir)
    journeys[1].repeat = "dvc-harness run --seed 1234 --workers 1 -k 'x'"
    text = terminal_summary(make_report(journeys), report_dir)
    lines = text.splitlines()
    assert lines[0] == ("dvc-harness run: 6 journeys — 2 passed, 1 failed, 2 errors, 1 skipped in 12.5 s "
                        "(seed 1234)")
    assert lines[1].startswith("  FAIL  test_nop_ho_so.py::TestNopHoSo::test_nop_truc_tuyen[chromium]  ")
    assert "        step 2 “Nộp hồ sơ” failed after 3.50 s" in lines
    assert "Slowest steps:" in lines and "     3.50 s  Nộp hồ sơ  (test_nop_truc_tuyen[chromium])" in lines
    assert "Report: reports/summary.html  (also summary.json, junit.xml, pytest.log there)" in lines
    from harness.tools import command

    # the viewer as it can be typed from where the run started (here a folder outside the project)
    assert any(line.startswith(f"Open the first failure's trace:  {command('playwright')} show-trace --host "
                               "127.0.0.1 --port 9323 reports/artifacts/")
               for line in lines)
    assert lines[-1] == "  dvc-harness run --seed 1234 --workers 1 -k 'x'"
    assert len(lines) < 30


# -- the run's own helpers -------------------------------------------------------------------------
def j(outcome: str, collection_error: bool = False) -> object:
    from harness.report import Journey

    return Journey(id="t.py::t", name="t", classname="t", file="t.py", outcome=outcome, seconds=0.1,
                   collection_error=collection_error)


@pytest.mark.parametrize(("rc", "interrupted", "journeys", "code"), [
    (0, False, [j(PASSED), j(SKIPPED)], 0),
    (1, False, [j(PASSED), j(FAILED)], 1),
    (1, False, [j(ERROR)], 1),                       # a journey's setup broke: the journey failed
    (1, False, [j(ERROR, collection_error=True)], 2),  # a module could not be imported (xdist says 1)
    (2, False, [j(ERROR, collection_error=True)], 2),
    (4, False, [], 2),                               # usage error, suite not found
    (5, False, [], 2),                               # nothing collected
    (0, False, [], 2),
    (1, False, [j(PASSED)], 2),                      # pytest failed, no journey did
    (1, False, None, 2),                             # no JUnit XML
    (None, False, None, 2),                          # pytest did not start
    (1, True, [j(FAILED)], 2),                       # interrupted
])
def test_exit_codes(rc: int | None, interrupted: bool, journeys: list | None, code: int) -> None:
    assert judge(rc, interrupted, journeys)[0] == code


def test_report_folder_keeps_what_is_not_ours(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    (reports / "artifacts" / "old").mkdir(parents=True)
    (reports / "artifacts" / "old" / "trace.zip").write_bytes(b"x")
    (reports / "notes.txt").write_text("mine")
    from harness.run import RunError

    with pytest.raises(RunError, match="did not write"):
        prepare_report_dir(reports)                   # an artifacts/ folder that is not ours
    (reports / ".dvc-harness-run").write_text("")
    (reports / "summary.json").write_text("{}")
    prepare_report_dir(reports)
    assert sorted(p.name for p in reports.iterdir()) == [".dvc-harness-run", "notes.txt"]
    with pytest.raises(RunError, match="report folder"):
        prepare_report_dir(tmp_path / "reports" / "notes.txt")


def test_suite_arguments(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "test_a.py").write_text("")
    assert suite_arguments(None) == ["--pyargs", "scenarios.suites"]
    assert suite_arguments("mine") == ["mine"]
    assert suite_arguments("mine/test_a.py::test_x[a b]") == ["mine/test_a.py::test_x[a b]"]
    assert suite_arguments("scenarios.suites.test_citizen_journeys") == ["--pyargs",
                                                                        "scenarios.suites.test_citizen_journeys"]


def test_progress_follows_plain_and_xdist_output() -> None:
    class Out:
        text = ""

        def write(self, s: str) -> None:
            self.text += s

        def flush(self) -> None:
            pass

        def isatty(self) -> bool:
            return False

    out = Out()
    progress = Progress(out, clock=lambda: 0.0)  # type: ignore[arg-type]
    for line in [
        "collecting ... collected 4 items / 1 deselected / 3 selected",
        "dvc-harness: start suite/test_a.py::test_x[a b]",
        "suite/test_a.py::test_x[a b] PASSED                      [ 33%]",
        "suite/test_a.py::test_y FAILED                           [ 66%]",
        "suite/test_a.py::test_y ERROR                            [ 66%]",
        "suite/test_a.py::test_z SKIPPED (no)                     [100%]",
        "=================================== FAILURES ===================================",
        "suite/test_a.py::test_q PASSED",
    ]:
        progress.feed(line)
    assert progress.total == 3 and progress.counts() == {"passed": 1, "failed": 1, "skipped": 1}
    # without a terminal: the first journey, every failure and the last one get a line
    assert out.text.splitlines() == [
        "  3 journeys selected · 0 s",                     # the selection and each start, as they happen
        "  start  suite/test_a.py::test_x[a b]",
        "  journeys 1/3 done · 1 passed · 0 failed · 0 skipped · 0 s",
        "  FAIL  suite/test_a.py::test_y",
        "  journeys 2/3 done · 1 passed · 1 failed · 0 skipped · 0 s",
        "  journeys 3/3 done · 1 passed · 1 failed · 1 skipped · 0 s",
    ]

    progress = Progress(out)  # type: ignore[arg-type]
    for line in ["created: 2/2 workers", "2 workers [2 items]", "suite/test_a.py::test_x ",
                 "[gw1] [ 50%] ERROR suite/test_a.py::test_x ", "[gw0] [100%] PASSED suite/test_a.py::test_w[Hà Nội] "]:
        progress.feed(line)
    assert progress.total == 2
    assert set(progress.results) == {"suite/test_a.py::test_x", "suite/test_a.py::test_w[Hà Nội]"}
    assert progress.counts() == {"passed": 1, "failed": 1, "skipped": 0}


def test_progress_without_a_terminal_prints_at_most_every_few_seconds() -> None:
    out = io.StringIO()
    now = [0.0]
    progress = Progress(out, every=5.0, clock=lambda: now[0])
    progress.feed("collected 20 items")
    for i in range(20):         # a journey done every second
        now[0] = float(i + 1)
        progress.feed(f"suite/test_a.py::test_{i} PASSED")
    lines = out.getvalue().splitlines()
    assert lines == [
        "  20 journeys selected · 0 s",
        "  journeys 1/20 done · 1 passed · 0 failed · 0 skipped · 1 s",
        "  journeys 6/20 done · 6 passed · 0 failed · 0 skipped · 6 s",
        "  journeys 11/20 done · 11 passed · 0 failed · 0 skipped · 11 s",
        "  journeys 16/20 done · 16 passed · 0 failed · 0 skipped · 16 s",
        "  journeys 20/20 done · 20 passed · 0 failed · 0 skipped · 20 s",
    ]


def test_the_plugins_warnings_reach_the_user_at_once() -> None:
    out = io.StringIO()
    progress = Progress(out)
    progress.feed("dvc-harness: warning: --video on needs ffmpeg, which is not installed: videos are off")
    progress.feed("dvc-harness: test data seed 5 (repeat with --dvc-seed)")
    assert out.getvalue() == "dvc-harness: warning: --video on needs ffmpeg, which is not installed: videos are off\n"


def test_the_smoke_load_is_in_both_summaries(tmp_path: Path) -> None:
    from harness.report import RunReport, render_html

    report = RunReport(journeys=[], started_at="2026-11-27T20:00:00+00:00", seconds=1.0, seed=1, suite="s",
                       services={}, state_dir="d", stack_started_here=True, command="pytest", exit_code=1,
                       smoke={"exit_code": 1, "verdict": "an SLO failed", "report_dir": "load"},
                       journeys_exit_code=0)
    as_json = report.as_json()
    assert as_json["exit_code"] == 1 and as_json["journeys_exit_code"] == 0
    assert as_json["smoke"] == {"exit_code": 1, "verdict": "an SLO failed", "report_dir": "load"}
    html = render_html(report)
    assert "All journeys passed" in html and "Smoke load: an SLO failed" in html and "load/locust.html" in html


def _smoke_report() -> RunReport:
    return RunReport(journeys=[], started_at="2026-11-27T20:00:00+00:00", seconds=1.0, seed=1, suite="s",
                     services={}, state_dir="d", stack_started_here=True, command="pytest", exit_code=0,
                     smoke={"exit_code": 0, "verdict": "every SLO held", "report_dir": "load", "load": None},
                     journeys_exit_code=0)


@pytest.mark.parametrize("content", ["{}", '{"profile": "smoke", "exit_code": 0}', "[1, 2]", "{not json",
                                     '{"profile": "smoke", "mode": "users", "exit_code": 0, "peak": "many", '
                                     '"peak_unit": "users", "duration_s": "soon"}'],
                         ids=["empty", "older-shape", "a-list", "not-json", "text-for-numbers"])
def test_a_load_summary_the_report_cannot_show_is_said_so_not_a_crash(tmp_path: Path, content: str) -> None:
    (tmp_path / "load").mkdir()
    (tmp_path / "load" / "load-summary.json").write_text(content, encoding="utf-8")
    html_path, json_path = write_reports(_smoke_report(), tmp_path)
    html = html_path.read_text(encoding="utf-8")
    assert "The load&#39;s summary could not be read" in html or "The load's summary could not be read" in html
    assert json.loads(json_path.read_text(encoding="utf-8"))["exit_code"] == 0


def test_an_older_load_summary_with_the_figures_shown_still_renders(tmp_path: Path) -> None:
    (tmp_path / "load").mkdir()
    older = {"profile": "smoke", "mode": "users", "exit_code": 0, "peak": 5, "peak_unit": "users", "duration_s": 60}
    (tmp_path / "load" / "load-summary.json").write_text(json.dumps(older), encoding="utf-8")
    html = render_html(_smoke_report(), tmp_path)
    assert "could not be read" not in html and "Load (smoke)" in html and "Every SLO held" in html


def test_every_summary_names_the_world_of_the_journeys(tmp_path: Path) -> None:
    """The terminal summary, summary.json and summary.html say which date's rules the journeys ran under."""
    from datetime import date

    from harness.report import render_html
    from mocks.core.world import world_on

    for day, said in ((date(2026, 12, 7), "citizens and organisations log in with VNeID; two tiers"),
                      (date(2022, 3, 15), "DVCQG passwords and registration with a one-time code; three tiers")):
        report = make_report([], exit_code=0)
        report.world = world_on(day).to_json()
        assert f"the world of {day.isoformat()}: {said}" in terminal_summary(report, tmp_path)
        assert report.as_json()["world"]["day"] == day.isoformat()
        assert f"the world of {day.isoformat()}: {said}" in render_html(report)
