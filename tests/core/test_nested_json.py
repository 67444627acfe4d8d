"""JSON nested deeper than the decoder goes, and numbers past SQLite's range: a 4xx on every route family,
and the connection stays usable (an unhandled error used to answer 500 and then drop the connection)."""

from __future__ import annotations

import http.client
import json
from typing import Any
from urllib.parse import urlsplit

import pytest

from harness.stack import Stack
from mocks.core import jsonbody
from mocks.core.errors import TooDeeplyNested

T = 10
DEPTH = 3000        # past the decoder's recursion limit, under every route's body limit (6 KB)
DEEP_ARRAY = "[" * DEPTH + "]" * DEPTH
DEEP_OBJECT = '{"a":' * DEPTH + "1" + "}" * DEPTH


def test_the_parser_refuses_too_deep_a_nesting_as_bad_input() -> None:
    with pytest.raises(TooDeeplyNested) as refused:
        jsonbody.loads(DEEP_ARRAY)
    assert refused.value.status == 400 and refused.value.code == "TOO_DEEPLY_NESTED"
    with pytest.raises(ValueError):
        jsonbody.loads(b"{oops")
    assert jsonbody.loads(b'{"a": [1]}') == {"a": [1]}


class Connection:
    """One keep-alive HTTP connection: a second request goes over the same socket, or fails."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=T)
        self.conn.connect()
        self.sock = self.conn.sock

    def request(self, method: str, path: str, body: str | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
        self.conn.request(method, path, body=body.encode() if body is not None else None,
                          headers={"Content-Type": "application/json", **(headers or {})})
        response = self.conn.getresponse()
        data = response.read()
        assert not response.will_close, "the server closed the connection"
        return response.status, json.loads(data)

    def still_usable(self) -> None:
        status, body = self.request("GET", "/_admin/health")
        assert status == 200 and body["status"] == "ok"
        assert self.conn.sock is self.sock   # the same socket: not a new connection behind our back

    def close(self) -> None:
        self.conn.close()


@pytest.fixture
def stack(dvc_stack: Stack) -> Stack:
    return dvc_stack


def deep_post(stack: Stack, service: str, path: str, body: str, **headers: str) -> dict[str, Any]:
    conn = Connection(stack.urls[service])
    try:
        status, answer = conn.request("POST", path, body, headers)
        assert status == 400, answer
        assert answer["error"]["code"] == "TOO_DEEPLY_NESTED"
        assert "nested too deeply" in answer["error"]["message_en"] and "lồng nhau quá sâu" in answer["error"][
            "message_vi"]
        conn.still_usable()
        return answer
    finally:
        conn.close()


@pytest.mark.parametrize(("service", "path", "body"), [
    ("national", "/api/v1/accounts", DEEP_OBJECT),
    ("national", "/api/v1/login", DEEP_OBJECT),
    ("provincial", "/api/v1/dossiers", '{"procedure_code": "x", "form": ' + DEEP_OBJECT + "}"),
    ("provincial", "/api/v1/dossiers/X/rating", DEEP_ARRAY),
    ("payment", "/_admin/partners", DEEP_OBJECT),
    ("postal", "/_admin/customers", DEEP_ARRAY),
])
def test_routes_the_framework_parses(stack: Stack, service: str, path: str, body: str) -> None:
    headers = {"X-Admin-Token": stack.config.credentials.admin_token} if path.startswith("/_admin") else {}
    deep_post(stack, service, path, body, **headers)


def test_the_admin_seed_of_every_service(stack: Stack) -> None:
    for service in ("national", "provincial", "payment", "postal"):
        deep_post(stack, service, "/_admin/seed", DEEP_ARRAY, **{"X-Admin-Token": stack.config.credentials.admin_token})


def test_the_sync_gateway_answers_its_error_code(stack: Stack) -> None:
    for path in ("/sync/login", "/sync/service"):
        answer = deep_post(stack, "national", path, DEEP_OBJECT)
        assert answer["error_code"] == 3 and answer["message"] == answer["error"]["message_vi"]


def test_the_payment_confirmation_answers_its_maloi(stack: Stack) -> None:
    answer = deep_post(stack, "provincial", "/api/payment/confirm", DEEP_ARRAY)
    assert answer["MaLoi"] == "03"


def test_the_postal_event_answers_its_status(stack: Stack) -> None:
    token = stack.config.credentials.postal_access_token
    answer = deep_post(stack, "provincial", "/api/postal/events", DEEP_ARRAY, access_token=token)
    assert answer["Status"] == "101"


def test_the_payment_platform_answers_its_maloi(stack: Stack) -> None:
    conn = Connection(stack.urls["payment"])
    try:
        status, answer = conn.request("POST", "/api/payment", DEEP_ARRAY)
        assert status == 400 and answer["MaLoi"] == "03" and "nested too deeply" in answer["error"]["message_en"]
        assert answer["error"]["code"] == "TOO_DEEPLY_NESTED"      # the code docs/limits.md promises everywhere
        conn.still_usable()
    finally:
        conn.close()


def test_the_postal_orders_answer_their_status(stack: Stack) -> None:
    answer = deep_post(stack, "postal", "/api/orders", DEEP_OBJECT,
                       access_token=stack.config.credentials.postal_access_token)
    assert answer["Status"] == "101"


@pytest.mark.parametrize("service", ["national", "provincial", "payment", "postal"])
def test_a_journal_position_past_sqlite_range_is_a_422(stack: Stack, service: str) -> None:
    conn = Connection(stack.urls[service])
    headers = {"X-Admin-Token": stack.config.credentials.admin_token}
    try:
        for path in ("/_admin/journal", "/_admin/journal/count", "/_admin/journal/verify"):
            status, answer = conn.request("GET", f"{path}?since_id={2**64}", headers=headers)
            assert status == 422 and answer["error"]["code"] == "VALIDATION_ERROR", answer
            assert "since_id" in answer["error"]["message_en"]
        status, _ = conn.request("GET", f"/_admin/journal/count?since_id={2**63 - 1}", headers=headers)
        assert status == 200
        conn.still_usable()
    finally:
        conn.close()
