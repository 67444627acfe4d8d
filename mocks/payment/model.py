"""The payment platform's state and rules: partners, transactions, checkout outcomes, confirmations.

No HTTP here except the confirmation sender (a `requests` call the outbox drives). The
JSON API, the checkout pages and the admin routes all call this one model.
"""

from __future__ import annotations

import secrets
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import requests

from mocks.core.clock import Clock
from mocks.core.config import StackConfig
from mocks.core.errors import Conflict, DomainError, NotFound
from mocks.core.namespace import forward_headers
from mocks.core.outbox import Outbox, OutboxMessage
from mocks.core.signing import ma_xac_thuc, sign, verify
from mocks.core.storage import Store, dumps, loads
from mocks.core.timefmt import from_iso, to_iso, to_wire
from mocks.core.urls import is_absolute_http_url

from . import codes
from .codes import PaymentError
from .messages import BANKS, PARTNER_CODE, InitRequest, LookupRequest, envelope, parse_init, parse_lookup

CONFIRM_KIND = "payment.confirm"
RETURN_FIELDS = ("MaThamChieu", "MaLoi", "TrangThaiGD", "MaGiaoDich")  # signed like the others, secret last
BUILTIN_PARTNER_NAME = "Cổng Dịch vụ công tỉnh Quảng Nam"
CALLBACK_TIMEOUT = (3.0, 5.0)  # connect, read (seconds)

DDL = """
CREATE TABLE IF NOT EXISTS pay_partner (          -- stack-wide configuration: not namespaced
    code TEXT PRIMARY KEY,
    secret TEXT NOT NULL,
    name TEXT NOT NULL,
    callback_url TEXT NOT NULL,
    return_url TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS pay_transaction (
    ns TEXT NOT NULL,
    partner_code TEXT NOT NULL,
    reference TEXT NOT NULL,                      -- MaThamChieu
    token TEXT NOT NULL,                          -- the checkout URL's secret part
    amount INTEGER NOT NULL,
    currency TEXT NOT NULL,
    language TEXT NOT NULL,
    channel TEXT NOT NULL,
    device TEXT NOT NULL,
    requested_bank TEXT NOT NULL,
    description TEXT NOT NULL,
    client_time TEXT NOT NULL,
    client_ip TEXT NOT NULL,
    receipt_info TEXT NOT NULL,
    status INTEGER NOT NULL DEFAULT 0,            -- TrangThaiGD
    result_code TEXT NOT NULL DEFAULT '',         -- outcome MaLoi
    transaction_id TEXT,                          -- MaGiaoDich
    bank_code TEXT NOT NULL DEFAULT '',           -- MaNganHang chosen on the checkout
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    finished_at TEXT,
    receipt_no TEXT,
    PRIMARY KEY (ns, partner_code, reference)
);
CREATE UNIQUE INDEX IF NOT EXISTS pay_transaction_token ON pay_transaction(ns, token);
CREATE UNIQUE INDEX IF NOT EXISTS pay_transaction_txid ON pay_transaction(ns, transaction_id);
CREATE INDEX IF NOT EXISTS pay_transaction_ref ON pay_transaction(ns, reference);
CREATE TABLE IF NOT EXISTS pay_receipt_counter (
    ns TEXT NOT NULL,
    year INTEGER NOT NULL,
    last INTEGER NOT NULL,
    PRIMARY KEY (ns, year)
);
CREATE TABLE IF NOT EXISTS pay_delivery (         -- one row per attempt to deliver a confirmation
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ns TEXT NOT NULL,
    outbox_id INTEGER NOT NULL,
    partner_code TEXT NOT NULL,
    reference TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    at TEXT NOT NULL,
    url TEXT NOT NULL,
    http_status INTEGER,
    outcome TEXT NOT NULL,                        -- acknowledged | refused | error
    detail TEXT
);
CREATE INDEX IF NOT EXISTS pay_delivery_ref ON pay_delivery(ns, reference, outbox_id);
"""


