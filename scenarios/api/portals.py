"""The API driver: the journeys' portal interfaces (scenarios.portal) over HTTP, with no browser.

`api_portals(bundle)` turns the seam (scenarios.api.seam.ApiPortals: the provincial portal's `ProvincialApi`
and the emulators' clients) into `scenarios.portal.Portals`, so the same journey definitions run on it as
on the page objects. It keeps what a browser would keep between pages (the procedure opened, the dossier
shown, the checkout left), and shows each fact in its own terms where the pages have wording: a fee left to
the counter reads "… — nộp tại cơ quan", a pending payment "… (đang chờ kết quả giao dịch)". What has no
meaning over HTTP (clicks, a notice's wording) comes back None, and the journey says it did not check it.

The national portal, the payment checkout and the postal tracking page are the emulators' for every portal;
the checkout, the e-receipt and the tracking page have no JSON, so they are read as a plain HTTP client gets
them (harness.clients.html).
"""

from __future__ import annotations

import base64
import mimetypes
import re
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from harness.clients import ClientError, NationalClient, PaymentClient, PostalClient, VneidLogin
from harness.clients.html import alerts, choices, column, facts
from harness.steps import lacking
from scenarios.portal import (
    CheckoutView,
    DossierView,
    LookupView,
    ProcedureView,
    ReceiptView,
    Submission,
    TrackingView,
)

from .seam import SEAM_METHODS, ApiPortals, ProvincialApi

POLL_S = 0.05                   # between two reads of a dossier the journey waits for (the load reads less often)
TIERS = {"Cấp tỉnh": "province", "Cấp huyện": "district", "Cấp xã": "commune"}
PAID, UNPAID = "Đã thanh toán", "Chưa thanh toán"
SAMPLE_TEXT = "Nội dung kê khai thử nghiệm"
SAMPLE_DATE = "2024-01-15"


def money(amount: int) -> str:
    return f"{amount:,}".replace(",", ".") + " đ"


def _digits(text: str) -> int:
    return int(re.sub(r"\D", "", text) or 0)


@contextmanager
def expecting(session: Any, *statuses: int) -> Iterator[None]:
    """Answers with these statuses are what the step expects (a look-up of an unknown code, a refusal): a
    session that measures them (the load's) counts them as successes; any other session ignores this."""
    if not hasattr(session, "expecting"):
        yield
        return
    before = session.expecting
    session.expecting = frozenset(statuses) | before
    try:
        yield
    finally:
        session.expecting = before


def _refusal(exc: ClientError) -> str:
    """The portal's message in a refusal (its Vietnamese message, then the English one, then the body)."""
    body = exc.body
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            parts = [str(error.get(k)) for k in ("message", "message_en") if error.get(k)]
            problems = error.get("problems") or error.get("fields") or []
            parts += [str(p.get("problem") or p.get("message") or p) for p in problems if isinstance(p, dict)]
            if parts:
                return " ".join(parts)
        if isinstance(error, str):
            return error
    return str(body)


def _said(exc: ClientError) -> str:
    """What an error page or answer says: its alerts (HTML), else the refusal's message."""
    text = exc.response.text if getattr(exc, "response", None) is not None else ""
    return alerts(text) or _refusal(exc)


@dataclass
class _Browser:
    """What the citizen's browser holds between pages."""

    credentials: tuple[str, str] | None = None      # typed on the national log-in form
    username: str = ""                              # who logged in on the national portal
    listing: list[dict[str, Any]] = field(default_factory=list)
    listed_by: dict[str, str] | None = None         # a list opened but not read yet (a tier's: read by name)
    procedure: dict[str, Any] | None = None
    agency_code: str | None = None
    dossier: str | None = None
    checkout_url: str | None = None
    returned_to: str | None = None                  # the portal's return URL the checkout sent the citizen to
    checkout_result: dict[str, str] = field(default_factory=dict)    # what the checkout said (MaLoi, TrangThaiGD…)
    payment: dict[str, Any] = field(default_factory=dict)            # the payment started: reference, amount…
    receipt: dict[str, Any] | None = None
    tracking: str | None = None                     # the waybill whose tracking page is open
    vneid: VneidLogin | None = None                 # a VNeID log-in waiting for the app


