"""Fixtures of the scenario suites, on top of the dvc-harness plugin's (`dvc_pages`, `dvc_platform`, ...).

The procedures come from the portal's back office (`--dvc-hooks`); override `journey_catalogue` in your
own conftest.py to name the procedures of your portal instead. `dvc_journey` is what a journey of
scenarios.registry runs with, in the driver `--dvc-driver` chose.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
import requests

from harness.clients import Platform
from harness.control import Clock
from harness.pytest_plugin import driver_of
from harness.steps import StepUnavailable, step
from scenarios import journeys
from scenarios.context import JourneyContext
from scenarios.journeys import (
    CATALOGUE_KINDS,
    Catalogue,
    ProcedurePick,
    SampleFiles,
    make_sample_files,
    postal_address,
)
from scenarios.portal import PostalAddress


@pytest.fixture(scope="session")
def journey_catalogue(pytestconfig: pytest.Config, dvc_back_office_factory: Any, dvc_stack: Any) -> Catalogue:
    """The procedures the journeys use, picked once from the portal's catalogue (the same in every namespace of
    one date)."""
    namespace = pytestconfig.getoption("dvc_namespace", None) or "scenarios-catalogue"
    as_of = getattr(pytestconfig, "_dvc_as_of", None)
    if as_of is not None:   # the catalogue of the journeys' date (the province's catalogue changes with it)
        Clock(dvc_stack.info, namespace).run_from(as_of.isoformat())
    return Catalogue.pick(dvc_back_office_factory(namespace))


def need(catalogue: Catalogue, kind: str) -> ProcedurePick:
    """The catalogue's procedure of this kind (scenarios.journeys.CATALOGUE_KINDS); the test is skipped, saying
    what it needs, when the portal has none."""
    pick = getattr(catalogue, kind)
    if pick is None:
        pytest.skip(f"the portal's catalogue has no {CATALOGUE_KINDS[kind].describe().removeprefix('a ')}")
    return pick


@pytest.fixture
def sample_files(tmp_path: Path) -> SampleFiles:
    """A tiny valid PDF and PNG, and a text file named .pdf, in the test's temporary folder."""
    return make_sample_files(tmp_path / "tep-dinh-kem")


@pytest.fixture
def citizen_address(dvc_citizen: dict[str, Any], dvc_data: Any) -> PostalAddress:
    """Where the citizen's result goes by post: a Quảng Nam address."""
    return postal_address(dvc_citizen, dvc_data)


