"""The journeys of the load users: plain functions over the harness's clients (load.api.LoadPortals).

They run under Locust (each visitor's clients over a Locust HttpSession, so every request is
measured) and in plain tests (a `requests.Session`). Each journey is what one visitor does
in one visit; between steps the visitor thinks (`Visitor.think`).

- browse: the home page and the catalogue (list, search, a procedure, the agencies), anonymous;
- level3 / level4 / level4_post: log in through the national SSO (registering first when the
  visitor is new: the one-time code is read from the national outbox), find the procedure,
  submit the dossier with its documents, pay the fee online (level 4), choose the postal return
  (level4_post), then track it;
- track: a returning citizen logs in and looks at their dossiers, and looks one up;
- officer_round: a desk officer receives new dossiers, a specialist processes them and records
  the result, the desk hands results over at the counter.

Every submission that got a success answer, and every payment the checkout confirmed, goes
into the `Ledger`, which the consistency check compares with the emulator after the run.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from harness.clients import ClientError, sample_attachments, sample_form
from harness.procedure_needs import NEEDS
from harness.testdata import DataFactory
from mocks.core.identifiers import compose_citizen_id

from .api import Control, LoadPortals, OfficerClient
from .profiles import SUBMITTING

# The blocks of ID numbers: each load process (worker index) owns one, so citizens never collide
# across processes and machines: 20 processes × 50,000 citizens per run (the namespace is the run's).
ID_BLOCKS = 20
ID_BLOCK_SIZE = 50_000


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


@dataclass
class Citizen:
    username: str
    password: str
    full_name: str
    phone: str
    codes: list[str] = field(default_factory=list)


class AccountPool:
    """The citizens this process registered: returning visitors log in as one of them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.citizens: list[Citizen] = []

    def add(self, citizen: Citizen) -> None:
        with self._lock:
            self.citizens.append(citizen)

    def pick(self, rng: random.Random, *, with_dossiers: bool = False) -> Citizen | None:
        with self._lock:
            found = [c for c in self.citizens if c.codes] if with_dossiers else self.citizens
            return rng.choice(found) if found else None


# What each journey needs of the catalogue (harness.procedure_needs): a journey is served when its need finds a
# procedure. `track` falls back on browsing until the process has citizens with dossiers.
JOURNEY_NEEDS = {"browse": NEEDS["browse"], "track": NEEDS["browse"], "level3": NEEDS["level3"],
                 "level4": NEEDS["level4_online"], "level4_post": NEEDS["level4_post"]}
BROWSE_KEYS = ("code", "national_code", "name", "tier")     # what a browsing visit reads of an item


class CatalogueCannotServe(LookupError):
    """Journeys of the mix that the portal's catalogue has no procedure for."""

    def __init__(self, missing: Mapping[str, str]) -> None:
        self.missing = dict(missing)
        super().__init__("; ".join(f"the journey {kind} needs {what}, and the catalogue has none"
                                   for kind, what in self.missing.items()))


