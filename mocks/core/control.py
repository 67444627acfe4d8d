"""The ASGI layer of the test-control surface: injected faults and the request journal.

It wraps the whole service app, outside everything else, so that it sees the raw
connection: a `drop` fault aborts the TCP connection (no answer at all, not a 500), a
`truncate` fault stops the answer half-way, and latency is an `asyncio.sleep` that never
ties up a worker. Admin and static routes are neither faulted nor journaled. The few hot
reads a service registers as fast reads (the catalogue) are answered here from
pre-serialised bytes, after the faults and before the web framework.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable
from typing import Any

from .errors import error_body
from .faults import Decision, FaultBook
from .journal import BODY_SNIPPET, Entry, Journal
from .namespace import DEFAULT, carried, check, with_default

Scope = dict[str, Any]
SKIPPED = ("/_admin", "/_static", "/favicon.ico")


def _namespace(scope: Scope) -> str:
    return carried(scope.get("headers", ())) or DEFAULT


class ControlMiddleware:
    def __init__(self, app: Any, service: str, faults: FaultBook, journal: Journal,
                 fast_reads: dict[str, Callable[[bytes, str], bytes | None]] | None = None,
                 default_namespace: str = DEFAULT) -> None:
        self.app = app
        self.default_namespace = check(default_namespace)
        self.service = service
        self.faults = faults
        self.journal = journal
        self.fast_reads = fast_reads or {}

    def __getattr__(self, name: str) -> Any:  # `.state`, `.routes`... of the wrapped app
        return getattr(self.app, name)

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and self.default_namespace != DEFAULT:
            # a request naming no namespace (a real portal's back end) works in the stack's default one
            scope = {**scope, "headers": with_default(list(scope.get("headers", ())), self.default_namespace)}
        if scope["type"] != "http" or scope["path"].startswith(SKIPPED):
            await self.app(scope, receive, send)
            return
        ns = _namespace(scope)
        started, at = time.perf_counter(), time.time()
        decision = self.faults.incoming(ns, scope["method"], scope["path"]) if self.faults.has_rules(ns) else None
        if decision is not None and decision.delay:
            try:
                await asyncio.sleep(decision.delay)
            except asyncio.CancelledError:     # the service stops while the delayed request waits
                await self._stopping(send)
                return
        if decision is not None and decision.action in ("error", "drop"):
            status = await (self._error(decision, send) if decision.action == "error" else self._drop(send))
            self._record(scope, ns, status, started, at, decision, (), matched=True)
            return

        plain = decision is None or decision.action is None          # nothing but latency, if anything
        fast = self.fast_reads.get(scope["path"]) if scope["method"] == "GET" and plain else None
        body = fast(scope.get("query_string", b""), ns) if fast is not None else None
        if body is not None:  # a hot read: pre-serialised bytes, no framework, a journal entry without bodies
            await send({"type": "http.response.start", "status": 200, "headers": [
                (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})
            self._record(scope, ns, 200, started, at, decision, (), matched=True)
            return

        request_body: list[bytes] = []
        response_body: list[bytes] = []
        status_box: list[int] = []
        truncate = decision is not None and decision.action == "truncate"
        cut = [False]

        async def tee_receive() -> Any:
            message = await receive()
            if message["type"] == "http.request" and sum(map(len, request_body)) < BODY_SNIPPET:
                request_body.append(message.get("body", b"")[:BODY_SNIPPET])
            return message

        async def tee_send(message: Any) -> None:
            if cut[0]:
                return
            if message["type"] == "http.response.start":
                status_box.append(message["status"])
            elif message["type"] == "http.response.body":
                body = message.get("body", b"")
                if sum(map(len, response_body)) < BODY_SNIPPET:
                    response_body.append(body[:BODY_SNIPPET])
                if truncate:
                    cut[0] = True  # half of the first chunk, then the connection closes mid-answer
                    await send({"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True})
                    return
            await send(message)

        try:
            await self.app(scope, tee_receive, tee_send)
        finally:
            texts = (b"".join(request_body).decode("utf-8", "replace"),
                     b"".join(response_body).decode("utf-8", "replace"))
            self._record(scope, ns, status_box[0] if status_box else None, started, at, decision, texts,
                         matched="endpoint" in scope or "route" in scope)

    async def _error(self, decision: Decision, send: Any) -> int:
        rule = decision.rule
        assert rule is not None
        spec = rule.spec
        body = spec.body if spec.body is not None else error_body(
            "FAULT_INJECTED", f"Lỗi giả lập ({spec.status}).", f"Injected fault ({spec.status}).")
        payload = json.dumps(body, ensure_ascii=False).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
        headers += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in spec.headers.items()]
        await send({"type": "http.response.start", "status": spec.status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})
        return spec.status

    @staticmethod
    async def _stopping(send: Any) -> None:
        """A delayed request cut short by the service's stop: a 503 saying so, not the server's traceback."""
        payload = json.dumps(error_body("SERVICE_STOPPING", "Dịch vụ đang dừng.", "The service is stopping."),
                             ensure_ascii=False).encode()
        with contextlib.suppress(Exception):    # the client may be gone already
            await send({"type": "http.response.start", "status": 503, "headers": [
                (b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode()),
                (b"connection", b"close")]})
            await send({"type": "http.response.body", "body": payload})

    @staticmethod
    async def _drop(send: Any) -> int | None:
        """Cut the connection without a word: abort the server's transport when it lets us reach it."""
        transport = getattr(getattr(send, "__self__", None), "transport", None)
        if transport is not None:
            transport.abort()
            for _ in range(3):  # let the server notice the connection is gone before it tries a 500
                await asyncio.sleep(0)
            return None
        # Another server: the closest we can do is an answer that ends before it starts.
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-length", b"1000")]})
        await send({"type": "http.response.body", "body": b"", "more_body": True})
        return None

    def _record(self, scope: Scope, ns: str, status: int | None, started: float, at: float,
                decision: Decision | None, texts: tuple[str, ...], *, matched: bool) -> None:
        query = scope.get("query_string", b"").decode("latin-1")
        url = scope["path"] + (f"?{query}" if query else "")
        self.journal.record(Entry(
            ns=ns, service=self.service, direction="in", method=scope["method"], url=url, status=status, at=at,
            duration_ms=(time.perf_counter() - started) * 1000, matched=matched,
            faults=decision.applied if decision else [], texts=texts,
        ))
