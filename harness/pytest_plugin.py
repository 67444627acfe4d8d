"""The dvc-harness pytest plugin (entry point `pytest11`).

Fixtures (all prefixed `dvc_`): the stack (started once per session in-process on free
ports, or the running one `--dvc-state-dir` names), a namespace per test, the clients
bound to it, seeded Vietnamese test data and ready accounts. It configures
pytest-playwright's browser with the resolved Chromium and sends the test's namespace
on every browser request; it never redefines `page`, `context` or `browser`, and never
uses Locust's names (`session`, `fastsession`, `--host`).
"""

from __future__ import annotations

import importlib
import json
import os
import random
import shutil
import uuid
import zlib
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import requests

from mocks.core.errors import DomainError
from mocks.core.namespace import check as check_namespace
from mocks.core.world import InvalidAsOf, World, parse_as_of, world_on

from . import playwright_settings, shared, steps
from .clients import Platform
from .control import Clock, Faults, Journal, fault_profiles
from .stack import RemoteStack, Stack, StackInfo, find_running

if TYPE_CHECKING:   # Faker takes half a second to import: only the tests that make data pay it
    from .testdata import DataFactory

NAMESPACE_HEADER = "X-DVC-Namespace"
DEFAULT_PAGES = "scenarios.pages:emulator_pages"
DEFAULT_HOOKS = "scenarios.backoffice:emulator_back_office"
DEFAULT_API = "scenarios.api:emulator_api"
DRIVERS = ("browser", "api")
BROWSER_FIXTURES = ("page", "context", "browser")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("dvc-harness", "dvc-harness: emulated national platforms")
    group.addoption("--dvc-state-dir", default=None, metavar="DIR",
                    help="use the stack that DIR/stack.json names when it answers; otherwise start one there")
    group.addoption("--dvc-seed", type=int, default=None, metavar="N",
                    help="seed of the generated test data; the same seed repeats a run exactly")
    group.addoption("--dvc-pages", default=DEFAULT_PAGES, metavar="MODULE:FACTORY",
                    help=f"page objects of the portals under test (default {DEFAULT_PAGES}); "
                         "FACTORY(page, urls) returns them: give your own to run the journeys on your portal")
    group.addoption("--dvc-hooks", default=DEFAULT_HOOKS, metavar="MODULE:FACTORY",
                    help=f"the portal's back office for what journeys need beyond the pages (default {DEFAULT_HOOKS}); "
                         "FACTORY(urls, namespace=, admin_token=) returns a scenarios.portal.PortalBackOffice")
    group.addoption("--dvc-namespace", default=None, metavar="NAME",
                    help="run every test in this one namespace, reset before each (one worker only): for a portal "
                         "whose back end sends no X-DVC-Namespace (start the stack with --default-namespace NAME)")
    group.addoption("--dvc-driver", default="browser", choices=DRIVERS,
                    help="how the journeys reach the portals: browser (page objects in Playwright, the default) or "
                         "api (the portal's HTTP layer, no browser: the fast tier; tests that need a browser skip)")
    group.addoption("--dvc-locale", default="vi-VN", metavar="LOCALE",
                    help="the browser's language (default vi-VN, a Vietnamese citizen's: dates dd/mm/yyyy)")
    group.addoption("--dvc-timezone", default="Asia/Ho_Chi_Minh", metavar="TZ",
                    help="the browser's time zone (default Asia/Ho_Chi_Minh)")
    group.addoption("--dvc-as-of", default=None, metavar="DATE",
                    help="each test's namespace clock runs from DATE (YYYY-MM-DD: its 09:00, or an ISO time): the "
                         "emulators answer with the rules of that date (mocks.core.world)")
    group.addoption("--dvc-api", default=None, metavar="MODULE:FACTORY",
                    help=f"the portal's HTTP layer (scenarios.api.seam; default {DEFAULT_API} on the emulators): the "
                         "api driver runs on it, and the browser journeys log in and set up through it")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "dvc_journey: an end-to-end journey through the portals (browser)")
    config.addinivalue_line("markers", "dvc_fault_profile(name): run the test under a named fault profile "
                            "(harness/fault_profiles/NAME.toml) in its namespace")
    config.addinivalue_line("markers", "dvc_emulator_only(reason): the journey needs the provincial emulator itself "
                            "(its faults, its officers' pages); skipped when --dvc-pages names other pages")
    config.addinivalue_line("markers", "dvc_browser_only(reason): the journey needs the browser driver (what only a "
                            "page shows); skipped with --dvc-driver api")
    config.addinivalue_line("markers", "dvc_driver(name): run the test in this driver (browser or api) whatever "
                            "--dvc-driver says: a check the fastest layer can make")
    config.addinivalue_line("markers", "dvc_as_of(date): the test's namespace clock runs from DATE (YYYY-MM-DD: its "
                            "09:00, or an ISO time), as --dvc-as-of does for every test: a test of a past world's "
                            "rules pins its date")
    _check_pinned_namespace(config)
    _check_as_of(config)
    if config.getoption("dvc_seed", None) is None:
        config.option.dvc_seed = random.SystemRandom().randrange(1, 2**31)
    worker_input = getattr(config, "workerinput", None)
    config._dvc_run_id = worker_input.get("dvc_run_id", "") if worker_input else uuid.uuid4().hex  # type: ignore[attr-defined]
    if config.pluginmanager.has_plugin("xdist"):
        config.pluginmanager.register(_XdistHooks(), "dvc_harness_xdist")
    # Registered now, after every entry-point plugin, so these fixtures override pytest-playwright's.
    config._dvc_warnings = []  # type: ignore[attr-defined]
    if config.pluginmanager.has_plugin("playwright"):
        config.pluginmanager.register(playwright_settings, "dvc_harness_playwright")
        config._dvc_warnings = playwright_settings.check_options(config)  # type: ignore[attr-defined]
        if worker_input is None:  # the process that runs the session: clean pytest-playwright's output once
            output = config.getoption("--output", None)
            if output and Path(output).is_dir():
                shutil.rmtree(output, ignore_errors=True)


