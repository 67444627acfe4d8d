"""`dvc-harness run`: the scenario suite against the emulated stack, and its reports.

It uses the stack that DIR/stack.json names when it answers, or starts one in this
process (and stops it at the end); runs pytest in a subprocess on the suite (by default
the installed package `scenarios.suites`), headless, with screenshots kept for failures;
streams pytest's output to REPORT/pytest.log while showing a progress line; runs the failed
journeys again once, traced (harness.retry); then runs the `smoke` load profile
(REPORT/load/; --no-smoke skips it), writes REPORT/summary.html and REPORT/summary.json and
prints a one-screen summary.

Exit codes: 0 all journeys and the smoke SLOs passed; 1 a journey or an SLO failed; 2 the run
itself failed (no stack, pytest crashed or collected nothing, a usage error, no JUnit XML, the
smoke run could not run); 3 the smoke run lost data. Of several, 2 wins, then 3, then 1.
"""

from __future__ import annotations

import importlib.util
import json
import os
import random
import re
import shlex
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from mocks.core.config import DEFAULT_STATE_DIR
from mocks.core.world import world_on

from . import retry
from .children import sigterm_as_interrupt, start_child, stop_child
from .exits import EXIT_ERROR, EXIT_FAILED, EXIT_OK
from .pytest_plugin import DEFAULT_API
from .pytest_plugin import DEFAULT_PAGES as EMULATOR_PAGES
from .report import (
    RETRY_INTERRUPTED,
    SUMMARY_HTML,
    SUMMARY_JSON,
    Journey,
    ReportError,
    RunReport,
    keyword_expression,
    read_junit,
    terminal_summary,
    write_reports,
)
from .stack import StackError, StackHandle, StackInfo, open_stack, prepare_state_dir
from .tools import command

EMULATOR_APIS = (DEFAULT_API, "load.api:emulator_api")

DEFAULT_SUITE = "scenarios.suites"
DEFAULT_REPORT_DIR = "reports"
DEFAULT_WORKERS = 2
JUNIT, LOG, ARTIFACTS = "junit.xml", "pytest.log", "artifacts"
# The failed journeys' second run (harness.retry): its own JUnit XML and log; its artefacts in artifacts/retry/.
RETRY_JUNIT, RETRY_LOG, RETRY_ARTIFACTS = "junit-retry.xml", "pytest-retry.log", "retry"
REPORT_MARKER = ".dvc-harness-run"   # says the folder's report files are ours to replace
OWN_FILES = (JUNIT, LOG, SUMMARY_HTML, SUMMARY_JSON, RETRY_JUNIT, RETRY_LOG)
LOG_TAIL_LINES = 15
# The same seed makes the same citizens, whose accounts the first run created on the team's portal (pinned mode).
REPEAT_ON_OTHER_PORTAL = "on a fresh portal database: your portal keeps this run's accounts"
PROGRESS_EVERY_S = 5.0               # without a terminal, a progress line at most this often (failures at once)
WARNING_PREFIX = "dvc-harness: warning:"   # lines of pytest's output shown to the user as they come
START_PREFIX = "dvc-harness: start "        # the plugin's line as a journey starts (DVC_HARNESS_PROGRESS set)
# Set when this command itself runs under pytest (or xdist): they must not leak into the suite's pytest.
CHILD_ENV_DROP = ("PYTEST_XDIST_WORKER", "PYTEST_XDIST_WORKER_COUNT", "PYTEST_XDIST_TESTRUNUID", "PYTEST_CURRENT_TEST")
PYTEST_EXITS = {
    2: "pytest was interrupted (or a test module could not be collected)",
    3: "pytest hit an internal error",
    4: "pytest was given a bad option or a suite it cannot find",
    5: "pytest collected no tests",
}


class RunError(RuntimeError):
    """The run cannot start: its report folder or its stack is unusable."""


