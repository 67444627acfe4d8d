"""The Locust side of `dvc-harness load`: user classes, the load shape, the SLO watch, the results file.

Run by `dvc-harness load` as `python -m locust -f load/locustfile.py ... --dvc-config JSON` in a
process of its own (Locust monkey-patches the process with gevent). The same file serves a
master and its workers (`--processes N`, or `--master` / `--worker` across machines): the
master hands the run's configuration to the workers with the spawn message.

Users (weights from the profile's [mix], think times from [think_time]):
- users mode: one class per journey of scenarios.registry (`Visitor_level4`, ...), each visit a new
  visitor with a fresh cookie jar running that journey on the API driver (load.journeys.Visits);
- arrival mode: one `ArrivalSource` per load process starts visitors at the offered rate
  (the master broadcasts it every second) in greenlets of their own, so a slow answer never
  slows the arrivals (an open model); beyond `max_in_flight` an arrival is dropped and counted;
- `OfficerTeam` users (fixed headcount): a desk officer and a specialist of one agency.

The master (or the only process) watches the statistics every second: hard limits stop the
run early, a breakpoint run closes each step with its verdict; at the end it writes
REPORT/load-results.json, which the CLI turns into SLO verdicts and JUnit XML.
"""

from __future__ import annotations

import json
import logging
import os
import random
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gevent
import requests
from gevent.lock import Semaphore
from gevent.pool import Pool
from locust import LoadTestShape, User, between, constant, events, task
from locust.clients import HttpSession
from locust.env import Environment
from locust.runners import MasterRunner, WorkerRunner
from locust.user.task import LOCUST_STATE_STOPPING

from harness.clients import ClientError
from load import journeys, retry, slo, timeline
from load.agent import Agent
from load.api import Control, LoadPortals, OfficerClient, resolve_factory
from load.measured import MeasuredSession
from load.names import Namer
from load.profiles import Profile
from scenarios.registry import JOURNEYS, Journey

log = logging.getLogger("dvc-load")
RESULTS_FILE = "load-results.json"
CPU_LIMIT = 90.0        # percent of one core, Locust's own threshold for "CPU-bound"
RATE_MESSAGE = "dvc_rate"
PROGRESS_EVERY_S = 5.0  # a progress line this often: readable in a CI log, enough to see a run going wrong
MAX_REASONS = 5         # the distinct reasons kept per journey and outcome (a failure's first line)


