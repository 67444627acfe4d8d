"""UPU S10 item identifiers (waybills, mã vận đơn): two letters, 8 digits, a check digit, a country code.

`EB123456785VN`: service indicator `EB`, serial `12345678`, check digit `5`, country `VN`.
The check digit weighs the serial's digits by 8, 6, 4, 2, 3, 5, 9, 7 and is
11 - (sum mod 11), with 10 written as 0 and 11 as 5 (UPU standard S10).
"""

from __future__ import annotations

import re

WEIGHTS: tuple[int, ...] = (8, 6, 4, 2, 3, 5, 9, 7)
_SHAPE = re.compile(r"^[A-Z]{2}\d{9}[A-Z]{2}$")


def check_digit(serial: str) -> int:
    """The S10 check digit of an 8-digit serial number."""
    if len(serial) != 8 or not serial.isdigit():
        raise ValueError(f"an S10 serial is 8 digits, not {serial!r}")
    check = 11 - sum(int(d) * w for d, w in zip(serial, WEIGHTS, strict=True)) % 11
    return {10: 0, 11: 5}.get(check, check)


def compose(service: str, serial: int, country: str = "VN") -> str:
    """The S10 code for a serial number: compose("EB", 12345678) == "EB123456785VN"."""
    if not (len(service) == 2 and service.isalpha() and service.isupper()):
        raise ValueError("the service indicator is two capital letters")
    if not 0 <= serial <= 99_999_999:
        raise ValueError("an S10 serial number has at most 8 digits")
    digits = f"{serial:08d}"
    return f"{service}{digits}{check_digit(digits)}{country}"


def is_valid(code: str) -> bool:
    """True for a well-formed S10 code whose check digit is right."""
    if not isinstance(code, str) or not _SHAPE.match(code):
        return False
    return check_digit(code[2:10]) == int(code[10])
