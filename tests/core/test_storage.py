import sqlite3
import threading

import pytest

from mocks.core.storage import Store


def test_wal_and_durable_across_connections(tmp_path) -> None:
    path = tmp_path / "s.db"
    store = Store(path)
    assert store.scalar("PRAGMA journal_mode") == "wal"
    store.migrate("CREATE TABLE t (ns TEXT NOT NULL, v INTEGER)")
    with store.transaction() as conn:
        conn.execute("INSERT INTO t VALUES ('a', 1)")
    store.close()
    assert Store(path).scalar("SELECT v FROM t") == 1


def test_concurrent_increments_are_not_lost(tmp_path) -> None:
    store = Store(tmp_path / "s.db")
    store.migrate("CREATE TABLE counter (ns TEXT PRIMARY KEY, n INTEGER NOT NULL)")
    store.execute("INSERT INTO counter VALUES ('a', 0)")

    def bump() -> None:
        for _ in range(50):
            with store.transaction() as conn:
                n = conn.execute("SELECT n FROM counter WHERE ns = 'a'").fetchone()[0]
                conn.execute("UPDATE counter SET n = ? WHERE ns = 'a'", (n + 1,))

    threads = [threading.Thread(target=bump) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.scalar("SELECT n FROM counter") == 200


def test_delete_namespace_keeps_the_others(tmp_path) -> None:
    store = Store(tmp_path / "s.db")
    store.migrate("CREATE TABLE t (ns TEXT NOT NULL, v INTEGER)")
    store.execute("INSERT INTO t VALUES ('a', 1), ('b', 2)")
    store.delete_namespace("a", ["t"])
    assert [r["ns"] for r in store.query("SELECT ns FROM t")] == ["b"]


def test_after_commit_waits_for_the_commit_and_forgets_a_rollback(tmp_path) -> None:
    store = Store(tmp_path / "svc.db")
    store.migrate("CREATE TABLE thing (id TEXT)")
    called: list[str] = []
    store.after_commit(lambda: called.append("outside"))
    assert called == ["outside"]                            # no transaction: at once
    with store.transaction() as conn:
        conn.execute("INSERT INTO thing VALUES ('a')")
        store.after_commit(lambda: called.append("committed"))
        with store.transaction():                           # a nested one joins the outer: no call yet
            store.after_commit(lambda: called.append("nested"))
        assert called == ["outside"]
    assert called == ["outside", "committed", "nested"]
    try:
        with store.transaction():
            store.after_commit(lambda: called.append("rolled back"))
            raise RuntimeError("the change failed")
    except RuntimeError:
        pass
    store.after_commit(lambda: called.append("after"))       # the rolled back one's list is gone with it
    assert called == ["outside", "committed", "nested", "after"]


def test_a_commit_that_fails_is_rolled_back_and_forgets_what_waited_for_it(tmp_path) -> None:
    store = Store(tmp_path / "svc.db")
    store.migrate("CREATE TABLE parent (id TEXT PRIMARY KEY);"
                  "CREATE TABLE child (parent TEXT REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)")
    called: list[str] = []
    with pytest.raises(sqlite3.IntegrityError), store.transaction() as conn:
        conn.execute("INSERT INTO child VALUES ('none')")     # refused only at COMMIT: a deferred key
        store.after_commit(lambda: called.append("never"))
    assert not store._connect().in_transaction and store.query("SELECT * FROM child") == []
    store.after_commit(lambda: called.append("after"))
    assert called == ["after"]
