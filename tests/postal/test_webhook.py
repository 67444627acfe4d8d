"""The webhook sender against a stubbed customer (`responses`): acknowledged on 2xx, retried otherwise, in order."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
import requests
import responses

from mocks.core.outbox import Outbox
from mocks.postal.model import WEBHOOK_KIND, Customer, PostalService
from mocks.postal.webhook import WebhookSender

from .conftest import order_body

NS = "t-webhook"
HOOK = "http://portal.test/hook"


@pytest.fixture
def stub() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def customer(postal: PostalService, outbox: Outbox) -> Customer:
    outbox.register(WEBHOOK_KIND, WebhookSender(postal))
    made, _ = postal.register_customer(customer_code="KH_WEBHOOK", name="Cổng thử", webhook_url=HOOK)
    return made


def deliver_all(outbox: Outbox) -> int:
    """Run the dispatcher until nothing more is delivered (one order's events go one pass at a time)."""
    total = 0
    while (delivered := outbox.run_once()) > 0:
        total += delivered
    return total


def statuses(outbox: Outbox) -> list[str]:
    return [m["status"] for m in outbox.messages(NS, WEBHOOK_KIND)]


def sent(stub: responses.RequestsMock) -> list[str]:
    return [json.loads(call.request.body)["Status"] for call in stub.calls]


@pytest.mark.parametrize("status", [200, 201, 202, 204])
def test_a_2xx_answer_delivers_once(
    postal: PostalService, outbox: Outbox, customer: Customer, stub: responses.RequestsMock, status: int,
) -> None:
    stub.add(responses.POST, HOOK, status=status)
    order, _ = postal.create_order(NS, customer, order_body(customer.code))
    assert deliver_all(outbox) == 1
    assert len(stub.calls) == 1
    request = stub.calls[0].request
    body = json.loads(request.body)
    assert body["ItemCode"] == order.item_code and body["Status"] == "created"
    assert body["CustomerCode"] == customer.code and body["OrderNumber"] == order.order_number
    assert request.headers["X-DVC-Namespace"] == NS
    assert request.headers["access_token"] == customer.access_token
    assert request.headers["Content-Type"] == "application/json"
    assert statuses(outbox) == ["delivered"]
    outbox.retry_now()
    assert outbox.run_once() == 0 and len(stub.calls) == 1


FAILURES = {
    "500": {"status": 500},
    "404": {"status": 404},
    "302": {"status": 302, "headers": {"Location": "http://elsewhere.test/"}},
    "connection refused": {"body": requests.exceptions.ConnectionError("connection refused")},
    "timeout": {"body": requests.exceptions.ReadTimeout("read timed out")},
}


@pytest.mark.parametrize("failure", list(FAILURES))
def test_a_failure_is_retried_until_acknowledged(
    postal: PostalService, outbox: Outbox, customer: Customer, stub: responses.RequestsMock, failure: str,
) -> None:
    stub.add(responses.POST, HOOK, **FAILURES[failure])
    postal.create_order(NS, customer, order_body(customer.code))
    assert outbox.run_once() == 0
    [message] = outbox.messages(NS, WEBHOOK_KIND)
    assert message["status"] == "pending" and message["attempts"] == 1 and message["last_error"]
    assert outbox.run_once() == 0, "not due again before its backoff"
    stub.replace(responses.POST, HOOK, status=200)
    outbox.retry_now(NS)
    assert outbox.run_once() == 1
    assert statuses(outbox) == ["delivered"]
    assert sent(stub) == ["created", "created"]


def test_events_of_one_order_keep_their_order(
    postal: PostalService, outbox: Outbox, customer: Customer, stub: responses.RequestsMock,
) -> None:
    stub.add(responses.POST, HOOK, status=503)
    order, _ = postal.create_order(NS, customer, order_body(customer.code))
    postal.advance(NS, order.item_code)            # picked_up, queued behind the failing `created`
    postal.advance(NS, order.item_code)            # in_transit
    assert deliver_all(outbox) == 0
    assert sent(stub) == ["created"], "later events wait while an earlier one is undelivered"
    stub.replace(responses.POST, HOOK, status=200)
    outbox.retry_now(NS)
    assert deliver_all(outbox) == 3
    assert sent(stub) == ["created", "created", "picked_up", "in_transit"]
    assert statuses(outbox) == ["delivered"] * 3


def test_another_order_is_not_held_up(
    postal: PostalService, outbox: Outbox, customer: Customer, stub: responses.RequestsMock,
) -> None:
    postal.create_order(NS, customer, order_body(customer.code, OrderNumber="HS-1"))
    stub.add(responses.POST, HOOK, status=500)
    stub.add(responses.POST, HOOK, status=200)
    postal.create_order(NS, customer, order_body(customer.code, OrderNumber="HS-2"))
    assert deliver_all(outbox) == 1
    bodies = [json.loads(c.request.body)["OrderNumber"] for c in stub.calls]
    assert bodies == ["HS-1", "HS-2"]
    assert statuses(outbox) == ["pending", "delivered"]


def test_sent_to_the_webhook_registered_now(
    postal: PostalService, outbox: Outbox, customer: Customer, stub: responses.RequestsMock,
) -> None:
    moved = "http://portal.test/new-hook"
    stub.add(responses.POST, HOOK, status=500)
    stub.add(responses.POST, moved, status=200)
    postal.create_order(NS, customer, order_body(customer.code))
    assert outbox.run_once() == 0
    postal.register_customer(customer_code=customer.code, name=customer.name, webhook_url=moved)
    outbox.retry_now(NS)
    assert outbox.run_once() == 1
    assert [c.request.url for c in stub.calls] == [HOOK, moved]
