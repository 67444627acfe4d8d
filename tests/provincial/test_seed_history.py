"""`dvc-harness seed-history`: a month of dossiers through the model, whose online shares are the seed letter's."""

from __future__ import annotations

import argparse
import dataclasses
import io
import re
from pathlib import Path

import pytest
import requests

from harness import seed_history
from harness.control import Faults
from harness.stack import Stack

from .backoffice import T

LETTER = {"province": 35.9, "district": 1.43, "commune": 1.8}


def test_the_profile_is_data_and_its_counts_give_the_letters_shares() -> None:
    plan = seed_history.load_profile("quangnam-2022-01")
    assert (plan.start.isoformat(), plan.end.isoformat(), plan.province) == ("2022-01-01", "2022-01-31", "quangnam")
    for tier, share in LETTER.items():
        tier_plan = plan.tiers[tier]
        assert tier_plan.online_share * 100 == pytest.approx(share)
        assert abs(100 * tier_plan.online / tier_plan.eligible - share) < 0.01
    with pytest.raises(ValueError, match="no history profile"):
        seed_history.load_profile("nowhere-1999-01")
    assert seed_history.s10(10_000_001) == "EH10000001" + seed_history.s10(10_000_001)[10] + "VN"
    assert seed_history.s10(10000001, "EB") != seed_history.s10(10000002, "EB")


def test_the_sub_command_is_added_with_its_handler(tmp_path: Path) -> None:
    parser = argparse.ArgumentParser(prog="dvc-harness")
    seed_history.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["seed-history", "--profile", "quangnam-2022-01", "--state-dir", str(tmp_path),
                              "--namespace", "h1", "--set-clock"])
    assert args.func is seed_history.run and args.state_dir == tmp_path and args.namespace == "h1" and args.set_clock
    assert seed_history.main(["--profile", "nowhere-1999-01", "--state-dir", str(tmp_path)]) == 2


def test_seed_history_then_the_statistics_give_the_baseline(dvc_stack: Stack, ns: str) -> None:
    out = io.StringIO()
    code = seed_history.seed(Path(dvc_stack.config.state_dir), "quangnam-2022-01", ns, set_clock=True, out=out)
    assert code == 0, out.getvalue()
    assert "all delivered" in out.getvalue()
    assert re.search(r"run time \d+\.\d s \(the dossiers \d+\.\d s, their national sync \d+\.\d s\)",
                     out.getvalue()), out.getvalue()
    headers = {"X-DVC-Namespace": ns}
    base = dvc_stack.urls["provincial"]
    figures = requests.get(f"{base}/api/v1/stats/online-rate", params={"from": "2022-01-01", "to": "2022-01-31"},
                           headers=headers, timeout=60).json()
    for tier, share in LETTER.items():
        assert abs(figures[tier]["online_rate"] - share) <= 0.1, (tier, figures[tier]["online_rate"])
        assert figures[tier]["received"] > 500 and figures[tier]["counter"] > figures[tier]["online"]
    # The published procedures the profile leaves without dossiers are the ones the figures name.
    assert sorted(c.split(".000.00")[0] for c in figures["province"]["procedures_without_dossiers"]) == \
        ["9.100011", "9.100015", "9.100017", "9.100020"]
    assert figures["total"]["finished"] > 2000 and 80 < figures["total"]["on_time_rate"] < 100
    assert figures["total"]["rated"] > 0 and figures["total"]["post"] > 0
    # Every dossier reached the national portal in its final state (batched sync).
    admin = {**headers, "X-Admin-Token": dvc_stack.config.credentials.admin_token}
    some = requests.get(f"{base}/_admin/dossiers", params={"limit": 40}, headers=admin, timeout=T).json()["items"]
    for d in some[::7]:
        national = requests.get(f"{dvc_stack.urls['national']}/api/v1/lookup/{d['code']}", headers=headers,
                                timeout=T).json()
        assert national["status"] == d["status"] and national["progress"], d["code"]
    clock = requests.get(f"{base}/_admin/clock", headers=admin, timeout=T).json()
    assert clock["now"].startswith("2022-01-31T17:00") and clock["mode"] == "offset"
    # Twice in the same namespace: refused, nothing doubled.
    again = seed_history.seed(Path(dvc_stack.config.state_dir), "quangnam-2022-01", ns, out=io.StringIO())
    assert again == 2


def test_a_history_the_national_portal_refuses_fails_the_seed(dvc_stack: Stack, ns: str,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """A batch the gateway refuses for good (invalid data) is not 'all delivered': the seed says so and fails."""
    # A tenth of the month: one refused batch needs no 4,000 dossiers (the shares are the test above's).
    month = seed_history.load_profile("quangnam-2022-01")
    tenth = dataclasses.replace(month, tiers={tier: dataclasses.replace(plan, eligible=plan.eligible // 10,
                                                                        level2=plan.level2 // 10)
                                              for tier, plan in month.tiers.items()})
    monkeypatch.setattr(seed_history, "load_profile", lambda name: tenth)
    faults = Faults(dvc_stack.info, ns)
    faults.error("national", "/sync/service", status=400, nth=1,
                 body={"error_code": 3, "message": "Dữ liệu không hợp lệ (giả lập)"})
    out = io.StringIO()
    code = seed_history.seed(Path(dvc_stack.config.state_dir), "quangnam-2022-01", ns, wait=60, out=out)
    assert code == 1, out.getvalue()
    assert "refused by the national portal" in out.getvalue() and "all delivered" not in out.getvalue()
