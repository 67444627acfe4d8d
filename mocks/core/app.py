"""The app factory the services share: errors, admin surface, static files, lifecycle."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, FastAPI, Header, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from . import resources, schemas, snapshot
from .apidocs import install_docs
from .bodylimit import BodyLimitMiddleware, BodyLimits
from .clock import CLOCK_STAMP, Clock
from .config import StackConfig
from .errors import DomainError, TooDeeplyNested, Unauthorized, error_body
from .faults import FaultBook, FaultSpec
from .http import JournalingSession
from .journal import Journal, near_misses
from .namespace import namespace
from .openapi import install as install_openapi
from .openapi import refuses, success
from .outbox import Outbox
from .signing import safe_equal
from .storage import Store
from .web import CORE_TEMPLATES, Templates
from .world import World, Worlds

log = logging.getLogger(__name__)

CORE_STATIC = Path(__file__).parent / "static"
Namespace = Annotated[str, Depends(namespace)]


@dataclass
class ServiceContext:
    """What a service's model, API and pages share."""

    name: str
    config: StackConfig
    store: Store          # the service's own state
    control: Store        # the stack's shared test-control state: clock, faults, journal
    clock: Clock
    worlds: Worlds        # the rules of the date on each namespace's clock
    faults: FaultBook
    journal: Journal
    http: JournalingSession   # outgoing calls, journaled
    outbox: Outbox
    templates: Templates
    resetters: list[Callable[[str], None]] = field(default_factory=list)
    # called when a namespace's time moved (clock set/advanced, outbox flushed): scheduled work catches up
    on_time_moved: list[Callable[[str], None]] = field(default_factory=list)
    # hot reads answered before the web framework: path -> fn(query string, namespace) -> JSON bytes, or None to
    # fall through
    fast_reads: dict[str, Callable[[bytes, str], bytes | None]] = field(default_factory=dict)

    @classmethod
    def open(cls, name: str, config: StackConfig, templates_dir: Path | None = None) -> ServiceContext:
        store = Store(config.db_path(name))
        # one control store per process, whatever the services in it: its connections are per thread
        control = Store.shared(config.db_path("control"), synchronous="NORMAL")
        faults = FaultBook(control, name, Path(config.state_dir) / "faults.stamp")
        journal = Journal(control, name)
        clock = Clock(control, Path(config.state_dir) / CLOCK_STAMP)
        ctx = cls(
            name=name, config=config, store=store, control=control, clock=clock, worlds=Worlds(clock), faults=faults,
            journal=journal, http=JournalingSession(journal, name),
            outbox=Outbox(store, name, faults=faults, journal=journal), templates=Templates(templates_dir),
        )
        ctx.resetters += [ctx.outbox.reset, lambda ns: faults.clear(ns, name), journal.reset]
        return ctx

    def now(self, ns: str) -> datetime:
        return self.clock.now(ns)

    def world(self, ns: str) -> World:
        return self.worlds.of(ns)

    def close(self) -> None:
        self.outbox.stop()
        self.journal.stop()
        self.store.close()
        self.control.close()


def admin_guard(config: StackConfig) -> Callable[..., None]:
    @refuses(401)
    def require_admin(x_admin_token: Annotated[str | None, Header()] = None) -> None:
        if not x_admin_token or not safe_equal(x_admin_token, config.credentials.admin_token):
            raise Unauthorized(
                "ADMIN_TOKEN_REQUIRED",
                "Cần tiêu đề X-Admin-Token hợp lệ.",
                "A valid X-Admin-Token header is required.",
            )

    return require_admin


MAX_ADVANCE_SECONDS = 100 * 366 * 86400  # a century: beyond that datetime arithmetic overflows
MAX_SQLITE_INTEGER = 2**63 - 1           # beyond it SQLite cannot even compare (OverflowError)


