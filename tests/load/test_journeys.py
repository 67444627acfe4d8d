"""The load's visits: the journeys of scenarios.registry on the API driver over plain sessions (no Locust),
the catalogue chosen by each journey's needs, the ledger, and the consistency check."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

import pytest
import requests

from harness.clients.provincial import ProvincialClient
from harness.stack import Stack, StackInfo
from load import consistency, journeys, profiles
from load.api import Control, emulator_api
from scenarios.registry import JOURNEYS
from tests.worlds import IN_2022


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
    items = control.procedures(limit=1000)["items"]
    catalogue = journeys.plan_catalogue(items, [j.name for j in JOURNEYS if "load" in j.drivers], officers=True)
    visits = journeys.Visits.build(emulator_api, info.services, ns, info.admin_token, catalogue,
                                   journeys.LoadDataFactory(block=3, seed=7), new_account_share=1.0,
                                   rng=random.Random(1))
    return {"info": info, "ns": ns, "control": control, "items": items, "visits": visits}


READS = ("/api/v1/procedures", "/api/v1/agencies", "/api/v1/lookup/", "/api/v1/dossiers/")


def reads(session: CountingSession) -> int:
    """The catalogue, look-up and tracking reads (and the home page) a journey made; a read repeated while the
    journey waits for something to happen (a poll) counts once."""
    polled = [request for i, request in enumerate(session.seen) if i == 0 or request != session.seen[i - 1]]
    return sum(1 for m, u in polled if m == "GET" and (u.endswith("/") or any(r in u for r in READS)
                                                        or u.endswith("/api/v1/dossiers"))
               and "/payments" not in u and "/receipt" not in u)


@pytest.mark.parametrize("journey", [j.name for j in JOURNEYS if "load" in j.drivers])
def test_every_journey_runs_in_the_load_driver(world: dict[str, Any], journey: str) -> None:
    visits: journeys.Visits = world["visits"]
    if journey == "track":      # a returning citizen needs a dossier of this process first
        assert visits.run("level3", requests.Session()) == ("ok", None)
    outcome = visits.run(journey, CountingSession())
    assert outcome == ("ok", None), outcome


@pytest.mark.parametrize("kind", profiles.CAMPAIGN_JOURNEYS)
def test_the_campaign_journeys_make_the_reads_the_model_counts(world: dict[str, Any], kind: str) -> None:
    visits: journeys.Visits = world["visits"]
    if kind == "track":
        visits.run("level3", requests.Session())
    session = CountingSession()
    assert visits.run(kind, session) == ("ok", None)
    assert reads(session) == profiles.READS_PER_JOURNEY[kind], session.seen


def test_the_ledger_holds_what_was_acknowledged_and_paid(world: dict[str, Any]) -> None:
    visits: journeys.Visits = world["visits"]
    assert visits.run("level4", requests.Session()) == ("ok", None)
    (submitted,) = visits.ledger.submissions
    (paid,) = visits.ledger.payments
    assert paid["dossier_code"] == submitted["code"] and paid["amount"] == submitted["sent"]["fee_amount"] > 0
    assert submitted["sent"]["payment_method"] == "online" and submitted["applicant"]
    assert visits.citizens.pool.pick(random.Random(0), with_dossiers=True) is not None


def test_a_missing_seam_method_skips_the_visit_naming_it(world: dict[str, Any]) -> None:
    """An HTTP layer written before the seam had `receipt`: the level-4 visit is skipped, saying so."""
    visits: journeys.Visits = world["visits"]

    class Older:
        def __init__(self, real: Any) -> None:
            self.real = real

        def __getattr__(self, name: str) -> Any:
            if name == "receipt":
                raise AttributeError(name)
            return getattr(self.real, name)

    def older_api(session: requests.Session, urls: Any, **kw: Any) -> Any:
        portals = emulator_api(session, urls, **kw)
        portals.provincial = Older(portals.provincial)  # type: ignore[assignment]
        return portals

    visits.factory = older_api
    assert visits.run("level4", requests.Session()) == ("skipped", "the portal's HTTP layer does not implement receipt")


def test_citizens_are_unique_across_load_processes() -> None:
    ids = Counter()
    for block in range(journeys.ID_BLOCKS + 3):
        factory = journeys.LoadDataFactory(block, seed=1)       # the same seed everywhere
        for _ in range(30):
            ids[factory.citizen()["id_number"]] += 1
    assert max(ids.values()) == 1


def test_officers_receive_process_and_complete_the_dossiers(world: dict[str, Any]) -> None:
    visits: journeys.Visits = world["visits"]
    for _ in range(2):
        assert visits.run("level3", requests.Session()) == ("ok", None)
    agency = visits.catalogue["level3_fee"][0].agency_code

    def client() -> Any:
        return emulator_api(requests.Session(), world["info"].services, namespace=world["ns"]).officer

    team = journeys.OfficerTeam.create(world["control"], client, agency, "t.team", random.Random(2))
    team.round()
    assert team.done.get("receive", 0) >= 1 and team.done.get("process", 0) >= 1 and team.done.get("result", 0) >= 1
    assert team.done.get("return", 0) >= 1   # level 3, result at the counter: handed over in the same round


def test_the_consistency_check_finds_what_the_emulator_does_not_have(world: dict[str, Any]) -> None:
    visits: journeys.Visits = world["visits"]
    assert visits.run("level4", requests.Session()) == ("ok", None)
    info, ns = world["info"], world["ns"]
    ledger = {"submissions": list(visits.ledger.submissions), "payments": list(visits.ledger.payments)}
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
    items = _without_post(world["items"])
    catalogue = journeys.plan_catalogue(items, ("browse", "level3", "level4", "track"), officers=True)
    assert catalogue["level4_online"] and all(p.level == 4 and p.fee > 0 for p in catalogue["level4_online"])
    assert catalogue["level3_fee"] and catalogue["browse"] and "level4_post" not in catalogue
    with pytest.raises(journeys.CatalogueCannotServe) as refused:
        journeys.plan_catalogue(items, ("level3", "level4_post"))
    assert set(refused.value.missing) == {"level4_post"} and "result by post" in refused.value.missing["level4_post"]
    with pytest.raises(journeys.CatalogueCannotServe) as refused:
        journeys.plan_catalogue(items, ("browse",), officers=True)
    assert set(refused.value.missing) == {"officers"}


def test_a_level_4_visit_goes_without_the_post_when_the_catalogue_has_one(world: dict[str, Any]) -> None:
    items = world["items"]
    online = [i for i in items if i["level"] == 4 and i["tier"] == "province" and i["fee"]["timing"] == "before"]
    assert len(online) >= 2 and all(i["result_by_post"] for i in online)     # the emulator's: all by post
    without = online[-1]["code"]
    items = [{**i, "result_by_post": False} if i["code"] == without else i for i in items]
    catalogue = journeys.plan_catalogue(items, ("level4",))
    assert catalogue["level4_online"][0].code == without        # the one without the post comes first


def test_a_citizen_returns_in_one_visit_at_a_time() -> None:
    """Two visits of one citizen at once would each see the other's dossiers appear: a returning citizen is held
    by the visit that has it, and free again once it ends."""
    pool = journeys.AccountPool()
    for n in range(2):
        pool.add({"username": f"c{n}"}).codes.append(f"D{n}")
    rng = random.Random(3)
    first = pool.pick(rng, with_dossiers=True, lease=True)
    second = pool.pick(rng, with_dossiers=True, lease=True)
    assert first and second and first.account["username"] != second.account["username"]
    assert pool.pick(rng, lease=True) is None                      # both are out
    pool.release([first.account["username"]])
    assert pool.pick(rng, lease=True) is first


def test_a_returning_citizen_is_found_however_few_of_the_pool_fit() -> None:
    """The pool draws at random, and scans when the draws keep missing: the one citizen of a thousand with a
    dossier, free, is found; leased, nobody is."""
    pool = journeys.AccountPool()
    for n in range(1000):
        pool.add({"username": f"c{n}"})
    pool.submitted("c617", "D1")
    rng = random.Random(5)
    found = pool.pick(rng, with_dossiers=True, lease=True)
    assert found is not None and found.account["username"] == "c617"
    assert pool.pick(rng, with_dossiers=True, lease=True) is None
    assert len({pool.pick(rng).account["username"] for _ in range(50)}) > 10      # without a dossier: anyone


def test_the_load_logs_in_through_vneid_with_auto_approval(world: dict[str, Any]) -> None:
    """Today's world: the load's visitors log in through DVCQG's VNeID log-in; nobody holds their phones, so the
    load turns the namespace's auto-approval on and no approval waits."""
    visits: journeys.Visits = world["visits"]
    assert visits.world is not None and visits.world.citizens_use_vneid and visits.auto_approval
    session = CountingSession()
    assert visits.run("sso_first_log_in", session) == ("ok", None)
    vneid = world["info"].url("vneid")
    assert any(m == "POST" and u.startswith(vneid + "/oauth2/authorize") for m, u in session.seen), session.seen
    [citizen] = visits.citizens.pool.citizens
    platform = visits.platform
    account = platform.national.account(citizen.account["username"])
    assert account is not None and account["linked_to_vneid"] and account["identity_level"] == 2
    assert platform.vneid.pending() == [] and citizen.account["log_in"] == "vneid"


