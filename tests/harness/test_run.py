"""`dvc-harness run` end to end, on tiny throwaway suites: exit codes 0, 1 and 2, and the reports."""

from __future__ import annotations

import io
import json
import os
import shlex
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from harness import run as run_module
from harness.cli import main
from harness.stack import Stack
from mocks.core.timefmt import VN_TZ

PASSING = '''
import pytest
from playwright.sync_api import Page, expect

from harness.steps import current, step

pytestmark = pytest.mark.dvc_journey


def test_steps_are_recorded() -> None:
    with step("Chuẩn bị hồ sơ"):
        pass
    with step("Kiểm tra dữ liệu"):
        recorder = current()
        assert recorder is not None and [s.name for s in recorder.steps] == ["Chuẩn bị hồ sơ"]


def test_the_provincial_home_page(page: Page, dvc_stack) -> None:
    with step("Mở Cổng Dịch vụ công tỉnh"):
        page.goto(dvc_stack.urls["provincial"] + "/")
    with step("Thấy tiêu đề trang"):
        expect(page.get_by_role("heading", level=1)).to_be_visible()
'''

FAILING = '''
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from harness.steps import step

pytestmark = pytest.mark.dvc_journey


def test_a_heading_that_is_not_there(page: Page, dvc_stack) -> None:
    with step("Mở Cổng Dịch vụ công tỉnh"):
        page.goto(dvc_stack.urls["provincial"] + "/")
    with step("Tìm tiêu đề không tồn tại"):
        expect(page.get_by_role("heading", name="Không có tiêu đề này")).to_be_visible(timeout=300)


def test_a_heading_that_is_not_there_either() -> None:
    with step("Bước đạt"):
        pass


def test_a_page_that_answers_the_second_time(page: Page, dvc_stack) -> None:
    with step("Mở Cổng Dịch vụ công tỉnh"):
        page.goto(dvc_stack.urls["provincial"] + "/")
    with step("Lần đầu thì lỗi"):
        first = Path(__file__).with_name("the-first-run-was-here")
        if not first.exists():
            first.write_text("")
            raise AssertionError("lần đầu / the first time only")
'''


# The dev extras' pytest plugins (schemathesis, hypothesis) take seconds to import in every pytest
# process; these throwaway suites do not need them. (This also checks that `--` reaches pytest.)
QUICK = ["--no-smoke", "--", "-p", "no:schemathesis", "-p", "no:hypothesispytest"]


def write_suite(folder: Path, source: str, name: str = "test_journeys.py") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(textwrap.dedent(source), encoding="utf-8")
    return folder


