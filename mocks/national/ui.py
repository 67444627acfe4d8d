"""The portal's pages: home, registration, one-time code, log-in (also for the SSO), account, look-up, logout."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from mocks.core.app import Namespace
from mocks.core.errors import DomainError
from mocks.core.form_errors import FieldProblem, field_named, form_errors
from mocks.core.oauth_routes import add_logout
from mocks.core.throttle import TooManyAttempts
from mocks.core.web import Session, Templates, form_fields, redirect

from .accounts import ACCOUNT_TYPES, Registration
from .federation import start_url
from .model import NationalPortal
from .oidc import AuthorizationRedirect, AuthorizationRequest, token_time
from .web import NationalSessions, check_form_csrf, mask_email, mask_phone, safe_next

# /dang-ky?loai=... : the account type in the address, in Vietnamese
TYPE_SLUGS: dict[str, str] = {"cong-dan": "citizen", "doanh-nghiep": "business", "co-quan": "agency"}
TYPE_LABELS: dict[str, str] = {"citizen": "Công dân", "business": "Doanh nghiệp", "agency": "Cơ quan nhà nước"}
REGISTRATION_FIELDS: tuple[str, ...] = (
    "id_number", "full_name", "birth_date", "gender", "tax_code", "business_name", "agency_code", "agency_name",
    "phone", "email", "address",
)
# The controls of each account type's registration form (register.html), beside the shared ones.
REGISTRATION_CONTROLS: dict[str, tuple[str, ...]] = {
    "citizen": ("id_number", "full_name", "birth_date", "gender"),
    "business": ("tax_code", "business_name"),
    "agency": ("agency_code", "agency_name"),
}
SHARED_CONTROLS = ("address", "phone", "email", "password", "password_confirm")
# The user name is the account's identifier: a taken one is the identifier field's problem.
IDENTIFIER_OF: dict[str, str] = {"citizen": "id_number", "business": "tax_code", "agency": "agency_code"}
Form = dict[str, str]


def registration_problems(kind: str, refusal: DomainError) -> list[FieldProblem]:
    """The registration form's control a refusal names (its details' `field`), if that form shows it."""
    field = field_named(refusal.details)
    if field == "username":
        field = IDENTIFIER_OF.get(kind)
    shown = REGISTRATION_CONTROLS.get(kind, ()) + SHARED_CONTROLS
    return [FieldProblem(field, refusal.vi)] if field in shown else []


def code_problems(refusal: DomainError) -> list[FieldProblem]:
    """The one-time-code form: a wrong, expired or void code marks the code; an unknown account its name."""
    if field_named(refusal.details) == "otp":
        return [FieldProblem("otp", refusal.vi)]
    return [FieldProblem("username", refusal.vi)] if refusal.code == "ACCOUNT_NOT_FOUND" else []


def login_problems(refusal: DomainError) -> list[FieldProblem]:
    """A wrong user name or password marks the password (which of the two is wrong is not told);
    a lock or an account not yet active is no field's problem."""
    return [FieldProblem("password", refusal.vi)] if refusal.code == "INVALID_CREDENTIALS" else []


