"""A payment platform model on its own stores, with a frozen namespace clock."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from mocks.core.clock import Clock
from mocks.core.config import Credentials, StackConfig
from mocks.core.outbox import Outbox
from mocks.core.storage import Store
from mocks.core.timefmt import VN_TZ
from mocks.payment.model import CONFIRM_KIND, PaymentPlatform

NS = "t-model"
START = datetime(2024, 3, 15, 9, 0, tzinfo=VN_TZ)
URLS = {"national": "http://127.0.0.1:18100", "provincial": "http://127.0.0.1:18101",
        "payment": "http://127.0.0.1:18102", "postal": "http://127.0.0.1:18103"}


@dataclass
class PaymentEnv:
    platform: PaymentPlatform
    store: Store
    clock: Clock
    outbox: Outbox
    config: StackConfig

    @property
    def partner(self) -> str:
        return self.config.credentials.payment_partner_code

    @property
    def secret(self) -> str:
        return self.config.credentials.payment_secret


@pytest.fixture
def env(tmp_path: Path) -> Iterator[PaymentEnv]:
    store, control = Store(tmp_path / "payment.db"), Store(tmp_path / "control.db")
    clock = Clock(control)
    clock.set(NS, START)
    outbox = Outbox(store, "payment")
    config = StackConfig(state_dir=tmp_path, urls=URLS, credentials=Credentials.generate())
    platform = PaymentPlatform(store, clock, outbox, config)
    outbox.register(CONFIRM_KIND, platform.deliver_confirmation)
    yield PaymentEnv(platform, store, clock, outbox, config)
    store.close()
    control.close()
