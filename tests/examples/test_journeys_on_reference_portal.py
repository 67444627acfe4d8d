"""The project's citizen journeys and the smoke load, run against a portal that is not the emulator.

The stack starts with a default namespace, so the reference portal's back end, which sends no
X-DVC-Namespace, lands where the browser works: `--dvc-namespace` pins the journeys to the same one
(docs/wiring.md). The journeys run in a pytest of their own, as a team would run them, with the
example's page objects and back office; the load runs through the example's `--api`.

A representative subset keeps this under two minutes on two cores: the accounts (registration, SSO,
the linking rules), a level-3 dossier, a level-4 dossier paid online with the result by post, tracking
on both portals, finding a procedure; the rest of the citizen suites run the same way.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from examples.reference_portal.config import Config
from examples.reference_portal.pages import URL_VARIABLE
from examples.reference_portal.server import PortalServer
from harness.stack import Stack

NAMESPACE = "refportal-journeys"
PAGES = "examples.reference_portal.pages:portal"
HOOKS = "examples.reference_portal.hooks:back_office"
SUITE = "scenarios/suites/test_citizen_journeys.py::test_journey"
# In the browser, the journeys that go through every page of the example (its national log-in, its form, its
# dossier page, the checkout, the postal return); in the API driver, every citizen journey.
BROWSER_JOURNEYS = [f"{SUITE}[{name}]" for name in ("sso_links_local_account", "level4_post", "browse")] + [
    "scenarios/suites/test_resilience.py::test_a_payment_confirmation_sent_twice_is_recorded_once",
]
API = "examples.reference_portal.load_api:reference_api"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def pinned(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, PortalServer]]:
    """A stack whose requests without a namespace land in NAMESPACE, and the reference portal wired to it."""
    folder = tmp_path_factory.mktemp("pinned")
    stack = Stack.start(folder / "state", default_namespace=NAMESPACE)
    info = stack.info
    portal = None
    try:
        portal = PortalServer.start(Config(national=info.url("national"), payment=info.url("payment"),
                                           postal=info.url("postal"), port=0, database=folder / "portal.db",
                                           admin_token=info.admin_token))
        yield folder, portal
    finally:
        if portal is not None:
            portal.stop()
        stack.stop()


def _child_env(portal: PortalServer) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "REFPORTAL_"))}
    env[URL_VARIABLE] = portal.url
    return env


def _run(cmd: list[str], env: dict[str, str], timeout: float) -> subprocess.CompletedProcess[str]:
    process = subprocess.Popen(cmd, cwd=ROOT, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               start_new_session=True)
    try:
        out, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, 9)
        out, _ = process.communicate()
        pytest.fail(f"{cmd[:4]}... did not finish in {timeout:.0f} s:\n{out[-4000:]}")
    return subprocess.CompletedProcess(cmd, process.returncode, out, "")


def _journeys(folder: Path, portal: PortalServer, *selection: str) -> str:
    cmd = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:xdist", "-p", "no:schemathesis",
           "-p", "no:hypothesispytest", "-q", "-rs", *selection, f"--dvc-pages={PAGES}", f"--dvc-hooks={HOOKS}",
           f"--dvc-api={API}", f"--dvc-namespace={NAMESPACE}",
           f"--dvc-state-dir={folder / 'state'}", f"--junitxml={folder / 'journeys-browser.xml'}",
           f"--output={folder / 'artifacts'}"]
    ran = _run(cmd, _child_env(portal), timeout=240)
    assert ran.returncode == 0, ran.stdout[-6000:]
    return ran.stdout


def test_the_citizen_journeys_pass_on_the_reference_portal_in_the_browser(pinned: tuple[Path, PortalServer]) -> None:
    folder, portal = pinned
    out = _journeys(folder, portal, *BROWSER_JOURNEYS)
    # the resilience journeys need the emulator itself
    assert "3 passed" in out.splitlines()[-1] and "1 skipped" in out.splitlines()[-1], out[-3000:]
    assert "emulator only" in out, out[-3000:]


def test_run_with_the_api_driver_passes_on_the_reference_portal_in_today_s_world(
        pinned: tuple[Path, PortalServer]) -> None:
    """`dvc-harness run --driver api` with the portal's own HTTP layer and back office: every citizen journey, its
    citizens logging in through DVCQG's VNeID log-in, and what the portal's catalogue cannot serve skipped, saying
    so."""
    folder, portal = pinned
    reports = folder / "run-api"
    cmd = [sys.executable, "-m", "harness.cli", "run", "--driver", "api", "--suite", SUITE.split("::")[0],
           "--api", "examples.reference_portal.load_api:reference_api", "--hooks", HOOKS, "--namespace", NAMESPACE,
           "--state-dir", str(folder / "state"), "--report-dir", str(reports), "--no-smoke"]
    ran = _run(cmd, _child_env(portal), timeout=300)
    assert ran.returncode == 0, ran.stdout[-6000:]
    summary = json.loads((reports / "summary.json").read_text(encoding="utf-8"))
    assert summary["world"]["citizens_use_vneid"] and summary["world"]["two_tiers"], summary["world"]
    outcomes = {j["name"].split("[")[1].split("]")[0]: j["outcome"] for j in summary["journeys"]}
    assert {name for name, outcome in outcomes.items() if outcome == "passed"} >= {
        "register", "sso_first_log_in", "sso_links_local_account", "level3", "level4", "level4_post", "track",
        "vneid_log_in_by_app", "vneid_log_in_by_qr", "vneid_approval_denied", "vneid_approval_expired",
        "vneid_down"}, outcomes
    assert outcomes["two_tier_former_district_procedure_at_a_commune"] == "skipped"      # no such procedure here
    # Which ran and which were skipped, with their reasons: the portal has no level-2 nor commune level-4
    # procedure, none that asks a level-2 identity, none moved from a district and no district-level one (the
    # journeys of VNeID's identity levels and of the two tiers).
    assert summary["totals"] == {**summary["totals"], "passed": 19, "skipped": 5, "failed": 0}, summary["totals"]
    reasons = " ".join(j["message"] for j in summary["journeys"] if j["outcome"] == "skipped")
    for reason in ("level-2 procedure", "commune-level", "level-2 VNeID identity required",
                   "moved from the district tier", "district-level"):
        assert reason in reasons, (reason, reasons)


def _load(folder: Path, portal: PortalServer, profile: str, reports: Path, duration: str) -> tuple[
        subprocess.CompletedProcess[str], dict[str, Any]]:
    cmd = [sys.executable, "-m", "harness.cli", "load", "--profile", profile, "--duration", duration,
           "--host", portal.url, "--api", "examples.reference_portal.load_api:reference_api",
           "--namespace", NAMESPACE, "--state-dir", str(folder / "state"), "--report-dir", str(reports)]
    ran = _run(cmd, _child_env(portal), timeout=150)
    return ran, json.loads((reports / "load-summary.json").read_text(encoding="utf-8"))


def test_the_smoke_load_passes_on_the_reference_portal_with_its_own_profile(pinned: tuple[Path, PortalServer]) -> None:
    folder, portal = pinned
    ran, summary = _load(folder, portal, "examples/reference_portal/load-smoke.toml", folder / "load", "6")
    assert ran.returncode == 0, ran.stdout[-6000:]
    # every SLO group measured this portal's requests
    assert not summary["slo"]["unmatched_groups"] and all(v["state"] == "pass" for v in summary["slo"]["verdicts"])
    checked = summary.get("consistency") or {}
    # The check read the portal's records through its back office, and found everything, field by field.
    assert checked.get("ok") and not checked.get("skipped"), checked
    assert checked.get("checked_submissions", 0) >= 1, checked
    assert set(checked["fields"]) == {"procedure", "result_delivery", "fee_amount", "payment_state"}
    assert all(state.startswith("checked on") for state in checked["fields"].values()), checked


def test_the_emulator_s_smoke_profile_measures_nothing_of_the_portal_s_submissions(
        pinned: tuple[Path, PortalServer]) -> None:
    """The shipped smoke's groups name the emulator's routes: on another portal its submit group matches
    nothing, which is NO DATA and fails the run, with the request names the run saw to fix the globs."""
    folder, portal = pinned
    # the shipped smoke as it is, but for the two journeys this portal's catalogue cannot serve
    shipped = folder / "smoke-as-shipped.toml"
    shipped.write_text('extends = "smoke"\nname = "smoke"\n\n[mix]\nfind_by_tier = 0\nlevel2_not_online = 0\n',
                       encoding="utf-8")
    ran, summary = _load(folder, portal, str(shipped), folder / "load-emulator-profile", "3")
    assert ran.returncode == 1, ran.stdout[-6000:]
    assert "submit" in summary["slo"]["unmatched_groups"]
    assert any(name.startswith("POST provincial /nop-ho-so/") for name in summary["slo"]["seen_requests"])
    assert "SLO groups that matched no request: submit" in ran.stdout and "every SLO held" not in ran.stdout


def test_the_seam_preflight_vouches_for_every_method_of_the_reference_portal(
        pinned: tuple[Path, PortalServer], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """`dvc-harness load --check-api` on a portal written from the protocols alone: each method called once, in
    the seam's shape, none left unchecked (a method the preflight could not reach would fail it)."""
    from harness.cli import main
    from scenarios.api.seam import SEAM_METHODS

    folder, portal = pinned
    monkeypatch.setenv(URL_VARIABLE, portal.url)
    code = main(["load", "--check-api", API, "--host", portal.url, "--namespace", NAMESPACE,
                 "--state-dir", str(folder / "state")])
    out = capsys.readouterr().out
    assert code == 0, out
    assert all(re.search(rf"^  {m}\s+ok\b", out, re.M) for m in ("session", *SEAM_METHODS)), out
    assert "not checked" not in out and "every method answered in the seam's shape" in out
