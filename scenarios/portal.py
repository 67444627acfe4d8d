"""What a journey needs from each portal: one small interface per portal, and the views they return.

The journeys (scenarios.journeys) talk only to these interfaces, so a team can run them on its
own provincial portal by writing page objects that satisfy `ProvincialPortal` (the national
portal, the payment checkout and the postal tracking stay the emulators' unless the team has
its own too) and naming a factory with `--dvc-pages mypkg.pages:my_portal`. The emulators'
implementations are in scenarios.pages; read them as the example. What a journey needs beyond
the pages (an officer's work, the portal's records) goes through `PortalBackOffice`
(`--dvc-hooks`; the emulator's in scenarios.backoffice). docs/wiring.md walks through it all.

Conventions every implementation keeps:
- all page objects of one bundle drive the same Playwright `Page` (one browser tab): a
  method acts on whatever page the previous one left the browser on, as a citizen would;
- a method that waits waits web-first (Playwright's `expect`, auto-waiting locators) with a
  short explicit timeout, never a fixed sleep, and fails with an AssertionError (or a
  Playwright TimeoutError) naming what it expected;
- text is compared as the portal shows it, in Vietnamese (the TrangThaiHoSo names of mocks/core/codes.py:
  "Mới đăng ký", "Đã xử lý xong", "Đã trả kết quả"...);
- the navigation methods used to find a procedure return the clicks they took (a click on a
  link or a button, or pressing Enter in a search box, is one click; typing is not), so the
  journey can hold the portal to Circular 32/2017's "within 3 clicks of the home page".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

ResultDelivery = Literal["counter", "online", "post"]
PaymentChoice = Literal["online", "counter"]


# -- what the journeys hand to the portals -------------------------------------------------------------
@dataclass(frozen=True)
class PostalAddress:
    """Where the result goes back by public post: three levels before 1 July 2025 (province, district, commune),
    two from then on (province and commune, ward or special zone: `district` is "")."""

    name: str
    phone: str
    address: str
    province: str
    district: str = ""
    commune: str = ""

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> PostalAddress:
        return cls(str(data["name"]), str(data["phone"]), str(data["address"]), str(data["province"]),
                   str(data.get("district") or ""), str(data.get("commune") or ""))


@dataclass(frozen=True)
class Submission:
    """A dossier as the citizen fills it in on the portal's submission form.

    files: attached in turn to the documents the form asks for (every required document; all
        of them with `all_documents`); the portal decides by their content whether it takes them.
    answers: e-form answers by the field's label; every other field gets a plausible value
        (the first option of a list, the minimum of a number, a date, a line of text).
    result_delivery / payment: the citizen's choices; payment None leaves the portal's default.
    """

    files: Sequence[Path]
    answers: Mapping[str, str] = field(default_factory=dict)
    result_delivery: ResultDelivery = "counter"
    payment: PaymentChoice | None = None
    postal_address: PostalAddress | None = None
    all_documents: bool = False


# -- what the portals show back ----------------------------------------------------------------------
@dataclass(frozen=True)
class ProcedureView:
    """A procedure's page."""

    name: str
    level: str                 # as shown, e.g. "Mức độ 4 — Toàn trình"
    fee: str                   # as shown, e.g. "200.000 đ — ..." or "Không thu"
    online: bool               # an online submission is offered (a submit button or link)
    notice: str | None = ""    # what the page says when it is not (None: a driver that reads no wording)


