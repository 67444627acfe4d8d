"""The load's HTTP session (load/agent.py) and its measured form (load/measured.py), against real servers on
loopback: cookies kept by host across redirects and ports, multipart bodies the emulators' parser reads, and what
Locust is told of each answer: its name, its time, whether its status counts as a failure (tests/load/test_retry.py:
a request sent again when it met a connection closed while idle)."""

from __future__ import annotations

import asyncio
import base64
import gzip
import hashlib
import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from starlette.requests import Request

from load.agent import Agent, ConnectionFailed
from load.measured import MeasuredSession, StatusNotAccepted
from load.names import Namer
from load.retry import Retries


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"       # kept-alive connections, as the emulators keep them

    def log_message(self, *_: Any) -> None:
        pass

    def _answer(self, status: int, body: bytes = b"", fields: list[tuple[str, str]] | None = None) -> None:
        self.send_response(status)
        for name, value in fields or []:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self._route()

    def do_POST(self) -> None:
        self._route()

    def _route(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        if url.path == "/echo":
            seen = {"method": self.command, "path": self.path, "cookie": self.headers.get("Cookie"),
                    "content_type": self.headers.get("Content-Type"), "body": base64.b64encode(body).decode()}
            self._answer(200, json.dumps(seen).encode(), [("Content-Type", "application/json")])
        elif url.path == "/digest":
            self._answer(200, json.dumps({"length": len(body), "sha256": hashlib.sha256(body).hexdigest()}).encode(),
                         [("Content-Type", "application/json")])
        elif url.path == "/login":      # the session cookie comes with the redirect that sends the visitor on
            self._answer(302, fields=[("Set-Cookie", "tinh_sid=s1; Path=/; HttpOnly; SameSite=Lax"),
                                      ("Set-Cookie", "tinh_pref=vi; Path=/account"),
                                      ("Location", query["next"][0])])
        elif url.path == "/logout":
            self._answer(303, fields=[("Set-Cookie", "tinh_sid=; Max-Age=0; Path=/"), ("Location", "/echo")])
        elif url.path == "/gzip":
            text = "Hồ sơ đã tiếp nhận".encode()
            self._answer(200, gzip.compress(text), [("Content-Encoding", "gzip"),
                                                    ("Content-Type", "text/plain; charset=utf-8")])
        elif url.path.startswith("/status/"):
            self._answer(int(url.path.rsplit("/", 1)[1]), b'{"status": "as asked"}',
                         [("Content-Type", "application/json")])
        else:
            self._answer(404, b"no such page")


class Origin:
    """A server of its own on 127.0.0.1 (a service of the stack has its own port on the same host)."""

    def __init__(self) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def origins() -> Iterator[tuple[Origin, Origin]]:
    """Two origins, stateless (each test's agent has its own cookies)."""
    made = (Origin(), Origin())
    yield made
    for origin in made:
        origin.close()


class RequestEvent:
    """What Locust's `events.request` hook receives: each call's keywords, kept in order."""

    def __init__(self) -> None:
        self.fired: list[dict[str, Any]] = []

    def fire(self, **fields: Any) -> None:
        self.fired.append(fields)


# -- cookies ------------------------------------------------------------------------------------------------------
def test_a_cookie_set_on_a_redirect_goes_to_the_next_hop_on_another_port_of_the_same_host(origins) -> None:
    sso, portal = origins
    with Agent() as agent:
        answer = agent.get(f"{sso.url}/login?next={portal.url}/echo", timeout=5)
    assert answer.status_code == 200 and answer.url == f"{portal.url}/echo"
    assert [hop.status_code for hop in answer.history] == [302]
    # by host, not port, as a browser keeps them; the cookie of another path stays home
    assert answer.json()["cookie"] == "tinh_sid=s1"


def test_a_cookie_of_one_host_never_goes_to_another(origins) -> None:
    sso, portal = origins
    with Agent() as agent:
        agent.get(f"{sso.url}/login?next=/echo", timeout=5)
        assert agent.get(f"{portal.url}/echo", timeout=5).json()["cookie"] == "tinh_sid=s1"
        assert agent.get(f"http://localhost:{portal.port}/echo", timeout=5).json()["cookie"] is None
        assert agent.get(f"{portal.url}/account/echo", timeout=5).status_code == 404   # the path's own cookie:
    assert agent.cookies.get_dict() == {"tinh_sid": "s1", "tinh_pref": "vi"}               # kept, not lost


def test_a_cookie_expired_by_the_server_is_gone_and_a_post_answered_303_goes_on_as_a_get(origins) -> None:
    portal, _ = origins
    with Agent() as agent:
        agent.get(f"{portal.url}/login?next=/echo", timeout=5)
        answer = agent.post(f"{portal.url}/logout", data={"csrf": "t"}, timeout=5)
    seen = answer.json()
    assert seen["method"] == "GET" and seen["body"] == "" and seen["content_type"] is None
    assert seen["cookie"] is None and "tinh_sid" not in agent.cookies


def test_a_calls_own_cookies_join_the_jars_and_the_answer_shows_what_was_sent(origins) -> None:
    """As requests: `cookies=` adds to the jar's (in place of those of the same name), a Cookie field written by
    the call replaces them, and `response.request.headers` holds the Cookie field that went out."""
    portal, _ = origins
    with Agent() as agent:
        agent.get(f"{portal.url}/login?next=/echo", timeout=5)
        answer = agent.get(f"{portal.url}/echo", timeout=5)
        assert answer.request.headers["Cookie"] == answer.json()["cookie"] == "tinh_sid=s1"
        added = agent.get(f"{portal.url}/echo", cookies={"lang": "vi"}, timeout=5).json()["cookie"]
        replaced = agent.get(f"{portal.url}/echo", cookies={"tinh_sid": "other"}, timeout=5).json()["cookie"]
        written = agent.get(f"{portal.url}/echo", headers={"Cookie": "mine=1"}, timeout=5).json()["cookie"]
    assert (added, replaced, written) == ("tinh_sid=s1; lang=vi", "tinh_sid=other", "mine=1")


def test_a_gzip_answer_is_decoded_by_its_charset(origins) -> None:
    portal, _ = origins
    with Agent() as agent:
        assert agent.get(f"{portal.url}/gzip", timeout=5).text == "Hồ sơ đã tiếp nhận"


# -- multipart ----------------------------------------------------------------------------------------------------
def _form_as_the_emulators_read_it(content_type: str, body: bytes) -> dict[str, Any]:
    """The body parsed by Starlette's multipart parser, which the emulators' routes use (python-multipart)."""
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def read() -> dict[str, Any]:
        request = Request({"type": "http", "method": "POST", "headers": [(b"content-type", content_type.encode())]},
                          receive)
        out: dict[str, Any] = {}
        async with request.form() as form:
            for name, value in form.multi_items():
                if isinstance(value, str):
                    out[name] = value
                else:
                    out[name] = (value.filename, await value.read(), value.content_type)
        return out

    # in a thread of its own: a browser test earlier in this worker leaves Playwright's loop running in this one
    found: dict[str, Any] = {}
    reader = threading.Thread(target=lambda: found.update(asyncio.run(read())))
    reader.start()
    reader.join(30)
    assert found, "the multipart body could not be read"
    return found


def test_files_go_as_multipart_that_the_emulators_parser_reads(origins) -> None:
    portal, _ = origins
    scan = b"%PDF-1.4\r\n--not-a-boundary\r\n" + bytes(range(256))     # line breaks and dashes inside a file
    with Agent() as agent:
        answer = agent.post(f"{portal.url}/echo", timeout=5, data={"procedure": "2.000488", "note": "Hồ sơ số 1"},
                            files={"don": ("đơn đề nghị.pdf", scan, "application/pdf"),
                                   "anh": ("cccd.png", b"\x89PNG\r\n", "image/png")})
    seen = answer.json()
    assert seen["content_type"].startswith("multipart/form-data; boundary=")
    form = _form_as_the_emulators_read_it(seen["content_type"], base64.b64decode(seen["body"]))
    assert form == {"procedure": "2.000488", "note": "Hồ sơ số 1",
                    "don": ("đơn đề nghị.pdf", scan, "application/pdf"),
                    "anh": ("cccd.png", b"\x89PNG\r\n", "image/png")}


def test_a_body_larger_than_the_sockets_buffer_arrives_whole(origins) -> None:
    portal, _ = origins
    body = bytes(range(256)) * (16 * 1024)      # 4 MiB: more than one send takes
    with Agent() as agent:
        seen = agent.post(f"{portal.url}/digest", data=body, timeout=30).json()
    assert seen == {"length": len(body), "sha256": hashlib.sha256(body).hexdigest()}


# -- what Locust is told ------------------------------------------------------------------------------------------
def measured(url: str, event: RequestEvent, **options: Any) -> MeasuredSession:
    return MeasuredSession(Namer({"provincial": url}), request_event=event, base_url=url, **options)


def test_each_answer_is_named_by_its_template_and_failed_by_its_status_unless_tolerated_or_expected(origins) -> None:
    portal, _ = origins
    event = RequestEvent()
    with measured(portal.url, event, tolerated=(409,)) as session:
        for status in (200, 404, 409, 500):
            assert session.get(f"/status/{status}", timeout=5).status_code == status
        session.expecting = frozenset({404})        # a step that expects the refusal (an unknown code)
        session.get("/status/404", timeout=5)
        session.expecting = frozenset()
        session.get("/status/201", name="the name given", timeout=5)
    outcomes = [(e["request_type"], e["name"], type(e["exception"]).__name__ if e["exception"] else None)
                for e in event.fired]
    assert outcomes == [("GET", "provincial /status/{n}", None),
                        ("GET", "provincial /status/{n}", "StatusNotAccepted"),
                        ("GET", "provincial /status/{n}", None),
                        ("GET", "provincial /status/{n}", "StatusNotAccepted"),
                        ("GET", "provincial /status/{n}", None),
                        ("GET", "the name given", None)]
    assert isinstance(event.fired[1]["exception"], StatusNotAccepted)
    assert str(event.fired[1]["exception"]) == "HTTP 404 Not Found"
    assert all(e["response_length"] == len(b'{"status": "as asked"}') and e["response_time"] > 0
               for e in event.fired)


def test_a_redirect_chain_is_one_measurement_named_by_its_first_request(origins) -> None:
    portal, _ = origins
    event = RequestEvent()
    with measured(portal.url, event) as session:
        answer = session.get("/login?next=/echo", timeout=5)
    assert answer.json()["cookie"] == "tinh_sid=s1"
    assert [(e["name"], e["exception"]) for e in event.fired] == [("provincial /login", None)]


def test_a_request_with_no_answer_is_recorded_as_a_failure_then_raised() -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{unused.getsockname()[1]}"        # bound, never listening: refused
        event = RequestEvent()
        with measured(url, event) as session, pytest.raises(ConnectionFailed) as raised:
            session.post("/api/v1/dossiers", json={}, timeout=5)
    assert len(event.fired) == 1
    fired = event.fired[0]
    assert fired["name"] == "provincial /api/v1/dossiers" and fired["exception"] is raised.value
    assert fired["response"] is None and fired["response_length"] == 0


def test_a_retried_request_is_measured_once_and_counted_by_its_name(server_factory) -> None:
    server = server_factory([1, None])
    event, counts = RequestEvent(), Retries()
    with measured(server.url, event, counts=counts) as session:
        session.get("/api/v1/procedures", timeout=5)
        session.get("/api/v1/procedures", timeout=5)
    assert [(e["name"], e["exception"]) for e in event.fired] == [("provincial /api/v1/procedures", None)] * 2
    assert counts.snapshot() == {"GET provincial /api/v1/procedures": 1}


def test_an_argument_the_session_cannot_honour_is_refused_by_name(origins) -> None:
    portal, _ = origins
    with Agent() as agent, pytest.raises(TypeError, match="stream"):
        agent.get(f"{portal.url}/echo", stream=True)
