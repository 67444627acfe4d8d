"""Six queries that grew with the data, as they are and as they were, at growing sizes.

    python -m load.bench.growing_queries [--sizes 1000 10000 50000] [--repeat 20]

A long campaign run piles up rows in one namespace: dossiers waiting in an agency's queue (two
officer teams fall behind thousands of submissions), one-time-code messages (every registration),
web sessions (valid 8 h). For each query it builds a database with the services' own schema and N
synthetic rows, then prints the query plan (EXPLAIN QUERY PLAN) and the mean time of one run, with
the schema and SQL of today and with those before the fix (kept here as text):

- an agency's queue by status, a page of 20, newest first (mocks/provincial/workflow.py);
- one person's messages (mocks/national/accounts.py, the one-time code at registration);
- the purge of expired web sessions (mocks/core/web.py, on 1 request in 200), none expired;
- the 2025 hand-over's look for dossiers in flight at district agencies, before each request of a two-tier
  namespace (mocks/provincial/handover.py), none there: the dossiers in flight or finished at other tiers;
- a VNeID log-in's DVCQG account, by the identity's subject, under the write lock (mocks/national/accounts.py);
- VNeID's sweep of approvals left to expire, before every look of a log-in's page (mocks/vneid/approvals.py), none
  due: every log-in of the campaign left an approval, used.
"""

from __future__ import annotations

import argparse
import sqlite3
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from mocks.core.web import SESSION_DDL
from mocks.national.schema import DDL as NATIONAL_DDL
from mocks.provincial.dossier.store import DDL as DOSSIER_DDL
from mocks.vneid.approvals import DUE
from mocks.vneid.schema import DDL as VNEID_DDL

NS, AGENCY = "campaign", "000.00.12.H47"
QUEUE = ("SELECT * FROM dossier WHERE ns = ? AND agency_code = ? AND status = ? ORDER BY submitted_at DESC, code DESC"
         " LIMIT 20 OFFSET 0")
QUEUE_INDEX_BEFORE = "DROP INDEX dossier_agency_queue; CREATE INDEX dossier_agency ON dossier(ns, agency_code, status);"
MESSAGES = ("SELECT * FROM message WHERE id IN (SELECT id FROM message WHERE ns = ? AND to_addr IN (?)"
            " UNION SELECT id FROM message WHERE ns = ? AND username IN (?)) ORDER BY id DESC LIMIT 100")
MESSAGES_BEFORE = ("SELECT * FROM message WHERE ns = ? AND (to_addr IN (?) OR username IN (?))"
                   " ORDER BY id DESC LIMIT 100")
PURGE = "DELETE FROM web_session WHERE expires < ?"
PURGE_INDEX_BEFORE = "DROP INDEX web_session_expires;"
AT_TIER = ("SELECT code FROM dossier WHERE ns = ? AND tier = ? AND status IN (?, ?, ?, ?, ?, ?) "
           "ORDER BY submitted_at, code")
AT_TIER_INDEX_BEFORE = "DROP INDEX dossier_tier;"


def filler(conn: sqlite3.Connection, table: str, given: dict[str, Any]) -> tuple[str, list[str]]:
    """An INSERT for `table` with `given` columns as parameters and a placeholder value for the other required ones."""
    columns, values = [], []
    for _, name, kind, notnull, default, _ in conn.execute(f"PRAGMA table_info({table})"):
        if name in given:
            columns.append(name)
            values.append("?")
        elif notnull and default is None and name != "id":
            columns.append(name)
            values.append("0" if kind.upper() in ("INTEGER", "REAL") else "'x'")
    names = [c for c in columns if c in given]
    return f"INSERT INTO {table}({', '.join(columns)}) VALUES ({', '.join(values)})", names


def fill(conn: sqlite3.Connection, table: str, rows: Sequence[dict[str, Any]]) -> None:
    sql, names = filler(conn, table, rows[0])
    with conn:
        conn.executemany(sql, [[row[n] for n in names] for row in rows])


