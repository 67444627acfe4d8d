"""`dvc-harness load` end to end: Locust in its own process against a stack of the test's own.

Each test is bounded (tens of seconds) and stops by itself. The stack is private to this
module (a snapshot restore below rewinds the whole stack, which the shared one must never see).
"""

from __future__ import annotations

import dataclasses
import io
import json
import re
import statistics
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from harness.control import Faults
from harness.load_cmd import EXIT_DATA_LOST, EXIT_ERROR, EXIT_FAILED, EXIT_OK, LoadOptions, run_load
from harness.stack import Stack
from load import profiles
from load.slo import arrivals_in
from tests.process_groups import end_group, free_base_port


@pytest.fixture(scope="module")
def load_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    stack = Stack.start(tmp_path_factory.mktemp("load-state"))
    yield stack
    stack.stop()


def run(stack: Stack, report: Path, profile: profiles.Profile, **options: object) -> tuple[int, str, dict]:
    out = io.StringIO()
    code = run_load(LoadOptions(profile, state_dir=Path(stack.config.state_dir), report_dir=report, echo=out,
                                **options))  # type: ignore[arg-type]
    summary = json.loads((report / "load-summary.json").read_text(encoding="utf-8"))
    return code, out.getvalue(), summary


def test_smoke_passes_and_leaves_the_reports(load_stack: Stack, tmp_path: Path) -> None:
    # the shipped smoke, shortened: a visitor of each journey finishes its first visit in the first seconds
    code, out, summary = run(load_stack, tmp_path, profiles.load("smoke").with_overrides(duration_s=9))
    assert code == EXIT_OK, out
    for name in ("locust.html", "locust_stats.csv", "locust_failures.csv", "load-junit.xml", "load-results.json",
                 "load.log"):
        assert (tmp_path / name).stat().st_size > 0, name
    suite = ET.parse(tmp_path / "load-junit.xml").getroot()
    names = [case.get("name") for case in suite.iter("testcase")]
    assert {"failure ratio", "throughput", "catalogue p95", "submit p99", "nothing accepted is lost"} <= set(names)
    assert suite.get("failures") == "0"
    # every journey ran, officers included, and the check saw what they submitted and paid
    journeys = summary["journeys"]
    assert all(journeys.get(k, {}).get("ok", 0) >= 1 for k in (*profiles.JOURNEYS, "officer")), journeys
    assert summary["consistency"]["ok"] and summary["consistency"]["checked_payments"] >= 1
    assert all(state.startswith("checked on") for state in summary["consistency"]["fields"].values()), summary
    assert "SLO" in out and "PASS" in out and "NO DATA" not in out
    # the verdict line says what was judged: the profile, the host, the namespace, the world of its clock's date
    verdict = next(line for line in out.splitlines() if "every SLO held" in line)
    assert re.search(rf"profile smoke on {re.escape(load_stack.urls['provincial'])}, namespace load-[\w-]+, "
                     r"the world of \d{4}-\d{2}-\d{2}: citizens and organisations log in with VNeID", verdict), verdict
    assert summary["clock"].startswith("the world of ")


def test_failing_requests_fail_the_run_and_name_the_slo(load_stack: Stack, tmp_path: Path) -> None:
    ns = "load-fault-test"
    Faults(load_stack.info, ns).error("provincial", "/api/v1/dossiers", method="POST", status=503)
    code, out, summary = run(load_stack, tmp_path, profiles.load("smoke").with_overrides(duration_s=4), namespace=ns)
    assert code == EXIT_FAILED, out
    failed = [v["name"] for v in summary["slo"]["verdicts"] if not v["ok"]]
    assert "failure ratio" in failed
    assert "an SLO failed: " in out and "failure ratio" in out.split("an SLO failed: ")[1]
    suite = ET.parse(tmp_path / "load-junit.xml").getroot()
    assert any(case.find("failure") is not None and case.get("name") == "failure ratio"
               for case in suite.iter("testcase"))


