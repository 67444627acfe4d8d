"""The dossier-sync gateway over HTTP, and the look-up of what it received."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from harness.stack import Stack

from .test_model_sync import CODE, dossier, progress

T = 5


@pytest.fixture
def session(base: str, headers: dict[str, str], dvc_stack: Stack) -> str:
    creds = dvc_stack.config.credentials
    r = requests.post(f"{base}/sync/login", json={"username": creds.sync_username, "password": creds.sync_password},
                      headers=headers, timeout=T)
    assert r.status_code == 200 and r.json()["error_code"] == 0
    return r.json()["session"]


def service(base: str, headers: dict[str, str], session: str, name: str, **body: Any) -> requests.Response:
    payload = {"session": session, "madonvi": "000.00.12.H47", "service": name, **body}
    return requests.post(f"{base}/sync/service", json=payload, headers=headers, timeout=T)


def test_push_progress_and_look_up(base: str, headers: dict[str, str], session: str) -> None:
    r = service(base, headers, session, "DongBoHoSoMC", isUpdating=False, data=[dossier()])
    assert r.status_code == 200 and r.json()["error_code"] == 0 and r.json()["message"]
    assert r.json()["result"] == [{"MaHoSo": CODE, "action": "created"}]
    r = service(base, headers, session, "CapNhatTienDoHoSoMC", data=[progress()])
    assert r.status_code == 200 and r.json()["error_code"] == 0

    found = service(base, headers, session, "TraCuuHoSo", mahoso=CODE).json()
    assert found["error_code"] == 0 and found["result"]["TrangThaiHoSo"] == 4
    assert found["result"]["QuaTrinhXuLy"][0]["NguoiXuLy"] == "Nguyễn Văn Bình"

    lookup = requests.get(f"{base}/api/v1/lookup/{CODE}", headers=headers, timeout=T).json()
    assert lookup["status"] == 4 and lookup["status_name"] == "Đang xử lý" and len(lookup["progress"]) == 1

    page = requests.get(f"{base}/tra-cuu", params={"ma": CODE}, headers=headers, timeout=T)
    assert page.status_code == 200
    for text in (CODE, "Đang xử lý", "Cấp Phiếu lý lịch tư pháp", "Sở Tư pháp tỉnh Quảng Nam", "Nguyễn Văn Bình",
                 "Thẩm định hồ sơ", "17/03/2025"):
        assert text in page.text, text


def test_replay_and_update(base: str, headers: dict[str, str], session: str) -> None:
    service(base, headers, session, "DongBoHoSoMC", isUpdating=False, data=[dossier()])
    replay = service(base, headers, session, "DongBoHoSoMC", isUpdating=False, data=[dossier()])
    assert replay.json()["error_code"] == 0 and replay.json()["result"][0]["action"] == "unchanged"
    clash = service(base, headers, session, "DongBoHoSoMC", isUpdating=False, data=[dossier(TrangThaiHoSo=3)])
    assert clash.status_code == 409 and clash.json()["error_code"] != 0
    update = service(base, headers, session, "DongBoHoSoMC", isUpdating="true", data=[dossier(TrangThaiHoSo=10,
                                                                                             NgayTra="20250317100000")])
    assert update.json()["result"][0]["action"] == "updated"
    assert requests.get(f"{base}/api/v1/lookup/{CODE}", headers=headers, timeout=T).json()["status"] == 10


def test_invalid_item_names_the_item_and_field(base: str, headers: dict[str, str], session: str) -> None:
    r = service(base, headers, session, "DongBoHoSoMC", isUpdating=False,
                data=[dossier(MaHoSo="000.00.12.H47-250303-0002"), dossier(KenhThucHien=7)])
    body = r.json()
    assert r.status_code == 400 and body["error_code"] != 0
    assert "data[1]" in body["message"] and "KenhThucHien" in body["message"]
    assert body["error"]["details"][0] == {**body["error"]["details"][0], "index": 1, "field": "KenhThucHien"}


def test_login_and_session_errors(base: str, headers: dict[str, str], session: str, admin: dict[str, str]) -> None:
    r = requests.post(f"{base}/sync/login", json={"username": "quangnam_lgsp", "password": "wrong"}, headers=headers,
                      timeout=T)
    assert r.status_code == 401 and r.json()["error_code"] != 0
    r = service(base, headers, "made-up", "LayDanhSachTTHC")
    assert r.status_code == 401 and r.json()["error_code"] != 0
    requests.post(f"{base}/_admin/clock", json={"advance_seconds": 1801}, headers=admin, timeout=T)
    r = service(base, headers, session, "LayDanhSachTTHC")
    assert r.status_code == 401 and r.json()["error_code"] != 0


def test_bad_requests(base: str, headers: dict[str, str], session: str) -> None:
    url = f"{base}/sync/service"
    r = requests.post(url, data="{oops", headers={**headers, "Content-Type": "application/json"}, timeout=T)
    assert r.status_code == 400 and r.json()["error_code"] != 0
    r = requests.post(f"{base}/sync/login", json={"username": "x"}, headers=headers, timeout=T)
    assert r.status_code == 400 and r.json()["error_code"] != 0
    r = requests.post(url, json=["not", "an", "object"], headers=headers, timeout=T)
    assert r.status_code == 400 and r.json()["error_code"] != 0
    r = requests.post(url, json={"session": session, "service": "DongBoHoSoMC", "madonvi": "000.00.12.H47",
                                 "data": {"MaHoSo": CODE}}, headers=headers, timeout=T)
    assert r.status_code == 400 and r.json()["error_code"] != 0
    r = service(base, headers, session, "KhongCo")
    assert r.status_code == 400 and r.json()["error_code"] != 0
    r = service(base, headers, session, "CapNhatTienDoHoSoMC", data=[progress(MaHoSo="000.00.12.H47-250303-0404")])
    assert r.status_code == 404 and r.json()["error_code"] != 0


def test_catalogue_services(base: str, headers: dict[str, str], session: str) -> None:
    listing = service(base, headers, session, "LayDanhSachTTHC").json()
    assert listing["error_code"] == 0 and len(listing["result"]) > 0
    one = service(base, headers, session, "LayThuTuc", maTTHC="2.000488").json()
    assert one["result"]["MaTTHC"] == "2.000488"
