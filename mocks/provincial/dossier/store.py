"""The dossier's rows: the dossier table, its history and the day's counters of dossier codes.

Reading is here, and every write but one: a status is written by the transition table's
`apply()` alone (transitions.py), so `set_columns` refuses one. Codes follow Circular 01/2018
Art. 19: AGENCY-YYMMDD-NNNN, a counter per agency and day.
"""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, time, timedelta
from typing import Any

from mocks.core.errors import Conflict, Forbidden, NotFound
from mocks.core.identifiers import DAILY_DOSSIER_NUMBERS, compose_dossier_code
from mocks.core.storage import Store
from mocks.core.timefmt import VN_TZ, to_iso

from ..attachments import AttachmentStore
from .entity import Actor, Dossier, HistoryEntry, _dt
from .postal import PostalOrders

DDL = """
CREATE TABLE IF NOT EXISTS dossier (
    ns TEXT NOT NULL,
    code TEXT NOT NULL,
    procedure_code TEXT NOT NULL,
    national_code TEXT NOT NULL,
    procedure_name TEXT NOT NULL,
    agency_code TEXT NOT NULL,
    agency_name TEXT NOT NULL,
    tier TEXT NOT NULL,
    level INTEGER NOT NULL,
    applicant_id TEXT NOT NULL,
    applicant_type INTEGER NOT NULL,
    applicant_name TEXT NOT NULL,
    applicant_id_number TEXT,
    email TEXT,
    phone TEXT,
    vneid_verified INTEGER NOT NULL DEFAULT 0,
    form TEXT NOT NULL,
    summary TEXT NOT NULL,
    status INTEGER NOT NULL,
    channel INTEGER NOT NULL,
    result_delivery TEXT NOT NULL,
    payment_method TEXT,
    fee_amount INTEGER NOT NULL,
    fee_timing TEXT NOT NULL,
    fee_description TEXT,
    payment_status TEXT NOT NULL,
    paid_online INTEGER NOT NULL DEFAULT 0,
    payment_reference TEXT,
    postal_address TEXT,
    submitted_at TEXT NOT NULL,
    received_at TEXT,               -- NgayTiepNhan: NULL until an officer receives the dossier
    appointment_at TEXT NOT NULL,
    result_ready_at TEXT,
    returned_at TEXT,
    updated_at TEXT NOT NULL,
    clock_started_at TEXT,          -- when the processing time started counting (receipt, or the supplement)
    supplement TEXT,                -- JSON: the one supplement request and its answer
    reschedule TEXT,                -- JSON: the one re-scheduling (apology slip, form 04)
    result_documents TEXT,          -- JSON list: the result documents
    closing_reason TEXT,            -- why it was refused, stopped or withdrawn
    rating INTEGER,
    rating_comment TEXT,
    rated_at TEXT,
    entered_by TEXT,                -- the desk officer who entered a counter or postal dossier
    PRIMARY KEY (ns, code)
);
CREATE INDEX IF NOT EXISTS dossier_applicant ON dossier(ns, applicant_id, submitted_at);
CREATE INDEX IF NOT EXISTS dossier_status ON dossier(ns, status);
-- an agency's queue by status, newest first, a page at a time: read off the index, not sorted (replaces
-- dossier_agency(ns, agency_code, status), which left every dossier of the queue to sort for each page)
DROP INDEX IF EXISTS dossier_agency;
CREATE INDEX IF NOT EXISTS dossier_agency_queue ON dossier(ns, agency_code, status, submitted_at, code);
CREATE INDEX IF NOT EXISTS dossier_received ON dossier(ns, received_at);
-- the 2025 hand-over looks for dossiers in flight at district agencies before each request of a two-tier
-- namespace (handover.py): a seek that finds none, however many dossiers are in flight or finished, instead of
-- every one of them by dossier_status (a campaign soak: 15 % of a worker's time by minute 19)
CREATE INDEX IF NOT EXISTS dossier_tier ON dossier(ns, tier, status);
CREATE TABLE IF NOT EXISTS dossier_counter (
    ns TEXT NOT NULL,
    agency_code TEXT NOT NULL,
    day TEXT NOT NULL,          -- YYMMDD of the receipt, by the namespace clock
    last INTEGER NOT NULL,
    PRIMARY KEY (ns, agency_code, day)
);
CREATE TABLE IF NOT EXISTS dossier_history (
    ns TEXT NOT NULL,
    dossier_code TEXT NOT NULL,
    seq INTEGER NOT NULL,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    role TEXT NOT NULL,
    from_status INTEGER,
    to_status INTEGER NOT NULL,
    action TEXT NOT NULL,
    note TEXT NOT NULL,
    PRIMARY KEY (ns, dossier_code, seq)
);
"""


