"""State survives a restart: a new app on the same state folder keeps accounts, dossiers and the signing key."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import jwt
import requests

from harness.stack import Stack
from mocks.core.world import SEED_DAY, parse_as_of

from .conftest import PASSWORD, active_citizen, submit
from .test_model_sync import CODE, dossier

T = 5
NS_HEADERS = {"X-DVC-Namespace": "restart"}
ADMIN = "X-Admin-Token"


def start(state: Path) -> Stack:
    # the 2022 world (a DVCQG password log-in): the stack's clock runs from its date, as `serve --as-of` does
    return Stack.start(state, services=("national",), write_file=False, as_of=parse_as_of(SEED_DAY.isoformat()))


def test_accounts_dossiers_and_key_survive_a_restart(tmp_path: Path) -> None:
    first = start(tmp_path)
    try:
        base = first.urls["national"]
        creds = first.config.credentials
        admin = {**NS_HEADERS, ADMIN: creds.admin_token}
        active_citizen(base, NS_HEADERS, admin)
        callback = first.config.url("provincial") + "/auth/callback"
        browser = requests.Session()
        browser.headers.update(NS_HEADERS)
        page = browser.get(f"{base}/oauth2/authorize", params={
            "response_type": "code", "client_id": creds.oidc_client_id, "redirect_uri": callback, "scope": "openid",
            "state": "s"}, timeout=T)
        code = parse_qs(urlsplit(submit(browser, base, page.text, {"username": "049190012345",
                                                                   "password": PASSWORD}).headers["location"]).query)
        tokens = requests.post(f"{base}/oauth2/token", data={
            "grant_type": "authorization_code", "code": code["code"][0], "redirect_uri": callback},
            auth=(creds.oidc_client_id, creds.oidc_client_secret), headers=NS_HEADERS, timeout=T).json()
        old_issuer = first.config.url("national")
        old_kid = jwt.get_unverified_header(tokens["id_token"])["kid"]
        sync = requests.post(f"{base}/sync/login", json={"username": creds.sync_username,
                                                         "password": creds.sync_password},
                             headers=NS_HEADERS, timeout=T).json()["session"]
        requests.post(f"{base}/sync/service", json={"session": sync, "madonvi": "000.00.12.H47",
                                                    "service": "DongBoHoSoMC", "isUpdating": False,
                                                    "data": [dossier()]}, headers=NS_HEADERS, timeout=T)
    finally:
        first.stop()

    second = start(tmp_path)
    try:
        base = second.urls["national"]
        jwks = requests.get(f"{base}/oauth2/jwks", timeout=T).json()
        (key,) = jwks["keys"]
        assert key["kid"] == old_kid
        claims = jwt.decode(tokens["id_token"], jwt.PyJWK(key).key, algorithms=["RS256"],
                            audience=creds.oidc_client_id, issuer=old_issuer)
        assert claims["sub"]
        login = requests.post(f"{base}/api/v1/login", json={"username": "049190012345", "password": PASSWORD},
                              headers=NS_HEADERS, timeout=T)
        assert login.status_code == 200 and login.json()["subject"] == claims["sub"]
        info = requests.get(f"{base}/oauth2/userinfo",
                            headers={**NS_HEADERS, "Authorization": f"Bearer {tokens['access_token']}"}, timeout=T)
        assert info.status_code == 200 and info.json()["sub"] == claims["sub"]
        assert requests.get(f"{base}/api/v1/lookup/{CODE}", headers=NS_HEADERS, timeout=T).json()["status"] == 2
        # the gateway session too was kept in the store
        r = requests.post(f"{base}/sync/service", json={"session": sync, "service": "TraCuuHoSo", "mahoso": CODE},
                          headers=NS_HEADERS, timeout=T)
        assert r.json()["error_code"] == 0
    finally:
        second.stop()
