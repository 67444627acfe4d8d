"""1 July 2025: the dossiers in flight at district agencies pass to the units that receive them.

District-level units ended on 1 July 2025 (Decision 759/QĐ-TTg); in a namespace whose date is past it,
every dossier still in flight (not refused, withdrawn, stopped or returned) at a district agency goes on
at the receiving unit that `Catalogues.receiver` names (eras.py: the city's agency when its procedure
moved to the city, else the commune of the former district's seat). It is one row of the transition
table (`hand_over`, by the portal itself: actor kind `system`), so apply() records it in the history,
tells the national portal the new unit (`madonvi`, `DonViXuLy`) and loses nothing; the dossier's code, its
appointment and its documents stay as they were.

It runs when the namespace's time moves (the clock set or advanced, the outbox flushed) and before any request
of the portal that reads or moves dossiers (app.py), so a clock that crosses the date on its own — real time,
the stack's clock, another service's admin — is caught up too.
"""

from __future__ import annotations

import logging

from mocks.core.errors import DomainError
from mocks.core.world import Worlds

from .dossier.entity import SYSTEM
from .dossier.store import DossierStore
from .dossier.transitions import IN_FLIGHT, Transitions
from .eras import Catalogues

log = logging.getLogger(__name__)


class HandOver:
    def __init__(self, catalogues: Catalogues, worlds: Worlds, moves: Transitions) -> None:
        self.catalogues = catalogues
        self.worlds = worlds
        self.moves = moves
        self.rows: DossierStore = moves.store

    def catch_up(self, ns: str) -> list[str]:
        """Hand over what is due in the namespace; the codes handed over."""
        world = self.worlds.of(ns)
        if not world.two_tiers:
            return []
        successor = self.catalogues.in_force(world)
        moved: list[str] = []
        for code in self.rows.at_tier(ns, "district", IN_FLIGHT):
            dossier = self.rows.get(ns, code)
            procedure = self.catalogues.require_procedure(dossier.procedure_code)
            receiver = self.catalogues.receiver(dossier.agency_code, procedure, successor)
            try:
                self.moves.apply(ns, "hand_over", SYSTEM, code=code,
                                 columns={"agency_code": receiver.agency.code, "agency_name": receiver.agency.name,
                                          "tier": receiver.agency.tier},
                                 words={"former": dossier.agency_name, "receiver": receiver.agency.name})
            except DomainError as exc:   # handed over meanwhile by another worker, or finished: nothing to do
                log.debug("no hand-over of %s: %s", code, exc.code)
                continue
            moved.append(code)
        return moved
