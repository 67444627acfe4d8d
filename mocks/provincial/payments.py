"""Online payment of fees through the national payment platform (docs/protocols.md, "Payment platform").

Each attempt is a `PaymentTransaction` with its own reference (`<MaHoSo>-01`, `-02`, …):
INIT (signed, server to server) gives the checkout URL; the platform's signed CONFIRM on
`/api/payment/confirm` settles it; the citizen's return asks the platform (QUERY) when no
confirmation has arrived yet. Settling is idempotent: a replayed or duplicated
confirmation answers "00" and changes nothing, and a dossier is never paid twice.

A dossier has at most one attempt that may still be paid (issue 9, double charges): the
latest attempt is read and the next one inserted in one write transaction, so simultaneous
starts — threads or worker processes on one store — share an attempt; and a new attempt
opens only when the previous one's INIT failed or the platform's QUERY (not a confirmation
alone, which anyone holding the secret can sign) says it can no longer be paid.
"""

from __future__ import annotations

import ipaddress
import sqlite3
from dataclasses import dataclass
from typing import Any

import requests

from mocks.core.clock import Clock
from mocks.core.config import StackConfig
from mocks.core.errors import Conflict, DomainError, NotFound, error_body
from mocks.core.namespace import forward_headers
from mocks.core.signing import sign, verify
from mocks.core.storage import Store, dumps, loads
from mocks.core.timefmt import to_iso, to_wire

from .dossier.dossiers import Dossiers
from .dossier.entity import Dossier

VERSION = "1.0.6"
CURRENCY = "VND"
CHANNEL = "WEB"           # MaKenhThanhToan [assumed]
DEVICE = "PC"             # MaThietBi [assumed]
TIMEOUT = (3.05, 15.0)
MAX_ATTEMPTS = 99         # references end in two digits

# PaymentTransaction.status
INIT, CREATED, PENDING, PAID, FAILED, INIT_FAILED = "init", "created", "pending", "paid", "failed", "init_failed"
STATUS_NAMES: dict[str, str] = {
    INIT: "Đang khởi tạo", CREATED: "Chờ thanh toán", PENDING: "Đang chờ ngân hàng xác nhận",
    PAID: "Đã thanh toán", FAILED: "Không thành công", INIT_FAILED: "Không khởi tạo được",
}
# TrangThaiGD of the platform.
TX_CREATED, TX_PAID, TX_PENDING, TX_FAILED = 0, 1, 3, 4
# MaLoi of a QUERY about an attempt that can no longer be paid: unknown reference, expired.
GONE = ("05", "07")
# A start looks at most this many attempts in turn (each round settles one stale attempt).
ROUNDS = 4

DDL = """
CREATE TABLE IF NOT EXISTS payment_tx (
    ns TEXT NOT NULL,
    reference TEXT NOT NULL,
    dossier_code TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    amount INTEGER NOT NULL,
    status TEXT NOT NULL,
    payment_url TEXT,
    transaction_id TEXT,
    bank TEXT,
    error TEXT,
    receipt TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    paid_at TEXT,
    failure_checked INTEGER NOT NULL DEFAULT 0,   -- 1: the platform's QUERY said it can no longer be paid
    PRIMARY KEY (ns, reference),
    UNIQUE (ns, dossier_code, attempt)
);
"""


class PaymentPlatformError(DomainError):
    """The platform could not be reached or refused a message."""

    status = 502


class ConfirmRefused(DomainError):
    """A confirmation the portal does not accept: the house error plus the protocol's MaLoi."""

    def __init__(self, ma_loi: str, code: str, vi: str, en: str, status: int) -> None:
        super().__init__(code, vi, en, status=status)
        self.ma_loi = ma_loi

    def body(self) -> dict[str, Any]:
        return {"MaLoi": self.ma_loi, "MoTaLoi": self.vi, **error_body(self.code, self.vi, self.en)}


