"""Fixtures of the scenario suites, on top of the dvc-harness plugin's (`dvc_pages`, `dvc_platform`, ...).

Override `journey_catalogue` in your own conftest.py to name the procedures of your portal.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from harness.clients import Platform
from scenarios.journeys import Catalogue, SampleFiles, make_sample_files, postal_address
from scenarios.portal import PostalAddress


@pytest.fixture(scope="session")
def journey_catalogue(dvc_stack: Any) -> Catalogue:
    """The procedures the journeys use, picked once from the catalogue API (which is not namespaced)."""
    return Catalogue.pick(Platform.connect(dvc_stack.info, namespace="scenarios-catalogue"))


@pytest.fixture
def sample_files(tmp_path: Path) -> SampleFiles:
    """A tiny valid PDF and PNG, and a text file named .pdf, in the test's temporary folder."""
    return make_sample_files(tmp_path / "tep-dinh-kem")


@pytest.fixture
def citizen_address(dvc_citizen: dict[str, Any], dvc_data: Any) -> PostalAddress:
    """Where the citizen's result goes by post: a Quảng Nam address."""
    return postal_address(dvc_citizen, dvc_data)
