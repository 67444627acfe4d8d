"""Forgetting expired web sessions reads only the expired ones, not every session of the service."""

from __future__ import annotations

from pathlib import Path

import pytest

from mocks.core import web
from mocks.core.storage import Store
from mocks.core.web import Session, WebSessions
from tests.query_plans import plans_of, reads_everything


def test_the_purge_of_expired_sessions_uses_an_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = Store(tmp_path / "svc.db")
    sessions = WebSessions(store, "svc_sid")
    for i in range(50):
        sessions.persist("ns", Session(f"s{i}", {"n": i}, new=True))
    monkeypatch.setattr(web.secrets, "randbelow", lambda n: 0)     # this time, the purge runs
    [plan] = plans_of(store, lambda: sessions.persist("ns", Session("last", {}, new=True)),
                      like="DELETE FROM web_session WHERE expires")
    assert not reads_everything(plan), plan
    assert store.scalar("SELECT COUNT(*) FROM web_session") == 51   # none had expired
