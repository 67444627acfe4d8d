"""An OpenID Connect relying party (authorization code + PKCE): the provincial portal's of DVCQG, DVCQG's of VNeID.

`begin()` makes the state, nonce and PKCE verifier a log-in keeps in the relying party's session
and the provider's authorize URL; `callback()` takes the pending log-in its state names, once;
`finish()` exchanges the code (client_secret_basic), verifies the id token (RS256 against the
provider's JWKS, iss, aud, exp, nonce) and reads userinfo. Every failure is an `SsoError` (a 4xx,
or 502 when the provider cannot be reached): a failed check never logs anyone in. The refusals'
codes start with the provider's `code` (SSO_..., VNEID_...), their words name it.

The id token's times (iat, exp) are real time, as the providers stamp them (docs/protocols.md,
"Id-token times"): checked against this machine's clock, as any relying-party library would.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import jwt
import requests

from .errors import DomainError
from .namespace import forward_headers

TIMEOUT = (3.05, 10.0)
LEEWAY_SECONDS = 60           # clock skew tolerated on exp / iat
SCOPE = "openid"
ACR_VALUES = "LoA1"
MAX_PENDING_LOGINS = 5        # log-ins started and not finished kept in one session (several tabs)


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


@dataclass(frozen=True)
class Provider:
    """Who the relying party logs in with: the prefix of its refusals' codes and its name in their words."""

    code: str       # SSO | VNEID
    vi: str         # Cổng DVC quốc gia
    en: str         # the national SSO


NATIONAL_SSO = Provider("SSO", "Cổng DVC quốc gia", "the national SSO")


