"""The transition table of a dossier, and `apply()`: the one place where a dossier's status is set.

Each row says: from which statuses (none: the move makes the dossier), which action, by whom
(an actor's kind: the applicant, an officer's role, the payment platform, the post, the portal
itself) — to which status (None: it stays), under which conditions (`when`, choosing between the
rows of one action) and rules (`rules`, each refusing with its reason; rules.py), and what the
move records (the history entry, the columns it writes or stamps), sends (the national sync, a
notice to the applicant, a postal order) and schedules (the appointment in working days).

`apply()` checks the table and does all of it in one transaction: the status and the columns,
the history entry, the national sync messages and the notices queued (through the `Outgoing`
port the service is wired with), a postal return handed to the post, and the system's
follow-up move (`then`). A new kind of move — say, the dossiers in flight handed over from a
district agency to its successor on 1 July 2025, by the portal on its clock — is one more row.
docs/protocols.md shows this table (document.py writes it there; a test compares).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from mocks.core.clock import Clock
from mocks.core.errors import Conflict, DomainError, Forbidden
from mocks.core.timefmt import VN_TZ, to_iso

from ..attachments import Upload
from ..catalogue import Catalogue
from ..eras import Catalogues
from ..workdays import OFFICE_CLOSES, WorkCalendar
from . import rules
from .entity import (
    APPLICANT,
    CHANNEL_ONLINE,
    DESK,
    DONE,
    FINANCIAL,
    LEADER,
    NEW,
    OFFICER_ROLES,
    PAYMENT,
    POSTAL,
    PROCESSING,
    RECEIVED,
    REFUSED,
    RETURNED,
    SPECIALIST,
    STOPPED,
    SUPPLEMENT,
    SYSTEM,
    SYSTEM_KIND,
    WITHDRAWN,
    Actor,
    Dossier,
    HistoryEntry,
    amount_text,
    fee_text,
)
from .store import DossierStore

ALL = tuple(range(1, 11))
# Not finished: received or not yet, being processed, waiting for a supplement or a fee, or its result waiting.
IN_FLIGHT = (NEW, RECEIVED, PROCESSING, SUPPLEMENT, FINANCIAL, DONE)
OFFICERS = OFFICER_ROLES
PROCESSORS = (SPECIALIST, LEADER)
# What the officer's button says, and the name of each action in a refusal.
LABELS: dict[str, str] = {
    "submit": "Nộp hồ sơ trực tuyến",
    "register": "Tiếp nhận hồ sơ trực tiếp hoặc qua bưu chính",
    "receive": "Tiếp nhận hồ sơ",
    "refuse": "Từ chối tiếp nhận",
    "request_supplement": "Yêu cầu bổ sung hồ sơ",
    "record_supplement": "Ghi nhận hồ sơ bổ sung",
    "answer_supplement": "Bổ sung hồ sơ trực tuyến",
    "process": "Chuyển xử lý",
    "request_payment": "Yêu cầu thực hiện nghĩa vụ tài chính",
    "result_ready": "Hoàn thành xử lý (có kết quả)",
    "return_result": "Trả kết quả tại bộ phận một cửa",
    "stop": "Dừng xử lý",
    "withdraw": "Ghi nhận công dân rút hồ sơ",
    "reschedule": "Gia hạn (phiếu xin lỗi và hẹn lại)",
    "rate": "Đánh giá mức độ hài lòng",
    "pay_online": "Ghi nhận thanh toán trực tuyến",
    "settle_fee": "Hoàn thành nghĩa vụ tài chính",
    "download_result": "Nhận kết quả điện tử",
    "postal_delivered": "Bưu chính phát thành công",
    "postal_failed": "Bưu chính phát không thành công",
    "postal_returned": "Bưu chính chuyển hoàn kết quả",
    "hand_over": "Chuyển hồ sơ cho đơn vị tiếp nhận (sắp xếp đơn vị hành chính 2025)",
}
# How the applicant is told "not now" where a move of theirs finds the dossier elsewhere (else 409
# TRANSITION_NOT_ALLOWED).
NOT_NOW: dict[str, tuple[str, str, str]] = {
    "answer_supplement": ("NO_SUPPLEMENT_REQUESTED", "Hồ sơ không ở trạng thái chờ bổ sung.",
                          "The dossier is not waiting for a supplement."),
    "download_result": ("RESULT_NOT_READY", "Kết quả điện tử của hồ sơ chưa sẵn sàng.",
                        "The e-result is not ready yet."),
    "rate": ("NOT_YET_RATEABLE", "Chỉ đánh giá sau khi hồ sơ đã có kết quả.",
             "A dossier is rated once its result is ready."),
}
SCHEDULES: dict[str, str] = {
    "appointment": "the appointment (NgayHenTra): the procedure's working days from now (a paper dossier after "
                   "15:00 from the next working morning)",
    "new_date": "the appointment moved to the officer's new date, at the office's close (form 04)",
}


@dataclass(frozen=True)
class Transition:
    action: str
    actors: tuple[str, ...]
    from_statuses: tuple[int, ...]  # (): the move makes the dossier
    to: int | None                  # None: the status stays
    records: str | None             # the history entry's action; None: no entry, nothing sent
    note: str = ""                  # the entry's text: {fields} filled in from the move and the dossier
    when: str | None = None         # rules.<condition>: this row, of the action's rows that match
    rules: tuple[str, ...] = ()     # rules.<guard>: checked before the move, each refusing with its reason
    writes: tuple[str, ...] = ()    # the columns the caller gives with the move
    stamps: tuple[str, ...] = ()    # the columns set to the moment of the move
    schedule: str | None = None     # SCHEDULES
    notice: str | None = None       # the notice to the applicant (notifications.KINDS), e-mail and SMS
    post: bool = False              # a result to return by post is handed to the post (the postal order)
    then: str | None = None         # the portal's own move that follows, where the table has one
    remark: str = "after"           # the actor's note: "after" the text, or "instead" of it

    @property
    def birth(self) -> bool:
        return not self.from_statuses

    @property
    def sends_sync(self) -> bool:
        return self.records is not None


T = Transition
REASON = ("closing_reason",)
TABLE: tuple[Transition, ...] = (
    # -- the dossier is made -------------------------------------------------------------------------------------
    T("submit", (APPLICANT,), (), NEW, "submitted", "Nộp hồ sơ trực tuyến trên Cổng Dịch vụ công tỉnh",
      schedule="appointment"),
    T("register", (DESK,), (), RECEIVED, "registered", "Tiếp nhận hồ sơ {how}; hẹn trả kết quả ngày {due}.{paid}",
      stamps=("received_at", "clock_started_at"), schedule="appointment", notice="received"),
    # -- the one-stop desk receives -------------------------------------------------------------------------------
    T("receive", (DESK,), (NEW,), RECEIVED, "received", "Tiếp nhận hồ sơ; hẹn trả kết quả ngày {due}.",
      stamps=("received_at", "clock_started_at"), schedule="appointment", notice="received"),
    T("refuse", (DESK,), (NEW, SUPPLEMENT), REFUSED, "refused", "Từ chối tiếp nhận hồ sơ. Lý do: {reason}",
      rules=("refused_only_before_receipt",), writes=REASON, notice="refused"),
    # -- a supplement: asked once, answered, the clock restarts -----------------------------------------------------
    T("request_supplement", OFFICERS, (NEW, RECEIVED, PROCESSING), SUPPLEMENT, "supplement_requested",
      "Yêu cầu bổ sung, hoàn thiện hồ sơ: {items}.",
      rules=("supplement_asked_once", "supplement_within_three_working_days"), writes=("supplement",),
      notice="supplement_requested"),
    *(T(action, (actor,), (SUPPLEMENT,), back, "supplement_received",
        "Đã bổ sung hồ sơ ({count} giấy tờ); thời hạn giải quyết tính lại từ đầu, hẹn trả ngày {due}.",
        when=when, rules=guards, writes=("supplement",), schedule="appointment",
        stamps=() if back == NEW else ("clock_started_at",), notice="received" if back == RECEIVED else None)
      for action, actor, guards in (
          ("record_supplement", DESK, ("supplement_at_the_desk_for_paper", "supplement_complete")),
          ("answer_supplement", APPLICANT, ("supplement_complete",)))
      for back, when in ((NEW, "supplement_asked_while_new"), (RECEIVED, "supplement_asked_while_received"),
                         (PROCESSING, "supplement_asked_while_processing"))),
    # -- processing -------------------------------------------------------------------------------------------------
    T("process", PROCESSORS, (RECEIVED,), PROCESSING, "processing", "Chuyển hồ sơ đến bộ phận chuyên môn xử lý.",
      remark="instead"),
    T("request_payment", PROCESSORS, (PROCESSING,), FINANCIAL, "payment_requested",
      "Đề nghị công dân thanh toán trực tuyến {fee}.", rules=("fee_to_pay_online",), notice="payment_requested"),
    T("result_ready", PROCESSORS, (PROCESSING,), DONE, "result_ready",
      "Hồ sơ đã được giải quyết xong ({documents}); {where}.", when="owes_no_fee_online",
      writes=("result_documents",), stamps=("result_ready_at",), notice="result_ready", post=True),
    T("result_ready", PROCESSORS, (PROCESSING,), FINANCIAL, "fee_requested",
      "Hồ sơ đã có kết quả ({documents}); đề nghị công dân thanh toán trực tuyến {fee} để nhận kết quả.",
      when="owes_fee_online", writes=("result_documents",), stamps=("result_ready_at",),
      notice="payment_requested"),
    T("result_ready", PROCESSORS, (FINANCIAL,), DONE, "result_ready",
      "Hồ sơ đã được giải quyết xong ({documents}); {where}.", when="owes_no_fee_online",
      writes=("result_documents",), stamps=("result_ready_at",), notice="result_ready", post=True),
    T("result_ready", PROCESSORS, (FINANCIAL,), None, "result_ready",
      "Đã có kết quả ({documents}); chờ công dân thanh toán {fee}.", when="owes_fee_online",
      writes=("result_documents",), stamps=("result_ready_at",)),
    # -- the result handed over -------------------------------------------------------------------------------------
    T("return_result", (DESK,), (DONE,), RETURNED, "returned", "Đã trả kết quả tại bộ phận một cửa.{collected}",
      rules=("result_returned_at_the_desk",), writes=("payment_status",), stamps=("returned_at",)),
    # -- the end before the result ----------------------------------------------------------------------------------
    T("stop", (LEADER,), (RECEIVED, PROCESSING, SUPPLEMENT, FINANCIAL), STOPPED, "stopped",
      "Dừng xử lý hồ sơ. Lý do: {reason}", writes=REASON, notice="stopped"),
    T("withdraw", (DESK,), (NEW, RECEIVED, PROCESSING, SUPPLEMENT, FINANCIAL), WITHDRAWN, "withdrawn",
      "Công dân yêu cầu rút hồ sơ tại bộ phận một cửa. Lý do: {reason}", writes=REASON),
    T("withdraw", (APPLICANT,), (NEW, RECEIVED, PROCESSING, SUPPLEMENT, FINANCIAL), WITHDRAWN, "withdrawn",
      "Công dân yêu cầu rút hồ sơ. Lý do: {reason}", writes=REASON),
    # -- late: one apology slip and a new date ----------------------------------------------------------------------
    T("reschedule", (LEADER,), (RECEIVED, PROCESSING, FINANCIAL), None, "rescheduled",
      "Xin lỗi và hẹn lại ngày trả kết quả: {due} (hẹn cũ {old}). Lý do: {reason}",
      rules=("rescheduled_once", "apology_a_working_day_before_the_deadline", "new_date_a_later_working_day"),
      writes=("reschedule",), schedule="new_date", notice="rescheduled"),
    # -- the applicant's rating -------------------------------------------------------------------------------------
    T("rate", (APPLICANT,), (DONE, RETURNED), None, None, rules=("rated_once",),
      writes=("rating", "rating_comment"), stamps=("rated_at",)),
    # -- the payment platform, and the portal on its account ----------------------------------------------------------
    T("pay_online", (PAYMENT,), ALL, None, "paid", "Đã thanh toán trực tuyến {amount} (mã tham chiếu {reference}).",
      writes=("paid_online", "payment_status", "payment_reference"), then="settle_fee"),
    T("settle_fee", (SYSTEM_KIND,), (FINANCIAL,), DONE, "result_released",
      "Đã hoàn thành nghĩa vụ tài chính; {where}.", when="has_its_result", notice="result_ready", post=True),
    T("settle_fee", (SYSTEM_KIND,), (FINANCIAL,), PROCESSING, "payment_done",
      "Đã hoàn thành nghĩa vụ tài chính; hồ sơ tiếp tục được xử lý.", when="has_no_result_yet"),
    # -- the e-result downloaded (a second download changes nothing) -------------------------------------------------
    T("download_result", (SYSTEM_KIND,), (DONE,), RETURNED, "result_downloaded",
      "Công dân đã nhận kết quả điện tử trên Cổng Dịch vụ công tỉnh.", rules=("result_returned_online",),
      stamps=("returned_at",)),
    T("download_result", (SYSTEM_KIND,), (RETURNED,), None, None, rules=("result_returned_online",)),
    # -- the post's tracking events ---------------------------------------------------------------------------------
    T("postal_delivered", (POSTAL,), (DONE,), RETURNED, "delivered",
      "Bưu chính đã phát kết quả cho người nhận (mã vận đơn {waybill}).", stamps=("returned_at",)),
    T("postal_failed", (POSTAL,), ALL, None, "delivery_failed",
      "Bưu chính phát kết quả không thành công (mã vận đơn {waybill}){detail}."),
    T("postal_returned", (POSTAL,), ALL, None, "returned_to_agency",
      "Kết quả đã được bưu chính chuyển hoàn về {agency} (mã vận đơn {waybill}); công dân liên hệ bộ phận một cửa "
      "để nhận."),
    # -- 1 July 2025: district-level units end; their dossiers in flight go on at the receiving unit ---------------
    T("hand_over", (SYSTEM_KIND,), IN_FLIGHT, None, "handed_over",
      "Từ ngày 01/07/2025 không còn cấp huyện: hồ sơ được chuyển từ {former} cho {receiver} tiếp tục giải quyết; mã hồ "
      "sơ giữ nguyên.", rules=("at_a_former_district_agency",), writes=("agency_code", "agency_name", "tier")),
)


class Outgoing(Protocol):
    """What a move sends, in its transaction (wired by the service: sending.py)."""

    def created(self, conn: sqlite3.Connection, ns: str, dossier: Dossier) -> None:
        """A new dossier for the national portal (DongBoHoSoMC)."""

    def changed(self, conn: sqlite3.Connection, ns: str, dossier: Dossier, entry: HistoryEntry) -> None:
        """A move for the national portal (DongBoHoSoMC + CapNhatTienDoHoSoMC)."""

    def notify(self, conn: sqlite3.Connection, ns: str, dossier: Dossier, kind: str, note: str) -> None:
        """A notice to the applicant (e-mail and SMS)."""

    def post_result(self, conn: sqlite3.Connection, ns: str, dossier: Dossier, now: str) -> None:
        """The result handed to the post: the postal order."""


def day_text(moment: datetime) -> str:
    return moment.astimezone(VN_TZ).strftime("%d/%m/%Y")


def release_note(dossier: Dossier) -> str:
    """Where the result goes once it is ready."""
    if dossier.result_delivery == "post":
        return "kết quả được chuyển qua dịch vụ bưu chính công ích"
    if dossier.result_delivery == "online":
        return "kết quả điện tử sẵn sàng để tải về"
    return "mời công dân nhận kết quả tại bộ phận một cửa"


def at_closing(day: Any) -> datetime:
    """A date's deadline moment: the office's close, local time."""
    return datetime.combine(day, OFFICE_CLOSES, tzinfo=VN_TZ)


class Transitions:
    def __init__(self, store: DossierStore, clock: Clock, calendar: WorkCalendar, catalogue: Catalogue | Catalogues,
                 outgoing: Outgoing, table: Iterable[Transition] = TABLE) -> None:
        self.store = store
        self.clock = clock
        self.calendar = calendar
        self.catalogue = catalogue
        self.outgoing = outgoing
        self.table = tuple(table)
        self._by_action: dict[str, list[Transition]] = {}
        for t in self.table:
            self._by_action.setdefault(t.action, []).append(t)

    # -- reading the table -------------------------------------------------------------------------------------
    def rows(self, action: str, kind: str | None = None) -> list[Transition]:
        if action not in self._by_action:
            raise KeyError(f"no transition {action!r} in the table")
        return [t for t in self._by_action[action] if kind is None or kind in t.actors]

    def permit(self, d: Dossier | None, action: str, by: Actor) -> None:
        """Whether `by` may take `action` on the dossier as it is (who, from which status): the refusal if not.

        `d` None: a move that makes the dossier. The rules of the move are checked by apply().
        """
        rows = self.rows(action)
        mine = [t for t in rows if by.kind in t.actors]
        label = LABELS.get(action, action)
        if not mine:
            allowed = [role for role in OFFICER_ROLES if any(role in t.actors for t in rows)]
            raise Forbidden("ROLE_NOT_ALLOWED", f"Vai trò '{by.role}' không được thực hiện thao tác '{label}'.",
                            f"The role {by.kind} may not {action}.",
                            details={"action": action, "allowed_roles": allowed})
        if d is None:
            return
        allowed_from = sorted({s for t in mine for s in t.from_statuses})
        if d.status not in allowed_from:
            if action in NOT_NOW:
                code, vi, en = NOT_NOW[action]
                raise Conflict(code, vi, en, details={"status": d.status})
            raise Conflict("TRANSITION_NOT_ALLOWED",
                           f"Hồ sơ đang ở trạng thái '{d.status_name}': không thể thực hiện '{label}'.",
                           f"A dossier in status {d.status} cannot {action}.",
                           details={"action": action, "status": d.status, "allowed_from": allowed_from})

    def matching(self, d: Dossier, action: str, kind: str) -> Transition | None:
        """The row of `action` by `kind` from the dossier's status whose condition holds, if any."""
        for t in self.rows(action, kind):
            if d.status in t.from_statuses and (t.when is None or getattr(rules, t.when)(d)):
                return t
        return None

    def allowed(self, d: Dossier, kind: str) -> list[str]:
        """The actions `kind` may take on the dossier as it is, less those a rule that `hides` refuses.

        The rules that depend on the moment or on what was done before (time limits, once-only)
        are checked on use, so that whoever tries is told why.
        """
        moment = rules.Moment(d.updated_at, self.calendar)  # a rule that hides looks at the dossier only
        names: list[str] = []
        for t in self.table:
            if t.action in names or t.birth or kind not in t.actors or self.matching(d, t.action, kind) is not t:
                continue
            if all(_passes(name, d, moment) for name in t.rules if _hides(name)):
                names.append(t.action)
        return names

    # -- moving ---------------------------------------------------------------------------------------------------
    def apply(self, ns: str, action: str, by: Actor, *, code: str | None = None, dossier: Dossier | None = None,
              new: dict[str, Any] | None = None, columns: dict[str, Any] | None = None,
              given: dict[str, Any] | None = None, words: dict[str, Any] | None = None, remark: str = "",
              files: list[Upload] | None = None) -> Dossier:
        """Make the move the table has for (the dossier's status, `action`, `by`), in one transaction.

        code: the dossier moved — or `dossier`, as the caller read it in the transaction it holds (which
        the move joins); new: the columns of a dossier the move makes (with `files`).
        columns: what the row `writes`; given: what its rules look at; words: the fields of its note;
        remark: the actor's note.
        """
        with self.store.transaction() as conn:
            now = self.clock.now(ns)
            if new is not None:
                return self._make(conn, ns, now, action, by, new, words or {}, remark, files or [])
            if dossier is None:
                assert code is not None
                dossier = self.store.load(conn, ns, code)
            return self._move(conn, ns, now, dossier, action, by, columns or {}, given or {}, words or {}, remark)

    def _move(self, conn: sqlite3.Connection, ns: str, now: datetime, d: Dossier, action: str, by: Actor,
              columns: dict[str, Any], given: dict[str, Any], words: dict[str, Any], remark: str) -> Dossier:
        self.permit(d, action, by)
        row = self.matching(d, action, by.kind)
        if row is None:  # the conditions of the action's rows leave this dossier out
            raise Conflict("TRANSITION_NOT_ALLOWED",
                           f"Hồ sơ đang ở trạng thái '{d.status_name}': không thể thực hiện "
                           f"'{LABELS.get(action, action)}'.",
                           f"A dossier in status {d.status} cannot {action}.",
                           details={"action": action, "status": d.status})
        moment = rules.Moment(now, self.calendar, {**given, "remark": remark})
        for name in row.rules:
            getattr(rules, name)(d, moment)
        written = self._columns(row, columns)
        stamp = to_iso(now)
        fields = NoteFields(d, words)
        for name in row.stamps:
            written[name] = stamp
        if row.schedule is not None:
            due = self._scheduled(row, d.procedure_code, d.paper, now, given)
            written["appointment_at"] = to_iso(due)
            fields["due"] = day_text(due)
        if row.records is None and not written:
            return d  # nothing to record (a second download of the e-result)
        status = d.status if row.to is None else row.to
        written["updated_at"] = stamp
        conn.execute(f"UPDATE dossier SET status = ?, {', '.join(f'{k} = ?' for k in written)}"
                     " WHERE ns = ? AND code = ?", (status, *written.values(), ns, d.code))
        if row.records is None:
            return self.store.load(conn, ns, d.code)
        entry = self.store.append_history(conn, ns, d.code, now, by, d.status, status, row.records,
                                          self._note(row, fields, remark))
        changed = self.store.load(conn, ns, d.code)
        self.outgoing.changed(conn, ns, changed, entry)
        if row.post and changed.result_delivery == "post":
            self.outgoing.post_result(conn, ns, changed, stamp)
            changed = self.store.load(conn, ns, d.code)
        if row.notice:
            self.outgoing.notify(conn, ns, changed, row.notice, entry.note)
        if row.then and self.matching(changed, row.then, SYSTEM.kind) is not None:
            changed = self._move(conn, ns, now, changed, row.then, SYSTEM, {}, {}, {}, "")
        return changed

    def _make(self, conn: sqlite3.Connection, ns: str, now: datetime, action: str, by: Actor, new: dict[str, Any],
              words: dict[str, Any], remark: str, files: list[Upload]) -> Dossier:
        self.permit(None, action, by)
        [row] = [t for t in self.rows(action, by.kind) if t.birth]
        assert row.to is not None and row.records is not None, "a move that makes a dossier names its status"
        if "status" in new or "code" in new:
            raise ValueError("a new dossier's code and status come from apply()")
        code = self.store.new_code(conn, ns, new["agency_code"], now.strftime("%y%m%d"))
        stamp = to_iso(now)
        due = self._scheduled(row, new["procedure_code"], new["channel"] != CHANNEL_ONLINE, now, {})
        values = {"ns": ns, "code": code, **new, "status": row.to, "submitted_at": stamp,
                  "appointment_at": to_iso(due), "updated_at": stamp, **dict.fromkeys(row.stamps, stamp)}
        conn.execute(f"INSERT INTO dossier({', '.join(values)}) VALUES ({', '.join('?' * len(values))})",
                     tuple(values.values()))
        self.store.files.save(conn, ns, code, files)
        fields = {"fee": amount_text(new["fee_amount"]), "agency": new["agency_name"], "due": day_text(due), **words}
        entry = self.store.append_history(conn, ns, code, now, by, None, row.to, row.records,
                                          self._note(row, fields, remark))
        d = self.store.load(conn, ns, code)
        self.outgoing.created(conn, ns, d)
        if row.notice:
            self.outgoing.notify(conn, ns, d, row.notice, entry.note)
        return d

    # -- what a move writes ------------------------------------------------------------------------------------
    @staticmethod
    def _columns(row: Transition, columns: dict[str, Any]) -> dict[str, Any]:
        unexpected = set(columns) - set(row.writes)
        if unexpected:
            raise ValueError(f"the move {row.action!r} writes {row.writes}, not {sorted(unexpected)}")
        return dict(columns)

    def _scheduled(self, row: Transition, procedure_code: str, paper: bool, now: datetime,
                   given: dict[str, Any]) -> datetime:
        if row.schedule == "new_date":
            return at_closing(given["new_date"])
        procedure = self.catalogue.require_procedure(procedure_code)
        return self.calendar.appointment(now, procedure.processing_days, paper=paper)

    @staticmethod
    def _note(row: Transition, fields: Mapping[str, Any], remark: str) -> str:
        if remark and row.remark == "instead":
            return remark
        text = row.note.format_map(fields)
        return f"{text} {remark}" if remark else text


class NoteFields(dict[str, Any]):
    """The fields of a move's note: the caller's words, and what the dossier says, read when the note asks."""

    def __init__(self, d: Dossier, words: dict[str, Any]) -> None:
        super().__init__(words)
        self.dossier = d

    def __missing__(self, key: str) -> Any:
        d = self.dossier
        found = {"fee": lambda: fee_text(d), "where": lambda: release_note(d), "agency": lambda: d.agency_name,
                 "old": lambda: day_text(d.appointment_at), "due": lambda: day_text(d.appointment_at)}[key]()
        self[key] = found
        return found


def _passes(name: str, d: Dossier, moment: rules.Moment) -> bool:
    try:
        getattr(rules, name)(d, moment)
    except DomainError:
        return False
    return True


def _hides(name: str) -> bool:
    found = rules.RULES.get(name)
    return found is not None and found.hides
