"""The portal's rules on the model (no HTTP): submission, codes, statuses, sync, payment, post, accounts."""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Any

import pytest
import responses

from mocks.core.errors import DomainError
from mocks.core.signing import sign
from mocks.core.timefmt import VN_TZ
from mocks.provincial.accounts import LINK_BY_ID_NUMBER, LINK_BY_TECHID, LINK_CREATED
from mocks.provincial.attachments import MAX_ATTACHMENT_BYTES, Upload
from mocks.provincial.catalogue import fold, level_label
from mocks.provincial.delivery import POSTAL_KIND
from mocks.provincial.model import ProvincialPortal
from mocks.provincial.sync import SYNC_KIND

from .conftest import (
    ADDRESS,
    COMMUNE,
    COPY_FEE,
    FEE_AFTER,
    FREE_L4,
    JPEG,
    LEVEL2,
    LEVEL3_FEE,
    LLTP,
    LLTP_AGENCY,
    NO_POST,
    PAYMENT,
    PDF,
    PNG,
    all_files,
    claims,
    full_form,
    lltp_files,
    submit,
)


def refused(code: str, fn: Any, *args: Any, **kwargs: Any) -> DomainError:
    with pytest.raises(DomainError) as info:
        fn(*args, **kwargs)
    assert info.value.code == code, info.value.body()
    return info.value


# -- the catalogue -------------------------------------------------------------------------------------------
def test_catalogue_offerings_and_codes(portal: ProvincialPortal) -> None:
    cat = portal.catalogue
    lltp = cat.require_procedure(LLTP)
    assert lltp.code == "2.000488.000.00.00.H47" and cat.procedure(lltp.code) is lltp
    assert [a.code for a in cat.agencies_offering(lltp)] == [LLTP_AGENCY]
    district = cat.require_procedure("1.001612")
    assert len(cat.agencies_offering(district)) == 18
    assert all(o.agency.tier == o.procedure.tier for o in cat.offerings)
    assert level_label(4) == "Toàn trình" and level_label(3) == "Một phần" and level_label(2).startswith("Cung cấp")
    assert lltp.level_text == "Mức độ 4 (toàn trình)"


def test_catalogue_search_is_accent_insensitive(portal: ProvincialPortal) -> None:
    cat = portal.catalogue
    plain = {o.procedure.code for o in cat.search("ly lich tu phap")}
    accented = {o.procedure.code for o in cat.search("LÝ LỊCH Tư Pháp")}
    assert plain == accented and "2.000488.000.00.00.H47" in plain
    assert fold("Đăng ký khai sinh") == "dang ky khai sinh"
    assert all(o.procedure.level == 3 and o.procedure.tier == "district" for o in cat.search(tier="district", level=3))
    assert {o.agency.code for o in cat.search(agency_code=COMMUNE)} == {COMMUNE}


def test_offering_needs_an_agency_that_offers_it(portal: ProvincialPortal) -> None:
    refused("PROCEDURE_NOT_FOUND", portal.dossiers.resolve_offering, "t", "9.999999", None)
    refused("AGENCY_REQUIRED", portal.dossiers.resolve_offering, "t", COPY_FEE, None)
    refused("AGENCY_NOT_OFFERING", portal.dossiers.resolve_offering, "t", LLTP, "000.00.04.H47")
    refused("AGENCY_NOT_OFFERING", portal.dossiers.resolve_offering, "t", COPY_FEE, "000.20.30.H47")
    refused("AGENCY_NOT_FOUND", portal.dossiers.resolve_offering, "t", COPY_FEE, "nope")
    assert portal.dossiers.resolve_offering("t", LLTP, None).agency.code == LLTP_AGENCY


# -- submission rules ----------------------------------------------------------------------------------------
def test_level_2_is_refused_with_a_clear_message(portal: ProvincialPortal, citizen: Any) -> None:
    err = refused("LEVEL_NOT_ONLINE", portal.dossiers.resolve_offering, "t", LEVEL2, None)
    assert "chưa cung cấp nộp hồ sơ trực tuyến" in err.vi
    offering = portal.catalogue.offering(LEVEL2, None)
    refused("LEVEL_NOT_ONLINE", portal.dossiers.submit, "t", citizen, offering, {}, [])
    assert portal.dossiers.count("t") == 0