@dataclass(frozen=True)
class Partner:
    """A portal allowed to take payments: signs its messages and receives confirmations."""

    code: str
    secret: str
    name: str
    callback_url: str
    return_url: str
    builtin: bool = False

    def public(self) -> dict[str, Any]:
        return {"code": self.code, "secret": self.secret, "name": self.name, "callback_url": self.callback_url,
                "return_url": self.return_url, "builtin": self.builtin}


@dataclass(frozen=True)
class PaymentTransaction:
    ns: str
    partner_code: str
    reference: str
    token: str
    amount: int
    currency: str
    language: str
    channel: str
    device: str
    requested_bank: str
    description: str
    client_time: str
    client_ip: str
    receipt_info: dict[str, Any]
    status: int
    result_code: str
    transaction_id: str | None
    bank_code: str
    created_at: datetime
    expires_at: datetime
    finished_at: datetime | None
    receipt_no: str | None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> PaymentTransaction:
        return cls(
            ns=row["ns"], partner_code=row["partner_code"], reference=row["reference"], token=row["token"],
            amount=row["amount"], currency=row["currency"], language=row["language"], channel=row["channel"],
            device=row["device"], requested_bank=row["requested_bank"], description=row["description"],
            client_time=row["client_time"], client_ip=row["client_ip"], receipt_info=loads(row["receipt_info"]),
            status=row["status"], result_code=row["result_code"], transaction_id=row["transaction_id"],
            bank_code=row["bank_code"], created_at=_moment(row["created_at"]), expires_at=_moment(row["expires_at"]),
            finished_at=from_iso(row["finished_at"]), receipt_no=row["receipt_no"],
        )

    @property
    def final(self) -> bool:
        return self.status in (codes.STATUS_PAID, codes.STATUS_FAILED)

    @property
    def expired(self) -> bool:
        return self.status == codes.STATUS_FAILED and self.result_code == codes.EXPIRED

    @property
    def status_name(self) -> str:
        return codes.STATUS_NAMES[self.status][1]

    @property
    def status_name_vi(self) -> str:
        return codes.STATUS_NAMES[self.status][0]

    @property
    def outcome_vi(self) -> str:
        return codes.OUTCOMES.get(self.result_code, ("", ""))[0]

    @property
    def wire_time(self) -> str:
        """ThoiGianGD of the answers: when it ended, or when it was created."""
        return to_wire(self.finished_at or self.created_at)

    @property
    def receipt_series(self) -> str:
        """KyHieu of the e-receipt: 'TT' + two-digit year + 'E' (electronic) [assumed]."""
        moment = self.finished_at or self.created_at
        return f"TT{moment.year % 100:02d}E"


@dataclass(frozen=True)
class CheckoutOutcome:
    transaction: PaymentTransaction
    changed: bool  # False: the transaction had already left "created"; nothing was done again


class ConfirmationNotAcknowledged(Exception):
    """The partner did not answer 2xx with MaLoi "00": the outbox retries."""


def _moment(text: str) -> datetime:
    moment = from_iso(text)
    assert moment is not None
    return moment


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates from JSON "\ud800" escapes
        return False
    return True


def signature_ok(message: dict[str, Any], kind: str, secret: str) -> bool:
    given = message.get("MaXacThuc")
    # compare_digest refuses non-ASCII text (TypeError): such a value is simply a wrong signature
    return isinstance(given, str) and given.isascii() and verify(message, kind, secret)


def check_url(name: str, url: Any) -> str:
    # No fragment: the platform adds its result to the query, which a browser would keep after the `#`.
    if not is_absolute_http_url(url, fragment_allowed=False):
        raise DomainError("INVALID_URL", f"{name} phải là địa chỉ http(s) đầy đủ, không có phần '#...'.",
                          f"{name} must be an absolute http(s) URL without a '#fragment'.", details={"field": name})
    return str(url)


