"""Fixtures of the load's tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.load.closing_server import ClosingServer


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
