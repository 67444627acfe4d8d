"""Dossiers (hồ sơ): submission rules, codes, statuses, history, and the way to the result.

The rules of the online service levels (Decree 43/2011 Art. 3, Circular 32/2017), of dossier
codes (Circular 01/2018 Art. 19) and of the national protocols live here once; the API, the
pages and the other modules (payments, delivery, the back office's workflow) call them. Every
change of a dossier is written in one transaction with its history entry, the national sync
messages it causes (outbox) and the notices to the applicant, so the national portal sees
exactly what happened, in order. The officers' transitions (receive, refuse, supplement, process, result,
return, stop, re-schedule...) are in workflow.py, over `change()` below.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from mocks.core.clock import Clock
from mocks.core.codes import CHANNELS, DOSSIER_STATUS
from mocks.core.config import StackConfig
from mocks.core.errors import Conflict, DomainError, Forbidden, NotFound
from mocks.core.identifiers import DAILY_DOSSIER_NUMBERS, compose_dossier_code
from mocks.core.outbox import Outbox
from mocks.core.storage import Store, dumps, loads
from mocks.core.timefmt import VN_TZ, from_iso, to_iso, to_wire

from .accounts import Account
from .attachments import AttachmentInfo, AttachmentStore, Upload, check_total, check_upload
from .catalogue import APPLICANT_TYPE_NAMES, Catalogue, Offering, Procedure
from .delivery import (
    POSTAL_KIND,
    InvalidAddress,
    PostalAddress,
    PostalOrder,
    PostalOrders,
    TrackingEvent,
    order_request,
    parse_address,
)
from .forms import validate_form
from .notifications import Notifications
from .sync import SyncQueue, sync_state
from .workdays import WorkCalendar

# TrangThaiHoSo, the status codes DVCQG sets (mocks/core/codes.py).
STATUS_NAMES = DOSSIER_STATUS
NEW, RECEIVED, REFUSED, PROCESSING, SUPPLEMENT, FINANCIAL, WITHDRAWN, STOPPED, DONE, RETURNED = range(1, 11)
# KenhThucHien: 1 at the counter, 2 online, 3 by post. Everything submitted on the portal is online;
# the desk enters the other two (workflow.py).
CHANNEL_COUNTER, CHANNEL_ONLINE, CHANNEL_POST = 1, 2, 3
CHANNEL_NAMES = CHANNELS
# Statuses after which nothing more happens to a dossier (a done dossier still waits for its return).
CLOSED = (REFUSED, WITHDRAWN, STOPPED, RETURNED)
# The citizen's satisfaction rating after the result (Circular 32/2017) [assumed three-level scale].
RATINGS: dict[int, str] = {1: "Không hài lòng", 2: "Hài lòng", 3: "Rất hài lòng"}
RESULT_DELIVERIES: dict[str, str] = {
    "counter": "Nhận tại bộ phận một cửa",
    "online": "Nhận kết quả trực tuyến",
    "post": "Nhận qua dịch vụ bưu chính công ích",
}
PAYMENT_METHODS: dict[str, str] = {"online": "Thanh toán trực tuyến", "counter": "Thanh toán tại cơ quan"}
PAYMENT_STATES: dict[str, str] = {
    "not_required": "Không phải nộp phí, lệ phí",
    "unpaid": "Chưa thanh toán",
    "pending": "Đang chờ kết quả thanh toán",
    "paid": "Đã thanh toán",
}
# The result-ready shortcut walks a dossier through receipt and processing to its result.
RESULT_READY_FROM = (NEW, RECEIVED, PROCESSING)
# Online payment of a fee collected before the result: while the dossier is alive.
PAYABLE_BEFORE = (NEW, RECEIVED, PROCESSING, SUPPLEMENT, FINANCIAL)


@dataclass(frozen=True)
class Actor:
    """Who made a change: shown in the history and sent as NguoiXuLy / ChucDanh."""

    name: str
    role: str


SYSTEM = Actor("Cổng Dịch vụ công tỉnh Quảng Nam", "Hệ thống")
OFFICER = Actor("Bộ phận một cửa (giả lập)", "Cán bộ tiếp nhận và trả kết quả")
PAYMENT_PLATFORM = Actor("Nền tảng thanh toán trực tuyến", "Hệ thống")
POST = Actor("Bưu chính công ích", "Bưu chính")


def citizen(account: Account) -> Actor:
    return Actor(account.full_name, APPLICANT_TYPE_NAMES.get(account.account_type, "Công dân"))


DDL = """
CREATE TABLE IF NOT EXISTS dossier (
    ns TEXT NOT NULL,
    code TEXT NOT NULL,
    procedure_code TEXT NOT NULL,
    national_code TEXT NOT NULL,
    procedure_name TEXT NOT NULL,
    agency_code TEXT NOT NULL,
    agency_name TEXT NOT NULL,
    tier TEXT NOT NULL,
    level INTEGER NOT NULL,
    applicant_id TEXT NOT NULL,
    applicant_type INTEGER NOT NULL,
    applicant_name TEXT NOT NULL,
    applicant_id_number TEXT,
    email TEXT,
    phone TEXT,
    vneid_verified INTEGER NOT NULL DEFAULT 0,
    form TEXT NOT NULL,
    summary TEXT NOT NULL,
    status INTEGER NOT NULL,
    channel INTEGER NOT NULL,
    result_delivery TEXT NOT NULL,
    payment_method TEXT,
    fee_amount INTEGER NOT NULL,
    fee_timing TEXT NOT NULL,
    fee_description TEXT,
    payment_status TEXT NOT NULL,
    paid_online INTEGER NOT NULL DEFAULT 0,
    payment_reference TEXT,
    postal_address TEXT,
    submitted_at TEXT NOT NULL,
    received_at TEXT,               -- NgayTiepNhan: NULL until an officer receives the dossier
    appointment_at TEXT NOT NULL,
    result_ready_at TEXT,
    returned_at TEXT,
    updated_at TEXT NOT NULL,
    clock_started_at TEXT,          -- when the processing time started counting (receipt, or the supplement)
    supplement TEXT,                -- JSON: the one supplement request and its answer
    reschedule TEXT,                -- JSON: the one re-scheduling (apology slip, form 04)
    result_documents TEXT,          -- JSON list: the result documents
    closing_reason TEXT,            -- why it was refused, stopped or withdrawn
    rating INTEGER,
    rating_comment TEXT,
    rated_at TEXT,
    entered_by TEXT,                -- the desk officer who entered a counter or postal dossier
    PRIMARY KEY (ns, code)
);
CREATE INDEX IF NOT EXISTS dossier_applicant ON dossier(ns, applicant_id, submitted_at);
CREATE INDEX IF NOT EXISTS dossier_status ON dossier(ns, status);
-- an agency's queue by status, newest first, a page at a time: read off the index, not sorted (replaces
-- dossier_agency(ns, agency_code, status), which left every dossier of the queue to sort for each page)
DROP INDEX IF EXISTS dossier_agency;
CREATE INDEX IF NOT EXISTS dossier_agency_queue ON dossier(ns, agency_code, status, submitted_at, code);
CREATE INDEX IF NOT EXISTS dossier_received ON dossier(ns, received_at);
CREATE TABLE IF NOT EXISTS dossier_counter (
    ns TEXT NOT NULL,
    agency_code TEXT NOT NULL,
    day TEXT NOT NULL,          -- YYMMDD of the receipt, by the namespace clock
    last INTEGER NOT NULL,
    PRIMARY KEY (ns, agency_code, day)
);
CREATE TABLE IF NOT EXISTS dossier_history (
    ns TEXT NOT NULL,
    dossier_code TEXT NOT NULL,
    seq INTEGER NOT NULL,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    role TEXT NOT NULL,
    from_status INTEGER,
    to_status INTEGER NOT NULL,
    action TEXT NOT NULL,
    note TEXT NOT NULL,
    PRIMARY KEY (ns, dossier_code, seq)
);
"""


# Columns added by the back office; a state folder made before it gets them on start.
ADDED_COLUMNS: dict[str, str] = {
    "clock_started_at": "TEXT", "supplement": "TEXT", "reschedule": "TEXT", "result_documents": "TEXT",
    "closing_reason": "TEXT", "rating": "INTEGER", "rating_comment": "TEXT", "rated_at": "TEXT", "entered_by": "TEXT",
}


def migrate(store: Store) -> None:
    """Create the tables, or bring an older dossier table up to date (new columns; received_at nullable)."""
    columns = {r["name"]: r for r in store.query("PRAGMA table_info(dossier)")}
    if columns and columns["received_at"]["notnull"]:
        # SQLite cannot drop a NOT NULL: rebuild the table under its new definition and copy the rows.
        old = [name for name in columns]
        table = DDL.split("CREATE INDEX", 1)[0]
        store.migrate("BEGIN IMMEDIATE; ALTER TABLE dossier RENAME TO dossier_before_backoffice;" + table
                      + f"INSERT INTO dossier({', '.join(old)}) SELECT {', '.join(old)} FROM dossier_before_backoffice;"
                      " DROP TABLE dossier_before_backoffice; COMMIT;")
        columns = {r["name"]: r for r in store.query("PRAGMA table_info(dossier)")}
    for name, kind in ADDED_COLUMNS.items():
        if columns and name not in columns:
            store.execute(f"ALTER TABLE dossier ADD COLUMN {name} {kind}")
    store.migrate(DDL)


@dataclass(frozen=True)
class HistoryEntry:
    seq: int
    at: datetime
    actor: str
    role: str
    from_status: int | None
    to_status: int
    action: str
    note: str

    def to_json(self) -> dict[str, Any]:
        return {"seq": self.seq, "at": to_iso(self.at), "actor": self.actor, "role": self.role,
                "from_status": self.from_status, "to_status": self.to_status,
                "to_status_name": STATUS_NAMES[self.to_status], "action": self.action, "note": self.note}


@dataclass
class Dossier:
    code: str
    procedure_code: str
    national_code: str
    procedure_name: str
    agency_code: str
    agency_name: str
    tier: str
    level: int
    applicant_id: str
    applicant_type: int
    applicant_name: str
    applicant_id_number: str | None
    email: str | None
    phone: str | None
    vneid_verified: bool
    form: dict[str, Any]
    summary: str
    status: int
    channel: int
    result_delivery: str
    payment_method: str | None
    fee_amount: int
    fee_timing: str
    fee_description: str
    payment_status: str
    paid_online: bool
    payment_reference: str | None
    postal_address: PostalAddress | None
    submitted_at: datetime
    received_at: datetime | None
    appointment_at: datetime
    result_ready_at: datetime | None
    returned_at: datetime | None
    updated_at: datetime
    attachments: list[AttachmentInfo] = field(default_factory=list)
    history: list[HistoryEntry] = field(default_factory=list)
    postal_order: PostalOrder | None = None
    clock_started_at: datetime | None = None
    supplement: dict[str, Any] | None = None
    reschedule: dict[str, Any] | None = None
    result_documents: list[dict[str, Any]] = field(default_factory=list)
    closing_reason: str | None = None
    rating: int | None = None
    rating_comment: str | None = None
    rated_at: datetime | None = None
    entered_by: str | None = None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Dossier:
        address = loads(row["postal_address"])
        return cls(
            code=row["code"], procedure_code=row["procedure_code"], national_code=row["national_code"],
            procedure_name=row["procedure_name"], agency_code=row["agency_code"], agency_name=row["agency_name"],
            tier=row["tier"], level=row["level"], applicant_id=row["applicant_id"],
            applicant_type=row["applicant_type"], applicant_name=row["applicant_name"],
            applicant_id_number=row["applicant_id_number"], email=row["email"], phone=row["phone"],
            vneid_verified=bool(row["vneid_verified"]), form=loads(row["form"]) or {}, summary=row["summary"],
            status=row["status"], channel=row["channel"], result_delivery=row["result_delivery"],
            payment_method=row["payment_method"], fee_amount=row["fee_amount"], fee_timing=row["fee_timing"],
            fee_description=row["fee_description"] or "", payment_status=row["payment_status"],
            paid_online=bool(row["paid_online"]), payment_reference=row["payment_reference"],
            postal_address=PostalAddress(**address) if address else None,
            submitted_at=_dt(row["submitted_at"]), received_at=from_iso(row["received_at"]),
            appointment_at=_dt(row["appointment_at"]), result_ready_at=from_iso(row["result_ready_at"]),
            returned_at=from_iso(row["returned_at"]), updated_at=_dt(row["updated_at"]),
            clock_started_at=from_iso(row["clock_started_at"]), supplement=loads(row["supplement"]),
            reschedule=loads(row["reschedule"]), result_documents=loads(row["result_documents"]) or [],
            closing_reason=row["closing_reason"], rating=row["rating"], rating_comment=row["rating_comment"],
            rated_at=from_iso(row["rated_at"]), entered_by=row["entered_by"],
        )

    @property
    def status_name(self) -> str:
        return STATUS_NAMES[self.status]

    @property
    def channel_name(self) -> str:
        return CHANNEL_NAMES.get(self.channel, "")

    @property
    def paper(self) -> bool:
        """Handed in at the counter or by post (the paper rules apply: the 15:00 cut-off)."""
        return self.channel != CHANNEL_ONLINE

    @property
    def judged_deadline(self) -> datetime:
        """The deadline the dossier is judged on time against: a re-scheduled one keeps its first date."""
        if self.reschedule and self.reschedule.get("from"):
            return _dt(self.reschedule["from"])
        return self.appointment_at

    @property
    def finished_on_time(self) -> bool | None:
        """For a dossier with its result (9, 10): was the result ready by the deadline; None otherwise."""
        if self.status not in (DONE, RETURNED) or self.result_ready_at is None:
            return None
        return self.result_ready_at <= self.judged_deadline

    @property
    def online_fee_unpaid(self) -> bool:
        """A fee the citizen chose (or must) pay online and has not paid yet."""
        return self.payment_method == "online" and self.fee_amount > 0 and not self.paid_online

    def payment_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"status": self.payment_status, "status_name": PAYMENT_STATES[self.payment_status],
                               "paid_online": self.paid_online, "method": self.payment_method}
        if self.payment_reference:
            out["reference"] = self.payment_reference
        return out

    def summary_json(self) -> dict[str, Any]:
        return {
            "code": self.code, "procedure_code": self.procedure_code, "national_code": self.national_code,
            "procedure_name": self.procedure_name, "agency_code": self.agency_code, "agency_name": self.agency_name,
            "tier": self.tier, "level": self.level, "status": self.status, "status_name": self.status_name,
            "channel": self.channel, "channel_name": self.channel_name, "result_delivery": self.result_delivery,
            "payment_method": self.payment_method,
            "fee": {"amount": self.fee_amount, "timing": self.fee_timing},
            "payment": self.payment_json(), "applicant_name": self.applicant_name,
            "submitted_at": to_iso(self.submitted_at), "appointment_date": to_iso(self.appointment_at),
            "returned_at": to_iso(self.returned_at),
        }

    def to_json(self, tracking_base: str | None = None) -> dict[str, Any]:
        out = self.summary_json()
        out.update({
            "applicant": {"id": self.applicant_id, "type": self.applicant_type, "name": self.applicant_name,
                          "id_number": self.applicant_id_number, "email": self.email, "phone": self.phone},
            "summary": self.summary, "form": self.form,
            "received_at": to_iso(self.received_at), "result_ready_at": to_iso(self.result_ready_at),
            "clock_started_at": to_iso(self.clock_started_at),
            "attachments": [a.to_json() for a in self.attachments],
            "history": [h.to_json() for h in self.history],
            "supplement": self.supplement, "reschedule": self.reschedule,
            "result_documents": self.result_documents, "closing_reason": self.closing_reason,
            "rating": None if self.rating is None else {
                "value": self.rating, "name": RATINGS.get(self.rating, ""), "comment": self.rating_comment or "",
                "at": to_iso(self.rated_at)},
            "entered_by": self.entered_by,
        })
        if self.postal_address is not None:
            out["postal_address"] = self.postal_address.to_json()
        if self.postal_order is not None:
            out["postal_order"] = self.postal_order.to_json(tracking_base)
        return out

    def public_json(self) -> dict[str, Any]:
        """What anyone may see with the dossier code (the public look-up)."""
        return {"code": self.code, "procedure_name": self.procedure_name, "agency_name": self.agency_name,
                "status": self.status, "status_name": self.status_name, "submitted_at": to_iso(self.submitted_at),
                "appointment_date": to_iso(self.appointment_at), "returned_at": to_iso(self.returned_at)}


def _dt(text: str) -> datetime:
    moment = from_iso(text)
    assert moment is not None
    return moment


def check_online(procedure: Procedure) -> None:
    """Levels 1–2 take no dossier online (Decree 43/2011 Art. 3, Circular 32/2017)."""
    if not procedure.online:
        raise DomainError(
            "LEVEL_NOT_ONLINE",
            f"Thủ tục này chưa cung cấp nộp hồ sơ trực tuyến ({procedure.level_text}): "
            "vui lòng nộp trực tiếp tại bộ phận một cửa hoặc qua dịch vụ bưu chính.",
            f"This procedure (level {procedure.level}) does not take dossiers online: "
            "hand it in at the one-stop counter or by post.",
            details={"level": procedure.level},
        )


def fee_for(procedure: Procedure, form: dict[str, Any]) -> int:
    """The fee due: the template's amount, times the number of copies (so_ban) when charged per copy."""
    if not procedure.fee.due:
        return 0
    copies = form.get("so_ban", 1) if procedure.fee.per_copy else 1
    return int(procedure.fee.amount * max(int(copies), 1))