def _check_pinned_namespace(config: pytest.Config) -> None:
    """A pinned namespace holds one test at a time: it is reset before each, so no parallel workers."""
    pinned = config.getoption("dvc_namespace", None)
    if not pinned:
        return
    try:
        check_namespace(pinned)
    except DomainError as exc:
        raise pytest.UsageError(f"--dvc-namespace {pinned!r}: {exc.en}") from exc
    workers = config.getoption("numprocesses", None) if config.pluginmanager.has_plugin("xdist") else None
    if workers or getattr(config, "workerinput", None) is not None:
        raise pytest.UsageError(f"--dvc-namespace {pinned} runs the tests one at a time in one namespace: "
                                "drop -n (pytest-xdist) or use one worker")


def _check_as_of(config: pytest.Config) -> None:
    text = config.getoption("dvc_as_of", None)
    if text:
        try:
            config._dvc_as_of = parse_as_of(text)  # type: ignore[attr-defined]
        except InvalidAsOf as exc:
            raise pytest.UsageError(f"--dvc-as-of: {exc}") from exc


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Journeys marked dvc_emulator_only are skipped, saying why, when the portal under test is not the emulator;
    with the api driver, the tests that need a browser are skipped, saying so."""
    pages, api_layer = config.getoption("dvc_pages", DEFAULT_PAGES), config.getoption("dvc_api", None)
    under_test = pages if pages != DEFAULT_PAGES else (api_layer if api_layer not in (None, DEFAULT_API) else None)
    api = config.getoption("dvc_driver", "browser") == "api"
    profiles = fault_profiles()
    for item in items:
        named = item.get_closest_marker("dvc_fault_profile")
        if named is not None and (not named.args or named.args[0] not in profiles):
            # said once, as the run starts, not as a setup error with the plugin's traceback in every test
            raise pytest.UsageError(f"{item.nodeid}: dvc_fault_profile({', '.join(map(repr, named.args))}): no such "
                                    f"fault profile (known: {', '.join(profiles)})")
        marker = item.get_closest_marker("dvc_emulator_only")
        if under_test and marker is not None:
            why = marker.args[0] if marker.args else marker.kwargs.get("reason", "it needs the provincial emulator")
            item.add_marker(pytest.mark.skip(reason=f"emulator only ({why}); the portal under test is {under_test}"))
        elif api and (set(BROWSER_FIXTURES) & set(getattr(item, "fixturenames", ()))
                      or item.get_closest_marker("dvc_browser_only") is not None):
            only = item.get_closest_marker("dvc_browser_only")
            why = f" ({only.args[0]})" if only is not None and only.args else ""
            item.add_marker(pytest.mark.skip(reason=f"a browser test{why}: the api driver runs no browser "
                                                    "(--dvc-driver)"))


@pytest.hookimpl(wrapper=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function) -> Any:
    """A journey step the driver or the portal cannot do (harness.steps.StepUnavailable) skips the test, saying so."""
    try:
        return (yield)
    except steps.StepUnavailable as exc:
        pytest.skip(str(exc))


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef: Any, request: pytest.FixtureRequest) -> Any:
    try:
        return (yield)
    except steps.StepUnavailable as exc:
        pytest.skip(str(exc))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_logstart(nodeid: str, location: tuple[str, int | None, str]) -> None:
    """Under `dvc-harness run`, a line as each journey starts (xdist's workers report their starts to the
    process that prints): the run says what is going on before the first journey ends. First, before pytest's
    own verbose line begins, so that line stays whole."""
    if os.environ.get("DVC_HARNESS_PROGRESS") and not os.environ.get("PYTEST_XDIST_WORKER"):
        print(f"\ndvc-harness: start {nodeid}", flush=True)


class _XdistHooks:
    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        """Workers learn the run's id, so only the run that started a shared stack stops it."""
        node.workerinput["dvc_run_id"] = node.config._dvc_run_id


