"""The load run over time, drawn as inline SVG (the reports are read offline: no CDN, no script).

Two panels from the run's timeline (load.locustfile records a point every few seconds, per SLO group):
- latency: each SLO group's p95 and p99 over the window since the previous point, on a log scale (1 ms to
  the limits and beyond), with each group's limits drawn as horizontal lines of the group's colour;
- load: the users (users mode) or the offered journeys per second (arrival mode), and the throughput.

The SVG scales with its box (viewBox, width 100 %): it stays inside a phone's screen.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

COLOURS = ("#0969da", "#cf222e", "#8250df", "#1a7f37", "#bc4c00", "#0550ae", "#6e7781", "#bf3989")
WIDTH = 720
LEFT, RIGHT = 56, 56


def _nice_ceiling(value: float) -> float:
    """An axis top: 1, 2 or 5 times a power of ten, at or above `value`."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    return float(next(m * power for m in (1, 2, 5, 10) if m * power >= value))


def _x(at: float, span: float) -> float:
    return LEFT + (WIDTH - LEFT - RIGHT) * at / span


def _ms(value: float) -> str:
    return f"{value / 1000:g} s" if value >= 1000 else f"{value:g} ms"


def latency_panel(timeline: Sequence[Mapping[str, Any]], groups: Sequence[Mapping[str, Any]], span: float,
                  top: int) -> tuple[list[str], int]:
    """(SVG parts, height) of the latency panel: p95/p99 per group and its limit lines, log scale."""
    height = 230
    plot_h = height - 40
    values = [v for point in timeline for g in (point.get("groups") or {}).values()
              for v in (g.get("p95"), g.get("p99")) if v]
    limits = [v for g in groups for v in (g.get("p95_ms"), g.get("p99_ms")) if v]
    ceiling = _nice_ceiling(max([*values, *limits, 10.0]) * 1.2)
    decades = math.log10(ceiling)

    def y(ms: float) -> float:
        return top + plot_h * (1 - math.log10(max(ms, 1.0)) / decades)

    parts = [f'<rect x="{LEFT}" y="{top}" width="{WIDTH - LEFT - RIGHT}" height="{plot_h}" fill="#fff" '
             'stroke="#d0d7de"/>',
             f'<text class="title" x="{LEFT}" y="{top - 6}" font-size="12">Độ trễ · latency (p95 —, p99 ···; '
             'limits dashed), log scale</text>']
    tick = 1.0
    while tick <= ceiling:
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="#eaeef2"/>'
                     f'<text x="{LEFT - 6}" y="{y(tick) + 4:.1f}" text-anchor="end" font-size="11">{_ms(tick)}</text>')
        tick *= 10
    labelled: list[float] = []      # the limits' labels at the right edge, kept apart
    for index, group in enumerate(groups):
        colour = COLOURS[index % len(COLOURS)]
        name = str(group["name"])
        for quantile, dash, width in (("p95", "", 2), ("p99", "2 3", 1.5)):
            coords = [(p["t"], ((p.get("groups") or {}).get(name) or {}).get(quantile)) for p in timeline]
            shown = " ".join(f"{_x(t, span):.1f},{y(v):.1f}" for t, v in coords if v)
            if shown:
                parts.append(f'<polyline class="series" data-group="{escape(name)}" data-quantile="{quantile}" '
                             f'fill="none" stroke="{colour}" stroke-width="{width}"'
                             f'{f" stroke-dasharray={chr(34)}{dash}{chr(34)}" if dash else ""} points="{shown}"/>')
            limit = group.get(f"{quantile}_ms")
            if limit:
                parts.append(f'<line class="limit" data-group="{escape(name)}" data-quantile="{quantile}" '
                             f'data-limit-ms="{limit:g}" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(limit):.1f}" '
                             f'y2="{y(limit):.1f}" stroke="{colour}" stroke-width="1" '
                             f'stroke-dasharray="{"8 4" if quantile == "p95" else "3 5"}">'
                             f'<title>{escape(name)} {quantile} ≤ {_ms(limit)}</title></line>')
                if all(abs(y(limit) - other) >= 10 for other in labelled):
                    labelled.append(y(limit))
                    parts.append(f'<text x="{WIDTH - RIGHT + 4}" y="{y(limit) + 4:.1f}" font-size="10" '
                                 f'fill="{colour}">{_ms(limit)}</text>')
    return parts, height