# Columns added by the back office; a state folder made before it gets them on start.
ADDED_COLUMNS: dict[str, str] = {
    "clock_started_at": "TEXT", "supplement": "TEXT", "reschedule": "TEXT", "result_documents": "TEXT",
    "closing_reason": "TEXT", "rating": "INTEGER", "rating_comment": "TEXT", "rated_at": "TEXT", "entered_by": "TEXT",
}


def migrate(store: Store) -> None:
    """Create the tables, or bring an older dossier table up to date (new columns; received_at nullable)."""
    columns = {r["name"]: r for r in store.query("PRAGMA table_info(dossier)")}
    if columns and columns["received_at"]["notnull"]:
        # SQLite cannot drop a NOT NULL: rebuild the table under its new definition and copy the rows.
        old = [name for name in columns]
        table = DDL.split("CREATE INDEX", 1)[0]
        store.migrate("BEGIN IMMEDIATE; ALTER TABLE dossier RENAME TO dossier_before_backoffice;" + table
                      + f"INSERT INTO dossier({', '.join(old)}) SELECT {', '.join(old)} FROM dossier_before_backoffice;"
                      " DROP TABLE dossier_before_backoffice; COMMIT;")
        columns = {r["name"]: r for r in store.query("PRAGMA table_info(dossier)")}
    for name, kind in ADDED_COLUMNS.items():
        if columns and name not in columns:
            store.execute(f"ALTER TABLE dossier ADD COLUMN {name} {kind}")
    store.migrate(DDL)


