"""Faults a test asks a service to commit: slow, failing, dropped or truncated answers, and
misbehaving outgoing calls (delayed, duplicated, out of order, badly signed, never sent).

Rules live in the stack's control store, per namespace, so every service and every worker
process applies the same ones; counters ("fail the 3rd call", "fail twice then succeed")
are shared through the store too. A rule with a seed misbehaves the same way on every run:
its random draws depend only on the seed and the hit number.
"""

from __future__ import annotations

import fnmatch
import math
import os
import random
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from .errors import NotFound
from .storage import Store, dumps, loads

INCOMING_ACTIONS = ("latency", "error", "drop", "truncate")
OUTGOING_ACTIONS = ("delay", "duplicate", "reorder", "bad_signature", "never_send")

DDL = """
CREATE TABLE IF NOT EXISTS fault (
    ns TEXT NOT NULL,
    id TEXT NOT NULL,
    service TEXT NOT NULL,
    direction TEXT NOT NULL,
    spec TEXT NOT NULL,
    created_at REAL NOT NULL,
    expires_at REAL,
    hits INTEGER NOT NULL DEFAULT 0,
    applied INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (ns, id)
);
"""


class Latency(BaseModel):
    distribution: Literal["fixed", "uniform", "lognormal"] = "fixed"
    ms: float = Field(0, ge=0, le=120_000, description="fixed: the delay")
    min_ms: float = Field(0, ge=0, le=120_000, description="uniform: the lower bound")
    max_ms: float = Field(0, ge=0, le=120_000, description="uniform: the upper bound")
    median_ms: float = Field(0, ge=0, le=120_000, description="lognormal: the median")
    sigma: float = Field(0.5, ge=0, le=3, description="lognormal: the spread of log(delay)")

    def sample(self, rng: random.Random) -> float:
        """A delay in seconds."""
        if self.distribution == "uniform":
            low, high = sorted((self.min_ms, self.max_ms))
            return rng.uniform(low, high) / 1000
        if self.distribution == "lognormal":
            return min(self.median_ms * math.exp(rng.gauss(0, self.sigma)), 120_000) / 1000
        return self.ms / 1000


class FaultSpec(BaseModel):
    """One misbehaviour. Incoming: `latency`, `error`, `drop` (the connection is cut, no answer),
    `truncate` (the answer stops half-way). Outgoing (calls the service makes: payment
    confirmations, national sync, postal orders and webhooks): `delay`, `duplicate`,
    `reorder` (later calls overtake it), `bad_signature`, `never_send`."""

    service: Literal["national", "provincial", "payment", "postal", "vneid"] | None = Field(
        None, description="the service that misbehaves (default: the one this is posted to)")
    direction: Literal["incoming", "outgoing"] = "incoming"
    action: Literal["latency", "error", "drop", "truncate", "delay", "duplicate", "reorder", "bad_signature",
                    "never_send"]
    method: str | None = Field(None, max_length=10, description="incoming: only this HTTP method")
    path: str = Field("*", min_length=1, max_length=300,
                      description="incoming: a glob on the path (/api/v1/dossiers*); outgoing: on the call's kind")
    latency: Latency | None = None
    status: int = Field(503, ge=400, le=599, description="error: the status to answer")
    body: Any = Field(None, description="error: the JSON body to answer (a default one when absent)")
    headers: dict[str, str] = Field(default_factory=dict, description="error: extra headers")
    delay_s: float = Field(0, ge=0, le=86_400, description="outgoing delay/reorder: how long to hold the call")
    nth: int | None = Field(None, ge=1, le=1_000_000, description="only the Nth matching call")
    times: int | None = Field(None, ge=1, le=1_000_000, description="the first N matching calls, then succeed")
    probability: float | None = Field(None, ge=0, le=1, description="each matching call with this probability")
    duration_s: float | None = Field(None, gt=0, le=86_400, description="the rule ends after this long")
    seed: int = Field(0, ge=0, le=2**63 - 1, description="random draws depend only on the seed and the hit")

    @model_validator(mode="after")
    def _coherent(self) -> FaultSpec:
        allowed = INCOMING_ACTIONS if self.direction == "incoming" else OUTGOING_ACTIONS
        if self.action not in allowed:
            raise ValueError(f"{self.direction} faults are one of {', '.join(allowed)}")
        if self.action == "latency" and self.latency is None:
            raise ValueError("a latency fault needs `latency`")
        return self


