"""The e-form of a procedure: checking and normalising what the applicant filled in.

Every field is checked against the procedure's template (required, type, options,
min/max) and every problem is reported at once, each naming its field.
"""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Any

from mocks.core.errors import DomainError

from .catalogue import FormField, Procedure

MAX_TEXT = 500
MAX_TEXTAREA = 5000
MAX_ABS_NUMBER = 10**15
_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _number(spec: FormField, value: Any) -> tuple[Any, str | None]:
    if isinstance(value, bool):
        return None, "phải là một số"
    if isinstance(value, str):
        text = value.strip().replace(" ", "")
        if not _NUMBER.match(text):
            return None, "phải là một số"
        value = float(text) if "." in text else int(text)
    if not isinstance(value, int | float) or (isinstance(value, float) and not math.isfinite(value)):
        return None, "phải là một số"
    if abs(value) > MAX_ABS_NUMBER:
        return None, "quá lớn"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if spec.min is not None and value < spec.min:
        return None, f"phải từ {spec.min:g} trở lên"
    if spec.max is not None and value > spec.max:
        return None, f"không được lớn hơn {spec.max:g}"
    return value, None


def _date(value: Any) -> tuple[Any, str | None]:
    if not isinstance(value, str):
        return None, "phải là ngày (yyyy-mm-dd)"
    text = value.strip()
    try:
        match = _DMY.match(text)
        day = date(int(match[3]), int(match[2]), int(match[1])) if match else date.fromisoformat(text)
    except ValueError:
        return None, "phải là ngày hợp lệ (yyyy-mm-dd hoặc dd/mm/yyyy)"
    if not 1900 <= day.year <= 2100:
        return None, "phải là ngày trong khoảng 1900–2100"
    return day.isoformat(), None


def _text(spec: FormField, value: Any) -> tuple[Any, str | None]:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None, "phải là chuỗi ký tự"
    text = str(value).strip()
    limit = MAX_TEXTAREA if spec.type == "textarea" else MAX_TEXT
    if len(text) > limit:
        return None, f"dài quá {limit} ký tự"
    return text, None


def check_value(spec: FormField, value: Any) -> tuple[Any, str | None]:
    """(normalised value, None) or (None, what is wrong in Vietnamese)."""
    if spec.type == "number":
        return _number(spec, value)
    if spec.type == "date":
        return _date(value)
    if spec.type == "select":
        if not isinstance(value, str) or value.strip() not in spec.options:
            return None, "phải là một trong các lựa chọn: " + "; ".join(spec.options)
        return value.strip(), None
    return _text(spec, value)


def validate_form(procedure: Procedure, form: Any) -> dict[str, Any]:
    """The normalised form, or a DomainError (FORM_INVALID) listing every field that is wrong."""
    if form is None:
        form = {}
    if not isinstance(form, dict):
        raise DomainError("FORM_INVALID", "Dữ liệu tờ khai (form) phải là một đối tượng.",
                          "The form must be a JSON object.")
    problems: list[dict[str, str]] = []
    clean: dict[str, Any] = {}
    for name in form:
        if procedure.field_named(str(name)) is None:
            problems.append({"field": str(name)[:100], "label": str(name)[:100],
                             "problem": "không có trong tờ khai của thủ tục này"})
    for spec in procedure.form_fields:
        value = form.get(spec.name)
        if _blank(value):
            if spec.required:
                problems.append({"field": spec.name, "label": spec.label, "problem": "bắt buộc nhập"})
            continue
        normalised, problem = check_value(spec, value)
        if problem:
            problems.append({"field": spec.name, "label": spec.label, "problem": problem})
        else:
            clean[spec.name] = normalised
    if problems:
        vi = "; ".join(f"{p['label']}: {p['problem']}" for p in problems)
        names = ", ".join(p["field"] for p in problems)
        raise DomainError("FORM_INVALID", f"Tờ khai chưa hợp lệ — {vi}.", f"Invalid form fields: {names}.",
                          details=problems)
    return clean


def example_form(procedure: Procedure, *, day: str = "2024-01-15", text: str = "Nội dung kê khai") -> dict[str, Any]:
    """A form that passes `validate_form` for the procedure (for seeded history and tests)."""
    values: dict[str, Any] = {}
    for f in procedure.form_fields:
        if f.type == "number":
            values[f.name] = int(f.min or 1)
        elif f.type == "date":
            values[f.name] = day
        elif f.type == "select":
            values[f.name] = f.options[0]
        else:
            values[f.name] = text
    return values
