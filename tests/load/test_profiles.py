"""Campaign profiles: the model's arithmetic, the schedule, overrides and the errors a bad file gets."""

from __future__ import annotations

from pathlib import Path

import pytest

from load import profiles
from load.profiles import CampaignModel, ProfileError


def test_the_shipped_profiles_load() -> None:
    assert {"smoke", "campaign-peak", "breakpoint"} <= set(profiles.available())
    for name in profiles.available():
        profile = profiles.load(name)
        assert profile.mix_shares() and profile.slo.groups


def test_the_campaign_model_follows_domain_section_7() -> None:
    model = CampaignModel(headroom=1.0)
    d = model.derived()
    # 60,000 dossiers a month, half online, over 22 working days; the last one carries twice an average
    # day; its busiest hour 15 % of it
    assert d["online_submissions_per_working_day"] == pytest.approx(60_000 * 0.5 / 22)
    assert d["online_submissions_in_peak_hour"] == pytest.approx(60_000 * 0.5 / 22 * 2 * 0.15)
    assert d["submissions_per_s"] == pytest.approx(409.09 / 3600, rel=1e-3)
    assert d["reads_per_s"] == pytest.approx(20 * d["submissions_per_s"])
    # the journeys' own reads plus the browsing and tracking visits make the 20 reads per submission
    reads = sum(d[f"rate_{k}"] * profiles.READS_PER_JOURNEY[k] for k in profiles.CAMPAIGN_JOURNEYS)
    assert reads == pytest.approx(d["reads_per_s"])
    assert sum(d[f"rate_{k}"] for k in profiles.SUBMITTING) == pytest.approx(d["submissions_per_s"])
    # every assumption is a parameter: headroom scales everything
    assert CampaignModel(headroom=3.0).derived()["journeys_per_s"] == pytest.approx(3 * d["journeys_per_s"])


def test_campaign_peak_is_the_model_with_its_headroom() -> None:
    peak = profiles.load("campaign-peak")
    assert peak.mode == "arrival" and peak.campaign is not None
    assert peak.rate == pytest.approx(peak.campaign["journeys_per_s"])
    assert peak.campaign["headroom"] == 3.0
    assert peak.target_at(0) == 0 and peak.target_at(peak.ramp_s / 2) == pytest.approx(peak.rate / 2)
    assert peak.target_at(peak.ramp_s + 1) == peak.rate and peak.target_at(peak.duration_s) is None


def test_breakpoint_steps_up_from_the_campaign_peak() -> None:
    bp = profiles.load("breakpoint")
    assert bp.steps is not None and bp.steps.must_hold == pytest.approx(profiles.load("campaign-peak").rate)
    assert [bp.target_at(bp.steps.step_s * k + 1) for k in range(3)] == pytest.approx(
        [bp.steps.start, 2 * bp.steps.start, 3 * bp.steps.start])
    assert bp.target_at(bp.duration_s) is None
    assert bp.with_overrides(duration_s=95).steps.max_steps == 3  # type: ignore[union-attr]


def test_overrides_of_the_command_line() -> None:
    smoke = profiles.load("smoke")
    short = smoke.with_overrides(users=9, duration_s=8)
    assert short.users == 9 and short.duration_s == pytest.approx(8)
    assert short.ramp_s / short.duration_s == pytest.approx(smoke.ramp_s / smoke.duration_s, abs=1e-3)
    peak = profiles.load("campaign-peak").with_overrides(users=50, rate=2.5)
    assert peak.max_in_flight == 50 and peak.rate == 2.5
    with pytest.raises(ProfileError, match="--rate"):
        smoke.with_overrides(rate=3)
    assert profiles.Profile.from_json(peak.to_json()) == peak


def test_bad_profiles_say_what_is_wrong(tmp_path: Path) -> None:
    def write(text: str) -> str:
        path = tmp_path / "p.toml"
        path.write_text(text, encoding="utf-8")
        return str(path)

    with pytest.raises(ProfileError, match="no profile named 'nope'"):
        profiles.load("nope")
    with pytest.raises(ProfileError, match="unknown journeys: fly"):
        profiles.load(write('mode = "users"\n[load]\nusers = 1\nhold_s = 1\n[mix]\nfly = 1\n'))
    with pytest.raises(ProfileError, match="mode must be"):
        profiles.load(write('mode = "closed"\n'))
    with pytest.raises(ProfileError, match="unknown parameters: speed"):
        profiles.load(write('extends = "campaign-peak"\n[campaign]\nspeed = 3\n'))
    with pytest.raises(ProfileError, match="match"):
        profiles.load(write('[load]\nusers = 1\nhold_s = 1\n[mix]\nbrowse = 1\n[slo.groups.x]\np95_ms = 1\n'))
    # extends + override: a province's own campaign
    mine = profiles.load(write('extends = "campaign-peak"\nname = "mine"\n[campaign]\ndossiers_per_month = 120000\n'))
    assert mine.name == "mine" and mine.rate == pytest.approx(2 * profiles.load("campaign-peak").rate)
