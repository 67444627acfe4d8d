"""The journeys' parts that need no browser: interfaces, sample files, codes, forged messages, text parsing."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path
from unittest import mock

import pytest

from mocks.core.signing import sign, verify
from scenarios import journeys
from scenarios.pages import emulator_pages
from scenarios.pages._base import money, status_parts, status_pattern
from scenarios.portal import NationalPortal, PaymentCheckout, Portals, PostalTracking, ProvincialPortal

URLS = {"national": "http://n.test", "provincial": "http://p.test", "payment": "http://pay.test",
        "postal": "http://post.test"}


def test_the_emulator_pages_implement_the_interfaces() -> None:
    page = mock.Mock()
    portals = emulator_pages(page, URLS)
    assert isinstance(portals, Portals)
    assert isinstance(portals.national, NationalPortal)
    assert isinstance(portals.provincial, ProvincialPortal)
    assert isinstance(portals.payment, PaymentCheckout)
    assert isinstance(portals.postal, PostalTracking)
    page.set_default_timeout.assert_called_once()
    for interface, implementation in ((NationalPortal, portals.national), (ProvincialPortal, portals.provincial),
                                      (PaymentCheckout, portals.payment), (PostalTracking, portals.postal)):
        wanted = {n for n in vars(interface) if not n.startswith("_") and callable(getattr(interface, n))}
        assert wanted <= set(dir(implementation)), wanted - set(dir(implementation))


def test_the_sample_files(tmp_path: Path) -> None:
    files = journeys.make_sample_files(tmp_path / "x")
    pdf = files.pdf.read_bytes()
    assert pdf.startswith(b"%PDF-1.4\n") and pdf.rstrip().endswith(b"%%EOF")
    xref = int(pdf.rsplit(b"startxref\n", 1)[1].split(b"\n")[0])
    assert pdf[xref:].startswith(b"xref\n")
    png = files.png.read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    offset, chunks = 8, []
    while offset < len(png):
        (length,) = struct.unpack(">I", png[offset:offset + 4])
        kind, data = png[offset + 4:offset + 8], png[offset + 8:offset + 8 + length]
        (crc,) = struct.unpack(">I", png[offset + 8 + length:offset + 12 + length])
        assert crc == zlib.crc32(kind + data) & 0xFFFFFFFF
        chunks.append((kind, data))
        offset += 12 + length
    assert [k for k, _ in chunks] == [b"IHDR", b"IDAT", b"IEND"]
    assert zlib.decompress(chunks[1][1]) == b"\x00\xff"
    fake = files.fake_pdf
    assert fake.suffix == ".pdf" and not fake.read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize(("code", "ok"), [
    ("000.00.12.H47-{day}-0001", True),
    ("000.00.12.H47-{day}-0000", False),
    ("000.00.04.H47-{day}-0001", False),   # another agency
    ("000.00.12.H47-991231-0001", False),  # another day
    ("000.00.12.H47-{day}-001", False),
    ("H47-{day}-0001", False),
])
def test_the_dossier_code_check(code: str, ok: bool) -> None:
    from datetime import date

    code = code.format(day=date.today().strftime("%y%m%d"))
    if ok:
        journeys.check_dossier_code(code, "000.00.12.H47")
    else:
        with pytest.raises(AssertionError):
            journeys.check_dossier_code(code, "000.00.12.H47")


def test_a_forged_confirmation_is_well_formed_but_badly_signed() -> None:
    forged = journeys.forged_confirmation("000.00.12.H47-240115-0001-01", 200000, "QNAM01")
    unsigned = {k: v for k, v in forged.items() if k != "MaXacThuc"}
    # Signed like the protocol says (the CONFIRM field order), with the wrong secret: only the secret is wrong.
    assert forged["MaXacThuc"] == sign(unsigned, "CONFIRM", "not-the-partner-secret")["MaXacThuc"]
    assert verify(forged, "CONFIRM", "not-the-partner-secret")
    assert not verify(forged, "CONFIRM", "the-real-secret")


def test_reading_what_the_pages_show() -> None:
    assert status_parts("Đã xử lý xong (mã 9)") == ("Đã xử lý xong", 9)
    assert status_parts("10 — Đã trả kết quả") == ("Đã trả kết quả", 10)
    assert status_parts("Mới đăng ký") == ("Mới đăng ký", None)
    assert status_pattern("Đã xử lý xong").match("9 — Đã xử lý xong")
    assert status_pattern("Đã xử lý xong").match("Đã xử lý xong (mã 9)")
    assert not status_pattern("Đã thanh toán").match("Chưa thanh toán")
    assert money("200.000 đ — Thu khi nộp hồ sơ (thu trước)") == 200000
    assert money("Tổng cộng 1.035.000 đ") == 1035000
