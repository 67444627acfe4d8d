"""A relying-party library that is not ours (Authlib) completes the code flow against the running IdP."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from authlib.oidc.core import CodeIDToken

from harness.stack import Stack
from tests.worlds import IN_2022

from .conftest import PASSWORD, active_citizen, submit

T = 5
REDIRECT_URI = "http://127.0.0.1:9/rp/callback"  # never requested: the test reads the code off the redirect

pytestmark = [IN_2022, pytest.mark.filterwarnings("ignore::DeprecationWarning")]  # authlib.jose points to joserfc


@pytest.fixture
def relying_party(base: str, admin: dict[str, str]) -> dict[str, Any]:
    r = requests.post(f"{base}/_admin/oidc-clients", json={"name": "Authlib RP", "redirect_uris": [REDIRECT_URI]},
                      headers=admin, timeout=T)
    assert r.status_code == 201
    return r.json()


def test_authlib_code_flow_with_pkce_and_nonce(base: str, headers: dict[str, str], admin: dict[str, str],
                                               relying_party: dict[str, Any], dvc_stack: Stack) -> None:
    from authlib.jose import JsonWebKey, jwt

    active_citizen(base, headers, admin)
    meta = requests.get(f"{base}/.well-known/openid-configuration", timeout=T).json()
    assert meta["issuer"] == dvc_stack.config.url("national")

    rp = OAuth2Session(relying_party["client_id"], relying_party["client_secret"], scope="openid profile",
                       redirect_uri=REDIRECT_URI, code_challenge_method="S256",
                       token_endpoint_auth_method="client_secret_basic")
    rp.headers.update(headers)
    verifier = generate_token(64)
    nonce = generate_token(24)
    url, state = rp.create_authorization_url(meta["authorization_endpoint"], code_verifier=verifier, nonce=nonce)
    assert "code_challenge=" in url and "code_challenge_method=S256" in url

    # the user's browser: the log-in page, the form, the redirect back (read, not followed)
    browser = requests.Session()
    browser.headers.update(headers)
    page = browser.get(url, timeout=T)
    assert page.status_code == 200
    answer = submit(browser, base, page.text, {"username": "049190012345", "password": PASSWORD})
    location = answer.headers["location"]
    assert location.startswith(REDIRECT_URI + "?") and parse_qs(urlsplit(location).query)["state"] == [state]

    token = rp.fetch_token(meta["token_endpoint"], authorization_response=location, code_verifier=verifier,
                           state=state)
    assert token["token_type"].lower() == "bearer" and token["id_token"]

    keys = JsonWebKey.import_key_set(requests.get(meta["jwks_uri"], timeout=T).json())
    claims = jwt.decode(
        token["id_token"], keys, claims_cls=CodeIDToken,
        claims_options={"iss": {"essential": True, "value": meta["issuer"]}},
        claims_params={"nonce": nonce, "client_id": relying_party["client_id"], "access_token": token["access_token"]},
    )
    claims.validate(leeway=5)
    assert claims["aud"] == relying_party["client_id"] and claims["nonce"] == nonce and claims["acr"] == "LoA1"

    info = rp.get(meta["userinfo_endpoint"], timeout=T)
    assert info.status_code == 200 and info.json()["sub"] == claims["sub"]
    assert info.json()["SoDinhDanh"] == "049190012345"


def test_authlib_rejects_a_token_for_another_nonce(base: str, headers: dict[str, str], admin: dict[str, str],
                                                   relying_party: dict[str, Any]) -> None:
    """The check is real: the same validation fails when the nonce differs."""
    from authlib.jose import JsonWebKey, jwt
    from authlib.jose.errors import InvalidClaimError
    from joserfc.errors import InvalidClaimError as JoseInvalidClaimError  # what Authlib >= 1.7 raises

    active_citizen(base, headers, admin)
    meta = requests.get(f"{base}/.well-known/openid-configuration", timeout=T).json()
    rp = OAuth2Session(relying_party["client_id"], relying_party["client_secret"], scope="openid",
                       redirect_uri=REDIRECT_URI, code_challenge_method="S256")
    rp.headers.update(headers)
    verifier = generate_token(64)
    url, state = rp.create_authorization_url(meta["authorization_endpoint"], code_verifier=verifier,
                                             nonce="the-real-nonce")
    browser = requests.Session()
    browser.headers.update(headers)
    answer = submit(browser, base, browser.get(url, timeout=T).text,
                    {"username": "049190012345", "password": PASSWORD})
    token = rp.fetch_token(meta["token_endpoint"], authorization_response=answer.headers["location"],
                           code_verifier=verifier, state=state)
    keys = JsonWebKey.import_key_set(requests.get(meta["jwks_uri"], timeout=T).json())
    claims = jwt.decode(token["id_token"], keys, claims_cls=CodeIDToken,
                        claims_params={"nonce": "another-nonce", "client_id": relying_party["client_id"]})
    with pytest.raises((InvalidClaimError, JoseInvalidClaimError), match="nonce"):
        claims.validate(leeway=5)
