"""Rules of the dossier-sync gateway: sessions, validation, replays, updates, progress, look-up."""

from __future__ import annotations

from typing import Any

import pytest

from mocks.core.clock import Clock
from mocks.core.config import StackConfig
from mocks.national.model import NationalPortal
from mocks.national.sync import (
    ERR_CONFLICT,
    ERR_DATA,
    ERR_FORBIDDEN,
    ERR_LOGIN,
    ERR_NOT_FOUND,
    ERR_SERVICE,
    ERR_SESSION,
    SESSION_SECONDS,
    SyncError,
    SyncGateway,
)

from .conftest import NS

CODE = "000.00.12.H47-250303-0001"


def dossier(**changes: Any) -> dict[str, Any]:
    item = {
        "MaHoSo": CODE, "MaTTHC": "2.000488.000.00.00.H47", "TenTTHC": "Cấp Phiếu lý lịch tư pháp",
        "KenhThucHien": 2, "ChuHoSo": "Phạm Thị Lan", "SoGiayToChuHoSo": "049190012345", "LoaiDoiTuong": 1,
        "Email": "lan@example.vn", "SoDienThoai": "0905123123", "TrichYeuHoSo": "Cấp phiếu số 1",
        "NgayNopHoSo": "20250303090000", "NgayTiepNhan": "20250303091500", "NgayHenTra": "20250317170000",
        "TrangThaiHoSo": 2, "NgayTra": "", "HinhThuc": 1, "DonViXuLy": "Sở Tư pháp tỉnh Quảng Nam",
        "DuocThanhToanTrucTuyen": 1, "TaiLieuNop": [{"TenTepDinhKem": "to-khai.pdf"}], "DanhSachLePhi": [],
    }
    item.update(changes)
    return {k: v for k, v in item.items() if v is not None}


def progress(**changes: Any) -> dict[str, Any]:
    return {"MaHoSo": CODE, "NguoiXuLy": "Nguyễn Văn Bình", "ChucDanh": "Chuyên viên",
            "ThoiDiemXuLy": "20250304100000", "PhongBanXuLy": "Phòng Hành chính tư pháp",
            "NoiDungXuLy": "Thẩm định hồ sơ", "TrangThai": 4, "NgayBatDau": "20250304080000",
            "NgayKetThucTheoQuyDinh": "20250310170000", **changes}


@pytest.fixture
def gw(model: NationalPortal) -> SyncGateway:
    return model.sync


@pytest.fixture
def session(gw: SyncGateway, config: StackConfig) -> str:
    return gw.login(NS, config.credentials.sync_username, config.credentials.sync_password)["session"]


def call(gw: SyncGateway, session: str, service: str, **body: Any) -> dict[str, Any]:
    return gw.call(NS, {"session": session, "madonvi": "000.00.12.H47", "service": service, **body})


def push(gw: SyncGateway, session: str, *items: dict[str, Any], updating: bool = False) -> list[dict[str, Any]]:
    answer = call(gw, session, "DongBoHoSoMC", isUpdating=updating, data=list(items))
    assert answer["error_code"] == 0
    return answer["result"]


def sync_error(fn: Any, *args: Any, **kwargs: Any) -> SyncError:
    with pytest.raises(SyncError) as caught:
        fn(*args, **kwargs)
    body = caught.value.body()
    assert body["error_code"] == caught.value.error_code != 0 and body["message"]
    return caught.value


# -- sessions ----------------------------------------------------------------------------------------------
def test_login_with_the_built_in_account(gw: SyncGateway, config: StackConfig) -> None:
    answer = gw.login(NS, config.credentials.sync_username, config.credentials.sync_password)
    assert answer["error_code"] == 0 and len(answer["session"]) > 20


def test_wrong_login(gw: SyncGateway, config: StackConfig) -> None:
    error = sync_error(gw.login, NS, config.credentials.sync_username, "wrong")
    assert (error.status, error.error_code) == (401, ERR_LOGIN)
    assert sync_error(gw.login, NS, "nobody", "x").error_code == ERR_LOGIN


def test_registered_account_logs_in(gw: SyncGateway) -> None:
    gw.register_account("hue_lgsp", "MatKhau-Hue-1", "000.00.00.H33")
    assert gw.login(NS, "hue_lgsp", "MatKhau-Hue-1")["error_code"] == 0
    assert sync_error(gw.login, NS, "hue_lgsp", "MatKhau-Hue-2").error_code == ERR_LOGIN
    assert [a["username"] for a in gw.accounts()][1:] == ["hue_lgsp"]


