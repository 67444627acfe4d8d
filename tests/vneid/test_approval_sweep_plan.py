"""The sweep of approvals left to expire runs before every look of a log-in's page: it reads the pending approvals
through an index, not every approval the namespace ever had, and writes only when one is due."""

from __future__ import annotations

from mocks.vneid.approvals import APPROVAL_SECONDS
from mocks.vneid.model import VneidService
from tests.query_plans import plans_of, reads_everything

from .test_vneid_model import NS, person, vneid  # noqa: F401  (the model's fixture)


def test_the_sweep_reads_only_pending_approvals_through_an_index(vneid: VneidService) -> None:  # noqa: F811
    holder = person(vneid)
    asked = vneid.approvals.ask(NS, holder, "b")
    plans = plans_of(vneid.approvals.store, lambda: vneid.approvals.get(NS, asked.id), like="expires_at <")
    assert plans, "the look ran no sweep"
    for plan in plans:
        assert not reads_everything(plan) and any("status=? AND expires_at<?" in step for step in plan), plan


def test_the_sweep_writes_only_when_an_approval_is_due(vneid: VneidService) -> None:  # noqa: F811
    holder = person(vneid)
    asked = vneid.approvals.ask(NS, holder, "b")
    store = vneid.approvals.store
    conn = store._connect()
    ran: list[str] = []
    conn.set_trace_callback(ran.append)
    try:
        assert vneid.approvals.get(NS, asked.id).status == "pending"
        assert not [sql for sql in ran if sql.startswith("UPDATE")], ran
        vneid.clock.advance(NS, APPROVAL_SECONDS + 1)
        assert vneid.approvals.get(NS, asked.id).status == "expired"
        assert [sql for sql in ran if sql.startswith("UPDATE approval SET status = 'expired'")], ran
    finally:
        conn.set_trace_callback(None)
