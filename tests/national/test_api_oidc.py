"""The OpenID Connect identity provider over HTTP: the code flow and each refusal."""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import requests

from harness.stack import Stack
from mocks.national.oidc import s256
from tests.worlds import IN_2022

from .conftest import PASSWORD, active_citizen, forms, submit

pytestmark = IN_2022   # the 2022 world's rules (tests/worlds.py)

T = 5


@pytest.fixture
def client(dvc_stack: Stack) -> dict[str, str]:
    c = dvc_stack.config
    return {"client_id": c.credentials.oidc_client_id, "client_secret": c.credentials.oidc_client_secret,
            "redirect_uri": c.url("provincial") + "/auth/callback"}


@pytest.fixture
def citizen(base: str, headers: dict[str, str], admin: dict[str, str]) -> dict[str, Any]:
    return active_citizen(base, headers, admin)


@pytest.fixture
def browser(headers: dict[str, str]) -> requests.Session:
    http = requests.Session()
    http.headers.update(headers)
    return http


def authorize_params(client: dict[str, str], **changes: str) -> dict[str, str]:
    return {"response_type": "code", "client_id": client["client_id"], "redirect_uri": client["redirect_uri"],
            "scope": "openid", "state": "st-42", "nonce": "nonce-42", "acr_values": "LoA1", **changes}


def log_in(browser: requests.Session, base: str, client: dict[str, str], **changes: str) -> requests.Response:
    """GET authorize (the log-in page), post the form; answers the redirect to the relying party."""
    page = browser.get(f"{base}/oauth2/authorize", params=authorize_params(client, **changes), timeout=T)
    assert page.status_code == 200 and "Đăng nhập" in page.text
    return submit(browser, base, page.text, {"username": "049190012345", "password": PASSWORD})


def code_of(response: requests.Response, client: dict[str, str]) -> str:
    assert response.status_code in (302, 303), response.text
    location = response.headers["location"]
    assert location.startswith(client["redirect_uri"] + "?")
    query = parse_qs(urlsplit(location).query)
    assert query["state"] == ["st-42"]
    return query["code"][0]


def token(base: str, headers: dict[str, str], client: dict[str, str], code: str, **extra: str) -> requests.Response:
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": client["redirect_uri"], **extra}
    return requests.post(f"{base}/oauth2/token", data=data, auth=(client["client_id"], client["client_secret"]),
                         headers=headers, timeout=T)


def test_discovery_and_jwks(base: str, dvc_stack: Stack) -> None:
    doc = requests.get(f"{base}/.well-known/openid-configuration", timeout=T).json()
    assert doc["issuer"] == dvc_stack.config.url("national")
    assert doc["authorization_endpoint"] == f"{base}/oauth2/authorize" and doc["jwks_uri"] == f"{base}/oauth2/jwks"
    assert doc["subject_types_supported"] == ["public"] and doc["id_token_signing_alg_values_supported"] == ["RS256"]
    keys = requests.get(doc["jwks_uri"], timeout=T).json()["keys"]
    assert keys[0]["kty"] == "RSA" and keys[0]["kid"]


def test_the_log_in_page(base: str, browser: requests.Session, client: dict[str, str]) -> None:
    page = browser.get(f"{base}/oauth2/authorize", params=authorize_params(client), timeout=T)
    assert ">Tên đăng nhập</label>" in page.text and ">Mật khẩu</label>" in page.text
    assert ">Đăng nhập</button>" in page.text
    form = forms(page.text)[0]
    assert form["method"] == "post" and {"username", "password"} <= set(form["fields"])
    assert "dvcqg_session" in browser.cookies


