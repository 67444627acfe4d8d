"""A refusal for good ends a message as `rejected` after one try; a failure that may pass is retried.

On the outbox with a stub sender, then with the provincial portal's real sync sender against a stubbed
national gateway (`responses`): an invalid-data answer (error_code 3) is rejected at once, a 503 is retried
until the gateway is back.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests
import responses

from mocks.core.config import Credentials, StackConfig
from mocks.core.faults import FaultBook, FaultSpec
from mocks.core.outbox import Outbox, OutboxMessage, Refused
from mocks.core.storage import Store
from mocks.provincial.sync import SYNC_KIND, SyncGateway, sync_state
from tests.worlds import IN_2022

NATIONAL = "http://national.test"
CODE = "000.00.12.H47-250303-0001"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "svc.db")


# -- the outbox's rule ------------------------------------------------------------------------------------------
def test_a_refused_message_is_rejected_after_one_try_and_stops_its_key(store: Store) -> None:
    box = Outbox(store, "svc")
    tries: list[int] = []

    def sender(m: OutboxMessage) -> None:
        tries.append(m.payload["n"])
        if m.payload["n"] == 1:
            raise Refused("3", "Dữ liệu không hợp lệ")

    box.register("sync", sender)
    for n in (1, 2):
        box.enqueue("ns1", "sync", {"n": n}, key="D-1")
    box.enqueue("ns1", "sync", {"n": 3}, key="D-2")
    box.run_once()
    box.retry_now("ns1")
    box.run_once()
    box.run_once()
    assert tries == [1, 3]             # 1 tried once; 2 never sent: it follows a rejected message of its key
    first, second, other = box.messages("ns1")
    assert (first["status"], first["attempts"], first["refusal"]) == ("rejected", 1,
                                                                     {"code": "3", "message": "Dữ liệu không hợp lệ"})
    assert "Dữ liệu không hợp lệ" in first["last_error"]
    assert (second["status"], second["attempts"], second["refusal"]["after"]) == ("rejected", 0, first["id"])
    assert other["status"] == "delivered"
    assert box.counts("ns1") == {"pending": 0, "delivered": 1, "rejected": 2, "abandoned": 0, "dropped": 0}
    assert [m["id"] for m in box.messages("ns1", status="rejected")] == [first["id"], second["id"]]


def test_a_failure_that_may_pass_is_retried_as_before(store: Store) -> None:
    box = Outbox(store, "svc")
    down = {"yes": True}

    def sender(m: OutboxMessage) -> None:
        if down["yes"]:
            raise ConnectionError("503 from the other side")

    box.register("sync", sender)
    box.enqueue("ns1", "sync", {}, key="D-1")
    for _ in range(3):
        box.retry_now("ns1")
        assert box.run_once() == 0
    [m] = box.messages("ns1")
    assert (m["status"], m["attempts"], m["refusal"]) == ("pending", 3, None)
    down["yes"] = False
    box.retry_now("ns1")
    assert box.run_once() == 1 and box.counts("ns1")["delivered"] == 1


def test_a_duplicated_copy_refused_leaves_the_message_delivered(store: Store, tmp_path: Path) -> None:
    """Under a `duplicate` fault the copy may be refused (the receiver saw it already): the message itself was
    acknowledged, so it is delivered, and the later ones of its key still go out."""
    faults = FaultBook(Store(tmp_path / "control.db"), "svc", tmp_path / "faults.stamp")
    faults.add("ns1", FaultSpec.model_validate({"direction": "outgoing", "action": "duplicate", "path": "sync",
                                                "times": 1}))
    box = Outbox(store, "svc", faults=faults)
    seen: list[int] = []

    def sender(m: OutboxMessage) -> None:
        if m.payload["n"] in seen:
            raise Refused("6", "already there")
        seen.append(m.payload["n"])

    box.register("sync", sender)
    box.enqueue("ns1", "sync", {"n": 1}, key="D-1")
    box.enqueue("ns1", "sync", {"n": 2}, key="D-1")
    assert box.run_once() == 1
    box.retry_now("ns1")
    box.run_once()
    assert [m["status"] for m in box.messages("ns1")] == ["delivered", "delivered"] and seen == [1, 2]


# -- the provincial portal's sync sender ----------------------------------------------------------------------
@pytest.fixture
def gateway(tmp_path: Path, store: Store) -> SyncGateway:
    config = StackConfig(state_dir=tmp_path, urls={"national": NATIONAL, "provincial": "http://tinh.test",
                                                   "payment": "http://pay.test", "postal": "http://post.test"},
                         credentials=Credentials.generate())
    return SyncGateway(config, store)


def push(box: Outbox, service: str = "DongBoHoSoMC") -> None:
    box.enqueue("t", SYNC_KIND, {"madonvi": "000.00.12.H47", "service": service, "data": [{"MaHoSo": CODE}]},
                key=CODE)


def login_ok(rsps: responses.RequestsMock) -> None:
    rsps.post(f"{NATIONAL}/sync/login", json={"session": "s-1", "error_code": 0})


INVALID = {"error_code": 3, "message": "Dữ liệu không hợp lệ: data[0].MaTTHC ...",
           "error": {"code": "INVALID_SYNC_DATA", "message": "Dữ liệu không hợp lệ: data[0].MaTTHC ... / Invalid data",
                     "message_vi": "...", "message_en": "Invalid data"}}


@responses.activate
def test_an_invalid_data_answer_is_rejected_at_once(store: Store, gateway: SyncGateway) -> None:
    box = Outbox(store, "provincial")
    box.register(SYNC_KIND, gateway)
    login_ok(responses.mock)
    responses.post(f"{NATIONAL}/sync/service", json=INVALID, status=400)
    push(box)
    push(box, "CapNhatTienDoHoSoMC")
    box.run_once()
    box.retry_now("t")
    box.run_once()
    box.retry_now("t")
    box.run_once()
    calls = [c for c in responses.calls if c.request.url.endswith("/sync/service")]
    assert len(calls) == 1 and json.loads(calls[0].request.body)["service"] == "DongBoHoSoMC"
    first, second = box.messages("t", kind=SYNC_KIND)
    assert (first["status"], first["attempts"]) == ("rejected", 1)
    assert first["refusal"]["code"] == "error_code 3 INVALID_SYNC_DATA" and "MaTTHC" in first["refusal"]["message"]
    assert (second["status"], second["attempts"]) == ("rejected", 0)
    state = sync_state(box, "t", CODE)
    assert state["state"] == "rejected" and state["refusal"]["message_id"] == first["id"]
    assert state["counts"]["rejected"] == 2 and state["refusal"]["code"] == "error_code 3 INVALID_SYNC_DATA"


@responses.activate
def test_a_503_is_retried_until_the_gateway_is_back(store: Store, gateway: SyncGateway) -> None:
    box = Outbox(store, "provincial")
    box.register(SYNC_KIND, gateway)
    login_ok(responses.mock)
    down = responses.post(f"{NATIONAL}/sync/service", json={"error": {"code": "FAULT_INJECTED"}}, status=503)
    push(box)
    for _ in range(3):
        box.retry_now("t")
        box.run_once()
    [m] = box.messages("t", kind=SYNC_KIND)
    assert (m["status"], m["attempts"]) == ("pending", 3) and "503" in m["last_error"]
    assert sync_state(box, "t", CODE)["state"] == "pending"
    responses.remove(down)
    responses.post(f"{NATIONAL}/sync/service", json={"error_code": 0, "result": []})
    box.retry_now("t")
    assert box.run_once() == 1
    assert sync_state(box, "t", CODE)["state"] == "delivered"


@responses.activate
@pytest.mark.parametrize(("status", "answer"), [
    (404, {"error_code": 5, "message": "chưa có hồ sơ"}),          # may arrive: an earlier message on its way
    (403, {"error_code": 7, "message": "đơn vị không được phép"}),  # configuration the admin can fix
    (500, {"error_code": 3, "message": "?"}),                     # a 5xx is never for good
    (400, {"error": {"code": "FAULT_INJECTED"}}),                 # not the gateway's own refusal
])
def test_other_refusals_may_pass_and_are_retried(store: Store, gateway: SyncGateway, status: int,
                                                 answer: dict) -> None:
    box = Outbox(store, "provincial")
    box.register(SYNC_KIND, gateway)
    login_ok(responses.mock)
    responses.post(f"{NATIONAL}/sync/service", json=answer, status=status)
    push(box)
    box.run_once()
    [m] = box.messages("t", kind=SYNC_KIND)
    assert (m["status"], m["attempts"], m["refusal"]) == ("pending", 1, None)


# -- over HTTP: the admin surface shows and counts what was refused -----------------------------------------------
@IN_2022   # a Quảng Nam procedure, a DVCQG password (tests/worlds.py)
def test_the_admin_outbox_lists_and_counts_a_rejected_sync(dvc_stack: Any, ns: str) -> None:
    from harness.control import Faults
    from tests.provincial.backoffice import Province

    province = Province(dvc_stack.urls, dvc_stack.config.credentials.admin_token, ns)
    Faults(dvc_stack.info, ns).error("national", "/sync/service", status=400, nth=1,
                                     body={"error_code": 3, "message": "Dữ liệu không hợp lệ (giả lập)"})
    code = province.submit(province.citizen())["code"]
    flushed = requests.post(f"{province.base}/_admin/outbox/flush", headers=province.admin, timeout=30).json()
    assert flushed["rejected"] == 1 and flushed["pending"] == 0, flushed
    listing = requests.get(f"{province.base}/_admin/outbox", params={"status": "rejected"}, headers=province.admin,
                           timeout=30).json()
    [message] = listing["messages"]
    assert message["refusal"]["code"] == "error_code 3" and listing["counts"]["rejected"] == 1
    mine = requests.get(f"{province.base}/_admin/dossiers/{code}", headers=province.admin, timeout=30).json()
    assert mine["national_sync"]["state"] == "rejected", mine["national_sync"]
