"""What this process holds: memory, file descriptors, threads and SQLite connections.

Read by `GET /_admin/resources`, so that a long run (load/bench/soak.py) can watch each worker
process for leaks from outside. Linux (/proc) gives the memory and the descriptors; elsewhere they are None.
"""

from __future__ import annotations

import _sqlite3
import ctypes
import os
import threading
from pathlib import Path
from typing import Any

from .storage import Store

PROC_FD = Path("/proc/self/fd")
DATABASE_SUFFIXES = (".db", ".db-wal", ".db-shm", ".db-journal")


def _sqlite_memory_function() -> Any:
    """sqlite3_memory_used() of the SQLite library this Python's sqlite3 module uses, or None.
    (The module does not expose it; a handle on the module searches the library it links, too.)"""
    try:
        function = ctypes.CDLL(_sqlite3.__file__).sqlite3_memory_used
    except (OSError, AttributeError):
        return None
    function.restype = ctypes.c_int64
    function.argtypes = []
    return function


_SQLITE_MEMORY_USED = _sqlite_memory_function()


def sqlite_memory_bytes() -> int | None:
    """Bytes SQLite has allocated in this process (every connection's caches and statements)."""
    return int(_SQLITE_MEMORY_USED()) if _SQLITE_MEMORY_USED is not None else None


def rss_bytes() -> int | None:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def descriptors() -> dict[str, int] | None:
    """Open file descriptors: all of them, and those on SQLite files (a database, its WAL, its shared memory)."""
    try:
        names = os.listdir(PROC_FD)
    except OSError:
        return None
    total = databases = 0
    for name in names:
        try:
            target = os.readlink(PROC_FD / name)
        except OSError:  # closed since the listing (the listing's own descriptor, say)
            continue
        total += 1
        if target.endswith(DATABASE_SUFFIXES):
            databases += 1
    return {"open": total, "sqlite_files": databases}


def snapshot() -> dict[str, Any]:
    stores = [{"path": store.path, "connections": store.connections} for store in Store.in_process()]
    return {
        "pid": os.getpid(),
        "rss_bytes": rss_bytes(),
        "descriptors": descriptors(),
        "threads": threading.active_count(),
        "sqlite": {"memory_bytes": sqlite_memory_bytes(),
                   "connections": sum(s["connections"] for s in stores), "stores": stores},
    }