@IN_2022
def test_the_2022_world_s_load_registers_and_logs_in_with_dvcqg_passwords(world: dict[str, Any]) -> None:
    visits: journeys.Visits = world["visits"]
    assert visits.world is not None and not visits.world.citizens_use_vneid and not visits.auto_approval
    session = CountingSession()
    assert visits.run("sso_first_log_in", session) == ("ok", None)
    assert not any(u.startswith(world["info"].url("vneid")) for _, u in session.seen)
    [citizen] = visits.citizens.pool.citizens
    account = visits.platform.national.account(citizen.account["username"])
    assert account is not None and not account["linked_to_vneid"]


def test_a_first_visit_to_track_submits_then_tracks_in_one_session(world: dict[str, Any]) -> None:
    """Nobody of the process has submitted yet: the visitor submits first, logged in, then tracks without logging
    in again (the national session is open: a second VNeID log-in would find no form to fill)."""
    visits: journeys.Visits = world["visits"]
    assert visits.citizens.pool.pick(random.Random(0), with_dossiers=True) is None
    assert visits.run("track", CountingSession()) == ("ok", None)


def test_a_citizen_new_to_vneid_is_held_by_its_visit_until_it_ends() -> None:
    """A visit's new citizen is its alone: another visit that leased it would log in meanwhile and add to the
    log-ins the visit counts (sso_links_local_account saw a third one)."""
    from types import SimpleNamespace

    pool = journeys.AccountPool()
    citizens = journeys.LoadCitizens(pool, control=object(), new_account_share=1.0)   # type: ignore[arg-type]
    ready = SimpleNamespace(ready_account=lambda account: {**account, "username": "079200000001", "log_in": "vneid"})
    ctx = SimpleNamespace(rng=random.Random(1), uses_vneid=True, platform=ready,
                          data=SimpleNamespace(citizen=lambda: {"full_name": "Nguyễn Văn A"}))
    account = citizens.new(ctx, fresh=True)                                              # type: ignore[arg-type]
    assert pool.pick(random.Random(2), lease=True) is None
    citizens.done(ctx)                                                                   # type: ignore[arg-type]
    again = pool.pick(random.Random(2), lease=True)
    assert again is not None and again.account["username"] == account["username"]


