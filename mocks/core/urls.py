"""Checking the URLs outside clients register (callbacks, webhooks, redirect URIs)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

MAX_URL = 2000


def is_absolute_http_url(value: Any, *, fragment_allowed: bool = True) -> bool:
    """An http(s) URL with a host, at most 2000 characters (urlsplit's ValueError — say a bad
    IPv6 host — counts as not a URL, never as an error)."""
    if not isinstance(value, str) or not value or len(value) > MAX_URL:
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.netloc) and (fragment_allowed or not parts.fragment)
