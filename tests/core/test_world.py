"""The world of a namespace (mocks/core/world.py): the rules of the date on its clock, and `--as-of`."""

from __future__ import annotations

import argparse
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from harness.arguments import as_of
from harness.stack import Stack
from mocks.core.clock import Clock
from mocks.core.storage import Store
from mocks.core.timefmt import VN_TZ
from mocks.core.world import SEED_DAY, World, Worlds, parse_as_of, world_on
from tests.nested import WITHOUT_UNUSED_PLUGINS


@pytest.mark.parametrize(("day", "citizens", "organisations", "two_tiers", "decree"), [
    (date(2022, 1, 31), False, False, False, "61/2018/NĐ-CP"),
    (date(2024, 6, 30), False, False, False, "61/2018/NĐ-CP"),
    (date(2024, 7, 1), True, False, False, "61/2018/NĐ-CP"),
    (date(2025, 6, 30), True, False, False, "61/2018/NĐ-CP"),
    (date(2025, 7, 1), True, True, True, "118/2025/NĐ-CP"),
    (date(2026, 12, 7), True, True, True, "118/2025/NĐ-CP"),
])
def test_the_cut_over_dates(day: date, citizens: bool, organisations: bool, two_tiers: bool, decree: str) -> None:
    world = world_on(day)
    assert (world.citizens_use_vneid, world.organisations_use_vneid, world.two_tiers, world.one_stop_decree) == (
        citizens, organisations, two_tiers, decree)
    assert world.uses_vneid("citizen") is citizens and world.uses_vneid("business") is organisations
    assert world.to_json()["tiers"] == (["province", "commune"] if two_tiers else ["province", "district", "commune"])


def test_a_namespace_s_world_follows_its_clock(tmp_path: Path) -> None:
    clock = Clock(Store(tmp_path / "control.db"))
    worlds = Worlds(clock)
    # nobody set a clock: today's world (the real date's)
    today = datetime.now(VN_TZ).date()
    assert worlds.of("a") == World(today) and worlds.describe("a")["clock"] == "real"
    clock.set("a", datetime(2025, 6, 30, 23, 59, tzinfo=VN_TZ))
    assert not worlds.of("a").two_tiers
    clock.advance("a", 60)                      # across midnight: the next world
    assert worlds.of("a").two_tiers and worlds.of("b").day == datetime.now(VN_TZ).date()
    # the 2022 world is a date to pin
    clock.set("c", datetime.combine(SEED_DAY, datetime.min.time(), VN_TZ))
    assert not worlds.of("c").citizens_use_vneid and worlds.of("c").day == SEED_DAY


def test_the_stack_clock_runs_every_namespace_that_sets_none(tmp_path: Path) -> None:
    clock = Clock(Store(tmp_path / "control.db"))
    clock.set_stack(datetime(2026, 1, 15, 9, 0, tzinfo=VN_TZ))
    other_process = Clock(Store(tmp_path / "control.db"))
    now, source = other_process.reading("fresh")
    assert source == "stack" and now.date() == date(2026, 1, 15)
    assert Worlds(other_process).of("fresh").citizens_use_vneid
    assert other_process.describe("fresh")["mode"] == "stack"
    # a namespace's own clock wins; reset sends it back to the stack's, not to real time
    clock.set("mine", datetime(2022, 1, 31, 8, 0, tzinfo=VN_TZ))
    assert Worlds(clock).of("mine").day == date(2022, 1, 31)
    clock.reset("mine")
    assert clock.reading("mine")[1] == "stack"
    # advancing a namespace on the stack's clock moves it from the stack's time
    moved = clock.advance("moved", 86400)
    assert moved.date() == date(2026, 1, 16)
    clock.set_stack(None)
    assert clock.reading("fresh")[1] == "real"


@pytest.mark.parametrize(("text", "expected"), [
    ("2025-07-01", datetime(2025, 7, 1, 9, 0, tzinfo=VN_TZ)),
    ("2025-07-01T16:30:00+07:00", datetime(2025, 7, 1, 16, 30, tzinfo=VN_TZ)),
    ("2025-07-01T16:30", datetime(2025, 7, 1, 16, 30, tzinfo=VN_TZ)),
])
def test_as_of_values(text: str, expected: datetime) -> None:
    assert parse_as_of(text) == expected