@dataclass(frozen=True)
class Picks:
    """The catalogue items each journey uses, read once before the run (outside the measurements)."""

    level3: tuple[dict[str, Any], ...] = ()
    level4: tuple[dict[str, Any], ...] = ()
    level4_post: tuple[dict[str, Any], ...] = ()
    browse: tuple[dict[str, Any], ...] = ()

    @property
    def agencies(self) -> list[str]:
        """The agencies the submissions go to, in a stable order (officer teams are spread over them)."""
        seen: dict[str, None] = {}
        for item in (*self.level4_post, *self.level4, *self.level3):
            seen.setdefault(item["agency_code"], None)
        return list(seen)

    @classmethod
    def from_catalogue(cls, items: list[dict[str, Any]], journeys: Iterable[str] = JOURNEY_NEEDS, *,
                       officers: bool = False, per_kind: int = 4) -> Picks:
        """The procedures of the `journeys` (the mix's), each chosen by what that journey needs.

        Raises CatalogueCannotServe naming every journey the catalogue has nothing for (and officer teams,
        which need a submitting journey's agency)."""
        wanted = set(journeys)
        missing: dict[str, str] = {}
        found: dict[str, list[dict[str, Any]]] = {}
        for kind in ("level3", "level4", "level4_post", "browse"):
            users = [k for k in wanted if k == kind or (kind == "browse" and k == "track")]
            if not users:
                continue
            chosen = list(JOURNEY_NEEDS[kind].select(items))
            if kind == "level4":    # a level-4 visit without the post, where the catalogue has one
                chosen.sort(key=lambda item: bool(item.get("result_by_post")))
            if not chosen:
                missing.update({k: JOURNEY_NEEDS[k].describe() for k in users})
            found[kind] = [dict(i) for i in chosen[: 200 if kind == "browse" else per_kind]]
        if officers and not any(found.get(k) for k in SUBMITTING):
            missing["officers"] = "dossiers to work on: a submitting journey (level3, level4, level4_post) in the mix"
        if missing:
            raise CatalogueCannotServe(missing)
        browse = tuple({k: i.get(k) for k in BROWSE_KEYS} for i in found.get("browse", ()))
        return cls(tuple(found.get("level3", ())), tuple(found.get("level4", ())), tuple(found.get("level4_post", ())),
                   browse)

    def to_json(self) -> dict[str, Any]:
        return {"level3": list(self.level3), "level4": list(self.level4), "level4_post": list(self.level4_post),
                "browse": list(self.browse)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Picks:
        return cls(*(tuple(data.get(k) or ()) for k in ("level3", "level4", "level4_post", "browse")))


def read_picks(portals: LoadPortals, journeys: Iterable[str], *, officers: bool = False) -> Picks:
    """The mix's procedures from the portal's catalogue, through its own client (`--api`)."""
    return Picks.from_catalogue(portals.provincial.procedures(limit=1000)["items"], journeys, officers=officers)


@dataclass
class Visitor:
    """One visitor's clients and what the process shares."""

    portals: LoadPortals
    data: DataFactory
    picks: Picks
    pool: AccountPool
    ledger: Ledger
    control: Control | None
    rng: random.Random
    think_s: tuple[float, float] = (0.0, 0.0)
    new_account_share: float = 0.3
    sleep: Callable[[float], None] = time.sleep

    def think(self) -> None:
        low, high = self.think_s
        if high > 0:
            self.sleep(self.rng.uniform(low, high))


# -- the citizen journeys ----------------------------------------------------------------------------------
def _search_word(item: Mapping[str, Any]) -> str:
    words = [w for w in str(item["name"]).split() if len(w) > 3]
    return " ".join(words[:2]) or str(item["national_code"])


def browse(v: Visitor) -> None:
    p = v.portals.provincial
    p.home()
    v.think()
    p.procedures()
    v.think()
    item = v.rng.choice(v.picks.browse)
    p.procedures(q=_search_word(item))
    v.think()
    p.procedure(item["code"])
    v.think()
    p.agencies(item["tier"])


def _register(v: Visitor) -> Citizen:
    if v.control is None:
        raise RuntimeError("registering needs the national emulator's outbox (no admin token)")
    account = v.data.citizen()
    registered = v.portals.national.register(account)
    v.think()
    v.portals.national.confirm(registered["username"], v.control.latest_otp(registered["username"]))
    citizen = Citizen(registered["username"], account["password"], account["full_name"], account["phone"])
    v.pool.add(citizen)
    return citizen


def _log_in(v: Visitor, *, with_dossiers: bool = False) -> Citizen | None:
    citizen = None
    if with_dossiers or v.rng.random() >= v.new_account_share:
        citizen = v.pool.pick(v.rng, with_dossiers=with_dossiers)
    if citizen is None:
        if with_dossiers:
            return None
        citizen = _register(v)
        v.think()
    v.portals.provincial.login_sso(citizen.username, citizen.password)
    return citizen


def _submit(v: Visitor, kind: str) -> None:
    citizen = _log_in(v)
    assert citizen is not None
    p = v.portals.provincial
    item = v.rng.choice(getattr(v.picks, kind))
    v.think()
    p.procedures(q=_search_word(item))
    v.think()
    p.procedure(item["code"])
    v.think()
    options: dict[str, Any] = {"agency_code": item["agency_code"], "form": sample_form(item),
                               "attachments": sample_attachments(item)}
    if kind == "level3":
        options.update(result_delivery="counter", payment_method="counter")
    elif kind == "level4":
        options.update(result_delivery="online" if v.rng.random() < 0.5 else "counter", payment_method="online")
    else:
        options.update(result_delivery="post", payment_method="online",
                       postal_address=v.data.postal_address({"full_name": citizen.full_name, "phone": citizen.phone}))
    dossier = p.submit(item["code"], **options)
    v.ledger.submitted(dossier, citizen.username, {
        "procedure_code": item["code"], "national_code": item.get("national_code"),
        "result_delivery": options["result_delivery"], "payment_method": options["payment_method"],
        "fee_amount": int((item.get("fee") or {}).get("amount") or 0)})
    citizen.codes.append(dossier["code"])
    v.think()
    if kind != "level3":
        _pay(v, dossier["code"])
        v.think()
    p.dossier(dossier["code"])
    v.think()
    p.lookup(dossier["code"])


def _pay(v: Visitor, code: str) -> None:
    started = v.portals.provincial.start_payment(code)
    v.think()
    back = v.portals.payment.checkout(started["payment_url"], bank=v.rng.choice(("VCB", "CTG", "BIDV", "MOMO")))
    if back.get("MaLoi") == "00" and back.get("TrangThaiGD") == "1":
        v.ledger.paid(code, started["reference"], int(started["amount"]), back.get("MaGiaoDich", ""))
    v.portals.provincial.payment_return(back["return_url"])


def level3(v: Visitor) -> None:
    _submit(v, "level3")


def level4(v: Visitor) -> None:
    _submit(v, "level4")


def level4_post(v: Visitor) -> None:
    _submit(v, "level4_post")


def track(v: Visitor) -> None:
    citizen = _log_in(v, with_dossiers=True)
    if citizen is None:  # nobody has submitted yet in this process: a browsing visit instead
        browse(v)
        return
    p = v.portals.provincial
    v.think()
    mine = p.dossiers()
    v.think()
    code = v.rng.choice([d["code"] for d in mine.get("items", [])] or citizen.codes)
    p.dossier(code)
    v.think()
    p.lookup(code)
    v.think()
    v.portals.national.lookup(code)


JOURNEYS: dict[str, Callable[[Visitor], None]] = {
    "browse": browse, "level3": level3, "level4": level4, "level4_post": level4_post, "track": track,
}


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
