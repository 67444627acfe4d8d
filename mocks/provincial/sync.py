"""Pushing dossiers to the national portal through the data-sharing gateway (docs/protocols.md, `/sync/*`).

Every new dossier is sent as `DongBoHoSoMC` (isUpdating false); every later change as
`DongBoHoSoMC` (isUpdating true) followed by `CapNhatTienDoHoSoMC` with one progress item.
The messages are queued in the outbox inside the transaction that made the change, keyed
by the dossier code so they reach the national side in order. The sender logs in at
`/sync/login`, keeps the session token per namespace in the store, and logs in again when
the gateway says the session is no longer valid; a message is delivered when `error_code`
is 0. A refusal for good (invalid data, an unknown service, a conflicting create) ends the
message as `rejected` after one try (`Refused`); anything else (the gateway down, 5xx, a
time-out, a dossier not there yet) is retried with backoff.
"""

from __future__ import annotations

import sqlite3
import time
from typing import Any

import requests

from mocks.core.config import StackConfig
from mocks.core.namespace import forward_headers
from mocks.core.outbox import STATUSES, Outbox, OutboxMessage, Refused
from mocks.core.storage import Store
from mocks.core.timefmt import from_iso, to_wire

from .dossier.entity import Dossier, HistoryEntry

SYNC_KIND = "national_sync"
PUSH_DOSSIER = "DongBoHoSoMC"
PUSH_PROGRESS = "CapNhatTienDoHoSoMC"
BATCH_LIMIT = 500   # records per call the national gateway takes
TIMEOUT = (3.05, 15.0)

DDL = """
CREATE TABLE IF NOT EXISTS sync_session (
    ns TEXT NOT NULL PRIMARY KEY,
    session TEXT NOT NULL,
    obtained_at REAL NOT NULL
);
"""


def dossier_record(d: Dossier) -> dict[str, Any]:
    """One dossier as DongBoHoSoMC carries it (Vietnamese field names, wire dates)."""
    fees = []
    if d.fee_amount > 0:
        fees.append({
            "TenPhiLePhi": d.fee_description or "Phí, lệ phí", "MaPhiLePhi": d.national_code,
            "HinhThucThu": 1 if d.payment_method == "online" else 0, "Gia": d.fee_amount, "LoaiPhiLePhi": 1,
        })
    results = []
    if d.status in (9, 10) or d.result_documents:
        documents = d.result_documents or [{"name": f"Kết quả giải quyết: {d.procedure_name}"}]
        results = [{"GiayToId": f"{d.code}-KQ{i}", "TenGiayTo": doc.get("name", ""), "SoKyHieu": doc.get("number", ""),
                    "MaThanhPhanHoSo": "KQ"} for i, doc in enumerate(documents, start=1)]
    supplements = []
    if d.supplement:
        # Item fields of DanhSachHoSoBoSung are [assumed]: the real name of the list is all we know.
        asked = d.supplement
        supplements.append({
            "MaHoSoBoSung": f"{d.code}-BS1",
            "NgayYeuCauBoSung": _wire_iso(asked.get("requested_at")),
            "NguoiYeuCau": asked.get("officer", ""),
            "NoiDungYeuCauBoSung": asked.get("note", ""),
            "DanhSachGiayToYeuCau": [item.get("name", "") for item in asked.get("items", [])],
            "NgayBoSung": _wire_iso(asked.get("answered_at")),
        })
    return {
        "MaHoSo": d.code,
        "MaTTHC": d.national_code,
        "TenTTHC": d.procedure_name,
        "KenhThucHien": d.channel,
        "ChuHoSo": d.applicant_name,
        "SoGiayToChuHoSo": d.applicant_id_number or "",
        "LoaiDoiTuong": d.applicant_type,
        "Email": d.email or "",
        "SoDienThoai": d.phone or "",
        "TrichYeuHoSo": d.summary,
        "NgayNopHoSo": to_wire(d.submitted_at),
        "NgayTiepNhan": to_wire(d.received_at),
        "NgayHenTra": to_wire(d.appointment_at),
        "TrangThaiHoSo": d.status,
        "NgayTra": to_wire(d.returned_at),
        "HinhThuc": 1 if d.result_delivery == "post" else 0,
        "DonViXuLy": d.agency_name,
        "DuocThanhToanTrucTuyen": 1 if d.paid_online else 3,
        "TaiKhoanDuocXacThucVoiVNeID": 1 if d.vneid_verified else 0,
        "TaiLieuNop": [
            {"TepDinhKemId": str(a.id), "TenTepDinhKem": a.filename, "IsDeleted": False,
             "MaThanhPhanHoSo": a.code, "DuongDanTaiTepTin": f"/api/v1/dossiers/{d.code}/attachments/{a.id}"}
            for a in d.attachments
        ],
        "DanhSachLePhi": fees,
        "DanhSachHoSoBoSung": supplements,
        "DanhSachGiayToKetQua": results,
    }