@pytest.mark.parametrize("text", ["", "yesterday", "2025-13-01", "1999-12-31", "2100-01-01"])
def test_bad_as_of_values_are_argparse_errors(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        as_of(text)


def test_serve_as_of_runs_the_stack_from_that_date(tmp_path: Path) -> None:
    stack = Stack.start(tmp_path, as_of=parse_as_of("2025-07-01"), services=("national",))
    try:
        base, token = stack.urls["national"], stack.info.admin_token
        assert stack.info.as_of == "2025-07-01T09:00:00+07:00"
        world = requests.get(f"{base}/_admin/world", headers={"X-Admin-Token": token, "X-DVC-Namespace": "n1"},
                             timeout=10).json()
        assert world["clock"] == "stack" and world["day"] == "2025-07-01" and world["two_tiers"]
        # a namespace that sets its clock has the world of its own date
        headers = {"X-Admin-Token": token, "X-DVC-Namespace": "n2"}
        requests.post(f"{base}/_admin/clock", json={"set": "2022-01-31T08:00:00+07:00"}, headers=headers, timeout=10)
        mine = requests.get(f"{base}/_admin/world", headers=headers, timeout=10).json()
        assert mine["clock"] == "namespace" and not mine["citizens_use_vneid"]
    finally:
        stack.stop()
    # served again without --as-of, the folder forgets it
    again = Stack.start(tmp_path, services=("national",))
    try:
        world = requests.get(f"{again.urls['national']}/_admin/world",
                             headers={"X-Admin-Token": again.info.admin_token}, timeout=10).json()
        assert world["clock"] == "real" and again.info.as_of is None
        assert world["day"] == datetime.now(VN_TZ).date().isoformat() and world["citizens_use_vneid"]
    finally:
        again.stop()


def test_dvc_as_of_sets_each_test_namespace_s_clock(pytester_free_dir: Path) -> None:
    test = pytester_free_dir / "test_in_a_world.py"
    test.write_text(
        "def test_world(dvc_stack, dvc_namespace):\n"
        "    from harness.control import Clock\n"
        "    world = Clock(dvc_stack.info, dvc_namespace).world()\n"
        "    assert world['clock'] == 'namespace' and world['day'] == '2025-07-02', world\n"
        "    assert world['two_tiers'] and world['organisations_use_vneid']\n",
        encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *WITHOUT_UNUSED_PLUGINS,
                           "--dvc-as-of=2025-07-02", str(test)], cwd=pytester_free_dir, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "every test's clock runs from 2025-07-02T09:00:00+07:00" in done.stdout


@pytest.fixture
def pytester_free_dir(tmp_path: Path) -> Any:
    """A folder outside the repository, so the sub-pytest reads no conftest of ours."""
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    return tmp_path


def test_the_days_a_clock_reads_are_vietnam_days(tmp_path: Path) -> None:
    """23:30 UTC on 30 June is 06:30 on 1 July in Vietnam: the two-tier world."""
    clock = Clock(Store(tmp_path / "control.db"))
    clock.set("a", datetime(2025, 6, 30, 23, 30, tzinfo=VN_TZ))
    assert not Worlds(clock).of("a").two_tiers
    clock.set("a", datetime(2025, 6, 30, 23, 30, tzinfo=UTC))
    assert Worlds(clock).of("a").two_tiers


def test_run_and_load_take_as_of_for_their_namespaces(tmp_path: Path) -> None:
    from harness.cli import build_parser
    from harness.run import RunOptions, pytest_command

    run = build_parser().parse_args(["run", "--as-of", "2025-07-01"])
    assert run.as_of == datetime(2025, 7, 1, 9, 0, tzinfo=VN_TZ)
    cmd = pytest_command(RunOptions(as_of=run.as_of), 1, tmp_path, tmp_path)
    assert "--dvc-as-of=2025-07-01T09:00:00+07:00" in cmd
    assert not any(a.startswith("--dvc-as-of") for a in pytest_command(RunOptions(), 1, tmp_path, tmp_path))
    load = build_parser().parse_args(["load", "--as-of", "2026-01-15T14:00:00+07:00"])
    assert load.as_of == datetime(2026, 1, 15, 14, 0, tzinfo=VN_TZ)
    serve = build_parser().parse_args(["serve", "--as-of", "2024-07-01"])
    assert serve.as_of.date() == date(2024, 7, 1)


def test_the_load_starts_its_namespace_clock_at_as_of(dvc_stack: Stack, ns: str) -> None:
    from harness.load_cmd import _start_clock

    _start_clock(dict(dvc_stack.urls), dvc_stack.info.admin_token, ns, parse_as_of("2025-07-02"))
    headers = {"X-Admin-Token": dvc_stack.info.admin_token, "X-DVC-Namespace": ns}
    world = requests.get(f"{dvc_stack.urls['provincial']}/_admin/world", headers=headers, timeout=10).json()
    assert world["clock"] == "namespace" and world["day"] == "2025-07-02" and world["two_tiers"]


@pytest.mark.dvc_as_of("2022-03-15")
def test_the_dvc_as_of_marker_pins_the_test_s_namespaces(dvc_stack: Stack, ns: str, dvc_world: World,
                                                         dvc_citizen: dict[str, Any]) -> None:
    """A test of the 2022 world's rules pins its date: the plugin's namespace and tests' `ns` run from it."""
    assert dvc_world.day == date(2022, 3, 15) and not dvc_world.citizens_use_vneid
    answer = requests.get(f"{dvc_stack.urls['national']}/_admin/world", timeout=10,
                          headers={"X-Admin-Token": dvc_stack.info.admin_token, "X-DVC-Namespace": ns}).json()
    assert answer["clock"] == "namespace" and answer["day"] == "2022-03-15"
    assert dvc_citizen["log_in"] == "password"          # registered with its one-time code


def test_without_a_pin_a_test_is_in_today_s_world(dvc_world: World, dvc_citizen: dict[str, Any]) -> None:
    assert dvc_world.day == datetime.now(VN_TZ).date() and dvc_world.two_tiers
    assert dvc_citizen["log_in"] == "vneid" and dvc_citizen["username"] == dvc_citizen["id_number"]
