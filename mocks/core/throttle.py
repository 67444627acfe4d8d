"""Limits on guessing: wrong passwords and one-time codes, counted per subject in the service's store.

A subject is a user name in a namespace, whether or not an account has that name, so the
answers never tell which names exist. `Throttle` counts events of one scope within a window;
at the limit the subject is locked for a while. Time is the namespace's virtual clock (tests
move past a lock instead of waiting), and the counts live in the service's store, which the
worker processes share: neither a restart nor another worker forgets them.

`LoginThrottle` is the one log-in rule every door calls (JSON API, pages, the SSO's page):
a locked subject is refused before its password is checked, so the right password during
a lock is refused too; a wrong password counts; a right one clears the count.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from .clock import Clock
from .errors import DomainError, Unauthorized
from .security import decoy_hash, hash_password, needs_rehash, verify_password
from .storage import Store

DDL = """
CREATE TABLE IF NOT EXISTS throttle (
    ns TEXT NOT NULL,
    scope TEXT NOT NULL,            -- what is counted: login, officer-login, otp-confirm, otp-send
    subject TEXT NOT NULL,          -- who: a user name as the log-in form normalises it
    count INTEGER NOT NULL,
    window_start REAL NOT NULL,     -- namespace clock, epoch seconds of the window's first event
    locked_until REAL,              -- namespace clock, epoch seconds; NULL while under the limit
    PRIMARY KEY (ns, scope, subject)
);
"""
MAX_SUBJECT = 200  # longer names are cut: they cannot match an account anyway


@dataclass(frozen=True)
class Limit:
    """At most `max_count` events in `window_seconds`; reaching it locks the subject for `lock_seconds`."""

    scope: str
    max_count: int
    window_seconds: float
    lock_seconds: float


# 5 wrong passwords in a row (within an hour) lock the log-in for 15 minutes.
LOGIN_LIMIT = Limit("login", max_count=5, window_seconds=3600, lock_seconds=900)


class TooManyAttempts(DomainError):
    """A 429 with how long to wait, in seconds (`Retry-After`, and `details.retry_after`)."""

    status = 429

    def __init__(self, code: str, vi: str, en: str, retry_after: int) -> None:
        super().__init__(code, vi, en, details={"retry_after": retry_after})
        self.retry_after = retry_after
        self.headers = {"Retry-After": str(retry_after)}


def minutes(seconds: int) -> int:
    return max(1, math.ceil(seconds / 60))


def _locked(row: Any, now: float) -> bool:
    return row is not None and row["locked_until"] is not None and row["locked_until"] > now


class Throttle:
    def __init__(self, store: Store, clock: Clock, limit: Limit) -> None:
        self.store = store
        self.clock = clock
        self.limit = limit
        store.migrate(DDL)

    def retry_after(self, ns: str, subject: str) -> int | None:
        """Whole seconds until the subject's lock ends, or None when it is not locked."""
        row = self.store.one("SELECT locked_until FROM throttle WHERE ns = ? AND scope = ? AND subject = ?",
                             (ns, self.limit.scope, subject[:MAX_SUBJECT]))
        if row is None or row["locked_until"] is None:
            return None
        left = row["locked_until"] - self.clock.now(ns).timestamp()
        return math.ceil(left) if left > 0 else None

    def record(self, ns: str, subject: str) -> int:
        """Count one event; answers how many more the window allows (0: the subject is locked from now)."""
        limit, subject = self.limit, subject[:MAX_SUBJECT]
        now = self.clock.now(ns).timestamp()
        with self.store.transaction() as conn:
            row = self._row(conn, ns, subject)
            if _locked(row, now):
                return 0  # already locked (a concurrent attempt): the lock is not extended
            count, start = self._next_count(row, now)
            self._write(conn, ns, subject, count, start, now + limit.lock_seconds if count >= limit.max_count else None)
        return max(0, limit.max_count - count)

    def take(self, ns: str, subject: str) -> int | None:
        """Reserve one try before the costly check (a password hash): counted at once, in one transaction, so
        a burst of parallel guesses cannot all pass a check made before any of them is counted. Answers None
        (go on), or the whole seconds the subject is locked for — a try beyond the window's allowance locks it."""
        limit, subject = self.limit, subject[:MAX_SUBJECT]
        now = self.clock.now(ns).timestamp()
        with self.store.transaction() as conn:
            row = self._row(conn, ns, subject)
            if _locked(row, now):
                return math.ceil(row["locked_until"] - now)
            count, start = self._next_count(row, now)
            locked_until = now + limit.lock_seconds if count > limit.max_count else None
            self._write(conn, ns, subject, count, start, locked_until)
        return math.ceil(limit.lock_seconds) if locked_until is not None else None

    def settle_failure(self, ns: str, subject: str) -> int:
        """A reserved try turned out wrong: answers the tries left in the window; the last one locks (0)."""
        limit, subject = self.limit, subject[:MAX_SUBJECT]
        now = self.clock.now(ns).timestamp()
        with self.store.transaction() as conn:
            row = self._row(conn, ns, subject)
            if row is None:   # reset while the try was checked: count it as the window's first
                self._write(conn, ns, subject, 1, now, None)
                return limit.max_count - 1
            if row["locked_until"] is not None:
                return 0 if row["locked_until"] > now else limit.max_count
            if row["count"] >= limit.max_count:
                self._write(conn, ns, subject, row["count"], row["window_start"], now + limit.lock_seconds)
                return 0
            return limit.max_count - row["count"]

    def clear_unless_locked(self, ns: str, subject: str) -> int | None:
        """A reserved try was right: the count starts again — unless a concurrent wrong guess has locked the
        subject meanwhile (answers the seconds left then, and keeps the lock)."""
        subject = subject[:MAX_SUBJECT]
        now = self.clock.now(ns).timestamp()
        with self.store.transaction() as conn:
            row = self._row(conn, ns, subject)
            if _locked(row, now):
                return math.ceil(row["locked_until"] - now)
            conn.execute("DELETE FROM throttle WHERE ns = ? AND scope = ? AND subject = ?",
                         (ns, self.limit.scope, subject))
        return None

    def _row(self, conn: Any, ns: str, subject: str) -> Any:
        return conn.execute("SELECT count, window_start, locked_until FROM throttle "
                            "WHERE ns = ? AND scope = ? AND subject = ?", (ns, self.limit.scope, subject)).fetchone()

    def _next_count(self, row: Any, now: float) -> tuple[int, float]:
        """(count, window start) with one more event: a new window after a lock or when the old one is over."""
        fresh = (row is None or row["locked_until"] is not None
                 or now - row["window_start"] >= self.limit.window_seconds)
        return (1, now) if fresh else (row["count"] + 1, row["window_start"])

    def _write(self, conn: Any, ns: str, subject: str, count: int, start: float, locked_until: float | None) -> None:
        conn.execute(
            "INSERT INTO throttle(ns, scope, subject, count, window_start, locked_until) VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT(ns, scope, subject) DO UPDATE SET count = excluded.count,"
            " window_start = excluded.window_start, locked_until = excluded.locked_until",
            (ns, self.limit.scope, subject, count, start, locked_until))

    def count(self, ns: str, subject: str) -> int:
        """Events counted in the current window (a lock that has ended counts nothing)."""
        row = self.store.one("SELECT count, window_start, locked_until FROM throttle "
                             "WHERE ns = ? AND scope = ? AND subject = ?",
                             (ns, self.limit.scope, subject[:MAX_SUBJECT]))
        if row is None:
            return 0
        now = self.clock.now(ns).timestamp()
        if row["locked_until"] is not None:
            return row["count"] if row["locked_until"] > now else 0
        return row["count"] if now - row["window_start"] < self.limit.window_seconds else 0

    def clear(self, ns: str, subject: str) -> None:
        self.store.execute("DELETE FROM throttle WHERE ns = ? AND scope = ? AND subject = ?",
                           (ns, self.limit.scope, subject[:MAX_SUBJECT]))

    def reset(self, ns: str) -> None:
        self.store.execute("DELETE FROM throttle WHERE ns = ? AND scope = ?", (ns, self.limit.scope))


