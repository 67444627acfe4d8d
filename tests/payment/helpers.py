"""Message builders shared by the payment tests."""

from __future__ import annotations

from typing import Any

from mocks.core.signing import sign

PROCEDURE_FEE = 200_000


def init_message(partner: str, secret: str, reference: str, *, amount: Any = PROCEDURE_FEE, signed: bool = True,
                 **overrides: Any) -> dict[str, Any]:
    message: dict[str, Any] = {
        "LoaiBanTin": "INIT", "PhienBan": "1.0.6", "MaDoiTac": partner, "MaThamChieu": reference,
        "SoTien": amount, "LoaiHinhThanhToan": "PAY", "MaKenhThanhToan": "WEB", "MaThietBi": "WEB",
        "NgonNgu": "vi-VN", "MaTienTe": "VND", "MaNganHang": "", "ThongTinGiaoDich": "Lệ phí cấp phiếu lý lịch tư pháp",
        "ThoiGianGD": "20240315090000", "Ip": "203.113.1.10",
        "ThongTinBienLai": {
            "MaHoSo": "000.00.12.H47-240315-0001", "MaTTHC": "2.000488", "MaDonVi": "000.00.12.H47",
            "HoTenNguoiNop": "Nguyễn Thị Thu Hà", "SoCMNDNguoiNop": "049301001234",
            "PhiLePhi": [{"TenPhiLePhi": "Lệ phí cấp phiếu lý lịch tư pháp", "SoTien": amount}],
        },
    }
    message.update(overrides)
    return sign(message, "INIT", secret) if signed else message


def lookup_message(kind: str, partner: str, secret: str, reference: str, **overrides: Any) -> dict[str, Any]:
    message: dict[str, Any] = {"LoaiBanTin": kind, "PhienBan": "1.0.6", "MaDoiTac": partner,
                               "MaThamChieu": reference, "ThoiGianGD": "20240315091000"}
    message.update(overrides)
    return sign(message, kind, secret)
