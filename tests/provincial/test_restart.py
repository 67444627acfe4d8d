"""Everything accepted survives a restart: a new stack on the same state folder finds it."""

from __future__ import annotations

import base64
from pathlib import Path

import requests

from harness.stack import Stack

from .conftest import PDF, PNG

T = 10
NS = "restart"
BODY = {"procedure_code": "2.000488", "payment_method": "counter",
        "form": {"loai_phieu": "Phiếu lý lịch tư pháp số 2", "so_ban": 1, "muc_dich": "Định cư"},
        "attachments": [{"code": "TK01", "filename": "tk.pdf", "content_base64": base64.b64encode(PDF).decode()},
                        {"code": "CCCD", "filename": "cccd.png", "content_base64": base64.b64encode(PNG).decode()}]}


def test_a_dossier_is_there_after_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "state"
    with Stack.start(state, services=("provincial",), write_file=False) as stack:
        base = stack.urls["provincial"]
        admin = {"X-DVC-Namespace": NS, "X-Admin-Token": stack.config.credentials.admin_token}
        # A frozen clock (kept in the state folder too): the day's counter cannot roll over mid-test.
        requests.post(f"{base}/_admin/clock", json={"set": "2024-05-15T09:30:00+07:00"}, headers=admin, timeout=T)
        account = requests.post(f"{base}/_admin/accounts", json={"full_name": "Lê Văn Tám", "id_number":
                                                                 "049090001111"}, headers=admin, timeout=T).json()
        opened = requests.post(f"{base}/_admin/sessions", json={"account_id": account["id"]}, headers=admin,
                               timeout=T).json()
        cookies = {opened["cookie"]: opened["value"]}
        created = requests.post(f"{base}/api/v1/dossiers", json=BODY, cookies=cookies, headers={"X-DVC-Namespace": NS},
                                timeout=T)
        assert created.status_code == 201, created.text
        code = created.json()["code"]
        assert code == "000.00.12.H47-240515-0001"
        ready = requests.post(f"{base}/_admin/dossiers/{code}/result-ready", headers=admin, timeout=T)
        assert ready.json()["status"] == 9

    with Stack.start(state, services=("provincial",), write_file=False) as stack:
        base = stack.urls["provincial"]
        h = {"X-DVC-Namespace": NS}
        again = requests.get(f"{base}/api/v1/dossiers/{code}", cookies=cookies, headers=h, timeout=T)
        assert again.status_code == 200, again.text
        d = again.json()
        # The result-ready shortcut records receipt (2), processing (4) and the result (9).
        assert d["status"] == 9 and d["status_name"] == "Đã xử lý xong" and len(d["history"]) == 4
        assert [a["code"] for a in d["attachments"]] == ["TK01", "CCCD"]
        blob = requests.get(f"{base}/api/v1/dossiers/{code}/attachments/2", cookies=cookies, headers=h, timeout=T)
        assert blob.content == PNG and blob.headers["content-type"] == "image/png"
        # The day's counter survived too: the next dossier of the agency gets the next number.
        following = requests.post(f"{base}/api/v1/dossiers", json=BODY, cookies=cookies, headers=h, timeout=T).json()
        assert following["code"][:-4] == code[:-4] and int(following["code"][-4:]) == int(code[-4:]) + 1
        # The queued national sync messages are still waiting for delivery (the national side is not running).
        admin = {**h, "X-Admin-Token": stack.config.credentials.admin_token}
        outbox = requests.get(f"{base}/_admin/outbox", headers=admin, timeout=T).json()["messages"]
        assert [m["key"] for m in outbox if m["key"] == code] == [code] * 7
