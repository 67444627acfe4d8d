"""The query plans of the statements a piece of the model really runs (SQLite's EXPLAIN QUERY PLAN)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mocks.core.storage import Store


def plans_of(store: Store, call: Callable[[], Any], *, like: str) -> list[list[str]]:
    """Runs `call`, and gives the plan of each statement it ran on `store` (in this thread) containing `like`.
    (The statements come with their values in place of the parameters, which SQLite may plan differently:
    the model writes these queries in forms whose plan does not hang on the values.)"""
    conn = store._connect()
    ran: list[str] = []
    conn.set_trace_callback(ran.append)   # each statement with its values bound
    try:
        call()
    finally:
        conn.set_trace_callback(None)
    return [[row[3] for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}")] for sql in ran if like in sql]


def reads_everything(plan: list[str]) -> bool:
    """A full scan, or a sort of every row a loose index prefix found."""
    return any(step.startswith("SCAN ") or step == "USE TEMP B-TREE FOR ORDER BY" for step in plan)
