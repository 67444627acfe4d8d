"""`serve --workers N` (harness.workers): N processes share one state (data, codes, clocks, faults in the store)."""

from __future__ import annotations

import random
import signal
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from harness.control import Faults, Journal
from harness.stack import StackInfo
from load import journeys
from load.api import Control, emulator_api
from tests.process_groups import serve_command, started, wait_for_stack


def closing_session() -> requests.Session:
    """A session that opens a new connection for every request, so the kernel spreads them over the workers."""
    session = requests.Session()
    session.headers["Connection"] = "close"
    return session


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[subprocess.Popen[str], Path, StackInfo]]:
    """`serve --workers 2` in its own process group, all of which ends with the module (or a failed start) —
    a SIGKILL to the parent alone used to leave the workers serving."""
    state = tmp_path_factory.mktemp("workers-state")
    with started(serve_command(state, workers=2), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) as process:
        yield process, state, wait_for_stack(state, process)


def test_both_workers_serve_and_share_sessions_data_and_faults(two_workers: Any, ns: str) -> None:
    _, _, info = two_workers
    provincial = info.url("provincial")
    seen = {requests.get(f"{provincial}/api/v1/agencies", timeout=10, headers={"Connection": "close"}
                         ).headers["X-DVC-Worker"] for _ in range(40)}
    assert seen == {"0", "1"}

    control = Control(info.services, ns, info.admin_token)
    catalogue = journeys.plan_catalogue(control.procedures(limit=1000)["items"], ["level4"])
    ledger, pool = journeys.Ledger(), journeys.AccountPool()

    def citizen(block: int) -> None:
        visits = journeys.Visits.build(emulator_api, info.services, ns, info.admin_token, catalogue,
                                       journeys.LoadDataFactory(block), pool=pool, ledger=ledger,
                                       new_account_share=1.0, rng=random.Random(block))
        for _ in range(3):  # register, SSO, submit, pay, track: every request on a new connection
            assert visits.run("level4", closing_session()) == ("ok", None)

    threads = [threading.Thread(target=citizen, args=(b,)) for b in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    codes = [s["code"] for s in ledger.submissions]
    assert len(codes) == 6 and len(set(codes)) == 6               # one counter for every worker
    assert len(ledger.payments) == 6
    journal = Journal(info, ns)
    for paid in ledger.payments:   # one dispatcher (the outbox lease): each confirmation sent once
        journal.verify("payment", count=1, direction="out", url_contains="/api/payment/confirm",
                       correlation_id=paid["reference"], wait=10)

    Faults(info, ns).error("provincial", "/api/v1/agencies", status=418)   # posted to one worker...
    answers = [requests.get(f"{provincial}/api/v1/agencies", timeout=10,
                            headers={"Connection": "close", "X-DVC-Namespace": ns}) for _ in range(30)]
    assert {a.status_code for a in answers} == {418}                      # ...applied by both
    assert {a.headers.get("X-DVC-Worker") for a in answers} == {"0", "1"}


def test_a_clean_stop_removes_stack_json(two_workers: Any) -> None:
    process, state, _ = two_workers
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0
    assert not (state / "stack.json").exists()