@dataclass
class FaultRule:
    ns: str
    id: str
    service: str
    spec: FaultSpec
    created_at: float
    expires_at: float | None
    hits: int = 0
    applied: int = 0

    @property
    def counted(self) -> bool:
        """Only rules whose effect depends on the hit number pay for a shared counter."""
        return any(v is not None for v in (self.spec.nth, self.spec.times, self.spec.probability)) or (
            self.spec.latency is not None and self.spec.latency.distribution != "fixed")

    def matches(self, method: str | None, target: str) -> bool:
        if self.spec.method and method and self.spec.method.upper() != method.upper():
            return False
        return fnmatch.fnmatchcase(target, self.spec.path)

    def applies(self, hit: int) -> bool:
        s = self.spec
        if s.nth is not None and hit != s.nth:
            return False
        if s.times is not None and hit > s.times:
            return False
        return not (s.probability is not None and self.rng(hit).random() >= s.probability)

    def rng(self, hit: int) -> random.Random:
        # the seed and the hit number only: the same rule made again in another run draws the same
        return random.Random(f"{self.spec.seed}:{self.spec.action}:{hit}")

    def describe(self) -> str:
        return f"{self.spec.action}#{self.id}"

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "namespace": self.ns, "service": self.service, "hits": self.hits,
                "applied": self.applied, "created_at": self.created_at, "expires_at": self.expires_at,
                **self.spec.model_dump(exclude_none=True)}


@dataclass
class Decision:
    """What to do to one incoming request."""

    delay: float = 0.0
    action: str | None = None          # error | drop | truncate
    rule: FaultRule | None = None
    applied: list[str] = field(default_factory=list)


@dataclass
class OutgoingDecision:
    delay: float = 0.0
    duplicate: bool = False
    reorder: bool = False
    bad_signature: bool = False
    never_send: bool = False
    applied: list[str] = field(default_factory=list)


