"""JSON routes: VNPost's order protocol (`/api/orders`) and the postal admin surface (`/_admin/...`).

The protocol keeps VNPost's field names and answers every refusal with its own result
field next to the core's error body: `{"Status": "10x", "Message": ..., "error": {...}}`.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, FastAPI, Header, Query, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from mocks.core.app import Namespace, admin_guard
from mocks.core.bodylimit import KB
from mocks.core.config import StackConfig
from mocks.core.errors import DomainError, error_body
from mocks.core.openapi import ErrorBody, ErrorDetail, success

from .model import STATE_NAMES, STATUS_OK, Customer, PostalService, result_status

ORDER_LIMIT = 256 * KB   # an order is a few hundred bytes; anything this big is a mistake (declared in app.py)


# -- request and answer documents (for the OpenAPI document; the model checks the rules) ----------
class Party(BaseModel):
    """Sender or receiver of a postal item."""

    model_config = ConfigDict(extra="allow")
    Name: str | None = Field(None, description="Họ và tên", examples=["Nguyễn Thị Thu Hà"])
    Tel: str | None = Field(None, description="Số điện thoại (di động 10 số, hoặc cố định bắt đầu 02)",
                            examples=["0912345678"])
    Email: str | None = Field(None, description="Thư điện tử", examples=["thuha@example.vn"])
    Address: str | None = Field(None, description="Địa chỉ (số nhà, đường, xã/phường)",
                                examples=["12 Phan Bội Châu, P. Tân Thạnh"])
    Province: str | None = Field(None, description="Tỉnh/thành phố", examples=["Quảng Nam"])
    District: str | None = Field(None, description="Quận/huyện", examples=["Tam Kỳ"])


EXAMPLE_ORDER: dict[str, Any] = {
    "CustomerCode": "QNAM_DVC",
    "OrderNumber": "000.00.12.H47-250114-0001",
    "CODAmount": 0,
    "Sender": {"Name": "Sở Tư pháp tỉnh Quảng Nam", "Tel": "02353812345", "Email": "stp@quangnam.gov.vn",
               "Address": "Đường Hùng Vương", "Province": "Quảng Nam", "District": "Tam Kỳ"},
    "Receiver": {"Name": "Nguyễn Thị Thu Hà", "Tel": "0912345678", "Email": "thuha@example.vn",
                 "Address": "12 Phan Bội Châu, P. Minh An", "Province": "Quảng Nam", "District": "Hội An"},
    "Description": "Phiếu lý lịch tư pháp",
}


class OrderRequest(BaseModel):
    """A postal order (VNPost): the dossier's result carried to the citizen."""

    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [EXAMPLE_ORDER]})
    CustomerCode: str | None = Field(None, description="Mã khách hàng; must be the access_token's customer")
    OrderNumber: str | None = Field(None, description="Số đơn hàng = MaHoSo; required, at most 64 characters",
                                    examples=["000.00.12.H47-250114-0001"])
    ItemCode: str | None = Field(None, description="Mã vận đơn chosen by the customer (UPU S10); issued when absent")
    CODAmount: int | None = Field(None, description="Tiền thu hộ (đồng), 0 when absent")
    Sender: Party | None = None
    Receiver: Party | None = Field(None, description="Name, Tel, Address and Province are required")
    Description: str | None = Field(None, description="Nội dung bưu gửi")


class OrderAccepted(BaseModel):
    Status: str = Field(description='"100": accepted')
    Message: str
    ItemCode: str
    OrderNumber: str
    TotalFee: int = Field(description="Cước (đồng)")


class TrackingEventOut(BaseModel):
    Status: str = Field(description=" | ".join(STATE_NAMES))
    StatusName: str
    Time: str = Field(description="yyyyMMddHHmmss, Asia/Ho_Chi_Minh")
    Location: str
    Note: str


