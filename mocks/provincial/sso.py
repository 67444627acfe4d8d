"""The portal as an OpenID Connect relying party of the national SSO (mocks/core/oidc_client.py)."""

from __future__ import annotations

import requests

from mocks.core.config import StackConfig
from mocks.core.oidc_client import LoginRequest, OidcClient, SsoError, SsoIdentity, code_challenge


def national_sso(config: StackConfig, http: requests.Session | None = None) -> OidcClient:
    """The portal's client of DVCQG: the stack's built-in relying party, back to /auth/callback."""
    return OidcClient(config.url("national"), config.credentials.oidc_client_id, config.credentials.oidc_client_secret,
                      config.url("provincial").rstrip("/") + "/auth/callback", http=http)


__all__ = ["LoginRequest", "OidcClient", "SsoError", "SsoIdentity", "code_challenge", "national_sso"]