def test_code_flow(base: str, headers: dict[str, str], browser: requests.Session, client: dict[str, str],
                   citizen: dict[str, Any], dvc_stack: Stack) -> None:
    code = code_of(log_in(browser, base, client), client)
    r = token(base, headers, client, code)
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    tokens = r.json()
    assert tokens["token_type"] == "Bearer" and tokens["scope"] == "openid" and tokens["expires_in"] == 3600

    jwks = jwt.PyJWKClient(f"{base}/oauth2/jwks")
    key = jwks.get_signing_key_from_jwt(tokens["id_token"])
    claims = jwt.decode(tokens["id_token"], key.key, algorithms=["RS256"], audience=client["client_id"],
                        issuer=dvc_stack.config.url("national"))
    assert claims["nonce"] == "nonce-42" and claims["acr"] == "LoA1" and claims["exp"] == claims["iat"] + 3600

    info = requests.get(f"{base}/oauth2/userinfo", headers={**headers, "Authorization": f"Bearer "
                                                                                           f"{tokens['access_token']}"},
                        timeout=T).json()
    assert info["sub"] == claims["sub"] and info["SoDinhDanh"] == "049190012345" and info["HoVaTen"] == "Phạm Thị Lan"
    assert info["LoaiTaiKhoan"] == 1 and info["QuocTich"] == "VN" and info["TechID"]

    # with a national session, the next authorization needs no log-in
    again = browser.get(f"{base}/oauth2/authorize", params=authorize_params(client), allow_redirects=False, timeout=T)
    assert again.status_code == 302 and code_of(again, client) != code


def test_client_secret_post(base: str, headers: dict[str, str], browser: requests.Session, client: dict[str, str],
                            citizen: dict[str, Any]) -> None:
    code = code_of(log_in(browser, base, client), client)
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": client["redirect_uri"],
            "client_id": client["client_id"], "client_secret": client["client_secret"]}
    assert requests.post(f"{base}/oauth2/token", data=data, headers=headers, timeout=T).status_code == 200


def test_wrong_client_secret(base: str, headers: dict[str, str], browser: requests.Session, client: dict[str, str],
                             citizen: dict[str, Any]) -> None:
    code = code_of(log_in(browser, base, client), client)
    r = token(base, headers, {**client, "client_secret": "wrong"}, code)
    assert r.status_code == 401 and r.json()["error"] == "invalid_client" and r.json()["message_vi"]
    assert "www-authenticate" in r.headers
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": client["redirect_uri"]}
    r = requests.post(f"{base}/oauth2/token", data=data, headers=headers, timeout=T)  # no client authentication
    assert r.status_code == 401 and r.json()["error"] == "invalid_client"


def test_unregistered_redirect_uri_is_an_error_page(base: str, browser: requests.Session,
                                                    client: dict[str, str]) -> None:
    r = browser.get(f"{base}/oauth2/authorize", params=authorize_params(client, redirect_uri="http://evil.test/cb"),
                    allow_redirects=False, timeout=T)
    assert r.status_code == 400 and "location" not in r.headers
    assert r.headers["content-type"].startswith("text/html") and 'role="alert"' in r.text
    r = browser.get(f"{base}/oauth2/authorize", params=authorize_params(client, client_id="nobody"),
                    allow_redirects=False, timeout=T)
    assert r.status_code == 400 and "location" not in r.headers


@pytest.mark.parametrize(("changes", "error"), [
    ({"response_type": "token"}, "unsupported_response_type"),
    ({"scope": "profile"}, "invalid_scope"),
    ({"code_challenge": "x" * 43, "code_challenge_method": "plain"}, "invalid_request"),
])
def test_other_authorization_errors_redirect(base: str, browser: requests.Session, client: dict[str, str],
                                             changes: dict[str, str], error: str) -> None:
    r = browser.get(f"{base}/oauth2/authorize", params=authorize_params(client, **changes), allow_redirects=False,
                    timeout=T)
    assert r.status_code == 302
    query = parse_qs(urlsplit(r.headers["location"]).query)
    assert query["error"] == [error] and query["state"] == ["st-42"]


