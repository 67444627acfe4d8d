"""After the run: nothing the visitors were told succeeded may be missing from the emulator.

The ledger (load.journeys.Ledger, collected from every load process) lists each submission
that got a success answer, with its code, and each payment the checkout confirmed. The check
reads the emulator's admin surface in the run's namespace:

- every submitted code exists exactly once among the portal's dossiers (a code answered twice,
  or held by someone else's dossier, means a dossier was lost and its code issued again), and
  holds what the visitor sent: the procedure, the result delivery asked for, the catalogue's fee,
  and the payment state (paid when the checkout confirmed it; unpaid when the fee was left to the
  counter). A field the portal's records do not give is reported "not checked", never as held;
- every confirmed payment exists once on the payment platform, paid, for its amount, and
  the portal's dossier records it as paid (after the outboxes had their chance to deliver).

Against an outside portal (`load --host`), `check_portal` reads the portal's records through its
back office (scenarios.portal.PortalBackOffice.dossier, one dossier at a time, so a code issued twice
shows only as answered twice) and the payment platform's through the emulator, in the run's namespace
(which must be where the portal's back end lands: the stack's default namespace, docs/wiring.md).
"""

from __future__ import annotations

import contextlib
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import requests

SETTLE_SECONDS = 15.0        # how long confirmations still on their way may take to arrive
PAGE = 5000


@dataclass
class Problem:
    kind: str           # lost_submission, duplicate_code, wrong_dossier, lost_payment, duplicate_payment, unpaid, ...
    key: str            # the dossier code or payment reference
    detail: str

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind, "key": self.key, "detail": self.detail}


# What the check compares of each acknowledged submission with the portal's record of it.
FIELDS = ("procedure", "result_delivery", "fee_amount", "payment_state")
NOT_GIVEN = "not checked: the portal's records do not give it"


@dataclass
class Report:
    checked_submissions: int = 0
    checked_payments: int = 0
    dossiers_in_namespace: int = 0
    problems: list[Problem] = field(default_factory=list)
    skipped: str = ""
    source: str = "the emulator"     # whose records were read
    fields: dict[str, str] = field(default_factory=dict)    # FIELDS -> "checked on N dossiers" or why not

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "skipped": self.skipped, "checked_submissions": self.checked_submissions,
                "checked_payments": self.checked_payments, "dossiers_in_namespace": self.dossiers_in_namespace,
                "fields": self.fields, "problems": [p.to_json() for p in self.problems]}

    def summary(self) -> str:
        if self.skipped:
            return f"consistency check skipped: {self.skipped}"
        head = (f"{self.checked_submissions} submissions and {self.checked_payments} confirmed payments checked "
                f"against {self.source} ({self.dossiers_in_namespace} dossiers in the namespace)")
        checked = [name.replace("_", " ") for name, state in self.fields.items() if state.startswith("checked")]
        unchecked = [name.replace("_", " ") for name, state in self.fields.items() if state == NOT_GIVEN]
        compared = (f"; compared: {', '.join(checked) or 'nothing (no acknowledged submission)'}"
                    + (f"; not checked (the records do not give them): {', '.join(unchecked)}" if unchecked else ""))
        if self.ok:
            return head + ": nothing lost" + compared
        kinds = Counter(p.kind for p in self.problems)
        return head + ": " + ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in kinds.items()) + compared


class Admin:
    def __init__(self, urls: Mapping[str, str], namespace: str, admin_token: str) -> None:
        self.urls = urls
        self.http = requests.Session()
        self.http.headers.update({"X-Admin-Token": admin_token, "X-DVC-Namespace": namespace})

    def get(self, service: str, path: str, **params: Any) -> Any:
        response = self.http.get(f"{self.urls[service]}{path}", params=params, timeout=60)
        response.raise_for_status()
        return response.json()

    def post(self, service: str, path: str) -> Any:
        response = self.http.post(f"{self.urls[service]}{path}", timeout=60)
        response.raise_for_status()
        return response.json()

    def dossiers(self) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        while True:
            page = self.get("provincial", "/_admin/dossiers", limit=PAGE, offset=len(items))
            items += page["items"]
            if not page["items"] or len(items) >= page["total"]:
                return items