@dataclass(frozen=True)
class DossierView:
    """A citizen's dossier page on the provincial portal."""

    code: str
    status: str                # status name, e.g. "Mới đăng ký"
    status_code: int | None    # TrangThaiHoSo when the page shows it
    payment: str               # e.g. "Đã thanh toán", "Chưa thanh toán"; "" when no fee is due
    fee: str                   # as shown
    result_delivery: str       # as shown
    postal_address: str        # as shown; "" without a postal return
    waybill: str               # the postal waybill once the result is with the post; "" before
    can_pay_online: bool       # an online payment can be started from the page
    receipt_available: bool    # the e-receipt of a paid fee is offered
    # What the page shows besides; a portal that does not show one leaves its default.
    appointment: str = ""                 # the appointment (NgayHenTra) as shown, e.g. "17:00 10/05/2024"
    postal_state: str = ""                # the postal item's state as the portal names it; "" before the post
    postal_events: tuple[str, ...] = ()   # the postal tracking events listed on the page, state names, oldest first
    history: tuple[str, ...] = ()         # the dossier's history, what each entry says, oldest first
    payments: tuple[str, ...] = ()        # the online payment attempts listed, as shown


@dataclass(frozen=True)
class LookupView:
    """A public look-up of a dossier by its code (provincial or national)."""

    code: str
    status: str                # status name
    status_code: int | None
    procedure: str
    appointment: str = ""      # the appointment date as shown; "" when the page shows none


@dataclass(frozen=True)
class CheckoutView:
    """The payment platform's checkout page."""

    amount: int                # đồng
    reference: str             # MaThamChieu
    dossier_code: str          # MaHoSo, when shown
    banks: tuple[str, ...]     # the banks and wallets offered, by name


@dataclass(frozen=True)
class ReceiptView:
    """An e-receipt (biên lai điện tử)."""

    amount: int
    dossier_code: str
    transaction_id: str
    receipt_number: str


@dataclass(frozen=True)
class TrackingView:
    """The postal tracking page of one waybill."""

    waybill: str
    state: str                 # as shown, e.g. "Đã phát thành công"
    events: tuple[str, ...]    # the events' state names, oldest first


# -- the interfaces ----------------------------------------------------------------------------------
@runtime_checkable
class NationalPortal(Protocol):
    """The national portal (DVCQG): accounts, the SSO log-in form, the public look-up."""

    def register(self, person: Mapping[str, Any]) -> str:
        """Fill in and send the citizen registration form; return the user name the portal then
        asks a one-time code for. `person`: id_number, full_name, birth_date (yyyy-mm-dd), gender
        (male|female), address, phone, email, password (a harness.testdata citizen)."""
        ...

    def confirm(self, username: str, otp: str) -> None:
        """Enter the one-time code on the confirmation page; expect the account to be active."""
        ...

    def log_in(self, username: str, password: str) -> None:
        """Open the national log-in page and log in; expect to be logged in."""
        ...

    def authorize(self, username: str, password: str) -> None:
        """Fill the national log-in form a portal's SSO sent the browser to (it must be shown)."""
        ...

    def log_in_refused(self, username: str, password: str) -> str:
        """Open the national log-in page, log in with a DVCQG password and expect a refusal: its message."""
        ...

    def account_name(self) -> str:
        """The full name of the logged-in account, from the account page."""
        ...

    # -- VNeID: since 1 July 2024 citizens (1 July 2025 organisations) log in with their electronic identity, which
    # DVCQG federates ("Đăng nhập bằng tài khoản định danh điện tử VNeID"; Decree 69/2024/NĐ-CP) -----------------
    def start_vneid(self, username: str, password: str) -> str:
        """On the national log-in page the browser is on (where a portal's SSO sent it; the national portal's own
        log-in page otherwise), choose VNeID and give the number and password on VNeID's page, and stop where
        VNeID waits for the holder's app. "" when it waits; otherwise what the page says instead (VNeID down,
        a wrong password)."""
        ...

    def start_vneid_qr(self) -> str:
        """The same, asking VNeID for a QR code instead of a password: the text of the code the page shows (the
        holder's app scans it); AssertionError, with what the page says, when none is shown."""
        ...

    def finish_vneid(self) -> str:
        """After the app decided: go on from VNeID's wait. "" when the log-in went through (the browser is back
        where the log-in started, logged in); otherwise what the page says (denied, expired)."""
        ...

    def look_up(self, code: str) -> LookupView | None:
        """The public dossier look-up; None when the portal knows no such dossier."""
        ...

    def wait_for_lookup(self, code: str, status: str, *, timeout: float) -> LookupView:
        """Look the dossier up until it shows `status` (what the province pushed may arrive late)."""
        ...


