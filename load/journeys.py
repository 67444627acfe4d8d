"""The load's visitors: the journeys of scenarios.registry on the API driver, with what a load process shares.

Each visit is one journey run by one visitor over its own HTTP session (under Locust the measured one, so
every request is counted; in plain tests a `requests.Session`), with the visitor's think time between the
journey's steps (harness.steps.Listener). What the visitors share in a load process:

- `LoadCitizens`: where a visit's citizen comes from (a returning one of this process, or one registered
  now, through the measured session);
- the `Ledger`: every submission the portal acknowledged and every payment the checkout confirmed, which the
  consistency check compares with the portal's records after the run;
- the catalogue's procedures of each journey, chosen once before the run (`plan_catalogue`);
- `OfficerTeam`: a desk officer and a specialist of one agency working the dossiers.
"""

from __future__ import annotations

import random
import shutil
import tempfile
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from harness.clients import ClientError, Platform
from harness.procedure_needs import NEEDS
from harness.stack import StackInfo
from harness.steps import Listener, StepUnavailable, lacking, listen, unlisten
from harness.testdata import DataFactory
from mocks.core.identifiers import compose_citizen_id
from mocks.core.world import World, world_on
from scenarios import journeys as steps_of
from scenarios.backoffice import EmulatorBackOffice
from scenarios.context import JourneyContext
from scenarios.journeys import Catalogue, ProcedurePick, make_sample_files
from scenarios.registry import BY_NAME

from .api import Control, OfficerClient

# The blocks of ID numbers: each load process (worker index) owns one, so citizens never collide
# across processes and machines: 20 processes × 50,000 citizens per run (the namespace is the run's).
ID_BLOCKS = 20
ID_BLOCK_SIZE = 50_000
# A visitor waiting for its dossier to move reads it every quarter second: each read is a request the load
# measures, and a citizen does not reload a page twenty times a second.
POLL_S = 0.25