def choose_delivery(procedure: Procedure, result_delivery: str | None) -> str:
    choice = result_delivery or "counter"
    if choice not in RESULT_DELIVERIES:
        raise DomainError("INVALID_RESULT_DELIVERY",
                          "Hình thức nhận kết quả phải là: counter (tại bộ phận một cửa), online (trực tuyến) "
                          "hoặc post (qua bưu chính công ích).",
                          "result_delivery must be counter, online or post.")
    if choice == "online" and procedure.level < 4:
        raise DomainError("ONLINE_RESULT_NOT_OFFERED",
                          "Thủ tục một phần (mức độ 3) không trả kết quả trực tuyến: chọn nhận tại bộ phận một cửa"
                          " hoặc qua bưu chính.",
                          "A level-3 procedure does not return its result online.")
    if choice == "post" and not procedure.result_by_post:
        raise DomainError("POSTAL_RETURN_NOT_OFFERED",
                          "Thủ tục này không hỗ trợ nhận kết quả qua dịch vụ bưu chính công ích.",
                          "This procedure does not return its result by post.")
    return choice


def choose_payment(procedure: Procedure, fee: int, delivery: str, payment_method: str | None) -> str | None:
    """How the fee is paid; None when there is nothing to pay."""
    if payment_method and payment_method not in PAYMENT_METHODS:
        raise DomainError("INVALID_PAYMENT_METHOD",
                          "Hình thức thanh toán phải là: online (trực tuyến) hoặc counter (tại cơ quan).",
                          "payment_method must be online or counter.")
    if fee <= 0:
        return None
    if procedure.level < 4:
        if payment_method == "online":
            raise DomainError("ONLINE_PAYMENT_NOT_OFFERED",
                              "Thủ tục một phần (mức độ 3) chưa hỗ trợ thanh toán trực tuyến: phí, lệ phí được nộp "
                              "tại cơ quan giải quyết.",
                              "A level-3 procedure's fee is paid at the agency, not online.")
        return "counter"
    method = payment_method or "online"
    if delivery == "post" and method != "online":
        # The seed letter (2022, after Decree 45/2020): a postal return of a level-4 result needs online payment.
        raise DomainError("POSTAL_NEEDS_ONLINE_PAYMENT",
                          "Khi nhận kết quả qua dịch vụ bưu chính công ích, phí, lệ phí phải được thanh toán trực "
                          "tuyến.",
                          "A result returned by post requires the fee to be paid online.")
    return method


