"""The national portal (DVCQG) as this portal sees it: an OpenID Connect provider and the dossier-sync gateway.

docs/protocols.md, "National portal (DVCQG)": `/.well-known/openid-configuration`, `/oauth2/authorize`,
`/oauth2/token`, `/oauth2/userinfo`, `/oauth2/jwks`; `/sync/login` and `/sync/service`.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import jwt
import requests

from .config import Config

TIMEOUT = 10


class NationalError(RuntimeError):
    """The national side refused or could not be reached; the message says which."""


@dataclass(frozen=True)
class AuthStart:
    url: str          # where to send the browser
    state: str
    nonce: str
    verifier: str     # PKCE code_verifier, kept until the callback


class OidcClient:
    """The authorization-code flow with state, nonce and PKCE S256; client_secret_basic at the token endpoint."""

    def __init__(self, config: Config, http: requests.Session) -> None:
        self.config, self.http = config, http
        self.redirect_uri = f"{config.public_url}/auth/callback"
        self.secret = config.client_secret
        self._discovery: dict[str, Any] | None = None

    @property
    def discovery(self) -> dict[str, Any]:
        if self._discovery is None:
            self._discovery = self._get_json(f"{self.config.national}/.well-known/openid-configuration")
        return self._discovery

    def _get_json(self, url: str, **kwargs: Any) -> dict[str, Any]:
        try:
            answer = self.http.get(url, timeout=TIMEOUT, **kwargs)
        except requests.RequestException as exc:
            raise NationalError(f"DVCQG unreachable: {exc}") from exc
        if answer.status_code != 200:
            raise NationalError(f"DVCQG answered {answer.status_code} to {url}: {answer.text[:200]}")
        return dict(answer.json())

    def start(self) -> AuthStart:
        state, nonce, verifier = (secrets.token_urlsafe(32) for _ in range(3))
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        query = urlencode({
            "response_type": "code", "client_id": self.config.client_id, "redirect_uri": self.redirect_uri,
            "scope": "openid", "state": state, "nonce": nonce, "code_challenge": challenge,
            "code_challenge_method": "S256", "acr_values": "LoA1",
        })
        return AuthStart(f"{self.discovery['authorization_endpoint']}?{query}", state, nonce, verifier)

    def finish(self, code: str, verifier: str, nonce: str) -> dict[str, Any]:
        """Exchange the code, check the id token, read userinfo: the DVCQG claims."""
        try:
            answer = self.http.post(self.discovery["token_endpoint"], timeout=TIMEOUT,
                                    auth=(self.config.client_id, self.secret),
                                    data={"grant_type": "authorization_code", "code": code,
                                          "redirect_uri": self.redirect_uri, "code_verifier": verifier})
        except requests.RequestException as exc:
            raise NationalError(f"DVCQG unreachable: {exc}") from exc
        if answer.status_code != 200:
            raise NationalError(f"token exchange refused ({answer.status_code}): {answer.text[:300]}")
        tokens = answer.json()
        claims = self._check_id_token(tokens["id_token"], nonce)
        info = self._get_json(self.discovery["userinfo_endpoint"],
                              headers={"Authorization": f"Bearer {tokens['access_token']}"})
        if info.get("sub") != claims["sub"]:
            raise NationalError("userinfo is about another subject than the id token")
        return info

    def _check_id_token(self, token: str, nonce: str) -> dict[str, Any]:
        keys = self._get_json(self.discovery["jwks_uri"])["keys"]
        kid = jwt.get_unverified_header(token).get("kid")
        key = next((k for k in keys if k.get("kid") == kid), None)
        if key is None:
            raise NationalError(f"id token signed with an unknown key {kid!r}")
        try:
            claims = jwt.decode(token, jwt.PyJWK(key).key, algorithms=["RS256"], audience=self.config.client_id,
                                issuer=self.discovery["issuer"], leeway=60)
        except jwt.PyJWTError as exc:
            raise NationalError(f"id token refused: {exc}") from exc
        if claims.get("nonce") != nonce:
            raise NationalError("id token nonce does not match the log-in")
        return dict(claims)


class SyncClient:
    """The dossier-sync gateway: log in once, keep the session (30 min), log in again when it is refused."""

    SESSION_EXPIRED = 2

    def __init__(self, config: Config, http: requests.Session) -> None:
        self.config, self.http = config, http
        self._session = ""
        self._lock = threading.Lock()

    def _login(self) -> str:
        answer = self.http.post(f"{self.config.national}/sync/login", timeout=TIMEOUT,
                                json={"username": self.config.sync_username, "password": self.config.sync_password})
        body = answer.json()
        if body.get("error_code") != 0:
            raise NationalError(f"sync log-in refused: {body.get('message')}")
        return str(body["session"])

    def call(self, madonvi: str, service: str, **fields: Any) -> dict[str, Any]:
        """One service call; raises NationalError unless error_code is 0."""
        with self._lock:
            for _ in range(2):
                if not self._session:
                    self._session = self._login()
                answer = self.http.post(f"{self.config.national}/sync/service", timeout=TIMEOUT, json={
                    "session": self._session, "madonvi": madonvi, "service": service, **fields})
                body = answer.json()
                if body.get("error_code") == self.SESSION_EXPIRED:
                    self._session = ""
                    continue
                if body.get("error_code") != 0:
                    raise NationalError(f"{service} refused (error_code {body.get('error_code')}): "
                                        f"{body.get('message')}")
                return dict(body)
        raise NationalError(f"{service}: the sync session was refused twice")


def register(config: Config, http: requests.Session) -> None:
    """Our relying party and sync account on the national emulator's admin surface (stack-wide clients)."""
    admin = {"X-Admin-Token": config.admin_token}
    for path, body in (
        ("/_admin/oidc-clients", {"client_id": config.client_id, "client_secret": config.client_secret,
                                  "name": "Cổng DVC tham khảo (reference portal)",
                                  "redirect_uris": [f"{config.public_url}/auth/callback"],
                                  "post_logout_redirect_uris": [f"{config.public_url}/"]}),
        ("/_admin/sync-accounts", {"username": config.sync_username, "password": config.sync_password}),
    ):
        answer = http.post(f"{config.national}{path}", json=body, headers=admin, timeout=TIMEOUT)
        if answer.status_code not in (200, 201):
            raise NationalError(f"registering at {path} failed ({answer.status_code}): {answer.text[:200]}")
