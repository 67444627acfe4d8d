"""Double charges (issue 9): one open payment attempt per dossier fee, whatever arrives at once.

1. Simultaneous starts — threads, worker processes on one store, HTTP requests — share one attempt.
2. A signed failure confirmation (MaLoi 24) is checked with the platform's QUERY before a new
   attempt may open: a checkout the platform still holds open stays the only one.

The model tests talk to a real payment platform model (its own store) through `Bridge`, so the
platform's own rules (one transaction per reference, INIT answered again with the same URL) hold.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from harness.stack import Stack
from mocks.core.clock import Clock
from mocks.core.config import Credentials, StackConfig
from mocks.core.errors import DomainError
from mocks.core.outbox import Outbox
from mocks.core.signing import sign
from mocks.core.storage import Store
from mocks.core.timefmt import VN_TZ
from mocks.payment.model import PaymentPlatform
from mocks.provincial.model import ProvincialPortal
from tests.worlds import IN_2022

from .backoffice import wait_for
from .conftest import submit
from .test_api import T, dossier, lltp_body, pay_at_checkout, register_citizen, sso_login
from .test_api import submit as submit_over_http

pytestmark = IN_2022   # the 2022 world's rules (tests/worlds.py)

NS = "t"
PARALLEL = 30


# -- a payment platform model behind the portal's client -------------------------------------------------------
class _Reply:
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        self.status_code, self._body = status, body

    def json(self) -> dict[str, Any]:
        return self._body


class Bridge:
    """Stands for `requests.Session` in the portal's payment client: hands each message to the platform
    model, as its HTTP API would. `down` makes the platform unreachable."""

    def __init__(self, platform: PaymentPlatform) -> None:
        self.platform = platform
        self.down = False
        self.answer_lost = False   # the platform acts on the message, its answer never comes back
        self.kinds: list[str] = []

    def post(self, url: str, json: dict[str, Any], headers: dict[str, str], timeout: Any) -> _Reply:
        if self.down:
            raise requests.ConnectionError("the payment platform is down")
        self.kinds.append(json["LoaiBanTin"])
        try:
            reply = _Reply(200, self.platform.handle(headers["X-DVC-Namespace"], json))
        except DomainError as exc:
            reply = _Reply(exc.status, exc.body())
        if self.answer_lost:
            raise requests.ReadTimeout("the platform's answer did not come back")
        return reply


def platform_for(portal: ProvincialPortal, folder: Path) -> tuple[PaymentPlatform, Bridge]:
    store = Store(folder / "payment.db")
    platform = PaymentPlatform(store, portal.clock, Outbox(store, "payment"), portal.config)
    bridge = Bridge(platform)
    portal.payments.client.http = bridge  # type: ignore[assignment]
    return platform, bridge


@pytest.fixture
def platform(portal: ProvincialPortal, tmp_path: Path) -> Any:
    made, bridge = platform_for(portal, tmp_path)
    yield made, bridge
    made.store.close()


def token_of(url: str) -> str:
    return url.rsplit("/", 1)[-1]


def confirmation(portal: ProvincialPortal, reference: str, ma_loi: str, amount: int = 200_000) -> dict[str, Any]:
    """A correctly signed confirmation, as anyone holding the partner's secret can make one."""
    message = {"LoaiBanTin": "CONFIRM", "MaLoi": ma_loi, "MaDoiTac": portal.config.credentials.payment_partner_code,
               "MaThamChieu": reference, "SoTien": amount, "MaTienTe": "VND", "MaGiaoDich": "",
               "MaNganHang": "", "ThoiGianGD": "20240515093000", "ThongTinGiaoDich": "Người nộp đã hủy",
               "TrangThaiGD": 4}
    return sign(message, "CONFIRM", portal.config.credentials.payment_secret)


def deliver(portal: ProvincialPortal, platform: PaymentPlatform, reference: str) -> None:
    """The platform's own confirmation of a final transaction, handed to the portal."""
    txn = platform._by_reference(NS, portal.config.credentials.payment_partner_code, reference)
    assert portal.payments.confirm(NS, platform.confirmation(txn, platform.builtin_partner()))["MaLoi"] == "00"


def all_at_once(count: int, call: Callable[[], Any]) -> list[Any]:
    """`count` calls released together; each result, or the exception it raised."""
    gate = threading.Barrier(count)

    def one() -> Any:
        gate.wait()
        try:
            return call()
        except Exception as exc:  # the test looks at every outcome
            return exc

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(lambda _: one(), range(count)))


