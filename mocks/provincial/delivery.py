"""Sending a result back by public post: the postal order's body, the postal service's client and the outbox sender.

When a dossier whose result goes by post reaches "Đã xử lý xong" (and its fee is paid), the
transition table hands it to the post: `PostalHandOver` records the order (dossier/postal.py)
and queues it (outbox kind `postal_order`) in that move's transaction; the sender posts it to
the postal service's `/api/orders` and records the waybill (ItemCode) when the answer is
Status "100". The postal service answers the same waybill for the same OrderNumber, so a
retry after a lost answer is safe. Tracking events arrive on the portal's webhook; what they
mean for the dossier (delivered -> "Đã trả kết quả") is the transition table's.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import requests

from mocks.core.config import StackConfig
from mocks.core.namespace import forward_headers
from mocks.core.outbox import Outbox, OutboxMessage, Refused

from .catalogue import Agency, Catalogue
from .dossier.address import PostalAddress
from .dossier.entity import Dossier
from .dossier.postal import PostalOrders
from .eras import Catalogues

POSTAL_KIND = "postal_order"
STATUS_OK = "100"
STATUS_INVALID = "101"   # the postal answer to an order it read and found invalid
TIMEOUT = (3.05, 15.0)
# Province-tier departments sit in the provincial capital (before 1 July 2025: a two-tier address has no district).
PROVINCE_SEAT_DISTRICT = "Thành phố Tam Kỳ"


def order_request(config: StackConfig, catalogues: Catalogues, d: Dossier, address: PostalAddress) -> dict[str, Any]:
    """The body of POST /api/orders for a dossier's result; the sender's address as its agency's era writes it."""
    agency = catalogues.agency(d.agency_code)
    era = catalogues.era_of(agency) if agency else catalogues.first
    sender = _sender(era, agency) if agency else {"Name": d.agency_name, "Province": era.province_name}
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
            "District": "" if catalogue.two_tiers else catalogue.district_name(agency) or PROVINCE_SEAT_DISTRICT}


class PostalHandOver:
    """A ready result to the post: the order recorded (one per dossier, ever) and queued, in the move's transaction."""

    def __init__(self, config: StackConfig, catalogue: Catalogues, orders: PostalOrders, outbox: Outbox) -> None:
        self.config = config
        self.catalogue = catalogue
        self.orders = orders
        self.outbox = outbox

    def __call__(self, conn: sqlite3.Connection, ns: str, dossier: Dossier, now: str, *, send: bool = True) -> None:
        """send=False: recorded only (a historic result, which went by post long ago)."""
        if dossier.postal_address is None:
            return
        request = order_request(self.config, self.catalogue, dossier, dossier.postal_address)
        if self.orders.create(conn, ns, dossier.code, request, now) and send:
            # Keyed apart from the sync messages, so that a national outage does not hold the post back.
            self.outbox.enqueue(ns, POSTAL_KIND, {"dossier_code": dossier.code, "order": request},
                                key=f"postal:{dossier.code}", conn=conn)


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