class LoadDataFactory(DataFactory):
    """The harness's Faker-based factory, with ID numbers and tax codes unique across the run's processes."""

    def __init__(self, block: int, seed: int | None = None, *, scope: str | None = None) -> None:
        super().__init__(seed, scope=scope or f"w{block}")
        self.block = block

    def _serial_digits(self, serial: int) -> int:
        if serial >= ID_BLOCK_SIZE:
            raise RuntimeError(f"load process {self.block} made {ID_BLOCK_SIZE} citizens: the run is too long")
        return (self.block % ID_BLOCKS) * ID_BLOCK_SIZE + serial

    def citizen(self, **overrides: Any) -> dict[str, Any]:
        if self.block >= ID_BLOCKS and "birth_date" not in overrides:
            # beyond 20 processes, the birth year tells the blocks apart as well
            year = 1950 + (self.block // ID_BLOCKS) % 50
            overrides["birth_date"] = f"{year}-{self.faker.random_int(1, 12):02d}-{self.faker.random_int(1, 28):02d}"
            account = super().citizen(**overrides)
            account["id_number"] = compose_citizen_id(account["id_number"][:3], account["gender"], year,
                                                      int(account["id_number"][-6:]))
            return account
        return super().citizen(**overrides)


# -- what the visitors share in one load process -------------------------------------------------------
class Ledger:
    """What the visitors were told succeeded: submissions (with their codes) and confirmed payments."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.submissions: list[dict[str, Any]] = []
        self.payments: list[dict[str, Any]] = []

    def submitted(self, dossier: Mapping[str, Any], applicant: str, sent: Mapping[str, Any] | None = None) -> None:
        """A submission the portal acknowledged; `sent`: what the visitor asked for (procedure_code,
        result_delivery, payment_method, fee_amount), which the consistency check compares with the record."""
        with self._lock:
            self.submissions.append({"code": dossier["code"], "procedure_code": dossier.get("procedure_code"),
                                     "applicant": applicant, "at": time.time(), "sent": dict(sent or {})})

    def paid(self, dossier_code: str, reference: str, amount: int, transaction_id: str) -> None:
        with self._lock:
            self.payments.append({"dossier_code": dossier_code, "reference": reference, "amount": amount,
                                  "transaction_id": transaction_id, "at": time.time()})

    def drain(self) -> dict[str, list[dict[str, Any]]]:
        with self._lock:
            out = {"submissions": self.submissions, "payments": self.payments}
            self.submissions, self.payments = [], []
        return out

    def extend(self, part: Mapping[str, Any]) -> None:
        with self._lock:
            self.submissions.extend(part.get("submissions", ()))
            self.payments.extend(part.get("payments", ()))

    def listener(self, applicant: str) -> LedgerListener:
        return LedgerListener(self, applicant)


@dataclass
class LedgerListener:
    """Told by the API driver of one visitor's acknowledged submissions and confirmed payments."""

    ledger: Ledger
    applicant: str

    def submitted(self, dossier: Mapping[str, Any], item: Mapping[str, Any], body: Mapping[str, Any]) -> None:
        self.ledger.submitted(dossier, self.applicant, {
            "procedure_code": item.get("code"), "national_code": item.get("national_code"),
            "result_delivery": body.get("result_delivery"), "payment_method": body.get("payment_method"),
            "fee_amount": int((item.get("fee") or {}).get("amount") or 0)})

    def paid(self, payment: Mapping[str, Any]) -> None:
        self.ledger.paid(str(payment["dossier_code"]), str(payment["reference"]), int(payment["amount"]),
                         str(payment.get("transaction_id", "")))


@dataclass
class Citizen:
    account: dict[str, Any]             # the registration, with `username`
    codes: list[str] = field(default_factory=list)


class AccountPool:
    """The citizens this process registered: returning visitors log in as one of them, one visit at a time (two
    visits of one citizen at once would see each other's dossiers appear)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.citizens: list[Citizen] = []
        self._by_username: dict[str, Citizen] = {}
        self._busy: set[str] = set()

    def add(self, account: Mapping[str, Any]) -> Citizen:
        with self._lock:
            found = self._by_username.get(str(account["username"]))
            if found is None:
                found = self._by_username[str(account["username"])] = Citizen(dict(account))
                self.citizens.append(found)
            return found

    def submitted(self, username: str, code: str) -> None:
        with self._lock:
            found = self._by_username.get(username)
            if found is not None:
                found.codes.append(code)

    def pick(self, rng: random.Random, *, with_dossiers: bool = False, lease: bool = False) -> Citizen | None:
        """A citizen (with dossiers); `lease`: one no other visit holds, held until `release`."""
        with self._lock:
            def fits(c: Citizen) -> bool:
                return bool(c.codes or not with_dossiers) and not (lease and c.account["username"] in self._busy)

            # a few random draws find one at once (most fit); the pool grows all run long, and a scan of it for
            # every visit cost more and more. Either way each citizen that fits is as likely as the others.
            chosen = None
            for _ in range(min(len(self.citizens), 8)):
                drawn = rng.choice(self.citizens)
                if fits(drawn):
                    chosen = drawn
                    break
            else:
                found = [c for c in self.citizens if fits(c)]
                chosen = rng.choice(found) if found else None
            if chosen is not None and lease:
                self._busy.add(chosen.account["username"])
            return chosen

    def hold(self, username: str) -> None:
        with self._lock:
            self._busy.add(username)

    def release(self, usernames: Iterable[str]) -> None:
        with self._lock:
            self._busy.difference_update(usernames)


class LoadCitizens:
    """The citizens of the load's visits: a returning one of this process, or (for `new_account_share` of the
    visits, and whenever the journey needs a citizen new to the province) one registered now, through the
    visitor's measured session, with the one-time code from the national emulator's outbox."""

    def __init__(self, pool: AccountPool, control: Control | None, new_account_share: float) -> None:
        self.pool = pool
        self.control = control
        self.new_account_share = new_account_share
        self.holding: dict[int, list[str]] = {}     # a visit (its context) -> the citizens it holds

    def new(self, ctx: JourneyContext, *, fresh: bool = False) -> dict[str, Any]:
        if not fresh and ctx.rng.random() >= self.new_account_share:
            found = self.pool.pick(ctx.rng, lease=True)
            if found is not None:
                return self._held(ctx, found.account)
        if self.control is None:
            raise RuntimeError("registering needs the national emulator's outbox (no admin token)")
        account = ctx.data.citizen()
        if ctx.uses_vneid:      # an electronic identity (the VNeID app's, unmeasured): DVCQG makes the account at
            ready = ctx.platform.ready_account(account)                           # the first log-in
            self.pool.hold(str(ready["username"]))     # this visit's alone, as a registered one is
            return self._held(ctx, self.pool.add(ready).account)
        national = ctx.portals.seam.national
        username = str(national.register(account)["username"])
        national.confirm(username, self.control.latest_otp(username))
        self.pool.hold(username)
        return self._held(ctx, self.pool.add({**account, "username": username}).account)

    def _held(self, ctx: JourneyContext, account: dict[str, Any]) -> dict[str, Any]:
        self.holding.setdefault(id(ctx), []).append(str(account["username"]))
        return account

    def done(self, ctx: JourneyContext) -> None:
        """The visit is over: its citizens may return in other visits."""
        self.pool.release(self.holding.pop(id(ctx), []))

    def registered(self, ctx: JourneyContext, citizen: Mapping[str, Any]) -> None:
        self.pool.hold(str(citizen["username"]))
        self._held(ctx, self.pool.add(citizen).account)

    def log_in(self, ctx: JourneyContext, citizen: Mapping[str, Any]) -> None:
        if ctx.logged_in == citizen["username"]:   # this visit logged them in already (`returning`): the national
            ctx.portals.provincial.home()          # session is open, the SSO asks nothing
            ctx.portals.provincial.expect_logged_in(str(citizen["full_name"]))
            return
        steps_of.log_in_provincial(ctx.portals, citizen, app=ctx.app)

    def returning(self, ctx: JourneyContext) -> tuple[dict[str, Any], str]:
        found = self.pool.pick(ctx.rng, with_dossiers=True, lease=True)
        if found is not None:
            return self._held(ctx, found.account), ctx.rng.choice(found.codes)
        # nobody of this process has submitted yet: this visitor submits first (measured, as it is a visit)
        citizen = self.new(ctx, fresh=True)
        steps_of.log_in_provincial(ctx.portals, citizen, app=ctx.app)
        ctx.logged_in = str(citizen["username"])
        code = steps_of.submit_level3_dossier(ctx.portals, ctx.platform, ctx.procedure("level3_fee"), ctx.files)
        return citizen, code


# -- the catalogue, chosen once before the run ----------------------------------------------------------------------
PER_KIND = {"browse": 50}           # procedures of each kind the visits spread over (4 of the others)


class CatalogueCannotServe(LookupError):
    """Journeys of the mix that the portal's catalogue has no procedure for."""

    def __init__(self, missing: Mapping[str, str]) -> None:
        self.missing = dict(missing)
        super().__init__("; ".join(f"the journey {kind} needs {what}, and the catalogue has none"
                                   for kind, what in self.missing.items()))


