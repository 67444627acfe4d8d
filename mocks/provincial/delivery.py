"""The result's way back by public post: postal orders, their waybills and tracking events.

When a dossier whose result goes by post reaches "Đã xử lý xong" (and its fee is paid),
the portal queues one postal order (outbox kind `postal_order`); the sender posts it to
the postal service's `/api/orders` and records the waybill (ItemCode) when the answer is
Status "100". The postal service answers the same waybill for the same OrderNumber, so a
retry after a lost answer is safe. Tracking events arrive on the portal's webhook and are
kept here; what they mean for the dossier (delivered -> "Đã trả kết quả") is decided in
dossiers.py.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import requests

from mocks.core.clock import Clock
from mocks.core.config import StackConfig
from mocks.core.identifiers import InvalidIdentifier, normalise_mobile
from mocks.core.namespace import forward_headers
from mocks.core.outbox import OutboxMessage, Refused
from mocks.core.storage import Store, dumps, loads
from mocks.core.timefmt import to_iso

from .catalogue import Agency, Catalogue

if TYPE_CHECKING:
    from .dossiers import Dossier

POSTAL_KIND = "postal_order"
STATUS_OK = "100"
STATUS_INVALID = "101"   # the postal answer to an order it read and found invalid
TIMEOUT = (3.05, 15.0)
# Province-tier departments sit in the provincial capital.
PROVINCE_SEAT_DISTRICT = "Thành phố Tam Kỳ"

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
ADDRESS_LIMITS: dict[str, int] = {"name": 200, "phone": 32, "address": 400, "province": 100, "district": 100,
                                  "commune": 100}
ADDRESS_LABELS: dict[str, str] = {"name": "Họ tên người nhận", "phone": "Số điện thoại người nhận",
                                  "address": "Địa chỉ nhận", "province": "Tỉnh/Thành phố", "district": "Quận/Huyện",
                                  "commune": "Phường/Xã"}

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


@dataclass(frozen=True)
class PostalAddress:
    name: str
    phone: str
    address: str
    province: str
    district: str
    commune: str = ""

    def to_json(self) -> dict[str, str]:
        return {"name": self.name, "phone": self.phone, "address": self.address, "province": self.province,
                "district": self.district, "commune": self.commune}


class InvalidAddress(ValueError):
    def __init__(self, problems: list[dict[str, str]]) -> None:
        super().__init__("; ".join(p["problem"] for p in problems))
        self.problems = problems


def parse_address(value: Any) -> PostalAddress:
    """A receiver's address; InvalidAddress lists every field that is missing or wrong."""
    if not isinstance(value, dict):
        raise InvalidAddress([{"field": "postal_address", "label": "Địa chỉ nhận kết quả",
                               "problem": "Thiếu địa chỉ nhận kết quả qua bưu chính."}])
    problems: list[dict[str, str]] = []
    clean: dict[str, str] = {}
    for name, limit in ADDRESS_LIMITS.items():
        raw = value.get(name)
        text = raw.strip() if isinstance(raw, str) else ("" if raw is None else None)
        label = ADDRESS_LABELS[name]
        if text is None:
            problems.append({"field": name, "label": label, "problem": f"{label} phải là chuỗi ký tự."})
        elif not text and name != "commune":
            problems.append({"field": name, "label": label, "problem": f"Thiếu {label.lower()}."})
        elif len(text) > limit:
            problems.append({"field": name, "label": label, "problem": f"{label} dài quá {limit} ký tự."})
        else:
            clean[name] = text
    if clean.get("phone"):
        try:
            clean["phone"] = normalise_mobile(clean["phone"])
        except InvalidIdentifier as exc:
            problems.append({"field": "phone", "label": ADDRESS_LABELS["phone"], "problem": exc.vi})
    if problems:
        raise InvalidAddress(problems)
    return PostalAddress(**clean)


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


def order_request(config: StackConfig, catalogue: Catalogue, d: Dossier, address: PostalAddress) -> dict[str, Any]:
    """The body of POST /api/orders for a dossier's result."""
    agency = catalogue.agency(d.agency_code)
    sender = _sender(catalogue, agency) if agency else {"Name": d.agency_name, "Province": catalogue.province_name}
    receiver_address = address.address if not address.commune else f"{address.address}, {address.commune}"
    return {
        "CustomerCode": config.credentials.postal_customer_code,
        "OrderNumber": d.code,
        "CODAmount": 0,
        "Sender": sender,
        "Receiver": {"Name": address.name, "Tel": address.phone, "Email": d.email or "", "Address": receiver_address,
                     "Province": address.province, "District": address.district},
        "Description": f"Kết quả giải quyết hồ sơ {d.code}: {d.procedure_name}"[:2000],
    }


def _sender(catalogue: Catalogue, agency: Agency) -> dict[str, str]:
    phone = "".join(ch for ch in agency.phone if ch.isdigit() or ch == "+")
    return {"Name": agency.name, "Tel": phone, "Email": agency.email, "Address": agency.address,
            "Province": catalogue.province_name,
            "District": catalogue.district_name(agency) or PROVINCE_SEAT_DISTRICT}


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


class PostalRefused(RuntimeError):
    """The postal service did not accept the order (not Status "100"): retry later."""


class PostalClient:
    def __init__(self, config: StackConfig, http: requests.Session | None = None) -> None:
        self.url = config.url("postal").rstrip("/") + "/api/orders"
        self.tracking_base = config.url("postal").rstrip("/")
        self.access_token = config.credentials.postal_access_token
        self.http = http or requests.Session()

    def create_order(self, ns: str, request: dict[str, Any]) -> dict[str, Any]:
        headers = {**forward_headers(ns), "access_token": self.access_token}
        try:
            reply = self.http.post(self.url, json=request, headers=headers, timeout=TIMEOUT)
        except requests.RequestException as exc:
            raise PostalRefused(f"postal order {request.get('OrderNumber')}: {type(exc).__name__}: {exc}") from exc
        try:
            answer = reply.json()
        except ValueError:
            answer = None
        if isinstance(answer, dict) and answer.get("Status") == STATUS_INVALID and 400 <= reply.status_code < 500:
            # The postal service read the order and found it invalid: sending it again cannot help.
            message = str(answer.get("Message"))[:300]
            raise Refused(STATUS_INVALID, f"postal order {request.get('OrderNumber')}: {message}")
        if not isinstance(answer, dict) or answer.get("Status") != STATUS_OK or not answer.get("ItemCode"):
            shown = answer if answer is not None else reply.text[:300]
            raise PostalRefused(f"postal order {request.get('OrderNumber')} answered HTTP {reply.status_code}: "
                                f"{str(shown)[:300]}")
        return answer


class PostalOrderSender:
    """The outbox sender of POSTAL_KIND."""

    def __init__(self, orders: PostalOrders, client: PostalClient) -> None:
        self.orders = orders
        self.client = client

    def __call__(self, message: OutboxMessage) -> None:
        code = message.payload["dossier_code"]
        try:
            answer = self.client.create_order(message.ns, message.payload["order"])
        except (PostalRefused, Refused) as exc:
            self.orders.record_error(message.ns, code, str(exc))
            raise
        self.orders.record_waybill(message.ns, code, str(answer["ItemCode"]))
