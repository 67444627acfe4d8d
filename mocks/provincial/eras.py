"""The province's catalogues by date: Quảng Nam's until 30 June 2025, thành phố Đà Nẵng's from 1 July 2025.

A profile names its successor (`profile.json`: `successor {profile, from}`); each era is a `Catalogue` of its
own (catalogue.py). What is offered — the catalogue pages, the submission, the desk's entry — is the era in
force on the namespace's date (`in_force(world)`); what is recorded stays readable across eras: a dossier
of 2024 keeps its agency (a district UBND) and its localised procedure code, so `agency()` and
`require_procedure()` look in every era (the letter codes differ, H47 and H15: the codes never clash).

The reorganisation (`reorganisation.json` of the successor, Resolution 1659/NQ-UBTVQH15) maps the former
units to the new ones and names, for each former district, the unit that receives its dossiers in flight.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from mocks import data
from mocks.core.errors import NotFound
from mocks.core.world import World

from .catalogue import Agency, Catalogue, Offering, Procedure, load


@dataclass(frozen=True)
class Era:
    since: date | None          # None: from the beginning
    catalogue: Catalogue


@dataclass(frozen=True)
class Receiver:
    """Who takes over a former district agency's dossier in flight, and why."""

    agency: Agency
    source: str


class Catalogues:
    def __init__(self, profile: str = data.DEFAULT_PROFILE) -> None:
        first = load(profile)
        eras = [Era(None, first)]
        successor = first.profile.get("successor")
        self.reorganisation: dict[str, Any] = {}
        while successor:
            nxt = load(successor["profile"])
            eras.append(Era(date.fromisoformat(successor["from"]), nxt))
            self.reorganisation = data.reorganisation(successor["profile"])
            successor = nxt.profile.get("successor")
        self.eras: tuple[Era, ...] = tuple(eras)
        self.first = first

    def on(self, day: date) -> Catalogue:
        """The catalogue in force on `day`."""
        found = self.first
        for era in self.eras:
            if era.since is None or era.since <= day:
                found = era.catalogue
        return found

    def in_force(self, world: World) -> Catalogue:
        return self.on(world.day)

    def between(self, start: date, end: date) -> list[Catalogue]:
        """The catalogues in force on some day from `start` to `end` (both included), oldest first."""
        found = []
        for i, era in enumerate(self.eras):
            begins = era.since or date.min
            ends = self.eras[i + 1].since - timedelta(days=1) if i + 1 < len(self.eras) else date.max  # type: ignore
            if begins <= end and start <= ends:
                found.append(era.catalogue)
        return found

    def offering(self, code: str, agency_code: str | None, world: World) -> Offering:
        """The procedure at the agency, as offered on the world's date."""
        return self.in_force(world).offering(code, agency_code)

    # -- across eras: what a recorded dossier names ------------------------------------------------------
    def agency(self, code: str) -> Agency | None:
        for era in reversed(self.eras):
            found = era.catalogue.agency(code)
            if found is not None:
                return found
        return None

    def procedure(self, code: str) -> Procedure | None:
        """By localised code (unique across eras), or by national code in the first era that has it."""
        for era in self.eras:
            found = era.catalogue.procedure(code)
            if found is not None:
                return found
        return None

    def require_procedure(self, code: str) -> Procedure:
        procedure = self.procedure(code) if isinstance(code, str) else None
        if procedure is None:
            return self.first.require_procedure(code)   # its refusal
        return procedure

    def era_of(self, agency: Agency) -> Catalogue:
        """The catalogue an agency belongs to."""
        return next((e.catalogue for e in self.eras if e.catalogue.agency(agency.code) is agency), self.first)

    # -- the reorganisation ---------------------------------------------------------------------------
    def receiver(self, d_agency_code: str, procedure: Procedure, successor: Catalogue) -> Receiver:
        """The unit that takes over a dossier in flight at a former district agency on the cut-over: the city's
        agency of the procedure's row when it moved to the city, else the commune that received the district
        (reorganisation.json)."""
        moved = successor.procedure(procedure.national_code)
        if moved is not None and moved.tier == "province" and moved.agency_code:
            agency = successor.agency(moved.agency_code)
            if agency is not None:
                return Receiver(agency, f"the procedure's row: {moved.moved_source}")
        for row in self.reorganisation.get("districts", []):
            if row["former_agency"] == d_agency_code:
                agency = successor.agency(row["receiving_agency"])
                if agency is not None:
                    return Receiver(agency, row["source"])
        raise NotFound("NO_RECEIVING_UNIT", f"Không có đơn vị tiếp nhận hồ sơ của {d_agency_code}.",
                       f"No receiving unit for {d_agency_code} in the reorganisation data.")


@lru_cache(maxsize=4)
def load_eras(profile: str = data.DEFAULT_PROFILE) -> Catalogues:
    """The eras of a profile, built once per process."""
    return Catalogues(profile)