def test_session_expires_after_thirty_minutes(gw: SyncGateway, session: str, clock: Clock) -> None:
    assert call(gw, session, "LayDanhSachTTHC")["error_code"] == 0
    clock.advance(NS, SESSION_SECONDS + 1)
    error = sync_error(call, gw, session, "LayDanhSachTTHC")
    assert (error.status, error.error_code) == (401, ERR_SESSION)


def test_unknown_session_and_namespace(gw: SyncGateway, session: str) -> None:
    assert sync_error(call, gw, "made-up", "LayDanhSachTTHC").error_code == ERR_SESSION
    assert sync_error(gw.call, "other", {"session": session, "service": "LayDanhSachTTHC"}).error_code == ERR_SESSION
    assert sync_error(gw.call, NS, {"service": "LayDanhSachTTHC"}).error_code == ERR_SESSION


def test_unknown_service(gw: SyncGateway, session: str) -> None:
    error = sync_error(call, gw, session, "XoaHoSo")
    assert (error.status, error.error_code) == (400, ERR_SERVICE)


# -- DongBoHoSoMC ------------------------------------------------------------------------------------------------
def test_create_and_look_up(gw: SyncGateway, session: str) -> None:
    assert push(gw, session, dossier()) == [{"MaHoSo": CODE, "action": "created"}]
    found = call(gw, session, "TraCuuHoSo", mahoso=CODE)["result"]
    assert found["MaHoSo"] == CODE and found["TrangThaiHoSo"] == 2 and found["QuaTrinhXuLy"] == []
    assert found["TenTrangThaiHoSo"] == "Được tiếp nhận" and found["ChuHoSo"] == "Phạm Thị Lan"


@pytest.mark.parametrize(("changes", "field"), [
    ({"MaHoSo": "000.00.12.H47-250303-1"}, "MaHoSo"),
    ({"MaHoSo": "H47-250303-0001"}, "MaHoSo"),
    ({"MaHoSo": 12345}, "MaHoSo"),
    ({"MaTTHC": None}, "MaTTHC"),
    ({"MaTTHC": ""}, "MaTTHC"),
    ({"TrangThaiHoSo": 0}, "TrangThaiHoSo"),
    ({"TrangThaiHoSo": 11}, "TrangThaiHoSo"),
    ({"TrangThaiHoSo": None}, "TrangThaiHoSo"),
    ({"TrangThaiHoSo": "hai"}, "TrangThaiHoSo"),
    ({"TrangThaiHoSo": True}, "TrangThaiHoSo"),
    ({"TrangThaiHoSo": "²"}, "TrangThaiHoSo"),
    ({"MaHoSo": "٠٠٠.٠٠.١٢.H٤٧-250303-0001"}, "MaHoSo"),
    ({"KenhThucHien": 4}, "KenhThucHien"),
    ({"KenhThucHien": None}, "KenhThucHien"),
    ({"HinhThuc": 2}, "HinhThuc"),
    ({"LoaiDoiTuong": 5}, "LoaiDoiTuong"),
    ({"LoaiDoiTuong": None}, "LoaiDoiTuong"),
    ({"NgayTiepNhan": "2025-03-03 09:15:00"}, "NgayTiepNhan"),
    ({"NgayHenTra": "20251317170000"}, "NgayHenTra"),
    ({"NgayNopHoSo": 20250303090000}, "NgayNopHoSo"),
    ({"ChuHoSo": ["not", "text"]}, "ChuHoSo"),
    ({"TaiLieuNop": "to-khai.pdf"}, "TaiLieuNop"),
    ({"DuocThanhToanTrucTuyen": 9}, "DuocThanhToanTrucTuyen"),
])
def test_invalid_dossier_fields(gw: SyncGateway, session: str, changes: dict[str, Any], field: str) -> None:
    good = dossier(MaHoSo="000.00.12.H47-250303-0009")
    error = sync_error(call, gw, session, "DongBoHoSoMC", isUpdating=False, data=[good, dossier(**changes)])
    assert (error.status, error.error_code) == (400, ERR_DATA)
    assert error.details[0]["index"] == 1 and error.details[0]["field"] == field
    assert "data[1]" in error.en and field in error.en
    # all or nothing: the good item of the batch was not kept
    assert gw.dossier(NS, "000.00.12.H47-250303-0009") is None


def test_codes_as_strings_are_accepted(gw: SyncGateway, session: str) -> None:
    push(gw, session, dossier(TrangThaiHoSo="2", KenhThucHien="2", LoaiDoiTuong="1", HinhThuc="0"))
    assert gw.lookup(NS, CODE)["status"] == 2  # type: ignore[index]


