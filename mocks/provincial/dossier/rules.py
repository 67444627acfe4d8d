"""The rules of a dossier's life, one small named function each, with the act and article it follows.

Three kinds, registered in `RULES` with their citation:
- what may be handed in (`submission`): called by the submission and the desk's entry
  (dossiers.py, workflow.py) on the applicant's choices;
- what a move needs (`guard`, named in the transition table's `rules`): raises the refusal that
  tells the officer or the applicant why; `hides=True` when the rule depends only on the dossier
  as it is, so that `allowed_actions` leaves the move out (the time limits and once-only rules
  are checked on use, so that the officer is told why);
- which way a move goes (`condition`, named in the table's `when`): a yes/no on the dossier.

The transition table names guards and conditions by their function's name and apply() looks
them up here when it runs, so a test may replace one (tests/scenarios/test_broken_rules.py).

Citations: Decree 61/2018/NĐ-CP (the one-stop mechanism; DOMAIN.md §3 places the process rules in
Art. 15–20: receipt in Art. 15, processing — supplement, time counted again, apology — in Art. 17,
the return of the result in Art. 18; these article numbers were not re-read against the decree's
text here [assumed]), Decree
45/2020/NĐ-CP (administrative procedures online), Decree 43/2011 and Circular 32/2017 (the online
service levels), Circular 01/2018/TT-VPCP (its forms 01–06 and the dossier code), and the seed
letter of Quảng Nam (2022).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar

from mocks.core.errors import Conflict, DomainError, Forbidden
from mocks.core.timefmt import VN_TZ
from mocks.core.world import World

from ..accounts import Account
from ..attachments import Upload, check_total, check_upload
from ..catalogue import APPLICANT_TYPE_NAMES, Procedure
from ..workdays import WorkCalendar
from .entity import FINANCIAL, NEW, PROCESSING, RECEIVED, RESULT_DELIVERIES, SUPPLEMENT, Dossier

F = TypeVar("F", bound=Callable[..., Any])
# Online payment of a fee collected before the result: while the dossier is alive.
PAYABLE = (NEW, RECEIVED, PROCESSING, SUPPLEMENT, FINANCIAL)


@dataclass(frozen=True)
class Rule:
    name: str
    kind: str        # submission | guard | condition
    cite: str
    hides: bool = False


RULES: dict[str, Rule] = {}


def rule(kind: str, cite: str, *, hides: bool = False) -> Callable[[F], F]:
    def register(fn: F) -> F:
        RULES[fn.__name__] = Rule(fn.__name__, kind, cite, hides)
        return fn
    return register


@dataclass(frozen=True)
class Moment:
    """What a guard may look at besides the dossier: the time of the move, the working days, the move's input."""

    now: datetime
    calendar: WorkCalendar
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def today(self) -> date:
        return self.now.astimezone(VN_TZ).date()


# -- what may be handed in ------------------------------------------------------------------------------------
@rule("submission", "Decree 43/2011 Art. 3; Circular 32/2017")
def online_submission_offered(procedure: Procedure) -> None:
    """Levels 1–2 take no dossier online."""
    if not procedure.online:
        raise DomainError(
            "LEVEL_NOT_ONLINE",
            f"Thủ tục này chưa cung cấp nộp hồ sơ trực tuyến ({procedure.level_text}): "
            "vui lòng nộp trực tiếp tại bộ phận một cửa hoặc qua dịch vụ bưu chính.",
            f"This procedure (level {procedure.level}) does not take dossiers online: "
            "hand it in at the one-stop counter or by post.",
            details={"level": procedure.level},
        )


@rule("submission", "the procedure's published fee and charging unit (catalogue data)")
def fee_due(procedure: Procedure, form: dict[str, Any]) -> int:
    """The fee due: the template's amount, times the number of copies (so_ban) when charged per copy."""
    if not procedure.fee.due:
        return 0
    copies = form.get("so_ban", 1) if procedure.fee.per_copy else 1
    return int(procedure.fee.amount * max(int(copies), 1))


