from datetime import datetime, timedelta

from mocks.core.clock import Clock
from mocks.core.storage import Store
from mocks.core.timefmt import VN_TZ


def test_real_time_until_set_then_frozen_and_advanced(tmp_path) -> None:
    clock = Clock(Store(tmp_path / "control.db"))
    assert abs((clock.now("a") - datetime.now(VN_TZ)).total_seconds()) < 2
    moment = datetime(2022, 1, 31, 8, 0, tzinfo=VN_TZ)
    clock.set("a", moment)
    assert clock.now("a") == moment
    assert clock.advance("a", 3600) == moment + timedelta(hours=1)
    # another namespace keeps real time
    assert abs((clock.now("b") - datetime.now(VN_TZ)).total_seconds()) < 2
    clock.reset("a")
    assert clock.describe("a")["mode"] == "real"


def test_running_clock_keeps_its_offset(tmp_path) -> None:
    store = Store(tmp_path / "control.db")
    Clock(store).set("a", datetime(2030, 1, 1, tzinfo=VN_TZ), frozen=False)
    # a second process (another Clock on the same file) sees the same time
    other = Clock(Store(tmp_path / "control.db"))
    assert other.now("a").year == 2030
    assert other.describe("a")["mode"] == "offset"
