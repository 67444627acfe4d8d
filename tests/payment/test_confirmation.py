"""The confirmation sender against a stubbed partner (`responses`): acknowledgement, failures, retries."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
import responses

from mocks.core.signing import verify
from mocks.payment.model import CONFIRM_KIND

from .conftest import NS, PaymentEnv
from .helpers import init_message

CALLBACK = "http://127.0.0.1:18101/api/payment/confirm"
ACK = {"MaLoi": "00"}


def paid(env: PaymentEnv, reference: str = "HS-0001", action: str = "pay") -> None:
    answer = env.platform.handle(NS, init_message(env.partner, env.secret, reference))
    token = answer["UrlThanhToan"].rsplit("/", 1)[1]
    if action == "pay":
        env.platform.pay(NS, token, "VCB")
    else:
        env.platform.cancel(NS, token)


def state(env: PaymentEnv) -> list[dict[str, Any]]:
    return env.outbox.messages(NS, kind=CONFIRM_KIND)


def sent_bodies(rsps: responses.RequestsMock) -> list[dict[str, Any]]:
    return [json.loads(call.request.body) for call in rsps.calls]


@responses.activate
def test_an_acknowledged_confirmation_is_delivered_once(env: PaymentEnv) -> None:
    responses.post(CALLBACK, json=ACK)
    paid(env)
    assert env.outbox.run_once() == 1
    assert env.outbox.run_once() == 0
    env.outbox.retry_now(NS)
    assert env.outbox.run_once() == 0
    [call] = responses.calls
    assert call.request.headers["X-DVC-Namespace"] == NS
    assert call.request.headers["Content-Type"] == "application/json"
    body = json.loads(call.request.body)
    assert body["LoaiBanTin"] == "CONFIRM" and body["MaLoi"] == "00" and body["TrangThaiGD"] == 1
    assert verify(body, "CONFIRM", env.secret)
    [message] = state(env)
    assert (message["status"], message["attempts"]) == ("delivered", 1)
    [txn] = env.platform.transactions(NS)
    [confirmation] = txn["confirmations"]
    assert confirmation["status"] == "delivered"
    assert [(d["attempt"], d["http_status"], d["outcome"]) for d in confirmation["deliveries"]] == [
        (1, 200, "acknowledged")]


FAILURES = {
    "http 500": {"status": 500, "json": {"MaLoi": "99"}},
    "http 404 html": {"status": 404, "body": "<html>not here</html>"},
    "connection error": {"body": requests.ConnectionError("connection refused")},
    "read timeout": {"body": requests.ReadTimeout("read timed out")},
    "wrong MaLoi": {"status": 200, "json": {"MaLoi": "01", "MoTaLoi": "Sai chữ ký"}},
    "not json": {"status": 200, "body": "OK"},
    "json but no object": {"status": 200, "json": ["00"]},
}


@pytest.mark.parametrize("failure", list(FAILURES), ids=list(FAILURES))
def test_an_unacknowledged_confirmation_is_retried_until_acknowledged(env: PaymentEnv, failure: str) -> None:
    with responses.RequestsMock() as rsps:
        rsps.post(CALLBACK, **FAILURES[failure])
        rsps.post(CALLBACK, **FAILURES[failure])
        rsps.post(CALLBACK, json=ACK)
        paid(env)
        assert env.outbox.run_once() == 0
        [message] = state(env)
        assert (message["status"], message["attempts"]) == ("pending", 1)
        assert message["last_error"]
        assert env.outbox.run_once() == 0  # backing off: not due yet, nothing sent
        assert len(rsps.calls) == 1
        env.outbox.retry_now(NS)
        assert env.outbox.run_once() == 0
        env.outbox.retry_now(NS)
        assert env.outbox.run_once() == 1
        assert len(rsps.calls) == 3
        bodies = sent_bodies(rsps)
    assert bodies[0] == bodies[1] == bodies[2]  # the same signed notice every time
    assert verify(bodies[2], "CONFIRM", env.secret)
    [message] = state(env)
    assert (message["status"], message["attempts"]) == ("delivered", 3)
    [txn] = env.platform.transactions(NS)
    outcomes = [d["outcome"] for d in txn["confirmations"][0]["deliveries"]]
    assert outcomes[-1] == "acknowledged" and len(outcomes) == 3
    assert set(outcomes[:2]) <= {"refused", "error"}


@responses.activate
def test_a_cancellation_is_confirmed_with_its_code(env: PaymentEnv) -> None:
    responses.post(CALLBACK, json=ACK)
    paid(env, action="cancel")
    assert env.outbox.run_once() == 1
    body = json.loads(responses.calls[0].request.body)
    assert (body["MaLoi"], body["TrangThaiGD"]) == ("24", 4)
    assert verify(body, "CONFIRM", env.secret)


@responses.activate
def test_a_fixed_callback_url_is_used_on_the_next_retry(env: PaymentEnv) -> None:
    partner, _ = env.platform.register_partner("TINH2", "Tỉnh 2", "http://wrong.test/cb", "http://p.test/ret")
    responses.post("http://wrong.test/cb", body=requests.ConnectionError("no such host"))
    responses.post("http://right.test/cb", json=ACK)
    answer = env.platform.handle(NS, init_message("TINH2", partner.secret, "R-1"))
    env.platform.pay(NS, answer["UrlThanhToan"].rsplit("/", 1)[1], "MB")
    assert env.outbox.run_once() == 0
    env.platform.register_partner("TINH2", "Tỉnh 2", "http://right.test/cb", "http://p.test/ret",
                                  secret=partner.secret)
    env.outbox.retry_now(NS)
    assert env.outbox.run_once() == 1
    assert [c.request.url for c in responses.calls] == ["http://wrong.test/cb", "http://right.test/cb"]


@responses.activate
def test_notices_of_one_reference_stay_in_order(env: PaymentEnv) -> None:
    """Two notices with one key (a reference reused by two partners): the second waits for the first."""
    partner, _ = env.platform.register_partner("TINH2", "Tỉnh 2", "http://t2.test/cb", "http://t2.test/ret")
    responses.post(CALLBACK, status=503)
    responses.post(CALLBACK, json=ACK)
    responses.post("http://t2.test/cb", json=ACK)
    paid(env)
    answer = env.platform.handle(NS, init_message("TINH2", partner.secret, "HS-0001"))
    env.platform.pay(NS, answer["UrlThanhToan"].rsplit("/", 1)[1], "MB")
    assert env.outbox.run_once() == 0
    assert [c.request.url for c in responses.calls] == [CALLBACK]
    env.outbox.retry_now(NS)
    assert env.outbox.run_once() == 1  # the first notice; the second was waiting behind it
    assert env.outbox.run_once() == 1
    assert [c.request.url for c in responses.calls] == [CALLBACK, CALLBACK, "http://t2.test/cb"]
