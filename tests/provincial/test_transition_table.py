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
    SYSTEM,
    Actor,
)
from mocks.provincial.dossier.transitions import LABELS, TABLE, Transition
from mocks.provincial.dossier.workflow import ACTIONS
from mocks.provincial.model import ProvincialPortal
from mocks.provincial.notifications import KINDS
from mocks.provincial.sync import SYNC_KIND

from .conftest import all_files, full_form, submit

DOCS = Path(__file__).resolve().parents[2] / "docs" / "protocols.md"
NS = "t"
DISTRICT_L4 = "2.000720"          # district, level 4: household business change
DISTRICT_AGENCY = "000.20.30.H47"  # UBND Thành phố Tam Kỳ
CITATION = re.compile(r"Decree \d+/\d{4}|Circular \d+/\d{4}|Decision \d+/QĐ|Resolution \d+/|seed letter|catalogue data"
                      r"|LoaiDoiTuong")


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


def test_the_hand_over_of_1_july_2025_is_one_more_row(portal: ProvincialPortal, citizen: Any) -> None:
    """The dossiers in flight at a district agency pass to the receiving unit on 1 July 2025 (issue 16): a row of the
    table, by the portal itself, and apply() does the rest — history, national sync — with nothing else written."""
    [row] = [t for t in portal.moves.table if t.action == "hand_over"]
    assert row.actors == (SYSTEM.kind,) and row.to is None and set(row.writes) == {"agency_code", "agency_name", "tier"}
    assert row.rules == ("at_a_former_district_agency",) and row.records == "handed_over"
    receiver = {"agency_code": "001.00.30.H15", "agency_name": "UBND Phường Tam Kỳ", "tier": "commune"}
    words = {"former": "UBND Thành phố Tam Kỳ", "receiver": "UBND Phường Tam Kỳ"}
    lltp = submit(portal, citizen, payment_method="counter")
    with pytest.raises(Conflict) as not_a_district:     # a province-level dossier has nowhere to be handed over
        portal.moves.apply(NS, "hand_over", SYSTEM, code=lltp.code, columns=receiver, words=words)
    assert not_a_district.value.code == "NOT_AT_A_DISTRICT_AGENCY"
    d = submit(portal, citizen, DISTRICT_L4, agency=DISTRICT_AGENCY, form=full_form(portal, DISTRICT_L4),
               files=all_files(portal, DISTRICT_L4), payment_method="counter")
    before = len(portal.outbox.messages(NS, kind=SYNC_KIND))
    moved = portal.moves.apply(NS, "hand_over", SYSTEM, code=d.code, columns=receiver, words=words)
    assert (moved.code, moved.status, moved.agency_code, moved.tier) == (d.code, d.status, "001.00.30.H15", "commune")
    assert moved.history[-1].action == "handed_over" and moved.history[-1].actor == SYSTEM.name
    assert "UBND Phường Tam Kỳ tiếp tục giải quyết" in moved.history[-1].note
    pushed = portal.outbox.messages(NS, kind=SYNC_KIND)[before:]
    assert [m["payload"]["service"] for m in pushed] == ["DongBoHoSoMC", "CapNhatTienDoHoSoMC"]
    assert pushed[0]["payload"]["madonvi"] == "001.00.30.H15" and pushed[0]["payload"]["data"][0]["MaHoSo"] == d.code
    with pytest.raises(Conflict) as twice:               # once only: another worker's second try changes nothing
        portal.moves.apply(NS, "hand_over", SYSTEM, code=d.code, columns=receiver, words=words)
    assert twice.value.code == "NOT_AT_A_DISTRICT_AGENCY"
