"""An agency numbers at most 9,999 dossiers a day (AGENCY-YYMMDD-NNNN): the next one is refused, not numbered.

The counter is set near its end in the store rather than by making 9,999 dossiers.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
import requests

from harness.stack import Stack
from mocks.core.errors import DomainError
from mocks.core.identifiers import DAILY_DOSSIER_NUMBERS, compose_dossier_code, parse_dossier_code
from mocks.core.storage import Store
from mocks.core.timefmt import VN_TZ
from mocks.provincial.model import ProvincialPortal
from mocks.provincial.sync import SYNC_KIND

from .conftest import COMMUNE, COPY_FEE, LLTP, LLTP_AGENCY, all_files, full_form, lltp_files, submit

DAY = "240515"  # the conftest's clock: Wednesday 15 May 2024


def set_counter(store: Store, ns: str, agency: str, day: str, last: int) -> None:
    store.execute("INSERT INTO dossier_counter(ns, agency_code, day, last) VALUES (?, ?, ?, ?) "
                  "ON CONFLICT(ns, agency_code, day) DO UPDATE SET last = excluded.last", (ns, agency, day, last))


def counter(store: Store, ns: str, agency: str, day: str) -> int:
    return int(store.scalar("SELECT last FROM dossier_counter WHERE ns = ? AND agency_code = ? AND day = ?",
                            (ns, agency, day)))


def exhausted(fn: Any, *args: Any, **kwargs: Any) -> DomainError:
    with pytest.raises(DomainError) as caught:
        fn(*args, **kwargs)
    assert (caught.value.code, caught.value.status) == ("DOSSIER_NUMBERS_EXHAUSTED", 409), caught.value.body()
    return caught.value


# -- the code itself --------------------------------------------------------------------------------------------
def test_four_digits_hold_9999_numbers() -> None:
    day = datetime(2024, 5, 15).date()
    assert compose_dossier_code(LLTP_AGENCY, day, 9999) == f"{LLTP_AGENCY}-{DAY}-9999"
    assert parse_dossier_code(f"{LLTP_AGENCY}-{DAY}-9999").number == DAILY_DOSSIER_NUMBERS
    for number in (0, 10_000):
        with pytest.raises(ValueError):
            compose_dossier_code(LLTP_AGENCY, day, number)


# -- on the model -----------------------------------------------------------------------------------------------
def test_the_9999th_is_numbered_and_the_next_refused(portal: ProvincialPortal, citizen: Any) -> None:
    set_counter(portal.store, "t", LLTP_AGENCY, DAY, DAILY_DOSSIER_NUMBERS - 1)
    last = submit(portal, citizen)
    assert last.code == f"{LLTP_AGENCY}-{DAY}-9999"
    before = (portal.dossiers.count("t"), len(portal.outbox.messages("t", kind=SYNC_KIND)))

    error = exhausted(submit, portal, citizen)
    assert error.details == {"agency_code": LLTP_AGENCY, "day": "2024-05-15", "limit": 9999,
                             "retry_after": "2024-05-16T00:00:00+07:00"}
    assert "ngày mai" in error.vi and "9.999" in error.vi and "try again tomorrow or at another agency" in error.en
    # nothing of the refused dossier was kept: no row, no sync message, and the counter stays at its end
    assert (portal.dossiers.count("t"), len(portal.outbox.messages("t", kind=SYNC_KIND))) == before
    assert counter(portal.store, "t", LLTP_AGENCY, DAY) == DAILY_DOSSIER_NUMBERS
    exhausted(submit, portal, citizen)   # and stays refused, without a code ever given twice
    assert [d.code for d in portal.dossiers.list("t")] == [last.code]


def test_other_agencies_namespaces_and_days_count_on(portal: ProvincialPortal, citizen: Any) -> None:
    set_counter(portal.store, "t", LLTP_AGENCY, DAY, DAILY_DOSSIER_NUMBERS)
    exhausted(submit, portal, citizen)
    other = submit(portal, citizen, COPY_FEE, COMMUNE, form=full_form(portal, COPY_FEE),
                   files=all_files(portal, COPY_FEE))
    assert other.code == f"{COMMUNE}-{DAY}-0001"
    portal.clock.set("other", datetime(2024, 5, 15, 9, 30, tzinfo=VN_TZ))
    assert submit(portal, citizen, ns="other").code == f"{LLTP_AGENCY}-{DAY}-0001"
    portal.clock.set("t", datetime(2024, 5, 16, 0, 0, tzinfo=VN_TZ))
    assert submit(portal, citizen).code == f"{LLTP_AGENCY}-240516-0001"


def test_the_desk_is_refused_too(portal: ProvincialPortal) -> None:
    desk = portal.officers.create("t", username="motcua", full_name="Cán bộ một cửa", agency_code=LLTP_AGENCY,
                                  role="desk", password="mat-khau-thu")[0]
    set_counter(portal.store, "t", LLTP_AGENCY, DAY, DAILY_DOSSIER_NUMBERS)
    applicant = {"name": "Lê Văn Tám", "id_number": "049090001111", "type": 1, "phone": "0905111222"}
    exhausted(portal.workflow.register, "t", desk, procedure_code=LLTP, channel=1, applicant=applicant,
              documents=["TK01", "CCCD"])
    assert portal.dossiers.count("t") == 0 and portal.outbox.messages("t") == []


# -- over HTTP --------------------------------------------------------------------------------------------------
def test_the_portal_answers_409_with_the_reason(dvc_stack: Stack, ns: str) -> None:
    from .test_api import lltp_body, register_citizen, sso_login

    urls = dvc_stack.urls
    admin = {"X-DVC-Namespace": ns, "X-Admin-Token": dvc_stack.config.credentials.admin_token}
    requests.post(f"{urls['provincial']}/_admin/clock", json={"set": "2024-05-15T09:30:00+07:00", "frozen": True},
                  headers=admin, timeout=10).raise_for_status()
    register_citizen(urls, admin)
    http = sso_login(urls, ns)
    store = Store(dvc_stack.config.db_path("provincial"))
    try:
        set_counter(store, ns, LLTP_AGENCY, DAY, DAILY_DOSSIER_NUMBERS)
    finally:
        store.close()
    r = http.post(f"{urls['provincial']}/api/v1/dossiers", json=lltp_body(), timeout=10)
    assert r.status_code == 409, r.text
    error = r.json()["error"]
    assert error["code"] == "DOSSIER_NUMBERS_EXHAUSTED" and error["message_vi"] and error["message_en"]
    assert error["details"]["retry_after"] == "2024-05-16T00:00:00+07:00"
    listed = requests.get(f"{urls['provincial']}/_admin/dossiers", headers=admin, timeout=10).json()
    assert listed["total"] == 0


def test_files_are_still_checked_first(portal: ProvincialPortal, citizen: Any) -> None:
    # a bad submission is told what is wrong with it, not that the day is full
    set_counter(portal.store, "t", LLTP_AGENCY, DAY, DAILY_DOSSIER_NUMBERS)
    with pytest.raises(DomainError) as caught:
        submit(portal, citizen, files=lltp_files()[:1])
    assert caught.value.code == "ATTACHMENT_REQUIRED"
