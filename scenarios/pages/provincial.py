"""Page objects of the provincial portal emulator (Quảng Nam): catalogue, submission, dossier, payment, look-up."""

from __future__ import annotations

import re
from itertools import cycle

from playwright.sync_api import Locator, Page, expect

from scenarios.portal import DossierView, LookupView, ProcedureView, Submission

from ._base import (
    NAVIGATION_TIMEOUT_MS,
    POLL_SLICE_MS,
    alert_text,
    definition,
    expect_left,
    read_definition,
    reload_until,
    status_parts,
    status_pattern,
)

DELIVERY_LABELS = {"counter": "Nhận tại bộ phận một cửa", "online": "Nhận kết quả trực tuyến",
                   "post": "Nhận qua dịch vụ bưu chính công ích"}
PAYMENT_LABELS = {"online": "Thanh toán trực tuyến", "counter": "Thanh toán tại cơ quan"}
ADDRESS_LABELS: dict[str, str | re.Pattern[str]] = {
    "name": "Họ tên người nhận", "phone": "Số điện thoại người nhận", "address": "Địa chỉ nhận",
    "province": "Tỉnh/Thành phố", "district": "Quận/Huyện",
    # "Xã/Phường/Đặc khu" in a two-level address (from 1 July 2025), which has no district
    "commune": re.compile(r"^(Phường/Xã|Xã/Phường/Đặc khu)$")}
SAMPLE_TEXT = "Nội dung kê khai thử nghiệm"
SAMPLE_DATE = "2024-01-15"
CODE_TEXT = re.compile(r"^\s*Mã hồ sơ:\s*(\S+)\s*$")
DOSSIER_CODE_ALONE = re.compile(r"^\s*(\S+)\s*$")     # a definition "Mã hồ sơ" holds the code, not its label again