def test_a_new_dossier(portal: ProvincialPortal, citizen: Any) -> None:
    d = submit(portal, citizen, payment_method="online")
    assert d.code == f"{LLTP_AGENCY}-240515-0001"
    assert (d.status, d.status_name, d.channel, d.level) == (1, "Mới đăng ký", 2, 4)
    assert d.fee_amount == 200_000 and d.payment_status == "unpaid" and not d.paid_online
    assert d.applicant_name == "Nguyễn Thị Thu Hà" and d.applicant_id_number == "049095001234"
    assert [a.code for a in d.attachments] == ["TK01", "CCCD"]
    assert [a.content_type for a in d.attachments] == ["application/pdf", "image/png"]
    # 10 working days from Wednesday 15/5/2024: Wednesday 29/5.
    assert d.appointment_at.date().isoformat() == "2024-05-29"
    assert [(h.from_status, h.to_status) for h in d.history] == [(None, 1)]
    again = portal.dossiers.get("t", d.code)
    assert again.to_json() == d.to_json()


def test_level_3_refuses_online_payment(portal: ProvincialPortal, citizen: Any) -> None:
    form, files = full_form(portal, LEVEL3_FEE), all_files(portal, LEVEL3_FEE)
    err = refused("ONLINE_PAYMENT_NOT_OFFERED", submit, portal, citizen, LEVEL3_FEE, form=form, files=files,
                  payment_method="online")
    assert "trực tuyến" in err.vi
    d = submit(portal, citizen, LEVEL3_FEE, form=form, files=files)
    assert d.payment_method == "counter" and d.fee_amount == 135_000


def test_level_3_refuses_online_result(portal: ProvincialPortal, citizen: Any) -> None:
    refused("ONLINE_RESULT_NOT_OFFERED", submit, portal, citizen, LEVEL3_FEE, form=full_form(portal, LEVEL3_FEE),
            files=all_files(portal, LEVEL3_FEE), result_delivery="online")


def test_postal_return_with_a_fee_needs_online_payment(portal: ProvincialPortal, citizen: Any) -> None:
    err = refused("POSTAL_NEEDS_ONLINE_PAYMENT", submit, portal, citizen, result_delivery="post",
                  payment_method="counter", postal_address=ADDRESS)
    assert "bưu chính" in err.vi
    d = submit(portal, citizen, result_delivery="post", payment_method="online", postal_address=ADDRESS)
    assert d.postal_address is not None and d.postal_address.phone == "0912345678"
    # Without a fee the rule does not apply.
    free = submit(portal, citizen, FREE_L4, COMMUNE, form=full_form(portal, FREE_L4), files=all_files(portal, FREE_L4),
                  result_delivery="post", payment_method="counter", postal_address=ADDRESS)
    assert free.payment_method is None and free.payment_status == "not_required"


def test_postal_return_needs_an_address(portal: ProvincialPortal, citizen: Any) -> None:
    refused("POSTAL_ADDRESS_INVALID", submit, portal, citizen, result_delivery="post", payment_method="online")
    err = refused("POSTAL_ADDRESS_INVALID", submit, portal, citizen, result_delivery="post", payment_method="online",
                  postal_address={**ADDRESS, "phone": "12345", "district": ""})
    assert {p["field"] for p in err.details} == {"phone", "district"}
    assert "Số điện thoại người nhận" in err.vi


def test_postal_return_only_where_the_procedure_offers_it(portal: ProvincialPortal) -> None:
    business, _ = portal.accounts.link_sso("t", claims(LoaiTaiKhoan=2, TechID="tech-b", MaSoThue="0401234567",
                                                       TenDoanhNghiep="Công ty TNHH Hội An Xanh", SoDinhDanh=""))
    refused("POSTAL_RETURN_NOT_OFFERED", submit, portal, business, NO_POST, form=full_form(portal, NO_POST),
            files=all_files(portal, NO_POST), result_delivery="post", postal_address=ADDRESS)


def test_unknown_result_delivery_and_payment_method(portal: ProvincialPortal, citizen: Any) -> None:
    refused("INVALID_RESULT_DELIVERY", submit, portal, citizen, result_delivery="drone")
    refused("INVALID_PAYMENT_METHOD", submit, portal, citizen, payment_method="cash")


