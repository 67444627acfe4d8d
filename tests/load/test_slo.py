"""SLO gates on windows of Locust's statistics; request names; the verdicts of a run."""

from __future__ import annotations

from load import profiles, slo
from load.names import Namer, matches, template


def counts(times_ms: list[int], failures: int = 0) -> slo.Counts:
    rt: dict[int, int] = {}
    for t in times_ms:
        rt[t] = rt.get(t, 0) + 1
    return slo.Counts(len(times_ms), failures, rt)


def test_request_names_group_every_visitor_on_one_line() -> None:
    assert template("/api/v1/dossiers/000.00.12.H47-220131-0007/payments") == "/api/v1/dossiers/{code}/payments"
    assert template("/api/v1/procedures/2.000488.000.00.00.H47") == "/api/v1/procedures/{procedure}"
    assert template("/thanh-toan/Zx8_k2Jq0aLmPq3rT5vW9yB1") == "/thanh-toan/{token}"
    assert template("/dang-nhap/cho-xac-nhan/zneGvMrQoUA9HInq") == "/dang-nhap/cho-xac-nhan/{token}"
    assert template("/thu-tuc-hanh-chinh/dang-ky-ho-kinh-doanh") == "/thu-tuc-hanh-chinh/dang-ky-ho-kinh-doanh"
    assert template("/receipts/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b") == "/receipts/{token}"
    assert template("/api/orders/EB100000017VN") == "/api/orders/{waybill}"
    assert template("/api/v1/accounts/049095001234/confirm") == "/api/v1/accounts/{n}/confirm"
    namer = Namer({"provincial": "http://127.0.0.1:8101", "national": "http://127.0.0.1:8100"})
    assert namer("http://127.0.0.1:8101/api/v1/lookup/000.00.12.H47-220131-0007?x=1") == \
        "provincial /api/v1/lookup/{code}"
    assert namer("http://127.0.0.1:8100/api/v1/lookup/X") == "national /api/v1/lookup/X"
    assert namer("https://staging.example/api") == "staging.example /api"
    # a portal alone (--host without the emulators) stands for every service: its requests are the portal's
    alone = Namer({"provincial": "http://p:1", "national": "http://p:1", "payment": "http://p:1", "postal": "http://p:1"})
    assert alone("http://p:1/api/v1/procedures") == "provincial /api/v1/procedures"
    assert matches("GET", "provincial /api/v1/procedures", ["GET provincial /api/v1/procedures*"])
    assert not matches("POST", "provincial /api/v1/procedures", ["GET provincial /api/v1/procedures*"])


def test_percentiles_and_windows() -> None:
    c = counts(list(range(1, 101)))
    assert c.percentile(0.95) == 95 and c.percentile(0.99) == 99 and c.percentile(0.5) == 50
    early = slo.Snapshot(10.0, {"GET a": counts([10, 20])})
    late = slo.Snapshot(20.0, {"GET a": counts([10, 20, 30, 40], failures=1), "POST b": counts([5])})
    window = late.minus(early)
    assert window.duration_s == 10 and window.total().n == 3 and window.total().f == 1
    assert window.requests["GET a"].rt == {30: 1, 40: 1}
    assert window.rps == 0.3


def test_arrivals_are_counted_in_tenths_of_a_second_against_the_offered_rate() -> None:
    buckets = {str(k): [1, 0] for k in range(1000, 1100)}     # one start every 0.1 s from t=100 to 110
    buckets["1100"] = [0, 2]
    rates = [(95.0, 0.0), (100.0, 10.0), (110.0, 0.0)]
    assert slo.arrivals_in(buckets, rates, 100.0, 110.0) == (100, 0, 100.0)
    assert slo.arrivals_in(buckets, rates, 105.0, 111.0) == (50, 2, 50.0)


