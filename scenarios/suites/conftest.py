"""Fixtures of the scenario suites, on top of the dvc-harness plugin's (`dvc_pages`, `dvc_platform`, ...).

The procedures come from the portal's back office (`--dvc-hooks`); override `journey_catalogue` in your
own conftest.py to name the procedures of your portal instead.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from scenarios.journeys import CATALOGUE_KINDS, Catalogue, ProcedurePick, SampleFiles, make_sample_files, postal_address
from scenarios.portal import PostalAddress


@pytest.fixture(scope="session")
def journey_catalogue(pytestconfig: pytest.Config, dvc_back_office_factory: Any) -> Catalogue:
    """The procedures the journeys use, picked once from the portal's catalogue (which is not namespaced)."""
    namespace = pytestconfig.getoption("dvc_namespace", None) or "scenarios-catalogue"
    return Catalogue.pick(dvc_back_office_factory(namespace))


def need(catalogue: Catalogue, kind: str) -> ProcedurePick:
    """The catalogue's procedure of this kind (scenarios.journeys.CATALOGUE_KINDS); the test is skipped, saying
    what it needs, when the portal has none."""
    pick = getattr(catalogue, kind)
    if pick is None:
        pytest.skip(f"the portal's catalogue has no {CATALOGUE_KINDS[kind].describe().removeprefix('a ')}")
    return pick


@pytest.fixture
def sample_files(tmp_path: Path) -> SampleFiles:
    """A tiny valid PDF and PNG, and a text file named .pdf, in the test's temporary folder."""
    return make_sample_files(tmp_path / "tep-dinh-kem")


@pytest.fixture
def citizen_address(dvc_citizen: dict[str, Any], dvc_data: Any) -> PostalAddress:
    """Where the citizen's result goes by post: a Quảng Nam address."""
    return postal_address(dvc_citizen, dvc_data)
