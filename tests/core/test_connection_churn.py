"""Threads come and go all day (the server's pool retires idle ones): their SQLite connections must go
with them. Open connections stay bounded by live threads × stores, and so do the file descriptors on
the state folder's files, through bursts and idle gaps.

About the descriptors: POSIX locks belong to the process, so SQLite does not close the database
descriptor of a connection that closes while another connection of the process holds a lock on the
file; it keeps it and hands it to the next connection that opens the file. So after a burst of N
threads up to N such descriptors remain: bounded by the largest burst, not growing with each."""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests

from harness.stack import Stack
from mocks.core.config import SERVICES
from mocks.core.storage import Store

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="counts descriptors in /proc/self/fd")


def descriptors_under(folder: Path) -> int:
    """This process's open descriptors on files in `folder` (databases, WAL, shared memory)."""
    prefix = str(folder.resolve()) + os.sep
    count = 0
    for name in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{name}").startswith(prefix):
                count += 1
        except OSError:
            continue
    return count


def eventually(condition: Callable[[], bool], timeout: float = 10.0) -> bool:
    """Whether `condition` holds within `timeout`: a retired thread is gone from `threading` a moment before
    the interpreter drops its locals (and closes its connection)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def burst(store: Store, threads: int) -> None:
    """`threads` threads each use the store once, then end."""
    barrier = threading.Barrier(threads)

    def work() -> None:
        barrier.wait()  # all alive at once: as many connections as threads
        store.scalar("SELECT COUNT(*) FROM t")

    started = [threading.Thread(target=work) for _ in range(threads)]
    for t in started:
        t.start()
    for t in started:
        t.join()


@linux_only
def test_connections_of_ended_threads_close(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    store.migrate("CREATE TABLE t (v INTEGER)")
    baseline = descriptors_under(tmp_path)       # the main thread's connection
    for _ in range(20):
        burst(store, 8)
        assert descriptors_under(tmp_path) <= baseline + 8   # at most the burst's kept database descriptors
        assert store.connections == 1             # the main thread's, the only live user
    store.close()
    assert descriptors_under(tmp_path) == 0
    assert store.connections == 0


@linux_only
def test_live_threads_keep_their_connection_and_close_it_at_their_end(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    store.migrate("CREATE TABLE t (v INTEGER)")
    used, release = threading.Barrier(5), threading.Event()

    def work() -> None:
        store.scalar("SELECT COUNT(*) FROM t")
        store.scalar("SELECT COUNT(*) FROM t")   # the same connection again
        used.wait()
        release.wait()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    used.wait()
    assert store.connections == 5                 # four workers and the main thread
    release.set()
    for t in threads:
        t.join()
    assert store.connections == 1


def test_a_store_used_after_close_opens_again(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.db")
    store.migrate("CREATE TABLE t (v INTEGER)")
    store.close()
    assert store.scalar("SELECT COUNT(*) FROM t") == 0
    assert store.connections == 1


def test_a_shared_store_is_one_per_file_and_closes_with_its_last_user(tmp_path: Path) -> None:
    first = Store.shared(tmp_path / "control.db")
    again = Store.shared(tmp_path / "." / "control.db")
    other = Store.shared(tmp_path / "other.db")
    assert first is again and first is not other
    first.execute("CREATE TABLE t (v INTEGER)")
    first.close()
    assert again.connections == 1                 # one user left: still open
    again.close()
    assert again.connections == 0
    assert Store.shared(tmp_path / "control.db") is not first   # a new one after the last close
    other.close()


@linux_only
def test_the_services_of_a_process_share_one_control_store(tmp_path: Path) -> None:
    with Stack.start(tmp_path / "state", write_file=False) as stack:
        controls = {id(stack.app(service).state.ctx.control) for service in SERVICES}
        assert len(controls) == 1
        control = stack.app("national").state.ctx.control
        # so a thread touching the control state of every service holds one connection to it
        held: list[int] = []

        def touch_all() -> None:
            for service in SERVICES:
                stack.app(service).state.ctx.clock.now("t-shared")
                held.append(id(control._local.held))

        thread = threading.Thread(target=touch_all)
        thread.start()
        thread.join()
        assert len(held) == len(SERVICES) and len(set(held)) == 1
    assert control.connections == 0               # the last service to stop closed it


@linux_only
def test_a_server_retiring_idle_threads_leaves_no_connection_behind(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Bursts of concurrent requests with idle gaps: the server's pool starts threads for each burst and
    retires them after the gap (anyio's idle time, shortened here from 10 s so the test takes seconds)."""
    from anyio._backends._asyncio import WorkerThread

    monkeypatch.setattr(WorkerThread, "MAX_IDLE_TIME", 0.2)
    state = tmp_path / "state"
    with Stack.start(state, services=("payment",), write_file=False) as stack:
        url = f"{stack.urls['payment']}/_admin/clock"
        headers = {"X-Admin-Token": stack.info.admin_token, "X-DVC-Namespace": "t-churn"}

        def call(_: int) -> int:
            with requests.Session() as s:      # a connection each: the requests arrive together
                return s.get(url, headers=headers, timeout=10).status_code

        def cycle() -> None:
            with ThreadPoolExecutor(16) as pool:
                assert set(pool.map(call, range(48))) == {200}
            threading.Event().wait(0.3)        # idle: the burst's threads are due for retirement
            assert call(0) == 200              # the next request retires them

        control = stack.app("payment").state.ctx.control
        cycle()
        after_first = descriptors_under(state)
        for _ in range(6):
            cycle()
        # each burst took up to 16 threads, each with a connection (two descriptors) that stayed open before;
        # a later burst may run more threads at once than the first did and leave up to 16 kept descriptors
        assert eventually(lambda: descriptors_under(state) <= after_first + 16), \
            f"{after_first} descriptors on the state after one burst, {descriptors_under(state)} after seven"
        assert eventually(lambda: control.connections <= threading.active_count())
    assert control.connections == 0


