"""The request journal: every request a service received and every call it made.

Recording never slows or fails a request: an entry goes into a bounded in-memory buffer
and a background thread writes it to the stack's control store (so every worker process
and every service answers queries on the same history). Correlation ids (dossier codes,
payment references, waybills) are read off the path, query and the first kilobytes of both
bodies, in that thread, off the event loop.

On disk the journal is bounded too: the same thread deletes the oldest entries beyond
MAX_ROWS, or while the control store's pages in use pass MAX_BYTES, a small batch a second,
so the write lock is never held long (requests do not wait on it: they only append to the
buffer). SQLite reuses the freed pages, so the file stops growing at about MAX_BYTES.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .storage import Store, dumps, loads

log = logging.getLogger(__name__)

DDL = """
CREATE TABLE IF NOT EXISTS journal (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ns TEXT NOT NULL,
    service TEXT NOT NULL,
    direction TEXT NOT NULL,          -- in: received; out: a call this service made
    method TEXT NOT NULL,
    url TEXT NOT NULL,                -- in: the path and query; out: the full URL
    status INTEGER,                   -- NULL: no answer (connection error, dropped)
    at REAL NOT NULL,
    duration_ms REAL NOT NULL,
    matched INTEGER NOT NULL DEFAULT 1,
    faults TEXT,
    ids TEXT NOT NULL DEFAULT '',     -- ' id1 id2 ' for LIKE '% id %' searches
    detail TEXT
);
CREATE INDEX IF NOT EXISTS journal_ns ON journal(ns, service, id);
"""

MAX_ROWS = 200_000          # per stack: older rows are pruned
MAX_BYTES = 32 * 1024 * 1024  # of the control store's pages in use (the journal is nearly all of it)
PRUNE_BATCH = 1_000         # rows a pruning step deletes at most: a few milliseconds of the write lock
PRUNE_EVERY_S = 1.0
BUFFER = 50_000             # entries waiting for the writer; beyond it the oldest are dropped, counted
BODY_SNIPPET = 2048           # bytes of each body kept for correlation ids: they sit near the start

DOSSIER_CODE = re.compile(r"\d{3}\.\d{2}\.\d{2}\.H\d{2}-\d{6}-\d{4}(?:-\d{2})?")
WAYBILL = re.compile(r"\b[A-Z]{2}\d{9}VN\b")
REFERENCE = re.compile(r'"(?:MaThamChieu|reference|MaGiaoDich|transaction_id)"\s*:\s*"([^"]{1,80})"')
# the message a protocol call carries, as an id "LoaiBanTin=QUERY" or "service=DongBoHoSoMC"
MESSAGE_KIND = re.compile(r'"(LoaiBanTin|service)"\s*:\s*"([A-Za-z_]{1,40})"')


def correlation_ids(*texts: str) -> list[str]:
    found: list[str] = []
    for text in texts:
        if not text:
            continue
        for pattern in (DOSSIER_CODE, WAYBILL):
            found.extend(pattern.findall(text))
        found.extend(REFERENCE.findall(text))
        found.extend(f"{key}={value}" for key, value in MESSAGE_KIND.findall(text))
    seen: dict[str, None] = {}
    for item in found:
        seen.setdefault(item, None)
        base = DOSSIER_CODE.match(item)
        if base and len(item) > 25:  # a payment reference CODE-NN also names its dossier
            seen.setdefault(item[:25], None)
    return list(seen)


@dataclass
class Entry:
    ns: str
    service: str
    direction: str
    method: str
    url: str
    status: int | None
    at: float
    duration_ms: float
    matched: bool = True
    faults: list[str] = field(default_factory=list)
    texts: tuple[str, ...] = ()
    detail: str = ""


class Journal:
    def __init__(self, store: Store, service: str, *, flush_interval: float = 0.1) -> None:
        self.store = store
        self.service = service
        self.flush_interval = flush_interval
        store.migrate(DDL)
        self._pending: deque[Entry] = deque(maxlen=BUFFER)
        self.dropped = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def record(self, entry: Entry) -> None:
        if len(self._pending) == BUFFER:
            self.dropped += 1
        self._pending.append(entry)

    def flush(self) -> None:
        with self._lock:
            batch: list[Entry] = []
            while self._pending:
                batch.append(self._pending.popleft())
            if not batch:
                return
            rows = [(e.ns, e.service, e.direction, e.method, e.url[:2000], e.status, e.at, e.duration_ms,
                     int(e.matched), dumps(e.faults) if e.faults else None,
                     " " + " ".join(correlation_ids(e.url, *e.texts)) + " ", e.detail[:500] or None)
                    for e in batch]
            try:
                with self.store.transaction() as conn:
                    conn.executemany(
                        "INSERT INTO journal(ns, service, direction, method, url, status, at, duration_ms, matched,"
                        " faults, ids, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            except Exception:  # the journal must never take a request down with it
                self.dropped += len(rows)
                log.exception("journal of %s could not write %s entries", self.service, len(rows))

    def prune(self) -> int:
        """One step towards the bound: the oldest entries beyond MAX_ROWS, or beyond MAX_BYTES of pages in use,
        PRUNE_BATCH at most. Returns how many were deleted."""
        # two subqueries: each MIN / MAX is then a look at one end of the rowid tree, not a scan
        lo, hi = self.store.one("SELECT (SELECT MIN(id) FROM journal), (SELECT MAX(id) FROM journal)")
        if lo is None:
            return 0
        upto = hi - MAX_ROWS
        if self.used_bytes() > MAX_BYTES:
            upto = max(upto, lo + PRUNE_BATCH - 1)
        upto = min(upto, lo + PRUNE_BATCH - 1)
        if upto < lo:
            return 0
        return self.store.execute("DELETE FROM journal WHERE id <= ?", (upto,)).rowcount

    def used_bytes(self) -> int:
        """Bytes of the control store's pages in use (its file may be larger: free pages wait for reuse)."""
        pages = self.store.scalar("PRAGMA page_count") - self.store.scalar("PRAGMA freelist_count")
        return int(pages * self.store.scalar("PRAGMA page_size"))

    # -- queries ----------------------------------------------------------------------------------
    def query(self, ns: str, *, service: str | None = None, direction: str | None = None,
              method: str | None = None, url_contains: str | None = None, status: int | None = None,
              correlation_id: str | None = None, matched: bool | None = None, fault: bool | None = None,
              since_id: int = 0, limit: int = 500) -> list[dict[str, Any]]:
        self.flush()
        sql = "SELECT * FROM journal WHERE ns = ? AND id > ?"
        args: list[Any] = [ns, since_id]
        for column, value in (("service", service), ("direction", direction), ("status", status)):
            if value is not None:
                sql += f" AND {column} = ?"
                args.append(value)
        if method:
            sql += " AND method = ?"
            args.append(method.upper())
        if url_contains:
            sql += " AND instr(url, ?) > 0"
            args.append(url_contains)
        if correlation_id:
            sql += " AND instr(ids, ?) > 0"
            args.append(f" {correlation_id} ")
        if matched is not None:
            sql += " AND matched = ?"
            args.append(int(matched))
        if fault is not None:
            sql += " AND faults IS NOT NULL" if fault else " AND faults IS NULL"
        rows = self.store.query(sql + " ORDER BY id LIMIT ?", [*args, limit])
        return [self._json(r) for r in rows]

    @staticmethod
    def _json(row: Any) -> dict[str, Any]:
        return {"id": row["id"], "namespace": row["ns"], "service": row["service"], "direction": row["direction"],
                "method": row["method"], "url": row["url"], "status": row["status"], "at": row["at"],
                "duration_ms": round(row["duration_ms"], 3), "matched": bool(row["matched"]),
                "faults": loads(row["faults"]) or [], "correlation_ids": row["ids"].split(),
                "detail": row["detail"]}

    def reset(self, ns: str) -> None:
        self.flush()
        self.store.execute("DELETE FROM journal WHERE ns = ? AND service = ?", (ns, self.service))

    # -- background writer ------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._loop, name=f"journal-{self.service}", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        self.flush()

    def _loop(self) -> None:
        pruned_at = 0.0
        while not self._stop.wait(self.flush_interval):
            self.flush()
            if time.monotonic() - pruned_at >= PRUNE_EVERY_S:
                pruned_at = time.monotonic()
                try:
                    self.prune()
                except Exception:  # busy or closing: the next step catches up
                    log.exception("journal of %s could not prune", self.service)


def near_misses(entries: Iterable[dict[str, Any]], routes: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """Requests that matched no route, each with the routes that look closest."""
    import difflib

    templates = [f"{m} {p}" for m, p in routes]
    out = []
    for e in entries:
        path = e["url"].split("?", 1)[0]
        close = difflib.get_close_matches(f"{e['method']} {path}", templates, n=3, cutoff=0.4)
        out.append({**e, "closest_routes": close})
    return out