class ApiNational:
    """`scenarios.portal.NationalPortal` over the national emulator's API."""

    def __init__(self, client: NationalClient, browser: _Browser, sleep: Callable[[float], None],
                 poll_s: float = POLL_S) -> None:
        self.client = client
        self.browser = browser
        self.sleep = sleep
        self.poll_s = poll_s
        self.account: dict[str, Any] = {}

    def register(self, person: Mapping[str, Any]) -> str:
        return str(self.client.register(dict(person))["username"])

    def confirm(self, username: str, otp: str) -> None:
        self.client.confirm(username, otp)

    def log_in(self, username: str, password: str) -> None:
        self.account = self.client.login(username, password)
        self.browser.username = username

    def authorize(self, username: str, password: str) -> None:
        self.browser.credentials = (username, password)
        self.browser.username = username

    def account_name(self) -> str:
        return str(self.account.get("full_name", ""))

    def log_in_refused(self, username: str, password: str) -> str:
        try:
            with expecting(self.client.session, 401, 403, 423, 429):
                self.client.login(username, password)
        except ClientError as exc:
            return _said(exc)
        raise AssertionError(f"the national portal let {username} in with a password")

    # -- VNeID: the national portal's own "Đăng nhập bằng tài khoản định danh điện tử VNeID"; the provincial
    # portal's SSO then finds the national session open and asks nothing (ApiProvincial.expect_logged_in) --------
    def _vneid_start(self) -> str:
        return self.client.url("/dang-nhap/vneid?next=/tai-khoan")

    def start_vneid(self, username: str, password: str) -> str:
        try:
            with expecting(self.client.session, 401, 403, 423, 429, 502, 503):
                self.browser.vneid = VneidLogin.start(self.client.session, self._vneid_start(), username, password,
                                                      timeout=self.client.timeout)
        except ClientError as exc:
            return _said(exc)
        self.browser.username = username
        return ""

    def start_vneid_qr(self) -> str:
        try:
            self.browser.vneid, code = VneidLogin.start_qr(self.client.session, self._vneid_start(),
                                                           timeout=self.client.timeout)
        except ClientError as exc:
            raise AssertionError(f"no QR code shown: {_said(exc)}") from None
        return code

    def finish_vneid(self) -> str:
        login = self.browser.vneid
        if login is None:
            raise AssertionError("no VNeID log-in waits for the app")
        with expecting(self.client.session, 400, 410):
            page = login.finish()
        if "/dang-nhap/cho-xac-nhan/" in page.url and page.ok:
            raise AssertionError("VNeID still waits for the app: nobody approved the log-in")
        self.browser.vneid = None
        if not page.ok:
            return _said(ClientError(page))
        self.account = {"full_name": facts(page.text).get("Họ và tên", "")}
        return ""

    def look_up(self, code: str) -> LookupView | None:
        try:
            with expecting(self.client.session, 404):
                found = self.client.lookup(code)
        except ClientError as exc:
            if exc.status == 404:
                return None
            raise
        return LookupView(code=str(found.get("code") or found.get("MaHoSo") or code),
                          status=str(found.get("status_name", "")), status_code=found.get("status"),
                          procedure=str(found.get("procedure_name", "")))

    def wait_for_lookup(self, code: str, status: str, *, timeout: float) -> LookupView:
        deadline = time.monotonic() + timeout
        while True:
            found = self.look_up(code)
            if found is not None and found.status == status:
                return found
            if time.monotonic() > deadline:
                raise AssertionError(f"the national look-up of {code} shows {found}, not {status!r}, after {timeout} s")
            self.sleep(self.poll_s)


