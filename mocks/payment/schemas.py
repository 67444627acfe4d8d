"""What the payment platform answers, for its OpenAPI document (documentation only: given in `responses=`,
which does not filter what a route returns)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class FeeLine(BaseModel):
    TenPhiLePhi: str
    SoTien: int


class Bill(BaseModel):
    """BienLai: the e-receipt of a paid transaction."""

    model_config = ConfigDict(extra="allow")
    SoBienLai: str | None
    MaThamChieu: str
    MaGiaoDich: str | None
    SoTien: int
    MaTienTe: str
    PhiLePhi: list[FeeLine]


class PaymentAnswer(BaseModel):
    """The answer to a message: `MaLoi` "00", then by kind INIT (UrlThanhToan, ThoiHan), QUERY (TrangThaiGD...)
    or GET_BILL (BienLai, UrlBienLai); signed with MaXacThuc."""

    model_config = ConfigDict(extra="allow")
    MaLoi: str = Field(description='"00"')
    MoTaLoi: str
    MaDoiTac: str | None = None
    MaThamChieu: str | None = None
    UrlThanhToan: str | None = Field(None, description="INIT: the checkout page")
    ThoiHan: str | None = Field(None, description="INIT: yyyyMMddHHmmss")
    TrangThaiGD: int | None = Field(None, description="QUERY: the transaction's state, a JSON number (0–4)")
    SoTien: int | None = None
    BienLai: Bill | None = Field(None, description="GET_BILL")
    UrlBienLai: str | None = Field(None, description="GET_BILL")


class PartnerOut(BaseModel):
    code: str = Field(description="MaDoiTac")
    secret: str
    name: str
    callback_url: str
    return_url: str
    builtin: bool


class Partners(BaseModel):
    partners: list[PartnerOut]


class TransactionOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    reference: str
    partner_code: str
    amount: int
    currency: str
    status: int = Field(description="TrangThaiGD, 0–4")
    status_name: str
    result_code: str | None
    transaction_id: str | None
    payment_url: str
    created_at: str | None
    expires_at: str | None
    finished_at: str | None
    confirmations: list[dict[str, Any]] = Field(description="each confirmation sent to the partner and its answer")


class Transactions(BaseModel):
    transactions: list[TransactionOut]