class BankSilentSession(requests.Session):
    """The bank never answers the checkout: each payment is left pending at the platform."""

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        data = kwargs.get("data")
        if method == "POST" and isinstance(data, dict) and data.get("action") == "pay":
            kwargs["data"] = {**data, "action": "timeout"}
        return super().request(method, url, *args, **kwargs)


def test_a_returning_citizen_whose_payment_is_pending_sees_the_result_held(world: dict[str, Any]) -> None:
    """A level-4 visit whose bank never answered leaves its dossier unpaid, its payment pending (no second
    checkout offered). The fee is still owed online, so the result is held (6) when a later visit tracks it."""
    visits: journeys.Visits = world["visits"]
    outcome, why = visits.run("level4", BankSilentSession())
    assert outcome == "failed", why
    [citizen] = visits.citizens.pool.citizens
    [code] = citizen.codes
    mine = [t for t in visits.platform.payment.transactions() if (t.get("receipt_info") or {}).get("MaHoSo") == code]
    assert [t["status"] for t in mine] == [3], mine             # TrangThaiGD 3: pending
    assert visits.run("track", requests.Session()) == ("ok", None)
    assert ProvincialClient(world["info"].services["provincial"], namespace=world["ns"]).lookup(code)["status"] == 6


class OfficersAtOnce(requests.Session):
    """The officers of the dossier's agency work it as soon as it is submitted, before the citizen looks again:
    received, processed, its result recorded (held for the fee owed online)."""

    def __init__(self, world: dict[str, Any]) -> None:
        super().__init__()
        self.world, self.teams = world, 0

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        answer = super().request(method, url, *args, **kwargs)
        if method == "POST" and url.endswith("/api/v1/dossiers") and answer.status_code == 201:
            self.teams += 1
            team = journeys.OfficerTeam.create(
                self.world["control"], lambda: emulator_api(requests.Session(), self.world["info"].services,
                                                            namespace=self.world["ns"]).officer,
                answer.json()["agency_code"], f"t.at-once.{id(self)}.{self.teams}", random.Random(3))
            team.round()
            assert team.done.get("result") == 1, team.done
        return answer