def load_panel(timeline: Sequence[Mapping[str, Any]], span: float, top: int, *, arrival: bool) -> tuple[list[str], int]:
    """(SVG parts, height) of the load panel: users or the offered rate (right axis), throughput (left)."""
    height = 170
    plot_h = height - 40
    rps_top = _nice_ceiling(max([float(p.get("rps") or 0) for p in timeline] + [1.0]))
    offered = [(p["t"], float(p.get("offered") if arrival else p.get("users") or 0)) for p in timeline
               if (p.get("offered") if arrival else p.get("users")) is not None]
    load_top = _nice_ceiling(max([v for _, v in offered] + [1.0]))
    load_name = "offered journeys/s" if arrival else "users"

    def y(value: float, ceiling: float) -> float:
        return top + plot_h * (1 - value / ceiling)

    parts = [f'<rect x="{LEFT}" y="{top}" width="{WIDTH - LEFT - RIGHT}" height="{plot_h}" fill="#fff" '
             'stroke="#d0d7de"/>',
             f'<text class="title" x="{LEFT}" y="{top - 6}" font-size="12">Tải · load: throughput req/s (left, '
             f'blue), {load_name} (right, grey)</text>']
    for k in range(5):
        at = top + plot_h * k / 4
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{at:.1f}" y2="{at:.1f}" stroke="#eaeef2"/>'
                     f'<text x="{LEFT - 6}" y="{at + 4:.1f}" text-anchor="end" font-size="11">'
                     f'{rps_top * (4 - k) / 4:g}</text>'
                     f'<text x="{WIDTH - RIGHT + 6}" y="{at + 4:.1f}" font-size="11">{load_top * (4 - k) / 4:g}</text>')
    rps = " ".join(f"{_x(p['t'], span):.1f},{y(float(p.get('rps') or 0), rps_top):.1f}" for p in timeline)
    parts.append(f'<polyline class="throughput" fill="none" stroke="#0969da" stroke-width="2" points="{rps}"/>')
    if offered:
        line = " ".join(f"{_x(t, span):.1f},{y(v, load_top):.1f}" for t, v in offered)
        parts.append(f'<polyline class="{"offered" if arrival else "users"}" fill="none" stroke="#6e7781" '
                     f'stroke-width="2" stroke-dasharray="6 3" points="{line}"/>')
    for k in range(5):
        at = span * k / 4
        parts.append(f'<text x="{_x(at, span):.1f}" y="{top + plot_h + 16}" text-anchor="middle" font-size="11">'
                     f'{at:.0f} s</text>')
    return parts, height


def run_svg(timeline: Sequence[Mapping[str, Any]], groups: Sequence[Mapping[str, Any]], *,
            arrival: bool = False) -> str:
    """The whole chart as an SVG element (a string to embed as it is); "" without a point."""
    if not timeline:
        return ""
    span = max(float(timeline[-1]["t"]), 1.0)
    legend_rows = math.ceil(len(groups) / 4)
    top = 18 + 18 * legend_rows
    parts = []
    for index, group in enumerate(groups):
        colour = COLOURS[index % len(COLOURS)]
        col, row = index % 4, index // 4
        x, y = LEFT + col * 150, 14 + 18 * row
        parts.append(f'<rect x="{x}" y="{y - 8}" width="14" height="3" fill="{colour}"/>'
                     f'<text x="{x + 18}" y="{y - 3}" font-size="12">{escape(str(group["name"]))}</text>')
    latency, h1 = latency_panel(timeline, groups, span, top + 16)
    load, h2 = load_panel(timeline, span, top + 16 + h1 + 10, arrival=arrival)
    height = top + 16 + h1 + 10 + h2
    return (f'<svg class="run-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
            f'role="img" aria-label="Độ trễ và tải theo thời gian · latency and load over time">'
            + "".join(parts + latency + load) + "</svg>")


__all__ = ["run_svg"]
