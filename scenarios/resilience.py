"""Journeys under test control: what the citizen and the officer see when the platforms misbehave or time passes.

Each journey drives the browser through the portal interfaces (scenarios.portal) and the
back office's page objects (scenarios.pages.officer), like scenarios.journeys, and uses the
harness's test control for what has no user interface: faults (harness.control.Faults), the
namespace's clock (Clock), the request journal (Journal), and the clients (`Platform`) for
the admin shortcuts. They compose the journeys of scenarios.journeys (submit, pay, look up).

Each service's `/_admin/journal` holds its own traffic (what it received, the calls it made),
so a check asks the service on the side it looks at; the message a protocol call carries is a
correlation id (`LoaiBanTin=QUERY`). See docs/scenarios.md, "Journeys under test control".

1. a payment confirmation sent twice is recorded once (outgoing `duplicate` on `payment.confirm`);
2. a lost confirmation is recovered by the portal's QUERY (`never_send` on `payment.confirm`);
3. the national sync gateway is down (503 on `/sync/*`): nothing is lost, the look-up catches up;
4. the post fails to deliver and returns the result to the agency (status stays 9);
5. a dossier past its appointment is overdue — working days, holidays and a swapped Saturday counted.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from harness.clients import Platform
from harness.control import Clock, Faults, Journal
from harness.steps import step
from mocks import data
from scenarios import journeys
from scenarios.journeys import ASYNC_TIMEOUT, DONE, NEW, PAID, RETURNED, ProcedurePick, SampleFiles
from scenarios.officers import Officer, log_in_officer
from scenarios.pages.officer import ApplicantBackOfficePages, OfficerPages
from scenarios.portal import Portals, PostalAddress, Submission

RECEIVED = "Được tiếp nhận"                 # status 2
ON_TIME, DUE_SOON, OVERDUE = "Trong hạn", "Sắp đến hạn", "Quá hạn"
PAID_ONLINE_NOTE = "Đã thanh toán trực tuyến"
# How the portal names the postal item's state; how the post names its own events.
POSTAL_RETURNED_PORTAL = "Đã chuyển hoàn về cơ quan"
POSTAL_FAILED, POSTAL_RETURNED = "Phát không thành công", "Đã chuyển hoàn về người gửi"
# Wednesday 29/04/2026, before the 30/4–1/5 break (today's world: two tiers, VNeID).
RECEIPT_TIME = "2026-04-29T09:00:00+07:00"



def shown_day(text: str) -> date:
    """The date in a page's text: dd/mm/yyyy (as the portals show it), or yyyy-mm-dd."""
    if m := re.search(r"\b(\d{2})/(\d{2})/(\d{4})\b", text):
        return date(int(m[3]), int(m[2]), int(m[1]))
    if m := re.search(r"\b(\d{4})-(\d{2})-(\d{2})", text):
        return date(int(m[1]), int(m[2]), int(m[3]))
    raise AssertionError(f"no date in {text!r}")


def is_working_day(day: date) -> bool:
    """Monday–Friday but the public holidays, plus the Saturdays worked in exchange (mocks/data/holidays.json)."""
    if any(day.isoformat() in days for days in data.extra_working_days().values()):
        return True
    return day.weekday() < 5 and not any(day.isoformat() in days for days in data.holidays().values())


def add_working_days(day: date, count: int) -> date:
    """The working day `count` working days after `day` (the day itself not counted)."""
    while count > 0:
        day += timedelta(days=1)
        count -= is_working_day(day)
    return day


def previous_working_day(day: date) -> date:
    day -= timedelta(days=1)
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


def _clock_day(clock: Clock) -> date:
    return datetime.fromisoformat(clock.now()).date()


def _expect_mark(officers: OfficerPages, code: str, mark: str) -> None:
    listed = officers.deadline_marks()
    assert listed.get(code) == mark, f"the agency's list shows {code} as {listed.get(code)!r}, not {mark!r}"


