"""Officers of the one-stop back office: an account per person, in one agency, with one role.

Roles (Decree 61/2018 Art. 12–13, as one-stop systems model them):
- `desk` — cán bộ tiếp nhận và trả kết quả at the one-stop desk: receives or refuses dossiers,
  enters counter and postal dossiers, asks for a supplement, returns results;
- `specialist` — chuyên viên xử lý: processes, asks for a supplement or for payment, records the result;
- `leader` — lãnh đạo: everything a specialist does, plus stopping a dossier and the
  re-scheduling (apology slip).
What each role may do is the transition table (dossier/transitions.py). An officer sees and acts on the dossiers
of their own agency only. Officer accounts are namespaced test data (`POST /_admin/officers`).
Log-in follows the shared rule of mocks/core/throttle.py: 5 wrong passwords lock the user
name for 15 minutes of the namespace clock, whether or not an officer has that name.
"""

from __future__ import annotations

import re
import secrets
import sqlite3
from dataclasses import dataclass, replace
from typing import Any

from mocks.core.clock import Clock
from mocks.core.errors import Conflict, DomainError, NotFound
from mocks.core.security import hash_password
from mocks.core.storage import Store
from mocks.core.throttle import LOGIN_LIMIT, LoginThrottle
from mocks.core.timefmt import to_iso

from .catalogue import Catalogue
from .eras import Catalogues

DESK, SPECIALIST, LEADER = "desk", "specialist", "leader"
ROLES: dict[str, str] = {
    DESK: "Cán bộ tiếp nhận và trả kết quả",
    SPECIALIST: "Chuyên viên xử lý",
    LEADER: "Lãnh đạo",
}
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
# The password of the demo officers that `POST /_admin/seed` creates.
DEMO_PASSWORD = "CanBo@2022"
# Demo officers: (username prefix, agency code). Sở Tư pháp, UBND TP Tam Kỳ, UBND Phường Tân Thạnh.
DEMO_AGENCIES: tuple[tuple[str, str], ...] = (("tuphap", "000.00.12.H47"), ("tamky", "000.20.30.H47"),
                                              ("tanthanh", "001.20.30.H47"))

DDL = """
CREATE TABLE IF NOT EXISTS officer (
    ns TEXT NOT NULL,
    username TEXT NOT NULL,
    full_name TEXT NOT NULL,
    agency_code TEXT NOT NULL,
    role TEXT NOT NULL,
    email TEXT,
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (ns, username)
);
"""


@dataclass(frozen=True)
class Officer:
    username: str
    full_name: str
    agency_code: str
    agency_name: str
    tier: str
    role: str
    email: str | None
    created_at: str

    @property
    def role_name(self) -> str:
        return ROLES[self.role]

    def to_json(self) -> dict[str, Any]:
        return {"username": self.username, "full_name": self.full_name, "agency_code": self.agency_code,
                "agency_name": self.agency_name, "tier": self.tier, "role": self.role, "role_name": self.role_name,
                "email": self.email, "created_at": self.created_at}