def plan_catalogue(items: list[dict[str, Any]], journeys: Iterable[str], *, officers: bool = False) -> Catalogue:
    """The procedures of the mix's journeys, each kind chosen by what the journeys that use it need.

    Raises CatalogueCannotServe naming every journey the catalogue has nothing for (and officer teams, which
    need a submitting journey's agency)."""
    wanted = [BY_NAME[name] for name in journeys]
    kinds = {kind for journey in wanted for kind in journey.procedures}
    catalogue = Catalogue()
    for kind in sorted(kinds):
        found = list(steps_of.picks_for(items, NEEDS[kind], most=len(items)))
        if kind == "level4_online":     # a level-4 payment without the post, where the catalogue has one
            found.sort(key=lambda pick: pick.result_by_post)
        catalogue[kind] = tuple(found[:PER_KIND.get(kind, 4)])
    missing = {j.name: " and ".join(NEEDS[k].describe() for k in j.procedures if not catalogue.get(k))
               for j in wanted if any(not catalogue.get(k) for k in j.procedures)}
    if officers and not agencies_of(catalogue):
        missing["officers"] = "dossiers to work on: a submitting journey (level3, level4, level4_post...) in the mix"
    if missing:
        raise CatalogueCannotServe(missing)
    return catalogue


SUBMITTED_KINDS = ("level4_post", "level4_online", "level3_fee")


def agencies_of(catalogue: Mapping[str, tuple[ProcedurePick, ...]]) -> list[str]:
    """The agencies the submissions go to, in a stable order (officer teams are spread over them)."""
    seen: dict[str, None] = {}
    for kind in SUBMITTED_KINDS:
        for pick in catalogue.get(kind, ()):
            seen.setdefault(pick.agency_code, None)
    return list(seen)


def catalogue_json(catalogue: Mapping[str, tuple[ProcedurePick, ...]]) -> dict[str, list[dict[str, Any]]]:
    return {kind: [asdict(p) for p in picks] for kind, picks in catalogue.items()}


