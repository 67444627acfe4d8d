"""National accounts: registration of citizens, businesses and agencies, one-time codes, log-in.

A new account is `pending` until its owner types the 6-digit code sent to both the
phone (SMS) and the e-mail address; the messages go to the `message` table, which
the admin surface exposes so tests can read the codes.

Guessing is limited (mocks/core/throttle.py, on the namespace clock): a code dies after 5
wrong tries, and an account gets at most 10 wrong tries and 5 codes an hour whatever the
number of codes (a new code does not give new tries); log-in locks a user name for 15
minutes after 5 wrong passwords.
"""

from __future__ import annotations

import contextlib
import re
import sqlite3
import uuid
from dataclasses import asdict, dataclass, fields
from datetime import date, datetime, timedelta
from typing import Any

from mocks.core.clock import Clock
from mocks.core.errors import Conflict, DomainError, Forbidden, NotFound
from mocks.core.identifiers import InvalidIdentifier, check_tax_code, normalise_mobile, parse_citizen_id
from mocks.core.identifiers import check_agency_code as check_agency_identifier
from mocks.core.security import WeakPassword, check_new_password, hash_password, new_otp
from mocks.core.storage import Store
from mocks.core.throttle import Limit, LoginThrottle, Throttle, TooManyAttempts, minutes, tries_left
from mocks.core.timefmt import to_iso
from mocks.core.world import Worlds

ACCOUNT_TYPES: tuple[str, ...] = ("citizen", "business", "agency")
# LoaiTaiKhoan of the userinfo claims: 1 citizen, 2 business [code]; 3 agency [assumed].
LOAI_TAI_KHOAN: dict[str, int] = {"citizen": 1, "business": 2, "agency": 3}
OTP_SECONDS = 300
OTP_MAX_TRIES = 5  # wrong tries of one code
# Per account, whatever the number of codes it asked for: wrong tries and codes sent in an hour.
OTP_TRIES_LIMIT = Limit("otp-confirm", max_count=10, window_seconds=3600, lock_seconds=3600)
OTP_SENDS_LIMIT = Limit("otp-send", max_count=5, window_seconds=3600, lock_seconds=3600)

_EMAIL = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9\-]{1,63})+$")
_OTP = re.compile(r"^\d{6}$", re.ASCII)
_GENDERS = {"male": "male", "nam": "male", "m": "male", "female": "female", "nữ": "female", "nu": "female",
            "f": "female"}
_LIMITS = {"full_name": 200, "business_name": 300, "agency_name": 300, "address": 500}


@dataclass
class Registration:
    """What a registration form or request carries; the model checks every value."""

    account_type: str
    password: str
    email: str
    phone: str
    full_name: str | None = None
    id_number: str | None = None
    tax_code: str | None = None
    agency_code: str | None = None
    business_name: str | None = None
    agency_name: str | None = None
    birth_date: str | None = None
    gender: str | None = None
    address: str | None = None
    password_confirm: str | None = None

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> Registration:
        known = {f.name for f in fields(cls)}
        values = {k: (v if isinstance(v, str) or v is None else str(v)) for k, v in data.items() if k in known}
        for required in ("account_type", "password", "email", "phone"):
            values.setdefault(required, "")
        return cls(**values)