class ApiCheckout:
    """`scenarios.portal.PaymentCheckout`: the payment platform's checkout page, read and posted over HTTP."""

    def __init__(self, client: PaymentClient, browser: _Browser) -> None:
        self.client = client
        self.browser = browser

    def _page(self) -> str:
        if not self.browser.checkout_url:
            raise AssertionError("no checkout is open")
        answer = self.client.request("GET", self.browser.checkout_url)
        if answer.status_code != 200:
            raise ClientError(answer)
        return answer.text

    def details(self) -> CheckoutView:
        page = self._page()
        shown = facts(page)
        return CheckoutView(amount=_digits(shown.get("Số tiền thanh toán", "")),
                            reference=shown.get("Mã tham chiếu", ""), dossier_code=shown.get("Mã hồ sơ", ""),
                            banks=tuple(text for _, text in choices(page, "bank")))

    def _act(self, action: str, bank: str = "") -> None:
        assert self.browser.checkout_url
        result = self.client.checkout(self.browser.checkout_url, action=action, bank=bank)
        self.browser.returned_to = result["return_url"]
        self.browser.checkout_result = result

    def pay(self, bank: str) -> None:
        codes = [value for value, text in choices(self._page(), "bank") if text == bank]
        if not codes:
            raise AssertionError(f"the checkout offers no {bank}")
        self._act("pay", codes[0])

    def cancel(self) -> None:
        self._act("cancel")

    def bank_times_out(self) -> None:
        codes = [value for value, _ in choices(self._page(), "bank")]
        self._act("timeout", codes[0] if codes else "")

    def receipt(self) -> ReceiptView:
        shown = self.browser.receipt
        if shown is None:
            raise AssertionError("no e-receipt is open")
        bill = shown.get("bill") or {}
        return ReceiptView(amount=int(shown.get("amount") or 0), dossier_code=str(shown.get("dossier_code", "")),
                           transaction_id=str(shown.get("transaction_id", "")),
                           receipt_number=str(bill.get("SoBienLai", "")))


class ApiTracking:
    """`scenarios.portal.PostalTracking`: the public postal service's tracking page over HTTP."""

    def __init__(self, client: PostalClient, browser: _Browser) -> None:
        self.client = client
        self.browser = browser

    def track(self, waybill: str) -> TrackingView | None:
        answer = self.client.request("GET", "/tra-cuu?" + urlencode({"ma": waybill}))
        if answer.status_code == 404:
            return None
        if answer.status_code != 200:
            raise ClientError(answer)
        shown = facts(answer.text)
        return TrackingView(waybill=shown.get("Mã vận đơn", ""), state=shown.get("Trạng thái hiện tại", ""),
                            events=tuple(column(answer.text, "Hành trình bưu gửi", "Trạng thái")))

    def shown(self) -> TrackingView:
        if not self.browser.tracking:
            raise AssertionError("no tracking page is open")
        found = self.track(self.browser.tracking)
        assert found is not None, f"the post knows no waybill {self.browser.tracking}"
        return found


