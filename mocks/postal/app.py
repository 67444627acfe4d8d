"""The postal service's ASGI app: VNPost's order protocol, tracking page, admin surface, webhooks."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from mocks.core.app import ServiceContext, create_service_app
from mocks.core.bodylimit import BodyLimits
from mocks.core.config import StackConfig

from .api import ORDER_LIMIT, admin_router, api_router, install_result_status, with_result_status
from .model import WEBHOOK_KIND, PostalService
from .ui import SITE_NAME, ui_router
from .webhook import WebhookSender

TEMPLATES = Path(__file__).parent / "templates"

DESCRIPTION = """Giả lập dịch vụ Bưu chính công ích (VNPost): đơn hàng trả kết quả hồ sơ, mã vận đơn (UPU S10),
hành trình bưu gửi và webhook trạng thái. Emulates VNPost's order protocol: `POST /api/orders` with the header
`access_token`, `GET /api/orders/{ItemCode}`, tracking events posted to the customer's webhook, and the
public tracking page `/tra-cuu?ma=ItemCode`."""


# 1 MB unless named here; the protocol's routes answer a refusal with their Status.
BODY_LIMITS = BodyLimits(routes={"/api/orders": ORDER_LIMIT},
                         envelopes={"/api/": lambda body: with_result_status(body, 413)})


def create_app(config: StackConfig) -> FastAPI:
    ctx = ServiceContext.open("postal", config, TEMPLATES)
    model = PostalService(ctx.store, ctx.clock, ctx.outbox, config)
    ctx.resetters.append(model.reset)
    ctx.on_time_moved.append(model.catch_up)
    ctx.outbox.register(WEBHOOK_KIND, WebhookSender(model, ctx.http))
    app = create_service_app(
        ctx, title="Bưu chính công ích (VNPost) — dvc-harness", description=DESCRIPTION, site_name=SITE_NAME,
        body_limits=BODY_LIMITS,
    )
    app.state.model = model
    install_result_status(app)
    app.include_router(api_router(model))
    app.include_router(admin_router(model, config))
    app.include_router(ui_router(model, ctx.templates))
    return app
