"""VNeID's identities and the app's approvals, without HTTP (mocks/vneid)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from mocks.core import security
from mocks.core.clock import Clock
from mocks.core.config import Credentials, StackConfig
from mocks.core.errors import DomainError
from mocks.core.storage import Store
from mocks.core.timefmt import VN_TZ
from mocks.vneid.approvals import APPROVAL_SECONDS
from mocks.vneid.model import VneidService
from tests.core.test_security import older_hash

NS = "t"
PASSWORD = "MatKhau2026"


@pytest.fixture
def vneid(tmp_path: Path) -> Iterator[VneidService]:
    store = Store(tmp_path / "vneid.db")
    clock = Clock(Store(tmp_path / "control.db"))
    clock.set(NS, datetime(2026, 1, 15, 9, 0, tzinfo=VN_TZ))
    urls = {"national": "http://dvcqg.test", "vneid": "http://vneid.test"}
    yield VneidService(store, clock, StackConfig(state_dir=tmp_path, urls=urls, credentials=Credentials.generate()))
    store.close()


def person(vneid: VneidService, number: str = "049090001234", level: int = 2, **more: Any) -> Any:
    data = {"kind": "person", "id_number": number, "full_name": "Nguyễn Văn An", "birth_date": "1990-03-15",
            "level": level, "password": PASSWORD}
    return vneid.identities.create(NS, {**data, **more})


@pytest.mark.parametrize(("data", "code", "field"), [
    ({"id_number": "04909000123"}, "INVALID_ID_NUMBER", "id_number"),
    ({"level": 3}, "INVALID_LEVEL", "level"),
    ({"birth_date": "1991-03-15"}, "ID_BIRTH_YEAR_MISMATCH", "birth_date"),
    ({"password": "short"}, "WEAK_PASSWORD", "password"),
    ({"full_name": "  "}, "MISSING_FIELD", "full_name"),
])
def test_a_bad_person_identity_is_refused_naming_the_field(vneid: VneidService, data: dict[str, Any], code: str,
                                                           field: str) -> None:
    with pytest.raises(DomainError) as refused:
        person(vneid, **{k: v for k, v in data.items() if k != "id_number"},
               **({"number": data["id_number"]} if "id_number" in data else {}))
    assert refused.value.code == code and refused.value.details == {"field": field}


def test_the_personal_number_is_taken_once(vneid: VneidService) -> None:
    person(vneid)
    with pytest.raises(DomainError) as taken:
        person(vneid)
    assert taken.value.status == 409 and taken.value.code == "IDENTITY_EXISTS"


def test_an_organisation_is_held_by_a_level_2_person(vneid: VneidService) -> None:
    person(vneid, "049185004321", level=1, birth_date="1985-11-02")
    org = {"kind": "organisation", "organisation_type": "business", "code": "4000123456", "name": "Công ty A",
           "password": PASSWORD}
    with pytest.raises(DomainError) as refused:
        vneid.identities.create(NS, {**org, "representative": "049185004321"})
    assert refused.value.code == "REPRESENTATIVE_NOT_LEVEL_2"
    boss = person(vneid)
    made = vneid.identities.create(NS, {**org, "representative": boss.username})
    assert made.approver == boss.username and made.level == 2
    claims = vneid.identities.claims(NS, made)
    assert (claims["LoaiTaiKhoan"], claims["MaSoThue"], claims["TenToChuc"], claims["SoDinhDanh"]) == (
        2, "4000123456", "Công ty A", boss.username)


def test_the_claims_carry_the_level(vneid: VneidService) -> None:
    one, two = person(vneid, "049185004321", level=1, birth_date="1985-11-02"), person(vneid)
    assert vneid.identities.claims(NS, one)["IAL"] == 1 and vneid.identities.claims(NS, one)["loAs"] == ["LoA1"]
    claims = vneid.identities.claims(NS, two)
    assert claims["IAL"] == 2 and claims["loAs"] == ["LoA1", "LoA2"] and two.acr == "LoA2"
    assert (claims["SoDinhDanh"], claims["NgayThangNamSinh"], claims["LoaiTaiKhoan"]) == ("049090001234",
                                                                                         "15/03/1990", 1)


def test_an_approval_waits_for_the_app_and_is_used_once_by_its_browser(vneid: VneidService) -> None:
    holder = vneid.identities.authenticate(NS, person(vneid).username, PASSWORD)
    asked = vneid.approvals.ask(NS, holder, "browser-1")
    assert asked.status == "pending" and [a.id for a in vneid.approvals.pending(NS, holder.username)] == [asked.id]
    with pytest.raises(DomainError) as other:
        vneid.approvals.use(NS, asked.id, "browser-2")
    assert other.value.code == "APPROVAL_NOT_YOURS"
    vneid.approvals.decide(NS, asked.id, "approve")
    assert vneid.approvals.use(NS, asked.id, "browser-1").status == "approved"
    assert vneid.approvals.use(NS, asked.id, "browser-1").status == "used"
    with pytest.raises(DomainError) as again:
        vneid.approvals.decide(NS, asked.id, "deny")
    assert again.value.status == 409


def test_an_approval_left_alone_expires_on_the_namespace_clock(vneid: VneidService) -> None:
    holder = person(vneid)
    asked = vneid.approvals.ask(NS, holder, "b")
    vneid.clock.advance(NS, APPROVAL_SECONDS - 1)
    assert vneid.approvals.get(NS, asked.id).status == "pending"
    vneid.clock.advance(NS, 2)
    assert vneid.approvals.get(NS, asked.id).status == "expired" and vneid.approvals.pending(NS) == []


def test_a_qr_code_is_approved_by_the_app_that_scans_it(vneid: VneidService) -> None:
    holder = person(vneid)
    asked, qr = vneid.approvals.ask_qr(NS, "b")
    with pytest.raises(DomainError) as unscanned:
        vneid.approvals.decide(NS, asked.id, "approve")
    assert unscanned.value.code == "QR_NOT_SCANNED"
    with pytest.raises(DomainError) as forged:
        vneid.approvals.scan(NS, qr + "x", holder.username)
    assert forged.value.code == "QR_UNKNOWN"
    scanned = vneid.approvals.scan(NS, qr, holder.username)
    assert (scanned.status, scanned.username) == ("approved", holder.username)


def test_auto_approval_is_per_namespace(vneid: VneidService) -> None:
    holder = person(vneid)
    vneid.approvals.set_auto_approve(NS, True)
    assert vneid.approvals.ask(NS, holder, "b").status == "approved"
    assert not vneid.approvals.auto_approve("other")


def test_the_password_step_is_throttled(vneid: VneidService) -> None:
    holder = person(vneid)
    for _ in range(5):
        with pytest.raises(DomainError):
            vneid.identities.authenticate(NS, holder.username, "wrong-1")
    with pytest.raises(DomainError) as locked:
        vneid.identities.authenticate(NS, holder.username, PASSWORD)
    assert locked.value.status == 429


def test_an_older_state_folder_s_hash_logs_in_and_is_written_again_at_today_s_count(vneid: VneidService) -> None:
    number = person(vneid).username

    def stored() -> str:
        return vneid.store.one("SELECT password_hash FROM identity WHERE ns = ? AND username = ?",
                               (NS, number))["password_hash"]

    vneid.store.execute("UPDATE identity SET password_hash = ? WHERE ns = ? AND username = ?",
                        (older := older_hash(PASSWORD), NS, number))
    with pytest.raises(DomainError):
        vneid.identities.authenticate(NS, number, "SaiMatKhau1")
    assert stored() == older
    assert vneid.identities.authenticate(NS, number, PASSWORD).username == number
    assert stored() != older and not security.needs_rehash(stored())
    assert vneid.identities.authenticate(NS, number, PASSWORD).username == number