def choose_applicant_type(procedure: Procedure, account: Account, applicant_type: Any) -> int:
    kind = account.account_type if applicant_type in (None, "") else applicant_type
    try:
        kind = int(kind)
    except (TypeError, ValueError):
        kind = 0
    if kind not in APPLICANT_TYPE_NAMES:
        raise DomainError("INVALID_APPLICANT_TYPE",
                          "Đối tượng thực hiện phải là 1 (công dân), 2 (doanh nghiệp), 3 (cơ quan nhà nước) "
                          "hoặc 4 (tổ chức khác).",
                          "applicant_type must be 1, 2, 3 or 4.")
    if kind not in procedure.applicant_types:
        allowed = ", ".join(APPLICANT_TYPE_NAMES[t] for t in procedure.applicant_types)
        raise DomainError("APPLICANT_TYPE_NOT_ALLOWED",
                          f"Thủ tục này không dành cho {APPLICANT_TYPE_NAMES[kind].lower()}: chỉ dành cho {allowed}.",
                          f"This procedure is not for applicant type {kind}; it is for types "
                          f"{list(procedure.applicant_types)}.",
                          details={"allowed": list(procedure.applicant_types)})
    return kind


def check_attachments(procedure: Procedure, uploads: list[Upload]) -> list[Upload]:
    checked: list[Upload] = []
    for upload in uploads:
        spec = procedure.attachment_named(upload.code) if isinstance(upload.code, str) else None
        if spec is None:
            raise DomainError("UNKNOWN_ATTACHMENT",
                              f"Thành phần hồ sơ '{upload.code}' không có trong thủ tục này.",
                              f"The procedure has no document with code '{upload.code}'.",
                              details={"known": [a.code for a in procedure.attachments]})
        checked.append(check_upload(upload, spec.name))
    check_total(checked)
    handed_in = {u.code for u in checked}
    missing = [a for a in procedure.attachments if a.required and a.code not in handed_in]
    if missing:
        names = "; ".join(a.name for a in missing)
        raise DomainError("ATTACHMENT_REQUIRED", f"Thiếu thành phần hồ sơ bắt buộc: {names}.",
                          f"Required documents are missing: {', '.join(a.code for a in missing)}.",
                          details=[{"code": a.code, "name": a.name} for a in missing])
    return checked