@runtime_checkable
class ProvincialPortal(Protocol):
    """The provincial portal a citizen uses: log-in through SSO, the catalogue, dossiers, payment."""

    # -- log-in -----------------------------------------------------------------------------------
    def start_log_in(self) -> None:
        """From the home page, click the portal's log-in (it sends the browser to the national SSO)."""
        ...

    def expect_logged_in(self, full_name: str) -> None:
        """The portal shows the citizen logged in under this name."""
        ...

    def log_out(self) -> None:
        """Log out of the portal."""
        ...

    # -- finding a procedure (each returns the clicks it took) ---------------------------------
    def home(self) -> None:
        """Open the home page: where the clicks are counted from."""
        ...

    def search(self, text: str) -> int | None:
        """Search the catalogue for `text` from the page shown. These four return the clicks they took (the
        3-click rule), or None for a driver that has no clicks."""
        ...

    def browse_agency(self, agency_name: str) -> int | None:
        """From the home page, list the procedures of an agency."""
        ...

    def browse_tier(self, tier_name: str) -> int | None:
        """From the home page, list the procedures of a tier ("Cấp tỉnh", "Cấp huyện", "Cấp xã")."""
        ...

    def open_procedure(self, name: str) -> int | None:
        """From a list of procedures, open the one with this name."""
        ...

    def procedure(self) -> ProcedureView:
        """The procedure page shown."""
        ...

    # -- submitting ----------------------------------------------------------------------------------
    def start_submission(self, agency_name: str | None = None) -> None:
        """On the procedure page, start the online submission (at that agency when it asks);
        expect the submission form (a citizen not logged in goes through the SSO first)."""
        ...

    def submit(self, submission: Submission) -> str:
        """Fill in and send the submission form; expect the new dossier's page; return its code."""
        ...

    def submit_refused(self, submission: Submission) -> str:
        """Fill in and send the form; expect the portal to refuse it; return the message shown."""
        ...

    def my_dossiers(self) -> list[str]:
        """The codes of the citizen's dossiers, from the portal's list."""
        ...

    # -- a dossier -------------------------------------------------------------------------------
    def open_dossier(self, code: str) -> DossierView:
        """Open the citizen's dossier page and read it."""
        ...

    def wait_for_dossier(self, code: str, *, status: str | None = None, payment: str | None = None,
                         waybill: bool = False, postal_state: str | None = None, timeout: float) -> DossierView:
        """Reopen the dossier page until it shows the status / payment state / a waybill / the postal
        item's state (payment confirmations and postal events arrive asynchronously)."""
        ...

    def start_payment(self) -> None:
        """On the dossier page, start the online payment; expect the payment platform's checkout."""
        ...

    def payment_outcome(self) -> str:
        """Back from the checkout: the message of the portal's payment-result page."""
        ...

    def back_to_dossier(self) -> DossierView:
        """From the payment-result page, back to the dossier page."""
        ...

    def open_receipt(self) -> None:
        """On the dossier page, open the e-receipt of the paid fee."""
        ...

    def open_tracking(self) -> None:
        """On the dossier page, follow the waybill to the postal tracking page."""
        ...

    # -- public look-up --------------------------------------------------------------------------
    def look_up(self, code: str) -> LookupView | None:
        """The portal's public look-up by dossier code; None when not found."""
        ...


@runtime_checkable
class PaymentCheckout(Protocol):
    """The national payment platform's checkout and e-receipt pages."""

    def details(self) -> CheckoutView:
        """The checkout shown: amount, reference, dossier."""
        ...

    def pay(self, bank: str) -> None:
        """Choose a bank or wallet by name and pay; the platform sends the browser back to the portal."""
        ...

    def cancel(self) -> None:
        """Cancel the transaction; the platform sends the browser back to the portal."""
        ...

    def bank_times_out(self) -> None:
        """The bank never answers (the emulator's simulation); back to the portal, still pending."""
        ...

    def receipt(self) -> ReceiptView:
        """The e-receipt page shown."""
        ...


