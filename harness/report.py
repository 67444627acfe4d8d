"""The reports of `dvc-harness run`: what pytest's JUnit XML says, for people and machines.

`read_junit()` turns the JUnit XML (written with `junit_family=xunit1`, so each test case
names its file) into `Journey` records: outcome, duration, the steps our pytest plugin
recorded (`dvc_steps`), the failure, and the artefacts pytest-playwright kept
(`playwright_trace`, `playwright_screenshot`, `playwright_video`) plus the failed page's
HTML (`dvc_page_html`). `write_reports()` writes `summary.html` and `summary.json`;
`terminal_summary()` is the one-screen version. Paths in the reports are relative to the
report folder, so the folder can be archived and opened anywhere.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path, PurePosixPath
from typing import Any

import jinja2
from markupsafe import Markup

from .steps import Step
from .tools import command

SCHEMA_VERSION = 1
SUMMARY_HTML, SUMMARY_JSON = "summary.html", "summary.json"
PASSED, FAILED, ERROR, SKIPPED = "passed", "failed", "error", "skipped"
RETRY_INTERRUPTED = ("INTERRUPTED (Ctrl-C or SIGTERM) while the failed journeys ran again: their first verdicts "
                     "stand; the smoke load did not run")
ARTIFACT_PROPERTIES = {
    "playwright_trace": "trace", "playwright_screenshot": "screenshot", "playwright_video": "video",
    "dvc_page_html": "page_html",
}
ARTIFACT_TITLES = {"trace": "Trace (trace.zip)", "screenshot": "Ảnh chụp màn hình / screenshot",
                   "page_html": "HTML của trang lỗi / page HTML", "video": "Video"}
MESSAGE_LINES, DETAILS_CHARS = 12, 60_000
# What pytest's -k accepts as one name (_pytest/mark/expression.py); -k matches names by substring.
_K_NAME = re.compile(r"[\w:+\-.\[\]\\/]+")
_K_RESERVED = {"and", "or", "not", "true", "false", "none"}


class ReportError(RuntimeError):
    """The JUnit XML cannot be read."""


@dataclass
class Artifact:
    kind: str      # trace | screenshot | page_html | video | file
    path: str      # relative to the report folder (POSIX), or absolute when outside it
    exists: bool
    command: str = ""
    attempt: int = 1   # 2: kept by the journey's second run (harness.retry)

    @property
    def title(self) -> str:
        title = ARTIFACT_TITLES.get(self.kind, self.kind)
        return title if self.attempt == 1 else f"{title} — lần chạy lại / second run"


@dataclass
class Retry:
    """What a failed journey's second run gave (harness.retry): its outcome, time and first lines."""

    outcome: str            # passed | failed | error | skipped
    seconds: float
    message: str = ""


@dataclass
class Journey:
    """One test case of the run."""

    id: str                 # pytest's node id, e.g. suites/test_nop_ho_so.py::test_nop_ho_so[chromium]
    name: str
    classname: str
    file: str
    outcome: str            # passed | failed | error | skipped
    seconds: float
    message: str = ""       # the first lines of the failure, error or skip reason
    details: str = ""       # the traceback
    collection_error: bool = False
    steps: list[Step] = field(default_factory=list)
    artifacts: list[Artifact] = field(default_factory=list)
    repeat: str = ""        # the command that runs this journey alone (set by the run)
    retry: Retry | None = None  # its second run, traced, when it failed (harness.retry)

    @property
    def module(self) -> str:
        return PurePosixPath(self.file).name if self.file else ""

    @property
    def classes(self) -> list[str]:
        module = _dotted_module(self.file)
        if module and self.classname.startswith(module + "."):
            return self.classname[len(module) + 1:].split(".")
        return []

    @property
    def short_id(self) -> str:
        """The id without the folders: test_x.py::TestY::test_z[chromium]."""
        if self.collection_error or not self.file:
            return self.id
        return "::".join([self.module, *self.classes, self.name])

    @property
    def failed(self) -> bool:
        return self.outcome in (FAILED, ERROR)

    @property
    def flaky(self) -> bool:
        """Failed, then passed when run again: the failure is intermittent (it still fails the run)."""
        return self.failed and self.retry is not None and self.retry.outcome == PASSED

    @property
    def failed_step(self) -> tuple[int, Step] | None:
        for index, step in enumerate(self.steps, 1):
            if not step.ok:
                return index, step
        return None

    def artifact(self, kind: str) -> Artifact | None:
        return next((a for a in self.artifacts if a.kind == kind), None)


