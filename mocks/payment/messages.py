"""Reading the partner's messages (docs/protocols.md, "Payment platform"): shape, version, fields.

Every field is checked and every problem is reported at once (MaLoi "03"), so a
developer wiring a real portal sees all that is wrong in one answer.
"""

from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import dataclass, field
from typing import Any

from mocks.core.timefmt import from_wire

from .codes import INVALID_DATA, PaymentError

KINDS = ("INIT", "QUERY", "GET_BILL")
VERSION = re.compile(r"^1\.0\.\d{1,3}$")           # "1.0.6"; any 1.0.x is accepted
REFERENCE = re.compile(r"^[A-Za-z0-9._\-]{1,64}$")
PARTNER_CODE = re.compile(r"^[A-Za-z0-9._\-]{1,64}$")
DIGITS = re.compile(r"^[1-9][0-9]{0,11}$")
MAX_AMOUNT = 100_000_000_000                        # 10^11 đồng
LANGUAGES = ("vi-VN", "en-US")
MAX_FEE_ITEMS = 50

# Banks and wallets offered on the checkout: code -> (short name shown, full name).
BANKS: dict[str, tuple[str, str]] = {
    "VCB": ("Vietcombank", "Ngân hàng TMCP Ngoại thương Việt Nam"),
    "CTG": ("VietinBank", "Ngân hàng TMCP Công Thương Việt Nam"),
    "BIDV": ("BIDV", "Ngân hàng TMCP Đầu tư và Phát triển Việt Nam"),
    "VBA": ("Agribank", "Ngân hàng Nông nghiệp và Phát triển Nông thôn Việt Nam"),
    "MB": ("MB", "Ngân hàng TMCP Quân đội"),
    "TCB": ("Techcombank", "Ngân hàng TMCP Kỹ Thương Việt Nam"),
    "MOMO": ("MoMo", "Ví điện tử MoMo"),
    "ZALOPAY": ("ZaloPay", "Ví điện tử ZaloPay"),
    "VNPTMONEY": ("VNPT Money", "Ví điện tử VNPT Money"),
}


@dataclass(frozen=True)
class InitRequest:
    partner_code: str
    reference: str
    amount: int
    currency: str
    language: str
    channel: str
    device: str
    bank_code: str
    description: str
    client_time: str
    ip: str
    receipt_info: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class LookupRequest:
    """QUERY and GET_BILL."""

    kind: str
    partner_code: str
    reference: str
    client_time: str


class Problems:
    def __init__(self) -> None:
        self.items: list[dict[str, str]] = []

    def add(self, name: str, vi: str, en: str) -> None:
        self.items.append({"field": name, "problem": en, "problem_vi": vi})

    def raise_if_any(self) -> None:
        if self.items:
            names = ", ".join(dict.fromkeys(p["field"] for p in self.items))
            raise PaymentError(INVALID_DATA, f"Dữ liệu không hợp lệ: {names}.", f"Invalid data: {names}.",
                               details=self.items)


def text(message: dict[str, Any], name: str, problems: Problems, *, required: bool = True, max_len: int = 255,
         pattern: re.Pattern[str] | None = None, choices: tuple[str, ...] | None = None, label: str = "") -> str:
    """A string field; '' when absent (and optional) or wrong (the problem is recorded)."""
    label = label or name
    value = message.get(name)
    if value is None or value == "":
        if required:
            problems.add(label, "Thiếu trường bắt buộc.", "Required field is missing.")
        return ""
    if not isinstance(value, str):
        problems.add(label, "Phải là chuỗi ký tự.", "Must be a string.")
        return ""
    if len(value) > max_len:
        problems.add(label, f"Dài quá {max_len} ký tự.", f"Longer than {max_len} characters.")
        return ""
    if choices is not None and value not in choices:
        problems.add(label, f"Chỉ nhận: {', '.join(choices)}.", f"Must be one of: {', '.join(choices)}.")
        return ""
    if pattern is not None and not pattern.match(value):
        problems.add(label, "Sai định dạng.", f"Does not match {pattern.pattern}.")
        return ""
    return value


def amount(value: Any, label: str, problems: Problems) -> int:
    """A positive whole number of đồng up to 10^11: a JSON integer or a string of digits."""
    if value is None or value == "":
        problems.add(label, "Thiếu số tiền.", "Required amount is missing.")
        return 0
    if isinstance(value, bool) or not isinstance(value, int | str):
        problems.add(label, "Số tiền phải là số nguyên.", "The amount must be an integer.")
        return 0
    if isinstance(value, str):
        if not DIGITS.match(value):
            problems.add(label, "Số tiền phải là số nguyên dương.", "The amount must be a positive integer.")
            return 0
        value = int(value)
    if not 1 <= value <= MAX_AMOUNT:
        problems.add(label, "Số tiền phải từ 1 đến 100.000.000.000 đồng.",
                     "The amount must be between 1 and 100,000,000,000 VND.")
        return 0
    return value


def wire_time(message: dict[str, Any], name: str, problems: Problems) -> str:
    value = text(message, name, problems, max_len=14)
    if value:
        try:
            from_wire(value)
        except ValueError:
            problems.add(name, "Thời gian phải theo định dạng yyyyMMddHHmmss.", "The time must be yyyyMMddHHmmss.")
            return ""
    return value


