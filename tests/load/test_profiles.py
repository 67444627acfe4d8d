"""Campaign profiles: the model's arithmetic, the schedule, overrides and the errors a bad file gets."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from load import profiles
from load.profiles import CampaignModel, ProfileError
from mocks.core.timefmt import VN_TZ
from mocks.core.world import world_on


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


# The merged city's basis, from the acts (load/profiles/danang-campaign-peak.toml states the same)
PEOPLE_OF_THE_CITY = 3_065_628          # Resolution 202/2025/QH15, 12 June 2025
COMMUNE_LEVEL_UNITS = 94                # Resolution 1659/NQ-UBTVQH15, 16 June 2025: 23 wards, 70 communes, Hoàng Sa
PEOPLE_OF_QUANG_NAM = 1_500_000         # campaign-peak's province [assumed, as the profile says]


def test_the_merged_city_profile_follows_from_its_basis() -> None:
    city, province = profiles.load("danang-campaign-peak"), profiles.load("campaign-peak")
    assert city.campaign is not None and province.campaign is not None
    per_person = province.campaign["dossiers_per_month"] / PEOPLE_OF_QUANG_NAM
    assert per_person == pytest.approx(0.04)
    assert city.campaign["dossiers_per_month"] == round(PEOPLE_OF_THE_CITY * per_person) == 122_625
    scale = city.campaign["dossiers_per_month"] / province.campaign["dossiers_per_month"]
    # the rest of the model is campaign-peak's, so its peak and every journey's rate follow the volume
    inputs = set(CampaignModel.__dataclass_fields__) - {"dossiers_per_month"}
    assert {k: city.campaign[k] for k in inputs} == {k: province.campaign[k] for k in inputs}
    assert city.rate == pytest.approx(city.campaign["journeys_per_s"]) == pytest.approx(scale * province.rate)
    assert city.mix == pytest.approx({k: scale * v for k, v in province.mix.items()})
    assert city.campaign["submissions_per_s"] == pytest.approx(PEOPLE_OF_THE_CITY * 0.04 * 0.5 / 22 * 2 * 0.15
                                                               / 3600 * 3, rel=1e-5)
    assert city.officers == round(province.officers * scale) == 4
    assert city.slo.min_throughput_rps == math.floor(province.slo.min_throughput_rps * scale) == 10
    assert [g.name for g in city.slo.groups] == [g.name for g in province.slo.groups]
    # the basis, each assumption and what follows are written in the description
    said = city.description
    for fact in ("3,065,628", "Resolution 202/2025/QH15", f"{COMMUNE_LEVEL_UNITS} commune-level units",
                 "23 wards, 70 communes and the special zone Hoàng Sa", "Resolution 1659/NQ-UBTVQH15",
                 "60,000 dossiers a month are Quảng Nam's, about 1.5 million people", "0.04", "122,625",
                 f"{scale:g}", f"{city.campaign['submissions_per_s']:.2f} submissions/s",
                 f"{city.rate:.2f} journeys/s", f"Officer teams ({city.officers})",
                 f"({city.slo.min_throughput_rps:g} req/s)", "Decree 118/2025/NĐ-CP", "2025-07-31"):
        assert fact in said, fact


def test_the_merged_city_runs_in_its_two_tier_world_on_its_peak_day() -> None:
    start = profiles.load("danang-campaign-peak").clock_start()
    assert start == datetime(2025, 7, 31, 9, 0, tzinfo=VN_TZ)
    world = world_on(start.date())
    assert world.two_tiers and world.citizens_use_vneid and world.boundary_free_filing
    # the peak day is the month's last working day (campaign-peak's rule): a weekday followed by August's
    next_weekday = start + timedelta(days=1 if start.weekday() < 4 else 7 - start.weekday())
    assert start.weekday() < 5 and next_weekday.month == 8


def test_a_profile_starts_the_run_s_clock_as_of_its_date(tmp_path: Path) -> None:
    from harness.load_cmd import LoadOptions, explain

    def with_as_of(value: str) -> profiles.Profile:
        path = tmp_path / "dated.toml"
        path.write_text(f'extends = "smoke"\nas_of = {value}\n', encoding="utf-8")
        return profiles.load(str(path))

    assert profiles.load("smoke").as_of is None and profiles.load("smoke").clock_start() is None
    assert with_as_of("2025-07-01").clock_start() == datetime(2025, 7, 1, 9, 0, tzinfo=VN_TZ)   # a TOML date
    assert with_as_of('"2025-07-01"').as_of == "2025-07-01T09:00:00+07:00"                     # the same as text
    assert with_as_of("2024-07-01T14:30:00+07:00").clock_start() == datetime(2024, 7, 1, 14, 30, tzinfo=VN_TZ)
    with pytest.raises(ProfileError, match="as_of"):
        with_as_of('"1 July 2025"')
    with pytest.raises(ProfileError, match=r"as_of.*2000-2099"):
        with_as_of("1999-12-31")
    dated = with_as_of("2025-07-01")
    assert profiles.Profile.from_json(dated.to_json()) == dated                      # to the Locust process and back
    assert dated.with_overrides(duration_s=5).as_of == dated.as_of
    assert "as of 2025-07-01T09:00:00+07:00" in explain(dated)
    # the run's namespace clock: the profile's date, unless the command line gives one
    assert LoadOptions(dated).as_of == dated.clock_start()
    given = datetime(2026, 1, 15, 9, 0, tzinfo=VN_TZ)
    assert LoadOptions(dated, as_of=given).as_of == given
    assert LoadOptions(profiles.load("smoke")).as_of is None
