"""The clock of a namespace: real time until a test sets it, shared by the four services.

Kept in the control store (one file for the stack) so every service and every worker
process reads the same time.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from .storage import Store
from .timefmt import VN_TZ, from_iso, to_iso

DDL = """
CREATE TABLE IF NOT EXISTS clock (
    ns TEXT PRIMARY KEY,
    frozen_at TEXT,            -- ISO time the clock stands at, or NULL when it runs
    offset_seconds REAL NOT NULL DEFAULT 0
);
"""


class Clock:
    def __init__(self, store: Store) -> None:
        self.store = store
        store.migrate(DDL)

    def now(self, ns: str = "default") -> datetime:
        row = self.store.one("SELECT frozen_at, offset_seconds FROM clock WHERE ns = ?", (ns,))
        if row is None:
            return datetime.now(VN_TZ)
        if row["frozen_at"]:
            frozen = from_iso(row["frozen_at"])
            assert frozen is not None
            return frozen
        return datetime.now(VN_TZ) + timedelta(seconds=row["offset_seconds"])

    def set(self, ns: str, moment: datetime, *, frozen: bool = True) -> datetime:
        """Stand the clock at `moment` (frozen), or run it from there (frozen=False)."""
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=VN_TZ)
        if frozen:
            self.store.execute(
                "INSERT INTO clock(ns, frozen_at, offset_seconds) VALUES (?, ?, 0) "
                "ON CONFLICT(ns) DO UPDATE SET frozen_at = excluded.frozen_at, offset_seconds = 0",
                (ns, moment.isoformat()),
            )
        else:
            offset = moment.timestamp() - time.time()
            self.store.execute(
                "INSERT INTO clock(ns, frozen_at, offset_seconds) VALUES (?, NULL, ?) "
                "ON CONFLICT(ns) DO UPDATE SET frozen_at = NULL, offset_seconds = excluded.offset_seconds",
                (ns, offset),
            )
        return self.now(ns)

    def advance(self, ns: str, seconds: float) -> datetime:
        with self.store.transaction():
            row = self.store.one("SELECT frozen_at, offset_seconds FROM clock WHERE ns = ?", (ns,))
            if row is not None and row["frozen_at"]:
                moved = from_iso(row["frozen_at"]) + timedelta(seconds=seconds)  # type: ignore[operator]
                self.store.execute("UPDATE clock SET frozen_at = ? WHERE ns = ?", (moved.isoformat(), ns))
            else:
                self.store.execute(
                    "INSERT INTO clock(ns, frozen_at, offset_seconds) VALUES (?, NULL, ?) "
                    "ON CONFLICT(ns) DO UPDATE SET offset_seconds = offset_seconds + excluded.offset_seconds",
                    (ns, seconds),
                )
        return self.now(ns)

    def reset(self, ns: str) -> None:
        self.store.execute("DELETE FROM clock WHERE ns = ?", (ns,))

    def describe(self, ns: str) -> dict[str, object]:
        row = self.store.one("SELECT frozen_at, offset_seconds FROM clock WHERE ns = ?", (ns,))
        return {
            "namespace": ns,
            "now": to_iso(self.now(ns)),
            "mode": "real" if row is None else ("frozen" if row["frozen_at"] else "offset"),
            "offset_seconds": 0 if row is None else row["offset_seconds"],
        }
