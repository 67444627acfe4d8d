"""An outside OpenID Connect relying party gets the VNeID-backed claims from DVCQG with no change of protocol.

The relying party is Authlib's own client, as a web framework integration builds it (its OAuth2 and OpenID
mixins over `requests`): it reads DVCQG's discovery document, makes the authorization URL (state, nonce, PKCE),
trades the code, fetches the JWKS and validates the id token itself (signature, iss, aud, exp, nonce, at_hash).
Nothing of it knows about VNeID: the citizen's browser takes DVCQG's "Đăng nhập bằng tài khoản định danh điện tử
VNeID" and the test holds the VNeID app. The one thing the relying party adds is the stack's namespace header on
its back-end calls, as any portal wired to the emulators does (docs/wiring.md, section 1).
"""

from __future__ import annotations

import base64
import re
import time
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from authlib.integrations.base_client import BaseApp, FrameworkIntegration, OAuth2Mixin, OpenIDMixin
from authlib.integrations.requests_client import OAuth2Session
from authlib.oidc.discovery import OpenIDProviderMetadata

from harness.clients import Platform, VneidLogin
from harness.clients.vneid import vneid_link
from harness.stack import Stack
from harness.testdata import DataFactory

from .conftest import PASSWORD, active_citizen, submit

T = 10
REDIRECT_URI = "http://127.0.0.1:9/rp/callback"   # never requested: the browser's last redirect is read, not followed
TODAY = "2026-01-15T09:00:00+07:00"               # after 2024-07-01: citizens log in through VNeID
IN_2022 = "2022-03-01T09:00:00+07:00"             # the seed's world: DVCQG passwords

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # authlib.jose points to joserfc


class OutsidePortal(OAuth2Mixin, OpenIDMixin, BaseApp):
    """Authlib's relying party as its Flask and Django integrations make it, with the session a plain dict."""

    client_cls = OAuth2Session

    def __init__(self, namespace: str, **config: Any) -> None:
        super().__init__(FrameworkIntegration("dvcqg"), name="dvcqg", **config)
        self.namespace = namespace
        self.session: dict[str, Any] = {}       # the portal's own session with its user's browser

    def _get_session(self) -> OAuth2Session:
        return self._in_namespace(super()._get_session())

    def _get_oauth_client(self, **metadata: Any) -> OAuth2Session:
        return self._in_namespace(super()._get_oauth_client(**metadata))

    def _in_namespace(self, session: OAuth2Session) -> OAuth2Session:
        session.headers["X-DVC-Namespace"] = self.namespace
        return session

    def authorize_redirect(self, **params: str) -> str:
        """Where the portal sends its user's browser (what `authorize_redirect` answers in the integrations)."""
        started = self.create_authorization_url(REDIRECT_URI, **params)
        self.framework.set_state_data(self.session, started.pop("state"), {"redirect_uri": REDIRECT_URI, **started})
        return started["url"]

    def authorize_access_token(self, location: str) -> dict[str, Any]:
        """The callback: the code traded and the id token validated, as the integrations do it."""
        query = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
        if "error" in query:
            raise AssertionError(f"DVCQG answered the relying party an error: {query}")
        state_data = self.framework.get_state_data(self.session, query.get("state"))
        self.framework.clear_state_data(self.session, query.get("state"))
        token = self.fetch_access_token(**self._format_state_params(state_data, dict(query)))
        token["userinfo"] = self.parse_id_token(token, nonce=state_data["nonce"], claims_options=self.expected())
        return token

    def expected(self) -> dict[str, Any]:
        """The issuer and the audience the id token must name (Authlib checks `azp` alone unless asked)."""
        return {"iss": {"essential": True, "values": [self.load_server_metadata()["issuer"]]},
                "aud": {"essential": True, "values": [self.client_id]}}


def outside_portal(platform: Platform, ns: str) -> OutsidePortal:
    """A relying party registered on DVCQG's admin surface, configured from its discovery URL alone."""
    registered = platform.national.call("POST", "/_admin/oidc-clients", admin=True, expect=201,
                                        json={"name": "Cổng của một bộ (Authlib)", "redirect_uris": [REDIRECT_URI]})
    return configured(platform, ns, registered["client_id"], registered["client_secret"])


