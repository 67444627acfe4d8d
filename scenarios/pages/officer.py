"""Page objects of the provincial one-stop back office (officers, `/can-bo/...`) and of the citizen's side of it.

`OfficerPages` drives the officers' pages of the emulator (mocks/provincial/templates/officer):
log-in, the agency's dossiers, one dossier and its action forms, the counter/postal entry
form. `ApplicantBackOfficePages` drives what the back office adds to the citizen's dossier
page: the supplement request and its upload form, the satisfaction rating. Same conventions
as scenarios.portal: accessible locators, web-first waits with short timeouts, Vietnamese
text as the pages show it, an AssertionError that says what was expected.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from ._base import (
    NAVIGATION_TIMEOUT_MS,
    POLL_SLICE_MS,
    alert_text,
    definition,
    read_definition,
    reload_until,
    status_parts,
    status_pattern,
)

# The buttons of the officer's action forms (each form is named after its button).
RECEIVE = "Tiếp nhận hồ sơ"
REFUSE = "Từ chối tiếp nhận"
SUPPLEMENT = "Yêu cầu bổ sung hồ sơ"
PROCESS = "Chuyển xử lý"
PAYMENT = "Yêu cầu thực hiện nghĩa vụ tài chính"
RESULT = "Hoàn thành xử lý (có kết quả)"
RETURN = "Trả kết quả tại bộ phận một cửa"
STOP = "Dừng xử lý"
WITHDRAW = "Ghi nhận công dân rút hồ sơ"
RESCHEDULE = "Gia hạn (phiếu xin lỗi và hẹn lại)"
ACTION_PATHS = {RECEIVE: "receive", REFUSE: "refuse", SUPPLEMENT: "request_supplement", PROCESS: "process",
                PAYMENT: "request_payment", RESULT: "result_ready", RETURN: "return_result", STOP: "stop",
                WITHDRAW: "withdraw", RESCHEDULE: "reschedule"}
CHANNELS = {"counter": "Trực tiếp tại bộ phận một cửa", "post": "Qua dịch vụ bưu chính công ích"}


@dataclass(frozen=True)
class OfficerDossierView:
    """A dossier's page in the back office."""

    code: str
    status: str                 # status name, e.g. "Được tiếp nhận"
    status_code: int | None
    deadline: str               # the deadline mark, e.g. "Trong hạn", "Sắp đến hạn", "Quá hạn"
    channel: str                # "Trực tiếp", "Trực tuyến", "Qua dịch vụ bưu chính công ích"
    appointment: str            # dd/mm/yyyy
    actions: tuple[str, ...]    # the action buttons offered
    supplement: str             # what the supplement section says ("" without one)
    rescheduled: str            # what the re-scheduling section says ("" without one)
    postal: str                 # the postal hand-over ("" before the result goes to the post)


@dataclass(frozen=True)
class Applicant:
    """Who hands a paper dossier in at the desk."""

    name: str
    id_number: str
    phone: str = ""
    email: str = ""
    address: str = ""

    @classmethod
    def from_mapping(cls, person: Mapping[str, object]) -> Applicant:
        return cls(str(person["full_name"]), str(person["id_number"]), str(person.get("phone") or ""),
                   str(person.get("email") or ""), str(person.get("address") or ""))