class OrderDetail(BaseModel):
    Status: str
    Message: str
    ItemCode: str
    OrderNumber: str
    CustomerCode: str
    CODAmount: int
    TotalFee: int
    Sender: dict[str, str]
    Receiver: dict[str, str]
    Description: str
    OrderStatus: str = Field(description=" | ".join(STATE_NAMES))
    OrderStatusName: str
    CreatedTime: str
    UpdatedTime: str
    Events: list[TrackingEventOut]


class PostalErrorBody(BaseModel):
    Status: str = Field(description='not "100": 101 invalid data, 102 bad access_token, 103 wrong customer, '
                                    "104 not found, 105 conflict, 199 other [assumed codes]")
    Message: str
    error: ErrorDetail


class CustomerOut(BaseModel):
    customer_code: str
    name: str
    access_token: str
    webhook_url: str | None
    built_in: bool


class Customers(BaseModel):
    customers: list[CustomerOut]


class OrderEvent(BaseModel):
    seq: int
    status: str
    status_name: str
    time: str | None
    location: str
    note: str


class OrderOut(BaseModel):
    """An order in our own API's snake_case (admin surface)."""

    item_code: str
    order_number: str
    customer_code: str
    cod_amount: int
    total_fee: int
    sender: dict[str, str]
    receiver: dict[str, str]
    description: str
    state: str = Field(description=" | ".join(STATE_NAMES))
    state_name: str
    next_states: list[str]
    created_at: str | None
    updated_at: str | None
    events: list[OrderEvent]


class Orders(BaseModel):
    orders: list[OrderOut]


class Schedule(BaseModel):
    hours: dict[str, float] | None = Field(description="null: orders move only when advanced")


PROTOCOL_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": PostalErrorBody} for code in (400, 401, 403, 404, 405, 409, 413, 422)
}
ADMIN_ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorBody} for code in (400, 401, 404, 409, 422)}


class CustomerRegistration(BaseModel):
    customer_code: str = Field(description="1-64 letters, digits, '.', '_' or '-'")
    name: str
    access_token: str | None = Field(None, description="generated when absent (kept when re-registering)")
    webhook_url: str | None = Field(None, description="any http(s) URL; tracking events are posted there")


class AdvanceRequest(BaseModel):
    to: str | None = Field(None, description="target state: " + " | ".join(STATE_NAMES)
                           + "; the next state on the happy path when absent")
    location: str | None = Field(None, description="the event's Location (a post office by default)")
    note: str | None = Field(None, description="the event's Note")


# -- routes --------------------------------------------------------------------------------------
def api_router(model: PostalService) -> APIRouter:
    router = APIRouter(prefix="/api", tags=["VNPost orders"], responses=PROTOCOL_ERRORS)

    def current_customer(
        access_token: Annotated[str | None, Header(convert_underscores=False,
                                                   description="the customer's access token")] = None,
    ) -> Customer:
        return model.authenticate(access_token)

    caller = Depends(current_customer)  # a default value: string annotations cannot see this closure

    @router.post("/orders", response_model=OrderAccepted, summary="Create a postal order (idempotent per OrderNumber)")
    def create_order(order: OrderRequest, ns: Namespace, customer: Customer = caller) -> dict[str, Any]:
        created, is_new = model.create_order(ns, customer, order.model_dump())
        message = ("Tạo đơn hàng thành công" if is_new
                   else "Đơn hàng đã được tạo trước đó, trả lại mã vận đơn đã cấp")
        return {"Status": STATUS_OK, "Message": message, "ItemCode": created.item_code,
                "OrderNumber": created.order_number, "TotalFee": created.total_fee}

    @router.get("/orders/{ItemCode}", response_model=OrderDetail, summary="An order, its state and tracking events")
    def get_order(ItemCode: str, ns: Namespace, customer: Customer = caller) -> dict[str, Any]:
        model.catch_up(ns)
        order = model.order_for(ns, customer, ItemCode)
        return {"Status": STATUS_OK, "Message": "Thành công", **order.to_wire()}

    return router


class DeliverySchedule(BaseModel):
    hours: dict[str, float] | None = Field(
        None, description="hours from one event to the next: picked_up, in_transit, delivered (defaults 4, 8, 24); "
                          "null stops the schedule")


