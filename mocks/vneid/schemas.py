"""What VNeID answers, for its OpenAPI document (documentation only: given in `responses=`). `ROUTES` documents
the OpenID Connect endpoints (mocks/core/oidc_schemas.py)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from mocks.core.oidc_schemas import ROUTES, RegisteredRelyingParty, RelyingParties


class Identity(BaseModel):
    username: str = Field(description="a person's 12-digit personal number; an organisation's tax or agency code")
    kind: str = Field(description="person | organisation")
    level: int = Field(description="1 | 2")
    full_name: str
    subject: str = Field(description="the `sub` of its id tokens")
    tech_id: str
    created_at: str
    birth_date: str | None
    gender: str | None
    phone: str | None
    email: str | None
    organisation_type: str | None = Field(description="business | agency")
    representative: str | None = Field(description="an organisation's: whose app approves its log-ins")


class Identities(BaseModel):
    identities: list[Identity]


class Approval(BaseModel):
    id: str
    method: str = Field(description="password | qr")
    status: str = Field(description="pending | approved | denied | expired | used")
    username: str | None = Field(description="who logs in (a QR code's once scanned)")
    approver: str | None = Field(description="whose app is asked")
    created_at: str
    decided_at: str | None


class Approvals(BaseModel):
    requests: list[Approval]


class AutoApprovalState(BaseModel):
    namespace: str
    enabled: bool


__all__ = ["ROUTES", "Approval", "Approvals", "AutoApprovalState", "Identities", "Identity", "RegisteredRelyingParty",
           "RelyingParties"]