class Dossiers:
    def __init__(self, store: Store, clock: Clock, outbox: Outbox, config: StackConfig, catalogue: Catalogue,
                 calendar: WorkCalendar, postal_orders: PostalOrders) -> None:
        self.store = store
        self.clock = clock
        self.outbox = outbox
        self.config = config
        self.catalogue = catalogue
        self.calendar = calendar
        self.sync = SyncQueue(outbox)
        self.files = AttachmentStore(store)
        self.postal_orders = postal_orders
        self.notifications = Notifications(store, clock)
        migrate(store)

    # -- submission ------------------------------------------------------------------------------
    def resolve_offering(self, procedure_code: Any, agency_code: Any) -> Offering:
        """The offering a submission is for; an offline procedure is refused before the agency is asked for."""
        if not isinstance(procedure_code, str) or not procedure_code:
            raise DomainError("PROCEDURE_REQUIRED", "Thiếu mã thủ tục hành chính (procedure_code).",
                              "procedure_code is required.")
        check_online(self.catalogue.require_procedure(procedure_code))
        return self.catalogue.offering(procedure_code, agency_code if isinstance(agency_code, str) else None)

    def submit(self, ns: str, applicant: Account, offering: Offering, form: Any, attachments: list[Upload],
               result_delivery: str | None = None, payment_method: str | None = None,
               postal_address: Any = None, applicant_type: Any = None) -> Dossier:
        procedure, agency = offering.procedure, offering.agency
        check_online(procedure)
        kind = choose_applicant_type(procedure, applicant, applicant_type)
        clean_form = validate_form(procedure, form)
        delivery = choose_delivery(procedure, result_delivery)
        address = None
        if delivery == "post":
            try:
                address = parse_address(postal_address)
            except InvalidAddress as exc:
                labels = ", ".join(p["label"] for p in exc.problems)
                raise DomainError("POSTAL_ADDRESS_INVALID",
                                  f"Địa chỉ nhận kết quả qua bưu chính chưa hợp lệ ({labels}): {exc}",
                                  "The postal address is missing or invalid: "
                                  + ", ".join(p["field"] for p in exc.problems) + ".",
                                  details=exc.problems) from None
        fee = fee_for(procedure, clean_form)
        method = choose_payment(procedure, fee, delivery, payment_method)
        files = check_attachments(procedure, attachments)

        now = self.clock.now(ns)
        day = now.strftime("%y%m%d")
        appointment = self.calendar.appointment(now, procedure.processing_days)
        summary = f"{procedure.name} — {applicant.full_name}"[:1000]
        with self.store.transaction() as conn:
            code = self.new_code(conn, ns, agency.code, day)
            stamp = to_iso(now)
            conn.execute(
                "INSERT INTO dossier(ns, code, procedure_code, national_code, procedure_name, agency_code, agency_name,"
                " tier, level, applicant_id, applicant_type, applicant_name, applicant_id_number, email, phone,"
                " vneid_verified, form, summary, status, channel, result_delivery, payment_method, fee_amount,"
                " fee_timing, fee_description, payment_status, paid_online, postal_address, submitted_at, received_at,"
                " appointment_at, updated_at)"
                f" VALUES ({', '.join(['?'] * 26)}, 0, ?, ?, ?, ?, ?)",
                (ns, code, procedure.code, procedure.national_code, procedure.name, agency.code, agency.name,
                 procedure.tier, procedure.level, applicant.id, kind, applicant.full_name, applicant.id_number,
                 applicant.email, applicant.phone, int(applicant.verified_with_vneid), dumps(clean_form), summary,
                 NEW, CHANNEL_ONLINE, delivery, method, fee, procedure.fee.timing if fee else "none",
                 procedure.fee.description if fee else "", "unpaid" if fee else "not_required",
                 dumps(address.to_json()) if address else None, stamp, None, to_iso(appointment), stamp),
            )
            self.files.save(conn, ns, code, files)
            self._history(conn, ns, code, now, citizen(applicant), None, NEW, "submitted",
                          "Nộp hồ sơ trực tuyến trên Cổng Dịch vụ công tỉnh")
            dossier = self._load(conn, ns, code)
            self.sync.created(conn, ns, dossier)
        return dossier

    def new_code(self, conn: sqlite3.Connection, ns: str, agency_code: str, day: str) -> str:
        """The next AGENCY-YYMMDD-NNNN; the counter row commits with the dossier, so no two share a code.

        The code holds four digits, so an agency numbers at most 9,999 dossiers a day. The next one is
        refused rather than given a code the national sync would refuse for ever: a dossier the portal
        accepts must reach the national portal. The counter stops at 9,999 in the same statement that
        counts (nothing to undo), and the refusal rolls the caller's transaction back: nothing is kept.
        """
        counted = conn.execute(
            "INSERT INTO dossier_counter(ns, agency_code, day, last) VALUES (?, ?, ?, 1) "
            "ON CONFLICT(ns, agency_code, day) DO UPDATE SET last = last + 1 WHERE last < ?",
            (ns, agency_code, day, DAILY_DOSSIER_NUMBERS),
        ).rowcount
        if not counted:
            raise numbers_exhausted(agency_code, day)
        number = conn.execute("SELECT last FROM dossier_counter WHERE ns = ? AND agency_code = ? AND day = ?",
                              (ns, agency_code, day)).fetchone()[0]
        return compose_dossier_code(agency_code, _day(day), number)

    # -- reading ---------------------------------------------------------------------------------
    def find(self, ns: str, code: str) -> Dossier | None:
        if not isinstance(code, str) or not code or len(code) > 64:
            return None
        return self._load(self.store, ns, code, missing_ok=True)

    def get(self, ns: str, code: str) -> Dossier:
        dossier = self.find(ns, code)
        if dossier is None:
            raise _not_found(code)
        return dossier

    def for_account(self, ns: str, code: str, account_id: str) -> Dossier:
        """A dossier its owner asks for; someone else's is refused."""
        dossier = self.get(ns, code)
        if dossier.applicant_id != account_id:
            raise Forbidden("NOT_YOUR_DOSSIER", "Bạn không có quyền xem hồ sơ này.",
                            "This dossier belongs to another account.")
        return dossier

    def list_for_account(self, ns: str, account_id: str) -> list[Dossier]:
        rows = self.store.query("SELECT * FROM dossier WHERE ns = ? AND applicant_id = ? ORDER BY submitted_at DESC,"
                                " code DESC", (ns, account_id))
        return [Dossier.from_row(r) for r in rows]

    def list(self, ns: str, status: int | None = None, limit: int = 1000, offset: int = 0) -> list[Dossier]:
        sql, args = "SELECT * FROM dossier WHERE ns = ?", [ns]
        if status is not None:
            sql += " AND status = ?"
            args.append(status)
        rows = self.store.query(sql + " ORDER BY submitted_at, code LIMIT ? OFFSET ?", (*args, limit, offset))
        return [Dossier.from_row(r) for r in rows]

    def count(self, ns: str, status: int | None = None) -> int:
        if status is None:
            return int(self.store.scalar("SELECT COUNT(*) FROM dossier WHERE ns = ?", (ns,)))
        return int(self.store.scalar("SELECT COUNT(*) FROM dossier WHERE ns = ? AND status = ?", (ns, status)))

    def sync_state(self, ns: str, code: str) -> dict[str, Any]:
        """Where the dossier's national sync stands (delivered, pending, rejected with the refusal...)."""
        self.get(ns, code)
        return sync_state(self.outbox, ns, code)

    def attachment(self, ns: str, code: str, attachment_id: int) -> tuple[AttachmentInfo, bytes]:
        return self.files.content(ns, code, attachment_id)

    def load(self, db: Any, ns: str, code: str, *, missing_ok: bool = False) -> Any:
        """The dossier in full (files, history, postal order), read through `db` (a transaction's connection)."""
        return self._load(db, ns, code, missing_ok=missing_ok)

    def _load(self, db: Any, ns: str, code: str, *, missing_ok: bool = False) -> Any:
        row = db.execute("SELECT * FROM dossier WHERE ns = ? AND code = ?", (ns, code)).fetchone()
        if row is None:
            if missing_ok:
                return None
            raise _not_found(code)
        dossier = Dossier.from_row(row)
        dossier.attachments = self.files.infos(db, ns, code)
        dossier.history = [
            HistoryEntry(h["seq"], _dt(h["at"]), h["actor"], h["role"], h["from_status"], h["to_status"], h["action"],
                         h["note"])
            for h in db.execute("SELECT * FROM dossier_history WHERE ns = ? AND dossier_code = ? ORDER BY seq",
                                (ns, code)).fetchall()
        ]
        dossier.postal_order = self.postal_orders.get(ns, code, conn=db if isinstance(db, sqlite3.Connection) else None)
        return dossier

    # -- changes ---------------------------------------------------------------------------------
    def _history(self, conn: sqlite3.Connection, ns: str, code: str, at: datetime, actor: Actor,
                 from_status: int | None, to_status: int, action: str, note: str) -> HistoryEntry:
        seq = conn.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM dossier_history WHERE ns = ? AND dossier_code = ?",
                           (ns, code)).fetchone()[0]
        conn.execute(
            "INSERT INTO dossier_history(ns, dossier_code, seq, at, actor, role, from_status, to_status, action, note)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (ns, code, seq, to_iso(at), actor.name, actor.role, from_status, to_status, action, note),
        )
        return HistoryEntry(seq, at, actor.name, actor.role, from_status, to_status, action, note)

    def change(self, conn: sqlite3.Connection, ns: str, dossier: Dossier, actor: Actor, action: str, note: str,
               to_status: int | None = None, **columns: Any) -> Dossier:
        """Apply a change: the new columns, a history entry, the national sync messages, the notices; all in `conn`.

        A move to "Đã xử lý xong" hands a postal return over to the post.
        """
        return self._change(conn, ns, dossier, actor, action, note, to_status, **columns)

    def _change(self, conn: sqlite3.Connection, ns: str, dossier: Dossier, actor: Actor, action: str, note: str,
                to_status: int | None = None, **columns: Any) -> Dossier:
        """Apply a change: the new columns, a history entry, the national sync messages; all in `conn`."""
        now = self.clock.now(ns)
        status = dossier.status if to_status is None else to_status
        assignments = {"status": status, "updated_at": to_iso(now), **columns}
        conn.execute(
            f"UPDATE dossier SET {', '.join(f'{k} = ?' for k in assignments)} WHERE ns = ? AND code = ?",
            (*assignments.values(), ns, dossier.code),
        )
        entry = self._history(conn, ns, dossier.code, now, actor, dossier.status, status, action, note)
        changed = self._load(conn, ns, dossier.code)
        self.sync.changed(conn, ns, changed, entry)
        if status == DONE and dossier.status != DONE:
            changed = self._released(conn, ns, changed)
        self.notifications.on_change(conn, ns, changed, entry)
        return changed

    def history_entry(self, conn: sqlite3.Connection, ns: str, dossier: Dossier, actor: Actor, action: str,
                      note: str) -> HistoryEntry:
        """The first history entry of a new dossier (no from-status)."""
        return self._history(conn, ns, dossier.code, self.clock.now(ns), actor, None, dossier.status, action, note)

    def _released(self, conn: sqlite3.Connection, ns: str, dossier: Dossier) -> Dossier:
        """The result is ready and paid for: a postal return is handed to the post (one order, ever)."""
        if dossier.result_delivery != "post" or dossier.postal_address is None:
            return dossier
        request = order_request(self.config, self.catalogue, dossier, dossier.postal_address)
        if self.postal_orders.create(conn, ns, dossier.code, request, to_iso(self.clock.now(ns)) or ""):
            # Keyed apart from the sync messages, so that a national outage does not hold the post back.
            self.outbox.enqueue(ns, POSTAL_KIND, {"dossier_code": dossier.code, "order": request},
                                key=f"postal:{dossier.code}", conn=conn)
        return self._load(conn, ns, dossier.code)

    def result_ready(self, ns: str, code: str) -> Dossier:
        """The test shortcut (`/_admin/.../result-ready`): through receipt and processing to the result, each step
        a transition of the back office with its rules, history and sync (workflow.fast_track)."""
        from .workflow import fast_track  # the workflow builds on this module: imported when used

        return fast_track(self, ns, code)

    def release_note(self, dossier: Dossier) -> str:
        return self._where(dossier)

    @staticmethod
    def _where(dossier: Dossier) -> str:
        if dossier.result_delivery == "post":
            return "kết quả được chuyển qua dịch vụ bưu chính công ích"
        if dossier.result_delivery == "online":
            return "kết quả điện tử sẵn sàng để tải về"
        return "mời công dân nhận kết quả tại bộ phận một cửa"

    # -- payment (called by payments.py inside its transaction) ----------------------------------
    def check_payable(self, dossier: Dossier) -> None:
        """Whether an online payment may start now; a DomainError says why not."""
        if dossier.fee_amount <= 0:
            raise DomainError("NO_FEE_DUE", "Hồ sơ này không phải nộp phí, lệ phí.", "This dossier has no fee to pay.")
        if dossier.paid_online:
            raise Conflict("ALREADY_PAID", "Phí, lệ phí của hồ sơ này đã được thanh toán.",
                           "The fee of this dossier is already paid.")
        if dossier.payment_method != "online":
            raise DomainError("PAYMENT_AT_COUNTER",
                              "Phí, lệ phí của hồ sơ này được nộp tại cơ quan giải quyết, không thanh toán trực tuyến.",
                              "This dossier's fee is paid at the agency, not online.")
        if dossier.fee_timing == "after" and dossier.status != FINANCIAL:
            raise Conflict("FEE_NOT_YET_DUE",
                           "Phí, lệ phí của thủ tục này được thu khi trả kết quả: chỉ thanh toán khi hồ sơ đã có "
                           "kết quả.",
                           "This fee is collected with the result: it can be paid once the result is ready.")
        if dossier.status not in PAYABLE_BEFORE:
            raise Conflict("PAYMENT_NOT_ALLOWED",
                           f"Hồ sơ đang ở trạng thái '{dossier.status_name}': không thể thanh toán.",
                           f"A dossier in status {dossier.status} cannot be paid.")

    def set_payment_state(self, conn: sqlite3.Connection, ns: str, code: str, state: str, reference: str) -> None:
        """The payment state shown on the dossier for its latest attempt (pending / unpaid); paid stays paid.

        A new attempt (state pending) becomes the dossier's reference; the outcome of an older
        attempt does not overwrite the state of a newer one.
        """
        if state == "pending":
            conn.execute("UPDATE dossier SET payment_status = ?, payment_reference = ? WHERE ns = ? AND code = ?"
                         " AND paid_online = 0", (state, reference, ns, code))
        else:
            conn.execute("UPDATE dossier SET payment_status = ? WHERE ns = ? AND code = ? AND paid_online = 0"
                         " AND payment_reference = ?", (state, ns, code, reference))

    def record_online_payment(self, conn: sqlite3.Connection, ns: str, code: str, reference: str,
                              amount: int) -> bool:
        """The fee was paid online; False (and nothing changes) when the dossier is already paid."""
        dossier = self._load(conn, ns, code)
        if dossier.paid_online:
            return False
        changed = self._change(conn, ns, dossier, PAYMENT_PLATFORM, "paid",
                               f"Đã thanh toán trực tuyến {amount:,} đ (mã tham chiếu {reference}).".replace(",", "."),
                               None, paid_online=1, payment_status="paid", payment_reference=reference)
        if changed.status == FINANCIAL:
            if changed.result_ready_at is not None:
                self._change(conn, ns, changed, SYSTEM, "result_released",
                             f"Đã hoàn thành nghĩa vụ tài chính; {self._where(changed)}.", DONE)
            else:
                # Paid before the result: the dossier goes back to processing.
                self._change(conn, ns, changed, SYSTEM, "payment_done",
                             "Đã hoàn thành nghĩa vụ tài chính; hồ sơ tiếp tục được xử lý.", PROCESSING)
        return True

    # -- the result -------------------------------------------------------------------------------
    def download_result(self, ns: str, code: str, account_id: str) -> tuple[str, bytes]:
        """The e-result of an online return; the first download hands the result over (status 10)."""
        dossier = self.for_account(ns, code, account_id)
        if dossier.result_delivery != "online":
            raise DomainError("RESULT_NOT_ONLINE", "Hồ sơ này không nhận kết quả trực tuyến.",
                              "This dossier's result is not returned online.")
        if dossier.status not in (DONE, RETURNED):
            raise Conflict("RESULT_NOT_READY", "Kết quả điện tử của hồ sơ chưa sẵn sàng.",
                           "The e-result is not ready yet.", details={"status": dossier.status})
        if dossier.status == DONE:
            with self.store.transaction() as conn:
                current = self._load(conn, ns, code)
                if current.status == DONE:
                    dossier = self._change(conn, ns, current, SYSTEM, "result_downloaded",
                                           "Công dân đã nhận kết quả điện tử trên Cổng Dịch vụ công tỉnh.", RETURNED,
                                           returned_at=to_iso(self.clock.now(ns)))
                else:
                    dossier = current
        return f"ket-qua-{dossier.code}.txt", _result_document(dossier).encode("utf-8")

    # -- the post ----------------------------------------------------------------------------------
    def record_postal_event(self, ns: str, item_code: str, order_number: str, status: str, status_name: str,
                            time: str, location: str, note: str) -> tuple[Dossier, bool]:
        """A tracking event from the post; (dossier, False) for a duplicate that changes nothing."""
        with self.store.transaction() as conn:
            code = self.postal_orders.find_by_waybill(conn, ns, item_code)
            if code is None:
                # The answer carrying the waybill may not be recorded yet: match the order number.
                order = self.postal_orders.get(ns, order_number, conn=conn)
                if order is None or (order.waybill and order.waybill != item_code):
                    raise NotFound("POSTAL_ORDER_NOT_FOUND",
                                   f"Không có đơn hàng bưu chính với mã vận đơn '{item_code}'.",
                                   f"No postal order with waybill '{item_code}'.")
                code = order_number
                self.postal_orders.record_waybill(ns, code, item_code, conn=conn)
            now = self.clock.now(ns)
            event = TrackingEvent(status, status_name, time, location, note)
            if not self.postal_orders.add_event(conn, ns, code, event, to_iso(now) or ""):
                return self._load(conn, ns, code), False
            dossier = self._load(conn, ns, code)
            if status == "delivered" and dossier.status == DONE:
                dossier = self._change(conn, ns, dossier, POST, "delivered",
                                       f"Bưu chính đã phát kết quả cho người nhận (mã vận đơn {item_code}).",
                                       RETURNED, returned_at=to_iso(now))
            elif status == "delivery_failed":
                dossier = self._change(conn, ns, dossier, POST, "delivery_failed",
                                       f"Bưu chính phát kết quả không thành công (mã vận đơn {item_code})"
                                       f"{': ' + note if note else ''}.")
            elif status == "returned":
                dossier = self._change(conn, ns, dossier, POST, "returned_to_agency",
                                       f"Kết quả đã được bưu chính chuyển hoàn về {dossier.agency_name} "
                                       f"(mã vận đơn {item_code}); công dân liên hệ bộ phận một cửa để nhận.")
            return dossier, True

    def reset(self, ns: str) -> None:
        self.files.reset(ns)
        self.notifications.reset(ns)
        self.store.delete_namespace(ns, ("dossier_history", "dossier_counter", "dossier"))


