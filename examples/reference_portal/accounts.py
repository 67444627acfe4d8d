"""Local accounts linked to national SSO log-ins, and the portal's own sessions."""

from __future__ import annotations

import secrets
from typing import Any

from .dossiers import now_iso
from .store import Store

SESSION_COOKIE = "ref_session"  # a name of our own: browsers share cookies across ports of one host


def id_number(claims: dict[str, Any]) -> str:
    """The ID number the account is known by: citizen SoDinhDanh, business MaSoThue, agency MaCoQuan."""
    return str(claims.get("SoDinhDanh") or claims.get("MaSoThue") or claims.get("MaCoQuan") or "")


def link(store: Store, claims: dict[str, Any]) -> tuple[int, str]:
    """Known TechID -> that account; else the same ID number -> linked; else a new account. (id, rule)"""
    tech_id, number = str(claims.get("TechID") or claims["sub"]), id_number(claims)
    name = str(claims.get("HoVaTen") or claims.get("TenDoanhNghiep") or claims.get("TenCoQuan") or number)
    with store.tx() as db:
        row = db.execute("SELECT id FROM accounts WHERE tech_id = ?", (tech_id,)).fetchone()
        rule = "techid"
        if row is None and number:
            row = db.execute("SELECT id FROM accounts WHERE id_number = ? AND tech_id IS NULL", (number,)).fetchone()
            rule = "id_number"
        if row is None:
            account_id = db.execute("INSERT INTO accounts (id_number, created_at) VALUES (?, ?)",
                                    (number, now_iso())).lastrowid
            rule = "created"
        else:
            account_id = row["id"]
        # The national side is the source of the person's details: refresh them on every log-in.
        db.execute("UPDATE accounts SET tech_id = ?, full_name = ?, email = ?, phone = ? WHERE id = ?",
                   (tech_id, name, claims.get("ThuDienTu") or "", claims.get("SoDienThoai") or "", account_id))
        db.execute("INSERT INTO logins (account_id, rule, at) VALUES (?, ?, ?)", (account_id, rule, now_iso()))
    return int(account_id), rule  # type: ignore[arg-type]


def open_session(store: Store, account_id: int) -> str:
    token = secrets.token_urlsafe(32)
    with store.tx() as db:
        db.execute("INSERT INTO sessions VALUES (?, ?, ?)", (token, account_id, now_iso()))
    return token


def account_of(store: Store, token: str | None) -> dict[str, Any] | None:
    if not token:
        return None
    return store.one("SELECT a.* FROM sessions s JOIN accounts a ON a.id = s.account_id WHERE s.token = ?", token)


def close_session(store: Store, token: str | None) -> None:
    with store.tx() as db:
        db.execute("DELETE FROM sessions WHERE token = ?", (token or "",))
