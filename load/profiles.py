"""Campaign profiles: the load to offer, the journeys it is made of, and the SLOs it must meet.

A profile is a TOML file (`load/profiles/NAME.toml`, or any path). It is read here, in
plain Python (no Locust), so the CLI can check it, apply the command line's overrides and
hand the result to the Locust process as JSON.

    mode = "users" | "arrival"
    extends = "campaign-peak"          # optional: start from another profile, then override
    as_of = 2025-07-31                 # optional: the run's namespace clock starts there (its world's rules);
                                       # a day (its 09:00, Vietnam time) or a time; `load --as-of` overrides it
    [campaign]  the campaign model of docs/load.md, every assumption a parameter (optional)
    [load]      users mode: users, ramp_s, hold_s; arrival mode: rate (journeys/s, or "campaign"),
                ramp_s, hold_s, max_in_flight; breakpoint: [load.steps]
    [mix]       relative weights of the citizen journeys (or "campaign": derived from [campaign])
    [think_time] min_s, max_s between a visitor's steps; [officers] users, think_min_s, think_max_s
    [slo]       failure_ratio, min_throughput_rps, min_arrival_ratio, max_dropped_arrivals, window;
                [slo.groups.NAME] match (globs on request names), p95_ms, p99_ms, optional (a group
                that matched no request is NO DATA, which fails the run unless optional = true);
                [slo.hard] failure_ratio, p99_ms, window_s, min_requests: breached → stop early
"""

from __future__ import annotations

import copy
import math
import tomllib
from dataclasses import asdict, dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

from mocks.core.world import InvalidAsOf, parse_as_of
from scenarios import registry

# The journeys a profile's [mix] may weigh: every journey of scenarios.registry the load driver runs. The
# campaign model's five, and the reads each makes itself (catalogue, look-up, tracking: counted by
# tests/load/test_journeys.py).
JOURNEYS = tuple(j.name for j in registry.JOURNEYS if "load" in j.drivers)
CAMPAIGN_JOURNEYS = ("browse", "level3", "level4", "level4_post", "track")
SUBMITTING = ("level3", "level4", "level4_post")
READS_PER_JOURNEY = {"browse": 7, "track": 9, "level3": 5, "level4": 6, "level4_post": 8}
MODES = ("users", "arrival")


class ProfileError(ValueError):
    """A profile that cannot be used, with the reason."""


# -- the campaign model -----------------------------------------------------------------------------
@dataclass(frozen=True)
class CampaignModel:
    """The load a portal must carry during the province's peak competition campaign (Plan 7744/KH-UBND, Nov 2021).

    Every field is an assumption a province can change in its profile.
    """

    dossiers_per_month: float = 60_000      # all tiers [assumed]
    online_share: float = 0.5               # the campaign aims to move half of them online
    working_days_per_month: float = 22      # [assumed]
    peak_day_factor: float = 2.0            # the last working day of the month vs an average one [assumed]
    peak_hour_share: float = 0.15           # the busiest hour's share of the day's online submissions
    reads_per_submission: float = 20        # page views and API reads that come with each submission
    headroom: float = 1.0                   # test at this multiple of the modelled peak [assumed]
    level3_share: float = 0.40              # of the online submissions [assumed]
    level4_share: float = 0.45              # level 4, fee paid online, result at the counter or online
    level4_post_share: float = 0.15         # level 4, fee paid online, result by public post
    browse_share_of_reads: float = 0.7      # the other reads: anonymous browsing vs returning citizens tracking
    new_account_share: float = 0.3          # submitting citizens who register on the day [assumed]

    def derived(self) -> dict[str, float]:
        online_per_day = self.dossiers_per_month * self.online_share / self.working_days_per_month
        peak_day = online_per_day * self.peak_day_factor
        peak_hour = peak_day * self.peak_hour_share
        submissions = peak_hour / 3600 * self.headroom
        shares = {"level3": self.level3_share, "level4": self.level4_share, "level4_post": self.level4_post_share}
        total_share = sum(shares.values()) or 1.0
        own_reads = sum(READS_PER_JOURNEY[k] * s for k, s in shares.items()) / total_share
        other_reads = max(self.reads_per_submission - own_reads, 0.0) * submissions
        rates = {k: submissions * s / total_share for k, s in shares.items()}
        rates["browse"] = other_reads * self.browse_share_of_reads / READS_PER_JOURNEY["browse"]
        rates["track"] = other_reads * (1 - self.browse_share_of_reads) / READS_PER_JOURNEY["track"]
        journeys = sum(rates.values())
        return {
            "online_submissions_per_working_day": online_per_day,
            "online_submissions_on_peak_day": peak_day,
            "online_submissions_in_peak_hour": peak_hour,
            "submissions_per_s": submissions,
            "reads_per_s": submissions * self.reads_per_submission,
            "journeys_per_s": journeys,
            **{f"rate_{k}": v for k, v in rates.items()},
        }

    def mix(self) -> dict[str, float]:
        d = self.derived()
        return {k: d[f"rate_{k}"] for k in CAMPAIGN_JOURNEYS}


