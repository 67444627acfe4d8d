"""Electronic identities (Decree 69/2024/NĐ-CP): people at level 1 or 2, and organisations.

A person's identity is keyed by the 12-digit personal number (số định danh cá nhân). Level 1 lets a
citizen into the identity system's basic features; level 2, checked against the population database
by the police, carries the full electronic ID ("Tài khoản định danh điện tử mức độ 2 có giá trị như
Căn cước"). An organisation's identity (from 1 July 2025 the only way a business or an agency logs
in: Decree 69/2024/NĐ-CP Art. 40(4)) is keyed by its tax code or agency code and is held by its legal
representative, a person of level 2, whose app approves its log-ins.

In the emulator, identities are made on the admin surface (the real ones in the VNeID app and at the
police): `create` checks every value, as a registration would.
"""

from __future__ import annotations

import sqlite3
import uuid
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from mocks.core.clock import Clock
from mocks.core.errors import Conflict, DomainError, Forbidden, NotFound
from mocks.core.identifiers import (
    InvalidIdentifier,
    check_agency_code,
    check_tax_code,
    normalise_mobile,
    parse_citizen_id,
)
from mocks.core.security import WeakPassword, check_new_password, hash_password
from mocks.core.storage import Store
from mocks.core.throttle import LoginThrottle
from mocks.core.timefmt import to_iso

LEVELS: tuple[int, ...] = (1, 2)
ORGANISATION_TYPES: tuple[str, ...] = ("business", "agency")
# LoaiTaiKhoan of the claims, as DVCQG's [code]: 1 citizen, 2 business; 3 agency [assumed].
LOAI_TAI_KHOAN: dict[str, int] = {"person": 1, "business": 2, "agency": 3}
GENDERS: dict[str, str] = {"male": "Nam", "female": "Nữ"}


