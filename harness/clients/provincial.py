"""Client of the provincial portal emulator (or of any portal speaking its /api/v1)."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any

from .base import ServiceClient
from .national import complete_sso
from .vneid import VneidClient, vneid_link
from .vneid import log_in as vneid_log_in

# The smallest files the portal accepts for each allowed type (it checks the magic bytes).
SAMPLE_PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
SAMPLE_PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def sample_form(procedure: dict[str, Any]) -> dict[str, Any]:
    """A valid value for every field of a procedure's e-form (from its catalogue item)."""
    form: dict[str, Any] = {}
    for field in procedure.get("form_fields", []):
        kind = field.get("type")
        if kind == "number":
            form[field["name"]] = int(field.get("min") or 1)
        elif kind == "date":
            form[field["name"]] = "2024-01-15"
        elif kind == "select":
            form[field["name"]] = field["options"][0]
        else:
            form[field["name"]] = "Nội dung kê khai thử nghiệm"
    return form


def sample_attachments(procedure: dict[str, Any], *, all_of_them: bool = False) -> list[dict[str, str]]:
    """A small PDF for each required document (every document with `all_of_them`)."""
    content = base64.b64encode(SAMPLE_PDF).decode()
    return [
        {"code": a["code"], "filename": f"{a['code']}.pdf", "content_type": "application/pdf",
         "content_base64": content}
        for a in procedure.get("attachments", []) if all_of_them or a.get("required")
    ]


class ProvincialClient(ServiceClient):
    # -- citizens ----------------------------------------------------------------------------
    def login_sso(self, username: str, password: str) -> dict[str, Any]:
        """Log in through the national SSO like a browser; returns the logged-in account."""
        complete_sso(self.session, self.url("/dang-nhap"), username, password, timeout=self.timeout)
        return self.me()

    def log_in(self, account: Mapping[str, Any], app: VneidClient | None = None) -> dict[str, Any]:
        """Log in the way the account opens in the namespace's world (its `log_in`, harness.clients.Platform.
        ready_account): the national SSO's password form, or DVCQG's VNeID log-in approved in `app`."""
        if account.get("log_in") == "vneid":
            return self.login_vneid(str(account["username"]), str(account["password"]), app)
        return self.login_sso(str(account["username"]), str(account["password"]))

    def login_vneid(self, username: str, password: str, app: VneidClient | None) -> dict[str, Any]:
        """Log in through DVCQG's "Đăng nhập bằng tài khoản định danh điện tử VNeID", approved in the app."""
        page = self.session.get(self.url("/dang-nhap"), timeout=self.timeout)   # DVCQG's SSO log-in page
        vneid_log_in(self.session, vneid_link(page), username, password, app)
        return self.me()

    def me(self) -> dict[str, Any]:
        return self.call("GET", "/api/v1/me")

    def procedures(self, **filters: Any) -> dict[str, Any]:
        return self.call("GET", "/api/v1/procedures", params=filters)

    def procedure(self, code: str) -> dict[str, Any]:
        return self.call("GET", f"/api/v1/procedures/{code}")

    def offering(self, code: str, agency_code: str | None = None) -> dict[str, Any]:
        """The catalogue item of a procedure at an agency (the first agency offering it by default)."""
        params: dict[str, Any] = {"q": code, "limit": 1000}
        items = [i for i in self.procedures(**params)["items"] if code in (i["code"], i["national_code"])]
        if agency_code:
            items = [i for i in items if i["agency_code"] == agency_code]
        if not items:
            raise LookupError(f"no offering of {code} at {agency_code or 'any agency'}")
        return items[0]

    def submit(self, procedure_code: str, *, agency_code: str | None = None, form: dict[str, Any] | None = None,
               attachments: list[dict[str, str]] | None = None, result_delivery: str = "counter",
               payment_method: str = "counter", postal_address: dict[str, str] | None = None,
               **extra: Any) -> dict[str, Any]:
        """Submit a dossier; the form and documents default to valid samples for the procedure."""
        if form is None or attachments is None:
            item = self.offering(procedure_code, agency_code)
            agency_code = agency_code or item["agency_code"]
            form = sample_form(item) if form is None else form
            attachments = sample_attachments(item) if attachments is None else attachments
        body = {"procedure_code": procedure_code, "agency_code": agency_code, "form": form,
                "attachments": attachments, "result_delivery": result_delivery,
                "payment_method": payment_method, **extra}
        if postal_address is not None:
            body["postal_address"] = postal_address
        return self.call("POST", "/api/v1/dossiers", json=body, expect=201)

    def dossier(self, code: str) -> dict[str, Any]:
        return self.call("GET", f"/api/v1/dossiers/{code}")

    def dossiers(self) -> dict[str, Any]:
        return self.call("GET", "/api/v1/dossiers")

    def start_payment(self, code: str) -> dict[str, Any]:
        """INIT through the portal: `{reference, payment_url, amount}`."""
        return self.call("POST", f"/api/v1/dossiers/{code}/payments", expect=201)

    def receipt(self, code: str) -> dict[str, Any]:
        return self.call("GET", f"/api/v1/dossiers/{code}/receipt")

    def lookup(self, code: str) -> dict[str, Any]:
        return self.call("GET", f"/api/v1/lookup/{code}")

    # -- test control --------------------------------------------------------------------------
    def result_ready(self, code: str) -> dict[str, Any]:
        return self.call("POST", f"/_admin/dossiers/{code}/result-ready", admin=True)

    def create_officer(self, officer: dict[str, Any]) -> dict[str, Any]:
        """An officer account (harness.testdata.DataFactory.officer); the answer with its password."""
        made = self.call("POST", "/_admin/officers", admin=True, json=officer, expect=201)
        return {**made, "password": made.get("password") or officer.get("password")}

    def create_local_account(self, full_name: str, id_number: str | None = None,
                             account_type: int = 1) -> dict[str, Any]:
        """A local account not yet linked to a national SSO log-in."""
        return self.call("POST", "/_admin/accounts", admin=True,
                         json={"full_name": full_name, "id_number": id_number, "account_type": account_type})

    def logins(self) -> list[dict[str, Any]]:
        """The SSO log-ins of the namespace, with the linking rule each used."""
        return self.call("GET", "/_admin/logins", admin=True)["items"]

    def notifications(self, **filters: Any) -> list[dict[str, Any]]:
        """The e-mail and SMS notices the portal sent (receipt, supplement request, result)."""
        return self.call("GET", "/_admin/notifications", admin=True, params=filters)["messages"]

    def all_dossiers(self, status: int | None = None, limit: int = 1000) -> dict[str, Any]:
        params: dict[str, Any] = {"limit": limit}
        if status is not None:
            params["status"] = status
        return self.call("GET", "/_admin/dossiers", admin=True, params=params)
