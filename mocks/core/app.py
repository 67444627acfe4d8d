"""The app factory the four services share: errors, admin surface, static files, lifecycle."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, FastAPI, Header, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from .clock import Clock
from .config import StackConfig
from .errors import DomainError, Unauthorized, error_body
from .namespace import namespace
from .outbox import Outbox
from .signing import safe_equal
from .storage import Store
from .web import CORE_TEMPLATES, Templates

log = logging.getLogger(__name__)

CORE_STATIC = Path(__file__).parent / "static"
Namespace = Annotated[str, Depends(namespace)]


@dataclass
class ServiceContext:
    """What a service's model, API and pages share."""

    name: str
    config: StackConfig
    store: Store          # the service's own state
    control: Store        # the stack's shared test-control state (clock)
    clock: Clock
    outbox: Outbox
    templates: Templates
    resetters: list[Callable[[str], None]] = field(default_factory=list)

    @classmethod
    def open(cls, name: str, config: StackConfig, templates_dir: Path | None = None) -> ServiceContext:
        store = Store(config.db_path(name))
        control = Store(config.db_path("control"))
        ctx = cls(
            name=name, config=config, store=store, control=control, clock=Clock(control),
            outbox=Outbox(store, name), templates=Templates(templates_dir),
        )
        ctx.resetters.append(ctx.outbox.reset)
        return ctx

    def now(self, ns: str) -> datetime:
        return self.clock.now(ns)

    def close(self) -> None:
        self.outbox.stop()
        self.store.close()
        self.control.close()


def admin_guard(config: StackConfig) -> Callable[..., None]:
    def require_admin(x_admin_token: Annotated[str | None, Header()] = None) -> None:
        if not x_admin_token or not safe_equal(x_admin_token, config.credentials.admin_token):
            raise Unauthorized(
                "ADMIN_TOKEN_REQUIRED",
                "Cần tiêu đề X-Admin-Token hợp lệ.",
                "A valid X-Admin-Token header is required.",
            )

    return require_admin


MAX_ADVANCE_SECONDS = 100 * 366 * 86400  # a century: beyond that datetime arithmetic overflows


class ClockChange(BaseModel):
    set: datetime | None = Field(None, description="ISO time to set the clock to (years 2000-2099)")
    frozen: bool = Field(True, description="stand still at `set` (true) or run from it (false)")
    advance_seconds: float | None = Field(
        None, ge=0, le=MAX_ADVANCE_SECONDS, description="move the clock forward by this many seconds"
    )
    advance_days: float | None = Field(None, ge=0, le=36600, description="move the clock forward by this many days")
    real: bool = Field(False, description="go back to real time")


def _wants_html(request: Request) -> bool:
    path = request.url.path
    if path.startswith(("/api", "/_admin", "/oauth2/token", "/oauth2/userinfo", "/sync")):
        return False
    accept = request.headers.get("accept", "")
    return "text/html" in accept and request.method in ("GET", "POST")


def create_service_app(
    ctx: ServiceContext,
    *,
    title: str,
    description: str,
    site_name: str,
    seed: Callable[[str, dict[str, Any]], dict[str, Any]] | None = None,
) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        ctx.outbox.start()
        try:
            yield
        finally:
            ctx.close()

    app = FastAPI(title=title, description=description, version="1.0", lifespan=lifespan)
    app.state.ctx = ctx
    ctx.templates.globals["site_name"] = site_name
    app.mount("/_static", StaticFiles(directory=str(CORE_STATIC)), name="core-static")

    def render_error(request: Request, status: int, body: dict[str, Any]) -> Response:
        if _wants_html(request):
            err = body["error"]
            return ctx.templates.render(
                "error.html", status=status, http_status=status, code=err["code"],
                message_vi=err["message_vi"], message_en=err["message_en"],
            )
        return JSONResponse(body, status_code=status)

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> Response:
        return render_error(request, exc.status, exc.body())

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        if any(e.get("type") in ("json_invalid", "value_error.jsondecode") for e in exc.errors()):
            body = error_body("MALFORMED_JSON", "Nội dung gửi lên không phải JSON hợp lệ.",
                              "The request body is not valid JSON.")
            return render_error(request, 400, body)
        problems = []
        for e in exc.errors():
            loc = ".".join(str(p) for p in e.get("loc", ()) if p not in ("body",))
            problems.append({"field": loc, "problem": e.get("msg", "")})
        fields = ", ".join(p["field"] for p in problems if p["field"]) or "request"
        body = error_body(
            "VALIDATION_ERROR",
            f"Dữ liệu gửi lên không hợp lệ: {fields}.",
            f"Invalid request data: {fields}.",
            problems,
        )
        return render_error(request, 422, body)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            body = error_body("NOT_FOUND", "Không tìm thấy địa chỉ này.", "No such page or endpoint.")
        elif exc.status_code == 405:
            body = error_body("METHOD_NOT_ALLOWED", "Phương thức không được hỗ trợ.", "Method not allowed.")
        else:
            text = str(exc.detail)
            body = error_body(f"HTTP_{exc.status_code}", text, text)
        return render_error(request, exc.status_code, body)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        body = error_body("INTERNAL_ERROR", "Lỗi hệ thống ngoài dự kiến.", "Unexpected server error.")
        return render_error(request, 500, body)

    app.include_router(admin_router(ctx, seed))
    return app


