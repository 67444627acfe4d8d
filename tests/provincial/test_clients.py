"""The portal's server-to-server calls, with the other side stubbed by `responses`: SSO, payment, post, sync."""

from __future__ import annotations

import base64
import json
import time
from datetime import datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import requests
import responses
from cryptography.hazmat.primitives.asymmetric import rsa

from mocks.core.errors import DomainError
from mocks.core.signing import verify
from mocks.core.timefmt import VN_TZ
from mocks.provincial.delivery import POSTAL_KIND
from mocks.provincial.model import ProvincialPortal
from mocks.provincial.sso import LoginRequest, code_challenge
from mocks.provincial.sync import SYNC_KIND

from .conftest import ADDRESS, COMMUNE, FREE_L4, NATIONAL, PAYMENT, POSTAL, all_files, full_form, submit

# -- the SSO (relying party) ---------------------------------------------------------------------------------
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
DISCOVERY = {"issuer": NATIONAL, "authorization_endpoint": f"{NATIONAL}/oauth2/authorize",
             "token_endpoint": f"{NATIONAL}/oauth2/token", "userinfo_endpoint": f"{NATIONAL}/oauth2/userinfo",
             "jwks_uri": f"{NATIONAL}/oauth2/jwks"}
USERINFO = {"sub": "sub-1", "LoaiTaiKhoan": 1, "SoDinhDanh": "049095001234", "HoVaTen": "Nguyễn Thị Thu Hà",
            "TechID": "tech-1"}


def jwk(key: Any, kid: str) -> dict[str, Any]:
    return {**json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key())), "kid": kid, "alg": "RS256",
            "use": "sig"}


def id_token(portal: ProvincialPortal, nonce: str, *, key: Any = KEY, kid: str = "k1", **over: Any) -> str:
    now = int(time.time())
    claims = {"iss": NATIONAL, "aud": portal.config.credentials.oidc_client_id, "sub": "sub-1", "iat": now,
              "exp": now + 300, "nonce": nonce}
    claims.update(over)
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


def stub_national(rsps: responses.RequestsMock, token: str, keys: list[dict[str, Any]] | None = None,
                  userinfo: dict[str, Any] | None = None) -> None:
    rsps.add(responses.GET, f"{NATIONAL}/.well-known/openid-configuration", json=DISCOVERY)
    rsps.add(responses.POST, f"{NATIONAL}/oauth2/token",
             json={"access_token": "at-1", "token_type": "Bearer", "expires_in": 300, "id_token": token,
                   "scope": "openid"})
    rsps.add(responses.GET, f"{NATIONAL}/oauth2/jwks", json={"keys": keys or [jwk(KEY, "k1")]})
    rsps.add(responses.GET, f"{NATIONAL}/oauth2/userinfo", json=userinfo or USERINFO)


def login_request(portal: ProvincialPortal) -> LoginRequest:
    login, url = portal.sso.begin("/ho-so")
    query = parse_qs(urlsplit(url).query)
    assert url.startswith(f"{NATIONAL}/oauth2/authorize?")
    assert query["client_id"] == [portal.config.credentials.oidc_client_id]
    assert query["redirect_uri"] == ["http://tinh.test/auth/callback"]
    assert query["scope"] == ["openid"] and query["acr_values"] == ["LoA1"]
    assert query["code_challenge"] == [code_challenge(login.code_verifier)]
    assert query["code_challenge_method"] == ["S256"] and query["state"] == [login.state]
    return login


def test_sso_code_exchange_and_id_token_check(portal: ProvincialPortal) -> None:
    login = login_request(portal)
    with responses.RequestsMock() as rsps:
        stub_national(rsps, id_token(portal, login.nonce))
        identity = portal.sso.finish("t", login, "code-1")
        token_call = next(c for c in rsps.calls if c.request.url.endswith("/oauth2/token"))
    assert identity.userinfo["TechID"] == "tech-1" and identity.id_token_claims["sub"] == "sub-1"
    creds = portal.config.credentials
    expected = base64.b64encode(f"{creds.oidc_client_id}:{creds.oidc_client_secret}".encode()).decode()
    assert token_call.request.headers["Authorization"] == f"Basic {expected}"
    assert token_call.request.headers["X-DVC-Namespace"] == "t"
    form = parse_qs(token_call.request.body)
    assert form["grant_type"] == ["authorization_code"] and form["code"] == ["code-1"]
    assert form["code_verifier"] == [login.code_verifier]
    assert form["redirect_uri"] == ["http://tinh.test/auth/callback"]