def timed(conn: sqlite3.Connection, sql: str, args: Sequence[Any], repeat: int) -> tuple[list[str], float]:
    plan = [row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", args)]
    started = time.perf_counter()
    for _ in range(repeat):
        conn.execute(sql, args).fetchall()
    return plan, (time.perf_counter() - started) / repeat * 1000


Case = tuple[Callable[[], None], str, list[Any], str, list[Any]]   # back to the old schema; SQL now and before


def queue(conn: sqlite3.Connection, n: int) -> Case:
    conn.executescript(DOSSIER_DDL)
    fill(conn, "dossier", [{"ns": NS, "code": f"{AGENCY}-221013-{i:05d}", "agency_code": AGENCY, "status": 1,
                            "form": '{"muc_dich": "' + "x" * 200 + '"}', "summary": "x" * 100,
                            "submitted_at": f"2022-10-13T{(i // 3600) % 24:02d}:{(i // 60) % 60:02d}:{i % 60:02d}"}
                           for i in range(n)])
    return (lambda: conn.executescript(QUEUE_INDEX_BEFORE)), QUEUE, [NS, AGENCY, 1], QUEUE, [NS, AGENCY, 1]


def messages(conn: sqlite3.Connection, n: int) -> Case:
    conn.executescript(NATIONAL_DDL)
    fill(conn, "message", [{"ns": NS, "username": f"0491900{i // 2:05d}", "channel": "sms" if i % 2 else "email",
                            "to_addr": f"0905{i // 2:06d}" if i % 2 else f"p{i // 2}@example.vn",
                            "subject": "Mã xác thực", "body": "x" * 120, "otp": "123456", "created_at": "x"}
                           for i in range(n)])
    who = f"0491900{n // 4:05d}"
    return (lambda: None), MESSAGES, [NS, who, NS, who], MESSAGES_BEFORE, [NS, who, who]


def purge(conn: sqlite3.Connection, n: int) -> Case:
    conn.executescript(SESSION_DDL)
    fill(conn, "web_session", [{"ns": NS, "id": f"s{i}", "data": '{"account": "' + "x" * 80 + '"}',
                                "expires": 2e9 + i} for i in range(n)])
    return (lambda: conn.executescript(PURGE_INDEX_BEFORE)), PURGE, [1e9], PURGE, [1e9]


def at_tier(conn: sqlite3.Connection, n: int) -> Case:
    conn.executescript(DOSSIER_DDL)
    # a campaign's mix at the soak's end: over half waiting for the desk, a third finished online (9), the rest
    # handed over at the counter (10)
    fill(conn, "dossier", [{"ns": NS, "code": f"{AGENCY}-251013-{i:05d}", "agency_code": AGENCY, "tier": "province",
                            "status": (1, 1, 9, 10, 1, 9)[i % 6], "form": '{"muc_dich": "' + "x" * 200 + '"}',
                            "summary": "x" * 100, "submitted_at": f"2025-10-13T{(i // 3600) % 24:02d}:"
                                                                  f"{(i // 60) % 60:02d}:{i % 60:02d}"}
                           for i in range(n)])
    args = [NS, "district", 1, 2, 4, 5, 6, 9]
    return (lambda: conn.executescript(AT_TIER_INDEX_BEFORE)), AT_TIER, args, AT_TIER, args


VNEID_ACCOUNT = "SELECT username FROM account WHERE ns = ? AND vneid_subject = ?"


def vneid_account(conn: sqlite3.Connection, n: int) -> Case:
    conn.executescript(NATIONAL_DDL + "ALTER TABLE account ADD COLUMN vneid_subject TEXT;"
                       "CREATE INDEX account_vneid ON account(ns, vneid_subject);")
    fill(conn, "account", [{"ns": NS, "username": f"0491900{i:05d}", "vneid_subject": f"vneid-{i:08d}",
                            "full_name": "Nguyễn Văn A", "email": f"p{i}@example.vn", "phone": f"0905{i:06d}"}
                           for i in range(n)])
    args = [NS, f"vneid-{n // 2:08d}"]
    return (lambda: conn.executescript("DROP INDEX account_vneid;")), VNEID_ACCOUNT, args, VNEID_ACCOUNT, args


SWEEP = f"SELECT 1 FROM approval WHERE {DUE} LIMIT 1"     # a read, and the write only when one is due
SWEEP_BEFORE = ("UPDATE approval SET status = 'expired', decided_at = '2026-12-07T10:00:00+07:00' WHERE ns = ? AND "
                "status = 'pending' AND expires_at < ?")


def approval_sweep(conn: sqlite3.Connection, n: int) -> Case:
    conn.executescript(VNEID_DDL)
    fill(conn, "approval", [{"ns": NS, "id": f"A{i:015d}", "method": "password", "username": f"0491900{i:05d}",
                             "approver": f"0491900{i:05d}", "status": "used", "browser": "x" * 64,
                             "created_at": "2026-12-07T09:00:00+07:00", "expires_at": 1.8e9 + i} for i in range(n)])
    args = [NS, 1.8e9 + n]
    return (lambda: conn.executescript("DROP INDEX approval_due;")), SWEEP, args, SWEEP_BEFORE, args


CASES = {"agency queue, a page of 20": queue, "one person's messages": messages,
         "purge of expired web sessions": purge, "the hand-over's look for district dossiers": at_tier,
         "a VNeID log-in's account by subject": vneid_account,
         "VNeID's sweep of approvals left to expire": approval_sweep}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000, 10_000, 50_000])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        for title, build in CASES.items():
            print(f"\n== {title}")
            for n in args.sizes:
                path = Path(tmp) / f"{build.__name__}-{n}.db"
                conn = sqlite3.connect(path, isolation_level=None)
                conn.execute("PRAGMA synchronous=OFF")   # a scratch database: building it need not wait on the disk
                go_back, sql, sql_args, before_sql, before_args = build(conn, n)
                plan, now_ms = timed(conn, sql, sql_args, args.repeat)
                go_back()
                conn.close()
                conn = sqlite3.connect(path, isolation_level=None)   # no statement prepared under today's schema
                before_plan, before_ms = timed(conn, before_sql, before_args, args.repeat)
                conn.close()
                print(f"  {n:>7,} rows: now {now_ms:8.3f} ms  {plan}")
                print(f"  {'':>7}       before {before_ms:8.3f} ms  {before_plan}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
