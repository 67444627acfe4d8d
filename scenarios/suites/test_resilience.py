"""Journeys under test control (scenarios/resilience.py): duplicated and lost payment confirmations, a national
sync outage, a failed postal delivery, and a dossier going overdue as the namespace's clock passes its deadline.

Faults, the clock and the journal are the plugin's `dvc_faults`, `dvc_clock` and `dvc_journal`, bound to the
test's namespace and cleaned up after it, so these journeys run in parallel with every other one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page

from harness.clients import Platform
from harness.control import Clock, Faults, Journal
from scenarios import resilience
from scenarios.journeys import Catalogue, SampleFiles
from scenarios.officers import make_officer
from scenarios.pages.officer import ApplicantBackOfficePages, OfficerPages
from scenarios.portal import Portals, PostalAddress
from scenarios.suites.conftest import need

pytestmark = [pytest.mark.dvc_journey,
              pytest.mark.dvc_browser_only("they read the citizen's page: its payment attempts and history"),
              pytest.mark.dvc_emulator_only("the provincial emulator's faults, clock and outbox, and its officers' "
                                            "pages")]


@pytest.fixture
def officers(page: Page, dvc_stack: Any) -> OfficerPages:
    return OfficerPages(page, dvc_stack.urls["provincial"])


def test_a_payment_confirmation_sent_twice_is_recorded_once(
        dvc_pages: Portals, dvc_platform: Platform, dvc_citizen: dict[str, Any],
        log_in_citizen: Callable[..., Portals], dvc_faults: Faults,
        dvc_journal: Journal, journey_catalogue: Catalogue, sample_files: SampleFiles) -> None:
    log_in_citizen(dvc_citizen)
    resilience.payment_confirmed_twice(dvc_pages, dvc_platform, dvc_faults, dvc_journal,
                                       need(journey_catalogue, "level4_online"), sample_files, dvc_citizen)


def test_a_lost_payment_confirmation_is_recovered_by_query(
        dvc_pages: Portals, dvc_platform: Platform, dvc_citizen: dict[str, Any],
        log_in_citizen: Callable[..., Portals], dvc_faults: Faults,
        dvc_journal: Journal, journey_catalogue: Catalogue, sample_files: SampleFiles) -> None:
    log_in_citizen(dvc_citizen)
    resilience.lost_confirmation_recovered_by_query(dvc_pages, dvc_platform, dvc_faults, dvc_journal,
                                                    need(journey_catalogue, "level4_online"), sample_files)


def test_the_national_look_up_catches_up_after_a_sync_outage(
        dvc_pages: Portals, dvc_platform: Platform, dvc_citizen: dict[str, Any],
        log_in_citizen: Callable[..., Portals], dvc_data: Any,
        dvc_faults: Faults, dvc_journal: Journal, journey_catalogue: Catalogue, sample_files: SampleFiles,
        officers: OfficerPages) -> None:
    procedure = journey_catalogue.level3_fee
    other = dvc_platform.ready_account(dvc_data.citizen())
    desk = make_officer(dvc_platform, dvc_data, procedure.agency_code, "desk")
    log_in_citizen(dvc_citizen)
    resilience.national_sync_outage(dvc_pages, dvc_platform, dvc_faults, dvc_journal, officers, desk, procedure,
                                    sample_files, other)


def test_a_failed_postal_delivery_returns_the_result_to_the_agency(
        dvc_pages: Portals, dvc_platform: Platform, dvc_citizen: dict[str, Any],
        log_in_citizen: Callable[..., Portals], dvc_data: Any,
        journey_catalogue: Catalogue, sample_files: SampleFiles, citizen_address: PostalAddress,
        officers: OfficerPages) -> None:
    procedure = journey_catalogue.level4_post
    desk = make_officer(dvc_platform, dvc_data, procedure.agency_code, "desk")
    log_in_citizen(dvc_citizen)
    resilience.postal_delivery_returned(dvc_pages, dvc_platform, officers, desk, procedure, sample_files,
                                        citizen_address)


def test_a_dossier_past_its_appointment_is_overdue_on_both_portals(
        page: Page, dvc_stack: Any, dvc_pages: Portals, dvc_platform: Platform, dvc_citizen: dict[str, Any],
        log_in_citizen: Callable[..., Portals],
        dvc_data: Any, dvc_clock: Clock, journey_catalogue: Catalogue, sample_files: SampleFiles,
        officers: OfficerPages) -> None:
    procedure = journey_catalogue.level3_fee
    desk = make_officer(dvc_platform, dvc_data, procedure.agency_code, "desk")
    log_in_citizen(dvc_citizen)   # the log-in first, on today's clock
    resilience.overdue_on_both_portals(dvc_pages, dvc_platform, dvc_clock, officers,
                                       ApplicantBackOfficePages(page, dvc_stack.urls["provincial"]), desk,
                                       procedure, sample_files)