def test_prompt_none_without_session(base: str, browser: requests.Session, client: dict[str, str]) -> None:
    r = browser.get(f"{base}/oauth2/authorize", params=authorize_params(client, prompt="none"), allow_redirects=False,
                    timeout=T)
    assert r.status_code == 302 and parse_qs(urlsplit(r.headers["location"]).query)["error"] == ["login_required"]


def test_code_used_twice(base: str, headers: dict[str, str], browser: requests.Session, client: dict[str, str],
                         citizen: dict[str, Any]) -> None:
    code = code_of(log_in(browser, base, client), client)
    first = token(base, headers, client, code)
    assert first.status_code == 200
    second = token(base, headers, client, code)
    assert second.status_code == 400 and second.json()["error"] == "invalid_grant"
    info = requests.get(f"{base}/oauth2/userinfo",
                        headers={**headers, "Authorization": f"Bearer {first.json()['access_token']}"}, timeout=T)
    assert info.status_code == 401  # the replay revoked what the code produced


def test_pkce(base: str, headers: dict[str, str], browser: requests.Session, client: dict[str, str],
              citizen: dict[str, Any]) -> None:
    verifier = secrets.token_urlsafe(48)
    code = code_of(log_in(browser, base, client, code_challenge=s256(verifier), code_challenge_method="S256"), client)
    wrong = token(base, headers, client, code, code_verifier=secrets.token_urlsafe(48))
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    missing = token(base, headers, client, code)
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_grant"
    assert token(base, headers, client, code, code_verifier=verifier).status_code == 200


def test_expired_code(base: str, headers: dict[str, str], admin: dict[str, str], browser: requests.Session,
                      client: dict[str, str], citizen: dict[str, Any]) -> None:
    code = code_of(log_in(browser, base, client), client)
    requests.post(f"{base}/_admin/clock", json={"advance_seconds": 61}, headers=admin, timeout=T)
    r = token(base, headers, client, code)
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"


def test_token_request_errors(base: str, headers: dict[str, str], client: dict[str, str]) -> None:
    auth = (client["client_id"], client["client_secret"])
    r = requests.post(f"{base}/oauth2/token", data={"grant_type": "password"}, auth=auth, headers=headers, timeout=T)
    assert r.status_code == 400 and r.json()["error"] == "unsupported_grant_type"
    r = requests.post(f"{base}/oauth2/token", data={}, auth=auth, headers=headers, timeout=T)
    assert r.status_code == 400 and r.json()["error"] == "invalid_request"
    r = requests.post(f"{base}/oauth2/token", json={"grant_type": "authorization_code"}, auth=auth, headers=headers,
                      timeout=T)
    assert r.status_code == 400 and r.json()["error"] == "invalid_request"
    r = requests.post(f"{base}/oauth2/token", data={"grant_type": "authorization_code", "code": "nope",
                                                    "redirect_uri": client["redirect_uri"]},
                      auth=auth, headers=headers, timeout=T)
    assert r.status_code == 400 and r.json()["error"] == "invalid_grant"


def test_bad_bearer_token(base: str, headers: dict[str, str]) -> None:
    for value in ("Bearer made-up-token", "Basic abc", None):
        h = dict(headers)
        if value:
            h["Authorization"] = value
        r = requests.get(f"{base}/oauth2/userinfo", headers=h, timeout=T)
        assert r.status_code == 401 and r.json()["error"] == "invalid_token"
        assert 'error="invalid_token"' in r.headers["www-authenticate"]


def test_wrong_password_on_the_sso_page(base: str, browser: requests.Session, client: dict[str, str],
                                        citizen: dict[str, Any]) -> None:
    page = browser.get(f"{base}/oauth2/authorize", params=authorize_params(client), timeout=T)
    r = submit(browser, base, page.text, {"username": "049190012345", "password": "Sai123456"})
    assert r.status_code == 401 and 'role="alert"' in r.text and "location" not in r.headers
    assert forms(r.text)[0]["action"].startswith("/oauth2/authorize?")


