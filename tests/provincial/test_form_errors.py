"""A refusal's problems, tied to the controls of the portal's forms (what aria-invalid and the messages use):
the citizen's dossier form, and the officers' intake, action and log-in forms (with the model's own refusals)."""

from __future__ import annotations

from typing import Any

import pytest

from mocks.core.errors import DomainError
from mocks.core.form_errors import FieldProblem, errors_by_control, form_errors
from mocks.provincial.dossier import officer_input as check
from mocks.provincial.model import ProvincialPortal
from mocks.provincial.officer_ui import action_problems, login_problems, register_problems
from mocks.provincial.officers import Officer
from mocks.provincial.ui import dossier_form_problems, field_problems

from .conftest import ADDRESS, LLTP
from .test_workflow import APPLICANT, NS, officer, refused


def test_e_form_problems_name_their_fields() -> None:
    details = [{"field": "ho_ten", "label": "Họ và tên", "problem": "bắt buộc nhập"},
               {"field": "so_ban", "label": "Số bản", "problem": "phải là một số"}]
    assert field_problems("FORM_INVALID", "Tờ khai chưa hợp lệ", details) == [
        FieldProblem("f_ho_ten", "Họ và tên: bắt buộc nhập"), FieldProblem("f_so_ban", "Số bản: phải là một số")]


def test_address_problems_name_the_postal_fields() -> None:
    details = [{"field": "phone", "label": "Số điện thoại", "problem": "Thiếu số điện thoại."}]
    assert field_problems("POSTAL_ADDRESS_INVALID", "Địa chỉ chưa hợp lệ", details) == [
        FieldProblem("postal_phone", "Thiếu số điện thoại.")]


def test_missing_and_refused_documents_name_their_file_fields() -> None:
    missing = [{"code": "TK01", "name": "Tờ khai"}, {"code": "CCCD", "name": "Căn cước"}]
    assert field_problems("ATTACHMENT_REQUIRED", "Thiếu thành phần", missing) == [
        FieldProblem("file_TK01", "Tờ khai: bắt buộc đính kèm"),
        FieldProblem("file_CCCD", "Căn cước: bắt buộc đính kèm")]
    refused = {"code": "TK01", "filename": "a.pdf", "declared": None}
    assert field_problems("ATTACHMENT_TYPE", "Tệp 'a.pdf' không phải PDF.", refused) == [
        FieldProblem("file_TK01", "Tệp 'a.pdf' không phải PDF.")]


def test_a_refusal_about_no_field_marks_none() -> None:
    assert field_problems("POSTAL_NEEDS_ONLINE_PAYMENT", "Phải thanh toán trực tuyến", None) == []
    assert field_problems("APPLICANT_TYPE_NOT_ALLOWED", "Không dành cho", {"allowed": [1]}) == []
    assert field_problems("FORM_INVALID", "x", ["not a problem", {"label": "no field"}]) == []


def test_two_problems_of_one_control_are_said_together() -> None:
    problems = [FieldProblem("f_a", "A: sai"), FieldProblem("f_a", "A: quá dài")]
    assert errors_by_control(problems) == {"f_a": "A: sai; A: quá dài"}


def test_the_page_gets_the_summary_and_each_control_s_message() -> None:
    problems = [FieldProblem("f_a", "A: sai")]
    assert form_errors(problems) == {"problems": problems, "field_errors": {"f_a": "A: sai"}}


# -- the officers' forms ---------------------------------------------------------------------------------------
@pytest.fixture
def desk(portal: ProvincialPortal) -> Officer:
    return officer(portal, "motcua", "desk")


def registration_refused(portal: ProvincialPortal, desk: Officer, code: str, **changes: Any) -> DomainError:
    given = {"procedure_code": LLTP, "channel": 1, "applicant": APPLICANT, "documents": ["TK01", "CCCD"], **changes}
    return refused(code, portal.workflow.register, NS, desk, **given)


def test_intake_applicant_problems_name_the_applicant_fields_with_their_labels(portal: ProvincialPortal,
                                                                              desk: Officer) -> None:
    exc = registration_refused(portal, desk, "APPLICANT_INVALID",
                               applicant={"name": "", "id_number": "123", "type": 1, "phone": "12", "email": "x"})
    found = register_problems(exc.code, exc.vi, exc.details)
    assert [p.control for p in found] == ["applicant_name", "applicant_id_number", "applicant_phone",
                                          "applicant_email"]
    assert found[0].text == "Họ tên người nộp (hoặc tên tổ chức): bắt buộc"
    assert found[1].text.startswith("Số định danh cá nhân, mã số thuế hoặc mã cơ quan: số định danh cá nhân gồm 12")


