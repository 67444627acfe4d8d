"""Vietnamese test data: Faker providers and a factory of accounts for the emulators.

Faker's vi_VN puts the given name first and knows no ID numbers or Quảng Nam places,
so these providers put the family name first ("Nguyễn Thị Thu Hà") and reuse the
emulators' own rules (mocks.core.identifiers: citizen IDs, tax codes, mobile numbers) and
reference data (mocks.data: the province's units): what the factory makes, the national
emulator accepts. A seed repeats a run exactly.
"""

from __future__ import annotations

import itertools
import os
import unicodedata
import zlib
from datetime import date
from typing import Any

from faker import Faker
from faker.providers import BaseProvider

from mocks import data
from mocks.core.identifiers import MOBILE_PREFIXES, compose_citizen_id

FAMILY_NAMES = (  # weighted roughly by frequency
    ("Nguyễn", 38), ("Trần", 11), ("Lê", 9), ("Phạm", 7), ("Huỳnh", 5), ("Hoàng", 3), ("Phan", 4),
    ("Võ", 4), ("Vũ", 2), ("Đặng", 2), ("Bùi", 2), ("Đỗ", 2), ("Hồ", 2), ("Ngô", 1), ("Dương", 1), ("Lý", 1),
)
MIDDLE_NAMES = {
    "male": ("Văn", "Hữu", "Đức", "Minh", "Quang", "Thanh", "Công", "Ngọc", "Xuân", "Tấn"),
    "female": ("Thị", "Ngọc", "Thu", "Thanh", "Kim", "Mỹ", "Thị Thu", "Thị Ngọc", "Hoài", "Bích"),
}
GIVEN_NAMES = {
    "male": ("Anh", "Bảo", "Cường", "Dũng", "Hùng", "Hải", "Hiếu", "Khoa", "Long", "Minh", "Nam", "Phúc",
             "Quân", "Sơn", "Tài", "Thắng", "Trung", "Tuấn", "Việt", "Vinh", "Lộc", "Định"),
    "female": ("Anh", "Chi", "Dung", "Giang", "Hà", "Hạnh", "Hoa", "Hương", "Lan", "Linh", "Mai", "Ngân",
               "Nhung", "Oanh", "Phương", "Quyên", "Thảo", "Trang", "Uyên", "Yến", "Vy", "My"),
}
STREETS = ("Phan Chu Trinh", "Hùng Vương", "Trần Cao Vân", "Nguyễn Hoàng", "Lê Lợi", "Hai Bà Trưng",
           "Trần Hưng Đạo", "Nguyễn Du", "Bạch Đằng", "Huỳnh Thúc Kháng", "Phan Bội Châu", "Lý Thường Kiệt")
BUSINESS_KINDS = ("Công ty TNHH", "Công ty Cổ phần", "Doanh nghiệp tư nhân", "Hợp tác xã")
BUSINESS_TRADES = ("Thương mại", "Xây dựng", "Du lịch", "Dịch vụ", "Nông sản", "Thủy sản", "Vận tải", "May mặc")
BIRTH_PROVINCES = (("049", 80), ("048", 8), ("051", 5), ("001", 3), ("079", 4))


def ascii_fold(text: str) -> str:
    """'Nguyễn Thị Đào' -> 'Nguyen Thi Dao'."""
    text = text.replace("Đ", "D").replace("đ", "d")
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


class VietnamProvider(BaseProvider):
    """Faker provider: ID numbers, names in Vietnamese order, mobiles, Quảng Nam addresses, tax codes."""

    def _weighted(self, pairs: tuple[tuple[str, int], ...]) -> str:
        values, weights = zip(*pairs, strict=True)
        return str(self.generator.random.choices(values, weights=weights, k=1)[0])

    def birth_province_code(self) -> str:
        return self._weighted(BIRTH_PROVINCES)

    def gender(self) -> str:
        return self.random_element(("male", "female"))

    def vn_name(self, gender: str | None = None) -> str:
        gender = gender or self.gender()
        family = self._weighted(FAMILY_NAMES)
        return f"{family} {self.random_element(MIDDLE_NAMES[gender])} {self.random_element(GIVEN_NAMES[gender])}"

    def birth_date(self, min_age: int = 18, max_age: int = 70, today: date | None = None) -> date:
        today = today or date(2022, 1, 1)
        year = today.year - self.random_int(min_age, max_age)
        return date(year, self.random_int(1, 12), self.random_int(1, 28))

    def citizen_id(self, gender: str | None = None, birth_year: int | None = None,
                   province_code: str | None = None) -> str:
        """A 12-digit ID number (số định danh cá nhân) that the national emulator accepts."""
        return compose_citizen_id(
            province_code or self.birth_province_code(),
            gender or self.gender(),
            birth_year or self.birth_date().year,
            self.random_int(0, 999_999),
        )

    def vn_mobile(self, carrier: str | None = None) -> str:
        carrier = carrier or self.random_element(tuple(MOBILE_PREFIXES))
        return self.random_element(MOBILE_PREFIXES[carrier]) + f"{self.random_int(0, 9_999_999):07d}"

    def tax_code(self, branch: bool = False) -> str:
        code = "40" + f"{self.random_int(0, 99_999_999):08d}"  # Quảng Nam businesses start with 40
        return f"{code}-{self.random_int(1, 999):03d}" if branch else code

    def business_name(self) -> str:
        trade = self.random_element(BUSINESS_TRADES)
        place = self.random_element(("Quảng Nam", "Tam Kỳ", "Hội An", "Điện Bàn", "Núi Thành", "Thăng Bình"))
        return f"{self.random_element(BUSINESS_KINDS)} {trade} {place} {self.random_int(1, 99)}"

    def dn_address(self) -> dict[str, str]:
        """An address of thành phố Đà Nẵng from 1 July 2025, two levels: street, commune (ward), province (city)."""
        communes = [c for c in data.units("danang")["communes"] if c["kind"] != "đặc khu"]   # Hoàng Sa: no one
        commune = self.random_element(communes)
        street = f"{self.random_int(1, 300)} {self.random_element(STREETS)}"
        return {"street": street, "commune": commune["name"], "commune_code": commune["code"], "district": "",
                "district_code": "", "province": "Đà Nẵng", "full": f"{street}, {commune['name']}, Đà Nẵng"}

    def qn_address(self) -> dict[str, str]:
        """A Quảng Nam address from the unit data: street, commune, district, province."""
        units = data.units()
        commune = self.random_element(units["communes"])
        district = next(d for d in units["districts"] if d["code"] == commune["district"])
        street = f"{self.random_int(1, 300)} {self.random_element(STREETS)}"
        return {"street": street, "commune": commune["name"], "commune_code": commune["code"],
                "district": district["name"], "district_code": district["code"], "province": "Quảng Nam",
                "full": f"{street}, {commune['name']}, {district['name']}, Quảng Nam"}