def _wire_iso(text: str | None) -> str:
    return to_wire(from_iso(text))


def progress_record(d: Dossier, entry: HistoryEntry) -> dict[str, Any]:
    """One CapNhatTienDoHoSoMC item for a history entry."""
    return {
        "MaHoSo": d.code,
        "NguoiXuLy": entry.actor,
        "ChucDanh": entry.role,
        "ThoiDiemXuLy": to_wire(entry.at),
        "PhongBanXuLy": d.agency_name,
        "NoiDungXuLy": entry.note,
        "TrangThai": entry.to_status,
        "NgayBatDau": to_wire(entry.at),
        "NgayKetThucTheoQuyDinh": to_wire(d.appointment_at),
    }


class SyncQueue:
    """Queues the national sync messages of a dossier inside the caller's transaction."""

    def __init__(self, outbox: Outbox) -> None:
        self.outbox = outbox

    def created(self, conn: sqlite3.Connection, ns: str, d: Dossier) -> None:
        self._push(conn, ns, d, {"service": PUSH_DOSSIER, "isUpdating": False, "data": [dossier_record(d)]})

    def changed(self, conn: sqlite3.Connection, ns: str, d: Dossier, entry: HistoryEntry) -> None:
        self._push(conn, ns, d, {"service": PUSH_DOSSIER, "isUpdating": True, "data": [dossier_record(d)]})
        self._push(conn, ns, d, {"service": PUSH_PROGRESS, "data": [progress_record(d, entry)]})

    def _push(self, conn: sqlite3.Connection, ns: str, d: Dossier, body: dict[str, Any]) -> None:
        self.outbox.enqueue(ns, SYNC_KIND, {"madonvi": d.agency_code, **body}, key=d.code, conn=conn)


def batched_pushes(agency_code: str, dossiers: list[Dossier]) -> list[dict[str, Any]]:
    """An agency's dossiers in their final state, then their progress (every move after the first entry),
    BATCH_LIMIT records a message: how a history of many dossiers reaches the national portal in few calls."""
    records = [dossier_record(d) for d in dossiers]
    progress = [progress_record(d, entry) for d in dossiers for entry in d.history[1:]]
    return ([{"madonvi": agency_code, "service": PUSH_DOSSIER, "isUpdating": False,
              "data": records[i:i + BATCH_LIMIT]} for i in range(0, len(records), BATCH_LIMIT)]
            + [{"madonvi": agency_code, "service": PUSH_PROGRESS, "data": progress[i:i + BATCH_LIMIT]}
               for i in range(0, len(progress), BATCH_LIMIT)])


class SyncRefused(RuntimeError):
    """The gateway answered but did not accept the message (error_code != 0), or could not be reached: retry later."""


class SyncRejected(Refused):
    """The gateway refused the message for good: the same message will never be accepted."""


class SessionInvalid(RuntimeError):
    pass


# error_code of the national gateway for an unknown or expired session [assumed, as the national emulator answers].
SESSION_ERROR_CODE = 2
# error_codes that refuse a message for good [assumed, as the national emulator answers]: 3 invalid data, 4 unknown
# service, 6 a create that conflicts with the dossier already there. The others may pass: 1 the log-in (an account
# the admin can fix), 5 not found (an earlier message may still be on its way), 7 a unit not allowed (configuration).
PERMANENT_ERROR_CODES: dict[int, str] = {3: "invalid data", 4: "unknown service", 6: "conflict"}


def _rejection(status: int, answer: Any) -> SyncRejected | None:
    """The gateway's answer as a refusal for good, or None when it may pass (5xx are never for good)."""
    if status >= 500 or not isinstance(answer, dict):
        return None
    code = answer.get("error_code")
    code = int(code) if isinstance(code, str) and code.strip().isdigit() else code  # "3" as some gateways send it
    if isinstance(code, bool) or code not in PERMANENT_ERROR_CODES:
        return None
    error = answer.get("error") if isinstance(answer.get("error"), dict) else {}
    text = str(error.get("message") or answer.get("message") or PERMANENT_ERROR_CODES[code])
    return SyncRejected(f"error_code {code}" + (f" {error['code']}" if error.get("code") else ""), text)


