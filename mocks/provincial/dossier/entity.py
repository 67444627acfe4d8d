"""The dossier (hồ sơ) as the portal keeps it: its statuses, who acts on it, its history, and how it reads.

No rule and no storage here: the statuses (TrangThaiHoSo) are DVCQG's code list
(mocks/core/codes.py); which move leads from one to another is the transition table
(transitions.py); the rules are in rules.py; the rows in store.py.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from mocks.core.codes import CHANNELS, DOSSIER_STATUS
from mocks.core.storage import loads
from mocks.core.timefmt import from_iso, to_iso, to_wire

from ..accounts import Account
from ..attachments import AttachmentInfo
from ..catalogue import APPLICANT_TYPE_NAMES
from ..officers import DESK, LEADER, ROLES, SPECIALIST
from .address import PostalAddress
from .postal import PostalOrder

# TrangThaiHoSo, the status codes DVCQG sets (mocks/core/codes.py).
STATUS_NAMES = DOSSIER_STATUS
NEW, RECEIVED, REFUSED, PROCESSING, SUPPLEMENT, FINANCIAL, WITHDRAWN, STOPPED, DONE, RETURNED = range(1, 11)
# KenhThucHien: 1 at the counter, 2 online, 3 by post. Everything submitted on the portal is online;
# the desk enters the other two.
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


# Who acts on a dossier (an actor's `kind`): the applicant, an officer by role (officers.py: desk,
# specialist, leader), the payment platform, the post, and the portal itself — on its clock, or on
# the account of an event it records (the e-result downloaded, a fee settled). The transition table
# says which kind may make which move.
APPLICANT, PAYMENT, POSTAL, SYSTEM_KIND = "applicant", "payment", "post", "system"
OFFICER_ROLES: tuple[str, ...] = tuple(ROLES)
ACTOR_KINDS: dict[str, str] = {
    APPLICANT: "người nộp hồ sơ (applicant)", DESK: "cán bộ một cửa (desk)", SPECIALIST: "chuyên viên (specialist)",
    LEADER: "lãnh đạo (leader)", PAYMENT: "nền tảng thanh toán (payment platform)", POSTAL: "bưu chính (post)",
    SYSTEM_KIND: "hệ thống (the portal, on its clock or an event)",
}


@dataclass(frozen=True)
class Actor:
    """Who made a change: `name` and `role` are shown in the history and sent as NguoiXuLy / ChucDanh; `kind`
    is what the transition table checks."""

    name: str
    role: str
    kind: str


SYSTEM = Actor("Cổng Dịch vụ công tỉnh Quảng Nam", "Hệ thống", SYSTEM_KIND)
PAYMENT_PLATFORM = Actor("Nền tảng thanh toán trực tuyến", "Hệ thống", PAYMENT)
POST = Actor("Bưu chính công ích", "Bưu chính", POSTAL)
# The officers of the test shortcut (`/_admin/dossiers/{code}/result-ready`).
OFFICER = Actor("Bộ phận một cửa (giả lập)", "Cán bộ tiếp nhận và trả kết quả", DESK)
SHORTCUT_SPECIALIST = Actor("Chuyên viên xử lý (giả lập)", "Chuyên viên xử lý", SPECIALIST)
SHORTCUT_LEADER = Actor("Lãnh đạo (giả lập)", "Lãnh đạo", LEADER)


def citizen(account: Account) -> Actor:
    return Actor(account.full_name, APPLICANT_TYPE_NAMES.get(account.account_type, "Công dân"), APPLICANT)


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


def amount_text(amount: int) -> str:
    """200.000 đ"""
    return f"{amount:,} đ".replace(",", ".")


def fee_text(dossier: Dossier) -> str:
    return amount_text(dossier.fee_amount)


def result_document(dossier: Dossier) -> str:
    """The e-result of an online return, as text (an emulator's copy, no legal value)."""
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
