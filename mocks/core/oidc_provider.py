"""An OpenID Connect identity provider: relying parties, signing key, codes, tokens, claims (DVCQG's and VNeID's).

The built-in relying party (the provincial portal for DVCQG, DVCQG for VNeID) comes from the
stack's credentials and is never stored; others are registered on the admin surface. The RSA key
is made once and kept in the service's store, so tokens signed before a restart still verify after
it. Codes and access tokens follow the namespace clock; the id token's times are real time
(`token_time`). Whose claims: the provider's `subjects` (an account book), each subject answering
`username`, `subject` and `claims()`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import sqlite3
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import parse_qsl, unquote_plus, urlencode, urlsplit, urlunsplit

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from .clock import Clock
from .errors import Conflict, DomainError
from .security import digest, same_digest
from .storage import Store, dumps, loads
from .urls import is_absolute_http_url

CODE_SECONDS = 60
TOKEN_SECONDS = 3600
ID_TOKEN_SECONDS = 3600
ACR = "LoA1"
SCOPES: tuple[str, ...] = ("openid", "profile", "email", "phone", "address")
# The provider's tables: the signing key and the relying parties are stack-wide; codes and tokens per namespace.
DDL = """
CREATE TABLE IF NOT EXISTS signing_key (
    slot INTEGER PRIMARY KEY CHECK (slot = 1),
    kid TEXT NOT NULL,
    private_pem TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS oidc_client (
    client_id TEXT PRIMARY KEY,
    secret_hash TEXT NOT NULL,
    name TEXT NOT NULL,
    redirect_uris TEXT NOT NULL,
    post_logout_redirect_uris TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS auth_code (
    ns TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    client_id TEXT NOT NULL,
    redirect_uri TEXT NOT NULL,
    username TEXT NOT NULL,
    scope TEXT NOT NULL,
    nonce TEXT,
    code_challenge TEXT,
    auth_time INTEGER NOT NULL,
    expires_at REAL NOT NULL,
    used INTEGER NOT NULL DEFAULT 0,
    acr TEXT NOT NULL DEFAULT 'LoA1',      -- how the subject logged in: the id token's acr and amr
    amr TEXT NOT NULL DEFAULT '["pwd"]',
    PRIMARY KEY (ns, code_hash)
);
CREATE TABLE IF NOT EXISTS access_token (
    ns TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    client_id TEXT NOT NULL,
    username TEXT NOT NULL,
    scope TEXT NOT NULL,
    code_hash TEXT,
    expires_at REAL NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (ns, token_hash)
);
CREATE INDEX IF NOT EXISTS access_token_code ON access_token(ns, code_hash);
"""
NAMESPACED_TABLES: tuple[str, ...] = ("auth_code", "access_token")
_CHALLENGE = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
_CLIENT_ID = re.compile(r"^[A-Za-z0-9_.:\-]{3,100}$")


class OAuthError(DomainError):
    """An error of the OAuth endpoints, in the OAuth format: `error` is the RFC 6749 string code."""

    def __init__(self, error: str, vi: str, en: str, *, status: int = 400,
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(error.upper(), vi, en, status=status)
        self.error = error
        self.headers = dict(headers or {})

    def body(self) -> dict[str, Any]:
        return {"error": self.error, "error_description": self.en, "message_vi": self.vi, "message_en": self.en}


def invalid_client(vi: str, en: str, realm: str = "dvcqg") -> OAuthError:
    return OAuthError("invalid_client", vi, en, status=401, headers={"WWW-Authenticate": f'Basic realm="{realm}"'})


def invalid_grant(vi: str, en: str) -> OAuthError:
    return OAuthError("invalid_grant", vi, en)


def invalid_token(vi: str, en: str, realm: str = "dvcqg") -> OAuthError:
    return OAuthError("invalid_token", vi, en, status=401,
                      headers={"WWW-Authenticate": f'Bearer realm="{realm}", error="invalid_token", '
                                                   f'error_description="{en}"'})


class AuthorizationRedirect(Exception):
    """An authorization error the relying party hears about on its redirect URI."""

    def __init__(self, redirect_uri: str, error: str, description: str, state: str | None) -> None:
        super().__init__(f"{error}: {description}")
        params = {"error": error, "error_description": description}
        if state:
            params["state"] = state
        self.location = with_query(redirect_uri, params)


def with_query(uri: str, params: Mapping[str, str]) -> str:
    """`uri` with `params` added to its query string (keeping what it had)."""
    parts = urlsplit(uri)
    query = parse_qsl(parts.query, keep_blank_values=True) + list(params.items())
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode()


def check_redirect_uri(uri: Any) -> str:
    if not isinstance(uri, str) or len(uri) > 2000:
        raise DomainError("INVALID_REDIRECT_URI", "Địa chỉ chuyển hướng không hợp lệ.", "Invalid redirect URI.")
    if not is_absolute_http_url(uri, fragment_allowed=False):
        raise DomainError("INVALID_REDIRECT_URI",
                          f"Địa chỉ chuyển hướng phải là URL http(s) tuyệt đối, không có '#': {uri}",
                          f"A redirect URI must be an absolute http(s) URL without a fragment: {uri}")
    return uri


@dataclass(frozen=True)
class RelyingParty:
    client_id: str
    name: str
    redirect_uris: tuple[str, ...]
    post_logout_redirect_uris: tuple[str, ...]
    secret_hash: str
    built_in: bool = False

    def check_secret(self, secret: str | None) -> bool:
        return bool(secret) and same_digest(secret or "", self.secret_hash)

    def public(self) -> dict[str, Any]:
        return {"client_id": self.client_id, "name": self.name, "redirect_uris": list(self.redirect_uris),
                "post_logout_redirect_uris": list(self.post_logout_redirect_uris), "built_in": self.built_in}


@dataclass(frozen=True)
class AuthorizationRequest:
    client: RelyingParty
    redirect_uri: str
    scope: str
    state: str | None
    nonce: str | None
    code_challenge: str | None
    prompt: str | None


class SigningKey:
    """The RS256 key pair, made once per state folder and kept in the store."""

    def __init__(self, store: Store) -> None:
        row = store.one("SELECT kid, private_pem FROM signing_key WHERE slot = 1")
        if row is None:
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption()).decode()
            # two workers may race: the first insert wins and both read it back
            store.execute("INSERT OR IGNORE INTO signing_key(slot, kid, private_pem, created_at) VALUES (1, ?, ?, ?)",
                          (self._thumbprint(key.public_key()), pem, time.time()))
            row = store.one("SELECT kid, private_pem FROM signing_key WHERE slot = 1")
            assert row is not None
        self.kid: str = row["kid"]
        # our own key, from our own store: skip the (slow, ~0.1 s) RSA consistency checks
        self.private_key = serialization.load_pem_private_key(row["private_pem"].encode(), password=None,
                                                              unsafe_skip_rsa_key_validation=True)
        self.public_key = self.private_key.public_key()

    @staticmethod
    def _thumbprint(public_key: Any) -> str:
        """RFC 7638 JWK thumbprint: a stable `kid`."""
        jwk = RSAAlgorithm.to_jwk(public_key, as_dict=True)
        canonical = json.dumps({k: jwk[k] for k in ("e", "kty", "n")}, separators=(",", ":"), sort_keys=True)
        return base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).rstrip(b"=").decode()

    def jwks(self) -> dict[str, Any]:
        jwk = RSAAlgorithm.to_jwk(self.public_key, as_dict=True)
        jwk.pop("key_ops", None)  # `use` says it; RFC 7517 advises against carrying both
        return {"keys": [{**jwk, "use": "sig", "alg": "RS256", "kid": self.kid}]}

    def sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode(claims, self.private_key, algorithm="RS256", headers={"kid": self.kid})  # type: ignore[arg-type]

    def verify(self, token: str, **options: Any) -> dict[str, Any]:
        return jwt.decode(token, self.public_key, algorithms=["RS256"], **options)  # type: ignore[arg-type]


def token_time() -> int:
    """Seconds since the epoch for the id token's iat/exp/auth_time.

    Real time on purpose, not the namespace clock: relying-party libraries (PyJWT, Authlib,
    a real portal's) check iat/exp against their own real clock and cannot see ours, so a
    namespace clock moved by days would make every id token "not yet valid" or expired.
    Everything the emulator itself checks (codes, access tokens, OTPs) follows the namespace clock.
    """
    return int(time.time())


class Subject(Protocol):
    """Whom a code and a token are for: an account of the provider."""

    username: str
    subject: str

    def claims(self) -> dict[str, Any]: ...


class Subjects(Protocol):
    def get(self, ns: str, username: str) -> Subject | None: ...


@dataclass(frozen=True)
class Discovery:
    """What a provider announces beside its endpoints."""

    claims: tuple[str, ...]
    acr_values: tuple[str, ...] = (ACR,)
    scopes: tuple[str, ...] = SCOPES
    realm: str = "dvcqg"            # of the WWW-Authenticate challenges


class OidcProvider:
    def __init__(self, store: Store, clock: Clock, issuer: str, subjects: Subjects, built_in: RelyingParty,
                 announced: Discovery) -> None:
        store.migrate(DDL)
        store.ensure_columns("auth_code", {"acr": "TEXT NOT NULL DEFAULT 'LoA1'",
                                           "amr": "TEXT NOT NULL DEFAULT '[\"pwd\"]'"})
        self.store = store
        self.clock = clock
        self.subjects = subjects
        self.key = SigningKey(store)
        self.issuer = issuer
        self.announced = announced
        self._built_in = built_in

    # -- discovery ------------------------------------------------------------------------
    def discovery(self) -> dict[str, Any]:
        base = self.issuer
        return {
            "issuer": base,
            "authorization_endpoint": f"{base}/oauth2/authorize",
            "token_endpoint": f"{base}/oauth2/token",
            "userinfo_endpoint": f"{base}/oauth2/userinfo",
            "jwks_uri": f"{base}/oauth2/jwks",
            "end_session_endpoint": f"{base}/oauth2/logout",
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": list(self.announced.scopes),
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": list(self.announced.claims),
            "acr_values_supported": list(self.announced.acr_values),
            "prompt_values_supported": ["none", "login"],
            "ui_locales_supported": ["vi-VN"],
        }

    def _bad_client(self, vi: str, en: str) -> OAuthError:
        return invalid_client(vi, en, self.announced.realm)

    def _bad_token(self, vi: str, en: str) -> OAuthError:
        return invalid_token(vi, en, self.announced.realm)

    # -- relying parties --------------------------------------------------------------------
    def built_in_client(self) -> RelyingParty:
        return self._built_in

    def client(self, client_id: str | None) -> RelyingParty | None:
        if not client_id:
            return None
        built_in = self.built_in_client()
        if client_id == built_in.client_id:
            return built_in
        row = self.store.one("SELECT * FROM oidc_client WHERE client_id = ?", (client_id,))
        if row is None:
            return None
        return RelyingParty(row["client_id"], row["name"], tuple(loads(row["redirect_uris"])),
                            tuple(loads(row["post_logout_redirect_uris"])), row["secret_hash"])

    def clients(self) -> list[dict[str, Any]]:
        rows = self.store.query("SELECT client_id FROM oidc_client ORDER BY created_at, client_id")
        found = [self.client(r["client_id"]) for r in rows]
        return [self.built_in_client().public()] + [c.public() for c in found if c is not None]

    def register_client(self, *, name: str, redirect_uris: list[str],
                        post_logout_redirect_uris: list[str] | None = None, client_id: str | None = None,
                        client_secret: str | None = None) -> dict[str, Any]:
        """Register (or re-register) a relying party; answers its id and secret (generated when not given)."""
        name = (name or "").strip()
        if not name or len(name) > 200:
            raise DomainError("INVALID_CLIENT_NAME", "Tên ứng dụng bắt buộc, tối đa 200 ký tự.",
                              "name is required, at most 200 characters.")
        if not redirect_uris or len(redirect_uris) > 20:
            raise DomainError("INVALID_REDIRECT_URI", "Cần từ 1 đến 20 địa chỉ chuyển hướng.",
                              "Give 1 to 20 redirect URIs.")
        uris = [check_redirect_uri(u) for u in redirect_uris]
        logout = [check_redirect_uri(u) for u in (post_logout_redirect_uris or [])[:20]]
        client_id = client_id or f"rp-{secrets.token_hex(8)}"
        if not _CLIENT_ID.match(client_id):
            raise DomainError("INVALID_CLIENT_ID", "client_id gồm 3–100 ký tự chữ, số, '_', '.', ':' hoặc '-'.",
                              "client_id is 3-100 letters, digits, '_', '.', ':' or '-'.")
        if client_id == self._built_in.client_id:
            raise Conflict("CLIENT_BUILT_IN", "client_id này là ứng dụng dựng sẵn của bộ giả lập.",
                           "This client_id is the stack's built-in relying party.")
        if client_secret is not None and not 8 <= len(client_secret) <= 200:
            raise DomainError("INVALID_CLIENT_SECRET", "client_secret dài 8–200 ký tự.",
                              "client_secret must be 8-200 characters.")
        known = self.store.one("SELECT 1 FROM oidc_client WHERE client_id = ?", (client_id,)) is not None
        # re-registering without a secret keeps the client's (a portal already authenticates with it)
        keep = known and client_secret is None
        client_secret = client_secret or ("" if keep else secrets.token_urlsafe(24))
        self.store.execute(
            "INSERT INTO oidc_client(client_id, secret_hash, name, redirect_uris, post_logout_redirect_uris, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(client_id) DO UPDATE SET "
            f"{'' if keep else 'secret_hash = excluded.secret_hash, '}name = excluded.name, "
            "redirect_uris = excluded.redirect_uris, post_logout_redirect_uris = excluded.post_logout_redirect_uris",
            (client_id, digest(client_secret), name, dumps(uris), dumps(logout), time.time()),
        )
        return {"client_id": client_id, "client_secret": None if keep else client_secret, "secret_kept": keep,
                "name": name, "redirect_uris": uris, "post_logout_redirect_uris": logout}

    # -- authorization ------------------------------------------------------------------------
    def check_authorization(self, params: Mapping[str, str]) -> AuthorizationRequest:
        """A checked authorization request. DomainError (shown to the user, never redirected) when the
        client or its redirect URI is unknown; AuthorizationRedirect for the errors the client may hear."""
        client = self.client(params.get("client_id"))
        if client is None:
            raise DomainError("UNKNOWN_CLIENT", "Ứng dụng yêu cầu đăng nhập (client_id) chưa được đăng ký.",
                              "The client_id is not registered.")
        redirect_uri = params.get("redirect_uri") or ""
        if redirect_uri not in client.redirect_uris:
            raise DomainError("UNREGISTERED_REDIRECT_URI",
                              "Địa chỉ chuyển hướng (redirect_uri) chưa được đăng ký cho ứng dụng này.",
                              "The redirect_uri is not registered for this client.")
        state = params.get("state") or None

        def refuse(error: str, description: str) -> AuthorizationRedirect:
            return AuthorizationRedirect(redirect_uri, error, description, state)

        if state is not None and len(state) > 1000:
            raise refuse("invalid_request", "state is longer than 1000 characters")
        if params.get("response_type") != "code":
            raise refuse("unsupported_response_type", "only response_type=code is supported")
        scope = " ".join(params.get("scope", "").split())
        if "openid" not in scope.split(" "):
            raise refuse("invalid_scope", "the scope must include openid")
        unknown = [s for s in scope.split(" ") if s not in self.announced.scopes]
        if unknown:
            raise refuse("invalid_scope", f"unsupported scope: {' '.join(unknown)[:100]}")
        challenge = params.get("code_challenge") or None
        method = params.get("code_challenge_method") or None
        if method is not None and method != "S256":
            raise refuse("invalid_request", "code_challenge_method must be S256")
        if challenge is not None and (method is None or not _CHALLENGE.match(challenge)):
            raise refuse("invalid_request", "code_challenge must be a S256 challenge with code_challenge_method=S256")
        if method is not None and challenge is None:
            raise refuse("invalid_request", "code_challenge_method given without code_challenge")
        nonce = params.get("nonce") or None
        if nonce is not None and len(nonce) > 500:
            raise refuse("invalid_request", "nonce is longer than 500 characters")
        prompt = params.get("prompt") or None
        if prompt not in (None, "none", "login", "consent", "select_account"):
            raise refuse("invalid_request", "unsupported prompt value")
        return AuthorizationRequest(client, redirect_uri, scope, state, nonce, challenge, prompt)

    def login_required(self, request: AuthorizationRequest) -> str:
        """Where to send the user agent for prompt=none without a session."""
        return AuthorizationRedirect(request.redirect_uri, "login_required", "the user is not logged in",
                                     request.state).location

    def issue_code(self, ns: str, request: AuthorizationRequest, account: Subject, auth_time: int, *,
                   acr: str = ACR, amr: tuple[str, ...] = ("pwd",)) -> str:
        """A single-use code (60 s of the namespace clock); answers the redirect to the relying party.
        `acr` and `amr` say how the subject logged in (the id token carries them)."""
        code = secrets.token_urlsafe(32)
        expires = self.clock.now(ns).timestamp() + CODE_SECONDS
        self.store.execute(
            "INSERT INTO auth_code(ns, code_hash, client_id, redirect_uri, username, scope, nonce, code_challenge, "
            "auth_time, expires_at, acr, amr) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (ns, digest(code), request.client.client_id, request.redirect_uri, account.username, request.scope,
             request.nonce, request.code_challenge, auth_time, expires, acr, dumps(list(amr))),
        )
        params = {"code": code}
        if request.state:
            params["state"] = request.state
        return with_query(request.redirect_uri, params)

    # -- token endpoint -------------------------------------------------------------------
    def authenticate_client(self, authorization: str | None, form_client_id: str | None,
                            form_secret: str | None) -> RelyingParty:
        """client_secret_basic (Authorization header) or client_secret_post (form), not both."""
        client_id, secret = form_client_id, form_secret
        if authorization and authorization[:6].lower() == "basic ":
            if form_secret:
                raise OAuthError("invalid_request", "Chỉ dùng một cách xác thực ứng dụng.",
                                 "Use one client authentication method, not two.")
            try:
                decoded = base64.b64decode(authorization[6:].strip(), validate=True).decode("utf-8")
                raw_id, raw_secret = decoded.split(":", 1)
            except (ValueError, UnicodeDecodeError) as exc:
                raise self._bad_client("Tiêu đề Authorization không hợp lệ.", "Malformed Basic credentials.") from exc
            client_id, secret = unquote_plus(raw_id), unquote_plus(raw_secret)
            if form_client_id and form_client_id != client_id:
                raise self._bad_client("client_id không khớp.", "client_id differs from the Basic credentials.")
        if not client_id or not secret:
            raise self._bad_client("Thiếu thông tin xác thực ứng dụng.", "Client authentication is required.")
        client = self.client(client_id)
        if client is None or not client.check_secret(secret):
            raise self._bad_client("Sai client_id hoặc client_secret.", "Unknown client or wrong client secret.")
        return client

    def exchange_code(self, ns: str, client: RelyingParty, code: str | None, redirect_uri: str | None,
                      code_verifier: str | None) -> dict[str, Any]:
        """Trade a code for tokens, once. A second use fails and revokes what the first one produced."""
        if not code:
            raise OAuthError("invalid_request", "Thiếu mã ủy quyền (code).", "code is required.")
        code_hash = digest(code)
        now = self.clock.now(ns).timestamp()
        failure: OAuthError | None = None
        answer: dict[str, Any] = {}
        with self.store.transaction() as conn:
            row = conn.execute("SELECT * FROM auth_code WHERE ns = ? AND code_hash = ?", (ns, code_hash)).fetchone()
            if row is None or row["client_id"] != client.client_id:
                failure = invalid_grant("Mã ủy quyền không hợp lệ.", "Unknown authorization code.")
            elif row["used"]:
                conn.execute("UPDATE access_token SET revoked = 1 WHERE ns = ? AND code_hash = ?", (ns, code_hash))
                failure = invalid_grant("Mã ủy quyền đã được sử dụng; các token cấp từ mã này đã bị thu hồi.",
                                        "The code was already used; the tokens it produced are revoked.")
            elif now > row["expires_at"]:
                failure = invalid_grant("Mã ủy quyền đã hết hạn.", "The authorization code has expired.")
            elif redirect_uri != row["redirect_uri"]:
                failure = invalid_grant("redirect_uri không khớp với yêu cầu ủy quyền.",
                                        "redirect_uri does not match the authorization request.")
            else:
                failure = _pkce_failure(row["code_challenge"], code_verifier)
            if failure is None:
                account = self.subjects.get(ns, row["username"])
                if account is None:
                    failure = invalid_grant("Tài khoản không còn tồn tại.", "The account no longer exists.")
                else:
                    conn.execute("UPDATE auth_code SET used = 1 WHERE ns = ? AND code_hash = ?", (ns, code_hash))
                    answer = self._tokens(conn, ns, client, row, account, now)
        if failure is not None:
            raise failure
        return answer

    def _tokens(self, conn: sqlite3.Connection, ns: str, client: RelyingParty, code: sqlite3.Row,
                account: Subject, now: float) -> dict[str, Any]:
        access_token = secrets.token_urlsafe(32)
        conn.execute(
            "INSERT INTO access_token(ns, token_hash, client_id, username, scope, code_hash, expires_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (ns, digest(access_token), client.client_id, account.username, code["scope"], code["code_hash"],
             now + TOKEN_SECONDS),
        )
        at_digest = hashlib.sha256(access_token.encode("ascii")).digest()
        issued = token_time()
        claims: dict[str, Any] = {
            "iss": self.issuer, "sub": account.subject, "aud": client.client_id, "azp": client.client_id,
            "iat": issued, "exp": issued + ID_TOKEN_SECONDS, "auth_time": min(code["auth_time"], issued),
            "acr": code["acr"], "amr": loads(code["amr"]),
            "at_hash": base64.urlsafe_b64encode(at_digest[:16]).rstrip(b"=").decode(),
        }
        if code["nonce"]:
            claims["nonce"] = code["nonce"]
        return {"access_token": access_token, "token_type": "Bearer", "expires_in": TOKEN_SECONDS,
                "id_token": self.key.sign(claims), "scope": code["scope"]}

    # -- userinfo -----------------------------------------------------------------------------
    def userinfo(self, ns: str, access_token: str | None) -> dict[str, Any]:
        if not access_token:
            raise self._bad_token("Thiếu access token.", "A Bearer access token is required.")
        row = self.store.one("SELECT * FROM access_token WHERE ns = ? AND token_hash = ?", (ns, digest(access_token)))
        if row is None or row["revoked"]:
            raise self._bad_token("Access token không hợp lệ hoặc đã bị thu hồi.", "Unknown or revoked access token.")
        if self.clock.now(ns).timestamp() > row["expires_at"]:
            raise self._bad_token("Access token đã hết hạn.", "The access token has expired.")
        account = self.subjects.get(ns, row["username"])
        if account is None:
            raise self._bad_token("Tài khoản không còn tồn tại.", "The account no longer exists.")
        return account.claims()

    # -- logout --------------------------------------------------------------------------------
    def logout_target(self, post_logout_redirect_uri: str | None, client_id: str | None = None,
                      id_token_hint: str | None = None, state: str | None = None) -> str | None:
        """Where to go after logout: a registered post-logout URI, or None for the portal's home page."""
        if not post_logout_redirect_uri:
            return None
        if id_token_hint and not client_id:
            try:
                claims = self.key.verify(id_token_hint, options={"verify_exp": False, "verify_aud": False})
                client_id = claims.get("aud") if isinstance(claims.get("aud"), str) else None
            except jwt.PyJWTError:
                client_id = None
        candidates = [self.client(client_id)] if client_id else [self.client(c["client_id"]) for c in self.clients()]
        if not any(c is not None and post_logout_redirect_uri in c.post_logout_redirect_uris for c in candidates):
            raise DomainError("UNREGISTERED_POST_LOGOUT_URI",
                              "Địa chỉ chuyển hướng sau đăng xuất chưa được đăng ký.",
                              "The post_logout_redirect_uri is not registered.")
        return with_query(post_logout_redirect_uri, {"state": state}) if state else post_logout_redirect_uri


def _pkce_failure(challenge: str | None, verifier: str | None) -> OAuthError | None:
    if challenge is None:
        if verifier:  # RFC 9700: a verifier without a challenge is a downgrade attempt
            return invalid_grant("Có code_verifier nhưng yêu cầu ủy quyền không có code_challenge.",
                                 "code_verifier given but the authorization request had no code_challenge.")
        return None
    if not verifier:
        return invalid_grant("Thiếu code_verifier (PKCE).", "code_verifier is required (PKCE).")
    if not _CHALLENGE.match(verifier) or not hmac.compare_digest(s256(verifier), challenge):
        return invalid_grant("code_verifier không khớp với code_challenge.", "code_verifier does not match (PKCE).")
    return None