def code_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class OidcClient:
    def __init__(self, issuer: str, client_id: str, client_secret: str, redirect_uri: str, *,
                 provider: Provider = NATIONAL_SSO, acr_values: str = ACR_VALUES,
                 http: requests.Session | None = None) -> None:
        self.issuer = issuer.rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uri = redirect_uri
        self.provider = provider
        self.acr_values = acr_values
        self.http = http or requests.Session()
        self._discovery: dict[str, Any] | None = None
        self._keys: dict[str, Any] = {}
        self._lock = threading.Lock()

    def _error(self, code: str, vi: str, en: str, *, status: int = 400, details: Any = None,
               unavailable: bool = False) -> SsoError:
        kind = SsoUnavailable if unavailable else SsoError
        return kind(f"{self.provider.code}_{code}", vi, en, status=502 if unavailable else status, details=details)

    # -- the start ---------------------------------------------------------------------------------
    def begin(self, next_url: str = "/") -> tuple[LoginRequest, str]:
        """A new log-in attempt and the URL of the national authorize endpoint to send the browser to."""
        login = LoginRequest(secrets.token_urlsafe(24), secrets.token_urlsafe(24), secrets.token_urlsafe(48),
                             next_url)
        query = urlencode({
            "response_type": "code", "client_id": self.client_id, "redirect_uri": self.redirect_uri,
            "scope": SCOPE, "acr_values": self.acr_values, "state": login.state, "nonce": login.nonce,
            "code_challenge": code_challenge(login.code_verifier), "code_challenge_method": "S256",
        })
        # The browser-facing endpoint is the provider's origin, even before discovery is fetched.
        return login, f"{self.issuer}/oauth2/authorize?{query}"

    @staticmethod
    def remember(pending: dict[str, Any], login: LoginRequest) -> dict[str, Any]:
        """The session's pending log-ins with this one added (the latest few only: several tabs may log in)."""
        pending = {**pending, login.state: login.to_json()}
        return dict(list(pending.items())[-MAX_PENDING_LOGINS:])

    def callback(self, session: MutableMapping[str, Any], key: str, save: Callable[[], None], state: str | None,
                 code: str | None, error: str | None, error_description: str | None) -> LoginRequest:
        """The log-in a callback ends, taken out of `session[key]` (the pending log-ins `remember` kept), once: the
        session is saved (`save`) without it whatever happens next. SsoError when the provider refused or the
        callback is not ours."""
        p = self.provider
        pending = dict(session.get(key) or {})
        login_json = pending.pop(state, None) if state else None
        if login_json is not None:
            session[key] = pending
            save()
        if error:
            raise self._error("DENIED", f"{p.vi} không cho phép đăng nhập ({error[:100]}"
                              f"{': ' + error_description[:200] if error_description else ''}).",
                              f"{p.en} answered error={error[:100]}.")
        if login_json is None:
            raise self._error("STATE_MISMATCH", "Phiên đăng nhập không hợp lệ hoặc đã hết hạn (state không khớp); "
                                                "vui lòng đăng nhập lại.",
                              "Unknown or reused state: this callback belongs to no log-in started here.")
        if not code:
            raise self._error("CODE_MISSING", f"Thiếu mã xác thực (code) từ {p.vi}.",
                              "The callback carries no authorization code.")
        return LoginRequest.from_json(login_json)

    # -- the end -----------------------------------------------------------------------------------
    def finish(self, ns: str, login: LoginRequest, code: str) -> SsoIdentity:
        """Exchange the code and check everything."""
        p = self.provider
        self.discovery(ns)
        tokens = self.exchange_code(ns, code, login.code_verifier)
        id_token = tokens.get("id_token")
        access_token = tokens.get("access_token")
        if not isinstance(id_token, str) or not isinstance(access_token, str):
            raise self._error("TOKEN_INVALID", f"Phản hồi cấp token của {p.vi} thiếu id_token/access_token.",
                              f"The token answer of {p.en} has no id_token or access_token.")
        claims = self.verify_id_token(ns, id_token, login.nonce)
        info = self.userinfo(ns, access_token)
        if info.get("sub") != claims.get("sub"):
            raise self._error("SUBJECT_MISMATCH", "Thông tin người dùng không khớp với id_token.",
                              "userinfo's sub differs from the id token's.")
        return SsoIdentity(claims, info, access_token, id_token)

    def exchange_code(self, ns: str, code: str, code_verifier: str) -> dict[str, Any]:
        p = self.provider
        answer = self._call(
            "post", self._endpoint("token_endpoint", "/oauth2/token"), ns,
            data={"grant_type": "authorization_code", "code": code, "redirect_uri": self.redirect_uri,
                  "code_verifier": code_verifier},
            auth=(self.client_id, self.client_secret),
        )
        if answer.status_code != 200:
            raise self._error("TOKEN_REFUSED", f"{p.vi} từ chối mã xác thực (HTTP {answer.status_code}).",
                              f"{p.en} refused the authorization code (HTTP {answer.status_code}).",
                              details=_safe_json(answer))
        return self._json_object(answer, "token")

    def userinfo(self, ns: str, access_token: str) -> dict[str, Any]:
        p = self.provider
        answer = self._call("get", self._endpoint("userinfo_endpoint", "/oauth2/userinfo"), ns,
                            headers={"Authorization": f"Bearer {access_token}"})
        if answer.status_code != 200:
            raise self._error("USERINFO_REFUSED",
                              f"Không lấy được thông tin người dùng từ {p.vi} (HTTP {answer.status_code}).",
                              f"The userinfo endpoint of {p.en} answered HTTP {answer.status_code}.")
        return self._json_object(answer, "userinfo")

    def verify_id_token(self, ns: str, token: str, nonce: str) -> dict[str, Any]:
        """The id token's claims once its signature, iss, aud, exp (real time) and nonce are right."""
        p = self.provider
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise self._error("ID_TOKEN_INVALID", "id_token không đúng định dạng JWT.",
                              f"The id token is not a JWT: {exc}.") from exc
        if header.get("alg") != "RS256":
            raise self._error("ID_TOKEN_INVALID", "id_token phải được ký bằng RS256.",
                              "The id token must be signed with RS256.")
        key = self._key(ns, header.get("kid"))
        try:
            claims = jwt.decode(token, key, algorithms=["RS256"], audience=self.client_id, issuer=self.issuer,
                                options={"require": ["iss", "aud", "exp", "sub"]}, leeway=LEEWAY_SECONDS)
        except jwt.InvalidSignatureError as exc:
            raise self._error("ID_TOKEN_SIGNATURE", "Chữ ký của id_token không hợp lệ.",
                              "The id token's signature does not verify.", status=401) from exc
        except jwt.InvalidIssuerError as exc:
            raise self._error("ID_TOKEN_ISSUER", f"id_token không do {p.vi} phát hành (iss sai).",
                              f"The id token's issuer is not {p.en}.", status=401) from exc
        except jwt.InvalidAudienceError as exc:
            raise self._error("ID_TOKEN_AUDIENCE", "id_token không cấp cho cổng này (aud sai).",
                              "The id token was not issued to this relying party (aud).", status=401) from exc
        except jwt.ExpiredSignatureError as exc:
            raise self._error("ID_TOKEN_EXPIRED", "id_token đã hết hạn, vui lòng đăng nhập lại.",
                              "The id token has expired; log in again.", status=401) from exc
        except jwt.PyJWTError as exc:
            raise self._error("ID_TOKEN_INVALID", "id_token không hợp lệ.",
                              f"The id token is not valid: {exc}.", status=401) from exc
        if not isinstance(claims.get("nonce"), str) or not secrets.compare_digest(claims["nonce"], nonce):
            raise self._error("NONCE_MISMATCH", "id_token không thuộc phiên đăng nhập này (nonce sai).",
                              "The id token's nonce does not match this log-in.", status=401)
        return claims

    # -- discovery and keys ------------------------------------------------------------------------
    def check_reachable(self, ns: str) -> None:
        """The provider answers now (its discovery asked again, not the copy kept): SsoUnavailable otherwise. For a
        log-in's start, so that a user is not sent to a provider that is down."""
        p = self.provider
        self._ask_discovery(ns, "UNAVAILABLE", f"{p.vi} đang gián đoạn, vui lòng thử lại sau.",
                            f"{p.en} is not available")

    def discovery(self, ns: str) -> dict[str, Any]:
        if self._discovery is None:
            p = self.provider
            self._discovery = self._ask_discovery(ns, "DISCOVERY_FAILED", f"Không đọc được cấu hình OpenID của {p.vi}.",
                                                  f"The OpenID configuration of {p.en} did not answer")
        return self._discovery

    def _ask_discovery(self, ns: str, code: str, vi: str, en: str) -> dict[str, Any]:
        answer = self._call("get", f"{self.issuer}/.well-known/openid-configuration", ns)
        if answer.status_code != 200:
            raise self._error(code, vi, f"{en} (HTTP {answer.status_code}).", unavailable=True)
        return self._json_object(answer, "discovery")

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
            raise self._error("UNKNOWN_KEY", f"Không tìm thấy khóa ký của id_token trong JWKS của {self.provider.vi}.",
                              f"No key with kid {kid!r} in the JWKS of {self.provider.en}.", status=401)
        return key

    def _pick(self, kid: str | None) -> Any:
        if kid is not None:
            return self._keys.get(kid)
        return next(iter(self._keys.values())) if len(self._keys) == 1 else None

    def _fetch_keys(self, ns: str) -> None:
        p = self.provider
        jwks_uri = self.discovery(ns).get("jwks_uri") or f"{self.issuer}/oauth2/jwks"
        answer = self._call("get", jwks_uri, ns)
        if answer.status_code != 200:
            raise self._error("JWKS_FAILED", f"Không tải được khóa công khai (JWKS) của {p.vi}.",
                              f"The JWKS of {p.en} answered HTTP {answer.status_code}.", unavailable=True)
        keys: dict[str, Any] = {}
        for jwk in self._json_object(answer, "jwks").get("keys") or []:
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
            p = self.provider
            raise self._error("UNAVAILABLE", f"Không kết nối được tới {p.vi}, vui lòng thử lại sau.",
                              f"{p.en} cannot be reached: {type(exc).__name__}.", unavailable=True) from exc

    def _json_object(self, answer: requests.Response, what: str) -> dict[str, Any]:
        try:
            value = answer.json()
        except ValueError:
            value = None
        if not isinstance(value, dict):
            p = self.provider
            raise self._error("BAD_ANSWER", f"{p.vi} trả lời không đúng định dạng ({what}).",
                              f"The {what} answer of {p.en} is not a JSON object.", unavailable=True)
        return value


def _safe_json(answer: requests.Response) -> Any:
    try:
        return answer.json()
    except ValueError:
        return {"body": answer.text[:200]}