@pytest.mark.parametrize(("over", "code"), [
    ({"key": OTHER_KEY}, "SSO_ID_TOKEN_SIGNATURE"),
    ({"iss": "http://evil.test"}, "SSO_ID_TOKEN_ISSUER"),
    ({"aud": "another-portal"}, "SSO_ID_TOKEN_AUDIENCE"),
    ({"exp": int(time.time()) - 3600}, "SSO_ID_TOKEN_EXPIRED"),
    ({"nonce": "not-this-one"}, "SSO_NONCE_MISMATCH"),
])
def test_sso_refuses_a_bad_id_token(portal: ProvincialPortal, over: dict[str, Any], code: str) -> None:
    login = login_request(portal)
    nonce = over.pop("nonce", login.nonce)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        stub_national(rsps, id_token(portal, nonce, **over))
        with pytest.raises(DomainError) as info:
            portal.sso.finish("t", login, "code-1")
        assert not any(c.request.url.endswith("/userinfo") for c in rsps.calls)
    assert info.value.code == code and 400 <= info.value.status < 500


def test_sso_id_token_times_are_real_time_whatever_the_namespace_clock(portal: ProvincialPortal) -> None:
    """docs/protocols.md, "Id-token times": the providers stamp real time and the relying party checks real time,
    as any library would; a namespace clock moved by years changes neither."""
    login = login_request(portal)
    portal.clock.set("t", datetime(2031, 1, 1, 9, 0, tzinfo=VN_TZ))   # far after the token's real-time exp
    issued = int(time.time())
    with responses.RequestsMock() as rsps:
        stub_national(rsps, id_token(portal, login.nonce, iat=issued, exp=issued + 300))
        assert portal.sso.finish("t", login, "c").userinfo["TechID"] == "tech-1"
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        stub_national(rsps, id_token(portal, login.nonce, iat=issued - 3600, exp=issued - 300))
        with pytest.raises(DomainError) as info:
            portal.sso.finish("t", login, "c")
    assert info.value.code == "SSO_ID_TOKEN_EXPIRED"


def test_sso_fetches_the_jwks_again_once_for_an_unknown_kid(portal: ProvincialPortal) -> None:
    login = login_request(portal)
    with responses.RequestsMock() as rsps:
        stub_national(rsps, id_token(portal, login.nonce))
        portal.sso.finish("t", login, "c")
    # The IdP rotated its key: the cached JWKS lacks k2, one new fetch finds it.
    with responses.RequestsMock() as rsps:
        rsps.add(responses.POST, f"{NATIONAL}/oauth2/token",
                 json={"access_token": "at", "id_token": id_token(portal, login.nonce, key=OTHER_KEY, kid="k2")})
        rsps.add(responses.GET, f"{NATIONAL}/oauth2/jwks", json={"keys": [jwk(OTHER_KEY, "k2")]})
        rsps.add(responses.GET, f"{NATIONAL}/oauth2/userinfo", json=USERINFO)
        portal.sso.finish("t", login, "c")
        assert sum(c.request.url.endswith("/jwks") for c in rsps.calls) == 1
    # A kid nobody knows: one fetch, then a refusal.
    with responses.RequestsMock() as rsps:
        rsps.add(responses.POST, f"{NATIONAL}/oauth2/token",
                 json={"access_token": "at", "id_token": id_token(portal, login.nonce, kid="k9")})
        rsps.add(responses.GET, f"{NATIONAL}/oauth2/jwks", json={"keys": [jwk(OTHER_KEY, "k2")]})
        with pytest.raises(DomainError) as info:
            portal.sso.finish("t", login, "c")
        assert sum(c.request.url.endswith("/jwks") for c in rsps.calls) == 1
    assert info.value.code == "SSO_UNKNOWN_KEY"


