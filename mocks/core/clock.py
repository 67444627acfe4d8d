"""The clock of a namespace: the stack's clock until a test sets its own, shared by the services.

The stack's clock is real time, or runs from the day `serve --as-of` names (a row of its own, `*`,
which no namespace can be called). Kept in the control store (one file for the stack) so every
service and every worker process reads the same time.

Every request that asks a namespace's world reads its clock (the catalogue's hot read among them), so a
clock given a `stamp` file keeps what it read in memory until the stamp changes: each change of any
clock, in any process, rewrites the stamp (faults.py does the same with its rules).
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from .storage import Store
from .timefmt import VN_TZ, from_iso, to_iso

DDL = """
CREATE TABLE IF NOT EXISTS clock (
    ns TEXT PRIMARY KEY,
    frozen_at TEXT,            -- ISO time the clock stands at, or NULL when it runs
    offset_seconds REAL NOT NULL DEFAULT 0
);
"""


def touch(stamp: Path) -> None:
    """A new stamp file (a new inode, by rename): every process's cached clocks are read again. Rewriting in place
    could keep the same mtime within the kernel's clock tick, and the same size."""
    stamp.parent.mkdir(parents=True, exist_ok=True)
    fresh = stamp.with_name(f"{stamp.name}.{uuid.uuid4().hex}")
    fresh.write_text(str(time.time_ns()))
    os.replace(fresh, stamp)


@dataclass(frozen=True)
class Setting:
    """How a namespace's clock reads: standing at `frozen` (epoch seconds), or real time plus `offset`."""

    source: str            # namespace | stack | real
    frozen: float | None
    offset: float

    def timestamp(self) -> float:
        return self.frozen if self.frozen is not None else time.time() + self.offset


REAL = Setting("real", None, 0.0)
CLOCK_STAMP = "clock.stamp"   # in the state folder: rewritten by every change of a clock
STACK = "*"   # the stack's own clock (serve --as-of): not a valid namespace name, so it meets none


class Clock:
    def __init__(self, store: Store, stamp: Path | None = None) -> None:
        self.store = store
        self.stamp = stamp
        store.migrate(DDL)
        self._lock = threading.Lock()
        self._seen: tuple[int, int] | None = None     # (inode, mtime) of the stamp the rows were read under
        self._rows: dict[str, Setting] = {}  # ns -> what decides its time, while the stamp stays

    def now(self, ns: str = "default") -> datetime:
        return self.reading(ns)[0]

    def _setting(self, ns: str) -> Setting:
        """What decides the namespace's time: its own row, else the stack's, else real time (one query)."""
        if self.stamp is not None:
            try:
                st = os.stat(self.stamp)
                seen = (st.st_ino, st.st_mtime_ns)
            except FileNotFoundError:
                seen = (0, 0)
            with self._lock:
                if seen != self._seen:
                    self._rows, self._seen = {}, seen
                elif ns in self._rows:
                    return self._rows[ns]
        row = self.store.one("SELECT ns, frozen_at, offset_seconds FROM clock WHERE ns IN (?, ?) "
                             "ORDER BY ns = ? LIMIT 1", (ns, STACK, STACK))
        setting = REAL if row is None else Setting(
            "stack" if row["ns"] == STACK else "namespace",
            from_iso(row["frozen_at"]).timestamp() if row["frozen_at"] else None,  # type: ignore[union-attr]
            row["offset_seconds"])
        if self.stamp is not None:
            with self._lock:
                if self._seen == seen and len(self._rows) < 100_000:
                    self._rows[ns] = setting
        return setting

    def _changed(self) -> None:
        if self.stamp is not None:
            touch(self.stamp)
            with self._lock:
                self._rows, self._seen = {}, None

    def instant(self, ns: str) -> tuple[float, str]:
        """The namespace's time as epoch seconds, and whose clock gave it: `namespace` (set for it), `stack`
        (serve --as-of) or `real`; the namespace's row wins over the stack's."""
        setting = self._setting(ns)
        return setting.timestamp(), setting.source

    def reading(self, ns: str) -> tuple[datetime, str]:
        """The same as a datetime in Vietnam's time zone."""
        seconds, source = self.instant(ns)
        return datetime.fromtimestamp(seconds, VN_TZ), source

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
        self._changed()
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
        self._changed()
        return self.now(ns)

    def reset(self, ns: str) -> None:
        self.store.execute("DELETE FROM clock WHERE ns = ?", (ns,))
        self._changed()

    def describe(self, ns: str) -> dict[str, object]:
        now, source = self.reading(ns)
        row = self.store.one("SELECT frozen_at, offset_seconds FROM clock WHERE ns = ?",
                             (STACK if source == "stack" else ns,))
        mode = "real" if row is None else ("stack" if source == "stack" else "frozen" if row["frozen_at"] else "offset")
        return {"namespace": ns, "now": to_iso(now), "mode": mode,
                "offset_seconds": 0 if row is None else row["offset_seconds"]}