@dataclass
class RunOptions:
    state_dir: Path = Path(DEFAULT_STATE_DIR)
    report_dir: Path = Path(DEFAULT_REPORT_DIR)
    suite: str | None = None            # a path (file, folder, node id) or a dotted package; None: scenarios.suites
    workers: int = DEFAULT_WORKERS
    seed: int | None = None
    keyword: str | None = None
    headed: bool = False
    browser: str = "chromium"           # pytest-playwright's --browser: chromium, firefox or webkit
    video: str | None = None            # pytest-playwright's --video: on, off, retain-on-failure
    slowmo: float | None = None         # pytest-playwright's --slowmo, in milliseconds
    pages: str | None = None            # MODULE:FACTORY for --dvc-pages; None: the plugin's default
    pytest_args: list[str] = field(default_factory=list)
    smoke: bool = True                  # the `smoke` load profile after the journeys (reports in REPORT/load/)
    namespace: str | None = None        # --dvc-namespace: every journey in this one namespace, so one worker
    hooks: str | None = None            # MODULE:FACTORY for --dvc-hooks; None: the plugin's default
    load_host: str | None = None        # the smoke load's target when the journeys ran on another portal
    load_api: str | None = None         # MODULE:FACTORY: that portal's HTTP layer for the load (load --api)
    load_profile: str | None = None     # the load profile after the journeys (name or path); None: smoke
    driver: str = "browser"             # how the journeys reach the portals: browser or api (pytest's --dvc-driver)
    api: str | None = None              # MODULE:FACTORY: the portal's HTTP layer (pytest's --dvc-api)
    as_of: datetime | None = None       # every journey's namespace clock runs from it (pytest's --dvc-as-of)
    retry: bool = True                  # failed journeys run again once, traced (harness.retry); False: traced at once

    @property
    def other_portal(self) -> bool:
        """The journeys ran on a portal that is not the emulator's (its own page objects or HTTP layer)."""
        return (self.pages is not None and self.pages != EMULATOR_PAGES) or (
            self.api is not None and self.api not in EMULATOR_APIS)

    @property
    def smoke_api(self) -> str | None:
        """The smoke load's HTTP layer: --load-api, else the journeys' --api."""
        return self.load_api or self.api

    def __post_init__(self) -> None:
        if self.namespace:  # one namespace holds one journey at a time (the plugin resets it before each)
            self.workers = 1

    @property
    def suite_shown(self) -> str:
        return self.suite or DEFAULT_SUITE


# -- the stack -------------------------------------------------------------------------------------
# -- the report folder -----------------------------------------------------------------------------
def prepare_report_dir(report_dir: Path) -> None:
    """Remove what an earlier run wrote there (and nothing else)."""
    try:
        report_dir.mkdir(parents=True, exist_ok=True)
        artifacts = report_dir / ARTIFACTS
        ours = (report_dir / REPORT_MARKER).exists()
        if artifacts.is_symlink() or artifacts.is_file():
            raise RunError(f"{artifacts} is not a folder: pick another --report-dir")
        if artifacts.is_dir() and not ours and any(artifacts.iterdir()):
            raise RunError(f"{artifacts} holds files that dvc-harness run did not write: "
                           "pick another --report-dir or remove them")
        for name in OWN_FILES:
            (report_dir / name).unlink(missing_ok=True)
        if artifacts.is_dir():
            shutil.rmtree(artifacts)
        (report_dir / REPORT_MARKER).write_text(
            "Written by `dvc-harness run`, which replaces junit.xml, pytest.log, summary.html, summary.json, "
            "junit-retry.xml, pytest-retry.log and artifacts/ in this folder on every run.\n", encoding="utf-8")
    except OSError as exc:
        raise RunError(f"cannot use {report_dir} as the report folder: {exc}") from exc


def check_load_api(opts: RunOptions) -> None:
    """A browser that is not installed, a misspelt --api, --load-api or --load-profile is said before the stack
    starts and the journeys run, not after them when the smoke load starts."""
    if opts.driver == "browser":
        from .browser import missing_browser

        problem = missing_browser(opts.browser, headless=not opts.headed)
        if problem:
            raise RunError(problem)
    if opts.api:
        _check_factory("--api", opts.api)
    if not opts.smoke:
        return
    if opts.load_profile:
        from load.profiles import ProfileError, load

        try:
            load(opts.load_profile)
        except ProfileError as exc:
            raise RunError(f"--load-profile: {exc}") from None
    if opts.load_api:
        _check_factory("--load-api", opts.load_api)


def _check_factory(option: str, target: str) -> None:
    from scenarios.api import resolve_factory

    try:
        resolve_factory(target, option)
    except ValueError as exc:
        raise RunError(str(exc)) from None
    except Exception as exc:    # the team's module itself breaks on import
        raise RunError(f"{option} {target}: cannot import it: {type(exc).__name__}: {exc}") from None