def _api_payments(platform: Platform, citizen: Mapping[str, Any], code: str) -> tuple[list[dict[str, Any]],
                                                                                      dict[str, Any]]:
    """The dossier's payment attempts and the dossier, from the portal's API, as the citizen."""
    platform.provincial.log_in(citizen, platform.vneid)
    attempts = platform.provincial.call("GET", f"/api/v1/dossiers/{code}/payments")["items"]
    return attempts, platform.provincial.dossier(code)


# -- 1. a confirmation sent twice ---------------------------------------------------------------------------
def payment_confirmed_twice(portals: Portals, platform: Platform, faults: Faults, journal: Journal,
                            procedure: ProcedurePick, files: SampleFiles, citizen: Mapping[str, Any]) -> str:
    """The platform sends its "paid" confirmation twice: the portal answers both and records one payment."""
    with step("Nền tảng thanh toán sẽ gửi bản tin xác nhận hai lần (lỗi giả lập duplicate)"):
        rule = faults.outgoing("payment", "payment.confirm", "duplicate", times=1)
    code = journeys.submit_dossier(portals, platform, procedure,
                                   Submission(files=files.good, result_delivery="online", payment="online"))
    journeys.pay_online(portals, code, procedure.fee)
    with step("Nhật ký: hai lần gửi xác nhận tới cổng tỉnh, cả hai được chấp nhận"):
        attempts, dossier = _api_payments(platform, citizen, code)
        reference = attempts[-1]["reference"]
        journal.verify("payment", count=2, direction="out", url_contains="/api/payment/confirm",
                       correlation_id=reference)
        journal.verify("provincial", count=2, direction="in", url_contains="/api/payment/confirm", status=200,
                       correlation_id=reference)
        applied = next(r for r in faults.rules() if r["id"] == rule["id"])["applied"]
        assert applied == 1, f"the duplicate fault was applied {applied} times, not once"
    with step("Trang hồ sơ: đã thanh toán, một lần thanh toán, một dòng lịch sử"):
        view = portals.provincial.open_dossier(code)
        assert view.payment.startswith(PAID), f"the dossier shows {view.payment!r}"
        assert len(view.payments) == 1 and PAID in view.payments[0], f"payment attempts shown: {view.payments}"
        paid_lines = [line for line in view.history if PAID_ONLINE_NOTE in line]
        assert len(paid_lines) == 1, f"the history shows the payment {len(paid_lines)} times: {view.history}"
    with step("API cổng tỉnh: một giao dịch đã thanh toán, một mục lịch sử thanh toán"):
        assert [a["status"] for a in attempts] == ["paid"], f"payment attempts: {attempts}"
        paid_entries = [h for h in dossier["history"] if h["action"] == "paid"]
        assert len(paid_entries) == 1, f"history entries of the payment: {paid_entries}"
        assert dossier["payment"]["status"] == "paid", dossier["payment"]
    return code


