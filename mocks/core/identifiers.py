"""Vietnamese identifiers: citizen ID numbers, tax codes, mobile numbers, dossier codes.

One definition, used by the national emulator to validate and by the harness's test
data factory to generate, so the two can never disagree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

# Province codes of the 12-digit ID number (province of birth registration).
PROVINCE_CODES: dict[str, str] = {
    "001": "Hà Nội", "002": "Hà Giang", "004": "Cao Bằng", "006": "Bắc Kạn", "008": "Tuyên Quang",
    "010": "Lào Cai", "011": "Điện Biên", "012": "Lai Châu", "014": "Sơn La", "015": "Yên Bái",
    "017": "Hòa Bình", "019": "Thái Nguyên", "020": "Lạng Sơn", "022": "Quảng Ninh", "024": "Bắc Giang",
    "025": "Phú Thọ", "026": "Vĩnh Phúc", "027": "Bắc Ninh", "030": "Hải Dương", "031": "Hải Phòng",
    "033": "Hưng Yên", "034": "Thái Bình", "035": "Hà Nam", "036": "Nam Định", "037": "Ninh Bình",
    "038": "Thanh Hóa", "040": "Nghệ An", "042": "Hà Tĩnh", "044": "Quảng Bình", "045": "Quảng Trị",
    "046": "Thừa Thiên Huế", "048": "Đà Nẵng", "049": "Quảng Nam", "051": "Quảng Ngãi", "052": "Bình Định",
    "054": "Phú Yên", "056": "Khánh Hòa", "058": "Ninh Thuận", "060": "Bình Thuận", "062": "Kon Tum",
    "064": "Gia Lai", "066": "Đắk Lắk", "067": "Đắk Nông", "068": "Lâm Đồng", "070": "Bình Phước",
    "072": "Tây Ninh", "074": "Bình Dương", "075": "Đồng Nai", "077": "Bà Rịa - Vũng Tàu", "079": "TP Hồ Chí Minh",
    "080": "Long An", "082": "Tiền Giang", "083": "Bến Tre", "084": "Trà Vinh", "086": "Vĩnh Long",
    "087": "Đồng Tháp", "089": "An Giang", "091": "Kiên Giang", "092": "Cần Thơ", "093": "Hậu Giang",
    "094": "Sóc Trăng", "095": "Bạc Liêu", "096": "Cà Mau",
}

# Century/gender digit: 1900s male 0, female 1; 2000s male 2, female 3.
CENTURY_GENDER: dict[str, tuple[int, str]] = {"0": (1900, "male"), "1": (1900, "female"),
                                               "2": (2000, "male"), "3": (2000, "female")}

MOBILE_PREFIXES: dict[str, tuple[str, ...]] = {
    "Viettel": ("032", "033", "034", "035", "036", "037", "038", "039", "086", "096", "097", "098"),
    "Vinaphone": ("081", "082", "083", "084", "085", "088", "091", "094"),
    "MobiFone": ("070", "076", "077", "078", "079", "089", "090", "093"),
    "Vietnamobile": ("056", "058", "092"),
    "Gmobile": ("059", "099"),
}
PREFIX_CARRIER: dict[str, str] = {p: carrier for carrier, ps in MOBILE_PREFIXES.items() for p in ps}

_CITIZEN_ID = re.compile(r"^\d{12}$", re.ASCII)
_OLD_ID = re.compile(r"^\d{9}$", re.ASCII)
_TAX_CODE = re.compile(r"^\d{10}(-\d{3})?$", re.ASCII)
_AGENCY_CODE = re.compile(r"^\d{3}\.\d{2}\.\d{2}\.H\d{2}$", re.ASCII)


class InvalidIdentifier(ValueError):
    """A malformed identifier; `vi` and `en` say why."""

    def __init__(self, code: str, vi: str, en: str) -> None:
        super().__init__(en)
        self.code, self.vi, self.en = code, vi, en


@dataclass(frozen=True)
class CitizenId:
    number: str
    province_code: str
    province: str
    gender: str          # "male" | "female"
    birth_year: int


def parse_citizen_id(number: str, *, today: date | None = None) -> CitizenId:
    """Check a 12-digit ID number (số định danh cá nhân); InvalidIdentifier says what is wrong."""
    number = (number or "").strip()
    if not _CITIZEN_ID.match(number):
        raise InvalidIdentifier("INVALID_ID_NUMBER", "Số định danh cá nhân phải gồm đúng 12 chữ số.",
                                "The personal ID number must be exactly 12 digits.")
    province_code = number[:3]
    if province_code not in PROVINCE_CODES:
        raise InvalidIdentifier("INVALID_ID_NUMBER",
                                f"Mã tỉnh nơi đăng ký khai sinh '{province_code}' không tồn tại.",
                                f"Unknown province-of-birth code '{province_code}'.")
    century_digit = number[3]
    if century_digit not in CENTURY_GENDER:
        raise InvalidIdentifier("INVALID_ID_NUMBER",
                                f"Mã thế kỷ và giới tính '{century_digit}' không hợp lệ (0–3).",
                                f"Century/gender digit '{century_digit}' is not valid (0-3).")
    century, gender = CENTURY_GENDER[century_digit]
    birth_year = century + int(number[4:6])
    today = today or date.today()
    if birth_year > today.year:
        raise InvalidIdentifier("INVALID_ID_NUMBER", f"Năm sinh {birth_year} nằm trong tương lai.",
                                f"Birth year {birth_year} is in the future.")
    return CitizenId(number, province_code, PROVINCE_CODES[province_code], gender, birth_year)


def compose_citizen_id(province_code: str, gender: str, birth_year: int, serial: int) -> str:
    """The ID number for these facts; `serial` is the 6-digit random part."""
    if province_code not in PROVINCE_CODES:
        raise ValueError(f"unknown province code {province_code}")
    if not 1900 <= birth_year <= 2099:
        raise ValueError("birth year must be in 1900-2099")
    century = 0 if birth_year < 2000 else 2
    digit = century + (1 if gender == "female" else 0)
    return f"{province_code}{digit}{birth_year % 100:02d}{serial % 1_000_000:06d}"


def is_old_id(number: str) -> bool:
    """A 9-digit identity card number (CMND)."""
    return bool(_OLD_ID.match(number or ""))


def check_tax_code(code: str) -> str:
    code = (code or "").strip()
    if not _TAX_CODE.match(code):
        raise InvalidIdentifier("INVALID_TAX_CODE",
                                "Mã số thuế phải gồm 10 chữ số, chi nhánh thêm '-' và 3 chữ số.",
                                "A tax code is 10 digits; a branch adds '-' and 3 digits.")
    return code


def check_agency_code(code: str) -> str:
    """An agency code of Circular 01/2018's shape `000.00.00.H47` (upper-cased)."""
    code = (code or "").strip().upper()
    if not _AGENCY_CODE.match(code):
        raise InvalidIdentifier("INVALID_AGENCY_CODE", "Mã cơ quan phải có dạng 000.00.00.H47.",
                                "An agency code looks like 000.00.00.H47.")
    return code