def catalogue_from_json(data: Mapping[str, Any]) -> Catalogue:
    return Catalogue({kind: tuple(ProcedurePick(**p) for p in picks) for kind, picks in data.items()})


def read_catalogue(portals: Any, journeys: Iterable[str], *, officers: bool = False) -> Catalogue:
    """The mix's procedures from the portal's catalogue, through its own HTTP layer (`--api`)."""
    return plan_catalogue(list(portals.provincial.procedures(limit=1000)["items"]), journeys, officers=officers)


# -- one visit ----------------------------------------------------------------------------------------------------
@dataclass
class Visits:
    """What a load process's visits share, and how one is run."""

    factory: Callable[..., Any]         # the --api factory (scenarios.api.seam): a visitor's HTTP clients
    services: Mapping[str, str]
    namespace: str
    admin_token: str | None
    platform: Any                       # harness.clients.Platform: the emulators' test control, unmeasured
    back_office: Any                    # the emulator's back office, when the portal is the emulator
    catalogue: Catalogue
    data: DataFactory
    files: Any                          # scenarios.journeys.SampleFiles
    citizens: LoadCitizens
    ledger: Ledger
    rng: random.Random
    think_s: tuple[float, float] = (0.0, 0.0)
    sleep: Callable[[float], None] = time.sleep
    world: World | None = None          # the namespace's world (mocks.core.world): how its citizens log in
    auto_approval: bool = False         # the namespace's VNeID app approves every log-in at once
    officers_at_work: bool = False      # the run's officer teams work the back office beside the visitors

    @classmethod
    def build(cls, factory: Callable[..., Any], services: Mapping[str, str], namespace: str, admin_token: str | None,
              catalogue: Catalogue, data: DataFactory, *, pool: AccountPool | None = None,
              ledger: Ledger | None = None, emulator: bool = True, new_account_share: float = 0.3,
              rng: random.Random | None = None, http: Callable[[], Any] | None = None, **options: Any) -> Visits:
        """The visits of one load process: the emulators' test control and back office (when there is an admin
        token; the back office only when the portal is the emulator), sample files, the citizens' pool.
        `http()` makes the sessions of the test control (a requests.Session by default)."""
        platform = back_office = control = None
        if admin_token:
            info = StackInfo(services=dict(services), admin_token=admin_token, oidc_client={}, payment_partner={},
                             postal={}, sync={})
            platform = Platform.connect(info, namespace=namespace, session=http() if http else None)
            control = Control(services, namespace, admin_token, session=http() if http else None)
            if emulator:
                back_office = EmulatorBackOffice(services["provincial"], namespace=namespace, admin_token=admin_token,
                                                 session=http() if http else None)
        world, auto_approval = None, False
        if platform is not None:
            world = world_on(date.fromisoformat(str(platform.national.world()["day"])))
            data.two_levels = world.two_tiers       # the test data's addresses are the world's (two levels from 2025)
            if world.citizens_use_vneid and platform.vneid is not None:
                # nobody holds the visitors' phones: the namespace's VNeID app approves every log-in at once
                auto_approval = platform.vneid.auto_approve(True)
        folder = Path(tempfile.mkdtemp(prefix="dvc-load-files-"))
        citizens = LoadCitizens(pool or AccountPool(), control, new_account_share)
        visits = cls(factory=factory, services=services, namespace=namespace, admin_token=admin_token,
                     platform=platform, back_office=back_office, catalogue=catalogue, data=data,
                     files=make_sample_files(folder), citizens=citizens, ledger=ledger or Ledger(),
                     rng=rng or random.Random(), world=world, auto_approval=auto_approval, **options)
        # the sample files go with the visits, or when the process exits: a folder per load process in the
        # system's temporary folder, not one more for every run of the machine's life
        weakref.finalize(visits, shutil.rmtree, folder, ignore_errors=True)
        return visits

    def think(self, _step: str = "") -> None:
        low, high = self.think_s
        if high > 0:
            self.sleep(self.rng.uniform(low, high))

    def context(self, session: Any) -> JourneyContext:
        """A new visitor: its own session (cookie jar) and portals, over the API driver."""
        from scenarios.api import api_portals

        bundle = self.factory(session, dict(self.services), namespace=self.namespace, admin_token=self.admin_token)
        portals = api_portals(bundle, sleep=self.sleep, poll_s=POLL_S)
        back_office = getattr(bundle, "back_office", None) or self.back_office
        return JourneyContext(driver="load", portals=lacking_parts(portals), platform=self.platform,
                              back_office=lacking(back_office, "the portal's back office") if back_office else None,
                              catalogue=self.catalogue, data=self.data, files=self.files, citizens=self.citizens,
                              rng=self.rng, world=self.world, auto_approval=self.auto_approval,
                              officers_at_work=self.officers_at_work)

    def run(self, name: str, session: Any) -> tuple[str, str | None]:
        """One visit: (outcome, why) — ok; failed (an error answer, a connection error, a check that did not
        hold: `why`); skipped (what the portal lacks: `why`)."""
        ctx = self.context(session)
        provincial = ctx.portals.provincial
        getattr(provincial, "listeners", []).append(_VisitListener(self))
        token = listen(Listener(before=self.think))
        try:
            BY_NAME[name].run(ctx)
        except StepUnavailable as exc:
            return "skipped", str(exc)
        except (ClientError, AssertionError, OSError) as exc:
            return "failed", f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
        except Exception as exc:   # requests' errors, and whatever a team's HTTP layer raises
            if type(exc).__module__.startswith(("requests", "urllib3", "geventhttpclient", "locust")):
                return "failed", f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
            raise
        finally:
            unlisten(token)
            self.citizens.done(ctx)
        return "ok", None