# -- 1. simultaneous starts, in one process --------------------------------------------------------------------
def test_simultaneous_starts_share_one_attempt(portal: ProvincialPortal, citizen: Any, platform: Any) -> None:
    made, _ = platform
    d = submit(portal, citizen, payment_method="online")
    results = all_at_once(PARALLEL, lambda: portal.payments.start(NS, d.code, citizen.id))
    assert all(not isinstance(r, Exception) for r in results), [r for r in results if isinstance(r, Exception)]
    assert {(r.reference, r.payment_url) for r in results} == {(f"{d.code}-01", results[0].payment_url)}
    assert [(t.reference, t.status) for t in portal.payments.attempts(NS, d.code)] == [(f"{d.code}-01", "created")]
    assert [t["reference"] for t in made.transactions(NS)] == [f"{d.code}-01"]
    # The one checkout is paid once; starting again is refused.
    made.pay(NS, token_of(results[0].payment_url), "VCB")
    deliver(portal, made, f"{d.code}-01")
    assert portal.dossiers.get(NS, d.code).paid_online
    with pytest.raises(DomainError) as info:
        portal.payments.start(NS, d.code, citizen.id)
    assert info.value.code == "ALREADY_PAID"


def test_simultaneous_starts_after_a_cancel_open_one_new_attempt(portal: ProvincialPortal, citizen: Any,
                                                                 platform: Any) -> None:
    made, _ = platform
    d = submit(portal, citizen, payment_method="online")
    first = portal.payments.start(NS, d.code, citizen.id)
    made.cancel(NS, token_of(first.payment_url))
    deliver(portal, made, first.reference)
    results = all_at_once(PARALLEL, lambda: portal.payments.start(NS, d.code, citizen.id))
    assert {r.reference for r in results} == {f"{d.code}-02"}
    assert [t.status for t in portal.payments.attempts(NS, d.code)] == ["failed", "created"]


# -- 1. simultaneous starts, in several processes on one store -----------------------------------------------------
def _start_in_another_process(folder: str, credentials: Credentials, code: str, account_id: str, threads: int,
                              gate: Any, results: Any) -> None:
    """A worker process of its own: its own connections to the same store files, `threads` starts at once."""
    config = StackConfig(state_dir=Path(folder), urls={"national": "http://national.test",
                                                       "provincial": "http://tinh.test", "payment": "http://pay.test",
                                                       "postal": "http://post.test"}, credentials=credentials)
    store = Store(Path(folder) / "provincial.db")
    portal = ProvincialPortal(store, Clock(Store(Path(folder) / "control.db")), Outbox(store, "provincial"), config)
    platform_for(portal, Path(folder))
    gate.wait()  # every process is ready: now all at once
    for outcome in all_at_once(threads, lambda: portal.payments.start(NS, code, account_id)):
        results.put(repr(outcome) if isinstance(outcome, Exception) else (outcome.reference, outcome.payment_url))


def test_starts_from_two_processes_share_one_attempt(portal: ProvincialPortal, citizen: Any, platform: Any,
                                                     tmp_path: Path) -> None:
    made, _ = platform
    d = submit(portal, citizen, payment_method="online")
    spawn = multiprocessing.get_context("spawn")
    gate, results = spawn.Barrier(2), spawn.Queue()
    workers = [spawn.Process(target=_start_in_another_process, args=(
        str(tmp_path), portal.config.credentials, d.code, citizen.id, 8, gate, results)) for _ in range(2)]
    for worker in workers:
        worker.start()
    outcomes = [results.get(timeout=60) for _ in range(16)]
    for worker in workers:
        worker.join(timeout=30)
        assert worker.exitcode == 0
    assert len(set(outcomes)) == 1 and outcomes[0][0] == f"{d.code}-01", set(outcomes)
    assert [t.reference for t in portal.payments.attempts(NS, d.code)] == [f"{d.code}-01"]
    assert len(made.transactions(NS)) == 1


# -- 2. a failure confirmation is checked with the platform --------------------------------------------------------
def test_a_signed_cancel_for_an_open_checkout_does_not_open_a_second(portal: ProvincialPortal, citizen: Any,
                                                                     platform: Any) -> None:
    made, bridge = platform
    d = submit(portal, citizen, payment_method="online")
    first = portal.payments.start(NS, d.code, citizen.id)
    bridge.kinds.clear()
    assert portal.payments.confirm(NS, confirmation(portal, first.reference, "24"))["MaLoi"] == "00"
    assert bridge.kinds == ["QUERY"]
    kept = portal.payments.get(NS, first.reference)
    assert kept.status == "created" and "vẫn chờ thanh toán" in (kept.error or "")
    again = portal.payments.start(NS, d.code, citizen.id)
    assert (again.reference, again.payment_url) == (first.reference, first.payment_url)
    # The citizen pays the first checkout: the fee is paid once, and no other attempt exists.
    made.pay(NS, token_of(first.payment_url), "VCB")
    deliver(portal, made, first.reference)
    assert [(t.attempt, t.status, t.error) for t in portal.payments.attempts(NS, d.code)] == [(1, "paid", None)]
    assert len(made.transactions(NS)) == 1


