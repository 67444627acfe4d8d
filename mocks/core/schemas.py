"""What the shared admin surface (`/_admin/...` of every service) answers, for the OpenAPI document.

Documentation only: the routes return plain dicts and these models are given in `responses=`,
which does not filter them. Items whose shape belongs to another module's rows (journal entries,
outbox messages) list their stable keys and allow the rest.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class Health(BaseModel):
    status: str = Field(description='"ok"')
    service: str


class Descriptors(BaseModel):
    open: int = Field(description="file descriptors the process has open")
    sqlite_files: int = Field(description="of them, on SQLite files (databases, WAL, shared memory)")


class StoreConnections(BaseModel):
    path: str
    connections: int = Field(description="connections open on it (one per live thread that used it)")


class SqliteUse(BaseModel):
    memory_bytes: int | None = Field(description="sqlite3_memory_used(): what SQLite allocated in the process")
    connections: int
    stores: list[StoreConnections]


class ProcessResources(BaseModel):
    pid: int
    rss_bytes: int | None = Field(description="resident memory (Linux; null elsewhere)")
    descriptors: Descriptors | None = Field(description="(Linux; null elsewhere)")
    threads: int
    sqlite: SqliteUse


class NamespaceReset(BaseModel):
    status: str = Field(description='"reset"')
    namespace: str
    service: str


class SeedResult(BaseModel):
    """The namespace and the service, and what the service's seed made (its own keys)."""

    model_config = ConfigDict(extra="allow")
    namespace: str
    service: str


class ClockState(BaseModel):
    namespace: str
    now: str = Field(description="ISO 8601, +07:00")
    mode: str = Field(description="real | frozen | offset (set for the namespace) | stack (serve --as-of)")
    offset_seconds: float


class WorldState(BaseModel):
    namespace: str
    clock: str = Field(description="whose clock: namespace | stack (serve --as-of) | real")
    now: str = Field(description="ISO 8601, +07:00")
    day: str = Field(description="the world's date (yyyy-mm-dd); a clock nobody set runs in real time: today's world")
    citizens_use_vneid: bool = Field(description="from 2024-07-01 (Decree 69/2024/NĐ-CP)")
    organisations_use_vneid: bool = Field(description="from 2025-07-01 (Decree 69/2024/NĐ-CP Art. 40(4))")
    two_tiers: bool = Field(description="from 2025-07-01: province and commune, no district")
    tiers: list[str]
    one_stop_decree: str = Field(description="61/2018/NĐ-CP, or 118/2025/NĐ-CP from 2025-07-01")
    boundary_free_filing: bool


class OutboxMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: int
    kind: str
    status: str = Field(description="pending | delivered | failed")


class OutboxListing(BaseModel):
    messages: list[OutboxMessage]
    counts: dict[str, int] = Field(description="messages of the namespace (of `kind`, if given) in each status")


class OutboxFlushed(BaseModel):
    delivered: int
    pending: int
    rejected: int = Field(description="messages refused for good by the other side (never retried)")


class FaultRuleOut(BaseModel):
    """A fault rule: its bookkeeping and its FaultSpec's fields (those set)."""

    model_config = ConfigDict(extra="allow")
    id: str
    namespace: str
    service: str
    hits: int
    applied: int
    created_at: float
    expires_at: float | None
    action: str


class FaultListing(BaseModel):
    faults: list[FaultRuleOut]


class FaultRemoved(BaseModel):
    removed: str = Field(description="the rule's id")


class FaultsCleared(BaseModel):
    removed: int = Field(description="how many rules were removed")


class JournalEntry(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: int
    direction: str = Field(description="in | out")
    method: str


class JournalListing(BaseModel):
    entries: list[JournalEntry]
    dropped: int = Field(description="entries the journal could not keep (its queue was full)")


class JournalCount(BaseModel):
    count: int


class ExpectedCount(BaseModel):
    count: int | None
    at_least: int | None
    at_most: int | None


class JournalVerdict(BaseModel):
    ok: bool
    count: int
    expected: ExpectedCount


class NearMiss(JournalEntry):
    url: str
    closest_routes: list[str]


class NearMisses(BaseModel):
    near_misses: list[NearMiss]


class SnapshotInfo(BaseModel):
    name: str
    bytes: int
    taken_at: float


class SnapshotListing(BaseModel):
    snapshots: list[SnapshotInfo]


class SnapshotTaken(BaseModel):
    name: str
    path: str
    bytes: int


class SnapshotRestored(BaseModel):
    name: str
    restored: list[str] = Field(description="the databases put back")
