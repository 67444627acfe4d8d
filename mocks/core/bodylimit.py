"""Request body limits, enforced while the body streams in: every route of a service, chunked bodies too.

No body is read whole before its size is known to be allowed. A declared Content-Length above the
route's limit is refused at once (413) without reading a byte; the bytes of every body (chunked or
not) are counted as they arrive and refused as soon as the count passes the limit. The 413 says
`Connection: close`: the rest of the body is never read, so the connection cannot carry another
request; nor can an answer the app gives before reading a chunked body to its end (the server would
otherwise read and drop a body of any length). Each service declares its limits in one place (its
`app.py`); see docs/limits.md.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from .errors import error_body

KB = 1024
MB = 1024 * KB
DEFAULT_LIMIT = 1 * MB      # JSON and form routes: their documents are a few KB
CALLBACK_LIMIT = 64 * KB    # server-to-server callbacks (payment confirmation, postal tracking event)

Scope = dict[str, Any]
Message = dict[str, Any]
Envelope = Callable[[dict[str, Any]], dict[str, Any]]
Render = Callable[[Request, int, dict[str, Any]], Response]


def shown(limit: int) -> str:
    return f"{limit // MB} MB" if limit >= MB and limit % MB == 0 else f"{limit // KB} KB"


def refusal(limit: int) -> dict[str, Any]:
    """The 413 body, in the house error format, with the limit in the message."""
    return error_body("PAYLOAD_TOO_LARGE", f"Nội dung yêu cầu quá lớn (tối đa {shown(limit)}).",
                      f"The request body is too large (at most {shown(limit)}).", {"limit_bytes": limit})


def _pattern(template: str) -> re.Pattern[str]:
    """`/api/v1/dossiers/{code}/supplement` → one path segment for each `{name}`."""
    parts = re.split(r"\{[^/{}]+\}", template)
    return re.compile("[^/]+".join(re.escape(p) for p in parts))


@dataclass
class BodyLimits:
    """What one service accepts: a default, other limits for some routes (path templates), and the wire
    formats that answer a refusal in their own envelope (by path prefix)."""

    default: int = DEFAULT_LIMIT
    routes: dict[str, int] = field(default_factory=dict)
    envelopes: dict[str, Envelope] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._patterns = [(_pattern(template), limit) for template, limit in self.routes.items()]

    def limit(self, path: str) -> int:
        for pattern, limit in self._patterns:
            if pattern.fullmatch(path):
                return limit
        return self.default

    def body(self, path: str, limit: int) -> dict[str, Any]:
        body = refusal(limit)
        for prefix, envelope in self.envelopes.items():
            if path.startswith(prefix):
                return envelope(body)
        return body


class BodyTooLarge(Exception):
    """Raised into the app from `receive` once the 413 is sent: it stops whatever was reading the body."""


def _framing(headers: list[tuple[bytes, bytes]]) -> tuple[int | None, bool]:
    """(declared Content-Length, chunked?) of the request."""
    declared, chunked = None, False
    for key, value in headers:
        if key == b"content-length":
            declared = int(value) if value.isdigit() else None
        elif key == b"transfer-encoding":
            chunked = True
    return declared, chunked


async def _no_body() -> Message:
    return {"type": "http.disconnect"}


class BodyLimitMiddleware:
    def __init__(self, app: Any, limits: BodyLimits, render: Render) -> None:
        self.app = app
        self.limits = limits
        self.render = render   # the service's error page or JSON, as for any other refusal

    async def __call__(self, scope: Scope, receive: Callable[[], Awaitable[Message]],
                       send: Callable[[Message], Awaitable[None]]) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared, chunked = _framing(scope.get("headers") or [])
        if not declared and not chunked:   # no body: nothing to count (GETs, the hot path)
            await self.app(scope, receive, send)
            return
        limit = self.limits.limit(scope["path"])
        if declared is not None and declared > limit:
            await self._refuse(scope, send, limit)
            return

        received = 0
        answered = refused = ended = False

        async def counting_receive() -> Message:
            nonlocal received, refused, ended
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                ended = not message.get("more_body", False)
                if received > limit:
                    if not answered:
                        await self._refuse(scope, send, limit)
                    refused = True
                    raise BodyTooLarge(limit)
            return message

        async def watching_send(message: Message) -> None:
            nonlocal answered
            if refused:
                return   # the 413 was the answer: whatever the app says after it is dropped
            if message["type"] == "http.response.start":
                answered = True
                if chunked and not ended:
                    message = {**message, "headers": [*message.get("headers", []), (b"connection", b"close")]}
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except Exception:
            if not refused:
                raise

    async def _refuse(self, scope: Scope, send: Callable[[Message], Awaitable[None]], limit: int) -> None:
        response = self.render(Request(scope), 413, self.limits.body(scope["path"], limit))
        response.headers["connection"] = "close"   # the unread rest of the body must not be taken for a request
        await response(scope, _no_body, send)
