"""The postal service over real HTTP: the order protocol, the admin surface, the tracking page, webhooks."""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from harness.stack import Stack
from mocks.postal import s10
from tests.worlds import IN_2022

from .conftest import order_body

pytestmark = IN_2022   # the 2022 world's rules (tests/worlds.py)

TIMEOUT = 5


class Postal:
    """A tiny client of the service for one test's namespace."""

    def __init__(self, stack: Stack, ns: str) -> None:
        self.url = stack.urls["postal"]
        self.ns = ns
        creds = stack.config.credentials
        self.code, self.token = creds.postal_customer_code, creds.postal_access_token
        self.admin_token = creds.admin_token

    def headers(self, token: str | None = None, **extra: str) -> dict[str, str]:
        return {"X-DVC-Namespace": self.ns, "access_token": token or self.token, **extra}

    def create(self, body: Any, token: str | None = None) -> requests.Response:
        return requests.post(f"{self.url}/api/orders", json=body, headers=self.headers(token), timeout=TIMEOUT)

    def get(self, item_code: str, token: str | None = None) -> requests.Response:
        return requests.get(f"{self.url}/api/orders/{item_code}", headers=self.headers(token), timeout=TIMEOUT)

    def admin(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {"X-DVC-Namespace": self.ns, "X-Admin-Token": self.admin_token}
        return requests.request(method, f"{self.url}/_admin{path}", headers=headers, timeout=TIMEOUT, **kwargs)

    def advance(self, item_code: str, to: str | None = None) -> requests.Response:
        return self.admin("POST", f"/orders/{item_code}/advance", json={"to": to} if to else None)

    def page(self, path: str, **params: str) -> requests.Response:
        return requests.get(f"{self.url}{path}", params=params, headers={"X-DVC-Namespace": self.ns}, timeout=TIMEOUT)


@pytest.fixture
def postal(dvc_stack: Stack, ns: str) -> Postal:
    return Postal(dvc_stack, ns)


def new_order(postal: Postal, **changes: Any) -> str:
    answer = postal.create(order_body(postal.code, **changes))
    assert answer.status_code == 200, answer.text
    return answer.json()["ItemCode"]


# -- orders -----------------------------------------------------------------------------------------
def test_create_and_get_an_order(postal: Postal) -> None:
    answer = postal.create(order_body(postal.code))
    assert answer.status_code == 200
    created = answer.json()
    assert created["Status"] == "100" and created["Message"]
    assert s10.is_valid(created["ItemCode"]) and created["ItemCode"].endswith("VN")
    assert created["OrderNumber"] == "000.00.12.H47-250114-0001" and created["TotalFee"] == 22_000

    got = postal.get(created["ItemCode"])
    assert got.status_code == 200
    order = got.json()
    assert order["Status"] == "100" and order["ItemCode"] == created["ItemCode"]
    assert order["OrderStatus"] == "created" and order["OrderStatusName"] == "Đã tiếp nhận đơn hàng"
    assert order["Receiver"]["Name"] == "Nguyễn Thị Thu Hà" and order["CustomerCode"] == postal.code
    [event] = order["Events"]
    assert event["Status"] == "created" and event["StatusName"] == "Đã tiếp nhận đơn hàng"
    assert len(event["Time"]) == 14 and event["Time"].isdigit() and event["Location"] == "Bưu cục Tam Kỳ"


def test_the_same_order_number_answers_the_same_waybill(postal: Postal) -> None:
    first = postal.create(order_body(postal.code)).json()
    again = postal.create(order_body(postal.code))
    assert again.status_code == 200 and again.json()["Status"] == "100"
    assert again.json()["ItemCode"] == first["ItemCode"]
    listed = postal.admin("GET", "/orders", params={"order_number": first["OrderNumber"]}).json()["orders"]
    assert [o["item_code"] for o in listed] == [first["ItemCode"]]


def test_delivery_happy_path(postal: Postal) -> None:
    assert postal.admin("POST", "/clock", json={"set": "2025-01-14T09:00:00+07:00"}).status_code == 200
    item = new_order(postal)
    for expected in ["picked_up", "in_transit", "delivered"]:
        assert postal.admin("POST", "/clock", json={"advance_seconds": 1800}).status_code == 200
        moved = postal.advance(item)
        assert moved.status_code == 200, moved.text
        assert moved.json()["state"] == expected
    closed = postal.advance(item)
    assert closed.status_code == 409 and closed.json()["error"]["code"] == "ORDER_CLOSED"
    order = postal.get(item).json()
    assert order["OrderStatus"] == "delivered" and order["OrderStatusName"] == "Đã phát thành công"
    assert [(e["Status"], e["Time"]) for e in order["Events"]] == [
        ("created", "20250114090000"), ("picked_up", "20250114093000"),
        ("in_transit", "20250114100000"), ("delivered", "20250114103000"),
    ]
    assert order["Events"][-1]["Location"] == "Bưu cục Hội An"


def test_delivery_failure_path(postal: Postal) -> None:
    item = new_order(postal)
    for step in ["picked_up", "in_transit", "delivery_failed", "in_transit", "delivery_failed", "returned"]:
        moved = postal.advance(item, step)
        assert moved.status_code == 200, moved.text
    order = postal.get(item).json()
    assert order["OrderStatus"] == "returned" and order["OrderStatusName"] == "Đã chuyển hoàn về người gửi"
    assert [e["Status"] for e in order["Events"]] == [
        "created", "picked_up", "in_transit", "delivery_failed", "in_transit", "delivery_failed", "returned",
    ]
    illegal = postal.advance(item, "delivered")
    assert illegal.status_code == 409 and illegal.json()["error"]["message_vi"]


def test_illegal_and_unknown_moves(postal: Postal) -> None:
    item = new_order(postal)
    skip = postal.advance(item, "delivered")
    assert skip.status_code == 409 and skip.json()["error"]["code"] == "ILLEGAL_TRANSITION"
    assert skip.json()["error"]["details"]["allowed"] == ["picked_up"]
    unknown = postal.advance(item, "teleported")
    assert unknown.status_code == 400 and unknown.json()["error"]["code"] == "UNKNOWN_STATE"
    missing = postal.advance("EB999999995VN")
    assert missing.status_code == 404
    assert postal.get(item).json()["OrderStatus"] == "created"


# -- refusals --------------------------------------------------------------------------------------
def test_wrong_or_missing_token_is_401(postal: Postal) -> None:
    wrong = postal.create(order_body(postal.code), token="not-a-token")
    assert wrong.status_code == 401
    assert wrong.json()["Status"] not in ("100", None) and wrong.json()["error"]["code"] == "ACCESS_TOKEN_INVALID"
    none = requests.post(f"{postal.url}/api/orders", json=order_body(postal.code),
                         headers={"X-DVC-Namespace": postal.ns}, timeout=TIMEOUT)
    assert none.status_code == 401 and none.json()["Message"]
    item = new_order(postal)
    assert postal.get(item, token="not-a-token").status_code == 401


def test_wrong_customer_code_is_403(postal: Postal) -> None:
    answer = postal.create(order_body("SOMEONE_ELSE"))
    assert answer.status_code == 403
    body = answer.json()
    assert body["Status"] != "100" and body["error"]["code"] == "CUSTOMER_MISMATCH"
    assert "SOMEONE_ELSE" in body["Message"]


def test_another_customers_order_is_403(postal: Postal) -> None:
    other = register(postal, None)
    item = new_order(postal)
    assert postal.get(item, token=other["access_token"]).status_code == 403


def receiver_with(**fields: Any) -> dict[str, Any]:
    return {"Receiver": {**order_body("x")["Receiver"], **fields}}


BAD_BODIES: list[tuple[str, dict[str, Any], int, str]] = [
    ("no order number", {"OrderNumber": None}, 400, "OrderNumber"),
    ("order number too long", {"OrderNumber": "H" * 65}, 400, "OrderNumber"),
    ("no receiver", {"Receiver": None}, 400, "Receiver.Name"),
    ("no receiver address", receiver_with(Address=""), 400, "Receiver.Address"),
    ("bad phone", receiver_with(Tel="0000"), 400, "Receiver.Tel"),
    ("phone as a number", receiver_with(Tel=912345678), 422, "Receiver.Tel"),
    ("negative COD", {"CODAmount": -5}, 400, "CODAmount"),
    ("COD as text", {"CODAmount": "nhiều"}, 422, "CODAmount"),
    ("receiver as text", {"Receiver": "Nguyễn Văn A"}, 422, "Receiver"),
    ("bad item code", {"ItemCode": "EB12345678VN"}, 400, "ItemCode"),
]


@pytest.mark.parametrize(("case", "changes", "status", "field"), BAD_BODIES, ids=[b[0] for b in BAD_BODIES])
def test_bad_bodies_are_4xx_with_a_status(
    postal: Postal, case: str, changes: dict[str, Any], status: int, field: str,
) -> None:
    body = order_body(postal.code)
    for key, value in changes.items():
        if value is None:
            body.pop(key)
        else:
            body[key] = value
    answer = postal.create(body)
    assert answer.status_code == status, answer.text
    payload = answer.json()
    assert payload["Status"] not in ("100", None) and payload["Message"]
    assert field in json.dumps(payload["error"], ensure_ascii=False)
    assert postal.admin("GET", "/orders").json()["orders"] == []


@pytest.mark.parametrize(("data", "content_type", "status"), [
    ("{\"CustomerCode\": ", "application/json", 400),
    ("not json at all", "application/json", 400),
    ("[1, 2, 3]", "application/json", 422),
    ("", "application/json", 422),
    ("CustomerCode=x", "application/x-www-form-urlencoded", 422),
])
def test_malformed_bodies_are_4xx(postal: Postal, data: str, content_type: str, status: int) -> None:
    answer = requests.post(f"{postal.url}/api/orders", data=data.encode(), timeout=TIMEOUT,
                           headers=postal.headers(**{"Content-Type": content_type}))
    assert answer.status_code == status, answer.text
    assert answer.json()["Status"] == "101" and answer.json()["error"]["code"]


def test_undecodable_body_is_400(postal: Postal) -> None:
    answer = requests.post(f"{postal.url}/api/orders", data=b"*XA\xff", timeout=TIMEOUT,
                           headers=postal.headers(**{"Content-Type": "application/json"}))
    assert answer.status_code == 400
    assert answer.json()["Status"] == "101" and answer.json()["error"]["code"] == "MALFORMED_JSON"


def test_huge_body_is_413(postal: Postal) -> None:
    answer = postal.create(order_body(postal.code, Description="x" * 300_000))
    assert answer.status_code == 413 and answer.json()["Status"] != "100"


def test_unknown_waybill_is_404(postal: Postal) -> None:
    answer = postal.get("EB999999995VN")
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "ORDER_NOT_FOUND"
    assert answer.json()["Status"] != "100"


def test_admin_needs_the_token(postal: Postal) -> None:
    for method, path in [("GET", "/_admin/customers"), ("POST", "/_admin/customers"), ("GET", "/_admin/orders"),
                         ("POST", "/_admin/orders/EB100000017VN/advance")]:
        answer = requests.request(method, postal.url + path, json={}, timeout=TIMEOUT,
                                  headers={"X-Admin-Token": "wrong", "X-DVC-Namespace": postal.ns})
        assert answer.status_code == 401, (method, path)


# -- pages --------------------------------------------------------------------------------------------
def test_tracking_page_shows_the_journey(postal: Postal) -> None:
    item = new_order(postal)
    postal.advance(item)
    postal.advance(item)
    page = postal.page("/tra-cuu", ma=item.lower())
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    html = page.text
    assert '<label for="ma">Mã vận đơn</label>' in html and 'id="ma"' in html
    assert '<button type="submit">Tra cứu</button>' in html
    assert item in html and "Đang vận chuyển" in html
    assert '<table class="cards" role="table">' in html
    for text in ["Đã tiếp nhận đơn hàng", "Đã lấy hàng", "Trung tâm khai thác Quảng Nam", "Bưu cục Tam Kỳ"]:
        assert text in html
    assert html.index("Đã tiếp nhận đơn hàng") < html.index("Đã lấy hàng")
    assert "Bưu điện Việt Nam — Bưu chính công ích" in html


def test_tracking_page_unknown_waybill(postal: Postal, dvc_stack: Stack) -> None:
    item = new_order(postal)
    unknown = postal.page("/tra-cuu", ma="EB999999995VN")
    assert unknown.status_code == 404 and "Không tìm thấy bưu gửi" in unknown.text and 'role="alert"' in unknown.text
    elsewhere = requests.get(f"{postal.url}/tra-cuu", params={"ma": item}, timeout=TIMEOUT,
                             headers={"X-DVC-Namespace": f"{postal.ns}-other"})
    assert elsewhere.status_code == 404
    assert postal.page("/tra-cuu", ma="x" * 5000).status_code == 404
    empty = postal.page("/tra-cuu")
    assert empty.status_code == 200 and "Mã vận đơn" in empty.text


def test_home_page_links_to_tracking(postal: Postal) -> None:
    home = postal.page("/")
    assert home.status_code == 200
    assert 'href="/tra-cuu"' in home.text and "<h1>" in home.text


# -- admin surface, reset ---------------------------------------------------------------------------------
def register(postal: Postal, webhook_url: str | None, **extra: Any) -> dict[str, Any]:
    code = f"KH_{uuid.uuid4().hex[:8]}"
    answer = postal.admin("POST", "/customers",
                          json={"customer_code": code, "name": "Cổng thử nghiệm", "webhook_url": webhook_url, **extra})
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_customers_are_registered_and_listed(postal: Postal) -> None:
    made = register(postal, "https://portal.example/hook")
    assert made["access_token"] and not made["built_in"]
    listed = postal.admin("GET", "/customers").json()["customers"]
    assert listed[0]["customer_code"] == postal.code and listed[0]["built_in"]
    assert listed[0]["webhook_url"].endswith("/api/postal/events")
    assert made["customer_code"] in [c["customer_code"] for c in listed]
    again = postal.admin("POST", "/customers", json={"customer_code": made["customer_code"], "name": "Đổi tên"})
    assert again.status_code == 200 and again.json()["access_token"] == made["access_token"]
    builtin = postal.admin("POST", "/customers", json={"customer_code": postal.code, "name": "x"})
    assert builtin.status_code == 409
    bad = postal.admin("POST", "/customers", json={"customer_code": "KH", "name": "x", "webhook_url": "nope"})
    assert bad.status_code == 400
    # a registered customer orders with its own token and code
    answer = postal.create(order_body(made["customer_code"]), token=made["access_token"])
    assert answer.status_code == 200 and answer.json()["Status"] == "100"


def test_reset_deletes_the_namespace_orders(postal: Postal) -> None:
    made = register(postal, None)
    item = new_order(postal)
    assert postal.admin("POST", "/reset").status_code == 200
    assert postal.get(item).status_code == 404
    assert postal.admin("GET", "/orders").json()["orders"] == []
    assert postal.page("/tra-cuu", ma=item).status_code == 404
    codes = [c["customer_code"] for c in postal.admin("GET", "/customers").json()["customers"]]
    assert made["customer_code"] in codes


def test_openapi_describes_the_protocol(postal: Postal) -> None:
    doc = requests.get(f"{postal.url}/openapi.json", timeout=TIMEOUT).json()
    create = doc["paths"]["/api/orders"]["post"]
    assert any(p["name"] == "access_token" and p["in"] == "header" for p in create["parameters"])
    schemas = doc["components"]["schemas"]
    assert {"OrderNumber", "Receiver", "CODAmount"} <= set(schemas["OrderRequest"]["properties"])


# -- webhooks to a real receiver ----------------------------------------------------------------------------
class Receiver:
    """A customer's webhook endpoint: records what arrives; the first `fail_first` calls answer 503."""

    def __init__(self, fail_first: int = 0) -> None:
        self.events: list[tuple[dict[str, str], dict[str, Any]]] = []
        self.fail_first = fail_first
        self.calls = 0
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                owner.calls += 1
                if owner.calls <= owner.fail_first:
                    self.send_response(503)
                else:
                    owner.events.append((dict(self.headers.items()), json.loads(body)))
                    self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/postal/events"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def wait_for(self, count: int, postal: Postal, timeout: float = 30.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while len(self.events) < count and time.monotonic() < deadline:
            postal.admin("POST", "/outbox/flush")   # skip the retry backoff
            time.sleep(0.02)
        return [body for _, body in self.events]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver(fail_first=1)
    yield r
    r.close()


def test_registered_customer_receives_every_event_in_order(postal: Postal, receiver: Receiver) -> None:
    customer = register(postal, receiver.url)
    code, token = customer["customer_code"], customer["access_token"]
    created = postal.create(order_body(code), token=token)
    assert created.status_code == 200, created.text
    item = created.json()["ItemCode"]
    steps = ["picked_up", "in_transit", "delivery_failed", "in_transit", "delivered"]
    for step in steps:
        assert postal.advance(item, step).status_code == 200
    events = receiver.wait_for(6, postal)
    assert [e["Status"] for e in events] == ["created", *steps]
    assert receiver.calls == 7, "the first call was refused (503) and retried"
    assert all(e["ItemCode"] == item and e["CustomerCode"] == code for e in events)
    assert all(e["OrderNumber"] == "000.00.12.H47-250114-0001" for e in events)
    assert events[-1]["StatusName"] == "Đã phát thành công" and len(events[-1]["Time"]) == 14
    assert set(events[0]) == {"ItemCode", "OrderNumber", "CustomerCode", "Status", "StatusName", "Time", "Location",
                              "Note"}
    headers = {k.lower(): v for k, v in receiver.events[0][0].items()}
    assert headers["x-dvc-namespace"] == postal.ns and headers["access_token"] == token
    # the dispatcher records a delivery once the receiver has answered: the last one may land just after its event
    deadline = time.monotonic() + 30
    while True:
        outbox = postal.admin("GET", "/outbox").json()["messages"]
        if all(m["status"] == "delivered" for m in outbox) or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert [m["status"] for m in outbox] == ["delivered"] * 6
