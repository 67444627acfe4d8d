"""The Vietnamese test data: what the factory makes, the emulators accept; a seed repeats it."""

from __future__ import annotations

from datetime import date

from faker import Faker

from harness.testdata import FAMILY_NAMES, GIVEN_NAMES, MIDDLE_NAMES, DataFactory, VietnamProvider, ascii_fold
from mocks import data
from mocks.core.identifiers import carrier, check_tax_code, normalise_mobile, parse_citizen_id


def test_citizens_pass_the_national_rules() -> None:
    factory = DataFactory(seed=1, scope="w1")
    for _ in range(200):
        c = factory.citizen()
        info = parse_citizen_id(c["id_number"], today=date(2026, 1, 1))
        born = date.fromisoformat(c["birth_date"])
        assert info.birth_year == born.year and info.gender == c["gender"]
        assert normalise_mobile(c["phone"]) == c["phone"]
        family, *_middle, given = c["full_name"].split()
        assert family in dict(FAMILY_NAMES) and given in GIVEN_NAMES[c["gender"]]   # family name first
        assert c["email"].isascii() and "@" in c["email"]


def test_names_are_in_vietnamese_order_with_a_gendered_middle_name() -> None:
    faker = Faker("vi_VN")
    faker.add_provider(VietnamProvider)
    faker.seed_instance(3)
    for gender in ("male", "female"):
        for _ in range(50):
            parts = faker.vn_name(gender).split()
            middle = " ".join(parts[1:-1])
            assert middle in MIDDLE_NAMES[gender]


def test_mobile_numbers_by_carrier_and_tax_codes() -> None:
    faker = Faker("vi_VN")
    faker.add_provider(VietnamProvider)
    for name in ("Viettel", "Vinaphone", "MobiFone", "Vietnamobile", "Gmobile"):
        assert carrier(faker.vn_mobile(name)) == name
    assert check_tax_code(faker.tax_code()) and check_tax_code(faker.tax_code(branch=True)).count("-") == 1


def test_addresses_come_from_the_unit_data() -> None:
    faker = Faker("vi_VN")
    faker.add_provider(VietnamProvider)
    communes = {c["code"]: c for c in data.units()["communes"]}
    for _ in range(30):
        address = faker.qn_address()
        assert communes[address["commune_code"]]["district"] == address["district_code"]
        assert address["full"].endswith("Quảng Nam")


def test_the_same_seed_repeats_the_same_data_and_scopes_keep_ids_apart() -> None:
    first, again = DataFactory(seed=9, scope="a"), DataFactory(seed=9, scope="a")
    assert (first.citizen(), first.business()) == (again.citizen(), again.business())
    one, other = DataFactory(seed=9, scope="a"), DataFactory(seed=9, scope="b")
    ids = {one.citizen()["id_number"] for _ in range(300)}
    assert len(ids) == 300                                   # unique within a factory
    assert not ids & {other.citizen()["id_number"] for _ in range(300)}  # and across scopes


def test_ascii_fold() -> None:
    assert ascii_fold("Nguyễn Thị Đào") == "Nguyen Thi Dao"