@rule("submission", "Decree 43/2011 Art. 3; Circular 32/2017 (level 3: the result at the agency or by post)")
def result_delivery_offered(procedure: Procedure, result_delivery: str | None) -> str:
    """How the result comes back: at the counter, online (level 4 only) or by post (where the procedure offers it)."""
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


@rule("submission", "Decree 43/2011 Art. 3; Circular 32/2017 (level 4: fees paid online)")
def payment_method_for(procedure: Procedure, fee: int, delivery: str, payment_method: str | None) -> str | None:
    """How the fee is paid: online at level 4 unless the applicant chose the counter, at the counter at level 3;
    None when there is nothing to pay."""
    if payment_method and payment_method not in ("online", "counter"):
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
    postal_return_paid_online(delivery, method)
    return method


@rule("submission", "the seed letter of Quảng Nam (2022), after Decree 45/2020")
def postal_return_paid_online(delivery: str, method: str) -> None:
    """A level-4 result returned by post needs its fee paid online (no counter, no cash on delivery)."""
    if delivery == "post" and method != "online":
        raise DomainError("POSTAL_NEEDS_ONLINE_PAYMENT",
                          "Khi nhận kết quả qua dịch vụ bưu chính công ích, phí, lệ phí phải được thanh toán trực "
                          "tuyến.",
                          "A result returned by post requires the fee to be paid online.")


@rule("submission", "the seed letter of Quảng Nam (2022): no cash on delivery")
def paper_postal_return_paid_first(procedure: Procedure, fee: int, delivery: str) -> None:
    """A paper dossier's result goes by post only when its fee is paid before (collected on receipt)."""
    if delivery == "post" and fee and procedure.fee.timing == "after":
        raise DomainError("POSTAL_NEEDS_PAYMENT_FIRST",
                          "Khi nhận kết quả qua bưu chính, phí, lệ phí phải nộp trước (không thu hộ khi phát).",
                          "A result returned by post needs the fee paid first (no cash on delivery).")


@rule("submission", "Decree 69/2024/NĐ-CP (identity levels 1 and 2; which procedure needs which: the catalogue's "
                    "identity_level, assumed)")
def identity_level_sufficient(procedure: Procedure, account: Account, world: World) -> None:
    """Once the applicant's kind logs in through VNeID, a procedure that needs a level-2 identity refuses a level-1
    one (or a log-in without VNeID)."""
    kind = "citizen" if account.account_type == 1 else "business"
    if not world.uses_vneid(kind) or account.identity_level >= procedure.identity_level:
        return
    raise Forbidden(
        "IDENTITY_LEVEL_TOO_LOW",
        f"Thủ tục này yêu cầu tài khoản định danh điện tử mức độ {procedure.identity_level}; tài khoản của bạn "
        f"{'ở mức độ ' + str(account.identity_level) if account.identity_level else 'chưa xác thực bằng VNeID'}. "
        "Vui lòng nâng mức tài khoản định danh điện tử (tại cơ quan Công an) rồi đăng nhập lại bằng VNeID.",
        f"This procedure needs a level-{procedure.identity_level} electronic identity; yours is "
        f"{'level ' + str(account.identity_level) if account.identity_level else 'not a VNeID one'}.",
        details={"required": procedure.identity_level, "yours": account.identity_level})


@rule("submission", "the procedure's published applicants (LoaiDoiTuong)")
def applicant_type_allowed(procedure: Procedure, account: Account, applicant_type: Any) -> int:
    """Who files: a citizen, a business, a state agency or another organisation, among those the procedure is for."""
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


@rule("submission", "Decree 45/2020 (an electronic dossier: the procedure's components, as files)")
def documents_of_the_procedure(procedure: Procedure, uploads: list[Upload]) -> list[Upload]:
    """Each file is a document the procedure lists, and is what its content says (attachments.check_upload)."""
    checked: list[Upload] = []
    for upload in uploads:
        spec = procedure.attachment_named(upload.code) if isinstance(upload.code, str) else None
        if spec is None:
            raise DomainError("UNKNOWN_ATTACHMENT",
                              f"Thành phần hồ sơ '{str(upload.code)[:64]}' không có trong thủ tục này.",
                              f"The procedure has no document with code '{str(upload.code)[:64]}'.",
                              details={"known": [a.code for a in procedure.attachments]})
        checked.append(check_upload(upload, spec.name))
    check_total(checked)
    return checked


