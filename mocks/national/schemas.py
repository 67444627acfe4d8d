"""What the national portal answers, for its OpenAPI document (documentation only: given in `responses=`,
which does not filter what a route returns). `ROUTES` documents the OpenID Connect endpoints of oauth.py."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from mocks.core.openapi import NOT_ANSWERED, ErrorDetail


# -- accounts and log-in (/api/v1) ---------------------------------------------------------------
class PendingAccount(BaseModel):
    username: str = Field(description="ID number, tax code or agency code")
    status: str = Field(description='"pending" until the one-time code')
    sent_to: list[str] = Field(description="the phone number and e-mail address the code went to")
    otp_expires_in: int = Field(description="seconds")


class AccountStatus(BaseModel):
    username: str
    status: str = Field(description="active")


class AccountOut(BaseModel):
    """An account without its password."""

    username: str
    account_type: str = Field(description="citizen | business | agency")
    status: str
    full_name: str
    email: str
    phone: str
    tech_id: str
    subject: str = Field(description="the `sub` of its id tokens")
    created_at: str
    id_number: str | None
    tax_code: str | None
    agency_code: str | None
    organisation_name: str | None
    birth_date: str | None
    gender: str | None
    address: str | None
    activated_at: str | None


class ProgressStep(BaseModel):
    model_config = ConfigDict(extra="allow")
    at: str | None
    handler: str
    content: str
    status: int | None
    status_name: str


class NationalLookup(BaseModel):
    """What the province pushed for a dossier, in our API's English names."""

    model_config = ConfigDict(extra="allow")
    code: str
    procedure_code: str
    procedure_name: str
    agency_code: str | None
    status: int
    status_name: str
    submitted_at: str | None
    progress: list[ProgressStep]


class ProcedureFee(BaseModel):
    amount: int
    description: str | None


class NationalProcedure(BaseModel):
    code: str
    national_code: str
    name: str
    field: str
    level: int | None
    level_label: str
    fee: ProcedureFee


class NationalCatalogue(BaseModel):
    procedures: list[NationalProcedure]
    total: int


# -- admin -----------------------------------------------------------------------------------------
class SentMessage(BaseModel):
    id: int
    channel: str = Field(description="sms | email")
    to: str
    username: str | None
    subject: str | None
    body: str
    otp: str | None
    created_at: str


class SentMessages(BaseModel):
    messages: list[SentMessage]


class RelyingParty(BaseModel):
    client_id: str
    name: str
    redirect_uris: list[str]
    post_logout_redirect_uris: list[str]
    built_in: bool


class RelyingParties(BaseModel):
    clients: list[RelyingParty]


class RegisteredRelyingParty(BaseModel):
    client_id: str
    client_secret: str | None = Field(description="null when re-registered without one (the old one is kept)")
    secret_kept: bool
    name: str
    redirect_uris: list[str]
    post_logout_redirect_uris: list[str]


class SyncAccount(BaseModel):
    username: str
    madonvi: str | None
    built_in: bool


class SyncAccounts(BaseModel):
    accounts: list[SyncAccount]


class RegisteredSyncAccount(BaseModel):
    username: str
    madonvi: str | None


# -- the dossier-sync gateway (/sync) --------------------------------------------------------------
class SyncSessionOpened(BaseModel):
    session: str
    error_code: int = Field(description="0")
    message: str
    expires_in: int = Field(description="seconds")


class SyncAnswer(BaseModel):
    error_code: int = Field(description="0")
    message: str
    result: Any = Field(description="what the service answers: the dossiers' outcomes, a dossier, a procedure, "
                                    "the list of procedures")


class SyncRefusal(BaseModel):
    """The house error body with the protocol's `error_code` (not 0) and `message`."""

    error_code: int
    message: str
    error: ErrorDetail


# -- OpenID Connect (oauth.py) ---------------------------------------------------------------------
class OpenIdConfiguration(BaseModel):
    model_config = ConfigDict(extra="allow")
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    userinfo_endpoint: str
    jwks_uri: str
    end_session_endpoint: str
    response_types_supported: list[str]
    scopes_supported: list[str]
    claims_supported: list[str]


class Jwk(BaseModel):
    model_config = ConfigDict(extra="allow")
    kty: str
    kid: str
    use: str
    alg: str
    n: str
    e: str


class Jwks(BaseModel):
    keys: list[Jwk]


class Tokens(BaseModel):
    access_token: str
    token_type: str = Field(description="Bearer")
    expires_in: int
    id_token: str = Field(description="RS256 JWT")
    scope: str


class UserClaims(BaseModel):
    """The DVCQG claims of the token's account; which ones depends on the account type."""

    model_config = ConfigDict(extra="allow")
    sub: str


class OAuthErrorBody(BaseModel):
    error: str = Field(description="RFC 6749: invalid_request, invalid_client, invalid_grant, invalid_token, ...")
    error_description: str
    message_vi: str
    message_en: str


OAUTH_400 = {"model": OAuthErrorBody, "description": "invalid_request, invalid_grant, unsupported_grant_type"}
ROUTES: dict[tuple[str, str], dict[int | str, Any]] = {
    ("GET", "/.well-known/openid-configuration"): {200: {"model": OpenIdConfiguration}},
    ("GET", "/oauth2/jwks"): {200: {"model": Jwks}},
    ("POST", "/oauth2/token"): {
        200: {"model": Tokens}, 400: OAUTH_400, 422: NOT_ANSWERED,
        401: {"model": OAuthErrorBody, "description": "invalid_client (WWW-Authenticate: Basic)"},
    },
    ("GET", "/oauth2/userinfo"): {
        200: {"model": UserClaims},
        401: {"model": OAuthErrorBody, "description": "invalid_token (WWW-Authenticate: Bearer)"},
    },
    ("POST", "/oauth2/userinfo"): {
        200: {"model": UserClaims},
        401: {"model": OAuthErrorBody, "description": "invalid_token (WWW-Authenticate: Bearer)"},
    },
}
