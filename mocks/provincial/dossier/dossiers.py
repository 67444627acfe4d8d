"""The dossiers on the applicant's side and the system's: submission, reading, payment, the e-result, the post.

What may be handed in is checked by the rules (rules.py: levels, delivery, payment, applicant,
documents); every change of status is a move of the transition table (transitions.py), made by
`apply()` in one transaction with its history entry, the national sync messages and the
notices. The officers' moves are in workflow.py, over the same table.
"""

from __future__ import annotations

from typing import Any

from mocks.core.clock import Clock
from mocks.core.errors import Conflict, DomainError
from mocks.core.storage import dumps
from mocks.core.timefmt import to_iso
from mocks.core.world import Worlds

from ..accounts import Account
from ..attachments import AttachmentInfo, Upload
from ..catalogue import Offering
from ..eras import Catalogues
from ..forms import validate_form
from . import rules
from .address import InvalidAddress, PostalAddress, parse_address
from .entity import (
    CHANNEL_ONLINE,
    NEW,
    OFFICER,
    PAYMENT_PLATFORM,
    POST,
    PROCESSING,
    RECEIVED,
    SHORTCUT_LEADER,
    SHORTCUT_SPECIALIST,
    SYSTEM,
    Dossier,
    amount_text,
    citizen,
    result_document,
)
from .postal import PostalOrders, TrackingEvent
from .store import DossierStore
from .transitions import Transitions

# The result-ready shortcut walks a dossier through receipt and processing to its result.
RESULT_READY_FROM = (NEW, RECEIVED, PROCESSING)
# A postal tracking event that moves the dossier, and the move.
POSTAL_MOVES: dict[str, str] = {"delivered": "postal_delivered", "delivery_failed": "postal_failed",
                                "returned": "postal_returned"}


def checked_address(value: Any, *, two_levels: bool = False) -> PostalAddress:
    """The applicant's address for a postal return (two levels from 1 July 2025: address.py); a DomainError lists
    what is missing or wrong."""
    try:
        return parse_address(value, two_levels=two_levels)
    except InvalidAddress as exc:
        labels = ", ".join(p["label"] for p in exc.problems)
        raise DomainError("POSTAL_ADDRESS_INVALID",
                          f"Địa chỉ nhận kết quả qua bưu chính chưa hợp lệ ({labels}): {exc}",
                          "The postal address is missing or invalid: "
                          + ", ".join(p["field"] for p in exc.problems) + ".",
                          details=exc.problems) from None


def default_documents(d: Dossier) -> list[dict[str, str]]:
    return [{"name": f"Kết quả giải quyết: {d.procedure_name}"[:300], "number": ""}]


