"""HTML pages: templates, server-side sessions and CSRF tokens.

The services share one host in a browser, so each uses its own cookie name
(prefix `dvcqg_`, `tinh_`, `pay_`, `post_`) and its own CSRF token in its own session.
Sessions live in the service's store, so a restart does not log anyone out.
"""

from __future__ import annotations

import secrets
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from starlette.datastructures import UploadFile

from .errors import DomainError
from .signing import safe_equal
from .storage import Store, dumps, loads
from .timefmt import VN_TZ

CORE_TEMPLATES = Path(__file__).parent / "templates"

SESSION_DDL = """
CREATE TABLE IF NOT EXISTS web_session (
    ns TEXT NOT NULL,
    id TEXT NOT NULL,
    data TEXT NOT NULL,
    expires REAL NOT NULL,
    PRIMARY KEY (ns, id)
);
-- the purge of expired sessions reads only them (without it, every session: a scan on a request's write lock)
CREATE INDEX IF NOT EXISTS web_session_expires ON web_session(expires);
"""

SESSION_SECONDS = 8 * 3600


def vnd(amount: Any) -> str:
    """200000 -> '200.000 đ' (Vietnamese thousands separator)."""
    try:
        value = int(amount)
    except (TypeError, ValueError):
        return str(amount)
    return f"{value:,}".replace(",", ".") + " đ"


def vn_datetime(value: Any) -> str:
    """An ISO time as people in Vietnam read it: '2024-05-10T17:00:00+07:00' -> '10/05/2024 17:00'."""
    if not value:
        return ""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if moment.tzinfo is not None:
        moment = moment.astimezone(VN_TZ)
    return moment.strftime("%d/%m/%Y %H:%M")


class Templates:
    def __init__(self, service_dir: Path | None) -> None:
        loaders = [FileSystemLoader(str(service_dir))] if service_dir else []
        loaders.append(FileSystemLoader(str(CORE_TEMPLATES)))
        self.env = Environment(loader=ChoiceLoader(loaders), autoescape=select_autoescape(["html"]))
        self.env.filters["vnd"] = vnd
        self.env.filters["vn_datetime"] = vn_datetime
        self.globals = self.env.globals

    def render(self, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        html = self.env.get_template(name).render(**context)
        return HTMLResponse(html, status_code=status)


class Session(dict[str, Any]):
    def __init__(self, sid: str, data: dict[str, Any], *, new: bool) -> None:
        super().__init__(data)
        self.sid = sid
        self.new = new

    @property
    def csrf_token(self) -> str:
        token = self.get("_csrf")
        if not token:
            token = secrets.token_urlsafe(24)
            self["_csrf"] = token
        return str(token)


class WebSessions:
    """Server-side sessions keyed by a random cookie value."""

    def __init__(self, store: Store, cookie_name: str) -> None:
        self.store = store
        self.cookie_name = cookie_name
        store.migrate(SESSION_DDL)

    def load(self, request: Request, ns: str) -> Session:
        sid = request.cookies.get(self.cookie_name)
        if sid:
            row = self.store.one("SELECT data, expires FROM web_session WHERE ns = ? AND id = ?", (ns, sid))
            if row is not None and row["expires"] > time.time():
                return Session(sid, loads(row["data"]), new=False)
        return Session(secrets.token_urlsafe(24), {}, new=True)

    def persist(self, ns: str, session: Session) -> None:
        """Store the session (without setting a cookie: for a session handed to someone else)."""
        now = time.time()
        self.store.execute(
            "INSERT INTO web_session(ns, id, data, expires) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(ns, id) DO UPDATE SET data = excluded.data, expires = excluded.expires",
            (ns, session.sid, dumps(dict(session)), now + SESSION_SECONDS),
        )
        if secrets.randbelow(200) == 0:  # now and then, forget expired sessions (anonymous page views add up)
            self.store.execute("DELETE FROM web_session WHERE expires < ?", (now,))

    def save(self, response: Any, ns: str, session: Session) -> None:
        self.persist(ns, session)
        response.set_cookie(self.cookie_name, session.sid, httponly=True, samesite="lax", path="/")

    def rotate(self, ns: str, old: Session, data: dict[str, Any]) -> Session:
        """A new session id holding `data`, the old one forgotten: log-in must not keep a
        session id chosen before it (session fixation). The caller saves it."""
        if not old.new:
            self.store.execute("DELETE FROM web_session WHERE ns = ? AND id = ?", (ns, old.sid))
        return Session(secrets.token_urlsafe(24), data, new=True)

    def destroy(self, response: Any, ns: str, session: Session) -> None:
        self.store.execute("DELETE FROM web_session WHERE ns = ? AND id = ?", (ns, session.sid))
        response.delete_cookie(self.cookie_name, path="/")

    def reset(self, ns: str) -> None:
        self.store.execute("DELETE FROM web_session WHERE ns = ?", (ns,))


def check_csrf(session: Session, submitted: Any) -> None:
    expected = session.get("_csrf")
    if not expected or not isinstance(submitted, str) or not safe_equal(submitted, expected):
        raise DomainError(
            "CSRF_FAILED",
            "Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ, vui lòng tải lại trang.",
            "The form's security token is missing or stale; reload the page.",
            status=403,
        )


async def form_fields(request: Request) -> dict[str, str]:
    """The posted form's text fields (files ignored); a malformed body is a 400, not a 500."""
    try:
        form = await request.form()
    except Exception as exc:  # multipart parser errors have several types across versions
        raise DomainError("MALFORMED_FORM", "Dữ liệu biểu mẫu không đọc được.", "The form body is malformed.") from exc
    return {k: v for k, v in form.items() if not isinstance(v, UploadFile)}


def redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)
