"""Client of the payment platform emulator: the checkout as a citizen, and its admin."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

from mocks.core.signing import sign

from .base import ClientError, ServiceClient
from .forms import find_form


def init_message(partner_code: str, secret: str, reference: str, amount: int, *, when: str = "20220110090000",
                 dossier_code: str = "", info: str = "Thanh toán phí, lệ phí") -> dict[str, Any]:
    """A signed INIT message, as a partner (a portal) sends it to the payment platform."""
    message = {
        "LoaiBanTin": "INIT", "PhienBan": "1.0.6", "MaDoiTac": partner_code, "MaThamChieu": reference,
        "SoTien": amount, "LoaiHinhThanhToan": "PAY", "MaKenhThanhToan": "WEB", "MaThietBi": "PC",
        "NgonNgu": "vi-VN", "MaTienTe": "VND", "MaNganHang": "", "ThongTinGiaoDich": info, "ThoiGianGD": when,
        "Ip": "127.0.0.1",
    }
    if dossier_code:
        message["ThongTinBienLai"] = {"MaHoSo": dossier_code}
    return sign(message, "INIT", secret)


class PaymentClient(ServiceClient):
    def checkout(self, payment_url: str, *, action: str = "pay", bank: str = "VCB") -> dict[str, str]:
        """Act on the checkout page like a citizen (`pay`, `cancel`, `timeout`).

        Returns the query of the return URL the platform sends the citizen to (MaThamChieu,
        MaLoi, TrangThaiGD, ...) plus `return_url` itself; the return URL is not visited.
        """
        page = self.request("GET", payment_url)
        if page.status_code != 200:
            raise ClientError(page)
        form = find_form(page.text, page.url, having="csrf_token")
        data = form.data(action=action)
        if action == "pay":
            data["bank"] = bank
        answer = self.request("POST", form.action, data=data, allow_redirects=False)
        if answer.status_code != 303:
            raise ClientError(answer)
        location = answer.headers["location"]
        result = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
        result["return_url"] = location
        return result

    def transactions(self, reference: str | None = None) -> list[dict[str, Any]]:
        params = {"reference": reference} if reference else {}
        return self.call("GET", "/_admin/transactions", admin=True, params=params)["transactions"]

    def resolve(self, reference: str, outcome: str = "paid") -> Any:
        return self.call("POST", f"/_admin/transactions/{reference}/resolve", admin=True, json={"outcome": outcome})

    def partners(self) -> list[dict[str, Any]]:
        return self.call("GET", "/_admin/partners", admin=True)["partners"]

    def register_partner(self, code: str, name: str, callback_url: str, return_url: str, **extra: Any) -> Any:
        body = {"code": code, "name": name, "callback_url": callback_url, "return_url": return_url, **extra}
        return self.call("POST", "/_admin/partners", admin=True, json=body)
