"""Who is logged in: the `tinh_session` cookie, and the SSO log-in routes that set it.

`GET /dang-nhap` starts the national authorization-code flow (state, nonce and PKCE kept
in the session), `GET /auth/callback` finishes it and links the identity to a local
account, `GET /dang-xuat` logs out locally. The session cookie is also the credential of
the JSON API.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from mocks.core.app import Namespace
from mocks.core.errors import Unauthorized
from mocks.core.storage import Store
from mocks.core.web import Session, WebSessions, redirect

from .accounts import Account
from .model import ProvincialPortal

COOKIE = "tinh_session"


def safe_next(target: str | None) -> str:
    """Only a path on this portal: no open redirect to another site."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")) or len(target) > 2000:
        return "/"
    return target


class PortalAuth:
    def __init__(self, portal: ProvincialPortal, store: Store) -> None:
        self.portal = portal
        self.sessions = WebSessions(store, COOKIE)
        self.store = store

    def session(self, request: Request, ns: str) -> Session:
        return self.sessions.load(request, ns)

    def account(self, request: Request, ns: str, session: Session | None = None) -> Account | None:
        session = session if session is not None else self.session(request, ns)
        account_id = session.get("account_id")
        return self.portal.accounts.find(ns, account_id) if isinstance(account_id, str) else None

    def require_api(self, request: Request, ns: str) -> Account:
        account = self.account(request, ns)
        if account is None:
            raise Unauthorized(
                "NOT_LOGGED_IN",
                "Bạn cần đăng nhập bằng tài khoản Cổng Dịch vụ công quốc gia (GET /dang-nhap) trước khi thực hiện.",
                "Log in through the national SSO first (GET /dang-nhap); the tinh_session cookie is the credential.",
            )
        return account

    @staticmethod
    def login_redirect(request: Request) -> RedirectResponse:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return redirect(f"/dang-nhap?next={quote(target, safe='')}")

    def log_in(self, response: Response, ns: str, old: Session, account: Account, rule: str) -> None:
        """A fresh session id for the logged-in user (no session fixation)."""
        fresh = self.sessions.rotate(ns, old, {"account_id": account.id, "link_rule": rule})
        self.sessions.save(response, ns, fresh)

    def reset(self, ns: str) -> None:
        self.sessions.reset(ns)


def router(auth: PortalAuth) -> APIRouter:
    portal = auth.portal
    api = APIRouter(tags=["log-in"])

    @api.get("/dang-nhap", summary="Start the log-in through the national SSO (authorization code + PKCE)")
    def start_login(request: Request, ns: Namespace, next: str | None = None) -> Response:
        session = auth.session(request, ns)
        target = safe_next(next)
        if auth.account(request, ns, session) is not None:
            return redirect(target)
        login, url = portal.sso.begin(target)
        session["oidc"] = portal.sso.remember(dict(session.get("oidc") or {}), login)
        response = redirect(url)
        auth.sessions.save(response, ns, session)
        return response

    @api.get("/auth/callback", summary="End of the SSO log-in: check, link the account, open the session")
    def callback(request: Request, ns: Namespace, code: str | None = None, state: str | None = None,
                 error: str | None = None, error_description: str | None = None) -> Response:
        session = auth.session(request, ns)
        login = portal.sso.callback(session, "oidc", lambda: auth.sessions.persist(ns, session), state, code, error,
                                    error_description)
        identity = portal.sso.finish(ns, login, code or "")
        account, rule = portal.accounts.link_sso(ns, {**identity.id_token_claims, **identity.userinfo})
        response = redirect(safe_next(login.next_url))
        auth.log_in(response, ns, session, account, rule)
        return response

    @api.get("/dang-xuat", summary="Log out of the portal (locally)")
    def logout(request: Request, ns: Namespace) -> Response:
        session = auth.session(request, ns)
        response = redirect("/")
        auth.sessions.destroy(response, ns, session)
        return response

    return api
