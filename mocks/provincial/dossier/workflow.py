"""The one-stop back office: what officers do to a dossier, and the applicant's own moves after submission.

Each operation reads what was sent (officer_input.py), checks who may (the agency here; the
role and the status in the transition table), and makes its move with `Transitions.apply()`:
the table (transitions.py) says from which status, by which role, to which status, and what is
recorded, sent and scheduled; the rules it names are rules.py's. The forms are Circular
01/2018's (02 supplement request, 03 refusal, 04 apology and new date). An officer sees and acts
on their own agency's dossiers only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mocks.core.errors import DomainError, Forbidden
from mocks.core.storage import dumps
from mocks.core.timefmt import to_iso
from mocks.core.world import Worlds

from ..accounts import Accounts
from ..attachments import Upload
from ..catalogue import Procedure
from ..eras import Catalogues
from ..officers import Officer, Officers
from . import officer_input as check
from . import rules
from .address import InvalidAddress, parse_address
from .deadlines import deadline_info
from .entity import (
    CHANNEL_COUNTER,
    CHANNEL_POST,
    OFFICER_ROLES,
    RATINGS,
    Actor,
    Dossier,
    amount_text,
    citizen,
    fee_text,
)
from .store import DossierStore
from .transitions import LABELS, TABLE, Transitions, at_closing, day_text


@dataclass(frozen=True)
class OfficerAction:
    name: str
    label: str   # what the officer's button says


# The moves an officer makes on a dossier, in the table's order (the dossier page's buttons, `allowed_actions`).
ACTIONS: dict[str, OfficerAction] = {
    t.action: OfficerAction(t.action, LABELS[t.action]) for t in TABLE
    if not t.birth and set(t.actors) & set(OFFICER_ROLES)}


def actor(officer: Officer) -> Actor:
    return Actor(officer.full_name, officer.role_name, officer.role)


class Workflow:
    def __init__(self, moves: Transitions, officers: Officers, accounts: Accounts, catalogue: Catalogues) -> None:
        self.moves = moves
        self.rows: DossierStore = moves.store
        self.officers = officers
        self.accounts = accounts
        self.store = self.rows.store
        self.clock = moves.clock
        self.calendar = moves.calendar
        self.catalogue = catalogue
        self.worlds = Worlds(self.clock)

    # -- who may see and do what ----------------------------------------------------------------------------
    @staticmethod
    def check_agency(officer: Officer, dossier: Dossier) -> None:
        if dossier.agency_code != officer.agency_code:
            raise Forbidden("OTHER_AGENCY",
                            "Hồ sơ này thuộc cơ quan khác: bạn không được xem hoặc xử lý hồ sơ này.",
                            "This dossier belongs to another agency: you may neither see nor act on it.")

    def allowed_actions(self, officer: Officer, dossier: Dossier) -> list[str]:
        """The actions the officer's role may take on the dossier as it is (the table, less what cannot apply)."""
        if dossier.agency_code != officer.agency_code:
            return []
        return self.moves.allowed(dossier, officer.role)

    def _checked(self, conn: Any, ns: str, officer: Officer, code: Any, action: str) -> Dossier:
        """The dossier read in `conn`, once the officer's agency, role and the dossier's status allow `action` (in
        that order)."""
        if not isinstance(code, str) or not code or len(code) > 64:
            self.rows.get(ns, str(code)[:64])  # raises DOSSIER_NOT_FOUND
        d = self.rows.load(conn, ns, code)
        self.check_agency(officer, d)
        self.moves.permit(d, action, actor(officer))
        return d

    # -- reading ------------------------------------------------------------------------------------------------
    def dossier(self, ns: str, officer: Officer, code: str) -> Dossier:
        d = self.rows.get(ns, code)
        self.check_agency(officer, d)
        return d

    def deadline(self, ns: str, dossier: Dossier) -> dict[str, Any]:
        return deadline_info(dossier, self.clock.now(ns), self.calendar)

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
        if not deadline:
            return self.rows.of_agency(ns, officer.agency_code, status=status, channel=channel, q=q,
                                       page=(limit, offset))
        # the deadline mark is computed (working days, holidays, the clock): filtered here
        now = self.clock.now(ns)
        _, every = self.rows.of_agency(ns, officer.agency_code, status=status, channel=channel, q=q)
        found = [d for d in every if deadline_info(d, now, self.calendar)["state"] == deadline]
        return len(found), found[offset:offset + limit]

    # -- the desk ------------------------------------------------------------------------------------------------
    def receive(self, ns: str, officer: Officer, code: str, note: str = "") -> Dossier:
        with self.store.transaction() as conn:
            d = self._checked(conn, ns, officer, code, "receive")
            return self.moves.apply(ns, "receive", actor(officer), dossier=d, remark=check.note(note))

    def refuse(self, ns: str, officer: Officer, code: str, reason: Any) -> Dossier:
        return self._closed(ns, officer, code, "refuse", reason, "lý do từ chối")

    def _closed(self, ns: str, officer: Officer, code: str, action: str, reason: Any, what: str) -> Dossier:
        """A move that ends the dossier, with the reason why (refused, stopped, withdrawn)."""
        with self.store.transaction() as conn:
            d = self._checked(conn, ns, officer, code, action)     # who may, before what they sent
            why = check.reason(reason, what)
            return self.moves.apply(ns, action, actor(officer), dossier=d, columns={"closing_reason": why},
                                    words={"reason": why})

    def request_supplement(self, ns: str, officer: Officer, code: str, items: Any, note: Any = "") -> Dossier:
        """Form 02: once per dossier, everything at once, within 3 working days of receipt."""
        with self.store.transaction() as conn:
            d = self._checked(conn, ns, officer, code, "request_supplement")
            wanted = check.parse_items(self.catalogue.require_procedure(d.procedure_code), items)
            text = check.note(note)
            request = {"requested_at": to_iso(self.clock.now(ns)), "officer": officer.full_name,
                       "officer_username": officer.username, "from_status": d.status, "items": wanted, "note": text,
                       "answered_at": None, "answer_note": "", "attachment_ids": [], "documents_handed_in": []}
            listed = "; ".join(i["name"] + (f" ({i['reason']})" if i["reason"] else "") for i in wanted)
            return self.moves.apply(ns, "request_supplement", actor(officer), dossier=d,
                                    columns={"supplement": dumps(request)}, words={"items": listed}, remark=text)

    def record_supplement(self, ns: str, officer: Officer, code: str, documents: Any, note: Any = "") -> Dossier:
        """The applicant of a paper dossier brings the supplement to the desk (document codes handed in)."""
        with self.store.transaction() as conn:
            d = self._checked(conn, ns, officer, code, "record_supplement")
            codes = [c for c in documents if isinstance(c, str)] if isinstance(documents, list) else []
            return self._supplemented(conn, ns, d, "record_supplement", actor(officer), [], codes, check.note(note))

    # -- the applicant ---------------------------------------------------------------------------------------------
    def answer_supplement(self, ns: str, account_id: str, code: str, uploads: list[Upload], note: Any = "") -> Dossier:
        """The applicant hands in the supplement online: the dossier goes back where it was, the clock restarts."""
        d = self.rows.owned(ns, code, account_id)
        account = self.accounts.get(ns, account_id)
        checked = rules.documents_of_the_procedure(self.catalogue.require_procedure(d.procedure_code), uploads)
        by = citizen(account)
        with self.store.transaction() as conn:
            d = self.rows.load(conn, ns, code)
            self.moves.permit(d, "answer_supplement", by)
            return self._supplemented(conn, ns, d, "answer_supplement", by, checked, [u.code for u in checked],
                                      check.note(note))

    def _supplemented(self, conn: Any, ns: str, d: Dossier, action: str, by: Actor, files: list[Upload],
                      codes: list[str], note: str) -> Dossier:
        request = dict(d.supplement or {})
        request.update(answered_at=to_iso(self.clock.now(ns)), answer_note=note, documents_handed_in=codes)
        # the files go in with the move: a refused supplement (incomplete) rolls them back with it
        request["attachment_ids"] = self.rows.files.save(conn, ns, d.code, files)
        return self.moves.apply(ns, action, by, dossier=d, columns={"supplement": dumps(request)},
                                given={"documents": codes}, words={"count": len(codes)}, remark=note)

    def withdraw_by_applicant(self, ns: str, account_id: str, code: str, reason: Any) -> Dossier:
        why = check.reason(reason, "lý do rút hồ sơ")
        account = self.accounts.get(ns, account_id)
        self.rows.owned(ns, code, account_id)
        return self.moves.apply(ns, "withdraw", citizen(account), code=code, columns={"closing_reason": why},
                                words={"reason": why})

    def rate(self, ns: str, account_id: str, code: str, rating: Any, comment: Any = "") -> Dossier:
        """The applicant's satisfaction with the service, once, after the result."""
        if not isinstance(rating, int) or isinstance(rating, bool) or rating not in RATINGS:
            raise DomainError("INVALID_RATING", "Mức đánh giá phải là 1 (không hài lòng), 2 (hài lòng) hoặc "
                              "3 (rất hài lòng).", "rating must be 1, 2 or 3.")
        text = check.note(comment)
        self.rows.owned(ns, code, account_id)
        account = self.accounts.get(ns, account_id)
        return self.moves.apply(ns, "rate", citizen(account), code=code,
                                columns={"rating": rating, "rating_comment": text})

    # -- processing ------------------------------------------------------------------------------------------------
    def process(self, ns: str, officer: Officer, code: str, note: str = "") -> Dossier:
        with self.store.transaction() as conn:
            d = self._checked(conn, ns, officer, code, "process")
            return self.moves.apply(ns, "process", actor(officer), dossier=d, remark=check.note(note))

    def request_payment(self, ns: str, officer: Officer, code: str, note: str = "") -> Dossier:
        with self.store.transaction() as conn:
            d = self._checked(conn, ns, officer, code, "request_payment")
            return self.moves.apply(ns, "request_payment", actor(officer), dossier=d, remark=check.note(note))

    def result_ready(self, ns: str, officer: Officer, code: str, documents: Any, note: str = "") -> Dossier:
        with self.store.transaction() as conn:
            d = self._checked(conn, ns, officer, code, "result_ready")
            result = check.parse_documents(documents)
            return self.moves.apply(ns, "result_ready", actor(officer), dossier=d,
                                    columns={"result_documents": dumps(result)},
                                    words={"documents": "; ".join(doc["name"] for doc in result)},
                                    remark=check.note(note))

    def stop(self, ns: str, officer: Officer, code: str, reason: Any) -> Dossier:
        return self._closed(ns, officer, code, "stop", reason, "lý do dừng xử lý")

    def withdraw_at_desk(self, ns: str, officer: Officer, code: str, reason: Any) -> Dossier:
        return self._closed(ns, officer, code, "withdraw", reason, "lý do rút hồ sơ")

    def reschedule(self, ns: str, officer: Officer, code: str, new_date: Any, reason: Any) -> Dossier:
        """Form 04: an apology and a new date, once, at least one working day before the deadline."""
        with self.store.transaction() as conn:
            d = self._checked(conn, ns, officer, code, "reschedule")
            why = check.reason(reason, "lý do gia hạn")
            day = check.parse_new_date(new_date)
            record = {"at": to_iso(self.clock.now(ns)), "officer": officer.full_name,
                      "officer_username": officer.username, "from": to_iso(d.appointment_at),
                      "to": to_iso(at_closing(day)), "reason": why}
            return self.moves.apply(ns, "reschedule", actor(officer), dossier=d,
                                    columns={"reschedule": dumps(record)}, given={"new_date": day},
                                    words={"reason": why})

    def return_result(self, ns: str, officer: Officer, code: str, note: str = "") -> Dossier:
        """The result handed over at the desk (a counter return, or a postal return the post sent back)."""
        with self.store.transaction() as conn:
            d = self._checked(conn, ns, officer, code, "return_result")
            columns: dict[str, Any] = {}
            collected = ""
            if d.fee_amount > 0 and d.payment_status != "paid" and d.payment_method == "counter":
                columns["payment_status"] = "paid"
                collected = f" Đã thu phí, lệ phí {fee_text(d)} tại bộ phận một cửa."
            return self.moves.apply(ns, "return_result", actor(officer), dossier=d, columns=columns,
                                    words={"collected": collected}, remark=check.note(note))

    # -- counter and postal dossiers ---------------------------------------------------------------------------
    def register(self, ns: str, officer: Officer, *, procedure_code: Any, channel: Any, applicant: Any,
                 documents: Any, result_delivery: Any = "counter", postal_address: Any = None,
                 note: Any = "") -> Dossier:
        """A dossier handed in at the desk (channel 1) or arriving by post (channel 3): born received (status 2)."""
        by = actor(officer)
        self.moves.permit(None, "register", by)
        if channel not in (CHANNEL_COUNTER, CHANNEL_POST) or isinstance(channel, bool):
            raise DomainError("INVALID_CHANNEL",
                              "Kênh tiếp nhận phải là 1 (trực tiếp) hoặc 3 (qua bưu chính công ích); hồ sơ trực tuyến "
                              "do người nộp gửi trên Cổng Dịch vụ công.",
                              "channel must be 1 (counter) or 3 (post); online dossiers come from the applicant.")
        if not isinstance(procedure_code, str) or not procedure_code:
            raise DomainError("PROCEDURE_REQUIRED", "Thiếu mã thủ tục hành chính (procedure_code).",
                              "procedure_code is required.")
        offering = self.catalogue.offering(procedure_code, officer.agency_code, self.worlds.of(ns))
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
            rules.result_delivery_offered(procedure, delivery)
            rules.paper_postal_return_paid_first(procedure, fee, delivery)
            try:
                address = parse_address(postal_address, two_levels=self.worlds.of(ns).two_tiers)
            except InvalidAddress as exc:
                raise DomainError("POSTAL_ADDRESS_INVALID", f"Địa chỉ nhận kết quả qua bưu chính chưa hợp lệ: {exc}",
                                  "The postal address is missing or invalid.", details=exc.problems) from None
        paid_on_receipt = bool(fee) and procedure.fee.timing == "before"
        new = {
            "procedure_code": procedure.code, "national_code": procedure.national_code,
            "procedure_name": procedure.name, "agency_code": agency.code, "agency_name": agency.name,
            "tier": procedure.tier, "level": procedure.level, "applicant_type": person["type"],
            "applicant_name": person["name"], "applicant_id_number": person["id_number"], "email": person["email"],
            "phone": person["phone"], "vneid_verified": 0, "form": dumps({"giay_to_da_nop": handed}),
            "summary": f"{procedure.name} — {person['name']}"[:1000], "channel": channel,
            "result_delivery": delivery, "payment_method": "counter" if fee else None, "fee_amount": fee,
            "fee_timing": procedure.fee.timing if fee else "none",
            "fee_description": procedure.fee.description if fee else "",
            "payment_status": "paid" if paid_on_receipt else ("unpaid" if fee else "not_required"),
            "paid_online": 0, "postal_address": dumps(address.to_json()) if address else None,
            "entered_by": officer.username,
        }
        how = "trực tiếp tại bộ phận một cửa" if channel == CHANNEL_COUNTER else "qua dịch vụ bưu chính công ích"
        paid = f" Đã thu phí, lệ phí {amount_text(fee)}." if paid_on_receipt else ""
        with self.store.transaction():
            account = self.accounts.find_or_create_by_id_number(
                ns, id_number=person["id_number"], full_name=person["name"],
                account_type=person["type"] if person["type"] in (1, 2, 3) else 2,
                email=person["email"], phone=person["phone"], address=person["address"])
            return self.moves.apply(ns, "register", by, new={**new, "applicant_id": account.id},
                                    words={"how": how, "paid": paid}, remark=check.note(note))

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
        rules.required_documents_present(
            procedure, handed,
            "Hồ sơ chưa đầy đủ, thiếu: {names}. Hướng dẫn người nộp bổ sung trước khi tiếp nhận.")
        return handed


__all__ = ["ACTIONS", "OfficerAction", "Workflow", "actor", "day_text"]
