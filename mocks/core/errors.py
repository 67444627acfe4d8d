"""Errors every service raises and the JSON (or HTML) they turn into.

A rule refuses bad input by raising `DomainError` with a machine code and a message
in Vietnamese and English; the app factory turns it into a 4xx answer. Nothing else
in the services builds error bodies by hand.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A refusal by a rule: bad input, a state that forbids the action, a missing thing."""

    status: int = 400

    def __init__(
        self,
        code: str,
        vi: str,
        en: str,
        *,
        status: int | None = None,
        details: Any = None,
    ) -> None:
        super().__init__(f"{code}: {en}")
        self.code = code
        self.vi = vi
        self.en = en
        if status is not None:
            self.status = status
        self.details = details

    def body(self) -> dict[str, Any]:
        return error_body(self.code, self.vi, self.en, self.details)


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    status = 409


class Unauthorized(DomainError):
    status = 401


class Forbidden(DomainError):
    status = 403


class PayloadTooLarge(DomainError):
    status = 413


class TooDeeplyNested(DomainError):
    """JSON nested deeper than the decoder goes: refused as bad input, not a RecursionError (a 500)."""

    def __init__(self) -> None:
        super().__init__("TOO_DEEPLY_NESTED", "Nội dung JSON lồng nhau quá sâu.", "The JSON body is nested too deeply.")


def error_body(code: str, vi: str, en: str, details: Any = None) -> dict[str, Any]:
    err: dict[str, Any] = {"code": code, "message": f"{vi} / {en}", "message_vi": vi, "message_en": en}
    if details is not None:
        err["details"] = details
    return {"error": err}