def test_applicant_type_must_be_allowed(portal: ProvincialPortal, citizen: Any) -> None:
    err = refused("APPLICANT_TYPE_NOT_ALLOWED", submit, portal, citizen, NO_POST, form=full_form(portal, NO_POST),
                  files=all_files(portal, NO_POST))
    assert "Doanh nghiệp" in err.vi
    refused("INVALID_APPLICANT_TYPE", submit, portal, citizen, applicant_type=9)


def test_attachment_type_is_decided_by_the_content(portal: ProvincialPortal, citizen: Any) -> None:
    text = Upload("TK01", "to-khai.pdf", "application/pdf", b"just some text, not a PDF")
    err = refused("ATTACHMENT_TYPE_NOT_ALLOWED", submit, portal, citizen, files=[text, lltp_files()[1]])
    assert "to-khai.pdf" in err.vi
    png_named_pdf = Upload("TK01", "to-khai.pdf", "application/pdf", PNG)
    refused("ATTACHMENT_TYPE_MISMATCH", submit, portal, citizen, files=[png_named_pdf, lltp_files()[1]])
    exe = Upload("TK01", "virus.exe", None, PDF)
    refused("ATTACHMENT_TYPE_NOT_ALLOWED", submit, portal, citizen, files=[exe, lltp_files()[1]])
    # An undeclared type is fine when the bytes are an allowed type.
    jpeg = Upload("TK01", "scan", "application/octet-stream", JPEG)
    d = submit(portal, citizen, files=[jpeg, lltp_files()[1]])
    assert d.attachments[0].content_type == "image/jpeg" and d.attachments[0].filename == "scan"


def test_attachment_sizes(portal: ProvincialPortal, citizen: Any) -> None:
    big = Upload("TK01", "big.pdf", "application/pdf", PDF + b"0" * MAX_ATTACHMENT_BYTES)
    err = refused("ATTACHMENT_TOO_LARGE", submit, portal, citizen, files=[big, lltp_files()[1]])
    assert err.status == 413
    near = PDF + b"0" * (MAX_ATTACHMENT_BYTES - len(PDF) - 10)
    many = [Upload("MG", f"p{i}.pdf", "application/pdf", near) for i in range(4)] + lltp_files()
    assert refused("DOSSIER_TOO_LARGE", submit, portal, citizen, files=many).status == 413
    refused("ATTACHMENT_EMPTY", submit, portal, citizen, files=[Upload("TK01", "e.pdf", "application/pdf", b"")])


def test_required_and_unknown_attachments(portal: ProvincialPortal, citizen: Any) -> None:
    err = refused("ATTACHMENT_REQUIRED", submit, portal, citizen, files=lltp_files()[:1])
    assert "Căn cước công dân" in err.vi
    refused("UNKNOWN_ATTACHMENT", submit, portal, citizen, files=[*lltp_files(), Upload("XX", "x.pdf", None, PDF)])


def test_form_fields_are_checked_against_the_template(portal: ProvincialPortal, citizen: Any) -> None:
    err = refused("FORM_INVALID", submit, portal, citizen, form={"so_ban": 11, "loai_phieu": "Phiếu số 3",
                                                                 "khong_co": "x"})
    fields = {p["field"] for p in err.details}
    assert fields == {"so_ban", "loai_phieu", "muc_dich", "khong_co"}
    assert "Số bản yêu cầu" in err.vi and "Mục đích sử dụng" in err.vi
    refused("FORM_INVALID", submit, portal, citizen, form={**_lltp(), "so_ban": "hai"})
    refused("FORM_INVALID", submit, portal, citizen, form={**_lltp(), "so_ban": True})
    refused("FORM_INVALID", submit, portal, citizen, form=["not", "a", "dict"])  # type: ignore[arg-type]
    date_form = {**full_form(portal, FREE_L4), "ngay_chet": "31/02/2024"}
    refused("FORM_INVALID", submit, portal, citizen, FREE_L4, COMMUNE, form=date_form, files=all_files(portal, FREE_L4))
    ok = submit(portal, citizen, FREE_L4, COMMUNE, form={**date_form, "ngay_chet": "15/01/2024"},
                files=all_files(portal, FREE_L4))
    assert ok.form["ngay_chet"] == "2024-01-15"
    ok = submit(portal, citizen, form={**_lltp(), "so_ban": "3"})
    assert ok.form["so_ban"] == 3


