"""The reference portal's HTTP layer for the harness's API driver and load (`scenarios.api.seam.ProvincialApi`).

    dvc-harness load --profile examples/reference_portal/load-smoke.toml --host http://127.0.0.1:8200 \
        --api examples.reference_portal.load_api:reference_api --namespace NS
    dvc-harness run --driver api --api examples.reference_portal.load_api:reference_api ...

The visitors use the portal as a browser does — its pages and form posts, following the national SSO —
plus the JSON the portal answers to `Accept: application/json` (its catalogue, a citizen's dossiers, who is
logged in); what has no JSON (the look-up, a refusal's message, the e-receipt's page) is read from the page.
`ApiPortals.back_office` lets the journeys and the load's consistency check read the portal's records.
"""

from __future__ import annotations

import base64
import html
import json
import os
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import requests

from harness.clients import ClientError, NationalClient, PaymentClient, PostalClient
from harness.clients.html import facts
from harness.clients.national import complete_sso
from scenarios.api.seam import ApiPortals

from .dossiers import TIER_KEYS
from .hooks import ReferenceBackOffice
from .pages import URL_VARIABLE

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
        """The procedure's page (as a browser opens it), and its catalogue item (its form and document)."""
        self._get(f"/thu-tuc/{code}")
        found = [i for i in self.procedures()["items"] if i["code"] == code]
        if not found:
            raise LookupError(f"the catalogue has no procedure {code}")
        return found[0]

    def agencies(self, tier: str | None = None) -> dict[str, Any]:
        return {"page_bytes": len(self._get("/thu-tuc", **({"tier": TIER_NAMES.get(tier, tier)} if tier else {}))
                                  .content)}

    def login_sso(self, username: str | None, password: str | None) -> dict[str, Any]:
        complete_sso(self.session, f"{self.base_url}/dang-nhap", username or "", password or "", timeout=self.timeout)
        return self.me()

    def me(self) -> dict[str, Any]:
        return dict(self._get("/api/me", json=True).json())

    def log_out(self) -> int:
        return len(self._get("/dang-xuat").content)

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
        if answer.status_code != 303:       # the form again, with the portal's message in its alert
            refused = ClientError(answer)
            said = re.search(r'role="alert"[^>]*>(.*?)</', answer.text, re.S)
            if said:
                refused.body = {"error": {"message": " ".join(html.unescape(said.group(1)).split())}}
            raise refused
        code = urlsplit(answer.headers["location"]).path.rsplit("/", 1)[-1]
        return {"code": code, "procedure_code": procedure_code}

    def dossier(self, code: str) -> dict[str, Any]:
        """The portal's dossier JSON, in the seam's shape (scenarios.api.seam.DossierJson)."""
        found = self._get(f"/ho-so/{code}", json=True).json()
        pays = found.get("payments") or []
        if found.get("paid"):
            state = "paid"
        elif any(p["status"] == "pending" for p in pays):
            state = "pending"
        else:
            state = "unpaid" if found.get("fee") else "not_required"
        address = json.loads(found.get("postal") or "{}")
        return {"code": found["code"], "procedure_code": found["procedure_code"], "status": found["status"],
                "status_name": found["status_name"], "result_delivery": found["result_delivery"],
                "payment_method": found.get("payment_method"),
                "fee": {"amount": int(found.get("fee") or 0), "timing": "before"}, "payment": {"status": state},
                "appointment_date": None, "can_pay_online": bool(found.get("can_pay")),
                **({"postal_address": {"district": "", "commune": "", **address}} if address else {}),
                "postal_order": {"waybill": found.get("waybill"), "status_name": found.get("postal_state") or "",
                                 "events": found.get("postal_events") or []},
                "history": [{"note": h.get("note", "")} for h in found.get("history") or []]}

    def dossiers(self) -> dict[str, Any]:
        items = self._get("/ho-so", json=True).json()["items"]
        return {"total": len(items), "items": items}

    def start_payment(self, code: str) -> dict[str, Any]:
        """The dossier page's payment button: INIT at the platform, 303 to its checkout."""
        answer = self.session.post(f"{self.base_url}/ho-so/{code}/thanh-toan", allow_redirects=False,
                                   timeout=self.timeout)
        if answer.status_code != 303:
            raise ClientError(answer)
        attempt = self._get(f"/ho-so/{code}", json=True).json()["payments"][-1]
        return {"payment_url": answer.headers["location"], "reference": attempt["reference"],
                "amount": attempt["amount"]}

    def payment_return(self, return_url: str) -> int:
        answer = self.session.get(return_url, timeout=self.timeout)
        if answer.status_code != 200:
            raise ClientError(answer)
        return len(answer.content)

    def receipt(self, code: str) -> dict[str, Any]:
        """The dossier page's e-receipt link: the portal asks the platform (GET_BILL) and sends the citizen on to
        the platform's receipt page, read here."""
        answer = self.session.get(f"{self.base_url}/ho-so/{code}/bien-lai", allow_redirects=False,
                                  timeout=self.timeout)
        if answer.status_code != 303:
            raise ClientError(answer)
        page = self.session.get(answer.headers["location"], timeout=self.timeout)
        if page.status_code != 200:
            raise ClientError(page)
        shown = facts(page.text)
        paid = [p for p in self._get(f"/ho-so/{code}", json=True).json().get("payments") or []
                if p["status"] == "paid"]
        return {"dossier_code": shown.get("Mã hồ sơ", code), "transaction_id": shown.get("Mã giao dịch", ""),
                "amount": int(paid[-1]["amount"]) if paid else 0, "receipt_url": answer.headers["location"],
                "bill": {"SoBienLai": shown.get("Số biên lai", "")}}

    def lookup(self, code: str) -> dict[str, Any]:
        """The look-up page, read: 404 when the portal finds no such dossier."""
        answer = self.session.get(f"{self.base_url}/tra-cuu", params={"ma": code}, timeout=self.timeout)
        if answer.status_code != 200:
            raise ClientError(answer)
        shown = facts(answer.text)
        status = re.match(r"^(.*?)\s*\(mã (\d+)\)$", shown.get("Trạng thái", ""))
        return {"code": shown.get("Mã hồ sơ", code), "procedure_name": shown.get("Thủ tục", ""),
                "status_name": status.group(1) if status else shown.get("Trạng thái", ""),
                "status": int(status.group(2)) if status else 0}


def reference_api(session: requests.Session, urls: Mapping[str, str], *, namespace: str,
                  admin_token: str | None = None) -> ApiPortals:
    """The `--api` factory: the reference portal at $REFPORTAL_PUBLIC_URL (as its pages and hooks find it) or
    else at urls["provincial"] (the load's --host), the emulators for the rest. The emulators' clients carry
    the run's namespace; the portal's back end sends its own."""
    portal = os.environ.get(URL_VARIABLE) or urls["provincial"]

    def make(kind: type, service: str) -> Any:
        return kind(urls[service], namespace=namespace, admin_token=None, session=session)

    return ApiPortals(national=make(NationalClient, "national"), provincial=ReferencePortalApi(portal, session),
                      payment=make(PaymentClient, "payment"), postal=make(PostalClient, "postal"),
                      back_office=ReferenceBackOffice(portal, admin_token) if admin_token else None)