def configured(platform: Platform, ns: str, client_id: str, client_secret: str) -> OutsidePortal:
    return OutsidePortal(ns, client_id=client_id, client_secret=client_secret,
                         server_metadata_url=platform.national.url("/.well-known/openid-configuration"),
                         client_kwargs={"scope": "openid profile", "code_challenge_method": "S256"})


def browser(ns: str) -> requests.Session:
    web = requests.Session()
    web.headers["X-DVC-Namespace"] = ns
    return web


def back_to_the_relying_party(web: requests.Session, answer: requests.Response) -> str:
    """Follow the redirects up to the relying party's redirect URI; answers that last location."""
    for _ in range(10):
        location = answer.headers.get("location", "")
        if location.startswith(REDIRECT_URI):
            return location
        assert answer.status_code in (302, 303), f"{answer.status_code} on {answer.url}: {answer.text[:300]}"
        answer = web.get(urljoin(answer.url, location), timeout=T, allow_redirects=False)
    raise AssertionError("too many redirects before the relying party")


def log_in_with_vneid(platform: Platform, web: requests.Session, authorization_url: str,
                      person: dict[str, Any]) -> str:
    """The citizen on DVCQG's SSO page takes the VNeID button, gives the number and password, the app approves."""
    page = web.get(authorization_url, timeout=T)
    assert page.status_code == 200 and "Đăng nhập bằng tài khoản định danh điện tử VNeID" in page.text
    login = VneidLogin.start(web, vneid_link(page), person["id_number"], person["password"])
    assert platform.vneid is not None
    platform.vneid.approve(login.approval_id)
    return back_to_the_relying_party(web, web.get(login.waiting_url, timeout=T, allow_redirects=False))


@pytest.fixture
def platform(dvc_stack: Stack, ns: str) -> Platform:
    return Platform.connect(dvc_stack.info, namespace=ns)


@pytest.fixture
def today(platform: Platform) -> Platform:
    platform.national.set_clock(TODAY, frozen=False)
    return platform


def person_with_identity(platform: Platform, ns: str, level: int) -> dict[str, Any]:
    citizen = DataFactory(seed=11, scope=ns).citizen()
    assert platform.vneid is not None
    platform.vneid.person(citizen, level=level)
    return citizen


def test_authlib_accepts_dvcqg_discovery_as_openid_provider_metadata(platform: Platform) -> None:
    meta = requests.get(platform.national.url("/.well-known/openid-configuration"), timeout=T).json()
    OpenIDProviderMetadata(meta).validate()       # raises on a missing or malformed field
    assert meta["issuer"] == platform.national.base_url.rstrip("/")
    assert meta["acr_values_supported"] == ["LoA1", "LoA2"]
    assert {"SoDinhDanh", "HoVaTen", "IAL", "loAs", "TaiKhoanDuocXacThucVoiVNeID"} <= set(meta["claims_supported"])


@pytest.mark.parametrize("level", [2, 1])
def test_an_outside_relying_party_gets_the_vneid_backed_claims(today: Platform, ns: str, level: int) -> None:
    person = person_with_identity(today, ns, level)
    portal = outside_portal(today, ns)
    web = browser(ns)
    url = portal.authorize_redirect()
    sent = parse_qs(urlsplit(url).query)
    assert sent["code_challenge_method"] == ["S256"] and sent["code_challenge"] and sent["state"]

    token = portal.authorize_access_token(log_in_with_vneid(today, web, url, person))

    # the id token, validated by Authlib against the discovery's issuer and JWKS, the client id and the nonce
    claims = token["userinfo"]
    assert claims["iss"] == portal.server_metadata["issuer"] and claims["aud"] == portal.client_id
    assert claims["nonce"] == sent["nonce"][0]
    assert (claims["acr"], claims["amr"]) == (f"LoA{level}", ["vneid"])
    # its times are real time, not the namespace's 2026-01-15 (docs/protocols.md, "Id-token times")
    assert abs(claims["iat"] - time.time()) < 300 and claims["exp"] - claims["iat"] == 3600
    # the userinfo claims, with the bearer token Authlib keeps
    info = portal.userinfo(token=token)
    assert info["sub"] == claims["sub"]
    assert re.fullmatch(r"\d{12}", info["SoDinhDanh"]) and info["SoDinhDanh"] == person["id_number"]
    assert info["HoVaTen"] == person["full_name"]
    assert info["IAL"] == level and info["TaiKhoanDuocXacThucVoiVNeID"] is True
    assert info["loAs"] == ["LoA1", "LoA2"][:level]

    # single sign-on: the DVCQG session the VNeID log-in opened keeps its level for the next authorization
    again = portal.authorize_redirect(prompt="none")
    second = portal.authorize_access_token(
        back_to_the_relying_party(web, web.get(again, timeout=T, allow_redirects=False)))
    assert (second["userinfo"]["acr"], second["userinfo"]["sub"]) == (f"LoA{level}", claims["sub"])