def test_the_admin_surface_tells_what_the_process_holds(dvc_stack: Stack) -> None:
    url = f"{dvc_stack.urls['provincial']}/_admin/resources"
    assert requests.get(url, timeout=10).status_code == 401
    answer = requests.get(url, headers={"X-Admin-Token": dvc_stack.info.admin_token}, timeout=10).json()
    assert answer["threads"] >= 1 and answer["pid"] > 0
    sqlite = answer["sqlite"]
    state = Path(dvc_stack.config.state_dir).resolve()
    paths = [Path(s["path"]).name for s in sqlite["stores"] if Path(s["path"]).resolve().parent == state]
    assert paths.count("control.db") == 1          # one control store, whatever the services of the process
    assert sqlite["connections"] == sum(s["connections"] for s in sqlite["stores"]) >= 1
    if sys.platform.startswith("linux"):
        assert answer["rss_bytes"] > 10_000_000
        assert answer["descriptors"]["open"] > answer["descriptors"]["sqlite_files"] > 0
        assert sqlite["memory_bytes"] > 0


@linux_only
def test_a_forked_child_leaves_the_other_threads_connections_alone(tmp_path: Path) -> None:
    """A child forked to exec a program (subprocess with a preexec_fn) drops the other threads' locals at
    once: it must not close their connections (a SQLite lock held at the fork would hang it for ever)."""
    store = Store(tmp_path / "s.db")
    store.migrate("CREATE TABLE t (v INTEGER)")
    ready, release = threading.Event(), threading.Event()

    def hold() -> None:
        store.scalar("SELECT COUNT(*) FROM t")
        ready.set()
        release.wait()
        store.execute("INSERT INTO t VALUES (1)")   # its connection still works after the child is gone

    thread = threading.Thread(target=hold)
    thread.start()
    ready.wait()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report what it holds, then leave without any clean-up
        os.write(write, str(store.connections).encode())
        os._exit(0)
    os.close(write)
    seen_by_child = int(os.read(read, 64))
    os.close(read)
    os.waitpid(pid, 0)
    release.set()
    thread.join()
    assert seen_by_child == 2 == store.connections + 1
    assert store.scalar("SELECT COUNT(*) FROM t") == 1