@dataclass(frozen=True)
class Account:
    username: str
    account_type: str
    status: str
    full_name: str
    email: str
    phone: str
    tech_id: str
    subject: str
    created_at: str
    id_number: str | None = None
    tax_code: str | None = None
    agency_code: str | None = None
    organisation_name: str | None = None
    birth_date: str | None = None
    gender: str | None = None
    address: str | None = None
    activated_at: str | None = None
    vneid_subject: str | None = None    # the VNeID identity it is linked to (its `sub` there)
    identity_level: int | None = None   # that identity's level, 1 or 2, at the last VNeID log-in

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Account:
        names = {f.name for f in fields(cls)}
        return cls(**{k: row[k] for k in row.keys() if k in names})  # noqa: SIM118 (Row is not a dict)

    def public(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if k != "vneid_subject"}

    @property
    def levels(self) -> list[str]:
        """The assurance levels its log-ins reach: a DVCQG password LoA1; a level-2 VNeID identity LoA1 and LoA2
        [assumed encoding: docs/protocols.md, "Identity levels"]."""
        return ["LoA1", "LoA2"] if (self.identity_level or 0) >= 2 else ["LoA1"]

    def claims(self) -> dict[str, Any]:
        """The DVCQG userinfo claims (docs/protocols.md, `/oauth2/userinfo`)."""
        birth = ""
        if self.birth_date:
            y, m, d = self.birth_date.split("-")
            birth = f"{d}/{m}/{y}"  # dd/MM/yyyy [assumed]
        business = self.account_type == "business"
        return {
            "sub": self.subject,
            "LoaiTaiKhoan": LOAI_TAI_KHOAN[self.account_type],
            "SoDinhDanh": self.id_number or "",
            "SoCMND": "",
            "MaSoThue": self.tax_code or "",
            "HoVaTen": self.full_name,
            "ThuDienTu": self.email,
            "SoDienThoai": self.phone,
            "GioiTinh": {"male": "Nam", "female": "Nữ"}.get(self.gender or "", ""),
            "NgayThangNamSinh": birth,
            "ThuongTru": self.address or "",
            "NoiOHienNay": self.address or "",
            "QuocTich": "VN",
            "TechID": self.tech_id,
            "loAs": self.levels,
            # the identity level when a VNeID electronic identity is linked (Decree 69/2024/NĐ-CP: 1 or 2)
            **({"IAL": self.identity_level} if self.identity_level else {}),
            "TaiKhoanDuocXacThucVoiVNeID": self.identity_level is not None,
            "MaSoDoanhNghiep": self.tax_code if business else "",
            "TenDoanhNghiep": self.organisation_name if business else "",
            "DiaChi": self.address or "",
            # agencies [assumed]: their code and name
            "MaCoQuan": self.agency_code or "",
            "TenCoQuan": self.organisation_name if self.account_type == "agency" else "",
        }


def _invalid(code: str, vi: str, en: str, field: str) -> DomainError:
    return DomainError(code, vi, en, details={"field": field})


def _text(value: str | None, field: str, label_vi: str, *, required: bool) -> str | None:
    value = (value or "").strip()
    if not value:
        if required:
            raise _invalid("MISSING_FIELD", f"Vui lòng nhập {label_vi}.", f"{field} is required.", field)
        return None
    limit = _LIMITS.get(field, 200)
    if len(value) > limit:
        raise _invalid("FIELD_TOO_LONG", f"{label_vi} dài quá {limit} ký tự.",
                       f"{field} is longer than {limit} characters.", field)
    return value


def check_password(password: str, confirm: str | None = None) -> None:
    try:
        check_new_password(password, confirm)
    except WeakPassword as exc:
        raise _invalid(exc.code, exc.vi, exc.en, exc.field) from exc


def check_email(email: str) -> str:
    email = (email or "").strip()
    if not email:
        raise _invalid("MISSING_FIELD", "Vui lòng nhập thư điện tử.", "email is required.", "email")
    if len(email) > 254 or not _EMAIL.match(email):
        raise _invalid("INVALID_EMAIL", "Địa chỉ thư điện tử không hợp lệ.", "Invalid e-mail address.", "email")
    return email.lower()


def check_agency_code(code: str | None) -> str:
    return _identifier(check_agency_identifier, code, "agency_code")


def parse_birth_date(text: str | None) -> date | None:
    text = (text or "").strip()
    if not text:
        return None
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise _invalid("INVALID_BIRTH_DATE", "Ngày sinh không hợp lệ (dạng yyyy-mm-dd hoặc dd/mm/yyyy).",
                   "Invalid birth date (yyyy-mm-dd or dd/mm/yyyy).", "birth_date")


def parse_gender(text: str | None) -> str | None:
    text = (text or "").strip().lower()
    if not text:
        return None
    if text not in _GENDERS:
        raise _invalid("INVALID_GENDER", "Giới tính phải là Nam hoặc Nữ.", "Gender must be male or female.", "gender")
    return _GENDERS[text]


def _identifier(fn: Any, value: Any, field: str, **kwargs: Any) -> Any:
    if not isinstance(value, str) or not value.isascii():
        value = ""  # the core's `\d` patterns would take other scripts' digits too
    try:
        return fn(value, **kwargs)
    except InvalidIdentifier as exc:
        raise _invalid(exc.code, exc.vi, exc.en, field) from exc