class ApiProvincial:
    """`scenarios.portal.ProvincialPortal` over a `ProvincialApi` (the emulator's, or a team's portal's)."""

    def __init__(self, api: ProvincialApi, browser: _Browser, sleep: Callable[[float], None],
                 poll_s: float = POLL_S) -> None:
        self.api = api
        self.browser = browser
        self.sleep = sleep
        self.poll_s = poll_s
        self.listeners: list[Any] = []      # told of each acknowledged submission and confirmed payment (the load)

    # -- log-in -----------------------------------------------------------------------------------------------
    def start_log_in(self) -> None:
        self.browser.credentials = None

    def expect_logged_in(self, full_name: str) -> None:
        username, password = self.browser.credentials or (None, None)
        self.api.login_sso(username, password)
        shown = str(self.api.me().get("full_name", ""))
        assert shown == full_name, f"logged in as {shown!r}, not {full_name!r}"

    def log_out(self) -> None:
        self.api.log_out()

    # -- finding a procedure --------------------------------------------------------------------------------------
    def home(self) -> None:
        self.api.home()

    def search(self, text: str) -> int | None:
        self.browser.listing, self.browser.listed_by = list(self.api.procedures(q=text)["items"]), None
        return None

    def browse_agency(self, agency_name: str) -> int | None:
        listed = self.api.agencies()
        codes = [a.get("code") for a in (listed.get("items", []) if isinstance(listed, dict) else [])
                 if isinstance(a, dict) and a.get("name") == agency_name]
        if codes:       # the agency's own list, as its link would show it
            found = list(self.api.procedures(agency_code=codes[0], limit=1000)["items"])
        else:           # a portal whose agencies have no codes to filter by: the whole catalogue, narrowed here
            found = [i for i in self.api.procedures(limit=1000)["items"] if i.get("agency_name") == agency_name]
        assert found, f"the catalogue lists no procedure of {agency_name!r}"
        self.browser.listing, self.browser.listed_by = found, None
        return None

    def browse_tier(self, tier_name: str) -> int | None:
        # A tier lists hundreds of offerings with their forms (the emulator's communes: 700, 0.9 MB of JSON): the
        # list is read when a procedure of it is opened, by name within the tier (open_procedure).
        self.browser.listing, self.browser.listed_by = [], {"tier": TIERS.get(tier_name, tier_name)}
        return None

    def _listed(self, name: str) -> list[dict[str, Any]]:
        """The open list's entries named `name`: a tier's asked for by name, the whole tier where the portal's
        search does not find the name within it."""
        by = self.browser.listed_by
        if by is None:
            return [i for i in self.browser.listing if i.get("name") == name]
        try:        # the tier re-checked on each item: a portal whose search ignores the tier is not taken at its word
            listed = [i for i in self.api.procedures(**by, q=name, limit=1000)["items"]
                      if i.get("name") == name and all(i.get(k) == v for k, v in by.items())]
        except ClientError as exc:      # a search the portal refuses (too long, not with a tier): the whole tier
            if exc.status >= 500:
                raise
            listed = []
        listed = listed or [i for i in self.api.procedures(**by, limit=1000)["items"] if i.get("name") == name]
        self.browser.listed_by = None
        return listed

    def open_procedure(self, name: str) -> int | None:
        listed = self._listed(name)
        assert listed, f"the list shows no procedure named {name!r}"
        self.browser.procedure = dict(self.api.procedure(listed[0]["code"]))
        self.browser.procedure.setdefault("agency_name", listed[0].get("agency_name"))
        self.browser.listing = listed
        return None

    def procedure(self) -> ProcedureView:
        item = self.browser.procedure
        assert item is not None, "no procedure is open"
        fee = item.get("fee") or {}
        level = int(item.get("level") or 0)
        return ProcedureView(name=str(item["name"]), level=str(item.get("level_text") or f"Mức độ {level}"),
                             fee=money(int(fee.get("amount") or 0)) if fee.get("amount") else "Không thu",
                             online=bool(item.get("online", level >= 3)), notice=None)

    # -- submitting -------------------------------------------------------------------------------------------------
    def start_submission(self, agency_name: str | None = None) -> None:
        item = self.browser.procedure
        assert item is not None, "no procedure is open"
        offers = [i for i in self.browser.listing if agency_name is None or i.get("agency_name") == agency_name]
        self.browser.agency_code = str((offers or [item])[0].get("agency_code") or item.get("agency_code"))

    def _body(self, submission: Submission) -> dict[str, Any]:
        item = self.browser.procedure
        assert item is not None, "no procedure is open"
        answers = dict(submission.answers)
        form: dict[str, Any] = {}
        for spec in item.get("form_fields", []):
            given = answers.pop(spec.get("label", ""), None)
            kind = spec.get("type")
            if given is not None:
                form[spec["name"]] = given
            elif kind == "number":
                form[spec["name"]] = int(spec.get("min") or 1)
            elif kind == "date":
                form[spec["name"]] = SAMPLE_DATE
            elif kind == "select":
                form[spec["name"]] = (spec.get("options") or [""])[0]
            else:
                form[spec["name"]] = SAMPLE_TEXT
        if answers:
            raise AssertionError(f"the form has no fields {sorted(answers)}")
        documents = [d for d in item.get("attachments", []) if submission.all_documents or d.get("required")]
        files = list(submission.files)
        attachments = []
        for index, document in enumerate(documents):
            path = files[index % len(files)]
            kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            attachments.append({"code": document["code"], "filename": path.name, "content_type": kind,
                                "content_base64": base64.b64encode(path.read_bytes()).decode()})
        body: dict[str, Any] = {"agency_code": self.browser.agency_code or item.get("agency_code"), "form": form,
                                "attachments": attachments, "result_delivery": submission.result_delivery,
                                "payment_method": submission.payment or "counter"}
        if submission.postal_address is not None:
            a = submission.postal_address
            body["postal_address"] = {"name": a.name, "phone": a.phone, "address": a.address, "province": a.province,
                                      "district": a.district, "commune": a.commune}
        return body

    def submit(self, submission: Submission) -> str:
        item = self.browser.procedure
        assert item is not None, "no procedure is open"
        body = self._body(submission)
        try:
            dossier = self.api.submit(str(item["code"]), **body)
        except ClientError as exc:
            raise AssertionError(f"the portal refused the dossier: {_refusal(exc)}") from None
        self.browser.dossier = str(dossier["code"])
        for listener in self.listeners:
            listener.submitted(dossier, item, body, applicant=self.browser.username)
        return self.browser.dossier

    def submit_refused(self, submission: Submission) -> str:
        item = self.browser.procedure
        assert item is not None, "no procedure is open"
        try:
            with expecting(self.api.session, *range(400, 500)):
                dossier = self.api.submit(str(item["code"]), **self._body(submission))
        except ClientError as exc:
            if exc.status >= 500:
                raise
            return _refusal(exc)
        raise AssertionError(f"the portal took the dossier {dossier.get('code')}; it should have refused it")

    def my_dossiers(self) -> list[str]:
        return [str(d["code"]) for d in self.api.dossiers()["items"]]

    # -- a dossier -------------------------------------------------------------------------------------------------
    def open_dossier(self, code: str) -> DossierView:
        self.browser.dossier = code
        return dossier_view(self.api.dossier(code))

    def wait_for_dossier(self, code: str, *, status: str | None = None, payment: str | None = None,
                         waybill: bool = False, postal_state: str | None = None, timeout: float) -> DossierView:
        deadline = time.monotonic() + timeout
        while True:
            view = self.open_dossier(code)
            if ((status is None or view.status == status) and (payment is None or view.payment.startswith(payment))
                    and (not waybill or view.waybill) and (postal_state is None or view.postal_state == postal_state)):
                return view
            if time.monotonic() > deadline:
                wanted = ", ".join(x for x in (status, payment, "a waybill" if waybill else None, postal_state) if x)
                raise AssertionError(f"dossier {code} shows {view} after {timeout} s, not {wanted}")
            self.sleep(self.poll_s)

    def start_payment(self) -> None:
        code = self._current()
        started = self.api.start_payment(code)
        self.browser.checkout_url = str(started["payment_url"])
        self.browser.returned_to, self.browser.checkout_result = None, {}
        self.browser.payment = {**started, "dossier_code": code}

    def payment_outcome(self) -> str:
        """What the portal made of the payment once the citizen came back, in this driver's words."""
        said = self.browser.checkout_result
        if said.get("MaLoi") == "00" and said.get("TrangThaiGD") == "1":     # the checkout confirmed it paid
            for listener in self.listeners:
                listener.paid({**self.browser.payment, "transaction_id": said.get("MaGiaoDich", "")},
                              applicant=self.browser.username)
        if self.browser.returned_to:
            self.api.payment_return(self.browser.returned_to)
        state = (self.api.dossier(self._current()).get("payment") or {}).get("status")
        if state == "paid":
            return "Thanh toán thành công"
        if state == "pending":
            return "Giao dịch đang chờ kết quả từ ngân hàng"
        return "Thanh toán không thành công"

    def back_to_dossier(self) -> DossierView:
        return self.open_dossier(self._current())

    def open_receipt(self) -> None:
        self.browser.receipt = dict(self.api.receipt(self._current()))

    def open_tracking(self) -> None:
        waybill = dossier_view(self.api.dossier(self._current())).waybill
        assert waybill, "the dossier has no waybill to track"
        self.browser.tracking = waybill

    def _current(self) -> str:
        assert self.browser.dossier, "no dossier is open"
        return self.browser.dossier

    # -- public look-up ------------------------------------------------------------------------------------------
    def look_up(self, code: str) -> LookupView | None:
        try:
            with expecting(self.api.session, 404):
                found = self.api.lookup(code)
        except ClientError as exc:
            if exc.status == 404:
                return None
            raise
        return LookupView(code=str(found["code"]), status=str(found["status_name"]), status_code=found.get("status"),
                          procedure=str(found.get("procedure_name", "")),
                          appointment=_shown_time(found.get("appointment_date")))


