"""The test-control surface over HTTP: faults (incoming and outgoing), the journal, snapshots."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests

from harness.clients import Platform
from harness.clients.payment import init_message
from mocks.core.signing import verify
from tests.payment.receiver import Receiver
from tests.worlds import IN_2022

T = 10


class Admin:
    def __init__(self, dvc_stack: Any, ns: str) -> None:
        self.stack, self.ns = dvc_stack, ns
        self.headers = {"X-Admin-Token": dvc_stack.config.credentials.admin_token, "X-DVC-Namespace": ns}

    def url(self, service: str, path: str) -> str:
        return f"{self.stack.urls[service]}{path}"

    def fault(self, service: str, **spec: Any) -> dict[str, Any]:
        r = requests.post(self.url(service, "/_admin/faults"), json=spec, headers=self.headers, timeout=T)
        assert r.status_code == 201, r.text
        return r.json()

    def get(self, service: str, path: str, **params: Any) -> Any:
        r = requests.get(self.url(service, path), params=params, headers=self.headers, timeout=T)
        assert r.ok, r.text
        return r.json()

    def call(self, service: str, path: str, ns: str | None = None, **kw: Any) -> requests.Response:
        return requests.get(self.url(service, path), headers={"X-DVC-Namespace": ns or self.ns}, timeout=T, **kw)


@pytest.fixture
def admin(dvc_stack: Any, ns: str) -> Admin:
    return Admin(dvc_stack, ns)


CATALOGUE = "/api/v1/procedures"


def test_latency_is_added_only_in_its_namespace(admin: Admin) -> None:
    admin.fault("provincial", action="latency", path="/api/v1/procedures*", latency={"ms": 300})
    started = time.perf_counter()
    assert admin.call("provincial", CATALOGUE).ok
    assert time.perf_counter() - started >= 0.3
    started = time.perf_counter()
    assert admin.call("provincial", CATALOGUE, ns="another-namespace").ok
    assert time.perf_counter() - started < 0.3


def test_error_n_times_then_success_and_the_nth_call(admin: Admin) -> None:
    admin.fault("provincial", action="error", path=CATALOGUE, status=503, times=2, body={"down": True})
    answers = [admin.call("provincial", CATALOGUE) for _ in range(3)]
    assert [a.status_code for a in answers] == [503, 503, 200]
    assert answers[0].json() == {"down": True}
    admin.fault("postal", action="error", path="/", nth=2, status=500)
    assert [admin.call("postal", "/").status_code for _ in range(3)] == [200, 500, 200]


def test_probability_with_a_seed_repeats_the_same_pattern(admin: Admin, dvc_stack: Any) -> None:
    patterns = []
    for ns in (f"{admin.ns}-a", f"{admin.ns}-b"):
        other = Admin(dvc_stack, ns)
        other.fault("postal", action="error", path="/", probability=0.5, seed=42, status=502)
        patterns.append([other.call("postal", "/").status_code for _ in range(20)])
    assert patterns[0] == patterns[1]
    assert 3 <= patterns[0].count(502) <= 17


def test_a_dropped_connection_is_no_answer_at_all(admin: Admin) -> None:
    admin.fault("provincial", action="drop", path=CATALOGUE, times=1)
    with pytest.raises(requests.ConnectionError):
        admin.call("provincial", CATALOGUE)
    assert admin.call("provincial", CATALOGUE).ok        # the next call is served
    [entry] = admin.get("provincial", "/_admin/journal", url_contains=CATALOGUE, fault=True)["entries"]
    assert entry["status"] is None and entry["faults"][0].startswith("drop#")


def test_a_truncated_answer_stops_half_way(admin: Admin) -> None:
    admin.fault("provincial", action="truncate", path=CATALOGUE, times=1)
    with pytest.raises(requests.RequestException):
        admin.call("provincial", CATALOGUE).json()
    assert admin.call("provincial", CATALOGUE).json()["total"] > 40


def test_a_rule_with_a_duration_ends(admin: Admin) -> None:
    admin.fault("postal", action="error", path="/", duration_s=0.3)
    assert admin.call("postal", "/").status_code == 503
    time.sleep(0.4)
    assert admin.call("postal", "/").status_code == 200


def test_rules_are_listed_removed_and_cleared_by_reset(admin: Admin) -> None:
    rule = admin.fault("postal", action="error", path="/")
    assert [r["id"] for r in admin.get("national", "/_admin/faults")["faults"]] == [rule["id"]]
    r = requests.delete(admin.url("postal", f"/_admin/faults/{rule['id']}"), headers=admin.headers, timeout=T)
    assert r.ok and admin.call("postal", "/").ok
    assert requests.delete(admin.url("postal", "/_admin/faults/nope"), headers=admin.headers, timeout=T).status_code \
        == 404
    admin.fault("postal", action="error", path="/")
    requests.post(admin.url("postal", "/_admin/reset"), headers=admin.headers, timeout=T)
    assert admin.call("postal", "/").ok


@pytest.mark.parametrize("spec", [
    {"action": "explode"},
    {"action": "duplicate"},                                   # an outgoing action on an incoming rule
    {"action": "latency"},                                     # no latency given
    {"action": "error", "status": 200},
    {"action": "error", "probability": 2},
    {"direction": "outgoing", "action": "drop"},
])
def test_bad_fault_rules_are_refused(admin: Admin, spec: dict[str, Any]) -> None:
    r = requests.post(admin.url("postal", "/_admin/faults"), json=spec, headers=admin.headers, timeout=T)
    assert r.status_code == 422 and r.json()["error"]["message_en"]


# -- outgoing calls ---------------------------------------------------------------------------------
@pytest.fixture
def customer(admin: Admin) -> Any:
    receiver = Receiver()
    code = f"KH{int(time.time() * 1000) % 10**8}"
    r = requests.post(admin.url("postal", "/_admin/customers"), headers=admin.headers, timeout=T,
                      json={"customer_code": code, "name": "Khách thử", "webhook_url": receiver.url})
    assert r.status_code in (200, 201), r.text
    yield code, r.json()["access_token"], receiver
    receiver.stop()


def order(admin: Admin, code: str, token: str, number: str) -> str:
    body = {"CustomerCode": code, "OrderNumber": number, "CODAmount": 0,
            "Sender": {"Name": "UBND", "Tel": "0235381234", "Address": "Tam Kỳ", "Province": "Quảng Nam"},
            "Receiver": {"Name": "Lê Văn A", "Tel": "0905123456", "Address": "1 Hùng Vương", "Province": "Quảng Nam"}}
    r = requests.post(admin.url("postal", "/api/orders"), json=body, timeout=T,
                      headers={"access_token": token, "X-DVC-Namespace": admin.ns})
    assert r.ok, r.text
    return r.json()["ItemCode"]


def outbox(admin: Admin, service: str) -> list[dict[str, Any]]:
    return admin.get(service, "/_admin/outbox")["messages"]


def test_outgoing_never_sent_is_kept_as_dropped(admin: Admin, customer: Any) -> None:
    code, token, receiver = customer
    admin.fault("postal", direction="outgoing", action="never_send", path="postal.event")
    order(admin, code, token, "N-1")
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and outbox(admin, "postal")[0]["status"] != "dropped":
        time.sleep(0.05)
    assert outbox(admin, "postal")[0]["status"] == "dropped"
    time.sleep(0.3)
    assert receiver.received == []


def test_outgoing_duplicate_sends_twice(admin: Admin, customer: Any) -> None:
    code, token, receiver = customer
    admin.fault("postal", direction="outgoing", action="duplicate", path="postal.*", times=1)
    waybill = order(admin, code, token, "D-1")
    got = receiver.wait_for(2)
    assert [g["body"]["ItemCode"] for g in got] == [waybill, waybill]
    calls = admin.get("postal", "/_admin/journal/count", direction="out", correlation_id=waybill)
    assert calls["count"] == 2


def test_outgoing_reorder_lets_the_next_event_overtake(admin: Admin, customer: Any) -> None:
    code, token, receiver = customer
    admin.fault("postal", direction="outgoing", action="reorder", path="postal.event", nth=1, delay_s=0.5)
    waybill = order(admin, code, token, "R-1")
    requests.post(admin.url("postal", f"/_admin/orders/{waybill}/advance"), headers=admin.headers, json={},
                  timeout=T).raise_for_status()
    got = receiver.wait_for(2, timeout=10)
    assert [g["body"]["Status"] for g in got] == ["picked_up", "created"]


def test_outgoing_bad_signature_reaches_the_partner_spoilt(admin: Admin, dvc_stack: Any) -> None:
    receiver = Receiver()
    try:
        partner = requests.post(admin.url("payment", "/_admin/partners"), headers=admin.headers, timeout=T, json={
            "code": f"P{int(time.time() * 1000) % 10**8}", "name": "Đối tác thử", "callback_url": receiver.url,
            "return_url": "http://127.0.0.1:9/return"}).json()
        admin.fault("payment", direction="outgoing", action="bad_signature", path="payment.confirm", times=1)
        platform = Platform.connect(dvc_stack.info, namespace=admin.ns)
        answer = requests.post(admin.url("payment", "/api/payment"), timeout=T, headers={"X-DVC-Namespace": admin.ns},
                               json=init_message(partner["code"], partner["secret"], "REF-1", 50_000)).json()
        # the partner refuses the spoilt one: queued before the checkout, whose confirmation may come at once
        receiver.answers.append((400, {"MaLoi": "01"}))
        platform.payment.checkout(answer["UrlThanhToan"], action="pay", bank="VCB")
        first, second = receiver.wait_for(2, timeout=15)
        assert not verify(first["body"], "CONFIRM", partner["secret"])
        assert verify(second["body"], "CONFIRM", partner["secret"])   # the retry goes out right
    finally:
        receiver.stop()


# -- journal ------------------------------------------------------------------------------------------
@IN_2022   # a Quảng Nam procedure, a DVCQG password (tests/worlds.py)
def test_the_journal_records_requests_calls_and_near_misses(admin: Admin, dvc_stack: Any, dvc_data: Any) -> None:
    platform = Platform.connect(dvc_stack.info, namespace=admin.ns)
    citizen = dvc_data.citizen()
    platform.national.register_active(citizen)
    platform.provincial.login_sso(citizen["id_number"], citizen["password"])
    dossier = platform.provincial.submit("9.100006")
    code = dossier["code"]
    received = admin.get("provincial", "/_admin/journal", direction="in", correlation_id=code)["entries"]
    assert any(e["method"] == "POST" and e["url"] == "/api/v1/dossiers" and e["status"] == 201 for e in received)
    assert all(e["matched"] for e in received)
    verify_once = {"direction": "out", "correlation_id": code, "url_contains": "/sync/service", "count": 1}
    deadline = time.monotonic() + 10
    while not (result := admin.get("provincial", "/_admin/journal/verify", **verify_once))["ok"]:
        assert time.monotonic() < deadline, result
        time.sleep(0.1)
    assert admin.get("national", "/_admin/journal/count", url_contains="/api/v1/dossiers")["count"] == 0  # per service
    assert admin.call("provincial", "/api/v1/dossierz").status_code == 404
    [miss] = admin.get("provincial", "/_admin/journal/near-misses")["near_misses"]
    assert miss["url"] == "/api/v1/dossierz" and "GET /api/v1/dossiers" in miss["closest_routes"]


# -- snapshots ----------------------------------------------------------------------------------------
def test_snapshot_and_restore_the_whole_stack(admin: Admin, customer: Any) -> None:
    code, token, _ = customer
    first = order(admin, code, token, "S-1")
    name = f"snap-{admin.ns}"
    r = requests.post(admin.url("national", "/_admin/snapshots"), json={"name": name}, headers=admin.headers,
                      timeout=T)
    assert r.status_code == 201 and r.json()["bytes"] > 0
    second = order(admin, code, token, "S-2")
    r = requests.post(admin.url("payment", f"/_admin/snapshots/{name}/restore"), headers=admin.headers, timeout=30)
    assert r.ok and "postal" in r.json()["restored"]
    orders = {o["item_code"] for o in admin.get("postal", "/_admin/orders")["orders"]}
    assert first in orders and second not in orders
    bad = requests.post(admin.url("payment", "/_admin/snapshots/no-such/restore"), headers=admin.headers, timeout=T)
    assert bad.status_code == 404


def test_advancing_the_clock_moves_scheduled_postal_orders(admin: Admin, customer: Any, dvc_stack: Any) -> None:
    from harness.control import Clock

    code, token, receiver = customer
    clock = Clock(dvc_stack.info, admin.ns)
    clock.set("2022-01-10T08:00:00+07:00")
    r = requests.put(admin.url("postal", "/_admin/delivery-schedule"), json={"hours": {}}, headers=admin.headers,
                     timeout=T)
    assert r.json()["hours"] == {"picked_up": 4, "in_transit": 8, "delivered": 24}
    waybill = order(admin, code, token, "C-1")
    clock.advance(hours=13)                                   # picked up at 12:00, in transit at 20:00
    [moved] = admin.get("postal", "/_admin/orders")["orders"]
    assert [e["status"] for e in moved["events"]] == ["created", "picked_up", "in_transit"]
    assert moved["events"][2]["time"].startswith("2022-01-10T20:00")
    clock.advance(days=1)
    got = receiver.wait_for(4)
    assert [g["body"]["Status"] for g in got] == ["created", "picked_up", "in_transit", "delivered"]
    assert got[-1]["body"]["ItemCode"] == waybill and got[-1]["body"]["Time"] == "20220111200000"


@pytest.mark.parametrize("query", [
    "limit=5", "offset=40&limit=3", "tier=district&level=3", "q=l%C3%BD+l%E1%BB%8Bch", "agency_code=000.00.12.H47",
    "level=", "tier=", "q=",
])
def test_fast_reads_and_the_api_route_agree(admin: Admin, dvc_stack: Any, query: str) -> None:
    app = dvc_stack.app("provincial")
    fast = app.fast_reads["/api/v1/procedures"](query.encode())
    assert fast is not None
    routed = admin.call("provincial", f"/api/v1/procedures?{query}&_=")     # an unknown key: the route answers
    assert routed.status_code == 200 and routed.content == fast


@pytest.mark.parametrize("query", ["level=12", "limit=0", "limit=1001", "offset=-1", "tier=city", "limit=%EF%BC%95",
                                   "limit=5&limit=6", "q=" + "x" * 201])
def test_fast_reads_leave_doubtful_queries_to_the_route(dvc_stack: Any, query: str) -> None:
    assert dvc_stack.app("provincial").fast_reads["/api/v1/procedures"](query.encode()) is None


def test_the_catalogue_fast_read_answers_what_the_api_route_answers(admin: Admin) -> None:
    fast = admin.call("provincial", "/api/v1/procedures")
    routed = admin.call("provincial", "/api/v1/procedures", params={"offset": 0})   # a query: the FastAPI route
    assert fast.status_code == routed.status_code == 200
    assert fast.content == routed.content and fast.headers["content-type"] == "application/json"
    assert admin.get("provincial", "/_admin/journal/count", url_contains="/api/v1/procedures")["count"] == 2
    admin.fault("provincial", action="error", path="/api/v1/procedures", status=503, times=1)
    assert admin.call("provincial", "/api/v1/procedures").status_code == 503        # faults still apply


def test_outgoing_delay_holds_a_call_then_sends_it(admin: Admin, customer: Any) -> None:
    code, token, receiver = customer
    admin.fault("postal", direction="outgoing", action="delay", path="postal.event", delay_s=1.0, times=1)
    started = time.monotonic()
    order(admin, code, token, "H-1")
    [got] = receiver.wait_for(1, timeout=10)
    assert time.monotonic() - started >= 1.0 and got["body"]["Status"] == "created"
    [held] = [e for e in admin.get("postal", "/_admin/journal", direction="out", fault=True)["entries"]
              if e["url"] == "outbox:postal.event"]
    assert "held 1 s by a delay fault" in held["faults"][0]
