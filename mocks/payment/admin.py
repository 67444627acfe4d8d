"""The payment platform's own admin routes: partners, the namespace's transactions, settling a time-out."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, Field

from mocks.core.app import Namespace, admin_guard
from mocks.core.config import StackConfig
from mocks.core.openapi import success

from . import schemas
from .model import PaymentPlatform

HTTP_URL = r"^https?://[^/?#\s]+"


class PartnerIn(BaseModel):
    code: str = Field(pattern=r"^[A-Za-z0-9._\-]{1,64}$", description="MaDoiTac")
    secret: str | None = Field(None, min_length=8, max_length=256, description="generated when absent")
    name: str = Field(min_length=1, max_length=200)
    callback_url: str = Field(max_length=2000, pattern=HTTP_URL,
                              description="where confirmations are POSTed (any http(s) URL)")
    return_url: str = Field(max_length=2000, pattern=HTTP_URL,
                            description="where the payer is sent back (any http(s) URL)")


class ResolveIn(BaseModel):
    outcome: Literal["paid", "failed"]
    partner: str | None = Field(None, max_length=64, description="needed only when two partners share the reference")


def admin_router(model: PaymentPlatform, config: StackConfig) -> APIRouter:
    router = APIRouter(prefix="/_admin", tags=["admin"], dependencies=[Depends(admin_guard(config))])

    @router.get("/partners", summary="Payment partners (stack-wide, the built-in one first)",
                responses=success(schemas.Partners))
    def list_partners() -> dict[str, Any]:
        return {"partners": [p.public() for p in model.partners()]}

    @router.post("/partners", status_code=201, summary="Register or update a partner",
                 responses={**success(schemas.PartnerOut, 201, "Registered"),
                            **success(schemas.PartnerOut, 200, "Updated")})
    def register_partner(body: PartnerIn, response: Response) -> dict[str, Any]:
        partner, created = model.register_partner(body.code, body.name, body.callback_url, body.return_url,
                                                  body.secret)
        if not created:
            response.status_code = 200
        return partner.public()

    @router.get("/transactions", summary="The namespace's transactions, their confirmations and deliveries",
                responses=success(schemas.Transactions))
    def transactions(ns: Namespace, reference: str | None = Query(None, max_length=64)) -> dict[str, Any]:
        return {"transactions": model.transactions(ns, reference)}

    @router.post("/transactions/{reference}/resolve", summary="Settle a pending (bank time-out) transaction",
                 responses={**success(schemas.TransactionOut),
                            409: {"description": "Not pending, or two partners share the reference"}})
    def resolve(reference: str, body: ResolveIn, ns: Namespace) -> dict[str, Any]:
        txn = model.resolve(ns, reference, body.outcome, body.partner)
        return next(t for t in model.transactions(ns, txn.reference) if t["partner_code"] == txn.partner_code)

    return router
