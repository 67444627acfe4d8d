"""The dossier-sync gateway's routes (`/sync/login`, `/sync/service`): real provincial systems' wire format."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from mocks.core.app import Namespace
from mocks.core.openapi import NOT_ANSWERED, success

from . import schemas
from .model import NationalPortal
from .sync import ERR_DATA, SyncError


class SyncLogin(BaseModel):
    username: str = Field(max_length=200)
    password: str = Field(max_length=200)


class SyncCall(BaseModel):
    """`{session, madonvi, service, ...}`; the other members depend on the service."""

    model_config = ConfigDict(extra="allow")
    session: str | None = Field(None, max_length=200, description="from /sync/login")
    service: str | None = Field(
        None, max_length=100,
        description="DongBoHoSoMC | CapNhatTienDoHoSoMC | TraCuuHoSo | LayThuTuc | LayDanhSachTTHC")
    madonvi: str | None = Field(None, max_length=100, description="the pushing unit's code (DongBoHoSoMC, "
                                                                   "CapNhatTienDoHoSoMC)")
    isUpdating: bool | None = Field(None, description="DongBoHoSoMC: false creates, true updates")
    data: list[Any] | None = Field(None, description="DongBoHoSoMC: dossiers; CapNhatTienDoHoSoMC: progress items")
    mahoso: str | None = Field(None, max_length=100, description="TraCuuHoSo: the dossier code")
    maTTHC: str | None = Field(None, max_length=100, description="LayThuTuc: the procedure code")


def sync_validation_response(exc: RequestValidationError) -> Response:
    """Malformed JSON or wrong types on the sync routes: the protocol's error_code too."""
    problems = [{"field": ".".join(str(p) for p in e.get("loc", ()) if p != "body"), "problem": e.get("msg", "")}
                for e in exc.errors()]
    fields = ", ".join(p["field"] for p in problems if p["field"]) or "body"
    error = SyncError(ERR_DATA, "INVALID_SYNC_REQUEST", f"Yêu cầu không hợp lệ: {fields}.",
                      f"Invalid request: {fields}.", details=problems)
    return JSONResponse(error.body(), status_code=400)


# Every refusal carries the protocol's error_code; a body that does not fit is a 400 too (never a 422).
REFUSALS: dict[int | str, Any] = {
    400: {"model": schemas.SyncRefusal, "description": "Bad data (error_code 1), malformed JSON"},
    401: {"model": schemas.SyncRefusal, "description": "Wrong credentials, no or an expired session"},
    403: {"model": schemas.SyncRefusal, "description": "The account may not push for this madonvi"},
    404: {"model": schemas.SyncRefusal, "description": "No such dossier or procedure"},
    409: {"model": schemas.SyncRefusal, "description": "The dossier exists already (isUpdating false)"},
    413: {"model": schemas.SyncRefusal, "description": "The body is larger than the route's limit"},
    422: NOT_ANSWERED,
}


def sync_router(model: NationalPortal) -> APIRouter:
    router = APIRouter(prefix="/sync", tags=["dossier sync"], responses=REFUSALS)

    @router.post("/login", summary="Log in to the gateway: {session, error_code: 0}",
                 responses=success(schemas.SyncSessionOpened))
    def login(body: SyncLogin, ns: Namespace) -> dict[str, Any]:
        return model.sync.login(ns, body.username, body.password)

    @router.post("/service", summary="Call a gateway service: {error_code: 0, message, result}",
                 responses=success(schemas.SyncAnswer))
    def service(body: SyncCall, ns: Namespace) -> dict[str, Any]:
        return model.sync.call(ns, body.model_dump())

    return router