def normalise_mobile(number: str) -> str:
    """'+84 912 345 678' -> '0912345678'; InvalidIdentifier when it is no Vietnamese mobile number."""
    digits = re.sub(r"[\s.\-()]", "", number or "")
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    if not (len(digits) == 10 and digits.isascii() and digits.isdigit() and digits[:3] in PREFIX_CARRIER):
        raise InvalidIdentifier("INVALID_PHONE",
                                "Số điện thoại di động phải gồm 10 chữ số với đầu số của nhà mạng Việt Nam.",
                                "A mobile number is 10 digits with a Vietnamese carrier prefix.")
    return digits


def carrier(number: str) -> str:
    return PREFIX_CARRIER[normalise_mobile(number)[:3]]


# -- dossier codes ---------------------------------------------------------------------------------------------
# AGENCY-YYMMDD-NNNN (Circular 01/2018 Art. 19): the agency's identifier, the day of receipt and a
# 4-digit counter that restarts each day per agency. Four digits hold 9,999 dossiers an agency a day, no more.
DAILY_DOSSIER_NUMBERS = 9999
_DOSSIER_CODE = re.compile(r"^(\d{3}\.\d{2}\.\d{2}\.H\d{2})-(\d{6})-(\d{4})$", re.ASCII)


@dataclass(frozen=True)
class DossierCode:
    code: str
    agency_code: str
    day: date
    number: int


def parse_dossier_code(code: object) -> DossierCode:
    """Check a dossier code (MaHoSo); InvalidIdentifier says what is wrong with it: its shape, its date or its
    number (`vi` and `en` read after the code's name: "MaHoSo must look like ...")."""
    match = _DOSSIER_CODE.match(code) if isinstance(code, str) else None
    if match is None or not isinstance(code, str):
        raise InvalidIdentifier("INVALID_DOSSIER_CODE", "phải có dạng 000.00.00.H47-yyMMdd-nnnn",
                                "must look like 000.00.00.H47-yyMMdd-nnnn")
    agency, day, number = match.groups()
    try:
        moment = datetime.strptime(day, "%y%m%d").date()
    except ValueError:
        raise InvalidIdentifier("INVALID_DOSSIER_CODE", f"có ngày '{day}' không tồn tại (yyMMdd)",
                                f"has a date '{day}' that does not exist (yyMMdd)") from None
    if int(number) == 0:
        raise InvalidIdentifier("INVALID_DOSSIER_CODE", "có số thứ tự 0000 (số thứ tự bắt đầu từ 0001)",
                                "has the number 0000 (numbers start at 0001)")
    return DossierCode(code, agency, moment, int(number))


def compose_dossier_code(agency_code: str, day: date, number: int) -> str:
    """The code of an agency's `number`th dossier of `day`; ValueError beyond what four digits hold."""
    if not 1 <= number <= DAILY_DOSSIER_NUMBERS:
        raise ValueError(f"a dossier number is 1-{DAILY_DOSSIER_NUMBERS}, not {number}")
    return f"{agency_code}-{day:%y%m%d}-{number:04d}"