# -- 2. a lost confirmation -----------------------------------------------------------------------------------
def lost_confirmation_recovered_by_query(portals: Portals, platform: Platform, faults: Faults, journal: Journal,
                                         procedure: ProcedurePick, files: SampleFiles,
                                         *, bank: str = "Vietcombank") -> str:
    """The platform never sends its confirmation: back from the checkout, the portal asks (QUERY) and shows paid."""
    with step("Nền tảng thanh toán không bao giờ gửi bản tin xác nhận (lỗi giả lập never_send)"):
        faults.outgoing("payment", "payment.confirm", "never_send")
    code = journeys.submit_dossier(portals, platform, procedure,
                                   Submission(files=files.good, result_delivery="online", payment="online"))
    platform_api = platform.payment.url("/api/payment")   # INIT, QUERY and GET_BILL all go there
    with step("Chuyển sang Nền tảng thanh toán: cổng tỉnh khởi tạo giao dịch (INIT)"):
        portals.provincial.open_dossier(code)
        portals.provincial.start_payment()
        reference = portals.payment.details().reference
        journal.verify("provincial", count=1, direction="out", url_contains=platform_api, correlation_id=reference)
        journal.verify("provincial", count=1, direction="out", url_contains=platform_api,
                       correlation_id="LoaiBanTin=INIT")
    with step(f"Chọn {bank} và thanh toán"):
        portals.payment.pay(bank)
    with step("Quay lại cổng tỉnh: cổng hỏi nền tảng (QUERY) và báo thanh toán thành công"):
        outcome = portals.provincial.payment_outcome()
        assert "thành công" in outcome, f"the portal says {outcome!r} with no confirmation received"
        # INIT, then exactly one more call to the platform between the checkout and this page: the QUERY.
        journal.verify("provincial", count=2, direction="out", url_contains=platform_api, correlation_id=reference)
        journal.verify("provincial", count=1, direction="out", url_contains=platform_api,
                       correlation_id="LoaiBanTin=QUERY")
    with step("Nhật ký: bản tin xác nhận bị giữ lại, không tới cổng tỉnh"):
        journal.verify("payment", count=1, direction="out", url_contains="outbox:payment.confirm",
                       correlation_id=reference)
        journal.verify("payment", count=0, direction="out", url_contains="/api/payment/confirm")
        journal.verify("provincial", count=0, direction="in", url_contains="/api/payment/confirm")
        dropped = [m["key"] for m in platform.payment.outbox(kind="payment.confirm", status="dropped")]
        assert dropped == [reference], f"confirmations dropped by the fault: {dropped}"
    with step("Trang hồ sơ: đã thanh toán, có biên lai"):
        view = portals.provincial.back_to_dossier()
        assert view.payment.startswith(PAID), f"the dossier shows {view.payment!r} after the QUERY"
        assert view.receipt_available, "no e-receipt offered for the fee paid"
        assert len(view.payments) == 1 and PAID in view.payments[0], f"payment attempts shown: {view.payments}"
    return code


# -- 3. the national sync gateway down --------------------------------------------------------------------------
def national_sync_outage(portals: Portals, platform: Platform, faults: Faults, journal: Journal,
                         officers: OfficerPages, desk: Officer, procedure: ProcedurePick, files: SampleFiles,
                         other_citizen: Mapping[str, Any]) -> tuple[str, str]:
    """A campaign day with the national sync gateway down: the province keeps working, queues its pushes,
    and once the gateway is back the national look-up shows every dossier with its provincial status.
    Returns the codes of the citizen's dossier (received by an officer) and of another citizen's (new)."""
    with step("Cổng DVC quốc gia: cổng đồng bộ hồ sơ ngừng hoạt động (503 trên /sync/*)"):
        [rule] = faults.apply_profile("national-sync-outage")
    mine = journeys.submit_dossier(portals, platform, procedure, Submission(files=files.good))
    with step("Một công dân khác nộp hồ sơ trong lúc cổng đồng bộ ngừng"):
        platform.provincial.log_in(other_citizen, platform.vneid)
        theirs = platform.provincial.submit(procedure.code, agency_code=procedure.agency_code)["code"]
    log_in_officer(officers, desk)
    with step("Bộ phận một cửa tiếp nhận hồ sơ của công dân"):
        officers.open_from_list(mine)
        officers.receive()
        shown = officers.open_dossier(mine).status
        assert shown == RECEIVED, f"the officer's page shows {shown!r} after receiving"
    with step("Công dân thấy hồ sơ được tiếp nhận trên Cổng DVC tỉnh"):
        shown = portals.provincial.open_dossier(mine).status
        assert shown == RECEIVED, f"the citizen's page shows {shown!r} while the national side is down"
    with step("Cổng DVC quốc gia chưa biết các hồ sơ; cổng tỉnh giữ các lần đồng bộ để gửi lại"):
        for code in (mine, theirs):
            assert portals.national.look_up(code) is None, f"the national look-up knows {code} during the outage"
        journal.verify("provincial", direction="out", url_contains=platform.national.url("/sync/"), status=503,
                       at_least=1)
        waiting = {m["key"] for m in platform.provincial.outbox(kind="national_sync", status="pending")}
        assert {mine, theirs} <= waiting, f"pushes waiting for the national side: {sorted(waiting)}"
    with step("Cổng đồng bộ hoạt động trở lại; cổng tỉnh gửi lại ngay"):
        faults.remove("national", rule["id"])
        platform.provincial.flush_outbox()
    with step("Cổng DVC quốc gia: hồ sơ được tiếp nhận hiển thị 'Được tiếp nhận'"):
        found = portals.national.wait_for_lookup(mine, RECEIVED, timeout=ASYNC_TIMEOUT)
        assert found.status_code in (None, 2), f"status code {found.status_code}, not 2"
    with step("Cổng DVC quốc gia: hồ sơ mới hiển thị 'Mới đăng ký'"):
        found = portals.national.wait_for_lookup(theirs, NEW, timeout=ASYNC_TIMEOUT)
        assert found.status_code in (None, 1), f"status code {found.status_code}, not 1"
    return mine, theirs


