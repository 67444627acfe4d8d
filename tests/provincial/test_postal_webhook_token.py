"""The portal's postal webhook checks the `access_token` header the post sends (VNPost's name, mocks/postal/webhook.py).

The full journey (postal deliveries the post really sends, token and all, moving a dossier's order to
`delivered`) is `tests/provincial/test_api.py::test_level_4_payment_receipt_postal_return_and_national_look_up`.
"""

from __future__ import annotations

import http.client
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from harness.stack import Stack

T = 10
EVENT = {"ItemCode": "EB1VN", "OrderNumber": "000.00.12.H47-250101-0001", "Status": "delivered",
         "Time": "20250101100000"}


@pytest.fixture
def webhook(dvc_stack: Stack) -> str:
    return f"{dvc_stack.urls['provincial']}/api/postal/events"


@pytest.fixture
def event(dvc_stack: Stack) -> dict[str, Any]:
    return {**EVENT, "CustomerCode": dvc_stack.config.credentials.postal_customer_code}


def post(webhook: str, ns: str, event: dict[str, Any], **headers: str) -> requests.Response:
    return requests.post(webhook, json=event, headers={"X-DVC-Namespace": ns, **headers}, timeout=T)


def test_the_token_in_the_header_the_post_sends_is_accepted(webhook: str, ns: str, event: dict[str, Any],
                                                            dvc_stack: Stack) -> None:
    # requests sends the header name as written: `access_token`, as the post's WebhookSender does
    r = post(webhook, ns, event, access_token=dvc_stack.config.credentials.postal_access_token)
    assert r.status_code == 404 and r.json()["error"]["code"] == "POSTAL_ORDER_NOT_FOUND"   # past the token


def test_a_missing_token_is_refused(webhook: str, ns: str, event: dict[str, Any]) -> None:
    r = post(webhook, ns, event)
    assert r.status_code == 401
    body = r.json()
    # the postal protocol's own code for an access token refused, as the postal service gives it (not "401")
    assert body["error"]["code"] == "BAD_ACCESS_TOKEN" and body["Status"] == "102"
    assert "access_token" in body["error"]["message_en"] and "access_token" in body["error"]["message_vi"]


def test_a_wrong_token_is_refused(webhook: str, ns: str, event: dict[str, Any], dvc_stack: Stack) -> None:
    token = dvc_stack.config.credentials.postal_access_token
    for wrong in ("not-the-token", token + "x", token[:-1]):
        r = post(webhook, ns, event, access_token=wrong)
        assert r.status_code == 401 and r.json()["error"]["code"] == "BAD_ACCESS_TOKEN", wrong


def test_the_token_under_another_header_name_is_not_the_token(webhook: str, ns: str, event: dict[str, Any],
                                                             dvc_stack: Stack) -> None:
    r = post(webhook, ns, event, **{"access-token": dvc_stack.config.credentials.postal_access_token})
    assert r.status_code == 401


def test_a_token_that_is_not_ascii_is_a_401_not_a_500(webhook: str, ns: str, event: dict[str, Any]) -> None:
    parts = urlsplit(webhook)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=T)
    try:
        conn.putrequest("POST", parts.path)
        conn.putheader("access_token", "mã-bí-mật".encode())
        conn.putheader("X-DVC-Namespace", ns)
        conn.putheader("Content-Type", "application/json")
        conn.putheader("Content-Length", "2")
        conn.endheaders(b"{}")
        assert conn.getresponse().status == 401
    finally:
        conn.close()