class ProvincialPages:
    """`scenarios.portal.ProvincialPortal` for the emulator (mocks/provincial/templates)."""

    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url.rstrip("/")

    # -- helpers -----------------------------------------------------------------------------------
    @property
    def _nav(self) -> Locator:
        return self.page.get_by_role("navigation", name="Điều hướng chính")

    def _h1(self) -> Locator:
        return self.page.get_by_role("heading", level=1)

    def _submission_control(self) -> Locator:
        """'Nộp hồ sơ trực tuyến': a button (a form choosing the agency) or a link styled as one."""
        main = self.page.get_by_role("main")
        name = "Nộp hồ sơ trực tuyến"
        return main.get_by_role("button", name=name, exact=True).or_(main.get_by_role("link", name=name, exact=True))

    def _dossier_code(self) -> Locator:
        return self.page.get_by_role("main").get_by_text(CODE_TEXT)

    # -- log-in ------------------------------------------------------------------------------------
    def start_log_in(self) -> None:
        # Either the national log-in form comes next, or (already logged in nationally) the portal again.
        self._nav.get_by_role("link", name="Đăng nhập").click()

    def expect_logged_in(self, full_name: str) -> None:
        expect(self._nav.get_by_role("link", name="Đăng xuất")).to_be_visible(timeout=NAVIGATION_TIMEOUT_MS)
        expect(self._nav).to_contain_text(full_name)

    def log_out(self) -> None:
        self._nav.get_by_role("link", name="Đăng xuất").click()
        expect(self._nav.get_by_role("link", name="Đăng nhập")).to_be_visible()

    # -- finding a procedure -------------------------------------------------------------------------
    def home(self) -> None:
        self.page.goto(f"{self.base_url}/")
        expect(self._h1()).to_be_visible()

    def _listing(self) -> None:
        expect(self.page.get_by_role("main").get_by_role("status")).to_have_text(re.compile(r"^Tìm thấy \d+ thủ tục"))

    def search(self, text: str) -> int:
        box = self.page.get_by_role("searchbox", name="Tìm kiếm thủ tục hành chính")
        box.fill(text)
        box.press("Enter")
        expect(self.page).to_have_url(re.compile(r"/thu-tuc\?"))
        self._listing()
        return 1

    def browse_agency(self, agency_name: str) -> int:
        region = self.page.get_by_role("region", name="Thủ tục theo cơ quan")
        link = region.get_by_role("link", name=agency_name, exact=True)
        if link.count():
            link.click()
            clicks = 1
        else:  # district and commune agencies are in the list box only: choose, then show
            region.get_by_label("Cơ quan thực hiện").select_option(label=agency_name)
            region.get_by_role("button", name="Xem thủ tục của cơ quan").click()
            clicks = 2
        expect(self._h1()).to_contain_text(agency_name)
        self._listing()
        return clicks

    def browse_tier(self, tier_name: str) -> int:
        region = self.page.get_by_role("region", name="Thủ tục theo cấp thực hiện")
        region.get_by_role("link", name=tier_name, exact=True).click()
        expect(self._h1()).to_contain_text(tier_name)
        self._listing()
        return 1

    def open_procedure(self, name: str) -> int:
        table = self.page.get_by_role("table", name="Danh sách thủ tục hành chính")
        table.get_by_role("link", name=name, exact=True).first.click()
        expect(self._h1()).to_have_text(name)
        return 1

    def procedure(self) -> ProcedureView:
        page = self.page
        expect(self._h1()).to_be_visible()
        submit = self._submission_control()
        note = page.get_by_role("note")
        return ProcedureView(
            name=self._h1().inner_text().strip(), level=read_definition(page, "Mức độ"),
            fee=read_definition(page, "Phí, lệ phí"), online=submit.count() > 0,
            notice=" ".join(note.first.inner_text().split()) if note.count() else "",
        )

    # -- submitting ----------------------------------------------------------------------------------
    def start_submission(self, agency_name: str | None = None) -> None:
        page = self.page
        if agency_name:
            chooser = page.get_by_role("main").get_by_label("Cơ quan thực hiện")
            if chooser.count():
                chooser.select_option(label=agency_name)
        self._submission_control().first.click()
        expect(page.get_by_role("form", name="Tờ khai nộp hồ sơ")).to_be_visible()

    def _fill(self, submission: Submission) -> None:
        form = self.page.get_by_role("form", name="Tờ khai nộp hồ sơ")
        expect(form).to_be_visible()
        # The e-form: every field, by its label; what the submission does not answer gets a plausible value.
        answers = dict(submission.answers)
        fields = form.get_by_role("group", name="Thông tin tờ khai")
        for label in _labels(fields):
            control = fields.get_by_label(_label_pattern(label))
            kind = control.evaluate("e => e.tagName.toLowerCase() === 'input' ? e.type : e.tagName.toLowerCase()")
            value = answers.pop(label, None)
            if kind == "select":
                if value is None:
                    control.select_option(index=1)
                else:
                    control.select_option(label=value)
            elif kind == "number":
                control.fill(value or control.get_attribute("min") or "1")
            elif kind == "date":
                control.fill(value or SAMPLE_DATE)
            else:
                control.fill(value or SAMPLE_TEXT)
        if answers:
            raise AssertionError(f"the form has no fields {sorted(answers)}")
        # The documents: the files in turn, to every required document (or all of them).
        documents = form.get_by_role("group", name=re.compile(r"^Thành phần hồ sơ"))
        files = cycle(submission.files)
        for label in _labels(documents):
            control = documents.get_by_label(_label_pattern(label))
            if submission.all_documents or control.get_attribute("aria-required") == "true":
                control.set_input_files(next(files))
        # How the result comes back and how the fee is paid.
        form.get_by_role("radiogroup", name="Hình thức nhận kết quả").get_by_role(
            "radio", name=DELIVERY_LABELS[submission.result_delivery], exact=True).check()
        if submission.payment is not None:
            form.get_by_role("radiogroup", name="Hình thức thanh toán").get_by_role(
                "radio", name=PAYMENT_LABELS[submission.payment], exact=True).check()
        if submission.postal_address is not None:
            group = form.get_by_role("group", name=re.compile(r"^Địa chỉ nhận kết quả qua bưu chính"))
            for key, label in ADDRESS_LABELS.items():
                value = getattr(submission.postal_address, key)
                if key == "district" and not value:     # a two-level address: the form has no district
                    continue
                group.get_by_label(label, exact=True).fill(value)
        form.get_by_role("button", name="Nộp hồ sơ", exact=True).click()

    def _outcome(self) -> bool:
        """After sending the form: True when a dossier page is shown, False when the form came back refused."""
        code = self._dossier_code()
        expect(code.or_(self.page.get_by_role("main").get_by_role("alert")).first).to_be_visible(
            timeout=NAVIGATION_TIMEOUT_MS)
        return code.count() > 0

    def submit(self, submission: Submission) -> str:
        self._fill(submission)
        if not self._outcome():
            raise AssertionError(f"the portal refused the dossier: {alert_text(self.page)}")
        return self._read_code()

    def submit_refused(self, submission: Submission) -> str:
        self._fill(submission)
        if self._outcome():
            raise AssertionError(f"the portal took the dossier {self._read_code()}; it should have refused it")
        expect(self.page.get_by_role("form", name="Tờ khai nộp hồ sơ")).to_be_visible()
        return alert_text(self.page)

    def my_dossiers(self) -> list[str]:
        self._nav.get_by_role("link", name="Hồ sơ của tôi").click()
        expect(self._h1()).to_have_text("Hồ sơ của tôi")
        table = self.page.get_by_role("table", name="Các hồ sơ đã nộp")
        if table.count() == 0:
            return []
        return [row.get_by_role("link").first.inner_text().strip()
                for row in table.get_by_role("row").all()[1:]]

    # -- a dossier -----------------------------------------------------------------------------------
    def _read_code(self) -> str:
        match = CODE_TEXT.match(self._dossier_code().inner_text())
        assert match, "no dossier code on the page"
        return match.group(1)

    def _read_dossier(self) -> DossierView:
        page = self.page
        expect(self._dossier_code()).to_be_visible()
        status, number = status_parts(read_definition(page, "Trạng thái"))
        post = page.get_by_role("region", name="Nhận kết quả qua bưu chính")
        has_post = post.count() > 0
        return DossierView(
            code=self._read_code(), status=status, status_code=number,
            payment=read_definition(page, "Thanh toán", required=False),
            fee=read_definition(page, "Phí, lệ phí"),
            result_delivery=read_definition(page, "Hình thức nhận kết quả"),
            postal_address=read_definition(post, "Địa chỉ nhận", required=False) if has_post else "",
            waybill=read_definition(post, "Mã vận đơn", required=False) if has_post else "",
            can_pay_online=page.get_by_role("button", name="Thanh toán trực tuyến").count() > 0,
            receipt_available=page.get_by_role("link", name="Biên lai điện tử").count() > 0,
            appointment=read_definition(page, "Ngày hẹn trả", required=False),
            postal_state=read_definition(post, "Tình trạng bưu gửi", required=False) if has_post else "",
            postal_events=_column(post.get_by_role("table", name="Hành trình bưu gửi"), "Trạng thái")
            if has_post else (),
            history=_column(page.get_by_role("table", name="Lịch sử hồ sơ"), "Nội dung"),
            payments=tuple(" ".join(t.split()) for t in page.get_by_role("region", name="Các lần thanh toán")
                           .get_by_role("listitem").all_inner_texts()),
        )

    def open_dossier(self, code: str) -> DossierView:
        self.page.goto(f"{self.base_url}/ho-so/{code}")
        return self._read_dossier()

    def wait_for_dossier(self, code: str, *, status: str | None = None, payment: str | None = None,
                         waybill: bool = False, postal_state: str | None = None, timeout: float) -> DossierView:
        page = self.page
        page.goto(f"{self.base_url}/ho-so/{code}")

        def shows() -> DossierView:
            if status is not None:
                expect(definition(page, "Trạng thái")).to_have_text(status_pattern(status), timeout=POLL_SLICE_MS)
            if payment is not None:
                expect(definition(page, "Thanh toán")).to_have_text(
                    re.compile(rf"^\s*{re.escape(payment)}\b"), timeout=POLL_SLICE_MS)
            if waybill:
                post = page.get_by_role("region", name="Nhận kết quả qua bưu chính")
                expect(definition(post, "Mã vận đơn")).to_have_text(re.compile(r"\S"), timeout=POLL_SLICE_MS)
            if postal_state is not None:
                post = page.get_by_role("region", name="Nhận kết quả qua bưu chính")
                expect(definition(post, "Tình trạng bưu gửi")).to_have_text(postal_state, timeout=POLL_SLICE_MS)
            return self._read_dossier()

        wanted = ", ".join(x for x in (status, payment, "a waybill" if waybill else None, postal_state) if x)
        return reload_until(page, shows, timeout=timeout, what=f"dossier {code} showing {wanted}")

    def start_payment(self) -> None:
        self.page.get_by_role("button", name="Thanh toán trực tuyến").click()
        expect_left(self.page, self.base_url)

    def payment_outcome(self) -> str:
        page = self.page
        expect(page.get_by_role("heading", name="Kết quả thanh toán")).to_be_visible(timeout=NAVIGATION_TIMEOUT_MS)
        main = page.get_by_role("main")
        outcome = main.get_by_role("status").or_(main.get_by_role("alert")).first
        return " ".join(outcome.inner_text().split())

    def back_to_dossier(self) -> DossierView:
        self.page.get_by_role("link", name=re.compile(r"^Xem hồ sơ ")).click()
        return self._read_dossier()

    def open_receipt(self) -> None:
        self.page.get_by_role("link", name="Biên lai điện tử").click()
        expect_left(self.page, f"{self.base_url}/ho-so/")

    def open_tracking(self) -> None:
        post = self.page.get_by_role("region", name="Nhận kết quả qua bưu chính")
        definition(post, "Mã vận đơn").get_by_role("link").click()
        expect_left(self.page, self.base_url)

    # -- public look-up --------------------------------------------------------------------------------
    def look_up(self, code: str) -> LookupView | None:
        page = self.page
        page.goto(f"{self.base_url}/tra-cuu")
        search = page.get_by_role("main").get_by_role("search")
        search.get_by_label("Mã hồ sơ").fill(code)
        search.get_by_role("button", name="Tra cứu").click()
        found = page.get_by_role("region", name="Kết quả tra cứu")
        expect(found.or_(page.get_by_role("main").get_by_role("alert")).first).to_be_visible()
        if found.count() == 0:
            return None
        shown_code = DOSSIER_CODE_ALONE.match(read_definition(found, "Mã hồ sơ"))
        status, number = status_parts(read_definition(found, "Trạng thái"))
        return LookupView(code=shown_code.group(1) if shown_code else "", status=status, status_code=number,
                          procedure=read_definition(found, "Thủ tục"),
                          appointment=read_definition(found, "Ngày hẹn trả", required=False))


def _column(table: Locator, header: str) -> tuple[str, ...]:
    """One column of a table, by its header's text, top to bottom; () when there is no such table."""
    if table.count() == 0:
        return ()
    headers = [" ".join(t.split()) for t in table.get_by_role("columnheader").all_inner_texts()]
    cells = table.get_by_role("row").evaluate_all(
        "(rows, i) => rows.filter(r => r.cells.length > i && r.cells[i].tagName === 'TD')"
        ".map(r => r.cells[i].innerText)", headers.index(header))
    return tuple(" ".join(str(text).split()) for text in cells)


def _label_pattern(label: str) -> re.Pattern[str]:
    """A label's exact text, with or without the required-field mark ('*', hidden from screen readers)."""
    return re.compile(rf"^\s*{re.escape(label)}\s*\*?\s*$")


def _labels(group: Locator) -> list[str]:
    """The labels of a group's controls, as their accessible names (without the '*' hidden from readers)."""
    return [re.sub(r"\s*\*\s*$", "", " ".join(text.split())) for text in group.locator("label").all_inner_texts()]