def test_intake_postal_problems_name_the_postal_fields(portal: ProvincialPortal, desk: Officer) -> None:
    exc = registration_refused(portal, desk, "POSTAL_ADDRESS_INVALID", result_delivery="post",
                               postal_address={**ADDRESS, "phone": "12", "district": ""})
    assert register_problems(exc.code, exc.vi, exc.details) == [
        FieldProblem("postal_district", "Thiếu quận/huyện."),
        FieldProblem("postal_phone", exc.details[1]["problem"])]


def test_intake_missing_papers_name_their_checkboxes(portal: ProvincialPortal, desk: Officer) -> None:
    exc = registration_refused(portal, desk, "ATTACHMENT_REQUIRED", documents=["TK01"])
    [problem] = register_problems(exc.code, exc.vi, exc.details)
    assert problem.control == "doc-CCCD" and "bắt buộc" in problem.text


def test_intake_refusals_about_no_field_mark_none(portal: ProvincialPortal, desk: Officer) -> None:
    exc = registration_refused(portal, desk, "INVALID_CHANNEL", channel=2)
    assert register_problems(exc.code, exc.vi, exc.details) == []
    assert register_problems("POSTAL_ADDRESS_INVALID", "x", [{"field": "postal_address", "problem": "Thiếu"}]) == []


@pytest.mark.parametrize(("action", "refusal", "control"), [
    ("refuse", lambda: check.reason("", "lý do từ chối"), "refuse-reason"),
    ("stop", lambda: check.reason(" "), "stop-reason"),
    ("withdraw", lambda: check.reason("x" * 5000), "withdraw-reason"),
    ("reschedule", lambda: check.reason(""), "reschedule-reason"),
    ("reschedule", lambda: check.parse_new_date("mai"), "new-date"),
    ("result_ready", lambda: check.parse_documents([]), "document-name"),
])
def test_a_refused_action_marks_its_form_s_field(action: str, refusal: Any, control: str) -> None:
    with pytest.raises(DomainError) as caught:
        refusal()
    exc = caught.value
    assert action_problems(action, exc.code, exc.vi, exc.details) == [FieldProblem(control, exc.vi)]


def test_a_rule_of_the_workflow_marks_no_field() -> None:
    assert action_problems("receive", "TRANSITION_NOT_ALLOWED", "Không được", {"status": 2}) == []
    assert action_problems("refuse", "INVALID_NEW_DATE", "x", None) == []  # the refusal form has no date


def test_missing_supplement_papers_name_their_checkboxes() -> None:
    missing = [{"code": "CCCD", "name": "Căn cước"}]
    assert action_problems("record_supplement", "SUPPLEMENT_INCOMPLETE", "Còn thiếu", missing) == [
        FieldProblem("received-doc-CCCD", "Căn cước: chưa nhận")]


def test_a_failed_officer_log_in_marks_the_password(portal: ProvincialPortal, desk: Officer) -> None:
    exc = refused("OFFICER_LOGIN_FAILED", portal.officers.authenticate, NS, "motcua", "sai-mat-khau")
    assert login_problems(exc.code, exc.vi) == [FieldProblem("password", exc.vi)]
    assert login_problems("LOGIN_LOCKED", "Tạm khóa") == []


def test_the_citizen_s_dossier_forms_mark_their_fields() -> None:
    with pytest.raises(DomainError) as no_reason:
        check.reason("  ", "lý do rút hồ sơ")
    e = no_reason.value
    assert dossier_form_problems(e.code, e.vi, e.details) == [FieldProblem("withdraw_reason", e.vi)]
    missing = [{"code": "CCCD", "name": "Căn cước công dân"}]
    assert dossier_form_problems("SUPPLEMENT_INCOMPLETE", "Hồ sơ bổ sung còn thiếu", missing) == [
        FieldProblem("supplement_CCCD", "Căn cước công dân: bắt buộc đính kèm")]
    assert dossier_form_problems("SUPPLEMENT_EMPTY", "Vui lòng nộp", None) == [
        FieldProblem("supplement_note", "Vui lòng nộp")]
    assert dossier_form_problems("INVALID_RATING", "Mức đánh giá", None) == [FieldProblem("rating", "Mức đánh giá")]
    assert dossier_form_problems("ACTION_NOT_ALLOWED", "Không được phép", {"status": 9}) == []
