"""The portal's configuration: where the national systems are, and its own credentials with them.

Every setting comes from a command-line option or, failing that, an environment variable
`REFPORTAL_<NAME>`. Credentials not given are generated once and kept in the portal's
database, so a restart keeps them (and re-registers the same ones).
"""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from pathlib import Path

ENV_PREFIX = "REFPORTAL_"


@dataclass
class Config:
    national: str                     # DVCQG origin: SSO, sync gateway
    payment: str                      # payment platform origin
    postal: str                       # postal service origin
    port: int = 8200
    host: str = "127.0.0.1"
    public_url: str = ""              # how browsers and callbacks reach us; http://host:port when empty
    database: Path = Path("reference_portal.db")
    admin_token: str = ""             # the emulators' X-Admin-Token: register our clients at start-up
    namespace: str = ""               # X-DVC-Namespace to send (none by default: the emulators' "default")
    client_id: str = "reference-portal"
    client_secret: str = ""
    partner_code: str = "REFPORTAL"
    partner_secret: str = ""
    postal_customer: str = "REFPORTAL"
    postal_token: str = ""
    sync_username: str = "reference_portal_lgsp"
    sync_password: str = ""

    def __post_init__(self) -> None:
        for name in ("national", "payment", "postal", "public_url"):
            setattr(self, name, getattr(self, name).rstrip("/"))
        if not self.public_url:
            self.public_url = f"http://{self.host}:{self.port}"
        self.database = Path(self.database)

    @property
    def outgoing_headers(self) -> dict[str, str]:
        return {"X-DVC-Namespace": self.namespace} if self.namespace else {}


SETTINGS = {  # option -> help
    "national": "national portal (DVCQG) origin", "payment": "payment platform origin",
    "postal": "postal service origin", "port": "port to listen on", "host": "address to listen on",
    "public-url": "our origin as browsers and callbacks see it", "database": "SQLite file of the portal's state",
    "admin-token": "the emulators' admin token: register our clients on start-up",
    "namespace": "X-DVC-Namespace sent on every call (default: none, the emulators' default namespace)",
    "client-id": "OIDC client id", "client-secret": "OIDC client secret (generated when absent)",
    "partner-code": "payment partner code (MaDoiTac)", "partner-secret": "payment partner secret",
    "postal-customer": "postal CustomerCode", "postal-token": "postal access_token",
    "sync-username": "national sync account", "sync-password": "national sync password",
}
REQUIRED = ("national", "payment", "postal")


def parse(argv: list[str] | None = None) -> Config:
    parser = argparse.ArgumentParser(prog="python -m examples.reference_portal", description=__doc__)
    for name, text in SETTINGS.items():
        env = ENV_PREFIX + name.upper().replace("-", "_")
        parser.add_argument(f"--{name}", default=os.environ.get(env), help=f"{text} (${env})")
    args = vars(parser.parse_args(argv))
    missing = [f"--{name}" for name in REQUIRED if not args.get(name)]
    if missing:
        parser.error(f"missing {', '.join(missing)} (or their {ENV_PREFIX}* variables)")
    given = {key: value for key, value in args.items() if value is not None}
    if "port" in given:
        given["port"] = int(given["port"])
    return Config(**given)
