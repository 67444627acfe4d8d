"""Where a parcel is: Quảng Nam's post offices, and the tariff by origin and destination.

All of it is data [assumed]: the office names follow VNPost's usual "Bưu cục <district>"
naming, one per district-level unit of Quảng Nam before July 2025 (the
units of mocks/data/profiles/quangnam), and the tariff is a flat fee by zone within the usual
20,000–40,000 đ of a parcel inside the province.

From 1 July 2025 (`two_tiers`) the home province is thành phố Đà Nẵng, which Quảng Nam joined (Resolution
202/2025/QH15): an address still naming Quảng Nam is read as Đà Nẵng's (the within-province tariff), and a
former district an old address still names only picks the office serving its area (the offices kept their
names [assumed]); a two-level address (no district) goes to the city's main office. Nothing is refused for an
old address: the post carries on delivering to them during the change (docs/protocols.md, "Postal service").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

HOME_PROVINCE = "Quảng Nam"
SORTING_CENTRE = "Trung tâm khai thác Quảng Nam"
MAIN_OFFICE = "Bưu cục Tam Kỳ"   # the provincial centre; default office when a district is unknown
# From 1 July 2025 [assumed names]: the city's
CITY = "Đà Nẵng"
CITY_SORTING_CENTRE = "Trung tâm khai thác Đà Nẵng"
CITY_MAIN_OFFICE = "Bưu cục Đà Nẵng"
MERGED_INTO = {"quang nam": "da nang"}   # Resolution 202/2025/QH15: the old province -> the new one

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

    def fee(self, from_province: str, to_province: str, *, two_tiers: bool = False) -> int:
        same = same_province(from_province, to_province, two_tiers=two_tiers)
        return self.within_province if same else self.other_province


DEFAULT_TARIFF = Tariff()

_PREFIXES = ("tinh ", "thanh pho ", "tp. ", "tp ", "tp.")


def fold(text: str) -> str:
    """Lower case, no diacritics, single spaces: 'Tỉnh  Quảng Nam' -> 'tinh quang nam'."""
    decomposed = unicodedata.normalize("NFD", text or "")
    bare = "".join(c for c in decomposed if unicodedata.category(c) != "Mn").replace("đ", "d").replace("Đ", "D")
    return re.sub(r"\s+", " ", bare).strip().lower()


def province_key(name: str, *, two_tiers: bool = False) -> str:
    """A province name as compared: 'Tỉnh Quảng Nam', 'quang nam' and 'Quảng Nam' are the same; from 1 July 2025
    Quảng Nam is Đà Nẵng."""
    key = fold(name)
    for prefix in _PREFIXES:
        if key.startswith(prefix):
            key = key[len(prefix):].strip()
            break
    return MERGED_INTO.get(key, key) if two_tiers else key


def same_province(a: str, b: str, *, two_tiers: bool = False) -> bool:
    return province_key(a, two_tiers=two_tiers) == province_key(b, two_tiers=two_tiers)


def home_province(two_tiers: bool = False) -> str:
    return CITY if two_tiers else HOME_PROVINCE


def sorting_centre(two_tiers: bool = False) -> str:
    return CITY_SORTING_CENTRE if two_tiers else SORTING_CENTRE


def in_home_province(province: str, *, two_tiers: bool = False) -> bool:
    return not province or same_province(province, home_province(two_tiers), two_tiers=two_tiers)


def office_for(district: str, province: str, *, two_tiers: bool = False) -> str:
    """The post office serving an address: a home office (by its district, or the main one), or the destination
    province's."""
    if in_home_province(province, two_tiers=two_tiers):
        folded = fold(district)
        for name, office in DISTRICT_OFFICES.items():
            if folded and fold(name) in folded:
                return office
        return CITY_MAIN_OFFICE if two_tiers else MAIN_OFFICE
    where = ", ".join(part for part in (district.strip(), province.strip()) if part)
    return f"Bưu cục phát {where}"
