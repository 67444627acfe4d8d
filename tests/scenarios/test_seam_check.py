"""The seam's preflight (`dvc-harness load --check-api`) in process: what it vouches for, and what it will not.

The whole preflight against the emulators is tests/load/test_load_cli.py's; here, the verdict of a run that could
not reach every method, and the citizen's cookie jar the journeys need beside the methods.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import requests

from harness.cli import main
from harness.exits import EXIT_ERROR
from scenarios.api.check import (
    MISSHAPEN,
    MISSING,
    NOT_CHECKED,
    NOT_NEEDED,
    OK,
    SeamCheck,
    _Checker,
    _payment,
    check_seam,
    report,
)

ITEM = {"code": "P-1", "national_code": "1.000001", "name": "Thủ tục", "level": 4, "tier": "province",
        "agency_code": "A", "agency_name": "Sở", "fee": {"amount": 50000, "timing": "before"},
        "result_by_post": True}


class AnonymousOnly:
    """A portal layer whose anonymous methods answer in shape."""

    def __init__(self, session: Any) -> None:
        if session is not None:
            self.session = session

    def home(self) -> int:
        return 200

    def procedures(self, **filters: Any) -> dict[str, Any]:
        return {"total": 1, "items": [ITEM]}

    def procedure(self, code: str) -> dict[str, Any]:
        return dict(ITEM)

    def agencies(self, tier: str | None = None) -> dict[str, Any]:
        return {"items": [{"code": "A", "name": "Sở"}]}


def _check(session: Any, given: Any = None) -> list[SeamCheck]:
    return check_seam(SimpleNamespace(provincial=AnonymousOnly(session)), register=None,  # type: ignore[arg-type]
                      session=given)


def test_methods_it_could_not_reach_fail_the_preflight_and_are_named() -> None:
    with requests.Session() as session:
        results = _check(session)
    states = {r.method: r.state for r in results}
    assert {m: states[m] for m in ("session", "home", "procedures", "procedure", "agencies")} == dict.fromkeys(
        ("session", "home", "procedures", "procedure", "agencies"), OK)
    unchecked = [r for r in results if r.state == NOT_CHECKED]
    assert [r.method for r in unchecked] == ["login_sso", "me", "submit", "dossiers", "dossier", "start_payment",
                                             "payment_return", "receipt", "lookup", "log_out"]
    assert all("needs a citizen" in r.detail for r in unchecked)
    # the exit code is all(r.ok): a method nobody called is not vouched for
    assert not any(r.ok for r in unchecked) and not all(r.ok for r in results)
    said = report(results)
    assert "10 method(s) not checked, so not vouched for: login_sso, me, submit" in said
    assert "every method answered" not in said and "missing, mis-shaped or failing" not in said


def test_the_citizen_cookie_jar_is_checked_beside_the_methods() -> None:
    without = {r.method: r for r in _check(None)}["session"]
    assert without.state == MISSING and "cookie jar" in without.detail
    wrong = {r.method: r for r in _check(object())}["session"]
    assert wrong.state == MISSHAPEN and "object has no cookies" in wrong.detail
    said = report(_check(None))
    assert "1 method(s) missing, mis-shaped or failing: session" in said


def test_a_layer_with_a_session_of_its_own_is_told_the_load_would_not_measure_it() -> None:
    with requests.Session() as given, requests.Session() as own:
        assert {r.method: r for r in _check(given, given)}["session"].state == OK
        wrong = {r.method: r for r in _check(own, given)}["session"]
    assert wrong.state == MISSHAPEN and "not the session the factory received" in wrong.detail


def test_payments_a_catalogue_never_asks_for_are_not_needed_and_fail_nothing() -> None:
    check = _Checker(SimpleNamespace())
    _payment(check, SimpleNamespace(), "X-1", {"level": 4, "fee": {"amount": 0, "timing": "none"}})  # type: ignore[arg-type]
    assert [(r.method, r.state) for r in check.results] == [
        ("start_payment", NOT_NEEDED), ("payment_return", NOT_NEEDED), ("receipt", NOT_NEEDED)]
    results = [SeamCheck("home", OK), *check.results]
    assert all(r.ok for r in results)
    assert report(results).endswith("every method answered in the seam's shape, but start_payment, payment_return, "
                                    "receipt, which this catalogue's journeys do not call")


def test_the_preflight_refuses_to_start_without_the_stack(tmp_path: Any, capsys: Any) -> None:
    code = main(["load", "--check-api", "load.api:emulator_api", "--host", "http://127.0.0.1:9",
                 "--state-dir", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == EXIT_ERROR and f"--check-api needs a running stack in {tmp_path}" in err