# -- the measured HTTP session ---------------------------------------------------------------------------
class RequestsMeasuredSession(HttpSession):
    """Locust's requests-based HttpSession, named and measured as load.measured.MeasuredSession, for an `--api`
    factory that needs requests' own Session (`factory.requests_session = True`: docs/wiring.md, 2b). It costs
    the generator 3 to 4 times the CPU a request (load/bench/generator.py)."""

    def __init__(self, namer: Namer, *, tolerated: tuple[int, ...] = (), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.namer = namer
        self.tolerated = frozenset(tolerated)
        self.expecting: frozenset[int] = frozenset()     # set by the API driver around a step expecting them

    def request(self, method: Any, url: Any, name: str | None = None, catch_response: bool = False,
                context: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        name = name or self.request_name or self.namer(self._build_url(url))
        accepted = self.tolerated | self.expecting
        if accepted and not catch_response:
            with super().request(method, url, name=name, catch_response=True, context=context or {},
                                 **kwargs) as response:
                if response.status_code in accepted or 0 < response.status_code < 400:
                    response.success()
        else:
            response = super().request(method, url, name=name, catch_response=catch_response, context=context or {},
                                       **kwargs)
        if response.status_code == 0 and getattr(response, "error", None) is not None:
            raise response.error
        return response


# -- the run, as this process sees it ---------------------------------------------------------------------
class Run:
    def __init__(self) -> None:
        self.env: Environment | None = None
        self.config: dict[str, Any] = {}
        self.profile: Profile | None = None
        self._ready = Semaphore()
        self.prepared = False
        # this process's visitors
        self.namer: Namer | None = None
        self.factory: Callable[..., LoadPortals] | None = None
        self.control: Control | None = None
        self.visits: journeys.Visits | None = None
        self.pool = journeys.AccountPool()
        self.data: journeys.LoadDataFactory | None = None
        self.rng = random.Random()
        self.rate_per_source = 0.0
        self.officers_made = 0
        self.local = _Counters()
        # the master's (or the only process's) view
        self.totals = _Counters()
        self.rates: list[tuple[float, float]] = []     # (time, offered journeys/s from then on)
        self.shape_ended_at: float | None = None
        self.nodes: dict[str, int] = {}                     # worker -> journeys it reported finished
        self.node_requests: dict[str, int] = {}             # worker -> requests it reported (a slow round sends some)
        self.workers = 0
        self.started_at = 0.0
        self.start_snapshot: slo.Snapshot | None = None
        self.last_snapshot: slo.Snapshot | None = None
        self.hold_snapshot: slo.Snapshot | None = None
        self.stop_reason: str | None = None
        self.steps: list[dict[str, Any]] = []
        self.step_index: int | None = None
        self.step_snapshot: slo.Snapshot | None = None
        self.cpu: dict[str, list[float]] = {}
        self.watcher: Any = None
        self.timeline: list[dict[str, Any]] = []       # the report's chart: a point every `timeline_step` s

    # -- configuration ----------------------------------------------------------------------------------
    def configure(self, env: Environment) -> bool:
        raw = getattr(env.parsed_options, "dvc_config", "") if env.parsed_options else ""
        if not raw and os.environ.get("DVC_LOAD_CONFIG"):
            raw = "@" + os.environ["DVC_LOAD_CONFIG"]
        if not raw:
            return False
        if raw.startswith("@"):
            # a file (it holds the admin token: not on the command line); the master forwards its
            # content to the workers, which may be on other machines, with the spawn message
            raw = Path(raw[1:]).read_text(encoding="utf-8")
            if env.parsed_options is not None:
                env.parsed_options.dvc_config = raw
        self.env = env
        self.config = json.loads(raw)
        self.profile = Profile.from_json(self.config["profile"])
        p = self.profile
        shares = p.mix_shares()
        for cls in VISITOR_CLASSES:
            share = shares.get(cls.journey, 0.0)
            cls.weight = max(1, round(share * 1000)) if share > 0 else 0
            cls.wait_time = between(p.think_min_s, p.think_max_s)
        OfficerTeam.wait_time = between(p.officer_think_min_s, p.officer_think_max_s)
        return True

    @property
    def is_master(self) -> bool:
        return self.env is not None and not isinstance(self.env.runner, WorkerRunner)

    @property
    def officers(self) -> int:
        """Officer teams need the emulator's back office (their accounts are made on its admin surface)."""
        usable = self.config.get("admin_token") and self.config.get("emulator", True)
        return self.profile.officers if self.profile and usable else 0

    def ensure_ready(self) -> None:
        """This process's share of the set-up (once): clients, test data, the journeys' procedures."""
        if self.prepared:
            return
        with self._ready:
            if self.prepared:
                return
            cfg = self.config
            assert self.profile is not None
            services = cfg["services"]
            self.namer = Namer(services)
            self.factory = resolve_factory(cfg.get("api"))
            if cfg.get("admin_token"):
                self.control = Control(services, cfg["namespace"], cfg["admin_token"], session=self.test_control())
            runner = self.env.runner if self.env else None
            block = max(getattr(runner, "worker_index", 0) or 0, 0)
            seed = cfg.get("seed")
            self.rng = random.Random(None if seed is None else f"{seed}:{block}")
            self.data = journeys.LoadDataFactory(block, None if seed is None else int(seed) * 1000 + block,
                                                 scope=f"{cfg['namespace']}-w{block}")
            # the procedures each journey uses: chosen once by `dvc-harness load` before Locust started
            # (journeys.read_catalogue), or here, through the portal's own client but outside the measurements
            catalogue = (journeys.catalogue_from_json(cfg["catalogue"]) if cfg.get("catalogue") else
                         journeys.read_catalogue(self.portals(requests.Session()), self.profile.mix_shares(),
                                                 officers=self.officers > 0))
            self.visits = journeys.Visits.build(
                self.factory, services, cfg["namespace"], cfg.get("admin_token"), catalogue, self.data, pool=self.pool,
                ledger=self.local.ledger, emulator=cfg.get("emulator", True),
                new_account_share=self.profile.new_account_share, rng=self.rng,
                think_s=(self.profile.think_min_s, self.profile.think_max_s), sleep=gevent.sleep,
                http=self.test_control, officers_at_work=self.officers > 0)
            self.prepared = True

    def test_control(self) -> Agent:
        """A session for the emulators' test control (unmeasured), shared by this process's visitors."""
        return Agent(name=self.namer, pool_size=16)

    def session(self, user: User | None, tolerated: tuple[int, ...] = ()) -> MeasuredSession | RequestsMeasuredSession:
        """A new visitor's browser: its own cookies and connections, each request measured and named."""
        assert self.env is not None and self.namer is not None
        base_url = self.config["services"]["provincial"]
        if getattr(self.factory, "requests_session", False):
            session = RequestsMeasuredSession(self.namer, tolerated=tolerated, base_url=base_url,
                                              request_event=self.env.events.request, user=user)
            retry.install(session, self.namer)   # an idempotent request that met a connection closed while idle
            return session
        return MeasuredSession(self.namer, tolerated=tolerated, base_url=base_url,
                               request_event=self.env.events.request, user=user)

    def portals(self, session: requests.Session) -> LoadPortals:
        assert self.factory is not None
        return self.factory(session, self.config["services"], namespace=self.config["namespace"],
                            admin_token=self.config.get("admin_token"))

    def visit(self, kind: str, user: User | None) -> None:
        """One visitor's journey; a failed request ends it (Locust counted the failure already)."""
        self.ensure_ready()
        assert self.visits is not None
        session = self.session(user)
        outcome, why = "error", None
        try:
            outcome, why = self.visits.run(kind, session)
        except gevent.GreenletExit:
            outcome = "interrupted"     # the run ended during the visit
            raise
        finally:
            session.close()
            self.local.journey(kind, outcome, why)

    def choose_journey(self) -> str:
        assert self.profile is not None
        shares = self.profile.mix_shares()
        return self.rng.choices(list(shares), weights=list(shares.values()), k=1)[0]

    # -- the master's snapshots ------------------------------------------------------------------------------
    def snapshot(self) -> slo.Snapshot:
        """Locust's statistics now. A request name that saw nothing since the last snapshot keeps that one's
        counts (snapshots are never changed): the watcher takes one every second, and copying every histogram
        cost the generator several per cent of its core."""
        assert self.env is not None
        last = self.last_snapshot.requests if self.last_snapshot is not None else {}
        requests_: dict[str, slo.Counts] = {}
        for (name, method), entry in list(self.env.stats.entries.items()):
            key = f"{method} {name}"
            kept = last.get(key)
            if kept is not None and kept.n == entry.num_requests and kept.f == entry.num_failures:
                requests_[key] = kept
            else:
                requests_[key] = slo.Counts(entry.num_requests, entry.num_failures, dict(entry.response_times))
        self.last_snapshot = slo.Snapshot(time.time(), requests_)
        return self.last_snapshot

    def arrivals(self) -> dict[int, list[int]]:
        merged = {k: list(v) for k, v in self.totals.arrivals.items()}
        for k, (started, dropped) in self.local.arrivals.items():
            bucket = merged.setdefault(k, [0, 0])
            bucket[0] += started
            bucket[1] += dropped
        return merged

    def window(self, later: slo.Snapshot, earlier: slo.Snapshot, t0: float, t1: float) -> slo.Window:
        """Requests between two snapshots; arrivals (started, dropped, offered) between the times t0 and t1."""
        window = later.minus(earlier)
        window.started, window.dropped, window.offered = slo.arrivals_in(self.arrivals(), self.rates, t0, t1)
        window.sources = max(self.workers, 1)
        return window


class _Counters:
    """What this process's visitors did (arrivals in tenths of a second, the ledger, journey outcomes)."""

    def __init__(self) -> None:
        self.arrivals: dict[int, list[int]] = {}       # tenth of a second -> [started, dropped]
        self.ledger = journeys.Ledger()
        self.journeys: dict[str, dict[str, int]] = {}
        self.reasons: dict[str, dict[str, int]] = {}     # "kind outcome" -> why -> visits

    def arrival(self, dropped: bool = False, count: int = 1) -> None:
        bucket = self.arrivals.setdefault(int(time.time() * 10), [0, 0])
        bucket[1 if dropped else 0] += count

    def journey(self, kind: str, outcome: str, why: str | None = None) -> None:
        counts = self.journeys.setdefault(kind, {"ok": 0, "failed": 0})
        counts[outcome] = counts.get(outcome, 0) + 1
        if why:     # the first reasons of each kind of failure or skip, for the report
            said = self.reasons.setdefault(f"{kind} {outcome}", {})
            if why in said or len(said) < MAX_REASONS:
                said[why] = said.get(why, 0) + 1

    def drain(self) -> dict[str, Any]:
        out = {"arrivals": self.arrivals, "ledger": self.ledger.drain(), "journeys": self.journeys,
               "reasons": self.reasons}
        self.arrivals, self.journeys, self.reasons = {}, {}, {}
        return out

    def merge(self, part: dict[str, Any]) -> None:
        for key, (started, dropped) in part.get("arrivals", {}).items():
            bucket = self.arrivals.setdefault(int(key), [0, 0])
            bucket[0] += started
            bucket[1] += dropped
        self.ledger.extend(part.get("ledger", {}))
        for kind, counts in part.get("journeys", {}).items():
            mine = self.journeys.setdefault(kind, {"ok": 0, "failed": 0})
            for k, v in counts.items():
                mine[k] = mine.get(k, 0) + v
        for key, said in part.get("reasons", {}).items():
            mine_reasons = self.reasons.setdefault(key, {})
            for why, n in said.items():
                if why in mine_reasons or len(mine_reasons) < MAX_REASONS:
                    mine_reasons[why] = mine_reasons.get(why, 0) + n


RUN = Run()


# -- the users ------------------------------------------------------------------------------------------------
class _Visitor(User):
    abstract = True
    journey = ""
    wait_time = between(1, 3)
    weight = 1          # Locust drops classes of weight 0 when it starts: the profile sets them at init

    @task
    def visit(self) -> None:
        RUN.visit(self.journey, self)


def _visitor_class(journey: Journey) -> type[_Visitor]:
    return type(f"Visitor_{journey.name}", (_Visitor,), {"journey": journey.name, "__doc__": journey.title,
                                                        "__module__": __name__})


# One class per journey the load can run, at module level: Locust's workers find them by name.
VISITOR_CLASSES: tuple[type[_Visitor], ...] = tuple(_visitor_class(j) for j in JOURNEYS if "load" in j.drivers)
globals().update({cls.__name__: cls for cls in VISITOR_CLASSES})


class ArrivalSource(User):
    """Arrival-rate mode: starts visitors at the offered rate, each in a greenlet of its own."""

    fixed_count = 1     # set by the shape: one per load process
    wait_time = constant(0)

    def on_start(self) -> None:
        assert RUN.profile is not None
        self.visitors = Pool(RUN.profile.max_in_flight)

    def on_stop(self) -> None:
        self.visitors.kill(block=False)

    @task
    def arrive(self) -> None:
        RUN.ensure_ready()
        last = time.monotonic()
        while self._state != LOCUST_STATE_STOPPING:   # a graceful stop: no new arrivals
            rate = RUN.rate_per_source
            now = time.monotonic()
            if rate <= 0:
                gevent.sleep(0.1)
                last = time.monotonic()
                continue
            due = last + 1.0 / rate
            if due > now:
                gevent.sleep(min(due - now, 0.1))
                continue
            if self.visitors.full():
                # every visitor slot taken: the arrivals until one frees (0.1 s at most) are dropped, counted
                # at once, so that a saturated generator does not spend its core waking for each of them
                self.visitors.wait_available(timeout=0.1)
                now = time.monotonic()
                first = max(last, now - 1.0)       # fell behind by more than a second: not caught up
                missed = max(1, int((now - first) * rate))
                RUN.local.arrival(dropped=True, count=missed)
                last = first + missed / rate
                continue
            last = max(due, now - 1.0)      # fell behind by more than a second: do not burst to catch up
            RUN.local.arrival()
            self.visitors.spawn(RUN.visit, RUN.choose_journey(), self)


class OfficerTeam(User):
    """A desk officer and a specialist of one agency: receive, process, record results, hand them over."""

    fixed_count = 1     # set by the shape: the profile's officer teams
    wait_time = between(2, 5)

    def on_start(self) -> None:
        RUN.ensure_ready()
        assert RUN.control is not None and RUN.visits is not None and RUN.profile is not None and RUN.data is not None
        RUN.officers_made += 1
        agencies = journeys.agencies_of(RUN.visits.catalogue)
        block = RUN.data.block
        agency = agencies[(block + RUN.officers_made - 1) % len(agencies)]
        self.sessions: list[Any] = []

        def client() -> OfficerClient:
            session = RUN.session(self, tolerated=(409,))
            self.sessions.append(session)
            officer = RUN.portals(session).officer
            assert officer is not None, "the --api factory gives no officer client"
            return officer

        p = RUN.profile
        self.team = journeys.OfficerTeam.create(RUN.control, client, agency, f"load.w{block}.o{RUN.officers_made}",
                                                RUN.rng, think_s=(p.officer_think_min_s / 3, p.officer_think_max_s / 3),
                                                sleep=gevent.sleep)

    @task
    def work(self) -> None:
        try:
            self.team.round()
            RUN.local.journey("officer", "ok")
        except (ClientError, requests.RequestException):
            RUN.local.journey("officer", "failed")


# -- the shape ---------------------------------------------------------------------------------------------------
class CampaignShape(LoadTestShape):
    """The profile's schedule: a ramp and a hold, or steps; users (users mode) or an offered rate (arrival)."""

    def tick(self) -> tuple[int, float, list[type[User]]] | None:
        p = RUN.profile
        if p is None or self.runner is None:
            return None
        t = self.get_run_time()
        target = p.target_at(t)
        if RUN.stop_reason or target is None:
            if RUN.shape_ended_at is None:
                RUN.shape_ended_at = time.time()
                RUN.rates.append((RUN.shape_ended_at, 0.0))
            return None
        if isinstance(self.runner, MasterRunner):
            RUN.workers = max(RUN.workers, self.runner.worker_count)
        officers = [OfficerTeam] if RUN.officers else []
        OfficerTeam.fixed_count = RUN.officers
        if p.mode == "users":
            classes: list[type[User]] = [c for c in VISITOR_CLASSES if c.weight > 0] + officers
            return round(target) + RUN.officers, p.spawn_rate, classes
        sources = max(self.runner.worker_count if isinstance(self.runner, MasterRunner) else 1, 1)
        ArrivalSource.fixed_count = sources
        RUN.rates.append((time.time(), target))
        self.runner.send_message(RATE_MESSAGE, {"rate": target / sources})
        return sources + RUN.officers, 100.0, [ArrivalSource, *officers]


# -- events ------------------------------------------------------------------------------------------------------
@events.init_command_line_parser.add_listener
def _options(parser: Any) -> None:
    parser.add_argument("--dvc-config", default="", help="the run's configuration (JSON), from dvc-harness load",
                        include_in_web_ui=False)


@events.init.add_listener
def _init(environment: Environment, **_: Any) -> None:
    RUN.configure(environment)
    RUN.env = environment
    timeline.install(environment)
    runner = environment.runner
    if runner is None:
        return

    def on_rate(environment: Environment, msg: Any, **_: Any) -> None:
        RUN.rate_per_source = float(msg.data["rate"])

    runner.register_message(RATE_MESSAGE, on_rate)


@events.test_start.add_listener
def _test_start(environment: Environment, **_: Any) -> None:
    if RUN.profile is None and not RUN.configure(environment):
        raise RuntimeError("no run configuration: start Locust through `dvc-harness load` (or pass --dvc-config)")
    if RUN.is_master:
        RUN.started_at = time.time()
        RUN.start_snapshot = RUN.snapshot()
        RUN.watcher = gevent.spawn(_watch)


@events.report_to_master.add_listener
def _report(client_id: str, data: dict[str, Any], **_: Any) -> None:
    data["dvc"] = {**RUN.local.drain(), "cpu": RUN.cpu.pop("self", []), "retries": retry.RETRIES.drain()}


@events.worker_report.add_listener
def _worker_report(client_id: str, data: dict[str, Any], **_: Any) -> None:
    part = data.get("dvc")
    if part:
        RUN.totals.merge(part)
        retry.RETRIES.merge(part.get("retries", {}))
        done = sum(sum(c.values()) for c in part.get("journeys", {}).values())
        RUN.nodes[client_id] = RUN.nodes.get(client_id, 0) + done
        RUN.cpu.setdefault(client_id, []).extend(part.get("cpu", []))
    sent = int((data.get("stats_total") or {}).get("num_requests") or 0)
    RUN.node_requests[client_id] = RUN.node_requests.get(client_id, 0) + sent


@events.usage_monitor.add_listener
def _usage(environment: Environment, cpu_usage: float, **_: Any) -> None:
    RUN.cpu.setdefault("self", []).append(float(cpu_usage))


def _lag() -> float:
    """How late the workers' statistics reach the master (they report every 3 s)."""
    return 4.0 if RUN.env is not None and isinstance(RUN.env.runner, MasterRunner) else 0.0


def _watch() -> None:
    """Every second: hard limits (stop early), the end of the ramp, the steps of a breakpoint run."""
    p = RUN.profile
    assert p is not None
    recent: deque[slo.Snapshot] = deque()
    shown = plotted = RUN.start_snapshot
    step = timeline_step(p.duration_s)
    while True:
        gevent.sleep(1.0)
        now = RUN.snapshot()
        if shown is not None and now.at - shown.at >= PROGRESS_EVERY_S:
            _progress(now, shown)
            shown = now
        if plotted is not None and now.at - plotted.at >= step:
            RUN.timeline.append(_point(now, plotted))
            plotted = now
        t = now.at - RUN.started_at - _lag()
        recent.append(now)
        while recent and now.at - recent[0].at > p.slo.hard.window_s:
            recent.popleft()
        if RUN.hold_snapshot is None and p.steps is None and t >= p.ramp_s:
            RUN.hold_snapshot = now
        if p.steps is not None and t >= 0:
            _step(now, p.step_of(t))
        if RUN.stop_reason is None and len(recent) > 1:
            breach = slo.hard_breach(p.slo, now.minus(recent[0]))
            if breach:
                RUN.stop_reason = breach
                log.error("stopping early: %s", breach)


def _progress(now: slo.Snapshot, earlier: slo.Snapshot) -> None:
    """One line every few seconds (the CLI echoes it): elapsed time, users, the recent rate, failures so far."""
    assert RUN.env is not None and RUN.start_snapshot is not None
    recent = now.minus(earlier)
    so_far = now.minus(RUN.start_snapshot).total()
    users = RUN.env.runner.user_count if RUN.env.runner is not None else 0
    log.info("%3.0f s · %d users · %.1f req/s · %d failures of %d requests",
             now.at - RUN.started_at, users, recent.rps, so_far.f, so_far.n)


def timeline_step(duration_s: float) -> float:
    """Seconds between the chart's points: every 2 s for a short run, about 150 points for a long one."""
    return max(2.0, round(duration_s / 150))


def _point(now: slo.Snapshot, earlier: slo.Snapshot) -> dict[str, Any]:
    """The chart's point for the window since `earlier`: the load offered, the throughput, each SLO group's
    p95 and p99 (None: no request of the group in the window)."""
    assert RUN.env is not None and RUN.profile is not None
    window = now.minus(earlier)
    total = window.total()
    groups = {}
    for group in RUN.profile.slo.groups:
        counts = window.group(group.match)
        groups[group.name] = {"n": counts.n, "p95": counts.percentile(0.95), "p99": counts.percentile(0.99)}
    offered = RUN.rates[-1][1] if RUN.profile.mode == "arrival" and RUN.rates else None
    return {"t": round(now.at - RUN.started_at, 1), "users": RUN.env.runner.user_count if RUN.env.runner else 0,
            "offered": offered, "rps": round(window.rps, 2), "requests": total.n, "failures": total.f,
            "groups": groups}


def _step(now: slo.Snapshot, index: int | None, *, final: bool = False) -> None:
    """Close the step that ended (its requests: between snapshots `lag` seconds after its bounds)."""
    p = RUN.profile
    assert p is not None and p.steps is not None
    if RUN.step_index is None:
        RUN.step_index, RUN.step_snapshot = index, now
        return
    if index == RUN.step_index and not final:
        return
    assert RUN.step_snapshot is not None
    k = RUN.step_index
    t0 = RUN.started_at + k * p.steps.step_s
    t1 = min(t0 + p.steps.step_s, RUN.shape_ended_at or now.at)
    window = RUN.window(now, RUN.step_snapshot, t0, t1)
    if t1 - t0 >= 0.8 * p.steps.step_s:
        verdicts = slo.gate(p.slo, window, arrival=p.mode == "arrival", throughput=False)
        failed = [f"{v.name} {v.text}" for v in verdicts if not v.ok]
        target = p.steps.start + k * p.steps.increment
        RUN.steps.append({"index": k, "target": round(target, 4), "ok": not failed, "failed": failed,
                          "rps": round(window.rps, 2), "duration_s": round(window.duration_s, 1),
                          "requests": window.total().n, "started": window.started, "offered": window.offered,
                          "verdicts": [v.to_json() for v in verdicts]})
        unit = "journeys/s" if p.mode == "arrival" else "users"
        log.warning("step %s (%g %s): %s", k + 1, target, unit,
                    "held" if not failed else "broke: " + "; ".join(failed))
        if failed and RUN.stop_reason is None:
            RUN.stop_reason = f"breakpoint: step {k + 1} ({target:g} {unit}) broke"
    RUN.step_index, RUN.step_snapshot = index, now


@events.quitting.add_listener
def _quitting(environment: Environment, **_: Any) -> None:
    if not RUN.is_master or RUN.profile is None or RUN.start_snapshot is None:
        return
    if RUN.watcher is not None:
        RUN.watcher.kill(block=False)
    p = RUN.profile
    final = RUN.snapshot()
    if p.steps is not None and RUN.step_index is not None and not str(RUN.stop_reason or "").startswith("breakpoint"):
        _step(final, RUN.step_index, final=True)
    ledger = journeys.Ledger()
    ledger.extend(RUN.totals.ledger.drain())
    ledger.extend(RUN.local.ledger.drain())
    RUN.totals.merge({"journeys": RUN.local.journeys, "reasons": RUN.local.reasons})
    journeys_count, reasons = RUN.totals.journeys, RUN.totals.reasons
    cpu = {node: samples for node, samples in RUN.cpu.items()}
    if "self" in cpu:
        cpu["master" if isinstance(environment.runner, MasterRunner) else "local"] = cpu.pop("self")
    bound = {node: max(s) for node, s in cpu.items() if s and max(s) > CPU_LIMIT}
    results = {
        "profile": p.name, "mode": p.mode, "namespace": RUN.config.get("namespace"),
        "started_at": RUN.started_at, "ended_at": time.time(), "shape_ended_at": RUN.shape_ended_at,
        "arrivals": {str(k): v for k, v in sorted(RUN.arrivals().items())},
        "rates": RUN.rates,
        "workers": RUN.workers,
        "start": RUN.start_snapshot.to_json(), "final": final.to_json(),
        "hold_start": RUN.hold_snapshot.to_json() if RUN.hold_snapshot else None,
        "steps": RUN.steps, "stop_reason": RUN.stop_reason,
        "ledger": {"submissions": ledger.submissions, "payments": ledger.payments},
        "journeys": journeys_count, "journey_reasons": reasons, "nodes": RUN.nodes,
        "node_requests": RUN.node_requests,
        "cpu": {"limit_percent": CPU_LIMIT, "max_by_process": {n: max(s) for n, s in cpu.items() if s},
                "bound": bound},
        "exceptions": len(getattr(environment.runner, "exceptions", {}) or {}),
        "timeline": RUN.timeline,
        "retries": retry.RETRIES.snapshot(),
    }
    report_dir = Path(RUN.config.get("report_dir") or ".")
    report_dir.mkdir(parents=True, exist_ok=True)
    tmp = report_dir / (RESULTS_FILE + ".tmp")
    tmp.write_text(json.dumps(results, ensure_ascii=False), encoding="utf-8")
    tmp.replace(report_dir / RESULTS_FILE)
    outcome = slo.evaluate(p, results)
    environment.process_exit_code = 0 if outcome.ok else 1