def _shown_time(iso: Any) -> str:
    if not iso:
        return ""
    try:
        moment = datetime.fromisoformat(str(iso))
    except ValueError:
        return str(iso)
    # as strftime's "%H:%M %d/%m/%Y" writes it, at a fraction of its cost (the load shows every dossier's)
    return f"{moment.hour:02d}:{moment.minute:02d} {moment.day:02d}/{moment.month:02d}/{moment.year}"


def dossier_view(found: Mapping[str, Any]) -> DossierView:
    """A dossier's JSON as the citizen's page would show it."""
    fee = found.get("fee") or {}
    amount = int(fee.get("amount") or 0)
    method = found.get("payment_method") or ""
    state = (found.get("payment") or {}).get("status", "")
    if not amount or state == "not_required":
        payment = ""
    elif state == "paid":
        payment = PAID
    else:
        payment = UNPAID + (" (đang chờ kết quả giao dịch)" if state == "pending" else "")
    address = found.get("postal_address") or {}
    order = found.get("postal_order") or {}
    closed = int(found.get("status") or 0) in (3, 7, 8, 10)
    return DossierView(
        code=str(found["code"]), status=str(found.get("status_name", "")), status_code=found.get("status"),
        payment=payment,
        fee=(money(amount) + (" — nộp tại cơ quan" if method == "counter" else " — thanh toán trực tuyến"))
        if amount else "Không thu",
        result_delivery=str(found.get("result_delivery", "")),
        postal_address=", ".join(str(address[k]) for k in ("address", "commune", "district", "province")
                                 if address.get(k)),
        waybill=str(order.get("waybill") or ""),
        can_pay_online=bool(found.get("can_pay_online", amount and method == "online" and state in ("unpaid", "")
                                      and not closed)),
        receipt_available=state == "paid",
        appointment=_shown_time(found.get("appointment_date")),
        postal_state=str(order.get("status_name") or ""),
        postal_events=tuple(str(e.get("status_name", "")) for e in order.get("events") or ()),
        history=tuple(str(h.get("note", "")) for h in found.get("history") or ()),
    )


@dataclass
class ApiDriverPortals:
    """`scenarios.portal.Portals` of the API driver."""

    national: ApiNational
    provincial: ApiProvincial
    payment: ApiCheckout
    postal: ApiTracking
    seam: ApiPortals


def api_portals(bundle: ApiPortals, *, sleep: Callable[[float], None] = time.sleep,
                poll_s: float = POLL_S) -> ApiDriverPortals:
    """The journeys' portals over the seam's clients (one citizen: one session, one cookie jar); a journey that
    waits for a dossier to move reads it every `poll_s`."""
    browser = _Browser()
    provincial = lacking(bundle.provincial, "the portal's HTTP layer", SEAM_METHODS)
    return ApiDriverPortals(national=ApiNational(bundle.national, browser, sleep, poll_s),
                            provincial=ApiProvincial(provincial, browser, sleep, poll_s),
                            payment=ApiCheckout(bundle.payment, browser), postal=ApiTracking(bundle.postal, browser),
                            seam=bundle)


__all__ = ["ApiCheckout", "ApiDriverPortals", "ApiNational", "ApiProvincial", "ApiTracking", "api_portals",
           "dossier_view", "money"]
