"""The registry of citizen journeys: every one runs over HTTP (the API driver, the fast tier) against the emulators,
`dvc-harness journeys` lists them with their drivers, and the README's table names them all.

The browser runs the same journeys in scenarios/suites; the load runs its share in tests/load/test_load_cli.py (the
smoke profile, whose visitors of every load journey must each finish a visit).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from harness.cli import main
from load import profiles
from scenarios.context import JourneyContext
from scenarios.registry import DRIVERS, JOURNEYS, TODAY, Journey

README = Path(__file__).resolve().parents[2] / "README.md"
OVER_HTTP = [j for j in JOURNEYS if "api" in j.drivers]


@pytest.mark.dvc_journey
@pytest.mark.dvc_driver("api")
@pytest.mark.parametrize("journey", OVER_HTTP, ids=[j.name for j in OVER_HTTP])
def test_the_journey_passes_over_http(journey: Journey, dvc_journey: JourneyContext) -> None:
    assert dvc_journey.driver == "api"
    journey.run(dvc_journey)


def test_every_journey_runs_over_http_and_rows_1_to_8_in_all_three_drivers() -> None:
    assert list(JOURNEYS) == OVER_HTTP
    assert all(j.drivers == DRIVERS for j in JOURNEYS if j.row <= 8)
    assert all(j.drivers == TODAY for j in JOURNEYS if j.row > 8)
    # the smoke profile runs each journey the load driver runs (its [mix] may weigh no other: load.profiles)
    assert set(profiles.load("smoke").mix) == {j.name for j in JOURNEYS if "load" in j.drivers}


def test_the_journeys_command_lists_each_journey_with_its_drivers(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["journeys"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"{len(JOURNEYS)} citizen journeys · drivers: browser, api, load")
    for j in JOURNEYS:
        assert re.search(rf"^\s*{j.row}  {j.name}\s+{' '.join(j.drivers)}\s", out, re.M), j.name
    assert main(["journeys", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(j["name"], j["row"], j["drivers"]) for j in listed] == [(j.name, j.row, list(j.drivers))
                                                                     for j in JOURNEYS]
    level4_post = next(j for j in listed if j["name"] == "level4_post")
    assert level4_post["procedures"] == ["level4_post"] and "result_ready" in level4_post["back_office"]


def test_the_readme_table_names_every_journey_in_its_row() -> None:
    rows = dict(re.findall(r"^\| (\d+) \| (.*) \|$", README.read_text(encoding="utf-8"), re.M))
    assert sorted(int(r) for r in rows) == sorted({j.row for j in JOURNEYS})
    for j in JOURNEYS:
        assert f"`{j.name}`" in rows[str(j.row)], f"{j.name} is not in row {j.row} of the README's table"
