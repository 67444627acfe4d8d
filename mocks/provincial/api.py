"""The portal's JSON API (`/api/v1`, English snake_case) and the two callbacks it receives.

Thin routes over the model: the catalogue is served from pre-serialised bytes (async, the
hot path); everything that touches SQLite is a plain `def` (thread pool). The payment
platform's confirmation and the postal webhook keep their protocols' result fields.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from mocks.core import jsonbody
from mocks.core.app import Namespace
from mocks.core.codes import postal_status
from mocks.core.errors import DomainError, PayloadTooLarge, Unauthorized
from mocks.core.openapi import content, success
from mocks.core.signing import safe_equal

from . import schemas
from .attachments import MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS, Upload
from .auth import PortalAuth
from .catalogue import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, TIERS
from .dossier.postal import POSTAL_STATES
from .model import ProvincialPortal
from .payments import ConfirmRefused
from .slips import slip
from .text import check_encodable

# A JSON submission carries its files in base64 (4/3 of their 20 MB): the body limit of the routes that
# take attachments (declared in app.py; the core refuses bigger bodies unread).
MAX_JSON_BODY = 32 * 1024 * 1024
_DATA_URL = re.compile(r"^data:[^;,]*;base64,")


class AttachmentIn(BaseModel):
    code: str = Field(..., max_length=64, description="The document's code in the procedure's template")
    filename: str = Field("", max_length=255)
    content_type: str | None = Field(None, max_length=100, description="application/pdf, image/jpeg or image/png")
    content_base64: str = Field(..., description="The file, base64 (at most 5 MB decoded; 20 MB per dossier)")


class PostalAddressIn(BaseModel):
    name: str | None = Field(None, max_length=200, description="Họ tên người nhận")
    phone: str | None = Field(None, max_length=32, description="Số điện thoại người nhận (di động)")
    address: str | None = Field(None, max_length=400, description="Địa chỉ nhận")
    province: str | None = Field(None, max_length=100, description="Tỉnh/Thành phố")
    district: str | None = Field(None, max_length=100, description="Quận/Huyện")
    commune: str | None = Field(None, max_length=100, description="Phường/Xã (optional)")


class DossierIn(BaseModel):
    procedure_code: str = Field(..., max_length=64, description="Localised (2.000488.000.00.00.H47) or national code")
    agency_code: str | None = Field(None, max_length=64, description="Required for district and commune procedures")
    applicant_type: int | None = Field(None, description="LoaiDoiTuong 1–4; defaults to the account's")
    form: dict[str, Any] = Field(default_factory=dict, description="The procedure's e-form fields by name")
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=MAX_ATTACHMENTS)
    result_delivery: str | None = Field(None, max_length=16, description="counter | online (level 4) | post")
    payment_method: str | None = Field(None, max_length=16, description="online | counter (level 3: counter)")
    postal_address: PostalAddressIn | None = None


class SupplementIn(BaseModel):
    attachments: list[AttachmentIn] = Field(default_factory=list, max_length=MAX_ATTACHMENTS,
                                            description="Every document the request asks for (by its code)")
    note: str = Field("", max_length=1000, description="What was supplemented")


class WithdrawalIn(BaseModel):
    reason: str = Field(..., max_length=1000)


class RatingIn(BaseModel):
    rating: int = Field(..., ge=1, le=3, description="1 không hài lòng, 2 hài lòng, 3 rất hài lòng")
    comment: str = Field("", max_length=1000)


class PaymentStarted(BaseModel):
    reference: str
    payment_url: str
    amount: int


AttachmentId = Annotated[int, PathParam(ge=1, le=10_000)]


def decode_attachment(item: AttachmentIn) -> Upload:
    text = _DATA_URL.sub("", item.content_base64.strip())
    text = re.sub(r"\s+", "", text)
    shown = item.filename or item.code
    if len(text) > (MAX_ATTACHMENT_BYTES + 3) * 4 // 3 + 4:
        raise PayloadTooLarge("ATTACHMENT_TOO_LARGE", f"Tệp '{shown}' lớn hơn {MAX_ATTACHMENT_BYTES // 2**20} MB.",
                              f"File '{shown}' is larger than {MAX_ATTACHMENT_BYTES // 2**20} MB.",
                              details={"code": item.code, "filename": item.filename})
    try:
        content = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise DomainError("ATTACHMENT_BAD_BASE64", f"Nội dung tệp '{shown}' không phải base64 hợp lệ.",
                          f"The content_base64 of '{shown}' is not valid base64.",
                          details={"code": item.code, "filename": item.filename}) from None
    return Upload(item.code, item.filename, item.content_type, content)


def _level(level: str | None) -> int | None:
    if level in (None, ""):
        return None
    if level not in ("1", "2", "3", "4"):
        raise DomainError("INVALID_LEVEL", "Mức độ phải là 1, 2, 3 hoặc 4.", "level must be 1, 2, 3 or 4.")
    return int(level)


def _tier(tier: str | None) -> str | None:
    if tier in (None, ""):
        return None
    if tier not in TIERS:
        raise DomainError("INVALID_TIER", "Cấp thực hiện phải là province, district hoặc commune.",
                          "tier must be province, district or commune.")
    return tier


# What the routes of the logged-in citizen add to the derived refusals (mocks.core.openapi).
CITIZEN: dict[int | str, Any] = {401: {"description": "Not logged in (the tinh_session cookie)"}}
STATE: dict[int | str, Any] = {409: {"description": "The dossier is not in a state that allows this"}}
FILE = {200: {"description": "The file", "content": {t: {"schema": {"type": "string", "format": "binary"}}
                                                      for t in ("application/pdf", "image/jpeg", "image/png")}}}


def router(portal: ProvincialPortal, auth: PortalAuth) -> APIRouter:
    dossiers = portal.dossiers
    api = APIRouter(prefix="/api/v1", tags=["portal API"])

    # -- the catalogue (hot, async, pre-serialised) ---------------------------------------------------
    @api.get("/procedures", summary="The procedures offered, one item per (procedure, agency)",
             responses=success(schemas.OfferingPage))
    async def list_procedures(
        ns: Namespace,
        q: Annotated[str | None, Query(max_length=200, description="Accent-insensitive search")] = None,
        tier: Annotated[str | None, Query(description="province | district | commune")] = None,
        agency_code: Annotated[str | None, Query(max_length=64)] = None,
        level: Annotated[str | None, Query(max_length=2, description="1–4")] = None,
        offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
        limit: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = DEFAULT_PAGE_SIZE,
    ) -> Response:
        body = portal.catalogue_for(ns).offerings_json(q or None, _tier(tier), agency_code or None, _level(level),
                                                       offset, limit)
        return Response(body, media_type="application/json")

    @api.get("/procedures/{code}", summary="One procedure (localised or national code) and the agencies offering it",
             responses=success(schemas.ProcedureDetail))
    async def get_procedure(code: str, ns: Namespace) -> dict[str, Any]:
        return portal.catalogue_for(ns).procedure_json(code)

    @api.get("/agencies", summary="The agencies, optionally of one tier", responses=success(schemas.Agencies))
    async def list_agencies(ns: Namespace, tier: str | None = None) -> dict[str, Any]:
        agencies = portal.catalogue_for(ns).agencies_of_tier(_tier(tier))
        return {"total": len(agencies), "items": [a.to_json() for a in agencies]}

    # -- the logged-in citizen ------------------------------------------------------------------
    @api.get("/me", summary="The logged-in account", responses={**success(schemas.LocalAccount), **CITIZEN})
    def me(request: Request, ns: Namespace) -> dict[str, Any]:
        return auth.require_api(request, ns).to_json()

    @api.post("/dossiers", status_code=201, summary="Submit a dossier (attachments in base64)",
              responses={**success(schemas.Dossier, 201), **CITIZEN, 404: {"description": "No such procedure"}})
    def submit(body: DossierIn, request: Request, ns: Namespace) -> dict[str, Any]:
        check_encodable(body.model_dump(exclude={"attachments"}))
        check_encodable([(a.code, a.filename, a.content_type) for a in body.attachments], "attachments")
        account = auth.require_api(request, ns)
        offering = dossiers.resolve_offering(ns, body.procedure_code, body.agency_code)
        uploads = [decode_attachment(a) for a in body.attachments]
        dossier = dossiers.submit(
            ns, account, offering, body.form, uploads, body.result_delivery, body.payment_method,
            body.postal_address.model_dump() if body.postal_address else None, body.applicant_type,
        )
        return dossier.to_json(portal.tracking_base)

    @api.get("/dossiers", summary="The logged-in citizen's dossiers",
             responses={**success(schemas.CitizenDossiers), **CITIZEN})
    def my_dossiers(request: Request, ns: Namespace) -> dict[str, Any]:
        account = auth.require_api(request, ns)
        items = [d.summary_json() for d in dossiers.list_for_account(ns, account.id)]
        return {"total": len(items), "items": items}

    @api.get("/dossiers/{code}", summary="One of the citizen's dossiers",
             responses={**success(schemas.CitizenDossier), **CITIZEN})
    def get_dossier(code: str, request: Request, ns: Namespace) -> dict[str, Any]:
        account = auth.require_api(request, ns)
        return citizen_view(ns, dossiers.for_account(ns, code, account.id))

    def citizen_view(ns: str, dossier: Any) -> dict[str, Any]:
        return {**dossier.to_json(portal.tracking_base), "deadline": portal.workflow.deadline(ns, dossier)}

    @api.post("/dossiers/{code}/supplement",
              summary="Hand in the supplement the agency asked for: the dossier goes on, the processing clock restarts",
              responses={**success(schemas.CitizenDossier), **CITIZEN, **STATE})
    def supplement(code: str, body: SupplementIn, request: Request, ns: Namespace) -> dict[str, Any]:
        check_encodable(body.note, "note")
        check_encodable([(a.code, a.filename, a.content_type) for a in body.attachments], "attachments")
        account = auth.require_api(request, ns)
        dossiers.for_account(ns, code, account.id)
        uploads = [decode_attachment(a) for a in body.attachments]
        return citizen_view(ns, portal.workflow.answer_supplement(ns, account.id, code, uploads, body.note))

    @api.post("/dossiers/{code}/withdrawal", summary="Withdraw the dossier (→ 7) before its result",
              responses={**success(schemas.CitizenDossier), **CITIZEN, **STATE})
    def withdrawal(code: str, body: WithdrawalIn, request: Request, ns: Namespace) -> dict[str, Any]:
        check_encodable(body.reason, "reason")
        account = auth.require_api(request, ns)
        return citizen_view(ns, portal.workflow.withdraw_by_applicant(ns, account.id, code, body.reason))

    @api.post("/dossiers/{code}/rating", summary="Rate the service, once, after the result",
              responses={**success(schemas.CitizenDossier), **CITIZEN, **STATE})
    def rating(code: str, body: RatingIn, request: Request, ns: Namespace) -> dict[str, Any]:
        check_encodable(body.comment, "comment")
        account = auth.require_api(request, ns)
        return citizen_view(ns, portal.workflow.rate(ns, account.id, code, body.rating, body.comment))

    @api.get("/dossiers/{code}/slips/{number}", summary="Slip 01–05 of the dossier (Circular 01/2018) as text",
             response_class=Response, responses={**content("text/plain", "The slip"), **CITIZEN})
    def get_slip(code: str, number: Annotated[str, PathParam(max_length=4)], request: Request,
                 ns: Namespace) -> Response:
        account = auth.require_api(request, ns)
        name, text = slip(dossiers.for_account(ns, code, account.id), number)
        return Response(text, media_type="text/plain; charset=utf-8",
                        headers={"Content-Disposition": f'inline; filename="{name}"'})

    @api.get("/dossiers/{code}/attachments/{attachment_id}", summary="A file handed in with the dossier",
             response_class=Response, responses={**FILE, **CITIZEN})
    def get_attachment(code: str, attachment_id: AttachmentId, request: Request, ns: Namespace) -> Response:
        account = auth.require_api(request, ns)
        dossiers.for_account(ns, code, account.id)
        info, content = dossiers.attachment(ns, code, attachment_id)
        return Response(content, media_type=info.content_type,
                        headers={"Content-Disposition": f'attachment; filename="{_ascii(info.filename)}"'})

    @api.get("/dossiers/{code}/result", summary="Download the e-result (online return): hands the result over",
             response_class=Response, responses={**content("text/plain", "The e-result"), **CITIZEN, **STATE})
    def get_result(code: str, request: Request, ns: Namespace) -> Response:
        account = auth.require_api(request, ns)
        filename, content = dossiers.download_result(ns, code, account.id)
        return Response(content, media_type="text/plain; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{filename}"'})

    @api.post("/dossiers/{code}/payments", status_code=201, response_model=PaymentStarted,
              summary="Start paying the dossier's fee online (INIT): the checkout URL",
              responses={**CITIZEN, **STATE, 502: {"description": "The payment platform refused or did not answer"}})
    def start_payment(code: str, request: Request, ns: Namespace) -> dict[str, Any]:
        account = auth.require_api(request, ns)
        tx = portal.payments.start(ns, code, account.id, _client_ip(request))
        return {"reference": tx.reference, "payment_url": tx.payment_url or "", "amount": tx.amount}

    @api.get("/dossiers/{code}/payments", summary="The dossier's payment attempts",
             responses={**success(schemas.PaymentAttempts), **CITIZEN})
    def list_payments(code: str, request: Request, ns: Namespace) -> dict[str, Any]:
        account = auth.require_api(request, ns)
        dossiers.for_account(ns, code, account.id)
        return {"items": [t.to_json() for t in portal.payments.attempts(ns, code)]}

    @api.get("/dossiers/{code}/receipt", summary="The e-receipt of the paid fee (GET_BILL)",
             responses={**success(schemas.FeeReceipt), **CITIZEN, **STATE})
    def receipt(code: str, request: Request, ns: Namespace) -> dict[str, Any]:
        account = auth.require_api(request, ns)
        return portal.payments.receipt(ns, code, account.id)

    @api.get("/lookup/{code}", summary="Public look-up by dossier code (no personal data)",
             responses=success(schemas.PublicDossier))
    def lookup(code: str, ns: Namespace) -> dict[str, Any]:
        return dossiers.get(ns, code).public_json()

    return api


def callbacks_router(portal: ProvincialPortal) -> APIRouter:
    api = APIRouter(tags=["callbacks"])
    creds = portal.config.credentials

    @api.post("/api/payment/confirm", summary="The payment platform's signed confirmation (CONFIRM)",
              openapi_extra=_JSON_OBJECT_BODY, responses=CONFIRM_ANSWERS)
    async def confirm(request: Request, ns: Namespace) -> Response:
        # The body is read here, not by FastAPI, so that even malformed JSON is answered with a MaLoi.
        try:
            message = await _json_body(request)
            return JSONResponse(await run_in_threadpool(portal.payments.confirm, ns, message))
        except ConfirmRefused as exc:
            return JSONResponse(exc.body(), status_code=exc.status)
        except DomainError as exc:
            return JSONResponse(confirm_envelope(exc.body()), status_code=exc.status)

    # The post sends the header as `access_token` (VNPost's name): FastAPI would look for `access-token`.
    @api.post("/api/postal/events", summary="The postal service's tracking webhook", openapi_extra=_JSON_OBJECT_BODY,
              responses=POSTAL_EVENT_ANSWERS)
    async def postal_event(request: Request, ns: Namespace, access_token: Annotated[str | None, Header(
            convert_underscores=False, description="the portal's postal access token")] = None) -> Response:
        try:
            if not access_token or not safe_equal(access_token, creds.postal_access_token):
                raise Unauthorized("BAD_ACCESS_TOKEN", "Thiếu hoặc sai tiêu đề access_token.",
                                   "The access_token header is missing or wrong.")
            fields = _postal_event(await _json_body(request), creds.postal_customer_code)
            dossier, new = await run_in_threadpool(portal.dossiers.record_postal_event, ns, **fields)
        except DomainError as exc:
            return JSONResponse(postal_envelope(exc.body(), exc.status), status_code=exc.status)
        return JSONResponse({"Status": "100", "Message": "Đã ghi nhận" if new else "Đã ghi nhận trước đó",
                             "MaHoSo": dossier.code, "TrangThaiHoSo": dossier.status})

    return api


CONFIRM_ANSWERS: dict[int | str, Any] = {
    200: {"model": schemas.ConfirmAnswer, "description": 'MaLoi "00" (recorded, or recorded before)'},
    **{status: {"model": schemas.ConfirmRefusal, "description": why} for status, why in (
        (400, "MaLoi 03: invalid data"), (401, "MaLoi 01: bad signature; 02: unknown partner"),
        (404, "No such payment"), (409, "Contradicts what was recorded"), (413, "MaLoi 03: too large"))},
}
POSTAL_EVENT_ANSWERS: dict[int | str, Any] = {
    200: {"model": schemas.PostalEventRecorded, "description": 'Status "100" (recorded, or recorded before)'},
    **{status: {"model": schemas.PostalEventRefusal, "description": why} for status, why in (
        (400, "Status 101: invalid event"), (401, "No or a wrong access_token header"),
        (403, "Not this portal's CustomerCode"), (404, "No order with this ItemCode"),
        (409, "Not in a state that allows the event"), (413, "Too large"))},
}
_JSON_OBJECT_BODY: dict[str, Any] = {
    "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}},
}


def confirm_envelope(body: dict[str, Any]) -> dict[str, Any]:
    """A refusal of the payment confirmation (too large, too deeply nested) with the protocol's MaLoi 03."""
    return {"MaLoi": "03", "MoTaLoi": body["error"]["message_vi"], **body}