def test_sso_token_refusal_and_outage(portal: ProvincialPortal) -> None:
    login = login_request(portal)
    with responses.RequestsMock() as rsps:
        rsps.add(responses.GET, f"{NATIONAL}/.well-known/openid-configuration", json=DISCOVERY)
        rsps.add(responses.POST, f"{NATIONAL}/oauth2/token", status=400, json={"error": "invalid_grant"})
        with pytest.raises(DomainError) as info:
            portal.sso.finish("t", login, "used-code")
    assert info.value.code == "SSO_TOKEN_REFUSED" and info.value.status == 400
    with responses.RequestsMock() as rsps:
        rsps.add(responses.POST, f"{NATIONAL}/oauth2/token", body=requests.ConnectionError("down"))
        with pytest.raises(DomainError) as info:
            portal.sso.finish("t", login, "c")
    assert info.value.code == "SSO_UNAVAILABLE" and info.value.status == 502


def test_sso_userinfo_must_be_about_the_same_subject(portal: ProvincialPortal) -> None:
    login = login_request(portal)
    with responses.RequestsMock() as rsps:
        stub_national(rsps, id_token(portal, login.nonce), userinfo={**USERINFO, "sub": "someone-else"})
        with pytest.raises(DomainError) as info:
            portal.sso.finish("t", login, "c")
    assert info.value.code == "SSO_SUBJECT_MISMATCH"


# -- the payment platform --------------------------------------------------------------------------------------
PAY_URL = f"{PAYMENT}/api/payment"


def payment_answer(kind: str, **fields: Any) -> Any:
    def callback(request: Any) -> tuple[int, dict[str, str], str]:
        body = json.loads(request.body)
        assert body["LoaiBanTin"] == kind
        return 200, {}, json.dumps({"MaLoi": "00", "MaThamChieu": body["MaThamChieu"], **fields})
    return callback


def _dossier(portal: ProvincialPortal, citizen: Any) -> Any:
    return submit(portal, citizen, payment_method="online")


def test_init_is_signed_and_carries_the_receipt_info(portal: ProvincialPortal, citizen: Any) -> None:
    d = _dossier(portal, citizen)
    with responses.RequestsMock() as rsps:
        rsps.add_callback(responses.POST, PAY_URL, callback=payment_answer("INIT", UrlThanhToan="http://pay.test/x"))
        tx = portal.payments.start("t", d.code, citizen.id, "10.1.2.3")
        sent = json.loads(rsps.calls[0].request.body)
        assert rsps.calls[0].request.headers["X-DVC-Namespace"] == "t"
    creds = portal.config.credentials
    assert verify(sent, "INIT", creds.payment_secret)
    assert sent["MaDoiTac"] == creds.payment_partner_code and sent["MaThamChieu"] == f"{d.code}-01"
    assert sent["SoTien"] == 200_000 and sent["PhienBan"] == "1.0.6" and sent["Ip"] == "10.1.2.3"
    assert sent["LoaiHinhThanhToan"] == "PAY" and sent["MaTienTe"] == "VND" and len(sent["ThoiGianGD"]) == 14
    info = sent["ThongTinBienLai"]
    assert info["MaHoSo"] == d.code and info["MaTTHC"] == "2.000488" and info["MaDonVi"] == d.agency_code
    assert info["HoTenNguoiNop"] == "Nguyễn Thị Thu Hà" and info["SoCMNDNguoiNop"] == "049095001234"
    assert info["PhiLePhi"][0]["SoTien"] == 200_000
    assert tx.payment_url == "http://pay.test/x" and tx.status == "created"


