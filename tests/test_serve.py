"""`dvc-harness serve` as users run it: a separate process, stack.json, a clean stop, a restart
that keeps every accepted dossier with its status."""

from __future__ import annotations

import json
import signal
import subprocess
from pathlib import Path

import pytest

from harness.clients import Platform
from harness.testdata import DataFactory
from tests.process_groups import end_group, free_base_port, serve_command, start, wait_for_stack


def start_serve(state_dir: Path, base_port: int) -> subprocess.Popen[str]:
    """In its own process group: the test's `finally` ends all of it (process_groups.end_group)."""
    return start(serve_command(state_dir, base_port=base_port))


def stop(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGTERM)
    out, _ = process.communicate(timeout=30)
    assert process.returncode == 0, out
    return out


@pytest.fixture
def base_port() -> int:
    return free_base_port()


def test_serve_writes_stack_json_and_a_restart_keeps_dossiers(tmp_path: Path, base_port: int) -> None:
    state = tmp_path / "state"
    first = start_serve(state, base_port)
    try:
        info = wait_for_stack(state, first)
        assert info.services == {
            "national": f"http://127.0.0.1:{base_port}", "provincial": f"http://127.0.0.1:{base_port + 1}",
            "payment": f"http://127.0.0.1:{base_port + 2}", "postal": f"http://127.0.0.1:{base_port + 3}",
            "vneid": f"http://127.0.0.1:{base_port + 4}",
        }
        stack_json = json.loads((state / "stack.json").read_text())
        assert set(stack_json) >= {"services", "admin_token", "oidc_client", "payment_partner", "postal", "sync",
                                   "vneid_client", "as_of"}

        # a second serve on the same state folder refuses to start
        second = start_serve(state, base_port + 10)
        try:
            assert second.wait(timeout=30) == 2
            assert "already uses" in (second.stdout.read() if second.stdout else "")
        finally:
            end_group(second)

        platform = Platform.connect(info, namespace="restart")
        citizen = platform.ready_account(DataFactory(seed=11, scope="serve").citizen())   # today's world: VNeID
        platform.provincial.log_in(citizen, platform.vneid)
        dossier = platform.provincial.submit("9.100006")      # level 3, fee paid at the counter
        ready = platform.provincial.result_ready(dossier["code"])
        assert ready["status"] == 9
        out = stop(first)
        assert "stopped" in out
        assert not (state / "stack.json").exists()
    finally:
        end_group(first)

    again = start_serve(state, base_port)
    try:
        info = wait_for_stack(state, again)
        assert info.admin_token == stack_json["admin_token"]        # same credentials after a restart
        platform = Platform.connect(info, namespace="restart")
        platform.provincial.log_in(citizen, platform.vneid)   # the identity and the linked account survived too
        kept = platform.provincial.dossier(dossier["code"])
        assert kept["status"] == 9 and kept["status_name"] == "Đã xử lý xong"
        assert [h["to_status"] for h in kept["history"]] == [h["to_status"] for h in ready["history"]]
        stop(again)
    finally:
        end_group(again)


def test_a_delayed_request_cut_short_by_the_stop_gets_a_503_and_no_traceback(tmp_path: Path, base_port: int) -> None:
    import threading
    import time

    import requests

    from harness.control import Faults

    state = tmp_path / "state"
    process = start_serve(state, base_port)
    try:
        info = wait_for_stack(state, process)
        Faults(info, "slow").latency("provincial", "/api/v1/agencies", ms=120_000)
        answers: list[requests.Response] = []
        caller = threading.Thread(target=lambda: answers.append(requests.get(
            f"{info.url('provincial')}/api/v1/agencies", headers={"X-DVC-Namespace": "slow"}, timeout=90)))
        caller.start()
        time.sleep(2)                                         # let the slow request reach the service
        out = stop(process)
        caller.join(timeout=60)
    finally:
        end_group(process)
    assert answers and answers[0].status_code == 503 and answers[0].json()["error"]["code"] == "SERVICE_STOPPING"
    assert "Traceback" not in out and "CancelledError" not in out, out
