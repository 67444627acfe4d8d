"""The journeys catch broken rules: take a rule out of the running emulators, and the journey that checks it fails.

Each rule runs twice: as the emulator has it (the journey passes) and with the rule monkeypatched
out of the in-process stack (the journey must fail, at the check that names the rule). A journey
that still passed with the rule gone would be checking nothing. The rules are the named functions
of mocks/provincial/dossier/rules.py, looked up by name where they are used (the transition table
names its rules too), so replacing one in that module takes it out of the running portal.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page

import mocks.provincial.catalogue as catalogue_module
import mocks.provincial.dossier.rules as rules_module
import mocks.provincial.payments as payments_module
from harness.clients import Platform
from harness.stack import Stack
from mocks.provincial.dossier.dossiers import Dossiers
from mocks.provincial.dossier.transitions import TABLE
from scenarios import journeys
from scenarios import officers as officer_steps
from scenarios.journeys import Catalogue, SampleFiles
from scenarios.pages.officer import Applicant, OfficerPages
from scenarios.portal import Portals, PostalAddress

# The citizen journeys' checks are the same in every driver: the fastest that makes them, the API driver, runs
# these (the officers' re-scheduling is a browser journey).
pytestmark = pytest.mark.dvc_journey
API = pytest.mark.dvc_driver("api")

BROKEN = pytest.mark.parametrize("broken", [False, True], ids=["rule-kept", "rule-broken"])


@pytest.fixture
def provincial(dvc_stack: Any) -> Any:
    """The running provincial portal's model (in-process stack only)."""
    if not isinstance(dvc_stack, Stack):
        pytest.skip("monkeypatching the emulators needs the in-process stack (no --dvc-state-dir)")
    return dvc_stack.app("provincial").state.portal


@pytest.fixture
def logged_in(dvc_pages: Portals, dvc_platform: Any, dvc_citizen: dict[str, Any]) -> Portals:
    journeys.log_in_provincial(dvc_pages, dvc_citizen, app=dvc_platform.vneid)
    return dvc_pages


def run(journey: Callable[[], Any], broken: bool, failure: str) -> None:
    """The journey passes with the rule, and fails (at the check matching `failure`) without it."""
    if not broken:
        journey()
        return
    with pytest.raises(AssertionError, match=failure):
        journey()


# -- (a) a postal return needs online payment (the seed letter, Decree 45/2020) ---------------------------
@BROKEN
@API
def test_postal_return_needs_online_payment(broken: bool, provincial: Any, monkeypatch: pytest.MonkeyPatch,
                                            logged_in: Portals, dvc_platform: Platform, journey_catalogue: Catalogue,
                                            sample_files: SampleFiles, citizen_address: PostalAddress) -> None:
    assert provincial.dossiers.__class__ is Dossiers
    if broken:  # a postal return may now be paid at the counter
        monkeypatch.setattr(rules_module, "postal_return_paid_online", lambda delivery, method: None)
    run(lambda: journeys.postal_return_needs_online_payment(
        logged_in, journey_catalogue.level4_post, sample_files, citizen_address),
        broken, "should have refused")
    if broken:  # the dossier the broken portal took: a postal return left to the counter
        [made] = dvc_platform.provincial.all_dossiers()["items"]
        assert (made["result_delivery"], made["payment_method"]) == ("post", "counter")


# -- (b) a payment confirmation must carry a good signature (MaXacThuc) ----------------------------------
@BROKEN
@API
def test_payment_confirmation_signature(broken: bool, provincial: Any, monkeypatch: pytest.MonkeyPatch,
                                        logged_in: Portals, dvc_platform: Platform, journey_catalogue: Catalogue,
                                        sample_files: SampleFiles) -> None:
    assert provincial.payments.__class__ is payments_module.Payments
    if broken:
        monkeypatch.setattr(payments_module, "verify", lambda message, kind, secret: True)
    # The journey really posts a CONFIRM signed with the wrong secret to the portal's callback URL.
    run(lambda: journeys.forged_payment_confirmation_refused(
        logged_in, dvc_platform, journey_catalogue.level4_post, sample_files),
        broken, "accepted a badly signed confirmation")
    [made] = dvc_platform.provincial.all_dossiers()["items"]
    assert made["payment"]["paid_online"] is broken  # the forgery paid the dossier only when the check was gone


# -- (c) a level-2 procedure takes no dossier online -------------------------------------------------------
@BROKEN
@API
def test_level_2_is_not_online(broken: bool, provincial: Any, monkeypatch: pytest.MonkeyPatch, dvc_pages: Portals,
                               journey_catalogue: Catalogue) -> None:
    assert provincial.catalogue.procedures[0].__class__ is catalogue_module.Procedure
    if broken:
        monkeypatch.setattr(catalogue_module.Procedure, "online", property(lambda self: self.level >= 2))
    run(lambda: journeys.level2_not_online(dvc_pages, journey_catalogue.level2), broken,
        "offers an online submission")


# -- (d) an attachment is what its content says, not its name ------------------------------------------------
@BROKEN
@API
def test_attachment_content_is_checked(broken: bool, provincial: Any, monkeypatch: pytest.MonkeyPatch,
                                       logged_in: Portals, journey_catalogue: Catalogue,
                                       sample_files: SampleFiles) -> None:
    if broken:
        monkeypatch.setattr(rules_module, "check_upload", lambda upload, label: upload)
    run(lambda: journeys.bad_attachment_refused(logged_in, journey_catalogue.level3_fee, sample_files), broken,
        "should have refused")


# -- (e) a late dossier is re-scheduled once (Decree 61/2018): a rule the transition table names -----------------
@BROKEN
def test_rescheduled_once(broken: bool, provincial: Any, monkeypatch: pytest.MonkeyPatch, page: Page,
                          dvc_stack: Any, dvc_platform: Platform, dvc_data: Any,
                          journey_catalogue: Catalogue) -> None:
    [row] = [t for t in TABLE if t.action == "reschedule"]
    assert "rescheduled_once" in row.rules and provincial.moves.table == TABLE
    if broken:
        monkeypatch.setattr(rules_module, "rescheduled_once", lambda d, at: None)
    officers = OfficerPages(page, dvc_stack.urls["provincial"])
    run(lambda: officer_steps.reschedule_once_not_twice(
        dvc_platform, Applicant.from_mapping(dvc_data.citizen()), journey_catalogue.level4_post, officers,
        lambda agency, role: officer_steps.make_officer(dvc_platform, dvc_data, agency, role)),
        broken, "should have been refused")
