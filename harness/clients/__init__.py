"""One small `requests`-based client per service, and `Platform` holding the four.

    from harness.clients import Platform
    platform = Platform.connect(StackInfo.load(".dvc-harness"), namespace="my-test")
    platform.national.register_active(DataFactory().citizen())
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests

from harness.stack import StackInfo

from .base import ClientError, ServiceClient
from .national import NationalClient, complete_sso
from .officer import OfficerClient
from .payment import PaymentClient
from .postal import PostalClient
from .provincial import ProvincialClient, sample_attachments, sample_form
from .vneid import VneidClient, VneidLogin


@dataclass
class Platform:
    national: NationalClient
    provincial: ProvincialClient
    payment: PaymentClient
    postal: PostalClient
    info: StackInfo
    vneid: VneidClient | None = None     # None: a stack.json of a version without VNeID

    @classmethod
    def connect(cls, info: StackInfo, namespace: str = "default",
                session: requests.Session | None = None) -> Platform:
        """Clients of the stack `info` describes; they share `session` (one browser-like cookie jar)."""
        session = session or requests.Session()

        def make(kind: type, service: str):  # type: ignore[no-untyped-def]
            return kind(info.url(service), namespace=namespace, admin_token=info.admin_token, session=session)

        return cls(make(NationalClient, "national"), make(ProvincialClient, "provincial"),
                   make(PaymentClient, "payment"), make(PostalClient, "postal"), info,
                   make(VneidClient, "vneid") if "vneid" in info.services else None)

    def ready_account(self, person: dict[str, Any], *, representative: dict[str, Any] | None = None,
                      level: int = 2) -> dict[str, Any]:
        """An account of the test data (harness.testdata.DataFactory: a citizen, business or agency) that logs in
        in the namespace's world: the registration plus `username` and `log_in`.

        While its type logs in with a DVCQG password, a DVCQG account registered and confirmed with the one-time
        code (`log_in` "password"). From then on (citizens 1 July 2024, organisations 1 July 2025: Decree
        69/2024/NĐ-CP) an electronic identity on VNeID (`log_in` "vneid"; DVCQG makes its account at the first
        log-in): a person's at `level`, an organisation's held by `representative` (a citizen of the test data,
        given a level-2 identity)."""
        world = self.national.world()
        kind = str(person.get("account_type") or "citizen")
        if not world["citizens_use_vneid" if kind == "citizen" else "organisations_use_vneid"] or self.vneid is None:
            return {**person, "username": self.national.register_active(person)["username"], "log_in": "password"}
        if kind == "citizen":
            self.vneid.person(person, level=level)
            return {**person, "username": person["id_number"], "log_in": "vneid"}
        if representative is None:
            raise ValueError(f"a {kind}'s electronic identity is held by a representative: give one")
        self.vneid.person(representative, level=2)
        code = person["tax_code"] if kind == "business" else person["agency_code"]
        name = person["business_name"] if kind == "business" else person["agency_name"]
        self.vneid.create_identity(kind="organisation", organisation_type=kind, code=code, name=name,
                                   representative=representative["id_number"], password=person["password"])
        return {**person, "username": code, "log_in": "vneid", "representative": representative["id_number"]}

    def reset(self) -> None:
        for client in (self.national, self.provincial, self.payment, self.postal, self.vneid):
            if client is not None:
                client.reset()


__all__ = [
    "ClientError", "NationalClient", "OfficerClient", "PaymentClient", "Platform", "PostalClient", "ProvincialClient",
    "ServiceClient", "VneidClient", "VneidLogin", "complete_sso", "sample_attachments", "sample_form",
]