def check(ledger: Mapping[str, Any], urls: Mapping[str, str], namespace: str, admin_token: str, *,
          settle_s: float = SETTLE_SECONDS) -> Report:
    admin = Admin(urls, namespace, admin_token)
    submissions = list(ledger.get("submissions", ()))
    payments = list(ledger.get("payments", ()))
    report = Report(len(submissions), len(payments))
    for service in ("payment", "provincial"):      # confirmations still queued go out now
        with contextlib.suppress(requests.RequestException):
            admin.post(service, "/_admin/outbox/flush")
    deadline = time.monotonic() + settle_s
    while True:
        problems, count, fields = _compare(admin, submissions, payments)
        settling = [p for p in problems if p.kind == "payment_not_recorded_by_portal"]
        if not settling or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    report.problems, report.dossiers_in_namespace, report.fields = problems, count, fields
    return report


def check_portal(ledger: Mapping[str, Any], back_office: Any, urls: Mapping[str, str], namespace: str,
                 admin_token: str, *, settle_s: float = SETTLE_SECONDS) -> Report:
    """The same check on an outside portal: its records through its back office (PortalBackOffice)."""
    admin = Admin(urls, namespace, admin_token)
    submissions = list(ledger.get("submissions", ()))
    payments = list(ledger.get("payments", ()))
    report = Report(len(submissions), len(payments), source="the portal's back office")
    with contextlib.suppress(requests.RequestException):
        admin.post("payment", "/_admin/outbox/flush")
    deadline = time.monotonic() + settle_s
    while True:
        records = {code: back_office.dossier(code) for code in {s["code"] for s in submissions}
                   | {p["dossier_code"] for p in payments}}
        found = {code: [_as_summary(r)] for code, r in records.items() if r is not None}
        problems, fields = _check(found, submissions, payments,
                                  lambda: admin.get("payment", "/_admin/transactions")["transactions"])
        settling = [p for p in problems if p.kind == "payment_not_recorded_by_portal"]
        if not settling or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    report.problems, report.dossiers_in_namespace, report.fields = problems, len(found), fields
    return report


def _as_summary(record: Any) -> dict[str, Any]:
    """A DossierRecord in the shape of the emulator's dossier summaries (what it does not give stays out)."""
    out: dict[str, Any] = {"code": record.code, "procedure_code": record.procedure_code, "status": record.status,
                           "payment": {"status": "paid" if record.paid else "unpaid", "paid_online": record.paid}}
    if getattr(record, "result_delivery", None) is not None:
        out["result_delivery"] = record.result_delivery
    if getattr(record, "fee_amount", None) is not None:
        out["fee"] = {"amount": record.fee_amount}
    return out


def _compare(admin: Admin, submissions: list[dict[str, Any]], payments: list[dict[str, Any]]
             ) -> tuple[list[Problem], int, dict[str, str]]:
    dossiers = admin.dossiers()
    by_code: dict[str, list[dict[str, Any]]] = {}
    for d in dossiers:
        by_code.setdefault(d["code"], []).append(d)
    problems, fields = _check(by_code, submissions, payments, lambda: admin.get("payment", "/_admin/transactions")[
        "transactions"])
    return problems, len(dossiers), fields


def _record_paid(record: Mapping[str, Any]) -> bool:
    """Paid online (a fee the desk collected at the counter is paid, but not online)."""
    payment = record.get("payment") or {}
    return bool(payment.get("paid_online", payment.get("status") == "paid"))


