"""A refused submission's problems, tied to the dossier form's controls (what aria-invalid and the messages use)."""

from __future__ import annotations

from mocks.provincial.ui import FieldProblem, errors_by_control, field_problems


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