class ClockChange(BaseModel):
    set: datetime | None = Field(None, description="ISO time to set the clock to (years 2000-2099)")
    frozen: bool = Field(True, description="stand still at `set` (true) or run from it (false)")
    advance_seconds: float | None = Field(
        None, ge=0, le=MAX_ADVANCE_SECONDS, description="move the clock forward by this many seconds"
    )
    advance_days: float | None = Field(None, ge=0, le=36600, description="move the clock forward by this many days")
    real: bool = Field(False, description="go back to the stack's clock (real time unless serve --as-of)")


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
    body_limits: BodyLimits | None = None,
) -> FastAPI:
    """The service's app; `body_limits` declares what its routes accept (docs/limits.md)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        ctx.outbox.start()
        ctx.journal.start()
        try:
            yield
        finally:    # off the event loop: the services of one process close at once, not one after another
            await asyncio.to_thread(ctx.close)

    app = FastAPI(title=title, description=description, version="1.0", lifespan=lifespan, docs_url=None,
                  redoc_url=None)
    app.state.ctx = ctx
    install_openapi(app, ctx.name)
    install_docs(app, title)
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
        response = render_error(request, exc.status, exc.body())
        response.headers.update(getattr(exc, "headers", None) or {})   # a 429's Retry-After, whatever route raised it
        return response

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
        elif (failure := body_parse_failure(exc)) is not None:
            body = failure.body()
        else:
            text = str(exc.detail)
            body = error_body(f"HTTP_{exc.status_code}", text, text)
        return render_error(request, exc.status_code, body)

    @app.exception_handler(RecursionError)
    async def too_deep(request: Request, exc: RecursionError) -> Response:
        # Data nested deeper than some recursive step (a decoder, an encoder, a check) goes: bad input.
        # Nothing here walks the data, so the answer cannot recurse in its turn.
        return render_error(request, 400, TooDeeplyNested().body())

    @app.exception_handler(ClientDisconnect)
    async def client_left(request: Request, exc: ClientDisconnect) -> Response:
        # The client hung up before its whole body came: nothing was accepted, and nobody reads the answer.
        log.info("the client left before its body arrived: %s %s", request.method, request.url.path)
        body = error_body("CLIENT_DISCONNECTED", "Kết nối bị đóng trước khi gửi hết nội dung.",
                          "The client closed the connection before sending its whole body.")
        return render_error(request, 400, body)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        body = error_body("INTERNAL_ERROR", "Lỗi hệ thống ngoài dự kiến.", "Unexpected server error.")
        return render_error(request, 500, body)

    app.include_router(admin_router(ctx, seed))
    app.add_middleware(BodyLimitMiddleware, limits=body_limits or BodyLimits(), render=render_error)

    return app


def body_parse_failure(exc: StarletteHTTPException) -> DomainError | None:
    """FastAPI's own 400 when it could not parse a body (it raises it from the parser's error), in words."""
    if exc.status_code != 400 or exc.__cause__ is None:
        return None
    if isinstance(exc.__cause__, RecursionError):
        return TooDeeplyNested()
    return DomainError("MALFORMED_BODY", "Không đọc được nội dung gửi lên.", "The request body could not be parsed.")


def admin_router(
    ctx: ServiceContext, seed: Callable[[str, dict[str, Any]], dict[str, Any]] | None
) -> APIRouter:
    guard = Depends(admin_guard(ctx.config))
    router = APIRouter(prefix="/_admin", tags=["admin"])

    @router.get("/health", summary="Liveness (open, no token)", responses=success(schemas.Health))
    async def health() -> dict[str, str]:
        return {"status": "ok", "service": ctx.name}

    @router.get("/resources", dependencies=[guard],
                summary="What the process that answers holds: memory, descriptors, threads, SQLite",
                responses=success(schemas.ProcessResources))
    def process_resources() -> dict[str, Any]:
        return resources.snapshot()

    @router.post("/reset", dependencies=[guard], summary="Erase the caller's namespace in this service",
                 responses=success(schemas.NamespaceReset))
    def reset(ns: Namespace) -> dict[str, str]:
        for reset_one in ctx.resetters:
            reset_one(ns)
        ctx.clock.reset(ns)
        return {"status": "reset", "namespace": ns, "service": ctx.name}

    @router.post("/seed", dependencies=[guard], summary="Load the service's seed data into the namespace",
                 responses=success(schemas.SeedResult))
    def seed_namespace(ns: Namespace, body: Annotated[dict[str, Any] | None, Body()] = None) -> dict[str, Any]:
        return {"namespace": ns, "service": ctx.name, **(seed(ns, body or {}) if seed else {})}

    @router.get("/clock", dependencies=[guard], summary="The namespace's clock", responses=success(schemas.ClockState))
    def get_clock(ns: Namespace) -> dict[str, object]:
        return ctx.clock.describe(ns)

    @router.get("/world", dependencies=[guard], summary="The world of the namespace: the rules of its clock's date",
                responses=success(schemas.WorldState))
    def get_world(ns: Namespace) -> dict[str, object]:
        return ctx.worlds.describe(ns)

    @router.post("/clock", dependencies=[guard], summary="Set, advance or release the namespace's clock",
                 responses=success(schemas.ClockState))
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
        for hook in ctx.on_time_moved:
            hook(ns)
        ctx.outbox.retry_now(ns)
        return ctx.clock.describe(ns)

    @router.get("/outbox", dependencies=[guard], summary="Outgoing calls of the namespace and their delivery",
                responses=success(schemas.OutboxListing))
    def outbox(ns: Namespace, kind: str | None = None, status: str | None = None) -> dict[str, Any]:
        return {"messages": ctx.outbox.messages(ns, kind, status), "counts": ctx.outbox.counts(ns, kind)}

    @router.post("/outbox/flush", dependencies=[guard], summary="Retry every pending outgoing call now",
                 responses=success(schemas.OutboxFlushed))
    def flush(ns: Namespace) -> dict[str, Any]:
        for hook in ctx.on_time_moved:
            hook(ns)
        ctx.outbox.retry_now(ns)
        delivered = ctx.outbox.run_once()
        counts = ctx.outbox.counts(ns)
        return {"delivered": delivered, "pending": counts["pending"], "rejected": counts["rejected"]}

    # -- faults -----------------------------------------------------------------------------------
    @router.get("/faults", dependencies=[guard], summary="The namespace's fault rules (of every service)",
                responses=success(schemas.FaultListing))
    def list_faults(ns: Namespace, service: str | None = None) -> dict[str, Any]:
        return {"faults": [r.to_json() for r in ctx.faults.rules(ns, service)]}

    @router.post("/faults", dependencies=[guard], status_code=201,
                 summary="Make a service misbehave (this one unless `service` names another)",
                 responses=success(schemas.FaultRuleOut, 201))
    def add_fault(spec: FaultSpec, ns: Namespace) -> dict[str, Any]:
        return ctx.faults.add(ns, spec).to_json()

    @router.delete("/faults/{rule_id}", dependencies=[guard], summary="Remove one fault rule",
                   responses=success(schemas.FaultRemoved))
    def remove_fault(rule_id: str, ns: Namespace) -> dict[str, str]:
        ctx.faults.remove(ns, rule_id)
        return {"removed": rule_id}

    @router.delete("/faults", dependencies=[guard], summary="Remove the namespace's fault rules",
                   responses=success(schemas.FaultsCleared))
    def clear_faults(ns: Namespace, service: str | None = None) -> dict[str, int]:
        return {"removed": ctx.faults.clear(ns, service)}

    # -- journal ----------------------------------------------------------------------------------

    @router.get("/journal", dependencies=[guard],
                summary="Requests this service received and calls it made, in the namespace",
                responses=success(schemas.JournalListing))
    def journal(filters: JournalFilters, limit: Annotated[int, Query(ge=1, le=10_000)] = 500) -> dict[str, Any]:
        return {"entries": ctx.journal.query(**filters, service=ctx.name, limit=limit), "dropped": ctx.journal.dropped}

    @router.get("/journal/count", dependencies=[guard], summary="How many journal entries match",
                responses=success(schemas.JournalCount))
    def journal_count(filters: JournalFilters) -> dict[str, int]:
        return {"count": len(ctx.journal.query(**filters, service=ctx.name, limit=1_000_000))}

    @router.get("/journal/verify", dependencies=[guard],
                summary="Check how many entries match: exactly `count`, or within `at_least`..`at_most`",
                responses=success(schemas.JournalVerdict))
    def journal_verify(
        filters: JournalFilters,
        count: Annotated[int | None, Query(ge=0)] = None,
        at_least: Annotated[int | None, Query(ge=0)] = None,
        at_most: Annotated[int | None, Query(ge=0)] = None,
    ) -> dict[str, Any]:
        found = len(ctx.journal.query(**filters, service=ctx.name, limit=1_000_000))
        ok = (count is None or found == count) and (at_least is None or found >= at_least) and (
            at_most is None or found <= at_most)
        return {"ok": ok, "count": found, "expected": {"count": count, "at_least": at_least, "at_most": at_most}}

    @router.get("/journal/near-misses", dependencies=[guard],
                summary="Requests that matched no route, with the closest routes",
                responses=success(schemas.NearMisses))
    def journal_near_misses(
        request: Request, ns: Namespace, limit: Annotated[int, Query(ge=1, le=1000)] = 100
    ) -> dict[str, Any]:
        entries = ctx.journal.query(ns, service=ctx.name, direction="in", matched=False, limit=limit)
        return {"near_misses": near_misses(entries, list(_routes(request.app.routes)))}

    # -- snapshots --------------------------------------------------------------------------------
    @router.get("/snapshots", dependencies=[guard], summary="Snapshots of the whole stack's state",
                responses=success(schemas.SnapshotListing))
    def snapshots() -> dict[str, Any]:
        return {"snapshots": snapshot.listing(ctx.config.state_dir)}

    @router.post("/snapshots", dependencies=[guard], status_code=201,
                 summary="Snapshot the whole stack's state (every service) to a file",
                 responses=success(schemas.SnapshotTaken, 201))
    def take_snapshot(body: SnapshotRequest | None = None) -> dict[str, Any]:
        ctx.journal.flush()
        return snapshot.take(ctx.config.state_dir, body.name if body else None)

    @router.post("/snapshots/{name}/restore", dependencies=[guard],
                 summary="Put the whole stack back to a snapshot", responses=success(schemas.SnapshotRestored))
    def restore_snapshot(name: str) -> dict[str, Any]:
        return snapshot.restore(ctx.config.state_dir, name)

    return router


def journal_filters(
    ns: Namespace,
    direction: Annotated[str | None, Query(pattern="^(in|out)$")] = None,
    method: Annotated[str | None, Query(max_length=10)] = None,
    url_contains: Annotated[str | None, Query(max_length=500)] = None,
    status: Annotated[int | None, Query(ge=100, le=599)] = None,
    correlation_id: Annotated[str | None, Query(max_length=100)] = None,
    matched: bool | None = None,
    fault: bool | None = None,
    since_id: Annotated[int, Query(ge=0, le=MAX_SQLITE_INTEGER)] = 0,
) -> dict[str, Any]:
    return {"ns": ns, "direction": direction, "method": method, "url_contains": url_contains, "status": status,
            "correlation_id": correlation_id, "matched": matched, "fault": fault, "since_id": since_id}

JournalFilters = Annotated[dict[str, Any], Depends(journal_filters)]


def _routes(routes: Any) -> Iterator[tuple[str, str]]:
    """(method, path) of every route, through included routers."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _routes(inner.routes)
        for method in sorted(getattr(route, "methods", None) or ()):
            yield method, route.path


class SnapshotRequest(BaseModel):
    name: str | None = Field(None, max_length=80, description="letters, digits, '.', '_', '-'")


__all__ = ["CORE_TEMPLATES", "Namespace", "ServiceContext", "admin_guard", "create_service_app"]
