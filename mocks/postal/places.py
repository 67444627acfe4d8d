"""Where a parcel is: Quảng Nam's post offices, and the tariff by origin and destination.

All of it is data [assumed]: the office names follow VNPost's usual "Bưu cục <district>"
naming, one per district-level unit of Quảng Nam before July 2025 (the
units of mocks/data/profiles/quangnam), and the tariff is a flat fee by zone within the usual
20,000–40,000 đ of a parcel inside the province.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

HOME_PROVINCE = "Quảng Nam"
SORTING_CENTRE = "Trung tâm khai thác Quảng Nam"
MAIN_OFFICE = "Bưu cục Tam Kỳ"   # the provincial centre; default office when a district is unknown

# District-level unit (its name without "TP", "TX", "Huyện") -> the office serving it.
DISTRICT_OFFICES: dict[str, str] = {
    name: f"Bưu cục {name}"
    for name in (
        "Tam Kỳ", "Hội An", "Tây Giang", "Đông Giang", "Đại Lộc", "Điện Bàn", "Duy Xuyên", "Quế Sơn",
        "Nam Giang", "Phước Sơn", "Hiệp Đức", "Thăng Bình", "Tiên Phước", "Bắc Trà My", "Nam Trà My",
        "Núi Thành", "Phú Ninh", "Nông Sơn",
    )
}


@dataclass(frozen=True)
class Tariff:
    """Postage of one dossier envelope, by zone [assumed]; TotalFee of an order."""

    within_province: int = 22_000
    other_province: int = 35_000

    def fee(self, from_province: str, to_province: str) -> int:
        same = same_province(from_province, to_province)
        return self.within_province if same else self.other_province


DEFAULT_TARIFF = Tariff()

_PREFIXES = ("tinh ", "thanh pho ", "tp. ", "tp ", "tp.")


def fold(text: str) -> str:
    """Lower case, no diacritics, single spaces: 'Tỉnh  Quảng Nam' -> 'tinh quang nam'."""
    decomposed = unicodedata.normalize("NFD", text or "")
    bare = "".join(c for c in decomposed if unicodedata.category(c) != "Mn").replace("đ", "d").replace("Đ", "D")
    return re.sub(r"\s+", " ", bare).strip().lower()


def province_key(name: str) -> str:
    """A province name as compared: 'Tỉnh Quảng Nam', 'quang nam' and 'Quảng Nam' are the same."""
    key = fold(name)
    for prefix in _PREFIXES:
        if key.startswith(prefix):
            return key[len(prefix):].strip()
    return key


def same_province(a: str, b: str) -> bool:
    return province_key(a) == province_key(b)


def in_home_province(province: str) -> bool:
    return not province or same_province(province, HOME_PROVINCE)


def office_for(district: str, province: str) -> str:
    """The post office serving an address: a Quảng Nam office, or the destination province's one."""
    if in_home_province(province):
        folded = fold(district)
        for name, office in DISTRICT_OFFICES.items():
            if fold(name) in folded:
                return office
        return MAIN_OFFICE
    where = ", ".join(part for part in (district.strip(), province.strip()) if part)
    return f"Bưu cục phát {where}"