def _acknowledged(submission: Mapping[str, Any], record: Mapping[str, Any], asked: Counter[str],
                  seen: Counter[str]) -> list[Problem]:
    """What the visitor sent against what the portal recorded, field by field: `asked` counts the fields sent,
    `seen` those the record gave as well (a field it does not give is not checked, and the report says so)."""
    sent = submission.get("sent") or {}
    code = submission["code"]
    problems = []
    wanted = {v for v in (sent.get("procedure_code"), sent.get("national_code"), submission.get("procedure_code"))
              if v}
    asked.update(name for name, present in (
        ("procedure", wanted), ("result_delivery", sent.get("result_delivery")),
        ("fee_amount", sent.get("fee_amount") is not None), ("payment_state", sent.get("payment_method") == "counter"))
        if present)
    if wanted and record.get("procedure_code") is not None:
        seen["procedure"] += 1
        if record["procedure_code"] not in wanted:
            problems.append(Problem("wrong_dossier", code,
                                    f"holds procedure {record['procedure_code']}, was {' / '.join(sorted(wanted))}"))
    if sent.get("result_delivery") and record.get("result_delivery") is not None:
        seen["result_delivery"] += 1
        if record["result_delivery"] != sent["result_delivery"]:
            problems.append(Problem("wrong_result_delivery", code, f"recorded {record['result_delivery']}, "
                                                                   f"the visitor asked for {sent['result_delivery']}"))
    if sent.get("fee_amount") is not None and (record.get("fee") or {}).get("amount") is not None:
        seen["fee_amount"] += 1
        if int(record["fee"]["amount"]) != int(sent["fee_amount"]):
            problems.append(Problem("wrong_fee", code, f"recorded {record['fee']['amount']} đ, the catalogue "
                                                       f"said {sent['fee_amount']} đ"))
    if sent.get("payment_method") == "counter":     # a fee left to the counter cannot be paid online already
        seen["payment_state"] += 1
        if _record_paid(record):
            problems.append(Problem("paid_unexpectedly", code, "recorded as paid online; the visitor chose the "
                                                               "counter and paid nothing online"))
    return problems


def _check(by_code: Mapping[str, list[dict[str, Any]]], submissions: list[dict[str, Any]],
           payments: list[dict[str, Any]], transactions_of: Any) -> tuple[list[Problem], dict[str, str]]:
    """The ledger against the portal's dossiers (by code) and the payment platform's transactions; with, for
    each compared field, on how many dossiers it was checked or why it was not."""
    problems: list[Problem] = []
    asked: Counter[str] = Counter()
    seen: Counter[str] = Counter()
    answered = Counter(s["code"] for s in submissions)
    for code, times in answered.items():
        if times > 1:
            problems.append(Problem("duplicate_code", code, f"the portal answered {times} submissions with this code"))
    for s in submissions:
        found = by_code.get(s["code"], [])
        if not found:
            problems.append(Problem("lost_submission", s["code"], "accepted (201) but not in the portal"))
        elif len(found) > 1:
            problems.append(Problem("duplicate_dossier", s["code"], f"{len(found)} dossiers share this code"))
        elif answered[s["code"]] == 1:
            problems += _acknowledged(s, found[0], asked, seen)
    if payments:
        transactions: dict[str, list[dict[str, Any]]] = {}
        for t in transactions_of():
            transactions.setdefault(t["reference"], []).append(t)
        for pay in payments:
            ref = pay["reference"]
            found_t = transactions.get(ref, [])
            if not found_t:
                problems.append(Problem("lost_payment", ref, "confirmed at the checkout but unknown to the platform"))
                continue
            if len(found_t) > 1:
                problems.append(Problem("duplicate_payment", ref, f"{len(found_t)} transactions share the reference"))
            t = found_t[0]
            if int(t.get("status", 0)) != 1:
                problems.append(Problem("payment_not_paid", ref, f"the platform says status {t.get('status')}"))
            elif int(t.get("amount", 0)) != int(pay["amount"]):
                problems.append(Problem("payment_amount", ref, f"{t.get('amount')} đ, was {pay['amount']} đ"))
            dossier = (by_code.get(pay["dossier_code"]) or [None])[0]
            if dossier is None:
                problems.append(Problem("lost_submission", pay["dossier_code"], f"paid ({ref}) but not in the portal"))
                continue
            asked["payment_state"] += 1
            seen["payment_state"] += 1
            if not _record_paid(dossier):
                says = (dossier.get("payment") or {}).get("status")
                problems.append(Problem("payment_not_recorded_by_portal", ref,
                                        f"dossier {pay['dossier_code']} says {says}"))
    return problems, {name: _field_state(asked[name], seen[name]) for name in FIELDS}


def _field_state(asked: int, seen: int) -> str:
    if not asked:
        return "not checked: no acknowledged submission of the run to compare"
    if not seen:
        return NOT_GIVEN
    return f"checked on {seen} dossier(s)" + (f" of {asked}; {NOT_GIVEN} for the others" if seen < asked else "")
