"""The transition table: the documentation is the table, its rules resolve and cite, and a new move is one more row."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from mocks.core.codes import DOSSIER_STATUS
from mocks.core.errors import Conflict, Forbidden
from mocks.provincial.dossier import document, rules
from mocks.provincial.dossier.entity import (
    ACTOR_KINDS,
    OFFICER_ROLES,
    PROCESSING,
    RECEIVED,
    SUPPLEMENT,
    SYSTEM,
    Actor,
)
from mocks.provincial.dossier.transitions import LABELS, TABLE, Transition, Transitions
from mocks.provincial.dossier.workflow import ACTIONS
from mocks.provincial.model import ProvincialPortal
from mocks.provincial.notifications import KINDS
from mocks.provincial.sync import SYNC_KIND

from .conftest import LLTP_AGENCY, submit

DOCS = Path(__file__).resolve().parents[2] / "docs" / "protocols.md"
NS = "t"
CITATION = re.compile(r"Decree \d+/\d{4}|Circular \d+/\d{4}|seed letter|catalogue data|LoaiDoiTuong")


def test_the_protocols_show_the_table_as_it_is() -> None:
    """docs/protocols.md's statuses, moves, rules and the officers' matrix are written from the table: no drift.

    After a change of the table: python -m mocks.provincial.dossier.document docs/protocols.md
    """
    text = protocols_text()
    start, end = text.index(document.BEGIN), text.index(document.END) + len(document.END)
    assert text[start:end] == document.markdown()
    block = text[start:end]
    for code, name in DOSSIER_STATUS.items():
        assert f"| {code} | {name} |" in block
    for action in ACTIONS:
        assert f"| `{action}` {LABELS[action]} |" in block


def protocols_text() -> str:
    return DOCS.read_text(encoding="utf-8")


def test_the_code_list_of_the_protocols_is_the_status_list() -> None:
    bullet = protocols_text().split("- dossier status (`TrangThaiHoSo`, `status`):", 1)[1].split(";\n", 1)[0]
    listed = dict(re.findall(r"(\d+) ([^·]+?)\s*(?:·|$)", " ".join(bullet.split())))
    assert {int(k): v for k, v in listed.items()} == DOSSIER_STATUS


def test_every_status_is_reached_and_every_row_speaks_of_known_things() -> None:
    reached = {t.to for t in TABLE if t.to is not None}
    assert reached == set(DOSSIER_STATUS)
    for t in TABLE:
        assert set(t.from_statuses) <= set(DOSSIER_STATUS) and set(t.actors) <= set(ACTOR_KINDS), t
        assert t.action in LABELS and (t.notice is None or t.notice in KINDS), t
        assert t.schedule in (None, "appointment", "new_date") and t.remark in ("after", "instead"), t
        assert "status" not in t.writes and "status" not in t.stamps, t
        if t.when is not None:
            assert rules.RULES[t.when].kind == "condition", t.when
        for name in t.rules:
            assert rules.RULES[name].kind == "guard", name
        assert t.then is None or any(r.action == t.then for r in TABLE), t


def test_every_rule_is_a_named_function_that_cites_its_source() -> None:
    assert len(rules.RULES) >= 25
    for name, rule in rules.RULES.items():
        assert callable(getattr(rules, name)) and getattr(rules, name).__name__ == name
        assert CITATION.search(rule.cite), (name, rule.cite)


def test_one_status_one_action_one_actor_gives_one_row_or_rows_told_apart_by_their_condition() -> None:
    seen: dict[tuple[int | None, str, str], list[Transition]] = {}
    for t in TABLE:
        for status in t.from_statuses or (None,):
            for actor in t.actors:
                seen.setdefault((status, t.action, actor), []).append(t)
    for key, rows in seen.items():
        if len(rows) > 1:
            assert all(r.when for r in rows), key
            assert len({r.when for r in rows}) == len(rows), key


def test_the_officers_actions_are_the_tables(portal: ProvincialPortal) -> None:
    officer_actions = [a for a in dict.fromkeys(t.action for t in TABLE)
                       if any(set(t.actors) & set(OFFICER_ROLES) and not t.birth for t in TABLE if t.action == a)]
    assert list(ACTIONS) == officer_actions
    assert list(ACTIONS)[:3] == ["receive", "refuse", "request_supplement"]


def test_apply_writes_only_what_the_row_says(portal: ProvincialPortal, citizen: Any) -> None:
    d = submit(portal, citizen, payment_method="counter")
    desk = Actor("Cán bộ", "Cán bộ tiếp nhận và trả kết quả", "desk")
    with pytest.raises(ValueError, match="writes"):
        portal.moves.apply(NS, "receive", desk, code=d.code, columns={"closing_reason": "x"})
    with pytest.raises(ValueError, match="transition table"):
        with portal.store.transaction() as conn:
            portal.moves.store.set_columns(conn, NS, d.code, status=9)
    assert portal.dossiers.get(NS, d.code).status == 1
    # the payment platform cannot receive a dossier: not its row
    with pytest.raises(Forbidden) as refused:
        portal.moves.apply(NS, "receive", Actor("Nền tảng", "Hệ thống", "payment"), code=d.code)
    assert refused.value.code == "ROLE_NOT_ALLOWED"


def test_a_move_of_the_portal_on_its_clock_is_one_more_row(portal: ProvincialPortal, citizen: Any) -> None:
    """The kind of move issue 16 needs (dossiers in flight handed over to another agency by the portal itself, on
    a date): a row, and apply() does the rest — history, national sync — with nothing else written for it."""
    in_flight = (RECEIVED, PROCESSING, SUPPLEMENT)
    hand_over = Transition("hand_over", (SYSTEM.kind,), in_flight, None, "handed_over",
                           "Hồ sơ được chuyển cho {receiver} tiếp tục giải quyết.",
                           writes=("agency_code", "agency_name"))
    moves = Transitions(portal.moves.store, portal.clock, portal.calendar, portal.catalogue,
                        portal.moves.outgoing, (*TABLE, hand_over))
    d = submit(portal, citizen, payment_method="counter")
    with pytest.raises(Conflict) as not_in_flight:    # a new dossier is not in flight at an agency yet
        moves.apply(NS, "hand_over", SYSTEM, code=d.code, columns={"agency_code": "X", "agency_name": "Y"},
                    words={"receiver": "Y"})
    assert not_in_flight.value.code == "TRANSITION_NOT_ALLOWED"
    desk = portal.officers.create(NS, username="motcua", full_name="Cán bộ một cửa", agency_code=LLTP_AGENCY,
                                  role="desk", password="mat-khau-thu")[0]
    portal.workflow.receive(NS, desk, d.code)
    before = len(portal.outbox.messages(NS, kind=SYNC_KIND))
    moved = moves.apply(NS, "hand_over", SYSTEM, code=d.code,
                        columns={"agency_code": "000.00.99.H47", "agency_name": "Trung tâm Phục vụ hành chính công"},
                        words={"receiver": "Trung tâm Phục vụ hành chính công"})
    assert (moved.status, moved.agency_code) == (RECEIVED, "000.00.99.H47")
    assert moved.history[-1].action == "handed_over" and moved.history[-1].actor == SYSTEM.name
    assert "Trung tâm Phục vụ hành chính công tiếp tục" in moved.history[-1].note
    pushed = portal.outbox.messages(NS, kind=SYNC_KIND)[before:]
    assert [m["payload"]["service"] for m in pushed] == ["DongBoHoSoMC", "CapNhatTienDoHoSoMC"]
    assert pushed[0]["payload"]["data"][0]["MaHoSo"] == d.code
    # ...and the table the portal runs is unchanged by it
    assert not any(t.action == "hand_over" for t in portal.moves.table)
