"""Snapshot and restore the whole stack's state (every service's SQLite file) to one file.

SQLite's online backup copies a consistent image of each database while the services
keep running; restoring copies back into the live databases the same way, so no service
needs to reopen anything. A snapshot is a zip of the database files.
"""

from __future__ import annotations

import re
import sqlite3
import tempfile
import time
import zipfile
from pathlib import Path

from .clock import CLOCK_STAMP, touch
from .errors import DomainError, NotFound

NAME = re.compile(r"^[A-Za-z0-9_.\-]{1,80}$")
DATABASES = ("national", "provincial", "payment", "postal", "vneid", "control")


def _folder(state_dir: Path) -> Path:
    return Path(state_dir) / "snapshots"


def _path(state_dir: Path, name: str) -> Path:
    if not NAME.match(name):
        raise DomainError("INVALID_SNAPSHOT_NAME", "Tên bản chụp chỉ gồm chữ, số, '.', '_', '-'.",
                          "A snapshot name is letters, digits, '.', '_' or '-'.")
    return _folder(state_dir) / f"{name}.zip"


def take(state_dir: Path, name: str | None = None) -> dict[str, object]:
    name = name or time.strftime("snapshot-%Y%m%d-%H%M%S")
    target = _path(state_dir, name)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(target.with_suffix(".tmp"), "w",
                                                             zipfile.ZIP_DEFLATED) as archive:
        for db in DATABASES:
            live = Path(state_dir) / f"{db}.db"
            if not live.exists():
                continue
            copy = Path(tmp) / f"{db}.db"
            with sqlite3.connect(live) as source, sqlite3.connect(copy) as dest:
                source.backup(dest)
            archive.write(copy, f"{db}.db")
    target.with_suffix(".tmp").replace(target)
    return {"name": name, "path": str(target), "bytes": target.stat().st_size}


def restore(state_dir: Path, name: str) -> dict[str, object]:
    source_zip = _path(state_dir, name)
    if not source_zip.exists():
        raise NotFound("SNAPSHOT_NOT_FOUND", f"Không có bản chụp '{name}'.", f"No snapshot named '{name}'.")
    restored = []
    with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(source_zip) as archive:
        for member in archive.namelist():
            db = member.removesuffix(".db")
            if db not in DATABASES:
                continue
            archive.extract(member, tmp)
            with sqlite3.connect(Path(tmp) / member) as source, sqlite3.connect(
                    Path(state_dir) / member, timeout=30) as live:
                source.backup(live)
            restored.append(db)
    (Path(state_dir) / "faults.stamp").write_text(f"restored-{time.time_ns()}")  # fault caches re-read
    touch(Path(state_dir) / CLOCK_STAMP)                                          # and clocks
    return {"name": name, "restored": restored}


def listing(state_dir: Path) -> list[dict[str, object]]:
    folder = _folder(state_dir)
    if not folder.exists():
        return []
    return [{"name": p.stem, "bytes": p.stat().st_size, "taken_at": p.stat().st_mtime}
            for p in sorted(folder.glob("*.zip"))]