def pytest_report_header(config: pytest.Config) -> list[str]:
    pinned = config.getoption("dvc_namespace", None)
    as_of = getattr(config, "_dvc_as_of", None)
    return [f"dvc-harness: test data seed {config.getoption('dvc_seed')} (repeat with --dvc-seed)",
            *([f"dvc-harness: every test's clock runs from {as_of.isoformat()} (--dvc-as-of)"] if as_of else []),
            *([f"dvc-harness: every test in the namespace {pinned}, reset before each"] if pinned else []),
            *getattr(config, "_dvc_warnings", [])]


def _worker(config: pytest.Config) -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


# -- the stack -------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def dvc_stack(pytestconfig: pytest.Config, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack | RemoteStack]:
    """The emulated stack: `.urls`, `.info` (StackInfo), `.config` (with the credentials)."""
    state_dir = pytestconfig.getoption("dvc_state_dir")
    if state_dir:
        info = find_running(state_dir)
        if info is None and _worker(pytestconfig) != "main":
            # Parallel workers share one stack: the first starts `dvc-harness serve` there, under a lock;
            # the controller stops it when the whole run ends (pytest_sessionfinish below).
            info = shared.ensure_serving(Path(state_dir), pytestconfig._dvc_run_id)  # type: ignore[attr-defined]
        if info is not None:
            yield RemoteStack(info, state_dir)
            return
        folder = Path(state_dir)
    else:
        folder = tmp_path_factory.mktemp("dvc-stack")
    stack = Stack.start(folder)
    try:
        yield stack
    finally:
        stack.stop()


@pytest.fixture(scope="session")
def dvc_stack_info(dvc_stack: Stack | RemoteStack) -> StackInfo:
    return dvc_stack.info


@pytest.fixture
def dvc_namespace(request: pytest.FixtureRequest) -> str:
    """A namespace of the test's own: no other test, nor another worker, sees its data. With
    --dvc-namespace NAME, that one, reset on the five emulators before the test (a team's portal keeps
    its own data: only the emulators' namespace is reset)."""
    pinned = request.config.getoption("dvc_namespace", None)
    if pinned:
        reset_namespace(request.getfixturevalue("dvc_stack").info, pinned)
    ns = str(pinned) if pinned else f"{_worker(request.config)}-{uuid.uuid4().hex[:12]}"
    pin_namespace(request, ns)
    return ns


