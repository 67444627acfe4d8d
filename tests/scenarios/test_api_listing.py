"""The API driver's lists: a tier's is read by name within the tier (hundreds of offerings with their forms are
not fetched to open one), and a portal whose search cannot find the name within the tier gets the whole tier."""

from __future__ import annotations

from typing import Any

from scenarios.api.portals import ApiProvincial, _Browser

OFFERINGS = [{"code": f"P-{i}", "name": name, "tier": "commune", "agency_code": f"X{i}", "agency_name": f"UBND {i}"}
             for i, name in enumerate(["Đăng ký khai sinh", "Đăng ký kết hôn", "Đăng ký khai sinh"])]


class Catalogue:
    def __init__(self, *, searchable: bool) -> None:
        self.searchable, self.asked = searchable, []

    def procedures(self, **filters: Any) -> dict[str, Any]:
        self.asked.append(filters)
        found = [o for o in OFFERINGS if o["tier"] == filters.get("tier", o["tier"])]
        if "q" in filters:
            found = [o for o in found if self.searchable and filters["q"] in o["name"]]
        return {"total": len(found), "items": found}

    def procedure(self, code: str) -> dict[str, Any]:
        return dict(next(o for o in OFFERINGS if o["code"] == code))


def _open(catalogue: Catalogue) -> ApiProvincial:
    portal = ApiProvincial(catalogue, _Browser(), sleep=lambda s: None)  # type: ignore[arg-type]
    portal.browse_tier("Cấp xã")
    portal.open_procedure("Đăng ký khai sinh")
    return portal


def test_a_tier_s_list_is_read_by_name_within_the_tier() -> None:
    portal = _open(catalogue := Catalogue(searchable=True))
    assert catalogue.asked == [{"tier": "commune", "q": "Đăng ký khai sinh", "limit": 1000}]
    assert [o["code"] for o in portal.browser.listing] == ["P-0", "P-2"]     # both agencies that offer it
    assert portal.browser.procedure is not None and portal.browser.procedure["code"] == "P-0"


def test_a_portal_whose_search_misses_gets_the_whole_tier() -> None:
    portal = _open(catalogue := Catalogue(searchable=False))
    assert catalogue.asked[-1] == {"tier": "commune", "limit": 1000}
    assert [o["code"] for o in portal.browser.listing] == ["P-0", "P-2"]