# -- the journeys of scenarios.registry ---------------------------------------------------------------------------
class SuiteCitizens:
    """The citizens of a test: registered through the national emulator's API (set-up, not the journey).

    With an HTTP layer for the portal under test (`dvc_api`: the emulator's, or `--dvc-api`), the browser
    journeys that are not about the log-in log in over HTTP, through the same national SSO, and hand the
    cookies to the browser; the returning citizen's dossier is submitted over HTTP as well. Without one (a
    team's own page objects only), both go through the pages.
    """

    def __init__(self, http: Callable[[], Any] | None, to_browser: Callable[[requests.Session], None] | None) -> None:
        self.http = http
        self.to_browser = to_browser
        self.logged_in = ""     # the citizen the set-up left logged in through the pages

    def new(self, ctx: JourneyContext, *, fresh: bool = False) -> dict[str, Any]:
        # the namespace's world decides: a DVCQG account (before 1 July 2024) or a VNeID identity
        return ctx.platform.ready_account(ctx.data.citizen())

    def registered(self, ctx: JourneyContext, citizen: Mapping[str, Any]) -> None:
        return None

    def _over_http(self) -> Any:
        from scenarios.api import api_portals

        assert self.http is not None
        return api_portals(self.http())

    def log_in(self, ctx: JourneyContext, citizen: Mapping[str, Any]) -> None:
        self.log_in_on(ctx.driver, ctx.portals, citizen, app=ctx.app)

    def log_in_on(self, driver: str, pages: Any, citizen: Mapping[str, Any], *, app: Any) -> Any:
        """`citizen` logged in on `pages` (the driver's portals), by the fastest road that keeps the national SSO.
        Returns the portals a set-up may go on with as this citizen: the HTTP ones it logged in on (the session
        the browser was handed), else `pages`."""
        if self.logged_in == citizen["username"]:       # the set-up logged in through the pages already
            pages.provincial.home()
            pages.provincial.expect_logged_in(str(citizen["full_name"]))
        elif driver == "browser" and self.http is not None and self.to_browser is not None:
            portals = self._over_http()
            journeys.log_in_provincial(portals, citizen, app=app)
            with step("Trao phiên đăng nhập cho trình duyệt: trang chủ hiện tên công dân"):
                self.to_browser(portals.seam.national.session)
                pages.provincial.home()
                pages.provincial.expect_logged_in(str(citizen["full_name"]))
            return portals
        else:
            journeys.log_in_provincial(pages, citizen, app=app)
        return pages

    def returning(self, ctx: JourneyContext) -> tuple[dict[str, Any], str]:
        citizen = self.new(ctx)
        procedure = ctx.procedure("level3_fee")
        portals = self._over_http() if self.http is not None else ctx.portals
        with step("Chuẩn bị: công dân đã nộp một hồ sơ mức độ 3"):
            journeys.log_in_provincial(portals, citizen, app=ctx.app)
            code = journeys.submit_level3_dossier(portals, ctx.platform, procedure, ctx.files)
            if portals is ctx.portals:
                self.logged_in = str(citizen["username"])
        return citizen, code


def _cookies_to(context: Any) -> Callable[[requests.Session], None]:
    """Hand a requests session's cookies to a Playwright browser context (cookies are by host, not port; a Secure
    cookie only to an https address, which the browser would otherwise refuse)."""

    def hand(session: requests.Session) -> None:
        context.add_cookies([
            {"name": c.name, "value": c.value or "",
             "url": f"{'https' if c.secure else 'http'}://{c.domain.lstrip('.')}{c.path or '/'}",
             "httpOnly": bool(c.has_nonstandard_attr("HttpOnly")), "secure": bool(c.secure)}
            for c in session.cookies])

    return hand


@pytest.fixture
def log_in_citizen(request: pytest.FixtureRequest, dvc_pages: Any, dvc_platform: Platform,
                   dvc_api: Any) -> Callable[[Mapping[str, Any]], Any]:
    """Log a citizen in on the browser's pages, for a journey that is about something else (the officers', the
    faults'): over HTTP through the same national SSO, the cookies handed to the browser, as the registry's
    journeys do; through the pages when the portal under test has no HTTP layer. Returns the portals the
    journey's set-up goes on with as the citizen (its dossier submitted, paid): those HTTP ones, else the pages.
    The citizen journeys check the same steps in the browser."""
    citizens = SuiteCitizens(dvc_api, _cookies_to(request.getfixturevalue("context")))
    return lambda citizen: citizens.log_in_on("browser", dvc_pages, citizen, app=dvc_platform.vneid)


@pytest.fixture
def dvc_journey(request: pytest.FixtureRequest, dvc_pages: Any, dvc_platform: Platform, dvc_back_office: Any,
                journey_catalogue: Catalogue, dvc_data: Any, sample_files: SampleFiles, dvc_api: Any,
                dvc_world: Any) -> JourneyContext:
    """What a journey of scenarios.registry runs with, in the driver --dvc-driver chose."""
    driver = driver_of(request)
    to_browser = _cookies_to(request.getfixturevalue("context")) if driver == "browser" else None
    return JourneyContext(driver=driver, portals=dvc_pages, platform=dvc_platform, back_office=dvc_back_office,
                          catalogue=journey_catalogue, data=dvc_data, files=sample_files,
                          citizens=SuiteCitizens(dvc_api, to_browser), world=dvc_world)


__all__ = ["StepUnavailable", "SuiteCitizens", "need"]
