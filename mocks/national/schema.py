"""The national portal's tables. Namespaced rows carry `ns`; stack-wide configuration
(relying parties, sync accounts, the signing key) does not, and survives `reset`. The identity
provider's own tables are mocks/core/oidc_provider.py's."""

from mocks.core import oidc_provider

DDL = """
CREATE TABLE IF NOT EXISTS account (
    ns TEXT NOT NULL,
    username TEXT NOT NULL,
    account_type TEXT NOT NULL,            -- citizen | business | agency
    status TEXT NOT NULL,                  -- pending | active
    password_hash TEXT NOT NULL,
    full_name TEXT NOT NULL,
    id_number TEXT,
    tax_code TEXT,
    agency_code TEXT,
    organisation_name TEXT,
    email TEXT NOT NULL,
    phone TEXT NOT NULL,
    birth_date TEXT,
    gender TEXT,
    address TEXT,
    tech_id TEXT NOT NULL,
    subject TEXT NOT NULL,
    created_at TEXT NOT NULL,
    activated_at TEXT,
    PRIMARY KEY (ns, username)
);
CREATE TABLE IF NOT EXISTS otp_code (
    ns TEXT NOT NULL,
    username TEXT NOT NULL,
    code TEXT NOT NULL,
    expires_at REAL NOT NULL,              -- namespace clock, epoch seconds
    attempts INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (ns, username)
);
CREATE TABLE IF NOT EXISTS message (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ns TEXT NOT NULL,
    username TEXT,
    channel TEXT NOT NULL,                 -- sms | email
    to_addr TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    otp TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS message_to ON message(ns, to_addr);
CREATE INDEX IF NOT EXISTS message_user ON message(ns, username);
CREATE TABLE IF NOT EXISTS sync_account (
    username TEXT PRIMARY KEY,
    password_hash TEXT NOT NULL,
    madonvi TEXT,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS sync_session (
    ns TEXT NOT NULL,
    session_hash TEXT NOT NULL,
    username TEXT NOT NULL,
    madonvi TEXT,
    expires_at REAL NOT NULL,
    PRIMARY KEY (ns, session_hash)
);
CREATE TABLE IF NOT EXISTS synced_dossier (
    ns TEXT NOT NULL,
    ma_ho_so TEXT NOT NULL,
    ma_tthc TEXT NOT NULL,
    madonvi TEXT,
    status INTEGER NOT NULL,
    data TEXT NOT NULL,
    created_hash TEXT NOT NULL,            -- content of the first push, to recognise its replays
    content_hash TEXT NOT NULL,
    last_progress_at TEXT,                 -- ThoiDiemXuLy of the newest progress item
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (ns, ma_ho_so)
);
CREATE TABLE IF NOT EXISTS dossier_progress (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ns TEXT NOT NULL,
    ma_ho_so TEXT NOT NULL,
    item_hash TEXT NOT NULL,
    data TEXT NOT NULL,
    received_at TEXT NOT NULL,
    UNIQUE (ns, ma_ho_so, item_hash)
);
"""

NAMESPACED_TABLES: tuple[str, ...] = (
    "account", "otp_code", "message", "sync_session", "synced_dossier", "dossier_progress",
    *oidc_provider.NAMESPACED_TABLES,
)
