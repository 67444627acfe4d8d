"""The address a result goes back to by public post, as the applicant or the desk gives it.

Before 1 July 2025 an address has three levels: the province, the district (required) and the commune
(optional); from then on two: the province and the commune, ward or special zone (required), and no district
(Decision 759/QĐ-TTg ended district-level units; Resolution 202/2025/QH15 for thành phố Đà Nẵng). A district
given after the date is refused, saying why: an address of a level that no longer exists would not reach
anyone at the one-stop desk, and the portal would print it on the postal order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mocks.core.identifiers import InvalidIdentifier, normalise_mobile

ADDRESS_LIMITS: dict[str, int] = {"name": 200, "phone": 32, "address": 400, "province": 100, "district": 100,
                                  "commune": 100}
ADDRESS_LABELS: dict[str, str] = {"name": "Họ tên người nhận", "phone": "Số điện thoại người nhận",
                                  "address": "Địa chỉ nhận", "province": "Tỉnh/Thành phố", "district": "Quận/Huyện",
                                  "commune": "Phường/Xã"}
# the labels of a two-level address (from 1 July 2025): no district, the commune level has special zones too
TWO_LEVEL_LABELS: dict[str, str] = {**ADDRESS_LABELS, "commune": "Xã/Phường/Đặc khu"}


@dataclass(frozen=True)
class PostalAddress:
    name: str
    phone: str
    address: str
    province: str
    district: str = ""       # "" in a two-level address (from 1 July 2025)
    commune: str = ""

    def to_json(self) -> dict[str, str]:
        return {"name": self.name, "phone": self.phone, "address": self.address, "province": self.province,
                "district": self.district, "commune": self.commune}


class InvalidAddress(ValueError):
    def __init__(self, problems: list[dict[str, str]]) -> None:
        super().__init__("; ".join(p["problem"] for p in problems))
        self.problems = problems


def parse_address(value: Any, *, two_levels: bool = False) -> PostalAddress:
    """A receiver's address, of three levels (province, district, commune) or, with `two_levels` (from 1 July
    2025), of two (province and commune, ward or special zone); InvalidAddress lists every field that is missing
    or wrong."""
    if not isinstance(value, dict):
        raise InvalidAddress([{"field": "postal_address", "label": "Địa chỉ nhận kết quả",
                               "problem": "Thiếu địa chỉ nhận kết quả qua bưu chính."}])
    labels = TWO_LEVEL_LABELS if two_levels else ADDRESS_LABELS
    optional = "district" if two_levels else "commune"
    problems: list[dict[str, str]] = []
    clean: dict[str, str] = {}
    for name, limit in ADDRESS_LIMITS.items():
        raw = value.get(name)
        text = raw.strip() if isinstance(raw, str) else ("" if raw is None else None)
        label = labels[name]
        if text is None:
            problems.append({"field": name, "label": label, "problem": f"{label} phải là chuỗi ký tự."})
        elif two_levels and name == "district" and text:
            problems.append({"field": name, "label": label,
                             "problem": "Từ ngày 01/7/2025 không còn cấp huyện: địa chỉ gồm tỉnh/thành phố và "
                                        "xã/phường/đặc khu, bỏ quận/huyện."})
        elif not text and name != optional:
            problems.append({"field": name, "label": label, "problem": f"Thiếu {label.lower()}."})
        elif len(text) > limit:
            problems.append({"field": name, "label": label, "problem": f"{label} dài quá {limit} ký tự."})
        else:
            clean[name] = text
    if clean.get("phone"):
        try:
            clean["phone"] = normalise_mobile(clean["phone"])
        except InvalidIdentifier as exc:
            problems.append({"field": "phone", "label": labels["phone"], "problem": exc.vi})
    if problems:
        raise InvalidAddress(problems)
    return PostalAddress(**clean)
