"""The payer's pages: the checkout (`/thanh-toan/{token}`) and the e-receipt (`/bien-lai/{MaGiaoDich}`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from mocks.core.app import Namespace
from mocks.core.errors import DomainError, NotFound
from mocks.core.web import Session, Templates, WebSessions, check_csrf, redirect

from . import codes
from .messages import BANKS
from .model import PaymentPlatform, PaymentTransaction
from .receipts import may_see_everything, public_bill, remember_checkout

ACTIONS = ("pay", "cancel", "timeout")
FORM_BODY = {"requestBody": {"content": {"application/x-www-form-urlencoded": {"schema": {
    "type": "object", "required": ["csrf_token", "action"],
    "properties": {"csrf_token": {"type": "string"}, "action": {"type": "string", "enum": list(ACTIONS)},
                   "bank": {"type": "string", "enum": list(BANKS)}},
}}}}}


def vn_time(moment: datetime | None) -> str:
    return "" if moment is None else moment.strftime("%H:%M:%S ngày %d/%m/%Y")


def ui_router(model: PaymentPlatform, templates: Templates, sessions: WebSessions) -> APIRouter:
    router = APIRouter(tags=["pages"])
    templates.env.filters["vn_time"] = vn_time

    def not_found(exc: NotFound) -> HTMLResponse:
        return templates.render("error.html", status=404, http_status=404, code=exc.code,
                                message_vi=exc.vi, message_en=exc.en)

    def checkout_page(txn: PaymentTransaction, session: Session, *, status: int = 200, error: str | None = None,
                      flash: str | None = None, selected: str = "",
                      field_errors: dict[str, str] | None = None) -> HTMLResponse:
        partner = model.partner(txn.partner_code)
        if txn.expired:
            status = 410
        return templates.render(
            "checkout.html", status=status, txn=txn, info=txn.receipt_info, banks=BANKS, codes=codes,
            partner_name=partner.name if partner else txn.partner_code, csrf_token=session.csrf_token,
            selected=selected or txn.bank_code or txn.requested_bank, return_url=model.return_url(txn),
            error=error, flash=flash, page_title="Thanh toán trực tuyến", field_errors=field_errors or {},
        )

    @router.get("/", response_class=HTMLResponse, summary="Home page")
    def home() -> HTMLResponse:
        return templates.render("index.html", page_title="Trang chủ")

    @router.get("/thanh-toan/{token}", response_class=HTMLResponse, summary="The checkout page")
    def checkout(token: str, request: Request, ns: Namespace) -> Response:
        session = sessions.load(request, ns)
        try:
            txn = model.checkout(ns, token)
        except NotFound as exc:
            return not_found(exc)
        remember_checkout(session, txn)  # this browser holds the token: it may see the full receipt
        page = checkout_page(txn, session)
        sessions.save(page, ns, session)
        return page

    def submit(token: str, request: Request, ns: str, form: dict[str, str]) -> Response:
        session = sessions.load(request, ns)
        submitted = form.get("csrf_token", "")
        check_csrf(session, submitted if submitted.isascii() else "")  # compare_digest refuses non-ASCII
        action = form.get("action")
        if action not in ACTIONS:
            raise DomainError("INVALID_ACTION", "Thao tác không hợp lệ.", "Unknown action.")
        bank = form.get("bank", "")
        try:
            if action == "pay":
                outcome = model.pay(ns, token, bank)
            elif action == "cancel":
                outcome = model.cancel(ns, token)
            else:
                outcome = model.time_out(ns, token, bank)
        except NotFound as exc:
            return not_found(exc)
        except DomainError as exc:  # no bank chosen: the same page with the reason
            problems = {"bank": exc.vi} if exc.code == "BANK_REQUIRED" else {}
            return checkout_page(model.checkout(ns, token), session, status=400, error=exc.vi, selected=bank,
                                 field_errors=problems)
        if outcome.changed:
            return redirect(model.return_url(outcome.transaction))
        return checkout_page(outcome.transaction, session,
                             flash="Giao dịch này đã được xử lý trước đó; không thực hiện lại.")

    @router.post("/thanh-toan/{token}", response_class=HTMLResponse, openapi_extra=FORM_BODY,
                 summary="Pay, cancel or simulate a bank time-out (form post with the CSRF token)")
    async def checkout_submit(token: str, request: Request, ns: Namespace) -> Response:
        try:
            form = await request.form()
        except Exception:  # malformed multipart or urlencoded body
            raise DomainError("INVALID_FORM", "Biểu mẫu gửi lên không hợp lệ.", "Malformed form data.") from None
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        return await run_in_threadpool(submit, token, request, ns, fields)

    @router.get("/bien-lai/{transaction_id}", response_class=HTMLResponse, summary="The e-receipt page",
                description="Anyone with the link sees the receipt with the payer's name and ID number masked; "
                            "the browser that opened the checkout, `?token=` (the checkout's token) or the "
                            "X-Admin-Token header see it in full (mocks/payment/receipts.py says why).")
    def receipt(transaction_id: str, request: Request, ns: Namespace,
                token: Annotated[str | None, Query(max_length=200, description="the checkout's token")] = None,
                x_admin_token: Annotated[str | None, Header(max_length=200)] = None) -> Response:
        try:
            txn, bill = model.receipt(ns, transaction_id)
        except NotFound as exc:
            return not_found(exc)
        full = may_see_everything(txn, session=sessions.load(request, ns), token=token, admin_header=x_admin_token,
                                  admin_token=model.config.credentials.admin_token)
        return templates.render("receipt.html", txn=txn, bill=bill if full else public_bill(bill), full=full,
                                bank=BANKS.get(txn.bank_code, ("", "")), page_title="Biên lai điện tử")

    return router
