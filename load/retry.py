"""Send again an idempotent request that met a kept-alive connection the server had just closed.

A visitor's connection idles in the client's pool while the visitor thinks. A server closes idle
connections after its keep-alive time (uvicorn's default is 5 s; a portal's proxy has its own); when
that close crosses the client's next request on the wire, the request goes out on a dead connection
and no answer comes (`RemoteDisconnected`, or a reset). The server never handled it. HTTP lets a
client send an idempotent request again in that case (RFC 9110 §9.2.2), as browsers do, so the load
does too — and only then: a request that went out on a reused connection and got not one byte back,
with an idempotent method. A POST, or a fresh connection that fails, stays a failure. Each retry is
counted by request name, so the report says how often it happened.

No Locust here (the tests import it): `install(session, name)` wraps a requests session's adapters.
"""

from __future__ import annotations

import http.client
import threading
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any

import requests
from requests.adapters import BaseAdapter, HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})
MAX_RETRIES = 3   # each retry drops one dead pooled connection; a visitor's pool holds a few per origin


class ClosedWhileIdle(http.client.RemoteDisconnected):
    """A kept-alive connection carried a request, and the server had closed it: no answer at all."""


class _NotesReuse:
    """A connection that knows whether the request it sends now rides on a socket that already answered."""

    _answered_sock: Any = None
    _reused = False

    def request(self, *args: Any, **kwargs: Any) -> None:
        sock = self.sock  # type: ignore[attr-defined]
        self._reused = sock is not None and sock is self._answered_sock
        super().request(*args, **kwargs)  # type: ignore[misc]

    def getresponse(self) -> Any:
        try:
            response = super().getresponse()  # type: ignore[misc]
        except ConnectionResetError as exc:   # RemoteDisconnected is one: the server closed, nothing came
            if self._reused:
                raise ClosedWhileIdle(f"a kept-alive connection the server had closed: {exc}") from exc
            raise
        self._answered_sock = self.sock  # type: ignore[attr-defined]
        return response


class _Connection(_NotesReuse, HTTPConnection):
    pass


class _TLSConnection(_NotesReuse, HTTPSConnection):
    pass


class _Pool(HTTPConnectionPool):
    ConnectionCls = _Connection


class _TLSPool(HTTPSConnectionPool):
    ConnectionCls = _TLSConnection


def closed_while_idle(exc: BaseException) -> bool:
    """Whether `exc` (requests' ConnectionError, wrapping urllib3's) comes from a `ClosedWhileIdle`."""
    seen: list[Any] = [exc]
    for _ in range(8):
        nested: list[Any] = []
        for item in seen:
            if isinstance(item, ClosedWhileIdle):
                return True
            if isinstance(item, BaseException):
                nested += [*item.args, item.__cause__, item.__context__]
        seen = [item for item in nested if item is not None]
    return False


class Retries:
    """Retries by request name, thread-safe (and greenlet-safe); `made`: this process's, never drained."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self.made = 0

    def add(self, name: str) -> None:
        with self._lock:
            self._counts[name] += 1
            self.made += 1

    def merge(self, counts: Mapping[str, int]) -> None:
        with self._lock:
            self._counts.update(counts)

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)

    def drain(self) -> dict[str, int]:
        with self._lock:
            out, self._counts = dict(self._counts), Counter()
            return out


RETRIES = Retries()   # this process's


class IdleRetryAdapter(BaseAdapter):
    """Wraps a requests adapter: its pools note reused connections, and a request that met one the server
    had closed is sent again, when its method allows."""

    def __init__(self, inner: HTTPAdapter, name: Callable[[str], str], counts: Retries) -> None:
        super().__init__()
        self.inner = inner
        self.name = name
        self.counts = counts
        inner.poolmanager.pool_classes_by_scheme = {"http": _Pool, "https": _TLSPool}

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        for attempt in range(MAX_RETRIES + 1):
            try:
                return self.inner.send(request, **kwargs)
            except requests.ConnectionError as exc:
                if attempt == MAX_RETRIES or request.method not in IDEMPOTENT or not closed_while_idle(exc):
                    raise
                self.counts.add(f"{request.method} {self.name(request.url or '')}")
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.inner.close()


def install(session: requests.Session, name: Callable[[str], str], counts: Retries = RETRIES) -> None:
    """Let `session` retry what it may (see the module's doc); `name(url)` names a retried request."""
    for prefix, adapter in list(session.adapters.items()):
        if isinstance(adapter, HTTPAdapter):
            session.mount(prefix, IdleRetryAdapter(adapter, name, counts))
