"""Client of the postal service emulator: tracking and moving orders along."""

from __future__ import annotations

from typing import Any

from .base import ServiceClient


class PostalClient(ServiceClient):
    def orders(self, order_number: str | None = None) -> list[dict[str, Any]]:
        params = {"order_number": order_number} if order_number else {}
        return self.call("GET", "/_admin/orders", admin=True, params=params)["orders"]

    def order(self, waybill: str, access_token: str) -> dict[str, Any]:
        return self.call("GET", f"/api/orders/{waybill}", headers={"access_token": access_token})

    def advance(self, waybill: str, to: str | None = None) -> Any:
        return self.call("POST", f"/_admin/orders/{waybill}/advance", admin=True, json={"to": to} if to else {})

    def deliver(self, waybill: str) -> Any:
        """Move an order along the happy path until it is delivered."""
        order = None
        for _ in range(5):
            order = self.advance(waybill)
            if order["state"] == "delivered":
                break
        return order

    def register_customer(self, customer_code: str, name: str, webhook_url: str | None = None) -> Any:
        body = {"customer_code": customer_code, "name": name, "webhook_url": webhook_url}
        return self.call("POST", "/_admin/customers", admin=True, json=body)
