"""The load's HTTP client sends again an idempotent request that met a kept-alive connection the server
had closed — and nothing else. A raw server plays the race deterministically: it answers a number of
requests on a connection, then closes it when the next one arrives, without a word."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest
import requests

from load.retry import Retries, install


class ClosingServer:
    """Connection i answers `plan[i]` requests, then closes at the next one (None: answers all)."""

    def __init__(self, plan: list[int | None]) -> None:
        self.plan = plan
        self.seen: list[str] = []           # request lines that were answered
        self.dropped: list[str] = []        # request lines met by a close
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        for index in range(len(self.plan) + 10):
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            answers = self.plan[index] if index < len(self.plan) else None
            threading.Thread(target=self._connection, args=(conn, answers), daemon=True).start()

    def _connection(self, conn: socket.socket, answers: int | None) -> None:
        with conn:
            buffer = b""
            answered = 0
            while True:
                while b"\r\n\r\n" not in buffer:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    buffer += chunk
                head, _, buffer = buffer.partition(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                length = next((int(v) for k, _, v in (line.partition(":") for line in lines[1:])
                               if k.strip().lower() == "content-length"), 0)
                while len(buffer) < length:
                    buffer += conn.recv(65536)
                buffer = buffer[length:]
                if answers is not None and answered >= answers:
                    self.dropped.append(lines[0])
                    return                      # closes: the request gets no answer
                self.seen.append(lines[0])
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok")
                answered += 1

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def server_factory() -> Iterator[type[ClosingServer]]:
    made: list[ClosingServer] = []

    def make(plan: list[int | None]) -> ClosingServer:
        server = ClosingServer(plan)
        made.append(server)
        return server

    yield make  # type: ignore[misc]
    for server in made:
        server.close()


def retrying_session(counts: Retries) -> requests.Session:
    session = requests.Session()
    install(session, lambda url: "/x", counts)
    return session


def test_a_get_that_met_a_closed_kept_alive_connection_is_sent_again_and_counted(server_factory) -> None:
    server = server_factory([1, None])
    counts = Retries()
    with retrying_session(counts) as session:
        assert session.get(f"{server.url}/a", timeout=5).text == "ok"
        assert session.get(f"{server.url}/b", timeout=5).text == "ok"   # connection 0 closed: again on 1
    assert server.dropped == ["GET /b HTTP/1.1"]
    assert server.seen == ["GET /a HTTP/1.1", "GET /b HTTP/1.1"]
    assert counts.snapshot() == {"GET /x": 1}


def test_without_it_the_same_get_fails(server_factory) -> None:
    server = server_factory([1, None])
    with requests.Session() as session:
        session.get(f"{server.url}/a", timeout=5)
        with pytest.raises(requests.ConnectionError):
            session.get(f"{server.url}/b", timeout=5)


def test_a_post_is_never_sent_again(server_factory) -> None:
    server = server_factory([1, None])
    counts = Retries()
    with retrying_session(counts) as session:
        session.get(f"{server.url}/a", timeout=5)
        with pytest.raises(requests.ConnectionError):
            session.post(f"{server.url}/b", json={"x": 1}, timeout=5)
    assert server.dropped == ["POST /b HTTP/1.1"]
    assert counts.snapshot() == {}


def test_a_fresh_connection_closed_without_answer_is_a_failure(server_factory) -> None:
    server = server_factory([0, None])     # the server drops the very first request: not an idle close
    counts = Retries()
    with retrying_session(counts) as session, pytest.raises(requests.ConnectionError):
        session.get(f"{server.url}/a", timeout=5)
    assert server.seen == []
    assert counts.snapshot() == {}


def test_a_retry_that_fails_on_a_fresh_connection_is_not_sent_again(server_factory) -> None:
    server = server_factory([1, 0, None])   # the fresh connection of the retry drops too
    counts = Retries()
    with retrying_session(counts) as session:
        session.get(f"{server.url}/a", timeout=5)
        with pytest.raises(requests.ConnectionError):
            session.get(f"{server.url}/b", timeout=5)
    assert server.dropped == ["GET /b HTTP/1.1", "GET /b HTTP/1.1"]   # the retry went out fresh and failed
    assert counts.snapshot() == {"GET /x": 1}
