"""The postal service: the return of a result by post, and its tracking webhook.

docs/protocols.md, "Postal service": `POST /api/orders` with header `access_token`; events posted to
our webhook with the same `access_token`.
"""

from __future__ import annotations

from typing import Any

import requests

from .config import Config

TIMEOUT = 10
SENDERS = {  # the agency that sends the result back (Sender of the order)
    "000.00.12.H47": {"Name": "Sở Tư pháp tỉnh Quảng Nam", "Tel": "02353810612",
                      "Address": "Số 6 Trần Hưng Đạo, Tam Kỳ", "Province": "Quảng Nam", "District": "Thành phố Tam Kỳ"},
}


class PostalError(RuntimeError):
    pass


def order_body(config: Config, code: str, agency_code: str, address: dict[str, str], title: str) -> dict[str, Any]:
    return {"CustomerCode": config.postal_customer, "OrderNumber": code, "CODAmount": 0,
            "Sender": SENDERS.get(agency_code, {"Name": agency_code, "Province": "Quảng Nam"}),
            "Receiver": {"Name": address["name"], "Tel": address["phone"], "Address": address["address"],
                         "Province": address["province"], "District": address["district"]},
            "Description": f"Kết quả hồ sơ {code}: {title}"[:250]}


def send_order(config: Config, http: requests.Session, body: dict[str, Any]) -> str:
    """Place the order (the same OrderNumber again answers the same waybill); returns the ItemCode."""
    answer = http.post(f"{config.postal}/api/orders", json=body, timeout=TIMEOUT,
                       headers={"access_token": config.postal_token})
    reply = answer.json()
    if reply.get("Status") != "100":
        raise PostalError(f"order refused ({answer.status_code}): Status {reply.get('Status')} {reply.get('Message')}")
    return str(reply["ItemCode"])


def register(config: Config, http: requests.Session) -> None:
    answer = http.post(f"{config.postal}/_admin/customers", timeout=TIMEOUT,
                       headers={"X-Admin-Token": config.admin_token},
                       json={"customer_code": config.postal_customer, "access_token": config.postal_token,
                             "name": "Cổng DVC tham khảo (reference portal)",
                             "webhook_url": f"{config.public_url}/api/postal/events"})
    if answer.status_code not in (200, 201):
        raise PostalError(f"registering the postal customer failed ({answer.status_code}): {answer.text[:200]}")
