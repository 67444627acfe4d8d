"""Outgoing HTTP of a service: a `requests.Session` that writes every call to the journal.

Services make their server-to-server calls through it (so tests can stub them with
`responses`, which patches requests' transport underneath, and the journal still sees them).
"""

from __future__ import annotations

import time
from typing import Any

import requests

from .journal import BODY_SNIPPET, Entry, Journal
from .namespace import DEFAULT, HEADER


def _text(body: Any) -> str:
    if body is None:
        return ""
    if isinstance(body, bytes):
        return body[:BODY_SNIPPET].decode("utf-8", "replace")
    return str(body)[:BODY_SNIPPET]


class JournalingSession(requests.Session):
    def __init__(self, journal: Journal, service: str) -> None:
        super().__init__()
        self.journal = journal
        self.service = service

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        started, at = time.perf_counter(), time.time()
        ns = request.headers.get(HEADER, DEFAULT)
        try:
            response = super().send(request, **kwargs)
        except Exception as exc:
            self._record(request, ns, None, started, at, "", f"{type(exc).__name__}: {exc}")
            raise
        self._record(request, ns, response.status_code, started, at, _text(response.content), "")
        return response

    def _record(self, request: requests.PreparedRequest, ns: str, status: int | None, started: float, at: float,
                answer: str, detail: str) -> None:
        self.journal.record(Entry(
            ns=ns, service=self.service, direction="out", method=request.method or "GET", url=request.url or "",
            status=status, at=at, duration_ms=(time.perf_counter() - started) * 1000,
            texts=(_text(request.body), answer), detail=detail,
        ))
