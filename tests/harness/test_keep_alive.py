"""The emulators keep an idle connection open longer than a client idles between two requests, so that
the server's close never crosses the client's next request (which then got no answer at all)."""

from __future__ import annotations

import socket
import time
from pathlib import Path

from harness.stack import KEEP_ALIVE_S, Stack
from load import profiles

PROFILES = Path(profiles.__file__).parent / "profiles"


def test_the_keep_alive_outlasts_every_shipped_profiles_thinking() -> None:
    longest = 0.0
    for path in sorted(PROFILES.glob("*.toml")):
        p = profiles.load(str(path))
        longest = max(longest, p.think_max_s, p.officer_think_max_s)
    assert longest >= 8                       # campaign-peak's visitors think up to 8 s: uvicorn's 5 s was less
    assert 2 * longest < KEEP_ALIVE_S


def get(sock: socket.socket, path: str) -> bytes:
    """One whole response (head and Content-Length body): the server may write them apart, and a busy machine
    lets a recv return between the two; what was left would then be read as the next answer."""
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    got = b""
    while b"\r\n\r\n" not in got:
        chunk = sock.recv(65536)
        assert chunk, f"the server closed the connection after {got!r}"
        got += chunk
    head, _, body = got.partition(b"\r\n\r\n")
    length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                  if line.lower().startswith(b"content-length:"))
    while len(body) < length:
        chunk = sock.recv(65536)
        assert chunk, "the server closed the connection mid-body"
        body += chunk
    assert len(body) == length, "more than one answer came back"
    return head


def test_a_connection_idle_longer_than_uvicorns_default_still_answers(dvc_stack: Stack) -> None:
    host, port = dvc_stack.urls["provincial"].removeprefix("http://").rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        assert get(sock, "/_admin/health").startswith(b"HTTP/1.1 200")
        time.sleep(5.5)                       # a visitor reading a page; uvicorn's default closed at 5 s
        assert get(sock, "/_admin/health").startswith(b"HTTP/1.1 200")
