"""Outgoing server-to-server calls that must arrive: queued with the state change, retried.

A service enqueues a message inside the transaction that changes its state (so the
call is never lost and never made for a change that rolled back), and a dispatcher
delivers it through the sender registered for its kind, retrying with backoff until the
sender returns. Messages that share a `key` (say, one dossier's sync updates) go out in
order: a later one waits while an earlier one is undelivered. One dispatcher per state
folder holds a lease in the store, so several worker processes never send twice.

A sender tells a failure that may pass (the other side down, slow, answering 5xx: retried)
from a refusal for good (`Refused`: the other side read the message and will never take
it, say for invalid data). A refused message is `rejected` after that one try, with the
refusal's code and message; the later messages of its key are not sent (they would reach
the other side out of order, or speak of what it refused) and are `rejected` too, naming
the message they follow. Nothing is retried for ever for nothing, and nothing is hidden.

Outgoing faults (mocks.core.faults) act here: a message can be held back (`delay`), let
later ones of its key overtake it (`reorder`), be sent twice (`duplicate`), go out with
spoilt signatures (`bad_signature`), or never go out at all (`never_send`: status
`dropped`, kept for inspection).

Finished messages stay for inspection (`GET /_admin/outbox`), but not for ever: the dispatcher
that holds the lease deletes those older than the newest MAX_MESSAGES, a small batch at a time.
A pending message is never deleted, nor a rejected one that later messages of its key follow.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .faults import FaultBook, spoil_signatures
from .journal import Entry, Journal
from .storage import Store, dumps, loads

log = logging.getLogger(__name__)

DDL = """
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ns TEXT NOT NULL,
    kind TEXT NOT NULL,
    key TEXT,
    payload TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',   -- pending | delivered | rejected | abandoned | dropped
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at REAL NOT NULL,
    last_error TEXT,
    created_at REAL NOT NULL,
    delivered_at REAL
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox(status, next_at);
CREATE INDEX IF NOT EXISTS outbox_key ON outbox(ns, key, status, id);
CREATE TABLE IF NOT EXISTS outbox_lease (
    name TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    expires REAL NOT NULL
);
"""

MAX_DELAY = 60.0
MAX_MESSAGES = 20_000   # per service: finished messages older than the newest this many are pruned
PRUNE_BATCH = 500       # at most a step: the write lock is held a few milliseconds
PRUNE_EVERY_S = 5.0
LEASE_SECONDS = 10.0
RENEW_S = 2.0           # the holder renews its lease this often: a run starts with 8 s of it left at least
STATUSES: tuple[str, ...] = ("pending", "delivered", "rejected", "abandoned", "dropped")


class Refused(Exception):
    """The other side answered and refused the message for good (invalid data...): sending it again cannot help."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass(frozen=True)
class OutboxMessage:
    id: int
    ns: str
    kind: str
    key: str | None
    payload: dict[str, Any]
    attempts: int


Sender = Callable[[OutboxMessage], None]
"""Delivers one message; raises (anything) when it was not acknowledged."""


def backoff(attempts: int) -> float:
    # starts at 2 s: long enough that a test (or a burst) never sees a retry it did not ask for
    return min(2.0 * (2 ** max(attempts - 1, 0)), MAX_DELAY)