def _lltp() -> dict[str, Any]:
    return {"loai_phieu": "Phiếu lý lịch tư pháp số 2", "so_ban": 1, "muc_dich": "Xin việc"}


def test_a_fee_per_copy_is_multiplied_by_the_copies(portal: ProvincialPortal, citizen: Any) -> None:
    form = {**full_form(portal, COPY_FEE), "so_ban": 3}
    d = submit(portal, citizen, COPY_FEE, COMMUNE, form=form, files=all_files(portal, COPY_FEE))
    assert d.fee_amount == 24_000 and d.payment_method == "online"


# -- codes and counters --------------------------------------------------------------------------------------
def test_the_daily_counter_per_agency_restarts_the_next_day(portal: ProvincialPortal, citizen: Any) -> None:
    codes = [submit(portal, citizen).code for _ in range(3)]
    assert codes == [f"{LLTP_AGENCY}-240515-000{i}" for i in (1, 2, 3)]
    other = submit(portal, citizen, COPY_FEE, COMMUNE, form=full_form(portal, COPY_FEE),
                   files=all_files(portal, COPY_FEE))
    assert other.code == f"{COMMUNE}-240515-0001"
    portal.clock.set("t", datetime(2024, 5, 16, 0, 5, tzinfo=VN_TZ))
    assert submit(portal, citizen).code == f"{LLTP_AGENCY}-240516-0001"
    # Another namespace has its own counters.
    portal.clock.set("u", datetime(2024, 5, 16, 0, 5, tzinfo=VN_TZ))    # another namespace, the same world
    other_ns, _ = portal.accounts.link_sso("u", claims())
    assert submit(portal, other_ns, ns="u").code.endswith("-0001")


def test_concurrent_submissions_never_share_a_code(portal: ProvincialPortal, citizen: Any) -> None:
    codes: list[str] = []
    errors: list[BaseException] = []

    def one() -> None:
        try:
            codes.append(submit(portal, citizen).code)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=one) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(codes) == [f"{LLTP_AGENCY}-240515-{i:04d}" for i in range(1, 13)]


# -- the national sync ---------------------------------------------------------------------------------------
def _sync(portal: ProvincialPortal, code: str) -> list[dict[str, Any]]:
    return [m["payload"] for m in portal.outbox.messages("t", kind=SYNC_KIND) if m["key"] == code]


def test_sync_messages_in_order_for_the_creation_and_each_change(portal: ProvincialPortal, citizen: Any) -> None:
    d = submit(portal, citizen, result_delivery="online", payment_method="counter")
    first = _sync(portal, d.code)
    assert len(first) == 1 and first[0]["service"] == "DongBoHoSoMC" and first[0]["isUpdating"] is False
    record = first[0]["data"][0]
    assert first[0]["madonvi"] == LLTP_AGENCY
    assert record["MaHoSo"] == d.code and record["MaTTHC"] == LLTP and record["KenhThucHien"] == 2
    assert record["TrangThaiHoSo"] == 1 and record["DuocThanhToanTrucTuyen"] == 3 and record["HinhThuc"] == 0
    assert record["NgayNopHoSo"] == "20240515093000" and record["NgayHenTra"] == "20240529170000"
    assert record["SoGiayToChuHoSo"] == "049095001234" and record["LoaiDoiTuong"] == 1
    assert [t["MaThanhPhanHoSo"] for t in record["TaiLieuNop"]] == ["TK01", "CCCD"]
    assert record["DanhSachLePhi"][0]["Gia"] == 200_000
    for key in ("DanhSachHoSoBoSung", "DanhSachGiayToKetQua", "TaiKhoanDuocXacThucVoiVNeID", "Email", "NgayTra"):
        assert key in record

    portal.dossiers.result_ready("t", d.code)
    portal.dossiers.download_result("t", d.code, citizen.id)
    messages = _sync(portal, d.code)
    # The result-ready shortcut goes through receipt (2) and processing (4), each pushed.
    assert [(m["service"], m.get("isUpdating")) for m in messages] == [
        ("DongBoHoSoMC", False)] + [("DongBoHoSoMC", True), ("CapNhatTienDoHoSoMC", None)] * 4
    assert [m["data"][0]["TrangThaiHoSo"] for m in messages if m["service"] == "DongBoHoSoMC"] == [1, 2, 4, 9, 10]
    assert [m["data"][0]["TrangThai"] for m in messages if m["service"] == "CapNhatTienDoHoSoMC"] == [2, 4, 9, 10]
    assert first[0]["data"][0]["NgayTiepNhan"] == "" and messages[1]["data"][0]["NgayTiepNhan"] == "20240515093000"
    progress = messages[2]["data"][0]
    assert progress["MaHoSo"] == d.code and progress["NgayKetThucTheoQuyDinh"] == "20240529170000"
    assert messages[-2]["data"][0]["NgayTra"] == "20240515093000"


