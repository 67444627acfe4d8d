"""Finding one person's one-time codes reads their messages, not every message of the namespace (a campaign
rehearsal sends thousands in one)."""

from __future__ import annotations

from mocks.national.model import NationalPortal
from tests.query_plans import plans_of, reads_everything

from .conftest import NS
from .test_model import reg


def test_a_persons_messages_are_looked_up_by_index(model: NationalPortal) -> None:
    for n in range(5):
        model.accounts.register(NS, reg(id_number=f"04919001234{n}", phone=f"090512312{n}",
                                        email=f"p{n}@example.vn"))
    for to in ("049190012343", "0905123123", "p2@example.vn"):
        found: list[dict] = []
        [plan] = plans_of(model.store, lambda to=to, found=found: found.extend(model.accounts.messages(NS, to)),
                          like="FROM message")
        assert not reads_everything(plan), plan
        assert found and all(to in (m["to"], m["username"]) for m in found)
