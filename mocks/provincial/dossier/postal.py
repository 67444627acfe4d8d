"""The portal's record of a result's way back by post: one postal order per dossier, its waybill and tracking events.

The order is recorded ("handed over") in the transaction of the move that makes the result
ready (transitions.py); sending it to the postal service is delivery.py's; what a tracking
event means for the dossier (delivered -> "Đã trả kết quả") is the transition table's.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import Any

from mocks.core.clock import Clock
from mocks.core.errors import NotFound
from mocks.core.storage import Store, dumps, loads
from mocks.core.timefmt import to_iso

# Tracking states of the postal service (docs/protocols.md) and how the portal names them.
POSTAL_STATES: dict[str, str] = {
    "handed_over": "Đã chuyển cho bưu chính (chờ mã vận đơn)",
    "created": "Bưu chính đã tiếp nhận đơn hàng",
    "picked_up": "Bưu tá đã nhận kết quả từ cơ quan",
    "in_transit": "Đang vận chuyển",
    "delivered": "Đã phát thành công",
    "delivery_failed": "Phát không thành công",
    "returned": "Đã chuyển hoàn về cơ quan",
}
DDL = """
CREATE TABLE IF NOT EXISTS postal_order (
    ns TEXT NOT NULL,
    dossier_code TEXT NOT NULL,
    waybill TEXT,
    status TEXT NOT NULL,
    request TEXT NOT NULL,
    last_error TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (ns, dossier_code)
);
CREATE INDEX IF NOT EXISTS postal_order_waybill ON postal_order(ns, waybill);
CREATE TABLE IF NOT EXISTS postal_event (
    ns TEXT NOT NULL,
    dossier_code TEXT NOT NULL,
    seq INTEGER NOT NULL,
    status TEXT NOT NULL,
    status_name TEXT,
    time TEXT NOT NULL,
    location TEXT,
    note TEXT,
    received_at TEXT NOT NULL,
    PRIMARY KEY (ns, dossier_code, seq),
    UNIQUE (ns, dossier_code, status, time)
);
"""


@dataclass
class TrackingEvent:
    status: str
    status_name: str
    time: str
    location: str
    note: str

    def to_json(self) -> dict[str, str]:
        return {"status": self.status, "status_name": self.status_name, "time": self.time,
                "location": self.location, "note": self.note}


@dataclass
class PostalOrder:
    dossier_code: str
    waybill: str | None
    status: str
    last_error: str | None
    created_at: str
    events: list[TrackingEvent] = field(default_factory=list)

    @property
    def status_name(self) -> str:
        return POSTAL_STATES.get(self.status, self.status)

    def to_json(self, tracking_base: str | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {"waybill": self.waybill, "status": self.status, "status_name": self.status_name,
                               "created_at": self.created_at, "events": [e.to_json() for e in self.events]}
        if tracking_base and self.waybill:
            out["tracking_url"] = f"{tracking_base}/tra-cuu?ma={self.waybill}"
        if self.last_error:
            out["last_error"] = self.last_error
        return out


class PostalOrders:
    """The portal's record of its postal orders (one per dossier) and their tracking events."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        store.migrate(DDL)

    def create(self, conn: sqlite3.Connection, ns: str, dossier_code: str, request: dict[str, Any],
               now: str) -> bool:
        """Record the hand-over; False when the dossier already has an order (never two)."""
        cursor = conn.execute(
            "INSERT OR IGNORE INTO postal_order(ns, dossier_code, status, request, created_at, updated_at) "
            "VALUES (?, ?, 'handed_over', ?, ?, ?)",
            (ns, dossier_code, dumps(request), now, now),
        )
        return cursor.rowcount == 1

    def get(self, ns: str, dossier_code: str, conn: sqlite3.Connection | None = None) -> PostalOrder | None:
        db: Any = conn or self.store
        row = db.execute("SELECT * FROM postal_order WHERE ns = ? AND dossier_code = ?",
                         (ns, dossier_code)).fetchone()
        if row is None:
            return None
        events = db.execute("SELECT * FROM postal_event WHERE ns = ? AND dossier_code = ? ORDER BY seq",
                            (ns, dossier_code)).fetchall()
        return PostalOrder(row["dossier_code"], row["waybill"], row["status"], row["last_error"], row["created_at"],
                           [TrackingEvent(e["status"], e["status_name"] or "", e["time"], e["location"] or "",
                                          e["note"] or "") for e in events])

    def request(self, ns: str, dossier_code: str) -> dict[str, Any] | None:
        row = self.store.one("SELECT request FROM postal_order WHERE ns = ? AND dossier_code = ?", (ns, dossier_code))
        return None if row is None else loads(row["request"])

    def find_by_waybill(self, conn: sqlite3.Connection, ns: str, waybill: str) -> str | None:
        row = conn.execute("SELECT dossier_code FROM postal_order WHERE ns = ? AND waybill = ?",
                           (ns, waybill)).fetchone()
        return None if row is None else str(row["dossier_code"])

    def order_of(self, conn: sqlite3.Connection, ns: str, waybill: str, order_number: str) -> str:
        """The dossier a tracking event is for: by its waybill, or by the order number (= MaHoSo) while the answer
        carrying the waybill is not recorded yet (the waybill is recorded then)."""
        code = self.find_by_waybill(conn, ns, waybill)
        if code is not None:
            return code
        order = self.get(ns, order_number, conn=conn)
        if order is None or (order.waybill and order.waybill != waybill):
            raise NotFound("POSTAL_ORDER_NOT_FOUND", f"Không có đơn hàng bưu chính với mã vận đơn '{waybill}'.",
                           f"No postal order with waybill '{waybill}'.")
        self.record_waybill(ns, order_number, waybill, conn=conn)
        return order_number

    def record_waybill(self, ns: str, dossier_code: str, waybill: str, conn: sqlite3.Connection | None = None) -> None:
        db: Any = conn or self.store
        db.execute(
            "UPDATE postal_order SET waybill = ?, last_error = NULL, updated_at = ?,"
            " status = CASE WHEN status = 'handed_over' THEN 'created' ELSE status END"
            " WHERE ns = ? AND dossier_code = ? AND (waybill IS NULL OR waybill = ?)",
            (waybill, self._now(ns), ns, dossier_code, waybill),
        )

    def record_error(self, ns: str, dossier_code: str, error: str) -> None:
        self.store.execute("UPDATE postal_order SET last_error = ?, updated_at = ? WHERE ns = ? AND dossier_code = ?",
                           (error[:500], self._now(ns), ns, dossier_code))

    def add_event(self, conn: sqlite3.Connection, ns: str, dossier_code: str, event: TrackingEvent, now: str) -> bool:
        """Keep a tracking event; False for a duplicate (same state at the same time)."""
        seq = conn.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM postal_event WHERE ns = ? AND dossier_code = ?",
                           (ns, dossier_code)).fetchone()[0]
        cursor = conn.execute(
            "INSERT OR IGNORE INTO postal_event(ns, dossier_code, seq, status, status_name, time, location, note,"
            " received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (ns, dossier_code, seq, event.status, event.status_name, event.time, event.location, event.note, now),
        )
        if cursor.rowcount != 1:
            return False
        conn.execute("UPDATE postal_order SET status = ?, updated_at = ? WHERE ns = ? AND dossier_code = ?",
                     (event.status, now, ns, dossier_code))
        return True

    def _now(self, ns: str) -> str:
        return to_iso(self.clock.now(ns)) or ""

    def reset(self, ns: str) -> None:
        self.store.delete_namespace(ns, ("postal_event", "postal_order"))