def test_the_relying_party_refuses_a_forged_level_and_another_audience(today: Platform, ns: str) -> None:
    """The checks are real: a payload edited from LoA1 to LoA2 fails the signature; another client's id fails aud."""
    from authlib.oidc.core import CodeIDToken
    from joserfc.errors import BadSignatureError, ExpiredTokenError, InvalidClaimError

    person = person_with_identity(today, ns, 1)
    portal = outside_portal(today, ns)
    url = portal.authorize_redirect()
    location = log_in_with_vneid(today, browser(ns), url, person)
    state = parse_qs(urlsplit(location).query)["state"][0]
    nonce = portal.framework.get_state_data(portal.session, state)["nonce"]
    token = portal.authorize_access_token(location)
    assert token["userinfo"]["acr"] == "LoA1"

    header, payload, signature = token["id_token"].split(".")
    forged_payload = _b64(_unb64(payload).replace(b'"acr":"LoA1"', b'"acr":"LoA2"'))
    assert forged_payload != payload
    with pytest.raises(BadSignatureError):
        portal.parse_id_token({**token, "id_token": f"{header}.{forged_payload}.{signature}"}, nonce=nonce,
                              claims_options=portal.expected())

    another = configured(today, ns, "rp-another-portal", "not-the-same-secret")
    with pytest.raises(InvalidClaimError, match="aud"):
        another.parse_id_token(token, nonce=nonce, claims_options=another.expected())
    with pytest.raises(InvalidClaimError, match="azp"):      # Authlib's own default: azp against the client id
        another.parse_id_token(token, nonce=nonce)
    with pytest.raises(InvalidClaimError, match="nonce"):
        portal.parse_id_token(token, nonce="another-nonce", claims_options=portal.expected())
    # an hour after it was issued (real time), with Authlib's leeway of 120 s, the token is expired
    claims = token["userinfo"]
    later = CodeIDToken(dict(claims), {"alg": "RS256"}, portal.expected(), {"client_id": portal.client_id})
    later.validate(now=claims["exp"] + 119, leeway=120)
    with pytest.raises(ExpiredTokenError):
        later.validate(now=claims["exp"] + 121, leeway=120)


def test_the_same_relying_party_in_a_2022_namespace_gets_the_password_claims(platform: Platform, ns: str,
                                                                             base: str, headers: dict[str, str],
                                                                             admin: dict[str, str]) -> None:
    """Before 1 July 2024 the citizen logs in with a DVCQG password: the same client, the same protocol, LoA1."""
    platform.national.set_clock(IN_2022, frozen=False)
    citizen = active_citizen(base, headers, admin)
    portal = outside_portal(platform, ns)
    web = browser(ns)
    url = portal.authorize_redirect()
    page = web.get(url, timeout=T)
    assert page.status_code == 200
    answer = submit(web, base, page.text, {"username": citizen["id_number"], "password": PASSWORD})
    token = portal.authorize_access_token(back_to_the_relying_party(web, answer))
    assert (token["userinfo"]["acr"], token["userinfo"]["amr"]) == ("LoA1", ["pwd"])
    info = portal.userinfo(token=token)
    assert (info["SoDinhDanh"], info["HoVaTen"]) == (citizen["id_number"], citizen["full_name"])
    assert info["loAs"] == ["LoA1"] and info["TaiKhoanDuocXacThucVoiVNeID"] is False and "IAL" not in info


def _unb64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()
