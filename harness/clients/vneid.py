"""Client of the VNeID emulator: identities, and the VNeID app the tests hold (approve, deny, let expire, scan).

A VNeID log-in, from a portal's start URL (DVCQG's `/dang-nhap/vneid?next=`, or a provincial portal's log-in
that goes through DVCQG and its "Đăng nhập bằng tài khoản định danh điện tử VNeID"), is what a browser does:
`VneidLogin.start()` posts the number and password on VNeID's page and stops at the wait for the app; the
test decides in the app (`approve()`, `deny()`, `expire()`); `finish()` follows the redirects back.
`log_in()` does the three with an approval.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

import requests

from .base import ClientError, ServiceClient
from .forms import find_form, parse_forms

WAITING_PATH = "/dang-nhap/cho-xac-nhan/"


class VneidClient(ServiceClient):
    # -- identities --------------------------------------------------------------------------------
    def create_identity(self, **identity: Any) -> dict[str, Any]:
        """A person (`id_number, full_name, password, level`...) or an organisation (`kind="organisation",
        organisation_type, code, name, representative, password`)."""
        return self.call("POST", "/_admin/identities", admin=True, json=identity, expect=201)

    def person(self, citizen: dict[str, Any], *, level: int = 2, password: str | None = None) -> dict[str, Any]:
        """The electronic identity of a citizen of the test data (harness.testdata.DataFactory.citizen)."""
        return self.create_identity(kind="person", id_number=citizen["id_number"], full_name=citizen["full_name"],
                                    birth_date=citizen.get("birth_date"), phone=citizen.get("phone"),
                                    email=citizen.get("email"), level=level,
                                    password=password or citizen["password"])

    def set_level(self, username: str, level: int) -> dict[str, Any]:
        return self.call("POST", f"/_admin/identities/{username}/level", admin=True, json={"level": level})

    def identities(self) -> list[dict[str, Any]]:
        return self.call("GET", "/_admin/identities", admin=True)["identities"]

    # -- the app -------------------------------------------------------------------------------------
    def pending(self, approver: str | None = None) -> list[dict[str, Any]]:
        params = {"approver": approver} if approver else {}
        return self.call("GET", "/_admin/app/requests", admin=True, params=params)["requests"]

    def decide(self, approval_id: str, decision: str) -> dict[str, Any]:
        """approve | deny | expire."""
        return self.call("POST", f"/_admin/app/requests/{approval_id}/{decision}", admin=True)

    def approve(self, approval_id: str) -> dict[str, Any]:
        return self.decide(approval_id, "approve")

    def deny(self, approval_id: str) -> dict[str, Any]:
        return self.decide(approval_id, "deny")

    def expire(self, approval_id: str) -> dict[str, Any]:
        return self.decide(approval_id, "expire")

    def scan(self, qr: str, username: str) -> dict[str, Any]:
        """The app of `username` scans the QR code a log-in page shows: the log-in is approved."""
        return self.call("POST", "/_admin/app/scan", admin=True, json={"qr": qr, "username": username})

    def auto_approve(self, enabled: bool = True) -> bool:
        """Approve every log-in of the namespace at once (the load)."""
        return bool(self.call("POST", "/_admin/app/auto-approve", admin=True, json={"enabled": enabled})["enabled"])


@dataclass
class VneidLogin:
    """A log-in by number and password, stopped at VNeID's wait for the app (its `approval_id`)."""

    session: requests.Session
    waiting_url: str
    approval_id: str
    timeout: float = 15.0

    @classmethod
    def start(cls, session: requests.Session, start_url: str, username: str, password: str, *,
              timeout: float = 15.0) -> VneidLogin:
        """Follow the start URL to VNeID's log-in page and post the number and password."""
        page = _vneid_page(session, start_url, timeout)
        form = find_form(page.text, page.url, having="username")
        answer = session.post(form.action, data=form.data(username=username, password=password), timeout=timeout,
                              allow_redirects=False)
        return cls._waiting(session, answer, timeout)

    @classmethod
    def _waiting(cls, session: requests.Session, answer: requests.Response, timeout: float) -> VneidLogin:
        """The log-in from the answer that sends the browser to the wait (not followed: the app decides first)."""
        location = answer.headers.get("location", "")
        if answer.status_code not in (302, 303) or WAITING_PATH not in location:
            raise ClientError(answer)
        url = urljoin(answer.url, location)
        return cls(session, url, url.rsplit("/", 1)[-1], timeout)

    @classmethod
    def start_qr(cls, session: requests.Session, start_url: str, *, timeout: float = 15.0) -> tuple[VneidLogin, str]:
        """Follow the start URL to VNeID's log-in page and ask for a QR code: (the log-in, the code's text)."""
        page = _vneid_page(session, start_url, timeout)
        form = next((f for f in parse_forms(page.text, page.url) if "/qr" in f.action), None)
        if form is None:
            raise LookupError(f"no QR log-in on {page.url}")
        login = cls._waiting(session, session.post(form.action, data=form.data(), timeout=timeout,
                                                   allow_redirects=False), timeout)
        page = session.get(login.waiting_url, timeout=timeout)
        marker = 'data-qr="'
        if marker not in page.text:
            raise ClientError(page)
        return login, html.unescape(page.text.split(marker, 1)[1].split('"', 1)[0])

    def finish(self) -> requests.Response:
        """Back from the wait (after the app decided): the redirects to the relying party and on; the last page."""
        return self.session.get(self.waiting_url, timeout=self.timeout)


VNEID_BUTTON = "Đăng nhập bằng tài khoản định danh điện tử VNeID"


def vneid_link(page: requests.Response) -> str:
    """The address of a DVCQG log-in page's "Đăng nhập bằng tài khoản định danh điện tử VNeID" link."""
    found = re.search(r'<a[^>]*href="([^"]+)"[^>]*>\s*' + re.escape(VNEID_BUTTON), page.text)
    if found is None:
        raise LookupError(f"no VNeID log-in link on {page.url}")
    return urljoin(page.url, html.unescape(found.group(1)))


def _vneid_page(session: requests.Session, start_url: str, timeout: float) -> requests.Response:
    page = session.get(start_url, timeout=timeout)
    if not page.ok or 'name="username"' not in page.text:
        raise ClientError(page)
    return page


def log_in(session: requests.Session, start_url: str, username: str, password: str,
           app: VneidClient | None) -> requests.Response:
    """A VNeID log-in approved in the app (`app` None: the namespace approves at once); the last page (the
    relying party's, after its callback)."""
    login = VneidLogin.start(session, start_url, username, password)
    try:
        if app is not None:
            app.approve(login.approval_id)
    except ClientError as exc:
        if exc.code != "APPROVAL_NOT_PENDING":   # else approved already: the namespace approves at once
            raise
    answer = login.finish()
    if not answer.ok:
        raise ClientError(answer)
    return answer
