"""Postal orders: customers, waybills, the delivery state machine, tracking events and their webhooks.

The wire protocol (docs/protocols.md, "Postal service") keeps VNPost's field
names: an order is created with `CustomerCode, OrderNumber (= MaHoSo), CODAmount,
Sender{...}, Receiver{...}, Description` under the header `access_token`, and answers
`{"Status": "100", ...}`. Customers are stack-wide; orders, events and the waybill
counter belong to a namespace.
"""

from __future__ import annotations

import hmac
import re
import secrets
import sqlite3
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from mocks.core.clock import Clock
from mocks.core.codes import POSTAL_STATUS_OK, postal_status
from mocks.core.config import StackConfig
from mocks.core.errors import Conflict, DomainError, Forbidden, NotFound, Unauthorized
from mocks.core.identifiers import InvalidIdentifier, normalise_mobile
from mocks.core.outbox import Outbox
from mocks.core.storage import Store, dumps, loads
from mocks.core.timefmt import from_iso, to_iso, to_wire
from mocks.core.urls import is_absolute_http_url
from mocks.core.world import Worlds

from . import s10
from .places import DEFAULT_TARIFF, Tariff, home_province, office_for, sorting_centre

WEBHOOK_KIND = "postal.event"
WAYBILL_SERVICE = "EB"          # service indicator of the waybills we issue (EMS-like) [assumed]
WAYBILL_FIRST_SERIAL = 10_000_001  # first serial of a namespace, so codes look like real ones [assumed]
BUILT_IN_NAME = "Cổng Dịch vụ công tỉnh Quảng Nam"

# Result codes of the protocol's `Status` field (mocks/core/codes.py: the portal's webhook answers with them too).
STATUS_OK = POSTAL_STATUS_OK
result_status = postal_status


# -- the delivery state machine ------------------------------------------------------------------
STATE_NAMES: dict[str, str] = {
    "created": "Đã tiếp nhận đơn hàng",
    "picked_up": "Đã lấy hàng",
    "in_transit": "Đang vận chuyển",
    "delivered": "Đã phát thành công",
    "delivery_failed": "Phát không thành công",
    "returned": "Đã chuyển hoàn về người gửi",
}
# Allowed moves; the first one listed is "next on the happy path" (a failed delivery is tried again).
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "created": ("picked_up",),
    "picked_up": ("in_transit",),
    "in_transit": ("delivered", "delivery_failed"),
    "delivery_failed": ("in_transit", "returned"),
    "delivered": (),
    "returned": (),
}

# Limits of the wire fields [assumed, except OrderNumber's 64 from the brief].
MAX_ORDER_NUMBER = 64
MAX_NAME = 200
MAX_ADDRESS = 500
MAX_PLACE = 100
MAX_EMAIL = 254
MAX_DESCRIPTION = 2000
MAX_NOTE = 500
MAX_COD = 1_000_000_000
PARTY_FIELDS: tuple[str, ...] = ("Name", "Tel", "Email", "Address", "Province", "District")
RECEIVER_REQUIRED: tuple[str, ...] = ("Name", "Tel", "Address", "Province")
_PARTY_LIMITS = {"Name": MAX_NAME, "Email": MAX_EMAIL, "Address": MAX_ADDRESS, "Province": MAX_PLACE,
                 "District": MAX_PLACE, "Tel": 32}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_CUSTOMER_CODE = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")
_TOKEN = re.compile(r"^[\x21-\x7e]{8,200}$")   # visible ASCII: it travels in a header
_PHONE_NOISE = re.compile(r"[\s.\-()]")