def test_a_lost_submission_is_caught_with_exit_code_3(load_stack: Stack, tmp_path: Path) -> None:
    """The emulator loses what it accepted: a snapshot taken mid-run is restored later in the run."""
    ns = "load-lost-test"
    base, token = load_stack.urls["provincial"], load_stack.info.admin_token
    admin = {"X-Admin-Token": token, "X-DVC-Namespace": ns}
    lost: dict[str, list[str]] = {}

    def codes() -> list[str]:
        return [d["code"] for d in requests.get(f"{base}/_admin/dossiers", headers=admin, timeout=10).json()["items"]]

    def rewind() -> None:
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline and not codes():
            time.sleep(0.2)
        taken = requests.post(f"{base}/_admin/snapshots", json={"name": "mid-run"}, headers=admin, timeout=30)
        taken.raise_for_status()
        # listed after the snapshot: a code not listed yet came after it, and the restore loses it (a code listed
        # before the snapshot was taken could be one committed while it was taken, which it keeps)
        kept = codes()
        while time.monotonic() < deadline and len(codes()) < len(kept) + 2:
            time.sleep(0.2)
        lost["codes"] = [c for c in codes() if c not in kept]
        requests.post(f"{base}/_admin/snapshots/mid-run/restore", headers=admin, timeout=30).raise_for_status()

    thread = threading.Thread(target=rewind, daemon=True)
    thread.start()
    code, out, summary = run(load_stack, tmp_path, profiles.load("smoke").with_overrides(duration_s=10), namespace=ns)
    thread.join(timeout=5)
    assert lost.get("codes"), "the run submitted too little to lose anything"
    assert code == EXIT_DATA_LOST, out
    problems = summary["consistency"]["problems"]
    assert {p["key"] for p in problems} & set(lost["codes"]), (problems, lost)
    assert {p["kind"] for p in problems} <= {"lost_submission", "duplicate_code", "wrong_dossier",
                                              "lost_payment", "payment_not_recorded_by_portal", "payment_not_paid"}
    assert "DATA LOST" in out


