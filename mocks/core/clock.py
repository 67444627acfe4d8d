"""The clock of a namespace: the stack's clock until a test sets its own, shared by the services.

The stack's clock is real time, or runs from the day `serve --as-of` names (a row of its own, `*`,
which no namespace can be called). Kept in the control store (one file for the stack) so every
service and every worker process reads the same time.
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


STACK = "*"   # the stack's own clock (serve --as-of): not a valid namespace name, so it meets none


class Clock:
    def __init__(self, store: Store) -> None:
        self.store = store
        store.migrate(DDL)

    def now(self, ns: str = "default") -> datetime:
        return self.reading(ns)[0]

    def reading(self, ns: str) -> tuple[datetime, str]:
        """The namespace's time and whose clock gave it: `namespace` (set for it), `stack` (serve --as-of) or
        `real`. One query: the namespace's row wins over the stack's."""
        row = self.store.one("SELECT ns, frozen_at, offset_seconds FROM clock WHERE ns IN (?, ?) "
                             "ORDER BY ns = ? LIMIT 1", (ns, STACK, STACK))
        if row is None:
            return datetime.now(VN_TZ), "real"
        source = "stack" if row["ns"] == STACK else "namespace"
        if row["frozen_at"]:
            frozen = from_iso(row["frozen_at"])
            assert frozen is not None
            return frozen, source
        return datetime.now(VN_TZ) + timedelta(seconds=row["offset_seconds"]), source

    def set_stack(self, moment: datetime | None) -> None:
        """Run the clock of every namespace that sets none from `moment` (serve --as-of); None: real time."""
        if moment is None:
            self.reset(STACK)
        else:
            self.set(STACK, moment, frozen=False)

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
                # a namespace on the stack's clock moves from the stack's time, not from real time
                stack = None if row is not None else self.store.one(
                    "SELECT offset_seconds FROM clock WHERE ns = ?", (STACK,))
                self.store.execute(
                    "INSERT INTO clock(ns, frozen_at, offset_seconds) VALUES (?, NULL, ?) "
                    "ON CONFLICT(ns) DO UPDATE SET offset_seconds = offset_seconds + excluded.offset_seconds",
                    (ns, seconds + (stack["offset_seconds"] if stack is not None else 0)),
                )
        return self.now(ns)

    def reset(self, ns: str) -> None:
        self.store.execute("DELETE FROM clock WHERE ns = ?", (ns,))

    def describe(self, ns: str) -> dict[str, object]:
        now, source = self.reading(ns)
        row = self.store.one("SELECT frozen_at, offset_seconds FROM clock WHERE ns = ?",
                             (STACK if source == "stack" else ns,))
        mode = "real" if row is None else ("stack" if source == "stack" else "frozen" if row["frozen_at"] else "offset")
        return {"namespace": ns, "now": to_iso(now), "mode": mode,
                "offset_seconds": 0 if row is None else row["offset_seconds"]}