def as_of(request: pytest.FixtureRequest) -> datetime | None:
    """Where the test's namespace clock runs from: its `dvc_as_of` marker's date, else --dvc-as-of; None: the
    stack's clock (real time: today's world, unless the stack was served --as-of)."""
    marker = request.node.get_closest_marker("dvc_as_of")
    if marker is None:
        return getattr(request.config, "_dvc_as_of", None)
    try:
        return parse_as_of(str(marker.args[0] if marker.args else marker.kwargs.get("date", "")))
    except InvalidAsOf as exc:
        raise pytest.UsageError(f"dvc_as_of marker of {request.node.nodeid}: {exc}") from exc


def pin_namespace(request: pytest.FixtureRequest, ns: str) -> None:
    """Run the namespace's clock from the test's date (`as_of`), when it has one: its world is that date's."""
    moment = as_of(request)
    if moment is not None:
        Clock(request.getfixturevalue("dvc_stack").info, ns).run_from(moment.isoformat())


def reset_namespace(info: StackInfo, namespace: str) -> None:
    """Erase a namespace on every emulator (its data, faults, clock, journal)."""
    for service, url in info.services.items():
        answer = requests.post(f"{url}/_admin/reset", timeout=30,
                               headers={"X-Admin-Token": info.admin_token, NAMESPACE_HEADER: namespace})
        if not answer.ok:
            raise RuntimeError(f"could not reset the namespace {namespace} on {service}: HTTP {answer.status_code}")


@pytest.fixture
def dvc_platform(dvc_stack: Stack | RemoteStack, dvc_namespace: str) -> Platform:
    """The four clients, bound to the test's namespace."""
    return Platform.connect(dvc_stack.info, namespace=dvc_namespace)


@pytest.fixture
def dvc_pages(request: pytest.FixtureRequest, dvc_stack: Stack | RemoteStack, dvc_namespace: str) -> Any:
    """The portals under test as the journeys drive them (scenarios.portal.Portals): with the browser driver the
    page objects on the test's browser page (--dvc-pages), with the api driver the portal's HTTP layer (--dvc-api).
    A method they raise NotImplementedError for skips the test, naming it."""
    if driver_of(request) == "api":
        from scenarios.api import api_portals  # the driver chosen: only now is the API driver loaded

        portals = api_portals(request.getfixturevalue("dvc_api")())
        owner = "the API driver's {part} portal"
    else:
        page = request.getfixturevalue("page")
        page.context.set_extra_http_headers({NAMESPACE_HEADER: dvc_namespace})
        request.node._dvc_page = page       # for the failure's page.html (_keep_page_html)
        portals = _factory(request, "dvc_pages")(page, dict(dvc_stack.urls))
        owner = "the {part} page object"
    return _Portals(*(steps.lacking(getattr(portals, part), owner.format(part=part))
                      for part in ("national", "provincial", "payment", "postal")))


def driver_of(request: pytest.FixtureRequest) -> str:
    """The test's driver: its dvc_driver marker's, else --dvc-driver's."""
    marker = request.node.get_closest_marker("dvc_driver")
    driver = marker.args[0] if marker is not None and marker.args else request.config.getoption("dvc_driver")
    if driver not in DRIVERS:
        raise pytest.UsageError(f"dvc_driver({driver!r}): the drivers are {', '.join(DRIVERS)}")
    return str(driver)


class _Portals:
    def __init__(self, national: Any, provincial: Any, payment: Any, postal: Any) -> None:
        self.national, self.provincial, self.payment, self.postal = national, provincial, payment, postal


@pytest.fixture
def dvc_api(request: pytest.FixtureRequest, dvc_stack: Stack | RemoteStack, dvc_namespace: str) -> Any:
    """A function giving a new citizen's HTTP clients of the portals (scenarios.api.seam.ApiPortals, each call a
    new session: a new cookie jar), in the test's namespace (--dvc-api); None when the portal under test has
    its own page objects (--dvc-pages) and no HTTP layer was given."""
    target = request.config.getoption("dvc_api")
    if target is None and request.config.getoption("dvc_pages") != DEFAULT_PAGES:
        return None
    from scenarios.api import resolve_factory

    try:
        factory = resolve_factory(target, "--dvc-api")
    except (ValueError, ImportError) as exc:
        raise pytest.UsageError(str(exc)) from exc
    info = dvc_stack.info

    def portals() -> Any:
        return factory(requests.Session(), dict(dvc_stack.urls), namespace=dvc_namespace, admin_token=info.admin_token)

    return portals