DDL = """
CREATE TABLE IF NOT EXISTS postal_customer (
    customer_code TEXT PRIMARY KEY,           -- stack-wide: not namespaced, survives reset
    access_token TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    webhook_url TEXT,
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS postal_order (
    ns TEXT NOT NULL,
    item_code TEXT NOT NULL,
    customer_code TEXT NOT NULL,
    order_number TEXT NOT NULL,
    cod_amount INTEGER NOT NULL,
    total_fee INTEGER NOT NULL,
    sender TEXT NOT NULL,
    receiver TEXT NOT NULL,
    description TEXT NOT NULL,
    state TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (ns, item_code),
    UNIQUE (ns, customer_code, order_number)
);
CREATE INDEX IF NOT EXISTS postal_order_by_number ON postal_order(ns, order_number);
CREATE TABLE IF NOT EXISTS postal_event (
    ns TEXT NOT NULL,
    item_code TEXT NOT NULL,
    seq INTEGER NOT NULL,
    status TEXT NOT NULL,
    time TEXT NOT NULL,
    location TEXT NOT NULL,
    note TEXT NOT NULL,
    PRIMARY KEY (ns, item_code, seq)
);
CREATE TABLE IF NOT EXISTS postal_counter (
    ns TEXT NOT NULL,
    name TEXT NOT NULL,
    value INTEGER NOT NULL,
    PRIMARY KEY (ns, name)
);
CREATE TABLE IF NOT EXISTS postal_schedule (
    ns TEXT PRIMARY KEY,
    hours TEXT NOT NULL               -- {"picked_up": 4, "in_transit": 8, "delivered": 24}
);
"""
NAMESPACED_TABLES = ("postal_event", "postal_order", "postal_counter", "postal_schedule")

# Hours from one event to the next when a namespace runs the delivery schedule [assumed:
# a pick-up within the half day, a day's transport and delivery within the province].
DEFAULT_SCHEDULE: dict[str, float] = {"picked_up": 4, "in_transit": 8, "delivered": 24}

Problem = Callable[[str, str, str, str], None]  # collects (field, code, vi, en) while reading an order


@dataclass(frozen=True)
class Customer:
    """A sender with a contract: the provincial portal, or one registered on the admin surface."""

    code: str
    name: str
    access_token: str
    webhook_url: str | None
    built_in: bool = False

    def admin_view(self) -> dict[str, Any]:
        return {"customer_code": self.code, "name": self.name, "access_token": self.access_token,
                "webhook_url": self.webhook_url, "built_in": self.built_in}


@dataclass(frozen=True)
class TrackingEvent:
    seq: int
    status: str
    time: datetime
    location: str
    note: str

    @property
    def status_name(self) -> str:
        return STATE_NAMES[self.status]

    def to_wire(self) -> dict[str, Any]:
        return {"Status": self.status, "StatusName": self.status_name, "Time": to_wire(self.time),
                "Location": self.location, "Note": self.note}


@dataclass(frozen=True)
class PostalOrder:
    ns: str
    item_code: str
    order_number: str
    customer_code: str
    cod_amount: int
    total_fee: int
    sender: dict[str, str]
    receiver: dict[str, str]
    description: str
    state: str
    created_at: datetime
    updated_at: datetime
    events: list[TrackingEvent] = field(default_factory=list)

    @property
    def state_name(self) -> str:
        return STATE_NAMES[self.state]

    @property
    def next_states(self) -> tuple[str, ...]:
        return TRANSITIONS[self.state]

    def to_wire(self) -> dict[str, Any]:
        """The order in the protocol's field names (GET /api/orders/{ItemCode})."""
        return {
            "ItemCode": self.item_code, "OrderNumber": self.order_number, "CustomerCode": self.customer_code,
            "CODAmount": self.cod_amount, "TotalFee": self.total_fee, "Sender": dict(self.sender),
            "Receiver": dict(self.receiver), "Description": self.description,
            "OrderStatus": self.state, "OrderStatusName": self.state_name,
            "CreatedTime": to_wire(self.created_at), "UpdatedTime": to_wire(self.updated_at),
            "Events": [e.to_wire() for e in self.events],
        }

    def admin_view(self) -> dict[str, Any]:
        """The order in our own API's snake_case (admin surface)."""
        return {
            "item_code": self.item_code, "order_number": self.order_number, "customer_code": self.customer_code,
            "cod_amount": self.cod_amount, "total_fee": self.total_fee, "sender": dict(self.sender),
            "receiver": dict(self.receiver), "description": self.description, "state": self.state,
            "state_name": self.state_name, "next_states": list(self.next_states),
            "created_at": to_iso(self.created_at), "updated_at": to_iso(self.updated_at),
            "events": [{"seq": e.seq, "status": e.status, "status_name": e.status_name, "time": to_iso(e.time),
                        "location": e.location, "note": e.note} for e in self.events],
        }


