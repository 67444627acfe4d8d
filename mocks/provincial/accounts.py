"""Local accounts of the portal, linked to national SSO identities (DVCQG's OpenID Connect log-in).

A log-in through the national SSO is linked to a local account by three rules, in order:
the TechID is known → that account; else an account with the same ID number (SoDinhDanh,
or MaSoThue for a business, MaCoQuan for an agency) → link it to the TechID; else → create
one. Which rule applied is returned and kept on the account (and in the log-in record).
"""

from __future__ import annotations

import sqlite3
import uuid
from dataclasses import dataclass
from typing import Any

from mocks.core.clock import Clock
from mocks.core.errors import DomainError, NotFound
from mocks.core.storage import Store, dumps, loads
from mocks.core.timefmt import to_iso

LINK_BY_TECHID = "techid"
LINK_BY_ID_NUMBER = "id_number"
LINK_CREATED = "created"

# LoaiTaiKhoan of the SSO claims -> LoaiDoiTuong of a dossier (1 citizen, 2 business, 3 state agency).
ACCOUNT_TYPES: dict[int, str] = {1: "citizen", 2: "business", 3: "agency"}

DDL = """
CREATE TABLE IF NOT EXISTS account (
    ns TEXT NOT NULL,
    id TEXT NOT NULL,
    account_type INTEGER NOT NULL,      -- LoaiDoiTuong: 1 citizen, 2 business, 3 agency
    tech_id TEXT,
    id_number TEXT,
    full_name TEXT NOT NULL,
    email TEXT,
    phone TEXT,
    address TEXT,
    claims TEXT,
    link_rule TEXT,
    created_at TEXT NOT NULL,
    last_login_at TEXT,
    PRIMARY KEY (ns, id)
);
CREATE UNIQUE INDEX IF NOT EXISTS account_tech ON account(ns, tech_id) WHERE tech_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS account_idnum ON account(ns, id_number);
CREATE TABLE IF NOT EXISTS sso_login (
    ns TEXT NOT NULL,
    id INTEGER NOT NULL,
    account_id TEXT NOT NULL,
    tech_id TEXT NOT NULL,
    rule TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (ns, id)
);
"""


@dataclass(frozen=True)
class Account:
    id: str
    account_type: int
    tech_id: str | None
    id_number: str | None
    full_name: str
    email: str | None
    phone: str | None
    address: str | None
    link_rule: str | None
    created_at: str
    claims: dict[str, Any]

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Account:
        return cls(row["id"], row["account_type"], row["tech_id"], row["id_number"], row["full_name"],
                   row["email"], row["phone"], row["address"], row["link_rule"], row["created_at"],
                   loads(row["claims"]) or {})

    @property
    def verified_with_vneid(self) -> bool:
        """VNeID log-ins carry an identity assurance level (IAL) claim."""
        return bool(self.claims.get("IAL"))

    @property
    def identity_level(self) -> int:
        """The VNeID identity level of the last log-in's claims (`IAL`: 1 or 2); 0 without one."""
        try:
            return int(self.claims.get("IAL") or 0)
        except (TypeError, ValueError):
            return 0

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "account_type": self.account_type,
                "account_type_name": ACCOUNT_TYPES.get(self.account_type, "other"), "tech_id": self.tech_id,
                "id_number": self.id_number, "full_name": self.full_name, "email": self.email, "phone": self.phone,
                "address": self.address, "link_rule": self.link_rule, "created_at": self.created_at,
                "identity_level": self.identity_level, "verified_with_vneid": self.verified_with_vneid}


def _text(claims: dict[str, Any], *names: str) -> str:
    for name in names:
        value = claims.get(name)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return ""


def identity_from_claims(claims: dict[str, Any]) -> tuple[int, str, str]:
    """(account type, ID number, name) of the SSO claims; DomainError when they carry no identity."""
    tech_id = _text(claims, "TechID")
    try:
        kind = int(claims.get("LoaiTaiKhoan") or 1)
    except (TypeError, ValueError):
        kind = 1
    if kind not in ACCOUNT_TYPES:
        kind = 1
    if kind == 2:
        id_number = _text(claims, "MaSoThue", "MaSoDoanhNghiep")
        name = _text(claims, "TenDoanhNghiep", "HoVaTen")
    elif kind == 3:
        id_number = _text(claims, "MaCoQuan")
        name = _text(claims, "TenCoQuan", "HoVaTen")
    else:
        id_number = _text(claims, "SoDinhDanh", "SoCMND")
        name = _text(claims, "HoVaTen")
    if not tech_id:
        raise DomainError("SSO_CLAIMS_INCOMPLETE", "Thông tin tài khoản từ Cổng DVC quốc gia thiếu TechID.",
                          "The national SSO's claims carry no TechID.", status=502)
    return kind, id_number, name or id_number or tech_id


