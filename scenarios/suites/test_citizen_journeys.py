"""The citizen journeys of scenarios.registry, one test each, in the driver `--dvc-driver` chooses.

    pytest scenarios/suites -k level4                 # the level-4 journeys in a browser
    pytest scenarios/suites --dvc-driver api          # every journey over HTTP, no browser

A journey whose procedure, back-office method or page object the portal under test does not offer is
skipped, saying what it needs.
"""

from __future__ import annotations

import pytest

from scenarios.context import JourneyContext
from scenarios.registry import JOURNEYS, Journey

pytestmark = pytest.mark.dvc_journey


@pytest.mark.parametrize("journey", JOURNEYS, ids=[j.name for j in JOURNEYS])
def test_journey(journey: Journey, dvc_journey: JourneyContext) -> None:
    if dvc_journey.driver not in journey.drivers:
        pytest.skip(f"the {journey.name} journey does not run in the {dvc_journey.driver} driver")
    journey.run(dvc_journey)