def lacking_parts(portals: Any) -> Any:
    """The portals with each part's NotImplementedError turned into a skip naming the method."""
    for part, owner in (("provincial", "the portal's HTTP layer"), ("national", "the national client"),
                        ("payment", "the payment client"), ("postal", "the postal client")):
        setattr(portals, part, lacking(getattr(portals, part), owner))
    return portals


@dataclass
class _VisitListener:
    """Told by the API driver of what the portal acknowledged in one visit: into the ledger, and the pool."""

    visits: Visits

    def submitted(self, dossier: Mapping[str, Any], item: Mapping[str, Any], body: Mapping[str, Any], *,
                  applicant: str = "") -> None:
        LedgerListener(self.visits.ledger, applicant).submitted(dossier, item, body)
        self.visits.citizens.pool.submitted(applicant, str(dossier["code"]))

    def paid(self, payment: Mapping[str, Any], *, applicant: str = "") -> None:
        LedgerListener(self.visits.ledger, applicant).paid(payment)


# -- the back office -----------------------------------------------------------------------------------------
@dataclass
class OfficerTeam:
    """A desk officer and a specialist of one agency, each with their own session."""

    agency_code: str
    desk: OfficerClient
    specialist: OfficerClient
    rng: random.Random
    think_s: tuple[float, float] = (0.0, 0.0)
    per_round: int = 3
    sleep: Callable[[float], None] = time.sleep
    done: dict[str, int] = field(default_factory=dict)

    def think(self) -> None:
        low, high = self.think_s
        if high > 0:
            self.sleep(self.rng.uniform(low, high))

    @classmethod
    def create(cls, control: Control, make_client: Callable[[], OfficerClient], agency_code: str, name: str,
               rng: random.Random, **options: Any) -> OfficerTeam:
        clients = []
        for role in ("desk", "specialist"):
            made = control.create_officer(f"{name}.{role}", f"Cán bộ thử tải {name}", agency_code, role)
            client = make_client()
            client.login(made["username"], made["password"])
            clients.append(client)
        return cls(agency_code, clients[0], clients[1], rng, **options)

    def _each(self, client: OfficerClient, status: int, action: str, body: dict[str, Any] | None = None,
              keep: Callable[[dict[str, Any]], bool] = lambda d: True) -> None:
        listed = client.dossiers(status=status, limit=self.per_round * 3)["items"]
        candidates = [d for d in listed if keep(d)]
        self.rng.shuffle(candidates)  # several teams of one agency pick different dossiers first
        for dossier in candidates[: self.per_round]:
            self.think()
            try:
                client.act(dossier["code"], action, body)
            except ClientError as exc:
                if exc.status != 409:  # 409: another officer moved it first; the back office's normal answer
                    raise
                continue
            self.done[action] = self.done.get(action, 0) + 1

    def round(self) -> None:
        self._each(self.desk, 1, "receive")
        self.think()
        self._each(self.specialist, 2, "process")
        self.think()
        self._each(self.specialist, 4, "result",
                   {"documents": [{"name": "Kết quả giải quyết thủ tục hành chính", "number": "TT-2022"}]})
        self.think()
        self._each(self.desk, 9, "return", keep=lambda d: d.get("result_delivery") == "counter")