def ui_router(model: NationalPortal, sessions: NationalSessions, templates: Templates) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    idp = model.idp

    def page(name: str, ns: str, session: Session, *, status: int = 200, refusal: DomainError | None = None,
             problems: list[FieldProblem] | None = None, **context: Any) -> HTMLResponse:
        had_csrf = "_csrf" in session
        response = templates.render(name, status=status, account=sessions.account(ns, session),
                                    csrf_token=session.csrf_token, **form_errors(problems or []), **context)
        if isinstance(refusal, TooManyAttempts):  # a lock says how long to wait, as the JSON API does
            response.headers.update(refusal.headers)
        sessions.save_if_changed(response, ns, session, had_csrf)
        return response

    # -- home -----------------------------------------------------------------------------------
    @router.get("/")
    def home(request: Request, ns: Namespace) -> HTMLResponse:
        session = sessions.load(request, ns)
        return templates.render("home.html", account=sessions.account(ns, session),
                                procedure_count=len(model.catalogue.procedures()))

    # -- registration -------------------------------------------------------------------------
    def registration_page(ns: str, session: Session, kind: str, *, values: Form | None = None,
                          refusal: DomainError | None = None) -> HTMLResponse:
        return page("register.html", ns, session, status=refusal.status if refusal else 200,
                    error=refusal.vi if refusal else None, kind=kind, values=values or {},
                    problems=registration_problems(kind, refusal) if refusal else [],
                    types=[(slug, t, TYPE_LABELS[t]) for slug, t in TYPE_SLUGS.items()], page_title="Đăng ký tài khoản")

    @router.get("/dang-ky")
    def register_form(request: Request, ns: Namespace, loai: str | None = None) -> HTMLResponse:
        kind = TYPE_SLUGS.get(loai or "", loai if loai in ACCOUNT_TYPES else "citizen")
        return registration_page(ns, sessions.load(request, ns), kind)

    @router.post("/dang-ky")
    def register_submit(request: Request, ns: Namespace, form: Form = Depends(form_fields)) -> Response:
        session = sessions.load(request, ns)
        check_form_csrf(session, form)
        kind = form.get("account_type", "citizen")
        kind = kind if kind in ACCOUNT_TYPES else "citizen"
        values = {k: form.get(k, "") for k in REGISTRATION_FIELDS}
        try:
            answer = model.accounts.register(ns, Registration(
                account_type=kind, password=form.get("password", ""), password_confirm=form.get("password_confirm", ""),
                **values))
        except DomainError as exc:
            return registration_page(ns, session, kind, values=values, refusal=exc)
        return redirect(f"/dang-ky/xac-nhan?tai-khoan={answer['username']}&da-gui=1")

    # -- one-time code ------------------------------------------------------------------------
    def confirm_page(ns: str, session: Session, username: str, *, status: int = 200, error: str | None = None,
                     flash: str | None = None, refusal: DomainError | None = None) -> HTMLResponse:
        return page("confirm.html", ns, session, status=status, error=error, flash=flash, username=username,
                    page_title="Xác nhận tài khoản", refusal=refusal,
                    problems=code_problems(refusal) if refusal else [])

    def sent_notice(ns: str, username: str) -> str | None:
        account = model.accounts.get(ns, username)
        if account is None:
            return None
        return (f"Mã xác thực đã được gửi tới số điện thoại {mask_phone(account.phone)} "
                f"và thư điện tử {mask_email(account.email)}. Mã có hiệu lực trong 5 phút.")

    @router.get("/dang-ky/xac-nhan")
    def confirm_form(request: Request, ns: Namespace) -> HTMLResponse:
        username = request.query_params.get("tai-khoan", "")[:50]
        flash = sent_notice(ns, username) if request.query_params.get("da-gui") else None
        return confirm_page(ns, sessions.load(request, ns), username, flash=flash)

    @router.post("/dang-ky/xac-nhan")
    def confirm_submit(request: Request, ns: Namespace, form: Form = Depends(form_fields)) -> Response:
        session = sessions.load(request, ns)
        check_form_csrf(session, form)
        username = form.get("username", "")[:50]
        try:
            account = model.accounts.confirm(ns, username, form.get("otp", ""))
        except DomainError as exc:
            return confirm_page(ns, session, username, status=exc.status, error=exc.vi, refusal=exc)
        return redirect(f"/dang-nhap?da-kich-hoat=1&tai-khoan={account.username}")

    @router.post("/dang-ky/gui-lai-ma")
    def resend_code(request: Request, ns: Namespace, form: Form = Depends(form_fields)) -> Response:
        session = sessions.load(request, ns)
        check_form_csrf(session, form)
        username = form.get("username", "")[:50]
        try:
            model.accounts.resend_code(ns, username)
        except DomainError as exc:
            return confirm_page(ns, session, username, status=exc.status, error=exc.vi, refusal=exc)
        return confirm_page(ns, session, username, flash=sent_notice(ns, username))

    # -- log-in (the portal's own and the SSO's) ----------------------------------------------------
    def login_page(ns: str, session: Session, *, action: str, vneid: str, status: int = 200, error: str | None = None,
                   flash: str | None = None, username: str = "", next_url: str | None = None,
                   client_name: str | None = None, refusal: DomainError | None = None) -> HTMLResponse:
        world = model.accounts.worlds.of(ns)
        return page("login.html", ns, session, status=status, error=error, flash=flash, action=action,
                    username=username, next_url=next_url, client_name=client_name, page_title="Đăng nhập",
                    refusal=refusal, problems=login_problems(refusal) if refusal else [], vneid_url=vneid,
                    citizens_use_vneid=world.citizens_use_vneid, organisations_use_vneid=world.organisations_use_vneid)

    @router.get("/dang-nhap")
    def login_form(request: Request, ns: Namespace) -> Response:
        session = sessions.load(request, ns)
        next_url = safe_next(request.query_params.get("next"), "/tai-khoan")
        if sessions.account(ns, session) is not None:
            return redirect(next_url)
        flash = "Tài khoản đã được kích hoạt. Vui lòng đăng nhập." if request.query_params.get("da-kich-hoat") else None
        return login_page(ns, session, action="/dang-nhap", flash=flash, next_url=next_url,
                          vneid=start_url(next_url), username=request.query_params.get("tai-khoan", "")[:50])

    @router.post("/dang-nhap")
    def login_submit(request: Request, ns: Namespace, form: Form = Depends(form_fields)) -> Response:
        session = sessions.load(request, ns)
        check_form_csrf(session, form)
        next_url = safe_next(form.get("next"), "/tai-khoan")
        username = form.get("username", "")[:50]
        try:
            account = model.accounts.authenticate(ns, username, form.get("password", ""))
        except DomainError as exc:
            return login_page(ns, session, action="/dang-nhap", status=exc.status, error=exc.vi, username=username,
                              next_url=next_url, refusal=exc, vneid=start_url(next_url))
        response = redirect(next_url)
        sessions.log_in(response, ns, session, account, token_time())
        return response

    @router.get("/tai-khoan")
    def account_page(request: Request, ns: Namespace) -> Response:
        session = sessions.load(request, ns)
        account = sessions.account(ns, session)
        if account is None:
            return redirect("/dang-nhap?next=/tai-khoan")
        return templates.render("account.html", account=account, claims=account.claims(),
                                type_label=TYPE_LABELS[account.account_type], page_title="Tài khoản")

    @router.get("/dang-xuat")
    def logout(request: Request, ns: Namespace) -> Response:
        response = redirect("/")
        sessions.log_out(response, ns, sessions.load(request, ns))
        return response

    # -- public look-up --------------------------------------------------------------------------
    @router.get("/tra-cuu")
    def lookup_page(request: Request, ns: Namespace, ma: str | None = None) -> HTMLResponse:
        code = (ma or "").strip()[:100]
        dossier = model.sync.lookup(ns, code) if code else None
        error = f"Không tìm thấy hồ sơ có mã {code}." if code and dossier is None else None
        return templates.render("lookup.html", status=404 if error else 200, code=code, dossier=dossier,
                                error=error, page_title="Tra cứu hồ sơ")

    # -- OpenID Connect: authorization and logout ------------------------------------------------
    def authorization(request: Request) -> AuthorizationRequest | Response:
        try:
            return idp.check_authorization(dict(request.query_params))
        except AuthorizationRedirect as exc:
            return RedirectResponse(exc.location, status_code=302)
        except DomainError as exc:  # unknown client or redirect URI: never redirect, tell the user
            return templates.render("error.html", status=400, http_status=400, code=exc.code,
                                    message_vi=exc.vi, message_en=exc.en)

    def authorize_login_page(request: Request, ns: str, session: Session, auth: AuthorizationRequest, *,
                             status: int = 200, error: str | None = None, username: str = "",
                             refusal: DomainError | None = None) -> HTMLResponse:
        return login_page(ns, session, action=f"/oauth2/authorize?{request.url.query}", status=status, error=error,
                          username=username, client_name=auth.client.name, refusal=refusal,
                          vneid=f"/oauth2/authorize/vneid?{request.url.query}")

    @router.get("/oauth2/authorize")
    def authorize(request: Request, ns: Namespace) -> Response:
        auth = authorization(request)
        if isinstance(auth, Response):
            return auth
        session = sessions.load(request, ns)
        account = sessions.account(ns, session)
        if account is not None and auth.prompt != "login":
            auth_time = session.get("auth_time")
            location = idp.issue_code(ns, auth, account, auth_time if isinstance(auth_time, int) else token_time(),
                                      acr=str(session.get("acr") or "LoA1"),
                                      amr=tuple(session.get("amr") or ("pwd",)))
            return RedirectResponse(location, status_code=302)
        if auth.prompt == "none":
            return RedirectResponse(idp.login_required(auth), status_code=302)
        return authorize_login_page(request, ns, session, auth)

    @router.post("/oauth2/authorize")
    def authorize_login(request: Request, ns: Namespace, form: Form = Depends(form_fields)) -> Response:
        auth = authorization(request)
        if isinstance(auth, Response):
            return auth
        session = sessions.load(request, ns)
        check_form_csrf(session, form)
        username = form.get("username", "")[:50]
        try:
            account = model.accounts.authenticate(ns, username, form.get("password", ""))
        except DomainError as exc:
            return authorize_login_page(request, ns, session, auth, status=exc.status, error=exc.vi,
                                        username=username, refusal=exc)
        auth_time = token_time()
        response = RedirectResponse(idp.issue_code(ns, auth, account, auth_time), status_code=303)
        sessions.log_in(response, ns, session, account, auth_time)
        return response

    add_logout(router, idp, templates,
               lambda request, response, ns: sessions.log_out(response, ns, sessions.load(request, ns)))

    return router
