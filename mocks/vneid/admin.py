"""VNeID's admin routes: identities, the app (approve, deny, let expire, scan a QR code, auto-approval); relying
parties are mocks/core/oauth_routes.py's. The app is a control the tests hold: nothing a real user's phone would do
happens by itself."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from mocks.core.app import Namespace, admin_guard
from mocks.core.config import StackConfig
from mocks.core.openapi import success

from . import schemas
from .approvals import check_decision
from .model import VneidService


class IdentityCreation(BaseModel):
    kind: Literal["person", "organisation"] = "person"
    password: str = Field(max_length=200, description="at least 8 characters, letters and digits")
    id_number: str | None = Field(None, max_length=20, description="a person's 12-digit personal number")
    full_name: str | None = Field(None, max_length=300, description="a person's name")
    birth_date: str | None = Field(None, max_length=10, description="yyyy-mm-dd (its year the number's)")
    level: int = Field(2, description="a person's level: 1 or 2")
    phone: str | None = Field(None, max_length=30)
    email: str | None = Field(None, max_length=254)
    organisation_type: Literal["business", "agency"] | None = Field(None, description="an organisation's")
    code: str | None = Field(None, max_length=20, description="an organisation's tax code or agency code")
    name: str | None = Field(None, max_length=300, description="an organisation's name")
    representative: str | None = Field(None, max_length=20, description="the personal number (level 2) of the "
                                                                         "organisation's legal representative")


class LevelChange(BaseModel):
    level: int = Field(description="1 or 2")


class QrScan(BaseModel):
    qr: str = Field(max_length=200, description="the code the log-in page shows (VNEID-QR:...)")
    username: str = Field(max_length=20, description="the identity whose app scans it (a person, or an "
                                                     "organisation its representative acts for)")


class AutoApproval(BaseModel):
    enabled: bool


def admin_routes(model: VneidService, config: StackConfig) -> APIRouter:
    router = APIRouter(prefix="/_admin", tags=["admin"], dependencies=[Depends(admin_guard(config))])

    @router.get("/identities", summary="The namespace's electronic identities", responses=success(schemas.Identities))
    def identities(ns: Namespace) -> dict[str, Any]:
        return {"identities": [i.public() for i in model.identities.all(ns)]}

    @router.post("/identities", status_code=201, summary="Make an electronic identity (a person of level 1 or 2, "
                 "or an organisation held by a level-2 person)",
                 responses={**success(schemas.Identity, 201), 409: {"description": "The number or code is taken"}})
    def create_identity(body: IdentityCreation, ns: Namespace) -> dict[str, Any]:
        return model.identities.create(ns, body.model_dump()).public()

    @router.post("/identities/{username}/level", summary="Set a person's level (the police's check: 1 → 2)",
                 responses=success(schemas.Identity))
    def set_level(username: str, body: LevelChange, ns: Namespace) -> dict[str, Any]:
        return model.identities.set_level(ns, username, body.level).public()

    @router.get("/app/requests", summary="The app's pending log-in approvals (of one holder's app, when named)",
                responses=success(schemas.Approvals))
    def app_requests(ns: Namespace, approver: str | None = Query(None, max_length=20)) -> dict[str, Any]:
        return {"requests": [a.public() for a in model.approvals.pending(ns, approver)]}

    @router.post("/app/requests/{approval_id}/{decision}",
                 summary="The holder's app approves, denies or lets a log-in expire (decision: approve|deny|expire)",
                 responses={**success(schemas.Approval), 409: {"description": "No longer pending"}})
    def decide(approval_id: str, decision: str, ns: Namespace) -> dict[str, Any]:
        return model.approvals.decide(ns, approval_id, check_decision(decision)).public()

    @router.post("/app/scan", summary="The app of `username` scans a log-in page's QR code: the log-in is approved",
                 responses={**success(schemas.Approval), 404: {"description": "Unknown QR code or identity"},
                            409: {"description": "No longer pending"}})
    def scan(body: QrScan, ns: Namespace) -> dict[str, Any]:
        return model.approvals.scan(ns, body.qr, body.username).public()

    @router.get("/app/auto-approve", summary="Whether the namespace's log-ins are approved at once",
                responses=success(schemas.AutoApprovalState))
    def auto_approve(ns: Namespace) -> dict[str, Any]:
        return {"namespace": ns, "enabled": model.approvals.auto_approve(ns)}

    @router.post("/app/auto-approve", summary="Approve every log-in of the namespace at once (the load)",
                 responses=success(schemas.AutoApprovalState))
    def set_auto_approve(body: AutoApproval, ns: Namespace) -> dict[str, Any]:
        return {"namespace": ns, "enabled": model.approvals.set_auto_approve(ns, body.enabled)}

    return router