def summary(report_dir: Path) -> dict:
    return json.loads((report_dir / "summary.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def running_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A stack already running, as `dvc-harness serve` leaves one: its stack.json in its state folder."""
    with Stack.start(tmp_path_factory.mktemp("running-stack")) as stack:
        yield stack


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_passing_suite_on_the_running_stack(
    workdir: Path, running_stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    write_suite(workdir / "suite", PASSING)
    state_dir = Path(running_stack.config.state_dir)
    started = time.monotonic()
    code = main(["run", "--suite", "suite", "--state-dir", str(state_dir), "--seed", "77", "--workers", "2", *QUICK])
    elapsed = time.monotonic() - started
    out = capsys.readouterr().out
    assert code == 0, out + (workdir / "reports" / "pytest.log").read_text()
    reports = workdir / "reports"
    for name in ("junit.xml", "summary.html", "summary.json", "pytest.log"):
        assert (reports / name).is_file(), name
    data = summary(reports)
    assert data["exit_code"] == 0 and data["seed"] == 77 and data["run_error"] == ""
    today = datetime.now(VN_TZ).date().isoformat()      # nobody set a clock: today's world, named everywhere
    assert data["world"]["day"] == today and data["world"]["citizens_use_vneid"] and data["world"]["two_tiers"]
    assert f"the world of {today}" in out and f"the world of {today}" in (reports / "summary.html").read_text()
    assert data["stack"] == {"services": running_stack.urls, "state_dir": str(state_dir), "started_by_run": False}
    assert data["totals"]["journeys"] == 2 and data["totals"]["passed"] == 2
    journeys = {j["name"]: j for j in data["journeys"]}
    assert [s["name"] for s in journeys["test_steps_are_recorded"]["steps"]] == ["Chuẩn bị hồ sơ", "Kiểm tra dữ liệu"]
    browser = journeys["test_the_provincial_home_page[chromium]"]
    assert [s["name"] for s in browser["steps"]] == ["Mở Cổng Dịch vụ công tỉnh", "Thấy tiêu đề trang"]
    assert all(s["ok"] for s in browser["steps"]) and browser["artifacts"] == []
    html = (reports / "summary.html").read_text(encoding="utf-8")
    assert "Mở Cổng Dịch vụ công tỉnh" in html and "Tất cả kịch bản đạt" in html
    assert "--dvc-seed=77" in (reports / "pytest.log").read_text() and " -n 2" in data["pytest_command"]
    assert "2 journeys — 2 passed, 0 failed" in out and "Report: reports/summary.html" in out
    assert running_stack.info.answers()             # a stack the run did not start is left running
    print(f"run, passing suite, 2 workers: {elapsed:.1f} s")


def test_a_failing_journey_keeps_its_artefacts(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_suite(workdir / "suite", FAILING)
    reports = workdir / "out"
    (reports / "artifacts" / "earlier-run").mkdir(parents=True)
    (reports / "artifacts" / "earlier-run" / "trace.zip").write_bytes(b"old")
    (reports / ".dvc-harness-run").write_text("")
    (reports / "README.txt").write_text("not the run's")
    started = time.monotonic()
    code = main(["run", "--suite", "suite", "--state-dir", "state", "--report-dir", "out", "--seed", "5",
                 "--workers", "1", *QUICK])
    elapsed = time.monotonic() - started
    out = capsys.readouterr().out
    assert code == 1, out + (reports / "pytest.log").read_text()
    assert (reports / "README.txt").exists() and not (reports / "artifacts" / "earlier-run").exists()
    assert not (workdir / "state" / "stack.json").exists()           # the stack it started is stopped

    data = summary(reports)
    assert data["exit_code"] == 1 and data["stack"]["started_by_run"] is True
    assert data["totals"] == {**data["totals"], "journeys": 3, "passed": 1, "failed": 2, "flaky": 1}
    failed = next(j for j in data["journeys"] if j["outcome"] == "failed")
    assert failed["id"] == "suite/test_journeys.py::test_a_heading_that_is_not_there[chromium]"
    assert [(s["name"], s["ok"]) for s in failed["steps"]] == [
        ("Mở Cổng Dịch vụ công tỉnh", True), ("Tìm tiêu đề không tồn tại", False)]
    assert "Không có tiêu đề này" in failed["message"]
    # the journeys ran untraced; the failed ones ran again, traced: the trace is the second run's
    assert "--tracing=off" in (reports / "pytest.log").read_text().splitlines()[0]
    again = (reports / "pytest-retry.log").read_text().splitlines()[0]
    assert "--tracing=on" in again and f"--output={reports.resolve() / 'artifacts' / 'retry'}" in again
    assert failed["retry"]["outcome"] == "failed" and not failed["flaky"]
    assert "Không có tiêu đề này" in failed["retry"]["message"]
    assert [(a["kind"], a["attempt"]) for a in failed["artifacts"] if a["kind"] != "page_html"] == [
        ("trace", 2), ("screenshot", 1), ("screenshot", 2)]
    flaky = next(j for j in data["journeys"] if j["name"] == "test_a_page_that_answers_the_second_time[chromium]")
    assert flaky["outcome"] == "failed" and flaky["retry"]["outcome"] == "passed" and flaky["flaky"]
    assert [a["kind"] for a in flaky["artifacts"] if a["attempt"] == 2] == ["trace"]   # the passing run's trace
    assert (reports / flaky["artifacts"][0]["path"]).is_file()
    kinds = {a["kind"]: a for a in failed["artifacts"]}
    assert set(kinds) >= {"trace", "screenshot", "page_html"}
    for artefact in kinds.values():
        assert artefact["exists"] and not Path(artefact["path"]).is_absolute()
        assert (reports / artefact["path"]).is_file()
    assert kinds["trace"]["path"].endswith("trace.zip")
    assert kinds["trace"]["command"] == f"playwright show-trace --host 127.0.0.1 --port 9323 {kinds['trace']['path']}"
    page_html = (reports / kinds["page_html"]["path"]).read_text(encoding="utf-8")
    assert "Cổng Dịch vụ công thành phố Đà Nẵng" in page_html      # the provincial portal of today's world
    repeat = failed["repeat_command"]
    from harness.tools import command

    assert repeat == (f"{command('dvc-harness')} run --state-dir state --report-dir out --suite suite --seed 5 "
                      "--workers 1 -k 'test_journeys.py and test_a_heading_that_is_not_there[chromium]' --no-smoke "
                      "-- -p no:schemathesis -p no:hypothesispytest")

    html = (reports / "summary.html").read_text(encoding="utf-8")
    for artefact in kinds.values():
        assert f'href="{artefact["path"]}"' in html
    assert "playwright show-trace" in html and "Tìm tiêu đề không tồn tại" in html
    assert '<span class="badge flaky">flaky</span>' in html and "the first verdict stands" in html

    assert "  FAIL  suite/test_journeys.py::test_a_heading_that_is_not_there[chromium]" in out
    assert "step 2 “Tìm tiêu đề không tồn tại” failed" in out
    assert "2 journeys failed: running the 2 again, traced (pytest-retry.log)" in out
    assert "run again, traced: failed again" in out and "run again, traced: passed — FLAKY" in out
    assert "1 flaky: failed, then passed when run again (the first verdict stands)" in out
    assert out.rstrip().endswith(repeat)
    print(f"run, failing browser journey, 1 worker, own stack: {elapsed:.1f} s")


@pytest.mark.parametrize("suite", ["broken", "no_such_package_dvc"])
def test_a_suite_that_cannot_be_collected(
    workdir: Path, suite: str, running_stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    write_suite(workdir / "broken", "import no_such_module_dvc_harness\n\ndef test_x():\n    pass\n", "test_b.py")
    state_dir = running_stack.config.state_dir
    code = main(["run", "--suite", suite, "--state-dir", str(state_dir), "--workers", "2", *QUICK])
    captured = capsys.readouterr()
    assert code == 2, captured.out
    data = summary(workdir / "reports")
    assert data["exit_code"] == 2 and data["run_error"]
    if suite == "broken":
        assert "1 test module(s) could not be collected: broken/test_b.py" in data["run_error"]
        assert "the last lines of pytest.log" in captured.err
        assert "ModuleNotFoundError: No module named 'no_such_module_dvc_harness'" in data["journeys"][0]["details"]
    else:
        assert "no such file or folder, nor an installed package" in data["run_error"]


def test_a_state_folder_that_is_a_file(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (workdir / "state").write_text("not a folder")
    assert main(["run", "--suite", ".", "--state-dir", "state", "--no-smoke"]) == 2
    captured = capsys.readouterr()
    # one line, as serve says it; no "Repeat the run" that could not help
    said = f"dvc-harness run: cannot use the state folder {workdir / 'state'}: it is a file, not a folder\n"
    assert captured.err == said
    assert "Repeat" not in captured.out


def test_a_state_folder_another_process_holds(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (workdir / "state").mkdir()
    hold = ("import sys, time; from filelock import FileLock; "
            "lock = FileLock(sys.argv[1]); lock.acquire(); print('held', flush=True); time.sleep(60)")
    holder = subprocess.Popen([sys.executable, "-c", hold, str(workdir / "state" / "serve.lock")],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        import harness.stack

        monkeypatch.setattr(harness.stack, "LOCK_WAIT_SECONDS", 0.5)
        assert main(["run", "--suite", ".", "--state-dir", "state", "--no-smoke"]) == 2
    finally:
        holder.kill()
        holder.wait()
    assert "serve.lock" in summary(workdir / "reports")["run_error"]
    assert "the run itself failed: another process holds" in capsys.readouterr().out


def test_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["run", "--workers", "0"])
    assert exc.value.code == 2
    with pytest.raises(SystemExit) as exc:
        main(["run", "--pages", "no-colon"])
    assert exc.value.code == 2


def test_one_exit_code_for_the_journeys_and_the_smoke_load() -> None:
    from harness.run import combined_exit

    assert [combined_exit(j, s) for j, s in [(0, 0), (1, 0), (0, 1), (0, 3), (1, 3), (2, 3), (0, 2)]] == [
        0, 1, 1, 3, 3, 2, 2]


# -- with pytest stubbed: what the run says around the journeys ------------------------------------------------
ONE_FAILED = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest" errors="0" failures="1" skipped="0" tests="1" time="0.1">
 <testcase classname="suite.test_a" name="test_nop_ho_so" file="suite/test_a.py" line="1" time="0.100">
  <failure message="AssertionError: không thấy hồ sơ">tb</failure></testcase>
</testsuite></testsuites>"""


def stub_stack_and_pytest(monkeypatch: pytest.MonkeyPatch, default_namespace: str = "default") -> list[list[str]]:
    """A stack that is only its stack.json (with this default namespace) and a pytest whose one journey fails."""
    from harness.run import Progress, StackHandle
    from harness.stack import StackInfo

    info = StackInfo(services={"provincial": "http://127.0.0.1:9"}, admin_token="t", oidc_client={},
                     payment_partner={}, postal={}, sync={}, default_namespace=default_namespace)
    ran: list[list[str]] = []

    def run_pytest(cmd: list[str], log_path: Path, out: object) -> tuple[int, bool, Progress]:
        ran.append(cmd)
        log_path.write_text("$ pytest\n", encoding="utf-8")
        (log_path.parent / "junit.xml").write_text(ONE_FAILED, encoding="utf-8")
        return 1, False, Progress(io.StringIO())

    monkeypatch.setattr(run_module, "open_stack", lambda state_dir: StackHandle(info, started_here=False))
    monkeypatch.setattr(run_module, "run_pytest", run_pytest)
    return ran


def test_repeat_command_repeats_load_api_whenever_given() -> None:
    from harness.run import RunOptions, repeat_command

    opts = RunOptions(load_api="team.load:api")
    assert "--load-api team.load:api" in repeat_command(opts, 5, None, 2)
    both = repeat_command(RunOptions(load_host="http://127.0.0.1:8200", load_api="team.load:api"), 5, None, 2)
    assert "--load-host http://127.0.0.1:8200 --load-api team.load:api" in both
    assert "--load-api" not in repeat_command(opts, 5, "test_x", 1, smoke=False)   # a journey alone: no load


def test_repeat_command_repeats_the_load_profile() -> None:
    from harness.run import RunOptions, repeat_command

    opts = RunOptions(load_host="http://127.0.0.1:8200", load_profile="team/smoke.toml")
    assert "--load-profile team/smoke.toml" in repeat_command(opts, 5, None, 2)
    assert "--load-profile" not in repeat_command(opts, 5, "test_x", 1, smoke=False)


def test_the_emulator_s_smoke_load_is_not_run_for_journeys_on_another_portal(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Journeys on a team's portal (its own --pages) with no --load-host: a smoke load on the emulated portal
    would say nothing of theirs, so the run skips it and says how to load their portal. (What the journeys did
    plays no part: pytest is stubbed, and the load would be, to see whether it is asked for.)"""
    from harness import load_cmd

    stub_stack_and_pytest(monkeypatch)
    asked: list[str] = []
    monkeypatch.setattr(load_cmd, "run_load", lambda opts: asked.append(opts.profile.name) or load_cmd.EXIT_OK)
    write_suite(workdir / "suite", "def test_nothing_to_do() -> None:\n    assert 1 + 1 == 2\n")
    code = main(["run", "--suite", "suite", "--state-dir", "state", "--pages", "team_pages:portal"])
    out = capsys.readouterr().out
    assert code == 1, out       # the stubbed journey's failure, and no load's verdict beside it
    assert asked == [], "the emulator's smoke load ran for journeys on another portal"
    assert "no smoke load — the journeys ran on your portal" in out and "--load-host" in out
    assert "portal of team_pages:portal" in out   # not the emulator's address
    assert not (workdir / "reports" / "load").exists() and summary(workdir / "reports")["smoke"] is None


def test_a_misspelt_load_profile_is_refused_before_the_journeys(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ran = stub_stack_and_pytest(monkeypatch)
    write_suite(workdir / "suite", "def test_x() -> None:\n    pass\n")
    code = main(["run", "--suite", "suite", "--state-dir", "state", "--load-profile", "smok"])
    err = capsys.readouterr().err
    assert code == 2 and ran == [], err                            # no journey ran
    assert err.count("\n") == 1 and err.startswith("dvc-harness run: --load-profile: no profile named 'smok'"), err


def test_run_passes_its_load_profile_to_the_load(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from harness import load_cmd

    stub_stack_and_pytest(monkeypatch)
    asked: list[str] = []

    def run_load(opts: load_cmd.LoadOptions) -> int:
        asked.append(opts.profile.name)
        return load_cmd.EXIT_OK

    monkeypatch.setattr(load_cmd, "run_load", run_load)
    (workdir / "mine.toml").write_text('extends = "smoke"\nname = "mine"\n', encoding="utf-8")
    write_suite(workdir / "suite", "def test_x() -> None:\n    pass\n")
    code = main(["run", "--suite", "suite", "--state-dir", "state", "--load-profile", "mine.toml"])
    assert code == 1        # the stubbed journey failed; the load held
    assert asked == ["mine"] and "the mine.toml load profile" in capsys.readouterr().out


@pytest.mark.parametrize("api", ["no_such_module_dvc:factory", "harness.run:NO_SUCH_FACTORY"])
def test_a_misspelt_load_api_is_refused_before_the_journeys(
    workdir: Path, api: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ran = stub_stack_and_pytest(monkeypatch)
    write_suite(workdir / "suite", "def test_x() -> None:\n    pass\n")
    code = main(["run", "--suite", "suite", "--state-dir", "state", "--load-api", api])
    err = capsys.readouterr().err
    assert code == 2 and ran == [], err                            # no journey ran
    assert err.count("\n") == 1 and err.startswith(f"dvc-harness run: --load-api {api}: "), err


def test_a_namespace_other_than_the_stack_s_default_is_warned_of_with_a_team_s_pages(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stub_stack_and_pytest(monkeypatch, default_namespace="default")
    write_suite(workdir / "suite", "def test_x() -> None:\n    pass\n")
    args = ["run", "--suite", "suite", "--state-dir", "state", "--pages", "team_pages:portal", "--no-smoke"]
    assert main([*args, "--namespace", "refportal", "--seed", "9"]) == 1
    out = capsys.readouterr().out
    assert ("warning: --namespace refportal but the stack's default namespace is default: your portal's back-end "
            "calls will land there") in out and "serve --default-namespace refportal" in out
    # the same seed makes the same citizens, whose accounts the portal kept: repeating needs a fresh database
    assert "Repeat a failing journey (same data; on a fresh portal database: your portal keeps" in out
    assert "--seed 9" in out


@pytest.mark.parametrize("extra", [["--namespace", "refportal"], []], ids=["the-stack-s-default", "no-namespace"])
def test_no_namespace_warning_when_the_portal_s_calls_land_in_the_journeys_namespace(
    workdir: Path, extra: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stub_stack_and_pytest(monkeypatch, default_namespace="refportal")
    write_suite(workdir / "suite", "def test_x() -> None:\n    pass\n")
    main(["run", "--suite", "suite", "--state-dir", "state", "--pages", "team_pages:portal", "--no-smoke", *extra])
    assert "warning: --namespace" not in capsys.readouterr().out


def test_on_the_emulator_s_portal_a_repeat_needs_no_fresh_database(
    workdir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    stub_stack_and_pytest(monkeypatch)
    write_suite(workdir / "suite", "def test_x() -> None:\n    pass\n")
    assert main(["run", "--suite", "suite", "--state-dir", "state", "--no-smoke", "--namespace", "x"]) == 1
    out = capsys.readouterr().out
    assert "Repeat a failing journey (same data):" in out and "warning: --namespace" not in out


def test_the_commands_it_prints_work_from_where_the_run_started(tmp_path: Path) -> None:
    from harness.run import RunOptions, repeat_command
    from harness.tools import command

    here = Path(sys.executable).parent.parent.parent          # the project folder that holds .venv
    assert command("dvc-harness", here) == ".venv/bin/dvc-harness"
    elsewhere = command("dvc-harness", tmp_path)              # a team's own folder
    assert elsewhere == str(Path(sys.executable).parent / "dvc-harness") and Path(elsewhere).exists()
    assert command("playwright", tmp_path) == str(Path(sys.executable).parent / "playwright")
    before = Path.cwd()
    os.chdir(tmp_path)
    try:
        assert repeat_command(RunOptions(), 5, None, 2).startswith(shlex.quote(elsewhere) + " run ")
    finally:
        os.chdir(before)