class AccountBook:
    """Accounts of the national portal, per namespace."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self.worlds = Worlds(clock)
        store.ensure_columns("account", {"vneid_subject": "TEXT", "identity_level": "INTEGER"})
        # every VNeID log-in finds its account by subject, under the write lock: a seek, not every account of the
        # namespace (found tracing a soaked namespace's statements: 0.6 ms at 8,000 accounts, and growing)
        store.execute("CREATE INDEX IF NOT EXISTS account_vneid ON account(ns, vneid_subject)")
        self.logins = LoginThrottle(store, clock)
        self.otp_tries = Throttle(store, clock, OTP_TRIES_LIMIT)
        self.otp_sends = Throttle(store, clock, OTP_SENDS_LIMIT)

    def reset(self, ns: str) -> None:
        """Forget the namespace's counts of wrong passwords, wrong codes and codes sent."""
        for throttle in (self.logins.throttle, self.otp_tries, self.otp_sends):
            throttle.reset(ns)

    # -- registration ---------------------------------------------------------------------
    def validate(self, ns: str, reg: Registration) -> dict[str, Any]:
        """The row to store for a registration; DomainError names the first bad field."""
        kind = (reg.account_type or "").strip().lower()
        if kind not in ACCOUNT_TYPES:
            raise _invalid("INVALID_ACCOUNT_TYPE", "Loại tài khoản phải là công dân, doanh nghiệp hoặc cơ quan.",
                           "account_type must be citizen, business or agency.", "account_type")
        today = self.clock.now(ns).date()
        row: dict[str, Any] = {"account_type": kind, "id_number": None, "tax_code": None, "agency_code": None,
                               "organisation_name": None, "birth_date": None, "gender": None}
        if kind == "citizen":
            citizen = _identifier(parse_citizen_id, (reg.id_number or "").strip(), "id_number", today=today)
            row["full_name"] = _text(reg.full_name, "full_name", "họ và tên", required=True)
            birth = parse_birth_date(reg.birth_date)
            gender = parse_gender(reg.gender)
            if birth is not None:
                if birth > today:
                    raise _invalid("INVALID_BIRTH_DATE", "Ngày sinh nằm trong tương lai.",
                                   "The birth date is in the future.", "birth_date")
                if birth.year != citizen.birth_year:
                    raise _invalid(
                        "ID_BIRTH_YEAR_MISMATCH",
                        f"Năm sinh {birth.year} không khớp với số định danh (năm {citizen.birth_year}).",
                        f"Birth year {birth.year} does not match the ID number ({citizen.birth_year}).",
                        "birth_date")
            if gender is not None and gender != citizen.gender:
                raise _invalid("ID_GENDER_MISMATCH", "Giới tính không khớp với số định danh cá nhân.",
                               "The gender does not match the ID number's century/gender digit.", "gender")
            row.update(username=citizen.number, id_number=citizen.number, gender=gender or citizen.gender,
                       birth_date=birth.isoformat() if birth else None)
        elif kind == "business":
            tax = _identifier(check_tax_code, reg.tax_code, "tax_code")
            name = _text(reg.business_name, "business_name", "tên doanh nghiệp", required=True)
            row.update(username=tax, tax_code=tax, organisation_name=name,
                       full_name=_text(reg.full_name, "full_name", "họ và tên", required=False) or name)
        else:
            code = check_agency_code(reg.agency_code)
            name = _text(reg.agency_name, "agency_name", "tên cơ quan", required=True)
            row.update(username=code, agency_code=code, organisation_name=name,
                       full_name=_text(reg.full_name, "full_name", "họ và tên", required=False) or name)
        row["phone"] = _identifier(normalise_mobile, reg.phone, "phone")
        row["email"] = check_email(reg.email)
        row["address"] = _text(reg.address, "address", "địa chỉ", required=False)
        check_password(reg.password, reg.password_confirm)
        return row

    def register(self, ns: str, reg: Registration) -> dict[str, Any]:
        """A pending account and its one-time code sent by SMS and e-mail; Conflict when the user name is taken;
        Forbidden once the account type logs in through VNeID (the namespace's world)."""
        row = self.validate(ns, reg)
        if self.worlds.of(ns).uses_vneid(row["account_type"]):
            raise retired(row["account_type"], registering=True)
        self._insert(ns, row, hash_password(reg.password), status="pending")
        return {"username": row["username"], "status": "pending", "sent_to": [row["phone"], row["email"]],
                "otp_expires_in": OTP_SECONDS}

    def create_active(self, ns: str, reg: Registration) -> Account:
        """An account that is active at once (seed data); the existing one when the user name is taken."""
        row = self.validate(ns, reg)
        existing = self.get(ns, row["username"])
        if existing is not None:
            return existing
        self._insert(ns, row, hash_password(reg.password), status="active")
        account = self.get(ns, row["username"])
        assert account is not None
        return account

    def _insert(self, ns: str, row: dict[str, Any], password_hash: str, *, status: str) -> None:
        now = self.clock.now(ns)
        values = {
            **row, "ns": ns, "status": status, "password_hash": password_hash,
            "tech_id": str(uuid.uuid4()), "subject": uuid.uuid4().hex,
            "created_at": to_iso(now), "activated_at": to_iso(now) if status == "active" else None,
        }
        cols = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        try:
            with self.store.transaction() as conn:
                conn.execute(f"INSERT INTO account({cols}) VALUES ({marks})", tuple(values.values()))
                if status == "pending":
                    self._send_code(conn, ns, row["username"], row["phone"], row["email"], now)
        except sqlite3.IntegrityError as exc:
            raise Conflict("ACCOUNT_EXISTS", f"Tên đăng nhập {row['username']} đã được đăng ký.",
                           f"User name {row['username']} is already registered.",
                           details={"field": "username"}) from exc

    def _send_code(self, conn: sqlite3.Connection, ns: str, username: str, phone: str, email: str,
                   now: datetime) -> str:
        wait = self.otp_sends.retry_after(ns, username)
        if wait is not None:
            raise TooManyAttempts(
                "OTP_SEND_LIMIT",
                f"Đã gửi quá {OTP_SENDS_LIMIT.max_count} mã xác thực; vui lòng thử lại sau {minutes(wait)} phút.",
                f"Too many codes sent ({OTP_SENDS_LIMIT.max_count}); try again in {minutes(wait)} minutes.", wait)
        self.otp_sends.record(ns, username)  # joins the caller's transaction
        code = new_otp()
        conn.execute(
            "INSERT INTO otp_code(ns, username, code, expires_at, attempts) VALUES (?, ?, ?, ?, 0) "
            "ON CONFLICT(ns, username) DO UPDATE SET code = excluded.code, expires_at = excluded.expires_at, "
            "attempts = 0",
            (ns, username, code, (now + timedelta(seconds=OTP_SECONDS)).timestamp()),
        )
        subject = "Mã xác thực tài khoản Cổng Dịch vụ công Quốc gia"
        body = (f"Mã xác thực (OTP) tài khoản {username} trên Cổng Dịch vụ công Quốc gia là {code}. "
                f"Mã có hiệu lực trong {OTP_SECONDS // 60} phút. Không cung cấp mã này cho người khác.")
        for channel, to in (("sms", phone), ("email", email)):
            conn.execute(
                "INSERT INTO message(ns, username, channel, to_addr, subject, body, otp, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (ns, username, channel, to, subject, body, code, to_iso(now)),
            )
        return code

    # -- one-time codes -------------------------------------------------------------------------
    def confirm(self, ns: str, username: str, otp: str) -> Account:
        """Activate a pending account with its code: expires after 5 minutes, dies after 5 wrong tries; the
        account's wrong tries are limited per hour too, so asking for new codes gives no new tries."""
        otp = (otp or "").strip() if isinstance(otp, str) else ""
        if not _OTP.match(otp):
            raise _invalid("INVALID_OTP_FORMAT", "Mã xác thực gồm 6 chữ số.", "The code is 6 digits.", "otp")
        now = self.clock.now(ns).timestamp()
        failure: DomainError | None = None
        with self.store.transaction() as conn:
            account = self._pending(conn, ns, username)
            row = conn.execute("SELECT code, expires_at, attempts FROM otp_code WHERE ns = ? AND username = ?",
                               (ns, account.username)).fetchone()
            wait = self.otp_tries.retry_after(ns, account.username)
            if wait is not None:
                failure = self._too_many_wrong_codes(wait)
            elif row is None or row["attempts"] >= OTP_MAX_TRIES:
                failure = DomainError("OTP_INVALIDATED", "Mã xác thực đã bị hủy, vui lòng yêu cầu gửi lại mã.",
                                      "The code is no longer valid; ask for a new one.", details={"field": "otp"})
            elif now > row["expires_at"]:
                failure = DomainError("OTP_EXPIRED", "Mã xác thực đã hết hạn, vui lòng yêu cầu gửi lại mã.",
                                      "The code has expired; ask for a new one.", details={"field": "otp"})
            elif otp != row["code"]:
                attempts = row["attempts"] + 1
                conn.execute("UPDATE otp_code SET attempts = ? WHERE ns = ? AND username = ?",
                             (attempts, ns, account.username))
                left = OTP_MAX_TRIES - attempts
                if self.otp_tries.record(ns, account.username) == 0:
                    failure = self._too_many_wrong_codes(int(OTP_TRIES_LIMIT.lock_seconds))
                elif left > 0:
                    failure = DomainError("OTP_WRONG", f"Mã xác thực không đúng, còn {left} lần thử.",
                                          f"Wrong code; {tries_left(left)}.", details={"field": "otp", "left": left})
                else:
                    failure = DomainError("OTP_INVALIDATED",
                                          "Nhập sai mã quá 5 lần, mã đã bị hủy; vui lòng yêu cầu gửi lại mã.",
                                          "Five wrong codes: this code is void; ask for a new one.",
                                          details={"field": "otp", "left": 0})
            else:
                conn.execute("DELETE FROM otp_code WHERE ns = ? AND username = ?", (ns, account.username))
                conn.execute("UPDATE account SET status = 'active', activated_at = ? WHERE ns = ? AND username = ?",
                             (to_iso(self.clock.now(ns)), ns, account.username))
                self.otp_tries.clear(ns, account.username)
                self.otp_sends.clear(ns, account.username)
        if failure is not None:  # raised after the commit, so a wrong try is counted
            raise failure
        confirmed = self.get(ns, account.username)
        assert confirmed is not None
        return confirmed

    @staticmethod
    def _too_many_wrong_codes(wait: int) -> TooManyAttempts:
        n, later = OTP_TRIES_LIMIT.max_count, minutes(wait)
        return TooManyAttempts(
            "OTP_LOCKED",
            f"Nhập sai mã xác thực quá {n} lần: tạm khóa xác thực tài khoản, vui lòng thử lại sau {later} phút.",
            f"Too many wrong codes ({n}): confirmation is locked for this account; try again in {later} minutes.",
            wait)

    def resend_code(self, ns: str, username: str) -> dict[str, Any]:
        """A new code replaces the old one (and its own 5 tries; the account's hourly limits go on counting)."""
        with self.store.transaction() as conn:
            account = self._pending(conn, ns, username)
            self._send_code(conn, ns, account.username, account.phone, account.email, self.clock.now(ns))
        return {"username": account.username, "status": "pending", "sent_to": [account.phone, account.email],
                "otp_expires_in": OTP_SECONDS}

    def _pending(self, conn: sqlite3.Connection, ns: str, username: str) -> Account:
        row = conn.execute("SELECT * FROM account WHERE ns = ? AND username = ?",
                           (ns, _username(username))).fetchone()
        if row is None:
            raise NotFound("ACCOUNT_NOT_FOUND", "Không tìm thấy tài khoản.", "No such account.")
        if row["status"] == "active":
            raise Conflict("ACCOUNT_ALREADY_ACTIVE", "Tài khoản đã được kích hoạt.", "The account is already active.")
        return Account.from_row(row)

    # -- log-in ---------------------------------------------------------------------------
    def authenticate(self, ns: str, username: str, password: str) -> Account:
        """Every log-in door (API, page, SSO page) comes here: the lock is checked before the password."""
        name = _username(username)
        account_row = self.logins.log_in(ns, name, "account", password, "Tên đăng nhập hoặc mật khẩu không đúng.",
                                         "Wrong user name or password.")
        account = Account.from_row(account_row)
        if self.worlds.of(ns).uses_vneid(account.account_type):
            raise retired(account.account_type)
        if account.status != "active":
            raise Forbidden("ACCOUNT_NOT_ACTIVE",
                            "Tài khoản chưa được kích hoạt: vui lòng nhập mã xác thực đã gửi tới điện thoại/thư.",
                            "The account is not active yet: confirm it with the one-time code.")
        return account

    def link_vneid(self, ns: str, claims: dict[str, Any]) -> tuple[Account, str]:
        """The account of a VNeID log-in and how it was found: `vneid` (linked before), `linked` (an account of the
        same ID number, tax code or agency code, linked now: an old DVCQG account carries on) or `created`."""
        kind, username, row = _from_vneid(claims, self.clock.now(ns).date())
        now = to_iso(self.clock.now(ns))
        with self.store.transaction() as conn:
            found = conn.execute("SELECT username FROM account WHERE ns = ? AND vneid_subject = ?",
                                 (ns, row["vneid_subject"])).fetchone()
            rule = "vneid"
            if found is None:
                found = conn.execute("SELECT username FROM account WHERE ns = ? AND username = ?",
                                     (ns, username)).fetchone()
                rule = "linked"
            if found is None:
                rule = "created"
                values = {**row, "ns": ns, "username": username, "account_type": kind, "status": "active",
                          "password_hash": VNEID_ONLY, "tech_id": str(uuid.uuid4()), "subject": uuid.uuid4().hex,
                          "created_at": now, "activated_at": now}
                conn.execute(f"INSERT INTO account({', '.join(values)}) VALUES ({', '.join('?' * len(values))})",
                             tuple(values.values()))
            else:   # the identity's level may have changed since; a pending account is now proven
                conn.execute("UPDATE account SET vneid_subject = ?, identity_level = ?, status = 'active', "
                             "activated_at = COALESCE(activated_at, ?) WHERE ns = ? AND username = ?",
                             (row["vneid_subject"], row["identity_level"], now, ns, found["username"]))
        account = self.get(ns, username if found is None else found["username"])
        assert account is not None
        return account, rule

    def get(self, ns: str, username: str) -> Account | None:
        row = self.store.one("SELECT * FROM account WHERE ns = ? AND username = ?", (ns, _username(username)))
        return None if row is None else Account.from_row(row)

    # -- the SMS/e-mail outbox ----------------------------------------------------------------
    def messages(self, ns: str, to: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        """Newest first; `to` is a phone number, an e-mail address or a user name."""
        sql = "SELECT * FROM message WHERE ns = ?"
        args: list[Any] = [ns]
        if to:
            to = to.strip()
            candidates = {to, to.lower(), to.upper()}
            with contextlib.suppress(InvalidIdentifier):
                candidates.add(normalise_mobile(to))
            marks = ", ".join("?" for _ in candidates)
            # two look-ups by index (message_to, message_user): with `ns = ? AND (to_addr IN ... OR username IN ...)`
            # SQLite read, and sorted, every message of the namespace, and a campaign's namespace has thousands
            sql = (f"SELECT * FROM message WHERE id IN (SELECT id FROM message WHERE ns = ? AND to_addr IN ({marks})"
                   f" UNION SELECT id FROM message WHERE ns = ? AND username IN ({marks}))")
            args = [ns, *candidates, ns, *candidates]
        rows = self.store.query(sql + " ORDER BY id DESC LIMIT ?", [*args, max(1, min(limit, 1000))])
        return [{"id": r["id"], "channel": r["channel"], "to": r["to_addr"], "username": r["username"],
                 "subject": r["subject"], "body": r["body"], "otp": r["otp"], "created_at": r["created_at"]}
                for r in rows]


# The password of an account made by a VNeID log-in: no password opens it (it is not a hash of anything).
VNEID_ONLY = "vneid-only"
LINK_HOW_VI = ("Chọn \"Đăng nhập bằng tài khoản định danh điện tử VNeID\": tài khoản này được liên kết tự động theo "
               "{key}, giữ nguyên thông tin và hồ sơ đã có.")
LINK_HOW_EN = ("Choose \"Đăng nhập bằng tài khoản định danh điện tử VNeID\" (log in with VNeID): this account is "
               "linked by its {key}, and keeps its data and dossiers.")


def retired(account_type: str, *, registering: bool = False) -> Forbidden:
    """The refusal of a DVCQG password (or registration) once the account type logs in through VNeID: Decree
    69/2024/NĐ-CP — a citizen's account until 30/6/2024 (Art. 40(3) [clause number assumed]), an
    organisation's until 30/6/2025 (Art. 40(4))."""
    if account_type == "citizen":
        since, key_vi, key_en = "01/7/2024", "số định danh cá nhân", "personal ID number"
        vi = ("Từ ngày 01/7/2024, công dân đăng nhập Cổng Dịch vụ công quốc gia bằng tài khoản định danh điện tử "
              "VNeID (Nghị định 69/2024/NĐ-CP); tài khoản Cổng Dịch vụ công quốc gia của công dân không còn được "
              "sử dụng.")
        en = ("Since 1 July 2024 citizens log in with their VNeID electronic identity (Decree 69/2024/NĐ-CP); a "
              "citizen's DVCQG password no longer opens the account.")
    else:
        since = "01/7/2025"
        key_vi, key_en = ("mã số thuế", "tax code") if account_type == "business" else ("mã cơ quan", "agency code")
        vi = ("Từ ngày 01/7/2025, tài khoản do Cổng Dịch vụ công quốc gia tạo lập cho cơ quan, tổ chức không còn được "
              "sử dụng (Nghị định 69/2024/NĐ-CP, Điều 40 khoản 4): đăng nhập bằng tài khoản định danh điện tử của "
              "tổ chức trên VNeID.")
        en = ("Since 1 July 2025 accounts DVCQG made for agencies and organisations are no longer used (Decree "
              "69/2024/NĐ-CP Art. 40(4)): log in with the organisation's VNeID electronic identity.")
    if registering:
        return Forbidden("REGISTRATION_CLOSED", vi + " Tài khoản định danh điện tử được cấp trên ứng dụng VNeID.",
                         en + " Electronic identities are issued in the VNeID app.", details={"since": since})
    return Forbidden("PASSWORD_LOGIN_RETIRED", vi + " " + LINK_HOW_VI.format(key=key_vi),
                     en + " " + LINK_HOW_EN.format(key=key_en), details={"since": since, "log_in": "vneid"})


def _from_vneid(claims: dict[str, Any], today: date) -> tuple[str, str, dict[str, Any]]:
    """(account type, user name, columns) of VNeID's claims; DomainError (502) when they carry no identity."""
    kind = {1: "citizen", 2: "business", 3: "agency"}.get(_int(claims.get("LoaiTaiKhoan")), "")
    subject, level = claims.get("sub"), _int(claims.get("IAL"))
    try:
        if kind == "citizen":
            username = parse_citizen_id(str(claims.get("SoDinhDanh") or ""), today=today).number
        elif kind == "business":
            username = check_tax_code(str(claims.get("MaSoThue") or claims.get("MaSoDoanhNghiep") or ""))
        elif kind == "agency":
            username = check_agency_identifier(str(claims.get("MaCoQuan") or ""))
        else:
            raise InvalidIdentifier("UNKNOWN_TYPE", "loại tài khoản không rõ", "unknown account type")
    except InvalidIdentifier as exc:
        raise DomainError("VNEID_CLAIMS_INVALID", f"Thông tin định danh từ VNeID không hợp lệ: {exc.vi}.",
                          f"VNeID's claims carry no valid identity: {exc.en}.", status=502) from exc
    if not isinstance(subject, str) or not subject or level not in (1, 2):
        raise DomainError("VNEID_CLAIMS_INVALID", "Thông tin định danh từ VNeID thiếu sub hoặc mức độ (IAL).",
                          "VNeID's claims carry no sub or identity level (IAL).", status=502)
    birth = None
    with contextlib.suppress(ValueError, TypeError):
        birth = datetime.strptime(str(claims.get("NgayThangNamSinh") or ""), "%d/%m/%Y").date().isoformat()
    name = str(claims.get("HoVaTen") if kind == "citizen" else claims.get("TenToChuc") or "").strip()[:300]
    organisation = None if kind == "citizen" else name
    row: dict[str, Any] = {
        "vneid_subject": subject, "identity_level": level, "full_name": name or username,
        "email": str(claims.get("ThuDienTu") or "")[:254], "phone": str(claims.get("SoDienThoai") or "")[:30],
        "id_number": username if kind == "citizen" else None, "tax_code": username if kind == "business" else None,
        "agency_code": username if kind == "agency" else None, "organisation_name": organisation,
        "birth_date": birth, "gender": {"Nam": "male", "Nữ": "female"}.get(str(claims.get("GioiTinh") or "")),
    }
    return kind, username, row


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _username(username: str) -> str:
    # agency codes carry an upper-case H; everything else is digits
    return (username or "").strip().upper() if isinstance(username, str) else ""