def test_a_signed_cancel_for_a_paid_checkout_records_the_payment(portal: ProvincialPortal, citizen: Any,
                                                                 platform: Any) -> None:
    made, _ = platform
    d = submit(portal, citizen, payment_method="online")
    first = portal.payments.start(NS, d.code, citizen.id)
    made.pay(NS, token_of(first.payment_url), "VCB")   # its own confirmation has not arrived yet
    portal.payments.confirm(NS, confirmation(portal, first.reference, "24"))
    assert portal.payments.get(NS, first.reference).status == "paid"
    assert portal.dossiers.get(NS, d.code).paid_online
    with pytest.raises(DomainError) as info:
        portal.payments.start(NS, d.code, citizen.id)
    assert info.value.code == "ALREADY_PAID"


def test_a_cancel_believed_while_the_platform_was_down_is_checked_before_a_new_attempt(
    portal: ProvincialPortal, citizen: Any, platform: Any,
) -> None:
    made, bridge = platform
    d = submit(portal, citizen, payment_method="online")
    first = portal.payments.start(NS, d.code, citizen.id)
    bridge.down = True
    portal.payments.confirm(NS, confirmation(portal, first.reference, "24"))
    assert portal.payments.get(NS, first.reference).status == "failed"      # on the confirmation's word only
    with pytest.raises(DomainError) as info:                                  # cannot be checked: no new attempt
        portal.payments.start(NS, d.code, citizen.id)
    assert info.value.code == "PAYMENT_PLATFORM_UNAVAILABLE" and len(portal.payments.attempts(NS, d.code)) == 1
    bridge.down = False
    again = portal.payments.start(NS, d.code, citizen.id)                   # the platform: still open
    assert (again.reference, again.status, again.payment_url) == (first.reference, "created", first.payment_url)
    assert portal.dossiers.get(NS, d.code).payment_status == "pending"
    made.cancel(NS, token_of(first.payment_url))                             # now really cancelled
    deliver(portal, made, first.reference)
    second = portal.payments.start(NS, d.code, citizen.id)
    assert second.reference == f"{d.code}-02"
    assert [(t.status, t.failure_checked) for t in portal.payments.attempts(NS, d.code)] == [
        ("failed", True), ("created", False)]


def test_a_failed_init_leaves_room_for_a_new_attempt(portal: ProvincialPortal, citizen: Any, platform: Any) -> None:
    _, bridge = platform
    d = submit(portal, citizen, payment_method="online")
    bridge.down = True
    with pytest.raises(DomainError):
        portal.payments.start(NS, d.code, citizen.id)
    bridge.down = False
    assert portal.payments.start(NS, d.code, citizen.id).reference == f"{d.code}-02"


def test_an_older_attempt_answered_late_hands_out_no_checkout(portal: ProvincialPortal, citizen: Any,
                                                              platform: Any) -> None:
    """A start whose INIT answers after its attempt was replaced returns the dossier's current attempt."""
    _, bridge = platform
    d = submit(portal, citizen, payment_method="online")
    first = portal.payments._current_attempt(NS, portal.dossiers.get(NS, d.code))   # a start before its INIT
    bridge.down = True
    with pytest.raises(DomainError):                # another start: its INIT fails, the attempt is replaceable
        portal.payments.start(NS, d.code, citizen.id)
    bridge.down = False
    second = portal.payments.start(NS, d.code, citizen.id)
    late = portal.payments._send_init(NS, portal.dossiers.get(NS, d.code), first, "127.0.0.1")
    assert late.reference == first.reference and late.status == "init_failed" and late.payment_url is None
    assert portal.payments.start(NS, d.code, citizen.id).payment_url == second.payment_url


def test_news_of_a_replaced_attempt_does_not_take_the_dossier_back_to_it(portal: ProvincialPortal, citizen: Any,
                                                                          platform: Any) -> None:
    """An INIT the platform acted on but whose answer was lost leaves a replaceable attempt; a later word on it
    (a bank time-out, MaLoi 09) must not make it the dossier's payment again while the new one is open."""
    _, bridge = platform
    d = submit(portal, citizen, payment_method="online")
    bridge.answer_lost = True
    with pytest.raises(DomainError):
        portal.payments.start(NS, d.code, citizen.id)
    bridge.answer_lost = False
    second = portal.payments.start(NS, d.code, citizen.id)
    assert second.reference == f"{d.code}-02" and second.payment_url
    assert portal.payments.confirm(NS, confirmation(portal, f"{d.code}-01", "09"))["MaLoi"] == "00"
    assert portal.dossiers.get(NS, d.code).payment_reference == second.reference


