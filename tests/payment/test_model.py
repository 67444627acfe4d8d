"""The payment platform's rules, on the model alone (no HTTP)."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from mocks.core.errors import Conflict, DomainError, NotFound
from mocks.core.outbox import Outbox
from mocks.core.signing import ma_xac_thuc, sign, verify
from mocks.core.storage import Store
from mocks.core.timefmt import to_wire
from mocks.payment.codes import PaymentError
from mocks.payment.model import CONFIRM_KIND, RETURN_FIELDS, PaymentPlatform

from .conftest import NS, START, PaymentEnv
from .helpers import PROCEDURE_FEE, init_message, lookup_message


def init(env: PaymentEnv, reference: str = "HS-0001", **kw: Any) -> dict[str, Any]:
    return env.platform.handle(NS, init_message(env.partner, env.secret, reference, **kw))


def query(env: PaymentEnv, reference: str = "HS-0001", kind: str = "QUERY") -> dict[str, Any]:
    return env.platform.handle(NS, lookup_message(kind, env.partner, env.secret, reference))


def token_of(answer: dict[str, Any]) -> str:
    return answer["UrlThanhToan"].rsplit("/", 1)[1]


def refused(env: PaymentEnv, message: Any, ns: str = NS) -> PaymentError:
    with pytest.raises(PaymentError) as caught:
        env.platform.handle(ns, message)
    return caught.value


def confirmations(env: PaymentEnv) -> list[dict[str, Any]]:
    return env.outbox.messages(NS, kind=CONFIRM_KIND)


# -- INIT -------------------------------------------------------------------------------------------

def test_init_creates_a_transaction_with_an_unguessable_checkout_url(env: PaymentEnv) -> None:
    answer = init(env)
    assert answer["MaLoi"] == "00"
    assert answer["MaThamChieu"] == "HS-0001"
    assert answer["UrlThanhToan"].startswith("http://127.0.0.1:18102/thanh-toan/")
    assert len(token_of(answer)) >= 32
    assert answer["ThoiHan"] == to_wire(START + timedelta(minutes=15))
    txn = env.platform.checkout(NS, token_of(answer))
    assert (txn.status, txn.amount, txn.currency, txn.result_code) == (0, PROCEDURE_FEE, "VND", "")
    assert txn.receipt_info["MaHoSo"] == "000.00.12.H47-240315-0001"
    assert token_of(init(env, "HS-0002")) != token_of(answer)


def test_init_signature_follows_the_protocol_field_order(env: PaymentEnv) -> None:
    message = init_message(env.partner, env.secret, "HS-SIG", signed=False)
    joined = "|".join(["INIT", "1.0.6", env.partner, "HS-SIG", str(PROCEDURE_FEE), "PAY", "WEB", "WEB", "vi-VN",
                       "VND", "", message["ThongTinGiaoDich"], "20240315090000", "203.113.1.10", env.secret])
    message["MaXacThuc"] = hashlib.sha256(joined.encode()).hexdigest()
    assert env.platform.handle(NS, message)["MaLoi"] == "00"
    message["MaXacThuc"] = message["MaXacThuc"].upper()  # hex case does not matter
    assert env.platform.handle(NS, message)["MaLoi"] == "00"


@pytest.mark.parametrize("kind", ["INIT", "QUERY", "GET_BILL"])
def test_each_kind_refuses_a_wrong_or_missing_signature(env: PaymentEnv, kind: str) -> None:
    init(env)
    if kind == "INIT":
        message = init_message(env.partner, env.secret, "HS-0002")
    else:
        message = lookup_message(kind, env.partner, env.secret, "HS-0001")
    wrong = dict(message, MaXacThuc=ma_xac_thuc(message, ["LoaiBanTin"], env.secret))
    other_secret = sign({k: v for k, v in message.items() if k != "MaXacThuc"}, kind, "not-the-secret")
    missing = {k: v for k, v in message.items() if k != "MaXacThuc"}
    for bad in (wrong, other_secret, missing, dict(message, MaXacThuc=12345)):
        error = refused(env, bad)
        assert (error.ma_loi, error.status) == ("01", 401)
        assert error.body()["MaLoi"] == "01" and error.body()["error"]["code"] == "BAD_SIGNATURE"
    if kind == "GET_BILL":
        assert refused(env, message).ma_loi == "06"  # right signature: on to the rule (not paid yet)
    else:
        assert env.platform.handle(NS, message)["MaLoi"] == "00"


def test_tampered_fields_break_the_signature(env: PaymentEnv) -> None:
    message = init_message(env.partner, env.secret, "HS-0001")
    assert refused(env, dict(message, SoTien=1000)).ma_loi == "01"
    assert refused(env, dict(message, MaThamChieu="HS-9999")).ma_loi == "01"
    init(env)
    lookup = lookup_message("QUERY", env.partner, env.secret, "HS-0001")
    assert refused(env, dict(lookup, MaThamChieu="HS-0002")).ma_loi == "01"
    assert refused(env, dict(lookup, LoaiBanTin="GET_BILL")).ma_loi == "01"  # a QUERY signature is no GET_BILL's


def test_unknown_partner_is_refused(env: PaymentEnv) -> None:
    error = refused(env, init_message("NOBODY", env.secret, "HS-0001"))
    assert (error.ma_loi, error.status) == ("02", 401)


def _problem_fields(error: PaymentError) -> set[str]:
    return {p["field"] for p in error.details}


@pytest.mark.parametrize(("changes", "field"), [
    ({"SoTien": 0}, "SoTien"),
    ({"SoTien": -200000}, "SoTien"),
    ({"SoTien": 100_000_000_001}, "SoTien"),
    ({"SoTien": 1.5}, "SoTien"),
    ({"SoTien": True}, "SoTien"),
    ({"SoTien": "12a"}, "SoTien"),
    ({"SoTien": "0200000"}, "SoTien"),
    ({"SoTien": [200000]}, "SoTien"),
    ({"SoTien": None}, "SoTien"),
    ({"MaTienTe": "USD"}, "MaTienTe"),
    ({"MaTienTe": None}, "MaTienTe"),
    ({"LoaiHinhThanhToan": "REFUND"}, "LoaiHinhThanhToan"),
    ({"NgonNgu": "fr-FR"}, "NgonNgu"),
    ({"NgonNgu": None}, "NgonNgu"),
    ({"ThoiGianGD": "2024-03-15 09:00"}, "ThoiGianGD"),
    ({"ThoiGianGD": "20241345000000"}, "ThoiGianGD"),
    ({"ThoiGianGD": 20240315090000}, "ThoiGianGD"),
    ({"ThoiGianGD": None}, "ThoiGianGD"),
    ({"MaThamChieu": ""}, "MaThamChieu"),
    ({"MaThamChieu": "HS 0001"}, "MaThamChieu"),
    ({"MaThamChieu": "x" * 65}, "MaThamChieu"),
    ({"MaThamChieu": 1234}, "MaThamChieu"),
    ({"MaKenhThanhToan": "W" * 33}, "MaKenhThanhToan"),
    ({"MaThietBi": {"a": 1}}, "MaThietBi"),
    ({"MaNganHang": "NOBANK"}, "MaNganHang"),
    ({"ThongTinGiaoDich": "x" * 501}, "ThongTinGiaoDich"),
    ({"Ip": "999.1.1.1"}, "Ip"),
    ({"ThongTinBienLai": "HS-1"}, "ThongTinBienLai"),
    ({"ThongTinBienLai": {"MaHoSo": 12}}, "ThongTinBienLai.MaHoSo"),
    ({"ThongTinBienLai": {"HoTenNguoiNop": "x" * 201}}, "ThongTinBienLai.HoTenNguoiNop"),
    ({"ThongTinBienLai": {"SoCMNDNguoiNop": "0" * 21}}, "ThongTinBienLai.SoCMNDNguoiNop"),
    ({"ThongTinBienLai": {"PhiLePhi": {"TenPhiLePhi": "x"}}}, "ThongTinBienLai.PhiLePhi"),
    ({"ThongTinBienLai": {"PhiLePhi": [{"SoTien": 200000}]}}, "ThongTinBienLai.PhiLePhi[0].TenPhiLePhi"),
    ({"ThongTinBienLai": {"PhiLePhi": [{"TenPhiLePhi": "a", "SoTien": "x"}]}}, "ThongTinBienLai.PhiLePhi[0].SoTien"),
    ({"ThongTinBienLai": {"PhiLePhi": ["a"]}}, "ThongTinBienLai.PhiLePhi[0]"),
    ({"ThongTinBienLai": {"PhiLePhi": [{"TenPhiLePhi": "a", "SoTien": 1}] * 51}}, "ThongTinBienLai.PhiLePhi"),
    ({"ThongTinBienLai": {"PhiLePhi": [{"TenPhiLePhi": "a", "SoTien": 150000},
                                       {"TenPhiLePhi": "b", "SoTien": 40000}]}}, "ThongTinBienLai.PhiLePhi"),
])
def test_init_validates_every_field(env: PaymentEnv, changes: dict[str, Any], field: str) -> None:
    error = refused(env, init_message(env.partner, env.secret, "HS-BAD", **changes))
    assert (error.ma_loi, error.status) == ("03", 400)
    assert field in _problem_fields(error)
    assert error.body()["MoTaLoi"] and error.body()["error"]["message_en"]


@pytest.mark.parametrize(("changes", "field"), [
    ({"LoaiBanTin": "REFUND"}, "LoaiBanTin"),
    ({"LoaiBanTin": None}, "LoaiBanTin"),
    ({"PhienBan": "2.0.0"}, "PhienBan"),
    ({"PhienBan": 1.06}, "PhienBan"),
    ({"MaDoiTac": ""}, "MaDoiTac"),
    ({"MaDoiTac": ["QNAM01"]}, "MaDoiTac"),
])
def test_the_envelope_is_checked_first(env: PaymentEnv, changes: dict[str, Any], field: str) -> None:
    error = refused(env, init_message(env.partner, env.secret, "HS-BAD", **changes))
    assert error.ma_loi == "03"
    assert field in _problem_fields(error)


def test_text_that_cannot_be_signed_is_invalid(env: PaymentEnv) -> None:
    message = init_message(env.partner, env.secret, "HS-0001", signed=False)
    assert refused(env, dict(message, ThongTinGiaoDich="\ud800", MaXacThuc="0" * 64)).ma_loi == "03"
    assert refused(env, dict(message, MaXacThuc="chữ ký")).ma_loi == "01"


@pytest.mark.parametrize("message", [None, [], "INIT", 42, {}])
def test_a_message_that_is_no_object_is_invalid(env: PaymentEnv, message: Any) -> None:
    assert refused(env, message).ma_loi == "03"


def test_missing_fields_are_all_listed(env: PaymentEnv) -> None:
    message = {"LoaiBanTin": "INIT", "PhienBan": "1.0.6", "MaDoiTac": env.partner}
    error = refused(env, sign(message, "INIT", env.secret))
    assert {"MaThamChieu", "SoTien", "MaTienTe", "NgonNgu", "ThoiGianGD", "LoaiHinhThanhToan"} <= \
        _problem_fields(error)


@pytest.mark.parametrize("changes", [
    {"SoTien": 100_000_000_000},
    {"SoTien": "200000"},
    {"SoTien": 1, "ThongTinBienLai": None},
    {"PhienBan": "1.0.5"},
    {"NgonNgu": "en-US"},
    {"MaNganHang": "VCB", "Ip": "2001:db8::1"},
    {"MaKenhThanhToan": None, "MaThietBi": None, "ThongTinGiaoDich": None, "Ip": None},
    {"ThongTinBienLai": {"MaHoSo": "X", "KhacNua": {"giu": "nguyen"}}},
])
def test_init_accepts_valid_variants(env: PaymentEnv, changes: dict[str, Any]) -> None:
    if "ThongTinBienLai" not in changes:
        changes["ThongTinBienLai"] = None
    assert init(env, **changes)["MaLoi"] == "00"


def test_unknown_receipt_fields_are_kept(env: PaymentEnv) -> None:
    answer = init(env, ThongTinBienLai={"MaHoSo": "X", "KhacNua": {"giu": "nguyen"}})
    assert env.platform.checkout(NS, token_of(answer)).receipt_info["KhacNua"] == {"giu": "nguyen"}


def test_replayed_init_answers_the_same_url(env: PaymentEnv) -> None:
    first = init(env)
    env.clock.advance(NS, 60)
    again = init(env, ThoiGianGD="20240315090100")
    assert again["UrlThanhToan"] == first["UrlThanhToan"]
    assert again["ThoiHan"] == first["ThoiHan"]
    assert len(env.platform.transactions(NS)) == 1


def _all_at_once(count: int, call: Callable[[int], Any]) -> list[Any]:
    gate = threading.Barrier(count)

    def one(i: int) -> Any:
        gate.wait()
        return call(i)

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(one, range(count)))


def test_simultaneous_inits_of_one_reference_make_one_transaction(env: PaymentEnv) -> None:
    """The portal relies on it: starts that find an attempt still being initialised send INIT too (issue 9)."""
    answers = _all_at_once(20, lambda _: init(env))
    assert {a["UrlThanhToan"] for a in answers} == {answers[0]["UrlThanhToan"]}
    assert len(env.platform.transactions(NS)) == 1


def test_simultaneous_pay_and_cancel_settle_a_checkout_once(env: PaymentEnv) -> None:
    token = token_of(init(env))
    outcomes = _all_at_once(20, lambda i: env.platform.pay(NS, token, "VCB") if i % 2 else
                            env.platform.cancel(NS, token))
    assert sum(o.changed for o in outcomes) == 1
    assert len({(o.transaction.status, o.transaction.result_code) for o in outcomes}) == 1
    assert len(confirmations(env)) == 1


def test_a_reference_reused_with_another_amount_is_refused(env: PaymentEnv) -> None:
    init(env)
    error = refused(env, init_message(env.partner, env.secret, "HS-0001", amount=100_000))
    assert (error.ma_loi, error.status) == ("04", 409)


def test_a_reference_of_a_final_transaction_cannot_be_used_again(env: PaymentEnv) -> None:
    env.platform.pay(NS, token_of(init(env)), "VCB")
    assert refused(env, init_message(env.partner, env.secret, "HS-0001")).ma_loi == "04"
    env.platform.cancel(NS, token_of(init(env, "HS-0002")))
    assert refused(env, init_message(env.partner, env.secret, "HS-0002")).ma_loi == "04"


def test_a_pending_transaction_still_answers_its_url(env: PaymentEnv) -> None:
    answer = init(env)
    env.platform.time_out(NS, token_of(answer), "BIDV")
    assert init(env)["UrlThanhToan"] == answer["UrlThanhToan"]


def test_references_are_per_namespace(env: PaymentEnv) -> None:
    init(env)
    other = env.platform.handle("t-other", init_message(env.partner, env.secret, "HS-0001", amount=5000))
    assert other["MaLoi"] == "00"
    assert refused(env, lookup_message("QUERY", env.partner, env.secret, "HS-0002")).ma_loi == "05"
    with pytest.raises(NotFound):
        env.platform.checkout("t-other", token_of(init(env)))


# -- expiry -----------------------------------------------------------------------------------------

def test_an_unpaid_transaction_expires_after_15_minutes(env: PaymentEnv) -> None:
    token = token_of(init(env))
    env.clock.advance(NS, 15 * 60 - 1)
    assert env.platform.checkout(NS, token).status == 0
    env.clock.advance(NS, 1)
    txn = env.platform.checkout(NS, token)
    assert (txn.status, txn.result_code, txn.expired) == (4, "07", True)
    answer = query(env)
    assert (answer["MaLoi"], answer["TrangThaiGD"], answer["MaLoiGD"]) == ("00", 4, "07")
    assert refused(env, init_message(env.partner, env.secret, "HS-0001")).ma_loi == "07"
    outcome = env.platform.pay(NS, token, "VCB")
    assert not outcome.changed and outcome.transaction.status == 4
    assert refused(env, lookup_message("GET_BILL", env.partner, env.secret, "HS-0001")).ma_loi == "06"
    assert confirmations(env) == []  # nobody tried to pay: the partner learns it by QUERY


def test_expiry_is_seen_by_the_admin_listing_too(env: PaymentEnv) -> None:
    init(env)
    env.clock.advance(NS, 16 * 60)
    [txn] = env.platform.transactions(NS)
    assert (txn["status"], txn["result_code"]) == (4, "07")


def test_a_paid_transaction_does_not_expire(env: PaymentEnv) -> None:
    token = token_of(init(env))
    env.platform.pay(NS, token, "VCB")
    env.clock.advance(NS, 3600)
    assert env.platform.checkout(NS, token).status == 1


# -- the checkout outcomes ----------------------------------------------------------------------------

def test_pay_marks_paid_and_queues_one_signed_confirmation(env: PaymentEnv) -> None:
    token = token_of(init(env))
    env.clock.advance(NS, 90)
    outcome = env.platform.pay(NS, token, "VCB")
    txn = outcome.transaction
    assert outcome.changed
    assert (txn.status, txn.result_code, txn.bank_code) == (1, "00", "VCB")
    assert txn.transaction_id and txn.transaction_id.startswith("PG240315")
    assert txn.receipt_no == "0000001"
    [message] = confirmations(env)
    assert message["key"] == "HS-0001"
    body = message["payload"]["body"]
    assert body == {
        "LoaiBanTin": "CONFIRM", "MaLoi": "00", "MaDoiTac": env.partner, "MaThamChieu": "HS-0001",
        "SoTien": PROCEDURE_FEE, "MaTienTe": "VND", "MaGiaoDich": txn.transaction_id, "MaNganHang": "VCB",
        "ThoiGianGD": "20240315090130", "ThongTinGiaoDich": "Lệ phí cấp phiếu lý lịch tư pháp", "TrangThaiGD": 1,
        "MaXacThuc": body["MaXacThuc"],
    }
    joined = "|".join(["CONFIRM", "00", env.partner, "HS-0001", str(PROCEDURE_FEE), "VND", txn.transaction_id,
                       "VCB", "20240315090130", "Lệ phí cấp phiếu lý lịch tư pháp", env.secret])
    assert body["MaXacThuc"] == hashlib.sha256(joined.encode()).hexdigest()
    assert verify(body, "CONFIRM", env.secret)
    assert message["payload"]["callback_url"] == "http://127.0.0.1:18101/api/payment/confirm"


def test_pay_twice_does_not_pay_or_confirm_again(env: PaymentEnv) -> None:
    token = token_of(init(env))
    first = env.platform.pay(NS, token, "VCB")
    second = env.platform.pay(NS, token, "MB")
    assert not second.changed
    assert second.transaction.transaction_id == first.transaction.transaction_id
    assert second.transaction.bank_code == "VCB"
    assert not env.platform.cancel(NS, token).changed
    assert not env.platform.time_out(NS, token, "MB").changed
    assert len(confirmations(env)) == 1
    assert env.platform.checkout(NS, token).status == 1


@pytest.mark.parametrize("bank", [None, "", "NOBANK"])
def test_paying_needs_a_known_bank(env: PaymentEnv, bank: str | None) -> None:
    token = token_of(init(env))
    with pytest.raises(DomainError) as caught:
        env.platform.pay(NS, token, bank)
    assert caught.value.code == "BANK_REQUIRED" and "ngân hàng" in caught.value.vi
    assert env.platform.checkout(NS, token).status == 0
    assert confirmations(env) == []


def test_cancel_fails_the_transaction_and_confirms_it(env: PaymentEnv) -> None:
    token = token_of(init(env))
    txn = env.platform.cancel(NS, token).transaction
    assert (txn.status, txn.result_code, txn.transaction_id) == (4, "24", None)
    [message] = confirmations(env)
    body = message["payload"]["body"]
    assert (body["MaLoi"], body["TrangThaiGD"], body["MaGiaoDich"]) == ("24", 4, "")
    assert verify(body, "CONFIRM", env.secret)
    assert query(env)["TrangThaiGD"] == 4


def test_time_out_leaves_it_pending_without_confirmation(env: PaymentEnv) -> None:
    token = token_of(init(env))
    txn = env.platform.time_out(NS, token, "BIDV").transaction
    assert (txn.status, txn.result_code, txn.bank_code) == (3, "09", "BIDV")
    assert txn.transaction_id
    assert confirmations(env) == []
    assert not env.platform.pay(NS, token, "VCB").changed  # the bank may have charged: never pay again
    env.clock.advance(NS, 3600)
    assert env.platform.checkout(NS, token).status == 3  # pending does not expire: the admin settles it
    answer = query(env)
    assert (answer["TrangThaiGD"], answer["MaGiaoDich"], answer["MaNganHang"]) == (3, txn.transaction_id, "BIDV")


def test_time_out_refuses_an_unknown_bank(env: PaymentEnv) -> None:
    with pytest.raises(DomainError):
        env.platform.time_out(NS, token_of(init(env)), "NOBANK")


def test_unknown_token_is_not_found(env: PaymentEnv) -> None:
    for action in (lambda: env.platform.checkout(NS, "nope"), lambda: env.platform.pay(NS, "nope", "VCB")):
        with pytest.raises(NotFound):
            action()


def test_return_url_carries_the_outcome_signed(env: PaymentEnv) -> None:
    txn = env.platform.pay(NS, token_of(init(env)), "MOMO").transaction
    url = env.platform.return_url(txn)
    assert url.startswith("http://127.0.0.1:18101/thanh-toan/ket-qua?")
    params = {k: v[0] for k, v in parse_qs(urlsplit(url).query, keep_blank_values=True).items()}
    assert params["MaThamChieu"] == "HS-0001" and params["MaLoi"] == "00" and params["TrangThaiGD"] == "1"
    assert params["MaGiaoDich"] == txn.transaction_id
    assert params["MaXacThuc"] == ma_xac_thuc(params, RETURN_FIELDS, env.secret)


# -- resolve ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("outcome", "status", "code"), [("paid", 1, "00"), ("failed", 4, "11")])
def test_resolve_settles_a_pending_transaction(env: PaymentEnv, outcome: str, status: int, code: str) -> None:
    pending = env.platform.time_out(NS, token_of(init(env)), "VBA").transaction
    txn = env.platform.resolve(NS, "HS-0001", outcome)
    assert (txn.status, txn.result_code, txn.transaction_id) == (status, code, pending.transaction_id)
    assert (txn.receipt_no is not None) == (outcome == "paid")
    [message] = confirmations(env)
    assert message["payload"]["body"]["MaLoi"] == code
    assert verify(message["payload"]["body"], "CONFIRM", env.secret)
    with pytest.raises(Conflict):
        env.platform.resolve(NS, "HS-0001", "paid")
    assert len(confirmations(env)) == 1


def test_resolve_refuses_what_is_not_pending(env: PaymentEnv) -> None:
    init(env)
    with pytest.raises(Conflict):
        env.platform.resolve(NS, "HS-0001", "paid")
    with pytest.raises(NotFound):
        env.platform.resolve(NS, "HS-NONE", "paid")
    with pytest.raises(DomainError):
        env.platform.resolve(NS, "HS-0001", "maybe")


def test_resolve_asks_for_the_partner_when_two_share_a_reference(env: PaymentEnv) -> None:
    partner, _ = env.platform.register_partner("OTHER", "Khác", "http://x.test/cb", "http://x.test/ret")
    env.platform.time_out(NS, token_of(init(env)), "VCB")
    other = env.platform.handle(NS, init_message("OTHER", partner.secret, "HS-0001"))
    env.platform.time_out(NS, token_of(other), "VCB")
    with pytest.raises(Conflict):
        env.platform.resolve(NS, "HS-0001", "paid")
    assert env.platform.resolve(NS, "HS-0001", "paid", "OTHER").partner_code == "OTHER"


# -- QUERY, GET_BILL, receipt --------------------------------------------------------------------------

def test_query_reports_the_state(env: PaymentEnv) -> None:
    token = token_of(init(env))
    answer = query(env)
    assert (answer["MaLoi"], answer["TrangThaiGD"], answer["SoTien"], answer["MaGiaoDich"]) == ("00", 0, 200000, "")
    assert answer["ThoiGianGD"] == "20240315090000"
    txn = env.platform.pay(NS, token, "TCB").transaction
    answer = query(env)
    assert (answer["TrangThaiGD"], answer["MaGiaoDich"], answer["MaNganHang"]) == (1, txn.transaction_id, "TCB")
    error = refused(env, lookup_message("QUERY", env.partner, env.secret, "HS-NONE"))
    assert (error.ma_loi, error.status) == ("05", 404)


@pytest.mark.parametrize("changes", [{"MaThamChieu": "a b"}, {"ThoiGianGD": "yesterday"}, {"ThoiGianGD": None}])
def test_query_validates_its_fields(env: PaymentEnv, changes: dict[str, Any]) -> None:
    assert refused(env, lookup_message("QUERY", env.partner, env.secret, "HS-0001", **changes)).ma_loi == "03"


def test_get_bill_only_when_paid(env: PaymentEnv) -> None:
    token = token_of(init(env))
    error = refused(env, lookup_message("GET_BILL", env.partner, env.secret, "HS-0001"))
    assert (error.ma_loi, error.status) == ("06", 409)
    txn = env.platform.pay(NS, token, "VCB").transaction
    answer = query(env, kind="GET_BILL")
    bill = answer["BienLai"]
    assert answer["MaLoi"] == "00"
    assert answer["UrlBienLai"] == f"http://127.0.0.1:18102/bien-lai/{txn.transaction_id}"
    assert bill["SoBienLai"] == "0000001" and bill["KyHieu"] == "TT24E" and bill["NgayLap"] == "20240315090000"
    assert (bill["MaThamChieu"], bill["MaGiaoDich"], bill["SoTien"]) == ("HS-0001", txn.transaction_id, 200000)
    assert (bill["HoTenNguoiNop"], bill["MaHoSo"], bill["MaTTHC"], bill["MaDonVi"]) == (
        "Nguyễn Thị Thu Hà", "000.00.12.H47-240315-0001", "2.000488", "000.00.12.H47")
    assert bill["PhiLePhi"] == [{"TenPhiLePhi": "Lệ phí cấp phiếu lý lịch tư pháp", "SoTien": 200000}]
    assert env.platform.receipt(NS, txn.transaction_id)[1] == bill
    assert refused(env, lookup_message("GET_BILL", env.partner, env.secret, "HS-NONE")).ma_loi == "05"


def test_receipt_numbers_count_up_and_only_paid_ones_have_receipts(env: PaymentEnv) -> None:
    first = env.platform.pay(NS, token_of(init(env, "HS-1")), "VCB").transaction
    second = env.platform.pay(NS, token_of(init(env, "HS-2")), "VCB").transaction
    assert (first.receipt_no, second.receipt_no) == ("0000001", "0000002")
    pending = env.platform.time_out(NS, token_of(init(env, "HS-3")), "VCB").transaction
    with pytest.raises(NotFound):
        env.platform.receipt(NS, pending.transaction_id or "")
    with pytest.raises(NotFound):
        env.platform.receipt("t-other", first.transaction_id or "")


# -- partners ----------------------------------------------------------------------------------------

def test_the_builtin_partner_comes_from_the_configuration(env: PaymentEnv) -> None:
    builtin = env.platform.partner(env.partner)
    assert builtin is not None and builtin.builtin
    assert builtin.secret == env.secret
    assert builtin.callback_url == "http://127.0.0.1:18101/api/payment/confirm"
    assert builtin.return_url == "http://127.0.0.1:18101/thanh-toan/ket-qua"
    assert builtin.name == "Cổng Dịch vụ công tỉnh Quảng Nam"
    assert env.platform.partners()[0] == builtin


def test_registering_a_partner(env: PaymentEnv) -> None:
    partner, created = env.platform.register_partner("TINH2", "Cổng DVC tỉnh 2", "https://portal.example/cb",
                                                     "https://portal.example/back?x=1")
    assert created and len(partner.secret) == 32
    assert env.platform.partner("TINH2") == partner
    updated, created = env.platform.register_partner("TINH2", "Tên mới", "http://10.0.0.5:9000/cb",
                                                     "http://10.0.0.5:9000/ret", secret="s3cret-value")
    assert not created and updated.secret == "s3cret-value" and updated.name == "Tên mới"
    kept, _ = env.platform.register_partner("TINH2", "Tên mới", "http://10.0.0.5:9000/cb2", "http://10.0.0.5:9000/ret")
    assert kept.secret == "s3cret-value" and kept.callback_url.endswith("/cb2")   # no secret given: it stays
    assert [p.code for p in env.platform.partners()] == [env.partner, "TINH2"]
    answer = env.platform.handle(NS, init_message("TINH2", "s3cret-value", "R1"))
    txn = env.platform.pay(NS, token_of(answer), "ZALOPAY").transaction
    assert env.platform.return_url(txn).startswith("http://10.0.0.5:9000/ret?")
    third, _ = env.platform.register_partner("TINH3", "Có dấu hỏi", "http://a.test/cb", "http://a.test/ret?x=1")
    answer = env.platform.handle(NS, init_message("TINH3", third.secret, "R2"))
    txn = env.platform.pay(NS, token_of(answer), "VCB").transaction
    assert env.platform.return_url(txn).startswith("http://a.test/ret?x=1&MaThamChieu=R2")


@pytest.mark.parametrize(("args", "code"), [
    (("bad code", "N", "http://a/cb", "http://a/r"), "INVALID_PARTNER_CODE"),
    (("P1", "", "http://a/cb", "http://a/r"), "INVALID_NAME"),
    (("P1", "N", "ftp://a/cb", "http://a/r"), "INVALID_URL"),
    (("P1", "N", "http://a/cb", "/relative"), "INVALID_URL"),
    (("P1", "N", "http://a/cb", "http://a/r#done"), "INVALID_URL"),   # the result would land after the '#'
    (("P1", "N", "http://a/cb#x", "http://a/r"), "INVALID_URL"),
    (("P1", "N", "http://a/cb", "http://a/r", "short"), "INVALID_SECRET"),
    (("P1", "N\ud800", "http://a/cb", "http://a/r"), "INVALID_TEXT"),
])
def test_partner_registration_is_validated(env: PaymentEnv, args: tuple[str, ...], code: str) -> None:
    with pytest.raises(DomainError) as caught:
        env.platform.register_partner(*args)
    assert caught.value.code == code


def test_the_builtin_partner_cannot_be_overwritten(env: PaymentEnv) -> None:
    with pytest.raises(Conflict):
        env.platform.register_partner(env.partner, "X", "http://a/cb", "http://a/r")


def test_reset_forgets_the_namespace_but_keeps_partners(env: PaymentEnv) -> None:
    env.platform.register_partner("KEEP", "Giữ lại", "http://a.test/cb", "http://a.test/ret")
    env.platform.pay(NS, token_of(init(env)), "VCB")
    env.platform.handle("t-other", init_message(env.partner, env.secret, "HS-0001"))
    env.platform.reset(NS)
    env.outbox.reset(NS)
    assert env.platform.transactions(NS) == []
    assert len(env.platform.transactions("t-other")) == 1
    assert env.platform.partner("KEEP") is not None
    assert init(env)["MaLoi"] == "00"  # the reference is free again
    assert env.platform.pay(NS, token_of(init(env)), "VCB").transaction.receipt_no == "0000001"


def test_state_survives_a_restart(env: PaymentEnv) -> None:
    partner, _ = env.platform.register_partner("KEEP", "Giữ lại", "http://a.test/cb", "http://a.test/ret")
    paid = env.platform.pay(NS, token_of(init(env)), "VCB").transaction
    store = Store(env.store.path)  # a new process: new connections on the same file
    try:
        again = PaymentPlatform(store, env.clock, Outbox(store, "payment"), env.config)
        assert again.checkout(NS, paid.token) == paid
        assert again.partner("KEEP") == partner
        assert len(again.outbox.messages(NS, kind=CONFIRM_KIND)) == 1
    finally:
        store.close()