def _session_problem(status: int, answer: Any) -> bool:
    """Whether the gateway says our session token is missing, unknown or expired."""
    if status == 401:
        return True
    if not isinstance(answer, dict) or answer.get("error_code") in (0, None):
        return False
    text = f"{answer.get('message', '')}".lower()
    return answer.get("error_code") == SESSION_ERROR_CODE or "session" in text or "phiên" in text


class SyncGateway:
    """The outbox sender of SYNC_KIND: logs in when needed and posts to /sync/service."""

    def __init__(self, config: StackConfig, store: Store, http: requests.Session | None = None) -> None:
        base = config.url("national").rstrip("/")
        self.login_url = f"{base}/sync/login"
        self.service_url = f"{base}/sync/service"
        self.username = config.credentials.sync_username
        self.password = config.credentials.sync_password
        self.store = store
        self.http = http or requests.Session()
        store.migrate(DDL)

    def __call__(self, message: OutboxMessage) -> None:
        self.send(message.ns, message.payload)

    def send(self, ns: str, payload: dict[str, Any]) -> dict[str, Any]:
        session = self._session(ns) or self.login(ns)
        status, answer = self._post(ns, {"session": session, **payload})
        if _session_problem(status, answer):
            session = self.login(ns)
            status, answer = self._post(ns, {"session": session, **payload})
        rejection = _rejection(status, answer)
        if rejection is not None:
            raise rejection
        if not isinstance(answer, dict) or answer.get("error_code") != 0:
            raise SyncRefused(f"{payload.get('service')} answered HTTP {status}: {str(answer)[:300]}")
        return answer

    def login(self, ns: str) -> str:
        try:
            reply = self.http.post(self.login_url, json={"username": self.username, "password": self.password},
                                   headers=forward_headers(ns), timeout=TIMEOUT)
        except requests.RequestException as exc:
            raise SyncRefused(f"sync login failed: {type(exc).__name__}: {exc}") from exc
        answer = _json(reply)
        session = answer.get("session") if isinstance(answer, dict) else None
        if reply.status_code != 200 or answer.get("error_code") != 0 or not isinstance(session, str) or not session:
            raise SyncRefused(f"sync login refused (HTTP {reply.status_code}): {str(answer)[:300]}")
        self.store.execute(
            "INSERT INTO sync_session(ns, session, obtained_at) VALUES (?, ?, ?) "
            "ON CONFLICT(ns) DO UPDATE SET session = excluded.session, obtained_at = excluded.obtained_at",
            (ns, session, time.time()),
        )
        return session

    def _session(self, ns: str) -> str | None:
        row = self.store.one("SELECT session FROM sync_session WHERE ns = ?", (ns,))
        return None if row is None else str(row["session"])

    def _post(self, ns: str, body: dict[str, Any]) -> tuple[int, Any]:
        try:
            reply = self.http.post(self.service_url, json=body, headers=forward_headers(ns), timeout=TIMEOUT)
        except requests.RequestException as exc:
            raise SyncRefused(f"{body.get('service')} failed: {type(exc).__name__}: {exc}") from exc
        return reply.status_code, _json(reply)

    def reset(self, ns: str) -> None:
        self.store.execute("DELETE FROM sync_session WHERE ns = ?", (ns,))


def sync_state(outbox: Outbox, ns: str, code: str) -> dict[str, Any]:
    """Where a dossier's national sync stands: `state` is `rejected` when the national portal refused one of its
    messages for good (`refusal` says why), `pending` while one waits to go, `delivered` when all went, `none`
    before any; `counts` per status."""
    messages = [m for m in outbox.by_key(ns, code) if m["kind"] == SYNC_KIND]
    counts = {status: sum(m["status"] == status for m in messages) for status in STATUSES}
    refused = next((m for m in messages if m["status"] == "rejected" and m["attempts"]), None)
    if refused is not None:
        state = "rejected"
    elif counts["pending"]:
        state = "pending"
    elif messages and counts["delivered"] == len(messages):
        state = "delivered"
    else:
        state = "none" if not messages else "incomplete"  # some dropped or abandoned, none refused
    return {"state": state, "counts": counts,
            "refusal": None if refused is None else {"message_id": refused["id"], **refused["refusal"]},
            "last_error": next((m["last_error"] for m in reversed(messages) if m["last_error"]), None)}


def _json(reply: requests.Response) -> Any:
    try:
        return reply.json()
    except ValueError:
        return {"body": reply.text[:300]}