class PostalService:
    """The postal operator: the rules of customers, orders and deliveries, over the core Store."""

    def __init__(
        self, store: Store, clock: Clock, outbox: Outbox, config: StackConfig, *, tariff: Tariff = DEFAULT_TARIFF,
    ) -> None:
        self.store = store
        self.clock = clock
        self.outbox = outbox
        self.config = config
        self.tariff = tariff
        self.worlds = Worlds(clock)
        store.migrate(DDL)

    # -- customers (stack-wide) ------------------------------------------------------------------
    def builtin_customer(self) -> Customer:
        """The provincial portal's contract, from the stack's credentials (stack.json "postal")."""
        creds = self.config.credentials
        webhook = self.config.url("provincial").rstrip("/") + "/api/postal/events"
        return Customer(creds.postal_customer_code, BUILT_IN_NAME, creds.postal_access_token, webhook, built_in=True)

    def customers(self) -> list[Customer]:
        rows = self.store.query("SELECT * FROM postal_customer ORDER BY created_at, customer_code")
        return [self.builtin_customer(), *(_customer(r) for r in rows)]

    def customer(self, code: str) -> Customer | None:
        builtin = self.builtin_customer()
        if code == builtin.code:
            return builtin
        row = self.store.one("SELECT * FROM postal_customer WHERE customer_code = ?", (code,))
        return None if row is None else _customer(row)

    def register_customer(
        self, *, customer_code: str, name: str, access_token: str | None = None, webhook_url: str | None = None,
    ) -> tuple[Customer, bool]:
        """Add a customer, or update one registered before; returns (customer, created)."""
        name, webhook_url = _check_registration(customer_code, name, access_token, webhook_url)
        builtin = self.builtin_customer()
        if customer_code == builtin.code:
            raise Conflict("BUILT_IN_CUSTOMER",
                           "Khách hàng mặc định của Cổng DVC tỉnh được cấu hình sẵn, không thể ghi đè.",
                           "The provincial portal's built-in customer comes from the stack's credentials; "
                           "it cannot be replaced.")
        with self.store.transaction() as conn:
            existing = conn.execute("SELECT * FROM postal_customer WHERE customer_code = ?",
                                    (customer_code,)).fetchone()
            token = access_token or (existing["access_token"] if existing else secrets.token_urlsafe(24))
            other = conn.execute("SELECT 1 FROM postal_customer WHERE access_token = ? AND customer_code <> ?",
                                 (token, customer_code)).fetchone()
            if other is not None or hmac.compare_digest(token, builtin.access_token):
                raise Conflict("ACCESS_TOKEN_TAKEN", "access_token này đã được cấp cho khách hàng khác.",
                               "This access_token belongs to another customer.", details={"field": "access_token"})
            if existing is None:
                conn.execute("INSERT INTO postal_customer(customer_code, access_token, name, webhook_url, created_at) "
                             "VALUES (?, ?, ?, ?, ?)", (customer_code, token, name, webhook_url, _stamp(self.clock)))
            else:
                conn.execute("UPDATE postal_customer SET access_token = ?, name = ?, webhook_url = ? "
                             "WHERE customer_code = ?", (token, name, webhook_url, customer_code))
        return Customer(customer_code, name, token, webhook_url), existing is None

    def authenticate(self, access_token: str | None) -> Customer:
        """The customer owning this `access_token` header; Unauthorized otherwise."""
        if access_token:
            for candidate in self.customers():
                if hmac.compare_digest(candidate.access_token.encode(), access_token.encode()):
                    return candidate
        raise Unauthorized("ACCESS_TOKEN_INVALID",
                           "Thiếu hoặc sai access_token (tiêu đề access_token của khách hàng).",
                           "The access_token header is missing or matches no customer.")

    # -- orders ------------------------------------------------------------------------------------
    def create_order(self, ns: str, customer: Customer, body: Mapping[str, Any]) -> tuple[PostalOrder, bool]:
        """Accept an order; the same OrderNumber again answers the order already made: (order, created)."""
        if not isinstance(body, Mapping):
            raise DomainError("INVALID_BODY", "Nội dung yêu cầu phải là một đối tượng JSON.",
                              "The request body must be a JSON object.")
        claimed = body.get("CustomerCode")
        if isinstance(claimed, str) and claimed.strip() and claimed.strip() != customer.code:
            shown = claimed.strip()[:64]
            raise Forbidden("CUSTOMER_MISMATCH",
                            f"CustomerCode '{shown}' không khớp với access_token (khách hàng {customer.code}).",
                            f"CustomerCode '{shown}' does not match the access_token's customer {customer.code}.")
        order = _OrderForm.read(body)
        with self.store.transaction() as conn:
            existing = conn.execute(
                "SELECT item_code FROM postal_order WHERE ns = ? AND customer_code = ? AND order_number = ?",
                (ns, customer.code, order.order_number),
            ).fetchone()
            if existing is not None:
                if order.item_code and order.item_code != existing["item_code"]:
                    raise Conflict("ORDER_NUMBER_TAKEN",
                                   f"OrderNumber {order.order_number} đã có mã vận đơn {existing['item_code']}.",
                                   f"OrderNumber {order.order_number} already has waybill {existing['item_code']}.")
                return self._load(conn, ns, existing["item_code"]), False
            item_code = order.item_code or self._issue_waybill(conn, ns)
            if order.item_code and conn.execute("SELECT 1 FROM postal_order WHERE ns = ? AND item_code = ?",
                                                (ns, item_code)).fetchone():
                raise Conflict("ITEM_CODE_TAKEN", f"Mã vận đơn {item_code} đã được dùng cho đơn hàng khác.",
                               f"Waybill {item_code} is already used by another order.",
                               details={"field": "ItemCode"})
            now = self.clock.now(ns)
            two_tiers = self.worlds.of(ns).two_tiers
            fee = self.tariff.fee(order.sender.get("Province") or home_province(two_tiers), order.receiver["Province"],
                                  two_tiers=two_tiers)
            conn.execute(
                "INSERT INTO postal_order(ns, item_code, customer_code, order_number, cod_amount, total_fee, sender,"
                " receiver, description, state, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (ns, item_code, customer.code, order.order_number, order.cod_amount, fee, dumps(order.sender),
                 dumps(order.receiver), order.description, "created", now.isoformat(), now.isoformat()),
            )
            created = self._load(conn, ns, item_code)
            self._record(conn, created, customer, "created", now, None, None)
            return self._load(conn, ns, item_code), True

    def find_order(self, ns: str, item_code: str) -> PostalOrder | None:
        if not isinstance(item_code, str) or not item_code.strip() or len(item_code) > 64:
            return None
        row = self.store.one("SELECT item_code FROM postal_order WHERE ns = ? AND item_code = ?",
                             (ns, item_code.strip().upper()))
        return None if row is None else self._load(self.store, ns, row["item_code"])

    def order(self, ns: str, item_code: str) -> PostalOrder:
        found = self.find_order(ns, item_code)
        if found is None:
            raise NotFound("ORDER_NOT_FOUND", f"Không tìm thấy bưu gửi có mã vận đơn {str(item_code)[:64]}.",
                           f"No postal order with waybill {str(item_code)[:64]}.")
        return found

    def order_for(self, ns: str, customer: Customer, item_code: str) -> PostalOrder:
        """An order as its customer sees it: another customer's waybill is refused."""
        found = self.order(ns, item_code)
        if found.customer_code != customer.code:
            raise Forbidden("NOT_YOUR_ORDER", "Bưu gửi này thuộc khách hàng khác.",
                            "This postal order belongs to another customer.")
        return found

    def orders(self, ns: str, order_number: str | None = None, limit: int = 100) -> list[PostalOrder]:
        sql, args = "SELECT item_code FROM postal_order WHERE ns = ?", [ns]
        if order_number:
            sql += " AND order_number = ?"
            args.append(order_number)
        rows = self.store.query(sql + " ORDER BY created_at, item_code LIMIT ?", [*args, max(1, min(limit, 1000))])
        return [self._load(self.store, ns, r["item_code"]) for r in rows]

    # -- the delivery schedule (orders move by themselves as the namespace's clock runs) ----------------
    def schedule(self, ns: str) -> dict[str, float] | None:
        row = self.store.one("SELECT hours FROM postal_schedule WHERE ns = ?", (ns,))
        return None if row is None else loads(row["hours"])

    def set_schedule(self, ns: str, hours: Mapping[str, float] | None) -> dict[str, float] | None:
        """Run orders on a schedule (hours between events), or stop (None: orders move only when advanced)."""
        if hours is None:
            self.store.execute("DELETE FROM postal_schedule WHERE ns = ?", (ns,))
            return None
        merged = {**DEFAULT_SCHEDULE, **{k: float(v) for k, v in hours.items()}}
        unknown = set(merged) - set(DEFAULT_SCHEDULE)
        if unknown or any(not 0 < v <= 24 * 60 for v in merged.values()):
            raise DomainError("INVALID_SCHEDULE", "Lịch phát phải cho số giờ (0–1440) của picked_up, in_transit, "
                              "delivered.", "A schedule gives hours (0-1440) for picked_up, in_transit, delivered.")
        self.store.execute("INSERT INTO postal_schedule(ns, hours) VALUES (?, ?) ON CONFLICT(ns) DO UPDATE SET "
                           "hours = excluded.hours", (ns, dumps(merged)))
        self.catch_up(ns)
        return merged

    def catch_up(self, ns: str) -> int:
        """Apply every scheduled move that is due by the namespace's clock; each event at its due time."""
        hours = self.schedule(ns)
        if hours is None:
            return 0
        now = self.clock.now(ns)
        moved = 0
        rows = self.store.query("SELECT item_code FROM postal_order WHERE ns = ? AND state IN "
                                "('created', 'picked_up', 'in_transit')", (ns,))
        for row in rows:
            order = self.order(ns, row["item_code"])
            while order.state in ("created", "picked_up", "in_transit"):
                target = TRANSITIONS[order.state][0]
                due = order.updated_at + timedelta(hours=hours[target])
                if due > now:
                    break
                order = self.advance(ns, order.item_code, target, at=due)
                moved += 1
        return moved

    def advance(
        self, ns: str, item_code: str, to: str | None = None, *, location: str | None = None, note: str | None = None,
        at: datetime | None = None,
    ) -> PostalOrder:
        """Move an order to `to`, or to the next state on the happy path; Conflict when not allowed."""
        if to is not None and to not in STATE_NAMES:
            raise DomainError("UNKNOWN_STATE", f"Trạng thái '{str(to)[:40]}' không tồn tại.",
                              f"Unknown state '{str(to)[:40]}'.", details={"states": list(STATE_NAMES)})
        location = _optional_text(location, "location", MAX_PLACE * 2)
        note = _optional_text(note, "note", MAX_NOTE)
        with self.store.transaction() as conn:
            current = self.order(ns, item_code)
            allowed = TRANSITIONS[current.state]
            if not allowed:
                raise Conflict(
                    "ORDER_CLOSED",
                    f"Bưu gửi {current.item_code} đã ở trạng thái cuối '{current.state_name}', không thể chuyển tiếp.",
                    f"Postal order {current.item_code} is {current.state}, a final state: it cannot move on.",
                    details={"state": current.state, "allowed": []},
                )
            target = to or allowed[0]
            if target not in allowed:
                raise Conflict(
                    "ILLEGAL_TRANSITION",
                    f"Không thể chuyển bưu gửi {current.item_code} từ '{current.state_name}' sang "
                    f"'{STATE_NAMES[target]}'.",
                    f"Postal order {current.item_code} cannot move from {current.state} to {target}.",
                    details={"state": current.state, "allowed": list(allowed)},
                )
            now = at or self.clock.now(ns)
            conn.execute("UPDATE postal_order SET state = ?, updated_at = ? WHERE ns = ? AND item_code = ?",
                         (target, now.isoformat(), ns, current.item_code))
            customer = self.customer(current.customer_code)
            self._record(conn, current, customer, target, now, location, note)
            return self._load(conn, ns, current.item_code)

    def reset(self, ns: str) -> None:
        self.store.delete_namespace(ns, NAMESPACED_TABLES)

    # -- webhooks ------------------------------------------------------------------------------------
    def webhook_target(self, customer_code: str) -> tuple[str, str] | None:
        """(url, access_token) to post a customer's events to, as registered now; None without a webhook."""
        customer = self.customer(customer_code)
        if customer is None or not customer.webhook_url:
            return None
        return customer.webhook_url, customer.access_token

    # -- internals -------------------------------------------------------------------------------------
    def _issue_waybill(self, conn: sqlite3.Connection, ns: str) -> str:
        """The next waybill of the namespace's counter (skipping codes a customer brought along)."""
        while True:
            row = conn.execute(
                "INSERT INTO postal_counter(ns, name, value) VALUES (?, 'waybill', ?) "
                "ON CONFLICT(ns, name) DO UPDATE SET value = value + 1 RETURNING value",
                (ns, WAYBILL_FIRST_SERIAL),
            ).fetchone()
            code = s10.compose(WAYBILL_SERVICE, int(row[0]))
            if conn.execute("SELECT 1 FROM postal_order WHERE ns = ? AND item_code = ?", (ns, code)).fetchone() is None:
                return code

    def _record(
        self, conn: sqlite3.Connection, order: PostalOrder, customer: Customer | None, status: str,
        now: datetime, location: str | None, note: str | None,
    ) -> None:
        """Append a tracking event and queue its webhook in the same transaction."""
        seq = 1 + (conn.execute("SELECT COALESCE(MAX(seq), 0) FROM postal_event WHERE ns = ? AND item_code = ?",
                                (order.ns, order.item_code)).fetchone()[0])
        event = TrackingEvent(seq, status, now,
                              location or event_location(order, status, two_tiers=self.worlds.of(order.ns).two_tiers),
                              note or event_note(order, status))
        conn.execute("INSERT INTO postal_event(ns, item_code, seq, status, time, location, note)"
                     " VALUES (?,?,?,?,?,?,?)",
                     (order.ns, order.item_code, seq, status, now.isoformat(), event.location, event.note))
        if customer is not None and customer.webhook_url:
            self.outbox.enqueue(order.ns, WEBHOOK_KIND, {"customer_code": customer.code,
                                                         "url": customer.webhook_url,
                                                         "event": webhook_body(order, event)},
                                key=order.item_code, conn=conn)

    def _load(self, conn: sqlite3.Connection | Store, ns: str, item_code: str) -> PostalOrder:
        row = conn.execute("SELECT * FROM postal_order WHERE ns = ? AND item_code = ?", (ns, item_code)).fetchone()
        events = conn.execute("SELECT * FROM postal_event WHERE ns = ? AND item_code = ? ORDER BY seq",
                              (ns, item_code)).fetchall()
        return PostalOrder(
            ns=ns, item_code=row["item_code"], order_number=row["order_number"], customer_code=row["customer_code"],
            cod_amount=row["cod_amount"], total_fee=row["total_fee"], sender=loads(row["sender"]),
            receiver=loads(row["receiver"]), description=row["description"], state=row["state"],
            created_at=_when(row["created_at"]), updated_at=_when(row["updated_at"]),
            events=[TrackingEvent(e["seq"], e["status"], _when(e["time"]), e["location"], e["note"]) for e in events],
        )