@pytest.mark.parametrize(("stub", "code"), [
    ({"status": 400, "json": {"MaLoi": "03", "MoTaLoi": "Dữ liệu không hợp lệ"}}, "PAYMENT_PLATFORM_REFUSED"),
    ({"body": requests.Timeout("slow")}, "PAYMENT_PLATFORM_TIMEOUT"),
    ({"body": requests.ConnectionError("down")}, "PAYMENT_PLATFORM_UNAVAILABLE"),
    ({"status": 500, "body": "<html>oops</html>"}, "PAYMENT_PLATFORM_BAD_ANSWER"),
    ({"json": {"MaLoi": "00"}}, "PAYMENT_PLATFORM_BAD_ANSWER"),
])
def test_init_failures_leave_the_dossier_unchanged(portal: ProvincialPortal, citizen: Any, stub: dict[str, Any],
                                                   code: str) -> None:
    d = _dossier(portal, citizen)
    with responses.RequestsMock() as rsps:
        rsps.add(responses.POST, PAY_URL, **stub)
        with pytest.raises(DomainError) as info:
            portal.payments.start("t", d.code, citizen.id)
    assert info.value.code == code and info.value.status == 502
    after = portal.dossiers.get("t", d.code)
    assert after.to_json() == d.to_json()
    assert [t.status for t in portal.payments.attempts("t", d.code)] == ["init_failed"]
    # The next try is a new attempt with a new reference.
    with responses.RequestsMock() as rsps:
        rsps.add_callback(responses.POST, PAY_URL, callback=payment_answer("INIT", UrlThanhToan="http://pay.test/y"))
        assert portal.payments.start("t", d.code, citizen.id).reference == f"{d.code}-02"


def _started(portal: ProvincialPortal, citizen: Any) -> tuple[Any, Any]:
    d = _dossier(portal, citizen)
    with responses.RequestsMock() as rsps:
        rsps.add_callback(responses.POST, PAY_URL, callback=payment_answer("INIT", UrlThanhToan="http://pay.test/x"))
        tx = portal.payments.start("t", d.code, citizen.id)
    return d, tx


def test_query_records_a_payment_the_confirmation_has_not_brought(portal: ProvincialPortal, citizen: Any) -> None:
    d, tx = _started(portal, citizen)
    with responses.RequestsMock() as rsps:
        rsps.add_callback(responses.POST, PAY_URL, callback=payment_answer(
            "QUERY", TrangThaiGD=1, SoTien=200_000, MaGiaoDich="GD42", MaNganHang="BIDV"))
        after = portal.payments.refresh("t", tx.reference)
        assert verify(json.loads(rsps.calls[0].request.body), "QUERY", portal.config.credentials.payment_secret)
    assert after.status == "paid" and after.transaction_id == "GD42" and after.bank == "BIDV"
    assert portal.dossiers.get("t", d.code).paid_online
    # Paid: no more questions to the platform.
    with responses.RequestsMock() as rsps:
        assert portal.payments.refresh("t", tx.reference).status == "paid"
        assert len(rsps.calls) == 0


@pytest.mark.parametrize(("state", "expected"), [(4, "failed"), (3, "pending"), (0, "created")])
def test_query_outcomes(portal: ProvincialPortal, citizen: Any, state: int, expected: str) -> None:
    _, tx = _started(portal, citizen)
    with responses.RequestsMock() as rsps:
        rsps.add_callback(responses.POST, PAY_URL, callback=payment_answer("QUERY", TrangThaiGD=state))
        assert portal.payments.refresh("t", tx.reference).status == expected


def test_query_failure_on_the_return_page_is_quiet(portal: ProvincialPortal, citizen: Any) -> None:
    _, tx = _started(portal, citizen)
    with responses.RequestsMock() as rsps:
        rsps.add(responses.POST, PAY_URL, body=requests.Timeout())
        assert portal.payments.refresh("t", tx.reference).status == "created"


def test_starting_again_reuses_an_unpaid_checkout_or_waits_for_a_pending_one(portal: ProvincialPortal,
                                                                            citizen: Any) -> None:
    d, tx = _started(portal, citizen)
    with responses.RequestsMock() as rsps:
        rsps.add_callback(responses.POST, PAY_URL, callback=payment_answer("QUERY", TrangThaiGD=0))
        again = portal.payments.start("t", d.code, citizen.id)
        assert len(rsps.calls) == 1      # QUERY only, no second INIT
    assert again.reference == tx.reference and again.payment_url == tx.payment_url
    with responses.RequestsMock() as rsps:
        rsps.add_callback(responses.POST, PAY_URL, callback=payment_answer("QUERY", TrangThaiGD=3))
        with pytest.raises(DomainError) as info:
            portal.payments.start("t", d.code, citizen.id)
    assert info.value.code == "PAYMENT_PENDING"
    with responses.RequestsMock() as rsps:
        rsps.add(responses.POST, PAY_URL, status=404, json={"MaLoi": "05", "MoTaLoi": "Không tìm thấy"})
        rsps.add_callback(responses.POST, PAY_URL, callback=payment_answer("INIT", UrlThanhToan="http://pay.test/z"))
        assert portal.payments.start("t", d.code, citizen.id).reference == f"{d.code}-02"