@runtime_checkable
class PostalTracking(Protocol):
    """The public postal service's tracking page."""

    def track(self, waybill: str) -> TrackingView | None:
        """Open the tracking page, search the waybill; None when the post knows no such item."""
        ...

    def shown(self) -> TrackingView:
        """The tracking page the browser is on (after following a link)."""
        ...


# -- what the journeys need beyond the pages --------------------------------------------------------------
@dataclass(frozen=True)
class DossierRecord:
    """A dossier as the portal's own records hold it (not as a page shows it): for checks after the fact."""

    code: str
    procedure_code: str        # the national code (MaTTHC) or the portal's own code of the procedure
    status: int                # TrangThaiHoSo
    paid: bool                 # the fee due online is paid (False when none is due)
    # Optional: what the load's consistency check compares with what the visitor sent; None where the
    # back office does not give it (the check then says "not checked" for it).
    result_delivery: str | None = None     # "counter", "online" or "post"
    fee_amount: int | None = None          # the fee due, in đồng (0 when none)


@runtime_checkable
class PortalBackOffice(Protocol):
    """The seam for what a journey needs of the provincial portal that is not on a citizen's page.

    A tester or an officer would do these by hand; the journeys do them through this one interface.
    `--dvc-hooks MODULE:FACTORY` names a factory `FACTORY(urls, *, namespace, admin_token)` that returns it
    (default scenarios.backoffice:emulator_back_office, over the provincial emulator's admin surface).
    docs/wiring.md lists which journeys need which method. A method the portal cannot offer raises
    NotImplementedError: the journeys that need it are then skipped, saying so.
    """

    def catalogue(self) -> list[dict[str, Any]]:
        """Every procedure the portal offers, each a mapping with at least: code (what the portal's URLs and
        submissions use), national_code, name (as the pages show it), level (2/3/4), tier ("province",
        "district", "commune"), agency_code, agency_name, fee {"amount": đồng, "timing": "before"|"after"},
        result_by_post (bool), applicant_types (1 citizen, 2 business, 3 agency)."""
        ...

    def local_accounts(self) -> list[dict[str, Any]]:
        """The portal's local accounts, each with at least `id` and `id_number`."""
        ...

    def local_logins(self) -> list[dict[str, Any]]:
        """The SSO log-ins, oldest first, each with `account_id` and the linking `rule` it used: "techid"
        (a known national account), "id_number" (an unlinked local account of the same number), "created"."""
        ...

    def create_local_account(self, full_name: str, id_number: str) -> dict[str, Any]:
        """A local account made at the counter, not yet linked to a national log-in; the answer has its `id`."""
        ...

    def result_ready(self, code: str) -> None:
        """The officers' work done at once: the dossier's result is ready (9, or 6 while a fee due online is
        unpaid); the portal tells DVCQG and, for a postal return, orders the post as it does after real work."""
        ...

    def dossier(self, code: str) -> DossierRecord | None:
        """The portal's record of a dossier; None when it has none (the load's consistency check)."""
        ...


HooksFactory = Callable[..., PortalBackOffice]


@runtime_checkable
class Portals(Protocol):
    """What `--dvc-pages` factories return: the four, on one browser page."""

    national: NationalPortal
    provincial: ProvincialPortal
    payment: PaymentCheckout
    postal: PostalTracking


__all__ = [
    "CheckoutView", "DossierRecord", "DossierView", "HooksFactory", "LookupView", "NationalPortal", "PaymentCheckout",
    "PaymentChoice", "PortalBackOffice", "Portals", "PostalAddress", "PostalTracking", "ProcedureView",
    "ProvincialPortal", "ReceiptView", "ResultDelivery", "Submission", "TrackingView",
]