class Outbox:
    def __init__(self, store: Store, name: str, *, max_attempts: int = 0, poll_interval: float = 0.2,
                 faults: FaultBook | None = None, journal: Journal | None = None) -> None:
        self.store = store
        self.name = name
        self.faults = faults
        self.journal = journal
        self.max_attempts = max_attempts  # 0: retry until acknowledged
        self.poll_interval = poll_interval
        self.owner = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._senders: dict[str, Sender] = {}
        self._run_lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.leading = False   # this dispatcher held the lease at its last run
        store.migrate(DDL)
        # held: a delay fault already held it once; unordered: later messages of its key may overtake it
        # refusal: JSON {code, message, after?} of a rejected message
        store.ensure_columns("outbox", {"held": "INTEGER NOT NULL DEFAULT 0",
                                        "unordered": "INTEGER NOT NULL DEFAULT 0", "refusal": "TEXT"})

    def register(self, kind: str, sender: Sender) -> None:
        self._senders[kind] = sender

    def enqueue(
        self, ns: str, kind: str, payload: dict[str, Any], *, key: str | None = None,
        conn: sqlite3.Connection | None = None,
    ) -> int:
        """Queue a message; pass the caller's transaction `conn` to commit it with the state change."""
        now = time.time()
        sql = "INSERT INTO outbox(ns, kind, key, payload, next_at, created_at) VALUES (?, ?, ?, ?, ?, ?)"
        args = (ns, kind, key, dumps(payload), now, now)
        cursor = conn.execute(sql, args) if conn is not None else self.store.execute(sql, args)
        # woken once the message is committed: woken before, the dispatcher finds nothing and sleeps a whole tick
        self.store.after_commit(self._wake.set)
        return int(cursor.lastrowid or 0)

    # -- delivery ---------------------------------------------------------------------------
    def _take_lease(self) -> bool:
        now = time.time()
        # a read first: each dispatcher of each worker ticks five times a second, and a write on every tick kept
        # the store's write lock busy for the requests; the lease is written only to take it or to renew it
        held = self.store.one("SELECT owner, expires FROM outbox_lease WHERE name = ?", (self.name,))
        if held is not None:
            if held["owner"] == self.owner and held["expires"] - now > LEASE_SECONDS - RENEW_S:
                return True
            if held["owner"] != self.owner and held["expires"] >= now:
                return False
        with self.store.transaction() as conn:
            conn.execute(
                "INSERT INTO outbox_lease(name, owner, expires) VALUES (?, ?, ?) "
                "ON CONFLICT(name) DO UPDATE SET owner = excluded.owner, expires = excluded.expires "
                "WHERE outbox_lease.owner = excluded.owner OR outbox_lease.expires < ?",
                (self.name, self.owner, now + LEASE_SECONDS, now),
            )
            row = conn.execute("SELECT owner FROM outbox_lease WHERE name = ?", (self.name,)).fetchone()
        return row is not None and row["owner"] == self.owner

    def due(self, now: float | None = None, limit: int = 100) -> list[OutboxMessage]:
        now = time.time() if now is None else now
        rows = self.store.query(
            "SELECT * FROM outbox o WHERE o.status = 'pending' AND o.next_at <= ? AND NOT EXISTS ("
            " SELECT 1 FROM outbox p WHERE p.key = o.key AND p.ns = o.ns AND p.status = 'pending' AND p.id < o.id"
            " AND p.unordered = 0"
            ") ORDER BY o.id LIMIT ?",
            (now, limit),
        )
        return [
            OutboxMessage(r["id"], r["ns"], r["kind"], r["key"], loads(r["payload"]), r["attempts"]) for r in rows
        ]

    def run_once(self, now: float | None = None) -> int:
        """Deliver what is due; returns how many were delivered. Safe to call from tests."""
        with self._run_lock:
            self.leading = self._take_lease()
            if not self.leading:
                return 0
            delivered = 0
            for message in self.due(now):
                sender = self._senders.get(message.kind)
                if sender is None:
                    continue  # another process type owns this kind
                if self._follows_rejected(message):
                    continue
                fault = self.faults.outgoing(message.ns, message.kind) if self.faults else None
                if fault is not None and self._diverted(message, fault):
                    continue
                try:
                    if fault is not None and fault.bad_signature:
                        message = OutboxMessage(message.id, message.ns, message.kind, message.key,
                                                spoil_signatures(message.payload), message.attempts)
                    sender(message)
                    if fault is not None and fault.duplicate:
                        with contextlib.suppress(Exception):  # the message was delivered: the copy's fate is moot
                            sender(message)
                except Refused as refusal:
                    self._rejected(message, refusal)
                except Exception as exc:  # any other failure means: not acknowledged, retry later
                    self._failed(message, exc)
                else:
                    self.store.execute(
                        "UPDATE outbox SET status = 'delivered', attempts = attempts + 1, delivered_at = ?,"
                        " last_error = NULL WHERE id = ?",
                        (time.time(), message.id),
                    )
                    delivered += 1
            return delivered

    def _diverted(self, message: OutboxMessage, fault: Any) -> bool:
        """Apply a fault that keeps the message from going out now; True when it did."""
        if fault.never_send:
            self.store.execute("UPDATE outbox SET status = 'dropped', last_error = ? WHERE id = ?",
                               (f"fault: never sent ({', '.join(fault.applied)})", message.id))
            self._note(message, "dropped by a never_send fault")
            return True
        if fault.delay and not self.store.scalar("SELECT held FROM outbox WHERE id = ?", (message.id,)):
            self.store.execute("UPDATE outbox SET held = 1, unordered = ?, next_at = ? WHERE id = ?",
                               (int(fault.reorder), time.time() + fault.delay, message.id))
            self._note(message, f"held {fault.delay:g} s by a {'reorder' if fault.reorder else 'delay'} fault")
            return True
        return False

    def _rejected(self, message: OutboxMessage, refusal: Refused) -> None:
        log.warning("outbox %s message %s (%s) rejected for good: %s", self.name, message.id, message.kind, refusal)
        self.store.execute(
            "UPDATE outbox SET status = 'rejected', attempts = attempts + 1, last_error = ?, refusal = ? WHERE id = ?",
            (f"rejected: {refusal}"[:500], dumps({"code": refusal.code, "message": refusal.message[:500]}),
             message.id))  # the call and its answer are in the journal already

    def _follows_rejected(self, message: OutboxMessage) -> bool:
        """A message of a key whose earlier message was rejected is not sent: rejected too, naming that one."""
        if message.key is None:
            return False
        row = self.store.one("SELECT id, refusal FROM outbox WHERE ns = ? AND key = ? AND status = 'rejected' AND "
                             "id < ? ORDER BY id LIMIT 1", (message.ns, message.key, message.id))
        if row is None:
            return False
        first = loads(row["refusal"]) or {}
        self.store.execute(
            "UPDATE outbox SET status = 'rejected', last_error = ?, refusal = ? WHERE id = ?",
            (f"not sent: message {row['id']} of its key was rejected ({first.get('code', '')})",
             dumps({**first, "after": row["id"]}), message.id))
        self._note(message, f"not sent: follows rejected message {row['id']}", fault=False)
        return True

    def _note(self, message: OutboxMessage, detail: str, *, fault: bool = True) -> None:
        if self.journal is not None:
            self.journal.record(Entry(ns=message.ns, service=self.name, direction="out", method="OUTBOX",
                                      url=f"outbox:{message.kind}", status=None, at=time.time(), duration_ms=0,
                                      faults=[detail] if fault else [], texts=(dumps(message.payload)[:8192],),
                                      detail=detail))

    def _failed(self, message: OutboxMessage, exc: Exception) -> None:
        attempts = message.attempts + 1
        abandoned = self.max_attempts and attempts >= self.max_attempts
        log.info("outbox %s message %s (%s) failed attempt %s: %s", self.name, message.id, message.kind, attempts, exc)
        self.store.execute(
            "UPDATE outbox SET attempts = ?, next_at = ?, last_error = ?, status = ? WHERE id = ?",
            (attempts, time.time() + backoff(attempts), f"{type(exc).__name__}: {exc}"[:500],
             "abandoned" if abandoned else "pending", message.id),
        )

    def retry_now(self, ns: str | None = None) -> None:
        """Make every pending message due at once (tests, and a side that came back up)."""
        if ns is None:
            self.store.execute("UPDATE outbox SET next_at = 0 WHERE status = 'pending'")
        else:
            self.store.execute("UPDATE outbox SET next_at = 0 WHERE status = 'pending' AND ns = ?", (ns,))
        self._wake.set()

    def drain(self, timeout: float = 5.0) -> bool:
        """Deliver until nothing is pending and due, or the timeout passes; True when empty."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.run_once()
            if not self.due():
                return True
            time.sleep(0.05)
        return not self.due()

    def messages(self, ns: str, kind: str | None = None, status: str | None = None) -> list[dict[str, Any]]:
        sql = "SELECT * FROM outbox WHERE ns = ?"
        args: list[Any] = [ns]
        if kind:
            sql += " AND kind = ?"
            args.append(kind)
        if status:
            sql += " AND status = ?"
            args.append(status)
        rows = self.store.query(sql + " ORDER BY id", args)
        return [
            {"id": r["id"], "kind": r["kind"], "key": r["key"], "status": r["status"], "attempts": r["attempts"],
             "last_error": r["last_error"], "refusal": loads(r["refusal"]), "payload": loads(r["payload"])}
            for r in rows
        ]

    def counts(self, ns: str, kind: str | None = None) -> dict[str, int]:
        """How many messages of the namespace are in each status (every status listed, 0 included)."""
        sql, args = "SELECT status, COUNT(*) AS n FROM outbox WHERE ns = ?", [ns]
        if kind:
            sql += " AND kind = ?"
            args.append(kind)
        found = {r["status"]: r["n"] for r in self.store.query(sql + " GROUP BY status", args)}
        return {status: int(found.get(status, 0)) for status in STATUSES}

    def by_key(self, ns: str, key: str) -> list[dict[str, Any]]:
        """The messages of one key (say, one dossier's sync), in order, without their payloads."""
        rows = self.store.query("SELECT id, kind, status, attempts, last_error, refusal, created_at, delivered_at "
                                "FROM outbox WHERE ns = ? AND key = ? ORDER BY id", (ns, key))
        return [{"id": r["id"], "kind": r["kind"], "status": r["status"], "attempts": r["attempts"],
                 "last_error": r["last_error"], "refusal": loads(r["refusal"]), "created_at": r["created_at"],
                 "delivered_at": r["delivered_at"]} for r in rows]

    def reset(self, ns: str) -> None:
        self.store.execute("DELETE FROM outbox WHERE ns = ?", (ns,))

    def prune(self) -> int:
        """One step: the oldest finished messages older than the newest MAX_MESSAGES, PRUNE_BATCH at most
        (never a pending one, nor a rejected one that pending messages of its key follow). Returns how
        many went."""
        newest = self.store.scalar("SELECT MAX(id) FROM outbox")
        if newest is None:
            return 0
        return self.store.execute(
            "DELETE FROM outbox WHERE id IN (SELECT o.id FROM outbox o WHERE o.id <= ? AND o.status != 'pending'"
            " AND NOT (o.status = 'rejected' AND EXISTS (SELECT 1 FROM outbox p WHERE p.ns = o.ns AND p.key = o.key"
            " AND p.status = 'pending' AND p.id > o.id)) ORDER BY o.id LIMIT ?)",
            (newest - MAX_MESSAGES, PRUNE_BATCH)).rowcount

    # -- background dispatcher -----------------------------------------------------------------
    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name=f"outbox-{self.name}", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _loop(self) -> None:
        pruned_at = 0.0
        while not self._stop.is_set():
            delivered = 0
            try:
                delivered = self.run_once()
                if self.leading and time.monotonic() - pruned_at >= PRUNE_EVERY_S:
                    pruned_at = time.monotonic()
                    self.prune()
            except Exception:  # the store may be busy or closing; try again next tick
                log.exception("outbox %s dispatcher tick failed", self.name)
            if delivered:   # a key's next message waited behind the one delivered: it is due now, not a tick later
                continue
            self._wake.wait(self.poll_interval)
            self._wake.clear()
