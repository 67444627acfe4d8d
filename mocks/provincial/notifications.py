"""Notices to the applicant (e-mail and SMS) on receipt, supplement request, refusal and result.

Circular 32/2017 asks portals at levels 3/4 to notify the applicant automatically on
receipt and on result. Which move sends which notice is the transition table's (dossier/
transitions.py, `notice`). The emulator does not send anything: each notice is a row of the
namespace's message outbox, written in the transaction of the move that causes it, which
tests read at `GET /_admin/notifications`.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from mocks.core.clock import Clock
from mocks.core.storage import Store
from mocks.core.timefmt import to_iso

from .dossier.entity import Dossier

DDL = """
CREATE TABLE IF NOT EXISTS notification (
    ns TEXT NOT NULL,
    id INTEGER NOT NULL,
    dossier_code TEXT NOT NULL,
    kind TEXT NOT NULL,
    channel TEXT NOT NULL,          -- email | sms
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (ns, id)
);
CREATE INDEX IF NOT EXISTS notification_dossier ON notification(ns, dossier_code);
"""

# What each kind of notice says; {code}, {procedure}, {agency}, {due}, {note} are filled in.
KINDS: dict[str, tuple[str, str]] = {
    "received": ("Hồ sơ {code} đã được tiếp nhận",
                 "{agency} đã tiếp nhận hồ sơ {code} ({procedure}). Ngày hẹn trả kết quả: {due}."),
    "refused": ("Hồ sơ {code} không được tiếp nhận",
                "{agency} từ chối tiếp nhận hồ sơ {code}. Lý do: {note}"),
    "supplement_requested": ("Hồ sơ {code} cần bổ sung giấy tờ",
                             "{agency} đề nghị bổ sung, hoàn thiện hồ sơ {code}: {note} "
                             "Vui lòng bổ sung trên Cổng Dịch vụ công tỉnh."),
    "payment_requested": ("Hồ sơ {code}: đề nghị thực hiện nghĩa vụ tài chính",
                          "Hồ sơ {code}: {note} Vui lòng thanh toán trực tuyến trên Cổng Dịch vụ công tỉnh."),
    "result_ready": ("Hồ sơ {code} đã có kết quả", "Hồ sơ {code} ({procedure}) đã có kết quả: {note}"),
    "rescheduled": ("Hồ sơ {code}: thư xin lỗi và hẹn lại ngày trả kết quả",
                    "{agency} xin lỗi vì hồ sơ {code} chưa giải quyết kịp hạn. Ngày hẹn trả mới: {due}. "
                    "Lý do: {note}"),
    "stopped": ("Hồ sơ {code} đã dừng xử lý", "{agency} đã dừng xử lý hồ sơ {code}. Lý do: {note}"),
}


@dataclass(frozen=True)
class Notification:
    id: int
    dossier_code: str
    kind: str
    channel: str
    recipient: str
    subject: str
    body: str
    created_at: str

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "dossier_code": self.dossier_code, "kind": self.kind, "channel": self.channel,
                "to": self.recipient, "subject": self.subject, "body": self.body, "created_at": self.created_at}


class Notifications:
    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        store.migrate(DDL)

    def send(self, conn: sqlite3.Connection, ns: str, dossier: Dossier, kind: str, note: str) -> None:
        """One e-mail and one SMS (to what the dossier has) for `kind`."""
        subject_template, body_template = KINDS[kind]
        fields = {"code": dossier.code, "procedure": dossier.procedure_name, "agency": dossier.agency_name,
                  "due": dossier.appointment_at.strftime("%d/%m/%Y"), "note": note}
        subject, body = subject_template.format(**fields), body_template.format(**fields)
        now = to_iso(self.clock.now(ns))
        for channel, recipient in (("email", dossier.email), ("sms", dossier.phone)):
            if not recipient:
                continue
            next_id = conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM notification WHERE ns = ?",
                                   (ns,)).fetchone()[0]
            # An SMS carries the subject line only: it must stay short.
            text = body if channel == "email" else f"{subject}. {fields['agency']}"[:300]
            conn.execute(
                "INSERT INTO notification(ns, id, dossier_code, kind, channel, recipient, subject, body, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (ns, next_id, dossier.code, kind, channel, recipient, subject, text, now),
            )

    def list(self, ns: str, *, to: str | None = None, dossier_code: str | None = None, kind: str | None = None,
             limit: int = 200) -> list[Notification]:
        """Newest first."""
        sql, args = "SELECT * FROM notification WHERE ns = ?", [ns]
        for column, value in (("recipient", to), ("dossier_code", dossier_code), ("kind", kind)):
            if value:
                sql += f" AND {column} = ?"
                args.append(value)
        rows = self.store.query(sql + " ORDER BY id DESC LIMIT ?", (*args, limit))
        return [Notification(r["id"], r["dossier_code"], r["kind"], r["channel"], r["recipient"], r["subject"],
                             r["body"], r["created_at"]) for r in rows]

    def reset(self, ns: str) -> None:
        self.store.execute("DELETE FROM notification WHERE ns = ?", (ns,))
