"""`dvc-harness serve` as users run it: a separate process, stack.json, a clean stop, a restart
that keeps every accepted dossier with its status."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness.clients import Platform
from harness.stack import StackInfo
from harness.testdata import DataFactory


def free_base_port() -> int:
    """A base port N with N..N+3 all free."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = probe.getsockname()[1]
        if base > 65000:
            continue
        try:
            held = []
            for port in range(base, base + 4):
                s = socket.socket()
                s.bind(("127.0.0.1", port))
                held.append(s)
        except OSError:
            continue
        finally:
            for s in held:
                s.close()
        return base
    raise RuntimeError("no four free consecutive ports")


def start_serve(state_dir: Path, base_port: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "harness.cli", "serve", "--state-dir", str(state_dir), "--base-port", str(base_port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def wait_for_stack(state_dir: Path, process: subprocess.Popen[str], timeout: float = 30) -> StackInfo:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stdout.read() if process.stdout else ""
        info = StackInfo.load(state_dir)
        if info is not None and info.answers():
            return info
        time.sleep(0.1)
    raise AssertionError("serve did not write a stack.json that answers")


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
        }
        stack_json = json.loads((state / "stack.json").read_text())
        assert set(stack_json) >= {"services", "admin_token", "oidc_client", "payment_partner", "postal", "sync"}

        # a second serve on the same state folder refuses to start
        second = start_serve(state, base_port + 10)
        assert second.wait(timeout=30) == 2
        assert "already uses" in (second.stdout.read() if second.stdout else "")

        platform = Platform.connect(info, namespace="restart")
        citizen = DataFactory(seed=11, scope="serve").citizen()
        platform.national.register_active(citizen)
        platform.provincial.login_sso(citizen["id_number"], citizen["password"])
        dossier = platform.provincial.submit("9.100006")      # level 3, fee paid at the counter
        ready = platform.provincial.result_ready(dossier["code"])
        assert ready["status"] == 9
        out = stop(first)
        assert "stopped" in out
        assert not (state / "stack.json").exists()
    finally:
        if first.poll() is None:
            first.kill()

    again = start_serve(state, base_port)
    try:
        info = wait_for_stack(state, again)
        assert info.admin_token == stack_json["admin_token"]        # same credentials after a restart
        platform = Platform.connect(info, namespace="restart")
        platform.provincial.login_sso(citizen["id_number"], citizen["password"])   # the account survived too
        kept = platform.provincial.dossier(dossier["code"])
        assert kept["status"] == 9 and kept["status_name"] == "Đã xử lý xong"
        assert [h["to_status"] for h in kept["history"]] == [h["to_status"] for h in ready["history"]]
    finally:
        stop(again)
