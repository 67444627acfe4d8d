"""The back office's workflow on the model: every transition, every rule, who may do what (no HTTP)."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
import responses

from mocks.core.errors import DomainError
from mocks.core.signing import sign
from mocks.core.storage import Store
from mocks.core.timefmt import VN_TZ
from mocks.provincial.attachments import Upload
from mocks.provincial.delivery import POSTAL_KIND
from mocks.provincial.dossier.store import ADDED_COLUMNS, DDL, migrate
from mocks.provincial.model import ProvincialPortal
from mocks.provincial.officers import Officer
from mocks.provincial.slips import slip
from mocks.provincial.sync import SYNC_KIND

from .conftest import (
    ADDRESS,
    COMMUNE,
    FEE_AFTER,
    LLTP,
    LLTP_AGENCY,
    PAYMENT,
    PDF,
    PNG,
    all_files,
    claims,
    full_form,
    submit,
)

NS = "t"
OTHER_AGENCY = "000.00.04.H47"     # Sở Kế hoạch và Đầu tư
DISTRICT = "000.20.30.H47"         # UBND TP Tam Kỳ
HOUSEHOLD_BUSINESS = "1.001612"    # district, level 3, 100.000 đ before, 3 working days, no post
BIRTH = "1.001193"                 # commune, level 4, free, 1 working day, result by post
HEALTH = "000.00.10.H47"           # Sở Y tế, which offers FEE_AFTER


def at(ts: str) -> datetime:
    return datetime.fromisoformat(ts).replace(tzinfo=VN_TZ)


def refused(code: str, fn: Any, *args: Any, **kwargs: Any) -> DomainError:
    with pytest.raises(DomainError) as info:
        fn(*args, **kwargs)
    assert info.value.code == code, info.value.body()
    return info.value


def officer(portal: ProvincialPortal, username: str, role: str, agency: str = LLTP_AGENCY) -> Officer:
    found = portal.officers.find(NS, username)
    return found or portal.officers.create(NS, username=username, full_name=f"Cán bộ {username}", agency_code=agency,
                                           role=role, password="mat-khau-thu")[0]


@pytest.fixture
def desk(portal: ProvincialPortal) -> Officer:
    return officer(portal, "motcua", "desk")


@pytest.fixture
def specialist(portal: ProvincialPortal) -> Officer:
    return officer(portal, "chuyenvien", "specialist")


@pytest.fixture
def leader(portal: ProvincialPortal) -> Officer:
    return officer(portal, "lanhdao", "leader")


@pytest.fixture
def stranger(portal: ProvincialPortal) -> Officer:
    return officer(portal, "khac", "leader", OTHER_AGENCY)


def set_clock(portal: ProvincialPortal, ts: str) -> None:
    portal.clock.set(NS, at(ts))


def statuses(portal: ProvincialPortal, code: str) -> list[int]:
    return [h.to_status for h in portal.dossiers.get(NS, code).history]


def sync_statuses(portal: ProvincialPortal, code: str) -> list[int]:
    return [m["payload"]["data"][0]["TrangThai"] for m in portal.outbox.messages(NS, kind=SYNC_KIND)
            if m["key"] == code and m["payload"]["service"] == "CapNhatTienDoHoSoMC"]


DOCS = [{"name": "Phiếu lý lịch tư pháp số 1", "number": "125/STP-LLTP"}]


# -- officers and who may do what ---------------------------------------------------------------------------------
def test_officer_accounts(portal: ProvincialPortal) -> None:
    made, password = portal.officers.create(NS, username="mai.tran", full_name="Trần Thị Mai", agency_code=COMMUNE,
                                            role="desk")
    assert made.agency_name == "UBND Phường Tân Thạnh" and made.tier == "commune" and len(password) >= 12
    assert portal.officers.authenticate(NS, "mai.tran", password).username == "mai.tran"
    assert refused("OFFICER_LOGIN_FAILED", portal.officers.authenticate, NS, "mai.tran", "sai").status == 401
    assert refused("OFFICER_EXISTS", portal.officers.create, NS, username="mai.tran", full_name="X",
                   agency_code=COMMUNE, role="desk").status == 409
    err = refused("INVALID_OFFICER", portal.officers.create, NS, username="A B", full_name="", agency_code=COMMUNE,
                  role="boss", password="short")
    assert {p["field"] for p in err.details} == {"username", "full_name", "role", "password"}
    refused("AGENCY_NOT_FOUND", portal.officers.create, NS, username="x.y", full_name="X", agency_code="nope",
            role="desk")
    assert portal.officers.find("other-ns", "mai.tran") is None


def test_the_role_table(portal: ProvincialPortal, citizen: Any, desk: Officer, specialist: Officer,
                        leader: Officer) -> None:
    d = submit(portal, citizen, payment_method="counter")
    wf = portal.workflow
    assert wf.allowed_actions(desk, d) == ["receive", "refuse", "request_supplement", "withdraw"]
    assert wf.allowed_actions(specialist, d) == ["request_supplement"]
    assert wf.allowed_actions(leader, d) == ["request_supplement"]
    wf.receive(NS, desk, d.code)
    received = portal.dossiers.get(NS, d.code)
    assert wf.allowed_actions(specialist, received) == ["request_supplement", "process"]
    assert wf.allowed_actions(leader, received) == ["request_supplement", "process", "stop", "reschedule"]


def test_roles_are_checked(portal: ProvincialPortal, citizen: Any, desk: Officer, specialist: Officer,
                           leader: Officer) -> None:
    d = submit(portal, citizen, payment_method="counter")
    wf = portal.workflow
    err = refused("ROLE_NOT_ALLOWED", wf.receive, NS, specialist, d.code)
    assert err.status == 403 and "Chuyên viên xử lý" in err.vi
    refused("ROLE_NOT_ALLOWED", wf.receive, NS, leader, d.code)
    wf.receive(NS, desk, d.code)
    refused("ROLE_NOT_ALLOWED", wf.process, NS, desk, d.code)
    refused("ROLE_NOT_ALLOWED", wf.stop, NS, specialist, d.code, "lý do")
    refused("ROLE_NOT_ALLOWED", wf.reschedule, NS, specialist, d.code, "2024-06-10", "lý do")
    wf.process(NS, specialist, d.code)
    refused("ROLE_NOT_ALLOWED", wf.result_ready, NS, desk, d.code, DOCS)
    wf.result_ready(NS, specialist, d.code, DOCS)
    refused("ROLE_NOT_ALLOWED", wf.return_result, NS, specialist, d.code)
    assert statuses(portal, d.code) == [1, 2, 4, 9]


def test_an_officer_of_another_agency_can_neither_see_nor_act(portal: ProvincialPortal, citizen: Any,
                                                              desk: Officer, stranger: Officer) -> None:
    d = submit(portal, citizen, payment_method="counter")
    wf = portal.workflow
    assert refused("OTHER_AGENCY", wf.dossier, NS, stranger, d.code).status == 403
    for action, args in ((wf.receive, ()), (wf.refuse, ("lý do",)), (wf.request_supplement, ([{"code": "TK01"}],)),
                         (wf.stop, ("lý do",)), (wf.reschedule, ("2024-06-10", "lý do"))):
        assert refused("OTHER_AGENCY", action, NS, stranger, d.code, *args).status == 403
    for action, args in ((wf.refuse, ("",)), (wf.stop, ("",)), (wf.reschedule, ("not a date", "")),
                         (wf.result_ready, ([],))):      # who may act is checked before what was sent
        assert refused("OTHER_AGENCY", action, NS, stranger, d.code, *args).status == 403
    assert wf.allowed_actions(stranger, d) == []
    assert wf.list_for_agency(NS, stranger) == (0, [])
    total, mine = wf.list_for_agency(NS, desk)
    assert total == 1 and mine[0].code == d.code
    assert statuses(portal, d.code) == [1]


# -- receipt, refusal, illegal moves -------------------------------------------------------------------------------
def test_receive_sets_the_receipt_and_counts_the_appointment_from_it(portal: ProvincialPortal, citizen: Any,
                                                                    desk: Officer) -> None:
    d = submit(portal, citizen, payment_method="counter")
    assert d.received_at is None and d.to_json()["received_at"] is None
    set_clock(portal, "2024-05-16T10:00:00")                       # Thursday
    got = portal.workflow.receive(NS, desk, d.code, "đủ thành phần")
    assert got.status == 2 and got.received_at == at("2024-05-16T10:00:00")
    # 10 working days after Thursday 16/5/2024: Thursday 30/5, at the office's close.
    assert got.appointment_at == at("2024-05-30T17:00:00") and got.clock_started_at == got.received_at
    entry = got.history[-1]
    assert (entry.from_status, entry.to_status, entry.action, entry.actor) == (1, 2, "received", "Cán bộ motcua")
    assert "30/05/2024" in entry.note and "đủ thành phần" in entry.note
    pushed = [m["payload"] for m in portal.outbox.messages(NS, kind=SYNC_KIND) if m["key"] == d.code]
    assert pushed[-2]["data"][0]["NgayTiepNhan"] == "20240516100000"
    assert pushed[-2]["data"][0]["NgayHenTra"] == "20240530170000"
    assert pushed[-1]["data"][0]["TrangThai"] == 2 and pushed[-1]["data"][0]["NguoiXuLy"] == "Cán bộ motcua"


def test_illegal_transitions_are_refused_with_409(portal: ProvincialPortal, citizen: Any, desk: Officer,
                                                  specialist: Officer, leader: Officer) -> None:
    d = submit(portal, citizen, payment_method="counter")
    wf = portal.workflow
    err = refused("TRANSITION_NOT_ALLOWED", wf.process, NS, specialist, d.code)
    assert err.status == 409 and "Mới đăng ký" in err.vi and err.details["allowed_from"] == [2]
    refused("TRANSITION_NOT_ALLOWED", wf.result_ready, NS, specialist, d.code, DOCS)
    refused("TRANSITION_NOT_ALLOWED", wf.return_result, NS, desk, d.code)
    refused("TRANSITION_NOT_ALLOWED", wf.stop, NS, leader, d.code, "lý do")
    refused("TRANSITION_NOT_ALLOWED", wf.reschedule, NS, leader, d.code, "2024-06-10", "lý do")
    wf.receive(NS, desk, d.code)
    refused("TRANSITION_NOT_ALLOWED", wf.receive, NS, desk, d.code)
    refused("TRANSITION_NOT_ALLOWED", wf.refuse, NS, desk, d.code, "lý do")
    refused("TRANSITION_NOT_ALLOWED", wf.request_payment, NS, specialist, d.code)
    wf.stop(NS, leader, d.code, "Người nộp không liên lạc được")
    for action, who, args in ((wf.process, specialist, ()), (wf.withdraw_at_desk, desk, ("x",)),
                              (wf.request_supplement, desk, ([{"code": "TK01"}],))):
        refused("TRANSITION_NOT_ALLOWED", action, NS, who, d.code, *args)
    refused("TRANSITION_NOT_ALLOWED", wf.withdraw_by_applicant, NS, citizen.id, d.code, "đổi ý")
    assert statuses(portal, d.code) == [1, 2, 8]
    refused("DOSSIER_NOT_FOUND", wf.receive, NS, desk, "000.00.12.H47-240515-9999")
    refused("DOSSIER_NOT_FOUND", wf.receive, NS, desk, "x" * 500)


def test_refusal_needs_a_reason_and_is_notified(portal: ProvincialPortal, citizen: Any, desk: Officer) -> None:
    d = submit(portal, citizen, payment_method="counter")
    refused("REASON_REQUIRED", portal.workflow.refuse, NS, desk, d.code, "   ")
    refused("REASON_TOO_LONG", portal.workflow.refuse, NS, desk, d.code, "x" * 1001)
    got = portal.workflow.refuse(NS, desk, d.code, "Không thuộc thẩm quyền giải quyết")
    assert got.status == 3 and got.closing_reason == "Không thuộc thẩm quyền giải quyết" and got.received_at is None
    notes = portal.notifications.list(NS, dossier_code=d.code)
    assert {(n.kind, n.channel, n.recipient) for n in notes} == {("refused", "email", "ha@example.vn"),
                                                                 ("refused", "sms", "0912345678")}
    assert "Không thuộc thẩm quyền" in slip(got, "03")[1]
    refused("SLIP_NOT_AVAILABLE", slip, got, "01")


# -- the supplement -------------------------------------------------------------------------------------------------
def test_a_supplement_is_requested_once_and_completely(portal: ProvincialPortal, citizen: Any, desk: Officer,
                                                       specialist: Officer) -> None:
    d = submit(portal, citizen, payment_method="counter")
    wf = portal.workflow
    wf.receive(NS, desk, d.code)
    refused("SUPPLEMENT_ITEMS_REQUIRED", wf.request_supplement, NS, desk, d.code, [])
    refused("UNKNOWN_ATTACHMENT", wf.request_supplement, NS, desk, d.code, [{"code": "XX"}])
    refused("INVALID_ITEM", wf.request_supplement, NS, desk, d.code, [{"reason": "no code nor name"}])
    got = wf.request_supplement(NS, desk, d.code, [{"code": "CCCD", "reason": "Ảnh mờ"}, {"code": "CCCD"},
                                                   {"name": "Giấy xác nhận cư trú"}], "Bổ sung trong 10 ngày")
    assert got.status == 5 and got.supplement is not None
    assert [(i["code"], i["name"][:8]) for i in got.supplement["items"]] == [("CCCD", "Bản chụp"), ("", "Giấy xác")]
    assert got.supplement["from_status"] == 2 and got.supplement["answered_at"] is None
    assert "Ảnh mờ" in got.history[-1].note
    assert [n.kind for n in portal.notifications.list(NS, dossier_code=d.code)] == ["supplement_requested"] * 2 + \
        ["received"] * 2
    assert "Giấy xác nhận cư trú" in slip(got, "02")[1]
    pushed = [m["payload"] for m in portal.outbox.messages(NS, kind=SYNC_KIND) if m["key"] == d.code][-2]
    assert pushed["data"][0]["DanhSachHoSoBoSung"][0]["NoiDungYeuCauBoSung"] == "Bổ sung trong 10 ngày"
    wf.answer_supplement(NS, citizen.id, d.code, [Upload("CCCD", "cccd-ro.png", "image/png", PNG)], "ảnh rõ")
    wf.process(NS, specialist, d.code)
    err = refused("SUPPLEMENT_ALREADY_REQUESTED", wf.request_supplement, NS, specialist, d.code, [{"code": "TK01"}])
    assert err.status == 409


def test_the_three_working_day_limit_across_a_weekend_and_a_holiday(portal: ProvincialPortal, citizen: Any,
                                                                    desk: Officer) -> None:
    # Received Friday 29/4/2022; 30/4–1/5 is a weekend, 2/5 and 3/5 are days off: the 3rd working day is Friday 6/5.
    set_clock(portal, "2022-04-29T10:00:00")
    first, second = (submit(portal, citizen, payment_method="counter") for _ in range(2))
    for d in (first, second):
        portal.workflow.receive(NS, desk, d.code)
    assert portal.calendar.supplement_deadline(at("2022-04-29T10:00:00")) == date(2022, 5, 6)
    set_clock(portal, "2022-05-06T16:59:00")
    assert portal.workflow.request_supplement(NS, desk, first.code, [{"code": "CCCD"}]).status == 5
    set_clock(portal, "2022-05-09T08:00:00")
    err = refused("SUPPLEMENT_TOO_LATE", portal.workflow.request_supplement, NS, desk, second.code, [{"code": "CCCD"}])
    assert err.status == 409 and "06/05/2022" in err.vi and err.details == {"last_day": "2022-05-06"}


def test_the_supplement_restarts_the_processing_clock(portal: ProvincialPortal, citizen: Any, desk: Officer,
                                                      specialist: Officer) -> None:
    d = submit(portal, citizen, payment_method="counter")                  # Wednesday 15/5/2024
    wf = portal.workflow
    wf.receive(NS, desk, d.code)
    wf.process(NS, specialist, d.code)
    assert portal.dossiers.get(NS, d.code).appointment_at == at("2024-05-29T17:00:00")
    set_clock(portal, "2024-05-17T09:00:00")
    wf.request_supplement(NS, specialist, d.code, [{"code": "TK01", "reason": "Thiếu chữ ký"}, {"name": "Ghi chú"}])
    assert wf.deadline(NS, portal.dossiers.get(NS, d.code))["state"] == "paused"
    set_clock(portal, "2024-05-23T14:00:00")
    err = refused("SUPPLEMENT_INCOMPLETE", wf.answer_supplement, NS, citizen.id, d.code,
                  [Upload("CCCD", "c.png", "image/png", PNG)])
    assert err.details == [{"code": "TK01", "name": "Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp"}]
    refused("UNKNOWN_ATTACHMENT", wf.answer_supplement, NS, citizen.id, d.code, [Upload("ZZ", "z.pdf", None, PDF)])
    other, _ = portal.accounts.link_sso(NS, claims(TechID="tech-9", SoDinhDanh="049095009999"))
    refused("NOT_YOUR_DOSSIER", wf.answer_supplement, NS, other.id, d.code, [Upload("TK01", "t.pdf", None, PDF)])
    got = wf.answer_supplement(NS, citizen.id, d.code, [Upload("TK01", "to-khai-ky.pdf", "application/pdf", PDF)],
                               "Đã ký")
    # Back to processing; 10 working days counted again from Thursday 23/5: Thursday 6/6.
    assert got.status == 4 and got.clock_started_at == at("2024-05-23T14:00:00")
    assert got.appointment_at == at("2024-06-06T17:00:00")
    assert [a.filename for a in got.attachments] == ["to-khai.pdf", "cccd.png", "to-khai-ky.pdf"]
    assert got.supplement is not None and got.supplement["attachment_ids"] == [3]
    assert got.history[-1].action == "supplement_received" and "06/06/2024" in got.history[-1].note
    refused("NO_SUPPLEMENT_REQUESTED", wf.answer_supplement, NS, citizen.id, d.code,
            [Upload("TK01", "t.pdf", None, PDF)])
    assert statuses(portal, d.code) == [1, 2, 4, 5, 4]


def test_a_supplement_before_receipt_goes_back_to_new(portal: ProvincialPortal, citizen: Any,
                                                      desk: Officer) -> None:
    d = submit(portal, citizen, payment_method="counter")
    wf = portal.workflow
    wf.request_supplement(NS, desk, d.code, [{"code": "CCCD"}])
    assert wf.allowed_actions(desk, portal.dossiers.get(NS, d.code)) == ["refuse", "withdraw"]
    set_clock(portal, "2024-05-20T09:00:00")
    back = wf.answer_supplement(NS, citizen.id, d.code, [Upload("CCCD", "c.png", "image/png", PNG)])
    assert back.status == 1 and back.received_at is None
    set_clock(portal, "2024-05-21T09:00:00")
    got = wf.receive(NS, desk, d.code)
    assert got.received_at == at("2024-05-21T09:00:00") and got.appointment_at == at("2024-06-04T17:00:00")


def test_a_received_dossier_waiting_for_its_supplement_is_stopped_not_refused(portal: ProvincialPortal, citizen: Any,
                                                                              desk: Officer, leader: Officer) -> None:
    d = submit(portal, citizen, payment_method="counter")
    portal.workflow.receive(NS, desk, d.code)
    portal.workflow.request_supplement(NS, desk, d.code, [{"code": "CCCD"}])
    assert "refuse" not in portal.workflow.allowed_actions(desk, portal.dossiers.get(NS, d.code))
    refused("TRANSITION_NOT_ALLOWED", portal.workflow.refuse, NS, desk, d.code, "quá hạn bổ sung")
    assert portal.workflow.stop(NS, leader, d.code, "Không bổ sung hồ sơ").status == 8


# -- processing, payment, result, return ----------------------------------------------------------------------------
def _stub_init(rsps: responses.RequestsMock) -> None:
    def answer(request: Any) -> tuple[int, dict[str, str], str]:
        body = json.loads(request.body)
        return 200, {}, json.dumps({"MaLoi": "00", "MaThamChieu": body["MaThamChieu"],
                                    "UrlThanhToan": "http://pay.test/thanh-toan/x"})

    rsps.add_callback(responses.POST, f"{PAYMENT}/api/payment", callback=answer, content_type="application/json")


def pay_online(portal: ProvincialPortal, citizen: Any, code: str) -> None:
    with responses.RequestsMock() as rsps:
        _stub_init(rsps)
        tx = portal.payments.start(NS, code, citizen.id)
    message = {"LoaiBanTin": "CONFIRM", "MaLoi": "00", "MaDoiTac": portal.config.credentials.payment_partner_code,
               "MaThamChieu": tx.reference, "SoTien": tx.amount, "MaTienTe": "VND", "MaGiaoDich": "GD1",
               "MaNganHang": "VCB", "ThoiGianGD": "20240515100000", "ThongTinGiaoDich": "x", "TrangThaiGD": 1}
    portal.payments.confirm(NS, sign(message, "CONFIRM", portal.config.credentials.payment_secret))


def test_asking_for_payment_then_the_result(portal: ProvincialPortal, citizen: Any) -> None:
    desk, specialist = officer(portal, "yte.motcua", "desk", HEALTH), officer(portal, "yte.cv", "specialist", HEALTH)
    d = submit(portal, citizen, FEE_AFTER, form=full_form(portal, FEE_AFTER), files=all_files(portal, FEE_AFTER),
               payment_method="online")
    wf = portal.workflow
    wf.receive(NS, desk, d.code)
    wf.process(NS, specialist, d.code)
    assert "request_payment" in wf.allowed_actions(specialist, portal.dossiers.get(NS, d.code))
    asked = wf.request_payment(NS, specialist, d.code)
    assert asked.status == 6 and "500.000 đ" in asked.history[-1].note
    assert portal.notifications.list(NS, dossier_code=d.code, kind="payment_requested")
    pay_online(portal, citizen, d.code)
    paid = portal.dossiers.get(NS, d.code)
    assert paid.status == 4 and paid.paid_online and paid.history[-1].action == "payment_done"
    refused("NO_ONLINE_FEE_DUE", wf.request_payment, NS, specialist, d.code)
    assert wf.allowed_actions(specialist, paid) == ["request_supplement", "result_ready"]
    refused("RESULT_DOCUMENTS_REQUIRED", wf.result_ready, NS, specialist, d.code, [])
    refused("INVALID_RESULT_DOCUMENT", wf.result_ready, NS, specialist, d.code, [{"name": ""}])
    done = wf.result_ready(NS, specialist, d.code, [{"name": "Giấy chứng nhận ATTP", "number": "12/GCN"}])
    assert done.status == 9 and done.result_documents == [{"name": "Giấy chứng nhận ATTP", "number": "12/GCN"}]
    record = [m["payload"] for m in portal.outbox.messages(NS, kind=SYNC_KIND) if m["key"] == d.code][-2]
    assert record["data"][0]["DanhSachGiayToKetQua"][0]["TenGiayTo"] == "Giấy chứng nhận ATTP"
    assert statuses(portal, d.code) == [1, 2, 4, 6, 6, 4, 9]   # the second 6: the payment itself
    assert [n.kind for n in portal.notifications.list(NS, dossier_code=d.code, kind="result_ready")] == \
        ["result_ready"] * 2


def test_a_result_with_an_unpaid_online_fee_waits_at_6(portal: ProvincialPortal, citizen: Any) -> None:
    desk, specialist = officer(portal, "yte.motcua", "desk", HEALTH), officer(portal, "yte.cv", "specialist", HEALTH)
    d = submit(portal, citizen, FEE_AFTER, form=full_form(portal, FEE_AFTER), files=all_files(portal, FEE_AFTER),
               payment_method="online")
    wf = portal.workflow
    wf.receive(NS, desk, d.code)
    wf.process(NS, specialist, d.code)
    waiting = wf.result_ready(NS, specialist, d.code, DOCS)
    assert waiting.status == 6 and waiting.result_ready_at is not None
    pay_online(portal, citizen, d.code)
    assert portal.dossiers.get(NS, d.code).status == 9


def test_returning_the_result(portal: ProvincialPortal, citizen: Any, desk: Officer, specialist: Officer) -> None:
    counter = submit(portal, citizen, payment_method="counter")
    online = submit(portal, citizen, result_delivery="online", payment_method="counter")
    wf = portal.workflow
    for d in (counter, online):
        portal.dossiers.result_ready(NS, d.code)
    err = refused("RESULT_NOT_AT_COUNTER", wf.return_result, NS, desk, online.code)
    assert err.status == 409 and "trực tuyến" in err.vi
    back = wf.return_result(NS, desk, counter.code, "Đã ký nhận")
    assert back.status == 10 and back.returned_at is not None
    # The level-4 fee chosen to pay at the counter is collected with the result.
    assert back.payment_status == "paid" and not back.paid_online and "200.000 đ" in back.history[-1].note
    portal.dossiers.download_result(NS, online.code, citizen.id)
    assert portal.dossiers.get(NS, online.code).status == 10


def test_a_level_4_dossier_up_to_the_postal_hand_over(portal: ProvincialPortal, citizen: Any, desk: Officer,
                                                      specialist: Officer) -> None:
    d = submit(portal, citizen, result_delivery="post", payment_method="online", postal_address=ADDRESS)
    pay_online(portal, citizen, d.code)
    wf = portal.workflow
    wf.receive(NS, desk, d.code)
    wf.process(NS, specialist, d.code)
    assert portal.outbox.messages(NS, kind=POSTAL_KIND) == []
    done = wf.result_ready(NS, specialist, d.code, DOCS)
    assert done.status == 9 and done.postal_order is not None and done.postal_order.status == "handed_over"
    orders = portal.outbox.messages(NS, kind=POSTAL_KIND)
    assert len(orders) == 1 and orders[0]["payload"]["order"]["OrderNumber"] == d.code
    refused("RESULT_NOT_AT_COUNTER", wf.return_result, NS, desk, d.code)
    # The post sends it back: the desk hands it over at the counter.
    portal.dossiers.record_postal_event(NS, "EB100000017VN", d.code, "returned", "", "20240520100000", "", "")
    assert wf.return_result(NS, desk, d.code).status == 10


def test_stop_and_withdrawal(portal: ProvincialPortal, citizen: Any, desk: Officer, specialist: Officer,
                             leader: Officer) -> None:
    stopped, withdrawn, at_desk = (submit(portal, citizen, payment_method="counter") for _ in range(3))
    wf = portal.workflow
    for d in (stopped, withdrawn):
        wf.receive(NS, desk, d.code)
    wf.process(NS, specialist, stopped.code)
    refused("REASON_REQUIRED", wf.stop, NS, leader, stopped.code, "")
    assert wf.stop(NS, leader, stopped.code, "Có văn bản đề nghị dừng").closing_reason == "Có văn bản đề nghị dừng"
    other, _ = portal.accounts.link_sso(NS, claims(TechID="tech-9", SoDinhDanh="049095009999"))
    refused("NOT_YOUR_DOSSIER", wf.withdraw_by_applicant, NS, other.id, withdrawn.code, "x")
    refused("REASON_REQUIRED", wf.withdraw_by_applicant, NS, citizen.id, withdrawn.code, "")
    got = wf.withdraw_by_applicant(NS, citizen.id, withdrawn.code, "Không còn nhu cầu")
    assert got.status == 7 and got.history[-1].actor == citizen.full_name
    assert wf.withdraw_at_desk(NS, desk, at_desk.code, "Rút tại quầy").status == 7
    for d in (stopped, withdrawn, at_desk):
        assert wf.deadline(NS, portal.dossiers.get(NS, d.code))["state"] == "closed"
    assert portal.notifications.list(NS, dossier_code=stopped.code)[0].kind == "stopped"


# -- re-scheduling ---------------------------------------------------------------------------------------------------
def test_rescheduling_once_at_least_a_working_day_before_the_deadline(portal: ProvincialPortal, citizen: Any,
                                                                      desk: Officer, specialist: Officer,
                                                                      leader: Officer) -> None:
    early, late = (submit(portal, citizen, payment_method="counter") for _ in range(2))   # Wednesday 15/5/2024
    wf = portal.workflow
    for d in (early, late):
        wf.receive(NS, desk, d.code)                                   # due Wednesday 29/5
        wf.process(NS, specialist, d.code)
    set_clock(portal, "2024-05-28T16:00:00")                           # Tuesday: one working day before
    refused("INVALID_NEW_DATE", wf.reschedule, NS, leader, early.code, "2024-05-29", "lý do")
    refused("INVALID_NEW_DATE", wf.reschedule, NS, leader, early.code, "31-05-2024", "lý do")
    refused("NEW_DATE_NOT_WORKING_DAY", wf.reschedule, NS, leader, early.code, "2024-06-01", "lý do")
    refused("REASON_REQUIRED", wf.reschedule, NS, leader, early.code, "2024-06-05", "")
    moved = wf.reschedule(NS, leader, early.code, "05/06/2024", "Chờ xác minh của cơ quan công an")
    assert moved.status == 4 and moved.appointment_at == at("2024-06-05T17:00:00")
    assert moved.reschedule is not None and moved.reschedule["from"] == "2024-05-29T17:00:00+07:00"
    assert moved.judged_deadline == at("2024-05-29T17:00:00")
    assert moved.history[-1].action == "rescheduled" and "05/06/2024" in moved.history[-1].note
    assert "Chờ xác minh" in slip(moved, "04")[1]
    assert portal.notifications.list(NS, dossier_code=early.code, kind="rescheduled")
    err = refused("ALREADY_RESCHEDULED", wf.reschedule, NS, leader, early.code, "2024-06-10", "lần hai")
    assert err.status == 409 and "lần thứ hai" in err.vi
    set_clock(portal, "2024-05-29T08:00:00")                           # the deadline's own day: too late
    err = refused("RESCHEDULE_TOO_LATE", wf.reschedule, NS, leader, late.code, "2024-06-05", "lý do")
    assert err.status == 409 and err.details == {"due": "2024-05-29"}
    # Finished after the first date, before the new one: late all the same.
    set_clock(portal, "2024-06-03T09:00:00")
    done = wf.result_ready(NS, specialist, early.code, DOCS)
    assert done.finished_on_time is False and wf.deadline(NS, done)["state"] == "finished_late"


def test_deadline_marks(portal: ProvincialPortal, citizen: Any, desk: Officer, specialist: Officer) -> None:
    d = submit(portal, citizen, payment_method="counter")
    wf = portal.workflow
    wf.receive(NS, desk, d.code)                                       # due Wednesday 29/5/2024 17:00
    mark = lambda: wf.deadline(NS, portal.dossiers.get(NS, d.code))  # noqa: E731
    assert mark()["state"] == "on_time" and mark()["name"] == "Trong hạn"
    set_clock(portal, "2024-05-28T09:00:00")
    assert mark()["state"] == "due_soon" and mark()["name"] == "Sắp đến hạn"
    set_clock(portal, "2024-05-29T16:59:00")
    assert mark()["state"] == "due_soon"
    set_clock(portal, "2024-05-29T17:01:00")
    assert mark()["state"] == "overdue" and mark()["name"] == "Quá hạn"
    assert [x.code for x in wf.list_for_agency(NS, desk, deadline="overdue")[1]] == [d.code]
    assert wf.list_for_agency(NS, desk, deadline="on_time")[0] == 0
    wf.process(NS, specialist, d.code)
    wf.result_ready(NS, specialist, d.code, DOCS)
    assert mark()["state"] == "finished_late"
    quick = submit(portal, citizen, payment_method="counter")
    portal.dossiers.result_ready(NS, quick.code)
    assert wf.deadline(NS, portal.dossiers.get(NS, quick.code))["state"] == "finished_on_time"


# -- counter and postal dossiers ---------------------------------------------------------------------------------------
APPLICANT = {"name": "Lê Văn Tám", "id_number": "049090001111", "type": 1, "phone": "0905 111 222",
             "email": "tam@example.vn", "address": "5 Trần Cao Vân, Tam Kỳ"}


def test_a_counter_dossier_entered_by_the_desk(portal: ProvincialPortal, desk: Officer) -> None:
    d = portal.workflow.register(NS, desk, procedure_code=LLTP, channel=1, applicant=APPLICANT,
                                 documents=["TK01", "CCCD"], note="Nộp 1 bộ")
    assert d.code == f"{LLTP_AGENCY}-240515-0001" and (d.status, d.channel, d.channel_name) == (2, 1, "Trực tiếp")
    assert d.received_at == at("2024-05-15T09:30:00") and d.appointment_at == at("2024-05-29T17:00:00")
    assert d.payment_method == "counter" and d.payment_status == "paid" and not d.paid_online   # collected at receipt
    assert d.phone == "0905111222" and d.entered_by == "motcua" and d.form == {"giay_to_da_nop": ["TK01", "CCCD"]}
    assert [(h.from_status, h.to_status, h.action) for h in d.history] == [(None, 2, "registered")]
    assert "200.000 đ" in d.history[0].note
    created = [m["payload"] for m in portal.outbox.messages(NS, kind=SYNC_KIND) if m["key"] == d.code]
    assert len(created) == 1 and created[0]["isUpdating"] is False
    assert created[0]["data"][0]["KenhThucHien"] == 1 and created[0]["data"][0]["TrangThaiHoSo"] == 2
    assert {n.channel for n in portal.notifications.list(NS, dossier_code=d.code, kind="received")} == {"email", "sms"}
    assert "Trực tiếp" in slip(d, "01")[1]
    # The applicant logs in through the SSO later: the same ID number finds the dossier.
    account, rule = portal.accounts.link_sso(NS, claims(TechID="tech-tam", SoDinhDanh="049090001111",
                                                        HoVaTen="Lê Văn Tám"))
    assert rule == "id_number" and [x.code for x in portal.dossiers.list_for_account(NS, account.id)] == [d.code]


def test_a_dossier_arriving_by_post_after_15_00_moves_to_the_next_morning(portal: ProvincialPortal,
                                                                          desk: Officer) -> None:
    set_clock(portal, "2024-05-17T15:30:00")                           # Friday afternoon
    d = portal.workflow.register(NS, desk, procedure_code=LLTP, channel=3, applicant=APPLICANT,
                                 documents=["TK01", "CCCD"], result_delivery="post", postal_address=ADDRESS)
    # It counts from Monday 20/5: ten working days later is Monday 3/6 (a counter one at 14:59 would be 31/5).
    assert d.channel == 3 and d.appointment_at == at("2024-06-03T17:00:00")
    assert d.received_at == at("2024-05-17T15:30:00") and d.postal_address is not None
    set_clock(portal, "2024-05-17T14:59:00")
    early = portal.workflow.register(NS, desk, procedure_code=LLTP, channel=1, applicant=APPLICANT,
                                     documents=["TK01", "CCCD"])
    assert early.appointment_at == at("2024-05-31T17:00:00")


def test_counter_dossier_rules(portal: ProvincialPortal, desk: Officer, specialist: Officer) -> None:
    wf = portal.workflow
    base = {"procedure_code": LLTP, "channel": 1, "applicant": APPLICANT, "documents": ["TK01", "CCCD"]}
    refused("ROLE_NOT_ALLOWED", wf.register, NS, specialist, **base)
    refused("INVALID_CHANNEL", wf.register, NS, desk, **{**base, "channel": 2})
    refused("AGENCY_NOT_OFFERING", wf.register, NS, desk, **{**base, "procedure_code": HOUSEHOLD_BUSINESS})
    err = refused("ATTACHMENT_REQUIRED", wf.register, NS, desk, **{**base, "documents": ["TK01"]})
    assert "Căn cước" in err.vi
    refused("UNKNOWN_ATTACHMENT", wf.register, NS, desk, **{**base, "documents": ["TK01", "CCCD", "XX"]})
    err = refused("APPLICANT_INVALID", wf.register, NS, desk,
                  **{**base, "applicant": {"name": "", "id_number": "123", "type": 2, "phone": "123", "email": "x"}})
    assert {p["field"] for p in err.details} == {"name", "type", "id_number", "phone", "email"}
    err = refused("APPLICANT_INVALID", wf.register, NS, desk, **{**base, "applicant": {**APPLICANT, "id_number": "1"}})
    assert err.details[0]["field"] == "id_number"
    refused("INVALID_RESULT_DELIVERY", wf.register, NS, desk, **{**base, "result_delivery": "online"})
    refused("POSTAL_ADDRESS_INVALID", wf.register, NS, desk, **{**base, "result_delivery": "post"})
    assert portal.dossiers.count(NS) == 0


def test_businesses_and_state_agencies_submit_online(portal: ProvincialPortal, desk: Officer) -> None:
    agency, _ = portal.accounts.link_sso(NS, claims(LoaiTaiKhoan=3, TechID="tech-a", MaCoQuan="000.00.17.H47",
                                                    TenCoQuan="Công an tỉnh Quảng Nam", SoDinhDanh=""))
    d = submit(portal, agency, "9.100001", form=full_form(portal, "9.100001"), files=all_files(portal, "9.100001"))
    assert d.applicant_type == 3 and d.applicant_name == "Công an tỉnh Quảng Nam" and d.channel == 2
    assert portal.workflow.receive(NS, desk, d.code).status == 2
    business, _ = portal.accounts.link_sso(NS, claims(LoaiTaiKhoan=2, TechID="tech-b", MaSoThue="0401234567",
                                                      TenDoanhNghiep="Công ty TNHH Hội An Xanh", SoDinhDanh=""))
    b = submit(portal, business, "9.100004", form=full_form(portal, "9.100004"), files=all_files(portal, "9.100004"))
    assert b.applicant_type == 2 and b.agency_code == OTHER_AGENCY


# -- rating, shortcut, history and sync -------------------------------------------------------------------------------
def test_the_rating_comes_once_after_the_result(portal: ProvincialPortal, citizen: Any) -> None:
    d = submit(portal, citizen, payment_method="counter")
    wf = portal.workflow
    refused("NOT_YET_RATEABLE", wf.rate, NS, citizen.id, d.code, 3)
    portal.dossiers.result_ready(NS, d.code)
    for bad in (0, 4, "3", True, 2.5):
        refused("INVALID_RATING", wf.rate, NS, citizen.id, d.code, bad)
    got = wf.rate(NS, citizen.id, d.code, 3, "Nhanh chóng")
    assert got.rating == 3 and got.rating_comment == "Nhanh chóng" and got.to_json()["rating"]["name"] == "Rất hài lòng"
    assert refused("ALREADY_RATED", wf.rate, NS, citizen.id, d.code, 1).status == 409


def test_the_result_ready_shortcut_goes_through_the_rules(portal: ProvincialPortal, citizen: Any,
                                                          desk: Officer) -> None:
    d = submit(portal, citizen, payment_method="counter")
    done = portal.dossiers.result_ready(NS, d.code)
    assert [(h.to_status, h.action) for h in done.history] == [(1, "submitted"), (2, "received"), (4, "processing"),
                                                               (9, "result_ready")]
    assert done.received_at is not None and done.result_documents
    waiting = submit(portal, citizen, payment_method="counter")
    portal.workflow.request_supplement(NS, desk, waiting.code, [{"code": "CCCD"}])
    refused("RESULT_READY_NOT_ALLOWED", portal.dossiers.result_ready, NS, waiting.code)


def test_every_transition_is_in_the_history_and_pushed_in_order(portal: ProvincialPortal, citizen: Any,
                                                                desk: Officer, specialist: Officer) -> None:
    d = submit(portal, citizen, payment_method="counter")
    wf = portal.workflow
    wf.receive(NS, desk, d.code)
    wf.request_supplement(NS, desk, d.code, [{"code": "CCCD"}])
    wf.answer_supplement(NS, citizen.id, d.code, [Upload("CCCD", "c.png", "image/png", PNG)])
    wf.process(NS, specialist, d.code)
    wf.result_ready(NS, specialist, d.code, DOCS)
    wf.return_result(NS, desk, d.code)
    assert statuses(portal, d.code) == [1, 2, 5, 2, 4, 9, 10]
    assert sync_statuses(portal, d.code) == [2, 5, 2, 4, 9, 10]
    records = [m["payload"]["data"][0]["TrangThaiHoSo"] for m in portal.outbox.messages(NS, kind=SYNC_KIND)
               if m["key"] == d.code and m["payload"]["service"] == "DongBoHoSoMC"]
    assert records == [1, 2, 5, 2, 4, 9, 10]
    assert [s for s in ("01", "02", "05") if s in slip(portal.dossiers.get(NS, d.code), s)[0]] == ["01", "02", "05"]


def test_reset_erases_officers_and_notifications(portal: ProvincialPortal, citizen: Any, desk: Officer) -> None:
    d = submit(portal, citizen, payment_method="counter")
    portal.workflow.receive(NS, desk, d.code)
    portal.reset(NS)
    assert portal.officers.list(NS) == [] and portal.notifications.list(NS) == []


def test_an_older_dossier_table_is_migrated(tmp_path: Path) -> None:
    # The table as it was before the back office: received_at NOT NULL, none of the added columns.
    lines = DDL.split("CREATE INDEX", 1)[0].splitlines()
    old = "\n".join(line.replace("received_at TEXT,", "received_at TEXT NOT NULL,") for line in lines
                    if line.strip().split(" ")[0] not in ADDED_COLUMNS)
    store = Store(tmp_path / "old.db")
    store.migrate(old)
    names = [r["name"] for r in store.query("PRAGMA table_info(dossier)")]
    assert "supplement" not in names and "received_at" in names
    values = {name: 0 if name in ("level", "applicant_type", "status", "channel", "fee_amount") else f"v-{name}"
              for name in names}
    values.update(ns="t", code="A-1", received_at="2024-05-15T09:30:00+07:00", status=1)
    store.execute(f"INSERT INTO dossier({', '.join(values)}) VALUES ({', '.join('?' * len(values))})",
                  tuple(values.values()))
    migrate(store)
    columns = {r["name"]: r["notnull"] for r in store.query("PRAGMA table_info(dossier)")}
    assert columns["received_at"] == 0 and "supplement" in columns and "rating" in columns
    row = store.one("SELECT * FROM dossier WHERE code = 'A-1'")
    assert row is not None and row["received_at"] == "2024-05-15T09:30:00+07:00" and row["status"] == 1
    with pytest.raises(sqlite3.IntegrityError):
        store.execute(f"INSERT INTO dossier({', '.join(values)}) VALUES ({', '.join('?' * len(values))})",
                      tuple(values.values()))
    assert {r["name"] for r in store.query("PRAGMA index_list(dossier)")} >= {"dossier_status", "dossier_received"}
    migrate(store)   # twice is fine


def test_commune_and_district_officers(portal: ProvincialPortal, citizen: Any) -> None:
    commune_desk = officer(portal, "xa.motcua", "desk", COMMUNE)
    d = submit(portal, citizen, BIRTH, COMMUNE, form=full_form(portal, BIRTH), files=all_files(portal, BIRTH))
    assert portal.workflow.receive(NS, commune_desk, d.code).appointment_at == at("2024-05-16T17:00:00")
    district_desk = officer(portal, "huyen.motcua", "desk", DISTRICT)
    refused("OTHER_AGENCY", portal.workflow.process, NS, district_desk, d.code)


def test_transitions_during_a_gateway_outage_reach_it_in_order_afterwards(portal: ProvincialPortal, citizen: Any,
                                                                          desk: Officer, specialist: Officer) -> None:
    service, login = "http://national.test/sync/service", "http://national.test/sync/login"
    d = submit(portal, citizen, payment_method="counter")
    wf = portal.workflow
    with responses.RequestsMock() as rsps:
        rsps.add(responses.POST, login, json={"session": "s", "error_code": 0})
        rsps.add(responses.POST, service, status=503, body="Service Unavailable")
        wf.receive(NS, desk, d.code)
        portal.outbox.run_once()
        wf.process(NS, specialist, d.code)
        portal.outbox.retry_now(NS)
        portal.outbox.run_once()
        wf.result_ready(NS, specialist, d.code, DOCS)
        tried = [json.loads(c.request.body) for c in rsps.calls if c.request.url == service]
    # Only the first message was tried (twice); the others wait behind it.
    assert [t["service"] for t in tried] == ["DongBoHoSoMC"] * 2 and tried[0]["isUpdating"] is False
    with responses.RequestsMock() as rsps:
        rsps.add(responses.POST, service, json={"error_code": 0})
        for _ in range(20):
            portal.outbox.retry_now(NS)
            if not portal.outbox.run_once():
                break
        sent = [json.loads(c.request.body) for c in rsps.calls if c.request.url == service]
    assert [m["data"][0].get("TrangThai", m["data"][0].get("TrangThaiHoSo")) for m in sent] == [1, 2, 2, 4, 4, 9, 9]
    assert all(m["status"] == "delivered" for m in portal.outbox.messages(NS, kind=SYNC_KIND))


def test_the_agency_list_pages_newest_first_with_the_total(portal: ProvincialPortal, citizen: Any,
                                                           desk: Officer) -> None:
    codes = [submit(portal, citizen, payment_method="counter").code for _ in range(5)]
    wf = portal.workflow
    total, page = wf.list_for_agency(NS, desk, limit=2, offset=1)
    assert total == 5 and [d.code for d in page] == codes[::-1][1:3]
    assert wf.list_for_agency(NS, desk, status=2) == (0, [])
    total, found = wf.list_for_agency(NS, desk, q=codes[2][-4:])
    assert total == 1 and found[0].code == codes[2]
