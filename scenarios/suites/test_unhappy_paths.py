"""Journey 8: what goes wrong — a cancelled payment, a bank that does not answer, a postal return paid at the
counter, a file that is not what its name says, a forged payment confirmation (level 2: test_catalogue)."""

from __future__ import annotations

from typing import Any

import pytest

from harness.clients import Platform
from scenarios import journeys
from scenarios.journeys import Catalogue, SampleFiles
from scenarios.portal import Portals, PostalAddress
from scenarios.suites.conftest import need

pytestmark = pytest.mark.dvc_journey


@pytest.fixture
def logged_in(dvc_pages: Portals, dvc_citizen: dict[str, Any]) -> Portals:
    journeys.log_in_provincial(dvc_pages, dvc_citizen)
    return dvc_pages


def test_payment_cancelled_then_retried(logged_in: Portals, dvc_platform: Platform, journey_catalogue: Catalogue,
                                        sample_files: SampleFiles) -> None:
    journeys.payment_cancelled_then_retried(logged_in, dvc_platform, need(journey_catalogue, "level4_online"),
                                            sample_files)


def test_payment_pending_at_a_bank_time_out(logged_in: Portals, dvc_platform: Platform,
                                            journey_catalogue: Catalogue, sample_files: SampleFiles) -> None:
    journeys.payment_pending_at_bank_timeout(logged_in, dvc_platform, need(journey_catalogue, "level4_online"),
                                             sample_files)


def test_postal_return_paid_at_the_counter_is_refused(logged_in: Portals, journey_catalogue: Catalogue,
                                                      sample_files: SampleFiles,
                                                      citizen_address: PostalAddress) -> None:
    journeys.postal_return_needs_online_payment(logged_in, need(journey_catalogue, "level4_post"), sample_files,
                                                citizen_address)


def test_a_text_file_named_pdf_is_refused(logged_in: Portals, journey_catalogue: Catalogue,
                                          sample_files: SampleFiles) -> None:
    journeys.bad_attachment_refused(logged_in, need(journey_catalogue, "level3_fee"), sample_files)


def test_a_forged_payment_confirmation_is_refused(logged_in: Portals, dvc_platform: Platform,
                                                  journey_catalogue: Catalogue, sample_files: SampleFiles) -> None:
    journeys.forged_payment_confirmation_refused(logged_in, dvc_platform, need(journey_catalogue, "level4_online"),
                                                 sample_files)