def envelope(message: Any) -> tuple[str, str]:
    """The message kind and the partner code, checked before the signature."""
    if not isinstance(message, dict):
        raise PaymentError(INVALID_DATA, "Bản tin phải là một đối tượng JSON.", "The message must be a JSON object.")
    try:  # lone surrogates ("\ud800") parse as JSON but can be neither signed nor stored
        json.dumps(message, ensure_ascii=False).encode("utf-8")
    except (UnicodeEncodeError, ValueError, RecursionError):
        raise PaymentError(INVALID_DATA, "Bản tin chứa ký tự không hợp lệ.",
                           "The message contains invalid characters.") from None
    problems = Problems()
    kind = text(message, "LoaiBanTin", problems, choices=KINDS)
    text(message, "PhienBan", problems, max_len=16, pattern=VERSION)
    partner = text(message, "MaDoiTac", problems, max_len=64, pattern=PARTNER_CODE)
    problems.raise_if_any()
    return kind, partner


def parse_lookup(message: dict[str, Any]) -> LookupRequest:
    problems = Problems()
    reference = text(message, "MaThamChieu", problems, max_len=64, pattern=REFERENCE)
    client_time = wire_time(message, "ThoiGianGD", problems)
    problems.raise_if_any()
    return LookupRequest(message["LoaiBanTin"], message["MaDoiTac"], reference, client_time)


def parse_init(message: dict[str, Any]) -> InitRequest:
    problems = Problems()
    reference = text(message, "MaThamChieu", problems, max_len=64, pattern=REFERENCE)
    total = amount(message.get("SoTien"), "SoTien", problems)
    text(message, "LoaiHinhThanhToan", problems, choices=("PAY",))
    currency = text(message, "MaTienTe", problems, choices=("VND",))
    language = text(message, "NgonNgu", problems, choices=LANGUAGES)
    client_time = wire_time(message, "ThoiGianGD", problems)
    channel = text(message, "MaKenhThanhToan", problems, required=False, max_len=32)
    device = text(message, "MaThietBi", problems, required=False, max_len=64)
    bank_code = text(message, "MaNganHang", problems, required=False, max_len=32)
    if bank_code and bank_code not in BANKS:
        problems.add("MaNganHang", f"Mã ngân hàng không hỗ trợ; dùng: {', '.join(BANKS)}.",
                     f"Unsupported bank code; use one of: {', '.join(BANKS)}.")
        bank_code = ""
    description = text(message, "ThongTinGiaoDich", problems, required=False, max_len=500)
    ip = text(message, "Ip", problems, required=False, max_len=45)
    if ip:
        try:
            ipaddress.ip_address(ip)
        except ValueError:
            problems.add("Ip", "Địa chỉ IP không hợp lệ.", "Not an IP address.")
    receipt = receipt_info(message.get("ThongTinBienLai"), total, problems)
    problems.raise_if_any()
    return InitRequest(message["MaDoiTac"], reference, total, currency, language, channel, device, bank_code,
                       description, client_time, ip, receipt)


RECEIPT_TEXT_FIELDS: dict[str, int] = {
    "MaHoSo": 64, "MaTTHC": 64, "TenTTHC": 500, "MaDonVi": 64, "TenDonVi": 255, "HoTenNguoiNop": 200,
    "SoCMNDNguoiNop": 20, "DiaChiNguoiNop": 500, "SoDienThoaiNguoiNop": 20, "EmailNguoiNop": 255, "GhiChu": 500,
}


def receipt_info(value: Any, total: int, problems: Problems) -> dict[str, Any]:
    """ThongTinBienLai: what the e-receipt says. Known fields are checked; others are kept as they are."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        problems.add("ThongTinBienLai", "Phải là một đối tượng JSON.", "Must be a JSON object.")
        return {}
    info = dict(value)
    for name, max_len in RECEIPT_TEXT_FIELDS.items():
        info[name] = text(value, name, problems, required=False, max_len=max_len, label=f"ThongTinBienLai.{name}")
    fees = value.get("PhiLePhi")
    if fees is None:
        info["PhiLePhi"] = []
        return info
    if not isinstance(fees, list) or len(fees) > MAX_FEE_ITEMS:
        problems.add("ThongTinBienLai.PhiLePhi", f"Phải là danh sách tối đa {MAX_FEE_ITEMS} khoản.",
                     f"Must be a list of at most {MAX_FEE_ITEMS} items.")
        return info
    items = []
    for i, fee in enumerate(fees):
        label = f"ThongTinBienLai.PhiLePhi[{i}]"
        if not isinstance(fee, dict):
            problems.add(label, "Phải là một đối tượng JSON.", "Must be a JSON object.")
            continue
        name = text(fee, "TenPhiLePhi", problems, max_len=255, label=f"{label}.TenPhiLePhi")
        items.append({**fee, "TenPhiLePhi": name, "SoTien": amount(fee.get("SoTien"), f"{label}.SoTien", problems)})
    info["PhiLePhi"] = items
    if items and total and all(item["SoTien"] for item in items) and sum(i["SoTien"] for i in items) != total:
        problems.add("ThongTinBienLai.PhiLePhi", "Tổng các khoản phí, lệ phí phải bằng SoTien.",
                     "The fee items must add up to SoTien.")
    return info
