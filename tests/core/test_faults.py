"""Fault rules on the model: which calls they hit, what they draw, when they end."""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest
from pydantic import ValidationError

from mocks.core.faults import FaultBook, FaultSpec, Latency, spoil_signatures
from mocks.core.storage import Store


@pytest.fixture
def books(tmp_path: Path) -> tuple[FaultBook, FaultBook]:
    """Two services' views of the same control store (as two processes would have)."""
    stamp = tmp_path / "faults.stamp"
    return (FaultBook(Store(tmp_path / "control.db"), "provincial", stamp),
            FaultBook(Store(tmp_path / "control.db"), "national", stamp))


def spec(**fields: object) -> FaultSpec:
    return FaultSpec.model_validate(fields)


def test_a_rule_hits_its_service_path_method_and_namespace_only(books: tuple[FaultBook, FaultBook]) -> None:
    provincial, national = books
    national.add("ns", spec(service="provincial", action="error", path="/api/v1/dossiers*", method="POST"))
    decision = provincial.incoming("ns", "POST", "/api/v1/dossiers")
    assert decision is not None and decision.action == "error"
    assert provincial.incoming("ns", "GET", "/api/v1/dossiers") is None
    assert provincial.incoming("ns", "POST", "/api/v1/procedures") is None
    assert provincial.incoming("other", "POST", "/api/v1/dossiers") is None
    assert national.incoming("ns", "POST", "/api/v1/dossiers") is None      # another service's rule


def test_nth_and_times_count_across_processes(books: tuple[FaultBook, FaultBook], tmp_path: Path) -> None:
    provincial, _ = books
    provincial.add("ns", spec(action="error", path="*", nth=3))
    other_process = FaultBook(Store(tmp_path / "control.db"), "provincial", tmp_path / "faults.stamp")
    hits = [(provincial if i % 2 else other_process).incoming("ns", "GET", "/") for i in range(5)]
    assert [bool(h and h.action) for h in hits] == [False, False, True, False, False]
    provincial.clear("ns")
    provincial.add("ns", spec(action="drop", path="*", times=2))
    assert [bool((d := provincial.incoming("ns", "GET", "/")) and d.action) for _ in range(4)] == [
        True, True, False, False]


def test_probability_draws_depend_on_the_seed_and_the_hit_only(books: tuple[FaultBook, FaultBook]) -> None:
    provincial, _ = books
    patterns = []
    for ns in ("a", "b"):
        provincial.add(ns, spec(action="error", path="*", probability=0.3, seed=5))
        patterns.append([bool((d := provincial.incoming(ns, "GET", "/")) and d.action) for _ in range(40)])
    assert patterns[0] == patterns[1] and 4 <= sum(patterns[0]) <= 24


def test_latency_distributions() -> None:
    rng = random.Random(1)
    assert Latency(ms=200).sample(rng) == 0.2
    uniform = [Latency(distribution="uniform", min_ms=100, max_ms=300).sample(rng) for _ in range(200)]
    assert min(uniform) >= 0.1 and max(uniform) <= 0.3
    lognormal = sorted(Latency(distribution="lognormal", median_ms=200, sigma=0.5).sample(rng) for _ in range(400))
    assert 0.15 < lognormal[200] < 0.25                                  # the median is the median
    assert lognormal[-1] > 0.3                                           # with a tail


def test_latency_adds_up_and_a_duration_ends_the_rule(books: tuple[FaultBook, FaultBook]) -> None:
    provincial, _ = books
    provincial.add("ns", spec(action="latency", latency={"ms": 100}))
    provincial.add("ns", spec(action="latency", latency={"ms": 50}, duration_s=0.2))
    decision = provincial.incoming("ns", "GET", "/")
    assert decision is not None and decision.delay == pytest.approx(0.15) and decision.action is None
    time.sleep(0.25)
    assert provincial.incoming("ns", "GET", "/").delay == pytest.approx(0.1)


def test_outgoing_decisions(books: tuple[FaultBook, FaultBook]) -> None:
    provincial, _ = books
    provincial.add("ns", spec(direction="outgoing", action="duplicate", path="national_sync"))
    provincial.add("ns", spec(direction="outgoing", action="reorder", path="national_*", delay_s=3))
    decision = provincial.outgoing("ns", "national_sync")
    assert decision is not None and decision.duplicate and decision.reorder and decision.delay == 3
    assert provincial.outgoing("ns", "postal_order") is None
    assert provincial.incoming("ns", "GET", "/") is None                 # outgoing rules never touch requests


@pytest.mark.parametrize("fields", [
    {"action": "latency"}, {"action": "never_send"}, {"direction": "outgoing", "action": "error"},
    {"action": "error", "status": 302}, {"action": "error", "times": 0}, {"action": "error", "path": ""},
])
def test_incoherent_rules_are_refused(fields: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        spec(**fields)


def test_spoil_signatures_changes_every_signature_and_nothing_else() -> None:
    message = {"body": {"MaXacThuc": "abc123", "SoTien": 1}, "list": [{"MaXacThuc": "0ff"}], "MaXacThuc": ""}
    spoilt = spoil_signatures(message)
    assert spoilt["body"]["MaXacThuc"] != "abc123" and spoilt["list"][0]["MaXacThuc"] != "0ff"
    assert spoilt["MaXacThuc"] == "bad" and spoilt["body"]["SoTien"] == 1
    assert message["body"]["MaXacThuc"] == "abc123"                      # the original is untouched
