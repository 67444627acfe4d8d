"""The e-receipt link is shared by e-mail and SMS: without proof it names no one (mocks/payment/receipts.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests

from harness.stack import Stack
from mocks.payment.receipts import mask_id_number, mask_name, public_bill

from .test_api import PaymentClient

NAME, ID_NUMBER = "Nguyễn Thị Thu Hà", "049301001234"  # the payer of tests/payment/helpers.py


def test_masks() -> None:
    assert mask_name("Nguyễn Văn An") == "Nguyễn V*** A"
    assert mask_name(" Nguyễn  Thị Thu Hà ") == "Nguyễn T*** T*** H"
    assert mask_name("Lan") == "L***" and mask_name("") == ""
    assert mask_id_number("049090001234") == "********1234"
    assert mask_id_number("123") == "***" and mask_id_number("") == ""


def test_the_public_bill_keeps_what_proves_the_payment_and_masks_the_payer() -> None:
    bill = {"SoBienLai": "0000001", "KyHieu": "BL-24", "MaGiaoDich": "PG24031500000001", "SoTien": 200_000,
            "MaHoSo": "000.00.12.H47-240315-0001", "HoTenNguoiNop": NAME, "SoCMNDNguoiNop": ID_NUMBER,
            "NoiDung": f"Lệ phí của {NAME}", "MaDonVi": "000.00.12.H47",
            "PhiLePhi": [{"TenPhiLePhi": "Lệ phí", "SoTien": 200_000, "GhiChu": NAME}]}
    shown = public_bill(bill)
    assert shown["HoTenNguoiNop"] == "Nguyễn T*** T*** H" and shown["SoCMNDNguoiNop"] == "********1234"
    assert NAME not in repr(shown) and ID_NUMBER not in repr(shown)  # free text is left out too
    assert {k: shown[k] for k in ("SoBienLai", "MaGiaoDich", "SoTien", "MaHoSo")} == {
        k: bill[k] for k in ("SoBienLai", "MaGiaoDich", "SoTien", "MaHoSo")}


def test_a_bill_without_fee_lines_does_not_show_the_description_as_its_fee() -> None:
    """A partner that sends no PhiLePhi gets its free-text description as the one fee's name (model.bill)."""
    description = f"Lệ phí của {NAME}, CCCD {ID_NUMBER}"
    bill = {"SoTien": 50_000, "NoiDung": description, "HoTenNguoiNop": "", "SoCMNDNguoiNop": "",
            "PhiLePhi": [{"TenPhiLePhi": description, "SoTien": 50_000}]}
    shown = public_bill(bill)
    assert shown["PhiLePhi"] == [{"TenPhiLePhi": "Phí, lệ phí", "SoTien": 50_000}]
    assert NAME not in repr(shown) and ID_NUMBER not in repr(shown)


@pytest.fixture
def client(dvc_stack: Stack, ns: str) -> Iterator[PaymentClient]:
    client = PaymentClient(dvc_stack, ns)
    yield client
    requests.post(f"{client.base}/_admin/reset", headers=client.admin, timeout=5)


def paid_receipt(client: PaymentClient) -> tuple[str, str]:
    """Pay a transaction in the client's browser; answers the receipt URL and the checkout URL."""
    url = client.init("HS-PRIV-1")["UrlThanhToan"]
    assert client.submit(url, "pay", "VCB").status_code == 303
    bill = client.lookup("GET_BILL", "HS-PRIV-1").json()
    return bill["UrlBienLai"], url


def test_without_log_in_the_receipt_shows_no_name_and_no_id_number(client: PaymentClient) -> None:
    receipt_url, _ = paid_receipt(client)
    stranger = requests.get(receipt_url, headers={"X-DVC-Namespace": client.ns}, timeout=5)
    assert stranger.status_code == 200
    page = stranger.text
    assert NAME not in page and ID_NUMBER not in page
    for text in ("Nguyễn T*** T*** H", "********1234", "200.000 đ", "000.00.12.H47-240315-0001",
                 receipt_url.rsplit("/", 1)[1], "Bản công khai của biên lai"):
        assert text in page
    wrong_token = requests.get(receipt_url, params={"token": "not-the-token"},
                               headers={"X-DVC-Namespace": client.ns, "X-Admin-Token": "not-the-admin"}, timeout=5)
    assert NAME not in wrong_token.text and ID_NUMBER not in wrong_token.text


def test_the_payer_the_checkout_token_and_the_admin_see_it_all(client: PaymentClient) -> None:
    receipt_url, checkout_url = paid_receipt(client)
    token = checkout_url.rsplit("/", 1)[1]
    ns = {"X-DVC-Namespace": client.ns}
    full = [
        client.http.get(receipt_url, timeout=5),  # the browser that opened the checkout
        requests.get(receipt_url, params={"token": token}, headers=ns, timeout=5),
        requests.get(receipt_url, headers=client.admin, timeout=5),
    ]
    for answer in full:
        assert answer.status_code == 200
        assert NAME in answer.text and ID_NUMBER in answer.text and "Bản công khai" not in answer.text