class Dossiers:
    def __init__(self, moves: Transitions, clock: Clock, catalogue: Catalogues, postal_orders: PostalOrders) -> None:
        self.moves = moves
        self.rows: DossierStore = moves.store
        self.store = self.rows.store
        self.clock = clock
        self.worlds = Worlds(clock)
        self.catalogue = catalogue
        self.postal_orders = postal_orders

    # -- submission ------------------------------------------------------------------------------
    def resolve_offering(self, ns: str, procedure_code: Any, agency_code: Any) -> Offering:
        """The offering a submission is for, as offered on the namespace's date (the catalogue in force); an
        offline procedure is refused before the agency is asked for."""
        if not isinstance(procedure_code, str) or not procedure_code:
            raise DomainError("PROCEDURE_REQUIRED", "Thiếu mã thủ tục hành chính (procedure_code).",
                              "procedure_code is required.")
        catalogue = self.catalogue.in_force(self.worlds.of(ns))
        rules.online_submission_offered(catalogue.require_procedure(procedure_code))
        return catalogue.offering(procedure_code, agency_code if isinstance(agency_code, str) else None)

    def submit(self, ns: str, applicant: Account, offering: Offering, form: Any, attachments: list[Upload],
               result_delivery: str | None = None, payment_method: str | None = None,
               postal_address: Any = None, applicant_type: Any = None) -> Dossier:
        procedure, agency = offering.procedure, offering.agency
        world = self.worlds.of(ns)
        rules.online_submission_offered(procedure)
        rules.identity_level_sufficient(procedure, applicant, world)
        kind = rules.applicant_type_allowed(procedure, applicant, applicant_type)
        clean_form = validate_form(procedure, form)
        delivery = rules.result_delivery_offered(procedure, result_delivery)
        address = checked_address(postal_address, two_levels=world.two_tiers) if delivery == "post" else None
        fee = rules.fee_due(procedure, clean_form)
        method = rules.payment_method_for(procedure, fee, delivery, payment_method)
        files = rules.documents_of_the_procedure(procedure, attachments)
        rules.required_documents_present(procedure, [u.code for u in files],
                                         "Thiếu thành phần hồ sơ bắt buộc: {names}.")
        new = {
            "procedure_code": procedure.code, "national_code": procedure.national_code,
            "procedure_name": procedure.name, "agency_code": agency.code, "agency_name": agency.name,
            "tier": procedure.tier, "level": procedure.level, "applicant_id": applicant.id, "applicant_type": kind,
            "applicant_name": applicant.full_name, "applicant_id_number": applicant.id_number,
            "email": applicant.email, "phone": applicant.phone, "vneid_verified": int(applicant.verified_with_vneid),
            "form": dumps(clean_form), "summary": f"{procedure.name} — {applicant.full_name}"[:1000],
            "channel": CHANNEL_ONLINE, "result_delivery": delivery, "payment_method": method, "fee_amount": fee,
            "fee_timing": procedure.fee.timing if fee else "none",
            "fee_description": procedure.fee.description if fee else "",
            "payment_status": "unpaid" if fee else "not_required", "paid_online": 0,
            "postal_address": dumps(address.to_json()) if address else None,
        }
        return self.moves.apply(ns, "submit", citizen(applicant), new=new, files=files)

    # -- reading ---------------------------------------------------------------------------------
    def find(self, ns: str, code: str) -> Dossier | None:
        return self.rows.find(ns, code)

    def get(self, ns: str, code: str) -> Dossier:
        return self.rows.get(ns, code)

    def for_account(self, ns: str, code: str, account_id: str) -> Dossier:
        """A dossier its owner asks for; someone else's is refused."""
        return self.rows.owned(ns, code, account_id)

    def list_for_account(self, ns: str, account_id: str) -> list[Dossier]:
        return self.rows.list_for_account(ns, account_id)

    def list(self, ns: str, status: int | None = None, limit: int = 1000, offset: int = 0) -> list[Dossier]:
        return self.rows.list(ns, status, limit, offset)

    def count(self, ns: str, status: int | None = None) -> int:
        return self.rows.count(ns, status)

    def count_in_period(self, ns: str, start: Any, end: Any) -> int:
        return self.rows.count_in_period(ns, start, end)

    def attachment(self, ns: str, code: str, attachment_id: int) -> tuple[AttachmentInfo, bytes]:
        return self.rows.files.content(ns, code, attachment_id)

    # -- the test shortcut -----------------------------------------------------------------------
    def result_ready(self, ns: str, code: str) -> Dossier:
        """`/_admin/.../result-ready`: through receipt and processing to the result, each step a move of the
        table by a (simulated) officer, with its rules, history and sync."""
        with self.store.transaction() as conn:
            d = self.rows.load(conn, ns, code)
            if d.status not in RESULT_READY_FROM:
                raise Conflict("RESULT_READY_NOT_ALLOWED",
                               f"Hồ sơ đang ở trạng thái '{d.status_name}': không thể chuyển sang có kết quả.",
                               f"A dossier in status {d.status} cannot be marked result-ready.",
                               details={"status": d.status, "allowed_from": list(RESULT_READY_FROM)})
            if d.status == NEW:
                d = self.moves.apply(ns, "receive", OFFICER, dossier=d)
            if d.status == RECEIVED:
                d = self.moves.apply(ns, "process", SHORTCUT_SPECIALIST, dossier=d)
            documents = default_documents(d)
            return self.moves.apply(ns, "result_ready", SHORTCUT_LEADER, dossier=d,
                                    columns={"result_documents": dumps(documents)},
                                    words={"documents": "; ".join(doc["name"] for doc in documents)})

    # -- payment (payments.py, in its transaction) -------------------------------------------------
    def check_payable(self, dossier: Dossier) -> None:
        """Whether an online payment may start now; a DomainError says why not."""
        rules.online_payment_may_start(dossier)

    def set_payment_state(self, conn: Any, ns: str, code: str, state: str, reference: str) -> None:
        self.rows.set_payment_state(conn, ns, code, state, reference)

    def record_online_payment(self, ns: str, code: str, reference: str, amount: int) -> bool:
        """The fee was paid online; False (and nothing changes) when the dossier is already paid."""
        with self.store.transaction() as conn:
            d = self.rows.load(conn, ns, code)
            if d.paid_online:
                return False
            self.moves.apply(ns, "pay_online", PAYMENT_PLATFORM, dossier=d,
                             columns={"paid_online": 1, "payment_status": "paid", "payment_reference": reference},
                             words={"amount": amount_text(amount), "reference": reference})
        return True

    # -- the result -------------------------------------------------------------------------------
    def download_result(self, ns: str, code: str, account_id: str) -> tuple[str, bytes]:
        """The e-result of an online return; the first download hands the result over (status 10)."""
        rules.result_returned_online(self.for_account(ns, code, account_id))
        dossier = self.moves.apply(ns, "download_result", SYSTEM, code=code)
        return f"ket-qua-{dossier.code}.txt", result_document(dossier).encode("utf-8")

    # -- the post ----------------------------------------------------------------------------------
    def record_postal_event(self, ns: str, item_code: str, order_number: str, status: str, status_name: str,
                            time: str, location: str, note: str) -> tuple[Dossier, bool]:
        """A tracking event from the post; (dossier, False) for a duplicate that changes nothing."""
        with self.store.transaction() as conn:
            code = self.postal_orders.order_of(conn, ns, item_code, order_number)
            event = TrackingEvent(status, status_name, time, location, note)
            if not self.postal_orders.add_event(conn, ns, code, event, to_iso(self.clock.now(ns)) or ""):
                return self.rows.load(conn, ns, code), False
            dossier = self.rows.load(conn, ns, code)
            move = POSTAL_MOVES.get(status)
            if move is not None and self.moves.matching(dossier, move, POST.kind) is not None:
                dossier = self.moves.apply(ns, move, POST, dossier=dossier,
                                           words={"waybill": item_code, "detail": f": {note}" if note else ""})
            return dossier, True

    def reset(self, ns: str) -> None:
        self.rows.reset(ns)
