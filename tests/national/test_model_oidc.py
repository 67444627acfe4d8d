"""Rules of the identity provider: relying parties, authorization requests, codes, PKCE, tokens, keys."""

from __future__ import annotations

import base64
import secrets
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest

from mocks.core.clock import Clock
from mocks.core.config import StackConfig
from mocks.core.errors import Conflict, DomainError
from mocks.core.storage import Store
from mocks.national.accounts import Account, Registration
from mocks.national.model import NationalPortal
from mocks.national.oidc import (
    CODE_SECONDS,
    TOKEN_SECONDS,
    AuthorizationRedirect,
    AuthorizationRequest,
    IdentityProvider,
    OAuthError,
    s256,
)

from .conftest import NS, citizen_payload

CALLBACK = "http://tinh.test/auth/callback"


@pytest.fixture
def idp(model: NationalPortal) -> IdentityProvider:
    return model.idp


@pytest.fixture
def account(model: NationalPortal) -> Account:
    return model.accounts.create_active(NS, Registration.from_mapping(citizen_payload()))


@pytest.fixture
def secret(config: StackConfig) -> str:
    return config.credentials.oidc_client_secret


def params(config: StackConfig, **changes: str) -> dict[str, str]:
    return {"response_type": "code", "client_id": config.credentials.oidc_client_id, "redirect_uri": CALLBACK,
            "scope": "openid", "state": "st-1", "nonce": "n-1", **changes}


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def code_from(location: str) -> str:
    query = parse_qs(urlsplit(location).query)
    assert query["state"] == ["st-1"]
    return query["code"][0]


def authorize(idp: IdentityProvider, config: StackConfig, account: Account, **changes: str) -> str:
    request = idp.check_authorization(params(config, **changes))
    return code_from(idp.issue_code(NS, request, account, auth_time=1_700_000_000))


def exchange(idp: IdentityProvider, code: str, verifier: str | None = None, redirect_uri: str = CALLBACK
             ) -> dict[str, Any]:
    return idp.exchange_code(NS, idp.built_in_client(), code, redirect_uri, verifier)


def grant_error(fn: Any, *args: Any) -> OAuthError:
    with pytest.raises(OAuthError) as caught:
        fn(*args)
    return caught.value


# -- relying parties -----------------------------------------------------------------------------------
def test_built_in_client_comes_from_the_config(idp: IdentityProvider, config: StackConfig) -> None:
    client = idp.client(config.credentials.oidc_client_id)
    assert client is not None and client.built_in and client.redirect_uris == (CALLBACK,)
    assert client.post_logout_redirect_uris == ("http://tinh.test/",)
    assert client.check_secret(config.credentials.oidc_client_secret) and not client.check_secret("wrong")
    assert idp.store.scalar("SELECT count(*) FROM oidc_client") == 0  # resolved, not stored


def test_register_client_generates_id_and_secret(idp: IdentityProvider) -> None:
    answer = idp.register_client(name="Cổng bộ", redirect_uris=["https://bo.example/cb"])
    client = idp.client(answer["client_id"])
    assert client is not None and client.check_secret(answer["client_secret"])
    assert [c["client_id"] for c in idp.clients()][1:] == [answer["client_id"]]
    assert "client_secret" not in idp.clients()[1]


def test_register_client_with_given_credentials_and_update(idp: IdentityProvider) -> None:
    idp.register_client(client_id="rp-one", client_secret="s3cret-long", name="RP", redirect_uris=["http://a/cb"])
    idp.register_client(client_id="rp-one", client_secret="another-one", name="RP", redirect_uris=["http://b/cb"])
    client = idp.client("rp-one")
    assert client is not None and client.redirect_uris == ("http://b/cb",) and client.check_secret("another-one")
    again = idp.register_client(client_id="rp-one", name="RP", redirect_uris=["http://c/cb"])   # no secret given
    assert again["secret_kept"] and again["client_secret"] is None
    client = idp.client("rp-one")
    assert client is not None and client.redirect_uris == ("http://c/cb",) and client.check_secret("another-one")


