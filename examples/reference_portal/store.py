"""The portal's state in one SQLite file (WAL): it survives restarts and is safe across threads."""

from __future__ import annotations

import json
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (id INTEGER PRIMARY KEY, tech_id TEXT UNIQUE, id_number TEXT, full_name TEXT,
    email TEXT, phone TEXT, created_at TEXT);
CREATE TABLE IF NOT EXISTS logins (id INTEGER PRIMARY KEY, account_id INTEGER, rule TEXT, at TEXT);
CREATE TABLE IF NOT EXISTS sessions (token TEXT PRIMARY KEY, account_id INTEGER, created_at TEXT);
CREATE TABLE IF NOT EXISTS auth_requests (state TEXT PRIMARY KEY, nonce TEXT, verifier TEXT, next TEXT,
    created_at TEXT);
CREATE TABLE IF NOT EXISTS counters (agency TEXT, day TEXT, n INTEGER, PRIMARY KEY (agency, day));
CREATE TABLE IF NOT EXISTS dossiers (code TEXT PRIMARY KEY, account_id INTEGER, procedure_code TEXT, agency_code TEXT,
    status INTEGER, form TEXT, file_name TEXT, file_type TEXT, file_data BLOB, result_delivery TEXT,
    payment_method TEXT, postal TEXT, fee INTEGER, paid INTEGER DEFAULT 0, waybill TEXT, postal_state TEXT,
    submitted_at TEXT, appointment TEXT, returned_at TEXT);
CREATE TABLE IF NOT EXISTS history (id INTEGER PRIMARY KEY, code TEXT, at TEXT, status INTEGER, note TEXT);
CREATE TABLE IF NOT EXISTS payments (reference TEXT PRIMARY KEY, code TEXT, amount INTEGER, status TEXT,
    transaction_id TEXT, bank TEXT, url TEXT, created_at TEXT);
CREATE TABLE IF NOT EXISTS postal_events (id INTEGER PRIMARY KEY, code TEXT, waybill TEXT, status TEXT,
    status_name TEXT, at TEXT, location TEXT, UNIQUE (waybill, status, at));
CREATE TABLE IF NOT EXISTS outbox (id INTEGER PRIMARY KEY, kind TEXT, key TEXT, payload TEXT, attempts INTEGER
    DEFAULT 0, last_error TEXT, done INTEGER DEFAULT 0);
"""


class Store:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=10)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript(SCHEMA)
        finally:
            db.close()

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """One transaction on a connection of its own (each request thread gets one)."""
        db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        db.row_factory = sqlite3.Row
        try:
            db.execute("BEGIN IMMEDIATE")
            yield db
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        finally:
            db.close()

    def one(self, sql: str, *args: Any) -> dict[str, Any] | None:
        with self.tx() as db:
            row = db.execute(sql, args).fetchone()
        return dict(row) if row else None

    def all(self, sql: str, *args: Any) -> list[dict[str, Any]]:
        with self.tx() as db:
            return [dict(r) for r in db.execute(sql, args).fetchall()]

    def secret(self, key: str, given: str = "") -> str:
        """A credential: the one given, else the one generated on a first start and kept since."""
        with self.tx() as db:
            if given:
                db.execute("INSERT OR REPLACE INTO settings VALUES (?, ?)", (key, given))
                return given
            row = db.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
            if row:
                return str(row[0])
            value = secrets.token_urlsafe(24)
            db.execute("INSERT INTO settings VALUES (?, ?)", (key, value))
            return value

    def enqueue(self, db: sqlite3.Connection, kind: str, key: str, payload: dict[str, Any]) -> None:
        """An outgoing call that must arrive, written in the same transaction as the change it reports."""
        db.execute("INSERT INTO outbox (kind, key, payload) VALUES (?, ?, ?)",
                   (kind, key, json.dumps(payload, ensure_ascii=False)))
