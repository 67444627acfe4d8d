"""What a journey needs of a portal's catalogue, said once for the browser journeys and the load.

A journey picks its procedure by its own needs: a level-4 payment needs a fee paid online, not a
postal return; only the postal journey needs the post. On a portal whose catalogue has no procedure
of some kind, the journeys that need it skip (the browser) or stop the load before it starts (the
load's preflight), each naming what is missing, and the others run.

Catalogue items are mappings as `PortalBackOffice.catalogue()` and the provincial catalogue API give
them: level, tier, fee {amount, timing, per_copy}, result_by_post, applicant_types.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

TIER_WORDS = {"province": "province-level", "district": "district-level", "commune": "commune-level"}


@dataclass(frozen=True)
class ProcedureNeed:
    """The properties a journey's procedure must have; None: any."""

    levels: tuple[int, ...]
    fee: bool | None = None             # a fee is due (amount above 0)
    fee_timing: str | None = None       # "before" receipt (online at level 4, at the counter at level 3) or "after"
    by_post: bool | None = None         # the result can come back by public post
    tier: str | None = "province"
    applicant_type: int | None = 1      # 1 citizen, 2 business, 3 agency (LoaiDoiTuong)
    per_copy: bool | None = None        # the fee is by copy (the amount follows a form field)
    moved_from: str | None = None       # moved from that tier on 1 July 2025 (the item's `moved.from`)
    identity_level: int | None = None   # the VNeID identity level the procedure needs (the item's `identity_level`)

    def fits(self, item: Mapping[str, Any]) -> bool:
        fee = item.get("fee") or {}
        amount = int(fee.get("amount") or 0)
        applicants = item.get("applicant_types") or [self.applicant_type]
        checks = (
            int(item.get("level") or 0) in self.levels,
            self.tier is None or item.get("tier") == self.tier,
            self.fee is None or (amount > 0) == self.fee,
            self.fee_timing is None or (amount > 0 and fee.get("timing") == self.fee_timing),
            self.by_post is None or bool(item.get("result_by_post")) == self.by_post,
            self.applicant_type is None or self.applicant_type in applicants,
            self.per_copy is None or bool(fee.get("per_copy")) == self.per_copy,
            self.moved_from is None or (item.get("moved") or {}).get("from") == self.moved_from,
            self.identity_level is None or int(item.get("identity_level") or 1) == self.identity_level,
        )
        return all(checks)

    def select(self, items: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
        return [item for item in items if self.fits(item)]

    def describe(self) -> str:
        """In words, for a skip or a refusal: "a province-level, level-4 procedure with a fee paid online"."""
        levels = "/".join(str(level) for level in self.levels)
        head = ", ".join(w for w in (TIER_WORDS.get(self.tier or "", ""), f"level-{levels}") if w)
        parts = []
        if self.fee_timing == "before":
            parts.append("a fee paid online" if self.levels == (4,) else "a fee paid on receipt")
        elif self.fee_timing == "after":
            parts.append("a fee paid with the result")
        elif self.fee:
            parts.append("a fee")
        elif self.fee is False:
            parts.append("no fee")
        if self.per_copy is False and self.fee:
            parts[-1] += " (not by copy)"
        if self.by_post:
            parts.append("the result by post")
        elif self.by_post is False:
            parts.append("no postal return")
        if self.moved_from:
            parts.append(f"moved from the {self.moved_from} tier on 1 July 2025")
        if self.identity_level:
            parts.append(f"a level-{self.identity_level} VNeID identity required")
        if self.applicant_type == 2:
            parts.append("for businesses")
        elif self.applicant_type == 3:
            parts.append("for agencies")
        return f"a {head} procedure" + (" with " + " and ".join(parts) if parts else "")


# The kinds of procedure the journeys use. The browser's journeys name them in scenarios.journeys.Catalogue,
# the load's in load.journeys.JOURNEY_NEEDS.
NEEDS: dict[str, ProcedureNeed] = {
    "level3_fee": ProcedureNeed((3,), fee=True, fee_timing="before"),
    "level4_online": ProcedureNeed((4,), fee=True, fee_timing="before", per_copy=False),
    "level4_post": ProcedureNeed((4,), fee=True, fee_timing="before", by_post=True, per_copy=False),
    "level2": ProcedureNeed((2,), applicant_type=None),
    "commune": ProcedureNeed((4,), tier="commune"),
    "browse": ProcedureNeed((3, 4), tier=None, applicant_type=None),
    # the journeys of VNeID and the two tiers (1 July 2024, 1 July 2025)
    "former_district": ProcedureNeed((4,), fee=True, fee_timing="before", by_post=True, tier="commune",
                                     per_copy=False, moved_from="district"),
    "identity_level_2": ProcedureNeed((3, 4), tier=None, identity_level=2, fee=True, fee_timing="before",
                                      by_post=False),
}


__all__ = ["NEEDS", "ProcedureNeed"]