def test_sync_is_enqueued_with_the_change_or_not_at_all(portal: ProvincialPortal, citizen: Any) -> None:
    refused("FORM_INVALID", submit, portal, citizen, form={})
    assert portal.outbox.messages("t", kind=SYNC_KIND) == []


# -- the result and the post ---------------------------------------------------------------------------------
def test_result_ready_for_a_counter_return(portal: ProvincialPortal, citizen: Any) -> None:
    d = submit(portal, citizen, payment_method="counter")
    done = portal.dossiers.result_ready("t", d.code)
    assert done.status == 9 and done.postal_order is None
    refused("RESULT_READY_NOT_ALLOWED", portal.dossiers.result_ready, "t", d.code)
    refused("RESULT_NOT_ONLINE", portal.dossiers.download_result, "t", d.code, citizen.id)


def test_online_result_is_handed_over_by_the_first_download(portal: ProvincialPortal, citizen: Any) -> None:
    d = submit(portal, citizen, result_delivery="online", payment_method="counter")
    refused("RESULT_NOT_READY", portal.dossiers.download_result, "t", d.code, citizen.id)
    portal.dossiers.result_ready("t", d.code)
    name, content = portal.dossiers.download_result("t", d.code, citizen.id)
    assert name.endswith(".txt") and d.code in content.decode()
    again = portal.dossiers.get("t", d.code)
    assert again.status == 10 and again.returned_at is not None
    portal.dossiers.download_result("t", d.code, citizen.id)
    assert [h.to_status for h in portal.dossiers.get("t", d.code).history] == [1, 2, 4, 9, 10]


def test_someone_else_cannot_see_a_dossier(portal: ProvincialPortal, citizen: Any) -> None:
    d = submit(portal, citizen)
    other, _ = portal.accounts.link_sso("t", claims(TechID="tech-2", SoDinhDanh="049095009999"))
    assert refused("NOT_YOUR_DOSSIER", portal.dossiers.for_account, "t", d.code, other.id).status == 403
    refused("DOSSIER_NOT_FOUND", portal.dossiers.get, "t", "nope")


def _postal_orders(portal: ProvincialPortal) -> list[dict[str, Any]]:
    return portal.outbox.messages("t", kind=POSTAL_KIND)


def test_postal_hand_over_creates_exactly_one_order(portal: ProvincialPortal, citizen: Any) -> None:
    form, files = full_form(portal, FREE_L4), all_files(portal, FREE_L4)
    d = submit(portal, citizen, FREE_L4, COMMUNE, form=form, files=files, result_delivery="post",
               postal_address=ADDRESS)
    assert _postal_orders(portal) == []
    done = portal.dossiers.result_ready("t", d.code)
    assert done.status == 9 and done.postal_order is not None and done.postal_order.status == "handed_over"
    orders = _postal_orders(portal)
    assert len(orders) == 1
    order = orders[0]["payload"]["order"]
    assert order["OrderNumber"] == d.code and order["CODAmount"] == 0
    assert order["CustomerCode"] == portal.config.credentials.postal_customer_code
    assert order["Receiver"]["Tel"] == "0912345678" and "Phường Tân Thạnh" in order["Receiver"]["Address"]
    assert order["Sender"]["Province"] == "Quảng Nam" and order["Sender"]["District"] == "Thành phố Tam Kỳ"
    refused("RESULT_READY_NOT_ALLOWED", portal.dossiers.result_ready, "t", d.code)
    assert len(_postal_orders(portal)) == 1