def _factory(request: pytest.FixtureRequest, option: str) -> Any:
    target = request.config.getoption(option)
    module_name, _, attribute = target.partition(":")
    if not module_name or not attribute:
        raise pytest.UsageError(f"--{option.replace('_', '-')} wants MODULE:FACTORY, got {target!r}")
    try:
        return getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError) as exc:
        raise pytest.UsageError(f"--{option.replace('_', '-')} {target}: {exc}") from exc


@pytest.fixture(scope="session")
def dvc_back_office_factory(request: pytest.FixtureRequest, dvc_stack: Stack | RemoteStack) -> Any:
    """namespace -> the provincial portal's back office in it (see --dvc-hooks); for session fixtures."""
    factory = _factory(request, "dvc_hooks")

    def back_office(namespace: str) -> Any:
        # a method the portal cannot offer raises NotImplementedError: the test (or the session fixture, e.g. the
        # suites' catalogue) that needs it is skipped, naming it (scenarios.portal.PortalBackOffice promises so)
        return steps.lacking(factory(dict(dvc_stack.urls), namespace=namespace, admin_token=dvc_stack.info.admin_token),
                             "the portal's back office")

    return back_office


@pytest.fixture
def dvc_back_office(dvc_back_office_factory: Any, dvc_namespace: str) -> Any:
    """The provincial portal's back office (scenarios.portal.PortalBackOffice, see --dvc-hooks), in the
    test's namespace: what the journeys need beyond the pages."""
    return dvc_back_office_factory(dvc_namespace)


# -- test control ----------------------------------------------------------------------------------
@pytest.fixture
def dvc_faults(request: pytest.FixtureRequest, dvc_stack: Stack | RemoteStack, dvc_namespace: str) -> Iterator[Faults]:
    """Fault rules in the test's namespace, removed after it."""
    faults = Faults(dvc_stack.info, dvc_namespace)
    yield faults
    faults.clear()


@pytest.fixture
def dvc_clock(dvc_stack: Stack | RemoteStack, dvc_namespace: str) -> Iterator[Clock]:
    """The test's namespace clock (real time until set); back to real time after the test."""
    clock = Clock(dvc_stack.info, dvc_namespace)
    yield clock
    clock.real()


@pytest.fixture
def dvc_journal(dvc_stack: Stack | RemoteStack, dvc_namespace: str) -> Journal:
    """What the services received and sent in the test's namespace."""
    return Journal(dvc_stack.info, dvc_namespace)


@pytest.fixture(autouse=True)
def _dvc_fault_profile(request: pytest.FixtureRequest) -> None:
    marker = request.node.get_closest_marker("dvc_fault_profile")
    if marker is None:
        return
    if not marker.args:
        raise pytest.UsageError("dvc_fault_profile needs the profile's name")
    request.getfixturevalue("dvc_faults").apply_profile(marker.args[0])


# -- test data -------------------------------------------------------------------------------------
def _test_id(node: pytest.Item) -> str:
    """The test's id without the folder it was run from: module::class::name[params]."""
    module = getattr(getattr(node, "module", None), "__name__", "")
    return f"{module}::{node.nodeid.split('::', 1)[-1]}" if module else node.nodeid


@pytest.fixture
def dvc_seed(request: pytest.FixtureRequest) -> int:
    """The test's own seed: the run's seed mixed with the test's id, so a test repeats alone, in any
    order, on any worker, from any folder."""
    return int(request.config.getoption("dvc_seed")) ^ zlib.crc32(_test_id(request.node).encode())


@pytest.fixture
def dvc_world(dvc_platform: Platform) -> World:
    """The world of the test's namespace: the rules of its clock's date (mocks.core.world), as the stack says."""
    return world_on(date.fromisoformat(str(dvc_platform.national.world()["day"])))