def test_get_bill_once_then_kept(portal: ProvincialPortal, citizen: Any) -> None:
    d, tx = _started(portal, citizen)
    with responses.RequestsMock() as rsps:
        rsps.add_callback(responses.POST, PAY_URL, callback=payment_answer("QUERY", TrangThaiGD=1, SoTien=200_000))
        portal.payments.refresh("t", tx.reference)
    with responses.RequestsMock() as rsps:
        rsps.add_callback(responses.POST, PAY_URL, callback=payment_answer(
            "GET_BILL", UrlBienLai="http://pay.test/bien-lai/GD1", SoBienLai="0000123", MaXacThuc="x"))
        bill = portal.payments.receipt("t", d.code, citizen.id)
        assert verify(json.loads(rsps.calls[0].request.body), "GET_BILL", portal.config.credentials.payment_secret)
    assert bill["receipt_url"] == "http://pay.test/bien-lai/GD1" and bill["amount"] == 200_000
    assert bill["bill"]["SoBienLai"] == "0000123" and "MaXacThuc" not in bill["bill"]
    with responses.RequestsMock() as rsps:
        assert portal.payments.receipt("t", d.code, citizen.id)["receipt_url"] == bill["receipt_url"]
        assert len(rsps.calls) == 0


def test_no_receipt_before_payment(portal: ProvincialPortal, citizen: Any) -> None:
    d, _ = _started(portal, citizen)
    with pytest.raises(DomainError) as info:
        portal.payments.receipt("t", d.code, citizen.id)
    assert info.value.code == "NOT_PAID"


# -- the post ----------------------------------------------------------------------------------------------
ORDERS_URL = f"{POSTAL}/api/orders"


def drain(portal: ProvincialPortal, rounds: int = 20) -> None:
    for _ in range(rounds):
        portal.outbox.retry_now("t")
        if not portal.outbox.run_once():
            return


def _handed_over(portal: ProvincialPortal, citizen: Any) -> Any:
    d = submit(portal, citizen, FREE_L4, COMMUNE, form=full_form(portal, FREE_L4), files=all_files(portal, FREE_L4),
               result_delivery="post", postal_address=ADDRESS)
    portal.dossiers.result_ready("t", d.code)
    return d


def order_answer(item_code: str = "EB100000012VN") -> Any:
    def callback(request: Any) -> tuple[int, dict[str, str], str]:
        body = json.loads(request.body)
        return 200, {}, json.dumps({"Status": "100", "Message": "OK", "ItemCode": item_code,
                                    "OrderNumber": body["OrderNumber"]})
    return callback


def _stub_sync(rsps: responses.RequestsMock) -> None:
    rsps.add(responses.POST, f"{NATIONAL}/sync/login", json={"session": "s-1", "error_code": 0})
    rsps.add(responses.POST, f"{NATIONAL}/sync/service", json={"error_code": 0, "message": "ok", "result": []})


def test_the_postal_order_is_created_and_its_waybill_recorded(portal: ProvincialPortal, citizen: Any) -> None:
    d = _handed_over(portal, citizen)
    with responses.RequestsMock() as rsps:
        _stub_sync(rsps)
        rsps.add_callback(responses.POST, ORDERS_URL, callback=order_answer())
        drain(portal)
        calls = [c for c in rsps.calls if c.request.url == ORDERS_URL]
    assert len(calls) == 1
    request = calls[0].request
    assert request.headers["access_token"] == portal.config.credentials.postal_access_token
    assert request.headers["X-DVC-Namespace"] == "t"
    body = json.loads(request.body)
    assert body["OrderNumber"] == d.code and body["CustomerCode"] == portal.config.credentials.postal_customer_code
    order = portal.dossiers.get("t", d.code).postal_order
    assert order is not None and order.waybill == "EB100000012VN" and order.status == "created"


