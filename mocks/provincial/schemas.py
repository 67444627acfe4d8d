"""What the provincial portal answers, for its OpenAPI document (documentation only: given in `responses=`,
which does not filter what a route returns). `ROUTES` documents the log-in redirects of auth.py.

Dossier views list the keys every dossier has; the e-form (`form`), the supplement and reschedule
records and the deadline mark are the model's own documents, typed loosely here on purpose.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from mocks.core.openapi import NOT_ANSWERED, ErrorDetail


# -- the catalogue ---------------------------------------------------------------------------------
class Offering(BaseModel):
    """One procedure at one agency."""

    model_config = ConfigDict(extra="allow")
    code: str
    national_code: str
    name: str
    level: int
    tier: str
    agency_code: str
    agency_name: str
    processing_days: int


class OfferingPage(BaseModel):
    total: int
    offset: int
    limit: int
    items: list[Offering]


class AgencyRef(BaseModel):
    code: str
    name: str
    tier: str


class ProcedureDetail(BaseModel):
    model_config = ConfigDict(extra="allow")
    code: str
    national_code: str
    name: str
    level: int
    tier: str
    online: bool
    processing_days: int
    agencies: list[AgencyRef]


class Agency(BaseModel):
    code: str
    name: str
    short_name: str
    tier: str
    unit: str | None
    district: str | None
    address: str
    phone: str
    email: str


class Agencies(BaseModel):
    total: int
    items: list[Agency]


# -- accounts and officers ---------------------------------------------------------------------------
class LocalAccount(BaseModel):
    id: str
    account_type: int
    account_type_name: str
    tech_id: str | None
    id_number: str | None
    full_name: str
    email: str | None
    phone: str | None
    address: str | None
    link_rule: str | None
    created_at: str | None
    identity_level: int = Field(description="the VNeID identity level of the last log-in (IAL), 0 without one")
    verified_with_vneid: bool


class LocalAccounts(BaseModel):
    items: list[LocalAccount]


class OfficerOut(BaseModel):
    username: str
    full_name: str
    agency_code: str
    agency_name: str
    tier: str
    role: str
    role_name: str
    email: str | None
    created_at: str | None


class Officers(BaseModel):
    items: list[OfficerOut]


class CreatedOfficer(OfficerOut):
    password: str = Field(description="shown once")


class LoggedOut(BaseModel):
    status: str = Field(description='"logged_out"')


class CitizenSession(BaseModel):
    cookie: str = Field(description="the cookie's name")
    value: str
    account: LocalAccount


class OfficerSession(BaseModel):
    cookie: str = Field(description="the cookie's name")
    value: str
    officer: OfficerOut


class SsoLogins(BaseModel):
    items: list[dict[str, Any]] = Field(description="one per SSO log-in: the claims' identity and the linking rule")


# -- dossiers --------------------------------------------------------------------------------------
class DossierPayment(BaseModel):
    model_config = ConfigDict(extra="allow")
    status: str
    status_name: str
    paid_online: bool
    method: str | None


class DossierFee(BaseModel):
    amount: int
    timing: str = Field(description="before | after | none")


class DossierSummary(BaseModel):
    model_config = ConfigDict(extra="allow")
    code: str = Field(description="MaHoSo")
    procedure_code: str
    national_code: str
    procedure_name: str
    agency_code: str
    agency_name: str
    tier: str
    level: int
    status: int = Field(description="TrangThaiHoSo, 1–10 (status_name gives its name)")
    status_name: str
    channel: int
    channel_name: str
    result_delivery: str | None
    payment_method: str | None
    fee: DossierFee
    payment: DossierPayment
    applicant_name: str
    submitted_at: str | None
    appointment_date: str | None
    returned_at: str | None


class Applicant(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str | None
    type: int | None
    name: str


class Dossier(DossierSummary):
    applicant: Applicant
    form: dict[str, Any] = Field(description="the procedure's e-form fields by name")
    received_at: str | None
    result_ready_at: str | None
    attachments: list[dict[str, Any]]
    history: list[dict[str, Any]]
    result_documents: Any
    closing_reason: str | None
    rating: dict[str, Any] | None


class CitizenDossier(Dossier):
    deadline: Any = Field(description="the deadline and its mark (on time, due soon, overdue...)")


class OfficerDossier(CitizenDossier):
    allowed_actions: list[str]


class OfficerDossierSummary(DossierSummary):
    deadline: Any
    allowed_actions: list[str]


class CitizenDossiers(BaseModel):
    total: int
    items: list[DossierSummary]


class AgencyDossiers(BaseModel):
    total: int
    offset: int
    agency_code: str
    items: list[OfficerDossierSummary]


class AdminDossiers(BaseModel):
    total: int
    offset: int
    items: list[DossierSummary]
    status_names: dict[str, str]


class PaymentAttempt(BaseModel):
    reference: str
    dossier_code: str
    attempt: int
    amount: int
    status: str
    status_name: str
    payment_url: str | None
    transaction_id: str | None
    bank: str | None
    error: str | None
    created_at: str | None
    paid_at: str | None


class PaymentAttempts(BaseModel):
    items: list[PaymentAttempt]


class AdminDossier(Dossier):
    payments: list[PaymentAttempt]
    national_sync: dict[str, Any] = Field(description="the dossier's pushes to the national portal")


class FeeReceipt(BaseModel):
    dossier_code: str
    reference: str
    amount: int
    transaction_id: str | None
    bank: str | None
    paid_at: str | None
    receipt_url: str | None
    bill: dict[str, Any] = Field(description="BienLai as the payment platform answered it (GET_BILL)")


class PublicDossier(BaseModel):
    code: str
    procedure_name: str
    agency_name: str
    status: int
    status_name: str
    submitted_at: str | None
    appointment_date: str | None
    returned_at: str | None


class Notice(BaseModel):
    id: int
    dossier_code: str
    kind: str
    channel: str
    to: str
    subject: str | None
    body: str
    created_at: str | None


class Notices(BaseModel):
    messages: list[Notice]


class OnlineRate(BaseModel):
    """The campaign figures of the period: per tier, the whole province (`total`) and per agency."""

    model_config = ConfigDict(extra="allow")
    from_: str = Field(alias="from", description="YYYY-MM-DD")
    to: str
    generated_at: str | None
    tiers: list[str] = Field(description="the tiers of government during the period: no district from 2025-07-01")
    province: dict[str, Any]
    district: dict[str, Any] | None = Field(description="null for a period that begins on or after 2025-07-01")
    commune: dict[str, Any]
    total: dict[str, Any]
    agencies: list[dict[str, Any]]


# -- the callbacks (their protocols' result fields) -------------------------------------------------
class ConfirmAnswer(BaseModel):
    model_config = ConfigDict(extra="allow")
    MaLoi: str = Field(description='"00"')
    MoTaLoi: str


class ConfirmRefusal(BaseModel):
    MaLoi: str
    MoTaLoi: str
    error: ErrorDetail


class PostalEventRecorded(BaseModel):
    Status: str = Field(description='"100"')
    Message: str
    MaHoSo: str
    TrangThaiHoSo: int


class PostalEventRefusal(BaseModel):
    Status: str = Field(description='the postal protocol\'s: "101" invalid data or too large, "102" no or a wrong '
                                    'access_token (mocks/core/codes.py)')
    Message: str
    error: ErrorDetail


REDIRECT = {"description": "Redirect (Location)"}
ROUTES: dict[tuple[str, str], dict[int | str, Any]] = {
    ("GET", "/dang-nhap"): {200: NOT_ANSWERED, 303: REDIRECT},
    ("GET", "/auth/callback"): {200: NOT_ANSWERED, 303: REDIRECT},
    ("GET", "/dang-xuat"): {200: NOT_ANSWERED, 303: REDIRECT},
}
