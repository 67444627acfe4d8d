"""The seam's preflight: every method of a team's `ProvincialApi` called once against its portal, each answer
checked against the shape the journeys read (scenarios.api.seam), before a 30-minute run finds out.

    dvc-harness load --check-api mypkg.load:my_portal --host https://staging.portal.example

A citizen is made on the emulators (so the stack must be running: a VNeID identity in today's world, logged in on
DVCQG before the SSO; a DVCQG account before 1 July 2024) and goes through the methods in the order a visit
would: the catalogue, a procedure, the SSO log-in, a submission, the dossier,
a payment at the checkout and the return, the e-receipt, the look-up, the log-out.
"""

from __future__ import annotations

import base64
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from harness.clients import ClientError, sample_attachments, sample_form

from . import seam

OK, MISSING, MISSHAPEN, FAILED, NOT_CHECKED = "ok", "missing", "mis-shaped", "failed", "not checked"
# A method the portal's own catalogue gives no journey a use for (no level-4 procedure paid online: no payment):
# the load will not call it either, so it fails nothing; the line says so.
NOT_NEEDED = "not needed"


@dataclass
class SeamCheck:
    method: str
    state: str          # OK, MISSING, MISSHAPEN, FAILED, NOT_CHECKED, NOT_NEEDED
    detail: str = ""

    @property
    def ok(self) -> bool:
        """A method that answered in shape, or that this catalogue's journeys never call. One that could not be
        reached (no citizen, an earlier method failed) is not vouched for, and fails the preflight."""
        return self.state in (OK, NOT_NEEDED)


_PYTHON = {int: int, str: str, bool: bool, float: (int, float)}


def problems(value: Any, shape: Any, where: str = "") -> list[str]:
    """What `value` lacks of a TypedDict `shape` (its required keys, and the type of each that is plain)."""
    if not isinstance(value, Mapping):
        return [f"{where or 'the answer'} is {type(value).__name__}, not an object"]
    found = []
    hints = typing.get_type_hints(shape)
    for key in sorted(shape.__required_keys__):
        if key not in value:
            found.append(f"{where}{key} is missing")
            continue
        wanted = hints[key]
        if wanted in _PYTHON and not isinstance(value[key], _PYTHON[wanted]):
            found.append(f"{where}{key} is {type(value[key]).__name__}, not {wanted.__name__}")
        elif typing.is_typeddict(wanted):
            found += problems(value[key], wanted, f"{where}{key}.")
    return found


class _Checker:
    def __init__(self, api: Any) -> None:
        self.api = api
        self.results: list[SeamCheck] = []

    def call(self, method: str, *args: Any, shape: Any = None, **kwargs: Any) -> Any:
        found = getattr(self.api, method, None)
        if found is None:
            self.results.append(SeamCheck(method, MISSING, "no such method"))
            return None
        try:
            answer = found(*args, **kwargs)
        except NotImplementedError as exc:
            self.results.append(SeamCheck(method, MISSING, f"raises NotImplementedError {exc}".strip()))
            return None
        except Exception as exc:
            self.results.append(SeamCheck(method, FAILED, f"{type(exc).__name__}: {exc}"[:300]))
            return None
        wrong = problems(answer, shape) if shape is not None else []
        self.results.append(SeamCheck(method, MISSHAPEN if wrong else OK, "; ".join(wrong)))
        return None if wrong else answer

    def skip(self, method: str, why: str, state: str = NOT_CHECKED) -> None:
        self.results.append(SeamCheck(method, state, why))


