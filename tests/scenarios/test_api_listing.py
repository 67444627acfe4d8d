"""The API driver's lists: a tier's is read by name within the tier (hundreds of offerings with their forms are
not fetched to open one), and a portal whose search cannot find the name within the tier gets the whole tier."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from harness.clients import ClientError
from scenarios.api.portals import ApiProvincial, _Browser

OFFERINGS = [{"code": f"P-{i}", "name": name, "tier": "commune", "agency_code": f"X{i}", "agency_name": f"UBND {i}"}
             for i, name in enumerate(["Đăng ký khai sinh", "Đăng ký kết hôn", "Đăng ký khai sinh"])]
# the same name at another tier, which a search that ignores the tier would pass off as the commune's
ELSEWHERE = [{"code": "P-9", "name": "Đăng ký khai sinh", "tier": "province", "agency_code": "S",
              "agency_name": "Sở Tư pháp"}]


def refusal(status: int) -> ClientError:
    answer = requests.Response()
    answer.status_code, answer.url = status, "http://portal.test/api/procedures"
    answer._content = b'{"error": {"code": "QUERY_REFUSED", "message": "q with tier"}}'
    answer.request = requests.Request("GET", answer.url).prepare()
    return ClientError(answer)


class Catalogue:
    def __init__(self, *, searchable: bool = True, search_ignores_tier: bool = False,
                 search_refused: int | None = None) -> None:
        self.searchable, self.ignores_tier, self.refused, self.asked = searchable, search_ignores_tier, \
            search_refused, []

    def procedures(self, **filters: Any) -> dict[str, Any]:
        self.asked.append(filters)
        if "q" in filters and self.refused:
            raise refusal(self.refused)
        tier = None if "q" in filters and self.ignores_tier else filters.get("tier")
        found = [o for o in OFFERINGS + ELSEWHERE if tier is None or o["tier"] == tier]
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


def test_a_search_that_ignores_the_tier_is_not_taken_at_its_word() -> None:
    portal = _open(Catalogue(search_ignores_tier=True))
    assert [o["code"] for o in portal.browser.listing] == ["P-0", "P-2"]      # not the province's P-9


def test_a_refused_search_falls_back_to_the_whole_tier() -> None:
    portal = _open(catalogue := Catalogue(search_refused=400))
    assert catalogue.asked[-1] == {"tier": "commune", "limit": 1000}
    assert [o["code"] for o in portal.browser.listing] == ["P-0", "P-2"]


def test_a_server_error_on_the_search_is_not_hidden() -> None:
    with pytest.raises(ClientError):
        _open(Catalogue(search_refused=503))


def test_a_search_or_an_agency_after_a_tier_forgets_the_tier() -> None:
    portal = ApiProvincial(catalogue := Catalogue(), _Browser(), sleep=lambda s: None)  # type: ignore[arg-type]
    portal.browse_tier("Cấp xã")
    portal.search("Đăng ký kết hôn")
    portal.open_procedure("Đăng ký kết hôn")
    assert catalogue.asked == [{"q": "Đăng ký kết hôn"}] and portal.browser.listed_by is None