@dataclass(frozen=True)
class PaymentTransaction:
    reference: str
    dossier_code: str
    attempt: int
    amount: int
    status: str
    payment_url: str | None
    transaction_id: str | None
    bank: str | None
    error: str | None
    receipt: dict[str, Any] | None
    created_at: str
    paid_at: str | None
    failure_checked: bool = False  # a failure the platform itself confirmed (QUERY), not only a confirmation

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> PaymentTransaction:
        return cls(row["reference"], row["dossier_code"], row["attempt"], row["amount"], row["status"],
                   row["payment_url"], row["transaction_id"], row["bank"], row["error"], loads(row["receipt"]),
                   row["created_at"], row["paid_at"], bool(row["failure_checked"]))

    @property
    def status_name(self) -> str:
        return STATUS_NAMES[self.status]

    @property
    def replaceable(self) -> bool:
        """Whether a new attempt may open after this one: its INIT failed (its URL was never handed
        out), or the platform itself said (QUERY) it can no longer be paid."""
        return self.status == INIT_FAILED or (self.status == FAILED and self.failure_checked)

    def to_json(self) -> dict[str, Any]:
        return {"reference": self.reference, "dossier_code": self.dossier_code, "attempt": self.attempt,
                "amount": self.amount, "status": self.status, "status_name": self.status_name,
                "payment_url": self.payment_url, "transaction_id": self.transaction_id, "bank": self.bank,
                "error": self.error, "created_at": self.created_at, "paid_at": self.paid_at}


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


class PaymentPlatformClient:
    """INIT, QUERY and GET_BILL, signed with the partner's secret (mocks.core.signing)."""

    def __init__(self, config: StackConfig, clock: Clock, http: requests.Session | None = None) -> None:
        self.url = config.url("payment").rstrip("/") + "/api/payment"
        self.partner = config.credentials.payment_partner_code
        self.secret = config.credentials.payment_secret
        self.clock = clock
        self.http = http or requests.Session()

    def init(self, ns: str, reference: str, amount: int, description: str, ip: str,
             receipt_info: dict[str, Any]) -> dict[str, Any]:
        message = {
            "LoaiBanTin": "INIT", "PhienBan": VERSION, "MaDoiTac": self.partner, "MaThamChieu": reference,
            "SoTien": amount, "LoaiHinhThanhToan": "PAY", "MaKenhThanhToan": CHANNEL, "MaThietBi": DEVICE,
            "NgonNgu": "vi-VN", "MaTienTe": CURRENCY, "MaNganHang": "", "ThongTinGiaoDich": description,
            "ThoiGianGD": to_wire(self.clock.now(ns)), "Ip": ip, "ThongTinBienLai": receipt_info,
        }
        answer = self._send(ns, sign(message, "INIT", self.secret))
        if not isinstance(answer.get("UrlThanhToan"), str) or not answer["UrlThanhToan"]:
            raise PaymentPlatformError("PAYMENT_PLATFORM_BAD_ANSWER",
                                       "Nền tảng thanh toán không trả về địa chỉ thanh toán.",
                                       "The payment platform's INIT answer has no UrlThanhToan.")
        return answer

    def query(self, ns: str, reference: str) -> dict[str, Any]:
        return self._lookup(ns, "QUERY", reference)

    def get_bill(self, ns: str, reference: str) -> dict[str, Any]:
        return self._lookup(ns, "GET_BILL", reference)

    def _lookup(self, ns: str, kind: str, reference: str) -> dict[str, Any]:
        message = {"LoaiBanTin": kind, "PhienBan": VERSION, "MaDoiTac": self.partner, "MaThamChieu": reference,
                   "ThoiGianGD": to_wire(self.clock.now(ns))}
        return self._send(ns, sign(message, kind, self.secret))

    def _send(self, ns: str, message: dict[str, Any]) -> dict[str, Any]:
        kind = message["LoaiBanTin"]
        try:
            reply = self.http.post(self.url, json=message, headers=forward_headers(ns), timeout=TIMEOUT)
        except requests.Timeout as exc:
            raise PaymentPlatformError("PAYMENT_PLATFORM_TIMEOUT",
                                       "Nền tảng thanh toán không phản hồi kịp, vui lòng thử lại sau.",
                                       f"The payment platform did not answer {kind} in time.") from exc
        except requests.RequestException as exc:
            raise PaymentPlatformError("PAYMENT_PLATFORM_UNAVAILABLE",
                                       "Không kết nối được tới nền tảng thanh toán, vui lòng thử lại sau.",
                                       f"The payment platform cannot be reached ({type(exc).__name__}).") from exc
        try:
            answer = reply.json()
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            raise PaymentPlatformError("PAYMENT_PLATFORM_BAD_ANSWER",
                                       f"Nền tảng thanh toán trả lời không hợp lệ (HTTP {reply.status_code}).",
                                       f"The payment platform's {kind} answer is not JSON (HTTP {reply.status_code}).")
        if answer.get("MaLoi") != "00":
            described = answer.get("MoTaLoi") or answer.get("error", {}).get("message_vi") or ""
            raise PaymentPlatformError(
                "PAYMENT_PLATFORM_REFUSED",
                f"Nền tảng thanh toán từ chối yêu cầu (mã lỗi {answer.get('MaLoi')}): {described}".strip(),
                f"The payment platform refused {kind} (MaLoi {answer.get('MaLoi')}, HTTP {reply.status_code}).",
                details={"MaLoi": answer.get("MaLoi"), "MoTaLoi": described},
            )
        return answer