@pytest.mark.parametrize("data", [None, [], "x", [1, 2], {"MaHoSo": CODE}])
def test_data_must_be_a_non_empty_list_of_objects(gw: SyncGateway, session: str, data: Any) -> None:
    assert sync_error(call, gw, session, "DongBoHoSoMC", isUpdating=False, data=data).error_code == ERR_DATA


def test_too_many_items(gw: SyncGateway, session: str) -> None:
    error = sync_error(call, gw, session, "DongBoHoSoMC", isUpdating=False, data=[dossier()] * 501)
    assert error.status == 413


def test_is_updating_must_be_a_flag(gw: SyncGateway, session: str) -> None:
    assert sync_error(call, gw, session, "DongBoHoSoMC", isUpdating="maybe", data=[dossier()]).error_code == ERR_DATA


def test_madonvi_is_required_to_push(gw: SyncGateway, session: str) -> None:
    error = sync_error(gw.call, NS, {"session": session, "service": "DongBoHoSoMC", "data": [dossier()]})
    assert error.error_code == ERR_DATA


def test_identical_create_is_a_replay(gw: SyncGateway, session: str) -> None:
    push(gw, session, dossier())
    assert push(gw, session, dossier()) == [{"MaHoSo": CODE, "action": "unchanged"}]
    assert gw.store.scalar("SELECT count(*) FROM synced_dossier") == 1


def test_create_with_other_content_is_a_conflict(gw: SyncGateway, session: str) -> None:
    push(gw, session, dossier())
    error = sync_error(call, gw, session, "DongBoHoSoMC", isUpdating=False, data=[dossier(TrangThaiHoSo=4)])
    assert (error.status, error.error_code) == (409, ERR_CONFLICT)


def test_update_changes_the_dossier(gw: SyncGateway, session: str) -> None:
    push(gw, session, dossier())
    assert push(gw, session, dossier(TrangThaiHoSo=9), updating=True) == [{"MaHoSo": CODE, "action": "updated"}]
    assert gw.lookup(NS, CODE)["status"] == 9  # type: ignore[index]
    assert push(gw, session, dossier(TrangThaiHoSo=9), updating=True)[0]["action"] == "unchanged"
    # the first create, replayed late, is still recognised as a replay
    assert push(gw, session, dossier())[0]["action"] == "unchanged"


def test_update_of_an_unknown_dossier(gw: SyncGateway, session: str) -> None:
    error = sync_error(call, gw, session, "DongBoHoSoMC", isUpdating=True, data=[dossier()])
    assert (error.status, error.error_code) == (404, ERR_NOT_FOUND)


def test_registered_account_pushes_only_for_its_unit(gw: SyncGateway) -> None:
    gw.register_account("so_tu_phap", "MatKhau-STP-1", "000.00.12.H47")
    token = gw.login(NS, "so_tu_phap", "MatKhau-STP-1")["session"]
    assert push(gw, token, dossier())[0]["action"] == "created"
    error = sync_error(gw.call, NS, {"session": token, "madonvi": "000.00.04.H47", "service": "DongBoHoSoMC",
                                     "isUpdating": False, "data": [dossier(MaHoSo="000.00.04.H47-250303-0001")]})
    assert (error.status, error.error_code) == (403, ERR_FORBIDDEN)


# -- CapNhatTienDoHoSoMC ---------------------------------------------------------------------------------------
def test_progress_is_appended_and_the_status_follows(gw: SyncGateway, session: str) -> None:
    push(gw, session, dossier())
    answer = call(gw, session, "CapNhatTienDoHoSoMC", data=[progress()])
    assert answer["result"] == [{"MaHoSo": CODE, "action": "added"}]
    call(gw, session, "CapNhatTienDoHoSoMC", data=[progress(ThoiDiemXuLy="20250310160000", TrangThai=9,
                                                             NoiDungXuLy="Ký phiếu")])
    found = call(gw, session, "TraCuuHoSo", mahoso=CODE)["result"]
    assert found["TrangThaiHoSo"] == 9 and [p["TrangThai"] for p in found["QuaTrinhXuLy"]] == [4, 9]


def test_identical_progress_is_ignored(gw: SyncGateway, session: str) -> None:
    push(gw, session, dossier())
    call(gw, session, "CapNhatTienDoHoSoMC", data=[progress()])
    answer = call(gw, session, "CapNhatTienDoHoSoMC", data=[progress(), progress()])
    assert [r["action"] for r in answer["result"]] == ["unchanged", "unchanged"]
    assert len(gw.lookup(NS, CODE)["progress"]) == 1  # type: ignore[index]


