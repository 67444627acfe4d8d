"""What the national portal's pages and JSON routes share: the `dvcqg_session` cookie and form reading."""

from __future__ import annotations

from typing import Any

from fastapi import Request

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
        if account is None or account.status != "active":
            return None
        # a session opened with a password its account type may no longer use (the namespace's world) is over
        if "pwd" in (session.get("amr") or ["pwd"]) and self.accounts.worlds.of(ns).uses_vneid(account.account_type):
            return None
        return account

    def log_in(self, response: Any, ns: str, old: Session, account: Account, auth_time: int, *,
               acr: str = "LoA1", amr: tuple[str, ...] = ("pwd",)) -> Session:
        """A fresh session id for the logged-in user (no session fixation), with how they logged in (the id
        tokens issued on this session carry it: `acr`, `amr`)."""
        session = self.web.rotate(ns, old, {"username": account.username, "auth_time": auth_time, "acr": acr,
                                            "amr": list(amr)})
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