class Payments:
    def __init__(self, store: Store, clock: Clock, config: StackConfig, dossiers: Dossiers,
                 client: PaymentPlatformClient) -> None:
        self.store = store
        self.clock = clock
        self.config = config
        self.dossiers = dossiers
        self.client = client
        store.migrate(DDL)
        store.ensure_columns("payment_tx", {"failure_checked": "INTEGER NOT NULL DEFAULT 0"})

    # -- reading ----------------------------------------------------------------------------------
    def find(self, ns: str, reference: str, conn: sqlite3.Connection | None = None) -> PaymentTransaction | None:
        db: Any = conn or self.store
        row = db.execute("SELECT * FROM payment_tx WHERE ns = ? AND reference = ?", (ns, reference)).fetchone()
        return None if row is None else PaymentTransaction.from_row(row)

    def get(self, ns: str, reference: str) -> PaymentTransaction:
        tx = self.find(ns, reference) if isinstance(reference, str) else None
        if tx is None:
            raise NotFound("PAYMENT_NOT_FOUND", f"Không tìm thấy giao dịch thanh toán '{reference}'.",
                           f"No payment with reference '{reference}'.")
        return tx

    def attempts(self, ns: str, dossier_code: str) -> list[PaymentTransaction]:
        rows = self.store.query("SELECT * FROM payment_tx WHERE ns = ? AND dossier_code = ? ORDER BY attempt",
                                (ns, dossier_code))
        return [PaymentTransaction.from_row(r) for r in rows]

    # -- starting ---------------------------------------------------------------------------------
    def start(self, ns: str, code: str, account_id: str, ip: str = "127.0.0.1") -> PaymentTransaction:
        """An attempt to pay the dossier's fee online, with the checkout URL to send the citizen to.

        A dossier has at most one attempt that may still be paid: concurrent starts (threads or
        worker processes) get the same one, and a new attempt opens only once the platform itself
        has said (QUERY) that the previous one can no longer be paid.
        """
        dossier = self.dossiers.for_account(ns, code, account_id)
        self.dossiers.check_payable(dossier)
        ip = ip if _is_ip(ip) else "127.0.0.1"
        for _ in range(ROUNDS):
            tx = self._current_attempt(ns, dossier)
            if tx.status == INIT:
                tx = self._send_init(ns, dossier, tx, ip)
            elif tx.status != PAID:
                tx = self._ask_platform(ns, tx)
            if tx.status == CREATED and tx.payment_url:
                return tx
            if tx.status == PAID:
                raise Conflict("ALREADY_PAID", "Phí, lệ phí của hồ sơ này đã được thanh toán.",
                               "The fee of this dossier is already paid.")
            if tx.status == PENDING:
                raise Conflict("PAYMENT_PENDING",
                               "Giao dịch trước đang chờ ngân hàng xác nhận; vui lòng kiểm tra lại sau ít phút.",
                               "The previous payment is waiting for the bank; check again in a few minutes.")
            # Over on the platform's word, or no longer the dossier's latest attempt: look again.
        raise Conflict("PAYMENT_BUSY", "Giao dịch thanh toán của hồ sơ đang thay đổi; vui lòng thử lại sau ít giây.",
                       "The dossier's payment is changing under way; try again in a few seconds.")

    def _current_attempt(self, ns: str, dossier: Dossier) -> PaymentTransaction:
        """The dossier's latest attempt, or a new one when the latest can no longer be paid.

        One write transaction (BEGIN IMMEDIATE, which SQLite serialises across processes too) reads
        the latest attempt and inserts the next: two starts cannot both see "none open".
        """
        now = to_iso(self.clock.now(ns))
        with self.store.transaction() as conn:
            last = self._latest(conn, ns, dossier.code)
            if last is not None and not last.replaceable:
                return last
            if conn.execute("SELECT 1 FROM payment_tx WHERE ns = ? AND dossier_code = ? AND status = ?",
                            (ns, dossier.code, PAID)).fetchone():
                raise Conflict("ALREADY_PAID", "Phí, lệ phí của hồ sơ này đã được thanh toán.",
                               "The fee of this dossier is already paid.")
            attempt = (last.attempt if last else 0) + 1
            if attempt > MAX_ATTEMPTS:
                raise Conflict("TOO_MANY_PAYMENT_ATTEMPTS", "Hồ sơ đã vượt quá số lần thanh toán cho phép.",
                               "Too many payment attempts for this dossier.")
            reference = f"{dossier.code}-{attempt:02d}"
            conn.execute(
                "INSERT INTO payment_tx(ns, reference, dossier_code, attempt, amount, status, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (ns, reference, dossier.code, attempt, dossier.fee_amount, INIT, now, now),
            )
            tx = self.find(ns, reference, conn)
        assert tx is not None
        return tx

    def _send_init(self, ns: str, dossier: Dossier, tx: PaymentTransaction, ip: str) -> PaymentTransaction:
        """INIT the attempt. The platform answers the same checkout to the same reference, so a start
        that finds an attempt another one is still initialising sends INIT too and gets the same URL."""
        try:
            answer = self.client.init(ns, tx.reference, tx.amount, f"Nộp phí, lệ phí hồ sơ {dossier.code}", ip,
                                      self._receipt_info(dossier, tx.amount))
        except PaymentPlatformError as exc:
            # The dossier is unchanged; the attempt stays on record as not started...
            self.store.execute("UPDATE payment_tx SET status = ?, error = ?, updated_at = ? WHERE ns = ? AND"
                               " reference = ? AND status = ?", (INIT_FAILED, f"{exc.code}: {exc.en}"[:500],
                                                                  to_iso(self.clock.now(ns)), ns, tx.reference, INIT))
            current = self.get(ns, tx.reference)
            if current.status in (INIT, INIT_FAILED):
                raise
            return current  # ...unless a concurrent start's INIT got through or the attempt moved on
        with self.store.transaction() as conn:
            current = self.find(ns, tx.reference, conn)
            latest = self._latest(conn, ns, tx.dossier_code)
            # A URL is handed out only for the dossier's latest attempt: once a newer attempt exists,
            # an older one whose INIT answered late is left unpaid on the platform (nobody has its URL).
            if (current is not None and current.status in (INIT, INIT_FAILED) and latest is not None
                    and latest.reference == current.reference):
                self._update(ns, tx.reference, conn=conn, status=CREATED, payment_url=answer["UrlThanhToan"],
                             error=None)
                self.dossiers.set_payment_state(conn, ns, tx.dossier_code, "pending", tx.reference)
        return self.get(ns, tx.reference)

    def _ask_platform(self, ns: str, tx: PaymentTransaction) -> PaymentTransaction:
        """Before reusing or replacing an attempt: what the platform says of it (QUERY), recorded."""
        try:
            self._reconcile(ns, tx)
        except PaymentPlatformError as exc:
            if (exc.details or {}).get("MaLoi") not in GONE:
                raise
            # The platform no longer knows or has expired the attempt: it can no longer be paid.
            self._settle_open(ns, tx.reference, FAILED, f"{exc.code}: {exc.en}", checked=True)
        return self.get(ns, tx.reference)

    def _latest(self, conn: sqlite3.Connection, ns: str, dossier_code: str) -> PaymentTransaction | None:
        row = conn.execute("SELECT * FROM payment_tx WHERE ns = ? AND dossier_code = ? ORDER BY attempt DESC LIMIT 1",
                           (ns, dossier_code)).fetchone()
        return None if row is None else PaymentTransaction.from_row(row)

    def _receipt_info(self, dossier: Dossier, amount: int) -> dict[str, Any]:
        return {
            "MaHoSo": dossier.code, "MaTTHC": dossier.national_code, "TenTTHC": dossier.procedure_name[:500],
            "MaDonVi": dossier.agency_code, "TenDonVi": dossier.agency_name[:255],
            "HoTenNguoiNop": dossier.applicant_name[:200], "SoCMNDNguoiNop": (dossier.applicant_id_number or "")[:20],
            "SoDienThoaiNguoiNop": (dossier.phone or "")[:20], "EmailNguoiNop": (dossier.email or "")[:255],
            "PhiLePhi": [{"LoaiPhiLePhi": 1, "MaPhiLePhi": dossier.national_code,
                          "TenPhiLePhi": (dossier.fee_description or "Phí, lệ phí")[:255], "SoTien": amount}],
        }

    # -- settling -----------------------------------------------------------------------------------
    def confirm(self, ns: str, message: Any) -> dict[str, Any]:
        """The platform's CONFIRM callback: checked, then settled once; replays answer "00" too."""
        if not isinstance(message, dict):
            raise ConfirmRefused("03", "INVALID_CONFIRMATION", "Bản tin xác nhận phải là một đối tượng JSON.",
                                 "The confirmation must be a JSON object.", 400)
        if message.get("LoaiBanTin") != "CONFIRM":
            raise ConfirmRefused("03", "INVALID_CONFIRMATION", "LoaiBanTin phải là CONFIRM.",
                                 "LoaiBanTin must be CONFIRM.", 400)
        if message.get("MaDoiTac") != self.client.partner:
            raise ConfirmRefused("02", "UNKNOWN_PARTNER", "Mã đối tác (MaDoiTac) không đúng.",
                                 "MaDoiTac is not this portal's partner code.", 401)
        if not verify(message, "CONFIRM", self.client.secret):
            raise ConfirmRefused("01", "BAD_SIGNATURE", "Sai mã xác thực (MaXacThuc) của bản tin xác nhận.",
                                 "The confirmation's MaXacThuc does not verify.", 401)
        reference = message.get("MaThamChieu")
        tx = self.find(ns, reference) if isinstance(reference, str) else None
        if tx is None:
            raise ConfirmRefused("05", "PAYMENT_NOT_FOUND", f"Không có giao dịch với mã tham chiếu '{reference}'.",
                                 f"No payment with reference '{reference}'.", 404)
        if _int(message.get("SoTien")) != tx.amount:
            raise ConfirmRefused("03", "AMOUNT_MISMATCH",
                                 f"Số tiền xác nhận ({message.get('SoTien')}) khác số tiền giao dịch ({tx.amount}).",
                                 f"The confirmed amount differs from the payment's amount ({tx.amount}).", 400)
        outcome = message.get("MaLoi")
        if outcome == "00":
            self._settle_paid(ns, tx.reference, message.get("MaGiaoDich"), message.get("MaNganHang"))
        elif outcome == "09" or _int(message.get("TrangThaiGD")) == TX_PENDING:
            self._settle_open(ns, tx.reference, PENDING, None)
        else:
            self._confirmed_failure(ns, tx, f"MaLoi {outcome}: {message.get('ThongTinGiaoDich', '')}")
        return {"MaLoi": "00", "MoTaLoi": "Thành công"}

    def _confirmed_failure(self, ns: str, tx: PaymentTransaction, note: str) -> None:
        """A failure confirmation (cancelled, failed) is checked with the platform before it is believed.

        Believed blindly, a cancel for a checkout the platform still holds open would let a second
        attempt open while the first can still be paid: two payments for one fee. The platform's
        QUERY is recorded instead; when it cannot be asked, the confirmation is recorded and `start`
        asks again before it opens another attempt.
        """
        if tx.status in (PAID, FAILED):
            return
        try:
            state = self._reconcile(ns, tx, failure_note=note)
        except PaymentPlatformError:
            state = None
        if state is None:
            self._settle_open(ns, tx.reference, FAILED, note)
        elif state == TX_CREATED:
            # Kept on record, not believed: the platform still offers this checkout.
            self._update(ns, tx.reference, error=f"Xác nhận thất bại ({note[:200]}) không được ghi nhận: nền tảng"
                                                 " cho biết giao dịch vẫn chờ thanh toán.")

    def refresh(self, ns: str, reference: str, *, quiet: bool = True) -> PaymentTransaction:
        """Ask the platform (QUERY) about an attempt that has no outcome yet, and record what it says.

        quiet: a platform error leaves the attempt as it is instead of raising (the return page).
        """
        tx = self.get(ns, reference)
        if tx.status not in (CREATED, PENDING, INIT):
            return tx
        try:
            self._reconcile(ns, tx)
        except PaymentPlatformError:
            if quiet:
                return tx
            raise
        return self.get(ns, reference)

    def _reconcile(self, ns: str, tx: PaymentTransaction, failure_note: str | None = None) -> int:
        """QUERY the attempt and record the platform's word; answers its TrangThaiGD."""
        answer = self.client.query(ns, tx.reference)
        state = _int(answer.get("TrangThaiGD"))
        amount = _int(answer.get("SoTien"))
        if state == TX_PAID and (amount is None or amount == tx.amount):
            self._settle_paid(ns, tx.reference, answer.get("MaGiaoDich"), answer.get("MaNganHang"))
        elif state == TX_PENDING:
            self._settle_open(ns, tx.reference, PENDING, None)
        elif state == TX_FAILED:
            self._settle_open(ns, tx.reference, FAILED, failure_note or f"QUERY: {answer.get('MaLoiGD') or 'failed'}",
                              checked=True)
        elif state == TX_CREATED:
            self._settle_open(ns, tx.reference, CREATED, None)
        else:
            raise PaymentPlatformError("PAYMENT_PLATFORM_BAD_ANSWER",
                                       "Nền tảng thanh toán trả lời QUERY không rõ trạng thái giao dịch (TrangThaiGD).",
                                       f"The payment platform's QUERY answer has no known TrangThaiGD ({state}).")
        return state

    def _settle_paid(self, ns: str, reference: str, transaction_id: Any, bank: Any) -> bool:
        """Record a payment once; False when it was already recorded (a replay)."""
        with self.store.transaction() as conn:
            tx = self.find(ns, reference, conn)
            if tx is None or tx.status == PAID:
                return False
            paid_for = self.dossiers.record_online_payment(ns, tx.dossier_code, reference, tx.amount)
            note = None if paid_for else "Hồ sơ đã được thanh toán bằng giao dịch khác: cần hoàn tiền giao dịch này."
            self._update(ns, reference, conn=conn, status=PAID, paid_at=to_iso(self.clock.now(ns)),
                         transaction_id=str(transaction_id)[:64] if transaction_id else None,
                         bank=str(bank)[:32] if bank else None, error=note)
        return True

    def _settle_open(self, ns: str, reference: str, status: str, error: str | None, *, checked: bool = False) -> None:
        """Record a not-yet-paid outcome: pending, failed, or created again (a failure the platform denies).

        checked: a failure the platform's QUERY said (the attempt may then be replaced by a new one).
        """
        with self.store.transaction() as conn:
            tx = self.find(ns, reference, conn)
            if tx is None or tx.status == PAID:
                return
            if tx.status == status:
                if checked and not tx.failure_checked:
                    self._update(ns, reference, conn=conn, failure_checked=1)
                return
            if status == CREATED and (tx.status != FAILED or not tx.payment_url):
                return  # only a failure the platform denies goes back to "created"; INIT owns the rest
            if tx.status in (FAILED, INIT_FAILED):   # replaceable: it may have been replaced already
                latest = self._latest(conn, ns, tx.dossier_code)
                if latest is None or latest.reference != reference:
                    return  # a newer attempt exists: this one stays over (its checkout is nobody's now)
            self._update(ns, reference, conn=conn, status=status, error=error[:500] if error else None,
                         failure_checked=int(checked and status == FAILED))
            self.dossiers.set_payment_state(conn, ns, tx.dossier_code, "unpaid" if status == FAILED else "pending",
                                            reference)

    def _update(self, ns: str, reference: str, conn: sqlite3.Connection | None = None, **columns: Any) -> None:
        columns["updated_at"] = to_iso(self.clock.now(ns))
        db: Any = conn or self.store
        db.execute(f"UPDATE payment_tx SET {', '.join(f'{k} = ?' for k in columns)} WHERE ns = ? AND reference = ?",
                   (*columns.values(), ns, reference))

    # -- the e-receipt ------------------------------------------------------------------------------
    def receipt(self, ns: str, code: str, account_id: str | None) -> dict[str, Any]:
        """The e-receipt (GET_BILL) of the dossier's paid fee; fetched once, then kept."""
        dossier = (self.dossiers.for_account(ns, code, account_id) if account_id is not None
                   else self.dossiers.get(ns, code))
        paid = [t for t in self.attempts(ns, code) if t.status == PAID]
        if not dossier.paid_online or not paid:
            raise Conflict("NOT_PAID", "Hồ sơ chưa được thanh toán trực tuyến nên chưa có biên lai điện tử.",
                           "The dossier is not paid online: there is no e-receipt.")
        tx = next((t for t in paid if t.reference == dossier.payment_reference), paid[0])
        bill = tx.receipt
        if bill is None:
            bill = {k: v for k, v in self.client.get_bill(ns, tx.reference).items() if k != "MaXacThuc"}
            self._update(ns, tx.reference, receipt=dumps(bill))
        return {"dossier_code": code, "reference": tx.reference, "amount": tx.amount,
                "transaction_id": tx.transaction_id, "bank": tx.bank, "paid_at": tx.paid_at,
                "receipt_url": bill.get("UrlBienLai"), "bill": bill}

    def reset(self, ns: str) -> None:
        self.store.execute("DELETE FROM payment_tx WHERE ns = ?", (ns,))


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True