def _day(yymmdd: str) -> date:
    return datetime.strptime(yymmdd, "%y%m%d").date()


def numbers_exhausted(agency_code: str, yymmdd: str) -> Conflict:
    """The agency has given its day's last number (9,999): refused, to be submitted again tomorrow."""
    day = _day(yymmdd)
    tomorrow = datetime.combine(day + timedelta(days=1), time(0), tzinfo=VN_TZ)
    return Conflict(
        "DOSSIER_NUMBERS_EXHAUSTED",
        f"Cơ quan {agency_code} đã dùng hết {DAILY_DOSSIER_NUMBERS:,} số hồ sơ của ngày {day:%d/%m/%Y} (mã hồ sơ "
        "chỉ có 4 chữ số): vui lòng nộp lại vào ngày mai hoặc tại cơ quan khác.".replace(",", "."),
        f"The agency {agency_code} has used all {DAILY_DOSSIER_NUMBERS:,} dossier numbers of {day:%Y-%m-%d} (the "
        "dossier code has four digits): try again tomorrow or at another agency.",
        details={"agency_code": agency_code, "day": day.isoformat(), "limit": DAILY_DOSSIER_NUMBERS,
                 "retry_after": to_iso(tomorrow)})


def _not_found(code: str) -> NotFound:
    return NotFound("DOSSIER_NOT_FOUND", f"Không tìm thấy hồ sơ có mã '{code}'.", f"No dossier with code '{code}'.")


def fee_text(dossier: Dossier) -> str:
    return f"{dossier.fee_amount:,} đ".replace(",", ".")


def _result_document(dossier: Dossier) -> str:
    return "\n".join([
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "",
        "KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH (bản điện tử, giả lập)",
        f"Mã hồ sơ: {dossier.code}",
        f"Thủ tục: {dossier.procedure_name} ({dossier.national_code})",
        f"Cơ quan giải quyết: {dossier.agency_name}",
        f"Người nộp: {dossier.applicant_name}",
        f"Ngày nộp: {to_wire(dossier.submitted_at)}",
        f"Ngày có kết quả: {to_wire(dossier.result_ready_at)}",
        *[f"Giấy tờ kết quả: {doc.get('name', '')}{' số ' + doc['number'] if doc.get('number') else ''}"
          for doc in dossier.result_documents],
        "",
        "Tài liệu này do môi trường giả lập dvc-harness tạo ra, không có giá trị pháp lý.",
        "",
    ])