def test_late_older_progress_does_not_move_the_status_back(gw: SyncGateway, session: str) -> None:
    push(gw, session, dossier())
    call(gw, session, "CapNhatTienDoHoSoMC", data=[progress(ThoiDiemXuLy="20250310160000", TrangThai=9)])
    call(gw, session, "CapNhatTienDoHoSoMC", data=[progress(ThoiDiemXuLy="20250304100000", TrangThai=4)])
    view = gw.lookup(NS, CODE)
    assert view is not None and view["status"] == 9
    assert [p["status"] for p in view["progress"]] == [4, 9]  # shown in time order


def test_progress_for_an_unknown_dossier(gw: SyncGateway, session: str) -> None:
    push(gw, session, dossier())
    unknown = progress(MaHoSo="000.00.12.H47-250303-0002")
    error = sync_error(call, gw, session, "CapNhatTienDoHoSoMC", data=[progress(), unknown])
    assert (error.status, error.error_code) == (404, ERR_NOT_FOUND) and "data[1]" in error.en
    assert gw.lookup(NS, CODE)["progress"] == []  # type: ignore[index]


@pytest.mark.parametrize(("changes", "field"), [
    ({"TrangThai": 0}, "TrangThai"), ({"TrangThai": None}, "TrangThai"), ({"ThoiDiemXuLy": ""}, "ThoiDiemXuLy"),
    ({"ThoiDiemXuLy": "hôm nay"}, "ThoiDiemXuLy"), ({"NgayKetThucTheoQuyDinh": "2025"}, "NgayKetThucTheoQuyDinh"),
    ({"MaHoSo": "x"}, "MaHoSo"), ({"NguoiXuLy": 7}, "NguoiXuLy"),
])
def test_invalid_progress_fields(gw: SyncGateway, session: str, changes: dict[str, Any], field: str) -> None:
    push(gw, session, dossier())
    error = sync_error(call, gw, session, "CapNhatTienDoHoSoMC", data=[progress(**changes)])
    assert error.error_code == ERR_DATA and error.details[0]["field"] == field


# -- reading --------------------------------------------------------------------------------------------------
def test_lookup_view(gw: SyncGateway, session: str) -> None:
    push(gw, session, dossier())
    call(gw, session, "CapNhatTienDoHoSoMC", data=[progress()])
    view = gw.lookup(NS, CODE)
    assert view is not None
    assert (view["status"], view["status_name"], view["channel_name"]) == (4, "Đang xử lý", "Trực tuyến")
    assert view["procedure_code"] == "2.000488.000.00.00.H47" and view["agency_code"] == "000.00.12.H47"
    assert view["received_at"] == "2025-03-03T09:15:00+07:00" and view["returned_at"] is None
    assert view["progress"][0]["handler"] == "Nguyễn Văn Bình"
    assert gw.lookup(NS, "000.00.12.H47-250303-0404") is None


def test_unknown_dossier_in_tra_cuu(gw: SyncGateway, session: str) -> None:
    error = sync_error(call, gw, session, "TraCuuHoSo", mahoso="000.00.12.H47-250303-0404")
    assert (error.status, error.error_code) == (404, ERR_NOT_FOUND)
    assert sync_error(call, gw, session, "TraCuuHoSo").error_code == ERR_NOT_FOUND


def test_procedures(gw: SyncGateway, session: str) -> None:
    one = call(gw, session, "LayThuTuc", maTTHC="2.000488.000.00.00.H47")["result"]
    assert one["MaTTHC"] == "2.000488" and one["TenTTHC"]
    assert sync_error(call, gw, session, "LayThuTuc", maTTHC="0.000000").error_code == ERR_NOT_FOUND
    listing = call(gw, session, "LayDanhSachTTHC")["result"]
    assert "2.000488" in {p["MaTTHC"] for p in listing}


def test_reset_forgets_dossiers_and_sessions(model: NationalPortal, gw: SyncGateway, session: str) -> None:
    gw.register_account("hue_lgsp", "MatKhau-Hue-1")
    push(gw, session, dossier())
    model.reset(NS)
    assert gw.lookup(NS, CODE) is None
    assert sync_error(call, gw, session, "LayDanhSachTTHC").error_code == ERR_SESSION
    assert "hue_lgsp" in {a["username"] for a in gw.accounts()}  # stack-wide configuration survives
    assert gw.login(NS, "hue_lgsp", "MatKhau-Hue-1")["error_code"] == 0