class DossierStore:
    def __init__(self, store: Store, postal_orders: PostalOrders) -> None:
        self.store = store
        self.files = AttachmentStore(store)
        self.postal_orders = postal_orders
        migrate(store)

    def transaction(self) -> Any:
        return self.store.transaction()

    # -- codes ------------------------------------------------------------------------------------------------
    def new_code(self, conn: sqlite3.Connection, ns: str, agency_code: str, day: str) -> str:
        """The next AGENCY-YYMMDD-NNNN; the counter row commits with the dossier, so no two share a code.

        The code holds four digits, so an agency numbers at most 9,999 dossiers a day. The next one is
        refused rather than given a code the national sync would refuse for ever: a dossier the portal
        accepts must reach the national portal. The counter stops at 9,999 in the same statement that
        counts (nothing to undo), and the refusal rolls the caller's transaction back: nothing is kept.
        """
        counted = conn.execute(
            "INSERT INTO dossier_counter(ns, agency_code, day, last) VALUES (?, ?, ?, 1) "
            "ON CONFLICT(ns, agency_code, day) DO UPDATE SET last = last + 1 WHERE last < ?",
            (ns, agency_code, day, DAILY_DOSSIER_NUMBERS),
        ).rowcount
        if not counted:
            raise numbers_exhausted(agency_code, day)
        number = conn.execute("SELECT last FROM dossier_counter WHERE ns = ? AND agency_code = ? AND day = ?",
                              (ns, agency_code, day)).fetchone()[0]
        return compose_dossier_code(agency_code, _day(day), number)

    # -- reading -------------------------------------------------------------------------------------------
    def load(self, db: Any, ns: str, code: str, *, missing_ok: bool = False) -> Any:
        """The dossier in full (files, history, postal order), read through `db` (a transaction's connection)."""
        row = db.execute("SELECT * FROM dossier WHERE ns = ? AND code = ?", (ns, code)).fetchone()
        if row is None:
            if missing_ok:
                return None
            raise not_found(code)
        dossier = Dossier.from_row(row)
        dossier.attachments = self.files.infos(db, ns, code)
        dossier.history = [
            HistoryEntry(h["seq"], _dt(h["at"]), h["actor"], h["role"], h["from_status"], h["to_status"], h["action"],
                         h["note"])
            for h in db.execute("SELECT * FROM dossier_history WHERE ns = ? AND dossier_code = ? ORDER BY seq",
                                (ns, code)).fetchall()
        ]
        dossier.postal_order = self.postal_orders.get(ns, code, conn=db if isinstance(db, sqlite3.Connection) else None)
        return dossier

    def find(self, ns: str, code: str) -> Dossier | None:
        if not isinstance(code, str) or not code or len(code) > 64:
            return None
        return self.load(self.store, ns, code, missing_ok=True)

    def get(self, ns: str, code: str) -> Dossier:
        dossier = self.find(ns, code)
        if dossier is None:
            raise not_found(code)
        return dossier

    def owned(self, ns: str, code: str, account_id: str) -> Dossier:
        """A dossier its owner asks for; someone else's is refused."""
        dossier = self.get(ns, code)
        if dossier.applicant_id != account_id:
            raise Forbidden("NOT_YOUR_DOSSIER", "Bạn không có quyền xem hồ sơ này.",
                            "This dossier belongs to another account.")
        return dossier

    def list_for_account(self, ns: str, account_id: str) -> list[Dossier]:
        rows = self.store.query("SELECT * FROM dossier WHERE ns = ? AND applicant_id = ? ORDER BY submitted_at DESC,"
                                " code DESC", (ns, account_id))
        return [Dossier.from_row(r) for r in rows]

    def list(self, ns: str, status: int | None = None, limit: int = 1000, offset: int = 0) -> list[Dossier]:
        sql, args = "SELECT * FROM dossier WHERE ns = ?", [ns]
        if status is not None:
            sql += " AND status = ?"
            args.append(status)
        rows = self.store.query(sql + " ORDER BY submitted_at, code LIMIT ? OFFSET ?", (*args, limit, offset))
        return [Dossier.from_row(r) for r in rows]

    def at_tier(self, ns: str, tier: str, statuses: tuple[int, ...]) -> list[str]:
        """The codes of the namespace's dossiers at agencies of `tier` in one of `statuses`, oldest first."""
        marks = ", ".join("?" * len(statuses))
        rows = self.store.query(f"SELECT code FROM dossier WHERE ns = ? AND tier = ? AND status IN ({marks}) "
                                "ORDER BY submitted_at, code", (ns, tier, *statuses))
        return [r["code"] for r in rows]

    def count(self, ns: str, status: int | None = None) -> int:
        if status is None:
            return int(self.store.scalar("SELECT COUNT(*) FROM dossier WHERE ns = ?", (ns,)))
        return int(self.store.scalar("SELECT COUNT(*) FROM dossier WHERE ns = ? AND status = ?", (ns, status)))

    def count_in_period(self, ns: str, start: datetime, end: datetime) -> int:
        """Dossiers received, or submitted, at or after `start` and before `end`."""
        lower, upper = to_iso(start), to_iso(end)
        return int(self.store.scalar(
            "SELECT COUNT(*) FROM dossier WHERE ns = ? AND ((received_at >= ? AND received_at < ?) OR"
            " (submitted_at >= ? AND submitted_at < ?))", (ns, lower, upper, lower, upper)))

    def of_agency(self, ns: str, agency_code: str, *, status: int | None = None, channel: int | None = None,
                  q: str | None = None, page: tuple[int, int] | None = None) -> tuple[int, list[Dossier]]:
        """The agency's dossiers, newest first, and how many there are; `page` (limit, offset) or all of them."""
        sql, args = "SELECT * FROM dossier WHERE ns = ? AND agency_code = ?", [ns, agency_code]
        if status is not None:
            sql += " AND status = ?"
            args.append(status)
        if channel is not None:
            sql += " AND channel = ?"
            args.append(channel)
        if q:
            sql += " AND (code LIKE ? ESCAPE '\\' OR applicant_name LIKE ? ESCAPE '\\')"
            pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            args += [pattern, pattern]
        order = " ORDER BY submitted_at DESC, code DESC"
        if page is None:
            rows = self.store.query(sql + order, args)
            return len(rows), [Dossier.from_row(r) for r in rows]
        # the page and the total straight from SQL: months of dossiers stay cheap
        total = int(self.store.scalar(sql.replace("SELECT *", "SELECT COUNT(*)", 1), args))
        rows = self.store.query(sql + order + " LIMIT ? OFFSET ?", [*args, *page])
        return total, [Dossier.from_row(r) for r in rows]

    # -- writing (no status: transitions.py) -------------------------------------------------------------------
    def append_history(self, conn: sqlite3.Connection, ns: str, code: str, at: datetime, actor: Actor,
                       from_status: int | None, to_status: int, action: str, note: str) -> HistoryEntry:
        seq = conn.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM dossier_history WHERE ns = ? AND dossier_code = ?",
                           (ns, code)).fetchone()[0]
        conn.execute(
            "INSERT INTO dossier_history(ns, dossier_code, seq, at, actor, role, from_status, to_status, action, note)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (ns, code, seq, to_iso(at), actor.name, actor.role, from_status, to_status, action, note),
        )
        return HistoryEntry(seq, at, actor.name, actor.role, from_status, to_status, action, note)

    def set_columns(self, conn: sqlite3.Connection, ns: str, code: str, **columns: Any) -> None:
        """Write columns of the dossier other than its status (which moves through the transition table only)."""
        if "status" in columns:
            raise ValueError("a dossier's status changes through the transition table (transitions.apply) only")
        if columns:
            conn.execute(f"UPDATE dossier SET {', '.join(f'{k} = ?' for k in columns)} WHERE ns = ? AND code = ?",
                         (*columns.values(), ns, code))

    def set_payment_state(self, conn: sqlite3.Connection, ns: str, code: str, state: str, reference: str) -> None:
        """The payment state shown on the dossier for its latest attempt (pending / unpaid); paid stays paid.

        A new attempt (state pending) becomes the dossier's reference; the outcome of an older
        attempt does not overwrite the state of a newer one.
        """
        if state == "pending":
            conn.execute("UPDATE dossier SET payment_status = ?, payment_reference = ? WHERE ns = ? AND code = ?"
                         " AND paid_online = 0", (state, reference, ns, code))
        else:
            conn.execute("UPDATE dossier SET payment_status = ? WHERE ns = ? AND code = ? AND paid_online = 0"
                         " AND payment_reference = ?", (state, ns, code, reference))

    def reset(self, ns: str) -> None:
        self.files.reset(ns)
        self.store.delete_namespace(ns, ("dossier_history", "dossier_counter", "dossier"))


