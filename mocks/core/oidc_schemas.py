"""What an identity provider's endpoints answer (mocks/core/oauth_routes.py and the admin's relying parties), for
the OpenAPI documents of DVCQG and VNeID (documentation only: given in `responses=`). `ROUTES` documents the
OpenID Connect endpoints, which the router's file cannot."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from .openapi import NOT_ANSWERED


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
    """The provider's claims of the token's account; which ones depends on the account type."""

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
