"""An identity provider's machine endpoints (DVCQG's, VNeID's): discovery, JWKS, token, userinfo.

Errors here use the OAuth format (`{"error": "invalid_grant", "error_description", ...}`)
because relying-party libraries parse it; the pages (authorize, logout) are in ui.py.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Form, Header, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from . import oidc_schemas
from .app import Namespace, admin_guard
from .config import StackConfig
from .errors import DomainError
from .oidc_provider import OAuthError, OidcProvider
from .openapi import success
from .web import Templates

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
FormText = Annotated[str | None, Form(max_length=4000)]


async def oauth_error_response(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, OAuthError)
    return JSONResponse(exc.body(), status_code=exc.status, headers={**NO_STORE, **exc.headers})


def install_oauth_errors(app: FastAPI) -> None:
    """The token and userinfo endpoints answer errors in OAuth's format, a malformed token request too."""
    app.add_exception_handler(OAuthError, oauth_error_response)
    house = app.exception_handlers[RequestValidationError]

    async def validation_error(request: Request, exc: Exception) -> Response:
        if request.url.path == "/oauth2/token":
            return await oauth_error_response(request, OAuthError(
                "invalid_request", "Yêu cầu không hợp lệ.", "Malformed token request."))
        return await house(request, exc)

    app.add_exception_handler(RequestValidationError, validation_error)


def _bearer(authorization: str | None) -> str | None:
    if authorization and authorization[:7].lower() == "bearer ":
        return authorization[7:].strip() or None
    return None


def oauth_router(idp: OidcProvider, owner: str = "DVCQG") -> APIRouter:
    router = APIRouter(tags=["openid connect"])
    discovery = json.dumps(idp.discovery(), ensure_ascii=False).encode()
    jwks = json.dumps(idp.key.jwks()).encode()

    @router.get("/.well-known/openid-configuration", summary="OpenID Connect discovery")
    async def openid_configuration() -> Response:
        return Response(discovery, media_type="application/json")

    @router.get("/oauth2/jwks", summary="The RS256 public key(s) that sign id tokens")
    async def jwks_document() -> Response:
        return Response(jwks, media_type="application/json", headers={"Cache-Control": "public, max-age=300"})

    @router.post("/oauth2/token", summary="Exchange an authorization code (client_secret_basic or client_secret_post)")
    def token(
        ns: Namespace,
        grant_type: FormText = None,
        code: FormText = None,
        redirect_uri: FormText = None,
        code_verifier: FormText = None,
        client_id: FormText = None,
        client_secret: FormText = None,
        authorization: Annotated[str | None, Header()] = None,
    ) -> JSONResponse:
        client = idp.authenticate_client(authorization, client_id, client_secret)
        if not grant_type:
            raise OAuthError("invalid_request", "Thiếu grant_type.", "grant_type is required.")
        if grant_type != "authorization_code":
            raise OAuthError("unsupported_grant_type", "Chỉ hỗ trợ grant_type=authorization_code.",
                             "Only grant_type=authorization_code is supported.")
        answer = idp.exchange_code(ns, client, code, redirect_uri, code_verifier)
        return JSONResponse(answer, headers=NO_STORE)

    def userinfo(ns: str, authorization: str | None) -> dict[str, Any]:
        return idp.userinfo(ns, _bearer(authorization))

    @router.get("/oauth2/userinfo", summary=f"The {owner} claims of the token's account (Bearer)")
    def userinfo_get(ns: Namespace, authorization: Annotated[str | None, Header()] = None) -> dict[str, Any]:
        return userinfo(ns, authorization)

    @router.post("/oauth2/userinfo", summary="The same, by POST")
    def userinfo_post(ns: Namespace, authorization: Annotated[str | None, Header()] = None) -> dict[str, Any]:
        return userinfo(ns, authorization)

    return router


class OidcClientRegistration(BaseModel):
    client_id: str | None = Field(None, max_length=100, description="generated when not given")
    client_secret: str | None = Field(None, max_length=200, description="generated when not given")
    name: str = Field(max_length=200)
    redirect_uris: list[str] = Field(max_length=20)
    post_logout_redirect_uris: list[str] = Field(default_factory=list, max_length=20)


def relying_parties_router(idp: OidcProvider, config: StackConfig) -> APIRouter:
    """`/_admin/oidc-clients`: the provider's relying parties, stack-wide (the built-in one first)."""
    router = APIRouter(prefix="/_admin", tags=["admin"], dependencies=[Depends(admin_guard(config))])

    @router.get("/oidc-clients", summary="Relying parties (the built-in one first); secrets are not shown",
                responses=success(oidc_schemas.RelyingParties))
    def oidc_clients() -> dict[str, Any]:
        return {"clients": idp.clients()}

    @router.post("/oidc-clients", status_code=201, summary="Register a relying party; answers its id and secret",
                 responses={**success(oidc_schemas.RegisteredRelyingParty, 201),
                            409: {"description": "The client_id is the built-in relying party's"}})
    def register_oidc_client(body: OidcClientRegistration) -> dict[str, Any]:
        return idp.register_client(**body.model_dump())

    return router


def add_logout(router: APIRouter, idp: OidcProvider, templates: Templates,
               end_session: Callable[[Request, Response, str], None]) -> None:
    """`GET /oauth2/logout?post_logout_redirect_uri&state&client_id?&id_token_hint?`: the provider's session ended
    (`end_session`), then to the registered URI or to `/`; an unregistered URI is a 400 page, never a redirect."""

    @router.get("/oauth2/logout")
    def logout(request: Request, ns: Namespace) -> Response:
        q = request.query_params
        try:
            target = idp.logout_target(q.get("post_logout_redirect_uri"), q.get("client_id"),
                                       q.get("id_token_hint"), q.get("state"))
        except DomainError as exc:
            return templates.render("error.html", status=400, http_status=400, code=exc.code,
                                    message_vi=exc.vi, message_en=exc.en)
        response = RedirectResponse(target or "/", status_code=302)
        end_session(request, response, ns)
        return response