class LoginThrottle:
    """The log-in rule: a try is reserved (counted) before the password is looked at, a wrong one stays counted
    and the last one allowed locks the name, a right one starts the count again."""

    def __init__(self, store: Store, clock: Clock, limit: Limit = LOGIN_LIMIT) -> None:
        self.store = store
        self.throttle = Throttle(store, clock, limit)
        self.limit = limit

    def log_in(self, ns: str, name: str, table: str, password: Any, wrong_vi: str, wrong_en: str,
               code: str = "INVALID_CREDENTIALS") -> Any:
        """A log-in against a table of users (`ns`, `username`, `password_hash`, in this store): the lock first; then
        the user's row (an unknown name costs a hash too, so the timing tells nothing); a wrong password counts and
        is refused (`code`, `wrong_vi`/`wrong_en` and the tries left), a right one clears the count, and an older
        state folder's hash is written again at today's count. The row."""
        self.check(ns, name)
        row = self.store.one(f"SELECT * FROM {table} WHERE ns = ? AND username = ?", (ns, name)) if name else None
        stored = row["password_hash"] if row is not None else decoy_hash()
        if not verify_password(password if isinstance(password, str) else "", stored) or row is None:
            vi, en = wrong_password_message(self.failed(ns, name))
            raise Unauthorized(code, wrong_vi + vi, wrong_en + en)
        self.succeeded(ns, name)
        if needs_rehash(stored):
            self.store.execute(f"UPDATE {table} SET password_hash = ? WHERE ns = ? AND username = ?",
                               (hash_password(password), ns, name))
        return row

    def check(self, ns: str, username: str) -> None:
        """Reserve this try, or refuse a locked user name before its password is even looked at."""
        wait = self.throttle.take(ns, username)
        if wait is not None:
            raise self.locked(wait)

    def failed(self, ns: str, username: str) -> int:
        """The reserved try was a wrong password; answers the tries left, or raises the lock the last one set."""
        left = self.throttle.settle_failure(ns, username)
        if left == 0:
            raise self.locked(self.throttle.retry_after(ns, username) or int(self.limit.lock_seconds))
        return left

    def succeeded(self, ns: str, username: str) -> None:
        """A right password: refused all the same if a concurrent guess has just locked the name; else the count
        starts again."""
        wait = self.throttle.clear_unless_locked(ns, username)
        if wait is not None:
            raise self.locked(wait)

    def locked(self, retry_after: int) -> TooManyAttempts:
        n, wait = self.limit.max_count, minutes(retry_after)
        return TooManyAttempts(
            "LOGIN_LOCKED",
            f"Nhập sai mật khẩu quá {n} lần: tài khoản tạm thời bị khóa đăng nhập, vui lòng thử lại sau {wait} phút.",
            f"Too many wrong passwords ({n}): log-in is locked for this account; try again in {wait} minutes.",
            retry_after)

    def reset(self, ns: str) -> None:
        self.throttle.reset(ns)


def tries_left(left: int) -> str:
    """'1 try left', '3 tries left'."""
    return f"{left} {'try' if left == 1 else 'tries'} left"


def wrong_password_message(left: int) -> tuple[str, str]:
    """What a wrong password adds to the refusal: the tries left before the lock."""
    return (f" Còn {left} lần thử trước khi tài khoản bị tạm khóa.",
            f" {tries_left(left)} before log-in is locked.")
