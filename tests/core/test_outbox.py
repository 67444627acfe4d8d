"""The transactional outbox: nothing lost, in order per key, one dispatcher across processes."""

import time

import pytest

from mocks.core import outbox as outbox_module
from mocks.core.outbox import Outbox, OutboxMessage, Refused, backoff
from mocks.core.storage import Store


@pytest.fixture
def store(tmp_path) -> Store:
    return Store(tmp_path / "svc.db")


def test_delivers_once_and_records_it(store: Store) -> None:
    box = Outbox(store, "svc")
    sent: list[dict] = []
    box.register("ping", lambda m: sent.append(m.payload))
    box.enqueue("ns1", "ping", {"n": 1})
    assert box.run_once() == 1
    assert box.run_once() == 0
    assert sent == [{"n": 1}]
    [row] = box.messages("ns1")
    assert row["status"] == "delivered" and row["attempts"] == 1


def test_failure_is_retried_later_and_keeps_order_per_key(store: Store) -> None:
    box = Outbox(store, "svc")
    down = {"yes": True}
    sent: list[int] = []

    def sender(m: OutboxMessage) -> None:
        if down["yes"] and m.payload["n"] == 1:
            raise ConnectionError("other side down")
        sent.append(m.payload["n"])

    box.register("sync", sender)
    for n in (1, 2):
        box.enqueue("ns1", "sync", {"n": n}, key="DOSSIER-1")
    box.enqueue("ns1", "sync", {"n": 3}, key="DOSSIER-2")
    assert box.run_once() == 1          # only the other key's message went
    assert sent == [3]
    [first] = [m for m in box.messages("ns1") if m["payload"]["n"] == 1]
    assert first["status"] == "pending" and first["attempts"] == 1 and "down" in first["last_error"]
    assert box.run_once() == 0          # backoff: not due yet
    down["yes"] = False
    box.retry_now("ns1")
    assert box.run_once() == 1          # 1 goes; 2 was blocked behind it
    assert box.run_once() == 1
    assert sent == [3, 1, 2]


def test_enqueue_joins_the_callers_transaction(store: Store) -> None:
    box = Outbox(store, "svc")
    store.migrate("CREATE TABLE thing (ns TEXT NOT NULL, id TEXT NOT NULL)")
    with pytest.raises(RuntimeError), store.transaction() as conn:
        conn.execute("INSERT INTO thing VALUES ('ns1', 'a')")
        box.enqueue("ns1", "ping", {"id": "a"}, conn=conn)
        raise RuntimeError("the change failed")
    assert box.messages("ns1") == []    # rolled back with the change: no call for a change that never was
    assert store.query("SELECT * FROM thing") == []


def test_only_the_lease_holder_dispatches(tmp_path) -> None:
    first = Outbox(Store(tmp_path / "svc.db"), "svc")
    second = Outbox(Store(tmp_path / "svc.db"), "svc")   # another worker process on the same state
    got: list[str] = []
    first.register("ping", lambda m: got.append("first"))
    second.register("ping", lambda m: got.append("second"))
    first.enqueue("ns1", "ping", {})
    assert first.run_once() == 1
    second.enqueue("ns1", "ping", {})
    assert second.run_once() == 0       # first still holds the lease
    assert first.run_once() == 1
    assert got == ["first", "first"]


def test_reset_forgets_one_namespace(store: Store) -> None:
    box = Outbox(store, "svc")
    box.enqueue("a", "ping", {})
    box.enqueue("b", "ping", {})
    box.reset("a")
    assert box.messages("a") == [] and len(box.messages("b")) == 1


def test_backoff_grows_and_caps() -> None:
    assert [backoff(n) for n in (1, 2, 3)] == [2.0, 4.0, 8.0]
    assert backoff(50) == 60.0


