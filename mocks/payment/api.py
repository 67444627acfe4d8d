"""`POST /api/payment`: the partner's INIT, QUERY and GET_BILL messages (docs/protocols.md, "Payment platform").

The body is read and parsed here (so that malformed JSON, a wrong type or a missing
field still answers with a `MaLoi`), and checked by the model; the pydantic models below
only describe the message in the OpenAPI document.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from mocks.core import jsonbody
from mocks.core.app import Namespace
from mocks.core.bodylimit import KB
from mocks.core.errors import TooDeeplyNested

from . import schemas
from .codes import INVALID_DATA, PaymentError
from .model import PaymentPlatform

MESSAGE_LIMIT = 256 * KB   # a message is a few KB: the body limit of /api/payment (declared in app.py)


class FeeItem(BaseModel):
    TenPhiLePhi: str = Field(max_length=255)
    SoTien: int = Field(ge=1, le=100_000_000_000)


class ReceiptInfo(BaseModel):
    MaHoSo: str | None = Field(None, max_length=64)
    MaTTHC: str | None = Field(None, max_length=64)
    MaDonVi: str | None = Field(None, max_length=64)
    HoTenNguoiNop: str | None = Field(None, max_length=200)
    SoCMNDNguoiNop: str | None = Field(None, max_length=20)
    DiaChiNguoiNop: str | None = Field(None, max_length=500)
    PhiLePhi: list[FeeItem] | None = Field(None, max_length=50, description="must add up to SoTien")


class PaymentMessage(BaseModel):
    """INIT (all fields), QUERY and GET_BILL (LoaiBanTin, PhienBan, MaDoiTac, MaThamChieu, ThoiGianGD)."""

    LoaiBanTin: Literal["INIT", "QUERY", "GET_BILL"]
    PhienBan: str = Field(pattern=r"^1\.0\.\d{1,3}$", examples=["1.0.6"])
    MaDoiTac: str = Field(pattern=r"^[A-Za-z0-9._\-]{1,64}$")
    MaThamChieu: str = Field(pattern=r"^[A-Za-z0-9._\-]{1,64}$")
    ThoiGianGD: str = Field(pattern=r"^\d{14}$", description="yyyyMMddHHmmss")
    SoTien: int | None = Field(None, ge=1, le=100_000_000_000, description="INIT: whole đồng")
    LoaiHinhThanhToan: Literal["PAY"] | None = None
    MaKenhThanhToan: str | None = Field(None, max_length=32)
    MaThietBi: str | None = Field(None, max_length=64)
    NgonNgu: Literal["vi-VN", "en-US"] | None = None
    MaTienTe: Literal["VND"] | None = None
    MaNganHang: str | None = Field(None, max_length=32)
    ThongTinGiaoDich: str | None = Field(None, max_length=500)
    Ip: str | None = Field(None, max_length=45)
    ThongTinBienLai: ReceiptInfo | None = None
    MaXacThuc: str = Field(description="lowercase hex SHA-256 of the kind's fields joined by '|', secret last")


class PaymentRefusal(BaseModel):
    MaLoi: str
    MoTaLoi: str
    error: dict[str, Any]


def inline_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON schema with its $defs inlined (openapi_extra cannot carry $defs)."""
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return resolve(defs[ref.removeprefix("#/$defs/")])
            return {k: resolve(v) for k, v in node.items()}
        if isinstance(node, list):
            return [resolve(v) for v in node]
        return node

    return resolve(schema)


REFUSAL = {"model": PaymentRefusal}
ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {"model": schemas.PaymentAnswer, "description": 'MaLoi "00"'},
    400: {**REFUSAL, "description": "MaLoi 03: invalid data"},
    401: {**REFUSAL, "description": "MaLoi 01: bad signature; 02: unknown partner"},
    404: {**REFUSAL, "description": "MaLoi 05: no such transaction"},
    409: {**REFUSAL, "description": "MaLoi 04: reference used / final; 06: not paid; 07: expired"},
    413: {**REFUSAL, "description": "MaLoi 03: the message is too large (256 KB)"},
}


def refusal_envelope(body: dict[str, Any]) -> dict[str, Any]:
    """A refusal the core makes (the body too large) with the protocol's MaLoi 03."""
    return {"MaLoi": INVALID_DATA, "MoTaLoi": body["error"]["message_vi"], **body}


async def read_json(request: Request) -> Any:
    body = await request.body()   # the core's body limit has capped it at MESSAGE_LIMIT
    try:
        return jsonbody.loads(body)
    except TooDeeplyNested as exc:      # the protocol's MaLoi 03, and the house code every service gives it
        raise PaymentError(INVALID_DATA, exc.vi, exc.en, code=exc.code) from None
    except ValueError as exc:
        raise PaymentError(INVALID_DATA, "Bản tin không phải JSON hợp lệ.", "The message is not valid JSON.",
                           details=[{"field": "body", "problem": str(exc)[:200]}]) from None


def api_router(model: PaymentPlatform) -> APIRouter:
    router = APIRouter(tags=["payment protocol"])

    @router.post(
        "/api/payment",
        summary="INIT / QUERY / GET_BILL",
        description="A signed partner message; the answer carries `MaLoi` (\"00\" success). "
                    "INIT answers `UrlThanhToan`; QUERY the state `TrangThaiGD`; GET_BILL the e-receipt.",
        responses=ANSWERS,
        openapi_extra={"requestBody": {"required": True, "content": {
            "application/json": {"schema": inline_schema(PaymentMessage)}}}},
    )
    async def payment(request: Request, ns: Namespace) -> JSONResponse:
        message = await read_json(request)
        return JSONResponse(await run_in_threadpool(model.handle, ns, message))

    return router