def test_a_master_and_two_workers_on_loopback(load_stack: Stack, tmp_path: Path) -> None:
    port = free_base_port(1)   # below the ephemeral range: no connection takes it before the master binds
    workers = [subprocess.Popen([sys.executable, "-m", "harness.load_cmd", "--worker", "--master-host", "127.0.0.1",
                                 "--master-port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
               for _ in range(2)]
    try:
        # the campaign's mix with short thoughts, so that visits end within the run; the groups that chance may
        # leave empty in 16 s are optional (a group with no request is NO DATA, which fails a run). This test is
        # about the distribution, not speed: latency limits a busy machine meets, so that only a run the master
        # could not put together fails it.
        profile_file = tmp_path / "distributed.toml"
        groups = ("catalogue", "login", "register", "submit", "payment", "tracking", "officer")
        optional = ("register", "tracking", "officer", "payment")
        profile_file.write_text('extends = "campaign-peak"\n[think_time]\nmin_s = 0.05\nmax_s = 0.2\n'
                                "[slo]\nmin_throughput_rps = 1.0\nmin_arrival_ratio = 0.5\n"
                                "max_dropped_arrivals = 1000\n"
                                + "".join(f"[slo.groups.{g}]\np95_ms = 60000\np99_ms = 60000\n"
                                          + ("optional = true\n" if g in optional else "")
                                          for g in groups), encoding="utf-8")
        profile = profiles.load(str(profile_file)).with_overrides(duration_s=16, rate=4)
        code, out, _summary = run(load_stack, tmp_path, profile, expect_workers=2, master_bind_host="127.0.0.1",
                                 master_bind_port=port)
        assert code == EXIT_OK, out
        results = json.loads((tmp_path / "load-results.json").read_text(encoding="utf-8"))
        assert results["workers"] == 2
        # Both workers took part: each sent requests. (Not each finished a visit: the worker Locust gives only the
        # officer teams may finish no round in 16 s on a busy machine, which says nothing of the distribution.)
        sent = results["node_requests"]
        assert len(sent) == 2 and all(n > 0 for n in sent.values()), (sent, results["nodes"])
        assert sum(results["nodes"].values()) > 0, results["nodes"]
        for worker in workers:
            assert worker.wait(timeout=30) == 0          # the master sent them home
    finally:
        for worker in workers:
            end_group(worker)   # the worker and its Locust, whatever happened


@dataclasses.dataclass
class Arrivals:
    """An arrival run: its exit code, output and results, and the visitors started, dropped and offered between
    t0 (2 s after the start) and t1 (the end of the shape)."""

    code: int
    out: str
    results: dict
    started: int
    dropped: int
    offered: float
    t0: float
    t1: float


def browsing_arrivals(stack: Stack, tmp_path: Path, ns: str, *, rate: float, hold_s: float, min_arrival_ratio: float,
                      max_in_flight: int | None = None) -> Arrivals:
    """An arrival run of browsing visitors with no think time."""
    in_flight = f"max_in_flight = {max_in_flight}\n" if max_in_flight else ""
    profile_file = tmp_path / "arrivals.toml"
    profile_file.write_text(f"""
name = "arrivals"
mode = "arrival"
[load]
rate = {rate}
ramp_s = 0
hold_s = {hold_s}
{in_flight}[mix]
browse = 1
[think_time]
min_s = 0
max_s = 0
[slo]
window = "all"
min_arrival_ratio = {min_arrival_ratio}
""", encoding="utf-8")
    report = tmp_path / "report"
    code, out, _summary = run(stack, report, profiles.load(str(profile_file)), namespace=ns)
    results = json.loads((report / "load-results.json").read_text(encoding="utf-8"))
    t0, t1 = results["started_at"] + 2, results["shape_ended_at"]
    return Arrivals(code, out, results, *arrivals_in(results["arrivals"], results["rates"], t0, t1), t0, t1)


def test_the_arrival_rate_holds_when_latency_rises_tenfold(load_stack: Stack, tmp_path: Path) -> None:
    """An open model: visitors keep arriving at the offered rate however slow the answers. A closed model (a
    visitor starts when the previous one ends) would start about a tenth as many here. The margins hold on a
    machine ten times slower than a quiet one: no timing is asserted, only starts against offers."""
    ns = "load-arrivals-test"
    base = load_stack.urls["provincial"]
    # what a catalogue read takes now, unfaulted
    http = requests.Session()
    baseline = []
    for _ in range(20):
        started = time.perf_counter()
        http.get(f"{base}/api/v1/procedures", params={"q": "ho tich"}, headers={"X-DVC-Namespace": ns}, timeout=10)
        baseline.append((time.perf_counter() - started) * 1000)
    added_ms = max(10 * statistics.median(baseline), 400.0)
    Faults(load_stack.info, ns).latency("provincial", "/api/v1/*", ms=added_ms)
    run_ = browsing_arrivals(load_stack, tmp_path, ns, rate=4, hold_s=8, min_arrival_ratio=0.5)
    assert run_.offered == pytest.approx(4 * (run_.t1 - run_.t0), rel=0.05)
    # each visit takes at least 3 slowed reads (≥ 1.2 s): one visitor at a time would start < 1 a second
    assert run_.started >= 0.6 * run_.offered, (run_.started, run_.offered)
    assert run_.dropped == 0
    # and the answers were at least ten times slower than without the fault
    rt = run_.results["final"]["requests"]["GET provincial /api/v1/procedures"]["rt"]
    median = sorted(int(k) for k, n in rt.items() for _ in range(n))[sum(rt.values()) // 2]
    assert median >= added_ms >= 10 * statistics.median(baseline), (median, baseline)
    assert run_.code == EXIT_OK, run_.out


def test_arrivals_beyond_the_visitors_in_flight_are_dropped_and_counted(load_stack: Stack, tmp_path: Path) -> None:
    """Two visitors in flight at most, each slowed to seconds: the offered arrivals that find both slots taken
    are dropped, every one counted (the source counts them when a slot frees, not one wake-up each)."""
    ns = "load-drops-test"
    Faults(load_stack.info, ns).latency("provincial", "/api/v1/*", ms=1000)
    run_ = browsing_arrivals(load_stack, tmp_path, ns, rate=10, hold_s=5, max_in_flight=2, min_arrival_ratio=0.0)
    seen = (run_.started, run_.dropped, run_.offered)
    # a browse visit makes three slowed catalogue reads (≥ 3 s): two slots start one visit every 1.5 s at most
    assert run_.started <= 0.25 * run_.offered, seen
    assert run_.dropped > 0 and run_.started + run_.dropped == pytest.approx(run_.offered, rel=0.1), seen


def test_a_host_without_a_stack_gets_anonymous_browsing_and_no_check(load_stack: Stack, tmp_path: Path) -> None:
    """`--host` names a portal that is not this state folder's emulator: it is only browsed, nothing is checked."""
    out = io.StringIO()
    code = run_load(LoadOptions(profiles.load("smoke").with_overrides(duration_s=4), host=load_stack.urls["provincial"],
                                state_dir=tmp_path / "no-stack-here", report_dir=tmp_path / "report", echo=out))
    summary = json.loads((tmp_path / "report" / "load-summary.json").read_text(encoding="utf-8"))
    assert set(summary["journeys"]) == {"browse"} and summary["journeys"]["browse"]["ok"] >= 1
    assert summary["consistency"]["skipped"].endswith("is not the emulator")
    # browsing alone measured no submission nor payment: those SLOs are NO DATA, and the gate fails on them
    assert code == EXIT_FAILED, out.getvalue()
    assert summary["slo"]["unmatched_groups"] == ["submit", "payment"]
    assert "SLO groups that matched no request: submit, payment" in out.getvalue()
    assert "GET provincial /api/v1/procedures: " in out.getvalue()


def test_an_outside_portal_whose_api_gives_no_back_office_skips_the_check_in_one_line(load_stack: Stack,
                                                                                      tmp_path: Path) -> None:
    """`--host` at a portal other than the emulator (here the emulator under another name — browsed only, as
    its SSO cookies are bound to 127.0.0.1 — through the default --api, which gives no back_office): the
    visitors run, the check says in one line why it is skipped, and the exit code is not 3."""
    host = load_stack.urls["provincial"].replace("127.0.0.1", "localhost")
    smoke = profiles.load("smoke").with_overrides(duration_s=3)
    data = smoke.to_json()      # browsing only: the catalogue's SLO alone (a submission's would measure nothing)
    data["slo"]["groups"] = [g for g in data["slo"]["groups"] if g["name"] == "catalogue"]
    browsing = type(smoke).from_json({**data, "mix": {"browse": 1.0}, "officers": 0})
    code, out, summary = run(load_stack, tmp_path / "report", browsing, host=host, namespace="outside-portal")
    assert code == EXIT_OK, out
    skipped = [line for line in out.splitlines() if line.startswith("dvc-harness load: consistency check skipped")]
    assert len(skipped) == 1 and "gives no back_office" in skipped[0], out
    assert summary["consistency"]["skipped"] and summary["journeys"]["browse"]["ok"] >= 1


def test_an_api_that_cannot_be_imported_is_refused_at_once(tmp_path: Path) -> None:
    out = io.StringIO()
    code = run_load(LoadOptions(profiles.load("smoke"), api="no_such_package.load:portal", state_dir=tmp_path / "s",
                                report_dir=tmp_path / "report", echo=out))
    summary = json.loads((tmp_path / "report" / "load-summary.json").read_text(encoding="utf-8"))
    assert code == 2 and "no_such_package" in summary["error"]
    assert not (tmp_path / "report" / "load.log").exists(), "Locust was started for an --api that does not exist"


def test_a_journey_the_catalogue_cannot_serve_stops_the_run_before_locust(load_stack: Stack, tmp_path: Path) -> None:
    """A portal without postal return and a mix that wants one: exit 2 at once, naming the journey."""
    code, out, summary = run(load_stack, tmp_path, profiles.load("smoke"), api="tests.load.portals:no_postal_return")
    assert code == EXIT_ERROR, out
    assert "level4_post needs a province-level, level-4 procedure with a fee paid online (not by copy) and the " \
           "result by post" in summary["error"]
    # Locust never started: no log of it, no results
    assert not (tmp_path / "load.log").exists() and not (tmp_path / "load-results.json").exists()


def test_without_the_postal_journey_the_same_portal_is_loaded(load_stack: Stack, tmp_path: Path) -> None:
    profile_file = tmp_path / "no-post.toml"
    profile_file.write_text('extends = "smoke"\nname = "no-post"\n[mix]\nlevel4_post = 0\n'
                            'postal_return_paid_at_counter = 0\n[load]\nhold_s = 4\n', encoding="utf-8")
    code, out, summary = run(load_stack, tmp_path / "report", profiles.load(str(profile_file)),
                             api="tests.load.portals:no_postal_return")
    assert code == EXIT_OK, out
    assert summary["measured"]["requests"] > 0 and "level4_post" not in summary["journeys"]
    assert summary["journeys"]["level4"]["ok"] >= 1        # paid online, with no post in the catalogue


def test_a_layer_that_asks_for_requests_gets_its_session_measured_and_named(load_stack: Stack, tmp_path: Path
                                                                             ) -> None:
    """`factory.requests_session = True`: the visitors get Locust's requests-based session (the factory refuses
    anything else), and the run is measured, named and judged as with the load's own session."""
    code, out, summary = run(load_stack, tmp_path, profiles.load("smoke").with_overrides(duration_s=5),
                             api="tests.load.portals:needs_requests")
    assert code == EXIT_OK, out
    journeys = summary["journeys"]
    assert sum(c.get("ok", 0) for c in journeys.values()) >= 3, journeys
    reasons = json.loads((tmp_path / "load-results.json").read_text(encoding="utf-8")).get("journey_reasons")
    assert not any(c.get("failed", 0) for c in journeys.values()), reasons
    assert "GET provincial /api/v1/procedures" in summary["slo"]["seen_requests"], summary["slo"]["seen_requests"]


def test_a_run_that_sends_no_request_gives_no_verdict(load_stack: Stack, tmp_path: Path) -> None:
    profile_file = tmp_path / "browse.toml"
    profile_file.write_text('name = "browse"\n[mix]\nbrowse = 1\n[load]\nusers = 2\nramp_s = 1\nhold_s = 2\n'
                            '[slo]\nfailure_ratio = 0.0\n', encoding="utf-8")
    code, out, summary = run(load_stack, tmp_path, profiles.load(str(profile_file)),
                             api="tests.load.portals:unreachable")
    assert code == EXIT_ERROR, out
    assert summary["error"].startswith("the run sent no request to ") and summary["measured"]["requests"] == 0
    assert "every SLO held" not in out and "PASS" not in out


def test_check_api_calls_every_method_of_the_seam(load_stack: Stack, capsys: pytest.CaptureFixture[str]) -> None:
    from harness.cli import main

    state = str(load_stack.config.state_dir)
    assert main(["load", "--check-api", "load.api:emulator_api", "--state-dir", state]) == EXIT_OK
    out = capsys.readouterr().out
    from scenarios.api.seam import SEAM_METHODS

    assert all(re.search(rf"^  {m}\s+ok\b", out, re.M) for m in SEAM_METHODS), out
    assert "every method answered in the seam's shape" in out


def test_check_api_names_what_is_missing_or_misshapen(load_stack: Stack, capsys: pytest.CaptureFixture[str]) -> None:
    from harness.cli import main

    state = str(load_stack.config.state_dir)
    assert main(["load", "--check-api", "tests.load.portals:older_layer", "--state-dir", state]) == EXIT_ERROR
    out = capsys.readouterr().out
    assert re.search(r"^  dossier\s+mis-shaped\s+status_name is missing", out, re.M), out
    assert re.search(r"^  receipt\s+missing\b", out, re.M), out
    assert "2 method(s) missing, mis-shaped or failing: dossier, receipt" in out
