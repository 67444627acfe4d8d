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
