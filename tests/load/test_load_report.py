"""The load's HTML report: the verdicts (one row per request group, NO DATA where a group measured nothing)
and the chart of the run over time drawn as inline SVG (each group's p95/p99 and its limits, the load offered
and the throughput), in `dvc-harness load`'s own load-report.html and in the run's summary.html; and a
Ctrl-C'd load, which still writes its partial reports and exits non-zero."""

from __future__ import annotations

import contextlib
import json
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from harness.children import INTERRUPT_WAIT_S
from harness.report import RunReport, render_html, write_load_html
from harness.stack import Stack
from load import profiles, report, slo
from load.chart import run_svg
from tests.process_groups import end_group

# the load names its world (harness.load_cmd._clock)
WORLD = ("the world of 2026-12-07: citizens and organisations log in with VNeID; two tiers (province, commune); "
         "Decree 118/2025/NĐ-CP")
T0 = 1_700_000_000.0


def counts(times_ms: list[int], failed: int = 0) -> dict[str, Any]:
    rt: dict[str, int] = {}
    for ms in times_ms:
        rt[str(ms)] = rt.get(str(ms), 0) + 1
    return {"n": len(times_ms), "f": failed, "rt": rt}


def timeline(groups: list[str], points: int = 8) -> list[dict[str, Any]]:
    return [{"t": 2.0 * (i + 1), "users": min(i + 1, 5), "offered": None, "rps": 10.0 + i, "requests": 20,
             "failures": 0, "groups": {g: {"n": 4, "p95": 100.0 + 10 * i, "p99": 150.0 + 10 * i} for g in groups}}
            for i in range(points)]


def results_of(profile: profiles.Profile, requests: dict[str, dict[str, Any]], *, stop_reason: str | None = None
               ) -> dict[str, Any]:
    """A results file as load.locustfile writes it, for `requests` (METHOD name -> counts) over 16 s."""
    matched = [g.name for g in profile.slo.groups
               if any(slo.Window(1.0, {k: slo.Counts.from_json(v)}).group(g.match).n for k, v in requests.items())]
    return {"profile": profile.name, "mode": profile.mode, "namespace": "load-report-test",
            "host": "http://127.0.0.1:8101", "clock": WORLD, "started_at": T0, "ended_at": T0 + 16,
            "shape_ended_at": T0 + 16, "arrivals": {}, "rates": [], "workers": 0,
            "start": {"at": T0, "requests": {}}, "final": {"at": T0 + 16, "requests": requests},
            "hold_start": None, "steps": [], "stop_reason": stop_reason, "ledger": {"submissions": [], "payments": []},
            "journeys": {"browse": {"ok": 3, "failed": 0}}, "cpu": {}, "timeline": timeline(matched)}


def write_run(folder: Path, profile: profiles.Profile, requests: dict[str, dict[str, Any]], **more: Any) -> slo.Outcome:
    """A load run's load-summary.json, written by the load's own code from a results file."""
    results = results_of(profile, requests, **more)
    outcome = slo.evaluate(profile, results)
    code = 0 if outcome.ok else 1
    report.write_summary(folder / report.SUMMARY, profile, outcome, None, results, code)
    return outcome


SEEN_ONLY_CATALOGUE = {"GET provincial /api/v1/procedures": counts([40, 60, 80, 120] * 10),
                       "GET provincial /": counts([20, 30] * 10)}


def test_a_group_that_matched_nothing_is_no_data_and_fails_the_gate() -> None:
    profile = profiles.load("smoke")
    outcome = slo.evaluate(profile, results_of(profile, SEEN_ONLY_CATALOGUE))
    states = {v.name: v.state for v in outcome.verdicts}
    assert states["catalogue p95"] == slo.PASS
    assert states["submit p95"] == states["submit p99"] == states["payment p95"] == slo.NO_DATA
    assert not outcome.ok and outcome.unmatched == ["submit", "payment"]
    assert outcome.seen == {"GET provincial /": 20, "GET provincial /api/v1/procedures": 40}


