"""SQLite storage: one file per service in the state folder, WAL, durable across restarts.

The interface is narrow on purpose (execute, query, one, transaction) so that another
backend can stand behind it. Connections are per thread; writes go through
`transaction()`, which takes the write lock up front (BEGIN IMMEDIATE) so that two
writers never deadlock on a lock upgrade.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

Params = Sequence[Any] | dict[str, Any]


class Store:
    def __init__(self, path: Path | str, *, synchronous: str = "FULL") -> None:
        self.path = str(path)
        self.synchronous = synchronous
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    def _connect(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            # FULL: a dossier or a payment that was answered "accepted" survives a power cut too.
            # (Test-control state — faults, journal — uses NORMAL: safe across a crash, no fsync per write.)
            conn.execute(f"PRAGMA synchronous={self.synchronous}")
            conn.execute("PRAGMA busy_timeout=30000")
            conn.execute("PRAGMA foreign_keys=ON")
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    def migrate(self, ddl: str) -> None:
        self._connect().executescript(ddl)

    def ensure_columns(self, table: str, columns: dict[str, str]) -> None:
        """Add the columns a newer version needs to a table made by an older one (state folders live long)."""
        have = {row["name"] for row in self.query(f"PRAGMA table_info({table})")}
        for name, declaration in columns.items():
            if name not in have:
                self.execute(f"ALTER TABLE {table} ADD COLUMN {name} {declaration}")

    def execute(self, sql: str, params: Params = ()) -> sqlite3.Cursor:
        return self._connect().execute(sql, params)

    def query(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        return self._connect().execute(sql, params).fetchall()

    def one(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        return self._connect().execute(sql, params).fetchone()

    def scalar(self, sql: str, params: Params = ()) -> Any:
        row = self.one(sql, params)
        return None if row is None else row[0]

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        conn = self._connect()
        if conn.in_transaction:  # nested: join the outer transaction
            yield conn
            return
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        else:
            conn.execute("COMMIT")

    def delete_namespace(self, ns: str, tables: Sequence[str]) -> None:
        with self.transaction() as conn:
            for table in tables:
                conn.execute(f"DELETE FROM {table} WHERE ns = ?", (ns,))

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                with suppress(sqlite3.Error):
                    conn.close()
            self._all.clear()
        self._local = threading.local()


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def loads(text: str | bytes | None) -> Any:
    return None if text is None else json.loads(text)
