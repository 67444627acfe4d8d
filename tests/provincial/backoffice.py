"""HTTP helpers of the back-office tests: officers, citizens and the clock of a test's namespace.

Accounts and sessions come from the admin surface (no SSO round trip: the SSO has its own
tests), so that a test can play several officers and applicants quickly.
"""

from __future__ import annotations

import base64
import re
import time
from collections.abc import Callable
from typing import Any

import requests

from .conftest import PDF, PNG

T = 10
LLTP = "2.000488.000.00.00.H47"
LLTP_AGENCY = "000.00.12.H47"


def b64(content: bytes) -> str:
    return base64.b64encode(content).decode()


def wait_for(check: Callable[[], Any], timeout: float = 10.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def csrf_of(page: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, page[:2000]
    return match[1]


class Province:
    """The provincial portal of one namespace, seen by its admin, its officers and its applicants."""

    def __init__(self, urls: dict[str, str], admin_token: str, ns: str) -> None:
        self.urls = urls
        self.base = urls["provincial"]
        self.ns = ns
        self.admin = {"X-DVC-Namespace": ns, "X-Admin-Token": admin_token}

    def set_clock(self, iso: str) -> None:
        r = requests.post(f"{self.base}/_admin/clock", json={"set": iso}, headers=self.admin, timeout=T)
        assert r.status_code == 200, r.text

    def session(self) -> requests.Session:
        http = requests.Session()
        http.headers["X-DVC-Namespace"] = self.ns
        return http

    def officer(self, username: str, role: str, agency: str = LLTP_AGENCY) -> requests.Session:
        r = requests.post(f"{self.base}/_admin/officers", headers=self.admin, timeout=T,
                          json={"username": username, "full_name": f"Cán bộ {username}", "agency_code": agency,
                                "role": role, "password": "mat-khau-thu"})
        assert r.status_code in (201, 409), r.text
        opened = requests.post(f"{self.base}/_admin/officer-sessions", json={"username": username},
                               headers=self.admin, timeout=T).json()
        http = self.session()
        http.cookies.set(opened["cookie"], opened["value"])
        return http

    def citizen(self, full_name: str = "Phạm Thị Lan", id_number: str = "049190012345", account_type: int = 1,
                email: str = "lan@example.vn", phone: str = "0905123123") -> requests.Session:
        account = requests.post(f"{self.base}/_admin/accounts", headers=self.admin, timeout=T,
                                json={"full_name": full_name, "id_number": id_number, "account_type": account_type,
                                      "email": email, "phone": phone}).json()
        opened = requests.post(f"{self.base}/_admin/sessions", json={"account_id": account["id"]},
                               headers=self.admin, timeout=T).json()
        http = self.session()
        http.cookies.set(opened["cookie"], opened["value"])
        http.account = account  # type: ignore[attr-defined]
        return http

    def submit(self, http: requests.Session, **changes: Any) -> dict[str, Any]:
        r = http.post(f"{self.base}/api/v1/dossiers", json=lltp_body(**changes), timeout=T)
        assert r.status_code == 201, r.text
        return r.json()

    def act(self, http: requests.Session, code: str, action: str, body: dict[str, Any] | None = None,
            expect: int = 200) -> dict[str, Any]:
        r = http.post(f"{self.base}/api/v1/officer/dossiers/{code}/{action}", json=body, timeout=T)
        assert r.status_code == expect, r.text
        return r.json()

    def notifications(self, **params: Any) -> list[dict[str, Any]]:
        r = requests.get(f"{self.base}/_admin/notifications", params=params, headers=self.admin, timeout=T)
        assert r.status_code == 200, r.text
        return r.json()["messages"]

    def national_status(self, code: str) -> int | None:
        r = requests.get(f"{self.urls['national']}/api/v1/lookup/{code}", headers={"X-DVC-Namespace": self.ns},
                         timeout=T)
        return r.json()["status"] if r.status_code == 200 else None


def lltp_body(**changes: Any) -> dict[str, Any]:
    body = {"procedure_code": LLTP, "form": {"loai_phieu": "Phiếu lý lịch tư pháp số 1", "so_ban": 1,
                                              "muc_dich": "Bổ sung hồ sơ xin việc"},
            "attachments": [{"code": "TK01", "filename": "to-khai.pdf", "content_base64": b64(PDF)},
                            {"code": "CCCD", "filename": "cccd.png", "content_base64": b64(PNG)}],
            "result_delivery": "counter", "payment_method": "counter"}
    body.update(changes)
    return body