@dataclass
class RunReport:
    """Everything the summaries show."""

    journeys: list[Journey]
    started_at: str
    seconds: float
    seed: int | None
    suite: str
    services: dict[str, str]
    state_dir: str
    stack_started_here: bool
    command: str                    # the pytest command line
    exit_code: int
    run_error: str = ""             # why the run itself failed (exit code 2)
    repeat_all: str = ""            # the command that repeats the whole run
    junit: str = "junit.xml"
    log: str = "pytest.log"
    smoke: dict[str, Any] | None = None   # the smoke load: {exit_code, verdict, report_dir, load: load-summary.json}
    journeys_exit_code: int | None = None  # the journeys' own verdict when a smoke run shares the exit code
    interrupted: bool = False       # Ctrl-C or SIGTERM stopped the journeys (pytest)
    not_run: int = 0                # journeys collected but not finished when the run was interrupted
    repeat_note: str = ""           # what repeating needs beyond the command (a team's portal keeps its data)
    world: dict[str, Any] | None = None   # the rules of the journeys' date (mocks.core.world.World.to_json)
    retry_note: str = ""            # what became of the failed journeys' second run, when it did not simply run

    @property
    def smoke_interrupted(self) -> bool:
        """Ctrl-C or SIGTERM stopped the smoke load, after the journeys had all run."""
        return bool(self.smoke) and self.smoke.get("verdict") == "interrupted"   # type: ignore[union-attr]

    @property
    def journeys_exit(self) -> int:
        return self.exit_code if self.journeys_exit_code is None else self.journeys_exit_code

    @property
    def totals(self) -> dict[str, Any]:
        counts = {outcome: sum(j.outcome == outcome for j in self.journeys)
                  for outcome in (PASSED, FAILED, ERROR, SKIPPED)}
        return {"journeys": len(self.journeys) + self.not_run, **counts, "not_run": self.not_run,
                "flaky": sum(j.flaky for j in self.journeys),
                "journey_seconds": round(sum(j.seconds for j in self.journeys), 3),
                "run_seconds": round(self.seconds, 3)}

    @property
    def failed(self) -> list[Journey]:
        return [j for j in self.journeys if j.failed]

    @property
    def collection_errors(self) -> list[Journey]:
        return [j for j in self.journeys if j.collection_error]

    def slowest_steps(self, count: int = 5) -> list[tuple[Step, Journey]]:
        every = [(s, j) for j in self.journeys for s in j.steps]
        return sorted(every, key=lambda pair: pair[0].seconds, reverse=True)[:count]

    @property
    def ordered(self) -> list[Journey]:
        """Failures first, then the rest in the order pytest ran them."""
        return [j for j in self.journeys if j.failed] + [j for j in self.journeys if not j.failed]

    def as_json(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA_VERSION,
            "tool": "dvc-harness run",
            "exit_code": self.exit_code,
            "run_error": self.run_error,
            "interrupted": self.interrupted,
            "started_at": self.started_at,
            "seconds": round(self.seconds, 3),
            "seed": self.seed,
            "world": self.world,
            "suite": self.suite,
            "stack": {"services": self.services, "state_dir": self.state_dir,
                      "started_by_run": self.stack_started_here},
            "totals": self.totals,
            "pytest_command": self.command,
            "repeat_command": self.repeat_all,
            "files": {"junit": self.junit, "log": self.log, "html": SUMMARY_HTML},
            "retry_note": self.retry_note,
            "smoke": self.smoke,
            "journeys_exit_code": self.journeys_exit,
            "slowest_steps": [{"journey": j.id, **asdict(s)} for s, j in self.slowest_steps()],
            "journeys": [
                {"id": j.id, "name": j.name, "classname": j.classname, "file": j.file, "outcome": j.outcome,
                 "seconds": j.seconds, "message": j.message, "details": j.details,
                 "collection_error": j.collection_error, "steps": [asdict(s) for s in j.steps],
                 "artifacts": [asdict(a) for a in j.artifacts], "repeat_command": j.repeat,
                 "retry": asdict(j.retry) if j.retry else None, "flaky": j.flaky}
                for j in self.journeys
            ],
        }