# -- over HTTP, against the whole stack ----------------------------------------------------------------------------
@pytest.fixture
def urls(dvc_stack: Stack) -> dict[str, str]:
    return dvc_stack.urls


@pytest.fixture
def admin(dvc_stack: Stack, ns: str) -> dict[str, str]:
    return {"X-DVC-Namespace": ns, "X-Admin-Token": dvc_stack.config.credentials.admin_token}


@pytest.fixture
def http_citizen(urls: dict[str, str], admin: dict[str, str], ns: str) -> requests.Session:
    register_citizen(urls, admin)
    return sso_login(urls, ns)


def platform_transactions(urls: dict[str, str], admin: dict[str, str]) -> list[dict[str, Any]]:
    r = requests.get(f"{urls['payment']}/_admin/transactions", headers=admin, timeout=T)
    assert r.status_code == 200, r.text
    return r.json()["transactions"]


def test_parallel_payment_requests_get_one_checkout(http_citizen: requests.Session, urls: dict[str, str],
                                                    admin: dict[str, str]) -> None:
    code = submit_over_http(http_citizen, urls, lltp_body()).json()["code"]
    url = f"{urls['provincial']}/api/v1/dossiers/{code}/payments"

    def start() -> tuple[int, Any]:
        with requests.Session() as own:  # a session per thread, the citizen's cookies
            own.headers.update(http_citizen.headers)
            own.cookies.update(http_citizen.cookies)
            r = own.post(url, timeout=30)
            return r.status_code, r.json()

    answers = all_at_once(PARALLEL, start)
    assert {status for status, _ in answers} == {201}, answers
    assert len({(a["reference"], a["payment_url"]) for _, a in answers}) == 1
    attempts = http_citizen.get(url, timeout=T).json()["items"]
    assert [(a["reference"], a["status"]) for a in attempts] == [(f"{code}-01", "created")]
    assert [t["reference"] for t in platform_transactions(urls, admin)] == [f"{code}-01"]
    pay_at_checkout(http_citizen, urls, code)
    wait_for(lambda: dossier(http_citizen, urls, code)["payment"]["paid_online"], what="the payment")
    assert [t["status"] for t in platform_transactions(urls, admin)] == [1]


def test_a_signed_cancel_over_http_leaves_one_payable_checkout(http_citizen: requests.Session, urls: dict[str, str],
                                                               admin: dict[str, str], dvc_stack: Stack) -> None:
    code = submit_over_http(http_citizen, urls, lltp_body()).json()["code"]
    payments = f"{urls['provincial']}/api/v1/dossiers/{code}/payments"
    first = http_citizen.post(payments, timeout=T).json()
    creds = dvc_stack.config.credentials
    cancel = sign({"LoaiBanTin": "CONFIRM", "MaLoi": "24", "MaDoiTac": creds.payment_partner_code,
                   "MaThamChieu": first["reference"], "SoTien": 200_000, "MaTienTe": "VND", "MaGiaoDich": "",
                   "MaNganHang": "", "ThoiGianGD": datetime.now(VN_TZ).strftime("%Y%m%d%H%M%S"),
                   "ThongTinGiaoDich": "Người nộp đã hủy", "TrangThaiGD": 4}, "CONFIRM", creds.payment_secret)
    r = requests.post(f"{urls['provincial']}/api/payment/confirm", json=cancel,
                      headers={"X-DVC-Namespace": admin["X-DVC-Namespace"]}, timeout=T)
    assert r.status_code == 200 and r.json()["MaLoi"] == "00", r.text
    assert dossier(http_citizen, urls, code)["payment"]["status"] == "pending"
    # The second try is the same, reconciled checkout: paid once, nothing to refund.
    pay_at_checkout(http_citizen, urls, code)
    wait_for(lambda: dossier(http_citizen, urls, code)["payment"]["paid_online"], what="the payment")
    attempts = http_citizen.get(payments, timeout=T).json()["items"]
    assert [(a["reference"], a["status"], a["error"]) for a in attempts] == [(first["reference"], "paid", None)]
    assert [t["status"] for t in platform_transactions(urls, admin)] == [1]
    again = http_citizen.post(payments, timeout=T)
    assert again.status_code == 409 and again.json()["error"]["code"] == "ALREADY_PAID"
    assert again.json()["error"]["message_vi"] and again.json()["error"]["message_en"]

