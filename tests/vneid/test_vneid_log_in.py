"""Logging in with VNeID, over HTTP as a browser does: DVCQG federates VNeID, the app approves, denies or lets
expire, a QR code, auto-approval; old DVCQG accounts by date; VNeID down; the identity level a procedure needs."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from harness.clients import ClientError, Platform, VneidLogin, sample_attachments, sample_form
from harness.clients.vneid import log_in, vneid_link
from harness.control import Faults
from harness.stack import Stack

from .conftest import TODAY, VNEID_PASSWORD, on

T = 10
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # authlib.jose points to joserfc


def browser(ns: str) -> requests.Session:
    session = requests.Session()
    session.headers["X-DVC-Namespace"] = ns
    return session


def national_account(platform: Platform, username: str) -> dict[str, Any] | None:
    """The DVCQG account (GET /_admin/accounts/{username}); None when there is none."""
    answer = platform.national.request("GET", f"/_admin/accounts/{username}", admin=True)
    assert answer.status_code in (200, 404), answer.text
    return answer.json() if answer.status_code == 200 else None


def start_on_dvcqg(platform: Platform) -> str:
    return platform.national.url("/dang-nhap/vneid?next=/tai-khoan")


def started(platform: Platform, ns: str, person: dict[str, Any]) -> tuple[requests.Session, VneidLogin]:
    """Today's world; a browser that gave the number and password on VNeID's page, now waiting for the app."""
    on(platform, TODAY)
    web = browser(ns)
    return web, VneidLogin.start(web, start_on_dvcqg(platform), person["id_number"], person["password"])


def test_vneid_log_in_approved_in_the_app_creates_the_dvcqg_account(platform: Platform, ns: str,
                                                                     person: dict[str, Any]) -> None:
    web, login = started(platform, ns, person)
    # the app shows the request to its holder, and to nobody else
    assert [r["id"] for r in platform.vneid.pending(person["id_number"])] == [login.approval_id]
    assert platform.vneid.pending("049090001234") == []
    waiting = web.get(login.waiting_url, timeout=T)
    assert waiting.status_code == 200 and "ứng dụng VNeID" in waiting.text     # not approved yet: still waiting
    platform.vneid.approve(login.approval_id)
    page = login.finish()
    assert page.url.endswith("/tai-khoan") and person["full_name"] in page.text
    account = national_account(platform, person["id_number"])
    assert account is not None and account["linked_to_vneid"] and account["identity_level"] == 2
    assert account["full_name"] == person["full_name"] and account["status"] == "active"
    # the account was made by the VNeID log-in: no DVCQG password opens it
    with pytest.raises(ClientError) as no_password:
        platform.national.login(person["id_number"], person["password"])
    assert no_password.value.status in (401, 403)


def test_vneid_log_in_denied_in_the_app_creates_nothing(platform: Platform, ns: str, person: dict[str, Any]) -> None:
    web, login = started(platform, ns, person)
    platform.vneid.deny(login.approval_id)
    page = login.finish()
    assert page.status_code == 400 and "VNEID_DENIED" in page.text and "VNeID" in page.text
    assert "/tai-khoan" not in page.url
    # nobody is logged in on DVCQG, and no account was made
    assert web.get(platform.national.url("/tai-khoan"), timeout=T, allow_redirects=False).status_code == 303
    assert national_account(platform, person["id_number"]) is None


def test_vneid_approval_left_to_expire(platform: Platform, ns: str, person: dict[str, Any]) -> None:
    web, login = started(platform, ns, person)
    platform.vneid.expire(login.approval_id)
    page = login.finish()
    assert page.status_code == 410 and "hết hạn" in page.text and 'name="password"' in page.text   # log in again
    # ...and one nobody answers dies on the namespace clock: 2 minutes
    second = VneidLogin.start(web, start_on_dvcqg(platform), person["id_number"], person["password"])
    platform.national.advance_clock(seconds=121)
    assert second.finish().status_code == 410
    with pytest.raises(ClientError) as late:
        platform.vneid.approve(second.approval_id)
    assert late.value.code == "APPROVAL_NOT_PENDING"


def test_vneid_qr_code_scanned_by_the_app(platform: Platform, ns: str, person: dict[str, Any]) -> None:
    on(platform, TODAY)
    web = browser(ns)
    login, qr = VneidLogin.start_qr(web, start_on_dvcqg(platform))
    assert qr.startswith("VNEID-QR:")
    platform.vneid.scan(qr, person["id_number"])
    page = login.finish()
    assert page.url.endswith("/tai-khoan") and person["full_name"] in page.text


def test_vneid_auto_approval_for_the_load(platform: Platform, ns: str, person: dict[str, Any]) -> None:
    on(platform, TODAY)
    platform.vneid.auto_approve(True)
    login = VneidLogin.start(browser(ns), start_on_dvcqg(platform), person["id_number"], person["password"])
    assert platform.vneid.pending() == [] and login.finish().url.endswith("/tai-khoan")


def test_an_old_citizen_password_is_refused_from_2024_07_01_then_linked_by_vneid(platform: Platform,
                                                                                  ns: str) -> None:
    on(platform, "2024-06-30T16:00:00+07:00")
    seeded = platform.national.seed()["accounts"][0]
    assert seeded["log_in"] == "password" and set(seeded) >= {"username", "password", "account_type"}
    assert platform.national.login(seeded["username"], seeded["password"])["username"] == seeded["username"]
    on(platform, "2024-07-01T08:00:00+07:00")
    assert platform.national.seed()["accounts"][0]["log_in"] == "vneid"
    # the JSON API, the log-in page and the SSO's page: 403, naming VNeID and how to link
    with pytest.raises(ClientError) as api:
        platform.national.login(seeded["username"], seeded["password"])
    assert api.value.status == 403 and api.value.code == "PASSWORD_LOGIN_RETIRED"
    message = api.value.body["error"]["message_vi"]
    assert "VNeID" in message and "liên kết" in message and "số định danh cá nhân" in message
    web = browser(ns)
    form_page = web.get(platform.national.url("/dang-nhap"), timeout=T)
    csrf = form_page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    page = web.post(platform.national.url("/dang-nhap"), data={"csrf_token": csrf, "username": seeded["username"],
                                                                "password": seeded["password"]}, timeout=T)
    assert page.status_code == 403 and "Đăng nhập bằng tài khoản định danh điện tử VNeID" in page.text
    with pytest.raises(ClientError) as sso:
        platform.provincial.login_sso(seeded["username"], seeded["password"])
    assert sso.value.status == 403
    # the VNeID log-in finds the old account by the ID number and links it: the same TechID on the provincial portal
    platform.vneid.seed()
    me = platform.provincial.login_vneid(seeded["username"], VNEID_PASSWORD, platform.vneid)
    assert me["tech_id"] == seeded["tech_id"] and me["id_number"] == seeded["username"]


def test_organisations_keep_their_passwords_until_2025_06_30(platform: Platform, ns: str) -> None:
    on(platform, "2025-06-30T16:00:00+07:00")
    business = next(a for a in platform.national.seed()["accounts"] if a["account_type"] == "business")
    assert platform.national.login(business["username"], business["password"])["account_type"] == "business"
    on(platform, "2025-07-01T08:00:00+07:00")
    with pytest.raises(ClientError) as refused:
        platform.national.login(business["username"], business["password"])
    assert refused.value.status == 403 and "mã số thuế" in refused.value.body["error"]["message_vi"]
    # the organisation's identity: its representative's app approves the log-in
    platform.vneid.seed()
    web = browser(ns)
    login = VneidLogin.start(web, start_on_dvcqg(platform), business["username"], VNEID_PASSWORD)
    [asked] = platform.vneid.pending("049090001234")
    assert asked["username"] == business["username"] and asked["id"] == login.approval_id
    platform.vneid.approve(login.approval_id)
    assert "Công ty TNHH Thương mại Phố Hội" in login.finish().text


def test_registration_closes_by_date(platform: Platform, dvc_data: Any) -> None:
    on(platform, "2024-07-01T08:00:00+07:00")
    with pytest.raises(ClientError) as citizen:
        platform.national.register(dvc_data.citizen())
    assert citizen.value.status == 403 and citizen.value.code == "REGISTRATION_CLOSED"
    assert platform.national.register(dvc_data.business())["status"] == "pending"
    on(platform, "2025-07-01T08:00:00+07:00")
    with pytest.raises(ClientError) as business:
        platform.national.register(dvc_data.business())
    assert business.value.code == "REGISTRATION_CLOSED"


def test_vneid_down_the_page_says_so_and_nothing_is_half_created(dvc_stack: Stack, platform: Platform, ns: str,
                                                                 person: dict[str, Any]) -> None:
    on(platform, TODAY)
    Faults(dvc_stack.info, ns).error("vneid", "*", status=503)
    web = browser(ns)
    page = web.get(start_on_dvcqg(platform), timeout=T)
    assert page.status_code == 502 and "VNEID_UNAVAILABLE" in page.text and "VNeID" in page.text
    assert urlsplit(page.url).netloc == urlsplit(platform.national.base_url).netloc   # nobody was sent there
    assert national_account(platform, person["id_number"]) is None and platform.vneid.pending() == []
    Faults(dvc_stack.info, ns).clear()
    # VNeID back: the log-in goes through and makes the account
    log_in(web, start_on_dvcqg(platform), person["id_number"], person["password"], platform.vneid)
    assert national_account(platform, person["id_number"]) is not None


def test_vneid_down_after_the_approval_links_nothing(dvc_stack: Stack, platform: Platform, ns: str,
                                                     person: dict[str, Any]) -> None:
    web, login = started(platform, ns, person)
    platform.vneid.approve(login.approval_id)
    Faults(dvc_stack.info, ns).error("vneid", "/oauth2/token", status=503)
    page = login.finish()
    assert page.status_code == 400 and "VNEID_TOKEN_REFUSED" in page.text
    assert web.get(platform.national.url("/tai-khoan"), timeout=T, allow_redirects=False).status_code == 303
    assert national_account(platform, person["id_number"]) is None


def test_the_claims_dvcqg_passes_carry_the_identity_level(platform: Platform, person: dict[str, Any]) -> None:
    on(platform, TODAY)
    me = platform.provincial.login_vneid(person["id_number"], person["password"], platform.vneid)
    assert me["link_rule"] == "created" and me["id_number"] == person["id_number"]
    assert me["identity_level"] == 2 and me["verified_with_vneid"]


def test_a_level_1_identity_is_refused_where_level_2_is_required(platform: Platform, ns: str,
                                                                 dvc_data: Any) -> None:
    on(platform, TODAY)
    citizen = dvc_data.citizen()
    platform.vneid.person(citizen, level=1)
    platform.provincial.login_vneid(citizen["id_number"], citizen["password"], platform.vneid)
    procedure = platform.provincial.procedure("2.000488")
    assert procedure["identity_level"] == 2
    with pytest.raises(ClientError) as refused:
        platform.provincial.submit("2.000488", form=sample_form(procedure), attachments=sample_attachments(procedure),
                                   payment_method="online")
    assert refused.value.status == 403 and refused.value.code == "IDENTITY_LEVEL_TOO_LOW"
    assert refused.value.body["error"]["details"] == {"required": 2, "yours": 1}
    # at the police the identity becomes level 2; logged in again, the same dossier goes in
    platform.vneid.set_level(citizen["id_number"], 2)
    platform.provincial.session.cookies.clear()
    platform.provincial.login_vneid(citizen["id_number"], citizen["password"], platform.vneid)
    made = platform.provincial.submit("2.000488", form=sample_form(procedure),
                                      attachments=sample_attachments(procedure), payment_method="online")
    assert made["status"] == 1


def test_an_outside_relying_party_gets_the_vneid_backed_claims_from_dvcqg(dvc_stack: Stack, platform: Platform,
                                                                          ns: str, person: dict[str, Any]) -> None:
    """Authlib, a relying party of DVCQG, gets the VNeID-backed claims with no change of protocol."""
    from authlib.common.security import generate_token
    from authlib.integrations.requests_client import OAuth2Session
    from authlib.jose import JsonWebKey, jwt
    from authlib.oidc.core import CodeIDToken

    on(platform, TODAY)
    redirect_uri = "http://127.0.0.1:9/rp/callback"
    rp_client = platform.national.call("POST", "/_admin/oidc-clients", admin=True, expect=201,
                                       json={"name": "Authlib RP", "redirect_uris": [redirect_uri]})
    meta = requests.get(platform.national.url("/.well-known/openid-configuration"), timeout=T).json()
    assert "LoA2" in meta["acr_values_supported"] and "IAL" in meta["claims_supported"]
    rp = OAuth2Session(rp_client["client_id"], rp_client["client_secret"], scope="openid",
                       redirect_uri=redirect_uri, code_challenge_method="S256")
    rp.headers["X-DVC-Namespace"] = ns
    verifier, nonce = generate_token(64), generate_token(24)
    url, state = rp.create_authorization_url(meta["authorization_endpoint"], code_verifier=verifier, nonce=nonce)
    web = browser(ns)
    login = VneidLogin.start(web, vneid_link(web.get(url, timeout=T)), person["id_number"], person["password"])
    platform.vneid.approve(login.approval_id)
    back = web.get(login.waiting_url, timeout=T, allow_redirects=False)
    while back.status_code in (302, 303) and not back.headers["location"].startswith(redirect_uri):
        back = web.get(requests.compat.urljoin(back.url, back.headers["location"]), timeout=T, allow_redirects=False)
    location = back.headers["location"]
    assert parse_qs(urlsplit(location).query)["state"] == [state]
    token = rp.fetch_token(meta["token_endpoint"], authorization_response=location, code_verifier=verifier,
                           state=state)
    keys = JsonWebKey.import_key_set(requests.get(meta["jwks_uri"], timeout=T).json())
    claims = jwt.decode(token["id_token"], keys, claims_cls=CodeIDToken,
                        claims_options={"iss": {"essential": True, "value": meta["issuer"]}},
                        claims_params={"nonce": nonce, "client_id": rp_client["client_id"],
                                       "access_token": token["access_token"]})
    claims.validate(leeway=5)
    assert claims["acr"] == "LoA2" and claims["amr"] == ["vneid"]
    info = rp.get(meta["userinfo_endpoint"], timeout=T).json()
    assert (info["SoDinhDanh"], info["IAL"], info["loAs"], info["TaiKhoanDuocXacThucVoiVNeID"]) == (
        person["id_number"], 2, ["LoA1", "LoA2"], True)
