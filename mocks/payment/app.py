"""The payment platform's app: `create_app(config)` wires the model, the API, the pages and the admin routes."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI

from mocks.core.app import ServiceContext, create_service_app
from mocks.core.bodylimit import BodyLimits
from mocks.core.config import StackConfig
from mocks.core.web import WebSessions

from .admin import admin_router
from .api import MESSAGE_LIMIT, api_router, refusal_envelope
from .model import CONFIRM_KIND, PaymentPlatform
from .ui import ui_router

TEMPLATES = Path(__file__).parent / "templates"
SITE_NAME = "Nền tảng thanh toán trực tuyến"
# 1 MB unless named here; the partner's messages answer a refusal with their MaLoi.
BODY_LIMITS = BodyLimits(routes={"/api/payment": MESSAGE_LIMIT}, envelopes={"/api/payment": refusal_envelope})


def create_app(config: StackConfig) -> FastAPI:
    ctx = ServiceContext.open("payment", config, TEMPLATES)
    minutes = float(config.extra.get("payment_expiry_minutes", 15))
    model = PaymentPlatform(ctx.store, ctx.clock, ctx.outbox, config, expiry=timedelta(minutes=minutes),
                            http=ctx.http)
    sessions = WebSessions(ctx.store, "pay_session")
    ctx.resetters += [model.reset, sessions.reset]
    ctx.outbox.register(CONFIRM_KIND, model.deliver_confirmation)
    app = create_service_app(
        ctx,
        title="Payment platform emulator (Nền tảng thanh toán trực tuyến)",
        description="INIT / QUERY / GET_BILL signed with MaXacThuc, the checkout page, signed confirmations "
                    "to the partner's callback, e-receipts. See docs/protocols.md, 'Payment platform'.",
        site_name=SITE_NAME,
        body_limits=BODY_LIMITS,
    )
    app.state.model = model
    app.include_router(api_router(model))
    app.include_router(ui_router(model, ctx.templates, sessions))
    app.include_router(admin_router(model, config))
    return app
