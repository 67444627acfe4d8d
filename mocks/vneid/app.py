"""VNeID's ASGI app: the identity provider DVCQG federates, the log-in pages, the app's controls."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from mocks.core.app import ServiceContext, create_service_app
from mocks.core.config import StackConfig
from mocks.core.oauth_routes import install_oauth_errors, oauth_router, relying_parties_router
from mocks.core.web import WebSessions

from .admin import admin_routes
from .model import VneidService
from .ui import COOKIE, ui_router

TEMPLATES = Path(__file__).parent / "templates"

DESCRIPTION = """Giả lập VNeID — định danh và xác thực điện tử (Nghị định 69/2024/NĐ-CP): tài khoản định danh điện tử
mức độ 1, mức độ 2 của công dân và của tổ chức; đăng nhập bằng số định danh và mật khẩu rồi xác nhận trên ứng dụng
VNeID, hoặc quét mã QR. Emulates VNeID as the OpenID Connect provider DVCQG federates: discovery, `/oauth2/authorize`
(the log-in pages), token, userinfo, JWKS; the VNeID app is a test control under `/_admin/app/`."""


def create_app(config: StackConfig) -> FastAPI:
    ctx = ServiceContext.open("vneid", config, TEMPLATES)
    model = VneidService(ctx.store, ctx.clock, config)
    sessions = WebSessions(ctx.store, COOKIE)
    ctx.resetters += [model.reset, sessions.reset]
    app = create_service_app(ctx, title="VNeID (emulator)", description=DESCRIPTION,
                             site_name="VNeID — Định danh điện tử", seed=model.seed)
    app.state.model = model
    install_oauth_errors(app)
    app.include_router(oauth_router(model.idp, "VNeID"))
    app.include_router(admin_routes(model, config))
    app.include_router(relying_parties_router(model.idp, config))
    app.include_router(ui_router(model, sessions, ctx.templates))
    return app