def webhook_body(order: PostalOrder, event: TrackingEvent) -> dict[str, Any]:
    """What the customer's webhook receives for one tracking event."""
    return {"ItemCode": order.item_code, "OrderNumber": order.order_number, "CustomerCode": order.customer_code,
            **event.to_wire()}


def event_location(order: PostalOrder, status: str, *, two_tiers: bool = False) -> str:
    """Where an event happens: the sender's office, the sorting centre, or the receiver's office (`two_tiers`: the
    namespace's date is 1 July 2025 or later, places.py)."""
    sender_office = office_for(order.sender.get("District", ""), order.sender.get("Province", ""), two_tiers=two_tiers)
    if status in ("created", "picked_up", "returned"):
        return sender_office
    if status == "in_transit":
        return sorting_centre(two_tiers)
    return office_for(order.receiver.get("District", ""), order.receiver.get("Province", ""), two_tiers=two_tiers)


def event_note(order: PostalOrder, status: str) -> str:
    """The default note of an event; `order` is the order as it was before the event."""
    receiver = order.receiver.get("Name", "")
    notes = {
        "created": f"Tiếp nhận đơn hàng {order.order_number} của khách hàng {order.customer_code}",
        "picked_up": "Bưu tá đã nhận bưu gửi từ người gửi",
        "in_transit": ("Phát lại: bưu gửi được chuyển lại đến bưu cục phát" if order.state == "delivery_failed"
                       else "Bưu gửi đang được chuyển đến bưu cục phát"),
        "delivered": f"Đã phát cho người nhận {receiver}".strip(),
        "delivery_failed": "Không liên lạc được với người nhận",
        "returned": "Bưu gửi đã được chuyển hoàn về người gửi",
    }
    return notes[status]


