"""Request body limits (mocks/core/bodylimit.py): declared Content-Length refused unread, streamed bodies
counted as they arrive (chunked too), the wire formats' own envelopes, the per-route limits."""

from __future__ import annotations

import asyncio
import http.client
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from starlette.responses import JSONResponse

from harness.stack import Stack
from mocks.core.bodylimit import CALLBACK_LIMIT, DEFAULT_LIMIT, MB, BodyLimitMiddleware, BodyLimits, refusal
from mocks.national.app import SYNC_CALL_LIMIT
from mocks.provincial.api import MAX_JSON_BODY

T = 10


# -- the limits a service declares ---------------------------------------------------------------------------
def test_a_route_template_names_its_limit_and_the_rest_has_the_default() -> None:
    limits = BodyLimits(routes={"/api/v1/dossiers": 32 * MB, "/api/v1/dossiers/{code}/supplement": 32 * MB})
    assert limits.limit("/api/v1/dossiers") == 32 * MB
    assert limits.limit("/api/v1/dossiers/000.00.12.H47-250101-0001/supplement") == 32 * MB
    assert limits.limit("/api/v1/dossiers/a/b/supplement") == DEFAULT_LIMIT      # {code} is one segment
    assert limits.limit("/api/v1/dossiers/x/rating") == DEFAULT_LIMIT
    assert limits.limit("/api/v1/dossiers-and-more") == DEFAULT_LIMIT


def test_the_refusal_says_the_limit_in_both_languages() -> None:
    err = refusal(64 * 1024)["error"]
    assert err["code"] == "PAYLOAD_TOO_LARGE" and err["details"] == {"limit_bytes": 65536}
    assert "64 KB" in err["message_vi"] and "64 KB" in err["message_en"]
    assert "32 MB" in refusal(32 * MB)["error"]["message_en"]


def test_a_wire_format_keeps_its_envelope() -> None:
    limits = BodyLimits(envelopes={"/api/": lambda body: {"Status": "101", **body}})
    assert limits.body("/api/orders", 10)["Status"] == "101"
    assert "Status" not in limits.body("/_admin/seed", 10)


# -- the middleware, over ASGI messages ------------------------------------------------------------------------
class Recorder:
    """An app that reads the whole body, and the messages the client would see."""

    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks
        self.handed = 0
        self.sent: list[dict[str, Any]] = []
        self.app_read = 0

    async def receive(self) -> dict[str, Any]:
        chunk = self.chunks[self.handed]
        self.handed += 1
        return {"type": "http.request", "body": chunk, "more_body": self.handed < len(self.chunks)}

    async def send(self, message: dict[str, Any]) -> None:
        self.sent.append(message)

    async def app(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        more = True
        while more:
            message = await receive()
            self.app_read += len(message["body"])
            more = message["more_body"]
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    def run(self, limit: int, headers: list[tuple[bytes, bytes]]) -> None:
        middleware = BodyLimitMiddleware(self.app, BodyLimits(default=limit),
                                         render=lambda request, status, body: JSONResponse(body, status))
        scope = {"type": "http", "method": "POST", "path": "/x", "headers": headers, "query_string": b""}
        # on a thread of its own: a browser test earlier in this process leaves Playwright's loop running here
        with ThreadPoolExecutor(1) as thread:
            thread.submit(asyncio.run, middleware(scope, self.receive, self.send)).result()

    def status(self) -> int:
        return next(m["status"] for m in self.sent if m["type"] == "http.response.start")

    def header(self, name: bytes) -> bytes | None:
        start = next(m for m in self.sent if m["type"] == "http.response.start")
        return dict(start["headers"]).get(name)


def test_a_declared_length_over_the_limit_is_refused_before_a_byte_is_read() -> None:
    client = Recorder([b"x" * 100] * 5)
    client.run(limit=100, headers=[(b"content-length", b"500")])
    assert client.status() == 413 and client.handed == 0 and client.header(b"connection") == b"close"


def test_a_chunked_body_is_refused_as_soon_as_the_count_passes_the_limit() -> None:
    client = Recorder([b"x" * 40] * 100)            # 4,000 bytes on the way, limit 100
    client.run(limit=100, headers=[(b"transfer-encoding", b"chunked")])
    assert client.status() == 413 and client.header(b"connection") == b"close"
    assert client.handed == 3 and client.app_read == 80    # the third chunk passed the limit: nothing more read
    assert [m["status"] for m in client.sent if m["type"] == "http.response.start"] == [413]  # the app's 200 dropped


def test_a_body_within_the_limit_reaches_the_app_whole() -> None:
    client = Recorder([b"x" * 50, b"y" * 50])
    client.run(limit=100, headers=[(b"transfer-encoding", b"chunked")])
    assert client.status() == 200 and client.app_read == 100 and client.header(b"connection") is None


# -- over HTTP, against the stack --------------------------------------------------------------------------------
def connect(url: str) -> http.client.HTTPConnection:
    parts = urlsplit(url)
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=T)


def declare(url: str, path: str, length: int, **headers: str) -> http.client.HTTPResponse:
    """Headers that announce `length` bytes, and not one byte of the body: the answer must come anyway."""
    conn = connect(url)
    conn.putrequest("POST", path)
    for name, value in {"Content-Type": "application/json", "Content-Length": str(length), **headers}.items():
        conn.putheader(name, value)
    conn.endheaders()
    return conn.getresponse()


