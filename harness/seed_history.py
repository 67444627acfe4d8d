"""`dvc-harness seed-history`: a month of historic dossiers, made through the provincial model.

    dvc-harness seed-history --profile quangnam-2022-01 [--state-dir DIR] [--namespace NS] [--set-clock]

A campaign rehearsal starts from the real baseline: the profile (a data file,
`mocks/data/profiles/<province>/history/<name>.json`) gives the period, the dossiers per tier
and the share of them handed in online, the channel mix and what happens to the dossiers.
The seeder is a client of the provincial service: every dossier is made through its model
(`ProvincialPortal`) and the model's own operations and rules — online submission, receipt,
counter and postal entries by the desk, supplement, processing, result, return, rating — each
a move of the transition table, at its moment of the period: the seeder moves a clock of its
own (`mocks.core.clock.Clock.set`, as a test does) and the namespace's clock is not touched.
It writes no table itself. The stack is the one DIR/stack.json names (one is started when none
answers, and stopped at the end).

The model is built for a history (`ProvincialPortal(..., history=True)`): the national sync is
**batched** — instead of the two messages per move of live use (some 40,000 calls), each
agency's dossiers go to the national portal in their final state (`DongBoHoSoMC`, 500 a call)
followed by their progress (`CapNhatTienDoHoSoMC`), through the portal's outbox, so the
national look-up shows every historic dossier with its status and steps in seconds. Notices to
applicants and postal orders of the past are not sent (nobody waits for them; historic postal
returns carry an `EH…VN` waybill the postal emulator never issued).

At the end the command reads the stack's own statistics for the period and checks the
online share of each tier against the profile (within 0.1 percentage point): exit 0 when
they match, 1 when not, 2 when the seeding could not run.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import sys
import time as clock_time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import requests

from mocks import data
from mocks.core.clock import Clock
from mocks.core.config import DEFAULT_STATE_DIR, StackConfig
from mocks.core.outbox import Outbox
from mocks.core.storage import Store
from mocks.core.timefmt import VN_TZ, to_iso
from mocks.provincial.accounts import Account
from mocks.provincial.attachments import Upload
from mocks.provincial.catalogue import TIERS, Agency, Procedure
from mocks.provincial.dossier.entity import DONE, FINANCIAL, RETURNED, Dossier
from mocks.provincial.forms import example_form
from mocks.provincial.model import ProvincialPortal
from mocks.provincial.officers import DESK, LEADER, SPECIALIST, Officer
from mocks.provincial.sending import HistorySending

from .arguments import namespace as namespace_argument
from .stack import Stack, StackError, StackInfo, StateDirTaken, find_running, lock_state_dir, prepare_state_dir
from .testdata import DataFactory

EXIT_OK, EXIT_FAILED, EXIT_ERROR = 0, 1, 2
LOCK_WAIT_SECONDS = 5.0  # how long a `serve` that holds the state folder may take to answer
TOLERANCE_PP = 0.1
COMMIT_EVERY = 400              # dossiers per transaction: the live portal is not held up for long
SAMPLE_PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


# -- the profile ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TierPlan:
    online_share: float
    eligible: int
    level2: int

    @property
    def online(self) -> int:
        return round(self.online_share * self.eligible)


@dataclass(frozen=True)
class HistoryProfile:
    name: str
    province: str
    start: date
    end: date
    seed: int
    tiers: dict[str, TierPlan]
    without: dict[str, frozenset[str]]
    raw: dict[str, Any] = field(repr=False)

    def share(self, section: str, key: str, default: float = 0.0) -> float:
        return float((self.raw.get(section) or {}).get(key, default))


def profile_path(name: str) -> Path:
    found = sorted((data.DATA_DIR / "profiles").glob(f"*/history/{name}.json"))
    if not found:
        known = sorted(p.stem for p in (data.DATA_DIR / "profiles").glob("*/history/*.json"))
        raise ValueError(f"no history profile {name!r}; known: {', '.join(known) or 'none'}")
    return found[0]


def load_profile(name: str) -> HistoryProfile:
    raw = json.loads(profile_path(name).read_text(encoding="utf-8"))
    tiers = {tier: TierPlan(float(t["online_share"]), int(t["eligible_dossiers"]), int(t.get("level2_dossiers", 0)))
             for tier, t in raw["tiers"].items()}
    return HistoryProfile(
        name=raw["name"], province=raw.get("profile", data.DEFAULT_PROFILE),
        start=date.fromisoformat(raw["period"]["from"]), end=date.fromisoformat(raw["period"]["to"]),
        seed=int(raw.get("seed", 1)), tiers=tiers,
        without={tier: frozenset(codes) for tier, codes in (raw.get("procedures_without_dossiers") or {}).items()},
        raw=raw,
    )


# -- what happens to one dossier ---------------------------------------------------------------------------------
@dataclass
class Plan:
    tier: str
    procedure: Procedure
    agency: Agency
    online: bool
    received: datetime
    refused: bool = False       # an online dossier refused at the desk: never received, in no figure


@dataclass
class Report:
    dossiers: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    channels: Counter[int] = field(default_factory=Counter)
    sync_batches: int = 0
    seconds: float = 0.0


def s10(number: int, prefix: str = "EH") -> str:
    """A UPU S10 waybill (prefix, 8 digits, check digit, VN)."""
    digits = f"{number % 10**8:08d}"
    total = sum(int(d) * w for d, w in zip(digits, (8, 6, 4, 2, 3, 5, 9, 7), strict=True))
    check = 11 - total % 11
    return f"{prefix}{digits}{5 if check == 11 else 0 if check == 10 else check}VN"


class HistorySeeder:
    def __init__(self, store: Store, config: StackConfig, plan: HistoryProfile, ns: str) -> None:
        self.plan = plan
        self.ns = ns
        self.rng = random.Random(plan.seed)
        # The seeder's own clock (in memory): the moment of the month the history is at.
        self.clock = Clock(Store(":memory:"))
        self.moment = self.clock.set(ns, datetime.combine(plan.start, time(8), tzinfo=VN_TZ))
        self.portal = ProvincialPortal(store, self.clock, Outbox(store, "provincial"), config, history=True)
        assert isinstance(self.portal.sending, HistorySending)
        self.sending: HistorySending = self.portal.sending
        self.catalogue = self.portal.catalogue
        self.calendar = self.portal.calendar
        self.wf = self.portal.workflow
        self.end = datetime.combine(plan.end + timedelta(days=1), time(0), tzinfo=VN_TZ)
        self.people = DataFactory(seed=plan.seed, scope="history")
        self.accounts: dict[int, list[Account]] = {}
        self.officers: dict[tuple[str, str], Officer] = {}
        self.codes: list[str] = []
        self.sync_keys: list[str] = []
        self.waybills = 0

    # -- setting up ---------------------------------------------------------------------------------------
    def already_seeded(self) -> int:
        start = datetime.combine(self.plan.start, time(0), tzinfo=VN_TZ)
        return self.portal.dossiers.count_in_period(self.ns, start, self.end)

    def now(self) -> datetime:
        """Where the seeder moved the clock last."""
        return self.moment

    def officer(self, agency: Agency, role: str) -> Officer:
        """The historic officers act in the history only: they have no account to log in with."""
        key = (agency.code, role)
        if key not in self.officers:
            names = {DESK: "Cán bộ một cửa", SPECIALIST: "Chuyên viên", LEADER: "Lãnh đạo"}
            self.officers[key] = Officer(f"lichsu.{agency.code}.{role}", f"{names[role]} ({agency.short_name})",
                                         agency.code, agency.name, agency.tier, role, None,
                                         to_iso(self.now()) or "")
        return self.officers[key]

    def applicants(self) -> None:
        """Pools of applicants: citizens, businesses, state agencies (local accounts, as counter users get)."""
        make = self.portal.accounts.create_local
        citizens = [self.people.citizen() for _ in range(150)]
        self.accounts[1] = [make(self.ns, full_name=c["full_name"], id_number=c["id_number"], account_type=1,
                                 email=c["email"], phone=c["phone"], address=c["address"]) for c in citizens]
        businesses = [self.people.business() for _ in range(30)]
        self.accounts[2] = [make(self.ns, full_name=b["business_name"], id_number=b["tax_code"], account_type=2,
                                 email=b["email"], phone=b["phone"], address=b["address"]) for b in businesses]
        agencies = [a for a in self.catalogue.agencies if a.tier != "commune"][:12]
        self.accounts[3] = [make(self.ns, full_name=a.name, id_number=a.code, account_type=3, email=a.email or None,
                                 phone=None, address=a.address) for a in agencies]

    # -- planning -----------------------------------------------------------------------------------------------
    def working_moments(self) -> Iterator[datetime]:
        hours = self.plan.raw.get("office_hours") or {"from": "07:30", "to": "16:45"}
        opens, closes = (time.fromisoformat(hours["from"]), time.fromisoformat(hours["to"]))
        days = [self.plan.start + timedelta(days=i) for i in range((self.plan.end - self.plan.start).days + 1)]
        working = [d for d in days if self.calendar.is_working_day(d)]
        span = (closes.hour * 60 + closes.minute) - (opens.hour * 60 + opens.minute)
        while True:
            minute = opens.hour * 60 + opens.minute + self.rng.randrange(span)
            yield datetime.combine(self.rng.choice(working), time(minute // 60, minute % 60), tzinfo=VN_TZ)

    def plans(self) -> list[Plan]:
        moments = self.working_moments()
        plans: list[Plan] = []
        for tier in TIERS:
            tier_plan = self.plan.tiers.get(tier)
            if tier_plan is None:
                continue
            left_out = self.plan.without.get(tier, frozenset())
            eligible = [p for p in self.catalogue.procedures if p.tier == tier and p.level >= 3
                        and p.national_code not in left_out]
            level2 = [p for p in self.catalogue.procedures if p.tier == tier and p.level == 2]
            agencies = self.catalogue.agencies_of_tier(tier)
            online_weights = [3 if p.level >= 4 else 1 for p in eligible]
            paper = tier_plan.eligible - tier_plan.online
            # Every procedure of the plan gets a dossier; the rest are drawn.
            chosen = [(p, False) for p in eligible[:paper]]
            chosen += [(p, True) for p in self.rng.choices(eligible, online_weights, k=tier_plan.online)]
            chosen += [(p, False) for p in self.rng.choices(eligible, k=paper - len(eligible[:paper]))]
            chosen += [(p, False) for p in self.rng.choices(level2, k=tier_plan.level2)] if level2 else []
            refused = round(tier_plan.online * self.plan.share("online", "refused_extra"))
            chosen += [(p, True) for p in self.rng.choices(eligible, online_weights, k=refused)]
            for i, (procedure, online) in enumerate(chosen):
                offering = self.catalogue.agencies_offering(procedure)
                agency = offering[0] if tier == "province" else self.rng.choice(agencies)
                plans.append(Plan(tier, procedure, agency, online, next(moments), i >= len(chosen) - refused))
        plans.sort(key=lambda p: p.received)
        return plans

    # -- living through the month -----------------------------------------------------------------------------
    def at(self, moment: datetime) -> bool:
        """Move the clock; False when the moment is past the period (the story of the dossier stops there)."""
        if moment >= self.end:
            return False
        self.moment = self.clock.set(self.ns, moment)
        return True

    def later(self, start: datetime, working_days: int, hour_from: int = 8, hour_to: int = 16) -> datetime:
        day = self.calendar.add_working_days(self.calendar.next_working_day(start.date()), working_days)
        moment = datetime.combine(day, time(self.rng.randrange(hour_from, hour_to), self.rng.randrange(60)),
                                  tzinfo=VN_TZ)
        return max(moment, start + timedelta(minutes=5))

    def run_one(self, plan: Plan) -> Dossier:
        procedure, agency = plan.procedure, plan.agency
        desk, specialist = self.officer(agency, DESK), self.officer(agency, SPECIALIST)
        account: Account | None = None
        if plan.online:
            d, account = self.submit_online(plan)
            if plan.refused:
                self.at(plan.received)
                return self.wf.refuse(self.ns, desk, d.code, "Hồ sơ không thuộc thẩm quyền giải quyết")
            self.at(plan.received)
            d = self.wf.receive(self.ns, desk, d.code)
        else:
            d = self.register(plan)
        rules = self.plan.raw.get("processing") or {}
        draw = self.rng.random()
        if draw < rules.get("stopped", 0) + rules.get("withdrawn", 0):
            if not self.at(self.later(plan.received, self.rng.randint(1, 3))):
                return d
            if draw < rules.get("stopped", 0):
                return self.wf.stop(self.ns, self.officer(agency, LEADER), d.code, "Có văn bản đề nghị dừng xử lý")
            if account is not None:
                return self.wf.withdraw_by_applicant(self.ns, account.id, d.code, "Không còn nhu cầu")
            return self.wf.withdraw_at_desk(self.ns, desk, d.code, "Người nộp đề nghị rút hồ sơ")
        started = plan.received
        if self.rng.random() < rules.get("supplement", 0):
            if not self.at(self.later(plan.received, 1)):
                return d
            wanted = next((a for a in procedure.attachments if a.required), None)
            item = {"code": wanted.code} if wanted else {"name": "Bản sao giấy tờ chứng minh"}
            d = self.wf.request_supplement(self.ns, desk, d.code, [item], "Đề nghị bổ sung, hoàn thiện hồ sơ")
            started = self.later(self.now(), self.rng.randint(1, 3))
            if not self.at(started):
                return d
            if account is not None:
                uploads = [Upload(wanted.code, f"{wanted.code}-bo-sung.pdf", "application/pdf", SAMPLE_PDF)] \
                    if wanted else []
                d = self.wf.answer_supplement(self.ns, account.id, d.code, uploads, "Đã bổ sung")
            else:
                d = self.wf.record_supplement(self.ns, desk, d.code, [wanted.code] if wanted else [], "Đã bổ sung")
        if not self.at(max(self.now(), started) + timedelta(minutes=self.rng.randint(20, 240))):
            return d
        d = self.wf.process(self.ns, specialist, d.code)
        due = d.appointment_at.date()
        if self.rng.random() < rules.get("late", 0):
            ready = self.later(datetime.combine(due, time(17), tzinfo=VN_TZ), self.rng.randint(1, 3), 8, 16)
        else:
            days = self.calendar.working_days_between(self.calendar.processing_start(started, paper=d.paper), due)
            ready = self.later(started, self.rng.randint(max(days // 2, 0), max(days - 1, 0)), 13, 16)
            ready = min(ready, datetime.combine(due, time(16, 30), tzinfo=VN_TZ))
        if not self.at(max(ready, self.now() + timedelta(minutes=10))):
            return d
        d = self.wf.result_ready(self.ns, specialist, d.code, [{"name": f"Kết quả: {procedure.name}"[:300],
                                                               "number": f"{self.rng.randint(1, 999)}/QĐ"}])
        if d.status == FINANCIAL and account is not None:     # a fee collected with the result, paid online
            if not self.at(self.now() + timedelta(minutes=self.rng.randint(30, 600))):
                return d
            d = self.pay(d)
        if d.status != DONE or not self.at(self.later(self.now(), self.rng.randint(0, int(
                rules.get("return_within_working_days", 3))), 8, 11)):
            return d
        d = self.hand_over(d, desk, account)
        ratings = self.plan.raw.get("ratings") or {}
        if d.status == RETURNED and account is not None and self.rng.random() < float(ratings.get("share", 0)):
            values = {int(k): float(v) for k, v in (ratings.get("values") or {"3": 1}).items()}
            rating = self.rng.choices(list(values), list(values.values()))[0]
            d = self.wf.rate(self.ns, account.id, d.code, rating, "")
        return d

    def submit_online(self, plan: Plan) -> tuple[Dossier, Account]:
        procedure = plan.procedure
        kind = next((t for t in (1, 2, 3) if t in procedure.applicant_types), 2)
        account = self.rng.choice(self.accounts[kind])
        online = self.plan.raw.get("online") or {}
        delivery, address = "counter", None
        if procedure.result_by_post and self.rng.random() < float(online.get("result_by_post", 0)):
            delivery = "post"
            address = self.people.postal_address({"full_name": account.full_name, "phone": account.phone})
        elif procedure.level >= 4 and self.rng.random() < float(online.get("result_online", 0)):
            delivery = "online"
        pay_online = procedure.level >= 4 and (delivery == "post"
                                               or self.rng.random() < float(online.get("pay_online", 0)))
        form = sample_form(procedure)
        files = [Upload(a.code, f"{a.code}.pdf", "application/pdf", SAMPLE_PDF) for a in procedure.attachments
                 if a.required]
        self.at(max(plan.received - timedelta(minutes=self.rng.randint(5, 240)),
                    datetime.combine(plan.received.date(), time(0, 5), tzinfo=VN_TZ)))
        offering = self.catalogue.offering(procedure.code, plan.agency.code)
        d = self.portal.dossiers.submit(self.ns, account, offering, form, files, delivery,
                                        "online" if pay_online else "counter", address, kind)
        if d.online_fee_unpaid and d.fee_timing == "before":
            self.at(self.now() + timedelta(minutes=2))
            d = self.pay(d)
        return d, account

    def pay(self, d: Dossier) -> Dossier:
        """A payment the platform confirmed (no payment transaction: those of the past are not replayed)."""
        self.portal.dossiers.record_online_payment(self.ns, d.code, f"{d.code}-01", d.fee_amount)
        return self.portal.dossiers.get(self.ns, d.code)

    def register(self, plan: Plan) -> Dossier:
        self.at(plan.received)
        procedure = plan.procedure
        mix = self.plan.raw.get("paper_channels") or {"counter": 1.0}
        channel = 3 if self.rng.random() >= float(mix.get("counter", 1.0)) else 1
        kind = next((t for t in (1, 2, 3) if t in procedure.applicant_types), procedure.applicant_types[0])
        person = self.rng.choice(self.accounts[min(kind, 3) if kind in (1, 2, 3) else 2])
        delivery, address = "counter", None
        paper = self.plan.raw.get("paper") or {}
        if procedure.result_by_post and not (procedure.fee.due and procedure.fee.timing == "after") \
                and self.rng.random() < float(paper.get("result_by_post", 0)):
            delivery = "post"
            address = self.people.postal_address({"full_name": person.full_name, "phone": person.phone})
        return self.wf.register(
            self.ns, self.officer(plan.agency, DESK), procedure_code=procedure.code, channel=channel,
            applicant={"name": person.full_name, "id_number": person.id_number, "type": kind,
                       "phone": person.phone, "email": person.email, "address": person.address},
            documents=[a.code for a in procedure.attachments if a.required], result_delivery=delivery,
            postal_address=address)

    def hand_over(self, d: Dossier, desk: Officer, account: Account | None) -> Dossier:
        if d.result_delivery == "counter":
            return self.wf.return_result(self.ns, desk, d.code)
        if d.result_delivery == "online" and account is not None:
            self.portal.dossiers.download_result(self.ns, d.code, account.id)
            return self.portal.dossiers.get(self.ns, d.code)
        if d.result_delivery == "post" and d.postal_order is not None:
            self.waybills += 1
            waybill = s10(10_000_000 + self.waybills)
            self.portal.postal_orders.record_waybill(self.ns, d.code, waybill)
            stamp = self.now().strftime("%Y%m%d%H%M%S")
            d, _ = self.portal.dossiers.record_postal_event(self.ns, waybill, d.code, "delivered", "Đã phát thành công",
                                                            stamp, "Bưu cục Tam Kỳ", "")
        return d

    # -- the whole month ------------------------------------------------------------------------------------------
    def run(self) -> Report:
        started = clock_time.perf_counter()
        report = Report()
        plans = self.plans()
        with self.portal.batch():
            self.applicants()
        for chunk in range(0, len(plans), COMMIT_EVERY):
            with self.portal.batch():
                for plan in plans[chunk:chunk + COMMIT_EVERY]:
                    d = self.run_one(plan)
                    self.codes.append(d.code)
                    report.statuses[d.status] += 1
                    report.channels[d.channel] += 1
        report.dossiers = len(self.codes)
        report.sync_batches = self.queue_national_sync()
        report.seconds = clock_time.perf_counter() - started
        return report

    def queue_national_sync(self) -> int:
        """Each agency's dossiers in their final state, then their progress, through the portal's outbox."""
        self.sync_keys, batches = self.sending.flush(self.ns, self.plan.name)
        return batches

    def sync_pending(self) -> int:
        return self._sync_count("pending")

    def sync_rejected(self) -> int:
        """History batches the national gateway refused for good (invalid data): the seed is then wrong."""
        return self._sync_count("rejected")

    def _sync_count(self, status: str) -> int:
        return sum(m["status"] == status for key in self.sync_keys for m in self.portal.outbox.by_key(self.ns, key))


def sample_form(procedure: Procedure) -> dict[str, Any]:
    return example_form(procedure, day="2021-12-15", text="Kê khai theo hồ sơ giấy")


# -- the command ------------------------------------------------------------------------------------------------
@contextmanager
def stack_for(state_dir: Path, wait: float | None = None) -> Iterator[StackInfo]:
    """The stack DIR/stack.json names when it answers; otherwise one started here, holding the folder's
    serve lock as `serve` does, stopped at the end. A `serve` that holds the folder may take `wait` seconds
    (LOCK_WAIT_SECONDS) to answer."""
    wait = LOCK_WAIT_SECONDS if wait is None else wait
    info = find_running(state_dir)
    if info is not None:
        yield info
        return
    try:
        lock = lock_state_dir(state_dir)
    except StateDirTaken as exc:
        info = _answering(state_dir, wait)  # a `serve` that is starting answers soon
        if info is None:
            raise StackError(f"{exc}; no stack answers there (waited {wait:.0f} s)") from exc
        yield info
        return
    try:
        stack = Stack.start(state_dir)
        try:
            yield stack.info
        finally:
            stack.stop()
    finally:
        lock.release()


def _answering(state_dir: Path, wait: float) -> StackInfo | None:
    deadline = clock_time.monotonic() + wait
    while clock_time.monotonic() < deadline:
        info = find_running(state_dir)
        if info is not None:
            return info
        clock_time.sleep(0.2)
    return None


def check_shares(info: StackInfo, plan: HistoryProfile, ns: str) -> tuple[bool, list[str]]:
    r = requests.get(f"{info.url('provincial')}/api/v1/stats/online-rate", timeout=60,
                     params={"from": plan.start.isoformat(), "to": plan.end.isoformat()},
                     headers={"X-DVC-Namespace": ns})
    r.raise_for_status()
    figures = r.json()
    ok, lines = True, []
    for tier, tier_plan in plan.tiers.items():
        got = figures[tier]["online_rate"]
        want = round(100 * tier_plan.online_share, 2)
        good = got is not None and abs(got - want) <= TOLERANCE_PP
        ok &= good
        lines.append(f"  {tier:<9} online {got} % (profile {want} %){'' if good else '  <-- off'};"
                     f" {figures[tier]['received']} received, {len(figures[tier]['procedures_without_dossiers'])}"
                     " published level-3/4 procedures without dossiers")
    return ok, lines


def seed(state_dir: Path, profile: str, ns: str = "default", *, set_clock: bool = False,
         wait: float = 120.0, out: Any = sys.stdout) -> int:
    """The command's work; returns the exit code."""
    began = clock_time.perf_counter()
    try:
        plan = load_profile(profile)
    except (ValueError, KeyError, OSError) as exc:
        print(f"dvc-harness seed-history: {exc}", file=sys.stderr)
        return EXIT_ERROR
    try:
        state_dir = prepare_state_dir(state_dir)
        with stack_for(state_dir) as info:
            config = StackConfig(state_dir=state_dir.resolve(), urls=dict(info.services),
                                 credentials=info.credentials(), profile=plan.province)
            store = Store(config.db_path("provincial"))
            try:
                seeder = HistorySeeder(store, config, plan, ns)
                if seeder.already_seeded():
                    print(f"dvc-harness seed-history: namespace {ns!r} already has dossiers in "
                          f"{plan.start}…{plan.end}; reset it first (POST /_admin/reset)", file=sys.stderr)
                    return EXIT_ERROR
                report = seeder.run()
                print(f"dvc-harness seed-history: {report.dossiers} dossiers of {plan.start:%m/%Y} made in "
                      f"{report.seconds:.1f} s (namespace {ns!r}); channels {dict(sorted(report.channels.items()))}, "
                      f"final statuses {dict(sorted(report.statuses.items()))}", file=out)
                deadline = clock_time.monotonic() + wait
                synced = clock_time.perf_counter()
                while seeder.sync_pending() and clock_time.monotonic() < deadline:
                    clock_time.sleep(0.2)
                synced = clock_time.perf_counter() - synced
                left, rejected = seeder.sync_pending(), seeder.sync_rejected()
                state = "all delivered" if not left and not rejected else ", ".join(filter(None, [
                    f"{left} still pending (the outbox keeps trying)" if left else "",
                    f"{rejected} refused by the national portal (GET /_admin/outbox?status=rejected)" if rejected
                    else ""]))
                print(f"  national sync: {report.sync_batches} batched calls, {state} ({synced:.1f} s)", file=out)
            finally:
                store.close()
            if set_clock:
                moment = datetime.combine(plan.end, time(17), tzinfo=VN_TZ).isoformat()
                requests.post(f"{info.url('provincial')}/_admin/clock", json={"set": moment, "frozen": False},
                              headers={"X-DVC-Namespace": ns, "X-Admin-Token": info.admin_token}, timeout=30)
                print(f"  the namespace's clock now runs from {moment}", file=out)
            ok, lines = check_shares(info, plan, ns)
            print("\n".join(lines), file=out)
            print(f"  run time {clock_time.perf_counter() - began:.1f} s (the dossiers {report.seconds:.1f} s, "
                  f"their national sync {synced:.1f} s)", file=out)
            return EXIT_OK if ok and not rejected else EXIT_FAILED
    except (StackError, requests.RequestException, OSError, sqlite3.Error) as exc:  # one line, never a traceback
        print(f"dvc-harness seed-history: {exc}", file=sys.stderr)
        return EXIT_ERROR


def run(args: argparse.Namespace) -> int:
    return seed(args.state_dir, args.profile, args.namespace, set_clock=args.set_clock)


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add `seed-history` to the `dvc-harness` command (its handler is `args.func`)."""
    parser = subparsers.add_parser(
        "seed-history", help="make a month of historic dossiers whose online shares are the province's baseline",
        description=__doc__.split("\n\n")[1] if __doc__ else None)
    parser.add_argument("--profile", default="quangnam-2022-01",
                        help="history profile: mocks/data/profiles/<province>/history/<NAME>.json "
                             "(default quangnam-2022-01)")
    parser.add_argument("--state-dir", type=Path, default=Path(DEFAULT_STATE_DIR),
                        help=f"state folder of the stack (default {DEFAULT_STATE_DIR})")
    parser.add_argument("--namespace", type=namespace_argument, default="default",
                        help="namespace to fill (default 'default')")
    parser.add_argument("--set-clock", action="store_true",
                        help="afterwards, run the namespace's clock from the last day of the period, 17:00")
    parser.set_defaults(func=run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="dvc-harness")
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["seed-history", *(argv or [])])
    return int(args.func(args))


__all__ = ["HistoryProfile", "HistorySeeder", "add_parser", "load_profile", "main", "seed"]

if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
