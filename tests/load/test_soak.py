"""The soak benchmark's arithmetic: the load's 10-s lines summed into minutes and SLO groups, and growth as a
trend over the second half, not as the noise of the last sample."""

from __future__ import annotations

import json
from pathlib import Path

from load import profiles
from load.bench.soak import growth, load_minute, read_timeline


def write(path: Path, lines: list[dict]) -> None:
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")


def test_minutes_sum_every_load_process_and_group_as_the_slos(tmp_path: Path) -> None:
    groups = profiles.load("campaign-peak").slo.groups
    write(tmp_path / "timeline.101", [
        {"t": 1000, "requests": {"GET provincial /api/v1/procedures": [3, 0, {"10": 2, "400": 1}]}, "retries_made": 0},
        {"t": 1050, "requests": {"POST provincial /api/v1/dossiers": [2, 1, {"90": 2}]}, "retries_made": 2},
        {"t": 1060, "requests": {"GET provincial /api/v1/procedures": [1, 0, {"20": 1}]}, "retries_made": 3},
    ])
    write(tmp_path / "timeline.102", [
        {"t": 1010, "requests": {"GET provincial /api/v1/procedures": [37, 0, {"12": 37}]}, "retries_made": 1},
    ])
    lines = read_timeline(str(tmp_path / "timeline"))
    first = load_minute(lines, 1000, 1060, groups)
    assert (first.requests, first.failures, first.retries) == (42, 1, 3)    # retries: 2 of 101, 1 of 102
    assert first.groups["catalogue"].n == 40 and first.p95("catalogue") == 12
    assert first.p95("submit") == 90 and first.p95("payment") is None
    second = load_minute(lines, 1060, 1120, groups)
    assert (second.requests, second.retries) == (1, 1)


def test_growth_is_the_trend_of_the_second_half() -> None:
    assert growth([50, 80, 100, 100, 100, 100]) == 0.0            # the warm-up of the first half does not count
    assert round(growth([100, 100, 100, 100, 110, 120]), 3) == 0.182   # 100 → 120 over the half: ~20 % of ~110
    assert growth([100]) is None


def test_the_quietest_minutes_of_each_half_are_compared() -> None:
    from load.bench.soak import LoadMinute, quiet_p95
    from load.slo import Counts

    groups = profiles.load("campaign-peak").slo.groups
    # minute i: a catalogue p95 of 10 ms when the machine was quiet, 900 ms when it was busy
    pressure = [50, 10, 90, 12, 95, 11, 90, 20, 15, 80, 18]
    minutes = [LoadMinute(groups={"catalogue": Counts(1, 0, {10 if p < 50 else 900: 1})}) for p in pressure]
    quiet = quiet_p95(minutes, [{"cpu_pressure": float(p)} for p in pressure], groups)
    assert quiet["first_minutes"] == [1, 3, 5] and quiet["second_minutes"] == [7, 8, 10]
    assert quiet["groups"]["catalogue"] == {"first": 10.0, "last": 10.0, "ratio": 1.0}
