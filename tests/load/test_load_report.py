"""The load's HTML report (verdicts and a latency chart drawn as inline SVG from Locust's stats history),
in `dvc-harness load`'s own load-report.html and in the run's summary.html; and a Ctrl-C'd load, which
still writes its partial reports and exits non-zero."""

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

import pytest

from harness.report import RunReport, render_html, write_load_html
from harness.stack import Stack
from load.chart import latency_svg, read_history
from tests.process_groups import end_group

# Locust's own header of `--csv-full-history` (locust/stats.py: StatsCSV), and rows as it writes them: one per
# request name and one Aggregated row a second.
HEADER = ("Timestamp,User Count,Type,Name,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%,"
          "Total Request Count,Total Failure Count,Total Median Response Time,Total Average Response Time,"
          "Total Min Response Time,Total Max Response Time,Total Average Content Size")


def _row(t: int, users: int, name: str, rps: float, p50: str, p95: str, total: int, failed: int) -> str:
    kind = "" if name == "Aggregated" else "GET"
    percentiles = ",".join([p50] * 4 + [p95] * 7)     # 50% 66% 75% 80% | 90% 95% 98% 99% 99.9% 99.99% 100%
    return f"{t},{users},{kind},{name},{rps:.6f},0.000000,{percentiles},{total},{failed},{p50},{p50},1,{p95},512"


