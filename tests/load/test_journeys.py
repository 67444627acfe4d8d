"""The load journeys over the harness's clients with plain sessions (no Locust), and the consistency check."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

import pytest
import requests

from harness.stack import Stack, StackInfo
from load import consistency, journeys, profiles
from load.api import Control, emulator_api


class CountingSession(requests.Session):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[str, str]] = []

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        self.seen.append((method, url))
        return super().request(method, url, *args, **kwargs)


@pytest.fixture
def world(dvc_stack: Stack, ns: str) -> dict[str, Any]:
    info: StackInfo = dvc_stack.info
    control = Control(info.services, ns, info.admin_token)
    picks = journeys.Picks.from_catalogue(control.procedures(limit=1000)["items"])
    return {"info": info, "ns": ns, "control": control, "picks": picks, "pool": journeys.AccountPool(),
            "ledger": journeys.Ledger(), "data": journeys.LoadDataFactory(block=3, seed=7)}


def visitor(world: dict[str, Any], session: requests.Session) -> journeys.Visitor:
    portals = emulator_api(session, world["info"].services, namespace=world["ns"])
    return journeys.Visitor(portals, world["data"], world["picks"], world["pool"], world["ledger"], world["control"],
                            random.Random(1), new_account_share=1.0)


READS = ("/api/v1/procedures", "/api/v1/agencies", "/api/v1/lookup/", "/api/v1/dossiers/")


def reads(session: CountingSession) -> int:
    """The catalogue, look-up and tracking reads (and the home page) a journey made."""
    return sum(1 for m, u in session.seen if m == "GET" and (u.endswith("/") or any(r in u for r in READS))
               and "/payments" not in u) + sum(1 for m, u in session.seen
                                                if m == "GET" and u.endswith("/api/v1/dossiers"))


@pytest.mark.parametrize("kind", ["browse", "level3", "level4", "level4_post", "track"])
def test_each_journey_runs_and_makes_the_reads_the_model_counts(world: dict[str, Any], kind: str) -> None:
    if kind == "track":  # a returning citizen needs a dossier first
        journeys.level3(visitor(world, requests.Session()))
    session = CountingSession()
    journeys.JOURNEYS[kind](visitor(world, session))
    assert reads(session) == profiles.READS_PER_JOURNEY[kind], session.seen
    if kind in profiles.SUBMITTING:
        assert len(world["ledger"].submissions) == 1 and world["pool"].citizens[0].codes
    if kind in ("level4", "level4_post"):
        (paid,) = world["ledger"].payments
        assert paid["dossier_code"] == world["ledger"].submissions[0]["code"]


def test_citizens_are_unique_across_load_processes() -> None:
    ids = Counter()
    for block in range(journeys.ID_BLOCKS + 3):
        factory = journeys.LoadDataFactory(block, seed=1)       # the same seed everywhere
        for _ in range(30):
            ids[factory.citizen()["id_number"]] += 1
    assert max(ids.values()) == 1


def test_officers_receive_process_and_complete_the_dossiers(world: dict[str, Any]) -> None:
    for _ in range(2):
        journeys.level3(visitor(world, requests.Session()))
    item_agency = world["ledger"].submissions[0]
    agency = next(i["agency_code"] for i in world["picks"].level3 if i["code"] == item_agency["procedure_code"])

    def client() -> Any:
        return emulator_api(requests.Session(), world["info"].services, namespace=world["ns"]).officer

    team = journeys.OfficerTeam.create(world["control"], client, agency, "t.team", random.Random(2))
    team.round()
    assert team.done.get("receive", 0) >= 1 and team.done.get("process", 0) >= 1 and team.done.get("result", 0) >= 1
    assert team.done.get("return", 0) >= 1   # level 3, result at the counter: handed over in the same round


def test_the_consistency_check_finds_what_the_emulator_does_not_have(world: dict[str, Any]) -> None:
    journeys.level4(visitor(world, requests.Session()))
    info, ns = world["info"], world["ns"]
    ledger = {"submissions": list(world["ledger"].submissions), "payments": list(world["ledger"].payments)}
    report = consistency.check(ledger, info.services, ns, info.admin_token, settle_s=5)
    assert report.ok, report.problems
    assert report.checked_submissions == 1 and report.checked_payments == 1
    real = ledger["submissions"][0]
    ledger["submissions"].append({**real, "code": real["code"][:-4] + "9999"})          # never accepted
    ledger["submissions"].append(dict(real))                                             # answered twice
    ledger["payments"].append({**ledger["payments"][0], "reference": "NO-SUCH-REF"})
    report = consistency.check(ledger, info.services, ns, info.admin_token, settle_s=0)
    assert {p.kind for p in report.problems} == {"lost_submission", "duplicate_code", "lost_payment"}


def _without_post(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**item, "result_by_post": False} for item in items]


def test_each_journey_picks_by_its_own_needs_and_the_post_is_needed_only_by_the_postal_one(
        world: dict[str, Any]) -> None:
    items = _without_post(world["control"].procedures(limit=1000)["items"])
    picks = journeys.Picks.from_catalogue(items, ("browse", "level3", "level4", "track"), officers=True)
    assert picks.level4 and all(i["level"] == 4 and i["fee"]["timing"] == "before" for i in picks.level4)
    assert picks.level3 and picks.browse and not picks.level4_post
    with pytest.raises(journeys.CatalogueCannotServe) as refused:
        journeys.Picks.from_catalogue(items, ("level3", "level4_post"))
    assert set(refused.value.missing) == {"level4_post"} and "result by post" in refused.value.missing["level4_post"]
    with pytest.raises(journeys.CatalogueCannotServe) as refused:
        journeys.Picks.from_catalogue(items, ("browse",), officers=True)
    assert set(refused.value.missing) == {"officers"}


def test_a_level_4_visit_goes_without_the_post_when_the_catalogue_has_one(world: dict[str, Any]) -> None:
    items = world["control"].procedures(limit=1000)["items"]
    online = [i for i in items if i["level"] == 4 and i["tier"] == "province" and i["fee"]["timing"] == "before"]
    assert len(online) >= 2 and all(i["result_by_post"] for i in online)     # the emulator's: all by post
    without = online[-1]["code"]
    items = [{**i, "result_by_post": False} if i["code"] == without else i for i in items]
    picks = journeys.Picks.from_catalogue(items, ("level4",))
    assert picks.level4[0]["code"] == without        # the one without the post comes first
