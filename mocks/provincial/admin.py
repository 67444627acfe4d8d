"""The portal's own test-control routes under /_admin (X-Admin-Token).

`result-ready` walks a dossier through receipt and processing to its result by the back
office's own rules (a shortcut for tests of what comes after); the listings are what the
tests and the consistency checks read; `sessions` opens a logged-in session for an account
without the SSO round trip (for load tests and restart tests, never for journeys);
`officers` makes the back office's accounts and `officer-sessions` opens one's session;
`notifications` is the e-mail/SMS outbox of the notices to applicants.
"""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from mocks.core.app import Namespace, admin_guard
from mocks.core.openapi import success
from mocks.core.web import Session

from . import schemas
from .api import STATE
from .auth import COOKIE, PortalAuth
from .dossier.entity import STATUS_NAMES
from .model import ProvincialPortal
from .officer_api import OFFICER_COOKIE, OfficerAuth
from .officers import ROLES
from .sync import sync_state
from .text import check_encodable


class LocalAccountIn(BaseModel):
    full_name: str = Field(..., max_length=200)
    id_number: str | None = Field(None, max_length=20, description="SoDinhDanh, MaSoThue or MaCoQuan")
    account_type: int = Field(1, description="1 citizen, 2 business, 3 agency")
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=32)
    address: str | None = Field(None, max_length=500)


class SessionIn(BaseModel):
    account_id: str = Field(..., max_length=64)


class OfficerIn(BaseModel):
    username: str = Field(..., max_length=64, description="3–64 lower-case letters, digits, '.', '_', '-'")
    full_name: str = Field(..., max_length=200)
    agency_code: str = Field(..., max_length=64, description="The agency the officer works in")
    role: str = Field(..., max_length=16, description=" | ".join(ROLES))
    password: str | None = Field(None, max_length=200, description="8–200 characters; generated when absent")
    email: str | None = Field(None, max_length=254)


class OfficerSessionIn(BaseModel):
    username: str = Field(..., max_length=64)


def router(portal: ProvincialPortal, auth: PortalAuth, officer_auth: OfficerAuth) -> APIRouter:
    api = APIRouter(prefix="/_admin", tags=["admin"], dependencies=[Depends(admin_guard(portal.config))])
    dossiers = portal.dossiers

    @api.post("/dossiers/{code}/result-ready",
              summary="Shortcut: receive (1 → 2), process (→ 4) and finish (→ 9, or 6 while an online fee is unpaid), "
                      "each step by the back office's rules",
              responses={**success(schemas.Dossier), **STATE})
    def result_ready(code: str, ns: Namespace) -> dict[str, Any]:
        return dossiers.result_ready(ns, code).to_json(portal.tracking_base)

    @api.get("/dossiers", summary="The namespace's dossiers (summaries), optionally of one status",
             responses=success(schemas.AdminDossiers))
    def list_dossiers(
        ns: Namespace,
        status: Annotated[int | None, Query(ge=1, le=10)] = None,
        limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
        offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
    ) -> dict[str, Any]:
        items = [d.summary_json() for d in dossiers.list(ns, status, limit, offset)]
        return {"total": dossiers.count(ns, status), "offset": offset, "items": items,
                "status_names": {str(k): v for k, v in STATUS_NAMES.items()}}

    @api.get("/dossiers/{code}", summary="One dossier in full, with its payment attempts",
             responses=success(schemas.AdminDossier))
    def get_dossier(code: str, ns: Namespace) -> dict[str, Any]:
        dossier = dossiers.get(ns, code)
        return {**dossier.to_json(portal.tracking_base),
                "payments": [t.to_json() for t in portal.payments.attempts(ns, code)],
                "national_sync": sync_state(portal.outbox, ns, code)}

    @api.get("/accounts", summary="The namespace's local accounts", responses=success(schemas.LocalAccounts))
    def list_accounts(ns: Namespace) -> dict[str, Any]:
        return {"items": [a.to_json() for a in portal.accounts.all(ns)]}

    @api.post("/accounts", status_code=201, summary="Create a local account not yet linked to SSO",
              responses={**success(schemas.LocalAccount, 201), 409: {"description": "The ID number has an account"}})
    def create_account(body: LocalAccountIn, ns: Namespace) -> dict[str, Any]:
        check_encodable(body.model_dump())
        return portal.accounts.create_local(ns, full_name=body.full_name, id_number=body.id_number,
                                            account_type=body.account_type, email=body.email, phone=body.phone,
                                            address=body.address).to_json()

    @api.get("/logins", summary="SSO log-ins and the linking rule each one used (techid, id_number, created)",
             responses=success(schemas.SsoLogins))
    def logins(ns: Namespace) -> dict[str, Any]:
        return {"items": portal.accounts.logins(ns)}

    @api.post("/sessions", status_code=201, summary="Open a logged-in session for an account (skips the SSO)",
              responses={**success(schemas.CitizenSession, 201), 404: {"description": "No such account"}})
    def open_session(body: SessionIn, ns: Namespace) -> dict[str, Any]:
        check_encodable(body.account_id, "account_id")
        account = portal.accounts.get(ns, body.account_id)
        session = Session(secrets.token_urlsafe(24), {"account_id": account.id, "link_rule": "admin"}, new=True)
        auth.sessions.persist(ns, session)
        return {"cookie": COOKIE, "value": session.sid, "account": account.to_json()}

    @api.get("/officers", summary="The namespace's officers", responses=success(schemas.Officers))
    def list_officers(ns: Namespace, agency_code: Annotated[str | None, Query(max_length=64)] = None) -> dict[str, Any]:
        return {"items": [o.to_json() for o in portal.officers.list(ns, agency_code)]}

    @api.post("/officers", status_code=201, summary="Create an officer of an agency with a role; answers the password",
              responses={**success(schemas.CreatedOfficer, 201), 404: {"description": "No such agency"},
                         409: {"description": "The user name is taken"}})
    def create_officer(body: OfficerIn, ns: Namespace) -> dict[str, Any]:
        check_encodable(body.model_dump())
        officer, password = portal.officers.create(ns, username=body.username, full_name=body.full_name,
                                                   agency_code=body.agency_code, role=body.role,
                                                   password=body.password, email=body.email)
        return {**officer.to_json(), "password": password}

    @api.post("/officer-sessions", status_code=201, summary="Open an officer's session (skips the password)",
              responses={**success(schemas.OfficerSession, 201), 404: {"description": "No such officer"}})
    def open_officer_session(body: OfficerSessionIn, ns: Namespace) -> dict[str, Any]:
        check_encodable(body.username, "username")
        officer = portal.officers.get(ns, body.username)
        session = officer_auth.open(ns, officer)
        return {"cookie": OFFICER_COOKIE, "value": session.sid, "officer": officer.to_json()}

    @api.get("/notifications", summary="The e-mail/SMS notices to applicants, newest first",
             responses=success(schemas.Notices))
    def notifications(
        ns: Namespace,
        to: Annotated[str | None, Query(max_length=254, description="an e-mail address or a phone number")] = None,
        dossier: Annotated[str | None, Query(max_length=64, description="a dossier code")] = None,
        kind: Annotated[str | None, Query(max_length=40)] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    ) -> dict[str, Any]:
        for value in (to, dossier, kind):
            if value:
                check_encodable(value)
        return {"messages": [n.to_json() for n in portal.notifications.list(ns, to=to, dossier_code=dossier,
                                                                            kind=kind, limit=limit)]}

    return api