@rule("submission", "Decree 61/2018 Art. 15 (a dossier is received complete)")
def required_documents_present(procedure: Procedure, handed_in: list[str], vi_template: str) -> None:
    """Every document the procedure requires is there; `vi_template` says what is missing ({names}) to whom."""
    missing = [a for a in procedure.attachments if a.required and a.code not in handed_in]
    if missing:
        names = "; ".join(a.name for a in missing)
        raise DomainError("ATTACHMENT_REQUIRED", vi_template.format(names=names),
                          f"Required documents are missing: {', '.join(a.code for a in missing)}.",
                          details=[{"code": a.code, "name": a.name} for a in missing])


@rule("submission", "Decree 45/2020 (fees paid online); the procedure's fee timing: before receipt or with the result")
def online_payment_may_start(d: Dossier) -> None:
    """Whether an online payment may start now; a DomainError says why not."""
    if d.fee_amount <= 0:
        raise DomainError("NO_FEE_DUE", "Hồ sơ này không phải nộp phí, lệ phí.", "This dossier has no fee to pay.")
    if d.paid_online:
        raise Conflict("ALREADY_PAID", "Phí, lệ phí của hồ sơ này đã được thanh toán.",
                       "The fee of this dossier is already paid.")
    if d.payment_method != "online":
        raise DomainError("PAYMENT_AT_COUNTER",
                          "Phí, lệ phí của hồ sơ này được nộp tại cơ quan giải quyết, không thanh toán trực tuyến.",
                          "This dossier's fee is paid at the agency, not online.")
    if d.fee_timing == "after" and d.status != FINANCIAL:
        raise Conflict("FEE_NOT_YET_DUE",
                       "Phí, lệ phí của thủ tục này được thu khi trả kết quả: chỉ thanh toán khi hồ sơ đã có "
                       "kết quả.",
                       "This fee is collected with the result: it can be paid once the result is ready.")
    if d.status not in PAYABLE:
        raise Conflict("PAYMENT_NOT_ALLOWED",
                       f"Hồ sơ đang ở trạng thái '{d.status_name}': không thể thanh toán.",
                       f"A dossier in status {d.status} cannot be paid.")


# -- what a move needs (guards) -----------------------------------------------------------------------------------
@rule("guard", "Decision 759/QĐ-TTg (district-level units end on 1 July 2025); Resolution 1659/NQ-UBTVQH15",
      hides=True)
def at_a_former_district_agency(d: Dossier, at: Moment) -> None:
    """Only a dossier still at a district-level agency is handed over (once: another worker may have done it)."""
    if d.tier != "district":
        raise Conflict("NOT_AT_A_DISTRICT_AGENCY", "Hồ sơ không còn ở cơ quan cấp huyện.",
                       "The dossier is no longer at a district-level agency.", details={"tier": d.tier})


@rule("guard", "Decree 61/2018 Art. 15: a dossier is refused at receipt, not after", hides=True)
def refused_only_before_receipt(d: Dossier, at: Moment) -> None:
    if d.received_at is not None:
        raise Conflict("TRANSITION_NOT_ALLOWED",
                       "Hồ sơ đã được tiếp nhận: không thể từ chối tiếp nhận (có thể dừng xử lý).",
                       "A received dossier cannot be refused (it can be stopped).",
                       details={"action": "refuse", "status": d.status})


