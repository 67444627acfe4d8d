"""Addresses by date: three levels before 1 July 2025, two from then on (province and commune, ward or special zone),
for the submission, the desk's entry, the postal order, the test data — and the post's reading of an old one."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from harness.testdata import DataFactory
from mocks import data
from mocks.core.errors import DomainError
from mocks.core.timefmt import VN_TZ
from mocks.postal.places import Tariff, office_for
from mocks.provincial.delivery import order_request
from mocks.provincial.dossier.address import InvalidAddress, parse_address
from mocks.provincial.model import ProvincialPortal
from scenarios.portal import PostalAddress

from .conftest import ADDRESS, LLTP, claims, lltp_files, lltp_form

TWO_LEVELS = {"name": "Nguyễn Thị Thu Hà", "phone": "0912 345 678", "address": "12 Phan Bội Châu",
              "province": "Đà Nẵng", "commune": "Phường Bàn Thạch"}
CITY_LLTP_AGENCY = "000.00.12.H15"     # Sở Tư pháp thành phố Đà Nẵng


def refusal(fn: Any, *args: Any, **kwargs: Any) -> Any:
    with pytest.raises((DomainError, InvalidAddress)) as info:
        fn(*args, **kwargs)
    return info.value


def test_two_tier_an_address_has_two_levels_from_the_date() -> None:
    three = parse_address(ADDRESS)
    assert (three.district, three.commune) == ("Thành phố Tam Kỳ", "Phường Tân Thạnh")
    two = parse_address(TWO_LEVELS, two_levels=True)
    assert (two.province, two.district, two.commune) == ("Đà Nẵng", "", "Phường Bàn Thạch")
    # a district after the date is refused, saying why; a missing commune too
    problems = refusal(parse_address, ADDRESS, two_levels=True).problems
    assert [p["field"] for p in problems] == ["district"] and "không còn cấp huyện" in problems[0]["problem"]
    problems = refusal(parse_address, {**TWO_LEVELS, "commune": ""}, two_levels=True).problems
    assert [p["field"] for p in problems] == ["commune"] and "xã/phường/đặc khu" in problems[0]["problem"]
    # before the date the district is required
    problems = refusal(parse_address, TWO_LEVELS).problems
    assert [p["field"] for p in problems] == ["district"]


def test_two_tier_a_postal_return_takes_a_two_level_address(portal: ProvincialPortal) -> None:
    portal.clock.set("t", datetime(2025, 7, 2, 9, 30, tzinfo=VN_TZ))
    citizen, _ = portal.accounts.link_sso("t", claims(IAL=2))
    offering = portal.dossiers.resolve_offering("t", LLTP, None)
    assert offering.agency.code == CITY_LLTP_AGENCY

    def submit(address: dict[str, str]) -> Any:
        return portal.dossiers.submit("t", citizen, offering, lltp_form(), lltp_files(), "post", "online", address)

    err = refusal(submit, ADDRESS)
    assert err.code == "POSTAL_ADDRESS_INVALID" and err.details[0]["field"] == "district"
    d = submit(TWO_LEVELS)
    assert d.postal_address is not None and d.postal_address.district == ""
    # the postal order: the city's department sends from Đà Nẵng, with no district, to a two-level address
    order = order_request(portal.config, portal.catalogues, d, d.postal_address)
    assert (order["Sender"]["Province"], order["Sender"]["District"]) == ("Đà Nẵng", "")
    assert order["Receiver"]["Province"] == "Đà Nẵng" and order["Receiver"]["District"] == ""
    assert "Phường Bàn Thạch" in order["Receiver"]["Address"]


def test_two_tier_the_post_reads_an_old_address_after_the_date() -> None:
    tariff = Tariff()
    # before: Quảng Nam and Đà Nẵng are two provinces
    assert tariff.fee("Đà Nẵng", "Quảng Nam") == tariff.other_province
    assert office_for("", "Quảng Nam") == "Bưu cục Tam Kỳ"
    # after: an old address naming Quảng Nam is the city's, its former district picks the office of its area
    assert tariff.fee("Đà Nẵng", "Tỉnh Quảng Nam", two_tiers=True) == tariff.within_province
    assert office_for("Huyện Đại Lộc", "Quảng Nam", two_tiers=True) == "Bưu cục Đại Lộc"
    assert office_for("", "Thành phố Đà Nẵng", two_tiers=True) == "Bưu cục Đà Nẵng"
    assert office_for("", "Quảng Ngãi", two_tiers=True) == "Bưu cục phát Quảng Ngãi"


def test_two_tier_test_data_and_the_journeys_address_take_two_levels() -> None:
    factory = DataFactory(seed=5, two_levels=True)
    address = factory.postal_address()
    communes = {c["name"] for c in data.units("danang")["communes"]}
    assert address["district"] == "" and address["province"] == "Đà Nẵng" and address["commune"] in communes
    assert "Quảng Nam" not in factory.citizen()["address"]
    journey_address = PostalAddress.from_mapping(address)
    assert journey_address.district == "" and journey_address.commune == address["commune"]
    three = DataFactory(seed=5).postal_address()
    assert three["district"] and three["province"] == "Quảng Nam"


def test_two_tier_statistics_follow_the_period_s_dates(portal: ProvincialPortal) -> None:
    """Not the clock: a period of July 2025 has no district tier (null), one of June 2025 has; across the date, both
    catalogues count."""
    portal.clock.set("t", datetime(2022, 1, 31, 9, 0, tzinfo=VN_TZ))     # the clock is not what decides
    july = portal.stats.compute("t", "2025-07-01", "2025-07-31")
    assert july["district"] is None and july["tiers"] == ["province", "commune"]
    assert {a["agency_code"][-3:] for a in july["agencies"]} == {"H15"}
    assert "tier,district" not in portal.stats.csv(july).replace('"', "")
    june = portal.stats.compute("t", "2025-06-01", "2025-06-30")
    assert june["district"] is not None and june["tiers"] == ["province", "district", "commune"]
    assert {a["agency_code"][-3:] for a in june["agencies"]} == {"H47"}
    across = portal.stats.compute("t", "2025-06-15", "2025-07-15")
    assert across["district"] is not None and {a["agency_code"][-3:] for a in across["agencies"]} == {"H47", "H15"}
