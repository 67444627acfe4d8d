"""SQLite storage: one file per service in the state folder, WAL, durable across restarts.

The interface is narrow on purpose (execute, query, one, transaction) so that another
backend can stand behind it. Writes go through `transaction()`, which takes the write lock
up front (BEGIN IMMEDIATE) so that two writers never deadlock on a lock upgrade.

Connections are per thread, and live as long as their thread: the server's thread pool
retires idle threads and starts new ones all day, and a connection left behind by each would
hold its memory and two file descriptors (the database and its WAL) for good. So the open
connections of a store are at most its live threads. A store that several services of one
process use (the stack's control store) is opened once per process with `Store.shared`.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, ClassVar

Params = Sequence[Any] | dict[str, Any]
WAL_LIMIT_BYTES = 8 * 1024 * 1024


class _Held:
    """A thread's connection in its `threading.local`: CPython drops a thread's local values when the
    thread ends, and this holder closes the connection then.

    Not in a child forked from the process, though: the child drops the other threads' states (and their
    locals) right after the fork, and closing their connections there could wait for ever on a SQLite lock
    another thread held at the fork, or checkpoint the parent's WAL. The child keeps them, unused, until
    it execs or exits."""

    __slots__ = ("conn", "open", "pid")

    def __init__(self, conn: sqlite3.Connection, open_: dict[int, sqlite3.Connection]) -> None:
        self.conn = conn
        self.open = open_      # the store's open connections (not the store: no reference cycle)
        self.pid = os.getpid()
        open_[id(self)] = conn

    def __del__(self) -> None:
        if os.getpid() != self.pid:
            return             # a forked child: the store's dict keeps the connection from being closed too
        self.open.pop(id(self), None)
        with suppress(sqlite3.Error):
            self.conn.close()


class Store:
    _shared: ClassVar[dict[str, Store]] = {}
    _shared_lock: ClassVar[threading.Lock] = threading.Lock()
    _every: ClassVar[weakref.WeakSet[Store]] = weakref.WeakSet()   # this process's stores, for `in_process()`

    def __init__(self, path: Path | str, *, synchronous: str = "FULL") -> None:
        self.path = str(path)
        self.synchronous = synchronous
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._open: dict[int, sqlite3.Connection] = {}   # id of a thread's holder -> its connection
        self._users = 1            # the services using a shared store; the last close() closes it
        self._shared_key: str | None = None
        Store._every.add(self)

    @classmethod
    def shared(cls, path: Path | str, *, synchronous: str = "FULL") -> Store:
        """The process's one store on `path`: the services of a process share it (and its connections);
        each caller close()s it once, and the last one closes it."""
        key = os.path.realpath(path)
        with cls._shared_lock:
            store = cls._shared.get(key)
            if store is not None:
                store._users += 1
                return store
            store = cls(path, synchronous=synchronous)
            store._shared_key = key
            cls._shared[key] = store
            return store

    @classmethod
    def in_process(cls) -> list[Store]:
        """Every store this process has open."""
        return [store for store in list(cls._every) if store._users > 0 or store._open]

    @property
    def connections(self) -> int:
        """Connections open now (one per live thread that used the store)."""
        return len(self._open)

    def _connect(self) -> sqlite3.Connection:
        held: _Held | None = getattr(self._local, "held", None)
        if held is None:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            # the WAL goes back to at most this size once checkpointed: a spell of long readers that made it
            # grow does not leave a big file behind for good (it is ~4 MB in steady use: 1,000 pages)
            conn.execute(f"PRAGMA journal_size_limit={WAL_LIMIT_BYTES}")
            # FULL: a dossier or a payment that was answered "accepted" survives a power cut too.
            # (Test-control state — faults, journal — uses NORMAL: safe across a crash, no fsync per write.)
            conn.execute(f"PRAGMA synchronous={self.synchronous}")
            conn.execute("PRAGMA busy_timeout=30000")
            conn.execute("PRAGMA foreign_keys=ON")
            held = self._local.held = _Held(conn, self._open)
        return held.conn

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
        self._local.after_commit = waiting = []
        try:
            try:
                yield conn
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:     # the change failed, or its COMMIT did (a deferred key): undone
                    conn.execute("ROLLBACK")
                raise
        finally:    # a failed COMMIT too: what waited is dropped, and later calls outside a transaction run at once
            self._local.after_commit = None
        for callback in waiting:
            callback()

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Call `callback` once this thread's transaction has committed (never, if it rolls back); at once outside
        one. What another thread should see — a dispatcher woken for a message — is there only after the commit."""
        waiting = getattr(self._local, "after_commit", None)
        if waiting is None:
            callback()
        else:
            waiting.append(callback)

    def delete_namespace(self, ns: str, tables: Sequence[str]) -> None:
        with self.transaction() as conn:
            for table in tables:
                conn.execute(f"DELETE FROM {table} WHERE ns = ?", (ns,))

    def close(self) -> None:
        if self._shared_key is not None:
            with Store._shared_lock:
                self._users -= 1
                if self._users > 0:
                    return
                Store._shared.pop(self._shared_key, None)
                self._shared_key = None
        for conn in list(self._open.values()):
            with suppress(sqlite3.Error):
                conn.close()
        self._open.clear()
        self._users = 0
        self._local = threading.local()   # the threads' holders go with it


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def loads(text: str | bytes | None) -> Any:
    return None if text is None else json.loads(text)