@rule("guard", "Decree 61/2018 Art. 17: a supplement is asked once, complete (form 02, Circular 01/2018)")
def supplement_asked_once(d: Dossier, at: Moment) -> None:
    if d.supplement is not None:
        raise Conflict("SUPPLEMENT_ALREADY_REQUESTED",
                       "Hồ sơ đã được yêu cầu bổ sung một lần: chỉ được yêu cầu bổ sung một lần, đầy đủ.",
                       "A supplement was already requested: it may be requested once only.")


@rule("guard", "Decree 61/2018 Art. 17: within 3 working days of receipt")
def supplement_within_three_working_days(d: Dossier, at: Moment) -> None:
    """By the 3rd working day after the day of receipt (of submission, before an officer received it)."""
    last_day = at.calendar.supplement_deadline(d.received_at or d.submitted_at, paper=d.paper)
    if at.today > last_day:
        raise Conflict("SUPPLEMENT_TOO_LATE",
                       f"Đã quá thời hạn 03 ngày làm việc kể từ ngày tiếp nhận để yêu cầu bổ sung "
                       f"(hạn cuối {last_day:%d/%m/%Y}).",
                       f"A supplement must be requested within 3 working days of receipt (last day "
                       f"{last_day.isoformat()}).", details={"last_day": last_day.isoformat()})


@rule("guard", "Decree 61/2018 Art. 17: a paper dossier's supplement is handed in at the desk", hides=True)
def supplement_at_the_desk_for_paper(d: Dossier, at: Moment) -> None:
    if not d.paper:
        raise Conflict("SUPPLEMENT_ONLINE", "Hồ sơ trực tuyến: công dân bổ sung trên Cổng Dịch vụ công.",
                       "An online dossier's supplement is handed in by the applicant on the portal.")


@rule("guard", "Decree 61/2018 Art. 17: the supplement is what was asked for, all of it")
def supplement_complete(d: Dossier, at: Moment) -> None:
    """`data["documents"]`: the codes handed in; `data["remark"]`: what was supplemented, in words."""
    codes = at.data.get("documents", [])
    missing = [i for i in (d.supplement or {}).get("items", []) if i.get("code") and i["code"] not in codes]
    if missing:
        names = "; ".join(i["name"] for i in missing)
        raise DomainError("SUPPLEMENT_INCOMPLETE", f"Hồ sơ bổ sung còn thiếu: {names}.",
                          f"The supplement lacks: {', '.join(i['code'] for i in missing)}.",
                          details=[{"code": i["code"], "name": i["name"]} for i in missing])
    if not codes and not at.data.get("remark"):
        raise DomainError("SUPPLEMENT_EMPTY", "Vui lòng nộp giấy tờ bổ sung hoặc ghi nội dung bổ sung.",
                          "Hand in the supplement's documents or say what was supplemented (note).")


@rule("guard", "Decree 45/2020: a fee is asked online only of a dossier that has one to pay online", hides=True)
def fee_to_pay_online(d: Dossier, at: Moment) -> None:
    if not d.online_fee_unpaid:
        raise Conflict("NO_ONLINE_FEE_DUE", "Hồ sơ không có phí, lệ phí chờ thanh toán trực tuyến.",
                       "The dossier has no unpaid fee to pay online.")


@rule("guard", "Decree 61/2018 Art. 18: the result is returned the way the applicant chose", hides=True)
def result_returned_at_the_desk(d: Dossier, at: Moment) -> None:
    """A counter return; or a postal return the post sent back to the agency."""
    sent_back = d.postal_order is not None and d.postal_order.status == "returned"
    if d.result_delivery != "counter" and not sent_back:
        where = "trực tuyến (công dân tải kết quả điện tử)" if d.result_delivery == "online" else \
            "qua bưu chính công ích"
        raise Conflict("RESULT_NOT_AT_COUNTER", f"Kết quả của hồ sơ này được trả {where}.",
                       f"This dossier's result is returned {d.result_delivery}, not at the counter.")


@rule("guard", "Decree 61/2018 Art. 18: the e-result is returned online when the applicant chose it", hides=True)
def result_returned_online(d: Dossier, at: Moment | None = None) -> None:
    if d.result_delivery != "online":
        raise DomainError("RESULT_NOT_ONLINE", "Hồ sơ này không nhận kết quả trực tuyến.",
                          "This dossier's result is not returned online.")