class OfficerPages:
    """The emulator's back office, on one browser page."""

    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url.rstrip("/")

    # -- helpers -----------------------------------------------------------------------------------
    @property
    def _nav(self) -> Locator:
        return self.page.get_by_role("navigation", name="Điều hướng cán bộ")

    @property
    def _main(self) -> Locator:
        return self.page.get_by_role("main")

    def _h1(self) -> Locator:
        return self.page.get_by_role("heading", level=1)

    def _form(self, action: str) -> Locator:
        return self._main.get_by_role("form", name=action, exact=True)

    def _outcome(self) -> tuple[bool, str]:
        """After an action: (True, the confirmation) or (False, the refusal the page shows)."""
        main = self._main
        shown = main.get_by_role("status").or_(main.get_by_role("alert")).first
        expect(shown).to_be_visible(timeout=NAVIGATION_TIMEOUT_MS)
        alerts = main.get_by_role("alert")
        if alerts.count():
            return False, " ".join(" ".join(text.split()) for text in alerts.all_inner_texts())
        return True, " ".join(main.get_by_role("status").first.inner_text().split())

    # -- log-in ------------------------------------------------------------------------------------
    def log_in(self, username: str, password: str) -> None:
        page = self.page
        page.goto(f"{self.base_url}/can-bo/dang-nhap")
        form = page.get_by_role("form", name="Đăng nhập cán bộ")
        form.get_by_label("Tên đăng nhập").fill(username)
        form.get_by_label("Mật khẩu").fill(password)
        form.get_by_role("button", name="Đăng nhập").click()
        expect(self._nav.get_by_role("link", name="Đăng xuất")).to_be_visible(timeout=NAVIGATION_TIMEOUT_MS)

    def expect_logged_in(self, full_name: str, agency_name: str) -> None:
        expect(self._nav).to_contain_text(full_name)
        expect(self._nav).to_contain_text(agency_name)

    def log_out(self) -> None:
        self._nav.get_by_role("link", name="Đăng xuất").click()
        expect(self.page.get_by_role("form", name="Đăng nhập cán bộ")).to_be_visible()

    # -- the agency's dossiers ---------------------------------------------------------------------------
    def dossier_codes(self) -> list[str]:
        """The codes in the agency's list of dossiers."""
        self.page.goto(f"{self.base_url}/can-bo")
        expect(self._h1()).to_contain_text("Hồ sơ của")
        table = self.page.get_by_role("table", name="Danh sách hồ sơ của cơ quan")
        return [row.get_by_role("link").first.inner_text().strip() for row in table.get_by_role("row").all()[1:]]

    def deadline_marks(self, deadline: str | None = None) -> dict[str, str]:
        """The agency's list as code -> its deadline mark ("Trong hạn", "Sắp đến hạn", "Quá hạn"...);
        with `deadline`, the list filtered by that mark with the page's "Tình trạng hạn" filter."""
        page = self.page
        page.goto(f"{self.base_url}/can-bo")
        expect(self._h1()).to_contain_text("Hồ sơ của")
        if deadline is not None:
            search = self._main.get_by_role("search", name="Lọc hồ sơ")
            search.get_by_label("Tình trạng hạn").select_option(label=deadline)
            search.get_by_role("button", name="Lọc hồ sơ").click()
            expect(page).to_have_url(re.compile(r"[?&]deadline=\w"))
        table = page.get_by_role("table", name="Danh sách hồ sơ của cơ quan")
        headers = [" ".join(t.split()) for t in table.get_by_role("columnheader").all_inner_texts()]
        rows = table.get_by_role("row").evaluate_all(
            "(rows, i) => rows.filter(r => r.cells.length > i && r.cells[0].tagName === 'TD')"
            ".map(r => [r.cells[0].innerText, r.cells[i].innerText])", headers.index("Tình trạng hạn"))
        return {str(code).strip(): " ".join(str(mark).split()) for code, mark in rows}

    def open_from_list(self, code: str) -> OfficerDossierView:
        self.dossier_codes()
        self.page.get_by_role("table", name="Danh sách hồ sơ của cơ quan").get_by_role(
            "link", name=code, exact=True).click()
        return self._read()

    def open_dossier(self, code: str) -> OfficerDossierView:
        self.page.goto(f"{self.base_url}/can-bo/ho-so/{code}")
        return self._read()

    def forbidden(self, code: str) -> str:
        """Open another agency's dossier by its address: expect a refusal page; return its message."""
        response = self.page.goto(f"{self.base_url}/can-bo/ho-so/{code}")
        assert response is not None and response.status == 403, (
            f"another agency's dossier answered HTTP {response.status if response else None}, not 403")
        expect(self._h1()).to_have_text("Không thực hiện được yêu cầu")
        return alert_text(self.page)

    def try_action(self, code: str, action: str, fields: Mapping[str, str] | None = None) -> int:
        """Post an action's form for a dossier the page does not offer (with a valid token of the session)."""
        self.page.goto(f"{self.base_url}/can-bo/tiep-nhan")
        # The entry form carries the session's token once a procedure is chosen.
        self.page.get_by_role("button", name="Chọn thủ tục").click()
        tokens = self.page.locator("input[name=csrf_token]")
        if tokens.count() == 0:
            raise AssertionError("no form of the officer's session carries a CSRF token (no procedure to enter?)")
        token = tokens.first.get_attribute("value") or ""
        answer = self.page.request.post(f"{self.base_url}/can-bo/ho-so/{code}/{ACTION_PATHS[action]}",
                                        form={"csrf_token": token, **(fields or {})})
        return answer.status

    def _read(self) -> OfficerDossierView:
        page, main = self.page, self._main
        expect(definition(page, "Mã hồ sơ")).to_be_visible()
        status, number = status_parts(read_definition(page, "Trạng thái"))
        actions = tuple(" ".join(b.split()) for b in main.get_by_role(
            "region", name="Xử lý hồ sơ").get_by_role("button").all_inner_texts()) \
            if main.get_by_role("region", name="Xử lý hồ sơ").count() else ()
        section = main.get_by_role("region", name="Yêu cầu bổ sung hồ sơ")
        moved = main.get_by_role("region", name="Gia hạn giải quyết")
        return OfficerDossierView(
            code=read_definition(page, "Mã hồ sơ"), status=status, status_code=number,
            deadline=read_definition(page, "Tình trạng hạn"), channel=read_definition(page, "Kênh tiếp nhận"),
            appointment=read_definition(page, "Ngày hẹn trả"), actions=actions,
            supplement=" ".join(section.inner_text().split()) if section.count() else "",
            rescheduled=" ".join(moved.inner_text().split()) if moved.count() else "",
            postal=read_definition(page, "Chuyển phát kết quả", required=False),
        )

    def wait_for_dossier(self, code: str, *, status: str | None = None, postal: str | None = None,
                         timeout: float) -> OfficerDossierView:
        """Reopen the dossier until it shows `status` / a postal hand-over containing `postal`."""
        page = self.page
        page.goto(f"{self.base_url}/can-bo/ho-so/{code}")

        def shows() -> OfficerDossierView:
            if status is not None:
                expect(definition(page, "Trạng thái")).to_have_text(status_pattern(status), timeout=POLL_SLICE_MS)
            if postal is not None:
                expect(definition(page, "Chuyển phát kết quả")).to_contain_text(postal, timeout=POLL_SLICE_MS)
            return self._read()

        return reload_until(page, shows, timeout=timeout, what=f"dossier {code} in the back office")

    # -- actions (on the dossier page shown) -----------------------------------------------------------------
    def _act(self, action: str, fields: Mapping[str, str] | None = None,
             checks: Sequence[str] = ()) -> tuple[bool, str]:
        form = self._form(action)
        expect(form).to_be_visible()
        for label, value in (fields or {}).items():
            form.get_by_label(label, exact=True).fill(value)
        for label in checks:
            form.get_by_label(label, exact=True).check()
        form.get_by_role("button", name=action, exact=True).click()
        return self._outcome()

    def act(self, action: str, fields: Mapping[str, str] | None = None, checks: Sequence[str] = ()) -> str:
        """Take an action the page offers; expect it to go through; return the confirmation."""
        ok, message = self._act(action, fields, checks)
        if not ok:
            raise AssertionError(f"'{action}' was refused: {message}")
        return message

    def act_refused(self, action: str, fields: Mapping[str, str] | None = None, checks: Sequence[str] = ()) -> str:
        """Take an action; expect the portal to refuse it; return the message shown."""
        ok, message = self._act(action, fields, checks)
        if ok:
            raise AssertionError(f"'{action}' went through ({message}); it should have been refused")
        return message

    def receive(self) -> str:
        return self.act(RECEIVE)

    def refuse(self, reason: str) -> str:
        return self.act(REFUSE, {"Lý do từ chối": reason})

    def request_supplement(self, documents: Sequence[str], other: str = "", note: str = "") -> str:
        """Ask for a supplement: the procedure's documents by name, anything else one per line."""
        fields = {"Nội dung khác cần bổ sung (mỗi dòng một mục)": other, "Ghi chú yêu cầu bổ sung": note}
        return self.act(SUPPLEMENT, fields, documents)

    def process(self) -> str:
        return self.act(PROCESS)

    def finish(self, document: str, number: str = "") -> str:
        return self.act(RESULT, {"Tên giấy tờ kết quả": document, "Số, ký hiệu văn bản kết quả": number})

    def return_result(self) -> str:
        return self.act(RETURN)

    def reschedule(self, new_date: str, reason: str) -> str:
        return self.act(RESCHEDULE, {"Ngày hẹn trả mới": new_date, "Lý do gia hạn": reason})

    def reschedule_refused(self, new_date: str, reason: str) -> str:
        return self.act_refused(RESCHEDULE, {"Ngày hẹn trả mới": new_date, "Lý do gia hạn": reason})

    # -- a dossier handed in at the desk ----------------------------------------------------------------
    def register(self, procedure_name: str, applicant: Applicant, *, documents: Sequence[str] | None = None,
                 channel: str = "counter") -> str:
        """Enter a counter (or postal) dossier; `documents` by name (default: every required one). Returns the code."""
        page = self.page
        self._nav.get_by_role("link", name="Tiếp nhận hồ sơ trực tiếp").click()
        chooser = page.get_by_role("form", name="Chọn thủ tục")
        # all_inner_texts does not wait: the click may not have brought the chooser yet on a busy machine
        expect(chooser.get_by_role("option").filter(has_text=procedure_name).first).to_be_attached()
        offered = chooser.get_by_role("option").all_inner_texts()
        label = next((o for o in offered if o.startswith(procedure_name)), None)
        assert label is not None, f"the desk offers no {procedure_name!r} among {len(offered)} procedures"
        chooser.get_by_label("Thủ tục hành chính").select_option(label=label)
        chooser.get_by_role("button", name="Chọn thủ tục").click()
        form = page.get_by_role("form", name="Phiếu tiếp nhận hồ sơ")
        expect(form).to_contain_text(procedure_name)
        form.get_by_role("radiogroup", name="Kênh tiếp nhận").get_by_role("radio", name=CHANNELS[channel]).check()
        form.get_by_label("Họ tên người nộp (hoặc tên tổ chức)").fill(applicant.name)
        form.get_by_label("Số định danh cá nhân, mã số thuế hoặc mã cơ quan").fill(applicant.id_number)
        form.get_by_label("Số điện thoại người nộp").fill(applicant.phone)
        form.get_by_label("Thư điện tử người nộp").fill(applicant.email)
        form.get_by_label("Địa chỉ người nộp").fill(applicant.address)
        papers = form.get_by_role("group", name="Thành phần hồ sơ đã nhận (bản giấy)")
        for label in papers.locator("label").all_inner_texts():
            name = label.removesuffix(" (bắt buộc)")
            if (documents is None and label.endswith("(bắt buộc)")) or (documents is not None and name in documents):
                papers.get_by_label(label, exact=True).check()
        form.get_by_role("button", name="Tiếp nhận hồ sơ").click()
        ok, message = self._outcome()
        if not ok:
            raise AssertionError(f"the desk could not enter the dossier: {message}")
        return self._read().code


