"""The national portal's refusals, tied to the controls of its registration, one-time-code and log-in forms
(what aria-invalid and the messages beside the fields use). The refusals are the model's own."""

from __future__ import annotations

import pytest

from mocks.core.errors import DomainError
from mocks.core.form_errors import FieldProblem
from mocks.national.model import NationalPortal
from mocks.national.ui import code_problems, login_problems, registration_problems

from .conftest import NS, PASSWORD
from .test_model import agency, business, otp_of, refused, reg


def test_a_mistyped_password_confirmation_marks_the_confirmation(model: NationalPortal) -> None:
    exc = refused(model, reg(password_confirm="Khac12345"))
    assert registration_problems("citizen", exc) == [FieldProblem("password_confirm", "Mật khẩu nhập lại không khớp.")]


@pytest.mark.parametrize(("changes", "control"), [
    ({"id_number": "123"}, "id_number"),
    ({"full_name": ""}, "full_name"),
    ({"gender": "male"}, "gender"),             # the payload's ID number says female
    ({"birth_date": "31/02/1990"}, "birth_date"),
    ({"phone": "0123"}, "phone"),
    ({"email": "khong-hop-le"}, "email"),
    ({"password": "ngan", "password_confirm": "ngan"}, "password"),
])
def test_each_citizen_field_refused_is_marked(model: NationalPortal, changes: dict[str, str], control: str) -> None:
    exc = refused(model, reg(**changes))
    assert registration_problems("citizen", exc) == [FieldProblem(control, exc.vi)]


def test_organisations_mark_their_own_identifier_fields(model: NationalPortal) -> None:
    exc = refused(model, business(tax_code="12"))
    assert registration_problems("business", exc) == [FieldProblem("tax_code", exc.vi)]
    exc = refused(model, agency(agency_code="H47"))
    assert registration_problems("agency", exc) == [FieldProblem("agency_code", exc.vi)]


def test_a_taken_user_name_marks_the_identifier_it_comes_from(model: NationalPortal) -> None:
    model.accounts.register(NS, reg())
    exc = refused(model, reg())
    assert exc.code == "ACCOUNT_EXISTS"
    assert registration_problems("citizen", exc) == [FieldProblem("id_number", exc.vi)]


def test_a_field_the_form_does_not_show_is_not_marked() -> None:
    on_citizen_form_only = DomainError("INVALID_GENDER", "Giới tính", "Gender", details={"field": "gender"})
    assert registration_problems("business", on_citizen_form_only) == []
    assert registration_problems("citizen", DomainError("X", "x", "x", details={"field": "account_type"})) == []
    assert registration_problems("citizen", DomainError("X", "x", "x")) == []


def test_wrong_malformed_codes_mark_the_code_and_an_unknown_account_its_name(model: NationalPortal) -> None:
    username = model.accounts.register(NS, reg())["username"]
    for otp in ("12ab", "000000" if otp_of(model, username) != "000000" else "111111"):
        with pytest.raises(DomainError) as caught:
            model.accounts.confirm(NS, username, otp)
        assert code_problems(caught.value) == [FieldProblem("otp", caught.value.vi)]
    with pytest.raises(DomainError) as caught:
        model.accounts.confirm(NS, "000000000000", "123456")
    assert caught.value.code == "ACCOUNT_NOT_FOUND"
    assert code_problems(caught.value) == [FieldProblem("username", caught.value.vi)]


def test_a_wrong_password_marks_the_password_and_a_pending_account_nothing(model: NationalPortal) -> None:
    username = model.accounts.register(NS, reg())["username"]
    with pytest.raises(DomainError) as caught:
        model.accounts.authenticate(NS, username, "Sai123456")
    assert login_problems(caught.value) == [FieldProblem("password", caught.value.vi)]
    with pytest.raises(DomainError) as caught:
        model.accounts.authenticate(NS, username, PASSWORD)
    assert caught.value.code == "ACCOUNT_NOT_ACTIVE" and login_problems(caught.value) == []