def test_pruning_keeps_what_is_pending_and_the_newest_finished(store: Store, monkeypatch) -> None:
    monkeypatch.setattr(outbox_module, "MAX_MESSAGES", 10)
    monkeypatch.setattr(outbox_module, "PRUNE_BATCH", 4)
    box = Outbox(store, "svc")
    box.register("ping", lambda m: None)

    def refuse(m: OutboxMessage) -> None:
        raise Refused("INVALID", "no")

    box.register("sync", refuse)
    box.enqueue("ns1", "sync", {"n": 0}, key="K")     # id 1: rejected, with a message of its key behind it
    box.run_once()
    box.enqueue("ns1", "later", {"n": 1}, key="K")    # id 2: pending (no sender here), follows the rejected one
    for n in range(2, 30):                              # ids 3..30: delivered
        box.enqueue("ns1", "ping", {"n": n})
    box.run_once()
    steps = []
    while (deleted := box.prune()) > 0:
        steps.append(deleted)
    assert steps == [4, 4, 4, 4, 2]                     # 18 delivered beyond the newest 10 ids, a batch at a time
    left = {m["id"]: m["status"] for m in box.messages("ns1")}
    assert left == {1: "rejected", 2: "pending", **{i: "delivered" for i in range(21, 31)}}


def test_the_dispatcher_sends_a_keys_messages_one_after_another_without_waiting_a_tick_between(store: Store) -> None:
    """A dossier's moves go out in order, each as soon as the one before was acknowledged: a tick (here a minute)
    is for what is not due yet, not for the next move of a key whose previous move just went."""
    import threading

    box = Outbox(store, "svc", poll_interval=60)
    sent: list[int] = []
    all_sent = threading.Event()

    def sender(m: OutboxMessage) -> None:
        sent.append(m.payload["n"])
        if len(sent) == 4:
            all_sent.set()

    box.register("sync", sender)
    box.start()
    try:
        for n in (1, 2, 3, 4):
            box.enqueue("ns1", "sync", {"n": n}, key="DOSSIER-1")
        assert all_sent.wait(30), f"sent {sent} of 4 in 30 s"
    finally:
        box.stop()
    assert sent == [1, 2, 3, 4]


def _lease_writes(store: Store, call) -> list[str]:
    conn = store._connect()
    ran: list[str] = []
    conn.set_trace_callback(ran.append)
    try:
        call()
    finally:
        conn.set_trace_callback(None)
    return [sql for sql in ran if sql.startswith("INSERT INTO outbox_lease")]


def test_the_lease_is_written_to_take_or_renew_it_not_on_every_tick(tmp_path) -> None:
    first = Outbox(Store(tmp_path / "svc.db"), "svc")
    second = Outbox(Store(tmp_path / "svc.db"), "svc")   # another worker process on the same state
    assert _lease_writes(first.store, first.run_once) and first.leading        # taken
    assert _lease_writes(first.store, first.run_once) == [] and first.leading  # held: a read, no write
    assert _lease_writes(second.store, second.run_once) == [] and not second.leading   # held by another: no write
    # renewed every RENEW_S: a run starts with most of the lease left
    first.store.execute("UPDATE outbox_lease SET expires = ?",
                        (time.time() + outbox_module.LEASE_SECONDS - outbox_module.RENEW_S - 0.5,))
    assert _lease_writes(first.store, first.run_once) and first.leading
    [row] = first.store.query("SELECT owner, expires FROM outbox_lease")
    assert row["owner"] == first.owner and row["expires"] > time.time() + outbox_module.LEASE_SECONDS - 5
    # the holder gone quiet past its lease: the other takes it
    first.store.execute("UPDATE outbox_lease SET expires = ?", (time.time() - 1,))
    assert _lease_writes(second.store, second.run_once) and second.leading
    assert first.run_once() == 0 and not first.leading


def test_a_message_queued_in_a_transaction_wakes_the_dispatcher_once_committed(store: Store) -> None:
    """Woken while the caller's transaction was still open, the dispatcher would find nothing, then sleep a whole
    tick (here a minute) with the message waiting: the wake-up comes with the commit."""
    import threading

    box = Outbox(store, "svc", poll_interval=60)
    delivered, started, done = threading.Event(), threading.Event(), threading.Event()
    box.register("sync", lambda m: delivered.set())
    run_once = box.run_once

    def watched() -> int:
        started.set()
        try:
            return run_once()
        finally:
            done.set()

    box.run_once = watched  # type: ignore[method-assign]
    box.start()
    try:
        assert done.wait(30)        # the first tick, on an empty outbox, is over: the dispatcher sleeps
        started.clear()
        with store.transaction() as conn:
            box.enqueue("ns1", "sync", {"n": 1}, key="DOSSIER-1", conn=conn)
            # a dispatcher woken now would tick before the commit; give it the time to
            assert not started.wait(1.0), "the dispatcher was woken before the message was committed"
        assert delivered.wait(30), "the committed message waited for the next tick"
    finally:
        box.stop()
