"""The 2025 hand-over looks for dossiers at district agencies before each request of a two-tier namespace: a seek
on the tier, which costs the same with three dossiers in flight or a campaign's thousands."""

from __future__ import annotations

from typing import Any

from mocks.provincial.dossier.transitions import IN_FLIGHT
from mocks.provincial.model import ProvincialPortal
from tests.query_plans import plans_of

from .conftest import submit


def test_the_hand_over_s_look_for_district_dossiers_is_a_seek_on_the_tier(portal: ProvincialPortal,
                                                                         citizen: Any) -> None:
    codes = [submit(portal, citizen).code for _ in range(3)]
    found: list[list[str]] = []
    plans = plans_of(portal.store, lambda: found.append(portal.reorganisation.rows.at_tier("t", "district", IN_FLIGHT)),
                     like="FROM dossier WHERE")
    assert found == [[]] and codes             # none at a district agency
    [plan] = plans
    assert any(step.startswith("SEARCH dossier USING") and "tier=?" in step for step in plan), plan