def admin_router(model: PostalService, config: StackConfig) -> APIRouter:
    router = APIRouter(prefix="/_admin", tags=["admin"], dependencies=[Depends(admin_guard(config))],
                       responses=ADMIN_ERRORS)

    @router.get("/customers", summary="Postal customers (stack-wide; the built-in one first)",
                responses=success(Customers))
    def list_customers() -> dict[str, Any]:
        return {"customers": [c.admin_view() for c in model.customers()]}

    @router.post("/customers", status_code=201, summary="Register (or update) a postal customer",
                 responses={**success(CustomerOut, 201, "Registered"), **success(CustomerOut, 200, "Updated")})
    def register_customer(registration: CustomerRegistration, response: Response) -> dict[str, Any]:
        customer, created = model.register_customer(**registration.model_dump())
        if not created:
            response.status_code = 200
        return customer.admin_view()

    @router.get("/orders", summary="The namespace's postal orders", responses=success(Orders))
    def list_orders(
        ns: Namespace,
        order_number: Annotated[str | None, Query(max_length=64)] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> dict[str, Any]:
        model.catch_up(ns)
        return {"orders": [o.admin_view() for o in model.orders(ns, order_number, limit)]}

    @router.get("/delivery-schedule", summary="The namespace's delivery schedule (null: orders move when advanced)",
                responses=success(Schedule))
    def get_schedule(ns: Namespace) -> dict[str, Any]:
        return {"hours": model.schedule(ns)}

    @router.put("/delivery-schedule", summary="Let orders move by themselves as the namespace's clock runs",
                responses=success(Schedule))
    def put_schedule(ns: Namespace, change: DeliverySchedule) -> dict[str, Any]:
        return {"hours": model.set_schedule(ns, change.hours)}

    @router.post("/orders/{item_code}/advance", summary="Move an order to its next (or the given) state",
                 responses=success(OrderOut))
    def advance(
        item_code: str, ns: Namespace, change: Annotated[AdvanceRequest | None, Body()] = None,
    ) -> dict[str, Any]:
        change = change or AdvanceRequest()
        order = model.advance(ns, item_code, change.to, location=change.location, note=change.note)
        return order.admin_view()

    return router


# -- the protocol's result field on every refusal under /api/ ------------------------------------------
Handler = Callable[[Request, Exception], Awaitable[Response]]


def install_result_status(app: FastAPI) -> None:
    """Wrap the core's error handlers so that answers under /api/ also carry `Status` and `Message`."""
    for exc_type in (DomainError, RequestValidationError, StarletteHTTPException, RecursionError):
        inner: Handler = app.exception_handlers[exc_type]

        async def handler(request: Request, exc: Exception, inner: Handler = inner) -> Response:
            protocol = request.url.path.startswith("/api/")
            if protocol and _malformed_body(exc):
                body = error_body("MALFORMED_JSON", "Nội dung yêu cầu không phải là JSON hợp lệ.",
                                  "The request body is not valid JSON.")
                response: Response = JSONResponse(body, status_code=400)
            else:
                response = await inner(request, exc)
            if not protocol or not isinstance(response, JSONResponse):
                return response
            kept = {k: v for k, v in response.headers.items() if k not in ("content-length", "content-type")}
            return JSONResponse(with_result_status(json.loads(bytes(response.body)), response.status_code),
                                status_code=response.status_code, headers=kept)

        app.add_exception_handler(exc_type, handler)


def _malformed_body(exc: Exception) -> bool:
    """Not JSON at all (FastAPI's own 400 is a body it could not even decode; too deep a nesting is the core's)."""
    if isinstance(exc, RequestValidationError):
        return any(e.get("type") == "json_invalid" for e in exc.errors())
    return (isinstance(exc, StarletteHTTPException) and exc.status_code == 400
            and not isinstance(exc.__cause__, RecursionError))


def with_result_status(body: dict[str, Any], http_status: int) -> dict[str, Any]:
    err = body.get("error") or {}
    return {"Status": result_status(http_status), "Message": err.get("message_vi", ""), **body}

