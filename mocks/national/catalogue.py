"""The national catalogue of procedures, built from the province profile's reference data.

Only `national_code`, `name`, `field`, `level` and `fee` of the templates are used.
The serialised list is kept in memory: it is the hottest read of the portal.
"""

from __future__ import annotations

import json
import logging
import threading
from typing import Any

from mocks import data
from mocks.core.codes import LEVEL_LABELS

log = logging.getLogger(__name__)


def _fee_amount(fee: Any) -> int | None:
    value = fee.get("amount") if isinstance(fee, dict) else fee
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError):
        return None


class NationalCatalogue:
    def __init__(self, profile: str) -> None:
        self.profile = profile
        self._lock = threading.Lock()
        self._items: list[dict[str, Any]] | None = None
        self._by_code: dict[str, dict[str, Any]] = {}
        self._json: bytes = b""

    def _load(self) -> list[dict[str, Any]]:
        items = self._items
        if items is not None:
            return items
        with self._lock:
            if self._items is not None:
                return self._items
            try:
                templates = data.procedures(self.profile)
            except (OSError, ValueError, KeyError):  # no data file yet: an empty catalogue, try again later
                log.warning("national catalogue: no procedures for profile %s", self.profile)
                return []
            by_code: dict[str, dict[str, Any]] = {}
            for t in templates:
                code = str(t.get("national_code") or "")
                if not code or code in by_code:
                    continue
                level = t.get("level")
                fee = t.get("fee")
                by_code[code] = {
                    "code": code, "national_code": code, "name": t.get("name", ""), "field": t.get("field", ""),
                    "level": level, "level_label": LEVEL_LABELS.get(level, "") if isinstance(level, int) else "",
                    "fee": {"amount": _fee_amount(fee),
                            "description": fee.get("description") if isinstance(fee, dict) else None},
                }
            self._by_code = by_code
            self._items = sorted(by_code.values(), key=lambda p: p["code"])
            self._json = json.dumps({"procedures": self._items, "total": len(self._items)},
                                    ensure_ascii=False, separators=(",", ":")).encode()
            return self._items

    def procedures(self, q: str | None = None, field: str | None = None, level: int | None = None
                   ) -> list[dict[str, Any]]:
        items = self._load()
        if q:
            needle = q.strip().lower()
            items = [p for p in items if needle in p["name"].lower() or p["code"].startswith(needle)]
        if field:
            items = [p for p in items if p["field"] == field]
        if level is not None:
            items = [p for p in items if p["level"] == level]
        return items

    def serialised(self) -> bytes:
        """`{"procedures": [...], "total": n}`, serialised once."""
        self._load()
        return self._json or b'{"procedures":[],"total":0}'

    def known(self) -> bool:
        """The catalogue has its data (a missing data file leaves it empty until it comes)."""
        return bool(self._load())

    def find(self, code: str) -> dict[str, Any] | None:
        """By national code (`2.000488`) or a localised code that starts with it (`2.000488.000.00.00.H47`)."""
        self._load()
        parts = (code or "").strip().split(".")
        return self._by_code.get(".".join(parts[:2])) if len(parts) >= 2 else None

    @staticmethod
    def wire(procedure: dict[str, Any]) -> dict[str, Any]:
        """A procedure in the sync protocol's Vietnamese field names [assumed]."""
        return {"MaTTHC": procedure["code"], "TenTTHC": procedure["name"], "LinhVuc": procedure["field"],
                "MucDo": procedure["level"], "LePhi": procedure["fee"]["amount"]}
