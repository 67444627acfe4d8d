"""The campaign statistics from a known mix of dossiers submitted through the API: every figure, to the dossier."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from harness.stack import Stack

from .backoffice import LLTP, LLTP_AGENCY, Province, T, b64, wait_for
from .conftest import PDF, full_form_for
from .test_api import pay_at_checkout

DISTRICT = "000.20.30.H47"      # UBND TP Tam Kỳ
COMMUNE = "001.20.30.H47"       # UBND Phường Tân Thạnh
FOR_AGENCIES = "9.100001"       # province, level 3, free, state agencies only (Sở Tư pháp)
HOUSEHOLD = "1.001612"          # district, level 3, 100.000 đ before, 3 working days
LAND = "9.200004"               # district, level 2, 100.000 đ after
BIRTH = "1.001193"              # commune, level 4, free
CERTIFY = "2.000815"            # commune, level 2, 2.000 đ before
ADDRESS = {"name": "Phạm Thị Lan", "phone": "0905123123", "address": "12 Phan Bội Châu", "province": "Quảng Nam",
           "district": "Thành phố Tam Kỳ", "commune": "Phường Tân Thạnh"}
PERSON = {"name": "Lê Văn Tám", "id_number": "049090001111", "type": 1, "phone": "0905111222"}


def body_for(province: Province, code: str, agency: str, **changes: Any) -> dict[str, Any]:
    procedure = requests.get(f"{province.base}/api/v1/procedures/{code}", headers={"X-DVC-Namespace": province.ns},
                             timeout=T).json()     # the catalogue of the namespace's date
    attachments = [{"code": a["code"], "filename": f"{a['code']}.pdf", "content_base64": b64(PDF)}
                   for a in procedure["attachments"] if a["required"]]
    return {"procedure_code": code, "agency_code": agency, "form": full_form_for(code), "attachments": attachments,
            "result_delivery": "counter", "payment_method": "counter", **changes}


def required(province: Province, code: str) -> list[str]:
    procedure = requests.get(f"{province.base}/api/v1/procedures/{code}", headers={"X-DVC-Namespace": province.ns},
                             timeout=T).json()
    return [a["code"] for a in procedure["attachments"] if a["required"]]


def published(province: Province, tier: str) -> list[str]:
    """The level-3/4 procedures of a tier, as the catalogue of the namespace's date publishes them."""
    items = requests.get(f"{province.base}/api/v1/procedures", params={"tier": tier, "limit": 1000},
                         headers={"X-DVC-Namespace": province.ns}, timeout=T).json()["items"]
    codes: list[str] = []
    for item in items:
        if item["level"] >= 3 and item["code"] not in codes:
            codes.append(item["code"])
    return codes


def localised(national: str) -> str:
    return f"{national}.000.00.00.H47"


@pytest.fixture
def province(dvc_stack: Stack, ns: str) -> Province:
    return Province(dvc_stack.urls, dvc_stack.config.credentials.admin_token, ns)


