"""Test control from Python: faults, the virtual clock and the request journal of a stack.

    faults = Faults(info, namespace)
    faults.latency("national", "/sync/*", ms=200)
    faults.outgoing("payment", "payment.confirm", "duplicate", times=1)
    clock = Clock(info, namespace); clock.advance(days=3)
    Journal(info, namespace).verify("provincial", count=1, direction="out", url_contains="/sync/service",
                                    correlation_id=code)
"""

from __future__ import annotations

import time
import tomllib
from importlib import resources
from typing import Any

import requests

from mocks.core.config import SERVICES

from .stack import StackInfo


class UnknownName(LookupError):
    """A misspelt service or fault profile name; the message lists the valid ones."""


class _Admin:
    def __init__(self, info: StackInfo, namespace: str, session: requests.Session | None = None) -> None:
        self.info = info
        self.namespace = namespace
        self.http = session or requests.Session()
        self.headers = {"X-Admin-Token": info.admin_token, "X-DVC-Namespace": namespace}

    def _call(self, method: str, service: str, path: str, **kwargs: Any) -> Any:
        if service not in self.info.services:
            raise UnknownName(f"no service named {service!r} (known: {', '.join(self.info.services)})")
        response = self.http.request(method, f"{self.info.url(service)}{path}", headers=self.headers, timeout=30,
                                     **kwargs)
        if not response.ok:
            raise AssertionError(f"{method} {service}{path} -> {response.status_code}: {response.text[:500]}")
        return response.json()


class Faults(_Admin):
    """Fault rules in one namespace (see mocks.core.faults.FaultSpec for every field)."""

    def add(self, service: str, **spec: Any) -> dict[str, Any]:
        return self._call("POST", service, "/_admin/faults", json={"service": service, **spec})

    def latency(self, service: str, path: str = "*", *, ms: float = 0, distribution: str = "fixed",
                **spec: Any) -> dict[str, Any]:
        latency = {"distribution": distribution, "ms": ms, **spec.pop("latency", {})}
        return self.add(service, action="latency", path=path, latency=latency, **spec)

    def error(self, service: str, path: str = "*", *, status: int = 503, **spec: Any) -> dict[str, Any]:
        return self.add(service, action="error", path=path, status=status, **spec)

    def drop(self, service: str, path: str = "*", **spec: Any) -> dict[str, Any]:
        return self.add(service, action="drop", path=path, **spec)

    def truncate(self, service: str, path: str = "*", **spec: Any) -> dict[str, Any]:
        return self.add(service, action="truncate", path=path, **spec)

    def outgoing(self, service: str, kind: str, action: str, **spec: Any) -> dict[str, Any]:
        """A call the service makes misbehaves: delay, duplicate, reorder, bad_signature, never_send.
        Kinds: payment.confirm (payment), postal.event (postal), national_sync and postal_order (provincial)."""
        return self.add(service, direction="outgoing", action=action, path=kind, **spec)

    def remove(self, service: str, rule_id: str) -> None:
        self._call("DELETE", service, f"/_admin/faults/{rule_id}")

    def rules(self) -> list[dict[str, Any]]:
        return self._call("GET", "national", "/_admin/faults")["faults"]

    def clear(self) -> None:
        self._call("DELETE", "national", "/_admin/faults")

    def apply_profile(self, name: str) -> list[dict[str, Any]]:
        """Apply a named fault profile (harness/fault_profiles/NAME.toml): a list of rules."""
        return [self.add(rule.pop("service"), **rule) for rule in load_profile(name)]


def fault_profiles() -> list[str]:
    """The names of the fault profiles (harness/fault_profiles/NAME.toml)."""
    folder = resources.files("harness").joinpath("fault_profiles")
    return sorted(p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml"))


def load_profile(name: str) -> list[dict[str, Any]]:
    known = fault_profiles()
    if name not in known:   # also refuses a path in the name
        raise UnknownName(f"no fault profile named {name!r} (known: {', '.join(known)})")
    text = resources.files("harness").joinpath("fault_profiles", f"{name}.toml").read_text(encoding="utf-8")
    return [dict(rule) for rule in tomllib.loads(text).get("rule", [])]


class Clock(_Admin):
    """The namespace's clock, shared by the services."""

    def now(self) -> str:
        return self._call("GET", "national", "/_admin/clock")["now"]

    def set(self, iso_time: str, *, frozen: bool = True) -> str:
        now = self._call("POST", "national", "/_admin/clock", json={"set": iso_time, "frozen": frozen})["now"]
        self._kick()
        return now

    def run_from(self, iso_time: str) -> str:
        """A new namespace's clock runs from `iso_time` (--dvc-as-of): nothing of it waits, nothing to kick."""
        return self._call("POST", "national", "/_admin/clock", json={"set": iso_time, "frozen": False})["now"]

    def world(self) -> dict[str, Any]:
        """The namespace's world: the rules of its clock's date (mocks.core.world)."""
        return self._call("GET", "national", "/_admin/world")

    def advance(self, *, days: float = 0, hours: float = 0, minutes: float = 0, seconds: float = 0) -> str:
        total = seconds + 60 * minutes + 3600 * hours
        now = self._call("POST", "national", "/_admin/clock", json={"advance_days": days, "advance_seconds": total})
        self._kick()
        return now["now"]

    def real(self) -> None:
        self._call("POST", "national", "/_admin/clock", json={"real": True})

    def _kick(self) -> None:
        """Time moved: every service retries its pending outgoing calls now."""
        for service in SERVICES:
            if service in self.info.services:
                self._call("POST", service, "/_admin/outbox/flush")


class Journal(_Admin):
    def entries(self, service: str, **filters: Any) -> list[dict[str, Any]]:
        return self._call("GET", service, "/_admin/journal", params=filters)["entries"]

    def count(self, service: str, **filters: Any) -> int:
        return int(self._call("GET", service, "/_admin/journal/count", params=filters)["count"])

    def verify(self, service: str, *, count: int | None = None, at_least: int | None = None,
               at_most: int | None = None, wait: float = 5.0, **filters: Any) -> dict[str, Any]:
        """Assert how many entries match, waiting up to `wait` seconds for calls still on their way."""
        params = {**filters, **{k: v for k, v in (("count", count), ("at_least", at_least), ("at_most", at_most))
                                if v is not None}}
        deadline = time.monotonic() + wait
        while True:
            result = self._call("GET", service, "/_admin/journal/verify", params=params)
            if result["ok"] or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        if not result["ok"]:
            raise AssertionError(f"journal of {service}: {result['count']} entries match {filters}, "
                                 f"expected {result['expected']}")
        return result

    def near_misses(self, service: str) -> list[dict[str, Any]]:
        return self._call("GET", service, "/_admin/journal/near-misses")["near_misses"]
