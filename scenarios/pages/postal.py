"""Page objects of the postal service emulator: the public tracking page."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from scenarios.portal import TrackingView

from ._base import NAVIGATION_TIMEOUT_MS, read_definition


class PostalPages:
    """`scenarios.portal.PostalTracking` for the emulator (mocks/postal/templates)."""

    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url.rstrip("/")

    def track(self, waybill: str) -> TrackingView | None:
        page = self.page
        page.goto(f"{self.base_url}/tra-cuu")
        search = page.get_by_role("search", name="Tra cứu bưu gửi")
        search.get_by_label("Mã vận đơn").fill(waybill)
        search.get_by_role("button", name="Tra cứu").click()
        found = page.get_by_role("heading", name=f"Bưu gửi {waybill}")
        expect(found.or_(page.get_by_role("main").get_by_role("alert")).first).to_be_visible()
        return self.shown() if found.count() else None

    def shown(self) -> TrackingView:
        page = self.page
        heading = page.get_by_role("heading", name=re.compile(r"^Bưu gửi \S+$"))
        expect(heading).to_be_visible(timeout=NAVIGATION_TIMEOUT_MS)
        waybill = read_definition(page, "Mã vận đơn")
        journey = page.get_by_role("table", name=f"Hành trình bưu gửi {waybill}")
        events = tuple(" ".join(row.get_by_role("cell").nth(1).inner_text().split())
                       for row in journey.get_by_role("row").all()[1:])
        return TrackingView(waybill=waybill, state=read_definition(page, "Trạng thái hiện tại"), events=events)