def test_postal_events_deliver_the_result(portal: ProvincialPortal, citizen: Any) -> None:
    d = _posted(portal, citizen)
    portal.postal_orders.record_waybill("t", d.code, "EB100000012VN")
    for minute, status in enumerate(("created", "picked_up", "in_transit")):
        after, new = portal.dossiers.record_postal_event("t", "EB100000012VN", d.code, status, "",
                                                         f"202405151{minute}0000", "Bưu cục Tam Kỳ", "")
        assert new and after.status == 9
    done, new = portal.dossiers.record_postal_event("t", "EB100000012VN", d.code, "delivered", "Đã phát thành công",
                                                    "20240516100000", "Bưu cục Tam Kỳ", "Đã phát")
    assert new and done.status == 10 and done.returned_at is not None
    assert done.postal_order is not None and done.postal_order.status == "delivered"
    assert len(done.postal_order.events) == 4
    # The same event again changes nothing.
    again, new = portal.dossiers.record_postal_event("t", "EB100000012VN", d.code, "delivered", "Đã phát thành công",
                                                     "20240516100000", "Bưu cục Tam Kỳ", "Đã phát")
    assert not new and again.status == 10 and len(again.history) == len(done.history)
    refused("POSTAL_ORDER_NOT_FOUND", portal.dossiers.record_postal_event, "t", "EB999VN", "nope", "delivered", "",
            "20240516100000", "", "")


def test_a_returned_result_stays_done_with_a_note(portal: ProvincialPortal, citizen: Any) -> None:
    d = _posted(portal, citizen)
    # The waybill is not recorded yet: the event finds the order by its number and records the waybill.
    for status in ("delivery_failed", "returned"):
        after, _ = portal.dossiers.record_postal_event("t", "EB100000029VN", d.code, status, "", "20240516100000"
                                                       if status == "delivery_failed" else "20240517100000", "", "")
    assert after.status == 9 and after.postal_order is not None and after.postal_order.waybill == "EB100000029VN"
    assert "chuyển hoàn" in after.history[-1].note and after.history[-1].to_status == 9


def _posted(portal: ProvincialPortal, citizen: Any) -> Any:
    d = submit(portal, citizen, FREE_L4, COMMUNE, form=full_form(portal, FREE_L4), files=all_files(portal, FREE_L4),
               result_delivery="post", postal_address=ADDRESS)
    return portal.dossiers.result_ready("t", d.code)


# -- payments ----------------------------------------------------------------------------------------------
def _stub_init(rsps: responses.RequestsMock, url: str = "http://pay.test/thanh-toan/abc") -> None:
    def answer(request: Any) -> tuple[int, dict[str, str], str]:
        import json
        body = json.loads(request.body)
        return 200, {}, json.dumps({"MaLoi": "00", "MaThamChieu": body["MaThamChieu"], "UrlThanhToan": url})

    rsps.add_callback(responses.POST, f"{PAYMENT}/api/payment", callback=answer, content_type="application/json")


def _confirm(portal: ProvincialPortal, reference: str, amount: int, ma_loi: str = "00", **over: Any) -> dict[str, Any]:
    message = {"LoaiBanTin": "CONFIRM", "MaLoi": ma_loi, "MaDoiTac": portal.config.credentials.payment_partner_code,
               "MaThamChieu": reference, "SoTien": amount, "MaTienTe": "VND", "MaGiaoDich": "GD0001",
               "MaNganHang": "VCB", "ThoiGianGD": "20240515100000", "ThongTinGiaoDich": "Thanh toán",
               "TrangThaiGD": 1 if ma_loi == "00" else 4}
    message.update(over)
    return sign(message, "CONFIRM", portal.config.credentials.payment_secret)