class Accounts:
    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        store.migrate(DDL)

    def link_sso(self, ns: str, claims: dict[str, Any]) -> tuple[Account, str]:
        """The local account of an SSO log-in, and the rule that linked it (techid | id_number | created)."""
        kind, id_number, name = identity_from_claims(claims)
        tech_id = _text(claims, "TechID")
        now = to_iso(self.clock.now(ns))
        details = {"email": _text(claims, "ThuDienTu") or None, "phone": _text(claims, "SoDienThoai") or None,
                   "address": _text(claims, "DiaChi", "NoiOHienNay", "ThuongTru") or None}
        with self.store.transaction() as conn:
            row = conn.execute("SELECT * FROM account WHERE ns = ? AND tech_id = ?", (ns, tech_id)).fetchone()
            if row is not None:
                rule, account_id = LINK_BY_TECHID, row["id"]
            else:
                row = None
                if id_number:
                    row = conn.execute(
                        "SELECT * FROM account WHERE ns = ? AND id_number = ? ORDER BY created_at LIMIT 1",
                        (ns, id_number),
                    ).fetchone()
                if row is not None:
                    rule, account_id = LINK_BY_ID_NUMBER, row["id"]
                else:
                    rule, account_id = LINK_CREATED, uuid.uuid4().hex
                    conn.execute(
                        "INSERT INTO account(ns, id, account_type, id_number, full_name, created_at) "
                        "VALUES (?, ?, ?, ?, ?, ?)",
                        (ns, account_id, kind, id_number or None, name, now),
                    )
            # Keep the local copy of the identity fresh; the national portal is the source of truth.
            conn.execute(
                "UPDATE account SET tech_id = ?, account_type = ?, full_name = ?, email = ?, phone = ?, address = ?,"
                " claims = ?, link_rule = ?, last_login_at = ?, id_number = COALESCE(?, id_number)"
                " WHERE ns = ? AND id = ?",
                (tech_id, kind, name, details["email"], details["phone"], details["address"], dumps(claims), rule,
                 now, id_number or None, ns, account_id),
            )
            next_id = conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM sso_login WHERE ns = ?", (ns,)).fetchone()[0]
            conn.execute("INSERT INTO sso_login(ns, id, account_id, tech_id, rule, at) VALUES (?, ?, ?, ?, ?, ?)",
                         (ns, next_id, account_id, tech_id, rule, now))
            account = Account.from_row(
                conn.execute("SELECT * FROM account WHERE ns = ? AND id = ?", (ns, account_id)).fetchone()
            )
        return account, rule

    def create_local(self, ns: str, *, full_name: str, id_number: str | None = None, account_type: int = 1,
                     email: str | None = None, phone: str | None = None, address: str | None = None) -> Account:
        """An account known to the portal before its owner ever logged in through SSO (counter, migration)."""
        if account_type not in ACCOUNT_TYPES:
            raise DomainError("INVALID_ACCOUNT_TYPE", "Loại tài khoản phải là 1, 2 hoặc 3.",
                              "account_type must be 1, 2 or 3.")
        if not full_name or not full_name.strip():
            raise DomainError("FULL_NAME_REQUIRED", "Thiếu họ tên.", "full_name is required.")
        account_id = uuid.uuid4().hex
        self.store.execute(
            "INSERT INTO account(ns, id, account_type, id_number, full_name, email, phone, address, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (ns, account_id, account_type, id_number or None, full_name.strip(), email, phone, address,
             to_iso(self.clock.now(ns))),
        )
        return self.get(ns, account_id)

    def find_or_create_by_id_number(self, ns: str, *, id_number: str, full_name: str, account_type: int = 1,
                                    email: str | None = None, phone: str | None = None,
                                    address: str | None = None) -> Account:
        """The account of the person a paper dossier names: by ID number, or a new local one.

        So an applicant who hands in at the counter finds the dossier on the portal after an SSO
        log-in (the log-in links by the same ID number).
        """
        row = self.store.one("SELECT * FROM account WHERE ns = ? AND id_number = ? ORDER BY created_at LIMIT 1",
                             (ns, id_number))
        if row is not None:
            return Account.from_row(row)
        return self.create_local(ns, full_name=full_name, id_number=id_number, account_type=account_type,
                                 email=email, phone=phone, address=address)

    def find(self, ns: str, account_id: str) -> Account | None:
        row = self.store.one("SELECT * FROM account WHERE ns = ? AND id = ?", (ns, account_id))
        return None if row is None else Account.from_row(row)

    def get(self, ns: str, account_id: str) -> Account:
        account = self.find(ns, account_id)
        if account is None:
            raise NotFound("ACCOUNT_NOT_FOUND", "Không tìm thấy tài khoản.", "No such account.")
        return account

    def all(self, ns: str) -> list[Account]:
        return [Account.from_row(r) for r in self.store.query("SELECT * FROM account WHERE ns = ? ORDER BY created_at",
                                                              (ns,))]

    def logins(self, ns: str) -> list[dict[str, Any]]:
        rows = self.store.query("SELECT * FROM sso_login WHERE ns = ? ORDER BY id", (ns,))
        return [{"account_id": r["account_id"], "tech_id": r["tech_id"], "rule": r["rule"], "at": r["at"]}
                for r in rows]

    def reset(self, ns: str) -> None:
        self.store.delete_namespace(ns, ("sso_login", "account"))
