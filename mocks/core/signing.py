"""MaXacThuc: the SHA-256 signature of the payment platform's messages (docs/protocols.md, "Payment platform").

The signature is the lowercase hex SHA-256 of the listed fields' values joined by `|`
with the shared secret last. The field order per message kind is the protocol's.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from typing import Any

INIT_FIELDS: tuple[str, ...] = (
    "LoaiBanTin", "PhienBan", "MaDoiTac", "MaThamChieu", "SoTien", "LoaiHinhThanhToan",
    "MaKenhThanhToan", "MaThietBi", "NgonNgu", "MaTienTe", "MaNganHang", "ThongTinGiaoDich",
    "ThoiGianGD", "Ip",
)
QUERY_FIELDS: tuple[str, ...] = ("LoaiBanTin", "PhienBan", "MaDoiTac", "MaThamChieu", "ThoiGianGD")
CONFIRM_FIELDS: tuple[str, ...] = (
    "LoaiBanTin", "MaLoi", "MaDoiTac", "MaThamChieu", "SoTien", "MaTienTe", "MaGiaoDich",
    "MaNganHang", "ThoiGianGD", "ThongTinGiaoDich",
)

FIELDS_BY_KIND: dict[str, tuple[str, ...]] = {
    "INIT": INIT_FIELDS,
    "QUERY": QUERY_FIELDS,
    "GET_BILL": QUERY_FIELDS,
    "CONFIRM": CONFIRM_FIELDS,
}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def ma_xac_thuc(message: Mapping[str, Any], fields: Sequence[str], secret: str) -> str:
    """The signature of `message` over `fields`, in that order."""
    joined = "|".join([_text(message.get(f)) for f in fields] + [secret])
    # surrogatepass: a lone surrogate in a hostile message must give a wrong signature, not a crash
    return hashlib.sha256(joined.encode("utf-8", "surrogatepass")).hexdigest()


def sign(message: Mapping[str, Any], kind: str, secret: str) -> dict[str, Any]:
    """A copy of `message` with its MaXacThuc for the message kind (INIT, QUERY, GET_BILL, CONFIRM)."""
    signed = dict(message)
    signed["MaXacThuc"] = ma_xac_thuc(message, FIELDS_BY_KIND[kind], secret)
    return signed


def verify(message: Mapping[str, Any], kind: str, secret: str) -> bool:
    """True when the message carries the right MaXacThuc; compared in constant time."""
    given = message.get("MaXacThuc")
    if not isinstance(given, str):
        return False
    expected = ma_xac_thuc(message, FIELDS_BY_KIND[kind], secret)
    return safe_equal(given.lower(), expected)


def safe_equal(given: str, expected: str) -> bool:
    """Constant-time comparison that also takes non-ASCII input (hmac.compare_digest refuses it)."""
    return hmac.compare_digest(given.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass"))