class PaymentPlatform:
    """Nền tảng thanh toán trực tuyến: the rules of INIT, QUERY, GET_BILL, the checkout and the confirmations."""

    def __init__(self, store: Store, clock: Clock, outbox: Outbox, config: StackConfig, *,
                 expiry: timedelta = timedelta(minutes=15), http: requests.Session | None = None) -> None:
        self.http = http or requests.Session()
        self.store = store
        self.clock = clock
        self.outbox = outbox
        self.config = config
        self.expiry = expiry
        store.migrate(DDL)

    @property
    def origin(self) -> str:
        return self.config.url("payment")

    # -- partners (stack-wide) --------------------------------------------------------------------
    def builtin_partner(self) -> Partner:
        c = self.config.credentials
        provincial = self.config.url("provincial")
        return Partner(c.payment_partner_code, c.payment_secret, BUILTIN_PARTNER_NAME,
                       provincial + "/api/payment/confirm", provincial + "/thanh-toan/ket-qua", builtin=True)

    def partner(self, code: str) -> Partner | None:
        builtin = self.builtin_partner()
        if code == builtin.code:
            return builtin
        row = self.store.one("SELECT * FROM pay_partner WHERE code = ?", (code,))
        if row is None:
            return None
        return Partner(row["code"], row["secret"], row["name"], row["callback_url"], row["return_url"])

    def partners(self) -> list[Partner]:
        rows = self.store.query("SELECT * FROM pay_partner ORDER BY code")
        return [self.builtin_partner()] + [
            Partner(r["code"], r["secret"], r["name"], r["callback_url"], r["return_url"]) for r in rows
        ]

    def register_partner(self, code: str, name: str, callback_url: str, return_url: str,
                         secret: str | None = None) -> tuple[Partner, bool]:
        """Register (or update) a partner; a secret is generated when none is given. True when new."""
        if not isinstance(code, str) or not PARTNER_CODE.match(code):
            raise DomainError("INVALID_PARTNER_CODE", "Mã đối tác: 1–64 ký tự chữ, số, '.', '_' hoặc '-'.",
                              "Partner code: 1-64 letters, digits, '.', '_' or '-'.")
        if code == self.builtin_partner().code:
            raise Conflict("PARTNER_BUILTIN", "Đối tác mặc định của hệ thống được cấu hình sẵn, không sửa được.",
                           "The built-in partner comes from the stack's configuration and cannot be changed.")
        if not isinstance(name, str) or not 1 <= len(name.strip()) <= 200:
            raise DomainError("INVALID_NAME", "Tên đối tác: 1–200 ký tự.", "Partner name: 1-200 characters.")
        if secret is not None and (not isinstance(secret, str) or not 8 <= len(secret) <= 256):
            raise DomainError("INVALID_SECRET", "Khóa bí mật: 8–256 ký tự.", "Secret: 8-256 characters.")
        if any(isinstance(v, str) and not _encodable(v) for v in (name, secret, callback_url, return_url)):
            raise DomainError("INVALID_TEXT", "Dữ liệu chứa ký tự không hợp lệ.",
                              "The data contains invalid characters.")
        callback, back = check_url("callback_url", callback_url), check_url("return_url", return_url)
        with self.store.transaction() as conn:
            known = conn.execute("SELECT secret FROM pay_partner WHERE code = ?", (code,)).fetchone()
            existed = known is not None
            # re-registering without a secret keeps the partner's (a portal already signs with it)
            partner = Partner(code, secret or (known["secret"] if known else secrets.token_hex(16)), name.strip(),
                              callback, back)
            conn.execute(
                "INSERT INTO pay_partner(code, secret, name, callback_url, return_url, created_at)"
                " VALUES (?, ?, ?, ?, ?, datetime('now')) ON CONFLICT(code) DO UPDATE SET secret = excluded.secret,"
                " name = excluded.name, callback_url = excluded.callback_url, return_url = excluded.return_url",
                (partner.code, partner.secret, partner.name, partner.callback_url, partner.return_url),
            )
        return partner, not existed

    # -- the protocol ------------------------------------------------------------------------------
    def handle(self, ns: str, message: Any) -> dict[str, Any]:
        """One partner message (INIT, QUERY, GET_BILL): partner, then signature, then data."""
        kind, partner_code = envelope(message)
        partner = self.partner(partner_code)
        if partner is None:
            raise PaymentError(codes.UNKNOWN_PARTNER, f"Mã đối tác '{partner_code}' không tồn tại.",
                               f"Unknown partner '{partner_code}'.")
        if not signature_ok(message, kind, partner.secret):
            raise PaymentError(codes.BAD_SIGNATURE, f"Sai hoặc thiếu MaXacThuc của bản tin {kind}.",
                               f"Missing or wrong MaXacThuc on the {kind} message.")
        if kind == "INIT":
            return self.init(ns, parse_init(message))
        lookup = parse_lookup(message)
        return self.query(ns, lookup) if kind == "QUERY" else self.get_bill(ns, lookup)

    def init(self, ns: str, req: InitRequest) -> dict[str, Any]:
        """Create the transaction, or answer the same URL to the same INIT while it is not final."""
        now = self.clock.now(ns)
        with self.store.transaction():
            txn = self._find(ns, "partner_code = ? AND reference = ?", (req.partner_code, req.reference), now)
            if txn is None:
                self.store.execute(
                    "INSERT INTO pay_transaction(ns, partner_code, reference, token, amount, currency, language,"
                    " channel, device, requested_bank, description, client_time, client_ip, receipt_info,"
                    " created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (ns, req.partner_code, req.reference, secrets.token_urlsafe(24), req.amount, req.currency,
                     req.language, req.channel, req.device, req.bank_code, req.description, req.client_time,
                     req.ip, dumps(req.receipt_info), to_iso(now), to_iso(now + self.expiry)),
                )
                txn = self._find(ns, "partner_code = ? AND reference = ?", (req.partner_code, req.reference), now)
                assert txn is not None
        if txn.expired:
            raise PaymentError(codes.EXPIRED, f"Giao dịch {req.reference} đã hết hạn; hãy dùng mã tham chiếu mới.",
                               f"Transaction {req.reference} expired; use a new reference.")
        if txn.final:
            raise PaymentError(codes.REFERENCE_USED, f"Giao dịch {req.reference} đã kết thúc.",
                               f"Transaction {req.reference} is already final.")
        if txn.amount != req.amount:
            raise PaymentError(codes.REFERENCE_USED,
                               f"Mã tham chiếu {req.reference} đã được dùng với số tiền khác ({txn.amount}).",
                               f"Reference {req.reference} is already used with another amount ({txn.amount}).")
        return {
            "MaLoi": codes.SUCCESS, "MoTaLoi": codes.RESULT_CODES[codes.SUCCESS][2], "MaDoiTac": txn.partner_code,
            "MaThamChieu": txn.reference, "UrlThanhToan": self.checkout_url(txn), "ThoiHan": to_wire(txn.expires_at),
        }

    def query(self, ns: str, req: LookupRequest) -> dict[str, Any]:
        txn = self._by_reference(ns, req.partner_code, req.reference)
        return {
            "MaLoi": codes.SUCCESS, "MoTaLoi": codes.RESULT_CODES[codes.SUCCESS][2], "MaDoiTac": txn.partner_code,
            "MaThamChieu": txn.reference, "TrangThaiGD": txn.status, "MaLoiGD": txn.result_code,
            "SoTien": txn.amount, "MaTienTe": txn.currency, "MaGiaoDich": txn.transaction_id or "",
            "MaNganHang": txn.bank_code, "ThoiGianGD": txn.wire_time,
        }

    def get_bill(self, ns: str, req: LookupRequest) -> dict[str, Any]:
        txn = self._by_reference(ns, req.partner_code, req.reference)
        if txn.status != codes.STATUS_PAID:
            raise PaymentError(codes.NOT_PAID,
                               f"Giao dịch {req.reference} chưa được thanh toán ({txn.status_name_vi}).",
                               f"Transaction {req.reference} is not paid ({txn.status_name}).")
        return {"MaLoi": codes.SUCCESS, "MoTaLoi": codes.RESULT_CODES[codes.SUCCESS][2],
                "BienLai": self.bill(txn), "UrlBienLai": f"{self.origin}/bien-lai/{txn.transaction_id}"}

    def bill(self, txn: PaymentTransaction) -> dict[str, Any]:
        """The e-receipt of a paid transaction (BienLai)."""
        info = txn.receipt_info
        partner = self.partner(txn.partner_code)
        return {
            "SoBienLai": txn.receipt_no, "KyHieu": txn.receipt_series, "NgayLap": txn.wire_time,
            "MaThamChieu": txn.reference, "MaGiaoDich": txn.transaction_id, "SoTien": txn.amount,
            "MaTienTe": txn.currency, "MaNganHang": txn.bank_code, "TenNganHang": BANKS.get(txn.bank_code, ("",))[0],
            "NoiDung": txn.description, "DonViThuHuong": partner.name if partner else txn.partner_code,
            "HoTenNguoiNop": info.get("HoTenNguoiNop", ""), "SoCMNDNguoiNop": info.get("SoCMNDNguoiNop", ""),
            "MaHoSo": info.get("MaHoSo", ""), "MaTTHC": info.get("MaTTHC", ""), "MaDonVi": info.get("MaDonVi", ""),
            "PhiLePhi": info.get("PhiLePhi") or [{"TenPhiLePhi": txn.description or "Phí, lệ phí",
                                                    "SoTien": txn.amount}],
        }

    def checkout_url(self, txn: PaymentTransaction) -> str:
        return f"{self.origin}/thanh-toan/{txn.token}"

    # -- the checkout ------------------------------------------------------------------------------
    def checkout(self, ns: str, token: str) -> PaymentTransaction:
        txn = self._find(ns, "token = ?", (token,), self.clock.now(ns))
        if txn is None:
            raise NotFound("TRANSACTION_NOT_FOUND", "Không tìm thấy giao dịch thanh toán này.",
                           "No such payment transaction.")
        return txn

    def pay(self, ns: str, token: str, bank_code: str | None) -> CheckoutOutcome:
        """The payer paid with the chosen bank or wallet: TrangThaiGD 1, and the confirmation goes out."""
        return self._leave_created(ns, token, "pay", bank_code or "")

    def cancel(self, ns: str, token: str) -> CheckoutOutcome:
        """The payer cancelled: TrangThaiGD 4, MaLoi "24", and the confirmation goes out."""
        return self._leave_created(ns, token, "cancel", "")

    def time_out(self, ns: str, token: str, bank_code: str | None = None) -> CheckoutOutcome:
        """The bank did not answer: TrangThaiGD 3, no confirmation until the admin resolves it."""
        return self._leave_created(ns, token, "timeout", bank_code or "")

    def _leave_created(self, ns: str, token: str, action: str, bank_code: str) -> CheckoutOutcome:
        now = self.clock.now(ns)
        with self.store.transaction() as conn:
            txn = self.checkout(ns, token)
            if txn.status != codes.CREATED:  # a second submission, or expired: nothing happens twice
                return CheckoutOutcome(txn, changed=False)
            if (action == "pay" or bank_code) and bank_code not in BANKS:
                raise DomainError("BANK_REQUIRED", "Vui lòng chọn ngân hàng hoặc ví điện tử để thanh toán.",
                                  "Choose a bank or an e-wallet to pay with.")
            if action == "pay":
                changes = self._paid_columns(ns, now) | {"status": codes.STATUS_PAID, "result_code": codes.PAID}
            elif action == "cancel":
                changes = {"status": codes.STATUS_FAILED, "result_code": codes.CANCELLED, "finished_at": to_iso(now)}
            else:
                changes = {"status": codes.STATUS_PENDING, "result_code": codes.PENDING,
                           "transaction_id": self._new_transaction_id(ns, now)}
            changes["bank_code"] = bank_code
            txn = self._update(conn, txn, changes)
        return CheckoutOutcome(txn, changed=True)

    def return_url(self, txn: PaymentTransaction) -> str:
        """Where the payer goes back to: the partner's return_url with the outcome, signed (RETURN_FIELDS)."""
        partner = self.partner(txn.partner_code)
        base = partner.return_url if partner else "/"
        params: dict[str, Any] = {"MaThamChieu": txn.reference, "MaLoi": txn.result_code,
                                  "TrangThaiGD": str(txn.status), "MaGiaoDich": txn.transaction_id or ""}
        if partner is not None:
            params["MaXacThuc"] = ma_xac_thuc(params, RETURN_FIELDS, partner.secret)
        return base + ("&" if "?" in base else "?") + urlencode(params)

    # -- receipt -----------------------------------------------------------------------------------
    def receipt(self, ns: str, transaction_id: str) -> tuple[PaymentTransaction, dict[str, Any]]:
        row = self.store.one("SELECT * FROM pay_transaction WHERE ns = ? AND transaction_id = ? AND status = ?",
                             (ns, transaction_id, codes.STATUS_PAID))
        if row is None:
            raise NotFound("RECEIPT_NOT_FOUND", "Không tìm thấy biên lai của giao dịch này.",
                           "No receipt for that transaction.")
        txn = PaymentTransaction.from_row(row)
        return txn, self.bill(txn)

    # -- admin -------------------------------------------------------------------------------------
    def resolve(self, ns: str, reference: str, outcome: str, partner_code: str | None = None) -> PaymentTransaction:
        """Settle a pending (bank time-out) transaction: paid or failed; the confirmation then goes out."""
        if outcome not in ("paid", "failed"):
            raise DomainError("INVALID_OUTCOME", "Kết quả phải là 'paid' hoặc 'failed'.",
                              "The outcome must be 'paid' or 'failed'.")
        now = self.clock.now(ns)
        with self.store.transaction() as conn:
            txn = self._admin_find(ns, reference, partner_code)
            if txn.status != codes.STATUS_PENDING:
                raise Conflict("NOT_PENDING",
                               f"Giao dịch {reference} không ở trạng thái chờ xử lý ({txn.status_name_vi}).",
                               f"Transaction {reference} is not pending ({txn.status_name}).")
            if outcome == "paid":
                changes = self._paid_columns(ns, now, keep_id=txn.transaction_id) | {
                    "status": codes.STATUS_PAID, "result_code": codes.PAID}
            else:
                changes = {"status": codes.STATUS_FAILED, "result_code": codes.BANK_FAILED, "finished_at": to_iso(now)}
            return self._update(conn, txn, changes)

    def transactions(self, ns: str, reference: str | None = None) -> list[dict[str, Any]]:
        """The namespace's transactions with their confirmations and each delivery attempt (admin view)."""
        now = self.clock.now(ns)
        self.store.execute(
            "UPDATE pay_transaction SET status = ?, result_code = ?, finished_at = expires_at"
            " WHERE ns = ? AND status = ? AND expires_at <= ?",
            (codes.STATUS_FAILED, codes.EXPIRED, ns, codes.CREATED, to_iso(now)),
        )
        sql, args = "SELECT * FROM pay_transaction WHERE ns = ?", [ns]
        if reference:
            sql += " AND reference = ?"
            args.append(reference)
        txns = [PaymentTransaction.from_row(r) for r in self.store.query(sql + " ORDER BY created_at, reference", args)]
        confirmations = self.confirmations(ns, reference)
        return [self.describe(t, confirmations.get((t.partner_code, t.reference), [])) for t in txns]

    def confirmations(self, ns: str, reference: str | None = None) -> dict[tuple[str, str], list[dict[str, Any]]]:
        sql, args = "SELECT * FROM pay_delivery WHERE ns = ?", [ns]
        if reference:
            sql += " AND reference = ?"
            args.append(reference)
        attempts: dict[int, list[dict[str, Any]]] = {}
        for r in self.store.query(sql + " ORDER BY id", args):
            attempts.setdefault(r["outbox_id"], []).append(
                {"attempt": r["attempt"], "at": r["at"], "url": r["url"], "http_status": r["http_status"],
                 "outcome": r["outcome"], "detail": r["detail"]})
        grouped: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for m in self.outbox.messages(ns, kind=CONFIRM_KIND):
            payload = m["payload"]
            if reference and payload["reference"] != reference:
                continue
            grouped.setdefault((payload["partner"], payload["reference"]), []).append({
                "outbox_id": m["id"], "result_code": payload["body"]["MaLoi"], "status": m["status"],
                "attempts": m["attempts"], "last_error": m["last_error"], "body": payload["body"],
                "deliveries": attempts.get(m["id"], []),
            })
        return grouped

    def describe(self, txn: PaymentTransaction, confirmations: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "reference": txn.reference, "partner_code": txn.partner_code, "amount": txn.amount,
            "currency": txn.currency, "status": txn.status, "status_name": txn.status_name,
            "result_code": txn.result_code, "transaction_id": txn.transaction_id, "bank_code": txn.bank_code,
            "description": txn.description, "receipt_info": txn.receipt_info, "receipt_no": txn.receipt_no,
            "payment_url": self.checkout_url(txn), "created_at": to_iso(txn.created_at),
            "expires_at": to_iso(txn.expires_at), "finished_at": to_iso(txn.finished_at),
            "confirmations": confirmations,
        }

    def reset(self, ns: str) -> None:
        self.store.delete_namespace(ns, ("pay_transaction", "pay_receipt_counter", "pay_delivery"))

    # -- the confirmation --------------------------------------------------------------------------
    def confirmation(self, txn: PaymentTransaction, partner: Partner) -> dict[str, Any]:
        """The signed CONFIRM message of a final transaction."""
        body = {
            "LoaiBanTin": "CONFIRM", "MaLoi": txn.result_code, "MaDoiTac": txn.partner_code,
            "MaThamChieu": txn.reference, "SoTien": txn.amount, "MaTienTe": txn.currency,
            "MaGiaoDich": txn.transaction_id or "", "MaNganHang": txn.bank_code, "ThoiGianGD": txn.wire_time,
            "ThongTinGiaoDich": txn.description, "TrangThaiGD": txn.status,
        }
        return sign(body, "CONFIRM", partner.secret)

    def deliver_confirmation(self, message: OutboxMessage) -> None:
        """Outbox sender: POST the confirmation; raises unless the partner answers 2xx with MaLoi "00"."""
        payload = message.payload
        partner = self.partner(payload["partner"])
        url = partner.callback_url if partner else payload["callback_url"]  # a re-registered URL wins
        at = to_iso(self.clock.now(message.ns)) or ""
        try:
            response = self.http.post(url, json=payload["body"], headers=forward_headers(message.ns),
                                     timeout=CALLBACK_TIMEOUT)
        except requests.RequestException as exc:
            self._record(message, at, url, None, "error", f"{type(exc).__name__}: {exc}")
            raise
        try:
            answer = response.json()
        except ValueError:
            answer = None
        acknowledged = response.ok and isinstance(answer, dict) and answer.get("MaLoi") == codes.SUCCESS
        detail = response.text[:500]
        self._record(message, at, url, response.status_code, "acknowledged" if acknowledged else "refused", detail)
        if not acknowledged:
            raise ConfirmationNotAcknowledged(f"HTTP {response.status_code}: {detail[:200]}")

    def _record(self, message: OutboxMessage, at: str, url: str, http_status: int | None, outcome: str,
                detail: str) -> None:
        self.store.execute(
            "INSERT INTO pay_delivery(ns, outbox_id, partner_code, reference, attempt, at, url, http_status, outcome,"
            " detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (message.ns, message.id, message.payload["partner"], message.payload["reference"], message.attempts + 1,
             at, url, http_status, outcome, detail[:500]),
        )

    # -- storage helpers ---------------------------------------------------------------------------
    def _find(self, ns: str, where: str, args: tuple[Any, ...], now: datetime) -> PaymentTransaction | None:
        """One transaction, expired first when its 15 minutes are over (checked lazily, on each read)."""
        row = self.store.one(f"SELECT * FROM pay_transaction WHERE ns = ? AND {where}", (ns, *args))
        if row is None:
            return None
        txn = PaymentTransaction.from_row(row)
        if txn.status == codes.CREATED and now >= txn.expires_at:
            self.store.execute(
                "UPDATE pay_transaction SET status = ?, result_code = ?, finished_at = expires_at"
                " WHERE ns = ? AND partner_code = ? AND reference = ? AND status = ?",
                (codes.STATUS_FAILED, codes.EXPIRED, ns, txn.partner_code, txn.reference, codes.CREATED),
            )
            row = self.store.one("SELECT * FROM pay_transaction WHERE ns = ? AND partner_code = ? AND reference = ?",
                                 (ns, txn.partner_code, txn.reference))
            assert row is not None
            txn = PaymentTransaction.from_row(row)
        return txn

    def _by_reference(self, ns: str, partner_code: str, reference: str) -> PaymentTransaction:
        txn = self._find(ns, "partner_code = ? AND reference = ?", (partner_code, reference), self.clock.now(ns))
        if txn is None:
            raise PaymentError(codes.NOT_FOUND, f"Không tìm thấy giao dịch có mã tham chiếu {reference}.",
                               f"No transaction with reference {reference}.")
        return txn

    def _admin_find(self, ns: str, reference: str, partner_code: str | None) -> PaymentTransaction:
        now = self.clock.now(ns)
        if partner_code:
            txn = self._find(ns, "partner_code = ? AND reference = ?", (partner_code, reference), now)
            found = [txn] if txn else []
        else:
            rows = self.store.query("SELECT partner_code FROM pay_transaction WHERE ns = ? AND reference = ?",
                                    (ns, reference))
            found = [t for r in rows if (t := self._find(ns, "partner_code = ? AND reference = ?",
                                                         (r["partner_code"], reference), now))]
        if not found:
            raise NotFound("TRANSACTION_NOT_FOUND", f"Không tìm thấy giao dịch {reference}.",
                           f"No transaction {reference}.")
        if len(found) > 1:
            raise Conflict("AMBIGUOUS_REFERENCE", "Nhiều đối tác dùng mã tham chiếu này; hãy chỉ rõ partner.",
                           "Several partners use this reference; name the partner.")
        return found[0]

    def _paid_columns(self, ns: str, now: datetime, keep_id: str | None = None) -> dict[str, Any]:
        return {"transaction_id": keep_id or self._new_transaction_id(ns, now), "finished_at": to_iso(now),
                "receipt_no": self._next_receipt_no(ns, now)}

    def _new_transaction_id(self, ns: str, now: datetime) -> str:
        """MaGiaoDich: 'PG' + yyMMdd + 8 random digits, unique in the namespace."""
        while True:
            candidate = f"PG{now:%y%m%d}{secrets.randbelow(10**8):08d}"
            if self.store.one("SELECT 1 FROM pay_transaction WHERE ns = ? AND transaction_id = ?",
                              (ns, candidate)) is None:
                return candidate

    def _next_receipt_no(self, ns: str, now: datetime) -> str:
        """SoBienLai: a 7-digit counter per namespace and year [assumed]."""
        self.store.execute(
            "INSERT INTO pay_receipt_counter(ns, year, last) VALUES (?, ?, 1)"
            " ON CONFLICT(ns, year) DO UPDATE SET last = last + 1", (ns, now.year))
        last = self.store.scalar("SELECT last FROM pay_receipt_counter WHERE ns = ? AND year = ?", (ns, now.year))
        return f"{int(last):07d}"

    def _update(self, conn: sqlite3.Connection, txn: PaymentTransaction,
                changes: dict[str, Any]) -> PaymentTransaction:
        """Apply the change; when the transaction became final, queue its confirmation in the same transaction."""
        columns = ", ".join(f"{name} = ?" for name in changes)
        conn.execute(f"UPDATE pay_transaction SET {columns} WHERE ns = ? AND partner_code = ? AND reference = ?",
                     (*changes.values(), txn.ns, txn.partner_code, txn.reference))
        row = conn.execute("SELECT * FROM pay_transaction WHERE ns = ? AND partner_code = ? AND reference = ?",
                           (txn.ns, txn.partner_code, txn.reference)).fetchone()
        updated = PaymentTransaction.from_row(row)
        partner = self.partner(updated.partner_code)
        if updated.final and partner is not None:
            self.outbox.enqueue(
                updated.ns, CONFIRM_KIND,
                {"partner": partner.code, "reference": updated.reference, "callback_url": partner.callback_url,
                 "body": self.confirmation(updated, partner)},
                key=updated.reference, conn=conn,
            )
        return updated
