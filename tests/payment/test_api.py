"""The payment platform over real HTTP: protocol messages, the checkout, confirmations, admin routes."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from harness.stack import Stack
from mocks.core.signing import sign, verify

from .helpers import init_message, lookup_message
from .receiver import Receiver

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
BANK_LABELS = ["Vietcombank", "VietinBank", "BIDV", "Agribank", "MB", "Techcombank", "MoMo", "ZaloPay", "VNPT Money"]


class PaymentClient:
    def __init__(self, stack: Stack, ns: str) -> None:
        self.base = stack.urls["payment"]
        self.provincial = stack.urls["provincial"]
        self.ns = ns
        creds = stack.config.credentials
        self.partner, self.secret = creds.payment_partner_code, creds.payment_secret
        self.admin = {"X-Admin-Token": creds.admin_token, "X-DVC-Namespace": ns}
        self.http = requests.Session()
        self.http.headers["X-DVC-Namespace"] = ns

    def send(self, message: Any) -> requests.Response:
        return self.http.post(f"{self.base}/api/payment", json=message, timeout=5)

    def init(self, reference: str, partner: str | None = None, secret: str | None = None, **kw: Any) -> dict[str, Any]:
        answer = self.send(init_message(partner or self.partner, secret or self.secret, reference, **kw))
        assert answer.status_code == 200, answer.text
        return answer.json()

    def lookup(self, kind: str, reference: str, partner: str | None = None, secret: str | None = None
               ) -> requests.Response:
        return self.send(lookup_message(kind, partner or self.partner, secret or self.secret, reference))

    def register(self, code: str, callback_url: str, return_url: str = "http://127.0.0.1:9/ket-qua") -> dict[str, Any]:
        answer = requests.post(f"{self.base}/_admin/partners", headers=self.admin, timeout=5, json={
            "code": code, "name": "Cổng thử nghiệm", "callback_url": callback_url, "return_url": return_url})
        assert answer.status_code == 201, answer.text
        return answer.json()

    def open_checkout(self, url: str) -> tuple[requests.Response, str]:
        page = self.http.get(url, headers={"Accept": "text/html"}, timeout=5)
        match = CSRF.search(page.text)
        return page, match.group(1) if match else ""

    def submit(self, url: str, action: str, bank: str | None = None, csrf: str | None = None) -> requests.Response:
        if csrf is None:
            csrf = self.open_checkout(url)[1]
        form = {"csrf_token": csrf, "action": action, **({"bank": bank} if bank else {})}
        return self.http.post(url, data=form, headers={"Accept": "text/html"}, allow_redirects=False, timeout=5)

    def transactions(self, reference: str | None = None) -> list[dict[str, Any]]:
        answer = requests.get(f"{self.base}/_admin/transactions", headers=self.admin, timeout=5,
                              params={"reference": reference} if reference else {})
        assert answer.status_code == 200, answer.text
        return answer.json()["transactions"]

    def wait_delivered(self, reference: str, count: int = 1, timeout: float = 5.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            confirmations = self.transactions(reference)[0]["confirmations"]
            if sum(c["status"] == "delivered" for c in confirmations) >= count:
                return confirmations
            time.sleep(0.05)
        raise AssertionError(f"confirmation of {reference} not delivered: {confirmations}")


@pytest.fixture
def client(dvc_stack: Stack, ns: str) -> Iterator[PaymentClient]:
    client = PaymentClient(dvc_stack, ns)
    yield client
    # forget the namespace, so no confirmation keeps being retried after the test
    requests.post(f"{client.base}/_admin/reset", headers=client.admin, timeout=5)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    yield receiver
    receiver.stop()


def query_params(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query, keep_blank_values=True).items()}


# -- the journey ---------------------------------------------------------------------------------------

def test_init_checkout_pay_query_bill_receipt(client: PaymentClient) -> None:
    answer = client.init("HS-0001")
    assert answer["MaLoi"] == "00" and answer["MaThamChieu"] == "HS-0001"
    url = answer["UrlThanhToan"]
    assert url.startswith(f"{client.base}/thanh-toan/")

    page, csrf = client.open_checkout(url)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert csrf
    assert "pay_session" in client.http.cookies
    html = page.text
    for text in ("Nền tảng thanh toán trực tuyến", "Cổng Dịch vụ công tỉnh Quảng Nam", "200.000 đ",
                 "000.00.12.H47-240315-0001", "Chọn ngân hàng hoặc ví điện tử", ">Thanh toán</button>",
                 ">Hủy giao dịch</button>", ">Mô phỏng ngân hàng không phản hồi</button>"):
        assert text in html
    for label in BANK_LABELS:
        assert re.search(rf'<label for="bank-[A-Z]+">{label}</label>', html), label

    paid = client.submit(url, "pay", "VCB", csrf)
    assert paid.status_code == 303
    location = paid.headers["location"]
    assert location.startswith(f"{client.provincial}/thanh-toan/ket-qua?")
    back = query_params(location)
    assert (back["MaThamChieu"], back["MaLoi"], back["TrangThaiGD"]) == ("HS-0001", "00", "1")
    assert back["MaGiaoDich"] and back["MaXacThuc"]

    status = client.lookup("QUERY", "HS-0001").json()
    assert (status["MaLoi"], status["TrangThaiGD"], status["MaGiaoDich"], status["MaNganHang"]) == (
        "00", 1, back["MaGiaoDich"], "VCB")
    bill = client.lookup("GET_BILL", "HS-0001").json()
    assert bill["MaLoi"] == "00" and bill["BienLai"]["MaHoSo"] == "000.00.12.H47-240315-0001"
    assert bill["UrlBienLai"] == f"{client.base}/bien-lai/{back['MaGiaoDich']}"
    receipt = client.http.get(bill["UrlBienLai"], timeout=5)
    assert receipt.status_code == 200
    for text in ("Biên lai điện tử", "200.000 đ", "Nguyễn Thị Thu Hà", "000.00.12.H47-240315-0001",
                 bill["BienLai"]["SoBienLai"]):
        assert text in receipt.text


def test_a_registered_partner_receives_exactly_one_signed_confirmation(
        client: PaymentClient, receiver: Receiver) -> None:
    code = f"P{client.ns}"
    partner = client.register(code, receiver.url, "http://portal.test/ket-qua")
    assert len(partner["secret"]) >= 16
    listed = requests.get(f"{client.base}/_admin/partners", headers=client.admin, timeout=5).json()["partners"]
    assert listed[0]["builtin"] and listed[0]["code"] == client.partner
    assert any(p["code"] == code and p["callback_url"] == receiver.url for p in listed)

    url = client.init("R-1", code, partner["secret"])["UrlThanhToan"]
    _, csrf = client.open_checkout(url)
    paid = client.submit(url, "pay", "MOMO", csrf)
    assert paid.status_code == 303 and paid.headers["location"].startswith("http://portal.test/ket-qua?")
    [notice] = receiver.wait_for(1)
    assert notice["headers"]["X-DVC-Namespace"] == client.ns
    body = notice["body"]
    assert (body["LoaiBanTin"], body["MaLoi"], body["MaDoiTac"], body["MaThamChieu"], body["TrangThaiGD"]) == (
        "CONFIRM", "00", code, "R-1", 1)
    assert body["MaGiaoDich"] == query_params(paid.headers["location"])["MaGiaoDich"]
    assert verify(body, "CONFIRM", partner["secret"])
    assert not verify(body, "CONFIRM", client.secret)

    [confirmation] = client.wait_delivered("R-1")
    assert confirmation["attempts"] == 1 and confirmation["deliveries"][0]["outcome"] == "acknowledged"

    again = client.submit(url, "pay", "MOMO", csrf)  # a second submission: no second payment or notice
    assert again.status_code == 200 and "đã được xử lý trước đó" in again.text
    [txn] = client.transactions("R-1")
    assert len(txn["confirmations"]) == 1 and txn["status"] == 1
    assert len(receiver.received) == 1


def test_a_refused_confirmation_is_retried_over_http(client: PaymentClient, receiver: Receiver) -> None:
    receiver.answers = [(500, {"error": "down"}), (200, {"MaLoi": "01"})]
    code = f"P{client.ns}"
    partner = client.register(code, receiver.url)
    url = client.init("R-2", code, partner["secret"])["UrlThanhToan"]
    assert client.submit(url, "pay", "BIDV").status_code == 303
    receiver.wait_for(1)
    deadline = time.monotonic() + 5
    while len(receiver.received) < 3 and time.monotonic() < deadline:  # don't wait on the backoff
        requests.post(f"{client.base}/_admin/outbox/flush", headers=client.admin, timeout=5)
        time.sleep(0.05)
    [confirmation] = client.wait_delivered("R-2")
    assert [d["outcome"] for d in confirmation["deliveries"]] == ["refused", "refused", "acknowledged"]
    assert [d["http_status"] for d in confirmation["deliveries"]] == [500, 200, 200]
    assert len(receiver.received) == 3
    assert all(verify(r["body"], "CONFIRM", partner["secret"]) for r in receiver.received)


def test_cancel_returns_the_payer_and_confirms_the_cancellation(client: PaymentClient, receiver: Receiver) -> None:
    code = f"P{client.ns}"
    partner = client.register(code, receiver.url)
    url = client.init("R-3", code, partner["secret"])["UrlThanhToan"]
    cancelled = client.submit(url, "cancel")
    assert cancelled.status_code == 303
    back = query_params(cancelled.headers["location"])
    assert (back["MaLoi"], back["TrangThaiGD"], back["MaGiaoDich"]) == ("24", "4", "")
    [notice] = receiver.wait_for(1)
    assert (notice["body"]["MaLoi"], notice["body"]["TrangThaiGD"]) == ("24", 4)
    assert verify(notice["body"], "CONFIRM", partner["secret"])
    assert client.lookup("QUERY", "R-3", code, partner["secret"]).json()["TrangThaiGD"] == 4
    page = client.http.get(url, timeout=5)
    assert "Người nộp đã hủy giao dịch" in page.text and ">Thanh toán</button>" not in page.text


def test_time_out_stays_pending_until_the_admin_resolves_it(client: PaymentClient, receiver: Receiver) -> None:
    code = f"P{client.ns}"
    partner = client.register(code, receiver.url)
    url = client.init("R-4", code, partner["secret"])["UrlThanhToan"]
    _, csrf = client.open_checkout(url)
    timed_out = client.submit(url, "timeout", "VBA", csrf)
    assert timed_out.status_code == 303
    back = query_params(timed_out.headers["location"])
    assert (back["MaLoi"], back["TrangThaiGD"]) == ("09", "3")
    [txn] = client.transactions("R-4")
    assert (txn["status"], txn["confirmations"]) == (3, [])
    assert client.lookup("QUERY", "R-4", code, partner["secret"]).json()["TrangThaiGD"] == 3
    shown = client.submit(url, "pay", "VCB", csrf)  # shows the state; no payment
    assert shown.status_code == 200 and "Vui lòng không thanh toán lại" in shown.text

    resolve = f"{client.base}/_admin/transactions/R-4/resolve"
    assert requests.post(resolve, json={"outcome": "paid"}, timeout=5,
                         headers={"X-DVC-Namespace": client.ns}).status_code == 401
    bad = requests.post(resolve, json={"outcome": "maybe"}, headers=client.admin, timeout=5)
    assert bad.status_code == 422
    done = requests.post(resolve, json={"outcome": "paid"}, headers=client.admin, timeout=5)
    assert done.status_code == 200 and done.json()["status"] == 1
    [notice] = receiver.wait_for(1)
    assert (notice["body"]["MaLoi"], notice["body"]["TrangThaiGD"], notice["body"]["MaNganHang"]) == ("00", 1, "VBA")
    assert notice["body"]["MaGiaoDich"] == back["MaGiaoDich"]
    again = requests.post(resolve, json={"outcome": "failed"}, headers=client.admin, timeout=5)
    assert again.status_code == 409
    missing = requests.post(f"{client.base}/_admin/transactions/NONE/resolve", json={"outcome": "paid"},
                            headers=client.admin, timeout=5)
    assert missing.status_code == 404


# -- the checkout's refusals ----------------------------------------------------------------------------

def test_paying_without_a_bank_says_so(client: PaymentClient) -> None:
    url = client.init("HS-0002")["UrlThanhToan"]
    page = client.submit(url, "pay")
    assert page.status_code == 400
    assert "Vui lòng chọn ngân hàng hoặc ví điện tử" in page.text and 'role="alert"' in page.text
    assert client.lookup("QUERY", "HS-0002").json()["TrangThaiGD"] == 0


def test_the_form_needs_its_csrf_token(client: PaymentClient, dvc_stack: Stack) -> None:
    url = client.init("HS-0003")["UrlThanhToan"]
    client.open_checkout(url)
    assert client.submit(url, "pay", "VCB", csrf="").status_code == 403
    stranger = PaymentClient(dvc_stack, client.ns)
    _, their_token = stranger.open_checkout(url)
    assert client.submit(url, "pay", "VCB", csrf=their_token).status_code == 403
    assert client.submit(url, "pay", "VCB", csrf="chữ-ký-giả").status_code == 403
    assert client.submit(url, "steal", "VCB").status_code == 400
    assert client.lookup("QUERY", "HS-0003").json()["TrangThaiGD"] == 0


def test_unknown_token_and_receipt_are_404_pages(client: PaymentClient) -> None:
    for path in ("/thanh-toan/no-such-token", "/bien-lai/PG00000000000000"):
        page = client.http.get(client.base + path, timeout=5)
        assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
        assert "Không tìm thấy" in page.text


def test_an_expired_transaction_shows_so(client: PaymentClient) -> None:
    url = client.init("HS-0004")["UrlThanhToan"]
    _, csrf = client.open_checkout(url)  # the page was opened before the time ran out
    moved = requests.post(f"{client.base}/_admin/clock", json={"advance_seconds": 15 * 60 + 1},
                          headers=client.admin, timeout=5)
    assert moved.status_code == 200
    page = client.http.get(url, timeout=5)
    assert page.status_code == 410 and "Giao dịch đã hết hạn" in page.text
    assert client.submit(url, "pay", "VCB", csrf).status_code == 410
    answer = client.lookup("QUERY", "HS-0004").json()
    assert (answer["TrangThaiGD"], answer["MaLoiGD"]) == (4, "07")
    again = client.send(init_message(client.partner, client.secret, "HS-0004"))
    assert again.status_code == 409 and again.json()["MaLoi"] == "07"


# -- bad input on the protocol --------------------------------------------------------------------------

RAW_BODIES = {
    "malformed json": b'{"LoaiBanTin": "INIT",',
    "empty body": b"",
    "not utf-8": b"\xff\xfe{}",
    "an array": b"[]",
    "a string": b'"INIT"',
    "null": b"null",
    "deep nesting": b"[" * 100_000 + b"]" * 100_000,
    "huge number": b'{"SoTien": ' + b"9" * 5000 + b"}",
}


@pytest.mark.parametrize("name", list(RAW_BODIES), ids=list(RAW_BODIES))
def test_malformed_messages_get_maloi_03(client: PaymentClient, name: str) -> None:
    answer = client.http.post(f"{client.base}/api/payment", data=RAW_BODIES[name], timeout=10,
                              headers={"Content-Type": "application/json"})
    assert answer.status_code == 400
    body = answer.json()
    # a nesting too deep to parse keeps its own machine code beside the protocol's MaLoi 03
    code = "TOO_DEEPLY_NESTED" if name == "deep nesting" else "INVALID_DATA"
    assert body["MaLoi"] == "03" and body["MoTaLoi"] and body["error"]["code"] == code


def test_a_huge_message_is_refused(client: PaymentClient) -> None:
    message = init_message(client.partner, client.secret, "HS-BIG", ThongTinGiaoDich="x" * 300_000)
    answer = client.send(message)
    assert answer.status_code == 413 and answer.json()["MaLoi"] == "03"


def _init(client: PaymentClient, **changes: Any) -> dict[str, Any]:
    return init_message(client.partner, client.secret, "HS-BAD", **changes)


@pytest.mark.parametrize(("make", "status", "ma_loi"), [
    (lambda c: {k: v for k, v in _init(c).items() if k != "SoTien"}, 401, "01"),   # signature no longer matches
    (lambda c: sign({k: v for k, v in _init(c, signed=False).items() if k != "SoTien"}, "INIT", c.secret), 400, "03"),
    (lambda c: _init(c, SoTien="hai trăm nghìn"), 400, "03"),
    (lambda c: _init(c, SoTien={"value": 1}), 400, "03"),
    (lambda c: _init(c, NgonNgu=1), 400, "03"),
    (lambda c: _init(c, ThongTinBienLai=[1, 2]), 400, "03"),
    (lambda c: _init(c, LoaiBanTin="PAYOUT"), 400, "03"),
    (lambda c: dict(_init(c), MaXacThuc="0" * 64), 401, "01"),
    (lambda c: {k: v for k, v in _init(c).items() if k != "MaXacThuc"}, 401, "01"),
    (lambda c: dict(_init(c), SoTien=1), 401, "01"),
    (lambda c: init_message("NOBODY", c.secret, "HS-BAD"), 401, "02"),
    (lambda c: lookup_message("QUERY", c.partner, c.secret, "HS-NONE"), 404, "05"),
    (lambda c: lookup_message("GET_BILL", c.partner, "wrong-secret", "HS-NONE"), 401, "01"),
    (lambda c: dict(_init(c), MaXacThuc="sai chữ ký"), 401, "01"),
    (lambda c: dict(_init(c, signed=False), ThongTinGiaoDich="\ud800", MaXacThuc="0" * 64), 400, "03"),
])
def test_bad_messages_get_a_4xx_with_maloi(client: PaymentClient, make: Any, status: int, ma_loi: str) -> None:
    answer = client.send(make(client))
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert body["MaLoi"] == ma_loi and body["MoTaLoi"] and body["error"]["message_en"]


def test_reused_reference_and_bill_before_payment(client: PaymentClient) -> None:
    first = client.init("HS-0005")
    assert client.init("HS-0005")["UrlThanhToan"] == first["UrlThanhToan"]
    reused = client.send(init_message(client.partner, client.secret, "HS-0005", amount=100_000))
    assert reused.status_code == 409 and reused.json()["MaLoi"] == "04"
    bill = client.lookup("GET_BILL", "HS-0005")
    assert bill.status_code == 409 and bill.json()["MaLoi"] == "06"


def test_namespaces_do_not_see_each_other(client: PaymentClient, dvc_stack: Stack) -> None:
    url = client.init("HS-0006")["UrlThanhToan"]
    other = PaymentClient(dvc_stack, f"{client.ns}-b")
    assert other.lookup("QUERY", "HS-0006").json()["MaLoi"] == "05"
    assert other.http.get(url, timeout=5).status_code == 404


# -- admin -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("method", "path", "body"), [
    ("GET", "/_admin/partners", None),
    ("POST", "/_admin/partners", {"code": "X1", "name": "X", "callback_url": "http://a/cb", "return_url": "http://a/r"}),
    ("GET", "/_admin/transactions", None),
    ("POST", "/_admin/transactions/HS-1/resolve", {"outcome": "paid"}),
    ("POST", "/_admin/reset", None),
])
def test_admin_endpoints_need_the_token(client: PaymentClient, method: str, path: str, body: Any) -> None:
    for headers in ({}, {"X-Admin-Token": "wrong"}):
        answer = requests.request(method, client.base + path, json=body, timeout=5,
                                  headers={"X-DVC-Namespace": client.ns, **headers})
        assert answer.status_code == 401
        assert answer.json()["error"]["code"] == "ADMIN_TOKEN_REQUIRED"


@pytest.mark.parametrize(("body", "status"), [
    ({"code": "bad code", "name": "X", "callback_url": "http://a/cb", "return_url": "http://a/r"}, 422),
    ({"code": "OK1", "name": "X", "callback_url": "not a url", "return_url": "http://a/r"}, 422),
    ({"code": "OK1", "name": "X", "callback_url": "http://a/cb"}, 422),
    ({"code": "OK1", "name": "X", "callback_url": "http://a/cb", "return_url": "http://a/r", "secret": "x"}, 422),
    ({"code": "QNAM01", "name": "X", "callback_url": "http://a/cb", "return_url": "http://a/r"}, 409),
    ({"code": "OK1", "name": "\ud800", "callback_url": "http://a/cb", "return_url": "http://a/r"}, 422),
])
def test_partner_registration_refuses_bad_input(client: PaymentClient, body: dict[str, Any], status: int) -> None:
    if body["code"] == "QNAM01":
        body["code"] = client.partner
    answer = requests.post(f"{client.base}/_admin/partners", json=body, headers=client.admin, timeout=5)
    assert answer.status_code == status and answer.json()["error"]["code"]


def test_a_partner_can_be_updated_with_its_own_secret(client: PaymentClient) -> None:
    code = f"P{client.ns}"
    client.register(code, "http://a.test/cb")
    updated = requests.post(f"{client.base}/_admin/partners", headers=client.admin, timeout=5, json={
        "code": code, "name": "Mới", "callback_url": "http://b.test/cb", "return_url": "http://b.test/r",
        "secret": "my-own-secret"})
    assert updated.status_code == 200
    assert updated.json()["secret"] == "my-own-secret"
    assert client.init("R-9", code, "my-own-secret")["MaLoi"] == "00"


def test_reset_deletes_the_namespace_transactions(client: PaymentClient) -> None:
    client.init("HS-0007")
    assert len(client.transactions()) == 1
    assert requests.post(f"{client.base}/_admin/reset", headers=client.admin, timeout=5).status_code == 200
    assert client.transactions() == []
    assert client.lookup("QUERY", "HS-0007").json()["MaLoi"] == "05"


def test_the_openapi_document_describes_the_message(client: PaymentClient) -> None:
    spec = client.http.get(f"{client.base}/openapi.json", timeout=5).json()
    schema = spec["paths"]["/api/payment"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert {"LoaiBanTin", "MaDoiTac", "MaXacThuc", "ThongTinBienLai"} <= set(schema["properties"])
    assert "/_admin/partners" in spec["paths"] and "/thanh-toan/{token}" in spec["paths"]
