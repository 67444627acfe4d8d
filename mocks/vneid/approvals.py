"""The VNeID app's side of a log-in: approvals asked, approved, denied or left to expire.

A log-in by number and password is not done until the holder approves it in the VNeID app on their
phone; a log-in by QR code is done when the holder's app scans the code the page shows. In the
emulator the app is a control the tests hold (`/_admin/app/...`): approve, deny, let expire, scan.
A namespace may approve every request at once (`auto_approve`, for the load).

An approval belongs to the browser session that asked for it (only that session may use it, once)
and dies after `APPROVAL_SECONDS` of the namespace clock [assumed: the real app's window is not
published].
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from mocks.core.clock import Clock
from mocks.core.errors import Conflict, DomainError, Forbidden, NotFound
from mocks.core.security import digest
from mocks.core.storage import Store
from mocks.core.timefmt import to_iso

from .identities import Identity, IdentityBook

APPROVAL_SECONDS = 120
QR_PREFIX = "VNEID-QR:"
DUE = "ns = ? AND status = 'pending' AND expires_at < ?"     # approvals left to expire (index approval_due)
STATUSES: tuple[str, ...] = ("pending", "approved", "denied", "expired", "used")


@dataclass(frozen=True)
class Approval:
    id: str
    method: str
    status: str
    username: str | None
    approver: str | None
    created_at: str
    expires_at: float
    decided_at: str | None

    def public(self) -> dict[str, Any]:
        return {"id": self.id, "method": self.method, "status": self.status, "username": self.username,
                "approver": self.approver, "created_at": self.created_at, "decided_at": self.decided_at}


class Approvals:
    def __init__(self, store: Store, clock: Clock, identities: IdentityBook) -> None:
        self.store = store
        self.clock = clock
        self.identities = identities

    # -- asked by the log-in page ----------------------------------------------------------------
    def ask(self, ns: str, identity: Identity, browser: str) -> Approval:
        """After the right password: the holder's app is asked (approved at once under auto-approval)."""
        status = "approved" if self.auto_approve(ns) else "pending"
        return self._new(ns, "password", browser, identity.username, identity.approver, status)

    def ask_qr(self, ns: str, browser: str) -> tuple[Approval, str]:
        """A QR code for the page to show; the approval waits for an app to scan it. (approval, code text)"""
        token = secrets.token_urlsafe(18)
        return self._new(ns, "qr", browser, None, None, "pending", qr=token), QR_PREFIX + token

    def _new(self, ns: str, method: str, browser: str, username: str | None, approver: str | None, status: str,
             qr: str | None = None) -> Approval:
        now = self.clock.now(ns)
        approval_id = secrets.token_urlsafe(12)
        decided = to_iso(now) if status != "pending" else None
        self.store.execute(
            "INSERT INTO approval(ns, id, method, username, approver, status, qr_hash, browser, created_at, "
            "expires_at, decided_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (ns, approval_id, method, username, approver, status, digest(qr) if qr else None, digest(browser),
             to_iso(now), now.timestamp() + APPROVAL_SECONDS, decided))
        return self.get(ns, approval_id)

    # -- the app (the tests' control) --------------------------------------------------------------
    def decide(self, ns: str, approval_id: str, decision: str) -> Approval:
        """approve | deny | expire a pending approval; 409 when it is no longer pending."""
        found = self.get(ns, approval_id)
        if found.status != "pending":
            raise Conflict("APPROVAL_NOT_PENDING", f"Yêu cầu xác nhận đã ở trạng thái '{found.status}'.",
                           f"The approval is {found.status}, not pending.", details={"status": found.status})
        if found.method == "qr" and found.username is None and decision == "approve":
            raise Conflict("QR_NOT_SCANNED", "Mã QR chưa được quét bằng ứng dụng VNeID.",
                           "Nobody scanned this QR code yet: scan it (POST /_admin/app/scan).")
        status = {"approve": "approved", "deny": "denied", "expire": "expired"}[decision]
        self._set(ns, approval_id, status)
        return self.get(ns, approval_id)

    def scan(self, ns: str, code: str, username: str) -> Approval:
        """The app of `username` (a person, or an organisation's representative acting for it) scans a QR code
        and approves the log-in it stands for."""
        text = code.strip() if isinstance(code, str) else ""
        token = text.removeprefix(QR_PREFIX)
        row = self.store.one("SELECT id FROM approval WHERE ns = ? AND qr_hash = ?", (ns, digest(token))) if (
            text.startswith(QR_PREFIX) and token) else None
        if row is None:
            raise NotFound("QR_UNKNOWN", "Mã QR không hợp lệ.", "Unknown QR code.")
        found = self.get(ns, row["id"])
        if found.status != "pending":
            raise Conflict("APPROVAL_NOT_PENDING", f"Mã QR đã ở trạng thái '{found.status}'.",
                           f"The QR code's approval is {found.status}, not pending.", details={"status": found.status})
        identity = self.identities.require(ns, username)
        self.store.execute("UPDATE approval SET username = ?, approver = ?, status = 'approved', decided_at = ? "
                           "WHERE ns = ? AND id = ? AND status = 'pending'",
                           (identity.username, identity.approver, to_iso(self.clock.now(ns)), ns, found.id))
        return self.get(ns, found.id)

    def pending(self, ns: str, approver: str | None = None) -> list[Approval]:
        """What the app shows: the namespace's pending approvals (of one holder's app, when named)."""
        self._expire_due(ns)
        sql, args = "SELECT * FROM approval WHERE ns = ? AND status = 'pending'", [ns]
        if approver:
            sql += " AND approver = ?"
            args.append(approver.strip().upper())
        return [self._row(r) for r in self.store.query(sql + " ORDER BY created_at, id", args)]

    def auto_approve(self, ns: str) -> bool:
        row = self.store.one("SELECT auto_approve FROM app_setting WHERE ns = ?", (ns,))
        return bool(row and row["auto_approve"])

    def set_auto_approve(self, ns: str, enabled: bool) -> bool:
        self.store.execute("INSERT INTO app_setting(ns, auto_approve) VALUES (?, ?) ON CONFLICT(ns) DO UPDATE SET "
                           "auto_approve = excluded.auto_approve", (ns, int(enabled)))
        return enabled

    # -- read by the log-in page -------------------------------------------------------------------
    def get(self, ns: str, approval_id: str) -> Approval:
        self._expire_due(ns)
        row = self.store.one("SELECT * FROM approval WHERE ns = ? AND id = ?", (ns, approval_id))
        if row is None:
            raise NotFound("APPROVAL_NOT_FOUND", "Không tìm thấy yêu cầu xác nhận đăng nhập.", "No such approval.")
        return self._row(row)

    def use(self, ns: str, approval_id: str, browser: str) -> Approval:
        """The approval, for the browser that asked; an approved one is used once (its status becomes `used`)."""
        row = self.store.one("SELECT browser FROM approval WHERE ns = ? AND id = ?", (ns, approval_id))
        if row is None or row["browser"] != digest(browser):
            raise Forbidden("APPROVAL_NOT_YOURS", "Yêu cầu xác nhận không thuộc phiên đăng nhập này.",
                            "This approval belongs to another log-in.")
        found = self.get(ns, approval_id)
        if found.status == "approved":
            used = self.store.execute("UPDATE approval SET status = 'used' WHERE ns = ? AND id = ? AND "
                                      "status = 'approved'", (ns, approval_id)).rowcount
            if not used:   # another request of the same browser took it first
                return self.get(ns, approval_id)
        return found

    # -- inside ----------------------------------------------------------------------------------
    def _set(self, ns: str, approval_id: str, status: str) -> None:
        self.store.execute("UPDATE approval SET status = ?, decided_at = ? WHERE ns = ? AND id = ?",
                           (status, to_iso(self.clock.now(ns)), ns, approval_id))

    def _expire_due(self, ns: str) -> None:
        # a read first: the sweep runs before every look of a log-in's page, and nearly always finds nothing, so
        # it takes the write lock (which the other workers' requests wait for) only when there is something to do
        now = self.clock.now(ns)
        due = (ns, now.timestamp())
        if self.store.one(f"SELECT 1 FROM approval WHERE {DUE} LIMIT 1", due) is None:
            return
        self.store.execute(f"UPDATE approval SET status = 'expired', decided_at = ? WHERE {DUE}", (to_iso(now), *due))

    @staticmethod
    def _row(row: Any) -> Approval:
        return Approval(row["id"], row["method"], row["status"], row["username"], row["approver"],
                        row["created_at"], row["expires_at"], row["decided_at"])


def check_decision(decision: str) -> str:
    if decision not in ("approve", "deny", "expire"):
        raise DomainError("INVALID_DECISION", "Thao tác là approve, deny hoặc expire.",
                          "The decision is approve, deny or expire.")
    return decision