class DataFactory:
    """Accounts and applicants for the emulators, reproducible from a seed.

    Every value that must be unique (ID numbers, tax codes, e-mails) carries a serial from
    this factory and a `scope` (say, the worker or process id), so parallel users never
    collide even with the same seed.
    """

    def __init__(self, seed: int | None = None, *, scope: str | None = None, two_levels: bool = False) -> None:
        """two_levels: addresses of the two-tier world (from 1 July 2025: thành phố Đà Nẵng, province and commune)."""
        self.two_levels = two_levels
        self.faker = Faker("vi_VN")
        self.faker.add_provider(VietnamProvider)
        if seed is not None:
            self.faker.seed_instance(seed)
        self.scope = scope if scope is not None else str(os.getpid())
        self._serial = itertools.count(1)

    def _unique(self) -> int:
        return next(self._serial)

    def _serial_digits(self, serial: int) -> int:
        return (zlib.crc32(self.scope.encode()) % 1000) * 1000 + serial % 1000

    def _email(self, name: str, serial: int) -> str:
        local = ".".join(ascii_fold(name).lower().split()[-2:])
        return f"{local}.{self.scope}.{serial}@example.com".replace(" ", "")

    def citizen(self, **overrides: Any) -> dict[str, Any]:
        """A citizen's registration for the national portal (POST /api/v1/accounts)."""
        f = self.faker
        serial = self._unique()
        gender = overrides.pop("gender", None) or f.gender()
        born = f.birth_date()
        name = f.vn_name(gender)
        # the 6 "random" digits: the scope's hash and the serial keep them apart across factories
        id_number = compose_citizen_id(f.birth_province_code(), gender, born.year, self._serial_digits(serial))
        account = {
            "account_type": "citizen", "id_number": id_number, "full_name": name, "gender": gender,
            "birth_date": born.isoformat(), "phone": f.vn_mobile(), "email": self._email(name, serial),
            "password": f"Dvc{f.random_int(100000, 999999)}x", "address": self._address()["full"],
        }
        account.update(overrides)
        return account

    def business(self, **overrides: Any) -> dict[str, Any]:
        f = self.faker
        serial = self._unique()
        name = f.vn_name()
        account = {
            "account_type": "business",
            "tax_code": f"40{f.random_int(0, 99) * 1_000_000 + self._serial_digits(serial):08d}",
            "business_name": f.business_name(), "full_name": name, "phone": f.vn_mobile(),
            "email": self._email(name, serial), "password": f"Dvc{f.random_int(100000, 999999)}x",
            "address": self._address()["full"],
        }
        account.update(overrides)
        return account

    def agency(self, **overrides: Any) -> dict[str, Any]:
        f = self.faker
        serial = self._unique()
        agency = f.random_element([a for a in data.agencies() if a["tier"] != "province"])
        name = f.vn_name()
        account = {
            "account_type": "agency", "agency_code": agency["code"], "agency_name": agency["name"],
            "full_name": name, "phone": f.vn_mobile(), "email": self._email(name, serial),
            "password": f"Dvc{f.random_int(100000, 999999)}x",
        }
        account.update(overrides)
        return account

    def officer(self, agency_code: str, role: str, **overrides: Any) -> dict[str, Any]:
        """An officer of the one-stop back office (role: desk, specialist, leader) for /_admin/officers."""
        f = self.faker
        serial = self._unique()
        name = f.vn_name()
        officer = {"username": f"{role}.{self.scope}.{serial}".lower()[:64], "full_name": name,
                   "agency_code": agency_code, "role": role, "password": f"CanBo{f.random_int(100000, 999999)}x",
                   "email": self._email(name, serial)}
        officer.update(overrides)
        return officer

    def _address(self) -> dict[str, str]:
        return self.faker.dn_address() if self.two_levels else self.faker.qn_address()

    def postal_address(self, account: dict[str, Any] | None = None) -> dict[str, str]:
        """A delivery address for a postal return: in Quảng Nam, three levels; in thành phố Đà Nẵng, province and
        commune, for a factory of two-level addresses (`district` is "")."""
        address = self._address()
        return {
            "name": (account or {}).get("full_name") or self.faker.vn_name(),
            "phone": (account or {}).get("phone") or self.faker.vn_mobile(),
            "address": address["street"], "commune": address["commune"], "district": address["district"],
            "province": address["province"],
        }
