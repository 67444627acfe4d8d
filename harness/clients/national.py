"""Client of the national portal emulator: accounts, one-time codes, SSO log-in, look-up."""

from __future__ import annotations

from typing import Any

import requests

from .base import DEFAULT_TIMEOUT, ClientError, ServiceClient
from .forms import find_form
from .vneid import VneidClient
from .vneid import log_in as vneid_log_in


class NationalClient(ServiceClient):
    def register(self, account: dict[str, Any]) -> dict[str, Any]:
        """Register an account (it stays pending until confirmed)."""
        return self.call("POST", "/api/v1/accounts", json=account, expect=201)

    def messages(self, to: str) -> list[dict[str, Any]]:
        """The SMS and e-mail messages sent to a phone, e-mail or user name, newest first."""
        return self.call("GET", "/_admin/messages", admin=True, params={"to": to})["messages"]

    def latest_otp(self, username: str) -> str:
        for message in self.messages(username):
            if message.get("otp"):
                return str(message["otp"])
        raise LookupError(f"no one-time code was sent to {username}")

    def confirm(self, username: str, otp: str) -> dict[str, Any]:
        return self.call("POST", f"/api/v1/accounts/{username}/confirm", json={"otp": otp})

    def register_active(self, account: dict[str, Any]) -> dict[str, Any]:
        """Register and confirm with the code from the outbox; the account is then active."""
        registered = self.register(account)
        self.confirm(registered["username"], self.latest_otp(registered["username"]))
        return registered

    def account(self, username: str) -> dict[str, Any] | None:
        """An account as the admin surface shows it (`linked_to_vneid`, `identity_level`, `tech_id`...); None when
        there is none."""
        answer = self.request("GET", f"/_admin/accounts/{username}", admin=True)
        if answer.status_code == 404:
            return None
        if not answer.ok:
            raise ClientError(answer)
        return answer.json()  # type: ignore[no-any-return]

    def login(self, username: str, password: str) -> dict[str, Any]:
        return self.call("POST", "/api/v1/login", json={"username": username, "password": password})

    def lookup(self, code: str) -> dict[str, Any]:
        return self.call("GET", f"/api/v1/lookup/{code}")

    def login_vneid(self, username: str, password: str, app: VneidClient) -> requests.Response:
        """Log in on DVCQG with a VNeID electronic identity, approved in the app (a first log-in creates or links
        the DVCQG account); the account page."""
        return vneid_log_in(self.session, self.url("/dang-nhap/vneid?next=/tai-khoan"), username, password, app)


def complete_sso(session: requests.Session, start_url: str, username: str, password: str,
                 *, timeout: float = DEFAULT_TIMEOUT) -> requests.Response:
    """Follow a portal's SSO start URL through the national log-in form and back.

    Returns the last response (the relying party's page after its callback). Raises
    ClientError when the national portal refuses the credentials.
    """
    page = session.get(start_url, timeout=timeout)
    if "name=\"username\"" not in page.text and "name='username'" not in page.text:
        if page.ok:
            return page  # already logged in on the national side: straight back
        raise ClientError(page)
    form = find_form(page.text, page.url, having="username")
    answer = session.post(form.action, data=form.data(username=username, password=password), timeout=timeout)
    if not answer.ok or "name=\"username\"" in answer.text:
        raise ClientError(answer)
    return answer