# -- reading the JUnit XML -------------------------------------------------------------------------
def _dotted_module(file: str) -> str:
    return re.sub(r"\.py$", "", file.replace("\\", "/")).replace("/", ".") if file else ""


def _first_lines(text: str, lines: int = MESSAGE_LINES) -> str:
    kept = text.strip().splitlines()
    more = len(kept) - lines
    return "\n".join(kept[:lines]) + (f"\n… (+{more} lines / dòng)" if more > 0 else "")


def _steps(value: str) -> list[Step]:
    try:
        raw = json.loads(value)
    except ValueError:
        return [Step("(dvc_steps could not be read)", 0.0, False, value[:200])]
    steps = []
    for item in raw if isinstance(raw, list) else []:
        if not isinstance(item, dict):
            continue
        try:
            seconds = round(float(item.get("seconds") or 0.0), 4)
        except (TypeError, ValueError):
            seconds = 0.0
        ok, error = bool(item.get("ok", True)), str(item.get("error") or "")
        steps.append(Step(str(item.get("name", "?")), seconds, ok, error, str(item.get("skipped") or "")))
    return steps


def _relative(path: str, report_dir: Path, base_dir: Path) -> tuple[str, bool]:
    """An artefact's path relative to the report folder; relative inputs are relative to base_dir."""
    full = Path(path) if Path(path).is_absolute() else base_dir / path
    exists = full.exists()
    try:
        shown = Path(os.path.relpath(full.resolve(), report_dir.resolve())).as_posix()
    except ValueError:  # another drive (Windows)
        return str(full), exists
    return (str(full.resolve()) if shown.startswith("..") else shown), exists


def trace_command(path: str) -> str:
    """How to open a trace: Playwright's viewer served on loopback (it then needs only a browser, not
    Playwright's own Chromium, which the harness may not have); https://trace.playwright.dev works too."""
    return f"playwright show-trace --host 127.0.0.1 --port 9323 {shlex.quote(path)}"


def _artifacts(properties: list[tuple[str, str]], report_dir: Path, base_dir: Path) -> list[Artifact]:
    found: list[Artifact] = []
    for name, value in properties:
        kind = ARTIFACT_PROPERTIES.get(name)
        if kind is None or not value:
            continue
        path, exists = _relative(value, report_dir, base_dir)
        if any(a.path == path for a in found):
            continue
        command = trace_command(path) if kind == "trace" else ""
        found.append(Artifact(kind, path, exists, command))
    # An older pytest-playwright names no artefacts: take what lies beside the page HTML.
    page = next((a for a in found if a.kind == "page_html"), None)
    if page is not None and not any(a.kind in ("trace", "screenshot") for a in found):
        folder = ((report_dir / page.path) if not Path(page.path).is_absolute() else Path(page.path)).parent
        for extra in sorted(folder.glob("*")) if folder.is_dir() else []:
            kind = ("trace" if extra.suffix == ".zip" else "screenshot" if extra.suffix == ".png"
                    else "video" if extra.suffix == ".webm" else "")
            if kind:
                path, _ = _relative(str(extra), report_dir, base_dir)
                command = trace_command(path) if kind == "trace" else ""
                found.append(Artifact(kind, path, True, command))
    order = {"trace": 0, "screenshot": 1, "page_html": 2, "video": 3}
    return sorted(found, key=lambda a: order.get(a.kind, 9))


