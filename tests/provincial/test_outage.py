"""A national-side outage during the officers' transitions loses no update.

The provincial portal runs in a stack of its own; the national portal runs beside it on the
port the stack gave it, so the test can take it down (connection refused) and bring it back
on the same state folder. While it is down, officers keep working; once it is back, the
national look-up shows the provincial status of every dossier, with every step in its progress.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
import requests
import uvicorn

from harness.stack import Stack, create_app

from .backoffice import LLTP_AGENCY, Province, T, wait_for

NS = "outage"


class NationalPortal:
    """The national emulator on a fixed port, started and stopped at will."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.port = urlparse(stack.urls["national"]).port or 0
        self.server: uvicorn.Server | None = None
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        server = uvicorn.Server(uvicorn.Config(create_app("national", self.stack.config), log_level="warning",
                                              lifespan="on", timeout_graceful_shutdown=2))
        server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
        self.thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        self.thread.start()
        self.server = server
        wait_for(lambda: server.started, timeout=20, what="the national portal to start")

    def stop(self) -> None:
        if self.server is not None and self.thread is not None:
            self.server.should_exit = True
            self.thread.join(timeout=10)
        self.server = self.thread = None
        with pytest.raises(requests.ConnectionError):
            requests.get(f"{self.stack.urls['national']}/_admin/health", timeout=2)


@pytest.fixture
def stack_and_national(tmp_path: Path) -> Iterator[tuple[Stack, NationalPortal]]:
    stack = Stack.start(tmp_path / "state", services=("provincial",), write_file=False)
    national = NationalPortal(stack)
    try:
        yield stack, national
    finally:
        national.server and national.stop()
        stack.stop()


def pending(province: Province) -> list[dict[str, Any]]:
    r = requests.get(f"{province.base}/_admin/outbox", params={"status": "pending", "kind": "national_sync"},
                     headers=province.admin, timeout=T)
    return list(r.json()["messages"])


def flush_until_empty(province: Province, timeout: float = 30) -> None:
    def empty() -> bool:
        requests.post(f"{province.base}/_admin/outbox/flush", headers=province.admin, timeout=T)
        return not pending(province)
    wait_for(empty, timeout=timeout, what="every sync message to be delivered")


def test_no_update_is_lost_while_the_national_portal_is_down(stack_and_national: tuple[Stack, NationalPortal]) -> None:
    stack, national = stack_and_national
    province = Province(stack.urls, stack.config.credentials.admin_token, NS)
    province.set_clock("2024-05-15T09:30:00+07:00")
    national.start()
    citizen = province.citizen()
    desk, specialist = province.officer("motcua", "desk"), province.officer("chuyenvien", "specialist")
    leader = province.officer("lanhdao", "leader")
    codes = [province.submit(citizen)["code"] for _ in range(5)]
    province.act(desk, codes[0], "receive")
    flush_until_empty(province)
    assert [province.national_status(c) for c in codes] == [2, 1, 1, 1, 1]

    national.stop()
    # Officers keep working: every change is kept, queued for the national side.
    province.act(specialist, codes[0], "process")
    province.act(specialist, codes[0], "result", {"documents": [{"name": "Phiếu lý lịch tư pháp số 1"}]})
    province.act(desk, codes[0], "return")
    province.act(desk, codes[1], "refuse", {"reason": "Sai thẩm quyền"})
    province.act(desk, codes[2], "receive")
    province.act(desk, codes[2], "supplement-request", {"items": [{"code": "CCCD"}]})
    province.act(desk, codes[3], "receive")
    province.act(leader, codes[3], "stop", {"reason": "Đề nghị dừng"})
    counter = desk.post(f"{province.base}/api/v1/officer/dossiers", timeout=T, json={
        "procedure_code": "2.000488", "channel": 1, "documents": ["TK01", "CCCD"],
        "applicant": {"name": "Lê Văn Tám", "id_number": "049090001111"}}).json()["code"]
    codes.append(counter)
    requests.post(f"{province.base}/_admin/outbox/flush", headers=province.admin, timeout=T)
    waiting = pending(province)
    assert len(waiting) >= 10 and waiting[0]["attempts"] >= 1 and "ConnectionError" in (waiting[0]["last_error"] or "")
    during = requests.get(f"{province.base}/_admin/dossiers/{codes[0]}", headers=province.admin, timeout=T).json()
    assert during["national_sync"]["state"] == "pending", during["national_sync"]

    national.start()
    flush_until_empty(province)
    for code in codes:
        mine = requests.get(f"{province.base}/_admin/dossiers/{code}", headers=province.admin, timeout=T).json()
        theirs = requests.get(f"{stack.urls['national']}/api/v1/lookup/{code}", headers={"X-DVC-Namespace": NS},
                              timeout=T).json()
        assert theirs["status"] == mine["status"], (code, theirs["status"], mine["status"])
        assert mine["national_sync"]["state"] == "delivered", mine["national_sync"]
        assert [p["status"] for p in theirs["progress"]] == [h["to_status"] for h in mine["history"][1:]]
        assert theirs["channel"] == mine["channel"] and theirs["received_at"] == mine["received_at"]
    assert [province.national_status(c) for c in codes] == [10, 3, 5, 8, 1, 2]
    assert all(c.startswith(LLTP_AGENCY) for c in codes)

