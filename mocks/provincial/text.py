"""Text the portal can store and echo: JSON may carry lone surrogates ("\\ud800") that UTF-8 cannot encode."""

from __future__ import annotations

from typing import Any

from mocks.core.errors import DomainError

MAX_DEPTH = 20


def check_encodable(value: Any, where: str = "body", depth: int = 0) -> None:
    """DomainError (400) when a string anywhere in `value` is not valid Unicode text."""
    if depth > MAX_DEPTH:
        raise DomainError("INVALID_TEXT", "Dữ liệu lồng nhau quá sâu.", "The data is nested too deeply.")
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise DomainError("INVALID_TEXT", f"Trường {where} chứa ký tự không hợp lệ.",
                              f"{where} contains characters that are not valid Unicode text.") from None
    elif isinstance(value, dict):
        for key, item in value.items():
            check_encodable(key, where, depth + 1)
            check_encodable(item, f"{where}.{key}" if isinstance(key, str) and key.isascii() else where, depth + 1)
    elif isinstance(value, list | tuple):
        for item in value:
            check_encodable(item, where, depth + 1)
