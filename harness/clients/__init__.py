"""One small `requests`-based client per service, and `Platform` holding the four.

    from harness.clients import Platform
    platform = Platform.connect(StackInfo.load(".dvc-harness"), namespace="my-test")
    platform.national.register_active(DataFactory().citizen())
"""

from __future__ import annotations

from dataclasses import dataclass

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

    def reset(self) -> None:
        for client in (self.national, self.provincial, self.payment, self.postal, self.vneid):
            if client is not None:
                client.reset()


__all__ = [
    "ClientError", "NationalClient", "OfficerClient", "PaymentClient", "Platform", "PostalClient", "ProvincialClient",
    "ServiceClient", "VneidClient", "VneidLogin", "complete_sso", "sample_attachments", "sample_form",
]