def test_an_optional_group_without_data_does_not_fail(tmp_path: Path) -> None:
    path = tmp_path / "optional.toml"
    path.write_text('extends = "smoke"\n[slo.groups.submit]\noptional = true\n[slo.groups.payment]\noptional = true\n',
                    encoding="utf-8")
    profile = profiles.load(str(path))
    outcome = slo.evaluate(profile, results_of(profile, SEEN_ONLY_CATALOGUE))
    no_data = [v for v in outcome.verdicts if v.state == slo.NO_DATA]
    assert no_data and all(v.ok and v.label == "NO DATA (optional)" for v in no_data)
    assert outcome.ok


def test_a_run_without_requests_has_no_passing_failure_ratio() -> None:
    profile = profiles.load("smoke")
    outcome = slo.evaluate(profile, results_of(profile, {}))
    ratio = next(v for v in outcome.verdicts if v.name == "failure ratio")
    assert ratio.state == slo.NO_DATA and not ratio.ok and outcome.requests == 0


def test_the_terminal_table_names_the_empty_groups_and_the_requests_seen() -> None:
    profile = profiles.load("smoke")
    results = results_of(profile, SEEN_ONLY_CATALOGUE)
    text = report.table(profile, slo.evaluate(profile, results), None, results)
    assert re.search(r"submit\s+NO DATA\s", text) and re.search(r"catalogue\s+PASS\s", text)
    assert "SLO groups that matched no request: submit, payment" in text
    assert "GET provincial /api/v1/procedures: 40" in text
    assert f"on http://127.0.0.1:8101, namespace load-report-test, {WORLD}" in text


def test_junit_and_summary_say_no_data(tmp_path: Path) -> None:
    profile = profiles.load("smoke")
    results = results_of(profile, SEEN_ONLY_CATALOGUE)
    outcome = slo.evaluate(profile, results)
    report.write_junit(tmp_path / "j.xml", profile, outcome, None, results)
    xml = (tmp_path / "j.xml").read_text(encoding="utf-8")
    assert re.search(r'name="submit p95"[^>]*>\s*<failure message="submit p95: NO DATA', xml)
    assert 'name="catalogue p95"' in xml and "GET provincial /api/v1/procedures: 40" in xml
    report.write_summary(tmp_path / "s.json", profile, outcome, None, results, 1)
    summary = json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))
    by_name = {v["name"]: v for v in summary["slo"]["verdicts"]}
    assert by_name["submit p95"]["state"] == "no data" and by_name["submit p95"]["ok"] is False
    assert summary["slo"]["unmatched_groups"] == ["submit", "payment"]
    assert summary["slo"]["seen_requests"]["GET provincial /"] == 20
    assert summary["host"] == "http://127.0.0.1:8101" and summary["clock"] == WORLD


def test_the_chart_draws_every_limit_and_the_load() -> None:
    groups = [{"name": "catalogue", "p95_ms": 300, "p99_ms": 800}, {"name": "submit", "p95_ms": 2000, "p99_ms": None}]
    svg = run_svg(timeline(["catalogue", "submit"]), groups)
    assert svg.startswith("<svg") and svg.endswith("</svg>") and "<script" not in svg
    limits = re.findall(r'<line class="limit" data-group="(\w+)" data-quantile="(p\d\d)" data-limit-ms="(\d+)"', svg)
    assert sorted(limits) == [("catalogue", "p95", "300"), ("catalogue", "p99", "800"), ("submit", "p95", "2000")]
    series = re.findall(r'class="series" data-group="(\w+)" data-quantile="(p\d\d)"', svg)
    assert len(series) == 4
    assert 'class="throughput"' in svg and 'class="users"' in svg
    assert 'class="offered"' in run_svg([{**p, "offered": 2.0} for p in timeline(["submit"])], groups, arrival=True)
    assert run_svg([], groups) == ""


