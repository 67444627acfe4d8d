"""Fixtures of the VNeID tests: a platform in the test's namespace, pinned to a date of a world."""

from __future__ import annotations

from typing import Any

import pytest

from harness.clients import Platform
from harness.stack import Stack
from harness.testdata import DataFactory

TODAY = "2026-01-15T09:00:00+07:00"          # citizens and organisations log in through VNeID, two tiers
VNEID_PASSWORD = "VNeID@2024"               # the VNeID seed's


@pytest.fixture
def platform(dvc_stack: Stack, ns: str) -> Platform:
    return Platform.connect(dvc_stack.info, namespace=ns)


def on(platform: Platform, moment: str) -> None:
    """The namespace's clock runs from `moment`: its world is that date's."""
    platform.national.set_clock(moment, frozen=False)


@pytest.fixture
def person(platform: Platform, ns: str) -> dict[str, Any]:
    """A citizen with a level-2 electronic identity and no DVCQG account."""
    citizen = DataFactory(seed=7, scope=ns).citizen()
    assert platform.vneid is not None
    platform.vneid.person(citizen, level=2)
    return citizen