@pytest.mark.parametrize("journey", ["level4", "level4_post"])
def test_a_visit_beside_officers_at_work_takes_a_dossier_they_took_up_at_once(world: dict[str, Any],
                                                                              journey: str) -> None:
    """Under load, the run's officer teams may receive, process and record a dossier's result between its
    submission and the citizen's next look. Alone, a journey holds its new dossier to "Mới đăng ký"; beside
    officers at work, a dossier they took up is no failure of the portal, and the journey goes on to pay."""
    visits: journeys.Visits = world["visits"]
    outcome, why = visits.run(journey, OfficersAtOnce(world))
    assert outcome == "failed" and why and "a new dossier shows 'Yêu cầu thực hiện nghĩa vụ tài chính'" in why, why
    visits.officers_at_work = True
    assert visits.run(journey, OfficersAtOnce(world)) == ("ok", None)


class OfficersBeforeTheLookUp(requests.Session):
    """The officers of the dossier's agency work it once, between the citizen's look at its page and the public
    look-up by code."""

    def __init__(self, world: dict[str, Any]) -> None:
        super().__init__()
        self.world = world
        self.done: dict[str, int] | None = None

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if self.done is None and method == "GET" and "/api/v1/lookup/" in url:
            agency = url.rsplit("/", 1)[-1].split("-")[0]
            team = journeys.OfficerTeam.create(
                self.world["control"], lambda: emulator_api(requests.Session(), self.world["info"].services,
                                                            namespace=self.world["ns"]).officer,
                agency, f"t.before-look.{id(self)}", random.Random(4))
            team.round()
            self.done = team.done
        return super().request(method, url, *args, **kwargs)


@pytest.mark.parametrize("officers_at_work", [False, True], ids=["alone", "beside-officers"])
def test_a_track_visit_beside_officers_at_work_takes_a_look_up_that_moved_on(world: dict[str, Any],
                                                                            officers_at_work: bool) -> None:
    """The look-ups come after the citizen's page: officers may move the dossier on in between. Alone, the track
    journey holds the look-ups to the page's status; beside officers at work, a later status is no failure."""
    visits: journeys.Visits = world["visits"]
    assert visits.run("level3", requests.Session()) == ("ok", None)
    visits.officers_at_work = officers_at_work
    session = OfficersBeforeTheLookUp(world)
    outcome, why = visits.run("track", session)
    assert session.done and session.done.get("receive") == 1, session.done
    if officers_at_work:
        assert (outcome, why) == ("ok", None)
    else:
        assert outcome == "failed" and why and "the provincial look-up shows" in why, why


SAMPLE_FILES_OF_A_PROCESS = """
import sys, tempfile
tempfile.tempdir = sys.argv[1]
from load import journeys
from load.api import emulator_api
from scenarios.journeys import Catalogue
visits = journeys.Visits.build(emulator_api, {}, "ns", None, Catalogue({}), journeys.LoadDataFactory(block=0, seed=1))
print(visits.files.pdf.parent, flush=True)
"""


def test_the_visits_sample_files_go_with_them_and_with_the_process(tmp_path: Any) -> None:
    """One folder of sample files per load process: removed when the visits go, or when the process exits
    (a Locust process never lets its visits go); a machine that runs loads all day keeps none of them."""
    import gc
    import subprocess
    import sys
    import tempfile

    from scenarios.journeys import Catalogue

    before, tempfile.tempdir = tempfile.tempdir, str(tmp_path)
    try:
        visits = journeys.Visits.build(emulator_api, {}, "ns", None, Catalogue({}),
                                       journeys.LoadDataFactory(block=0, seed=1))
    finally:
        tempfile.tempdir = before
    folder = visits.files.pdf.parent
    assert folder.parent == tmp_path and all(f.is_file() for f in (*visits.files.good, visits.files.fake_pdf))
    del visits
    gc.collect()
    assert not folder.exists()

    done = subprocess.run([sys.executable, "-c", SAMPLE_FILES_OF_A_PROCESS, str(tmp_path)], capture_output=True,
                          text=True, timeout=120, check=True)
    printed = done.stdout.strip()
    assert printed.startswith(str(tmp_path / "dvc-load-files-")), done
    assert list(tmp_path.iterdir()) == [], "the load process left its sample files behind"
