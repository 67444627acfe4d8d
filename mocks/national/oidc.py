"""DVCQG's OpenID Connect identity provider (mocks/core/oidc_provider.py): its claims and its built-in relying party.

The built-in relying party is the provincial portal, from the stack's credentials. How a subject
logged in is the id token's `acr` and `amr`: a DVCQG password `LoA1`/`pwd`, a VNeID electronic
identity `LoA<level>`/`vneid` [assumed encoding: docs/protocols.md, "Identity levels"].
"""

from __future__ import annotations

from mocks.core.clock import Clock
from mocks.core.config import StackConfig
from mocks.core.oidc_provider import (
    CODE_SECONDS,
    TOKEN_SECONDS,
    AuthorizationRedirect,
    AuthorizationRequest,
    Discovery,
    OAuthError,
    OidcProvider,
    RelyingParty,
    s256,
    token_time,
)
from mocks.core.security import digest
from mocks.core.storage import Store

from .accounts import AccountBook

CLAIMS: tuple[str, ...] = (
    "sub", "iss", "aud", "iat", "exp", "auth_time", "nonce", "acr", "amr", "LoaiTaiKhoan", "SoDinhDanh", "SoCMND",
    "MaSoThue", "HoVaTen", "ThuDienTu", "SoDienThoai", "GioiTinh", "NgayThangNamSinh", "ThuongTru",
    "NoiOHienNay", "QuocTich", "TechID", "loAs", "IAL", "MaSoDoanhNghiep", "TenDoanhNghiep", "DiaChi",
    "MaCoQuan", "TenCoQuan", "TaiKhoanDuocXacThucVoiVNeID",
)
ACR_VALUES: tuple[str, ...] = ("LoA1", "LoA2")


class IdentityProvider(OidcProvider):
    def __init__(self, store: Store, clock: Clock, config: StackConfig, accounts: AccountBook) -> None:
        c = config.credentials
        provincial = config.url("provincial")
        built_in = RelyingParty(
            client_id=c.oidc_client_id, name="Cổng Dịch vụ công tỉnh", redirect_uris=(f"{provincial}/auth/callback",),
            post_logout_redirect_uris=(f"{provincial}/",), secret_hash=digest(c.oidc_client_secret), built_in=True,
        )
        super().__init__(store, clock, config.url("national"), accounts, built_in,
                         Discovery(claims=CLAIMS, acr_values=ACR_VALUES))
        self.config = config
        self.accounts = accounts


__all__ = ["CODE_SECONDS", "TOKEN_SECONDS", "AuthorizationRedirect", "AuthorizationRequest", "IdentityProvider",
           "OAuthError", "s256", "token_time"]
