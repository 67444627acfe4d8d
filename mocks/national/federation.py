"""DVCQG federates VNeID: "Đăng nhập bằng tài khoản định danh điện tử VNeID", as an OpenID Connect relying party.

`/dang-nhap/vneid?next=` (the portal's own log-in page) and `/oauth2/authorize/vneid?<authorize query>` (the
SSO's log-in page, for a provincial portal) start the code flow at VNeID (mocks/core/oidc_client.py);
`/vneid/callback` ends it: the identity is linked to a DVCQG account (AccountBook.link_vneid: the one linked
before, else the one of the same ID number, tax code or agency code, else a new one), the DVCQG session is
opened with how it logged in (`acr` LoA1/LoA2 by the identity's level, `amr` ["vneid"]), and the browser goes on
— for the SSO, back to `/oauth2/authorize`, which answers the relying party its code.

When VNeID cannot be reached the start says so (502 VNEID_UNAVAILABLE) and sends nobody there; a failed
callback creates and links nothing.
"""

from __future__ import annotations

from urllib.parse import quote

import requests
from fastapi import APIRouter, Request
from fastapi.responses import Response

from mocks.core.app import Namespace
from mocks.core.config import StackConfig
from mocks.core.oidc_client import OidcClient, Provider
from mocks.core.oidc_provider import token_time
from mocks.core.web import redirect

from .model import NationalPortal
from .web import NationalSessions, safe_next

VNEID = Provider("VNEID", "Hệ thống định danh điện tử VNeID", "VNeID")


def vneid_client(config: StackConfig, http: requests.Session | None = None) -> OidcClient:
    """DVCQG's client of VNeID: the built-in relying party VNeID knows (stack credentials), back to /vneid/callback."""
    c = config.credentials
    return OidcClient(config.url("vneid"), c.vneid_client_id, c.vneid_client_secret,
                      config.url("national").rstrip("/") + "/vneid/callback", provider=VNEID, http=http)


def federation_router(model: NationalPortal, sessions: NationalSessions, vneid: OidcClient) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    def start(request: Request, ns: str, next_url: str) -> Response:
        vneid.check_reachable(ns)       # VNeID down: this page says so, nobody is sent to a dead end
        session = sessions.load(request, ns)
        login, url = vneid.begin(next_url)
        session["vneid"] = vneid.remember(dict(session.get("vneid") or {}), login)
        response = redirect(url)
        sessions.save(response, ns, session)
        return response

    @router.get("/dang-nhap/vneid")
    def log_in_with_vneid(request: Request, ns: Namespace, next: str | None = None) -> Response:
        return start(request, ns, safe_next(next, "/tai-khoan"))

    @router.get("/oauth2/authorize/vneid")
    def authorize_with_vneid(request: Request, ns: Namespace) -> Response:
        model.idp.check_authorization(dict(request.query_params))  # a bad request is told now, not after VNeID
        return start(request, ns, f"/oauth2/authorize?{request.url.query}")

    @router.get("/vneid/callback")
    def callback(request: Request, ns: Namespace, code: str | None = None, state: str | None = None,
                 error: str | None = None, error_description: str | None = None) -> Response:
        session = sessions.load(request, ns)
        login = vneid.callback(session, "vneid", lambda: sessions.web.persist(ns, session), state, code, error,
                               error_description)
        identity = vneid.finish(ns, login, code or "")
        claims = {**identity.id_token_claims, **identity.userinfo}
        account, _ = model.accounts.link_vneid(ns, claims)
        response = redirect(safe_next(login.next_url, "/tai-khoan"))
        sessions.log_in(response, ns, session, account, token_time(), acr=f"LoA{account.identity_level or 1}",
                        amr=("vneid",))
        return response

    return router


def start_url(next_url: str) -> str:
    """Where a log-in page's VNeID button goes, back to `next_url` once logged in."""
    return f"/dang-nhap/vneid?next={quote(next_url, safe='')}"
