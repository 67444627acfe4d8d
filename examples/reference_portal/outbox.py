"""One background thread sends the outbox in order: national sync pushes and postal orders.

A message that fails stays pending (its error kept) and holds back the later messages of its key,
so a dossier's pushes reach the national side in the order they happened.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from . import dossiers, postal
from .config import Config
from .national import SyncClient
from .store import Store

RETRY_SECONDS = 2.0


class Outbox:
    def __init__(self, config: Config, store: Store, sync: SyncClient, http: Any) -> None:
        self.config, self.store, self.sync, self.http = config, store, sync, http
        self._wake, self._stop = threading.Event(), threading.Event()
        self._thread = threading.Thread(target=self._run, name="refportal-outbox", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=10)

    def kick(self) -> None:
        """Something was queued: send it now rather than at the next retry."""
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            sent = self.send_pending()
            if not sent:
                self._wake.wait(RETRY_SECONDS)

    def send_pending(self) -> int:
        """Try every pending message once, oldest first. Returns how many went out."""
        held: set[str] = set()
        sent = 0
        for message in self.store.all("SELECT * FROM outbox WHERE done = 0 ORDER BY id"):
            if message["key"] in held or self._stop.is_set():
                continue
            try:
                self._send(message["kind"], json.loads(message["payload"]))
            except Exception as exc:  # any failure: keep it, retry later, hold its key back
                held.add(message["key"])
                with self.store.tx() as db:
                    db.execute("UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE id = ?",
                               (str(exc)[:500], message["id"]))
                continue
            sent += 1
            with self.store.tx() as db:
                db.execute("UPDATE outbox SET attempts = attempts + 1, done = 1, last_error = NULL WHERE id = ?",
                           (message["id"],))
        return sent

    def _send(self, kind: str, payload: dict[str, Any]) -> None:
        if kind == "sync":
            fields = {k: v for k, v in payload.items() if k not in ("madonvi", "service")}
            self.sync.call(payload["madonvi"], payload["service"], **fields)
        elif kind == "postal":
            row = self.store.one("SELECT * FROM dossiers WHERE code = ?", payload["code"])
            assert row is not None, f"no dossier {payload['code']}"
            proc = dossiers.CATALOGUE[row["procedure_code"]]
            body = postal.order_body(self.config, row["code"], row["agency_code"], json.loads(row["postal"]),
                                     proc.name)
            dossiers.postal_ordered(self.store, row["code"], postal.send_order(self.config, self.http, body))
        else:
            raise ValueError(f"unknown outbox kind {kind}")
