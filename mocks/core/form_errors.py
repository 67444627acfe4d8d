"""A refused form's problems, each tied to the id of the control it is about.

Every portal's pages show them the same way (macros in templates/_field_errors.html): the control gets
aria-invalid and aria-describedby naming the message printed beside it, and the error summary links to it.
Each service maps its own refusals' codes and details to its own forms' control ids.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FieldProblem:
    """One thing wrong in a refused form, and the id of the form control it is about."""

    control: str
    text: str


def errors_by_control(problems: list[FieldProblem]) -> dict[str, str]:
    """Control id -> its message; two problems of one control are said together."""
    joined: dict[str, list[str]] = {}
    for p in problems:
        joined.setdefault(p.control, []).append(p.text)
    return {control: "; ".join(texts) for control, texts in joined.items()}


def form_errors(problems: list[FieldProblem]) -> dict[str, Any]:
    """What a page with a form passes its template: the summary's list and the per-control messages."""
    return {"problems": problems, "field_errors": errors_by_control(problems)}


def field_named(details: Any) -> str | None:
    """The field a refusal's details name (`{"field": ...}`), if any."""
    field = details.get("field") if isinstance(details, dict) else None
    return field if isinstance(field, str) and field else None
