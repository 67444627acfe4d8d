"""Public pages: the home page and the tracking page (`/tra-cuu?ma=ItemCode`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from mocks.core.app import Namespace
from mocks.core.timefmt import VN_TZ
from mocks.core.web import Templates

from .model import PostalService

SITE_NAME = "Bưu điện Việt Nam — Bưu chính công ích"


def ui_router(model: PostalService, templates: Templates) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    templates.env.filters["vn_time"] = lambda moment: moment.astimezone(VN_TZ).strftime("%d/%m/%Y %H:%M:%S")

    @router.get("/", response_class=HTMLResponse)
    def home() -> HTMLResponse:
        return templates.render("home.html", page_title="Trang chủ")

    @router.get("/tra-cuu", response_class=HTMLResponse)
    def track(ns: Namespace, ma: Annotated[str | None, Query()] = None) -> HTMLResponse:
        code = (ma or "").strip().upper()
        if not code:
            return templates.render("tracking.html", page_title="Tra cứu bưu gửi", code="", order=None)
        model.catch_up(ns)
        order = model.find_order(ns, code)
        if order is None:
            return templates.render("tracking.html", status=404, page_title="Không tìm thấy bưu gửi",
                                    code=code[:64], order=None, not_found=True)
        return templates.render("tracking.html", page_title=f"Bưu gửi {order.item_code}", code=order.item_code,
                                order=order)

    return router