def read_junit(path: Path, report_dir: Path, base_dir: Path | None = None) -> list[Journey]:
    """The test cases of a JUnit XML file, in the order pytest wrote them.

    Relative artefact paths are taken relative to `base_dir` (the folder pytest ran in)."""
    base_dir = base_dir or Path.cwd()
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as exc:
        raise ReportError(f"cannot read {path}: {exc}") from exc
    journeys = []
    for case in root.iter("testcase"):
        if not case.get("name") and not case.get("classname"):
            continue    # xdist's record of a test a worker was running when the run was interrupted: not a result
        name, classname, file = case.get("name", "?"), case.get("classname", ""), case.get("file", "")
        properties = [(p.get("name", ""), p.get("value", "")) for p in case.iter("property")]
        failure, error, skipped = case.find("failure"), case.find("error"), case.find("skipped")
        outcome, problem = PASSED, None
        if failure is not None:
            outcome, problem = FAILED, failure
        elif error is not None:
            outcome, problem = ERROR, error
        elif skipped is not None:
            outcome, problem = SKIPPED, skipped
        message = details = ""
        if problem is not None:
            message = _first_lines(problem.get("message") or (problem.text or "").strip().split("\n\n")[0])
            details = (problem.text or "").strip()
            if failure is not None and error is not None:   # failed, then broke in teardown too
                details += "\n\n--- teardown ---\n" + (error.text or error.get("message", "")).strip()
            if len(details) > DETAILS_CHARS:
                details = details[:DETAILS_CHARS] + f"\n… (cut; the full text is in junit.xml / {len(details)} chars)"
        collection_error = outcome == ERROR and error is not None and error.get("message") == "collection failure"
        journey = Journey(
            id="", name=name, classname=classname, file=file, outcome=outcome,
            seconds=float(case.get("time") or 0.0), message=message, details=details,
            collection_error=collection_error,
            steps=[s for n, v in properties if n == "dvc_steps" for s in _steps(v)],
            artifacts=_artifacts(properties, report_dir, base_dir),
        )
        if collection_error:
            journey.id = file or name
        elif file:
            journey.id = "::".join([file, *journey.classes, name])
        else:
            journey.id = "::".join([p for p in (classname, name) if p])
        journeys.append(journey)
    return journeys


# -- repeating one journey -------------------------------------------------------------------------
def _k_name(text: str) -> str:
    match = _K_NAME.match(text)
    token = match.group(0) if match else ""
    return "" if token.lower() in _K_RESERVED else token


def _names(journey: Journey) -> list[str]:
    return [journey.module, *journey.classes, journey.name]


def keyword_expression(journey: Journey, journeys: list[Journey]) -> str:
    """A `-k` expression that selects this journey and none of the run's others (as far as -k can).

    -k matches each name as a case-insensitive substring of the test's names (module file,
    classes, test name), so tests whose names contain this one's are excluded by name."""
    parts = [t for t in (_k_name(n) for n in _names(journey)) if t]
    if not parts:
        return ""
    own = [n.lower() for n in _names(journey)]
    excluded: list[str] = []
    for other in journeys:
        if other is journey or other.collection_error:
            continue
        theirs = [n.lower() for n in _names(other)]
        if all(any(p.lower() in n for n in theirs) for p in parts):
            token = _k_name(other.name)
            if token and not any(token.lower() in n for n in own) and token not in excluded:
                excluded.append(token)
    return " and ".join([*parts, *(f"not {t}" for t in excluded)])


# -- writing ---------------------------------------------------------------------------------------
def duration(seconds: float) -> str:
    if seconds < 10:
        return f"{seconds:.2f} s"
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s"


def _template_source(name: str) -> str:
    return resources.files("harness").joinpath("templates", name).read_text(encoding="utf-8")


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FunctionLoader(_template_source), autoescape=True, trim_blocks=True,
                             lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    env.filters["duration"] = duration
    env.filters["measure"] = _measure
    return env


def _measure(value: float | None, unit: str = "") -> str:
    """An SLO's figure as people read it: a ratio in %, milliseconds and rates rounded."""
    if value is None:
        return "–"
    if unit == "%":
        return f"{value * 100:.2f} %"
    shown = f"{value:,.0f}" if abs(value) >= 100 or value == int(value) else f"{value:.2f}"
    return f"{shown} {unit}".strip()


