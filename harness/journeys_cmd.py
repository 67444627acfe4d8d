"""`dvc-harness journeys`: the citizen journeys of scenarios.registry, what each needs, the drivers that run it."""

from __future__ import annotations

import json
import textwrap


def listing(*, as_json: bool = False) -> str:
    from scenarios.registry import DRIVERS, JOURNEYS

    if as_json:
        return json.dumps([{"name": j.name, "row": j.row, "title": j.title, "needs": j.needs(),
                            "procedures": list(j.procedures), "back_office": list(j.back_office),
                            "control": list(j.control), "drivers": list(j.drivers)} for j in JOURNEYS],
                          ensure_ascii=False, indent=2)
    width = max(len(j.name) for j in JOURNEYS)
    lines = [f"{len(JOURNEYS)} citizen journeys · drivers: {', '.join(DRIVERS)} "
             "(pytest scenarios/suites --dvc-driver api|browser, a load profile's [mix] by name)", "",
             f"{'row':>3}  {'journey':<{width}}  {'drivers':<18}  what the citizen does · what it needs"]
    indent = " " * (width + 27)
    for j in JOURNEYS:
        title = textwrap.wrap(j.title, width=116 - len(indent))
        lines.append(f"{j.row:>3}  {j.name:<{width}}  {' '.join(j.drivers):<18}  {title[0]}")
        lines += [indent + more for more in title[1:]]
        needs = "; ".join(j.needs()) or "nothing beyond the portals"
        lines += textwrap.wrap(f"needs: {needs}", width=116, initial_indent=indent + "  ",
                               subsequent_indent=indent + "    ")
    lines += ["", "Rows are the README's table of citizen journeys. The officers' and the resilience journeys "
                  "(scenarios/suites/test_officer_journeys.py, test_resilience.py) need the emulator and a browser."]
    return "\n".join(lines)