@pytest.mark.parametrize("uris", [[], ["not a url"], ["ftp://x/cb"], ["http://a/cb#frag"], ["/relative"]])
def test_register_client_refuses_bad_redirect_uris(idp: IdentityProvider, uris: list[str]) -> None:
    with pytest.raises(DomainError):
        idp.register_client(name="RP", redirect_uris=uris)


def test_built_in_client_id_cannot_be_registered(idp: IdentityProvider, config: StackConfig) -> None:
    with pytest.raises(Conflict):
        idp.register_client(client_id=config.credentials.oidc_client_id, name="x", redirect_uris=["http://a/cb"])


# -- authorization requests --------------------------------------------------------------------------
def test_unknown_client_or_redirect_uri_is_never_redirected(idp: IdentityProvider, config: StackConfig) -> None:
    with pytest.raises(DomainError) as caught:
        idp.check_authorization(params(config, client_id="nobody"))
    assert caught.value.code == "UNKNOWN_CLIENT" and not isinstance(caught.value, AuthorizationRedirect)
    with pytest.raises(DomainError) as caught:
        idp.check_authorization(params(config, redirect_uri="http://evil.test/cb"))
    assert caught.value.code == "UNREGISTERED_REDIRECT_URI"
    with pytest.raises(DomainError):
        idp.check_authorization(params(config, redirect_uri=""))


@pytest.mark.parametrize(("changes", "error"), [
    ({"response_type": "token"}, "unsupported_response_type"),
    ({"response_type": ""}, "unsupported_response_type"),
    ({"scope": "profile"}, "invalid_scope"),
    ({"scope": "openid admin"}, "invalid_scope"),
    ({"code_challenge": "a" * 43, "code_challenge_method": "plain"}, "invalid_request"),
    ({"code_challenge": "a" * 43}, "invalid_request"),
    ({"code_challenge": "short", "code_challenge_method": "S256"}, "invalid_request"),
    ({"code_challenge_method": "S256"}, "invalid_request"),
    ({"prompt": "bogus"}, "invalid_request"),
])
def test_other_errors_go_back_to_the_client(idp: IdentityProvider, config: StackConfig, changes: dict[str, str],
                                            error: str) -> None:
    with pytest.raises(AuthorizationRedirect) as caught:
        idp.check_authorization(params(config, **changes))
    query = parse_qs(urlsplit(caught.value.location).query)
    assert caught.value.location.startswith(CALLBACK + "?")
    assert query["error"] == [error] and query["state"] == ["st-1"]


def test_a_valid_request(idp: IdentityProvider, config: StackConfig) -> None:
    request = idp.check_authorization(params(config, scope="openid  profile", acr_values="LoA1"))
    assert isinstance(request, AuthorizationRequest)
    assert (request.scope, request.nonce, request.state, request.code_challenge) == ("openid profile", "n-1", "st-1",
                                                                                      None)


def test_redirect_keeps_the_redirect_uris_own_query(idp: IdentityProvider, account: Account) -> None:
    answer = idp.register_client(name="RP", redirect_uris=["http://rp.test/cb?tenant=qn"])
    request = idp.check_authorization({"response_type": "code", "client_id": answer["client_id"],
                                       "redirect_uri": "http://rp.test/cb?tenant=qn", "scope": "openid"})
    query = parse_qs(urlsplit(idp.issue_code(NS, request, account, 1)).query)
    assert query["tenant"] == ["qn"] and "code" in query and "state" not in query