def write_history(folder: Path, seconds: int = 30) -> None:
    rows = [HEADER, _row(1_700_000_000, 0, "Aggregated", 0.0, "N/A", "N/A", 0, 0)]
    for i in range(1, seconds):
        t = 1_700_000_000 + i
        rows.append(_row(t, 5, "provincial /", 3.0, "20", "40", 3 * i, 0))
        rows.append(_row(t, 5, "Aggregated", 10.0, str(10 * i), str(20 * i), 10 * i, i // 10))
    (folder / "locust_stats_history.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")


def write_summary(folder: Path, *, interrupted: bool = False) -> None:
    verdicts = [
        {"name": "failure ratio", "ok": True, "measured": 0.0, "limit": 0.01, "unit": "%", "detail": "0 of 290"},
        {"name": "catalogue p95", "ok": False, "measured": 2400.0, "limit": 2000.0, "unit": "ms",
         "detail": "120 requests, 0 failed"},
    ]
    (folder / "load-summary.json").write_text(json.dumps({
        "profile": "smoke", "mode": "users", "exit_code": 2 if interrupted else 1, "error": None,
        "interrupted": interrupted, "description": "Every journey once", "peak": 5.0, "peak_unit": "users",
        "officers": 1, "duration_s": 16.0, "measured": {"seconds": 29.0, "requests": 290, "failures": 2, "rps": 10.0},
        "slo": {"ok": False, "window": "all", "verdicts": verdicts, "breakpoint": None},
        "consistency": {"ok": True, "skipped": "", "problems": []}, "stop_reason": None, "warnings": [],
    }), encoding="utf-8")


def test_the_history_becomes_a_point_every_five_seconds(tmp_path: Path) -> None:
    write_history(tmp_path, seconds=30)
    points = read_history(tmp_path / "locust_stats_history.csv")
    assert [p.at_s for p in points] == [4, 9, 14, 19, 24, 29]   # the last row of each 5 s bucket
    assert points[-1].p50_ms == 290 and points[-1].p95_ms == 580 and points[-1].users == 5
    assert points[-1].failures == 2 and points[0].rps == pytest.approx(8.0)   # the first second had no request
    assert read_history(tmp_path / "missing.csv") == []


def test_the_chart_is_inline_svg_with_both_percentiles(tmp_path: Path) -> None:
    write_history(tmp_path)
    svg = latency_svg(read_history(tmp_path / "locust_stats_history.csv"))
    assert svg.startswith("<svg") and svg.endswith("</svg>") and "<script" not in svg and "http://" not in svg.replace(
        'xmlns="http://www.w3.org/2000/svg"', "")
    p50 = re.search(r'class="p50"[^>]*points="([^"]+)"', svg)
    p95 = re.search(r'class="p95"[^>]*points="([^"]+)"', svg)
    assert p50 and p95 and len(p50.group(1).split()) == 6 == len(p95.group(1).split())
    assert ">1000<" in svg          # the axis top: 580 ms rounds up to 1000
    assert latency_svg([]) == ""


def test_load_report_html_shows_the_verdicts_and_the_chart(tmp_path: Path) -> None:
    write_history(tmp_path)
    write_summary(tmp_path)
    html = write_load_html(tmp_path).read_text(encoding="utf-8")
    assert "An SLO failed" in html and "catalogue p95" in html
    assert "2,000 ms" in html and "2,400 ms" in html and "lỗi / fail" in html and "0.00 %" in html
    assert "5 users" in html and "16.0 s planned" in html and "290 (2 failed)" in html
    assert "<svg" in html and 'class="p95"' in html and 'href="locust.html"' in html
    assert "<script" not in html and "cdn" not in html.lower()


def test_the_runs_summary_shows_the_journeys_and_the_load(tmp_path: Path) -> None:
    load = tmp_path / "load"
    load.mkdir()
    write_history(load)
    write_summary(load, interrupted=True)
    report = RunReport(journeys=[], started_at="2026-11-27T20:00:00+00:00", seconds=1.0, seed=1, suite="s",
                       services={}, state_dir="/tmp/x", stack_started_here=True, command="pytest", exit_code=2,
                       smoke={"exit_code": 2, "verdict": "interrupted", "report_dir": "load"})
    html = render_html(report, tmp_path)
    assert "Load (smoke)" in html and "Interrupted (Ctrl-C or SIGTERM): partial results" in html
    assert 'href="load/locust.html"' in html and "catalogue p95" in html and 'class="p50"' in html


# -- a real load, interrupted --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def load_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with Stack.start(tmp_path_factory.mktemp("load-report-state")) as stack:
        yield stack


def test_a_ctrl_c_load_writes_its_partial_reports_and_exits_non_zero(load_stack: Stack, tmp_path: Path) -> None:
    report = tmp_path / "report"
    proc = subprocess.Popen([sys.executable, "-m", "harness.load_cmd", "--profile", "smoke", "--state-dir",
                             str(load_stack.config.state_dir), "--report-dir", str(report)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp_path,
                            start_new_session=True)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in proc.stdout or ()], daemon=True).start()
    seen: list[str] = []
    try:
        deadline = time.monotonic() + 25
        while not any(re.search(r"dvc-load: +\d+ s · \d+ users · [\d.]+ req/s · \d+ failures", s) for s in seen):
            assert time.monotonic() < deadline and proc.poll() is None, "".join(seen)
            with contextlib.suppress(queue.Empty):
                seen.append(lines.get(timeout=1))
        proc.send_signal(signal.SIGINT)
        code = proc.wait(timeout=30)
    finally:
        end_group(proc, close_streams=False)   # the load and its Locust, whatever happened
    time.sleep(0.2)
    while not lines.empty():
        seen.append(lines.get())
    out = "".join(seen)
    assert code == 2, out
    assert "INTERRUPTED" in out, out
    summary = json.loads((report / "load-summary.json").read_text(encoding="utf-8"))
    assert summary["interrupted"] is True and summary["exit_code"] == 2
    assert summary["measured"]["requests"] > 0 and summary["measured"]["seconds"] < 16   # cut short
    assert summary["slo"]["verdicts"][0]["name"] == "ran to the end" and not summary["slo"]["verdicts"][0]["ok"]
    assert summary["consistency"]["skipped"] == "the run was interrupted"
    for name in ("locust.html", "locust_stats.csv", "locust_stats_history.csv", "load-junit.xml"):
        assert (report / name).stat().st_size > 0, name
    assert read_history(report / "locust_stats_history.csv"), "the real history gives points"
    html = (report / "load-report.html").read_text(encoding="utf-8")
    assert "Interrupted" in html and "<svg" in html and 'class="p95"' in html
