"""The address a result goes back to by public post, as the applicant or the desk gives it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mocks.core.identifiers import InvalidIdentifier, normalise_mobile

ADDRESS_LIMITS: dict[str, int] = {"name": 200, "phone": 32, "address": 400, "province": 100, "district": 100,
                                  "commune": 100}
ADDRESS_LABELS: dict[str, str] = {"name": "Họ tên người nhận", "phone": "Số điện thoại người nhận",
                                  "address": "Địa chỉ nhận", "province": "Tỉnh/Thành phố", "district": "Quận/Huyện",
                                  "commune": "Phường/Xã"}


@dataclass(frozen=True)
class PostalAddress:
    name: str
    phone: str
    address: str
    province: str
    district: str
    commune: str = ""

    def to_json(self) -> dict[str, str]:
        return {"name": self.name, "phone": self.phone, "address": self.address, "province": self.province,
                "district": self.district, "commune": self.commune}


class InvalidAddress(ValueError):
    def __init__(self, problems: list[dict[str, str]]) -> None:
        super().__init__("; ".join(p["problem"] for p in problems))
        self.problems = problems


def parse_address(value: Any) -> PostalAddress:
    """A receiver's address; InvalidAddress lists every field that is missing or wrong."""
    if not isinstance(value, dict):
        raise InvalidAddress([{"field": "postal_address", "label": "Địa chỉ nhận kết quả",
                               "problem": "Thiếu địa chỉ nhận kết quả qua bưu chính."}])
    problems: list[dict[str, str]] = []
    clean: dict[str, str] = {}
    for name, limit in ADDRESS_LIMITS.items():
        raw = value.get(name)
        text = raw.strip() if isinstance(raw, str) else ("" if raw is None else None)
        label = ADDRESS_LABELS[name]
        if text is None:
            problems.append({"field": name, "label": label, "problem": f"{label} phải là chuỗi ký tự."})
        elif not text and name != "commune":
            problems.append({"field": name, "label": label, "problem": f"Thiếu {label.lower()}."})
        elif len(text) > limit:
            problems.append({"field": name, "label": label, "problem": f"{label} dài quá {limit} ký tự."})
        else:
            clean[name] = text
    if clean.get("phone"):
        try:
            clean["phone"] = normalise_mobile(clean["phone"])
        except InvalidIdentifier as exc:
            problems.append({"field": "phone", "label": ADDRESS_LABELS["phone"], "problem": exc.vi})
    if problems:
        raise InvalidAddress(problems)
    return PostalAddress(**clean)
