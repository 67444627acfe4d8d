"""The reference portal's back office for the harness: `scenarios.portal.PortalBackOffice` over its HTTP.

    pytest ... --dvc-pages examples.reference_portal.pages:portal \
        --dvc-hooks examples.reference_portal.hooks:back_office
    dvc-harness run --pages examples.reference_portal.pages:portal --hooks examples.reference_portal.hooks:back_office

The portal's small admin surface (`/_admin/...`, the emulators' admin token, which the portal was started
with) stands in for its officers and its records; the catalogue is its public JSON (`/api/thu-tuc`). The
portal itself has no namespace: the one the harness gives is not sent (its back end sends its own, or none).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import requests

from scenarios.portal import DossierRecord

from .pages import URL_VARIABLE


class PortalError(RuntimeError):
    """The portal answered a back-office call with an error."""


class ReferenceBackOffice:
    def __init__(self, base_url: str, admin_token: str, session: requests.Session | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = session or requests.Session()
        self.admin = {"X-Admin-Token": admin_token}

    def _call(self, method: str, path: str, *, admin: bool = True, **kwargs: Any) -> requests.Response:
        answer = self.http.request(method, f"{self.base_url}{path}", headers=self.admin if admin else {},
                                   timeout=30, **kwargs)
        if answer.status_code >= 400 and answer.status_code != 404:
            raise PortalError(f"{method} {path} -> {answer.status_code}: {answer.text[:300]}")
        return answer

    def catalogue(self) -> list[dict[str, Any]]:
        return list(self._call("GET", "/api/thu-tuc", admin=False).json()["items"])

    def local_accounts(self) -> list[dict[str, Any]]:
        return list(self._call("GET", "/_admin/accounts").json()["items"])

    def local_logins(self) -> list[dict[str, Any]]:
        return list(self._call("GET", "/_admin/logins").json()["items"])

    def create_local_account(self, full_name: str, id_number: str) -> dict[str, Any]:
        return dict(self._call("POST", "/_admin/accounts", json={"full_name": full_name, "id_number": id_number})
                    .json())

    def result_ready(self, code: str) -> None:
        answer = self._call("POST", f"/_admin/dossiers/{code}/result-ready")
        if answer.status_code == 404:
            raise PortalError(f"the portal has no dossier {code}")

    def dossier(self, code: str) -> DossierRecord | None:
        answer = self._call("GET", f"/_admin/dossiers/{code}")
        if answer.status_code == 404:
            return None
        found = answer.json()
        return DossierRecord(code=found["code"], procedure_code=found["procedure_code"], status=int(found["status"]),
                             paid=bool(found["paid"]) if found.get("fee") else False,
                             result_delivery=found.get("result_delivery"), fee_amount=int(found.get("fee") or 0))


def back_office(urls: Mapping[str, str], *, namespace: str, admin_token: str) -> ReferenceBackOffice:
    """The `--dvc-hooks` factory: the portal at $REFPORTAL_PUBLIC_URL (the same variable as the pages')."""
    base = os.environ.get(URL_VARIABLE, "")
    if not base:
        raise RuntimeError(f"set {URL_VARIABLE} to the reference portal's origin (e.g. http://127.0.0.1:8200)")
    return ReferenceBackOffice(base, admin_token)
