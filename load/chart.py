"""Latency over time from Locust's stats history CSV, drawn as inline SVG (the reports are read offline:
no CDN, no JavaScript library).

Locust (with --csv-full-history) appends a row per request name and one `Aggregated` row every second;
with the full history its percentiles are the *current* ones, over the last ten seconds. The chart keeps
the Aggregated rows, one point every few seconds (the last row of each bucket: its percentiles already
span the bucket).
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

HISTORY_SUFFIX = "_stats_history.csv"
MAX_POINTS = 120        # beyond that a chart this wide shows nothing more
MIN_STEP_S = 5


@dataclass
class Point:
    at_s: float             # seconds since the first row
    users: int
    rps: float
    p50_ms: float | None
    p95_ms: float | None
    failures: int           # failed requests so far


def _number(text: str | None) -> float | None:
    try:
        value = float(text or "")
    except ValueError:      # "N/A": no request yet
        return None
    return value if math.isfinite(value) else None


def read_history(path: Path) -> list[Point]:
    """One point every few seconds from a `*_stats_history.csv`; [] when the file is missing or empty."""
    try:
        with path.open(encoding="utf-8", errors="replace", newline="") as handle:   # a stray byte: still a chart
            rows = [r for r in csv.DictReader(handle) if r.get("Name") == "Aggregated"]
    except (OSError, csv.Error):
        return []
    stamped = [(t, r) for r in rows if (t := _number(r.get("Timestamp"))) is not None]
    if not stamped:
        return []
    first, last = stamped[0][0], stamped[-1][0]
    step = max(MIN_STEP_S, math.ceil((last - first) / MAX_POINTS))
    buckets: dict[int, list[dict[str, str]]] = {}
    for t, row in stamped:
        buckets.setdefault(int((t - first) // step), []).append(row)
    points = []
    for index in sorted(buckets):
        rows_in = buckets[index]
        row = rows_in[-1]
        rates = [r for r in (_number(x.get("Requests/s")) for x in rows_in) if r is not None]
        points.append(Point(
            at_s=(_number(row["Timestamp"]) or first) - first,
            users=int(_number(row.get("User Count")) or 0),
            rps=sum(rates) / len(rates) if rates else 0.0,
            p50_ms=_number(row.get("50%")),
            p95_ms=_number(row.get("95%")),
            failures=int(_number(row.get("Total Failure Count")) or 0),
        ))
    return points


def _nice_ceiling(value: float) -> float:
    """The axis top: 1, 2 or 5 times a power of ten, at or above `value`."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= value)


def latency_svg(points: list[Point], *, width: int = 720, height: int = 240) -> str:
    """p50 and p95 over time as an SVG element (a string to embed as it is); "" without points."""
    shown = [p for p in points if p.p50_ms is not None or p.p95_ms is not None]
    if not shown:
        return ""
    left, right, top, bottom = 56, 12, 14, 34
    plot_w, plot_h = width - left - right, height - top - bottom
    span = max(points[-1].at_s, 1.0)
    ceiling = _nice_ceiling(max((p.p95_ms or p.p50_ms or 0.0) for p in shown))

    def x(at: float) -> float:
        return left + plot_w * at / span

    def y(ms: float) -> float:
        return top + plot_h * (1 - ms / ceiling)

    parts = [f'<svg class="latency-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
             f'width="{width}" height="{height}" role="img" '
             'aria-label="Độ trễ theo thời gian · latency over time (p50, p95)">',
             f'<rect x="{left}" y="{top}" width="{plot_w}" height="{plot_h}" fill="#fff" stroke="#d0d7de"/>']
    for k in range(5):      # horizontal grid, labelled in ms
        ms = ceiling * k / 4
        parts.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y(ms):.1f}" y2="{y(ms):.1f}" stroke="#eaeef2"/>'
                     f'<text x="{left - 6}" y="{y(ms) + 4:.1f}" text-anchor="end" font-size="11">{ms:g}</text>')
    for k in range(5):      # time axis, in seconds
        at = span * k / 4
        parts.append(f'<text x="{x(at):.1f}" y="{top + plot_h + 16}" text-anchor="middle" font-size="11">'
                     f'{at:.0f}</text>')
    parts.append(f'<text x="{left + plot_w / 2}" y="{height - 2}" text-anchor="middle" font-size="11">'
                 'giây · seconds</text>'
                 f'<text x="12" y="{top + plot_h / 2}" font-size="11" text-anchor="middle" '
                 f'transform="rotate(-90 12 {top + plot_h / 2})">ms</text>')
    for label, colour, values in (("p50", "#0969da", [(p.at_s, p.p50_ms) for p in shown]),
                                  ("p95", "#cf222e", [(p.at_s, p.p95_ms) for p in shown])):
        coords = " ".join(f"{x(at):.1f},{y(ms):.1f}" for at, ms in values if ms is not None)
        if coords:
            parts.append(f'<polyline class="{label}" fill="none" stroke="{colour}" stroke-width="2" '
                         f'points="{coords}"/>')
    parts.append(f'<g font-size="12"><rect x="{left + 10}" y="{top + 6}" width="12" height="3" fill="#0969da"/>'
                 f'<text x="{left + 26}" y="{top + 11}">p50</text>'
                 f'<rect x="{left + 62}" y="{top + 6}" width="12" height="3" fill="#cf222e"/>'
                 f'<text x="{left + 78}" y="{top + 11}">p95</text></g>')
    parts.append("</svg>")
    return "".join(parts)


def history_csv(folder: Path, prefix: str = "locust") -> Path:
    return folder / f"{prefix}{HISTORY_SUFFIX}"
