from datetime import date

import pytest

from mocks.core.identifiers import (
    InvalidIdentifier,
    carrier,
    check_tax_code,
    compose_citizen_id,
    is_old_id,
    normalise_mobile,
    parse_citizen_id,
)


def test_parses_a_quang_nam_woman_born_in_1990() -> None:
    info = parse_citizen_id("049190123456", today=date(2022, 1, 1))
    assert (info.province_code, info.province, info.gender, info.birth_year) == ("049", "Quảng Nam", "female", 1990)


def test_2000s_century_digits() -> None:
    assert parse_citizen_id("048205000001", today=date(2022, 1, 1)).gender == "male"
    assert parse_citizen_id("048305000001", today=date(2022, 1, 1)).birth_year == 2005


@pytest.mark.parametrize("number, fragment", [
    ("04919012345", "12"),            # 11 digits
    ("0491901234567", "12"),          # 13 digits
    ("04919012345a", "12"),
    ("003190123456", "'003'"),        # no province 003
    ("049490123456", "'4'"),          # 22nd century is not issued yet
    ("049225123456", "2025"),         # born in the future (today is 2022)
])
def test_refuses_malformed_id_numbers(number: str, fragment: str) -> None:
    with pytest.raises(InvalidIdentifier) as err:
        parse_citizen_id(number, today=date(2022, 1, 1))
    assert err.value.code == "INVALID_ID_NUMBER"
    assert fragment in err.value.en


def test_compose_round_trips() -> None:
    number = compose_citizen_id("049", "female", 2003, 42)
    assert number == "049303000042"
    info = parse_citizen_id(number, today=date(2022, 1, 1))
    assert (info.gender, info.birth_year) == ("female", 2003)


def test_old_id_numbers_are_nine_digits() -> None:
    assert is_old_id("205123456") and not is_old_id("2051234567")


def test_tax_codes() -> None:
    assert check_tax_code("0401234567") == "0401234567"
    assert check_tax_code("0401234567-001") == "0401234567-001"
    for bad in ("040123456", "0401234567-01", "04012345678", "abc"):
        with pytest.raises(InvalidIdentifier):
            check_tax_code(bad)


def test_mobile_numbers_by_carrier_prefix() -> None:
    assert normalise_mobile("+84 912 345 678") == "0912345678"
    assert normalise_mobile("84-986-123-456") == "0986123456"
    assert carrier("0325123456") == "Viettel" and carrier("0589123456") == "Vietnamobile"
    for bad in ("0112345678", "091234567", "02353812345", "09123456789"):
        with pytest.raises(InvalidIdentifier):
            normalise_mobile(bad)


def test_only_ascii_digits_count() -> None:
    with pytest.raises(InvalidIdentifier):
        parse_citizen_id("０４９１９０１２３４５６", today=date(2022, 1, 1))
    with pytest.raises(InvalidIdentifier):
        check_tax_code("０４０１２３４５６７")
    with pytest.raises(InvalidIdentifier):
        normalise_mobile("091２３４５６７８")