def test_gates_name_the_slo_that_failed() -> None:
    smoke = profiles.load("smoke")
    ok = slo.Window(10, {"GET provincial /api/v1/procedures": counts([20] * 100),
                         "POST provincial /api/v1/dossiers": counts([50] * 10),
                         "POST provincial /api/v1/dossiers/{code}/payments": counts([60] * 5)})
    assert all(v.ok for v in slo.gate(smoke.slo, ok, arrival=False))
    bad = slo.Window(10, {"GET provincial /api/v1/procedures": counts([20] * 90 + [9000] * 10, failures=3)})
    verdicts = slo.gate(smoke.slo, bad, arrival=False)
    assert {v.name for v in verdicts if v.state == slo.FAIL} == {"failure ratio", "catalogue p95", "catalogue p99"}
    # the groups that measured nothing fail too, as NO DATA, not as a breach
    assert {v.name for v in verdicts if v.state == slo.NO_DATA} == {"submit p95", "submit p99", "payment p95",
                                                                    "payment p99"}
    assert slo.hard_breach(smoke.slo, slo.Window(10, {"GET x": counts([1] * 20, failures=15)})) is not None
    assert slo.hard_breach(smoke.slo, slo.Window(10, {"GET x": counts([1] * 5, failures=5)})) is None  # too few


def test_a_run_is_judged_on_its_hold_and_an_early_stop_fails_it() -> None:
    peak = profiles.load("campaign-peak").with_overrides(duration_s=20)
    start = slo.Snapshot(0.0, {})
    hold = slo.Snapshot(4.0, {"GET provincial /api/v1/procedures": counts([5000] * 10)})   # a slow ramp
    others = {name: counts([30] * 20) for name in (  # a request of every other group of the profile
        "GET provincial /dang-nhap", "POST national /api/v1/accounts", "POST provincial /api/v1/dossiers",
        "POST provincial /api/v1/dossiers/{code}/payments", "GET provincial /api/v1/lookup/{code}",
        "POST provincial /api/v1/officer/dossiers/{code}/receive")}
    final = slo.Snapshot(20.0, {"GET provincial /api/v1/procedures": counts([5000] * 10 + [20] * 300), **others})
    arrivals = {str(k): [1, 0] for k in range(40, 200, 2)}                                  # 5 a second
    results = {"start": start.to_json(), "hold_start": hold.to_json(), "final": final.to_json(),
               "shape_ended_at": 20.0, "arrivals": arrivals, "rates": [(0.0, 5.0), (20.0, 0.0)], "stop_reason": None}
    outcome = slo.evaluate(peak, results)
    assert outcome.window == "hold" and outcome.ok, [v for v in outcome.verdicts if not v.ok]
    results["stop_reason"] = "hard limit: failure ratio 60% ..."
    outcome = slo.evaluate(peak, results)
    assert not outcome.ok and outcome.failed[0].name == "ran to the end"


def test_a_breakpoint_run_reports_the_last_step_that_held() -> None:
    bp = profiles.load("breakpoint")
    steps = [{"index": 0, "target": 1.5, "ok": True, "failed": []},
             {"index": 1, "target": 3.0, "ok": True, "failed": []},
             {"index": 2, "target": 4.5, "ok": False, "failed": ["submit p95 1,200 ms (limit 1,000 ms)"]}]
    results = {"start": {"at": 0}, "final": {"at": 90}, "steps": steps, "stop_reason": "breakpoint: step 3 broke"}
    outcome = slo.evaluate(bp, results)
    assert outcome.ok and outcome.verdicts[0].measured == 3.0
    assert "step 3 (4.5 journeys/s) broke: submit p95" in outcome.verdicts[0].detail
    results["steps"] = [{"index": 0, "target": 1.5, "ok": False, "failed": ["failure ratio"]}]
    assert not slo.evaluate(bp, results).ok       # below the campaign peak: the portal will not carry it


def test_a_window_between_snapshots_that_share_unchanged_counts_holds_only_what_changed() -> None:
    """The load shares a request's counts between snapshots when nothing changed (load/locustfile.py)."""
    quiet = counts([30, 40])
    earlier = slo.Snapshot(10.0, {"GET a": quiet, "GET b": counts([100])})
    later = slo.Snapshot(12.0, {"GET a": quiet, "GET b": counts([100, 200, 300], failures=1), "GET c": counts([5])})
    window = later.minus(earlier)
    assert window.duration_s == 2.0
    assert {k: (c.n, c.f, c.rt) for k, c in window.requests.items()} == {
        "GET b": (2, 1, {200: 1, 300: 1}), "GET c": (1, 0, {5: 1})}
    assert quiet.rt == {30: 1, 40: 1}       # the shared counts are left as they were