def postal_envelope(body: dict[str, Any], status: int) -> dict[str, Any]:
    """A refusal of a postal event with the postal protocol's own Status (101 invalid data or too large, 102 no
    or a wrong access_token: mocks/core/codes.py), as the postal service's answers carry it."""
    return {"Status": postal_status(status), "Message": body["error"]["message_vi"], **body}


async def _json_body(request: Request) -> Any:
    """The JSON body (the core's body limit has capped its size), or None when it is missing or not JSON
    (the rules then refuse it); too deep a nesting is refused here (TooDeeplyNested)."""
    body = await request.body()
    try:
        value = jsonbody.loads(body)
    except ValueError:
        return None
    try:
        check_encodable(value)
    except DomainError:
        return None
    return value


def _postal_event(event: Any, customer_code: str) -> dict[str, str]:
    if not isinstance(event, dict):
        raise DomainError("INVALID_EVENT", "Sự kiện bưu chính phải là một đối tượng JSON.",
                          "The postal event must be a JSON object.")
    if event.get("CustomerCode") != customer_code:
        raise DomainError("UNKNOWN_CUSTOMER", "CustomerCode không phải của Cổng Dịch vụ công tỉnh.",
                          "CustomerCode is not this portal's.", status=403)
    fields: dict[str, str] = {}
    for name, key, required in (("item_code", "ItemCode", True), ("order_number", "OrderNumber", True),
                                ("status", "Status", True), ("status_name", "StatusName", False),
                                ("time", "Time", True), ("location", "Location", False), ("note", "Note", False)):
        value = event.get(key)
        if value is None or value == "":
            if required:
                raise DomainError("INVALID_EVENT", f"Thiếu trường {key}.", f"{key} is required.")
            value = ""
        if not isinstance(value, str) or len(value) > 500:
            raise DomainError("INVALID_EVENT", f"Trường {key} không hợp lệ.", f"{key} must be a string.")
        fields[name] = value
    if fields["status"] not in POSTAL_STATES or fields["status"] == "handed_over":
        raise DomainError("INVALID_EVENT", f"Trạng thái bưu gửi '{fields['status'][:50]}' không hợp lệ.",
                          f"Unknown postal status '{fields['status'][:50]}'.")
    return fields


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else "127.0.0.1"


def _ascii(name: str) -> str:
    return "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in name)

