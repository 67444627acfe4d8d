"""The national portal's ASGI app."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from mocks.core.app import ServiceContext, create_service_app
from mocks.core.bodylimit import MB, BodyLimits
from mocks.core.config import StackConfig
from mocks.core.oauth_routes import install_oauth_errors, oauth_router, relying_parties_router

from .admin import admin_routes
from .api import api_router
from .federation import federation_router, vneid_client
from .model import NationalPortal
from .sync import ERR_DATA
from .sync_api import sync_router, sync_validation_response
from .ui import ui_router
from .web import NationalSessions

TEMPLATES = Path(__file__).parent / "templates"


def sync_envelope(body: dict[str, Any]) -> dict[str, Any]:
    """A refusal on the sync gateway with the protocol's `error_code` and `message`."""
    return {**body, "error_code": ERR_DATA, "message": body["error"]["message_vi"]}


# 1 MB unless named here: a sync call may push sync.MAX_ITEMS (500) dossiers, ~16 KB each with their lists.
SYNC_CALL_LIMIT = 8 * MB
BODY_LIMITS = BodyLimits(routes={"/sync/service": SYNC_CALL_LIMIT}, envelopes={"/sync/": sync_envelope})


def create_app(config: StackConfig) -> FastAPI:
    ctx = ServiceContext.open("national", config, TEMPLATES)
    model = NationalPortal(ctx.store, ctx.clock, config)
    sessions = NationalSessions(ctx.store, model.accounts)
    ctx.resetters.append(model.reset)
    ctx.resetters.append(sessions.web.reset)
    app = create_service_app(
        ctx,
        title="Cổng Dịch vụ công Quốc gia (emulator)",
        description="DVCQG: accounts, OpenID Connect identity provider, national catalogue, dossier sync, look-up.",
        site_name="Cổng Dịch vụ công Quốc gia",
        seed=model.seed,
        body_limits=BODY_LIMITS,
    )
    app.state.model = model
    _protocol_errors(app)
    app.include_router(oauth_router(model.idp))
    app.include_router(sync_router(model))
    app.include_router(api_router(model, sessions))
    app.include_router(admin_routes(model, config))
    app.include_router(relying_parties_router(model.idp, config))
    app.include_router(federation_router(model, sessions, vneid_client(config, ctx.http)))
    app.include_router(ui_router(model, sessions, ctx.templates))
    return app


def _protocol_errors(app: FastAPI) -> None:
    """The real protocols answer errors in their own shape: OAuth's on the token and userinfo
    endpoints, the sync gateway's `error_code` on /sync."""
    install_oauth_errors(app)
    house = app.exception_handlers[RequestValidationError]

    async def validation_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        if request.url.path.startswith("/sync/"):
            return sync_validation_response(exc)
        return await house(request, exc)

    app.add_exception_handler(RequestValidationError, validation_error)

    # A body the core could not parse (or nested too deeply) on /sync: the protocol's error_code too.
    for exc_type in (StarletteHTTPException, RecursionError):
        inner: Callable[[Request, Any], Awaitable[Response]] = app.exception_handlers[exc_type]

        async def sync_refusal(request: Request, exc: Exception, inner: Any = inner) -> Response:
            response = await inner(request, exc)
            if not request.url.path.startswith("/sync/") or response.status_code != 400:
                return response
            return JSONResponse(sync_envelope(json.loads(bytes(response.body))), status_code=400)

        app.add_exception_handler(exc_type, sync_refusal)