# What an older (or hand-trimmed) load-summary.json may lack and the section can show without.
LOAD_SUMMARY_DEFAULTS: dict[str, Any] = {
    "error": None, "interrupted": False, "description": "", "mode": "?", "peak": None, "peak_unit": "",
    "officers": 0, "measured": None, "stop_reason": None, "slo": None, "consistency": None, "warnings": [],
    "host": None, "clock": None, "namespace": None, "timeline": [],
}
LOAD_SUMMARY = "load-summary.json"      # load/report.py writes it


def load_view(folder: Path) -> dict[str, Any] | None:
    """What the HTML shows of a load run: its load-summary.json, whose `view` the load wrote ready to draw (its
    verdicts by request group, the advice on groups that matched nothing, the chart as inline SVG).

    None without a summary; a summary the section cannot show (not JSON of the expected shape) gives a view
    whose `problem` says so, never an exception: the run's own reports must still be written."""
    try:
        text = (folder / LOAD_SUMMARY).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    view: dict[str, Any] = {"summary": {}, "problem": "", "chart": Markup(""), "general": [], "groups": [],
                            "advice": [], "matches": {}}
    try:
        summary = json.loads(text)
    except ValueError as exc:
        view["problem"] = f"{LOAD_SUMMARY} is not JSON ({exc})"
        return view
    if not isinstance(summary, dict):
        view["problem"] = f"{LOAD_SUMMARY} holds no object"
        return view
    view["summary"] = {**LOAD_SUMMARY_DEFAULTS, **summary}
    try:    # a summary of another shape (missing figures, text for numbers) shows as unreadable, not a crash
        drawn = summary.get("view") or {}
        view.update(general=list(drawn.get("general") or []), groups=list(drawn.get("groups") or []),
                    advice=list(drawn.get("advice") or []), matches=dict(drawn.get("matches") or {}),
                    chart=Markup(str(drawn.get("chart") or "")))
        _environment().get_template("load_section.html").render(load=view, load_prefix="")
    except (jinja2.TemplateError, TypeError, ValueError, AttributeError, KeyError) as exc:
        view.update(summary={}, general=[], groups=[], advice=[], chart=Markup(""),
                    problem=f"{LOAD_SUMMARY} has a shape this report does not know ({exc})")
    return view


def render_html(report: RunReport, report_dir: Path | None = None) -> str:
    smoke_dir = report_dir / report.smoke["report_dir"] if report.smoke and report_dir is not None else None
    load = load_view(smoke_dir) if smoke_dir is not None else None
    return _environment().get_template("report.html").render(
        report=report, totals=report.totals, schema=SCHEMA_VERSION, load=load,
        load_prefix=f"{report.smoke['report_dir']}/" if report.smoke else "")


LOAD_HTML = "load-report.html"


def write_load_html(folder: Path) -> Path:
    """`dvc-harness load`'s own HTML: the SLO verdicts and the latency chart, beside Locust's locust.html."""
    view = load_view(folder)
    path = folder / LOAD_HTML
    path.write_text(_environment().get_template("load_report.html").render(load=view, load_prefix=""),
                    encoding="utf-8")
    return path


