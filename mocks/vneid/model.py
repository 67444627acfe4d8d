"""VNeID's state and rules, without HTTP: identities, the app's approvals, the OpenID Connect provider.

DVCQG is the built-in relying party (its client id and secret in the stack's credentials, its
callback `/vneid/callback` on the national origin); others are registered on the admin surface.
"""

from __future__ import annotations

from typing import Any

from mocks.core.clock import Clock
from mocks.core.config import StackConfig
from mocks.core.oidc_provider import Discovery, OidcProvider, RelyingParty
from mocks.core.security import digest
from mocks.core.storage import Store

from .approvals import Approvals
from .identities import LEVELS, IdentityBook, Subjects
from .schema import DDL, NAMESPACED_TABLES

CLAIMS: tuple[str, ...] = (
    "sub", "iss", "aud", "iat", "exp", "auth_time", "nonce", "acr", "amr", "LoaiTaiKhoan", "SoDinhDanh", "HoVaTen",
    "NgayThangNamSinh", "GioiTinh", "SoDienThoai", "ThuDienTu", "TechID", "loAs", "IAL", "TenToChuc", "MaSoThue",
    "MaSoDoanhNghiep", "MaCoQuan",
)
SEED_PASSWORD = "VNeID@2024"
# The national seed's people and organisations, with an electronic identity each: the citizens at level 2, one
# more citizen at level 1 (a level-1 identity is refused where a procedure needs level 2), and the organisations
# held by the first citizen.
SEED_IDENTITIES: tuple[dict[str, Any], ...] = (
    {"kind": "person", "id_number": "049090001234", "full_name": "Nguyễn Văn An", "birth_date": "1990-03-15",
     "level": 2, "phone": "0905123456", "email": "nguyenvanan@example.vn"},
    {"kind": "person", "id_number": "049185004321", "full_name": "Trần Thị Thu Hà", "birth_date": "1985-11-02",
     "level": 2, "phone": "0935765432", "email": "tranthithuha@example.vn"},
    {"kind": "person", "id_number": "048098007777", "full_name": "Phạm Minh Khoa", "birth_date": "1998-07-21",
     "level": 1, "phone": "0912345678", "email": "phamminhkhoa@example.vn"},
    {"kind": "organisation", "organisation_type": "business", "code": "4000123456",
     "name": "Công ty TNHH Thương mại Phố Hội", "representative": "049090001234"},
    {"kind": "organisation", "organisation_type": "agency", "code": "000.00.12.H47",
     "name": "Sở Tư pháp tỉnh Quảng Nam", "representative": "049090001234"},
)


class VneidService:
    def __init__(self, store: Store, clock: Clock, config: StackConfig) -> None:
        store.migrate(DDL)
        self.store = store
        self.clock = clock
        self.identities = IdentityBook(store, clock)
        self.approvals = Approvals(store, clock, self.identities)
        c = config.credentials
        national = config.url("national").rstrip("/")
        dvcqg = RelyingParty(client_id=c.vneid_client_id, name="Cổng Dịch vụ công Quốc gia",
                             redirect_uris=(f"{national}/vneid/callback",), post_logout_redirect_uris=(f"{national}/",),
                             secret_hash=digest(c.vneid_client_secret), built_in=True)
        self.idp = OidcProvider(store, clock, config.url("vneid"), Subjects(self.identities), dvcqg,
                                Discovery(claims=CLAIMS, acr_values=tuple(f"LoA{n}" for n in LEVELS), realm="vneid"))

    def reset(self, ns: str) -> None:
        self.store.delete_namespace(ns, NAMESPACED_TABLES)
        self.identities.reset(ns)

    def seed(self, ns: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
        """The demo identities with a known password (idempotent)."""
        made = []
        for data in SEED_IDENTITIES:
            username = data.get("id_number") or data["code"]
            found = self.identities.get(ns, username) or self.identities.create(ns, {**data, "password": SEED_PASSWORD})
            made.append({**found.public(), "password": SEED_PASSWORD})
        return {"identities": made}
