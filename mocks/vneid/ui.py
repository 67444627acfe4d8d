"""VNeID's pages: the log-in of the OpenID Connect flow (number and password, then the app's approval; or a QR
code the app scans), the wait for the app, and logout.

`GET /oauth2/authorize` shows the log-in (or, with a `vneid_session`, answers the code at once);
the password form and the QR button post back to it and lead to `/dang-nhap/cho-xac-nhan/{id}`,
the page that waits for the app: approved, it logs the browser in and sends the code to the relying
party; denied, it tells the relying party `access_denied`; expired, it shows the log-in again (410).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from mocks.core.app import Namespace
from mocks.core.errors import DomainError
from mocks.core.form_errors import FieldProblem, form_errors
from mocks.core.oauth_routes import add_logout
from mocks.core.oidc_provider import AuthorizationRedirect, AuthorizationRequest, token_time
from mocks.core.throttle import TooManyAttempts
from mocks.core.web import Session, Templates, WebSessions, check_csrf, form_fields, redirect

from .approvals import APPROVAL_SECONDS, Approval
from .identities import Identity
from .model import VneidService

COOKIE = "vneid_session"
AMR = {"password": ["pwd", "mfa"], "qr": ["mfa"]}   # [assumed]: a password confirmed in the app; the app alone


def ui_router(model: VneidService, sessions: WebSessions, templates: Templates) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    idp = model.idp

    def authorization(query: str) -> AuthorizationRequest | Response:
        try:
            return idp.check_authorization(dict(parse_qsl(query, keep_blank_values=True)))
        except AuthorizationRedirect as exc:
            return RedirectResponse(exc.location, status_code=302)
        except DomainError as exc:  # unknown client or redirect URI: never redirect, tell the user
            return templates.render("error.html", status=400, http_status=400, code=exc.code,
                                    message_vi=exc.vi, message_en=exc.en)

    def login_page(ns: str, session: Session, query: str, auth: AuthorizationRequest, *, status: int = 200,
                   refusal: DomainError | None = None, username: str = "") -> HTMLResponse:
        had_csrf = "_csrf" in session
        problems = [FieldProblem("password", refusal.vi)] if refusal and refusal.code == "INVALID_CREDENTIALS" else []
        response = templates.render(
            "login.html", status=status, action=f"/oauth2/authorize?{query}", qr_action=f"/oauth2/authorize/qr?{query}",
            csrf_token=session.csrf_token, client_name=auth.client.name, username=username,
            error=refusal.vi if refusal else None, page_title="Đăng nhập", **form_errors(problems))
        if isinstance(refusal, TooManyAttempts):
            response.headers.update(refusal.headers)
        if session.new or not had_csrf:
            sessions.save(response, ns, session)
        return response

    def signed_in(ns: str, session: Session) -> Identity | None:
        username = session.get("username")
        return model.identities.get(ns, username) if isinstance(username, str) else None

    def code_for(ns: str, auth: AuthorizationRequest, identity: Identity, session: Session) -> RedirectResponse:
        auth_time = session.get("auth_time")
        location = idp.issue_code(ns, auth, _subject(model, ns, identity),
                                  auth_time if isinstance(auth_time, int) else token_time(),
                                  acr=identity.acr, amr=tuple(session.get("amr") or ("mfa",)))
        return RedirectResponse(location, status_code=302)

    def waiting(ns: str, session: Session, approval_id: str, query: str) -> Response:
        pending = dict(session.get("approvals") or {})
        pending[approval_id] = query
        session["approvals"] = dict(list(pending.items())[-5:])
        response = redirect(f"/dang-nhap/cho-xac-nhan/{approval_id}")
        sessions.save(response, ns, session)
        return response

    @router.get("/")
    def home() -> HTMLResponse:
        return templates.render("home.html")

    @router.get("/oauth2/authorize")
    def authorize(request: Request, ns: Namespace) -> Response:
        auth = authorization(request.url.query)
        if isinstance(auth, Response):
            return auth
        session = sessions.load(request, ns)
        identity = signed_in(ns, session)
        if identity is not None and auth.prompt != "login":
            return code_for(ns, auth, identity, session)
        if auth.prompt == "none":
            return RedirectResponse(idp.login_required(auth), status_code=302)
        return login_page(ns, session, request.url.query, auth)

    def posted(request: Request, ns: str, form: dict[str, str]) -> tuple[AuthorizationRequest, Session] | Response:
        """A form of the log-in page: its authorization request and the browser's session (CSRF checked)."""
        auth = authorization(request.url.query)
        if isinstance(auth, Response):
            return auth
        session = sessions.load(request, ns)
        check_csrf(session, form.get("csrf_token"))
        return auth, session

    def asking(request: Request, ns: str, form: dict[str, str],
               ask: Callable[[AuthorizationRequest, Session], Approval | Response]) -> Response:
        """A form of the log-in page that asks the app (`ask`: the approval, or the page again): on to the wait."""
        started = posted(request, ns, form)
        if isinstance(started, Response):
            return started
        auth, session = started
        approval = ask(auth, session)
        if isinstance(approval, Response):
            return approval
        return waiting(ns, session, approval.id, request.url.query)

    @router.post("/oauth2/authorize")
    def authorize_password(request: Request, ns: Namespace, form: dict[str, str] = Depends(form_fields)) -> Response:
        def ask(auth: AuthorizationRequest, session: Session) -> Approval | Response:
            username = form.get("username", "")[:50]
            try:
                identity = model.identities.authenticate(ns, username, form.get("password", ""))
            except DomainError as exc:
                return login_page(ns, session, request.url.query, auth, status=exc.status, refusal=exc,
                                  username=username)
            return model.approvals.ask(ns, identity, session.sid)

        return asking(request, ns, form, ask)

    @router.post("/oauth2/authorize/qr")
    def authorize_qr(request: Request, ns: Namespace, form: dict[str, str] = Depends(form_fields)) -> Response:
        def ask(_: AuthorizationRequest, session: Session) -> Approval:
            approval, code = model.approvals.ask_qr(ns, session.sid)
            session[f"qr:{approval.id}"] = code
            return approval

        return asking(request, ns, form, ask)

    @router.get("/dang-nhap/cho-xac-nhan/{approval_id}")
    def wait_for_the_app(request: Request, ns: Namespace, approval_id: str) -> Response:
        session = sessions.load(request, ns)
        query = dict(session.get("approvals") or {}).get(approval_id)
        if not isinstance(query, str):
            raise DomainError("APPROVAL_NOT_YOURS", "Yêu cầu xác nhận không thuộc phiên đăng nhập này.",
                              "This approval belongs to another log-in.", status=403)
        auth = authorization(query)
        if isinstance(auth, Response):
            return auth
        approval = model.approvals.use(ns, approval_id, session.sid)
        if approval.status == "pending":
            approver = approval.approver or ""
            return templates.render("waiting.html", action=f"/dang-nhap/cho-xac-nhan/{approval_id}",
                                    qr_code=session.get(f"qr:{approval_id}"), minutes=APPROVAL_SECONDS // 60,
                                    approver_masked=approver[:3] + "*****" + approver[-4:] if approver else "",
                                    page_title="Xác nhận đăng nhập")
        if approval.status == "denied":
            return RedirectResponse(AuthorizationRedirect(auth.redirect_uri, "access_denied",
                                                          "the holder denied the log-in in the VNeID app",
                                                          auth.state).location, status_code=302)
        if approval.status in ("expired", "used") or approval.username is None:
            refusal = DomainError("APPROVAL_EXPIRED", "Yêu cầu xác nhận đã hết hạn hoặc đã được dùng: vui lòng "
                                  "đăng nhập lại.", "The approval expired or was used already: log in again.",
                                  status=410)
            return login_page(ns, session, query, auth, status=410, refusal=refusal)
        identity = model.identities.require(ns, approval.username)
        fresh = sessions.rotate(ns, session, {"username": identity.username, "auth_time": token_time(),
                                              "amr": AMR[approval.method]})
        response = code_for(ns, auth, identity, fresh)
        sessions.save(response, ns, fresh)
        return response

    add_logout(router, idp, templates,
               lambda request, response, ns: sessions.destroy(response, ns, sessions.load(request, ns)))

    return router


def _subject(model: VneidService, ns: str, identity: Identity) -> Any:
    found = model.idp.subjects.get(ns, identity.username)
    assert found is not None
    return found
