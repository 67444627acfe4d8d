"""What officers send the back office, checked: reasons, supplement items, result documents, dates, applicants.

Every problem is a DomainError (400) with a machine code and the messages; the workflow
(workflow.py) applies the rules of the dossier's state once the input is sound.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from mocks.core.errors import DomainError
from mocks.core.identifiers import InvalidIdentifier, check_tax_code, normalise_mobile

from ..catalogue import APPLICANT_TYPE_NAMES, Procedure

MAX_REASON = 1000
MAX_ITEMS = 30
MAX_RESULT_DOCUMENTS = 20


def reason(value: Any, what: str = "lý do") -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise DomainError("REASON_REQUIRED", f"Vui lòng nhập {what}.", f"A reason is required ({what}).")
    if len(text) > MAX_REASON:
        raise DomainError("REASON_TOO_LONG", f"Nội dung dài quá {MAX_REASON} ký tự.",
                          f"The text is longer than {MAX_REASON} characters.")
    return text


def note(value: Any) -> str:
    text = value.strip() if isinstance(value, str) else ""
    return text[:MAX_REASON]


def parse_items(procedure: Procedure, items: Any) -> list[dict[str, str]]:
    """The supplement request's list: every document to hand in (by its code) or any other item (by name)."""
    if not isinstance(items, list) or not items:
        raise DomainError("SUPPLEMENT_ITEMS_REQUIRED",
                          "Yêu cầu bổ sung phải nêu đầy đủ, một lần các giấy tờ cần bổ sung, hoàn thiện.",
                          "A supplement request must list, at once, everything to supplement (items).")
    if len(items) > MAX_ITEMS:
        raise DomainError("TOO_MANY_ITEMS", f"Tối đa {MAX_ITEMS} mục.", f"At most {MAX_ITEMS} items.")
    clean, seen = [], set()
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            raise DomainError("INVALID_ITEM", f"Mục {i + 1} không hợp lệ.", f"items[{i}] must be an object.")
        code = item.get("code")
        why = note(item.get("reason"))
        if code not in (None, ""):
            spec = procedure.attachment_named(code) if isinstance(code, str) else None
            if spec is None:
                raise DomainError("UNKNOWN_ATTACHMENT", f"Thành phần hồ sơ '{str(code)[:64]}' không có trong thủ tục.",
                                  f"The procedure has no document with code '{str(code)[:64]}'.",
                                  details={"known": [a.code for a in procedure.attachments]})
            if code in seen:
                continue
            seen.add(code)
            clean.append({"code": code, "name": spec.name, "reason": why})
            continue
        name = item.get("name").strip() if isinstance(item.get("name"), str) else ""
        if not name or len(name) > 300:
            raise DomainError("INVALID_ITEM", f"Mục {i + 1}: cần mã giấy tờ (code) hoặc tên (name, ≤ 300 ký tự).",
                              f"items[{i}] needs a document code or a name (at most 300 characters).")
        clean.append({"code": "", "name": name, "reason": why})
    return clean


def parse_documents(value: Any) -> list[dict[str, str]]:
    """The result documents: at least one, each with a name (and a number, like 123/QĐ-UBND)."""
    if not isinstance(value, list) or not value:
        raise DomainError("RESULT_DOCUMENTS_REQUIRED", "Vui lòng nêu ít nhất một giấy tờ kết quả.",
                          "At least one result document is required.")
    if len(value) > MAX_RESULT_DOCUMENTS:
        raise DomainError("TOO_MANY_ITEMS", f"Tối đa {MAX_RESULT_DOCUMENTS} giấy tờ kết quả.",
                          f"At most {MAX_RESULT_DOCUMENTS} result documents.")
    documents = []
    for i, item in enumerate(value):
        raw_name = item.get("name") if isinstance(item, dict) else item
        name = raw_name.strip() if isinstance(raw_name, str) else ""
        number = item.get("number") if isinstance(item, dict) else ""
        number = number.strip() if isinstance(number, str) else ""
        if not name or len(name) > 300 or len(number) > 100:
            raise DomainError("INVALID_RESULT_DOCUMENT", f"Giấy tờ kết quả {i + 1} không hợp lệ (tên ≤ 300 ký tự).",
                              f"Result document {i} needs a name (at most 300 characters; number at most 100).")
        documents.append({"name": name, "number": number})
    return documents


