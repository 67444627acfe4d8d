"""Files handed in with a dossier: allowed types (by their content), sizes, and storage as BLOBs."""

from __future__ import annotations

import hashlib
import re
import sqlite3
from dataclasses import dataclass
from typing import Any

from mocks.core.errors import DomainError, NotFound, PayloadTooLarge
from mocks.core.storage import Store

MAX_ATTACHMENT_BYTES = 5 * 1024 * 1024      # one file
MAX_DOSSIER_BYTES = 20 * 1024 * 1024        # all the files of one dossier
MAX_ATTACHMENTS = 30                        # files in one dossier
MAX_FILENAME = 200

# Allowed types: their magic bytes (the content decides, not the name) and file extensions.
ALLOWED_TYPES: dict[str, tuple[bytes, tuple[str, ...]]] = {
    "application/pdf": (b"%PDF-", (".pdf",)),
    "image/jpeg": (b"\xff\xd8\xff", (".jpg", ".jpeg")),
    "image/png": (b"\x89PNG\r\n\x1a\n", (".png",)),
}
# What a browser or a script sends when it does not know the type: not a claim to check.
UNDECLARED_TYPES = ("", "application/octet-stream", "binary/octet-stream")

DDL = """
CREATE TABLE IF NOT EXISTS dossier_attachment (
    ns TEXT NOT NULL,
    dossier_code TEXT NOT NULL,
    id INTEGER NOT NULL,
    code TEXT NOT NULL,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    content BLOB NOT NULL,
    PRIMARY KEY (ns, dossier_code, id)
);
"""


@dataclass(frozen=True)
class Upload:
    """A file as handed in: the attachment code of the procedure's template, the name, the bytes."""

    code: str
    filename: str
    content_type: str | None
    content: bytes


@dataclass(frozen=True)
class AttachmentInfo:
    id: int
    code: str
    filename: str
    content_type: str
    size: int
    sha256: str

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "code": self.code, "filename": self.filename, "content_type": self.content_type,
                "size": self.size, "sha256": self.sha256}


def sniff(content: bytes) -> str | None:
    """The allowed type these bytes are, by their magic bytes; None for anything else."""
    for content_type, (magic, _) in ALLOWED_TYPES.items():
        if content.startswith(magic):
            return content_type
    return None


def clean_filename(name: str | None, code: str, content_type: str) -> str:
    base = re.split(r"[\\/]", name or "")[-1].strip()
    base = re.sub(r"[\x00-\x1f]", "", base)[:MAX_FILENAME]
    return base or f"{code}{ALLOWED_TYPES[content_type][1][0]}"


def check_upload(upload: Upload, label: str) -> Upload:
    """The upload with its real content type, or a DomainError naming the file and what is wrong."""
    shown = upload.filename or upload.code
    size = len(upload.content)
    if size == 0:
        raise DomainError("ATTACHMENT_EMPTY", f"Tệp '{shown}' ({label}) rỗng.", f"File '{shown}' ({label}) is empty.",
                          details={"code": upload.code, "filename": upload.filename})
    if size > MAX_ATTACHMENT_BYTES:
        raise PayloadTooLarge(
            "ATTACHMENT_TOO_LARGE",
            f"Tệp '{shown}' ({label}) lớn hơn {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB.",
            f"File '{shown}' ({label}) is larger than {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB.",
            details={"code": upload.code, "filename": upload.filename, "size": size, "limit": MAX_ATTACHMENT_BYTES},
        )
    detected = sniff(upload.content)
    declared = (upload.content_type or "").split(";")[0].strip().lower()
    extension = "." + upload.filename.rsplit(".", 1)[-1].lower() if "." in (upload.filename or "") else ""
    allowed_ext = [e for _, exts in ALLOWED_TYPES.values() for e in exts]
    if detected is None or (declared not in UNDECLARED_TYPES and declared not in ALLOWED_TYPES) or (
        extension and extension not in allowed_ext
    ):
        raise DomainError(
            "ATTACHMENT_TYPE_NOT_ALLOWED",
            f"Tệp '{shown}' ({label}) không phải PDF, JPEG hoặc PNG: chỉ chấp nhận các định dạng này.",
            f"File '{shown}' ({label}) is not a PDF, JPEG or PNG file, the only types accepted.",
            details={"code": upload.code, "filename": upload.filename, "declared": declared or None},
        )
    if (declared in ALLOWED_TYPES and declared != detected) or (
        extension and extension not in ALLOWED_TYPES[detected][1]
    ):
        raise DomainError(
            "ATTACHMENT_TYPE_MISMATCH",
            f"Nội dung tệp '{shown}' ({label}) không khớp với loại tệp khai báo.",
            f"The content of file '{shown}' ({label}) does not match its declared type or extension.",
            details={"code": upload.code, "filename": upload.filename, "declared": declared or None,
                     "detected": detected},
        )
    return Upload(upload.code, clean_filename(upload.filename, upload.code, detected), detected, upload.content)