def check_seam(bundle: seam.ApiPortals, register: Callable[[], dict[str, Any]] | None,
               app: Any = None, *, session: Any = None) -> list[SeamCheck]:
    """Each method of `bundle.provincial` once; `register` gives a citizen who can log in in the namespace's world
    (harness.clients.Platform.ready_account; None: the methods that need a log-in are not checked). One who logs in
    with VNeID (`log_in` "vneid") does so on the national portal first, approved in `app` (the VNeID app's
    control), and `login_sso(None, None)` then finds the national session open, as the journeys do. `session`:
    the one the factory was given, which the layer's `session` must be."""
    api, check = bundle.provincial, _Checker(bundle.provincial)
    _session(check, api, session)
    check.call("home")
    catalogue = check.call("procedures", limit=1000, shape=seam.Catalogue)
    items = list((catalogue or {}).get("items") or [])
    wrong = [f"items[{i}]: {p}" for i, item in enumerate(items[:50]) for p in problems(item, seam.ProcedureItem)]
    if wrong:
        check.results[-1] = SeamCheck("procedures", MISSHAPEN, "; ".join(wrong[:5]))
    online = [i for i in items if isinstance(i, Mapping) and i.get("level") in (3, 4)]
    paid = [i for i in online if i.get("level") == 4 and (i.get("fee") or {}).get("amount")
            and (i.get("fee") or {}).get("timing") == "before"]
    chosen = (paid or online or [None])[0]
    procedure = check.call("procedure", chosen["code"], shape=seam.ProcedureDetail) if chosen else None
    if chosen is None:
        check.skip("procedure", "the catalogue gave no level-3/4 procedure")
    check.call("agencies")
    if register is None:
        for method in ("login_sso", "me", "submit", "dossiers", "dossier", "start_payment", "payment_return",
                       "receipt", "lookup", "log_out"):
            check.skip(method, "needs a citizen on the emulated national portal: run with the stack (--state-dir)")
        return check.results
    citizen = register()
    if citizen.get("log_in") == "vneid":
        bundle.national.login_vneid(str(citizen["username"]), str(citizen["password"]), app)
        check.call("login_sso", None, None)
    else:
        check.call("login_sso", citizen["username"], citizen["password"])
    me = check.call("me", shape=seam.Account)
    if me is not None and me.get("full_name") != citizen["full_name"]:
        check.results[-1] = SeamCheck("me", FAILED, f"full_name {me.get('full_name')!r}, the citizen who logged in "
                                                     f"is {citizen['full_name']!r}")
    code = None
    if procedure is not None:
        is_paid = procedure.get("level") == 4 and bool((procedure.get("fee") or {}).get("amount"))
        attachments = sample_attachments(dict(procedure)) or [
            {"code": "TK", "filename": "to-khai.pdf", "content_type": "application/pdf",
             "content_base64": base64.b64encode(b"%PDF-1.4\n%%EOF\n").decode()}]
        agency = procedure.get("agency_code") or (chosen or {}).get("agency_code")
        dossier = check.call("submit", procedure["code"], agency_code=agency,
                             form=sample_form(dict(procedure)), attachments=attachments,
                             result_delivery="online" if is_paid else "counter",
                             payment_method="online" if is_paid else "counter")
        if dossier is not None and not (isinstance(dossier, Mapping) and "code" in dossier):
            check.results[-1] = SeamCheck("submit", MISSHAPEN, "the answer has no code")
        code = str(dossier["code"]) if isinstance(dossier, Mapping) and "code" in dossier else None
    else:
        check.skip("submit", "no procedure to submit to")
    if code is None:
        for method in ("dossiers", "dossier", "start_payment", "payment_return", "receipt", "lookup"):
            check.skip(method, "no dossier was submitted")
    else:
        mine = check.call("dossiers", shape=seam.Dossiers)
        if mine is not None and code not in [d.get("code") for d in mine.get("items", []) if isinstance(d, Mapping)]:
            check.results[-1] = SeamCheck("dossiers", FAILED, f"the submitted {code} is not among them")
        check.call("dossier", code, shape=seam.DossierJson)
        _payment(check, bundle, code, procedure or {})
        check.call("lookup", code, shape=seam.PublicDossier)
        try:
            api.lookup(code[:-4] + "9999")
            check.results.append(SeamCheck("lookup (unknown code)", FAILED, "answered for a code it cannot know"))
        except ClientError as exc:
            if exc.status != 404:
                check.results.append(SeamCheck("lookup (unknown code)", FAILED, f"HTTP {exc.status}, not 404"))
        except Exception:       # the method itself is missing or broken: said above
            pass
    check.call("log_out")
    return check.results


def _session(check: _Checker, api: Any, given: Any) -> None:
    """`session`, the citizen's cookie jar: the driver sends the browser's requests through it and hands its cookies
    to the browser; under Locust it is the measured one, so a layer with a session of its own goes unmeasured."""
    found = getattr(api, "session", None)
    if found is None:
        check.results.append(SeamCheck("session", MISSING, "no session attribute: the citizen's cookie jar"))
    elif not hasattr(found, "cookies") or not hasattr(found, "request"):
        check.results.append(SeamCheck("session", MISSHAPEN, f"{type(found).__name__} has no cookies or request(): "
                                                              "give the session the factory receives"))
    elif given is not None and found is not given:
        check.results.append(SeamCheck("session", MISSHAPEN, "not the session the factory received: under the load "
                                                              "its requests would go unmeasured"))
    else:
        check.results.append(SeamCheck("session", OK))


def _payment(check: _Checker, bundle: seam.ApiPortals, code: str, procedure: Mapping[str, Any]) -> None:
    fee = procedure.get("fee") or {}
    if not (procedure.get("level") == 4 and fee.get("amount") and fee.get("timing") == "before"):
        for method in ("start_payment", "payment_return", "receipt"):
            check.skip(method, "the catalogue has no level-4 procedure with a fee paid online: no journey pays",
                       NOT_NEEDED)
        return
    started = check.call("start_payment", code, shape=seam.PaymentStarted)
    if started is None:
        check.skip("payment_return", "no payment was started")
        check.skip("receipt", "no payment was started")
        return
    try:
        back = bundle.payment.checkout(str(started["payment_url"]))
    except Exception as exc:
        check.results.append(SeamCheck("start_payment", FAILED, f"its payment_url is no checkout: {exc}"[:300]))
        check.skip("payment_return", "the checkout could not be paid")
        check.skip("receipt", "the checkout could not be paid")
        return
    check.call("payment_return", back["return_url"])
    check.call("receipt", code, shape=seam.Receipt)


def report(results: list[SeamCheck]) -> str:
    width = max(len(r.method) for r in results)
    lines = [f"  {r.method:<{width}}  {r.state:<11}  {r.detail}".rstrip() for r in results]
    bad = [r.method for r in results if r.state not in (OK, NOT_CHECKED, NOT_NEEDED)]
    unchecked = [r.method for r in results if r.state == NOT_CHECKED]
    lines.append("")
    if bad:
        lines.append(f"{len(bad)} method(s) missing, mis-shaped or failing: {', '.join(bad)} "
                     "(docs/wiring.md, the load's seam)")
    if unchecked:
        lines.append(f"{len(unchecked)} method(s) not checked, so not vouched for: {', '.join(unchecked)} "
                     "(each line says why)")
    if not bad and not unchecked:
        unneeded = [r.method for r in results if r.state == NOT_NEEDED]
        lines.append("every method answered in the seam's shape" + (
            f", but {', '.join(unneeded)}, which this catalogue's journeys do not call" if unneeded else ""))
    return "\n".join(lines)


__all__ = ["SeamCheck", "check_seam", "problems", "report"]
