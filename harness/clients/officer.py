"""Client of the provincial portal's one-stop back office (`/api/v1/officer`, cookie `tinh_officer_session`)."""

from __future__ import annotations

from typing import Any

from .base import ServiceClient


class OfficerClient(ServiceClient):
    """One officer of an agency: log in, list the agency's dossiers, act on them."""

    def login(self, username: str, password: str) -> dict[str, Any]:
        return self.call("POST", "/api/v1/officer/login", json={"username": username, "password": password})

    def me(self) -> dict[str, Any]:
        return self.call("GET", "/api/v1/officer/me")

    def dossiers(self, status: int | None = None, limit: int = 20, **filters: Any) -> dict[str, Any]:
        params: dict[str, Any] = {"limit": limit, **filters}
        if status is not None:
            params["status"] = status
        return self.call("GET", "/api/v1/officer/dossiers", params=params)

    def dossier(self, code: str) -> dict[str, Any]:
        return self.call("GET", f"/api/v1/officer/dossiers/{code}")

    def act(self, code: str, action: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        """receive, refuse, process, result (body: documents), return, ... (docs/protocols.md)."""
        return self.call("POST", f"/api/v1/officer/dossiers/{code}/{action}", json=body or {})

    def enter(self, dossier: dict[str, Any]) -> dict[str, Any]:
        """A dossier handed in at the counter (channel 1) or arriving by post (3), entered by the desk."""
        return self.call("POST", "/api/v1/officer/dossiers", json=dossier, expect=201)