# -- the pytest command ----------------------------------------------------------------------------
def suite_arguments(suite: str | None) -> list[str]:
    """A path (or path::test) as it is; anything else as a dotted package or module (--pyargs)."""
    if suite is not None and Path(suite.split("::", 1)[0]).exists():
        return [suite]
    name = (suite or DEFAULT_SUITE).split("::", 1)[0]
    try:  # pytest under xdist says only "no tests ran" when it cannot find the package
        found = importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        found = False
    if not found:
        raise RunError(f"--suite {name}: no such file or folder, nor an installed package or module")
    return ["--pyargs", suite or DEFAULT_SUITE]


def pytest_command(opts: RunOptions, seed: int, report_dir: Path, state_dir: Path, *,
                   again: tuple[str, int] | None = None) -> list[str]:
    """The pytest command of the journeys; with `again` (a -k expression, workers), of the failed journeys'
    second run: traced, into its own JUnit XML and artefacts folder."""
    # Paths go as --option=value: pytest takes any other argument that names an existing path into
    # account when it picks its rootdir, and the rootdir changes the tests' ids (and their data seeds).
    cmd = [sys.executable, "-m", "pytest", *suite_arguments(opts.suite),
           f"--dvc-state-dir={state_dir}", f"--dvc-seed={seed}"]
    if opts.pages:
        cmd.append(f"--dvc-pages={opts.pages}")
    if opts.hooks:
        cmd.append(f"--dvc-hooks={opts.hooks}")
    if opts.namespace:
        cmd.append(f"--dvc-namespace={opts.namespace}")
    if opts.driver != "browser":
        cmd.append(f"--dvc-driver={opts.driver}")
    if opts.api:
        cmd.append(f"--dvc-api={opts.api}")
    if opts.as_of is not None:
        cmd.append(f"--dvc-as-of={opts.as_of.isoformat()}")
    junit, output, tracing = JUNIT, report_dir / ARTIFACTS, retry.first_tracing(opts)
    keyword, workers = opts.keyword, opts.workers
    if again is not None:
        junit, output, tracing, (keyword, workers) = RETRY_JUNIT, output / RETRY_ARTIFACTS, "on", again
    cmd += [f"--junitxml={report_dir / junit}", "-o", "junit_family=xunit1",
            f"--output={output}", f"--tracing={tracing}", "--screenshot=only-on-failure",
            "-p", "no:cacheprovider", "-v", "--color=no",
            # schemathesis's and Hypothesis's pytest plugins (our dev extras) cost seconds of start-up per
            # process and the journeys use neither; give `-- -p schemathesis` to have them back
            "-p", "no:schemathesis", "-p", "no:hypothesispytest"]
    if workers > 1:
        cmd += ["-n", str(workers)]
    if keyword:
        cmd += ["-k", keyword]
    if opts.headed:
        cmd.append("--headed")
    if opts.browser != "chromium":
        cmd += ["--browser", opts.browser]
    if opts.video:
        cmd += ["--video", opts.video]
    if opts.slowmo:
        cmd += ["--slowmo", f"{opts.slowmo:g}"]
    return cmd + list(opts.pytest_args)


def repeat_command(opts: RunOptions, seed: int, keyword: str | None, workers: int, *, smoke: bool = True) -> str:
    """The `dvc-harness run` command that repeats the run (or one journey, without the smoke load) with
    the same data."""
    args = [command("dvc-harness"), "run"]
    if opts.state_dir != Path(DEFAULT_STATE_DIR):
        args += ["--state-dir", str(opts.state_dir)]
    if opts.report_dir != Path(DEFAULT_REPORT_DIR):
        args += ["--report-dir", str(opts.report_dir)]
    if opts.suite:
        args += ["--suite", opts.suite]
    if opts.pages:
        args += ["--pages", opts.pages]
    if opts.hooks:
        args += ["--hooks", opts.hooks]
    if opts.namespace:
        args += ["--namespace", opts.namespace]
    if opts.driver != "browser":
        args += ["--driver", opts.driver]
    if opts.api:
        args += ["--api", opts.api]
    if smoke and opts.smoke:     # --load-api alone is a load through that HTTP layer on the emulated portal
        args += (["--load-host", opts.load_host] if opts.load_host else []) + (
            ["--load-api", opts.load_api] if opts.load_api else []) + (
            ["--load-profile", opts.load_profile] if opts.load_profile else [])
    args += ["--seed", str(seed)]
    if workers != DEFAULT_WORKERS:
        args += ["--workers", str(workers)]
    if keyword:
        args += ["-k", keyword]
    if opts.headed:
        args.append("--headed")
    if opts.browser != "chromium":
        args += ["--browser", opts.browser]
    if opts.video:
        args += ["--video", opts.video]
    if opts.slowmo:
        args += ["--slowmo", f"{opts.slowmo:g}"]
    if not (smoke and opts.smoke):
        args.append("--no-smoke")
    if not opts.retry:
        args.append("--no-retry")
    if opts.pytest_args:
        args += ["--", *opts.pytest_args]
    return shlex.join(args)