def test_a_postal_outage_is_retried_and_the_same_waybill_kept(portal: ProvincialPortal, citizen: Any) -> None:
    d = _handed_over(portal, citizen)
    with responses.RequestsMock() as rsps:
        _stub_sync(rsps)
        rsps.add(responses.POST, ORDERS_URL, status=503, body="unavailable")
        portal.outbox.run_once()
    pending = portal.outbox.messages("t", kind=POSTAL_KIND)
    assert pending[0]["status"] == "pending" and pending[0]["attempts"] == 1
    order = portal.dossiers.get("t", d.code).postal_order
    assert order is not None and order.waybill is None and "503" in (order.last_error or "")
    with responses.RequestsMock() as rsps:
        # The post got the first try after all: the same OrderNumber answers the same waybill.
        rsps.add_callback(responses.POST, ORDERS_URL, callback=order_answer("EB100000029VN"))
        rsps.add(responses.POST, f"{NATIONAL}/sync/service", json={"error_code": 0})
        drain(portal)
    assert portal.outbox.messages("t", kind=POSTAL_KIND)[0]["status"] == "delivered"
    order = portal.dossiers.get("t", d.code).postal_order
    assert order is not None and order.waybill == "EB100000029VN" and order.last_error is None
    # A second answer with the same waybill (a replayed call) changes nothing.
    portal.postal_orders.record_waybill("t", d.code, "EB100000029VN")
    assert portal.dossiers.get("t", d.code).postal_order.waybill == "EB100000029VN"  # type: ignore[union-attr]


def test_an_invalid_postal_order_is_rejected_after_one_try(portal: ProvincialPortal, citizen: Any) -> None:
    d = _handed_over(portal, citizen)
    with responses.RequestsMock() as rsps:
        _stub_sync(rsps)
        rsps.add(responses.POST, ORDERS_URL, status=400, json={"Status": "101", "Message": "Receiver.Tel"})
        portal.outbox.run_once()
        portal.outbox.retry_now("t")
        portal.outbox.run_once()
        tries = [c for c in rsps.calls if c.request.url == ORDERS_URL]
    [message] = portal.outbox.messages("t", kind=POSTAL_KIND)
    assert len(tries) == 1 and message["status"] == "rejected" and message["refusal"]["code"] == "101"
    assert "Receiver.Tel" in message["refusal"]["message"]
    assert "Receiver.Tel" in (portal.dossiers.get("t", d.code).postal_order.last_error or "")  # type: ignore[union-attr]


@pytest.mark.parametrize("status, body", [(401, {"Status": "102", "Message": "access_token"}),
                                          (503, {"Message": "Service Unavailable"})])
def test_a_postal_failure_that_may_pass_is_not_acknowledged(portal: ProvincialPortal, citizen: Any, status: int,
                                                              body: dict[str, str]) -> None:
    _handed_over(portal, citizen)
    with responses.RequestsMock() as rsps:
        _stub_sync(rsps)
        rsps.add(responses.POST, ORDERS_URL, status=status, json=body)
        portal.outbox.run_once()
    assert portal.outbox.messages("t", kind=POSTAL_KIND)[0]["status"] == "pending"


# -- the national sync -----------------------------------------------------------------------------------------
SERVICE_URL = f"{NATIONAL}/sync/service"
LOGIN_URL = f"{NATIONAL}/sync/login"


def test_sync_logs_in_once_and_sends_each_message(portal: ProvincialPortal, citizen: Any) -> None:
    d = submit(portal, citizen, payment_method="counter")
    portal.dossiers.result_ready("t", d.code)
    with responses.RequestsMock() as rsps:
        rsps.add(responses.POST, LOGIN_URL, json={"session": "s-1", "error_code": 0})
        rsps.add(responses.POST, SERVICE_URL, json={"error_code": 0, "message": "ok"})
        drain(portal)
        logins = [c for c in rsps.calls if c.request.url == LOGIN_URL]
        services = [json.loads(c.request.body) for c in rsps.calls if c.request.url == SERVICE_URL]
    creds = portal.config.credentials
    assert len(logins) == 1
    assert json.loads(logins[0].request.body) == {"username": creds.sync_username, "password": creds.sync_password}
    # The result-ready shortcut walks through receipt (2) and processing (4) to the result (9): three changes.
    assert [(s["service"], s.get("isUpdating")) for s in services] == [
        ("DongBoHoSoMC", False)] + [("DongBoHoSoMC", True), ("CapNhatTienDoHoSoMC", None)] * 3
    assert all(s["session"] == "s-1" and s["madonvi"] == d.agency_code for s in services)
    assert all(m["status"] == "delivered" for m in portal.outbox.messages("t", kind=SYNC_KIND))


