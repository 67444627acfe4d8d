"""Journey 3: a procedure within 3 clicks of the home page; and a level-2 procedure that is not online."""

from __future__ import annotations

import pytest

from scenarios import journeys
from scenarios.journeys import Catalogue
from scenarios.portal import Portals
from scenarios.suites.conftest import need

pytestmark = pytest.mark.dvc_journey


def test_find_a_procedure_by_search(dvc_pages: Portals, journey_catalogue: Catalogue) -> None:
    assert journeys.find_by_search(dvc_pages, need(journey_catalogue, "level4_online")) <= journeys.MAX_CLICKS


def test_find_a_procedure_by_agency(dvc_pages: Portals, journey_catalogue: Catalogue) -> None:
    assert journeys.find_by_agency(dvc_pages, need(journey_catalogue, "level4_online")) <= journeys.MAX_CLICKS


def test_find_a_procedure_by_tier(dvc_pages: Portals, journey_catalogue: Catalogue) -> None:
    assert journeys.find_by_tier(dvc_pages, need(journey_catalogue, "commune")) <= journeys.MAX_CLICKS


def test_a_level_2_procedure_cannot_be_submitted_online(dvc_pages: Portals, journey_catalogue: Catalogue) -> None:
    journeys.level2_not_online(dvc_pages, need(journey_catalogue, "level2"))
