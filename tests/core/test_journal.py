"""The request journal: correlation ids, filters, and a cap that never fails a request."""

from __future__ import annotations

import time
from pathlib import Path

from mocks.core import journal as journal_module
from mocks.core.journal import Entry, Journal, correlation_ids, near_misses
from mocks.core.storage import Store


def entry(ns: str = "ns", url: str = "/api/v1/dossiers", *texts: str, status: int = 200, **kw: object) -> Entry:
    return Entry(ns=ns, service="provincial", direction=str(kw.get("direction", "in")), method="POST", url=url,
                 status=status, at=time.time(), duration_ms=1.0, texts=texts,
                 matched=bool(kw.get("matched", True)))


def test_correlation_ids_from_paths_and_bodies() -> None:
    code = "000.00.12.H47-221013-0001"
    ids = correlation_ids(f"/api/v1/dossiers/{code}", '{"MaThamChieu": "' + code + '-02", "ItemCode": "EB100000017VN"}')
    assert code in ids and f"{code}-02" in ids and "EB100000017VN" in ids


def test_query_filters(tmp_path: Path) -> None:
    journal = Journal(Store(tmp_path / "control.db"), "provincial")
    code = "000.00.12.H47-221013-0001"
    journal.record(entry("ns", "/api/v1/dossiers", "{}", f'{{"code": "{code}"}}', status=201))
    journal.record(entry("ns", "/sync/service", f'{{"MaHoSo": "{code}"}}', direction="out"))
    journal.record(entry("other", "/api/v1/dossiers"))
    journal.record(entry("ns", "/api/v1/dossierz", status=404, matched=False))
    assert len(journal.query("ns")) == 3
    assert [e["url"] for e in journal.query("ns", correlation_id=code)] == ["/api/v1/dossiers", "/sync/service"]
    assert [e["status"] for e in journal.query("ns", direction="in", status=201)] == [201]
    [miss] = near_misses(journal.query("ns", matched=False), [("GET", "/api/v1/dossiers"), ("GET", "/docs")])
    assert miss["closest_routes"][0] == "GET /api/v1/dossiers"
    journal.reset("ns")
    assert journal.query("ns") == [] and len(journal.query("other")) == 1


def test_a_full_buffer_drops_the_oldest_and_counts_them(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(journal_module, "BUFFER", 10)
    journal = Journal(Store(tmp_path / "control.db"), "provincial")
    for i in range(25):
        journal.record(entry("ns", f"/x/{i}"))       # never raises, whatever the backlog
    assert journal.dropped == 15
    assert [e["url"] for e in journal.query("ns")] == [f"/x/{i}" for i in range(15, 25)]


def test_a_broken_store_costs_entries_not_requests(tmp_path: Path) -> None:
    journal = Journal(Store(tmp_path / "control.db"), "provincial")
    journal.store.execute("DROP TABLE journal")
    journal.record(entry())
    journal.flush()                                   # logs and counts; does not raise
    assert journal.dropped == 1


def test_the_message_kind_of_a_protocol_call_is_an_id() -> None:
    assert "LoaiBanTin=QUERY" in correlation_ids('{"LoaiBanTin": "QUERY", "MaThamChieu": "R1"}')
    assert "service=DongBoHoSoMC" in correlation_ids('{"session": "s", "service": "DongBoHoSoMC"}')


def fill(journal: Journal, entries: int, url: str = "/api/v1/dossiers") -> None:
    for _ in range(entries):
        journal.record(entry("ns", url))
    journal.flush()


def test_pruning_keeps_the_newest_rows_a_small_batch_at_a_time(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(journal_module, "MAX_ROWS", 100)
    monkeypatch.setattr(journal_module, "PRUNE_BATCH", 30)
    journal = Journal(Store(tmp_path / "control.db"), "provincial")
    fill(journal, 180)
    steps = []
    while (deleted := journal.prune()) > 0:
        steps.append(deleted)
    assert steps == [30, 30, 20]                          # never more than a batch at once
    ids = [e["id"] for e in journal.query("ns", limit=1000)]
    assert len(ids) == 100 and ids[0] == 81 and ids[-1] == 180    # the oldest went


def test_the_journal_file_stops_growing_at_its_byte_bound(tmp_path: Path, monkeypatch) -> None:
    """Many more entries than fit: the control store's file levels off at about the bound (freed pages are
    reused), and the newest entries are all there."""
    monkeypatch.setattr(journal_module, "MAX_BYTES", 256 * 1024)
    monkeypatch.setattr(journal_module, "PRUNE_BATCH", 200)
    path = tmp_path / "control.db"
    journal = Journal(Store(path), "provincial")
    sizes = []
    for round_ in range(60):
        fill(journal, 200, f"/api/v1/dossiers?page={round_}&q=" + "x" * 300)
        while journal.prune():
            pass
        journal.store.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        sizes.append(path.stat().st_size)
    assert journal.used_bytes() <= 256 * 1024
    assert max(sizes[30:]) <= sizes[29] * 1.1 and max(sizes) < 512 * 1024   # level, near the bound
    newest = journal.query("ns", url_contains="page=59&", limit=1000)
    assert len(newest) == 200


def test_the_background_writer_prunes(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(journal_module, "MAX_ROWS", 50)
    monkeypatch.setattr(journal_module, "PRUNE_EVERY_S", 0.0)
    journal = Journal(Store(tmp_path / "control.db"), "provincial", flush_interval=0.01)
    journal.start()
    try:
        for _ in range(200):
            journal.record(entry("ns"))
        deadline = time.monotonic() + 10
        while journal.store.scalar("SELECT COUNT(*) FROM journal") != 50 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        journal.stop()
    assert journal.store.scalar("SELECT COUNT(*) FROM journal") == 50
