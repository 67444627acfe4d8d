"""Our own JSON API (`/api/v1`): accounts, log-in, look-up, the national catalogue."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from mocks.core.app import Namespace
from mocks.core.errors import NotFound
from mocks.core.openapi import success

from . import schemas
from .accounts import Registration
from .model import NationalPortal
from .oidc import token_time
from .web import NationalSessions


class AccountRegistration(BaseModel):
    account_type: Literal["citizen", "business", "agency"]
    password: str = Field(max_length=200, description="at least 8 characters, letters and digits")
    password_confirm: str | None = Field(None, max_length=200, description="when given, must equal password")
    email: str = Field(max_length=254)
    phone: str = Field(max_length=30, description="Vietnamese mobile number")
    full_name: str | None = Field(None, max_length=200, description="required for citizens")
    id_number: str | None = Field(None, max_length=20, description="12-digit personal ID number (citizen)")
    tax_code: str | None = Field(None, max_length=20, description="tax code (business)")
    agency_code: str | None = Field(None, max_length=20, description="agency code 000.00.00.H47 (agency)")
    business_name: str | None = Field(None, max_length=300)
    agency_name: str | None = Field(None, max_length=300)
    birth_date: str | None = Field(None, max_length=20, description="yyyy-mm-dd or dd/mm/yyyy (citizen)")
    gender: str | None = Field(None, max_length=10, description="male | female (citizen)")
    address: str | None = Field(None, max_length=500)


class OtpConfirmation(BaseModel):
    otp: str = Field(max_length=20, description="the 6-digit code sent by SMS and e-mail")


class LoginRequest(BaseModel):
    username: str = Field(max_length=100, description="ID number, tax code or agency code")
    password: str = Field(max_length=200)


def throttled(why: str) -> dict[int | str, Any]:
    return {429: {"description": f"Too many attempts: {why} (Retry-After)"}}


CONFLICT: dict[int | str, Any] = {409: {"description": "Already taken / already active"}}
LOG_IN_REFUSED: dict[int | str, Any] = {401: {"description": "Wrong user name or password"},
                                        403: {"description": "The account is not active yet"}}


def api_router(model: NationalPortal, sessions: NationalSessions) -> APIRouter:
    router = APIRouter(prefix="/api/v1", tags=["national"])

    @router.post("/accounts", status_code=201, summary="Register an account (pending until its one-time code)",
                 responses={**success(schemas.PendingAccount, 201), **CONFLICT})
    def register(body: AccountRegistration, ns: Namespace) -> dict[str, Any]:
        return model.accounts.register(ns, Registration(**body.model_dump()))

    @router.post("/accounts/{username}/confirm", summary="Activate an account with its one-time code",
                 description="A code dies after 5 wrong tries; an account gets at most 10 wrong tries an hour "
                             "(429 OTP_LOCKED with Retry-After), however many codes it asks for.",
                 responses={**success(schemas.AccountStatus), **CONFLICT, **throttled("OTP_LOCKED"),
                            401: {"description": "Wrong or expired code"}})
    def confirm(username: str, body: OtpConfirmation, ns: Namespace) -> Any:
        account = model.accounts.confirm(ns, username, body.otp)   # a 429 carries its Retry-After
        return {"username": account.username, "status": account.status}

    @router.post("/accounts/{username}/otp", summary="Send a new one-time code (replaces the old one)",
                 description="At most 5 codes an hour per account (429 OTP_SEND_LIMIT with Retry-After).",
                 responses={**success(schemas.PendingAccount), **CONFLICT, **throttled("OTP_SEND_LIMIT")})
    def resend(username: str, ns: Namespace) -> Any:
        return model.accounts.resend_code(ns, username)

    @router.post("/login", summary="Check credentials; sets the dvcqg_session cookie",
                 description="5 wrong passwords in a row lock the user name for 15 minutes of the namespace clock "
                             "(429 LOGIN_LOCKED with Retry-After), the right password included.",
                 responses={**success(schemas.AccountOut), **LOG_IN_REFUSED, **throttled("LOGIN_LOCKED")})
    def login(body: LoginRequest, ns: Namespace, request: Request) -> JSONResponse:
        account = model.accounts.authenticate(ns, body.username, body.password)
        response = JSONResponse(account.public())
        sessions.log_in(response, ns, sessions.load(request, ns), account, token_time())
        return response

    @router.get("/lookup/{code}", summary="What the province pushed for a dossier: status and progress",
                responses=success(schemas.NationalLookup))
    def lookup(code: str, ns: Namespace) -> dict[str, Any]:
        found = model.sync.lookup(ns, code)
        if found is None:
            raise NotFound("DOSSIER_NOT_FOUND", f"Không tìm thấy hồ sơ có mã {code[:60]}.", f"No dossier {code[:60]}.")
        return found

    @router.get("/procedures", summary="The national catalogue", responses=success(schemas.NationalCatalogue))
    async def procedures(q: str | None = None, field: str | None = None, level: int | None = None) -> Response:
        if q is None and field is None and level is None:  # the hot path: serialised once
            return Response(model.catalogue.serialised(), media_type="application/json")
        items = model.catalogue.procedures(q=q, field=field, level=level)
        return JSONResponse({"procedures": items, "total": len(items)})

    @router.get("/procedures/{code}", summary="A procedure by national code or a localised code starting with it",
                responses=success(schemas.NationalProcedure))
    async def procedure(code: str) -> dict[str, Any]:
        found = model.catalogue.find(code)
        if found is None:
            raise NotFound("PROCEDURE_NOT_FOUND", f"Không tìm thấy thủ tục {code[:60]}.", f"No procedure {code[:60]}.")
        return found

    return router
