"""Who sees what of an e-receipt (`/bien-lai/{MaGiaoDich}`).

The decision: a receipt link travels by e-mail and SMS and is forwarded, so the link alone
is not a credential. Without one the page shows what proves the payment but does not name
the payer: receipt series and number, date, the collecting unit, the dossier and procedure
codes, the transaction id, the fees and the total, and the payer's name and ID number
masked ("Nguyễn V*** A", "********1234"). The free-text description is left out (a
partner may write anything there). The full receipt goes to the payer who opened the
checkout in this browser (the platform's session remembers it), to whoever shows the
checkout's token (`?token=`, the secret part of the checkout address), and to the admin
token (`X-Admin-Token`). A partner reads the full receipt with GET_BILL, a signed message.
"""

from __future__ import annotations

from typing import Any

from mocks.core.signing import safe_equal
from mocks.core.web import Session

from .model import PaymentTransaction

SEEN_CHECKOUTS = "seen_checkouts"  # session key: the transactions whose checkout this browser opened
MAX_SEEN = 20
PUBLIC_FIELDS: tuple[str, ...] = (
    "SoBienLai", "KyHieu", "NgayLap", "MaThamChieu", "MaGiaoDich", "SoTien", "MaTienTe", "MaNganHang",
    "TenNganHang", "DonViThuHuong", "MaHoSo", "MaTTHC", "MaDonVi", "PhiLePhi",
)


def mask_name(name: str) -> str:
    """The family name whole, the middle names' initials, the given name's initial: "Nguyễn V*** A"."""
    words = (name or "").split()
    if not words:
        return ""
    if len(words) == 1:
        return words[0][0] + "***"
    middle = [w[0] + "***" for w in words[1:-1]]
    return " ".join([words[0], *middle, words[-1][0]])


def mask_id_number(number: str) -> str:
    """Only the last 4 characters show: "********1234"."""
    number = (number or "").strip()
    if len(number) <= 4:
        return "*" * len(number)
    return "*" * (len(number) - 4) + number[-4:]


def public_bill(bill: dict[str, Any]) -> dict[str, Any]:
    """The receipt as anyone holding the link may see it."""
    shown = {k: bill[k] for k in PUBLIC_FIELDS if k in bill}
    # A partner that lists no fees gets the free-text description as its one fee's name: not shown either.
    free_text = bill.get("NoiDung") or None
    shown["PhiLePhi"] = [{"TenPhiLePhi": "Phí, lệ phí" if f.get("TenPhiLePhi") == free_text
                          else f.get("TenPhiLePhi", ""), "SoTien": f.get("SoTien", 0)}
                         for f in bill.get("PhiLePhi") or [] if isinstance(f, dict)]
    shown["HoTenNguoiNop"] = mask_name(bill.get("HoTenNguoiNop", ""))
    shown["SoCMNDNguoiNop"] = mask_id_number(bill.get("SoCMNDNguoiNop", ""))
    return shown


def _key(txn: PaymentTransaction) -> str:
    return f"{txn.partner_code}:{txn.reference}"


def remember_checkout(session: Session, txn: PaymentTransaction) -> None:
    """This browser opened the checkout of `txn`, so it held the checkout's token."""
    seen = [k for k in session.get(SEEN_CHECKOUTS) or [] if isinstance(k, str) and k != _key(txn)]
    session[SEEN_CHECKOUTS] = [*seen, _key(txn)][-MAX_SEEN:]


def may_see_everything(txn: PaymentTransaction, *, session: Session, token: str | None, admin_header: str | None,
                       admin_token: str) -> bool:
    if admin_header and safe_equal(admin_header, admin_token):
        return True
    if token and safe_equal(token, txn.token):
        return True
    return _key(txn) in (session.get(SEEN_CHECKOUTS) or [])