@rule("guard", "Decree 61/2018 Art. 17: one apology slip and new date only (form 04, Circular 01/2018)")
def rescheduled_once(d: Dossier, at: Moment) -> None:
    if d.reschedule is not None:
        raise Conflict("ALREADY_RESCHEDULED",
                       "Hồ sơ đã được gia hạn một lần (phiếu xin lỗi và hẹn lại): không được gia hạn lần "
                       "thứ hai.", "The dossier was already re-scheduled once: no second re-scheduling.")


@rule("guard", "Decree 61/2018 Art. 17: the apology comes at least 1 working day before the deadline")
def apology_a_working_day_before_the_deadline(d: Dossier, at: Moment) -> None:
    due = d.appointment_at.astimezone(VN_TZ).date()
    if not at.calendar.may_reschedule(at.today, due):
        raise Conflict("RESCHEDULE_TOO_LATE",
                       f"Phiếu xin lỗi và hẹn lại phải gửi trước hạn trả kết quả ({due:%d/%m/%Y}) ít nhất "
                       "01 ngày làm việc.",
                       f"The apology slip must come at least one working day before the deadline "
                       f"({due.isoformat()}).", details={"due": due.isoformat()})


@rule("guard", "Decree 61/2018 Art. 17: the new date is later than the deadline, a working day")
def new_date_a_later_working_day(d: Dossier, at: Moment) -> None:
    """`data["new_date"]`: the date the officer gives."""
    day: date = at.data["new_date"]
    due = d.appointment_at.astimezone(VN_TZ).date()
    if day <= due:
        raise DomainError("INVALID_NEW_DATE", f"Ngày hẹn trả mới phải sau ngày hẹn hiện tại ({due:%d/%m/%Y}).",
                          f"The new date must come after the current deadline ({due.isoformat()}).")
    if not at.calendar.is_working_day(day):
        raise DomainError("NEW_DATE_NOT_WORKING_DAY", f"Ngày {day:%d/%m/%Y} không phải ngày làm việc.",
                          f"{day.isoformat()} is not a working day.")


@rule("guard", "Circular 32/2017: one satisfaction rating per dossier")
def rated_once(d: Dossier, at: Moment) -> None:
    if d.rating is not None:
        raise Conflict("ALREADY_RATED", "Hồ sơ này đã được đánh giá.", "This dossier was already rated.")


# -- which way a move goes (conditions) -------------------------------------------------------------------------
@rule("condition", "Decree 45/2020: the result is released once the fee to pay online is paid")
def owes_fee_online(d: Dossier) -> bool:
    return d.online_fee_unpaid


@rule("condition", "Decree 45/2020: the result is released once the fee to pay online is paid")
def owes_no_fee_online(d: Dossier) -> bool:
    return not d.online_fee_unpaid


@rule("condition", "Decree 61/2018 Art. 17: after a supplement the dossier goes back where it was")
def supplement_asked_while_new(d: Dossier) -> bool:
    return _asked_at(d) == NEW


@rule("condition", "Decree 61/2018 Art. 17: after a supplement the dossier goes back where it was")
def supplement_asked_while_received(d: Dossier) -> bool:
    return _asked_at(d) == RECEIVED


@rule("condition", "Decree 61/2018 Art. 17: after a supplement the dossier goes back where it was")
def supplement_asked_while_processing(d: Dossier) -> bool:
    return _asked_at(d) == PROCESSING


def _asked_at(d: Dossier) -> int:
    return int((d.supplement or {}).get("from_status") or RECEIVED)


@rule("condition", "Decree 45/2020: a fee collected with the result releases it")
def has_its_result(d: Dossier) -> bool:
    return d.result_ready_at is not None


@rule("condition", "Decree 45/2020: a fee paid before the result lets the processing go on")
def has_no_result_yet(d: Dossier) -> bool:
    return d.result_ready_at is None
