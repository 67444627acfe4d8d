"""MaXacThuc against vectors computed with `sha256sum` (the field orders of docs/protocols.md, "Payment platform")."""

from mocks.core.signing import CONFIRM_FIELDS, INIT_FIELDS, QUERY_FIELDS, ma_xac_thuc, sign, verify

SECRET = "s3cr3t"
INIT = {
    "LoaiBanTin": "INIT", "PhienBan": "1.0.6", "MaDoiTac": "QNAM01",
    "MaThamChieu": "000.00.12.H47-221013-0001-01", "SoTien": 200000, "LoaiHinhThanhToan": "PAY",
    "MaKenhThanhToan": "WEB", "MaThietBi": "PC", "NgonNgu": "vi-VN", "MaTienTe": "VND", "MaNganHang": "",
    "ThongTinGiaoDich": "Nop phi LLTP", "ThoiGianGD": "20221013090000", "Ip": "127.0.0.1",
}
CONFIRM = {
    "LoaiBanTin": "CONFIRM", "MaLoi": "00", "MaDoiTac": "QNAM01", "MaThamChieu": "REF1", "SoTien": 200000,
    "MaTienTe": "VND", "MaGiaoDich": "GD123", "MaNganHang": "VCB", "ThoiGianGD": "20221013090500",
    "ThongTinGiaoDich": "Nop phi",
}


def test_init_vector() -> None:
    assert ma_xac_thuc(INIT, INIT_FIELDS, SECRET) == "f2a62b31a9f843d8b3362ad23eae4147581b29a1a10059d1e5fe4d09b76b5fff"


def test_confirm_vector() -> None:
    assert ma_xac_thuc(CONFIRM, CONFIRM_FIELDS, SECRET) == (
        "360e26dbd2c9635f498c54c2f3f079e4ec324d669bfce14dd009c3ffd90d2035"
    )


def test_query_vector_ignores_fields_outside_the_order() -> None:
    query = {"LoaiBanTin": "QUERY", "PhienBan": "1.0.6", "MaDoiTac": "QNAM01", "MaThamChieu": "REF1",
             "ThoiGianGD": "20221013090000", "SoTien": 999}
    assert ma_xac_thuc(query, QUERY_FIELDS, SECRET) == (
        "88d7c738c1c63c9b9e50d9cc41f4c2abe762db85f298eaeefabd8af53bb9b02e"
    )


def test_verify_accepts_the_signed_message_and_refuses_tampering() -> None:
    signed = sign(INIT, "INIT", SECRET)
    assert verify(signed, "INIT", SECRET)
    assert verify({**signed, "MaXacThuc": signed["MaXacThuc"].upper()}, "INIT", SECRET)
    assert not verify({**signed, "SoTien": 100000}, "INIT", SECRET)
    assert not verify(signed, "INIT", "other-secret")
    assert not verify({k: v for k, v in signed.items() if k != "MaXacThuc"}, "INIT", SECRET)
    assert not verify({**signed, "MaXacThuc": 12345}, "INIT", SECRET)
