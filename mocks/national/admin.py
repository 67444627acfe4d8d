"""The national portal's own admin routes: the SMS/e-mail outbox, accounts, sync accounts (relying parties:
mocks/core/oauth_routes.py)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from mocks.core.app import Namespace, admin_guard
from mocks.core.config import StackConfig
from mocks.core.errors import NotFound
from mocks.core.openapi import success

from . import schemas
from .model import NationalPortal


class SyncAccountRegistration(BaseModel):
    username: str = Field(max_length=100)
    password: str = Field(max_length=200)
    madonvi: str | None = Field(None, max_length=50, description="when set, the account may push only for it")


def admin_routes(model: NationalPortal, config: StackConfig) -> APIRouter:
    router = APIRouter(prefix="/_admin", tags=["admin"], dependencies=[Depends(admin_guard(config))])

    @router.get("/messages", summary="SMS and e-mail messages of the namespace, newest first",
                responses=success(schemas.SentMessages))
    def messages(ns: Namespace, to: str | None = Query(None, max_length=254, description="phone, e-mail or user name"),
                 limit: int = Query(100, ge=1, le=1000)) -> dict[str, Any]:
        return {"messages": model.accounts.messages(ns, to, limit)}

    @router.get("/accounts/{username}", summary="One account of the namespace, without its password: how it logs in "
                "(linked to a VNeID identity, and its level)", responses={**success(schemas.AdminAccount),
                                                                          404: {"description": "No such account"}})
    def account(username: str, ns: Namespace) -> dict[str, Any]:
        found = model.accounts.get(ns, username)
        if found is None:
            raise NotFound("ACCOUNT_NOT_FOUND", "Không tìm thấy tài khoản.", "No such account.")
        return {**found.public(), "linked_to_vneid": found.vneid_subject is not None}

    @router.get("/sync-accounts", summary="Accounts of the dossier-sync gateway; passwords are not shown",
                responses=success(schemas.SyncAccounts))
    def sync_accounts() -> dict[str, Any]:
        return {"accounts": model.sync.accounts()}

    @router.post("/sync-accounts", status_code=201, summary="Register a dossier-sync gateway account",
                 responses={**success(schemas.RegisteredSyncAccount, 201),
                            409: {"description": "The user name is the built-in account's"}})
    def register_sync_account(body: SyncAccountRegistration) -> dict[str, Any]:
        return model.sync.register_account(body.username, body.password, body.madonvi)

    return router
