"""What a journey runs with, whatever the driver: the portals, the emulators' test control, the portal's
back office, the catalogue's procedures, test data, and where its citizens come from.

Each driver builds one `JourneyContext` per journey run: the browser and API drivers in the pytest suites
(scenarios/suites/conftest.py), the load driver in each Locust visitor (load/journeys.py). The journey
definitions (scenarios/registry.py) read only this.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from harness.clients import Platform
from harness.procedure_needs import NEEDS
from harness.steps import StepUnavailable
from mocks.core.world import World
from scenarios.journeys import ProcedurePick, SampleFiles, postal_address
from scenarios.portal import PortalBackOffice, Portals, PostalAddress


class Citizens(Protocol):
    """Where a driver's citizens come from: set-up, not part of the journey measured or checked."""

    def new(self, ctx: JourneyContext, *, fresh: bool = False) -> dict[str, Any]:
        """A citizen registered and confirmed on the national portal (with `username` and `password`); `fresh`:
        one the provincial portal has never seen (the load may otherwise bring back one of its citizens)."""
        ...

    def registered(self, ctx: JourneyContext, citizen: Mapping[str, Any]) -> None:
        """A journey registered this citizen itself (the load keeps it for returning visits)."""
        ...

    def log_in(self, ctx: JourneyContext, citizen: Mapping[str, Any]) -> None:
        """Log the citizen in to the provincial portal, the fastest faithful way for the driver (the journeys
        about the log-in itself do it through the portals instead)."""
        ...

    def returning(self, ctx: JourneyContext) -> tuple[dict[str, Any], str]:
        """A citizen who submitted a dossier before, and its code."""
        ...


@dataclass
class JourneyContext:
    driver: str                         # "browser", "api" or "load"
    portals: Portals
    platform: Platform                  # the emulators' test control, in the journey's namespace
    back_office: PortalBackOffice
    catalogue: Mapping[str, tuple[ProcedurePick, ...]]     # kind (harness.procedure_needs.NEEDS) -> procedures
    data: Any                           # harness.testdata.DataFactory
    files: SampleFiles
    citizens: Citizens
    rng: random.Random = field(default_factory=lambda: random.Random(0))
    world: World | None = None          # the rules of the namespace's date (mocks.core.world); None: not known
    auto_approval: bool = False         # the namespace's VNeID app approves every log-in at once (the load)
    logged_in: str = ""                 # the user name the driver's set-up left logged in on these portals
    officers_at_work: bool = False      # officers work the same back office meanwhile (the load's teams): a
    #                                     dossier may move on between the citizen's two looks

    @property
    def uses_vneid(self) -> bool:
        """Citizens log in with VNeID (from 1 July 2024): the world says so."""
        return self.world is not None and self.world.citizens_use_vneid

    @property
    def app(self) -> Any:
        """The VNeID app the journey holds (harness.clients.VneidClient: approve, deny, let expire, scan); None
        when the namespace approves at once."""
        if self.auto_approval or self.platform is None:
            return None
        return self.platform.vneid

    def procedure(self, kind: str) -> ProcedurePick:
        """A procedure of this kind (the first in the suites, any of them in the load); the journey is skipped,
        saying what it needs, when the portal's catalogue has none."""
        found = self.catalogue.get(kind) or ()
        if not found:
            raise StepUnavailable(f"the portal's catalogue has no {NEEDS[kind].describe().removeprefix('a ')}")
        return found[0] if self.driver != "load" or len(found) == 1 else self.rng.choice(found)

    def citizen(self, *, fresh: bool = False) -> dict[str, Any]:
        return self.citizens.new(self, fresh=fresh)

    def log_in(self, citizen: Mapping[str, Any]) -> None:
        self.citizens.log_in(self, citizen)

    def app_needed(self) -> Any:
        """The VNeID app, for a journey that decides in it (deny, let expire, scan): skipped without it."""
        if self.platform is None or self.platform.vneid is None or self.auto_approval:
            raise StepUnavailable("the VNeID app's test control (a VNeID emulator, approvals not automatic)")
        return self.platform.vneid

    def returning(self) -> tuple[dict[str, Any], str]:
        return self.citizens.returning(self)

    def address(self, person: Mapping[str, Any]) -> PostalAddress:
        return postal_address(person, self.data)


__all__ = ["Citizens", "JourneyContext"]
