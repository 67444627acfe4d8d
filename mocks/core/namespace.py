"""The namespace a request works in (header `X-DVC-Namespace`, default `default`).

Browsers cannot set headers on navigations they did not start, so a cookie `dvc_ns`
is accepted too; Playwright contexts usually set the header for every request.

A request that carries neither lands in the stack's default namespace (`default`, or what
`serve --default-namespace` names): the test-control middleware writes that name into the
request's headers, because a real portal's back end never sends ours on its own calls.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from fastapi import Request

from .errors import DomainError

HEADER = "X-DVC-Namespace"
COOKIE = "dvc_ns"
DEFAULT = "default"
_VALID = re.compile(r"[A-Za-z0-9_.\-]{1,64}")


def check(ns: str) -> str:
    if not _VALID.fullmatch(ns):  # fullmatch: `$` would let a trailing newline through
        raise DomainError(
            "INVALID_NAMESPACE",
            "Tên không gian (namespace) không hợp lệ: 1–64 ký tự chữ, số, '.', '_' hoặc '-'.",
            "Invalid namespace: 1-64 characters of letters, digits, '.', '_' or '-'.",
        )
    return ns


def carried(headers: Iterable[tuple[bytes, bytes]]) -> str | None:
    """The namespace an ASGI request names — the header, else the cookie, whatever their order; None when it
    names none. The one rule: the faults, the journal and the routes all read the namespace through it."""
    headers = list(headers)
    for key, value in headers:
        if key == b"x-dvc-namespace" and value:
            return value.decode("latin-1")
    for key, value in headers:
        if key == b"cookie" and b"dvc_ns=" in value:
            for part in value.decode("latin-1").split(";"):
                name, _, v = part.strip().partition("=")
                if name == COOKIE and v:
                    return v
    return None


def with_default(headers: list[tuple[bytes, bytes]], default: str) -> list[tuple[bytes, bytes]]:
    """The headers, with `X-DVC-Namespace: default` added when they name no namespace."""
    if default == DEFAULT or carried(headers) is not None:
        return headers
    return [*headers, (b"x-dvc-namespace", default.encode("latin-1"))]


def namespace(request: Request) -> str:
    """FastAPI dependency: the caller's namespace."""
    return check(carried(request.scope.get("headers") or ()) or DEFAULT)


def forward_headers(ns: str) -> dict[str, str]:
    """Headers for a call this service makes on behalf of a request in `ns`."""
    return {HEADER: ns}