# -- codes and tokens -------------------------------------------------------------------------------------
def test_code_flow_issues_a_signed_id_token(idp: IdentityProvider, config: StackConfig, account: Account,
                                            clock: Clock) -> None:
    tokens = exchange(idp, authorize(idp, config, account))
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == TOKEN_SECONDS and tokens["scope"] == "openid"
    header = jwt.get_unverified_header(tokens["id_token"])
    assert header["alg"] == "RS256" and header["kid"] == idp.key.kid
    claims = jwt.decode(tokens["id_token"], idp.key.public_key, algorithms=["RS256"], audience=config.credentials
                        .oidc_client_id, issuer="http://dvcqg.test", options={"verify_exp": False})
    assert claims["sub"] == account.subject and claims["nonce"] == "n-1" and claims["acr"] == "LoA1"
    # iat/exp in real time (relying parties check them against their own clock), not the namespace's 2024
    assert abs(claims["iat"] - time.time()) < 60 and claims["exp"] == claims["iat"] + 3600
    assert claims["auth_time"] == 1_700_000_000 and clock.now(NS).year == 2024
    assert idp.userinfo(NS, tokens["access_token"])["SoDinhDanh"] == "049190012345"


def test_code_works_once_and_a_replay_revokes_its_tokens(idp: IdentityProvider, config: StackConfig,
                                                         account: Account) -> None:
    code = authorize(idp, config, account)
    tokens = exchange(idp, code)
    error = grant_error(exchange, idp, code)
    assert error.error == "invalid_grant" and error.status == 400
    assert error.body()["error"] == "invalid_grant" and "error_description" in error.body()
    with pytest.raises(OAuthError) as caught:
        idp.userinfo(NS, tokens["access_token"])
    assert caught.value.error == "invalid_token" and caught.value.status == 401
    assert 'error="invalid_token"' in caught.value.headers["WWW-Authenticate"]


def test_code_expires_after_sixty_seconds(idp: IdentityProvider, config: StackConfig, account: Account,
                                          clock: Clock) -> None:
    code = authorize(idp, config, account)
    clock.advance(NS, CODE_SECONDS + 1)
    assert grant_error(exchange, idp, code).error == "invalid_grant"


def test_redirect_uri_must_match(idp: IdentityProvider, config: StackConfig, account: Account) -> None:
    code = authorize(idp, config, account)
    assert grant_error(exchange, idp, code, None, "http://tinh.test/other").error == "invalid_grant"
    assert exchange(idp, code)["access_token"]  # a failed check does not spend the code


def test_code_of_another_client_or_unknown_code(idp: IdentityProvider, config: StackConfig,
                                                account: Account) -> None:
    other = idp.register_client(name="RP", redirect_uris=[CALLBACK])
    code = authorize(idp, config, account)
    rp = idp.client(other["client_id"])
    assert rp is not None
    assert grant_error(idp.exchange_code, NS, rp, code, CALLBACK, None).error == "invalid_grant"
    assert grant_error(exchange, idp, "no-such-code").error == "invalid_grant"
    assert grant_error(exchange, idp, "").error == "invalid_request"


def test_codes_live_in_their_namespace(idp: IdentityProvider, config: StackConfig, account: Account) -> None:
    code = authorize(idp, config, account)
    error = grant_error(idp.exchange_code, "other", idp.built_in_client(), code, CALLBACK, None)
    assert error.error == "invalid_grant"


def test_pkce_s256(idp: IdentityProvider, config: StackConfig, account: Account) -> None:
    verifier = secrets.token_urlsafe(48)
    challenge = {"code_challenge": s256(verifier), "code_challenge_method": "S256"}
    code = authorize(idp, config, account, **challenge)
    assert grant_error(exchange, idp, code, None).error == "invalid_grant"                    # missing
    assert grant_error(exchange, idp, code, secrets.token_urlsafe(48)).error == "invalid_grant"  # wrong
    assert exchange(idp, code, verifier)["id_token"]


def test_verifier_without_a_challenge_is_refused(idp: IdentityProvider, config: StackConfig,
                                                 account: Account) -> None:
    code = authorize(idp, config, account)
    assert grant_error(exchange, idp, code, secrets.token_urlsafe(48)).error == "invalid_grant"


def test_no_nonce_no_nonce_claim(idp: IdentityProvider, config: StackConfig, account: Account) -> None:
    tokens = exchange(idp, authorize(idp, config, account, nonce=""))
    assert "nonce" not in jwt.decode(tokens["id_token"], options={"verify_signature": False})


