"""The namespace a request works in (header `X-DVC-Namespace`, default `default`).

Browsers cannot set headers on navigations they did not start, so a cookie `dvc_ns`
is accepted too; Playwright contexts usually set the header for every request.
"""

from __future__ import annotations

import re

from fastapi import Request

from .errors import DomainError

HEADER = "X-DVC-Namespace"
COOKIE = "dvc_ns"
DEFAULT = "default"
_VALID = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")


def check(ns: str) -> str:
    if not _VALID.match(ns):
        raise DomainError(
            "INVALID_NAMESPACE",
            "Tên không gian (namespace) không hợp lệ: 1–64 ký tự chữ, số, '.', '_' hoặc '-'.",
            "Invalid namespace: 1-64 characters of letters, digits, '.', '_' or '-'.",
        )
    return ns


def namespace(request: Request) -> str:
    """FastAPI dependency: the caller's namespace."""
    ns = request.headers.get(HEADER) or request.cookies.get(COOKIE) or DEFAULT
    return check(ns)


def forward_headers(ns: str) -> dict[str, str]:
    """Headers for a call this service makes on behalf of a request in `ns`."""
    return {HEADER: ns}
