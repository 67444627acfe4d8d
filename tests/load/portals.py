"""`--api` factories for the load tests: the emulator's portal as other portals would look to the load."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests

from load.api import LoadPortals, LoadProvincialClient, emulator_api


class NoPostalReturn(LoadProvincialClient):
    """A portal that offers no postal return: its catalogue says so of every procedure."""

    def procedures(self, **filters: Any) -> dict[str, Any]:
        found = super().procedures(**filters)
        return {**found, "items": [{**item, "result_by_post": False} for item in found["items"]]}


class Unreachable(LoadProvincialClient):
    """A team's HTTP layer that breaks before sending anything, after the catalogue was read."""

    def home(self) -> int:
        raise requests.ConnectionError("the team's client was never wired to its portal")


def _with(kind: type, session: requests.Session, urls: Mapping[str, str], namespace: str,
          admin_token: str | None) -> LoadPortals:
    portals = emulator_api(session, urls, namespace=namespace, admin_token=admin_token)
    portals.provincial = kind(urls["provincial"], namespace=namespace, admin_token=None, session=session)
    return portals


def no_postal_return(session: requests.Session, urls: Mapping[str, str], *, namespace: str,
                     admin_token: str | None = None) -> LoadPortals:
    return _with(NoPostalReturn, session, urls, namespace, admin_token)


def unreachable(session: requests.Session, urls: Mapping[str, str], *, namespace: str,
                admin_token: str | None = None) -> LoadPortals:
    return _with(Unreachable, session, urls, namespace, admin_token)


class OlderLayer(LoadProvincialClient):
    """A team's HTTP layer written before the seam grew: no receipt, and a dossier without its status name."""

    receipt = None      # type: ignore[assignment]

    def dossier(self, code: str) -> dict[str, Any]:
        found = dict(super().dossier(code))
        found.pop("status_name")
        return found


def older_layer(session: requests.Session, urls: Mapping[str, str], *, namespace: str,
                admin_token: str | None = None) -> LoadPortals:
    return _with(OlderLayer, session, urls, namespace, admin_token)


def needs_requests(session: requests.Session, urls: Mapping[str, str], *, namespace: str,
                   admin_token: str | None = None) -> LoadPortals:
    """A team's layer that needs requests' own Session (an adapter of its own, say), and says so."""
    if not isinstance(session, requests.Session):
        raise TypeError(f"this layer needs a requests.Session, and got a {type(session).__name__}")
    return emulator_api(session, urls, namespace=namespace, admin_token=admin_token)


needs_requests.requests_session = True  # type: ignore[attr-defined]