def test_load_report_html_shows_one_row_per_group_and_no_data(tmp_path: Path) -> None:
    write_run(tmp_path, profiles.load("smoke"), SEEN_ONLY_CATALOGUE)
    html = write_load_html(tmp_path).read_text(encoding="utf-8")
    rows = re.findall(r'<tr class="group state-([\w-]+)" data-group="(\w+)"', html)
    assert rows == [("pass", "catalogue"), ("no-data", "submit"), ("no-data", "payment")]
    assert "không có dữ liệu / no data" in html and "An SLO failed or measured nothing" in html
    assert "<code>GET provincial /api/v1/procedures: 40</code>" in html
    assert html.count('class="limit"') == 6 and "<script" not in html and "cdn" not in html.lower()
    assert f"as of: {WORLD}" in html and "http://127.0.0.1:8101" in html


def test_the_runs_summary_shows_the_load_near_the_top(tmp_path: Path) -> None:
    load = tmp_path / "load"
    load.mkdir()
    write_run(load, profiles.load("smoke"), SEEN_ONLY_CATALOGUE, stop_reason="interrupted (Ctrl-C or SIGTERM)")
    summary = json.loads((load / report.SUMMARY).read_text(encoding="utf-8"))
    (load / report.SUMMARY).write_text(json.dumps({**summary, "interrupted": True, "exit_code": 2}), encoding="utf-8")
    run = RunReport(journeys=[], started_at="2026-11-27T20:00:00+00:00", seconds=1.0, seed=1, suite="s",
                    services={}, state_dir="/tmp/x", stack_started_here=True, command="pytest", exit_code=2,
                    smoke={"exit_code": 2, "verdict": "interrupted", "report_dir": "load"})
    html = render_html(run, tmp_path)
    assert "Load (smoke)" in html and "Interrupted (Ctrl-C or SIGTERM): partial results" in html
    assert html.index('id="load"') < html.index("About this run")
    # interrupted or not, a group that measured nothing is never shown as passed
    assert re.search(r'data-group="submit".*?no data', html, re.S)
    assert 'class="group state-pass" data-group="submit"' not in html


# -- in a real browser: the geometry of the report at a phone's and a laptop's width ---------------------------
GEOMETRY = """(scope) => {
  const width = document.documentElement.clientWidth;
  const root = document.querySelector(scope);
  const outside = [...root.querySelectorAll('*')].filter(e => {
      const b = e.getBoundingClientRect();
      return b.width > 0 && (b.right > width + 0.5 || b.left < -0.5);
  }).map(e => e.tagName + '.' + e.className.baseVal + e.className + ' ' + Math.round(e.getBoundingClientRect().right));
  const split = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (node.parentElement.closest('code, pre, svg, script, style')) continue;
    const text = node.textContent;
    for (const m of text.matchAll(/[^\\s]+/g)) {
      const range = document.createRange();
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      const lines = new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
      if (lines.size > 1) split.push(m[0]);
    }
  }
  return {outside, split, limits: root.querySelectorAll('svg line.limit').length,
          groups: root.querySelectorAll('tr.group').length};
}"""