# -- running pytest --------------------------------------------------------------------------------
_OUTCOMES = "PASSED|FAILED|ERROR|SKIPPED|XFAIL|XPASS"
_XDIST_RESULT = re.compile(rf"^\[gw\d+\] \[\s*\d+%\] ({_OUTCOMES}) (.+?)\s*$")
_PLAIN_RESULT = re.compile(rf"^(\S.*?::.*?) ({_OUTCOMES})\b")
_COLLECTED = re.compile(r"collected (\d+) items?(?: / (\d+) deselected)?(?: / (\d+) selected)?")
_XDIST_ITEMS = re.compile(r"^\d+ workers? \[(\d+) items?\]")
# After these, pytest's output repeats the results (tracebacks, the short summary): stop counting.
_SECTION_END = re.compile(r"^=+ (FAILURES|ERRORS|warnings summary|short test summary info"
                          r"|.*\b(passed|failed|errors?|skipped|deselected)\b.* in \d)")


class Progress:
    """Follows pytest's -v output: a self-rewriting line on a terminal; elsewhere (CI logs) one line per
    journey done, at most one every `every` seconds, but every failure and the last journey at once."""

    def __init__(self, out: TextIO, every: float = PROGRESS_EVERY_S, clock: Any = time.monotonic) -> None:
        self.out = out
        self.tty = bool(getattr(out, "isatty", lambda: False)())
        self.total: int | None = None
        self.results: dict[str, str] = {}
        self.last = ""
        self.every = every
        self.clock = clock
        self.started = clock()
        self.printed_at: float | None = None
        self._over = False

    def feed(self, line: str) -> None:
        if line.startswith(WARNING_PREFIX):    # our plugin's warnings (no ffmpeg for videos...) reach the user
            self.finish()
            print(line, file=self.out, flush=True)
            return
        if self._over:
            return
        if _SECTION_END.match(line):
            self._over = True
            return
        if line.startswith(START_PREFIX):       # a journey starts (on a worker): said as it happens
            self.finish()
            print(f"  start  {line[len(START_PREFIX):].strip()}", file=self.out, flush=True)
            return
        found = _COLLECTED.search(line) if line.startswith(("collect", "collecting")) else None
        found = found or _XDIST_ITEMS.match(line)
        if found:
            total = int(found.group(3) or found.group(1)) if found.re is _COLLECTED else int(found.group(1))
            if self.total is None:
                self.finish()
                print(f"  {total} journeys selected · {self.clock() - self.started:.0f} s", file=self.out,
                      flush=True)
            self.total = total
            return
        found = _XDIST_RESULT.match(line)
        nodeid, outcome = (found.group(2), found.group(1)) if found else (None, None)
        if found is None:
            plain = _PLAIN_RESULT.match(line)
            if plain is None:
                return
            nodeid, outcome = plain.group(1), plain.group(2)
        assert nodeid is not None and outcome is not None
        before = self.results.get(nodeid)
        if before in ("FAILED", "ERROR"):
            return
        self.results[nodeid] = outcome
        self.last = nodeid
        if self.tty:
            self.show()
            return
        failed = outcome in ("FAILED", "ERROR")
        if failed:
            print(f"  {'FAIL' if outcome == 'FAILED' else 'ERR '}  {nodeid}", file=self.out, flush=True)
        now = self.clock()
        if failed or len(self.results) == self.total or self.printed_at is None or now - self.printed_at >= self.every:
            print(f"  {self.line()}", file=self.out, flush=True)
            self.printed_at = now

    def counts(self) -> dict[str, int]:
        values = list(self.results.values())
        return {
            "passed": sum(v in ("PASSED", "XFAIL") for v in values),
            "failed": sum(v in ("FAILED", "ERROR", "XPASS") for v in values),
            "skipped": sum(v == "SKIPPED" for v in values),
        }

    def line(self) -> str:
        c = self.counts()
        return (f"journeys {len(self.results)}/{self.total if self.total is not None else '?'} done · "
                f"{c['passed']} passed · {c['failed']} failed · {c['skipped']} skipped · "
                f"{self.clock() - self.started:.0f} s")

    def show(self) -> None:
        if not self.tty:
            return
        text = f"  {self.line()} · {self.last}"
        width = max(20, shutil.get_terminal_size((100, 20)).columns - 1)
        self.out.write("\r\x1b[K" + (text if len(text) <= width else text[: width - 1] + "…"))
        self.out.flush()

    def finish(self) -> None:
        if self.tty:
            self.out.write("\r\x1b[K")
            self.out.flush()


