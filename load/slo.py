"""SLO gates: the profile's limits checked on what Locust measured. Plain Python, no Locust.

The Locust process takes snapshots of its statistics (`Snapshot`: per request, the count, the
failures and the histogram of response times in Locust's rounded milliseconds); a window is
the difference of two snapshots. The gates run on windows: during the run for the hard limits
(the last few seconds) and for each step of a breakpoint run, and at the end on the measured
window (the hold, or the whole run), by the CLI, from the results file.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from .names import matches
from .profiles import Profile, Slo

Histogram = dict[int, int]


@dataclass
class Counts:
    n: int = 0          # requests
    f: int = 0          # failures
    rt: Histogram = field(default_factory=dict)

    def add(self, other: Counts, sign: int = 1) -> None:
        self.n += sign * other.n
        self.f += sign * other.f
        for ms, count in other.rt.items():
            left = self.rt.get(ms, 0) + sign * count
            if left:
                self.rt[ms] = left
            else:
                self.rt.pop(ms, None)

    def percentile(self, q: float) -> float | None:
        total = sum(self.rt.values())
        if total <= 0:
            return None
        wanted = q * total
        seen = 0
        for ms in sorted(self.rt):
            seen += self.rt[ms]
            if seen >= wanted:
                return float(ms)
        return float(max(self.rt))

    def to_json(self) -> dict[str, Any]:
        return {"n": self.n, "f": self.f, "rt": {str(k): v for k, v in self.rt.items()}}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Counts:
        rt = {int(k): int(v) for k, v in data.get("rt", {}).items()}
        return cls(int(data.get("n", 0)), int(data.get("f", 0)), rt)


@dataclass
class Snapshot:
    """Cumulative request statistics at a moment, per `METHOD name`."""

    at: float = 0.0
    requests: dict[str, Counts] = field(default_factory=dict)

    def minus(self, earlier: Snapshot) -> Window:
        requests: dict[str, Counts] = {}
        for key, counts in self.requests.items():
            before = earlier.requests.get(key)
            if before is counts:        # the same counts, kept by a snapshot that saw no new request
                continue
            c = Counts(counts.n, counts.f, dict(counts.rt))
            if before is not None:
                c.add(before, -1)
            if c.n or c.f:
                requests[key] = c
        return Window(duration_s=max(self.at - earlier.at, 0.0), requests=requests)

    def to_json(self) -> dict[str, Any]:
        return {"at": self.at, "requests": {k: v.to_json() for k, v in self.requests.items()}}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Snapshot:
        return cls(float(data.get("at", 0)), {k: Counts.from_json(v) for k, v in data.get("requests", {}).items()})


def arrivals_in(buckets: Mapping[Any, Sequence[int]], rates: Sequence[Sequence[float]], t0: float,
                t1: float) -> tuple[int, int, float]:
    """(started, dropped, offered) visitors between the times t0 and t1.

    `buckets`: tenth of a second -> [started, dropped]; `rates`: (time, journeys/s from then on),
    the offered rate as the master broadcast it.
    """
    lo, hi = round(t0 * 10), round(t1 * 10)
    started = dropped = 0
    for key, (s, d) in buckets.items():
        if lo <= int(key) < hi:
            started += s
            dropped += d
    offered = 0.0
    for i, (at, rate) in enumerate(rates):
        until = rates[i + 1][0] if i + 1 < len(rates) else t1
        overlap = min(until, t1) - max(at, t0)
        if overlap > 0:
            offered += rate * overlap
    return started, dropped, offered


@dataclass
class Window:
    duration_s: float
    requests: dict[str, Counts]
    started: int = 0
    dropped: int = 0
    offered: float = 0.0
    sources: int = 1            # load processes starting visitors

    def total(self) -> Counts:
        out = Counts()
        for counts in self.requests.values():
            out.add(counts)
        return out

    def group(self, patterns: Iterable[str]) -> Counts:
        patterns = tuple(patterns)
        out = Counts()
        for key, counts in self.requests.items():
            method, _, name = key.partition(" ")
            if matches(method, name, patterns):
                out.add(counts)
        return out

    @property
    def rps(self) -> float:
        return self.total().n / self.duration_s if self.duration_s > 0 else 0.0


PASS, FAIL, NO_DATA = "pass", "fail", "no data"


@dataclass
class Verdict:
    """One limit on one window: it held (pass), broke (fail), or had nothing to judge (no data).

    No data fails the gate unless the limit is optional: a verdict on nothing never passes."""

    name: str           # e.g. "catalogue p95", "failure ratio"
    state: str          # PASS, FAIL or NO_DATA
    measured: float | None
    limit: float | None
    unit: str = ""
    detail: str = ""
    group: str | None = None        # the request group of a latency limit
    samples: int | None = None      # requests the value was measured on
    optional: bool = False          # NO_DATA does not fail the gate

    @classmethod
    def judge(cls, name: str, held: bool, measured: float | None, limit: float | None, unit: str = "",
              detail: str = "", **more: Any) -> Verdict:
        return cls(name, PASS if held else FAIL, measured, limit, unit, detail, **more)

    @property
    def ok(self) -> bool:
        return self.state == PASS or (self.state == NO_DATA and self.optional)

    @property
    def label(self) -> str:
        """PASS, FAIL, NO DATA, or NO DATA (optional)."""
        if self.state == NO_DATA:
            return "NO DATA (optional)" if self.optional else "NO DATA"
        return self.state.upper()

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok, "label": self.label}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Verdict:
        fields = {k: data[k] for k in cls.__dataclass_fields__ if k in data}  # "ok" and "label" are derived
        fields.setdefault("state", PASS if data.get("ok") else FAIL)
        return cls(**fields)

    @property
    def text(self) -> str:
        def fmt(v: float | None) -> str:
            if v is None:
                return "-"
            if self.unit == "%":
                return f"{v * 100:.2f} %"
            return f"{v:,.0f} {self.unit}".strip() if abs(v) >= 100 or v == int(v) else f"{v:.2f} {self.unit}".strip()
        return f"{fmt(self.measured)} (limit {fmt(self.limit)})"


def _ratio(part: float, whole: float) -> float:
    return part / whole if whole else 0.0


def gate(slo: Slo, window: Window, *, arrival: bool, throughput: bool = True) -> list[Verdict]:
    """Every limit of `slo` on one window."""
    verdicts: list[Verdict] = []
    total = window.total()
    if slo.failure_ratio is not None:
        if total.n == 0:
            verdicts.append(Verdict("failure ratio", NO_DATA, None, slo.failure_ratio, "%",
                                    "no request in the window", samples=0))
        else:
            ratio = _ratio(total.f, total.n)
            verdicts.append(Verdict.judge("failure ratio", ratio <= slo.failure_ratio, ratio, slo.failure_ratio, "%",
                                          f"{total.f} of {total.n} requests failed", samples=total.n))
    if throughput and slo.min_throughput_rps is not None:
        verdicts.append(Verdict.judge("throughput", window.rps >= slo.min_throughput_rps, window.rps,
                                      slo.min_throughput_rps, "req/s",
                                      f"{total.n} requests in {window.duration_s:.0f} s", samples=total.n))
    if arrival and slo.min_arrival_ratio is not None:
        if window.offered <= 0:
            verdicts.append(Verdict("arrivals started", NO_DATA, None, slo.min_arrival_ratio, "%",
                                    "no visitor was offered in the window", samples=0))
        else:
            # each load process starts its visitors on a schedule of its own: a window's edges cut at most
            # one start of each short, whatever the rate
            ratio = _ratio(window.started, window.offered)
            held = window.started + window.sources >= slo.min_arrival_ratio * window.offered
            verdicts.append(Verdict.judge("arrivals started", held, ratio, slo.min_arrival_ratio, "%",
                                          f"{window.started} visitors started of {window.offered:.0f} offered",
                                          samples=window.started))
    if arrival and slo.max_dropped_arrivals is not None:
        verdicts.append(Verdict.judge("arrivals dropped", window.dropped <= slo.max_dropped_arrivals, window.dropped,
                                      slo.max_dropped_arrivals, "", "visitors not started: too many in flight"))
    for group in slo.groups:
        counts = window.group(group.match)
        for label, q, limit in (("p95", 0.95, group.p95_ms), ("p99", 0.99, group.p99_ms)):
            if limit is None:
                continue
            value = counts.percentile(q)
            if value is None:
                verdicts.append(Verdict(f"{group.name} {label}", NO_DATA, None, limit, "ms",
                                        "no request matched " + ", ".join(group.match), group=group.name,
                                        samples=0, optional=group.optional))
            else:
                verdicts.append(Verdict.judge(f"{group.name} {label}", value <= limit, value, limit, "ms",
                                              f"{counts.n} requests, {counts.f} failed", group=group.name,
                                              samples=counts.n, optional=group.optional))
    return verdicts


def hard_breach(slo: Slo, window: Window) -> str | None:
    """The reason to stop now, or None."""
    hard = slo.hard
    total = window.total()
    if total.n < max(hard.min_requests, 1):
        return None
    if hard.failure_ratio is not None and _ratio(total.f, total.n) > hard.failure_ratio:
        return (f"hard limit: failure ratio {_ratio(total.f, total.n):.1%} over the last {window.duration_s:.0f} s "
                f"> {hard.failure_ratio:.1%} ({total.f} of {total.n} requests failed)")
    p99 = total.percentile(0.99)
    if hard.p99_ms is not None and p99 is not None and p99 > hard.p99_ms:
        return f"hard limit: p99 {p99:.0f} ms over the last {window.duration_s:.0f} s > {hard.p99_ms:.0f} ms"
    return None


# -- the verdicts of a whole run --------------------------------------------------------------------------
@dataclass
class Outcome:
    verdicts: list[Verdict]
    window: str                      # which window the SLOs were measured on
    breakpoint: dict[str, Any] | None = None
    seen: dict[str, int] = field(default_factory=dict)     # `METHOD name` -> requests, over the whole run
    unmatched: list[str] = field(default_factory=list)     # the SLO groups that matched none of them

    @property
    def requests(self) -> int:
        return sum(self.seen.values())

    @property
    def ok(self) -> bool:
        return all(v.ok for v in self.verdicts)

    @property
    def failed(self) -> list[Verdict]:
        return [v for v in self.verdicts if not v.ok]


def evaluate(profile: Profile, results: Mapping[str, Any]) -> Outcome:
    """The verdicts of a run from its results file (load.locustfile writes it)."""
    final = Snapshot.from_json(results["final"])
    start = Snapshot.from_json(results.get("start") or {"at": results.get("started_at", final.at)})
    hold = results.get("hold_start")
    window_name = "all"
    measured, since = final.minus(start), start.at
    if profile.slo.window == "hold" and hold is not None and profile.steps is None:
        held = final.minus(Snapshot.from_json(hold))
        if held.total().n > 0:
            measured, window_name, since = held, "hold", float(hold["at"])
    end = results.get("shape_ended_at") or final.at
    if end > since:         # the rate over the offered load, not over the drain after it
        measured.duration_s = end - since
    measured.started, measured.dropped, measured.offered = arrivals_in(
        results.get("arrivals") or {}, results.get("rates") or [], since, final.at)
    measured.sources = max(int(results.get("workers") or 0), 1)
    arrival = profile.mode == "arrival"
    verdicts: list[Verdict] = []
    bp = None
    if profile.steps is not None:
        steps = results.get("steps") or []
        held_steps = [s for s in steps if s.get("ok")]
        last = held_steps[-1] if held_steps else None
        broken = next((s for s in steps if not s.get("ok")), None)
        must = profile.steps.must_hold
        reached = float(last["target"]) if last else 0.0
        unit = "journeys/s" if arrival else "users"
        bp = {"last_held": last, "broken": broken, "steps": steps, "must_hold": must, "unit": unit}
        detail = (f"last step that held: {reached:g} {unit}" if last else "no step held")
        if broken:
            detail += f"; step {broken['index'] + 1} ({float(broken['target']):g} {unit}) broke: " + ", ".join(
                broken.get("failed", []))
        else:
            detail += "; no step broke (raise max_steps to find the limit)"
        verdicts.append(Verdict.judge("breakpoint", must is None or reached >= must, reached, must, unit, detail))
    else:
        verdicts += gate(profile.slo, measured, arrival=arrival)
    stopped = results.get("stop_reason")
    if stopped and not (profile.steps is not None and str(stopped).startswith("breakpoint")):
        verdicts.insert(0, Verdict("ran to the end", FAIL, None, None, "", str(stopped)))
    whole = final.minus(start)
    seen = {key: counts.n for key, counts in sorted(whole.requests.items())}
    unmatched = [g.name for g in profile.slo.groups if whole.group(g.match).n == 0]
    return Outcome(verdicts, window_name, bp, seen, unmatched)
