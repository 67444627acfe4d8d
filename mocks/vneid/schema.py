"""VNeID's tables. Namespaced rows carry `ns`; the identity provider's own are mocks/core/oidc_provider.py's."""

from mocks.core import oidc_provider

DDL = """
CREATE TABLE IF NOT EXISTS identity (
    ns TEXT NOT NULL,
    username TEXT NOT NULL,                -- a person's 12-digit number; an organisation's tax or agency code
    kind TEXT NOT NULL,                    -- person | organisation
    level INTEGER NOT NULL,                -- 1 | 2 (Decree 69/2024/NĐ-CP: "mức độ 1", "mức độ 2")
    full_name TEXT NOT NULL,               -- the person; an organisation's name
    birth_date TEXT,
    gender TEXT,
    phone TEXT,
    email TEXT,
    password_hash TEXT NOT NULL,
    organisation_type TEXT,                -- business | agency
    representative TEXT,                   -- an organisation's: the person whose app approves its log-ins
    subject TEXT NOT NULL,
    tech_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (ns, username)
);
CREATE TABLE IF NOT EXISTS approval (
    ns TEXT NOT NULL,
    id TEXT NOT NULL,
    method TEXT NOT NULL,                  -- password | qr
    username TEXT,                         -- who logs in (a QR code's: set when the app scans it)
    approver TEXT,                         -- whose app is asked (a person; an organisation's representative)
    status TEXT NOT NULL,                  -- pending | approved | denied | expired | used
    qr_hash TEXT,                          -- digest of the QR code's token
    browser TEXT NOT NULL,                 -- digest of the browser session that asked: only it may use the approval
    created_at TEXT NOT NULL,
    expires_at REAL NOT NULL,              -- namespace clock, epoch seconds
    decided_at TEXT,
    PRIMARY KEY (ns, id)
);
CREATE INDEX IF NOT EXISTS approval_qr ON approval(ns, qr_hash);
-- the sweep of approvals left to expire, before every look: the pending ones only, not every log-in there was
CREATE INDEX IF NOT EXISTS approval_due ON approval(ns, status, expires_at);
CREATE TABLE IF NOT EXISTS app_setting (
    ns TEXT PRIMARY KEY,
    auto_approve INTEGER NOT NULL DEFAULT 0
);
"""

NAMESPACED_TABLES: tuple[str, ...] = ("identity", "approval", "app_setting", *oidc_provider.NAMESPACED_TABLES)
