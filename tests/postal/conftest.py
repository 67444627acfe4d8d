"""Fixtures of the postal model's tests: a model over fresh SQLite files, and a valid order body."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import datetime, time
from pathlib import Path
from typing import Any

import pytest

from mocks.core.clock import Clock
from mocks.core.config import Credentials, StackConfig
from mocks.core.outbox import Outbox
from mocks.core.storage import Store
from mocks.core.timefmt import VN_TZ
from mocks.core.world import SEED_DAY
from mocks.postal.model import PostalService

PORTAL = "http://portal.test"

ORDER: dict[str, Any] = {
    "OrderNumber": "000.00.12.H47-250114-0001",
    "CODAmount": 0,
    "Sender": {"Name": "Sở Tư pháp tỉnh Quảng Nam", "Tel": "0235 3812 345", "Email": "stp@quangnam.gov.vn",
               "Address": "Đường Hùng Vương", "Province": "Quảng Nam", "District": "TP Tam Kỳ"},
    "Receiver": {"Name": "Nguyễn Thị Thu Hà", "Tel": "0912345678", "Email": "thuha@example.vn",
                 "Address": "12 Phan Bội Châu, P. Minh An", "Province": "Quảng Nam", "District": "TP Hội An"},
    "Description": "Phiếu lý lịch tư pháp số 1",
}


def order_body(customer_code: str, **changes: Any) -> dict[str, Any]:
    """A valid order of `customer_code`; `changes` replace top-level fields (None removes one)."""
    body = copy.deepcopy(ORDER)
    body["CustomerCode"] = customer_code
    for key, value in changes.items():
        if value is None:
            body.pop(key, None)
        else:
            body[key] = value
    return body


def make_config(state_dir: Path) -> StackConfig:
    urls = {"national": "http://national.test", "provincial": PORTAL, "payment": "http://payment.test",
            "postal": "http://postal.test"}
    return StackConfig(state_dir=state_dir, urls=urls, credentials=Credentials.generate())


@pytest.fixture
def config(tmp_path: Path) -> StackConfig:
    return make_config(tmp_path)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store(tmp_path / "x.db")
    yield s
    s.close()


@pytest.fixture
def clock(tmp_path: Path) -> Clock:
    """The model tests' namespace runs in the 2022 world (three-level addresses; the post's reading of an old
    address after 1 July 2025 has tests of its own) unless a test sets its own date."""
    c = Clock(Store(tmp_path / "control.db"))
    c.set("t-model", datetime.combine(SEED_DAY, time(9, 0), VN_TZ), frozen=False)
    return c


@pytest.fixture
def outbox(store: Store) -> Outbox:
    return Outbox(store, "postal")


@pytest.fixture
def postal(store: Store, clock: Clock, outbox: Outbox, config: StackConfig) -> PostalService:
    return PostalService(store, clock, outbox, config)