def write_reports(report: RunReport, report_dir: Path) -> tuple[Path, Path]:
    """Write summary.html and summary.json into the report folder."""
    report_dir.mkdir(parents=True, exist_ok=True)
    html_path, json_path = report_dir / SUMMARY_HTML, report_dir / SUMMARY_JSON
    html_path.write_text(render_html(report, report_dir), encoding="utf-8")
    json_path.write_text(json.dumps(report.as_json(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return html_path, json_path


def _one_line(text: str, width: int = 110) -> str:
    line = " ".join(text.split())
    return line if len(line) <= width else line[: width - 1] + "…"


def terminal_summary(report: RunReport, report_dir: Path, listed: int = 20) -> str:
    """The one-screen summary printed at the end of a run."""
    t = report.totals
    not_run = f", {t['not_run']} not run" if t["not_run"] else ""
    lines = [
        f"dvc-harness run: {'INTERRUPTED — ' if report.interrupted else ''}{t['journeys']} journeys — "
        f"{t[PASSED]} passed, {t[FAILED]} failed, {t[ERROR]} errors, {t[SKIPPED]} skipped{not_run} "
        f"in {duration(report.seconds)} (seed {report.seed})"
    ]
    if report.world:
        lines.append(f"  {report.world.get('said') or report.world.get('day')}")
    if report.run_error:
        lines.append(f"  the run itself failed: {report.run_error}")
    if t["flaky"]:
        lines.append(f"  {t['flaky']} flaky: failed, then passed when run again (the first verdict stands)")
    if report.retry_note:
        lines.append(f"  {report.retry_note}")
    if report.smoke_interrupted and report.retry_note != RETRY_INTERRUPTED:
        lines.append("  INTERRUPTED during the smoke load (Ctrl-C or SIGTERM): the journeys above all ran; "
                     "the load's reports are partial")
    shown = report.ordered if len(report.journeys) <= listed else report.failed[:listed]
    width = min(72, max((len(j.short_id) for j in shown), default=0))
    for j in shown:
        mark = {PASSED: "ok  ", FAILED: "FAIL", ERROR: "ERR ", SKIPPED: "skip"}[j.outcome]
        name = j.short_id if len(j.short_id) <= 72 else "…" + j.short_id[-71:]
        lines.append(f"  {mark}  {name:<{width}}  {duration(j.seconds):>9}")
        if j.failed:
            broken = j.failed_step
            if broken is not None:
                index, step = broken
                lines.append(f"        step {index} “{step.name}” failed after {duration(step.seconds)}")
            lines.append(f"        {_one_line(j.message or j.details, 100)}")
            if j.retry is not None:
                lines.append("        run again, traced: " + ("passed — FLAKY (the failure comes and goes)" if j.flaky
                                                            else f"{j.retry.outcome} again"))
    hidden = [j for j in report.journeys if j not in shown]
    if hidden:
        kinds = {PASSED: "passed", SKIPPED: "skipped", FAILED: "more failed", ERROR: "more errors"}
        parts = [f"{sum(j.outcome == k for j in hidden)} {word}" for k, word in kinds.items()
                 if any(j.outcome == k for j in hidden)]
        lines.append(f"  (not listed: {', '.join(parts)}; every journey is in {SUMMARY_HTML})")
    slow = report.slowest_steps()
    if slow:
        lines.append("Slowest steps:")
        lines += [f"  {duration(s.seconds):>9}  {_one_line(s.name, 60)}  ({_one_line(j.name, 45)})" for s, j in slow]
    shown_dir = _display_path(report_dir)
    lines.append(f"Report: {shown_dir}/{SUMMARY_HTML}  (also {SUMMARY_JSON}, {report.junit}, {report.log} there)")
    failing = [j for j in report.failed if j.repeat]
    trace = next((a for j in failing for a in j.artifacts if a.kind == "trace"), None)
    if trace is not None:
        shown_trace = shlex.quote(_display_path(report_dir / trace.path))
        viewer = trace_command(shown_trace).removeprefix("playwright ")
        lines.append(f"Open the first failure's trace:  {command('playwright')} {viewer}  "
                     "(then the URL it prints; or drop the file on https://trace.playwright.dev)")
    if failing:
        note = f"; {report.repeat_note}" if report.repeat_note else ""
        lines.append(f"Repeat a failing journey (same data{note}):" if len(failing) == 1 else
                     f"Repeat a failing journey (same data; {len(failing)} failed, the first shown{note}):")
        lines.append(f"  {failing[0].repeat}")
    elif report.exit_code and report.repeat_all:
        lines.append(f"Repeat the run{f' ({report.repeat_note})' if report.repeat_note else ''}:  "
                     f"{report.repeat_all}")
    return "\n".join(lines)


def _display_path(path: Path) -> str:
    try:
        shown = os.path.relpath(path, Path.cwd())
    except ValueError:
        return str(path)
    return str(path.resolve()) if shown.startswith("..") else shown


__all__ = [
    "Artifact", "Journey", "ReportError", "Retry", "RunReport", "Step", "keyword_expression", "read_junit",
    "render_html", "terminal_summary", "write_load_html", "write_reports",
]
