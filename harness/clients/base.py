"""The base of the per-service clients: a `requests` session, the namespace, the admin token.

The session may be any `requests.Session`, Locust's HTTP session included, so the same
steps serve API tests, test setup and load users.
"""

from __future__ import annotations

from typing import Any

import requests

NAMESPACE_HEADER = "X-DVC-Namespace"
ADMIN_HEADER = "X-Admin-Token"
# Longer than any time-out of the emulators' own calls (the portal waits 15 s for the payment platform, the
# national sync, the post), several of which one request may make in turn: a test with a latency fault sees
# what the portal does about it, not its own client giving up first. Any call takes `timeout=` of its own.
DEFAULT_TIMEOUT = 60.0


class ClientError(RuntimeError):
    """A service answered with an error: `status`, the machine `code` and the message."""

    def __init__(self, response: requests.Response) -> None:
        self.response = response
        self.status = response.status_code
        try:
            self.body: Any = response.json()
        except ValueError:
            self.body = response.text[:500]
        err = self.body.get("error") if isinstance(self.body, dict) else None
        if isinstance(err, dict):
            self.code, message = err.get("code", ""), err.get("message_en") or err.get("message", "")
        elif isinstance(err, str):  # OAuth error bodies
            self.code, message = err, self.body.get("error_description", "")
        else:
            self.code, message = f"HTTP_{self.status}", str(self.body)[:200]
        super().__init__(f"{response.request.method} {response.url} -> {self.status} {self.code}: {message}")


class ServiceClient:
    def __init__(
        self,
        base_url: str,
        *,
        namespace: str = "default",
        admin_token: str | None = None,
        session: requests.Session | None = None,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.namespace = namespace
        self.admin_token = admin_token
        self.session = session or requests.Session()
        self.session.headers[NAMESPACE_HEADER] = namespace
        self.timeout = timeout

    def url(self, path: str) -> str:
        return path if path.startswith("http") else f"{self.base_url}{path}"

    def request(self, method: str, path: str, *, admin: bool = False, **kwargs: Any) -> requests.Response:
        headers = dict(kwargs.pop("headers", None) or {})
        headers.setdefault(NAMESPACE_HEADER, self.namespace)
        if admin:
            if not self.admin_token:
                raise ValueError("this client has no admin token")
            headers[ADMIN_HEADER] = self.admin_token
        kwargs.setdefault("timeout", self.timeout)
        return self.session.request(method, self.url(path), headers=headers, **kwargs)

    def call(self, method: str, path: str, *, expect: int | tuple[int, ...] = (200, 201), **kwargs: Any) -> Any:
        """Request and decode JSON; ClientError unless the status is expected."""
        response = self.request(method, path, **kwargs)
        wanted = (expect,) if isinstance(expect, int) else expect
        if response.status_code not in wanted:
            raise ClientError(response)
        return response.json() if response.content else None

    # -- the admin surface every service has ------------------------------------------------
    def health(self) -> bool:
        try:
            return self.request("GET", "/_admin/health", timeout=2).ok
        except requests.RequestException:
            return False

    def reset(self) -> Any:
        return self.call("POST", "/_admin/reset", admin=True)

    def seed(self, **options: Any) -> Any:
        return self.call("POST", "/_admin/seed", admin=True, json=options)

    def clock(self) -> Any:
        return self.call("GET", "/_admin/clock", admin=True)

    def world(self) -> dict[str, Any]:
        """The rules of the namespace's date (mocks.core.world): `day`, `citizens_use_vneid`, `two_tiers`..."""
        return self.call("GET", "/_admin/world", admin=True)

    def set_clock(self, iso_time: str, *, frozen: bool = True) -> Any:
        return self.call("POST", "/_admin/clock", admin=True, json={"set": iso_time, "frozen": frozen})

    def advance_clock(self, *, seconds: float = 0, days: float = 0) -> Any:
        return self.call("POST", "/_admin/clock", admin=True,
                         json={"advance_seconds": seconds, "advance_days": days})

    def outbox(self, kind: str | None = None, status: str | None = None) -> list[dict[str, Any]]:
        params = {k: v for k, v in {"kind": kind, "status": status}.items() if v}
        return self.call("GET", "/_admin/outbox", admin=True, params=params)["messages"]

    def flush_outbox(self) -> Any:
        return self.call("POST", "/_admin/outbox/flush", admin=True)
