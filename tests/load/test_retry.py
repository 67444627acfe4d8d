"""Both of the load's HTTP sessions — its own (load/agent.py) and requests' with load/retry.py installed (for a
layer that asks for requests) — send again an idempotent request that met a kept-alive connection the server
had closed, and nothing else. A raw server plays the race deterministically (tests/load/closing_server.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests

from load.agent import Agent
from load.retry import Retries, install


def _requests_session(counts: Retries) -> requests.Session:
    session = requests.Session()
    install(session, lambda url: "/x", counts)
    return session


@pytest.fixture(params=["agent", "requests"])
def retrying_session(request: pytest.FixtureRequest) -> Callable[[Retries], Any]:
    """A session of either kind that names every retried request /x and counts it in the Retries given."""
    if request.param == "agent":
        return lambda counts: Agent(name=lambda url: "/x", counts=counts)
    return _requests_session


def test_a_get_that_met_a_closed_kept_alive_connection_is_sent_again_and_counted(server_factory,
                                                                                 retrying_session) -> None:
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


def test_a_post_is_never_sent_again(server_factory, retrying_session) -> None:
    server = server_factory([1, None])
    counts = Retries()
    with retrying_session(counts) as session:
        session.get(f"{server.url}/a", timeout=5)
        with pytest.raises(requests.ConnectionError):
            session.post(f"{server.url}/b", json={"x": 1}, timeout=5)
    assert server.dropped == ["POST /b HTTP/1.1"]
    assert counts.snapshot() == {}


def test_a_fresh_connection_closed_without_answer_is_a_failure(server_factory, retrying_session) -> None:
    server = server_factory([0, None])     # the server drops the very first request: not an idle close
    counts = Retries()
    with retrying_session(counts) as session, pytest.raises(requests.ConnectionError):
        session.get(f"{server.url}/a", timeout=5)
    assert server.seen == []
    assert counts.snapshot() == {}


def test_a_retry_that_fails_on_a_fresh_connection_is_not_sent_again(server_factory, retrying_session) -> None:
    server = server_factory([1, 0, None])   # the fresh connection of the retry drops too
    counts = Retries()
    with retrying_session(counts) as session:
        session.get(f"{server.url}/a", timeout=5)
        with pytest.raises(requests.ConnectionError):
            session.get(f"{server.url}/b", timeout=5)
    assert server.dropped == ["GET /b HTTP/1.1", "GET /b HTTP/1.1"]   # the retry went out fresh and failed
    assert counts.snapshot() == {"GET /x": 1}
