"""How a service finds the rest of the stack: the five origins and the stack's credentials.

Credentials are made once per state folder and kept in `secrets.json`, so a real portal
wired to the emulators keeps working after a restart.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

# Ports: base N, then N+1, N+2...: the order is the contract (README.md, "Serving the stack").
SERVICES: tuple[str, ...] = ("national", "provincial", "payment", "postal", "vneid")
DEFAULT_BASE_PORT = 8100
DEFAULT_STATE_DIR = ".dvc-harness"
# The namespace of requests that name none (`serve --default-namespace`); read from the environment as
# well, so the worker processes of `serve --workers` inherit it.
DEFAULT_NAMESPACE_VARIABLE = "DVC_DEFAULT_NAMESPACE"


def default_namespace_from_env() -> str:
    return os.environ.get(DEFAULT_NAMESPACE_VARIABLE) or "default"


@dataclass(frozen=True)
class Credentials:
    """The built-in clients that wire the provincial portal to the other services, and DVCQG to VNeID."""

    admin_token: str
    oidc_client_id: str
    oidc_client_secret: str
    payment_partner_code: str
    payment_secret: str
    postal_customer_code: str
    postal_access_token: str
    sync_username: str
    sync_password: str
    vneid_client_id: str = "dvcqg"          # DVCQG as VNeID's relying party
    vneid_client_secret: str = ""

    @classmethod
    def generate(cls) -> Credentials:
        return cls(
            admin_token=secrets.token_urlsafe(24),
            oidc_client_id="dvc-tinh-quangnam",
            oidc_client_secret=secrets.token_urlsafe(24),
            payment_partner_code="QNAM01",
            payment_secret=secrets.token_hex(16),
            postal_customer_code="QNAM_DVC",
            postal_access_token=secrets.token_urlsafe(24),
            sync_username="quangnam_lgsp",
            sync_password=secrets.token_urlsafe(16),
            vneid_client_id="dvcqg",
            vneid_client_secret=secrets.token_urlsafe(24),
        )

    @classmethod
    def load_or_create(cls, state_dir: Path) -> Credentials:
        path = Path(state_dir) / "secrets.json"
        if path.exists():
            kept = json.loads(path.read_text(encoding="utf-8"))
            known = {f.name for f in fields(cls)}
            if known <= kept.keys():
                return cls(**{k: v for k, v in kept.items() if k in known})
            # a folder of an older version: keep its credentials, make the new ones (VNeID's client)
            creds = cls(**{**asdict(cls.generate()), **{k: v for k, v in kept.items() if k in known}})
        else:
            creds = cls.generate()
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(creds), indent=2), encoding="utf-8")
        os.chmod(tmp, 0o600)
        tmp.replace(path)
        return creds


@dataclass(frozen=True)
class StackConfig:
    state_dir: Path
    urls: dict[str, str]
    credentials: Credentials
    profile: str = "quangnam"
    extra: dict[str, Any] = field(default_factory=dict)
    # Where a request without X-DVC-Namespace (header or cookie) lands: a real portal's back end sends none.
    default_namespace: str = field(default_factory=default_namespace_from_env)
    # `serve --as-of`: the moment (ISO) the stack's clock started from, for every namespace that sets none
    as_of: str | None = None

    def url(self, service: str) -> str:
        return self.urls[service]

    def db_path(self, name: str) -> Path:
        return Path(self.state_dir) / f"{name}.db"

    def stack_json(self) -> dict[str, Any]:
        """The document `serve` writes to DIR/stack.json, by which other tools find the stack (README.md)."""
        c = self.credentials
        return {
            "services": dict(self.urls),
            "admin_token": c.admin_token,
            "oidc_client": {"client_id": c.oidc_client_id, "client_secret": c.oidc_client_secret},
            "payment_partner": {"code": c.payment_partner_code, "secret": c.payment_secret},
            "postal": {"customer_code": c.postal_customer_code, "access_token": c.postal_access_token},
            "sync": {"username": c.sync_username, "password": c.sync_password},
            "vneid_client": {"client_id": c.vneid_client_id, "client_secret": c.vneid_client_secret},
            "profile": self.profile,
            "default_namespace": self.default_namespace,
            "as_of": self.as_of,
        }