def child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in CHILD_ENV_DROP}
    env.update(PYTHONUNBUFFERED="1", PYTHONIOENCODING="utf-8", DVC_HARNESS_PROGRESS="1")
    return env


def run_pytest(cmd: list[str], log_path: Path, out: TextIO) -> tuple[int | None, bool, Progress]:
    """Run pytest, its output into the log; (exit code, interrupted, what the progress saw)."""
    progress = Progress(out)
    interrupted = False
    with log_path.open("w", encoding="utf-8") as log, sigterm_as_interrupt():
        log.write(f"$ {shlex.join(cmd)}\n")
        try:
            proc = start_child(cmd, env=child_env())
        except OSError as exc:
            log.write(f"cannot start pytest: {exc}\n")
            return None, False, progress
        assert proc.stdout is not None
        reader = threading.Thread(target=_follow, args=(proc.stdout, log, progress), daemon=True)
        reader.start()
        try:
            while reader.is_alive():      # joined in steps: a signal interrupts the wait at once
                reader.join(0.2)
            proc.wait()
        except KeyboardInterrupt:
            interrupted = True
            stop_child(proc)
            reader.join(5)
        finally:
            progress.finish()
    return proc.returncode, interrupted, progress


def _follow(stream: TextIO, log: TextIO, progress: Progress) -> None:
    for line in stream:
        log.write(line)
        progress.feed(line.rstrip("\n"))


def judge(rc: int | None, interrupted: bool, journeys: list[Journey] | None) -> tuple[int, str]:
    """The exit code of the run, and why the run itself failed when it did."""
    if interrupted:
        return EXIT_ERROR, "interrupted (Ctrl-C or SIGTERM): the journeys not finished were not run"
    if rc is None:
        return EXIT_ERROR, f"pytest could not be started; see {LOG}"
    broken = [j for j in journeys or [] if j.collection_error]
    if broken:
        names = ", ".join(j.id for j in broken[:5])
        return EXIT_ERROR, f"{len(broken)} test module(s) could not be collected: {names}; see {LOG}"
    if rc not in (0, 1):
        return EXIT_ERROR, f"{PYTEST_EXITS.get(rc, 'pytest failed')} (exit code {rc}); see {LOG}"
    if journeys is None:
        return EXIT_ERROR, f"pytest (exit code {rc}) wrote no readable {JUNIT}; see {LOG}"
    if not journeys:
        return EXIT_ERROR, "no journeys were collected (check --suite and -k)"
    if any(j.failed for j in journeys):
        return EXIT_FAILED, ""
    if rc == 1:
        return EXIT_ERROR, f"pytest failed outside the journeys (exit code 1); see {LOG}"
    return EXIT_OK, ""