class FaultBook:
    """The fault rules of the stack as one service sees them."""

    def __init__(self, store: Store, service: str, stamp: Path) -> None:
        self.store = store
        self.service = service
        self.stamp = stamp
        store.migrate(DDL)
        self._lock = threading.Lock()
        self._seen: tuple[int, int] | None = None
        self._rules: dict[str, list[FaultRule]] = {}
        self._local_hits: dict[str, int] = {}

    # -- changes ------------------------------------------------------------------------------
    def _touch(self) -> None:
        self.stamp.parent.mkdir(parents=True, exist_ok=True)
        self.stamp.write_text(f"{time.time_ns()}-{uuid.uuid4().hex}")

    def add(self, ns: str, spec: FaultSpec) -> FaultRule:
        now = time.time()
        rule = FaultRule(ns, uuid.uuid4().hex[:10], spec.service or self.service, spec, now,
                         now + spec.duration_s if spec.duration_s else None)
        self.store.execute(
            "INSERT INTO fault(ns, id, service, direction, spec, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (ns, rule.id, rule.service, spec.direction, dumps(spec.model_dump()), rule.created_at, rule.expires_at),
        )
        self._touch()
        return rule

    def remove(self, ns: str, rule_id: str) -> None:
        if self.store.execute("DELETE FROM fault WHERE ns = ? AND id = ?", (ns, rule_id)).rowcount == 0:
            raise NotFound("FAULT_NOT_FOUND", f"Không có lỗi giả lập '{rule_id}'.", f"No fault rule '{rule_id}'.")
        self._touch()

    def clear(self, ns: str, service: str | None = None) -> int:
        if service:
            count = self.store.execute("DELETE FROM fault WHERE ns = ? AND service = ?", (ns, service)).rowcount
        else:
            count = self.store.execute("DELETE FROM fault WHERE ns = ?", (ns,)).rowcount
        if count:
            self._touch()
        return count

    def rules(self, ns: str, service: str | None = None) -> list[FaultRule]:
        sql, args = "SELECT * FROM fault WHERE ns = ?", [ns]
        if service:
            sql += " AND service = ?"
            args.append(service)
        return [self._rule(r) for r in self.store.query(sql + " ORDER BY created_at", args)]

    @staticmethod
    def _rule(row: Any) -> FaultRule:
        return FaultRule(row["ns"], row["id"], row["service"], FaultSpec.model_validate(loads(row["spec"])),
                         row["created_at"], row["expires_at"], row["hits"], row["applied"])

    # -- the fast path ----------------------------------------------------------------------------
    def _current(self) -> dict[str, list[FaultRule]]:
        """This service's live rules by namespace; re-read only when the stamp file changed."""
        try:
            st = os.stat(self.stamp)
            seen = (st.st_mtime_ns, st.st_size)
        except FileNotFoundError:
            seen = (0, 0)
        if seen != self._seen:
            with self._lock:
                rows = self.store.query("SELECT * FROM fault WHERE service = ? ORDER BY created_at", (self.service,))
                rules: dict[str, list[FaultRule]] = {}
                for row in rows:
                    rules.setdefault(row["ns"], []).append(self._rule(row))
                self._rules, self._seen = rules, seen
        return self._rules

    def _hit(self, rule: FaultRule) -> int:
        if not rule.counted:
            n = self._local_hits.get(rule.id, 0) + 1
            self._local_hits[rule.id] = n
            return n
        row = self.store.one("UPDATE fault SET hits = hits + 1 WHERE ns = ? AND id = ? RETURNING hits",
                             (rule.ns, rule.id))
        return int(row[0]) if row else 0

    def _applied(self, rule: FaultRule) -> None:
        if rule.counted:
            self.store.execute("UPDATE fault SET applied = applied + 1 WHERE ns = ? AND id = ?", (rule.ns, rule.id))

    def _live(self, ns: str, direction: str, method: str | None, target: str) -> list[FaultRule]:
        rules = self._current().get(ns)
        if not rules:
            return []
        now = time.time()
        return [r for r in rules if r.spec.direction == direction and (r.expires_at is None or r.expires_at > now)
                and r.matches(method, target)]

    def has_rules(self, ns: str) -> bool:
        return bool(self._current().get(ns))

    def _applying(self, rules: list[FaultRule]) -> Iterator[tuple[FaultRule, int]]:
        """The rules that apply to this call, each with its hit number (counted, and marked applied)."""
        for rule in rules:
            hit = self._hit(rule)
            if hit and rule.applies(hit):
                self._applied(rule)
                yield rule, hit

    def incoming(self, ns: str, method: str, path: str) -> Decision | None:
        rules = self._live(ns, "incoming", method, path)
        if not rules:
            return None
        decision = Decision()
        for rule, hit in self._applying(rules):
            decision.applied.append(rule.describe())
            if rule.spec.action == "latency" and rule.spec.latency is not None:
                decision.delay += rule.spec.latency.sample(rule.rng(hit))
            elif decision.action is None:
                decision.action, decision.rule = rule.spec.action, rule
        return decision

    def outgoing(self, ns: str, kind: str) -> OutgoingDecision | None:
        rules = self._live(ns, "outgoing", None, kind)
        if not rules:
            return None
        decision = OutgoingDecision()
        for rule, _ in self._applying(rules):
            decision.applied.append(rule.describe())
            action = rule.spec.action
            if action in ("delay", "reorder"):
                decision.delay = max(decision.delay, rule.spec.delay_s)
                decision.reorder = decision.reorder or action == "reorder"
            elif action == "duplicate":
                decision.duplicate = True
            elif action == "bad_signature":
                decision.bad_signature = True
            elif action == "never_send":
                decision.never_send = True
        return decision


def spoil_signatures(value: Any) -> Any:
    """A copy with every `MaXacThuc` altered (for the `bad_signature` fault)."""
    if isinstance(value, dict):
        return {k: (_spoil(v) if k == "MaXacThuc" else spoil_signatures(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [spoil_signatures(v) for v in value]
    return value


def _spoil(signature: Any) -> str:
    text = str(signature or "")
    return ("0" if text[:1] != "0" else "1") + text[1:] if text else "bad"
