"""Result codes (`MaLoi`) of the payment platform and the error that carries them.

The real platform's code table is not public, so every code here is [assumed]:

Answers to the partner's messages (INIT, QUERY, GET_BILL):

| MaLoi | meaning | HTTP |
|---|---|---|
| 00 | success | 200 |
| 01 | MaXacThuc missing or wrong | 401 |
| 02 | unknown partner (MaDoiTac) | 401 |
| 03 | invalid data: malformed JSON, a missing field, a wrong type or value | 400 (413 when too large) |
| 04 | the reference (MaThamChieu) is already used with other content, or its transaction is final | 409 |
| 05 | no transaction with that reference | 404 |
| 06 | the transaction is not paid (GET_BILL) | 409 |
| 07 | the transaction expired unpaid | 409 |

Outcomes of a transaction (in the confirmation, the return URL and QUERY's `MaLoiGD`):
00 paid · 09 pending, the bank did not answer · 11 failed at the bank · 24 cancelled by
the payer · 07 expired unpaid.
"""

from __future__ import annotations

from typing import Any

from mocks.core.errors import DomainError, error_body

SUCCESS = "00"
BAD_SIGNATURE = "01"
UNKNOWN_PARTNER = "02"
INVALID_DATA = "03"
REFERENCE_USED = "04"
NOT_FOUND = "05"
NOT_PAID = "06"
EXPIRED = "07"

# Outcomes of a transaction.
PAID = "00"
PENDING = "09"
BANK_FAILED = "11"
CANCELLED = "24"

# code -> (house error code, HTTP status, Vietnamese, English)
RESULT_CODES: dict[str, tuple[str, int, str, str]] = {
    SUCCESS: ("OK", 200, "Thành công", "Success"),
    BAD_SIGNATURE: ("BAD_SIGNATURE", 401, "Sai hoặc thiếu mã xác thực (MaXacThuc)", "Missing or wrong MaXacThuc"),
    UNKNOWN_PARTNER: ("UNKNOWN_PARTNER", 401, "Mã đối tác (MaDoiTac) không tồn tại", "Unknown partner (MaDoiTac)"),
    INVALID_DATA: ("INVALID_DATA", 400, "Dữ liệu không hợp lệ", "Invalid data"),
    REFERENCE_USED: ("REFERENCE_USED", 409, "Mã tham chiếu đã được sử dụng", "The reference is already used"),
    NOT_FOUND: ("TRANSACTION_NOT_FOUND", 404, "Không tìm thấy giao dịch", "No such transaction"),
    NOT_PAID: ("NOT_PAID", 409, "Giao dịch chưa được thanh toán", "The transaction is not paid"),
    EXPIRED: ("EXPIRED", 409, "Giao dịch đã hết hạn", "The transaction expired"),
}

OUTCOMES: dict[str, tuple[str, str]] = {
    PAID: ("Thanh toán thành công", "Paid"),
    PENDING: ("Đang chờ kết quả từ ngân hàng (ngân hàng không phản hồi)", "Pending: the bank did not answer"),
    BANK_FAILED: ("Giao dịch thất bại tại ngân hàng", "Failed at the bank"),
    CANCELLED: ("Người nộp đã hủy giao dịch", "Cancelled by the payer"),
    EXPIRED: ("Giao dịch đã hết hạn", "Expired unpaid"),
}

# TrangThaiGD
CREATED, STATUS_PAID, STATUS_PENDING, STATUS_FAILED = 0, 1, 3, 4
STATUS_NAMES: dict[int, tuple[str, str]] = {
    CREATED: ("Chưa thanh toán", "created"),
    STATUS_PAID: ("Đã thanh toán", "paid"),
    STATUS_PENDING: ("Đang chờ xử lý", "pending"),
    STATUS_FAILED: ("Không thành công", "failed"),
}


class PaymentError(DomainError):
    """A refusal on the payment protocol: the house error body plus `MaLoi` and `MoTaLoi`."""

    def __init__(self, ma_loi: str, vi: str | None = None, en: str | None = None, *,
                 status: int | None = None, details: Any = None, code: str | None = None) -> None:
        known, http_status, default_vi, default_en = RESULT_CODES[ma_loi]
        super().__init__(code or known, vi or default_vi, en or default_en, status=status or http_status,
                         details=details)
        self.ma_loi = ma_loi

    def body(self) -> dict[str, Any]:
        return {"MaLoi": self.ma_loi, "MoTaLoi": self.vi, **error_body(self.code, self.vi, self.en, self.details)}