def test_sync_logs_in_again_when_the_session_expired(portal: ProvincialPortal, citizen: Any) -> None:
    submit(portal, citizen)
    portal.sync_gateway.store.execute("INSERT INTO sync_session(ns, session, obtained_at) VALUES ('t', 'old', 0)")
    with responses.RequestsMock() as rsps:
        rsps.add(responses.POST, SERVICE_URL, status=401,
                 json={"error_code": 2, "message": "Phiên làm việc không hợp lệ hoặc đã hết hạn"})
        rsps.add(responses.POST, LOGIN_URL, json={"session": "new", "error_code": 0})
        rsps.add(responses.POST, SERVICE_URL, json={"error_code": 0})
        assert portal.outbox.run_once() == 1
        sessions = [json.loads(c.request.body)["session"] for c in rsps.calls if c.request.url == SERVICE_URL]
    assert sessions == ["old", "new"]


def test_sync_failures_are_retried_in_order(portal: ProvincialPortal, citizen: Any) -> None:
    d = submit(portal, citizen, payment_method="counter")
    portal.dossiers.result_ready("t", d.code)
    with responses.RequestsMock() as rsps:
        rsps.add(responses.POST, LOGIN_URL, json={"session": "s", "error_code": 0})
        rsps.add(responses.POST, SERVICE_URL, status=503, json={"message": "Service Unavailable"})
        portal.outbox.run_once()
        portal.outbox.retry_now("t")
        portal.outbox.run_once()
        services = [json.loads(c.request.body) for c in rsps.calls if c.request.url == SERVICE_URL]
    # Only the first message is tried while it fails; the later ones wait behind it.
    assert [s["isUpdating"] for s in services] == [False, False]
    messages = portal.outbox.messages("t", kind=SYNC_KIND)
    assert [m["status"] for m in messages] == ["pending"] * 7 and messages[0]["attempts"] == 2
    with responses.RequestsMock() as rsps:
        rsps.add(responses.POST, SERVICE_URL, json={"error_code": 0})
        drain(portal)
        services = [json.loads(c.request.body) for c in rsps.calls if c.request.url == SERVICE_URL]
    assert [(s["service"], s.get("isUpdating")) for s in services] == [
        ("DongBoHoSoMC", False)] + [("DongBoHoSoMC", True), ("CapNhatTienDoHoSoMC", None)] * 3
    assert [m["status"] for m in portal.outbox.messages("t", kind=SYNC_KIND)] == ["delivered"] * 7


def test_sync_login_refused_or_unreachable(portal: ProvincialPortal, citizen: Any) -> None:
    submit(portal, citizen)
    with responses.RequestsMock() as rsps:
        rsps.add(responses.POST, LOGIN_URL, status=401, json={"error_code": 1, "message": "sai mật khẩu"})
        assert portal.outbox.run_once() == 0
    with responses.RequestsMock() as rsps:
        rsps.add(responses.POST, LOGIN_URL, body=requests.ConnectionError())
        portal.outbox.retry_now("t")
        assert portal.outbox.run_once() == 0
    assert "sync login" in (portal.outbox.messages("t", kind=SYNC_KIND)[0]["last_error"] or "")


def test_the_harness_clients_wait_longer_than_the_portals_own_calls() -> None:
    """A latency fault on the payment platform must show what the portal does about it (its own time-out), not
    the harness's client giving up first, as both did at 15 s."""
    from harness.clients import ProvincialClient
    from harness.clients.base import DEFAULT_TIMEOUT
    from mocks.core import oidc_client
    from mocks.provincial import delivery, payments, sync

    upstream = [timeout[1] for timeout in (delivery.TIMEOUT, payments.TIMEOUT, oidc_client.TIMEOUT, sync.TIMEOUT)]
    assert 2 * max(upstream) <= DEFAULT_TIMEOUT and ProvincialClient("http://x").timeout == DEFAULT_TIMEOUT
    assert ProvincialClient("http://x", timeout=5).timeout == 5                   # and a call may choose its own