def test_confirmation_signature_amount_and_replay(portal: ProvincialPortal, citizen: Any) -> None:
    d = submit(portal, citizen, payment_method="online")
    with responses.RequestsMock() as rsps:
        _stub_init(rsps)
        tx = portal.payments.start("t", d.code, citizen.id)
    assert tx.reference == f"{d.code}-01" and tx.payment_url == "http://pay.test/thanh-toan/abc"
    assert portal.dossiers.get("t", d.code).payment_status == "pending"

    bad = _confirm(portal, tx.reference, 200_000)
    bad["MaXacThuc"] = "0" * 64
    assert refused("BAD_SIGNATURE", portal.payments.confirm, "t", bad).ma_loi == "01"  # type: ignore[attr-defined]
    wrong_amount = _confirm(portal, tx.reference, 100_000)
    refused("AMOUNT_MISMATCH", portal.payments.confirm, "t", wrong_amount)
    refused("PAYMENT_NOT_FOUND", portal.payments.confirm, "t", _confirm(portal, "nope-01", 200_000))
    refused("UNKNOWN_PARTNER", portal.payments.confirm, "t", _confirm(portal, tx.reference, 200_000, MaDoiTac="X"))
    refused("INVALID_CONFIRMATION", portal.payments.confirm, "t", "not a dict")
    assert not portal.dossiers.get("t", d.code).paid_online

    good = _confirm(portal, tx.reference, 200_000)
    assert portal.payments.confirm("t", good) == {"MaLoi": "00", "MoTaLoi": "Thành công"}
    paid = portal.dossiers.get("t", d.code)
    assert paid.paid_online and paid.payment_status == "paid" and paid.status == 1
    history = len(paid.history)
    sync = len(_sync(portal, d.code))
    assert portal.payments.confirm("t", good)["MaLoi"] == "00"          # replay
    assert len(portal.dossiers.get("t", d.code).history) == history
    assert len(_sync(portal, d.code)) == sync
    assert _sync(portal, d.code)[-2]["data"][0]["DuocThanhToanTrucTuyen"] == 1
    refused("ALREADY_PAID", portal.payments.start, "t", d.code, citizen.id)


def test_a_failed_attempt_then_a_new_one(portal: ProvincialPortal, citizen: Any) -> None:
    d = submit(portal, citizen, payment_method="online")
    with responses.RequestsMock() as rsps:
        _stub_init(rsps)
        first = portal.payments.start("t", d.code, citizen.id)
    # A cancel is believed once the platform's QUERY says the attempt failed too (issue 9).
    with responses.RequestsMock() as rsps:
        rsps.add(responses.POST, f"{PAYMENT}/api/payment", json={"MaLoi": "00", "TrangThaiGD": 4, "MaLoiGD": "24"})
        portal.payments.confirm("t", _confirm(portal, first.reference, 200_000, ma_loi="24"))
    assert portal.payments.get("t", first.reference).status == "failed"
    assert portal.dossiers.get("t", d.code).payment_status == "unpaid"
    with responses.RequestsMock() as rsps:
        _stub_init(rsps, "http://pay.test/thanh-toan/second")
        second = portal.payments.start("t", d.code, citizen.id)
    assert second.reference == f"{d.code}-02" and second.payment_url.endswith("/second")
    # The old attempt's late failure notice does not undo the new attempt's state.
    portal.payments.confirm("t", _confirm(portal, first.reference, 200_000, ma_loi="11"))
    assert portal.dossiers.get("t", d.code).payment_status == "pending"
    portal.payments.confirm("t", _confirm(portal, second.reference, 200_000))
    assert portal.dossiers.get("t", d.code).paid_online


def test_payment_rules(portal: ProvincialPortal, citizen: Any) -> None:
    counter = submit(portal, citizen, payment_method="counter")
    refused("PAYMENT_AT_COUNTER", portal.payments.start, "t", counter.code, citizen.id)
    free = submit(portal, citizen, FREE_L4, COMMUNE, form=full_form(portal, FREE_L4), files=all_files(portal, FREE_L4))
    refused("NO_FEE_DUE", portal.payments.start, "t", free.code, citizen.id)
    after = submit(portal, citizen, FEE_AFTER, form=full_form(portal, FEE_AFTER), files=all_files(portal, FEE_AFTER))
    refused("FEE_NOT_YET_DUE", portal.payments.start, "t", after.code, citizen.id)


def test_a_fee_collected_with_the_result(portal: ProvincialPortal, citizen: Any) -> None:
    d = submit(portal, citizen, FEE_AFTER, form=full_form(portal, FEE_AFTER), files=all_files(portal, FEE_AFTER),
               result_delivery="post", payment_method="online", postal_address=ADDRESS)
    waiting = portal.dossiers.result_ready("t", d.code)
    assert waiting.status == 6 and waiting.status_name == "Yêu cầu thực hiện nghĩa vụ tài chính"
    assert _postal_orders(portal) == []
    with responses.RequestsMock() as rsps:
        _stub_init(rsps)
        tx = portal.payments.start("t", d.code, citizen.id)
    portal.payments.confirm("t", _confirm(portal, tx.reference, 500_000))
    released = portal.dossiers.get("t", d.code)
    assert released.status == 9 and released.paid_online
    assert [h.to_status for h in released.history] == [1, 2, 4, 6, 6, 9]
    assert len(_postal_orders(portal)) == 1