@pytest.fixture
def dvc_data(dvc_seed: int, request: pytest.FixtureRequest, dvc_world: World) -> DataFactory:
    """The test's data; its addresses are two-level in the two-tier world (from 2025-07-01), three-level before.
    Its scope is the test's own seed, the run's mixed with the test's id: unique within a run, and another on the
    next, so a portal that keeps its data (a team's, or one namespace run twice) never meets a test's new citizen
    from an earlier run of the same test."""
    from .testdata import DataFactory

    return DataFactory(seed=dvc_seed, scope=f"{dvc_seed:08x}", two_levels=dvc_world.two_tiers)


@pytest.fixture
def dvc_citizen(dvc_platform: Platform, dvc_data: DataFactory) -> dict[str, Any]:
    """A citizen who logs in in the namespace's world: the registration plus `username` and `log_in` — a DVCQG
    account confirmed with the one-time code ("password") before 1 July 2024, a level-2 VNeID identity ("vneid")
    from then on (harness.clients.Platform.ready_account)."""
    return dvc_platform.ready_account(dvc_data.citizen())


@pytest.fixture
def dvc_business(dvc_platform: Platform, dvc_data: DataFactory) -> dict[str, Any]:
    """A business that logs in in the namespace's world (VNeID, held by a representative, from 1 July 2025)."""
    return dvc_platform.ready_account(dvc_data.business(), representative=dvc_data.citizen())


@pytest.fixture
def dvc_agency(dvc_platform: Platform, dvc_data: DataFactory) -> dict[str, Any]:
    """An agency that logs in in the namespace's world (VNeID, held by a representative, from 1 July 2025)."""
    return dvc_platform.ready_account(dvc_data.agency(), representative=dvc_data.citizen())


# -- steps and failure artefacts -------------------------------------------------------------------
@pytest.fixture(autouse=True)
def _dvc_steps(request: pytest.FixtureRequest) -> Iterator[steps.StepRecorder]:
    recorder = steps.StepRecorder()
    token = steps.install(recorder)
    request.node._dvc_steps = recorder
    yield recorder
    steps.uninstall(token)


@pytest.fixture(autouse=True)
def _dvc_browser_namespace(request: pytest.FixtureRequest) -> None:
    """Browser tests work in the test's namespace: every request of the context carries it."""
    if "context" in request.fixturenames and "dvc_namespace" in request.fixturenames:
        context = request.getfixturevalue("context")
        context.set_extra_http_headers({NAMESPACE_HEADER: request.getfixturevalue("dvc_namespace")})


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Iterator[None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    recorder = getattr(item, "_dvc_steps", None)
    if report.when == "call" and recorder is not None and recorder.steps:
        item.user_properties.append(("dvc_steps", json.dumps(recorder.as_json(), ensure_ascii=False)))
    if report.when == "call" and report.failed:
        _keep_page_html(item)


def _keep_page_html(item: pytest.Item) -> None:
    """Save the failed page's HTML next to pytest-playwright's trace and screenshot."""
    funcargs = getattr(item, "funcargs", {})
    page, folder = getattr(item, "_dvc_page", None) or funcargs.get("page"), funcargs.get("output_path")
    if page is not None and not folder:     # the page came through dvc_pages: ask pytest-playwright where
        try:
            folder = item._request.getfixturevalue("output_path")  # type: ignore[attr-defined]
        except Exception:  # no pytest-playwright output folder: nothing to keep
            return
    if page is None or not folder:
        return
    try:
        html = page.content()
    except Exception:  # the page may be closed or crashed: nothing to keep
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    (Path(folder) / "page.html").write_text(html, encoding="utf-8")
    item.user_properties.append(("dvc_page_html", str(Path(folder) / "page.html")))


def pytest_sessionfinish(session: pytest.Session) -> None:
    if not hasattr(session.config, "workerinput"):  # the controller, or a run without xdist
        state_dir = session.config.getoption("dvc_state_dir", None)
        if state_dir:
            shared.stop_serving(Path(state_dir), session.config._dvc_run_id)  # type: ignore[attr-defined]
