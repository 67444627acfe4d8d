"""A client that hangs up in the middle of its body: nothing is accepted, no unhandled error is logged (a busy
load generator leaves so at its end), and the service goes on answering."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import requests

from harness.stack import Stack

T = 10


@pytest.fixture(scope="module")
def own_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """The provincial service in this process, whatever stack the run uses: its log is what the test reads."""
    stack = Stack.start(tmp_path_factory.mktemp("client-left"), services=("provincial",), write_file=False)
    try:
        yield stack
    finally:
        stack.stop()


def _leave_mid_body(url: str, path: str, headers: str) -> None:
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=T) as sock:
        sock.sendall(f"POST {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Type: application/json\r\n{headers}"
                     f"Content-Length: 400\r\n\r\n".encode() + b'{"MaThamChieu": "')


@pytest.mark.parametrize(("service", "path"), [("provincial", "/api/payment/confirm"),
                                               ("provincial", "/api/postal/events")])   # the routes that read it
def test_a_client_that_leaves_mid_body_is_logged_as_gone_not_as_an_error(
        own_stack: Stack, caplog: pytest.LogCaptureFixture, service: str, path: str) -> None:
    caplog.set_level(logging.INFO, logger="mocks.core.app")
    token = own_stack.config.credentials.postal_access_token
    _leave_mid_body(own_stack.urls[service], path, f"access_token: {token}\r\n" if "postal" in path else "")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if any("left before its body" in r.getMessage() and path in r.getMessage() for r in caplog.records):
            break
        time.sleep(0.05)
    records = [(r.levelname, r.getMessage()) for r in caplog.records if r.name.startswith("mocks")]
    assert any(level == "INFO" and path in message for level, message in records), records
    assert not any(level == "ERROR" for level, _ in records), records
    assert requests.get(f"{own_stack.urls[service]}/_admin/health", timeout=T).ok