def test_a_level_4_counter_payment_is_not_held_back(portal: ProvincialPortal, citizen: Any) -> None:
    d = submit(portal, citizen, FEE_AFTER, form=full_form(portal, FEE_AFTER), files=all_files(portal, FEE_AFTER),
               payment_method="counter")
    assert portal.dossiers.result_ready("t", d.code).status == 9


# -- accounts --------------------------------------------------------------------------------------------------
def test_account_linking_three_rules(portal: ProvincialPortal) -> None:
    created, rule = portal.accounts.link_sso("t", claims())
    assert rule == LINK_CREATED and created.tech_id == "tech-1" and created.id_number == "049095001234"
    again, rule = portal.accounts.link_sso("t", claims(HoVaTen="Nguyễn Thị Thu Hà (mới)"))
    assert rule == LINK_BY_TECHID and again.id == created.id and again.full_name.endswith("(mới)")
    known = portal.accounts.create_local("t", full_name="Trần Văn Bình", id_number="049085004321")
    linked, rule = portal.accounts.link_sso("t", claims(TechID="tech-9", SoDinhDanh="049085004321",
                                                         HoVaTen="Trần Văn Bình"))
    assert rule == LINK_BY_ID_NUMBER and linked.id == known.id and linked.tech_id == "tech-9"
    business, rule = portal.accounts.link_sso("t", claims(LoaiTaiKhoan=2, TechID="tech-b", SoDinhDanh="",
                                                           MaSoThue="0401234567", TenDoanhNghiep="Công ty Hội An"))
    assert rule == LINK_CREATED and business.account_type == 2 and business.id_number == "0401234567"
    assert [entry["rule"] for entry in portal.accounts.logins("t")] == [
        LINK_CREATED, LINK_BY_TECHID, LINK_BY_ID_NUMBER, LINK_CREATED]
    assert len(portal.accounts.all("t")) == 3
    refused("SSO_CLAIMS_INCOMPLETE", portal.accounts.link_sso, "t", claims(TechID=""))


def test_reset_erases_the_namespace_only(portal: ProvincialPortal, citizen: Any) -> None:
    d = submit(portal, citizen)
    portal.clock.set("u", datetime(2024, 5, 15, 9, 30, tzinfo=VN_TZ))    # another namespace, the same world
    other, _ = portal.accounts.link_sso("u", claims())
    kept = submit(portal, other, ns="u")
    portal.reset("t")
    assert portal.dossiers.find("t", d.code) is None and portal.accounts.all("t") == []
    assert portal.dossiers.get("u", kept.code).code == kept.code
    assert submit(portal, portal.accounts.link_sso("t", claims())[0]).code.endswith("-0001")


def test_dossier_json_shape(portal: ProvincialPortal, citizen: Any) -> None:
    d = submit(portal, citizen, result_delivery="post", payment_method="online", postal_address=ADDRESS)
    body = d.to_json()
    for key in ("code", "procedure_code", "agency_code", "status", "status_name", "channel", "level",
                "result_delivery", "payment_method", "fee", "payment", "postal_address", "appointment_date",
                "submitted_at", "history"):
        assert key in body
    assert body["payment"] == {"status": "unpaid", "status_name": "Chưa thanh toán", "paid_online": False,
                               "method": "online"}
    assert body["fee"] == {"amount": 200_000, "timing": "before"}
    assert body["procedure_code"] == "2.000488.000.00.00.H47"
    assert d.public_json()["status_name"] == "Mới đăng ký" and "applicant" not in d.public_json()


def test_attachments_are_kept_as_blobs(portal: ProvincialPortal, citizen: Any) -> None:
    d = submit(portal, citizen)
    info, content = portal.dossiers.attachment("t", d.code, 2)
    assert info.code == "CCCD" and content == PNG
    refused("ATTACHMENT_NOT_FOUND", portal.dossiers.attachment, "t", d.code, 9)


def test_every_procedure_has_an_example_form_that_validates() -> None:
    from mocks.provincial.catalogue import load
    from mocks.provincial.forms import example_form, validate_form

    for procedure in load().procedures:
        assert validate_form(procedure, example_form(procedure)) is not None, procedure.code
