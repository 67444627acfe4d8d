"""What the national portal answers, for its OpenAPI document (documentation only: given in `responses=`,
which does not filter what a route returns). `ROUTES` documents the OpenID Connect endpoints
(mocks/core/oidc_schemas.py)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from mocks.core.oidc_schemas import ROUTES, RegisteredRelyingParty, RelyingParties
from mocks.core.openapi import ErrorDetail


# -- accounts and log-in (/api/v1) ---------------------------------------------------------------
class PendingAccount(BaseModel):
    username: str = Field(description="ID number, tax code or agency code")
    status: str = Field(description='"pending" until the one-time code')
    sent_to: list[str] = Field(description="the phone number and e-mail address the code went to")
    otp_expires_in: int = Field(description="seconds")


class AccountStatus(BaseModel):
    username: str
    status: str = Field(description="active")


class AccountOut(BaseModel):
    """An account without its password."""

    username: str
    account_type: str = Field(description="citizen | business | agency")
    status: str
    full_name: str
    email: str
    phone: str
    tech_id: str
    subject: str = Field(description="the `sub` of its id tokens")
    created_at: str
    id_number: str | None
    tax_code: str | None
    agency_code: str | None
    organisation_name: str | None
    birth_date: str | None
    gender: str | None
    address: str | None
    activated_at: str | None
    identity_level: int | None = Field(description="the linked VNeID identity's level (1 or 2), null when none")


class ProgressStep(BaseModel):
    model_config = ConfigDict(extra="allow")
    at: str | None
    handler: str
    content: str
    status: int | None
    status_name: str


class NationalLookup(BaseModel):
    """What the province pushed for a dossier, in our API's English names."""

    model_config = ConfigDict(extra="allow")
    code: str
    procedure_code: str
    procedure_name: str
    agency_code: str | None
    status: int
    status_name: str
    submitted_at: str | None
    progress: list[ProgressStep]


class ProcedureFee(BaseModel):
    amount: int
    description: str | None


class NationalProcedure(BaseModel):
    code: str
    national_code: str
    name: str
    field: str
    level: int | None
    level_label: str
    fee: ProcedureFee


class NationalCatalogue(BaseModel):
    procedures: list[NationalProcedure]
    total: int


# -- admin -----------------------------------------------------------------------------------------
class SentMessage(BaseModel):
    id: int
    channel: str = Field(description="sms | email")
    to: str
    username: str | None
    subject: str | None
    body: str
    otp: str | None
    created_at: str


class SentMessages(BaseModel):
    messages: list[SentMessage]


class AdminAccount(AccountOut):
    linked_to_vneid: bool


class SyncAccount(BaseModel):
    username: str
    madonvi: str | None
    built_in: bool


class SyncAccounts(BaseModel):
    accounts: list[SyncAccount]


class RegisteredSyncAccount(BaseModel):
    username: str
    madonvi: str | None


# -- the dossier-sync gateway (/sync) --------------------------------------------------------------
class SyncSessionOpened(BaseModel):
    session: str
    error_code: int = Field(description="0")
    message: str
    expires_in: int = Field(description="seconds")


class SyncAnswer(BaseModel):
    error_code: int = Field(description="0")
    message: str
    result: Any = Field(description="what the service answers: the dossiers' outcomes, a dossier, a procedure, "
                                    "the list of procedures")


class SyncRefusal(BaseModel):
    """The house error body with the protocol's `error_code` (not 0) and `message`."""

    error_code: int
    message: str
    error: ErrorDetail


__all__ = ["ROUTES", "RegisteredRelyingParty", "RelyingParties"]
