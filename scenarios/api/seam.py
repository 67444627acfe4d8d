"""The API driver's seam: what the journeys need of a provincial portal over HTTP, as one typed Protocol.

The same seam serves the journeys' API driver (`run --driver api`, `pytest --dvc-driver api`) and the load
(`load --api`). A team whose portal has its own HTTP layer implements `ProvincialApi` for it and a factory

    def my_portal(session, urls, *, namespace, admin_token) -> ApiPortals: ...

that puts its implementation in `ApiPortals.provincial`; the national portal, the payment checkout and the
postal service stay the emulators'. `dvc-harness load --check-api MODULE:FACTORY --host URL` calls every
method once and says what is missing or mis-shaped. A method the portal cannot offer raises
NotImplementedError: the journeys that need it are skipped, naming it (docs/wiring.md lists which).

The shapes below are what the journeys read; a portal may answer more. Amounts are đồng (int), statuses
TrangThaiHoSo (1–10) with their names, dates ISO 8601.
"""

# No `from __future__ import annotations` here: TypedDict must see NotRequired[...] as objects, not text.
import importlib
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, NotRequired, Protocol, TypedDict, runtime_checkable

import requests

from harness.clients import ClientError, NationalClient, OfficerClient, PaymentClient, PostalClient, ProvincialClient
from harness.clients.national import complete_sso


# -- the shapes --------------------------------------------------------------------------------------------------
class Fee(TypedDict):
    amount: int                         # đồng; 0: no fee
    timing: str                         # "before" (paid before receipt: online at level 4), "after", "none"
    per_copy: NotRequired[bool]         # the amount is by copy (a form field says how many)


class FormField(TypedDict):
    name: str
    label: str
    type: str                           # "text", "textarea", "number", "date", "select"
    required: NotRequired[bool]
    options: NotRequired[list[str]]     # select
    min: NotRequired[int]               # number


class Document(TypedDict):
    code: str
    name: str
    required: NotRequired[bool]


class ProcedureDetail(TypedDict):
    """A procedure (`procedure()`): what the journeys show and submit."""

    code: str                           # what the portal's URLs and submissions use
    national_code: str                  # MaTTHC
    name: str
    level: int                          # 2, 3, 4
    fee: Fee
    result_by_post: bool
    tier: NotRequired[str]              # "province", "district", "commune"
    agency_code: NotRequired[str]       # the agency (the listing's item gives it where the procedure does not)
    agency_name: NotRequired[str]
    applicant_types: NotRequired[list[int]]      # 1 citizen, 2 business, 3 agency
    form_fields: NotRequired[list[FormField]]    # needed to submit
    attachments: NotRequired[list[Document]]     # needed to submit
    online: NotRequired[bool]                    # an online submission is offered (level ≥ 3 when absent)


class ProcedureItem(ProcedureDetail):
    """A procedure as one agency offers it (the items of `procedures()`)."""

    tier: str                           # type: ignore[misc]
    agency_code: str                    # type: ignore[misc]
    agency_name: str                    # type: ignore[misc]


class Catalogue(TypedDict):
    total: int
    items: list[ProcedureItem]


class Attachment(TypedDict):
    code: str                           # the document's code (ProcedureItem.attachments)
    filename: str
    content_type: str
    content_base64: str


class PostalAddressJson(TypedDict):
    name: str
    phone: str
    address: str
    province: str
    district: str                       # "" where the address has two levels
    commune: str


class PaymentState(TypedDict):
    status: str         # "not_required", "unpaid", "pending" (the bank has not answered yet), "paid"
    status_name: NotRequired[str]


class PostalOrderJson(TypedDict):
    waybill: str | None
    status_name: NotRequired[str]       # the item's state as the portal names it
    events: NotRequired[list[dict[str, Any]]]    # each with status_name, oldest first


class DossierJson(TypedDict):
    """A dossier as its applicant sees it (`submit()`, `dossier()`)."""

    code: str                           # AGENCY-YYMMDD-NNNN
    procedure_code: str
    status: int                         # TrangThaiHoSo
    status_name: str
    result_delivery: str                # "counter", "online", "post"
    payment_method: NotRequired[str]    # "online", "counter"
    fee: Fee
    payment: PaymentState
    appointment_date: NotRequired[str | None]
    postal_address: NotRequired[PostalAddressJson]
    postal_order: NotRequired[PostalOrderJson]
    history: NotRequired[list[dict[str, Any]]]   # each with `note` (what the entry says), oldest first
    can_pay_online: NotRequired[bool]   # an online payment can be started (else: the fee, method and state say)


class Dossiers(TypedDict):
    total: int
    items: list[DossierJson]


class PaymentStarted(TypedDict):
    reference: str                      # MaThamChieu
    payment_url: str                    # the checkout page to send the citizen to
    amount: int


class Receipt(TypedDict):
    """The e-receipt of a paid fee (the portal's GET_BILL to the payment platform)."""

    dossier_code: str
    amount: int
    transaction_id: str                 # MaGiaoDich
    receipt_url: NotRequired[str | None]    # the platform's e-receipt page
    bill: NotRequired[dict[str, Any]]   # the platform's GET_BILL answer: its SoBienLai is the receipt's number


class PublicDossier(TypedDict):
    """The public look-up by code: no personal data."""

    code: str
    status: int
    status_name: str
    procedure_name: str
    appointment_date: NotRequired[str | None]


class Account(TypedDict):
    full_name: str
    id_number: NotRequired[str]


