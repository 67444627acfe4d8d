"""What the national portal's pages and JSON routes share: the `dvcqg_session` cookie and form reading."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from starlette.datastructures import UploadFile

from mocks.core.errors import DomainError
from mocks.core.storage import Store
from mocks.core.web import Session, WebSessions, check_csrf

from .accounts import Account, AccountBook

COOKIE = "dvcqg_session"


class NationalSessions:
    """The national log-in session: who is logged in and since when (namespace clock)."""

    def __init__(self, store: Store, accounts: AccountBook) -> None:
        self.web = WebSessions(store, COOKIE)
        self.accounts = accounts

    def load(self, request: Request, ns: str) -> Session:
        return self.web.load(request, ns)

    def account(self, ns: str, session: Session) -> Account | None:
        username = session.get("username")
        if not isinstance(username, str):
            return None
        account = self.accounts.get(ns, username)
        return account if account is not None and account.status == "active" else None

    def log_in(self, response: Any, ns: str, old: Session, account: Account, auth_time: int) -> Session:
        """A fresh session id for the logged-in user (no session fixation)."""
        session = self.web.rotate(ns, old, {"username": account.username, "auth_time": auth_time})
        self.web.save(response, ns, session)
        return session

    def save(self, response: Any, ns: str, session: Session) -> None:
        self.web.save(response, ns, session)

    def save_if_changed(self, response: Any, ns: str, session: Session, had_csrf: bool) -> None:
        """Persist a session only when it is new or just got its CSRF token (pages are read often)."""
        if session.new or not had_csrf:
            self.web.save(response, ns, session)

    def log_out(self, response: Any, ns: str, session: Session) -> None:
        self.web.destroy(response, ns, session)


def check_form_csrf(session: Session, form: dict[str, str]) -> None:
    check_csrf(session, form.get("csrf_token"))


async def form_fields(request: Request) -> dict[str, str]:
    """The posted form's text fields (files ignored); a malformed body is a 400, not a 500."""
    try:
        form = await request.form()
    except Exception as exc:  # multipart parser errors have several types across versions
        raise DomainError("MALFORMED_FORM", "Dữ liệu biểu mẫu không đọc được.", "The form body is malformed.") from exc
    return {k: v for k, v in form.items() if not isinstance(v, UploadFile)}


def safe_next(target: str | None, default: str) -> str:
    """A local path to continue to after log-in (never another origin)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")) or len(target) > 2000:
        return default
    return target


def mask_phone(phone: str) -> str:
    return phone[:4] + "***" + phone[-3:] if len(phone) >= 8 else phone


def mask_email(email: str) -> str:
    local, _, domain = email.partition("@")
    return (local[:1] + "***@" + domain) if domain else email
