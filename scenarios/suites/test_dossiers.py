"""Journeys 4–7: submit at level 3, submit and pay at level 4, the result by post, tracking by code."""

from __future__ import annotations

from typing import Any

import pytest

from harness.clients import Platform
from scenarios import journeys
from scenarios.journeys import Catalogue, SampleFiles
from scenarios.portal import PortalBackOffice, Portals, PostalAddress
from scenarios.suites.conftest import need

pytestmark = pytest.mark.dvc_journey


def test_level_3_dossier_with_payment_at_the_counter(dvc_pages: Portals, dvc_platform: Platform,
                                                     dvc_citizen: dict[str, Any], journey_catalogue: Catalogue,
                                                     sample_files: SampleFiles) -> None:
    procedure = need(journey_catalogue, "level3_fee")
    journeys.log_in_provincial(dvc_pages, dvc_citizen)
    journeys.submit_level3_dossier(dvc_pages, dvc_platform, procedure, sample_files)


def test_level_4_dossier_paid_online(dvc_pages: Portals, dvc_platform: Platform, dvc_citizen: dict[str, Any],
                                     journey_catalogue: Catalogue, sample_files: SampleFiles) -> None:
    procedure = need(journey_catalogue, "level4_online")
    journeys.log_in_provincial(dvc_pages, dvc_citizen)
    journeys.submit_level4_and_pay(dvc_pages, dvc_platform, procedure, sample_files)


def test_level_4_dossier_with_the_result_by_post(dvc_pages: Portals, dvc_platform: Platform,
                                                 dvc_back_office: PortalBackOffice, dvc_citizen: dict[str, Any],
                                                 journey_catalogue: Catalogue, sample_files: SampleFiles,
                                                 citizen_address: PostalAddress) -> None:
    procedure = need(journey_catalogue, "level4_post")
    journeys.log_in_provincial(dvc_pages, dvc_citizen)
    journeys.postal_return(dvc_pages, dvc_platform, dvc_back_office, procedure, sample_files, citizen_address)


def test_track_a_dossier_on_both_portals(dvc_pages: Portals, dvc_platform: Platform,
                                         dvc_back_office: PortalBackOffice, dvc_citizen: dict[str, Any],
                                         journey_catalogue: Catalogue, sample_files: SampleFiles) -> None:
    procedure = need(journey_catalogue, "level3_fee")
    journeys.log_in_provincial(dvc_pages, dvc_citizen)
    code = journeys.submit_level3_dossier(dvc_pages, dvc_platform, procedure, sample_files)
    journeys.track_dossier(dvc_pages, code, journeys.NEW)
    dvc_back_office.result_ready(code)
    journeys.track_dossier(dvc_pages, code, journeys.DONE)
    journeys.unknown_dossier_not_found(dvc_pages, code[:-4] + "9999")
