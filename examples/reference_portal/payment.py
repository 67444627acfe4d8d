"""The payment platform: INIT / QUERY / GET_BILL, and the checks on what it sends back.

docs/protocols.md, "Payment platform": `POST /api/payment`, MaXacThuc = lowercase hex SHA-256 of the
listed fields joined by `|`, the partner secret last; the CONFIRM callback; the signed return URL.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import requests

from .config import Config

VERSION = "1.0.6"
TIMEOUT = 10
INIT_FIELDS = ("LoaiBanTin", "PhienBan", "MaDoiTac", "MaThamChieu", "SoTien", "LoaiHinhThanhToan", "MaKenhThanhToan",
               "MaThietBi", "NgonNgu", "MaTienTe", "MaNganHang", "ThongTinGiaoDich", "ThoiGianGD", "Ip")
QUERY_FIELDS = ("LoaiBanTin", "PhienBan", "MaDoiTac", "MaThamChieu", "ThoiGianGD")
CONFIRM_FIELDS = ("LoaiBanTin", "MaLoi", "MaDoiTac", "MaThamChieu", "SoTien", "MaTienTe", "MaGiaoDich", "MaNganHang",
                  "ThoiGianGD", "ThongTinGiaoDich")
RETURN_FIELDS = ("MaThamChieu", "MaLoi", "TrangThaiGD", "MaGiaoDich")
# TrangThaiGD -> our payment state
STATES = {0: "created", 1: "paid", 3: "pending", 4: "failed"}


class PaymentError(RuntimeError):
    pass


def signature(message: dict[str, Any], fields: tuple[str, ...], secret: str) -> str:
    values = ["" if message.get(f) is None else str(message.get(f)) for f in fields]
    return hashlib.sha256("|".join([*values, secret]).encode("utf-8")).hexdigest()


def signed_by_partner(message: dict[str, Any], fields: tuple[str, ...], secret: str) -> bool:
    return hmac.compare_digest(str(message.get("MaXacThuc", "")), signature(message, fields, secret))


class PaymentClient:
    def __init__(self, config: Config, http: requests.Session) -> None:
        self.config, self.http = config, http

    def _send(self, message: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
        message = {"PhienBan": VERSION, "MaDoiTac": self.config.partner_code, **message}
        message["MaXacThuc"] = signature(message, fields, self.config.partner_secret)
        try:
            answer = self.http.post(f"{self.config.payment}/api/payment", json=message, timeout=TIMEOUT)
            body = answer.json()
        except (requests.RequestException, ValueError) as exc:
            raise PaymentError(f"payment platform unreachable: {exc}") from exc
        if body.get("MaLoi") != "00":
            raise PaymentError(f"{message['LoaiBanTin']} refused: MaLoi {body.get('MaLoi')} {body.get('MoTaLoi', '')}")
        return dict(body)

    def init(self, reference: str, amount: int, when: str, description: str, receipt: dict[str, Any],
             ip: str) -> dict[str, Any]:
        return self._send({"LoaiBanTin": "INIT", "MaThamChieu": reference, "SoTien": amount,
                           "LoaiHinhThanhToan": "PAY", "NgonNgu": "vi-VN", "MaTienTe": "VND",
                           "ThongTinGiaoDich": description, "ThoiGianGD": when, "Ip": ip,
                           "ThongTinBienLai": receipt}, INIT_FIELDS)

    def query(self, reference: str, when: str) -> dict[str, Any]:
        return self._send({"LoaiBanTin": "QUERY", "MaThamChieu": reference, "ThoiGianGD": when}, QUERY_FIELDS)

    def bill(self, reference: str, when: str) -> dict[str, Any]:
        return self._send({"LoaiBanTin": "GET_BILL", "MaThamChieu": reference, "ThoiGianGD": when}, QUERY_FIELDS)


def register(config: Config, http: requests.Session) -> None:
    """Our partner entry: its secret, where confirmations go and where citizens come back."""
    answer = http.post(f"{config.payment}/_admin/partners", timeout=TIMEOUT,
                       headers={"X-Admin-Token": config.admin_token},
                       json={"code": config.partner_code, "secret": config.partner_secret,
                             "name": "Cổng DVC tham khảo (reference portal)",
                             "callback_url": f"{config.public_url}/api/payment/confirm",
                             "return_url": f"{config.public_url}/thanh-toan/ket-qua"})
    if answer.status_code not in (200, 201):
        raise PaymentError(f"registering the partner failed ({answer.status_code}): {answer.text[:200]}")