# -- 4. the post cannot deliver and returns the result -----------------------------------------------------------
def postal_delivery_returned(portals: Portals, platform: Platform, officers: OfficerPages, desk: Officer,
                             procedure: ProcedurePick, files: SampleFiles, address: PostalAddress) -> str:
    """The result goes by post, delivery fails, the post returns it to the agency: the dossier stays
    "Đã xử lý xong" with a note, and the desk hands the result over at the counter."""
    code = journeys.submit_dossier(portals, platform, procedure, Submission(
        files=files.good, result_delivery="post", payment="online", postal_address=address))
    journeys.pay_online(portals, code, procedure.fee)
    with step("Có kết quả: kết quả chuyển cho bưu chính, có mã vận đơn"):
        platform.provincial.result_ready(code)
        waybill = portals.provincial.wait_for_dossier(code, status=DONE, waybill=True, timeout=ASYNC_TIMEOUT).waybill
    with step("Bưu chính lấy hàng, vận chuyển, phát không thành công (mô phỏng)"):
        for state in ("picked_up", "in_transit", "delivery_failed"):
            platform.postal.advance(waybill, state)
        view = portals.provincial.wait_for_dossier(code, postal_state=POSTAL_FAILED, timeout=ASYNC_TIMEOUT)
        assert view.status == DONE, f"a failed delivery moved the dossier to {view.status!r}"
    with step("Bưu chính chuyển hoàn kết quả về cơ quan (mô phỏng)"):
        platform.postal.advance(waybill, "returned")
    with step("Công dân thấy hành trình bưu gửi và ghi chú kết quả đã chuyển hoàn về cơ quan"):
        view = portals.provincial.wait_for_dossier(code, postal_state=POSTAL_RETURNED_PORTAL, timeout=ASYNC_TIMEOUT)
        assert view.status == DONE and view.status_code in (None, 9), (
            f"a returned item left the dossier at {view.status!r} ({view.status_code}), not 9")
        assert POSTAL_FAILED in view.postal_events and POSTAL_RETURNED in view.postal_events, (
            f"tracking events shown: {view.postal_events}")
        assert view.postal_events[-1] == POSTAL_RETURNED, f"latest event shown: {view.postal_events}"
        notes = [line for line in view.history if "chuyển hoàn" in line]
        assert notes and "bộ phận một cửa" in notes[-1], f"no note of the return in the history: {view.history}"
    with step("Trang tra cứu của bưu chính: Đã chuyển hoàn về người gửi"):
        portals.provincial.open_tracking()
        shown = portals.postal.shown()
        assert shown.waybill == waybill, f"the tracking page shows {shown.waybill}, not {waybill}"
        assert shown.state == POSTAL_RETURNED, f"the tracking page shows {shown.state!r}"
        assert shown.events[-2:] == (POSTAL_FAILED, POSTAL_RETURNED), f"tracking events: {shown.events}"
    log_in_officer(officers, desk)
    with step("Bộ phận một cửa thấy kết quả bị chuyển hoàn và trả kết quả tại quầy"):
        view = officers.open_dossier(code)
        assert view.status == DONE and POSTAL_RETURNED_PORTAL in view.postal, view
        officers.return_result()
        shown = officers.open_dossier(code).status
        assert shown == RETURNED, f"after the hand-over at the counter the officer's page shows {shown!r}"
    with step("Công dân thấy hồ sơ 'Đã trả kết quả'"):
        view = portals.provincial.open_dossier(code)
        assert view.status == RETURNED and view.status_code in (None, 10), view
    return code