# -- the seam ----------------------------------------------------------------------------------------------------
@runtime_checkable
class ProvincialApi(Protocol):
    """A provincial portal over HTTP, as one citizen's browser-like session (`session`: its cookie jar).

    Every method raises harness.clients.ClientError for an error answer (a refusal: its `body` holds the
    portal's message), NotImplementedError where the portal has no such thing.
    """

    session: requests.Session

    def home(self) -> Any:
        """The home page (any answer that is not an error)."""
        ...

    def procedures(self, **filters: Any) -> Catalogue:
        """The catalogue. Filters: q (text search), agency_code, tier, level, limit, offset."""
        ...

    def procedure(self, code: str) -> ProcedureDetail:
        """One procedure by `ProcedureItem.code`, with its form fields and documents."""
        ...

    def agencies(self, tier: str | None = None) -> Any:
        """The agencies (of one tier): `{"items": [{"code", "name"}, ...]}` lets the journeys list an agency's
        procedures by its code; any other answer that is not an error, and they narrow the catalogue by name."""
        ...

    def login_sso(self, username: str | None, password: str | None) -> Any:
        """Log in through the national SSO as a browser does; no credentials when the national session is
        already open (the national portal then asks nothing)."""
        ...

    def me(self) -> Account:
        """The logged-in account."""
        ...

    def log_out(self) -> Any:
        """Close the portal's session (the national one stays open)."""
        ...

    def submit(self, procedure_code: str, *, agency_code: str, form: dict[str, Any],
               attachments: list[Attachment], result_delivery: str, payment_method: str,
               postal_address: PostalAddressJson | None = None) -> DossierJson:
        """Submit a dossier: `form` by FormField.name; a refusal raises ClientError with the portal's message."""
        ...

    def dossiers(self) -> Dossiers:
        """The logged-in citizen's dossiers."""
        ...

    def dossier(self, code: str) -> DossierJson:
        """One of the citizen's dossiers."""
        ...

    def start_payment(self, code: str) -> PaymentStarted:
        """Start the online payment of a dossier's fee (the portal's INIT to the payment platform)."""
        ...

    def payment_return(self, return_url: str) -> Any:
        """The citizen's browser comes back from the checkout to `return_url` (the portal checks the result)."""
        ...

    def receipt(self, code: str) -> Receipt:
        """The e-receipt of the dossier's paid fee."""
        ...

    def lookup(self, code: str) -> PublicDossier:
        """The public look-up by dossier code; ClientError 404 when the portal knows no such code."""
        ...


# The methods of the seam, in the order the preflight calls them (load --check-api).
SEAM_METHODS = ("home", "procedures", "procedure", "agencies", "login_sso", "me", "submit", "dossiers", "dossier",
                "start_payment", "payment_return", "receipt", "lookup", "log_out")


class EmulatorProvincialApi(ProvincialClient):
    """`ProvincialApi` for the provincial emulator: its /api/v1, and the pages a browser would open."""

    def home(self) -> int:
        return self._page("/")

    def _page(self, path: str) -> int:
        response = self.request("GET", path, headers={"Accept": "text/html"})
        if response.status_code != 200:
            raise ClientError(response)
        return len(response.content or b"")

    def agencies(self, tier: str | None = None) -> dict[str, Any]:
        return self.call("GET", "/api/v1/agencies", params={"tier": tier} if tier else None)

    def login_sso(self, username: str | None, password: str | None) -> dict[str, Any]:  # type: ignore[override]
        complete_sso(self.session, self.url("/dang-nhap"), username or "", password or "", timeout=self.timeout)
        return self.me()

    def log_out(self) -> int:
        return self._page("/dang-xuat")

    def payment_return(self, return_url: str) -> int:
        """The citizen's browser comes back from the checkout (the portal asks the platform when it must)."""
        return self._page(return_url)


@dataclass
class ApiPortals:
    """The clients one citizen (or one officer) uses over HTTP, all over one session: one cookie jar."""

    national: NationalClient
    provincial: ProvincialApi
    payment: PaymentClient
    postal: PostalClient
    officer: OfficerClient | None = None
    back_office: Any = None     # scenarios.portal.PortalBackOffice: the portal's records (journeys, consistency check)


Factory = Callable[..., ApiPortals]
DEFAULT_API = "scenarios.api:emulator_api"


def emulator_api(session: requests.Session, urls: Mapping[str, str], *, namespace: str,
                 admin_token: str | None = None) -> ApiPortals:
    """The default factory: the four emulators at `urls` (service -> origin)."""

    def make(kind: type, service: str) -> Any:
        return kind(urls[service], namespace=namespace, admin_token=None, session=session)

    return ApiPortals(national=make(NationalClient, "national"), provincial=make(EmulatorProvincialApi, "provincial"),
                      payment=make(PaymentClient, "payment"), postal=make(PostalClient, "postal"),
                      officer=make(OfficerClient, "provincial"))


def resolve_factory(target: str | None, option: str = "--api") -> Factory:
    """`MODULE:FACTORY` -> the factory (default: the emulators'). MODULE is looked for on the path and, as
    `python -m` does, in the current folder."""
    target = target or DEFAULT_API
    module_name, _, attr = target.partition(":")
    if not module_name or not attr:
        raise ValueError(f"{option} wants MODULE:FACTORY, got {target!r}")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if os.getcwd() in sys.path:
            raise ValueError(f"{option} {target}: {exc} (run from the folder that holds it, "
                             "or set PYTHONPATH)") from exc
        sys.path.append(os.getcwd())
        return resolve_factory(target, option)
    factory = getattr(module, attr, None)
    if not callable(factory):
        raise ValueError(f"{option} {target}: {attr} is not a callable in {module_name}")
    return factory  # type: ignore[no-any-return]


__all__ = ["DEFAULT_API", "SEAM_METHODS", "ApiPortals", "EmulatorProvincialApi", "Factory", "ProvincialApi",
           "emulator_api", "resolve_factory"]