# -- the profile ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Steps:
    """Breakpoint: the offered rate (arrival) or users goes up a step at a time until an SLO breaks."""

    start: float
    increment: float
    step_s: float
    max_steps: int
    must_hold: float | None = None      # the last step that held must reach this, or the run fails


@dataclass(frozen=True)
class SloGroup:
    name: str
    match: tuple[str, ...]
    p95_ms: float | None = None
    p99_ms: float | None = None
    optional: bool = False      # no request matched: NO DATA, which fails the run unless optional


@dataclass(frozen=True)
class HardLimits:
    """Checked every second over the last `window_s`: a breach stops the run early (exit 1)."""

    failure_ratio: float | None = None
    p99_ms: float | None = None
    window_s: float = 10.0
    min_requests: int = 20


@dataclass(frozen=True)
class Slo:
    failure_ratio: float | None = None
    min_throughput_rps: float | None = None
    min_arrival_ratio: float | None = None      # arrival mode: achieved starts / offered starts
    max_dropped_arrivals: int | None = None     # arrival mode: visitors not started (max_in_flight reached)
    window: str = "hold"                        # hold: measured after the ramp; all: the whole run
    groups: tuple[SloGroup, ...] = ()
    hard: HardLimits = field(default_factory=HardLimits)


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    mode: str
    ramp_s: float
    hold_s: float
    users: int = 0                      # users mode: peak citizens (officers come on top)
    rate: float = 0.0                   # arrival mode: peak journeys per second
    max_in_flight: int = 500            # arrival mode, per load process
    spawn_rate: float = 10.0            # users mode: users started per second at most
    steps: Steps | None = None
    mix: dict[str, float] = field(default_factory=dict)
    new_account_share: float = 0.3
    think_min_s: float = 1.0
    think_max_s: float = 3.0
    officers: int = 0
    officer_think_min_s: float = 2.0
    officer_think_max_s: float = 5.0
    slo: Slo = field(default_factory=Slo)
    campaign: dict[str, float] | None = None     # the model's parameters and what follows from them
    as_of: str | None = None            # ISO time the run's namespace clock starts from; None: the stack's clock
    source: str = ""

    def clock_start(self) -> datetime | None:
        return datetime.fromisoformat(self.as_of) if self.as_of else None

    # -- the schedule the LoadTestShape follows ------------------------------------------------------
    @property
    def duration_s(self) -> float:
        if self.steps is not None:
            return self.steps.step_s * self.steps.max_steps
        return self.ramp_s + self.hold_s

    @property
    def peak(self) -> float:
        return self.rate if self.mode == "arrival" else float(self.users)

    def target_at(self, t: float) -> float | None:
        """The offered load `t` seconds into the run (users, or journeys per second); None: the end."""
        if t < 0:
            return 0.0
        if self.steps is not None:
            step = int(t // self.steps.step_s)
            if step >= self.steps.max_steps:
                return None
            return self.steps.start + step * self.steps.increment
        if t >= self.ramp_s + self.hold_s:
            return None
        if t < self.ramp_s:
            return self.peak * (t / self.ramp_s)
        return self.peak

    def step_of(self, t: float) -> int | None:
        if self.steps is None:
            return None
        return min(int(t // self.steps.step_s), self.steps.max_steps - 1)

    def mix_shares(self) -> dict[str, float]:
        total = sum(self.mix.values())
        return {k: v / total for k, v in self.mix.items() if v > 0} if total else {}

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Profile:
        data = dict(data)
        slo = dict(data.pop("slo"))
        slo["groups"] = tuple(SloGroup(**{**g, "match": tuple(g["match"])}) for g in slo.get("groups", ()))
        slo["hard"] = HardLimits(**slo.get("hard", {}))
        steps = data.pop("steps", None)
        return cls(**data, slo=Slo(**slo), steps=Steps(**steps) if steps else None)

    def with_overrides(self, *, users: int | None = None, duration_s: float | None = None,
                       rate: float | None = None) -> Profile:
        """The command line's --users, --duration and --rate applied.

        --users: the peak users (users mode) or the visitors in flight at most per process (arrival mode).
        --duration: the whole run; the ramp keeps its share of it (breakpoint: fewer or more steps).
        """
        changes: dict[str, Any] = {}
        if users is not None:
            if users < 1:
                raise ProfileError("--users must be 1 or more")
            changes["users" if self.mode == "users" else "max_in_flight"] = users
        if rate is not None:
            if self.mode != "arrival":
                raise ProfileError(f"--rate applies to arrival-rate profiles; {self.name} runs users")
            if rate <= 0:
                raise ProfileError("--rate must be above 0")
            changes["rate"] = rate
        if duration_s is not None:
            if duration_s <= 0:
                raise ProfileError("--duration must be above 0")
            if self.steps is not None:
                steps = max(1, int(duration_s // self.steps.step_s))
                changes["steps"] = Steps(**{**asdict(self.steps), "max_steps": steps})
            else:
                share = self.ramp_s / (self.ramp_s + self.hold_s) if self.ramp_s + self.hold_s else 0
                changes["ramp_s"] = round(duration_s * share, 3)
                changes["hold_s"] = round(duration_s - changes["ramp_s"], 3)
        return _replace(self, **changes)


def _replace(profile: Profile, **changes: Any) -> Profile:
    return Profile(**{**{f: getattr(profile, f) for f in profile.__dataclass_fields__}, **changes})


# -- reading a profile ------------------------------------------------------------------------------
def available() -> list[str]:
    folder = resources.files("load").joinpath("profiles")
    return sorted(p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml"))


def _raw(name_or_path: str, seen: tuple[str, ...] = ()) -> tuple[dict[str, Any], str]:
    if name_or_path in seen:
        raise ProfileError(f"profile {name_or_path!r} extends itself")
    path = Path(name_or_path)
    if name_or_path.endswith(".toml") or path.exists():
        if not path.is_file():
            raise ProfileError(f"no profile file {name_or_path}")
        text, source = path.read_text(encoding="utf-8"), str(path)
    else:
        try:
            text = resources.files("load").joinpath("profiles", f"{name_or_path}.toml").read_text(encoding="utf-8")
        except (FileNotFoundError, OSError):
            raise ProfileError(f"no profile named {name_or_path!r} (known: {', '.join(available())})") from None
        source = f"load/profiles/{name_or_path}.toml"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ProfileError(f"{source}: {exc}") from exc
    parent = data.pop("extends", None)
    if parent:
        base, _ = _raw(str(parent), (*seen, name_or_path))
        data = _merge(base, data)
    return data, source


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in over.items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def load(name_or_path: str) -> Profile:
    """A profile by name (load/profiles/NAME.toml) or by path."""
    data, source = _raw(name_or_path)
    try:
        return build(data, source)
    except ProfileError as exc:
        raise ProfileError(f"{source}: {exc}") from None
    except (TypeError, ValueError, KeyError) as exc:
        raise ProfileError(f"{source}: {type(exc).__name__}: {exc}") from None


def _num(table: dict[str, Any], key: str, default: float | None = None, *, low: float = 0.0) -> float | None:
    value = table.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < low:
        raise ProfileError(f"{key} must be a number ≥ {low:g}, got {value!r}")
    return float(value)


def _as_of(data: dict[str, Any]) -> str | None:
    """`as_of`: a TOML date or time, or the same as text, by `--as-of`'s rule (mocks.core.world.parse_as_of)."""
    value = data.get("as_of")
    if value is None:
        return None
    try:
        return parse_as_of(str(value)).isoformat()
    except InvalidAsOf as exc:
        raise ProfileError(f"as_of: {exc}") from None


def build(data: dict[str, Any], source: str = "") -> Profile:
    mode = data.get("mode", "users")
    if mode not in MODES:
        raise ProfileError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    campaign_data = data.get("campaign")
    campaign = derived = None
    if campaign_data is not None:
        unknown = set(campaign_data) - set(CampaignModel.__dataclass_fields__)
        if unknown:
            raise ProfileError(f"[campaign] has unknown parameters: {', '.join(sorted(unknown))}")
        campaign = CampaignModel(**{k: float(v) for k, v in campaign_data.items()})
        derived = campaign.derived()
    load_t = data.get("load", {})
    rate: Any = load_t.get("rate", 0)
    if rate == "campaign":
        if derived is None:
            raise ProfileError('rate = "campaign" needs a [campaign] table')
        rate = derived["journeys_per_s"]
    mix_t: Any = data.get("mix", {})
    if mix_t == "campaign" or (isinstance(mix_t, dict) and mix_t.get("from") == "campaign"):
        if campaign is None:
            raise ProfileError('mix = "campaign" needs a [campaign] table')
        mix = campaign.mix()
    else:
        unknown = set(mix_t) - set(JOURNEYS)
        if unknown:
            raise ProfileError(f"[mix] has unknown journeys: {', '.join(sorted(unknown))} "
                               f"(known: {', '.join(JOURNEYS)})")
        mix = {k: _num(mix_t, k) or 0.0 for k in mix_t}
    if not any(v > 0 for v in mix.values()):
        raise ProfileError("[mix] needs at least one journey with a weight above 0")
    steps = None
    if "steps" in load_t:
        s = load_t["steps"]
        must: Any = s.get("must_hold")
        if must == "campaign":
            if derived is None:
                raise ProfileError('must_hold = "campaign" needs a [campaign] table')
            must = derived["journeys_per_s"]
        start: Any = s.get("start")
        if start == "campaign":
            if derived is None:
                raise ProfileError('start = "campaign" needs a [campaign] table')
            start = derived["journeys_per_s"]
        increment: Any = s.get("increment", start)
        if increment == "campaign":
            increment = (derived or {}).get("journeys_per_s", 0)
        steps = Steps(start=float(start), increment=float(increment), step_s=float(s.get("step_s", 30)),
                      max_steps=int(s.get("max_steps", 10)), must_hold=None if must is None else float(must))
        if steps.start <= 0 or steps.increment <= 0 or steps.step_s <= 0 or steps.max_steps < 1:
            raise ProfileError("[load.steps] wants start, increment, step_s above 0 and max_steps ≥ 1")
    think = data.get("think_time", {})
    officers = data.get("officers", {})
    slo_t = data.get("slo", {})
    groups = []
    for name, g in (slo_t.get("groups") or {}).items():
        match = g.get("match")
        if not match or not isinstance(match, list):
            raise ProfileError(f"[slo.groups.{name}] needs match = [globs on request names]")
        optional = g.get("optional", False)
        if not isinstance(optional, bool):
            raise ProfileError(f"[slo.groups.{name}] optional is true or false, got {optional!r}")
        unknown = set(g) - {"match", "p95_ms", "p99_ms", "optional"}
        if unknown:
            raise ProfileError(f"[slo.groups.{name}] has unknown keys: {', '.join(sorted(unknown))} "
                               "(known: match, p95_ms, p99_ms, optional)")
        groups.append(SloGroup(name, tuple(str(m) for m in match), _num(g, "p95_ms"), _num(g, "p99_ms"), optional))
    hard_t = slo_t.get("hard", {})
    hard = HardLimits(failure_ratio=_num(hard_t, "failure_ratio"), p99_ms=_num(hard_t, "p99_ms"),
                      window_s=_num(hard_t, "window_s", 10.0, low=1) or 10.0,
                      min_requests=int(_num(hard_t, "min_requests", 20) or 0))
    window = slo_t.get("window", "hold")
    if window not in ("hold", "all"):
        raise ProfileError('slo.window is "hold" or "all"')
    slo = Slo(failure_ratio=_num(slo_t, "failure_ratio"), min_throughput_rps=_num(slo_t, "min_throughput_rps"),
              min_arrival_ratio=_num(slo_t, "min_arrival_ratio"),
              max_dropped_arrivals=None if slo_t.get("max_dropped_arrivals") is None
              else int(slo_t["max_dropped_arrivals"]),
              window=window, groups=tuple(groups), hard=hard)
    profile = Profile(
        name=str(data.get("name") or Path(source).stem), description=str(data.get("description", "")).strip(),
        mode=mode, ramp_s=_num(load_t, "ramp_s", 0.0) or 0.0, hold_s=_num(load_t, "hold_s", 0.0) or 0.0,
        users=int(_num(load_t, "users", 0) or 0), rate=float(rate or 0),
        max_in_flight=int(_num(load_t, "max_in_flight", 500, low=1) or 500),
        spawn_rate=_num(load_t, "spawn_rate", 10.0, low=0.01) or 10.0, steps=steps, mix=mix,
        new_account_share=(campaign.new_account_share if campaign and "new_account_share" not in data
                           else _num(data, "new_account_share", 0.3) or 0.0),
        think_min_s=_num(think, "min_s", 1.0) or 0.0, think_max_s=_num(think, "max_s", 3.0) or 0.0,
        officers=int(_num(officers, "users", 0) or 0),
        officer_think_min_s=_num(officers, "think_min_s", 2.0) or 0.0,
        officer_think_max_s=_num(officers, "think_max_s", 5.0) or 0.0,
        slo=slo, campaign=None if campaign is None else {**asdict(campaign), **derived}, as_of=_as_of(data),
        source=source,
    )
    if profile.think_max_s < profile.think_min_s:
        raise ProfileError("think_time.max_s is below min_s")
    if profile.steps is None and profile.duration_s <= 0:
        raise ProfileError("[load] needs ramp_s + hold_s above 0 (or [load.steps])")
    if profile.mode == "users" and profile.steps is None and profile.users < 1:
        raise ProfileError("a users profile needs [load] users ≥ 1")
    if profile.mode == "arrival" and profile.steps is None and profile.rate <= 0:
        raise ProfileError('an arrival profile needs [load] rate above 0 (or "campaign")')
    return profile
