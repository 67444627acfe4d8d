"""The provincial emulator's back office behind `scenarios.portal.PortalBackOffice`: the reference implementation.

Every method is one call of the emulator's admin surface (`/_admin/...`, with the stack's admin token, in the
test's namespace) or of its public catalogue API. A team's own implementation does the same on its portal:
examples/reference_portal/hooks.py is a second example.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from harness.clients import ClientError, ProvincialClient
from scenarios.portal import DossierRecord


class EmulatorBackOffice:
    """`PortalBackOffice` over the provincial emulator at `url`."""

    def __init__(self, url: str, *, namespace: str, admin_token: str, session: Any = None) -> None:
        self.client = ProvincialClient(url, namespace=namespace, admin_token=admin_token, session=session)

    def catalogue(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        while True:  # pages of the public catalogue API, at most 1000 a page
            page = self.client.procedures(limit=1000, offset=len(items))
            items += page["items"]
            if not page["items"] or len(items) >= int(page.get("total", len(items))):
                return items

    def local_accounts(self) -> list[dict[str, Any]]:
        return list(self.client.call("GET", "/_admin/accounts", admin=True)["items"])

    def local_logins(self) -> list[dict[str, Any]]:
        return list(self.client.logins())

    def create_local_account(self, full_name: str, id_number: str) -> dict[str, Any]:
        return self.client.create_local_account(full_name, id_number)

    def result_ready(self, code: str) -> None:
        self.client.result_ready(code)

    def dossier(self, code: str) -> DossierRecord | None:
        try:
            found = self.client.call("GET", f"/_admin/dossiers/{code}", admin=True)
        except ClientError as exc:
            if exc.status == 404:
                return None
            raise
        return DossierRecord(code=found["code"], procedure_code=found["procedure_code"], status=int(found["status"]),
                             paid=bool((found.get("payment") or {}).get("paid_online")),
                             result_delivery=found.get("result_delivery"),
                             fee_amount=int((found.get("fee") or {}).get("amount") or 0))


def emulator_back_office(urls: Mapping[str, str], *, namespace: str, admin_token: str) -> EmulatorBackOffice:
    """The default `--dvc-hooks` factory: the provincial emulator of the stack at `urls`."""
    return EmulatorBackOffice(urls["provincial"], namespace=namespace, admin_token=admin_token)


__all__ = ["EmulatorBackOffice", "emulator_back_office"]
