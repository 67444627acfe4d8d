"""What a dossier's move sends, wired to the transition table's `Outgoing` port: two ways to send.

- `LiveSending`, the portal's: every new dossier and every move goes to the national portal
  (sync.py), the notices to the applicant (notifications.py), a ready postal return to the post
  (delivery.py) — each queued in the move's transaction.
- `HistorySending`, for a history made through the model (`dvc-harness seed-history`): the moves
  of the past send nothing one by one (nobody waits for their notices; their postal orders are
  recorded, not sent); `flush()` then pushes each agency's dossiers to the national portal in
  their final state with their progress, a few large messages instead of tens of thousands.
"""

from __future__ import annotations

import sqlite3

from mocks.core.outbox import Outbox

from .delivery import PostalHandOver
from .dossier.entity import Dossier, HistoryEntry
from .dossier.store import DossierStore
from .notifications import Notifications
from .sync import SYNC_KIND, SyncQueue, batched_pushes


class LiveSending:
    def __init__(self, sync: SyncQueue, notifications: Notifications, hand_over: PostalHandOver) -> None:
        self.sync = sync
        self.notifications = notifications
        self.hand_over = hand_over

    def created(self, conn: sqlite3.Connection, ns: str, dossier: Dossier) -> None:
        self.sync.created(conn, ns, dossier)

    def changed(self, conn: sqlite3.Connection, ns: str, dossier: Dossier, entry: HistoryEntry) -> None:
        self.sync.changed(conn, ns, dossier, entry)

    def notify(self, conn: sqlite3.Connection, ns: str, dossier: Dossier, kind: str, note: str) -> None:
        self.notifications.send(conn, ns, dossier, kind, note)

    def post_result(self, conn: sqlite3.Connection, ns: str, dossier: Dossier, now: str) -> None:
        self.hand_over(conn, ns, dossier, now)


class HistorySending:
    def __init__(self, rows: DossierStore, outbox: Outbox, hand_over: PostalHandOver) -> None:
        self.rows = rows
        self.outbox = outbox
        self.hand_over = hand_over
        self.made: dict[str, list[str]] = {}

    def created(self, conn: sqlite3.Connection, ns: str, dossier: Dossier) -> None:
        self.made.setdefault(ns, []).append(dossier.code)

    def changed(self, conn: sqlite3.Connection, ns: str, dossier: Dossier, entry: HistoryEntry) -> None:
        """Sent with the dossier's final state by flush()."""

    def notify(self, conn: sqlite3.Connection, ns: str, dossier: Dossier, kind: str, note: str) -> None:
        """Nobody is waiting for the notices of the past."""

    def post_result(self, conn: sqlite3.Connection, ns: str, dossier: Dossier, now: str) -> None:
        self.hand_over(conn, ns, dossier, now, send=False)

    def flush(self, ns: str, label: str) -> tuple[list[str], int]:
        """Queue the national sync of the dossiers made so far, per agency (keys `history:<label>:<agency>`, so that
        each agency's messages go in order): the keys and the number of messages."""
        by_agency: dict[str, list[Dossier]] = {}
        for code in self.made.pop(ns, []):
            d = self.rows.get(ns, code)
            by_agency.setdefault(d.agency_code, []).append(d)
        keys, messages = [], 0
        with self.rows.transaction() as conn:
            for agency, dossiers in sorted(by_agency.items()):
                key = f"history:{label}:{agency}"
                for payload in batched_pushes(agency, dossiers):
                    self.outbox.enqueue(ns, SYNC_KIND, payload, key=key, conn=conn)
                    messages += 1
                keys.append(key)
        return keys, messages