# -- reading an order body ---------------------------------------------------------------------------
@dataclass
class _OrderForm:
    order_number: str
    item_code: str | None
    cod_amount: int
    sender: dict[str, str]
    receiver: dict[str, str]
    description: str

    @classmethod
    def read(cls, body: Mapping[str, Any]) -> _OrderForm:
        """Check every field; one error naming every problem (field, code, vi, en) in its details."""
        problems: list[dict[str, str]] = []

        def problem(path: str, code: str, vi: str, en: str) -> None:
            problems.append({"field": path, "code": code, "problem_vi": vi, "problem_en": en})

        if _blank(body.get("CustomerCode")):
            problem("CustomerCode", "MISSING_FIELD", "Thiếu mã khách hàng", "CustomerCode is required")
        elif not isinstance(body.get("CustomerCode"), str):
            problem("CustomerCode", "INVALID_FIELD", "Mã khách hàng phải là chuỗi", "CustomerCode must be text")
        order_number = _text_field(body, "OrderNumber", MAX_ORDER_NUMBER, True, problem, "OrderNumber")
        item_code = _text_field(body, "ItemCode", 13, False, problem, "ItemCode")
        if item_code:
            item_code = item_code.upper()
            if not s10.is_valid(item_code):
                problem("ItemCode", "INVALID_ITEM_CODE",
                        "Mã vận đơn phải theo chuẩn UPU S10 (2 chữ cái, 8 chữ số, 1 số kiểm tra, mã nước)",
                        "ItemCode must be a UPU S10 code (2 letters, 8 digits, a check digit, a country code)")
        cod = _cod_amount(body.get("CODAmount"), problem)
        sender = _party(body.get("Sender"), "Sender", (), problem)
        receiver = _party(body.get("Receiver"), "Receiver", RECEIVER_REQUIRED, problem)
        description = _text_field(body, "Description", MAX_DESCRIPTION, False, problem, "Description") or ""
        if problems:
            fields = ", ".join(p["field"] for p in problems)
            codes = {p["code"] for p in problems}
            raise DomainError(
                problems[0]["code"] if len(codes) == 1 else "INVALID_ORDER",
                f"Đơn hàng không hợp lệ: {'; '.join(p['field'] + ': ' + p['problem_vi'] for p in problems)}.",
                f"Invalid order ({fields}): {'; '.join(p['problem_en'] for p in problems)}.",
                details=problems,
            )
        assert order_number is not None
        return cls(order_number, item_code or None, cod, sender, receiver, description)


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text_field(
    obj: Mapping[str, Any], key: str, limit: int, required: bool, problem: Problem, path: str,
) -> str | None:
    value = obj.get(key)
    if _blank(value):
        if required:
            problem(path, "MISSING_FIELD", "Trường bắt buộc bị thiếu", f"{path} is required")
        return None
    if not isinstance(value, str):
        problem(path, "INVALID_FIELD", "Phải là chuỗi ký tự", f"{path} must be text")
        return None
    value = value.strip()
    if len(value) > limit:
        problem(path, "FIELD_TOO_LONG", f"Tối đa {limit} ký tự", f"{path} is longer than {limit} characters")
        return None
    return value


