"""The HTTP layer of the load users, behind a per-portal seam (like `--dvc-pages` for the page objects).

The journeys (load.journeys) talk to the portals through `LoadPortals`: the harness's own
clients (harness.clients) over whatever `requests.Session` they are given — Locust's
HttpSession under load, a plain session in tests. A team whose portal has its own API
writes a factory of the same shape that puts its client (satisfying `ProvincialApi`) in
place of `LoadProvincialClient`, and runs `dvc-harness load --api mypkg.load:my_portal`.

    def my_portal(session, urls, *, namespace, admin_token) -> LoadPortals: ...

The national portal, the payment checkout and the postal service stay the emulators'
unless the team has its own too. Test control (one-time codes, officer accounts) is not
part of the seam: it is the emulators' admin surface (`Control`), outside the measurements.

`LoadPortals.back_office` (a scenarios.portal.PortalBackOffice, optional) is how the consistency check
reads an outside portal's records after the run (`--host`); without it the check is skipped, saying so.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import requests

from harness.clients import ClientError, NationalClient, OfficerClient, PaymentClient, PostalClient, ProvincialClient

DEFAULT_API = "load.api:emulator_api"


@runtime_checkable
class ProvincialApi(Protocol):
    """What the citizen journeys need from a provincial portal."""

    session: requests.Session

    def home(self) -> Any: ...
    def procedures(self, **filters: Any) -> dict[str, Any]: ...
    def procedure(self, code: str) -> dict[str, Any]: ...
    def agencies(self, tier: str | None = None) -> dict[str, Any]: ...
    def login_sso(self, username: str, password: str) -> dict[str, Any]: ...
    def submit(self, procedure_code: str, **kwargs: Any) -> dict[str, Any]: ...
    def dossier(self, code: str) -> dict[str, Any]: ...
    def dossiers(self) -> dict[str, Any]: ...
    def start_payment(self, code: str) -> dict[str, Any]: ...
    def payment_return(self, return_url: str) -> Any: ...
    def lookup(self, code: str) -> dict[str, Any]: ...


class LoadProvincialClient(ProvincialClient):
    """The emulator's portal, with the few reads the journeys make that the test client has no method for."""

    def home(self) -> int:
        return self._page("/")

    def _page(self, path: str) -> int:
        response = self.request("GET", path, headers={"Accept": "text/html"})
        if response.status_code != 200:
            raise ClientError(response)
        return len(response.content or b"")

    def agencies(self, tier: str | None = None) -> dict[str, Any]:
        return self.call("GET", "/api/v1/agencies", params={"tier": tier} if tier else None)

    def payment_return(self, return_url: str) -> int:
        """The citizen's browser comes back from the checkout (the portal asks the platform when it must)."""
        return self._page(return_url)


@dataclass
class LoadPortals:
    """The clients one visitor (or one officer) uses, all over one session: one browser-like cookie jar."""

    national: NationalClient
    provincial: ProvincialApi
    payment: PaymentClient
    postal: PostalClient
    officer: OfficerClient | None = None
    back_office: Any = None     # scenarios.portal.PortalBackOffice: the portal's records, for the consistency check


Factory = Callable[..., LoadPortals]


def emulator_api(session: requests.Session, urls: Mapping[str, str], *, namespace: str,
                 admin_token: str | None = None) -> LoadPortals:
    """The default factory: the four emulators at `urls` (service -> origin)."""

    def make(kind: type, service: str) -> Any:
        return kind(urls[service], namespace=namespace, admin_token=None, session=session)

    return LoadPortals(national=make(NationalClient, "national"), provincial=make(LoadProvincialClient, "provincial"),
                       payment=make(PaymentClient, "payment"), postal=make(PostalClient, "postal"),
                       officer=make(OfficerClient, "provincial"))


def resolve_factory(target: str | None) -> Factory:
    """`MODULE:FACTORY` -> the factory (default: the emulators'). MODULE is looked for on the path and, as
    `python -m` does for the Locust process, in the current folder."""
    target = target or DEFAULT_API
    module_name, _, attr = target.partition(":")
    if not module_name or not attr:
        raise ValueError(f"--api wants MODULE:FACTORY, got {target!r}")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if os.getcwd() in sys.path:
            raise ValueError(f"--api {target}: {exc} (run from the folder that holds it, or set PYTHONPATH)") from exc
        sys.path.append(os.getcwd())
        return resolve_factory(target)
    factory = getattr(module, attr, None)
    if not callable(factory):
        raise ValueError(f"--api {target}: {attr} is not a callable in {module_name}")
    return factory  # type: ignore[no-any-return]


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
