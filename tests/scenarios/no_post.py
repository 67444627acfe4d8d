"""`--dvc-hooks` for a portal that offers no postal return: the emulator's back office, whose catalogue says
of every procedure that its result cannot come by post."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scenarios.backoffice import EmulatorBackOffice


class NoPostBackOffice(EmulatorBackOffice):
    def catalogue(self) -> list[dict[str, Any]]:
        return [{**item, "result_by_post": False} for item in super().catalogue()]


def back_office(urls: Mapping[str, str], *, namespace: str, admin_token: str) -> NoPostBackOffice:
    return NoPostBackOffice(urls["provincial"], namespace=namespace, admin_token=admin_token)
