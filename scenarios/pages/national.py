"""Page objects of the national portal emulator (DVCQG): registration, one-time code, log-in, look-up."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from playwright.sync_api import Locator, Page, expect

from scenarios.portal import LookupView

from ._base import (
    NAVIGATION_TIMEOUT_MS,
    POLL_SLICE_MS,
    STEP_TIMEOUT_MS,
    alert_text,
    definition,
    read_definition,
    reload_until,
    status_parts,
    status_pattern,
)

GENDERS = {"male": "Nam", "female": "Nữ"}
VNEID_BUTTON = "Đăng nhập bằng tài khoản định danh điện tử VNeID"
VNEID_WAITING = "Xác nhận đăng nhập trên ứng dụng VNeID"


class NationalPages:
    """`scenarios.portal.NationalPortal` for the emulator (mocks/national/templates)."""

    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url.rstrip("/")

    # -- accounts ----------------------------------------------------------------------------------
    def register(self, person: Mapping[str, Any]) -> str:
        page = self.page
        page.goto(f"{self.base_url}/dang-ky")
        form = page.get_by_role("form", name="Tài khoản công dân")
        form.get_by_label("Số định danh cá nhân").fill(str(person["id_number"]))
        form.get_by_label("Họ và tên").fill(str(person["full_name"]))
        if person.get("birth_date"):
            form.get_by_label("Ngày sinh").fill(str(person["birth_date"]))
        if person.get("gender"):
            form.get_by_label("Giới tính").select_option(label=GENDERS[str(person["gender"])])
        if person.get("address"):
            form.get_by_label("Địa chỉ").fill(str(person["address"]))
        form.get_by_label("Số điện thoại").fill(str(person["phone"]))
        form.get_by_label("Thư điện tử").fill(str(person["email"]))
        form.get_by_label("Mật khẩu", exact=True).fill(str(person["password"]))
        form.get_by_label("Nhập lại mật khẩu").fill(str(person["password"]))
        form.get_by_role("button", name="Đăng ký").click()
        heading = page.get_by_role("heading", name="Xác nhận tài khoản", level=1)
        expect(heading.or_(page.get_by_role("alert")).first).to_be_visible()
        if not heading.is_visible():
            raise AssertionError(f"the national portal refused the registration: {alert_text(page)}")
        expect(page.get_by_role("status")).to_contain_text("Mã xác thực đã được gửi")
        return page.get_by_role("form", name="Xác nhận mã").get_by_label("Tên đăng nhập").input_value()

    def confirm(self, username: str, otp: str) -> None:
        page = self.page
        form = page.get_by_role("form", name="Xác nhận mã")
        expect(form.get_by_label("Tên đăng nhập")).to_have_value(username)
        form.get_by_label("Mã xác thực (OTP)").fill(otp)
        form.get_by_role("button", name="Xác nhận").click()
        expect(page.get_by_role("status")).to_have_text("Tài khoản đã được kích hoạt. Vui lòng đăng nhập.")

    def log_in(self, username: str, password: str) -> None:
        self.page.goto(f"{self.base_url}/dang-nhap")
        self.authorize(username, password)
        expect(self.page.get_by_role("navigation", name="Điều hướng chính")
               .get_by_role("link", name="Đăng xuất")).to_be_visible()

    def authorize(self, username: str, password: str) -> None:
        page = self.page
        form = page.get_by_role("form", name="Đăng nhập")
        expect(form).to_be_visible()
        form.get_by_label("Tên đăng nhập").fill(username)
        form.get_by_label("Mật khẩu", exact=True).fill(password)
        form.get_by_role("button", name="Đăng nhập").click()
        try:
            expect(form).to_have_count(0, timeout=STEP_TIMEOUT_MS)
        except AssertionError:
            raise AssertionError(f"the national log-in was refused: {alert_text(page)}") from None

    # -- VNeID ---------------------------------------------------------------------------------------
    def _to_vneid(self) -> Locator | str:
        """From the national log-in page (opened when the browser is elsewhere) to VNeID's log-in form; what the
        page says instead when VNeID's page is not shown."""
        page = self.page
        if not page.url.startswith(self.base_url):
            page.goto(f"{self.base_url}/dang-nhap")
        page.get_by_role("link", name=VNEID_BUTTON).click()
        form = page.get_by_role("form", name="Đăng nhập VNeID")
        expect(form.or_(page.get_by_role("main").get_by_role("alert")).first).to_be_visible(
            timeout=NAVIGATION_TIMEOUT_MS)
        return form if form.is_visible() else alert_text(page)

    def _waiting(self) -> str:
        page = self.page
        waiting = page.get_by_role("heading", name=VNEID_WAITING)
        expect(waiting.or_(page.get_by_role("main").get_by_role("alert")).first).to_be_visible(
            timeout=NAVIGATION_TIMEOUT_MS)
        return "" if waiting.is_visible() else alert_text(page)

    def start_vneid(self, username: str, password: str) -> str:
        form = self._to_vneid()
        if isinstance(form, str):
            return form
        form.get_by_label("Số định danh cá nhân").fill(username)
        form.get_by_label("Mật khẩu", exact=True).fill(password)
        form.get_by_role("button", name="Đăng nhập").click()
        return self._waiting()

    def start_vneid_qr(self) -> str:
        form = self._to_vneid()
        if isinstance(form, str):
            raise AssertionError(f"VNeID's log-in page is not shown: {form}")
        self.page.get_by_role("form", name="Đăng nhập bằng mã QR").get_by_role("button").click()
        refused = self._waiting()
        if refused:
            raise AssertionError(f"no QR code shown: {refused}")
        return self.page.get_by_role("img", name="Mã QR đăng nhập").inner_text().strip()

    def finish_vneid(self) -> str:
        page = self.page
        page.get_by_role("button", name="Tôi đã xác nhận trên ứng dụng").click()
        try:
            expect(page.get_by_role("heading", name=VNEID_WAITING)).to_have_count(0, timeout=NAVIGATION_TIMEOUT_MS)
        except AssertionError:
            raise AssertionError("VNeID still waits for the app: nobody approved the log-in") from None
        return alert_text(page)

    def log_in_refused(self, username: str, password: str) -> str:
        page = self.page
        page.goto(f"{self.base_url}/dang-nhap")
        form = page.get_by_role("form", name="Đăng nhập")
        form.get_by_label("Tên đăng nhập").fill(username)
        form.get_by_label("Mật khẩu", exact=True).fill(password)
        form.get_by_role("button", name="Đăng nhập").click()
        expect(page.get_by_role("main").get_by_role("alert").first).to_be_visible()
        return alert_text(page)

    def account_name(self) -> str:
        self.page.goto(f"{self.base_url}/tai-khoan")
        expect(self.page.get_by_role("heading", name="Thông tin tài khoản")).to_be_visible()
        return read_definition(self.page, "Họ và tên")

    # -- the public look-up ------------------------------------------------------------------------
    def _search(self, code: str) -> None:
        page = self.page
        page.goto(f"{self.base_url}/tra-cuu")
        search = page.get_by_role("main").get_by_role("search")
        search.get_by_label("Mã hồ sơ").fill(code)
        search.get_by_role("button", name="Tra cứu").click()

    def _view(self, code: str) -> LookupView | None:
        page = self.page
        found = page.get_by_role("heading", name=f"Hồ sơ {code}")
        expect(found.or_(page.get_by_role("main").get_by_role("alert")).first).to_be_visible()
        if not found.is_visible():
            return None
        status, number = status_parts(read_definition(page, "Trạng thái"))
        return LookupView(code=code, status=status, status_code=number, procedure=read_definition(page, "Thủ tục"),
                          appointment=read_definition(page, "Ngày hẹn trả", required=False))

    def look_up(self, code: str) -> LookupView | None:
        self._search(code)
        return self._view(code)

    def wait_for_lookup(self, code: str, status: str, *, timeout: float) -> LookupView:
        self._search(code)

        def shows_status() -> LookupView:
            expect(definition(self.page, "Trạng thái")).to_have_text(status_pattern(status), timeout=POLL_SLICE_MS)
            view = self._view(code)
            assert view is not None
            return view

        return reload_until(self.page, shows_status, timeout=timeout,
                            what=f"national look-up of {code} showing '{status}'")