def _cod_amount(value: Any, problem: Problem) -> int:
    if value is None or value == "":
        return 0
    amount: int | None = None
    if isinstance(value, bool):
        amount = None
    elif isinstance(value, int):
        amount = value
    elif isinstance(value, float) and value.is_integer():
        amount = int(value)
    elif isinstance(value, str) and value.strip().isdigit():
        amount = int(value.strip())
    if amount is None:
        problem("CODAmount", "INVALID_FIELD", "Số tiền thu hộ phải là số nguyên (đồng)",
                "CODAmount must be a whole number of đồng")
        return 0
    if not 0 <= amount <= MAX_COD:
        problem("CODAmount", "INVALID_FIELD", f"Số tiền thu hộ phải từ 0 đến {MAX_COD:,} đồng".replace(",", "."),
                f"CODAmount must be between 0 and {MAX_COD:,} đồng")
        return 0
    return amount


def _party(value: Any, path: str, required: tuple[str, ...], problem: Problem) -> dict[str, str]:
    """Sender or Receiver: {Name, Tel, Email, Address, Province, District}, normalised."""
    party = dict.fromkeys(PARTY_FIELDS, "")
    if value is None:
        for key in required:
            problem(f"{path}.{key}", "MISSING_FIELD", "Trường bắt buộc bị thiếu", f"{path}.{key} is required")
        return party
    if not isinstance(value, Mapping):
        problem(path, "INVALID_FIELD", "Phải là một đối tượng JSON", f"{path} must be a JSON object")
        return party
    for key in PARTY_FIELDS:
        text = _text_field(value, key, _PARTY_LIMITS[key], key in required, problem, f"{path}.{key}")
        if text is None:
            continue
        if key == "Tel":
            try:
                text = normalise_phone(text)
            except InvalidIdentifier as exc:
                problem(f"{path}.Tel", exc.code, exc.vi, exc.en)
                continue
        if key == "Email" and not _EMAIL.match(text):
            problem(f"{path}.Email", "INVALID_EMAIL", "Địa chỉ thư điện tử không hợp lệ",
                    f"{path}.Email is not an e-mail address")
            continue
        party[key] = text
    return party