def test_plain_log_in_then_sso(base: str, browser: requests.Session, client: dict[str, str],
                               citizen: dict[str, Any]) -> None:
    page = browser.get(f"{base}/dang-nhap", timeout=T)
    r = submit(browser, base, page.text, {"username": "049190012345", "password": PASSWORD})
    assert r.status_code == 303 and r.headers["location"] == "/tai-khoan"
    again = browser.get(f"{base}/oauth2/authorize", params=authorize_params(client), allow_redirects=False, timeout=T)
    assert again.status_code == 302 and code_of(again, client)


def test_logout(base: str, browser: requests.Session, client: dict[str, str], citizen: dict[str, Any],
                dvc_stack: Stack) -> None:
    code_of(log_in(browser, base, client), client)
    post_logout = dvc_stack.config.url("provincial") + "/"
    r = browser.get(f"{base}/oauth2/logout", params={"post_logout_redirect_uri": post_logout, "state": "bye"},
                    allow_redirects=False, timeout=T)
    assert r.status_code == 302 and r.headers["location"] == post_logout + "?state=bye"
    page = browser.get(f"{base}/oauth2/authorize", params=authorize_params(client), allow_redirects=False, timeout=T)
    assert page.status_code == 200  # the log-in form again
    r = browser.get(f"{base}/oauth2/logout", params={"post_logout_redirect_uri": "http://evil.test/"},
                    allow_redirects=False, timeout=T)
    assert r.status_code == 400 and "location" not in r.headers
    r = browser.get(f"{base}/oauth2/logout", allow_redirects=False, timeout=T)
    assert r.status_code == 302 and r.headers["location"] == "/"


def test_register_a_relying_party(base: str, admin: dict[str, str], headers: dict[str, str],
                                  browser: requests.Session, citizen: dict[str, Any]) -> None:
    r = requests.post(f"{base}/_admin/oidc-clients", json={"name": "Cổng DVC Bộ Tư pháp",
                                                            "redirect_uris": ["http://127.0.0.1:9/cb"]},
                      headers=admin, timeout=T)
    assert r.status_code == 201
    rp = {**r.json(), "redirect_uri": "http://127.0.0.1:9/cb"}
    listed = requests.get(f"{base}/_admin/oidc-clients", headers=admin, timeout=T).json()["clients"]
    assert rp["client_id"] in {c["client_id"] for c in listed} and listed[0]["built_in"]
    code = code_of(log_in(browser, base, rp), rp)
    assert token(base, headers, rp, code).status_code == 200
    bad = requests.post(f"{base}/_admin/oidc-clients", json={"name": "x", "redirect_uris": ["nope"]}, headers=admin,
                        timeout=T)
    assert bad.status_code == 400
    assert requests.post(f"{base}/_admin/oidc-clients", json={"name": "x"}, headers=admin, timeout=T).status_code == 422


def test_id_token_validates_in_a_namespace_whose_clock_moved(base: str, headers: dict[str, str],
                                                             admin: dict[str, str], browser: requests.Session,
                                                             client: dict[str, str], citizen: dict[str, Any],
                                                             dvc_stack: Stack) -> None:
    """A relying party checks iat/exp with its real clock: the tokens must not follow the namespace clock there."""
    # years before real time (in the seed's world, where a DVCQG password still logs in)
    requests.post(f"{base}/_admin/clock", json={"set": "2022-02-01T09:00:00+07:00"}, headers=admin, timeout=T)
    code = code_of(log_in(browser, base, client), client)
    tokens = token(base, headers, client, code).json()
    key = jwt.PyJWKClient(f"{base}/oauth2/jwks").get_signing_key_from_jwt(tokens["id_token"])
    claims = jwt.decode(tokens["id_token"], key.key, algorithms=["RS256"], audience=client["client_id"],
                        issuer=dvc_stack.config.url("national"))  # PyJWT's defaults: real time, no leeway
    assert claims["auth_time"] <= claims["iat"]