def parse_new_date(value: Any) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    text = value.strip() if isinstance(value, str) else ""
    match = re.match(r"^(\d{4})-(\d{2})-(\d{2})$", text)
    day_first = re.match(r"^(\d{1,2})/(\d{1,2})/(\d{4})$", text)
    try:
        if match:
            return date(int(match[1]), int(match[2]), int(match[3]))
        if day_first:
            return date(int(day_first[3]), int(day_first[2]), int(day_first[1]))
    except ValueError:
        pass
    raise DomainError("INVALID_NEW_DATE", "Ngày hẹn trả mới phải có dạng yyyy-mm-dd (hoặc dd/mm/yyyy).",
                      "new_date must be a date, yyyy-mm-dd (or dd/mm/yyyy).")


ID_PATTERN = re.compile(r"^[A-Za-z0-9.\-/]{1,30}$")
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,}$")


def parse_applicant(procedure: Procedure, value: Any) -> dict[str, Any]:
    """The applicant of a paper dossier, as the desk enters it; every problem is listed at once."""
    if not isinstance(value, dict):
        value = {}
    problems: list[dict[str, str]] = []

    def text(name: str, limit: int) -> str:
        raw = value.get(name)
        if raw is not None and not isinstance(raw, str):
            problems.append({"field": name, "problem": "phải là chuỗi ký tự"})
            return ""
        cleaned = (raw or "").strip()
        if len(cleaned) > limit:
            problems.append({"field": name, "problem": f"dài quá {limit} ký tự"})
        return cleaned

    name, id_number = text("name", 200), text("id_number", 30)
    phone, email, address = text("phone", 32), text("email", 254), text("address", 500)
    raw_type = value.get("type", procedure.applicant_types[0])
    kind = raw_type if isinstance(raw_type, int) and not isinstance(raw_type, bool) else (
        int(raw_type) if isinstance(raw_type, str) and raw_type.isdigit() else 0)
    if not name:
        problems.append({"field": "name", "problem": "bắt buộc"})
    if kind not in APPLICANT_TYPE_NAMES:
        problems.append({"field": "type", "problem": "1 (công dân), 2 (doanh nghiệp), 3 (cơ quan), 4 (tổ chức)"})
    elif kind not in procedure.applicant_types:
        allowed = ", ".join(APPLICANT_TYPE_NAMES[t] for t in procedure.applicant_types)
        problems.append({"field": "type", "problem": f"thủ tục chỉ dành cho: {allowed}"})
    if not id_number:
        problems.append({"field": "id_number", "problem": "bắt buộc (số định danh, mã số thuế hoặc mã cơ quan)"})
    elif kind == 1 and not re.fullmatch(r"\d{12}|\d{9}", id_number):
        problems.append({"field": "id_number", "problem": "số định danh cá nhân gồm 12 chữ số (CMND cũ: 9)"})
    elif kind == 2:
        try:
            check_tax_code(id_number)
        except InvalidIdentifier as exc:
            problems.append({"field": "id_number", "problem": exc.vi})
    elif not ID_PATTERN.match(id_number):
        problems.append({"field": "id_number", "problem": "chỉ gồm chữ, số, '.', '-' hoặc '/'"})
    if phone:
        try:
            phone = normalise_mobile(phone)
        except InvalidIdentifier as exc:
            problems.append({"field": "phone", "problem": exc.vi})
    if email and not EMAIL.match(email):
        problems.append({"field": "email", "problem": "địa chỉ thư điện tử không hợp lệ"})
    if problems:
        fields = ", ".join(p["field"] for p in problems)
        raise DomainError("APPLICANT_INVALID", f"Thông tin người nộp chưa hợp lệ: {fields}.",
                          f"The applicant's details are invalid: {fields}.", details=problems)
    return {"name": name, "id_number": id_number, "type": kind, "phone": phone or None, "email": email or None,
            "address": address or None}