def normalise_phone(number: str) -> str:
    """A Vietnamese mobile (10 digits, carrier prefix) or landline (10–11 digits from 02) in national form."""
    try:
        return normalise_mobile(number)
    except InvalidIdentifier:
        digits = _PHONE_NOISE.sub("", number or "")
        if digits.startswith("+84"):
            digits = "0" + digits[3:]
        if digits.isascii() and digits.isdigit() and digits.startswith("02") and len(digits) in (10, 11):
            return digits
        raise InvalidIdentifier(
            "INVALID_PHONE",
            "Số điện thoại không hợp lệ: di động 10 chữ số với đầu số nhà mạng Việt Nam, "
            "hoặc số cố định bắt đầu bằng 02",
            "Not a Vietnamese phone number: a 10-digit mobile with a carrier prefix, or a landline starting with 02",
        ) from None


def _optional_text(value: Any, name: str, limit: int) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str) or len(value.strip()) > limit:
        raise DomainError("INVALID_FIELD", f"'{name}' phải là chuỗi tối đa {limit} ký tự.",
                          f"'{name}' must be text of at most {limit} characters.", details={"field": name})
    return value.strip()


def _check_registration(code: Any, name: Any, token: Any, webhook_url: Any) -> tuple[str, str | None]:
    """The rules of a customer registration; returns the cleaned (name, webhook_url)."""
    if not isinstance(code, str) or not _CUSTOMER_CODE.match(code):
        raise DomainError("INVALID_CUSTOMER_CODE", "Mã khách hàng gồm 1–64 ký tự chữ, số, '.', '_' hoặc '-'.",
                          "A customer code is 1-64 letters, digits, '.', '_' or '-'.",
                          details={"field": "customer_code"})
    name = name.strip() if isinstance(name, str) else ""
    if not name or len(name) > MAX_NAME:
        raise DomainError("INVALID_CUSTOMER_NAME", f"Tên khách hàng là bắt buộc, tối đa {MAX_NAME} ký tự.",
                          f"The customer name is required, at most {MAX_NAME} characters.", details={"field": "name"})
    if token is not None and (not isinstance(token, str) or not _TOKEN.match(token)):
        raise DomainError("INVALID_ACCESS_TOKEN",
                          "access_token gồm 8–200 ký tự ASCII nhìn thấy được (không có khoảng trắng).",
                          "access_token is 8-200 visible ASCII characters (no spaces).",
                          details={"field": "access_token"})
    return name, _check_webhook_url(webhook_url)


def _check_webhook_url(url: Any) -> str | None:
    if url is None or (isinstance(url, str) and not url.strip()):
        return None
    if isinstance(url, str) and is_absolute_http_url(url.strip()):
        return url.strip()
    raise DomainError("INVALID_WEBHOOK_URL", "webhook_url phải là một địa chỉ http(s) đầy đủ.",
                      "webhook_url must be an absolute http(s) URL.", details={"field": "webhook_url"})


def _customer(row: sqlite3.Row) -> Customer:
    return Customer(row["customer_code"], row["name"], row["access_token"], row["webhook_url"])


def _when(text: str) -> datetime:
    moment = from_iso(text)
    assert moment is not None
    return moment


def _stamp(clock: Clock) -> str:
    # customers are stack-wide: their registration time is on the default namespace's clock
    return clock.now("default").isoformat()
