"""The reference portal's HTTP layer for the harness's load users (`load.api.ProvincialApi`).

    dvc-harness load --profile smoke --host http://127.0.0.1:8200 \
        --api examples.reference_portal.load_api:reference_api --namespace NS

The visitors use the portal as a browser does — its pages and form posts, following the national SSO —
plus the JSON the portal answers to `Accept: application/json` (its catalogue, a citizen's dossiers).
`LoadPortals.back_office` lets the load's consistency check read the portal's records afterwards.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import requests

from harness.clients import ClientError, NationalClient, PaymentClient, PostalClient
from harness.clients.national import complete_sso
from load.api import LoadPortals

from .dossiers import TIER_KEYS
from .hooks import ReferenceBackOffice

JSON = {"Accept": "application/json"}
TIER_NAMES = {key: name for name, key in TIER_KEYS.items()}


class ReferencePortalApi:
    """One visitor on the reference portal, over one session (its cookie jar is the visitor's browser)."""

    def __init__(self, base_url: str, session: requests.Session, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = session
        self.timeout = timeout

    def _get(self, path: str, *, json: bool = False, **params: Any) -> requests.Response:
        answer = self.session.get(f"{self.base_url}{path}", params=params or None, headers=JSON if json else None,
                                  timeout=self.timeout)
        if answer.status_code != 200:
            raise ClientError(answer)
        return answer

    def home(self) -> int:
        return len(self._get("/").content)

    def procedures(self, **filters: Any) -> dict[str, Any]:
        wanted = {k: v for k, v in filters.items() if k in ("q", "tier", "level") and v is not None}
        return dict(self._get("/api/thu-tuc", **wanted).json())

    def procedure(self, code: str) -> dict[str, Any]:
        return {"code": code, "page_bytes": len(self._get(f"/thu-tuc/{code}").content)}

    def agencies(self, tier: str | None = None) -> dict[str, Any]:
        return {"page_bytes": len(self._get("/thu-tuc", **({"tier": TIER_NAMES.get(tier, tier)} if tier else {}))
                                  .content)}

    def login_sso(self, username: str, password: str) -> dict[str, Any]:
        complete_sso(self.session, f"{self.base_url}/dang-nhap", username, password, timeout=self.timeout)
        return {"username": username}

    def submit(self, procedure_code: str, *, agency_code: str | None = None, form: dict[str, Any] | None = None,
               attachments: list[dict[str, str]] | None = None, result_delivery: str = "counter",
               payment_method: str = "counter", postal_address: dict[str, str] | None = None,
               **extra: Any) -> dict[str, Any]:
        """The submission form's post (multipart: f_<field>, one file, the choices, postal_<part>)."""
        data = {f"f_{name}": str(value) for name, value in (form or {}).items()}
        data.update(result_delivery=result_delivery, payment_method=payment_method)
        for part, value in (postal_address or {}).items():
            data[f"postal_{part}"] = str(value)
        first = (attachments or [{}])[0]
        files = {"file": (first.get("filename", "to-khai.pdf"), base64.b64decode(first.get("content_base64", "")),
                          first.get("content_type", "application/pdf"))}
        answer = self.session.post(f"{self.base_url}/nop-ho-so/{procedure_code}", data=data, files=files,
                                   allow_redirects=False, timeout=self.timeout)
        if answer.status_code != 303:
            raise ClientError(answer)
        code = urlsplit(answer.headers["location"]).path.rsplit("/", 1)[-1]
        return {"code": code, "procedure_code": procedure_code}

    def dossier(self, code: str) -> dict[str, Any]:
        return dict(self._get(f"/ho-so/{code}", json=True).json())

    def dossiers(self) -> dict[str, Any]:
        return dict(self._get("/ho-so", json=True).json())

    def start_payment(self, code: str) -> dict[str, Any]:
        """The dossier page's payment button: INIT at the platform, 303 to its checkout."""
        answer = self.session.post(f"{self.base_url}/ho-so/{code}/thanh-toan", allow_redirects=False,
                                   timeout=self.timeout)
        if answer.status_code != 303:
            raise ClientError(answer)
        attempt = self.dossier(code)["payments"][-1]
        return {"payment_url": answer.headers["location"], "reference": attempt["reference"],
                "amount": attempt["amount"]}

    def payment_return(self, return_url: str) -> int:
        answer = self.session.get(return_url, timeout=self.timeout)
        if answer.status_code != 200:
            raise ClientError(answer)
        return len(answer.content)

    def lookup(self, code: str) -> dict[str, Any]:
        return {"code": code, "page_bytes": len(self._get("/tra-cuu", ma=code).content)}


def reference_api(session: requests.Session, urls: Mapping[str, str], *, namespace: str,
                  admin_token: str | None = None) -> LoadPortals:
    """The `--api` factory: the reference portal at urls["provincial"] (the load's --host), the emulators for
    the rest. The emulators' clients carry the run's namespace; the portal's back end sends its own."""

    def make(kind: type, service: str) -> Any:
        return kind(urls[service], namespace=namespace, admin_token=None, session=session)

    return LoadPortals(national=make(NationalClient, "national"),
                       provincial=ReferencePortalApi(urls["provincial"], session),
                       payment=make(PaymentClient, "payment"), postal=make(PostalClient, "postal"),
                       back_office=ReferenceBackOffice(urls["provincial"], admin_token) if admin_token else None)