def test_every_figure_of_a_known_mix(province: Province) -> None:
    base = province.base
    lan = province.citizen()
    police = province.citizen("Công an tỉnh Quảng Nam", "000.00.17.H47", account_type=3, email="ca@quangnam.gov.vn",
                              phone="0905000111")
    other = province.citizen("Trần Văn Bốn", "049090004444", email="bon@example.vn", phone="0912000444")
    p_desk, p_spec = province.officer("p.desk", "desk"), province.officer("p.spec", "specialist")
    d_desk, d_spec = province.officer("d.desk", "desk", DISTRICT), province.officer("d.spec", "specialist", DISTRICT)
    c_desk, c_spec = province.officer("c.desk", "desk", COMMUNE), province.officer("c.spec", "specialist", COMMUNE)

    def online(http: requests.Session, body: dict[str, Any]) -> str:
        r = http.post(f"{base}/api/v1/dossiers", json=body, timeout=T)
        assert r.status_code == 201, r.text
        return str(r.json()["code"])

    def paper(desk: requests.Session, code: str, channel: int, **changes: Any) -> str:
        body = {"procedure_code": code, "channel": channel, "applicant": PERSON, "documents": required(province, code),
                **changes}
        r = desk.post(f"{base}/api/v1/officer/dossiers", json=body, timeout=T)
        assert r.status_code == 201, r.text
        return str(r.json()["code"])

    def finish(desk: requests.Session, specialist: requests.Session, code: str, *, received: bool = False) -> None:
        if not received:
            province.act(desk, code, "receive")
        province.act(specialist, code, "process")
        province.act(specialist, code, "result", {"documents": [{"name": "Kết quả"}]})

    # Before the period: a counter dossier received on Friday 26/4/2024.
    province.set_clock("2024-04-26T09:00:00+07:00")
    paper(p_desk, LLTP, 1)

    province.set_clock("2024-05-15T09:30:00+07:00")
    # Province tier (Sở Tư pháp).
    p1 = online(lan, {**body_for(province, LLTP, LLTP_AGENCY), "result_delivery": "post", "payment_method": "online",
                      "postal_address": ADDRESS})
    pay_at_checkout(lan, province.urls, p1)
    wait_for(lambda: lan.get(f"{base}/api/v1/dossiers/{p1}", timeout=T).json()["payment"]["paid_online"],
             what="the payment")
    finish(p_desk, p_spec, p1)                                           # 9, handed to the post, on time
    p2 = online(lan, body_for(province, LLTP, LLTP_AGENCY))
    province.act(p_desk, p2, "receive")                                  # 2, fee at the counter
    p3 = online(police, body_for(province, FOR_AGENCIES, LLTP_AGENCY))
    finish(p_desk, p_spec, p3)
    province.act(p_desk, p3, "return")                                   # 10, on time
    paper(p_desk, LLTP, 1)                                               # counter, fee collected at receipt
    paper(p_desk, LLTP, 3, result_delivery="post", postal_address=ADDRESS)   # by post, result by post
    online(other, body_for(province, LLTP, LLTP_AGENCY))                           # never received: in no figure
    p7 = online(other, body_for(province, LLTP, LLTP_AGENCY))
    province.act(p_desk, p7, "refuse", {"reason": "Sai thẩm quyền"})     # refused: in no figure
    # District tier (UBND TP Tam Kỳ).
    d1 = online(lan, body_for(province, HOUSEHOLD, DISTRICT))                      # due Monday 20/5
    province.act(d_desk, d1, "receive")
    province.act(d_spec, d1, "process")
    d2 = paper(d_desk, HOUSEHOLD, 1)
    finish(d_desk, d_spec, d2, received=True)                            # 9, on time
    paper(d_desk, HOUSEHOLD, 1)                                          # 2
    paper(d_desk, LAND, 1)                                               # level 2: not in the online share
    # Commune tier (UBND Phường Tân Thạnh).
    c1 = online(lan, body_for(province, BIRTH, COMMUNE))
    finish(c_desk, c_spec, c1)
    province.act(c_desk, c1, "return")                                   # 10, on time
    paper(c_desk, BIRTH, 1)
    paper(c_desk, CERTIFY, 3)                                            # level 2, by post, 2.000 đ at receipt

    province.set_clock("2024-05-21T10:00:00+07:00")
    province.act(d_spec, d1, "result", {"documents": [{"name": "Giấy chứng nhận đăng ký hộ kinh doanh"}]})  # late
    province.act(d_desk, d1, "return")                                   # the 100.000 đ collected at the counter
    for http, code, rating in ((police, p3, 1), (lan, d1, 3), (lan, c1, 2)):
        assert http.post(f"{base}/api/v1/dossiers/{code}/rating", json={"rating": rating}, timeout=T).ok

    # After the period.
    province.set_clock("2024-06-03T09:00:00+07:00")
    paper(p_desk, LLTP, 1)

    r = requests.get(f"{base}/api/v1/stats/online-rate", params={"from": "2024-05-01", "to": "2024-05-31"},
                     headers={"X-DVC-Namespace": province.ns}, timeout=T)
    assert r.status_code == 200, r.text
    figures = r.json()
    assert (figures["from"], figures["to"]) == ("2024-05-01", "2024-05-31")

    def without(tier: str, used: list[str]) -> list[str]:
        return [code for code in published(province, tier) if code not in {localised(u) for u in used}]

    assert figures["province"] == {
        "tier": "province", "received": 5, "counter": 1, "online": 3, "post": 1,
        "eligible": 5, "eligible_online": 3, "online_rate": 60.0, "online_target": 90.0, "meets_target": False,
        "level4_received": 4, "level4_online": 2, "level4_rate": 50.0,
        "fee_due": 4, "paid_online": 1, "online_paid_rate": 25.0,
        "postal_return": 2, "postal_return_rate": 40.0,
        "finished": 2, "finished_on_time": 2, "on_time_rate": 100.0,
        "rated": 1, "satisfied": 0, "satisfaction_rate": 0.0,
        "published_procedures": 20, "procedures_without_dossiers": without("province", ["2.000488", FOR_AGENCIES]),
    }
    assert len(figures["province"]["procedures_without_dossiers"]) == 18
    assert figures["district"] == {
        "tier": "district", "received": 4, "counter": 3, "online": 1, "post": 0,
        "eligible": 3, "eligible_online": 1, "online_rate": 33.33, "online_target": 90.0, "meets_target": False,
        "level4_received": 0, "level4_online": 0, "level4_rate": None,
        "fee_due": 4, "paid_online": 0, "online_paid_rate": 0.0,
        "postal_return": 0, "postal_return_rate": 0.0,
        "finished": 2, "finished_on_time": 1, "on_time_rate": 50.0,
        "rated": 1, "satisfied": 1, "satisfaction_rate": 100.0,
        "published_procedures": 11, "procedures_without_dossiers": without("district", [HOUSEHOLD]),
    }
    assert figures["commune"] == {
        "tier": "commune", "received": 3, "counter": 1, "online": 1, "post": 1,
        "eligible": 2, "eligible_online": 1, "online_rate": 50.0, "online_target": 70.0, "meets_target": False,
        "level4_received": 2, "level4_online": 1, "level4_rate": 50.0,
        "fee_due": 1, "paid_online": 0, "online_paid_rate": 0.0,
        "postal_return": 0, "postal_return_rate": 0.0,
        "finished": 1, "finished_on_time": 1, "on_time_rate": 100.0,
        "rated": 1, "satisfied": 1, "satisfaction_rate": 100.0,
        "published_procedures": 11, "procedures_without_dossiers": without("commune", [BIRTH]),
    }
    total = figures["total"]
    assert (total["received"], total["counter"], total["online"], total["post"]) == (12, 5, 5, 2)
    assert (total["online_rate"], total["level4_rate"], total["online_paid_rate"]) == (50.0, 50.0, 11.11)
    assert (total["postal_return_rate"], total["on_time_rate"], total["satisfaction_rate"]) == (16.67, 80.0, 66.67)
    assert total["published_procedures"] == 42 and len(total["procedures_without_dossiers"]) == 38

    agencies = {a["agency_code"]: a for a in figures["agencies"]}
    assert len(agencies) == 78
    justice = agencies[LLTP_AGENCY]
    assert {k: v for k, v in justice.items() if k not in ("agency_code", "agency_name")} == \
        {**figures["province"], "procedures_without_dossiers": [], "published_procedures": 2}
    tam_ky = agencies[DISTRICT]
    assert (tam_ky["received"], tam_ky["online_rate"], tam_ky["on_time_rate"]) == (4, 33.33, 50.0)
    assert len(tam_ky["procedures_without_dossiers"]) == 10 and tam_ky["published_procedures"] == 11
    hoi_an = agencies["000.21.30.H47"]
    assert hoi_an["received"] == 0 and hoi_an["online_rate"] is None
    assert len(hoi_an["procedures_without_dossiers"]) == 11
    assert agencies[COMMUNE]["received"] == 3

    # A narrower period without any receipt, and the month before.
    empty = requests.get(f"{base}/api/v1/stats/online-rate", params={"from": "2024-05-01", "to": "2024-05-14"},
                         headers={"X-DVC-Namespace": province.ns}, timeout=T).json()
    assert empty["total"]["received"] == 0 and empty["province"]["online_rate"] is None
    april = requests.get(f"{base}/api/v1/stats/online-rate", params={"from": "2024-04-01", "to": "2024-04-30"},
                         headers={"X-DVC-Namespace": province.ns}, timeout=T).json()
    assert april["province"]["received"] == 1 and april["province"]["counter"] == 1

    csv = requests.get(f"{base}/api/v1/stats/online-rate.csv", params={"from": "2024-05-01", "to": "2024-05-31"},
                       headers={"X-DVC-Namespace": province.ns}, timeout=T).content.decode("utf-8-sig").splitlines()
    header = csv[0].split(",")
    district_row = dict(zip(header, csv[2].split(","), strict=True))
    assert (district_row["scope"], district_row["tier"]) == ("tier", "district")
    assert (district_row["received"], district_row["online_rate"], district_row["on_time_rate"]) == ("4", "33.33",
                                                                                                     "50.0")
    assert district_row["level4_rate"] == "" and len(district_row["procedures_without_dossiers"].split(" ")) == 10
    assert len(csv) == 1 + 3 + 1 + 78
