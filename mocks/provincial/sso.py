"""The portal as an OpenID Connect relying party of the national SSO (authorization code + PKCE).

`begin()` makes the state, nonce and PKCE verifier a log-in keeps in the portal's session
and the national authorize URL; `finish()` exchanges the code (client_secret_basic),
verifies the id token (RS256 against the national JWKS, iss, aud, exp, nonce) and reads
userinfo. Every failure is an `SsoError` (a 4xx, or 502 when the national side cannot be
reached): a failed check never logs anyone in.
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

from mocks.core.config import StackConfig
from mocks.core.errors import DomainError
from mocks.core.namespace import forward_headers

TIMEOUT = (3.05, 10.0)
LEEWAY_SECONDS = 60           # clock skew tolerated on exp / iat
SCOPE = "openid"
ACR_VALUES = "LoA1"


class SsoError(DomainError):
    status = 400


class SsoUnavailable(SsoError):
    status = 502


@dataclass(frozen=True)
class LoginRequest:
    """What the portal keeps in its session between /dang-nhap and /auth/callback."""

    state: str
    nonce: str
    code_verifier: str
    next_url: str

    def to_json(self) -> dict[str, str]:
        return {"state": self.state, "nonce": self.nonce, "code_verifier": self.code_verifier, "next": self.next_url}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LoginRequest:
        return cls(data["state"], data["nonce"], data["code_verifier"], data.get("next") or "/")


@dataclass(frozen=True)
class SsoIdentity:
    id_token_claims: dict[str, Any]
    userinfo: dict[str, Any]
    access_token: str
    id_token: str


def code_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class OidcClient:
    def __init__(self, config: StackConfig, http: requests.Session | None = None) -> None:
        self.issuer = config.url("national").rstrip("/")
        self.client_id = config.credentials.oidc_client_id
        self.client_secret = config.credentials.oidc_client_secret
        self.redirect_uri = config.url("provincial").rstrip("/") + "/auth/callback"
        self.http = http or requests.Session()
        self._discovery: dict[str, Any] | None = None
        self._keys: dict[str, Any] = {}
        self._lock = threading.Lock()

    # -- the start ---------------------------------------------------------------------------------
    def begin(self, next_url: str = "/") -> tuple[LoginRequest, str]:
        """A new log-in attempt and the URL of the national authorize endpoint to send the browser to."""
        login = LoginRequest(secrets.token_urlsafe(24), secrets.token_urlsafe(24), secrets.token_urlsafe(48),
                             next_url)
        query = urlencode({
            "response_type": "code", "client_id": self.client_id, "redirect_uri": self.redirect_uri,
            "scope": SCOPE, "acr_values": ACR_VALUES, "state": login.state, "nonce": login.nonce,
            "code_challenge": code_challenge(login.code_verifier), "code_challenge_method": "S256",
        })
        # The browser-facing endpoint is the national origin's, even before discovery is fetched.
        return login, f"{self.issuer}/oauth2/authorize?{query}"

    # -- the end -----------------------------------------------------------------------------------
    def finish(self, ns: str, login: LoginRequest, code: str, now: float | None = None) -> SsoIdentity:
        """Exchange the code and check everything; `now` is the namespace clock (None: real time)."""
        self.discovery(ns)
        tokens = self.exchange_code(ns, code, login.code_verifier)
        id_token = tokens.get("id_token")
        access_token = tokens.get("access_token")
        if not isinstance(id_token, str) or not isinstance(access_token, str):
            raise SsoError("SSO_TOKEN_INVALID", "Phản hồi cấp token của Cổng DVC quốc gia thiếu id_token/access_token.",
                           "The national token answer has no id_token or access_token.")
        claims = self.verify_id_token(ns, id_token, login.nonce, now=now)
        info = self.userinfo(ns, access_token)
        if info.get("sub") != claims.get("sub"):
            raise SsoError("SSO_SUBJECT_MISMATCH", "Thông tin người dùng không khớp với id_token.",
                           "userinfo's sub differs from the id token's.")
        return SsoIdentity(claims, info, access_token, id_token)

    def exchange_code(self, ns: str, code: str, code_verifier: str) -> dict[str, Any]:
        answer = self._call(
            "post", self._endpoint("token_endpoint", "/oauth2/token"), ns,
            data={"grant_type": "authorization_code", "code": code, "redirect_uri": self.redirect_uri,
                  "code_verifier": code_verifier},
            auth=(self.client_id, self.client_secret),
        )
        if answer.status_code != 200:
            raise SsoError("SSO_TOKEN_REFUSED",
                           f"Cổng DVC quốc gia từ chối mã xác thực (HTTP {answer.status_code}).",
                           f"The national SSO refused the authorization code (HTTP {answer.status_code}).",
                           details=_safe_json(answer))
        return _json_object(answer, "token")

    def userinfo(self, ns: str, access_token: str) -> dict[str, Any]:
        answer = self._call("get", self._endpoint("userinfo_endpoint", "/oauth2/userinfo"), ns,
                            headers={"Authorization": f"Bearer {access_token}"})
        if answer.status_code != 200:
            raise SsoError("SSO_USERINFO_REFUSED",
                           f"Không lấy được thông tin người dùng từ Cổng DVC quốc gia (HTTP {answer.status_code}).",
                           f"The national userinfo endpoint answered HTTP {answer.status_code}.")
        return _json_object(answer, "userinfo")

    def verify_id_token(self, ns: str, token: str, nonce: str, now: float | None = None) -> dict[str, Any]:
        """The id token's claims once its signature, iss, aud, exp and nonce are right."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise SsoError("SSO_ID_TOKEN_INVALID", "id_token không đúng định dạng JWT.",
                           f"The id token is not a JWT: {exc}.") from exc
        if header.get("alg") != "RS256":
            raise SsoError("SSO_ID_TOKEN_INVALID", "id_token phải được ký bằng RS256.",
                           "The id token must be signed with RS256.")
        key = self._key(ns, header.get("kid"))
        try:
            claims = jwt.decode(
                token, key, algorithms=["RS256"], audience=self.client_id, issuer=self.issuer,
                options={"require": ["iss", "aud", "exp", "sub"], "verify_exp": now is None,
                         "verify_iat": now is None, "verify_nbf": now is None},
                leeway=LEEWAY_SECONDS,
            )
        except jwt.InvalidSignatureError as exc:
            raise SsoError("SSO_ID_TOKEN_SIGNATURE", "Chữ ký của id_token không hợp lệ.",
                           "The id token's signature does not verify.", status=401) from exc
        except jwt.InvalidIssuerError as exc:
            raise SsoError("SSO_ID_TOKEN_ISSUER", "id_token không do Cổng DVC quốc gia phát hành (iss sai).",
                           "The id token's issuer is not the national SSO.", status=401) from exc
        except jwt.InvalidAudienceError as exc:
            raise SsoError("SSO_ID_TOKEN_AUDIENCE", "id_token không cấp cho cổng này (aud sai).",
                           "The id token was not issued to this portal (aud).", status=401) from exc
        except jwt.ExpiredSignatureError as exc:
            raise SsoError("SSO_ID_TOKEN_EXPIRED", "id_token đã hết hạn, vui lòng đăng nhập lại.",
                           "The id token has expired; log in again.", status=401) from exc
        except jwt.PyJWTError as exc:
            raise SsoError("SSO_ID_TOKEN_INVALID", "id_token không hợp lệ.",
                           f"The id token is not valid: {exc}.", status=401) from exc
        # The national IdP stamps its tokens with the namespace's virtual clock: check them against it.
        if now is not None and _number(claims.get("exp")) + LEEWAY_SECONDS < now:
            raise SsoError("SSO_ID_TOKEN_EXPIRED", "id_token đã hết hạn, vui lòng đăng nhập lại.",
                           "The id token has expired; log in again.", status=401)
        if not isinstance(claims.get("nonce"), str) or not secrets.compare_digest(claims["nonce"], nonce):
            raise SsoError("SSO_NONCE_MISMATCH", "id_token không thuộc phiên đăng nhập này (nonce sai).",
                           "The id token's nonce does not match this log-in.", status=401)
        return claims

    # -- discovery and keys ------------------------------------------------------------------------
    def discovery(self, ns: str) -> dict[str, Any]:
        if self._discovery is None:
            answer = self._call("get", f"{self.issuer}/.well-known/openid-configuration", ns)
            if answer.status_code != 200:
                raise SsoUnavailable("SSO_DISCOVERY_FAILED",
                                     "Không đọc được cấu hình OpenID của Cổng DVC quốc gia.",
                                     f"The national OpenID configuration answered HTTP {answer.status_code}.")
            self._discovery = _json_object(answer, "discovery")
        return self._discovery

    def _endpoint(self, name: str, default_path: str) -> str:
        known = self._discovery or {}
        value = known.get(name)
        return value if isinstance(value, str) and value else f"{self.issuer}{default_path}"

    def _key(self, ns: str, kid: str | None) -> Any:
        """The signing key for `kid`; the JWKS is fetched again once when the kid is unknown (key rotation)."""
        with self._lock:
            key = self._pick(kid)
            if key is None:
                self._fetch_keys(ns)
                key = self._pick(kid)
        if key is None:
            raise SsoError("SSO_UNKNOWN_KEY", "Không tìm thấy khóa ký của id_token trong JWKS của Cổng DVC quốc gia.",
                           f"No key with kid {kid!r} in the national JWKS.", status=401)
        return key

    def _pick(self, kid: str | None) -> Any:
        if kid is not None:
            return self._keys.get(kid)
        return next(iter(self._keys.values())) if len(self._keys) == 1 else None

    def _fetch_keys(self, ns: str) -> None:
        jwks_uri = self.discovery(ns).get("jwks_uri") or f"{self.issuer}/oauth2/jwks"
        answer = self._call("get", jwks_uri, ns)
        if answer.status_code != 200:
            raise SsoUnavailable("SSO_JWKS_FAILED", "Không tải được khóa công khai (JWKS) của Cổng DVC quốc gia.",
                                 f"The national JWKS answered HTTP {answer.status_code}.")
        keys: dict[str, Any] = {}
        for jwk in _json_object(answer, "jwks").get("keys") or []:
            if not isinstance(jwk, dict) or jwk.get("kty") != "RSA":
                continue
            try:
                keys[str(jwk.get("kid", ""))] = jwt.PyJWK(jwk, algorithm="RS256").key
            except jwt.PyJWTError:
                continue
        self._keys = keys

    def _call(self, method: str, url: str, ns: str, **kwargs: Any) -> requests.Response:
        headers = {**forward_headers(ns), **kwargs.pop("headers", {})}
        try:
            return self.http.request(method, url, headers=headers, timeout=TIMEOUT, **kwargs)
        except requests.RequestException as exc:
            raise SsoUnavailable("SSO_UNAVAILABLE", "Không kết nối được tới Cổng DVC quốc gia, vui lòng thử lại sau.",
                                 f"The national SSO cannot be reached: {type(exc).__name__}.") from exc


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0


def _safe_json(answer: requests.Response) -> Any:
    try:
        return answer.json()
    except ValueError:
        return {"body": answer.text[:200]}


def _json_object(answer: requests.Response, what: str) -> dict[str, Any]:
    try:
        value = answer.json()
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise SsoUnavailable("SSO_BAD_ANSWER", f"Cổng DVC quốc gia trả lời không đúng định dạng ({what}).",
                             f"The national SSO's {what} answer is not a JSON object.")
    return value
