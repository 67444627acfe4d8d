"""Fixtures of the provincial portal's model tests: a portal over a temporary store, stub origins."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from mocks.core.clock import Clock
from mocks.core.config import Credentials, StackConfig
from mocks.core.outbox import Outbox
from mocks.core.storage import Store
from mocks.core.timefmt import VN_TZ
from mocks.provincial.accounts import Account
from mocks.provincial.attachments import Upload
from mocks.provincial.catalogue import load
from mocks.provincial.forms import example_form
from mocks.provincial.model import ProvincialPortal

NATIONAL = "http://national.test"
PROVINCIAL = "http://tinh.test"
PAYMENT = "http://pay.test"
POSTAL = "http://post.test"

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32

# Procedures of the Quảng Nam profile used by the tests.
LLTP = "2.000488"          # province, level 4, 200.000 đ before, result by post
LEVEL3_FEE = "9.100006"    # province, level 3, 135.000 đ before, no post
FEE_AFTER = "9.100014"     # province, level 4, 500.000 đ after, result by post
NO_POST = "9.100004"       # province, level 4, free, no post, businesses only
COPY_FEE = "2.000635"      # commune, level 4, 8.000 đ per copy
LEVEL2 = "9.100009"        # province, level 2
FREE_L4 = "1.000656"       # commune, level 4, free, result by post
LLTP_AGENCY = "000.00.12.H47"
COMMUNE = "001.20.30.H47"


@pytest.fixture
def config(tmp_path: Path) -> StackConfig:
    return StackConfig(state_dir=tmp_path, urls={"national": NATIONAL, "provincial": PROVINCIAL, "payment": PAYMENT,
                                                 "postal": POSTAL}, credentials=Credentials.generate())


@pytest.fixture
def portal(tmp_path: Path, config: StackConfig) -> Iterator[ProvincialPortal]:
    store = Store(tmp_path / "provincial.db")
    clock = Clock(Store(tmp_path / "control.db"))
    portal = ProvincialPortal(store, clock, Outbox(store, "provincial"), config)
    # A working Wednesday morning unless a test moves the clock.
    clock.set("t", datetime(2024, 5, 15, 9, 30, tzinfo=VN_TZ))
    yield portal
    store.close()
    clock.store.close()


def claims(**over: Any) -> dict[str, Any]:
    base = {"sub": "sub-1", "LoaiTaiKhoan": 1, "SoDinhDanh": "049095001234", "HoVaTen": "Nguyễn Thị Thu Hà",
            "ThuDienTu": "ha@example.vn", "SoDienThoai": "0912345678", "TechID": "tech-1", "MaSoThue": "",
            "DiaChi": "12 Phan Bội Châu, Tam Kỳ"}
    base.update(over)
    return base


@pytest.fixture
def citizen(portal: ProvincialPortal) -> Account:
    account, _ = portal.accounts.link_sso("t", claims())
    return account


def lltp_form(**over: Any) -> dict[str, Any]:
    form = {"loai_phieu": "Phiếu lý lịch tư pháp số 1", "so_ban": 1, "muc_dich": "Bổ sung hồ sơ xin việc"}
    form.update(over)
    return form


def lltp_files() -> list[Upload]:
    return [Upload("TK01", "to-khai.pdf", "application/pdf", PDF), Upload("CCCD", "cccd.png", "image/png", PNG)]


ADDRESS = {"name": "Nguyễn Thị Thu Hà", "phone": "0912 345 678", "address": "12 Phan Bội Châu",
           "province": "Quảng Nam", "district": "Thành phố Tam Kỳ", "commune": "Phường Tân Thạnh"}


def submit(portal: ProvincialPortal, account: Account, code: str = LLTP, agency: str | None = None,
           form: dict[str, Any] | None = None, files: list[Upload] | None = None, ns: str = "t", **kw: Any) -> Any:
    """Submit with the defaults of the judicial-record procedure; keywords go to Dossiers.submit."""
    offering = portal.dossiers.resolve_offering(ns, code, agency)
    return portal.dossiers.submit(ns, account, offering, lltp_form() if form is None else form,
                                  lltp_files() if files is None else files, **kw)


def full_form(portal: ProvincialPortal, code: str) -> dict[str, Any]:
    """A valid form for any procedure of the catalogue."""
    return full_form_for(code)


def full_form_for(code: str) -> dict[str, Any]:
    """A valid form for any procedure of the catalogue."""
    return example_form(load().require_procedure(code), text="Nội dung thử")


def all_files(portal: ProvincialPortal, code: str) -> list[Upload]:
    procedure = portal.catalogue.require_procedure(code)
    return [Upload(a.code, f"{a.code}.pdf", "application/pdf", PDF) for a in procedure.attachments if a.required]
