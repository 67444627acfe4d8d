"""Journeys 1–2: an account on the national portal, and single sign-on to the provincial portal."""

from __future__ import annotations

from typing import Any

import pytest

from harness.clients import Platform
from harness.testdata import DataFactory
from scenarios import journeys
from scenarios.portal import PortalBackOffice, Portals

pytestmark = pytest.mark.dvc_journey


def test_register_on_the_national_portal_then_sso(dvc_pages: Portals, dvc_platform: Platform,
                                                  dvc_data: DataFactory) -> None:
    """Register with the form and the one-time code, log in; the provincial portal then asks no password."""
    person = dvc_data.citizen()
    username = journeys.register_on_national_portal(dvc_pages, dvc_platform, person)
    journeys.log_in_provincial(dvc_pages, {**person, "username": username}, password_asked=False)


def test_first_sso_log_in_creates_the_local_account(dvc_pages: Portals, dvc_back_office: PortalBackOffice,
                                                    dvc_citizen: dict[str, Any]) -> None:
    journeys.first_sso_log_in_creates_account(dvc_pages, dvc_back_office, dvc_citizen)


def test_sso_log_in_links_an_existing_local_account(dvc_pages: Portals, dvc_back_office: PortalBackOffice,
                                                    dvc_citizen: dict[str, Any]) -> None:
    journeys.sso_log_in_links_local_account(dvc_pages, dvc_back_office, dvc_citizen)
