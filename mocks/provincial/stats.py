"""The campaign figures the province watches (online share per tier), computed from the dossiers on each request.

Nothing is stored as a total: every figure counts the dossiers *received* in the period
(by the local date of `received_at`, both ends included), per tier and per agency. A dossier
that no officer has received (still new, refused, withdrawn before receipt) is in no figure.

| figure | numerator | denominator |
|---|---|---|
| `received`, `counter`, `online`, `post` | received, and by channel (KenhThucHien 1 / 2 / 3) | — |
| `online_rate` | received online (channel 2), of level-3/4 procedures | received of level-3/4 procedures |
| `level4_rate` | received online, of level-4 procedures | received of level-4 procedures |
| `online_paid_rate` | paid online (DuocThanhToanTrucTuyen 1) | received with a fee to pay |
| `postal_return_rate` | result to be returned by post (HinhThuc 1) | received |
| `on_time_rate` | result ready by the deadline (a re-scheduled one: its first date) | received, with a result (9, 10) |
| `satisfaction_rate` | rated "Hài lòng" or "Rất hài lòng" | received and rated |
| `procedures_without_dossiers` | published level-3/4 procedures (of the tier, or the agency) with none received | — |

Rates are percentages with two decimals, `null` when the denominator is 0.

A period follows its own dates, not the clock: its published procedures, agencies and targets are those of the
catalogues in force on its days (eras.py: Quảng Nam's until 30 June 2025, thành phố Đà Nẵng's after), and a
period that begins on or after 1 July 2025 has no district tier (`district` null, and no district row).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from mocks.core.clock import Clock
from mocks.core.errors import DomainError
from mocks.core.storage import Store, loads
from mocks.core.timefmt import VN_TZ, from_iso, to_iso

from .catalogue import TIERS, Agency, Catalogue
from .eras import Catalogues

MAX_PERIOD_DAYS = 3 * 366
CSV_COLUMNS: tuple[str, ...] = (
    "scope", "tier", "agency_code", "agency_name", "received", "counter", "online", "post", "eligible",
    "eligible_online", "online_rate", "online_target", "level4_received", "level4_online", "level4_rate", "fee_due",
    "paid_online", "online_paid_rate", "postal_return", "postal_return_rate", "finished", "finished_on_time",
    "on_time_rate", "rated", "satisfied", "satisfaction_rate", "published_procedures", "procedures_without_dossiers",
)


def rate(numerator: int, denominator: int) -> float | None:
    return None if denominator == 0 else round(100.0 * numerator / denominator, 2)


def parse_day(value: Any, name: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        day = date.fromisoformat(str(value))
    except ValueError:
        day = None
    if day is None or not 2000 <= day.year <= 2099:
        raise DomainError("INVALID_DATE", f"Tham số {name} phải là ngày dạng YYYY-MM-DD (năm 2000–2099).",
                          f"{name} must be a date, YYYY-MM-DD (years 2000-2099).")
    return day


@dataclass
class Tally:
    received: int = 0
    channels: dict[int, int] = field(default_factory=lambda: {1: 0, 2: 0, 3: 0})
    eligible: int = 0
    eligible_online: int = 0
    level4: int = 0
    level4_online: int = 0
    fee_due: int = 0
    paid_online: int = 0
    postal_return: int = 0
    finished: int = 0
    on_time: int = 0
    rated: int = 0
    satisfied: int = 0
    procedures: set[str] = field(default_factory=set)

    def add(self, row: Any) -> None:
        online = row["channel"] == 2
        self.received += 1
        self.channels[row["channel"]] = self.channels.get(row["channel"], 0) + 1
        self.procedures.add(row["procedure_code"])
        if row["level"] >= 3:
            self.eligible += 1
            self.eligible_online += online
        if row["level"] >= 4:
            self.level4 += 1
            self.level4_online += online
        if row["fee_amount"] > 0:
            self.fee_due += 1
            self.paid_online += bool(row["paid_online"])
        self.postal_return += row["result_delivery"] == "post"
        if row["status"] in (9, 10) and row["result_ready_at"]:
            self.finished += 1
            moved = loads(row["reschedule"]) if row["reschedule"] else None
            deadline = from_iso(moved["from"]) if moved and moved.get("from") else from_iso(row["appointment_at"])
            ready = from_iso(row["result_ready_at"])
            self.on_time += bool(ready and deadline and ready <= deadline)
        if row["rating"] is not None:
            self.rated += 1
            self.satisfied += row["rating"] >= 2

    def to_json(self, published: list[str], target: float | None = None) -> dict[str, Any]:
        online_rate = rate(self.eligible_online, self.eligible)
        return {
            "received": self.received, "counter": self.channels.get(1, 0), "online": self.channels.get(2, 0),
            "post": self.channels.get(3, 0),
            "eligible": self.eligible, "eligible_online": self.eligible_online, "online_rate": online_rate,
            "online_target": target,
            "meets_target": None if online_rate is None or target is None else online_rate >= target,
            "level4_received": self.level4, "level4_online": self.level4_online,
            "level4_rate": rate(self.level4_online, self.level4),
            "fee_due": self.fee_due, "paid_online": self.paid_online,
            "online_paid_rate": rate(self.paid_online, self.fee_due),
            "postal_return": self.postal_return, "postal_return_rate": rate(self.postal_return, self.received),
            "finished": self.finished, "finished_on_time": self.on_time,
            "on_time_rate": rate(self.on_time, self.finished),
            "rated": self.rated, "satisfied": self.satisfied, "satisfaction_rate": rate(self.satisfied, self.rated),
            "published_procedures": len(published),
            "procedures_without_dossiers": [code for code in published if code not in self.procedures],
        }


@dataclass
class Published:
    """What the figures are measured against: the published level-3/4 procedures per tier and per agency, the
    agencies and the per-tier targets, of the catalogues in force during a period."""

    by_tier: dict[str, list[str]]
    by_agency: dict[str, list[str]]
    agencies: list[Agency]
    targets: dict[str, float]
    tiers: tuple[str, ...]

    @classmethod
    def of(cls, catalogues: list[Catalogue]) -> Published:
        by_tier: dict[str, list[str]] = {tier: [] for tier in TIERS}
        by_agency: dict[str, list[str]] = {}
        agencies: list[Agency] = []
        targets: dict[str, float] = {}
        for catalogue in catalogues:
            for p in catalogue.procedures:
                if p.level >= 3 and p.code not in by_tier[p.tier]:
                    by_tier[p.tier].append(p.code)
            for a in catalogue.agencies:
                by_agency.setdefault(a.code, [])
                agencies.append(a)
            for offering in catalogue.offerings:
                if offering.procedure.level >= 3:
                    by_agency[offering.agency.code].append(offering.procedure.code)
            for tier, target in (catalogue.profile.get("online_targets") or {}).items():
                targets[tier] = round(100.0 * float(target), 2)
        tiers = tuple(t for t in TIERS if any(t in c.tiers for c in catalogues))
        return cls(by_tier, by_agency, agencies, targets, tiers)


class CampaignStats:
    def __init__(self, store: Store, clock: Clock, catalogue: Catalogue | Catalogues) -> None:
        self.store = store
        self.clock = clock
        self.catalogues = catalogue if isinstance(catalogue, Catalogues) else None
        self.catalogue = catalogue.first if isinstance(catalogue, Catalogues) else catalogue
        self._published: dict[tuple[int, ...], Published] = {}

    def published(self, start: date, end: date) -> Published:
        """Measured against the catalogues in force on the period's days (a period across 1 July 2025: both)."""
        eras = [self.catalogue] if self.catalogues is None else self.catalogues.between(start, end)
        key = tuple(id(c) for c in eras)
        if key not in self._published:
            self._published[key] = Published.of(eras)
        return self._published[key]

    def period(self, ns: str, date_from: Any = None, date_to: Any = None) -> tuple[date, date]:
        """The period asked for; by default the current month of the namespace's clock."""
        start, end = parse_day(date_from, "from"), parse_day(date_to, "to")
        today = self.clock.now(ns).astimezone(VN_TZ).date()
        start = start or (end or today).replace(day=1)
        if end is None:
            following = (start.replace(day=28) + timedelta(days=4)).replace(day=1)
            end = following - timedelta(days=1)
        if end < start:
            raise DomainError("INVALID_PERIOD", "Ngày kết thúc (to) phải không trước ngày bắt đầu (from).",
                              "to must not come before from.")
        if (end - start).days > MAX_PERIOD_DAYS:
            raise DomainError("PERIOD_TOO_LONG", "Khoảng thời gian tối đa 3 năm.", "The period is at most 3 years.")
        return start, end

    def compute(self, ns: str, date_from: Any = None, date_to: Any = None) -> dict[str, Any]:
        start, end = self.period(ns, date_from, date_to)
        published = self.published(start, end)
        lower = f"{start.isoformat()}T00:00:00+07:00"
        upper = f"{(end + timedelta(days=1)).isoformat()}T00:00:00+07:00"
        rows = self.store.query(
            "SELECT procedure_code, agency_code, tier, level, channel, fee_amount, paid_online, result_delivery,"
            " status, result_ready_at, appointment_at, reschedule, rating FROM dossier"
            " WHERE ns = ? AND received_at >= ? AND received_at < ?", (ns, lower, upper))
        tiers = {tier: Tally() for tier in TIERS}
        agencies = {a.code: Tally() for a in published.agencies}
        total = Tally()
        for row in rows:
            total.add(row)
            if row["tier"] in tiers:
                tiers[row["tier"]].add(row)
            agencies.setdefault(row["agency_code"], Tally()).add(row)
        answer: dict[str, Any] = {"from": start.isoformat(), "to": end.isoformat(),
                                  "generated_at": to_iso(self.clock.now(ns)), "tiers": list(published.tiers)}
        for tier in TIERS:   # a tier the period's government did not have is null (district from 2025-07-01)
            answer[tier] = self.tier_json(published, tier, tiers[tier]) if tier in published.tiers else None
        everything = [code for tier in published.tiers for code in published.by_tier[tier]]
        answer["total"] = total.to_json(everything)
        answer["agencies"] = [
            {"agency_code": a.code, "agency_name": a.name, "tier": a.tier,
             **agencies[a.code].to_json(published.by_agency[a.code], published.targets.get(a.tier))}
            for a in published.agencies
        ]
        return answer

    @staticmethod
    def tier_json(published: Published, tier: str, tally: Tally) -> dict[str, Any]:
        return {"tier": tier, **tally.to_json(published.by_tier[tier], published.targets.get(tier))}

    def csv(self, figures: dict[str, Any]) -> str:
        """One row per tier, the whole province, and one per agency."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(CSV_COLUMNS)
        rows = [("tier", tier, "", "", figures[tier]) for tier in TIERS if figures[tier] is not None]
        rows.append(("province_total", "", "", "", figures["total"]))
        rows += [("agency", a["tier"], a["agency_code"], a["agency_name"], a) for a in figures["agencies"]]
        for scope, tier, code, name, values in rows:
            cells = {"scope": scope, "tier": tier, "agency_code": code, "agency_name": name, **values,
                     "procedures_without_dossiers": " ".join(values["procedures_without_dossiers"])}
            writer.writerow(["" if cells.get(c) is None else cells.get(c) for c in CSV_COLUMNS])
        return out.getvalue()
