"""Fixtures of the national portal's tests: a model on a temporary store, and HTTP helpers."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from harness.stack import Stack
from mocks.core import oidc_provider
from mocks.core.clock import Clock
from mocks.core.config import Credentials, StackConfig
from mocks.core.storage import Store
from mocks.core.timefmt import VN_TZ
from mocks.national.model import NationalPortal
from mocks.national.schema import DDL

NS = "t"
# The 2022 world's rules (DVCQG passwords, OTP registration: before VNeID, mocks/core/world.py): a Monday of 2024.
START = datetime(2024, 3, 4, 9, 0, tzinfo=VN_TZ)
PASSWORD = "Matkhau2025"


@pytest.fixture(scope="session")
def rsa_pem() -> str:
    """One key pair for all model tests (making one per test costs ~40 ms)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory, rsa_pem: str) -> Path:
    """A migrated database with the test key, copied for each test (creating the tables costs ~40 ms of fsyncs)."""
    path = tmp_path_factory.mktemp("template") / "national.db"
    s = Store(path)
    s.migrate(DDL)
    s.migrate(oidc_provider.DDL)
    s.execute("INSERT INTO signing_key(slot, kid, private_pem, created_at) VALUES (1, 'test-kid', ?, ?)",
              (rsa_pem, time.time()))
    s.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    s.close()
    return path


@pytest.fixture
def config(tmp_path: Path) -> StackConfig:
    urls = {"national": "http://dvcqg.test", "provincial": "http://tinh.test", "payment": "http://pay.test",
            "postal": "http://post.test"}
    return StackConfig(state_dir=tmp_path, urls=urls, credentials=Credentials.generate())


@pytest.fixture
def store(tmp_path: Path, template_db: Path) -> Iterator[Store]:
    shutil.copyfile(template_db, tmp_path / "x.db")
    s = Store(tmp_path / "x.db")
    yield s
    s.close()


@pytest.fixture
def clock(tmp_path: Path) -> Clock:
    c = Clock(Store(tmp_path / "control.db"))
    c.set(NS, START)
    return c


@pytest.fixture
def model(store: Store, clock: Clock, config: StackConfig) -> NationalPortal:
    return NationalPortal(store, clock, config)


# -- over HTTP -----------------------------------------------------------------------------------
@pytest.fixture
def base(dvc_stack: Stack) -> str:
    return dvc_stack.urls["national"]


@pytest.fixture
def headers(ns: str) -> dict[str, str]:
    return {"X-DVC-Namespace": ns}


@pytest.fixture
def admin(dvc_stack: Stack, ns: str) -> dict[str, str]:
    return {"X-DVC-Namespace": ns, "X-Admin-Token": dvc_stack.config.credentials.admin_token}


def citizen_payload(**changes: Any) -> dict[str, Any]:
    return {"account_type": "citizen", "id_number": "049190012345", "full_name": "Phạm Thị Lan",
            "birth_date": "1990-05-20", "gender": "female", "phone": "0905123123", "email": "lan@example.vn",
            "password": PASSWORD, "address": "12 Phan Bội Châu, Tam Kỳ", **changes}


def latest_otp(base: str, admin: dict[str, str], to: str) -> str:
    messages = requests.get(f"{base}/_admin/messages", params={"to": to}, headers=admin, timeout=5).json()["messages"]
    return messages[0]["otp"]


def active_citizen(base: str, headers: dict[str, str], admin: dict[str, str], **changes: Any) -> dict[str, Any]:
    """Register and confirm a citizen over HTTP; answers the registration payload."""
    payload = citizen_payload(**changes)
    r = requests.post(f"{base}/api/v1/accounts", json=payload, headers=headers, timeout=5)
    assert r.status_code == 201, r.text
    otp = latest_otp(base, admin, payload["id_number"])
    r = requests.post(f"{base}/api/v1/accounts/{payload['id_number']}/confirm", json={"otp": otp}, headers=headers,
                      timeout=5)
    assert r.status_code == 200, r.text
    return payload


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action") or "", "method": (a.get("method") or "get").lower(),
                               "fields": {}, "labels": {}})
        elif tag in ("input", "select", "textarea") and self.forms and a.get("name"):
            self.forms[-1]["fields"][a["name"]] = a.get("value") or ""


def forms(html: str) -> list[dict[str, Any]]:
    """The page's forms: action, method and the fields with their current values."""
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def submit(http: requests.Session, base: str, html: str, values: dict[str, str], *, index: int = 0,
           **kwargs: Any) -> requests.Response:
    """Post the page's form (hidden fields such as the CSRF token included) with `values` filled in."""
    form = forms(html)[index]
    action = form["action"]
    url = action if action.startswith("http") else base + action
    return http.post(url, data={**form["fields"], **values}, allow_redirects=False, timeout=5, **kwargs)
