"""Page objects of the payment platform emulator: the checkout and the e-receipt."""

from __future__ import annotations

import re

from playwright.sync_api import Locator, Page, expect

from scenarios.portal import CheckoutView, ReceiptView

from ._base import NAVIGATION_TIMEOUT_MS, expect_left, money, read_definition


class PaymentPages:
    """`scenarios.portal.PaymentCheckout` for the emulator (mocks/payment/templates)."""

    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url.rstrip("/")

    def _checkout(self) -> Locator:
        """The checkout's payment form (once the checkout page is shown)."""
        page = self.page
        expect(page.get_by_role("heading", name="Thanh toán phí, lệ phí trực tuyến", level=1)).to_be_visible(
            timeout=NAVIGATION_TIMEOUT_MS)
        return page.get_by_role("form", name="Phương thức thanh toán")

    def details(self) -> CheckoutView:
        form = self._checkout()
        info = self.page.get_by_role("region", name="Thông tin giao dịch")
        banks = form.get_by_role("radiogroup", name="Chọn ngân hàng hoặc ví điện tử")
        return CheckoutView(
            amount=money(read_definition(info, "Số tiền thanh toán")),
            reference=read_definition(info, "Mã tham chiếu"),
            dossier_code=read_definition(info, "Mã hồ sơ", required=False),
            banks=tuple(" ".join(t.split()) for t in banks.locator("label").all_inner_texts()),
        )

    def _leave(self, button: str) -> None:
        self._checkout().get_by_role("button", name=button, exact=True).click()
        expect_left(self.page, self.base_url)

    def pay(self, bank: str) -> None:
        form = self._checkout()
        form.get_by_role("radio", name=bank, exact=True).check()
        self._leave("Thanh toán")

    def cancel(self) -> None:
        self._leave("Hủy giao dịch")

    def bank_times_out(self) -> None:
        self._leave("Mô phỏng ngân hàng không phản hồi")

    def receipt(self) -> ReceiptView:
        page = self.page
        receipt = page.get_by_role("article", name="Biên lai điện tử")
        expect(receipt).to_be_visible(timeout=NAVIGATION_TIMEOUT_MS)
        total = receipt.get_by_role("table", name="Các khoản đã nộp").get_by_role("row", name=re.compile("^Tổng cộng"))
        return ReceiptView(
            amount=money(total.inner_text()),
            dossier_code=read_definition(receipt, "Mã hồ sơ"),
            transaction_id=read_definition(receipt, "Mã giao dịch"),
            receipt_number=read_definition(receipt, "Số biên lai"),
        )
