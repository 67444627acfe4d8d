"""Each journey picks its procedure by what it needs itself: on a portal that offers no postal return, the level-4
payment journeys (paid online, cancelled then retried, a bank time-out, a forged confirmation) run, and only the
postal journey skips, saying what it needs. The choice is the suite's, whatever the driver: the API driver, the
fastest, runs them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from harness.procedure_needs import NEEDS
from scenarios.journeys import Catalogue

ROOT = Path(__file__).resolve().parents[2]
SUITE = "scenarios/suites/test_citizen_journeys.py::test_journey"
PAYMENT_JOURNEYS = [f"{SUITE}[{name}]" for name in ("level4", "payment_cancelled", "payment_pending",
                                                    "forged_confirmation")]
POSTAL_JOURNEY = f"{SUITE}[level4_post]"


def test_a_catalogue_without_the_post_still_has_what_the_payments_need() -> None:
    items = [{"code": "P1", "national_code": "1.1", "name": "Thủ tục", "level": 4, "tier": "province",
              "agency_code": "A", "agency_name": "Sở", "fee": {"amount": 200000, "timing": "before"},
              "result_by_post": False, "applicant_types": [1]}]
    catalogue = Catalogue.pick(items)
    assert catalogue.level4_online is not None and catalogue.level4_post is None
    assert NEEDS["level4_post"].describe() == ("a province-level, level-4 procedure with a fee paid online "
                                               "(not by copy) and the result by post")


def test_the_payment_journeys_run_on_a_portal_without_postal_return(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist", "-p", "no:schemathesis",
           "-p", "no:hypothesispytest", "-q", "-rs", *PAYMENT_JOURNEYS, POSTAL_JOURNEY,
           "--dvc-hooks=tests.scenarios.no_post:back_office", "--dvc-driver=api", f"--output={tmp_path / 'artifacts'}"]
    ran = subprocess.run(cmd, cwd=ROOT, env=env, text=True, capture_output=True, timeout=300,
                         start_new_session=True)
    summary = ran.stdout.strip().splitlines()[-1]
    assert ran.returncode == 0 and "4 passed" in summary and "1 skipped" in summary, ran.stdout[-4000:]
    assert "the result by post" in ran.stdout, ran.stdout[-2000:]