@dataclass(frozen=True)
class Identity:
    username: str
    kind: str
    level: int
    full_name: str
    subject: str
    tech_id: str
    created_at: str
    birth_date: str | None = None
    gender: str | None = None
    phone: str | None = None
    email: str | None = None
    organisation_type: str | None = None
    representative: str | None = None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Identity:
        names = {f.name for f in fields(cls)}
        return cls(**{k: row[k] for k in row.keys() if k in names})  # noqa: SIM118 (Row is not a dict)

    @property
    def approver(self) -> str:
        """Whose app approves a log-in: the person's own; an organisation's representative's."""
        return self.representative if self.kind == "organisation" and self.representative else self.username

    @property
    def acr(self) -> str:
        """The id token's `acr` for this identity's log-in: `LoA1`, `LoA2` [assumed encoding of the levels]."""
        return f"LoA{self.level}"

    def public(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def claims(self, representative: Identity | None = None) -> dict[str, Any]:
        """VNeID's userinfo claims (DOMAIN.md §4: sub, LoaiTaiKhoan, SoDinhDanh, HoVaTen, NgayThangNamSinh,
        TechID, loAs, IAL), and for an organisation its code and name and its representative's number."""
        birth = ""
        if self.birth_date:
            y, m, d = self.birth_date.split("-")
            birth = f"{d}/{m}/{y}"   # dd/MM/yyyy, as DVCQG's [assumed]
        claims: dict[str, Any] = {
            "sub": self.subject, "TechID": self.tech_id, "IAL": self.level,
            "loAs": [f"LoA{n}" for n in LEVELS if n <= self.level],
            "SoDienThoai": self.phone or "", "ThuDienTu": self.email or "",
        }
        if self.kind == "person":
            return {**claims, "LoaiTaiKhoan": LOAI_TAI_KHOAN["person"], "SoDinhDanh": self.username,
                    "HoVaTen": self.full_name, "NgayThangNamSinh": birth,
                    "GioiTinh": GENDERS.get(self.gender or "", "")}
        kind = self.organisation_type or "business"
        held_by = representative.full_name if representative is not None else ""
        return {**claims, "LoaiTaiKhoan": LOAI_TAI_KHOAN[kind], "TenToChuc": self.full_name,
                "SoDinhDanh": self.representative or "", "HoVaTen": held_by,
                "MaSoThue": self.username if kind == "business" else "",
                "MaSoDoanhNghiep": self.username if kind == "business" else "",
                "MaCoQuan": self.username if kind == "agency" else ""}


def _invalid(code: str, vi: str, en: str, field: str) -> DomainError:
    return DomainError(code, vi, en, details={"field": field})


def _checked(fn: Any, value: Any, field: str, **kwargs: Any) -> Any:
    if not isinstance(value, str) or not value.isascii():
        value = ""
    try:
        return fn(value, **kwargs)
    except InvalidIdentifier as exc:
        raise _invalid(exc.code, exc.vi, exc.en, field) from exc


def _name(value: Any, field: str, label: str) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text or len(text) > 300:
        raise _invalid("MISSING_FIELD", f"Vui lòng nhập {label} (tối đa 300 ký tự).",
                       f"{field} is required (at most 300 characters).", field)
    return text


class IdentityBook:
    """The namespace's identities, and the password step of a log-in."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self.logins = LoginThrottle(store, clock)

    def reset(self, ns: str) -> None:
        self.logins.throttle.reset(ns)

    def create(self, ns: str, data: dict[str, Any]) -> Identity:
        """A new identity (409 when the number or code is taken); DomainError names the first bad field."""
        kind = data.get("kind") or "person"
        if kind not in ("person", "organisation"):
            raise _invalid("INVALID_KIND", "Loại định danh phải là cá nhân hoặc tổ chức.",
                           "kind must be person or organisation.", "kind")
        now = self.clock.now(ns)
        row = self._person(ns, data, now) if kind == "person" else self._organisation(ns, data)
        try:
            check_new_password(data.get("password"))
        except WeakPassword as exc:
            raise _invalid(exc.code, exc.vi, exc.en, exc.field) from exc
        phone = data.get("phone")
        row.update(ns=ns, kind=kind, password_hash=hash_password(str(data["password"])), created_at=to_iso(now),
                   subject=uuid.uuid4().hex, tech_id=str(uuid.uuid4()),
                   phone=_checked(normalise_mobile, phone, "phone") if phone else None,
                   email=(data.get("email") or "").strip()[:254] or None)
        try:
            self.store.execute(f"INSERT INTO identity({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
                               tuple(row.values()))
        except sqlite3.IntegrityError as exc:
            raise Conflict("IDENTITY_EXISTS", f"Đã có tài khoản định danh điện tử {row['username']}.",
                           f"There is already an electronic identity {row['username']}.",
                           details={"field": "username"}) from exc
        made = self.get(ns, row["username"])
        assert made is not None
        return made

    def _person(self, ns: str, data: dict[str, Any], now: datetime) -> dict[str, Any]:
        citizen = _checked(parse_citizen_id, (data.get("id_number") or "").strip(), "id_number", today=now.date())
        level = data.get("level", 2)
        if level not in LEVELS:
            raise _invalid("INVALID_LEVEL", "Mức độ tài khoản định danh điện tử là 1 hoặc 2.",
                           "The identity level is 1 or 2.", "level")
        birth = (data.get("birth_date") or "").strip() or None
        if birth is not None:
            try:
                born = datetime.strptime(birth, "%Y-%m-%d").date()
            except ValueError as exc:
                raise _invalid("INVALID_BIRTH_DATE", "Ngày sinh có dạng yyyy-mm-dd.",
                               "birth_date is yyyy-mm-dd.", "birth_date") from exc
            if born.year != citizen.birth_year:
                raise _invalid("ID_BIRTH_YEAR_MISMATCH", "Năm sinh không khớp với số định danh cá nhân.",
                               "The birth year does not match the personal number.", "birth_date")
        return {"username": citizen.number, "level": level, "full_name": _name(data.get("full_name"), "full_name",
                "họ và tên"), "birth_date": birth, "gender": citizen.gender}

    def _organisation(self, ns: str, data: dict[str, Any]) -> dict[str, Any]:
        kind = data.get("organisation_type") or "business"
        if kind not in ORGANISATION_TYPES:
            raise _invalid("INVALID_ORGANISATION_TYPE", "Tổ chức là doanh nghiệp hoặc cơ quan.",
                           "organisation_type is business or agency.", "organisation_type")
        code = data.get("code")
        username = _checked(check_tax_code if kind == "business" else check_agency_code, code, "code")
        held_by = self.get(ns, str(data.get("representative") or ""))
        if held_by is None or held_by.kind != "person" or held_by.level < 2:
            raise _invalid("REPRESENTATIVE_NOT_LEVEL_2",
                           "Người đại diện phải có tài khoản định danh điện tử mức độ 2.",
                           "The representative must hold a level-2 electronic identity.", "representative")
        return {"username": username, "level": 2, "organisation_type": kind, "representative": held_by.username,
                "full_name": _name(data.get("name"), "name", "tên tổ chức")}

    def get(self, ns: str, username: str) -> Identity | None:
        row = self.store.one("SELECT * FROM identity WHERE ns = ? AND username = ?", (ns, _username(username)))
        return None if row is None else Identity.from_row(row)

    def require(self, ns: str, username: str) -> Identity:
        found = self.get(ns, username)
        if found is None:
            raise NotFound("IDENTITY_NOT_FOUND", "Không tìm thấy tài khoản định danh điện tử.", "No such identity.")
        return found

    def all(self, ns: str) -> list[Identity]:
        return [Identity.from_row(r) for r in self.store.query(
            "SELECT * FROM identity WHERE ns = ? ORDER BY created_at, username", (ns,))]

    def set_level(self, ns: str, username: str, level: int) -> Identity:
        """A person's level after the police's check (1 → 2), or back (tests of a level-1 identity)."""
        found = self.require(ns, username)
        if found.kind != "person" or level not in LEVELS:
            raise DomainError("INVALID_LEVEL", "Chỉ tài khoản cá nhân có mức độ 1 hoặc 2.",
                              "Only a person's identity has level 1 or 2.")
        self.store.execute("UPDATE identity SET level = ? WHERE ns = ? AND username = ?", (level, ns, found.username))
        return self.require(ns, username)

    def claims(self, ns: str, identity: Identity) -> dict[str, Any]:
        representative = self.get(ns, identity.representative) if identity.representative else None
        return identity.claims(representative)

    def authenticate(self, ns: str, username: str, password: str) -> Identity:
        """The first step of a log-in: the number (or code) and the password; the lock is checked first."""
        name = _username(username)
        row = self.logins.log_in(ns, name, "identity", password, "Số định danh hoặc mật khẩu không đúng.",
                                 "Wrong identity number or password.")
        identity = Identity.from_row(row)
        if identity.kind == "organisation" and self.get(ns, identity.approver) is None:
            raise Forbidden("REPRESENTATIVE_UNKNOWN", "Tổ chức chưa có người đại diện có tài khoản định danh.",
                            "The organisation's representative holds no identity.")
        return identity


class Subjects:
    """The identity provider's view of the identities (mocks/core/oidc_provider.Subjects): claims with the
    organisation's representative filled in."""

    def __init__(self, book: IdentityBook) -> None:
        self.book = book

    def get(self, ns: str, username: str) -> Any:
        identity = self.book.get(ns, username)
        return None if identity is None else _Subject(identity, self.book.claims(ns, identity))


@dataclass(frozen=True)
class _Subject:
    identity: Identity
    claimed: dict[str, Any]

    @property
    def username(self) -> str:
        return self.identity.username

    @property
    def subject(self) -> str:
        return self.identity.subject

    def claims(self) -> dict[str, Any]:
        return self.claimed


def _username(username: Any) -> str:
    return username.strip().upper() if isinstance(username, str) else ""