def count_selection(cmd: list[str], timeout: float = 30.0) -> int | None:
    """How many journeys the pytest command selects (pytest --collect-only: no browser, no journey runs); None
    when that cannot be known in `timeout` seconds."""
    drop = {"-n", "--dist", "--junitxml", "--output", "--tracing", "--screenshot", "--video"}
    kept: list[str] = []
    skip_next = False
    for arg in cmd:
        if skip_next:
            skip_next = False
            continue
        name = arg.split("=", 1)[0]
        if name in drop:
            skip_next = "=" not in arg and name in ("-n", "--dist", "--video")
            continue
        kept.append(arg)
    try:
        done = subprocess.run([*kept, "--collect-only", "-q", "-p", "no:xdist"], capture_output=True, text=True,
                              timeout=timeout, env=child_env(), start_new_session=True)
    except (subprocess.TimeoutExpired, OSError):
        return None
    found = re.search(r"(\d+)(?:/\d+)? tests? (?:collected|selected)", done.stdout)
    return int(found.group(1)) if found else None


def _log_tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    try:
        kept = [line for line in path.read_text(encoding="utf-8", errors="replace").splitlines() if line.strip()]
    except OSError:
        return ""
    return "\n".join(kept[-lines:])


# -- the command -----------------------------------------------------------------------------------
def run(opts: RunOptions, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    started, started_at = time.monotonic(), datetime.now().astimezone().isoformat(timespec="seconds")
    seed = opts.seed if opts.seed is not None else random.SystemRandom().randrange(1, 2**31)
    report_dir, state_dir = opts.report_dir.absolute(), opts.state_dir.absolute()
    try:
        check_load_api(opts)
        prepare_state_dir(state_dir)        # a file or a folder we may not write in: one line, now
        prepare_report_dir(report_dir)
    except (RunError, StackError) as exc:
        print(f"dvc-harness run: {exc}", file=sys.stderr)
        return EXIT_ERROR
    rc: int | None = None
    smoke_code: int | None = None
    cmd: list[str] = []
    interrupted, run_error, journeys = False, "", None
    smoke_interrupted = False           # the journeys finished; Ctrl-C or SIGTERM stopped the smoke load
    services: dict[str, str] = {}
    started_here = False
    planned: int | None = None
    world: dict[str, Any] | None = None
    retry_note = ""
    with sigterm_as_interrupt():
        try:
            cmd = pytest_command(opts, seed, report_dir, state_dir)
            handle = open_stack(state_dir)
        except (RunError, StackError) as exc:
            run_error = str(exc)
        except KeyboardInterrupt:
            interrupted = True
        else:
            ran = Ran()
            try:
                _journeys_and_smoke(opts, handle, cmd, seed, report_dir, out, state_dir, ran)
            except KeyboardInterrupt:    # before pytest ran, or between pytest and the smoke load
                if ran.rc is None:
                    ran.interrupted = True
                else:
                    ran.smoke_interrupted = True
            finally:
                services, started_here = dict(handle.info.services), handle.started_here
                handle.close()
            rc, interrupted, planned, smoke_code = ran.rc, ran.interrupted, ran.planned, ran.smoke_code
            smoke_interrupted, world, retry_note = ran.smoke_interrupted, ran.world, ran.retry_note
            if smoke_interrupted and smoke_code is None:   # stopped before the load said anything of its own
                _forget_old_smoke(report_dir)
                smoke_code = EXIT_ERROR
    if interrupted and planned is None and cmd:
        planned = count_selection(cmd)      # stopped during the collection: the selection, counted now
    junit = report_dir / JUNIT
    if not run_error and junit.exists():
        try:
            journeys = read_junit(junit, report_dir, base_dir=Path.cwd())
        except ReportError as exc:
            run_error = str(exc)
    if journeys and (report_dir / RETRY_JUNIT).exists():
        try:
            retry.merge(journeys, read_junit(report_dir / RETRY_JUNIT, report_dir, base_dir=Path.cwd()))
        except ReportError as exc:
            retry_note = retry_note or f"the second run's {RETRY_JUNIT} cannot be read: {exc}"
    if not run_error:
        code, run_error = judge(rc, interrupted, journeys)   # pytest's own interruption only: its journeys' verdict
    else:
        code = EXIT_ERROR
    journeys = journeys or []
    for journey in journeys:
        if journey.failed and not journey.collection_error:
            journey.repeat = repeat_command(opts, seed, keyword_expression(journey, journeys) or None, workers=1,
                                            smoke=False)
    smoke = None if smoke_code is None else smoke_summary(report_dir / "load", smoke_code, smoke_interrupted)
    report = RunReport(
        journeys=journeys, started_at=started_at, seconds=time.monotonic() - started, seed=seed,
        suite=opts.suite_shown, services=services, state_dir=str(state_dir), stack_started_here=started_here,
        command=shlex.join(cmd), exit_code=code if smoke_code is None else combined_exit(code, smoke_code),
        run_error=run_error, repeat_all=repeat_command(opts, seed, opts.keyword, opts.workers),
        smoke=smoke, journeys_exit_code=code, interrupted=interrupted,
        repeat_note=REPEAT_ON_OTHER_PORTAL if opts.other_portal else "", world=world, retry_note=retry_note,
        # journeys collected but never finished: pytest's JUnit XML has no name for those it was running
        not_run=max((planned or 0) - len(journeys), 0) if interrupted else 0,
    )
    try:
        write_reports(report, report_dir)
    except OSError as exc:
        print(f"dvc-harness run: cannot write the reports in {report_dir}: {exc}", file=sys.stderr)
        return EXIT_ERROR
    if code == EXIT_ERROR and rc is not None:
        tail = _log_tail(report_dir / LOG)
        if tail:
            print(f"--- the last lines of {LOG} ---\n{tail}\n---", file=sys.stderr)
    print(terminal_summary(report, report_dir), file=out, flush=True)
    if report.smoke is not None:
        print(f"Smoke load: {report.smoke['verdict']} (exit {report.smoke['exit_code']}); "
              f"reports in {report_dir / 'load'} (SLOs and a latency chart in {SUMMARY_HTML})", file=out, flush=True)
    return report.exit_code


@dataclass
class Ran:
    """What the journeys and the smoke load gave, filled in as they go (an interruption keeps what was known)."""

    rc: int | None = None               # pytest's exit code
    interrupted: bool = False           # pytest was interrupted: journeys not finished
    planned: int | None = None          # journeys pytest collected
    smoke_code: int | None = None
    smoke_interrupted: bool = False     # the journeys finished, the smoke load was interrupted
    world: dict[str, Any] | None = None     # the rules of the journeys' date (mocks.core.world)
    retry_note: str = ""                # what became of the failed journeys' second run, when it did not simply run


def run_world(info: StackInfo, opts: RunOptions) -> dict[str, Any]:
    """The world the journeys run in, which every summary names: --as-of's date, else the stack's clock for the
    run's namespace (real time, unless the stack was served --as-of: today's world)."""
    if opts.as_of is not None:
        return world_on(opts.as_of.date()).to_json()
    from .control import Clock  # here: the report's reader has no stack to ask

    try:
        return Clock(info, opts.namespace or info.default_namespace).world()
    except Exception as exc:    # the stack did not say: the report says so rather than guess
        return {"day": datetime.now().date().isoformat(), "said": f"not known: the stack did not answer ({exc})"}


def _journeys_and_smoke(opts: RunOptions, handle: StackHandle, cmd: list[str], seed: int, report_dir: Path,
                        out: TextIO, state_dir: Path, ran: Ran) -> None:
    """pytest, then the smoke load unless interrupted."""
    info = handle.info
    portal = f"of {opts.pages or opts.api}" if opts.other_portal else info.services.get("provincial", "?")
    ran.world = run_world(info, opts)
    print(f"dvc-harness run: the stack is up · {opts.suite_shown} · {opts.driver} driver · seed {seed} · "
          f"{opts.workers} worker{'s' if opts.workers > 1 else ''} · portal {portal} "
          f"({'stack started here' if handle.started_here else 'stack already running'})", file=out, flush=True)
    print(f"dvc-harness run: {ran.world.get('said')}", file=out, flush=True)
    if opts.other_portal and opts.namespace and opts.namespace != info.default_namespace:
        # The portal's back end names no namespace: its SSO, payment and sync calls land in the stack's default.
        print(f"dvc-harness run: warning: --namespace {opts.namespace} but the stack's default namespace is "
              f"{info.default_namespace}: your portal's back-end calls will land there and the journeys fail; start "
              f"the stack with `serve --default-namespace {opts.namespace}` (docs/wiring.md)", file=out, flush=True)
    ran.rc, ran.interrupted, progress = run_pytest(cmd, report_dir / LOG, out)
    ran.planned = progress.total
    if ran.rc == 1 and not ran.interrupted and retry.retries(opts):
        ran.retry_note, interrupted = run_again(opts, seed, report_dir, state_dir, out)
        if interrupted:     # the journeys all ran: the smoke load, due or not, is not run
            ran.smoke_interrupted = opts.smoke
            _forget_old_smoke(report_dir)
            return
    if not opts.smoke:
        _forget_old_smoke(report_dir)
    if not opts.smoke or ran.interrupted:
        return
    if opts.other_portal and not opts.load_host:
        # A smoke load on the emulated portal would say nothing of the portal the journeys ran on.
        _forget_old_smoke(report_dir)
        print("dvc-harness run: no smoke load — the journeys ran on your portal (--pages or --api); give --load-host "
              "URL and --load-api MODULE:FACTORY to load it too (docs/wiring.md)", file=out, flush=True)
        return
    from .load_cmd import run_smoke  # here: only a run with the smoke profile loads its code

    target = f" on {opts.load_host}" if opts.load_host else ""
    print(f"dvc-harness run: the {opts.load_profile or 'smoke'} load profile (Locust){target}, reports in "
          f"{report_dir / 'load'}", file=out, flush=True)
    ran.smoke_code, ran.smoke_interrupted = run_smoke(state_dir, report_dir, echo=out, host=opts.load_host,
                                                      api=opts.smoke_api, namespace=opts.namespace,
                                                      profile=opts.load_profile, as_of=opts.as_of)


def run_again(opts: RunOptions, seed: int, report_dir: Path, state_dir: Path, out: TextIO) -> tuple[str, bool]:
    """The failed journeys run again once, traced (harness.retry): (a note when that did not simply happen,
    interrupted)."""
    try:
        first = read_junit(report_dir / JUNIT, report_dir, base_dir=Path.cwd())
    except ReportError:
        return "", False     # the run's own reading of it says why
    chosen, keyword = retry.selection(first)
    failed = sum(j.failed and not j.collection_error for j in first)
    if not chosen:
        return "", False
    workers = min(opts.workers, len(chosen))
    some = f"the first {len(chosen)} of {failed}" if failed > len(chosen) else (
        "it" if len(chosen) == 1 else f"the {len(chosen)}")
    print(f"dvc-harness run: {failed} journey{'s' if failed > 1 else ''} failed: running {some} again, traced "
          f"({RETRY_LOG})", file=out, flush=True)
    cmd = pytest_command(opts, seed, report_dir, state_dir, again=(keyword, workers))
    rc, interrupted, _progress = run_pytest(cmd, report_dir / RETRY_LOG, out)
    if interrupted:
        return RETRY_INTERRUPTED, True
    note = ""
    if rc not in (0, 1):
        note = f"the failed journeys could not run again (pytest exit code {rc}); see {RETRY_LOG}"
    elif failed > len(chosen):
        note = (f"the first {len(chosen)} of the {failed} failed journeys ran again, traced; the others have the "
                "first run's screenshot and page only")
    return note, False


def smoke_summary(folder: Path, code: int, interrupted: bool = False) -> dict[str, Any]:
    """What the run's summaries show of the smoke load: its verdict, and its load-summary.json when written."""
    from load.report import SUMMARY

    smoke: dict[str, Any] = {"exit_code": code, "verdict": SMOKE_VERDICTS.get(code, str(code)),
                             "report_dir": folder.name}
    try:
        smoke["load"] = json.loads((folder / SUMMARY).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        smoke["load"] = None
    if interrupted or (isinstance(smoke["load"], dict) and smoke["load"].get("interrupted")):
        smoke["verdict"] = "interrupted"
    return smoke


def _forget_old_smoke(report_dir: Path) -> None:
    """A run without the smoke load must not leave an older one's reports looking like its own."""
    from .load_cmd import OWN_FILES

    folder = report_dir / "load"
    for name in OWN_FILES:
        (folder / name).unlink(missing_ok=True)
    if folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()


SMOKE_VERDICTS = {0: "every SLO held", 1: "an SLO failed", 2: "the load run failed", 3: "DATA LOST"}


def combined_exit(journeys: int, smoke: int) -> int:
    """One exit code for journeys and smoke: the run failing wins, then lost data, then a failure."""
    for code in (EXIT_ERROR, 3, 1):
        if code in (journeys, smoke):
            return code
    return 0


__all__ = ["DEFAULT_REPORT_DIR", "DEFAULT_SUITE", "RunError", "RunOptions", "open_stack", "pytest_command", "run"]
