"""The HTTP layer of the load users: the API driver's seam (scenarios.api.seam), and the emulators' test control.

The load's visitors run the journeys (scenarios.registry) on the API driver over Locust's measured session.
The seam for a team's portal is `scenarios.api.seam.ProvincialApi`, given by an `--api MODULE:FACTORY`
factory of the shape

    def my_portal(session, urls, *, namespace, admin_token) -> ApiPortals: ...

(docs/wiring.md documents every method; `dvc-harness load --check-api` tries them before a long run). The
names below are the seam's, kept here for the factories teams wrote against `load.api` before it moved:
`LoadPortals` is `ApiPortals`, `LoadProvincialClient` is `EmulatorProvincialApi`.

Test control (one-time codes, officer accounts) is not part of the seam: it is the emulators' admin surface
(`Control`), outside the measurements.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests

from harness.clients import ClientError, OfficerClient
from scenarios.api.seam import (
    ApiPortals,
    EmulatorProvincialApi,
    Factory,
    ProvincialApi,
    emulator_api,
    resolve_factory,
)

DEFAULT_API = "load.api:emulator_api"
LoadPortals = ApiPortals
LoadProvincialClient = EmulatorProvincialApi


class Control:
    """The emulators' test-control surface, outside the measurements: one-time codes and officer accounts."""

    def __init__(self, urls: Mapping[str, str], namespace: str, admin_token: str,
                 session: requests.Session | None = None) -> None:
        self.urls = dict(urls)
        self.namespace = namespace
        self.http = session or requests.Session()
        self.http.headers.update({"X-Admin-Token": admin_token, "X-DVC-Namespace": namespace})

    def _call(self, method: str, service: str, path: str, **kwargs: Any) -> Any:
        response = self.http.request(method, f"{self.urls[service]}{path}", timeout=30, **kwargs)
        if not response.ok:
            raise RuntimeError(f"{method} {service}{path} -> {response.status_code}: {response.text[:300]}")
        return response.json()

    def latest_otp(self, username: str) -> str:
        for message in self._call("GET", "national", "/_admin/messages", params={"to": username})["messages"]:
            if message.get("otp"):
                return str(message["otp"])
        raise LookupError(f"no one-time code was sent to {username}")

    def create_officer(self, username: str, full_name: str, agency_code: str, role: str) -> dict[str, Any]:
        return self._call("POST", "provincial", "/_admin/officers",
                          json={"username": username, "full_name": full_name, "agency_code": agency_code,
                                "role": role})

    def procedures(self, **filters: Any) -> dict[str, Any]:
        """The catalogue, read once per process to pick the procedures the visitors submit."""
        return self._call("GET", "provincial", "/api/v1/procedures", params=filters)


__all__ = ["DEFAULT_API", "ClientError", "Control", "Factory", "LoadPortals", "LoadProvincialClient", "OfficerClient",
           "ProvincialApi", "emulator_api", "resolve_factory"]