class Officers:
    def __init__(self, store: Store, clock: Clock, catalogue: Catalogue | Catalogues) -> None:
        self.store = store
        self.clock = clock
        self.catalogue = catalogue
        store.migrate(DDL)
        self.logins = LoginThrottle(store, clock, replace(LOGIN_LIMIT, scope="officer-login"))

    def _from_row(self, row: sqlite3.Row) -> Officer:
        agency = self.catalogue.agency(row["agency_code"])
        return Officer(row["username"], row["full_name"], row["agency_code"], agency.name if agency else "",
                       agency.tier if agency else "", row["role"], row["email"], row["created_at"])

    def create(self, ns: str, *, username: str, full_name: str, agency_code: str, role: str,
               password: str | None = None, email: str | None = None) -> tuple[Officer, str]:
        """A new officer and the password to log in with (generated when not given); 409 when the name is taken."""
        problems = []
        if not isinstance(username, str) or not USERNAME.match(username):
            problems.append({"field": "username", "problem": "3–64 ký tự chữ thường, số, '.', '_' hoặc '-'"})
        if not isinstance(full_name, str) or not full_name.strip() or len(full_name) > 200:
            problems.append({"field": "full_name", "problem": "bắt buộc, tối đa 200 ký tự"})
        if role not in ROLES:
            problems.append({"field": "role", "problem": "desk, specialist hoặc leader"})
        if password is not None and (not isinstance(password, str) or not 8 <= len(password) <= 200):
            problems.append({"field": "password", "problem": "8–200 ký tự"})
        if problems:
            fields = ", ".join(p["field"] for p in problems)
            raise DomainError("INVALID_OFFICER", f"Thông tin cán bộ không hợp lệ: {fields}.",
                              f"Invalid officer: {fields}.", details=problems)
        agency = self.catalogue.agency(agency_code) if isinstance(agency_code, str) else None
        if agency is None:
            raise NotFound("AGENCY_NOT_FOUND", f"Không tìm thấy cơ quan có mã '{agency_code}'.",
                           f"No agency with code '{agency_code}'.")
        password = password or secrets.token_urlsafe(12)
        try:
            self.store.execute(
                "INSERT INTO officer(ns, username, full_name, agency_code, role, email, password_hash, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (ns, username, full_name.strip(), agency.code, role, email, hash_password(password),
                 to_iso(self.clock.now(ns))),
            )
        except sqlite3.IntegrityError:
            raise Conflict("OFFICER_EXISTS", f"Tên đăng nhập '{username}' đã được dùng.",
                           f"The user name '{username}' is taken.") from None
        return self.get(ns, username), password

    def find(self, ns: str, username: str) -> Officer | None:
        if not isinstance(username, str):
            return None
        row = self.store.one("SELECT * FROM officer WHERE ns = ? AND username = ?", (ns, username))
        return None if row is None else self._from_row(row)

    def get(self, ns: str, username: str) -> Officer:
        officer = self.find(ns, username)
        if officer is None:
            raise NotFound("OFFICER_NOT_FOUND", f"Không có cán bộ '{username}'.", f"No officer '{username}'.")
        return officer

    def authenticate(self, ns: str, username: Any, password: Any) -> Officer:
        """Both doors (JSON API and the log-in page) come here: the lock is checked before the password."""
        name = username.strip() if isinstance(username, str) else ""
        row = self.logins.log_in(ns, name, "officer", password, "Sai tên đăng nhập hoặc mật khẩu.",
                                 "Wrong user name or password.", code="OFFICER_LOGIN_FAILED")
        return self._from_row(row)

    def list(self, ns: str, agency_code: str | None = None) -> list[Officer]:
        sql, args = "SELECT * FROM officer WHERE ns = ?", [ns]
        if agency_code:
            sql += " AND agency_code = ?"
            args.append(agency_code)
        return [self._from_row(r) for r in self.store.query(sql + " ORDER BY agency_code, role, username", args)]

    def seed_demo(self, ns: str) -> list[dict[str, Any]]:
        """The demo officers (one per role in three agencies), password DEMO_PASSWORD; kept when they exist."""
        made = []
        names = {DESK: "Trần Thị Mai", SPECIALIST: "Lê Văn Hùng", LEADER: "Nguyễn Văn Bình"}
        for prefix, agency in DEMO_AGENCIES:
            for role, name in names.items():
                username = f"{prefix}.{role}"
                if self.find(ns, username) is None:
                    self.create(ns, username=username, full_name=name, agency_code=agency, role=role,
                                password=DEMO_PASSWORD)
                made.append({**self.get(ns, username).to_json(), "password": DEMO_PASSWORD})
        return made

    def reset(self, ns: str) -> None:
        self.store.execute("DELETE FROM officer WHERE ns = ?", (ns,))
        self.logins.reset(ns)

