"""The one-stop back office's workflow: every move of a dossier's status (TrangThaiHoSo) and its rules.

The rules are Decree 61/2018's (Art. 17–20); the forms are Circular 01/2018's (02, 03, 04 below).

| action | from status | who | to |
|---|---|---|---|
| receive | 1 (online) | desk | 2, appointment counted from now |
| refuse | 1, or 5 when not yet received | desk | 3 (form 03) |
| request_supplement | 1, 2, 4 | desk, specialist, leader | 5 (form 02): once, complete, ≤ 3 working days from receipt |
| answer_supplement | 5 | the applicant online (the desk: record_supplement) | back to 1, 2 or 4; the clock restarts |
| process | 2 | specialist, leader | 4 |
| request_payment | 4 | specialist, leader | 6 (a fee to pay online) |
| result_ready | 4, 6 | specialist, leader | 9 with result documents, or 6 while an online fee is unpaid |
| return_result | 9 (counter, or a postal return sent back) | desk | 10; a counter fee is collected |
| stop | 2, 4, 5, 6 | leader | 8 |
| withdraw | 1, 2, 4, 5, 6 | the applicant, or the desk on their behalf | 7 |
| reschedule | 2, 4, 6 | leader | same status, new date (form 04): once, at least a working day before the deadline |
| register | — | desk | a counter (1) or postal (3) dossier, born received (2) |

The system's own moves stay in dossiers.py: payment received (6 → 9, or back to 4), the
e-result downloaded (9 → 10), the post delivered (9 → 10). Every move goes through
`Dossiers.change`: history, national sync push, notices, in one transaction. An officer sees
and acts on their own agency's dossiers only.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from mocks.core.errors import Conflict, DomainError, Forbidden
from mocks.core.storage import dumps
from mocks.core.timefmt import VN_TZ, to_iso

from . import workflow_input as check
from .accounts import Accounts
from .attachments import Upload, check_total, check_upload
from .catalogue import Procedure
from .delivery import InvalidAddress, parse_address
from .dossiers import (
    CHANNEL_COUNTER,
    CHANNEL_NAMES,
    CHANNEL_ONLINE,
    CHANNEL_POST,
    DONE,
    FINANCIAL,
    NEW,
    OFFICER,
    PROCESSING,
    RATINGS,
    RECEIVED,
    REFUSED,
    RESULT_READY_FROM,
    RETURNED,
    STOPPED,
    SUPPLEMENT,
    WITHDRAWN,
    Actor,
    Dossier,
    Dossiers,
    citizen,
    fee_text,
)
from .officers import DESK, LEADER, SPECIALIST, Officer, Officers
from .workdays import OFFICE_CLOSES


@dataclass(frozen=True)
class Action:
    name: str
    label: str            # what the officer's button says
    from_statuses: tuple[int, ...]
    roles: tuple[str, ...]


ACTIONS: dict[str, Action] = {a.name: a for a in (
    Action("receive", "Tiếp nhận hồ sơ", (NEW,), (DESK,)),
    Action("refuse", "Từ chối tiếp nhận", (NEW, SUPPLEMENT), (DESK,)),
    Action("request_supplement", "Yêu cầu bổ sung hồ sơ", (NEW, RECEIVED, PROCESSING), (DESK, SPECIALIST, LEADER)),
    Action("record_supplement", "Ghi nhận hồ sơ bổ sung", (SUPPLEMENT,), (DESK,)),
    Action("process", "Chuyển xử lý", (RECEIVED,), (SPECIALIST, LEADER)),
    Action("request_payment", "Yêu cầu thực hiện nghĩa vụ tài chính", (PROCESSING,), (SPECIALIST, LEADER)),
    Action("result_ready", "Hoàn thành xử lý (có kết quả)", (PROCESSING, FINANCIAL), (SPECIALIST, LEADER)),
    Action("return_result", "Trả kết quả tại bộ phận một cửa", (DONE,), (DESK,)),
    Action("stop", "Dừng xử lý", (RECEIVED, PROCESSING, SUPPLEMENT, FINANCIAL), (LEADER,)),
    Action("withdraw", "Ghi nhận công dân rút hồ sơ", (NEW, RECEIVED, PROCESSING, SUPPLEMENT, FINANCIAL), (DESK,)),
    Action("reschedule", "Gia hạn (phiếu xin lỗi và hẹn lại)", (RECEIVED, PROCESSING, FINANCIAL), (LEADER,)),
)}
REGISTER_ROLES = (DESK,)
WITHDRAWABLE = ACTIONS["withdraw"].from_statuses

DEADLINE_NAMES: dict[str, str] = {
    "on_time": "Trong hạn", "due_soon": "Sắp đến hạn", "overdue": "Quá hạn",
    "paused": "Tạm dừng (chờ bổ sung)", "finished_on_time": "Hoàn thành đúng hạn",
    "finished_late": "Hoàn thành trễ hạn", "closed": "Đã kết thúc",
}
# The actors of the test shortcut (`/_admin/dossiers/{code}/result-ready`).
SHORTCUT_SPECIALIST = Actor("Chuyên viên xử lý (giả lập)", "Chuyên viên xử lý")
SHORTCUT_LEADER = Actor("Lãnh đạo (giả lập)", "Lãnh đạo")


def actor(officer: Officer) -> Actor:
    return Actor(officer.full_name, officer.role_name)


def _day(moment: datetime) -> str:
    return moment.astimezone(VN_TZ).strftime("%d/%m/%Y")


def deadline_info(dossier: Dossier, now: datetime, dossiers: Dossiers) -> dict[str, Any]:
    """The deadline mark shown to officers and applicants: on time, due soon, overdue, or how it ended."""
    if dossier.status in (DONE, RETURNED):
        state = "finished_on_time" if dossier.finished_on_time else "finished_late"
    elif dossier.status in (REFUSED, WITHDRAWN, STOPPED):
        state = "closed"
    elif dossier.status == SUPPLEMENT:
        state = "paused"  # the clock restarts from zero when the supplement arrives
    else:
        state = dossiers.calendar.deadline_state(now, dossier.appointment_at)
    return {"state": state, "name": DEADLINE_NAMES[state], "due_at": to_iso(dossier.appointment_at),
            "judged_against": to_iso(dossier.judged_deadline)}


# -- the steps, shared by the officers' actions and the test shortcut ------------------------------------------
def receive_step(dossiers: Dossiers, conn: sqlite3.Connection, ns: str, d: Dossier, by: Actor,
                 note: str = "") -> Dossier:
    now = dossiers.clock.now(ns)
    procedure = dossiers.catalogue.require_procedure(d.procedure_code)
    due = dossiers.calendar.appointment(now, procedure.processing_days, paper=d.paper)
    text = f"Tiếp nhận hồ sơ; hẹn trả kết quả ngày {_day(due)}." + (f" {note}" if note else "")
    return dossiers.change(conn, ns, d, by, "received", text, RECEIVED, received_at=to_iso(now),
                           clock_started_at=to_iso(now), appointment_at=to_iso(due))


def process_step(dossiers: Dossiers, conn: sqlite3.Connection, ns: str, d: Dossier, by: Actor,
                 note: str = "") -> Dossier:
    return dossiers.change(conn, ns, d, by, "processing", note or "Chuyển hồ sơ đến bộ phận chuyên môn xử lý.",
                           PROCESSING)


def result_step(dossiers: Dossiers, conn: sqlite3.Connection, ns: str, d: Dossier, by: Actor,
                documents: list[dict[str, str]], note: str = "") -> Dossier:
    """The result is ready: 9, or 6 while a fee to pay online is unpaid (released by the payment)."""
    columns = {"result_ready_at": to_iso(dossiers.clock.now(ns)), "result_documents": dumps(documents)}
    names = "; ".join(doc["name"] for doc in documents)
    extra = f" {note}" if note else ""
    if d.online_fee_unpaid:
        if d.status == FINANCIAL:
            return dossiers.change(conn, ns, d, by, "result_ready",
                                   f"Đã có kết quả ({names}); chờ công dân thanh toán {fee_text(d)}.{extra}",
                                   None, **columns)
        return dossiers.change(conn, ns, d, by, "fee_requested",
                               f"Hồ sơ đã có kết quả ({names}); đề nghị công dân thanh toán trực tuyến {fee_text(d)} "
                               f"để nhận kết quả.{extra}", FINANCIAL, **columns)
    return dossiers.change(conn, ns, d, by, "result_ready",
                           f"Hồ sơ đã được giải quyết xong ({names}); {dossiers.release_note(d)}.{extra}", DONE,
                           **columns)


def default_documents(d: Dossier) -> list[dict[str, str]]:
    return [{"name": f"Kết quả giải quyết: {d.procedure_name}"[:300], "number": ""}]


def fast_track(dossiers: Dossiers, ns: str, code: str) -> Dossier:
    """The test shortcut: a new, received or processing dossier walks to its result, one recorded step at a time."""
    with dossiers.store.transaction() as conn:
        d = dossiers.load(conn, ns, code)
        if d.status not in RESULT_READY_FROM:
            raise Conflict("RESULT_READY_NOT_ALLOWED",
                           f"Hồ sơ đang ở trạng thái '{d.status_name}': không thể chuyển sang có kết quả.",
                           f"A dossier in status {d.status} cannot be marked result-ready.",
                           details={"status": d.status, "allowed_from": list(RESULT_READY_FROM)})
        if d.status == NEW:
            d = receive_step(dossiers, conn, ns, d, OFFICER)
        if d.status == RECEIVED:
            d = process_step(dossiers, conn, ns, d, SHORTCUT_SPECIALIST)
        return result_step(dossiers, conn, ns, d, SHORTCUT_LEADER, default_documents(d))


class Workflow:
    def __init__(self, dossiers: Dossiers, officers: Officers, accounts: Accounts) -> None:
        self.dossiers = dossiers
        self.officers = officers
        self.accounts = accounts
        self.store = dossiers.store
        self.clock = dossiers.clock
        self.calendar = dossiers.calendar
        self.catalogue = dossiers.catalogue

    # -- who may see and do what ----------------------------------------------------------------------------
    @staticmethod
    def check_agency(officer: Officer, dossier: Dossier) -> None:
        if dossier.agency_code != officer.agency_code:
            raise Forbidden("OTHER_AGENCY",
                            "Hồ sơ này thuộc cơ quan khác: bạn không được xem hoặc xử lý hồ sơ này.",
                            "This dossier belongs to another agency: you may neither see nor act on it.")

    @staticmethod
    def check_role(officer: Officer, action: Action) -> None:
        if officer.role not in action.roles:
            raise Forbidden("ROLE_NOT_ALLOWED",
                            f"Vai trò '{officer.role_name}' không được thực hiện thao tác '{action.label}'.",
                            f"The role {officer.role} may not {action.name}.",
                            details={"action": action.name, "allowed_roles": list(action.roles)})

    @staticmethod
    def check_status(dossier: Dossier, action: Action) -> None:
        if dossier.status not in action.from_statuses:
            raise Conflict("TRANSITION_NOT_ALLOWED",
                           f"Hồ sơ đang ở trạng thái '{dossier.status_name}': không thể thực hiện "
                           f"'{action.label}'.",
                           f"A dossier in status {dossier.status} cannot {action.name}.",
                           details={"action": action.name, "status": dossier.status,
                                    "allowed_from": list(action.from_statuses)})

    def allowed_actions(self, officer: Officer, dossier: Dossier) -> list[str]:
        """The actions the officer's role may take on the dossier as it is.

        The rules that depend on the moment or on what was done before (the 3-working-day limit,
        once-only supplement and re-scheduling) are checked on use, so that the officer is told why.
        """
        if dossier.agency_code != officer.agency_code:
            return []
        sent_back = dossier.postal_order is not None and dossier.postal_order.status == "returned"
        impossible = {
            "refuse": dossier.status == SUPPLEMENT and dossier.received_at is not None,
            "record_supplement": not dossier.paper,
            "request_payment": not dossier.online_fee_unpaid,
            "return_result": dossier.result_delivery != "counter" and not sent_back,
        }
        return [a.name for a in ACTIONS.values() if officer.role in a.roles and dossier.status in a.from_statuses
                and not impossible.get(a.name, False)]

    def _checked(self, conn: sqlite3.Connection, ns: str, officer: Officer, code: Any, name: str) -> Dossier:
        if not isinstance(code, str) or not code or len(code) > 64:
            self.dossiers.get(ns, str(code)[:64])  # raises DOSSIER_NOT_FOUND
        d = self.dossiers.load(conn, ns, code)
        action = ACTIONS[name]
        self.check_agency(officer, d)
        self.check_role(officer, action)
        self.check_status(d, action)
        return d

    # -- reading ------------------------------------------------------------------------------------------------
    def dossier(self, ns: str, officer: Officer, code: str) -> Dossier:
        d = self.dossiers.get(ns, code)
        self.check_agency(officer, d)
        return d

    def deadline(self, ns: str, dossier: Dossier) -> dict[str, Any]:
        return deadline_info(dossier, self.clock.now(ns), self.dossiers)

    def officer_view(self, ns: str, officer: Officer, dossier: Dossier, tracking_base: str | None = None,
                     full: bool = True) -> dict[str, Any]:
        body = dossier.to_json(tracking_base) if full else dossier.summary_json()
        body["deadline"] = self.deadline(ns, dossier)
        body["allowed_actions"] = self.allowed_actions(officer, dossier)
        return body

    def list_for_agency(self, ns: str, officer: Officer, *, status: int | None = None, channel: int | None = None,
                        deadline: str | None = None, q: str | None = None, limit: int = 100,
                        offset: int = 0) -> tuple[int, list[Dossier]]:
        """The agency's dossiers, newest first; `deadline` filters by the mark (on_time, due_soon, overdue...)."""
        sql, args = "SELECT * FROM dossier WHERE ns = ? AND agency_code = ?", [ns, officer.agency_code]
        if status is not None:
            sql += " AND status = ?"
            args.append(status)
        if channel is not None:
            sql += " AND channel = ?"
            args.append(channel)
        if q:
            sql += " AND (code LIKE ? ESCAPE '\\' OR applicant_name LIKE ? ESCAPE '\\')"
            pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            args += [pattern, pattern]
        order = " ORDER BY submitted_at DESC, code DESC"
        if not deadline:  # the page and the total straight from SQL: months of dossiers stay cheap
            total = int(self.store.scalar(sql.replace("SELECT *", "SELECT COUNT(*)", 1), args))
            rows = self.store.query(sql + order + " LIMIT ? OFFSET ?", [*args, limit, offset])
            return total, [Dossier.from_row(r) for r in rows]
        # the deadline mark is computed (working days, holidays, the clock): filtered here
        now = self.clock.now(ns)
        found = [d for r in self.store.query(sql + order, args)
                 if deadline_info(d := Dossier.from_row(r), now, self.dossiers)["state"] == deadline]
        return len(found), found[offset:offset + limit]

    # -- the desk ------------------------------------------------------------------------------------------------
    def receive(self, ns: str, officer: Officer, code: str, note: str = "") -> Dossier:
        with self.store.transaction() as conn:
            d = self._checked(conn, ns, officer, code, "receive")
            return receive_step(self.dossiers, conn, ns, d, actor(officer), check.note(note))

    def refuse(self, ns: str, officer: Officer, code: str, reason: Any) -> Dossier:
        with self.store.transaction() as conn:
            d = self._checked(conn, ns, officer, code, "refuse")     # who may, before what they sent
            why = check.reason(reason, "lý do từ chối")
            if d.status == SUPPLEMENT and d.received_at is not None:
                raise Conflict("TRANSITION_NOT_ALLOWED",
                               "Hồ sơ đã được tiếp nhận: không thể từ chối tiếp nhận (có thể dừng xử lý).",
                               "A received dossier cannot be refused (it can be stopped).",
                               details={"action": "refuse", "status": d.status})
            return self.dossiers.change(conn, ns, d, actor(officer), "refused",
                                        f"Từ chối tiếp nhận hồ sơ. Lý do: {why}", REFUSED, closing_reason=why)

    def request_supplement(self, ns: str, officer: Officer, code: str, items: Any, note: Any = "") -> Dossier:
        """Form 02: once per dossier, everything at once, within 3 working days of receipt."""
        with self.store.transaction() as conn:
            d = self._checked(conn, ns, officer, code, "request_supplement")
            wanted = check.parse_items(self.catalogue.require_procedure(d.procedure_code), items)
            if d.supplement is not None:
                raise Conflict("SUPPLEMENT_ALREADY_REQUESTED",
                               "Hồ sơ đã được yêu cầu bổ sung một lần: chỉ được yêu cầu bổ sung một lần, đầy đủ.",
                               "A supplement was already requested: it may be requested once only.")
            now = self.clock.now(ns)
            since = d.received_at or d.submitted_at
            last_day = self.calendar.supplement_deadline(since, paper=d.paper)
            if now.astimezone(VN_TZ).date() > last_day:
                raise Conflict("SUPPLEMENT_TOO_LATE",
                               f"Đã quá thời hạn 03 ngày làm việc kể từ ngày tiếp nhận để yêu cầu bổ sung "
                               f"(hạn cuối {last_day:%d/%m/%Y}).",
                               f"A supplement must be requested within 3 working days of receipt (last day "
                               f"{last_day.isoformat()}).", details={"last_day": last_day.isoformat()})
            text = check.note(note)
            request = {"requested_at": to_iso(now), "officer": officer.full_name, "officer_username": officer.username,
                       "from_status": d.status, "items": wanted, "note": text, "answered_at": None,
                       "answer_note": "", "attachment_ids": [], "documents_handed_in": []}
            listed = "; ".join(i["name"] + (f" ({i['reason']})" if i["reason"] else "") for i in wanted)
            return self.dossiers.change(conn, ns, d, actor(officer), "supplement_requested",
                                        f"Yêu cầu bổ sung, hoàn thiện hồ sơ: {listed}." + (f" {text}" if text else ""),
                                        SUPPLEMENT, supplement=dumps(request))

    def record_supplement(self, ns: str, officer: Officer, code: str, documents: Any, note: Any = "") -> Dossier:
        """The applicant of a paper dossier brings the supplement to the desk (document codes handed in)."""
        with self.store.transaction() as conn:
            d = self._checked(conn, ns, officer, code, "record_supplement")
            if not d.paper:
                raise Conflict("SUPPLEMENT_ONLINE", "Hồ sơ trực tuyến: công dân bổ sung trên Cổng Dịch vụ công.",
                               "An online dossier's supplement is handed in by the applicant on the portal.")
            codes = [c for c in documents if isinstance(c, str)] if isinstance(documents, list) else []
            return self._supplemented(conn, ns, d, actor(officer), [], codes, check.note(note))

    # -- the applicant ---------------------------------------------------------------------------------------------
    def answer_supplement(self, ns: str, account_id: str, code: str, uploads: list[Upload], note: Any = "") -> Dossier:
        """The applicant hands in the supplement online: the dossier goes back where it was, the clock restarts."""
        d = self.dossiers.for_account(ns, code, account_id)
        account = self.accounts.get(ns, account_id)
        procedure = self.catalogue.require_procedure(d.procedure_code)
        checked = []
        for upload in uploads:
            spec = procedure.attachment_named(upload.code) if isinstance(upload.code, str) else None
            if spec is None:
                raise DomainError("UNKNOWN_ATTACHMENT", f"Thành phần hồ sơ '{str(upload.code)[:64]}' không có trong "
                                  "thủ tục này.", f"The procedure has no document with code '{str(upload.code)[:64]}'.",
                                  details={"known": [a.code for a in procedure.attachments]})
            checked.append(check_upload(upload, spec.name))
        check_total(checked)
        with self.store.transaction() as conn:
            d = self.dossiers.load(conn, ns, code)
            if d.status != SUPPLEMENT:
                raise Conflict("NO_SUPPLEMENT_REQUESTED", "Hồ sơ không ở trạng thái chờ bổ sung.",
                               "The dossier is not waiting for a supplement.", details={"status": d.status})
            return self._supplemented(conn, ns, d, citizen(account), checked, [u.code for u in checked],
                                      check.note(note))

    def _supplemented(self, conn: sqlite3.Connection, ns: str, d: Dossier, by: Actor, files: list[Upload],
                      codes: list[str], note: str) -> Dossier:
        request = dict(d.supplement or {})
        missing = [i for i in request.get("items", []) if i.get("code") and i["code"] not in codes]
        if missing:
            names = "; ".join(i["name"] for i in missing)
            raise DomainError("SUPPLEMENT_INCOMPLETE", f"Hồ sơ bổ sung còn thiếu: {names}.",
                              f"The supplement lacks: {', '.join(i['code'] for i in missing)}.",
                              details=[{"code": i["code"], "name": i["name"]} for i in missing])
        if not codes and not note:
            raise DomainError("SUPPLEMENT_EMPTY", "Vui lòng nộp giấy tờ bổ sung hoặc ghi nội dung bổ sung.",
                              "Hand in the supplement's documents or say what was supplemented (note).")
        now = self.clock.now(ns)
        procedure = self.catalogue.require_procedure(d.procedure_code)
        back_to = int(request.get("from_status") or RECEIVED)
        # The processing time counts again from zero, from the supplement's arrival (Decree 61/2018 Art. 16).
        due = self.calendar.appointment(now, procedure.processing_days, paper=d.paper)
        request.update(answered_at=to_iso(now), answer_note=note, documents_handed_in=codes,
                       attachment_ids=self.dossiers.files.save(conn, ns, d.code, files))
        columns: dict[str, Any] = {"supplement": dumps(request), "appointment_at": to_iso(due)}
        if back_to != NEW:
            columns["clock_started_at"] = to_iso(now)
        text = (f"Đã bổ sung hồ sơ ({len(codes)} giấy tờ); thời hạn giải quyết tính lại từ đầu, hẹn trả ngày "
                f"{_day(due)}." + (f" {note}" if note else ""))
        return self.dossiers.change(conn, ns, d, by, "supplement_received", text, back_to, **columns)

    def withdraw_by_applicant(self, ns: str, account_id: str, code: str, reason: Any) -> Dossier:
        why = check.reason(reason, "lý do rút hồ sơ")
        account = self.accounts.get(ns, account_id)
        self.dossiers.for_account(ns, code, account_id)
        with self.store.transaction() as conn:
            d = self.dossiers.load(conn, ns, code)
            self.check_status(d, ACTIONS["withdraw"])
            return self.dossiers.change(conn, ns, d, citizen(account), "withdrawn",
                                        f"Công dân yêu cầu rút hồ sơ. Lý do: {why}", WITHDRAWN, closing_reason=why)

    def rate(self, ns: str, account_id: str, code: str, rating: Any, comment: Any = "") -> Dossier:
        """The applicant's satisfaction with the service, once, after the result."""
        if not isinstance(rating, int) or isinstance(rating, bool) or rating not in RATINGS:
            raise DomainError("INVALID_RATING", "Mức đánh giá phải là 1 (không hài lòng), 2 (hài lòng) hoặc "
                              "3 (rất hài lòng).", "rating must be 1, 2 or 3.")
        text = check.note(comment)
        self.dossiers.for_account(ns, code, account_id)
        with self.store.transaction() as conn:
            d = self.dossiers.load(conn, ns, code)
            if d.status not in (DONE, RETURNED):
                raise Conflict("NOT_YET_RATEABLE", "Chỉ đánh giá sau khi hồ sơ đã có kết quả.",
                               "A dossier is rated once its result is ready.", details={"status": d.status})
            if d.rating is not None:
                raise Conflict("ALREADY_RATED", "Hồ sơ này đã được đánh giá.", "This dossier was already rated.")
            conn.execute("UPDATE dossier SET rating = ?, rating_comment = ?, rated_at = ? WHERE ns = ? AND code = ?",
                         (rating, text, to_iso(self.clock.now(ns)), ns, code))
            return self.dossiers.load(conn, ns, code)

    # -- processing ------------------------------------------------------------------------------------------------
    def process(self, ns: str, officer: Officer, code: str, note: str = "") -> Dossier:
        with self.store.transaction() as conn:
            d = self._checked(conn, ns, officer, code, "process")
            return process_step(self.dossiers, conn, ns, d, actor(officer), check.note(note))

    def request_payment(self, ns: str, officer: Officer, code: str, note: str = "") -> Dossier:
        with self.store.transaction() as conn:
            d = self._checked(conn, ns, officer, code, "request_payment")
            if not d.online_fee_unpaid:
                raise Conflict("NO_ONLINE_FEE_DUE",
                               "Hồ sơ không có phí, lệ phí chờ thanh toán trực tuyến.",
                               "The dossier has no unpaid fee to pay online.")
            text = check.note(note)
            return self.dossiers.change(conn, ns, d, actor(officer), "payment_requested",
                                        f"Đề nghị công dân thanh toán trực tuyến {fee_text(d)}." +
                                        (f" {text}" if text else ""), FINANCIAL)

    def result_ready(self, ns: str, officer: Officer, code: str, documents: Any, note: str = "") -> Dossier:
        with self.store.transaction() as conn:
            d = self._checked(conn, ns, officer, code, "result_ready")
            result = check.parse_documents(documents)
            return result_step(self.dossiers, conn, ns, d, actor(officer), result, check.note(note))

    def stop(self, ns: str, officer: Officer, code: str, reason: Any) -> Dossier:
        with self.store.transaction() as conn:
            d = self._checked(conn, ns, officer, code, "stop")
            why = check.reason(reason, "lý do dừng xử lý")
            return self.dossiers.change(conn, ns, d, actor(officer), "stopped", f"Dừng xử lý hồ sơ. Lý do: {why}",
                                        STOPPED, closing_reason=why)

    def withdraw_at_desk(self, ns: str, officer: Officer, code: str, reason: Any) -> Dossier:
        with self.store.transaction() as conn:
            d = self._checked(conn, ns, officer, code, "withdraw")
            why = check.reason(reason, "lý do rút hồ sơ")
            return self.dossiers.change(conn, ns, d, actor(officer), "withdrawn",
                                        f"Công dân yêu cầu rút hồ sơ tại bộ phận một cửa. Lý do: {why}", WITHDRAWN,
                                        closing_reason=why)

    def reschedule(self, ns: str, officer: Officer, code: str, new_date: Any, reason: Any) -> Dossier:
        """Form 04: an apology and a new date, once, at least one working day before the deadline."""
        with self.store.transaction() as conn:
            d = self._checked(conn, ns, officer, code, "reschedule")
            why = check.reason(reason, "lý do gia hạn")
            day = check.parse_new_date(new_date)
            if d.reschedule is not None:
                raise Conflict("ALREADY_RESCHEDULED",
                               "Hồ sơ đã được gia hạn một lần (phiếu xin lỗi và hẹn lại): không được gia hạn lần "
                               "thứ hai.", "The dossier was already re-scheduled once: no second re-scheduling.")
            now = self.clock.now(ns)
            due = d.appointment_at.astimezone(VN_TZ).date()
            if not self.calendar.may_reschedule(now.astimezone(VN_TZ).date(), due):
                raise Conflict("RESCHEDULE_TOO_LATE",
                               f"Phiếu xin lỗi và hẹn lại phải gửi trước hạn trả kết quả ({due:%d/%m/%Y}) ít nhất "
                               "01 ngày làm việc.",
                               f"The apology slip must come at least one working day before the deadline "
                               f"({due.isoformat()}).", details={"due": due.isoformat()})
            if day <= due:
                raise DomainError("INVALID_NEW_DATE", f"Ngày hẹn trả mới phải sau ngày hẹn hiện tại ({due:%d/%m/%Y}).",
                                  f"The new date must come after the current deadline ({due.isoformat()}).")
            if not self.calendar.is_working_day(day):
                raise DomainError("NEW_DATE_NOT_WORKING_DAY", f"Ngày {day:%d/%m/%Y} không phải ngày làm việc.",
                                  f"{day.isoformat()} is not a working day.")
            moved = datetime.combine(day, OFFICE_CLOSES, tzinfo=VN_TZ)
            record = {"at": to_iso(now), "officer": officer.full_name, "officer_username": officer.username,
                      "from": to_iso(d.appointment_at), "to": to_iso(moved), "reason": why}
            return self.dossiers.change(conn, ns, d, actor(officer), "rescheduled",
                                        f"Xin lỗi và hẹn lại ngày trả kết quả: {_day(moved)} (hẹn cũ "
                                        f"{_day(d.appointment_at)}). Lý do: {why}", None,
                                        appointment_at=to_iso(moved), reschedule=dumps(record))

    def return_result(self, ns: str, officer: Officer, code: str, note: str = "") -> Dossier:
        """The result handed over at the desk (a counter return, or a postal return the post sent back)."""
        with self.store.transaction() as conn:
            d = self._checked(conn, ns, officer, code, "return_result")
            sent_back = d.postal_order is not None and d.postal_order.status == "returned"
            if d.result_delivery != "counter" and not sent_back:
                where = "trực tuyến (công dân tải kết quả điện tử)" if d.result_delivery == "online" else \
                    "qua bưu chính công ích"
                raise Conflict("RESULT_NOT_AT_COUNTER", f"Kết quả của hồ sơ này được trả {where}.",
                               f"This dossier's result is returned {d.result_delivery}, not at the counter.")
            columns: dict[str, Any] = {"returned_at": to_iso(self.clock.now(ns))}
            text = "Đã trả kết quả tại bộ phận một cửa."
            if d.fee_amount > 0 and d.payment_status != "paid" and d.payment_method == "counter":
                columns["payment_status"] = "paid"
                text += f" Đã thu phí, lệ phí {fee_text(d)} tại bộ phận một cửa."
            extra = check.note(note)
            return self.dossiers.change(conn, ns, d, actor(officer), "returned", text + (f" {extra}" if extra else ""),
                                        RETURNED, **columns)

    # -- counter and postal dossiers ---------------------------------------------------------------------------
    def register(self, ns: str, officer: Officer, *, procedure_code: Any, channel: Any, applicant: Any,
                 documents: Any, result_delivery: Any = "counter", postal_address: Any = None,
                 note: Any = "") -> Dossier:
        """A dossier handed in at the desk (channel 1) or arriving by post (channel 3): born received (status 2)."""
        if officer.role not in REGISTER_ROLES:
            raise Forbidden("ROLE_NOT_ALLOWED",
                            f"Vai trò '{officer.role_name}' không được tiếp nhận hồ sơ trực tiếp hoặc qua bưu chính.",
                            f"The role {officer.role} may not register dossiers.",
                            details={"action": "register", "allowed_roles": list(REGISTER_ROLES)})
        if channel not in (CHANNEL_COUNTER, CHANNEL_POST) or isinstance(channel, bool):
            raise DomainError("INVALID_CHANNEL",
                              "Kênh tiếp nhận phải là 1 (trực tiếp) hoặc 3 (qua bưu chính công ích); hồ sơ trực tuyến "
                              "do người nộp gửi trên Cổng Dịch vụ công.",
                              "channel must be 1 (counter) or 3 (post); online dossiers come from the applicant.")
        if not isinstance(procedure_code, str) or not procedure_code:
            raise DomainError("PROCEDURE_REQUIRED", "Thiếu mã thủ tục hành chính (procedure_code).",
                              "procedure_code is required.")
        offering = self.catalogue.offering(procedure_code, officer.agency_code)
        procedure, agency = offering.procedure, offering.agency
        person = check.parse_applicant(procedure, applicant)
        handed = self._paper_documents(procedure, documents)
        delivery = result_delivery if isinstance(result_delivery, str) else ""
        if delivery not in ("counter", "post"):
            raise DomainError("INVALID_RESULT_DELIVERY",
                              "Hồ sơ giấy nhận kết quả tại bộ phận một cửa (counter) hoặc qua bưu chính (post).",
                              "A paper dossier's result_delivery is counter or post.")
        fee = procedure.fee.amount if procedure.fee.due else 0
        address = None
        if delivery == "post":
            if not procedure.result_by_post:
                raise DomainError("POSTAL_RETURN_NOT_OFFERED",
                                  "Thủ tục này không hỗ trợ nhận kết quả qua dịch vụ bưu chính công ích.",
                                  "This procedure does not return its result by post.")
            if fee and procedure.fee.timing == "after":
                raise DomainError("POSTAL_NEEDS_PAYMENT_FIRST",
                                  "Khi nhận kết quả qua bưu chính, phí, lệ phí phải nộp trước (không thu hộ khi phát).",
                                  "A result returned by post needs the fee paid first (no cash on delivery).")
            try:
                address = parse_address(postal_address)
            except InvalidAddress as exc:
                raise DomainError("POSTAL_ADDRESS_INVALID", f"Địa chỉ nhận kết quả qua bưu chính chưa hợp lệ: {exc}",
                                  "The postal address is missing or invalid.", details=exc.problems) from None
        paid_on_receipt = bool(fee) and procedure.fee.timing == "before"
        text = check.note(note)
        now = self.clock.now(ns)
        due = self.calendar.appointment(now, procedure.processing_days, paper=True)
        with self.store.transaction() as conn:
            account = self.accounts.find_or_create_by_id_number(
                ns, id_number=person["id_number"], full_name=person["name"],
                account_type=person["type"] if person["type"] in (1, 2, 3) else 2,
                email=person["email"], phone=person["phone"], address=person["address"])
            code = self.dossiers.new_code(conn, ns, agency.code, now.strftime("%y%m%d"))
            stamp = to_iso(now)
            row = {
                "ns": ns, "code": code, "procedure_code": procedure.code, "national_code": procedure.national_code,
                "procedure_name": procedure.name, "agency_code": agency.code, "agency_name": agency.name,
                "tier": procedure.tier, "level": procedure.level, "applicant_id": account.id,
                "applicant_type": person["type"], "applicant_name": person["name"],
                "applicant_id_number": person["id_number"], "email": person["email"], "phone": person["phone"],
                "vneid_verified": 0, "form": dumps({"giay_to_da_nop": handed}),
                "summary": f"{procedure.name} — {person['name']}"[:1000], "status": RECEIVED, "channel": channel,
                "result_delivery": delivery, "payment_method": "counter" if fee else None, "fee_amount": fee,
                "fee_timing": procedure.fee.timing if fee else "none",
                "fee_description": procedure.fee.description if fee else "",
                "payment_status": "paid" if paid_on_receipt else ("unpaid" if fee else "not_required"),
                "paid_online": 0, "postal_address": dumps(address.to_json()) if address else None,
                "submitted_at": stamp, "received_at": stamp, "clock_started_at": stamp, "appointment_at": to_iso(due),
                "updated_at": stamp, "entered_by": officer.username,
            }
            conn.execute(f"INSERT INTO dossier({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                         tuple(row.values()))
            d = self.dossiers.load(conn, ns, code)
            how = "trực tiếp tại bộ phận một cửa" if channel == CHANNEL_COUNTER else "qua dịch vụ bưu chính công ích"
            words = f"Tiếp nhận hồ sơ {how}; hẹn trả kết quả ngày {_day(due)}."
            if paid_on_receipt:
                words += f" Đã thu phí, lệ phí {fee_text(d)}."
            entry = self.dossiers.history_entry(conn, ns, d, actor(officer), "registered",
                                                words + (f" {text}" if text else ""))
            d = self.dossiers.load(conn, ns, code)
            self.dossiers.sync.created(conn, ns, d)
            self.dossiers.notifications.send(conn, ns, d, "received", entry.note)
            return d

    @staticmethod
    def _paper_documents(procedure: Procedure, documents: Any) -> list[str]:
        codes = documents if isinstance(documents, list) else []
        handed = []
        for code in codes:
            if not isinstance(code, str) or procedure.attachment_named(code) is None:
                raise DomainError("UNKNOWN_ATTACHMENT", f"Thành phần hồ sơ '{str(code)[:64]}' không có trong thủ tục.",
                                  f"The procedure has no document with code '{str(code)[:64]}'.",
                                  details={"known": [a.code for a in procedure.attachments]})
            if code not in handed:
                handed.append(code)
        missing = [a for a in procedure.attachments if a.required and a.code not in handed]
        if missing:
            names = "; ".join(a.name for a in missing)
            raise DomainError("ATTACHMENT_REQUIRED",
                              f"Hồ sơ chưa đầy đủ, thiếu: {names}. Hướng dẫn người nộp bổ sung trước khi tiếp nhận.",
                              f"Required documents are missing: {', '.join(a.code for a in missing)}.",
                              details=[{"code": a.code, "name": a.name} for a in missing])
        return handed


__all__ = ["ACTIONS", "CHANNEL_NAMES", "CHANNEL_ONLINE", "DEADLINE_NAMES", "Action", "Workflow", "deadline_info",
           "fast_track"]