# -- 5. overdue -----------------------------------------------------------------------------------------------
def overdue_on_both_portals(portals: Portals, platform: Platform, clock: Clock, officers: OfficerPages,
                            applicant: ApplicantBackOfficePages, desk: Officer, procedure: ProcedurePick,
                            files: SampleFiles) -> str:
    """Received on a Wednesday before a holiday break, a dossier's appointment is counted in working days;
    as the clock passes it, the officer's list marks it "Quá hạn", the citizen's page too, and the public
    look-ups show the appointment date passed."""
    with step("Đồng hồ: thứ Tư 29/04/2026 09:00, trước kỳ nghỉ 30/4–1/5"):
        clock.set(RECEIPT_TIME)
        received = _clock_day(clock)
    days = int(platform.provincial.procedure(procedure.code)["processing_days"])
    due = add_working_days(received, days)
    code = journeys.submit_dossier(portals, platform, procedure, Submission(files=files.good))
    log_in_officer(officers, desk)
    with step(f"Tiếp nhận hồ sơ: hẹn trả sau {days} ngày làm việc, ngày {due:%d/%m/%Y}"):
        officers.open_from_list(code)
        officers.receive()
        view = officers.open_dossier(code)
        assert view.status == RECEIVED, view
        assert view.appointment == f"{due:%d/%m/%Y}", (
            f"appointment {view.appointment}, not {due:%d/%m/%Y} ({days} working days after {received:%d/%m/%Y})")
        _expect_mark(officers, code, ON_TIME)
    day_before = previous_working_day(due)
    with step(f"Đồng hồ tới {day_before:%d/%m/%Y}: danh sách ghi 'Sắp đến hạn'"):
        clock.advance(days=(day_before - received).days)
        _expect_mark(officers, code, DUE_SOON)
    day_after = add_working_days(due, 1)
    with step(f"Đồng hồ qua ngày hẹn, tới {day_after:%d/%m/%Y}: danh sách ghi 'Quá hạn'"):
        clock.advance(days=(day_after - day_before).days)
        assert _clock_day(clock) == day_after, f"the clock shows {clock.now()}, not {day_after}"
        _expect_mark(officers, code, OVERDUE)
        assert code in officers.deadline_marks(OVERDUE), "the 'Quá hạn' filter does not list the dossier"
        shown = officers.open_dossier(code).deadline
        assert shown == OVERDUE, f"the officer's dossier page shows the deadline as {shown!r}"
    with step("Công dân: trang hồ sơ ghi ngày hẹn trả đã qua và 'Quá hạn'"):
        view = portals.provincial.open_dossier(code)
        assert view.status == RECEIVED, view
        assert shown_day(view.appointment) == due < day_after, f"appointment shown: {view.appointment!r}"
        applicant.open(code)
        mark = applicant.progress("Tình trạng hạn")
        assert mark == OVERDUE, f"the citizen's page shows the deadline as {mark!r}"
    with step("Tra cứu trên Cổng DVC tỉnh: ngày hẹn trả đã qua"):
        found = portals.provincial.look_up(code)
        assert found is not None and found.status == RECEIVED, found
        assert shown_day(found.appointment) == due, f"appointment shown: {found.appointment!r}"
    with step("Tra cứu trên Cổng DVC quốc gia: ngày hẹn trả đã qua (trang không có dấu quá hạn)"):
        national = portals.national.wait_for_lookup(code, RECEIVED, timeout=ASYNC_TIMEOUT)
        assert national.appointment, "the national look-up shows no appointment"
        assert shown_day(national.appointment) == due, f"appointment shown: {national.appointment!r}"
    return code


__all__ = [
    "RECEIPT_TIME", "add_working_days", "is_working_day",
    "lost_confirmation_recovered_by_query", "national_sync_outage", "overdue_on_both_portals",
    "payment_confirmed_twice", "postal_delivery_returned", "previous_working_day", "shown_day",
]
