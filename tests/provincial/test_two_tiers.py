"""The 2025 map: from 1 July 2025 the provincial emulator is the portal of thành phố Đà Nẵng, two tiers, and the
dossiers in flight at district agencies pass to the receiving units (docs/protocols.md, "The 2025 map")."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests

from harness.clients import ClientError, OfficerClient, Platform, sample_attachments, sample_form
from harness.stack import Stack
from harness.testdata import DataFactory
from mocks import data

PROFILES = Path(data.__file__).parent / "profiles"
BEFORE = "2025-06-30T10:00:00+07:00"     # a Monday, three tiers, Quảng Nam
TAM_KY = "000.20.30.H47"                 # UBND Thành phố Tam Kỳ (a district)
PHUONG_TAM_KY = "001.00.30.H15"          # UBND Phường Tam Kỳ (a commune of thành phố Đà Nẵng)
HOUSEHOLD = "1.001612"                   # household business registration: district, then commune


def read(name: str) -> Any:
    return json.loads((PROFILES / name).read_text(encoding="utf-8"))


def test_two_tier_mapping_is_total_for_its_verified_subset() -> None:
    """Resolution 1659/NQ-UBTVQH15: each former unit of the verified subset maps to exactly one new unit of the profile,
    and every former district of Quảng Nam names a receiving unit that exists."""
    reorganisation, units = read("danang/reorganisation.json"), read("danang/units.json")
    agencies = {a["code"] for a in read("danang/agencies.json")["agencies"]}
    old = read("quangnam/units.json")
    assert "1659/NQ-UBTVQH15" in reorganisation["source"]
    new_codes = {c["code"] for c in units["communes"]}
    subset = reorganisation["verified_subset"]
    expected = {c["code"] for c in old["communes"] if c["district"] in subset["districts"]} | set(subset["units"])
    mapped: dict[str, list[str]] = {}
    for row in reorganisation["communes"]:
        mapped.setdefault(row["former_code"], []).append(row["new_code"])
        assert row["new_code"] in new_codes and row["source"]
    assert set(mapped) == expected and all(len(v) == 1 for v in mapped.values())
    assert len(expected) >= 12
    districts = {d["code"] for d in old["districts"]}
    assert {row["former_code"] for row in reorganisation["districts"]} == districts
    assert all(row["receiving_agency"] in agencies for row in reorganisation["districts"])
    profile = read("danang/profile.json")
    assert profile["tiers"] == ["province", "commune"] and profile["commune_units"] == {
        "total": 94, "wards": 23, "communes": 70, "special_zones": 1}
    assert (profile["area_km2"], profile["population"]) == (11859.59, 3065628)


def test_two_tier_every_former_district_procedure_moved_with_its_source() -> None:
    before = {p["national_code"]: p for p in read("quangnam/procedures.json")["procedures"]}
    after = {p["national_code"]: p for p in read("danang/procedures.json")["procedures"]}
    assert set(before) == set(after)
    for code, p in before.items():
        if p["tier"] == "district":
            moved = after[code]["moved"]
            assert moved["from"] == "district" and moved["to"] in ("commune", "province") and moved["source"]
            assert after[code]["tier"] == moved["to"]
        else:
            assert "moved" not in after[code] and after[code]["tier"] == p["tier"]
    assert not any(p["tier"] == "district" for p in after.values())


@pytest.fixture
def platform(dvc_stack: Stack, ns: str) -> Platform:
    platform = Platform.connect(dvc_stack.info, namespace=ns)
    platform.national.set_clock(BEFORE, frozen=True)
    return platform


def citizen_on_vneid(platform: Platform, ns: str) -> dict[str, Any]:
    """A citizen logged in on the provincial portal through DVCQG and VNeID (citizens use it since 2024-07-01)."""
    citizen = DataFactory(seed=3, scope=ns).citizen()
    assert platform.vneid is not None
    platform.vneid.person(citizen, level=2)
    platform.provincial.login_vneid(citizen["id_number"], citizen["password"], platform.vneid)
    return citizen


def officer(platform: Platform, agency: str, name: str, role: str = "specialist") -> OfficerClient:
    made = platform.provincial.create_officer({"username": name, "full_name": "Cán bộ " + name, "agency_code": agency,
                                               "role": role})
    client = OfficerClient(platform.provincial.base_url, namespace=platform.provincial.namespace,
                           admin_token=platform.info.admin_token, session=requests.Session())
    client.login(name, made["password"])
    return client


def test_two_tier_the_portal_becomes_danang_on_1_july_2025(platform: Platform) -> None:
    home = platform.provincial.request("GET", "/")
    assert "Cổng Dịch vụ công tỉnh Quảng Nam" in home.text and "Cấp huyện" in home.text
    assert platform.provincial.call("GET", "/api/v1/agencies", params={"tier": "district"})["total"] == 18
    fast = platform.provincial.call("GET", "/api/v1/procedures")
    assert fast["items"][0]["code"].endswith(".H47")
    platform.national.set_clock("2025-07-01T08:00:00+07:00")
    home = platform.provincial.request("GET", "/")
    assert "Cổng Dịch vụ công thành phố Đà Nẵng" in home.text and "Cấp huyện" not in home.text
    assert platform.provincial.call("GET", "/api/v1/agencies", params={"tier": "district"})["total"] == 0
    communes = platform.provincial.call("GET", "/api/v1/agencies", params={"tier": "commune"})["items"]
    assert "UBND Phường Tam Kỳ" in [a["name"] for a in communes]
    household = platform.provincial.procedure(HOUSEHOLD)
    assert household["tier"] == "commune" and household["moved"]["from"] == "district"
    assert household["code"] == f"{HOUSEHOLD}.000.00.00.H15"
    # the hot read (answered before the web framework) and the route answer the namespace's date alike
    fast = platform.provincial.call("GET", "/api/v1/procedures")
    routed = platform.provincial.call("GET", "/api/v1/procedures", params={"limit": 50, "offset": 0, "level": ""})
    assert fast["items"][0]["code"].endswith(".H15") and fast["total"] == routed["total"]


def test_two_tier_a_former_district_procedure_is_filed_at_a_commune(platform: Platform, ns: str) -> None:
    platform.national.set_clock("2025-07-02T09:00:00+07:00")
    citizen_on_vneid(platform, ns)
    household = platform.provincial.procedure(HOUSEHOLD)
    dossier = platform.provincial.submit(HOUSEHOLD, agency_code=PHUONG_TAM_KY, form=sample_form(household),
                                         attachments=sample_attachments(household), payment_method="counter")
    assert dossier["code"].startswith(PHUONG_TAM_KY + "-250702-") and dossier["status"] == 1
    # ...and no district agency takes it any more
    with pytest.raises(ClientError) as gone:
        platform.provincial.submit(HOUSEHOLD, agency_code=TAM_KY, form=sample_form(household),
                                   attachments=sample_attachments(household), payment_method="counter")
    assert gone.value.status == 404 and gone.value.code == "AGENCY_NOT_FOUND"


def test_two_tier_a_dossier_in_flight_crosses_1_july_2025(platform: Platform, ns: str) -> None:
    citizen_on_vneid(platform, ns)
    household = platform.provincial.procedure(HOUSEHOLD)
    assert household["tier"] == "district"
    dossier = platform.provincial.submit(HOUSEHOLD, agency_code=TAM_KY, form=sample_form(household),
                                         attachments=sample_attachments(household), payment_method="counter")
    code = dossier["code"]
    district = officer(platform, TAM_KY, "tamky.huyen", role="desk")
    district.act(code, "receive")
    received = platform.provincial.dossier(code)
    platform.provincial.flush_outbox()
    assert platform.national.lookup(code)["agency_code"] == TAM_KY
    count_before = platform.provincial.all_dossiers()["total"]
    # the clock crosses midnight of 30 June 2025
    platform.national.set_clock("2025-07-01T08:00:00+07:00")
    handed = platform.provincial.dossier(code)
    assert handed["code"] == code and handed["status"] == 2 and handed["agency_code"] == PHUONG_TAM_KY
    assert handed["history"][-1]["action"] == "handed_over" and "UBND Phường Tam Kỳ" in handed["history"][-1]["note"]
    assert handed["appointment_date"] == received["appointment_date"]                 # its dates stay
    assert platform.provincial.all_dossiers()["total"] == count_before               # nothing lost
    # the national portal is told the new unit, under the same code; nothing it was sent is refused
    platform.provincial.flush_outbox()
    looked_up = platform.national.lookup(code)
    assert looked_up["agency_code"] == PHUONG_TAM_KY and looked_up["status"] == 2
    assert platform.provincial.outbox(kind="national_sync", status="rejected") == []
    # the receiving unit's officer has it and goes on; the former district's officer no longer sees it
    commune = officer(platform, PHUONG_TAM_KY, "tamky.phuong")
    assert code in [d["code"] for d in commune.dossiers()["items"]]
    assert commune.act(code, "process")["status"] == 4
    with pytest.raises(ClientError) as other:
        district.dossier(code)
    assert other.value.code == "OTHER_AGENCY"
    # the hand-over happened once
    assert [h["action"] for h in platform.provincial.dossier(code)["history"]].count("handed_over") == 1


def test_two_tier_the_2022_world_keeps_three_tiers(platform: Platform) -> None:
    platform.national.set_clock("2022-01-31T08:00:00+07:00")
    assert platform.provincial.procedure(HOUSEHOLD)["tier"] == "district"
    with pytest.raises(ClientError) as refused:
        platform.provincial.call("GET", f"/api/v1/procedures/{HOUSEHOLD}.000.00.00.H15")
    assert refused.value.status == 404
