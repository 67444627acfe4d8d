"""Page objects of the reference portal: `scenarios.portal.ProvincialPortal` for its pages.

    dvc-harness run --pages examples.reference_portal.pages:portal      # REFPORTAL_PUBLIC_URL=http://...
    pytest ... --dvc-pages examples.reference_portal.pages:portal

The factory puts these page objects in place of the provincial emulator's and keeps the emulators'
own for the national portal, the checkout and the postal tracking. They hold no namespace of their
own: the browser context carries whatever `X-DVC-Namespace` the harness gives it, and the portal
must be started with the same `--namespace` (none: the emulators' default).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass

from playwright.sync_api import Locator, Page, expect

from scenarios.pages import NationalPages, PaymentPages, PostalPages
from scenarios.pages._base import (
    NAVIGATION_TIMEOUT_MS,
    POLL_SLICE_MS,
    alert_text,
    configure,
    definition,
    expect_left,
    read_definition,
    reload_until,
    status_parts,
    status_pattern,
)
from scenarios.portal import DossierView, LookupView, ProcedureView, Submission

URL_VARIABLE = "REFPORTAL_PUBLIC_URL"  # the same variable the portal reads for its public origin
DELIVERY_LABELS = {"counter": "Nhận tại bộ phận một cửa", "online": "Nhận kết quả trực tuyến",
                   "post": "Nhận qua dịch vụ bưu chính công ích"}
PAYMENT_LABELS = {"online": "Thanh toán trực tuyến", "counter": "Thanh toán tại cơ quan"}
ADDRESS_LABELS = {"name": "Họ tên người nhận", "phone": "Số điện thoại người nhận", "address": "Địa chỉ nhận",
                  "province": "Tỉnh/Thành phố", "district": "Quận/Huyện", "commune": "Phường/Xã"}
SAMPLE_TEXT = "Nội dung kê khai thử nghiệm"
CODE_TEXT = re.compile(r"^\s*Mã hồ sơ:\s*(\S+)\s*$")


class ReferencePortalPages:
    """The citizen's side of examples/reference_portal (its templates/)."""

    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url.rstrip("/")

    @property
    def _nav(self) -> Locator:
        return self.page.get_by_role("navigation", name="Điều hướng chính")

    def _h1(self) -> Locator:
        return self.page.get_by_role("heading", level=1)

    def _code(self) -> Locator:
        return self.page.get_by_role("main").get_by_text(CODE_TEXT)

    def _form(self) -> Locator:
        return self.page.get_by_role("form", name="Tờ khai nộp hồ sơ")

    # -- log-in --------------------------------------------------------------------------------------
    def start_log_in(self) -> None:
        self._nav.get_by_role("link", name="Đăng nhập").click()

    def expect_logged_in(self, full_name: str) -> None:
        expect(self._nav.get_by_role("link", name="Đăng xuất")).to_be_visible(timeout=NAVIGATION_TIMEOUT_MS)
        expect(self._nav).to_contain_text(full_name)

    def log_out(self) -> None:
        self._nav.get_by_role("link", name="Đăng xuất").click()
        expect(self._nav.get_by_role("link", name="Đăng nhập")).to_be_visible()

    # -- finding a procedure -----------------------------------------------------------------------------
    def home(self) -> None:
        self.page.goto(f"{self.base_url}/")
        expect(self._h1()).to_be_visible()

    def _listing(self) -> None:
        expect(self.page.get_by_role("main").get_by_role("status")).to_have_text(re.compile(r"^Tìm thấy \d+ thủ tục"))

    def search(self, text: str) -> int:
        box = self.page.get_by_role("searchbox", name="Tìm kiếm thủ tục hành chính")
        box.fill(text)
        box.press("Enter")
        self._listing()
        return 1

    def _browse(self, region: str, name: str) -> int:
        self.page.get_by_role("region", name=region).get_by_role("link", name=name, exact=True).click()
        expect(self._h1()).to_contain_text(name)
        self._listing()
        return 1

    def browse_agency(self, agency_name: str) -> int:
        return self._browse("Thủ tục theo cơ quan", agency_name)

    def browse_tier(self, tier_name: str) -> int:
        return self._browse("Thủ tục theo cấp thực hiện", tier_name)

    def open_procedure(self, name: str) -> int:
        table = self.page.get_by_role("table", name="Danh sách thủ tục hành chính")
        table.get_by_role("link", name=name, exact=True).first.click()
        expect(self._h1()).to_have_text(name)
        return 1

    def procedure(self) -> ProcedureView:
        expect(self._h1()).to_be_visible()
        submit = self.page.get_by_role("main").get_by_role("link", name="Nộp hồ sơ trực tuyến", exact=True)
        return ProcedureView(name=self._h1().inner_text().strip(), level=read_definition(self.page, "Mức độ"),
                             fee=read_definition(self.page, "Phí, lệ phí"), online=submit.count() > 0)

    # -- submitting ------------------------------------------------------------------------------------------
    def start_submission(self, agency_name: str | None = None) -> None:
        # One agency per procedure here: `agency_name` has nothing to choose.
        self.page.get_by_role("main").get_by_role("link", name="Nộp hồ sơ trực tuyến", exact=True).click()
        expect(self._form()).to_be_visible(timeout=NAVIGATION_TIMEOUT_MS)

    def _fill(self, submission: Submission) -> None:
        form = self._form()
        expect(form).to_be_visible()
        answers = dict(submission.answers)
        fields = form.get_by_role("group", name="Thông tin tờ khai")
        for label in [" ".join(t.split()) for t in fields.locator("label").all_inner_texts()]:
            fields.get_by_label(label, exact=True).fill(answers.pop(label, SAMPLE_TEXT))
        if answers:
            raise AssertionError(f"the form has no fields {sorted(answers)}")
        form.get_by_role("group", name="Thành phần hồ sơ").locator("input[type=file]").set_input_files(
            submission.files[0])
        delivery = form.get_by_role("group", name="Hình thức nhận kết quả").get_by_role(
            "radio", name=DELIVERY_LABELS[submission.result_delivery], exact=True)
        if delivery.count() == 0:
            raise AssertionError(f"the form offers no result delivery '{DELIVERY_LABELS[submission.result_delivery]}'")
        delivery.check()
        payment = form.get_by_role("group", name="Hình thức thanh toán")
        if submission.payment is not None and payment.count():  # no choice offered: the portal decides
            payment.get_by_role("radio", name=PAYMENT_LABELS[submission.payment], exact=True).check()
        if submission.postal_address is not None:
            group = form.get_by_role("group", name=re.compile(r"^Địa chỉ nhận kết quả qua bưu chính"))
            for key, label in ADDRESS_LABELS.items():
                group.get_by_label(label, exact=True).fill(getattr(submission.postal_address, key))
        form.get_by_role("button", name="Nộp hồ sơ", exact=True).click()

    def _submitted(self) -> bool:
        code, alert = self._code(), self.page.get_by_role("main").get_by_role("alert")
        expect(code.or_(alert).first).to_be_visible(timeout=NAVIGATION_TIMEOUT_MS)
        return code.count() > 0

    def submit(self, submission: Submission) -> str:
        self._fill(submission)
        if not self._submitted():
            raise AssertionError(f"the portal refused the dossier: {alert_text(self.page)}")
        return self._read_code()

    def submit_refused(self, submission: Submission) -> str:
        self._fill(submission)
        if self._submitted():
            raise AssertionError(f"the portal took the dossier {self._read_code()}; it should have refused it")
        return alert_text(self.page)

    def my_dossiers(self) -> list[str]:
        self._nav.get_by_role("link", name="Hồ sơ của tôi").click()
        expect(self._h1()).to_have_text("Hồ sơ của tôi")
        table = self.page.get_by_role("table", name="Các hồ sơ đã nộp")
        if table.count() == 0:
            return []
        return [row.get_by_role("link").first.inner_text().strip() for row in table.get_by_role("row").all()[1:]]

    # -- a dossier ---------------------------------------------------------------------------------------------
    def _read_code(self) -> str:
        match = CODE_TEXT.match(self._code().inner_text())
        assert match, "no dossier code on the page"
        return match.group(1)

    def _read_dossier(self) -> DossierView:
        page = self.page
        expect(self._code()).to_be_visible()
        status, number = status_parts(read_definition(page, "Trạng thái"))
        post = page.get_by_role("region", name="Nhận kết quả qua bưu chính")
        has_post = post.count() > 0
        return DossierView(
            code=self._read_code(), status=status, status_code=number,
            payment=read_definition(page, "Thanh toán", required=False), fee=read_definition(page, "Phí, lệ phí"),
            result_delivery=read_definition(page, "Hình thức nhận kết quả"),
            postal_address=read_definition(post, "Địa chỉ nhận", required=False) if has_post else "",
            waybill=read_definition(post, "Mã vận đơn", required=False) if has_post else "",
            can_pay_online=page.get_by_role("button", name="Thanh toán trực tuyến").count() > 0,
            receipt_available=page.get_by_role("link", name="Biên lai điện tử").count() > 0,
            appointment=read_definition(page, "Ngày hẹn trả", required=False),
            postal_state=read_definition(post, "Tình trạng bưu gửi", required=False) if has_post else "",
            postal_events=_column(post.get_by_role("table", name="Hành trình bưu gửi"), 1) if has_post else (),
            history=_column(page.get_by_role("table", name="Lịch sử hồ sơ"), 2),
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
        post = page.get_by_role("region", name="Nhận kết quả qua bưu chính")

        def shows() -> DossierView:
            if status is not None:
                expect(definition(page, "Trạng thái")).to_have_text(status_pattern(status), timeout=POLL_SLICE_MS)
            if payment is not None:
                expect(definition(page, "Thanh toán")).to_have_text(re.compile(rf"^\s*{re.escape(payment)}\b"),
                                                                    timeout=POLL_SLICE_MS)
            if waybill:
                expect(definition(post, "Mã vận đơn")).to_have_text(re.compile(r"\S"), timeout=POLL_SLICE_MS)
            if postal_state is not None:
                expect(definition(post, "Tình trạng bưu gửi")).to_have_text(postal_state, timeout=POLL_SLICE_MS)
            return self._read_dossier()

        wanted = ", ".join(x for x in (status, payment, "a waybill" if waybill else None, postal_state) if x)
        return reload_until(page, shows, timeout=timeout, what=f"dossier {code} showing {wanted}")

    def start_payment(self) -> None:
        self.page.get_by_role("button", name="Thanh toán trực tuyến").click()
        expect_left(self.page, self.base_url)

    def payment_outcome(self) -> str:
        main = self.page.get_by_role("main")
        expect(self.page.get_by_role("heading", name="Kết quả thanh toán")).to_be_visible(
            timeout=NAVIGATION_TIMEOUT_MS)
        return " ".join(main.get_by_role("status").or_(main.get_by_role("alert")).first.inner_text().split())

    def back_to_dossier(self) -> DossierView:
        self.page.get_by_role("link", name=re.compile(r"^Xem hồ sơ ")).click()
        return self._read_dossier()

    def open_receipt(self) -> None:
        self.page.get_by_role("link", name="Biên lai điện tử").click()
        expect_left(self.page, self.base_url)

    def open_tracking(self) -> None:
        post = self.page.get_by_role("region", name="Nhận kết quả qua bưu chính")
        definition(post, "Mã vận đơn").get_by_role("link").click()
        expect_left(self.page, self.base_url)

    # -- public look-up ---------------------------------------------------------------------------------------
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
        status, number = status_parts(read_definition(found, "Trạng thái"))
        return LookupView(code=read_definition(found, "Mã hồ sơ"), status=status, status_code=number,
                          procedure=read_definition(found, "Thủ tục"),
                          appointment=read_definition(found, "Ngày hẹn trả", required=False))


def _column(table: Locator, index: int) -> tuple[str, ...]:
    """One column of a table's data rows, top to bottom; () when there is no such table."""
    if table.count() == 0:
        return ()
    return tuple(" ".join(row.get_by_role("cell").nth(index).inner_text().split())
                 for row in table.get_by_role("row").all()[1:])


@dataclass
class ReferencePortals:
    """`scenarios.portal.Portals`: the reference portal, and the emulators for the rest."""

    national: NationalPages
    provincial: ReferencePortalPages
    payment: PaymentPages
    postal: PostalPages


def portal(page: Page, urls: Mapping[str, str]) -> ReferencePortals:
    """The `--dvc-pages` factory: the reference portal at $REFPORTAL_PUBLIC_URL, the emulators at `urls`."""
    base = os.environ.get(URL_VARIABLE, "")
    if not base:
        raise RuntimeError(f"set {URL_VARIABLE} to the reference portal's origin (e.g. http://127.0.0.1:8200)")
    configure(page)
    return ReferencePortals(national=NationalPages(page, urls["national"]), provincial=ReferencePortalPages(page, base),
                            payment=PaymentPages(page, urls["payment"]), postal=PostalPages(page, urls["postal"]))
