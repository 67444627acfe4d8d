"""The provincial portal's ASGI app: `create_app(config)` (harness.stack starts it on port N+1)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI

from mocks.core.app import Namespace, ServiceContext, create_service_app
from mocks.core.bodylimit import CALLBACK_LIMIT, BodyLimits
from mocks.core.config import StackConfig
from mocks.core.namespace import DEFAULT

from . import admin, api, auth, officer_api, officer_ui, ui
from .model import ProvincialPortal

TEMPLATES = Path(__file__).parent / "templates"
SITE_NAME = "Cổng Dịch vụ công tỉnh Quảng Nam"
DESCRIPTION = """Emulator of a Provincial Public Service Portal (Quảng Nam) and the first slice of its one-stop
back office: the procedure catalogue, log-in through the national SSO, online dossiers with their
rules (levels, fees, attachments, postal return), online payment through the payment platform,
the postal return of results, and the push of every dossier and change to the national portal.
The JSON API uses the `tinh_session` cookie that the SSO log-in (`GET /dang-nhap`) sets.

The one-stop back office: officers of each agency (desk, specialist, leader) receive, refuse,
ask for a supplement, process, finish, return, stop and re-schedule dossiers by the rules of
Decree 61/2018 (`/api/v1/officer/...`, cookie `tinh_officer_session`; pages under `/can-bo`),
enter counter and postal dossiers, and the campaign statistics come from the dossiers
(`/api/v1/stats/online-rate`, page `/thong-ke`)."""


# What the portal's routes accept (1 MB unless named here): the routes that take attachments more.
BODY_LIMITS = BodyLimits(
    routes={
        "/api/v1/dossiers": api.MAX_JSON_BODY,                    # attachments in base64
        "/api/v1/dossiers/{code}/supplement": api.MAX_JSON_BODY,
        "/nop-ho-so/{code}": ui.MAX_FORM_REQUEST,                 # the submission form, files as multipart
        "/ho-so/{ma}/bo-sung": ui.MAX_FORM_REQUEST,
        "/api/payment/confirm": CALLBACK_LIMIT,
        "/api/postal/events": CALLBACK_LIMIT,
    },
    envelopes={
        "/api/payment/confirm": api.confirm_envelope,
        "/api/postal/events": lambda body: api.postal_envelope(body, 413),
    },
)


def create_app(config: StackConfig) -> FastAPI:
    ctx = ServiceContext.open("provincial", config, TEMPLATES)
    portal = ProvincialPortal(ctx.store, ctx.clock, ctx.outbox, config, http=ctx.http)
    web = auth.PortalAuth(portal, ctx.store)
    officer_web = officer_api.OfficerAuth(portal, ctx.store)
    ctx.resetters.append(portal.reset)
    ctx.on_time_moved.append(portal.reorganisation.catch_up)
    ctx.fast_reads["/api/v1/procedures"] = lambda query, ns=DEFAULT: portal.catalogue_for(ns).fast_read(query)
    ctx.resetters.append(web.reset)
    ctx.resetters.append(officer_web.reset)

    def seed(ns: str, body: dict[str, Any]) -> dict[str, Any]:
        """Optional local accounts (`{"accounts": [{full_name, id_number, account_type}]}`) and the demo officers
        (one per role at Sở Tư pháp, UBND TP Tam Kỳ, UBND Phường Tân Thạnh); the catalogue is data."""
        created = []
        for item in body.get("accounts") or []:
            if isinstance(item, dict) and isinstance(item.get("full_name"), str):
                created.append(portal.accounts.create_local(
                    ns, full_name=item["full_name"], id_number=item.get("id_number"),
                    account_type=int(item.get("account_type") or 1)).to_json())
        return {"procedures": len(portal.catalogue.procedures), "offerings": len(portal.catalogue.offerings),
                "agencies": len(portal.catalogue.agencies), "accounts": created,
                "officers": portal.officers.seed_demo(ns)}

    app = create_service_app(ctx, title=f"{SITE_NAME} (dvc-harness emulator)", description=DESCRIPTION,
                             site_name=SITE_NAME, seed=seed, body_limits=BODY_LIMITS)
    app.state.portal = portal

    def todays_map(ns: Namespace) -> None:
        """A clock that crossed 1 July 2025 without a word (real time, the stack's clock, another service's admin)
        finds the district's dossiers handed over before anyone reads or moves them (handover.py)."""
        portal.reorganisation.catch_up(ns)

    caught_up = [Depends(todays_map)]
    app.include_router(api.router(portal, web), dependencies=caught_up)
    app.include_router(api.callbacks_router(portal), dependencies=caught_up)
    app.include_router(officer_api.officer_router(portal, officer_web), dependencies=caught_up)
    app.include_router(officer_api.stats_router(portal))
    app.include_router(admin.router(portal, web, officer_web), dependencies=caught_up)
    app.include_router(auth.router(web))
    app.include_router(ui.router(portal, web, ctx.templates), dependencies=caught_up)
    app.include_router(officer_ui.router(portal, officer_web, ctx.templates), dependencies=caught_up)
    return app