def test_access_token_expires(idp: IdentityProvider, config: StackConfig, account: Account, clock: Clock) -> None:
    tokens = exchange(idp, authorize(idp, config, account))
    clock.advance(NS, TOKEN_SECONDS + 1)
    with pytest.raises(OAuthError) as caught:
        idp.userinfo(NS, tokens["access_token"])
    assert caught.value.error == "invalid_token"
    with pytest.raises(OAuthError):
        idp.userinfo(NS, "made-up")
    with pytest.raises(OAuthError):
        idp.userinfo(NS, None)


# -- client authentication ---------------------------------------------------------------------------------
def test_client_secret_basic_and_post(idp: IdentityProvider, config: StackConfig, secret: str) -> None:
    cid = config.credentials.oidc_client_id
    assert idp.authenticate_client(basic(cid, secret), None, None).client_id == cid
    assert idp.authenticate_client(None, cid, secret).client_id == cid


@pytest.mark.parametrize("case", ["wrong-basic", "wrong-post", "missing", "garbage", "unknown"])
def test_client_authentication_failures(idp: IdentityProvider, config: StackConfig, case: str) -> None:
    cid = config.credentials.oidc_client_id
    args = {"wrong-basic": (basic(cid, "nope"), None, None), "wrong-post": (None, cid, "nope"),
            "missing": (None, cid, None), "garbage": ("Basic %%%", None, None),
            "unknown": (None, "nobody", "x")}[case]
    with pytest.raises(OAuthError) as caught:
        idp.authenticate_client(*args)
    assert caught.value.error == "invalid_client" and caught.value.status == 401
    assert caught.value.headers["WWW-Authenticate"].startswith("Basic")


def test_two_client_authentication_methods_are_refused(idp: IdentityProvider, config: StackConfig,
                                                       secret: str) -> None:
    cid = config.credentials.oidc_client_id
    with pytest.raises(OAuthError) as caught:
        idp.authenticate_client(basic(cid, secret), cid, secret)
    assert caught.value.error == "invalid_request"


# -- keys, logout ----------------------------------------------------------------------------------------------
def test_signing_key_is_kept_in_the_store(store: Store, clock: Clock, config: StackConfig, account: Account,
                                          idp: IdentityProvider) -> None:
    token = exchange(idp, authorize(idp, config, account))["id_token"]
    again = NationalPortal(store, clock, config).idp
    assert again.key.kid == idp.key.kid and again.key.jwks() == idp.key.jwks()
    assert again.key.verify(token, audience=config.credentials.oidc_client_id, options={"verify_exp": False})


def test_jwks_has_one_rs256_signing_key(idp: IdentityProvider) -> None:
    (key,) = idp.key.jwks()["keys"]
    assert (key["kty"], key["alg"], key["use"], key["kid"]) == ("RSA", "RS256", "sig", idp.key.kid)
    assert "d" not in key and "p" not in key


def test_logout_target(idp: IdentityProvider, config: StackConfig, account: Account) -> None:
    assert idp.logout_target(None) is None
    assert idp.logout_target("http://tinh.test/") == "http://tinh.test/"
    assert idp.logout_target("http://tinh.test/", state="s") == "http://tinh.test/?state=s"
    token = exchange(idp, authorize(idp, config, account))["id_token"]
    assert idp.logout_target("http://tinh.test/", id_token_hint=token) == "http://tinh.test/"
    with pytest.raises(DomainError):
        idp.logout_target("http://evil.test/")
    with pytest.raises(DomainError):
        idp.logout_target("http://tinh.test/", client_id="nobody")


def test_discovery_document(idp: IdentityProvider) -> None:
    doc = idp.discovery()
    assert doc["issuer"] == "http://dvcqg.test"
    assert doc["token_endpoint"] == "http://dvcqg.test/oauth2/token"
    assert doc["response_types_supported"] == ["code"] and doc["code_challenge_methods_supported"] == ["S256"]
    assert doc["token_endpoint_auth_methods_supported"] == ["client_secret_basic", "client_secret_post"]
    assert "HoVaTen" in doc["claims_supported"]
