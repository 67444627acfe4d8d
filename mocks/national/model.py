"""The national portal's state and rules, without HTTP: accounts, identity provider, sync gateway, catalogue."""

from __future__ import annotations

from typing import Any

import requests

from mocks.core.clock import Clock
from mocks.core.config import StackConfig
from mocks.core.errors import DomainError
from mocks.core.storage import Store

from .accounts import Account, AccountBook, Registration
from .catalogue import NationalCatalogue
from .oidc import IdentityProvider
from .schema import DDL, NAMESPACED_TABLES
from .sync import SyncGateway

SEED_PASSWORD = "Matkhau123"
SEED_ACCOUNTS: tuple[dict[str, str], ...] = (
    {"account_type": "citizen", "id_number": "049090001234", "full_name": "Nguyễn Văn An", "birth_date": "1990-03-15",
     "gender": "male", "phone": "0905123456", "email": "nguyenvanan@example.vn",
     "address": "12 Phan Bội Châu, Phường Tân Thạnh, Thành phố Tam Kỳ, tỉnh Quảng Nam"},
    {"account_type": "citizen", "id_number": "049185004321", "full_name": "Trần Thị Thu Hà",
     "birth_date": "1985-11-02", "gender": "female", "phone": "0935765432", "email": "tranthithuha@example.vn",
     "address": "45 Trần Hưng Đạo, Phường Minh An, Thành phố Hội An, tỉnh Quảng Nam"},
    {"account_type": "business", "tax_code": "4000123456", "business_name": "Công ty TNHH Thương mại Phố Hội",
     "full_name": "Lê Minh Tuấn", "phone": "0983111222", "email": "lienhe@phohoi.example.vn",
     "address": "88 Nguyễn Duy Hiệu, Phường Cẩm Phô, Thành phố Hội An, tỉnh Quảng Nam"},
    {"account_type": "agency", "agency_code": "000.00.12.H47", "agency_name": "Sở Tư pháp tỉnh Quảng Nam",
     "phone": "0914555666", "email": "stp@quangnam.example.vn",
     "address": "Đường Trần Phú, Thành phố Tam Kỳ, tỉnh Quảng Nam"},
)


class NationalPortal:
    def __init__(self, store: Store, clock: Clock, config: StackConfig) -> None:
        store.migrate(DDL)
        self.store = store
        self.clock = clock
        self.config = config
        self.accounts = AccountBook(store, clock)
        self.catalogue = NationalCatalogue(config.profile)
        self.idp = IdentityProvider(store, clock, config, self.accounts)
        self.sync = SyncGateway(store, clock, config, self.catalogue)

    def reset(self, ns: str) -> None:
        """Forget the namespace's accounts, codes, tokens, sessions, messages and synced dossiers."""
        self.store.delete_namespace(ns, NAMESPACED_TABLES)
        self.accounts.reset(ns)  # counts of wrong passwords, wrong codes and codes sent

    def seed(self, ns: str, options: dict[str, Any] | None = None) -> dict[str, Any]:
        """A few active demo accounts (idempotent), each with what opens it in the namespace's world: `log_in`
        `password` and its DVCQG password; once its type logs in through VNeID, `log_in` `vneid` and the password
        of its electronic identity, which VNeID's own seed (asked now) holds for the same people and
        organisations."""
        accounts: list[Account] = [
            self.accounts.create_active(ns, Registration.from_mapping({**a, "password": SEED_PASSWORD}))
            for a in SEED_ACCOUNTS
        ]
        world = self.accounts.worlds.of(ns)
        vneid = self._vneid_seed(ns) if any(world.uses_vneid(a.account_type) for a in accounts) else {}
        out = []
        for a in accounts:
            federated = world.uses_vneid(a.account_type)
            out.append({"username": a.username, "password": vneid[a.username] if federated else SEED_PASSWORD,
                        "account_type": a.account_type, "full_name": a.full_name, "phone": a.phone,
                        "email": a.email, "tech_id": a.tech_id, "log_in": "vneid" if federated else "password"})
        return {"accounts": out}

    def _vneid_seed(self, ns: str) -> dict[str, str]:
        """VNeID's seed in the namespace, over HTTP as the services talk: username -> password."""
        try:
            answer = requests.post(f"{self.config.url('vneid').rstrip('/')}/_admin/seed", timeout=10, json={},
                                   headers={"X-Admin-Token": self.config.credentials.admin_token,
                                            "X-DVC-Namespace": ns})
            identities = answer.json()["identities"] if answer.ok else None
        except (requests.RequestException, ValueError, KeyError):
            identities = None
        if identities is None:
            raise DomainError("VNEID_UNAVAILABLE", "Không gieo được tài khoản định danh điện tử trên VNeID.",
                              "VNeID did not seed the electronic identities the seed's accounts log in with.",
                              status=502)
        return {str(i["username"]): str(i["password"]) for i in identities}