def check_total(uploads: list[Upload]) -> None:
    if len(uploads) > MAX_ATTACHMENTS:
        raise DomainError("TOO_MANY_ATTACHMENTS", f"Một hồ sơ có tối đa {MAX_ATTACHMENTS} tệp đính kèm.",
                          f"A dossier has at most {MAX_ATTACHMENTS} files.")
    total = sum(len(u.content) for u in uploads)
    if total > MAX_DOSSIER_BYTES:
        raise PayloadTooLarge(
            "DOSSIER_TOO_LARGE",
            f"Tổng dung lượng tệp đính kèm vượt quá {MAX_DOSSIER_BYTES // (1024 * 1024)} MB.",
            f"The dossier's files together exceed {MAX_DOSSIER_BYTES // (1024 * 1024)} MB.",
            details={"size": total, "limit": MAX_DOSSIER_BYTES},
        )


class AttachmentStore:
    def __init__(self, store: Store) -> None:
        self.store = store
        store.migrate(DDL)

    def save(self, conn: sqlite3.Connection, ns: str, dossier_code: str, uploads: list[Upload]) -> list[int]:
        """Keep the files; ids continue after the dossier's earlier files (a supplement adds to them)."""
        first = conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM dossier_attachment WHERE ns = ? AND"
                             " dossier_code = ?", (ns, dossier_code)).fetchone()[0]
        ids = []
        for i, upload in enumerate(uploads, start=first):
            ids.append(i)
            conn.execute(
                "INSERT INTO dossier_attachment(ns, dossier_code, id, code, filename, content_type, size, sha256,"
                " content) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (ns, dossier_code, i, upload.code, upload.filename, upload.content_type, len(upload.content),
                 hashlib.sha256(upload.content).hexdigest(), sqlite3.Binary(upload.content)),
            )
        return ids

    def infos(self, db: Any, ns: str, dossier_code: str) -> list[AttachmentInfo]:
        rows = db.execute(
            "SELECT id, code, filename, content_type, size, sha256 FROM dossier_attachment"
            " WHERE ns = ? AND dossier_code = ? ORDER BY id", (ns, dossier_code),
        ).fetchall()
        return [AttachmentInfo(r["id"], r["code"], r["filename"], r["content_type"], r["size"], r["sha256"])
                for r in rows]

    def content(self, ns: str, dossier_code: str, attachment_id: int) -> tuple[AttachmentInfo, bytes]:
        row = self.store.one("SELECT * FROM dossier_attachment WHERE ns = ? AND dossier_code = ? AND id = ?",
                             (ns, dossier_code, attachment_id))
        if row is None:
            raise NotFound("ATTACHMENT_NOT_FOUND", "Không tìm thấy tệp đính kèm.", "No such attachment.")
        info = AttachmentInfo(row["id"], row["code"], row["filename"], row["content_type"], row["size"], row["sha256"])
        return info, bytes(row["content"])

    def reset(self, ns: str) -> None:
        self.store.execute("DELETE FROM dossier_attachment WHERE ns = ?", (ns,))