def _day(yymmdd: str) -> date:
    return datetime.strptime(yymmdd, "%y%m%d").date()


def numbers_exhausted(agency_code: str, yymmdd: str) -> Conflict:
    """The agency has given its day's last number (9,999): refused, to be submitted again tomorrow."""
    day = _day(yymmdd)
    tomorrow = datetime.combine(day + timedelta(days=1), time(0), tzinfo=VN_TZ)
    return Conflict(
        "DOSSIER_NUMBERS_EXHAUSTED",
        f"Cơ quan {agency_code} đã dùng hết {DAILY_DOSSIER_NUMBERS:,} số hồ sơ của ngày {day:%d/%m/%Y} (mã hồ sơ "
        "chỉ có 4 chữ số): vui lòng nộp lại vào ngày mai hoặc tại cơ quan khác.".replace(",", "."),
        f"The agency {agency_code} has used all {DAILY_DOSSIER_NUMBERS:,} dossier numbers of {day:%Y-%m-%d} (the "
        "dossier code has four digits): try again tomorrow or at another agency.",
        details={"agency_code": agency_code, "day": day.isoformat(), "limit": DAILY_DOSSIER_NUMBERS,
                 "retry_after": to_iso(tomorrow)})


def not_found(code: str) -> NotFound:
    return NotFound("DOSSIER_NOT_FOUND", f"Không tìm thấy hồ sơ có mã '{code}'.", f"No dossier with code '{code}'.")