def stream_chunked(url: str, path: str, size: int, **headers: str) -> http.client.HTTPResponse:
    """`size` bytes in chunks, without the last chunk: the answer must come before the body ends."""
    conn = connect(url)
    conn.putrequest("POST", path)
    for name, value in {"Content-Type": "application/json", "Transfer-Encoding": "chunked", **headers}.items():
        conn.putheader(name, value)
    conn.endheaders()
    piece = 16 * 1024
    for start in range(0, size, piece):
        n = min(piece, size - start)
        conn.send(b"%x\r\n" % n + b" " * n + b"\r\n")
    return conn.getresponse()


def answer(response: http.client.HTTPResponse) -> tuple[int, dict[str, Any], str | None]:
    return response.status, json.loads(response.read()), response.getheader("connection")


@pytest.fixture
def urls(dvc_stack: Stack) -> dict[str, str]:
    return dvc_stack.urls


@pytest.mark.parametrize(("service", "path"), [
    ("national", "/api/v1/accounts"), ("national", "/sync/login"), ("national", "/oauth2/token"),
    ("provincial", "/api/v1/dossiers/X/rating"), ("payment", "/_admin/partners"), ("postal", "/_admin/seed"),
])
def test_every_route_has_the_default_limit_refused_unread(urls: dict[str, str], service: str, path: str) -> None:
    status, body, connection = answer(declare(urls[service], path, 500 * MB))
    assert status == 413 and connection == "close"
    assert body["error"]["code"] == "PAYLOAD_TOO_LARGE" and "1 MB" in body["error"]["message_en"]


def test_the_default_limit_counts_a_chunked_body(urls: dict[str, str]) -> None:
    status, body, connection = answer(stream_chunked(urls["national"], "/api/v1/accounts", DEFAULT_LIMIT + 1))
    assert status == 413 and connection == "close" and "1 MB" in body["error"]["message_vi"]


def test_the_payment_confirmation_is_a_callback_in_its_envelope(urls: dict[str, str]) -> None:
    for response in (declare(urls["provincial"], "/api/payment/confirm", 500 * MB),
                     stream_chunked(urls["provincial"], "/api/payment/confirm", CALLBACK_LIMIT + 1)):
        status, body, _ = answer(response)
        assert status == 413 and body["MaLoi"] == "03" and body["error"]["code"] == "PAYLOAD_TOO_LARGE"
        assert "64 KB" in body["MoTaLoi"]


def test_the_postal_event_is_a_callback_in_its_envelope(urls: dict[str, str], dvc_stack: Stack) -> None:
    token = dvc_stack.config.credentials.postal_access_token
    status, body, _ = answer(stream_chunked(urls["provincial"], "/api/postal/events", CALLBACK_LIMIT + 1,
                                            access_token=token))
    assert status == 413 and body["Status"] == "101" and "64 KB" in body["Message"]


def test_an_answer_before_a_chunked_body_ends_closes_the_connection(urls: dict[str, str]) -> None:
    # refused for its token before its body is read: the server must not go on reading a body of any length
    status, _, connection = answer(stream_chunked(urls["provincial"], "/api/postal/events", 1024))
    assert status == 401 and connection == "close"


def test_the_payment_platform_answers_its_maloi(urls: dict[str, str]) -> None:
    status, body, _ = answer(stream_chunked(urls["payment"], "/api/payment", 256 * 1024 + 1))
    assert status == 413 and body["MaLoi"] == "03" and "256 KB" in body["error"]["message_en"]


def test_the_postal_orders_answer_their_status(urls: dict[str, str]) -> None:
    for response in (declare(urls["postal"], "/api/orders", 300 * 1024),
                     stream_chunked(urls["postal"], "/api/orders", 256 * 1024 + 1)):
        status, body, _ = answer(response)
        assert status == 413 and body["Status"] != "100" and "256 KB" in body["Message"]


def test_the_sync_gateway_answers_its_error_code(urls: dict[str, str]) -> None:
    status, body, _ = answer(declare(urls["national"], "/sync/service", SYNC_CALL_LIMIT + 1))
    assert status == 413 and body["error_code"] == 3 and body["message"] == body["error"]["message_vi"]


def test_the_dossier_routes_take_attachments_up_to_their_limit(urls: dict[str, str], ns: str) -> None:
    status, body, _ = answer(declare(urls["provincial"], "/api/v1/dossiers", MAX_JSON_BODY + 1))
    assert status == 413 and "32 MB" in body["error"]["message_en"]
    status, body, _ = answer(declare(urls["provincial"], "/api/v1/dossiers/X/supplement", MAX_JSON_BODY + 1))
    assert status == 413 and "32 MB" in body["error"]["message_en"]
    # 2 MB (over the default) reaches the route: its own rules answer (no log-in here)
    two_mb = json.dumps({"procedure_code": "2.000488", "form": {"note": "x" * (2 * MB)}})
    r = requests.post(f"{urls['provincial']}/api/v1/dossiers", data=two_mb, timeout=T,
                      headers={"Content-Type": "application/json", "X-DVC-Namespace": ns})
    assert r.status_code != 413 and r.status_code < 500, r.text[:200]


def test_a_browser_gets_the_error_page(urls: dict[str, str]) -> None:
    response = declare(urls["provincial"], "/nop-ho-so/2.000488.000.00.00.H47", 65 * MB + 1,
                       Accept="text/html", **{"Content-Type": "multipart/form-data; boundary=x"})
    page = response.read().decode()
    assert response.status == 413 and "PAYLOAD_TOO_LARGE" in page and "64 MB" in page


def test_bodies_within_the_limit_keep_the_connection(urls: dict[str, str]) -> None:
    with requests.Session() as http:
        for _ in range(3):
            r = http.post(f"{urls['national']}/sync/login", json={"username": "x", "password": "y" * 1000},
                          timeout=T)
            assert r.status_code != 413 and "close" not in r.headers.get("connection", "")