class ApplicantBackOfficePages:
    """What the back office adds to the citizen's dossier page (mocks/provincial/templates/_dossier_backoffice.html)."""

    def __init__(self, page: Page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url.rstrip("/")

    def open(self, code: str) -> None:
        self.page.goto(f"{self.base_url}/ho-so/{code}")
        expect(self.page.get_by_role("region", name="Tiến độ giải quyết")).to_be_visible()

    def supplement_request(self) -> str:
        """The supplement the agency asks for, as the page shows it."""
        note = self.page.get_by_role("region", name="Yêu cầu bổ sung hồ sơ").get_by_role("note")
        expect(note).to_be_visible()
        return " ".join(note.inner_text().split())

    def answer_supplement(self, files: Mapping[str, Path], note: str = "") -> str:
        """Upload a file for each document asked for (by the document's name); returns the confirmation."""
        form = self.page.get_by_role("form", name="Nộp hồ sơ bổ sung")
        for label, path in files.items():
            form.get_by_label(label, exact=True).set_input_files(path)
        form.get_by_label("Nội dung bổ sung").fill(note)
        form.get_by_role("button", name="Nộp hồ sơ bổ sung").click()
        main = self.page.get_by_role("main")
        shown = main.get_by_role("status").or_(main.get_by_role("alert")).first
        expect(shown).to_be_visible(timeout=NAVIGATION_TIMEOUT_MS)
        if main.get_by_role("alert").count():
            raise AssertionError(f"the supplement was refused: {alert_text(self.page)}")
        return " ".join(main.get_by_role("status").first.inner_text().split())

    def progress(self, term: str) -> str:
        """A fact of the 'Tiến độ giải quyết' section ("Tình trạng hạn", "Lý do", "Hẹn lại ngày trả"...)."""
        return read_definition(self.page.get_by_role("region", name="Tiến độ giải quyết"), term, required=False)

    def rate(self, rating: str, comment: str = "") -> None:
        form = self.page.get_by_role("form", name="Đánh giá mức độ hài lòng")
        form.get_by_role("radio", name=rating, exact=True).check()
        form.get_by_label("Ý kiến góp ý").fill(comment)
        form.get_by_role("button", name="Gửi đánh giá").click()
        expect(self.page.get_by_text(re.compile(rf"Bạn đã đánh giá: {re.escape(rating)}"))).to_be_visible()


def officer_pages(page: Page, urls: Mapping[str, str]) -> OfficerPages:
    return OfficerPages(page, urls["provincial"])


__all__ = ["ACTION_PATHS", "PAYMENT", "PROCESS", "RECEIVE", "REFUSE", "RESCHEDULE", "RESULT", "RETURN", "STOP",
           "SUPPLEMENT", "WITHDRAW", "Applicant", "ApplicantBackOfficePages", "OfficerDossierView", "OfficerPages",
           "officer_pages"]
