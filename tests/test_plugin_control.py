"""The plugin's test-control fixtures, and one stack shared by parallel workers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests

from harness.control import UnknownName, load_profile
from tests.nested import WITHOUT_UNUSED_PLUGINS

pytest_plugins = ["pytester"]


def test_dvc_faults_are_bound_to_the_test_namespace_and_removed_after(dvc_faults: Any, dvc_platform: Any) -> None:
    dvc_faults.error("postal", "/", status=502)
    assert dvc_platform.postal.request("GET", "/").status_code == 502
    other = requests.get(dvc_platform.postal.url("/"), headers={"X-DVC-Namespace": "someone-else"}, timeout=10)
    assert other.status_code == 200
    assert len(dvc_faults.rules()) == 1


def test_the_previous_test_left_no_fault_behind(dvc_faults: Any) -> None:
    assert dvc_faults.rules() == []


@pytest.mark.dvc_fault_profile("national-sync-outage")
def test_a_fault_profile_marker_applies_its_rules(dvc_faults: Any, dvc_stack: Any, dvc_namespace: str) -> None:
    [rule] = dvc_faults.rules()
    assert rule["path"] == "/sync/*" and rule["status"] == 503
    answer = requests.post(f"{dvc_stack.urls['national']}/sync/login", json={"username": "x", "password": "y"},
                           headers={"X-DVC-Namespace": dvc_namespace}, timeout=10)
    assert answer.status_code == 503


def test_every_shipped_fault_profile_is_valid(dvc_faults: Any) -> None:
    for path in (Path(__file__).parents[1] / "harness" / "fault_profiles").glob("*.toml"):
        assert load_profile(path.stem), path
        dvc_faults.apply_profile(path.stem)      # the services accept every rule
        dvc_faults.clear()


def test_misspelt_names_are_refused_with_the_valid_ones(dvc_faults: Any, dvc_journal: Any) -> None:
    with pytest.raises(UnknownName, match=r"no fault profile named 'flaky-payments' \(known: flaky-payment, "
                                          r"lost-confirmations, national-sync-outage, slow-national\)"):
        dvc_faults.apply_profile("flaky-payments")
    with pytest.raises(UnknownName, match=r"no fault profile named '../pyproject'"):
        load_profile("../pyproject")
    valid = r"\(known: national, provincial, payment, postal, vneid\)"
    with pytest.raises(UnknownName, match=r"no service named 'provincal' " + valid):
        dvc_faults.error("provincal", "/", status=502)
    with pytest.raises(UnknownName, match=r"no service named 'bưu chính' " + valid):
        dvc_journal.count("bưu chính")
    assert dvc_faults.rules() == []


def test_a_misspelt_fault_profile_marker_stops_the_run_in_one_line(pytester: pytest.Pytester) -> None:
    pytester.makepyfile('''
        import pytest

        @pytest.mark.dvc_fault_profile("slow-nationl")
        def test_x(dvc_faults):
            pass
    ''')
    result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR         # before any test: nothing ran, no stack started
    said = [line for line in result.stderr.lines if "slow-nationl" in line]
    assert len(said) == 1 and "no such fault profile (known: " in said[0] and "slow-national)" in said[0], said
    assert "Traceback" not in result.stderr.str() and "_dvc_fault_profile" not in result.stdout.str()


def test_dvc_clock_moves_the_namespace_and_comes_back(dvc_clock: Any) -> None:
    assert dvc_clock.set("2022-01-28T16:00:00+07:00").startswith("2022-01-28T16:00")
    assert dvc_clock.advance(days=3).startswith("2022-01-31T16:00")


def test_dvc_journal_verifies_what_was_received(dvc_journal: Any, dvc_platform: Any) -> None:
    dvc_platform.provincial.procedures(q="lý lịch")
    dvc_journal.verify("provincial", count=1, direction="in", url_contains="/api/v1/procedures")
    with pytest.raises(AssertionError, match="expected"):
        dvc_journal.verify("provincial", count=2, direction="in", url_contains="/api/v1/procedures", wait=0.2)


WORKER_TESTS = '''
import json, os
from pathlib import Path

def _check(dvc_platform, dvc_stack, dvc_data, out):
    citizen = dvc_data.citizen(id_number="049190000001", gender="female", birth_date="1990-05-05")  # same person
    citizen = dvc_platform.ready_account(citizen)            # no clash: each test has its own namespace
    dvc_platform.provincial.log_in(citizen, dvc_platform.vneid)
    code = dvc_platform.provincial.submit("9.100006")["code"]
    mine = [d["code"] for d in dvc_platform.provincial.all_dossiers()["items"]]
    Path(out).joinpath(os.environ["PYTEST_XDIST_WORKER"] + "-" + dvc_platform.provincial.namespace).write_text(
        json.dumps({"stack": dvc_stack.urls, "mine": mine, "code": code}))
    assert mine == [code]

def test_one(dvc_platform, dvc_stack, dvc_data):
    _check(dvc_platform, dvc_stack, dvc_data, os.environ["DVC_OUT"])

def test_two(dvc_platform, dvc_stack, dvc_data):
    _check(dvc_platform, dvc_stack, dvc_data, os.environ["DVC_OUT"])
'''


def test_parallel_workers_share_one_stack_without_seeing_each_other(pytester: pytest.Pytester, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    out.mkdir()
    state = tmp_path / "state"
    monkeypatch.setenv("DVC_OUT", str(out))
    pytester.makepyfile(test_workers=WORKER_TESTS)
    result = pytester.runpytest_subprocess("-n", "2", "--dist", "each", "--dvc-state-dir", str(state),
                                           "-p", "no:cacheprovider", "-q", *WITHOUT_UNUSED_PLUGINS)
    assert result.ret == 0, result.stdout.str()[-3000:]
    reports = [json.loads(p.read_text()) for p in out.iterdir()]
    assert len(reports) == 4                                     # --dist each: both tests on both workers
    assert len({json.dumps(r["stack"], sort_keys=True) for r in reports}) == 1   # one stack for everyone
    codes = [r["code"] for r in reports]
    assert len(set(codes)) == 1       # same namespace-local counter in every namespace: the same first code
    assert not (state / "stack.json").exists(), "the shared stack is stopped at the end of the run"


DATA_TEST = '''
import os

def test_a_new_citizen(dvc_data):
    with open(os.environ["DVC_OUT"], "a", encoding="utf-8") as out:
        out.write(dvc_data.citizen()["id_number"] + "\\n")
'''


def test_a_test_s_new_citizen_is_another_on_the_next_run_and_the_same_with_the_same_seed(
        pytester: pytest.Pytester, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dvc_stack: Any) -> None:
    """A portal that keeps its data (a team's, or one namespace run twice) must not meet a test's "new" citizen
    from an earlier run of the same test: the six digits of the ID number that are not birth province, century,
    gender and year differ from run to run, and `--dvc-seed` repeats them."""
    out = tmp_path / "ids"
    monkeypatch.setenv("DVC_OUT", str(out))
    pytester.makepyfile(test_data=DATA_TEST)
    for seed in (11, 12, 11):
        result = pytester.runpytest_subprocess("--dvc-seed", str(seed), "--dvc-state-dir",
                                               str(dvc_stack.config.state_dir), "-p", "no:cacheprovider", "-q",
                                               *WITHOUT_UNUSED_PLUGINS)
        assert result.ret == 0, result.stdout.str()[-3000:]
    first, second, again = out.read_text(encoding="utf-8").split()
    assert first == again, "the same seed gives another citizen"
    assert first[-6:] != second[-6:], f"two runs of one test made {first} and {second}"
