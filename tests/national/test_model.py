"""Rules of national accounts (registration, one-time codes, log-in), the catalogue, seed and reset."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from mocks.core.clock import Clock
from mocks.core.errors import Conflict, DomainError, Forbidden, NotFound, Unauthorized
from mocks.core.timefmt import VN_TZ
from mocks.national.accounts import OTP_SECONDS, Registration
from mocks.national.model import SEED_PASSWORD, NationalPortal

from .conftest import NS, PASSWORD, START, citizen_payload


def reg(**changes: Any) -> Registration:
    return Registration.from_mapping(citizen_payload(**changes))


def business(**changes: Any) -> Registration:
    return Registration.from_mapping({"account_type": "business", "tax_code": "4000123456",
                                      "business_name": "Công ty TNHH Hội An Xanh", "phone": "0983111222",
                                      "email": "lienhe@hoianxanh.vn", "password": PASSWORD, **changes})


def agency(**changes: Any) -> Registration:
    return Registration.from_mapping({"account_type": "agency", "agency_code": "000.00.12.H47",
                                      "agency_name": "Sở Tư pháp tỉnh Quảng Nam", "phone": "0914555666",
                                      "email": "stp@quangnam.gov.vn", "password": PASSWORD, **changes})


def refused(model: NationalPortal, registration: Registration) -> DomainError:
    with pytest.raises(DomainError) as caught:
        model.accounts.register(NS, registration)
    return caught.value


def otp_of(model: NationalPortal, username: str) -> str:
    return model.accounts.messages(NS, username)[0]["otp"]


# -- registration -------------------------------------------------------------------------------
def test_citizen_registration_is_pending_and_sends_the_code_by_sms_and_email(model: NationalPortal) -> None:
    answer = model.accounts.register(NS, reg())
    assert answer == {"username": "049190012345", "status": "pending", "sent_to": ["0905123123", "lan@example.vn"],
                      "otp_expires_in": OTP_SECONDS}
    messages = model.accounts.messages(NS, "049190012345")
    assert {(m["channel"], m["to"]) for m in messages} == {("sms", "0905123123"), ("email", "lan@example.vn")}
    otps = {m["otp"] for m in messages}
    assert len(otps) == 1 and otps.pop().isdigit()
    assert all(m["otp"] in m["body"] for m in messages)
    account = model.accounts.get(NS, "049190012345")
    assert account is not None and account.status == "pending" and account.gender == "female"


@pytest.mark.parametrize(("id_number", "problem"), [
    ("04919001234", "12 digits"),
    ("04919001234X", "12 digits"),
    ("999190012345", "province"),          # no such province code
    ("049490012345", "Century/gender"),   # century digit 4 is not 0-3
    ("049230012345", "future"),           # born in 2030, the clock says 2024
    ("٠٤٩١٩٠٠١٢٣٤٥", "12 digits"),        # digits of another script
])
def test_malformed_id_numbers_are_refused(model: NationalPortal, id_number: str, problem: str) -> None:
    error = refused(model, reg(id_number=id_number, birth_date="", gender=""))
    assert error.status == 400 and error.code == "INVALID_ID_NUMBER" and problem in error.en


def test_the_future_is_judged_by_the_namespace_clock(model: NationalPortal, clock: Clock) -> None:
    refused(model, reg(id_number="049230012345", birth_date="", gender=""))
    clock.set(NS, datetime(2031, 1, 1, tzinfo=VN_TZ))   # (citizens register on VNeID by then: the check alone)
    assert model.accounts.validate(NS, reg(id_number="049230012345", birth_date="", gender=""))["id_number"] == (
        "049230012345")


def test_gender_must_agree_with_the_century_gender_digit(model: NationalPortal) -> None:
    error = refused(model, reg(id_number="049090012345", gender="female"))  # digit 0: a man born in the 1900s
    assert error.code == "ID_GENDER_MISMATCH" and error.details == {"field": "gender"}
    assert model.accounts.register(NS, reg(id_number="049090012345", gender="Nam"))["status"] == "pending"


def test_birth_year_must_agree_with_the_id_number(model: NationalPortal) -> None:
    error = refused(model, reg(birth_date="1991-05-20"))  # the ID says 1990
    assert error.code == "ID_BIRTH_YEAR_MISMATCH"
    error = refused(model, reg(id_number="049390012345", birth_date="1990-05-20"))  # digit 3, year 90: born in 2090
    assert error.code == "INVALID_ID_NUMBER"


def test_birth_date_format_and_dd_mm_yyyy(model: NationalPortal) -> None:
    assert refused(model, reg(birth_date="20/13/1990")).code == "INVALID_BIRTH_DATE"
    model.accounts.register(NS, reg(birth_date="20/05/1990"))
    account = model.accounts.get(NS, "049190012345")
    assert account is not None and account.birth_date == "1990-05-20"


def test_citizen_needs_a_name(model: NationalPortal) -> None:
    assert refused(model, reg(full_name="  ")).code == "MISSING_FIELD"
    assert refused(model, reg(full_name="x" * 201)).code == "FIELD_TOO_LONG"


@pytest.mark.parametrize("tax_code", ["123", "40001234567", "4000123456-01", "abcdefghij", "４０００１２３４５６"])
def test_business_tax_code_is_checked(model: NationalPortal, tax_code: str) -> None:
    assert refused(model, business(tax_code=tax_code)).code == "INVALID_TAX_CODE"


def test_business_registration_and_branch_tax_code(model: NationalPortal) -> None:
    assert model.accounts.register(NS, business(tax_code="4000123456-001"))["username"] == "4000123456-001"
    assert refused(model, business(tax_code="4000123457", business_name="")).code == "MISSING_FIELD"


def test_agency_code_shape(model: NationalPortal) -> None:
    assert refused(model, agency(agency_code="000.00.12")).code == "INVALID_AGENCY_CODE"
    assert refused(model, agency(agency_code="000.00.12.X47")).code == "INVALID_AGENCY_CODE"
    assert model.accounts.register(NS, agency(agency_code="000.00.12.h47"))["username"] == "000.00.12.H47"
    assert refused(model, agency(agency_code="000.00.13.H47", agency_name="")).code == "MISSING_FIELD"


def test_unknown_account_type(model: NationalPortal) -> None:
    assert refused(model, reg(account_type="alien")).code == "INVALID_ACCOUNT_TYPE"


@pytest.mark.parametrize("phone", ["0123456789", "090512312", "09051231234", "phone", ""])
def test_phone_must_be_a_vietnamese_mobile(model: NationalPortal, phone: str) -> None:
    assert refused(model, reg(phone=phone)).code == "INVALID_PHONE"


def test_phone_is_normalised(model: NationalPortal) -> None:
    assert model.accounts.register(NS, reg(phone="+84 905 123 123"))["sent_to"][0] == "0905123123"


@pytest.mark.parametrize("email", ["lan", "lan@", "@example.vn", "lan@example", "l an@example.vn", ""])
def test_email_sanity(model: NationalPortal, email: str) -> None:
    assert refused(model, reg(email=email)).code in ("INVALID_EMAIL", "MISSING_FIELD")


@pytest.mark.parametrize(("password", "code"), [
    ("abc123", "WEAK_PASSWORD"),            # too short
    ("abcdefghij", "WEAK_PASSWORD"),        # no digit
    ("1234567890", "WEAK_PASSWORD"),        # no letter
    ("a1" * 70, "WEAK_PASSWORD"),           # too long
])
def test_password_policy(model: NationalPortal, password: str, code: str) -> None:
    assert refused(model, reg(password=password)).code == code


def test_password_confirmation_must_match(model: NationalPortal) -> None:
    assert refused(model, reg(password_confirm="Matkhau2026")).code == "PASSWORD_MISMATCH"


def test_password_is_stored_hashed(model: NationalPortal) -> None:
    model.accounts.register(NS, reg())
    stored = model.store.scalar("SELECT password_hash FROM account WHERE username = '049190012345'")
    assert PASSWORD not in stored and stored.startswith("pbkdf2_sha256$")


def test_second_registration_of_a_user_name_is_a_conflict(model: NationalPortal) -> None:
    model.accounts.register(NS, reg())
    with pytest.raises(Conflict) as caught:
        model.accounts.register(NS, reg(phone="0912000111", email="other@example.vn"))
    assert caught.value.status == 409 and caught.value.code == "ACCOUNT_EXISTS"
    # another namespace is another world (of the same date)
    model.clock.set("other", START)
    assert model.accounts.register("other", reg())["status"] == "pending"


# -- one-time codes ---------------------------------------------------------------------------------
def test_confirm_activates_and_the_code_is_single_use(model: NationalPortal) -> None:
    model.accounts.register(NS, reg())
    code = otp_of(model, "049190012345")
    assert model.accounts.confirm(NS, "049190012345", code).status == "active"
    with pytest.raises(Conflict):
        model.accounts.confirm(NS, "049190012345", code)


def test_code_expires_after_five_minutes_of_the_namespace_clock(model: NationalPortal, clock: Clock) -> None:
    model.accounts.register(NS, reg())
    code = otp_of(model, "049190012345")
    clock.advance(NS, OTP_SECONDS + 1)
    with pytest.raises(DomainError) as caught:
        model.accounts.confirm(NS, "049190012345", code)
    assert caught.value.code == "OTP_EXPIRED"


def test_code_still_valid_just_before_expiry(model: NationalPortal, clock: Clock) -> None:
    model.accounts.register(NS, reg())
    clock.advance(NS, OTP_SECONDS - 1)
    assert model.accounts.confirm(NS, "049190012345", otp_of(model, "049190012345")).status == "active"


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_five_wrong_codes_invalidate_the_code(model: NationalPortal) -> None:
    model.accounts.register(NS, reg())
    code = otp_of(model, "049190012345")
    for left in (4, 3, 2, 1):
        with pytest.raises(DomainError) as caught:
            model.accounts.confirm(NS, "049190012345", wrong(code))
        assert caught.value.code == "OTP_WRONG" and caught.value.details["left"] == left
    with pytest.raises(DomainError) as caught:
        model.accounts.confirm(NS, "049190012345", wrong(code))
    assert caught.value.code == "OTP_INVALIDATED"
    with pytest.raises(DomainError) as caught:  # even the right code is dead now
        model.accounts.confirm(NS, "049190012345", code)
    assert caught.value.code == "OTP_INVALIDATED"


def test_resend_replaces_the_code_and_its_tries(model: NationalPortal) -> None:
    model.accounts.register(NS, reg())
    old = otp_of(model, "049190012345")
    for _ in range(5):
        with pytest.raises(DomainError):
            model.accounts.confirm(NS, "049190012345", wrong(old))
    answer = model.accounts.resend_code(NS, "049190012345")
    assert answer["sent_to"] == ["0905123123", "lan@example.vn"]
    new = otp_of(model, "049190012345")
    assert len(model.accounts.messages(NS, "049190012345")) == 4
    if new != old:
        with pytest.raises(DomainError):
            model.accounts.confirm(NS, "049190012345", old)
    assert model.accounts.confirm(NS, "049190012345", new).status == "active"


def test_resend_renews_the_expiry(model: NationalPortal, clock: Clock) -> None:
    model.accounts.register(NS, reg())
    clock.advance(NS, OTP_SECONDS + 10)
    model.accounts.resend_code(NS, "049190012345")
    clock.advance(NS, 60)
    assert model.accounts.confirm(NS, "049190012345", otp_of(model, "049190012345")).status == "active"


def test_code_format_and_unknown_account(model: NationalPortal) -> None:
    model.accounts.register(NS, reg())
    with pytest.raises(DomainError) as caught:
        model.accounts.confirm(NS, "049190012345", "12ab")
    assert caught.value.code == "INVALID_OTP_FORMAT"
    with pytest.raises(NotFound):
        model.accounts.confirm(NS, "049190099999", "123456")
    with pytest.raises(NotFound):
        model.accounts.resend_code(NS, "049190099999")


def test_resend_for_an_active_account_is_refused(model: NationalPortal) -> None:
    model.accounts.register(NS, reg())
    model.accounts.confirm(NS, "049190012345", otp_of(model, "049190012345"))
    with pytest.raises(Conflict):
        model.accounts.resend_code(NS, "049190012345")


# -- log-in -------------------------------------------------------------------------------------------
def test_pending_account_cannot_log_in(model: NationalPortal) -> None:
    model.accounts.register(NS, reg())
    with pytest.raises(Forbidden) as caught:
        model.accounts.authenticate(NS, "049190012345", PASSWORD)
    assert caught.value.code == "ACCOUNT_NOT_ACTIVE"


def test_login_after_confirmation_and_wrong_password(model: NationalPortal) -> None:
    model.accounts.register(NS, reg())
    model.accounts.confirm(NS, "049190012345", otp_of(model, "049190012345"))
    assert model.accounts.authenticate(NS, " 049190012345 ", PASSWORD).username == "049190012345"
    with pytest.raises(Unauthorized) as caught:
        model.accounts.authenticate(NS, "049190012345", "Matkhau2026")
    assert caught.value.status == 401 and "mật khẩu" in caught.value.vi
    with pytest.raises(Unauthorized):
        model.accounts.authenticate(NS, "049190099999", PASSWORD)


def test_pending_account_with_wrong_password_says_wrong_password(model: NationalPortal) -> None:
    model.accounts.register(NS, reg())
    with pytest.raises(Unauthorized):  # never reveal that the account exists without its password
        model.accounts.authenticate(NS, "049190012345", "Sai12345")


def test_tech_id_and_subject_are_stable_and_distinct(model: NationalPortal) -> None:
    model.accounts.register(NS, reg())
    first = model.accounts.get(NS, "049190012345")
    model.accounts.confirm(NS, "049190012345", otp_of(model, "049190012345"))
    second = model.accounts.get(NS, "049190012345")
    assert first is not None and second is not None
    assert first.tech_id == second.tech_id and first.subject == second.subject and first.tech_id != first.subject


def test_claims_of_each_account_type(model: NationalPortal) -> None:
    citizen = model.accounts.create_active(NS, reg())
    company = model.accounts.create_active(NS, business())
    office = model.accounts.create_active(NS, agency())
    c = citizen.claims()
    assert (c["LoaiTaiKhoan"], c["SoDinhDanh"], c["HoVaTen"], c["QuocTich"]) == (1, "049190012345", "Phạm Thị Lan",
                                                                                "VN")
    assert (c["NgayThangNamSinh"], c["GioiTinh"], c["TechID"], c["sub"]) == ("20/05/1990", "Nữ", citizen.tech_id,
                                                                           citizen.subject)
    b = company.claims()
    assert (b["LoaiTaiKhoan"], b["MaSoThue"], b["MaSoDoanhNghiep"], b["TenDoanhNghiep"]) == (
        2, "4000123456", "4000123456", "Công ty TNHH Hội An Xanh")
    assert office.claims()["LoaiTaiKhoan"] == 3 and office.claims()["MaCoQuan"] == "000.00.12.H47"


def test_messages_filter_by_phone_email_or_username(model: NationalPortal) -> None:
    model.accounts.register(NS, reg())
    model.accounts.register(NS, business())
    assert [m["channel"] for m in model.accounts.messages(NS, "+84905123123")] == ["sms"]
    assert [m["channel"] for m in model.accounts.messages(NS, "LAN@example.vn")] == ["email"]
    assert len(model.accounts.messages(NS, "4000123456")) == 2
    assert len(model.accounts.messages(NS)) == 4
    assert model.accounts.messages("other") == []


# -- seed, reset, catalogue -----------------------------------------------------------------------------
def test_seed_creates_active_accounts_idempotently(model: NationalPortal) -> None:
    first = model.seed(NS)
    again = model.seed(NS)
    assert [a["tech_id"] for a in first["accounts"]] == [a["tech_id"] for a in again["accounts"]]
    kinds = {a["account_type"] for a in first["accounts"]}
    assert kinds == {"citizen", "business", "agency"}
    for a in first["accounts"]:
        assert model.accounts.authenticate(NS, a["username"], SEED_PASSWORD).status == "active"


def test_reset_forgets_only_the_namespace(model: NationalPortal) -> None:
    model.seed(NS)
    model.clock.set("other", START)            # another namespace of the same world
    model.seed("other")
    model.accounts.register(NS, reg())
    model.reset(NS)
    assert model.accounts.get(NS, "049190012345") is None
    assert model.accounts.messages(NS) == []
    assert model.accounts.get("other", "049090001234") is not None


def test_catalogue_by_national_and_localised_code(model: NationalPortal) -> None:
    procedures = model.catalogue.procedures()
    assert procedures and len({p["code"] for p in procedures}) == len(procedures)
    judicial = model.catalogue.find("2.000488")
    assert judicial is not None and "lý lịch tư pháp" in judicial["name"]
    assert model.catalogue.find("2.000488.000.00.00.H47") == judicial
    assert model.catalogue.find("2.0004880") is None
    assert model.catalogue.find("") is None and model.catalogue.find("nonsense") is None
    assert model.catalogue.procedures(q="lý lịch") and all(
        "lý lịch" in p["name"].lower() for p in model.catalogue.procedures(q="lý lịch"))
