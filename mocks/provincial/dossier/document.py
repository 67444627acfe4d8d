"""The transition table as docs/protocols.md shows it: the statuses, the moves, the rules, the officers' matrix.

    python -m mocks.provincial.dossier.document docs/protocols.md    # rewrite the generated part

The part between the markers is written from the table (transitions.py) and the rules
(rules.py), never by hand; tests/provincial/test_transition_table.py fails when they differ.
"""

from __future__ import annotations

import sys
from pathlib import Path

from . import rules
from .entity import ACTOR_KINDS, OFFICER_ROLES, STATUS_NAMES
from .transitions import ALL, LABELS, SCHEDULES, TABLE, Transition

BEGIN = "<!-- BEGIN generated from the transition table: python -m mocks.provincial.dossier.document -->"
END = "<!-- END generated -->"
SYNC_NEW = "`DongBoHoSoMC` (new)"
SYNC_MOVE = "`DongBoHoSoMC` + `CapNhatTienDoHoSoMC`"


def _statuses(values: tuple[int, ...]) -> str:
    if not values:
        return "— (made)"
    return "any" if values == ALL else ", ".join(str(v) for v in values)


def _row(t: Transition) -> str:
    to = "same" if t.to is None else str(t.to)
    checks = ([f"when `{t.when}`"] if t.when else []) + [f"`{name}`" for name in t.rules]
    records = [f"history `{t.records}`"] if t.records else ["no history entry"]
    records += [f"`{c}`" for c in t.writes] + [f"`{c}` = now" for c in t.stamps]
    sends = ([SYNC_NEW if t.birth else SYNC_MOVE] if t.sends_sync else [])
    sends += [f"notice `{t.notice}`"] if t.notice else []
    sends += ["postal order (a postal return)"] if t.post else []
    sends += [f"then `{t.then}`"] if t.then else []
    schedule = {"appointment": "appointment from now", "new_date": "appointment: the new date"}.get(
        t.schedule or "", "")
    return (f"| {_statuses(t.from_statuses)} | `{t.action}` | {', '.join(t.actors)} | {to} | "
            f"{'; '.join(checks)} | {', '.join(records)} | {', '.join(sends) or '—'} | {schedule} |")


def status_list() -> list[str]:
    lines = ["| status | TrangThaiHoSo | reached by | left by |", "|---|---|---|---|"]
    for code, name in STATUS_NAMES.items():
        into = sorted({t.action for t in TABLE if t.to == code})
        out = sorted({t.action for t in TABLE if code in t.from_statuses and t.to not in (None, code)})
        lines.append(f"| {code} | {name} | {', '.join(f'`{a}`' for a in into) or '—'} | "
                     f"{', '.join(f'`{a}`' for a in out) or '— (final)'} |")
    return lines


def transition_table() -> list[str]:
    return ["| from | action | by | to | conditions and rules | records | sends | schedules |",
            "|---|---|---|---|---|---|---|---|", *(_row(t) for t in TABLE)]


def rule_list() -> list[str]:
    named = {t.when for t in TABLE if t.when} | {name for t in TABLE for name in t.rules}
    lines = ["| rule | kind | follows |", "|---|---|---|"]
    for name, rule in rules.RULES.items():
        if name in named:
            kind = rule.kind + (" (hides the action)" if rule.hides else "")
            lines.append(f"| `{name}` | {kind} | {rule.cite} |")
    return lines


def role_matrix() -> list[str]:
    """Who may do what: per officer action, the statuses each role may take it from."""
    lines = ["| action | " + " | ".join(OFFICER_ROLES) + " |", "|---|" + "---|" * len(OFFICER_ROLES)]
    actions = [a for a in dict.fromkeys(t.action for t in TABLE) if any(set(t.actors) & set(OFFICER_ROLES)
                                                                         for t in TABLE if t.action == a)]
    for action in actions:
        cells = []
        for role in OFFICER_ROLES:
            found = sorted({s for t in TABLE if t.action == action and role in t.actors for s in t.from_statuses})
            made = any(t.birth for t in TABLE if t.action == action and role in t.actors)
            cells.append("new (→ 2)" if made else (", ".join(map(str, found)) if found else "—"))
        lines.append(f"| `{action}` {LABELS[action]} | " + " | ".join(cells) + " |")
    return lines


def markdown() -> str:
    kinds = "; ".join(f"`{k}` {v}" for k, v in ACTOR_KINDS.items())
    schedules = "; ".join(f"`{k}`: {v}" for k, v in SCHEDULES.items())
    return "\n".join([
        BEGIN,
        "",
        "The statuses a dossier goes through, and the moves that take it there:",
        "",
        *status_list(),
        "",
        "Every move, whoever makes it, is a row of this table and goes through one `apply()`, in one transaction "
        "(`mocks/provincial/dossier/transitions.py`). By: " + kinds + ". The rows of one action from one status are "
        "tried in order: the first whose condition (`when`) holds is the move; its rules are then checked, each "
        "refusing with its own error. Schedules: " + schedules + ".",
        "",
        *transition_table(),
        "",
        "The rules the table names (`mocks/provincial/dossier/rules.py`):",
        "",
        *rule_list(),
        "",
        "Who may do what in the back office (`allowed_actions` lists these, at the dossier's status, less the "
        "actions a rule that hides refuses):",
        "",
        *role_matrix(),
        "",
        END,
    ])


def rewrite(text: str) -> str:
    """`text` with its generated part replaced by the table as it is."""
    start, end = text.index(BEGIN), text.index(END) + len(END)
    return text[:start] + markdown() + text[end:]


def main(argv: list[str]) -> int:
    path = Path(argv[0] if argv else "docs/protocols.md")
    text = path.read_text(encoding="utf-8")
    updated = rewrite(text)
    if updated != text:
        path.write_text(updated, encoding="utf-8")
        print(f"{path}: the transition table rewritten")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