def admin_router(
    ctx: ServiceContext, seed: Callable[[str, dict[str, Any]], dict[str, Any]] | None
) -> APIRouter:
    guard = Depends(admin_guard(ctx.config))
    router = APIRouter(prefix="/_admin", tags=["admin"])

    @router.get("/health", summary="Liveness (open, no token)")
    async def health() -> dict[str, str]:
        return {"status": "ok", "service": ctx.name}

    @router.post("/reset", dependencies=[guard], summary="Erase the caller's namespace in this service")
    def reset(ns: Namespace) -> dict[str, str]:
        for reset_one in ctx.resetters:
            reset_one(ns)
        ctx.clock.reset(ns)
        return {"status": "reset", "namespace": ns, "service": ctx.name}

    @router.post("/seed", dependencies=[guard], summary="Load the service's seed data into the namespace")
    def seed_namespace(ns: Namespace, body: Annotated[dict[str, Any] | None, Body()] = None) -> dict[str, Any]:
        return {"namespace": ns, "service": ctx.name, **(seed(ns, body or {}) if seed else {})}

    @router.get("/clock", dependencies=[guard], summary="The namespace's clock")
    def get_clock(ns: Namespace) -> dict[str, object]:
        return ctx.clock.describe(ns)

    @router.post("/clock", dependencies=[guard], summary="Set, advance or release the namespace's clock")
    def change_clock(change: ClockChange, ns: Namespace) -> dict[str, object]:
        if change.real:
            ctx.clock.reset(ns)
        if change.set is not None:
            if not 2000 <= change.set.year <= 2099:
                raise DomainError("CLOCK_OUT_OF_RANGE", "Thời điểm phải trong khoảng năm 2000–2099.",
                                  "The time must be within the years 2000-2099.")
            ctx.clock.set(ns, change.set, frozen=change.frozen)
        seconds = (change.advance_seconds or 0) + (change.advance_days or 0) * 86400
        if seconds:
            if ctx.clock.now(ns).year + seconds / (365 * 86400) > 2099:
                raise DomainError("CLOCK_OUT_OF_RANGE", "Không thể đưa đồng hồ quá năm 2099.",
                                  "The clock cannot go past the year 2099.")
            ctx.clock.advance(ns, seconds)
        ctx.outbox.retry_now(ns)
        return ctx.clock.describe(ns)

    @router.get("/outbox", dependencies=[guard], summary="Outgoing calls of the namespace and their delivery")
    def outbox(ns: Namespace, kind: str | None = None, status: str | None = None) -> dict[str, Any]:
        return {"messages": ctx.outbox.messages(ns, kind, status)}

    @router.post("/outbox/flush", dependencies=[guard], summary="Retry every pending outgoing call now")
    def flush(ns: Namespace) -> dict[str, Any]:
        ctx.outbox.retry_now(ns)
        delivered = ctx.outbox.run_once()
        return {"delivered": delivered, "pending": len(ctx.outbox.messages(ns, status="pending"))}

    return router


__all__ = ["CORE_TEMPLATES", "Namespace", "ServiceContext", "admin_guard", "create_service_app"]