@pytest.mark.parametrize("width", [390, 1280])
def test_the_report_fits_a_phone_and_a_laptop_without_split_words(browser: Any, tmp_path: Path, width: int) -> None:
    profile = profiles.load("campaign-peak")     # seven request groups: the busiest chart and table
    requests = {"GET provincial /api/v1/procedures": counts([40, 90, 250]),
                "POST provincial /api/v1/dossiers": counts([800, 1200]),
                "GET provincial /api/v1/dossiers/{code}": counts([30, 50])}
    load = tmp_path / "load"
    load.mkdir()
    write_run(load, profile, requests)
    run = RunReport(journeys=[], started_at="2026-12-07T08:00:00+07:00", seconds=80.0, seed=1, suite="s",
                    services={}, state_dir="/tmp/x", stack_started_here=True, command="pytest", exit_code=1,
                    smoke={"exit_code": 1, "verdict": "an SLO failed", "report_dir": "load"})
    (tmp_path / "summary.html").write_text(render_html(run, tmp_path), encoding="utf-8")
    expected_limits = sum((g.p95_ms is not None) + (g.p99_ms is not None) for g in profile.slo.groups)
    page = browser.new_page(viewport={"width": width, "height": 900})
    try:
        for html, scope in ((write_load_html(load), "body"), (tmp_path / "summary.html", "section.load")):
            page.goto(html.as_uri())
            found = page.evaluate(GEOMETRY, scope)
            assert found["limits"] == expected_limits and found["groups"] == len(profile.slo.groups), html.name
            assert found["outside"] == [], (html.name, found["outside"])
            assert found["split"] == [], (html.name, found["split"])
    finally:
        page.close()


# -- a real load, interrupted --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def load_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with Stack.start(tmp_path_factory.mktemp("load-report-state")) as stack:
        yield stack


def test_a_ctrl_c_load_writes_its_partial_reports_and_exits_non_zero(load_stack: Stack, tmp_path: Path) -> None:
    report_dir = tmp_path / "report"
    # a run far longer than the wait for its first progress line, so that the interrupt cuts it short however busy
    # the machine is (it ends the run at once: the length costs nothing)
    proc = subprocess.Popen([sys.executable, "-m", "harness.load_cmd", "--profile", "smoke", "--duration", "120",
                             "--state-dir", str(load_stack.config.state_dir), "--report-dir", str(report_dir)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp_path,
                            start_new_session=True,     # with SIGINT as a terminal leaves it, whatever ours is
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout or ()], daemon=True).start()
    seen: list[str] = []
    try:
        deadline = time.monotonic() + 60
        while not any(re.search(r"dvc-load: +\d+ s · \d+ users · [\d.]+ req/s · \d+ failures", s) for s in seen):
            assert time.monotonic() < deadline and proc.poll() is None, "".join(seen)
            with contextlib.suppress(queue.Empty):
                seen.append(lines.get(timeout=1))
        proc.send_signal(signal.SIGINT)
        # the load gives Locust INTERRUPT_WAIT_S to write its reports, then writes its own: a busy machine
        # may take all of that, which only a hang outlasts
        code = proc.wait(timeout=INTERRUPT_WAIT_S + 90)
    finally:
        end_group(proc, close_streams=False)   # the load and its Locust, whatever happened
    time.sleep(0.2)
    while not lines.empty():
        seen.append(lines.get())
    out = "".join(seen)
    assert code == 2, out
    assert "INTERRUPTED" in out, out
    summary = json.loads((report_dir / "load-summary.json").read_text(encoding="utf-8"))
    assert summary["interrupted"] is True and summary["exit_code"] == 2
    assert summary["measured"]["requests"] > 0 and summary["measured"]["seconds"] < 120   # cut short
    assert summary["slo"]["verdicts"][0]["name"] == "ran to the end" and not summary["slo"]["verdicts"][0]["ok"]
    assert summary["consistency"]["skipped"] == "the run was interrupted"
    assert summary["timeline"], "the master recorded the run over time"
    for name in ("locust.html", "locust_stats.csv", "locust_stats_history.csv", "load-junit.xml"):
        assert (report_dir / name).stat().st_size > 0, name
    html = (report_dir / "load-report.html").read_text(encoding="utf-8")
    assert "Interrupted" in html and "<svg" in html and 'class="limit"' in html
    # what the interrupted run did not measure is not shown as passed
    for verdict in summary["slo"]["verdicts"]:
        if verdict["samples"] == 0:
            assert verdict["state"] == "no data" and not verdict["ok"], verdict
