"""Guessing is limited: wrong passwords lock a user name, wrong codes and new codes are counted per account.

Model tests on the namespace's frozen clock, then the three log-in doors over HTTP (JSON API,
the portal's page, the SSO's page) and the one-time code routes.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import requests

from harness.stack import Stack
from mocks.core import security
from mocks.core.clock import Clock
from mocks.core.errors import DomainError, Unauthorized
from mocks.core.throttle import LOGIN_LIMIT, TooManyAttempts
from mocks.national.accounts import OTP_SENDS_LIMIT, OTP_TRIES_LIMIT, AccountBook, Registration
from mocks.national.model import SEED_PASSWORD, NationalPortal
from tests.core.test_security import older_hash
from tests.worlds import IN_2022

from .conftest import NS, PASSWORD, START, active_citizen, citizen_payload, forms, latest_otp, submit

pytestmark = IN_2022   # the 2022 world's rules (tests/worlds.py)

T = 10
AN = "049090001234"  # a seeded citizen
LOCK = int(LOGIN_LIMIT.lock_seconds)


def refusal(fn: Any, *args: Any) -> DomainError:
    with pytest.raises(DomainError) as caught:
        fn(*args)
    return caught.value


@pytest.fixture
def seeded(model: NationalPortal) -> NationalPortal:
    model.seed(NS)
    return model


# -- log-in, on the model ------------------------------------------------------------------------------------
def test_an_older_state_folder_s_hash_logs_in_and_is_written_again_at_today_s_count(seeded: NationalPortal) -> None:
    def stored() -> str:
        return seeded.store.one("SELECT password_hash FROM account WHERE ns = ? AND username = ?",
                                (NS, AN))["password_hash"]

    seeded.store.execute("UPDATE account SET password_hash = ? WHERE ns = ? AND username = ?",
                         (older := older_hash(SEED_PASSWORD), NS, AN))
    refusal(seeded.accounts.authenticate, NS, AN, "Sai123456")
    assert stored() == older
    assert seeded.accounts.authenticate(NS, AN, SEED_PASSWORD).username == AN
    assert stored() != older and not security.needs_rehash(stored())
    assert seeded.accounts.authenticate(NS, AN, SEED_PASSWORD).username == AN


def test_five_wrong_passwords_lock_even_the_right_one_until_the_clock_moves(seeded: NationalPortal,
                                                                            clock: Clock) -> None:
    accounts = seeded.accounts
    for left in (4, 3, 2, 1):
        error = refusal(accounts.authenticate, NS, AN, "Sai123456")
        assert isinstance(error, Unauthorized) and error.code == "INVALID_CREDENTIALS"
        assert f"Còn {left} lần thử" in error.vi and f"{left} {'try' if left == 1 else 'tries'} left" in error.en
    fifth = refusal(accounts.authenticate, NS, AN, "Sai123456")
    assert isinstance(fifth, TooManyAttempts) and fifth.status == 429 and fifth.code == "LOGIN_LOCKED"
    assert fifth.retry_after == LOCK and fifth.headers == {"Retry-After": str(LOCK)}
    assert "15 phút" in fifth.vi and "15 minutes" in fifth.en

    right = refusal(accounts.authenticate, NS, AN, SEED_PASSWORD)
    assert right.code == "LOGIN_LOCKED" and right.status == 429
    clock.advance(NS, LOCK - 60)
    assert refusal(accounts.authenticate, NS, AN, SEED_PASSWORD).details == {"retry_after": 60}
    clock.advance(NS, 60)
    assert accounts.authenticate(NS, AN, SEED_PASSWORD).username == AN


def test_a_right_password_starts_the_count_again(seeded: NationalPortal) -> None:
    accounts = seeded.accounts
    for _ in range(4):
        refusal(accounts.authenticate, NS, AN, "Sai123456")
    accounts.authenticate(NS, AN, SEED_PASSWORD)
    for _ in range(4):
        assert refusal(accounts.authenticate, NS, AN, "Sai123456").code == "INVALID_CREDENTIALS"
    assert accounts.authenticate(NS, AN, SEED_PASSWORD).username == AN


def test_wrong_passwords_an_hour_apart_do_not_add_up(seeded: NationalPortal, clock: Clock) -> None:
    accounts = seeded.accounts
    for _ in range(4):
        refusal(accounts.authenticate, NS, AN, "Sai123456")
    clock.advance(NS, LOGIN_LIMIT.window_seconds)
    assert "Còn 4 lần thử" in refusal(accounts.authenticate, NS, AN, "Sai123456").vi


def test_an_unknown_user_name_answers_exactly_like_a_known_one(seeded: NationalPortal) -> None:
    """So that the answers are no oracle of which names exist."""
    accounts = seeded.accounts
    known = [refusal(accounts.authenticate, NS, AN, "Sai123456") for _ in range(6)]
    unknown = [refusal(accounts.authenticate, NS, "049090009999", "Sai123456") for _ in range(6)]
    assert [(e.status, e.code, e.vi, e.en) for e in known] == [(e.status, e.code, e.vi, e.en) for e in unknown]


def test_the_lock_is_per_user_name_and_namespace(seeded: NationalPortal) -> None:
    accounts = seeded.accounts
    for _ in range(5):
        refusal(accounts.authenticate, NS, AN, "Sai123456")
    assert accounts.authenticate(NS, "049185004321", SEED_PASSWORD).full_name == "Trần Thị Thu Hà"
    seeded.clock.set("other", START)           # another namespace of the same world
    seeded.seed("other")
    assert accounts.authenticate("other", AN, SEED_PASSWORD).username == AN
    assert refusal(accounts.authenticate, NS, f" {AN.lower()} ", SEED_PASSWORD).code == "LOGIN_LOCKED"


def test_the_count_lives_in_the_store_shared_by_workers_and_restarts(seeded: NationalPortal, clock: Clock) -> None:
    other_worker = AccountBook(seeded.store, clock)
    for book in (seeded.accounts, other_worker, seeded.accounts, other_worker):
        refusal(book.authenticate, NS, AN, "Sai123456")
    assert refusal(other_worker.authenticate, NS, AN, "Sai123456").code == "LOGIN_LOCKED"
    assert refusal(seeded.accounts.authenticate, NS, AN, SEED_PASSWORD).code == "LOGIN_LOCKED"


def test_a_burst_of_parallel_guesses_gets_no_more_tries_than_the_limit(seeded: NationalPortal,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Each try is counted before its password is hashed: 40 guesses at once test at most 5 passwords."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from mocks.core import throttle  # the log-in rule every door shares (LoginThrottle.log_in)

    hashed, lock, real = [0], threading.Lock(), throttle.verify_password

    def counting(password: str, stored: str) -> bool:
        with lock:
            hashed[0] += 1
        return real(password, stored)

    monkeypatch.setattr(throttle, "verify_password", counting)

    def guess(_: int) -> str:
        try:
            seeded.accounts.authenticate(NS, AN, "Sai123456")
        except DomainError as exc:
            return exc.code
        return "LOGGED_IN"

    with ThreadPoolExecutor(max_workers=40) as pool:
        answers = list(pool.map(guess, range(40)))
    assert hashed[0] <= LOGIN_LIMIT.max_count, f"{hashed[0]} passwords tested in one burst"
    assert set(answers) <= {"INVALID_CREDENTIALS", "LOGIN_LOCKED"}
    assert answers.count("LOGIN_LOCKED") >= 40 - LOGIN_LIMIT.max_count
    assert refusal(seeded.accounts.authenticate, NS, AN, SEED_PASSWORD).code == "LOGIN_LOCKED"


def test_reset_forgets_the_counts(seeded: NationalPortal) -> None:
    for _ in range(5):
        refusal(seeded.accounts.authenticate, NS, AN, "Sai123456")
    seeded.reset(NS)  # what /_admin/reset calls: the accounts go too, the counts must not stay behind
    seeded.seed(NS)
    assert seeded.accounts.authenticate(NS, AN, SEED_PASSWORD).username == AN


# -- one-time codes, on the model ----------------------------------------------------------------------------
def reg() -> Registration:
    return Registration.from_mapping(citizen_payload())


def otp_of(model: NationalPortal, username: str) -> str:
    return model.accounts.messages(NS, username)[0]["otp"]


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_a_new_code_does_not_give_new_tries(model: NationalPortal, clock: Clock) -> None:
    accounts, user = model.accounts, "049190012345"
    accounts.register(NS, reg())
    for _ in range(5):  # the first code dies after 5 wrong tries
        refusal(accounts.confirm, NS, user, wrong(otp_of(model, user)))
    accounts.resend_code(NS, user)
    for _ in range(OTP_TRIES_LIMIT.max_count - 5 - 1):
        assert refusal(accounts.confirm, NS, user, wrong(otp_of(model, user))).code == "OTP_WRONG"
    last = refusal(accounts.confirm, NS, user, wrong(otp_of(model, user)))
    assert isinstance(last, TooManyAttempts) and last.code == "OTP_LOCKED" and last.status == 429
    accounts.resend_code(NS, user)  # a fresh code...
    locked = refusal(accounts.confirm, NS, user, otp_of(model, user))  # ...is refused, right as it is
    assert locked.code == "OTP_LOCKED" and 0 < locked.retry_after <= OTP_TRIES_LIMIT.lock_seconds

    clock.advance(NS, OTP_TRIES_LIMIT.lock_seconds)
    accounts.resend_code(NS, user)
    assert accounts.confirm(NS, user, otp_of(model, user)).status == "active"


def test_codes_sent_are_limited_per_hour(model: NationalPortal, clock: Clock) -> None:
    accounts, user = model.accounts, "049190012345"
    accounts.register(NS, reg())  # the first code
    for _ in range(OTP_SENDS_LIMIT.max_count - 1):
        accounts.resend_code(NS, user)
    sent = len(accounts.messages(NS, user))
    refused = refusal(accounts.resend_code, NS, user)
    assert isinstance(refused, TooManyAttempts) and refused.code == "OTP_SEND_LIMIT" and refused.status == 429
    assert len(accounts.messages(NS, user)) == sent  # nothing went out
    clock.advance(NS, OTP_SENDS_LIMIT.lock_seconds)
    accounts.resend_code(NS, user)
    assert accounts.confirm(NS, user, otp_of(model, user)).status == "active"


# -- over HTTP ---------------------------------------------------------------------------------------------------
def login(base: str, headers: dict[str, str], username: str, password: str) -> requests.Response:
    return requests.post(f"{base}/api/v1/login", json={"username": username, "password": password}, headers=headers,
                         timeout=T)


def advance(base: str, admin: dict[str, str], seconds: int) -> None:
    r = requests.post(f"{base}/_admin/clock", json={"advance_seconds": seconds}, headers=admin, timeout=T)
    assert r.status_code == 200, r.text


def freeze(base: str, admin: dict[str, str]) -> None:
    r = requests.post(f"{base}/_admin/clock", json={"set": "2024-03-04T09:00:00+07:00"}, headers=admin, timeout=T)
    assert r.status_code == 200, r.text


def test_sixty_wrong_passwords_then_the_right_one_is_refused_until_the_clock_moves(
        base: str, headers: dict[str, str], admin: dict[str, str]) -> None:
    freeze(base, admin)
    user = active_citizen(base, headers, admin)["id_number"]
    answers = [login(base, headers, user, f"Sai{i:06d}") for i in range(60)]
    assert [a.status_code for a in answers[:4]] == [401] * 4
    assert {a.status_code for a in answers[4:]} == {429}
    right = login(base, headers, user, PASSWORD)
    assert right.status_code == 429 and right.headers["Retry-After"] == str(LOCK)
    error = right.json()["error"]
    assert error["code"] == "LOGIN_LOCKED" and error["message_vi"] and error["message_en"]
    assert error["details"] == {"retry_after": LOCK}
    assert "dvcqg_session" not in right.cookies
    advance(base, admin, LOCK)
    assert login(base, headers, user, PASSWORD).status_code == 200


def test_the_log_in_page_shows_the_lock(base: str, headers: dict[str, str], admin: dict[str, str]) -> None:
    freeze(base, admin)
    user = active_citizen(base, headers, admin)["id_number"]
    http = requests.Session()
    http.headers.update(headers)
    for _ in range(5):
        login(base, headers, user, "Sai123456")  # the API and the page share one count
    page = http.get(f"{base}/dang-nhap", timeout=T)
    answer = submit(http, base, page.text, {"username": user, "password": PASSWORD})
    assert answer.status_code == 429 and answer.headers["Retry-After"] == str(LOCK)
    alert = re.search(r'role="alert">([^<]+)<', answer.text)
    assert alert and "thử lại sau 15 phút" in alert[1]


def test_the_sso_log_in_page_shares_the_lock(base: str, headers: dict[str, str], admin: dict[str, str],
                                             dvc_stack: Stack) -> None:
    freeze(base, admin)
    user = active_citizen(base, headers, admin)["id_number"]
    http = requests.Session()
    http.headers.update(headers)
    c = dvc_stack.config
    query = {"response_type": "code", "client_id": c.credentials.oidc_client_id, "scope": "openid",
             "redirect_uri": c.url("provincial") + "/auth/callback", "state": "s-1", "nonce": "n-1"}
    page = http.get(f"{base}/oauth2/authorize", params=query, timeout=T)
    assert page.status_code == 200, page.text
    statuses = []
    for i in range(5):
        page = submit(http, base, page.text, {"username": user, "password": f"Sai{i:06d}"})
        statuses.append(page.status_code)
    assert statuses == [401, 401, 401, 401, 429] and page.headers["Retry-After"] == str(LOCK)
    answer = submit(http, base, page.text, {"username": user, "password": PASSWORD})
    assert answer.status_code == 429 and "location" not in answer.headers  # no code is issued
    assert forms(answer.text)[0]["action"].startswith("/oauth2/authorize?")
    advance(base, admin, LOCK)
    answer = submit(http, base, answer.text, {"username": user, "password": PASSWORD})
    assert answer.status_code == 303 and "code=" in answer.headers["location"]


def test_the_code_routes_answer_429_with_retry_after(base: str, headers: dict[str, str],
                                                     admin: dict[str, str]) -> None:
    freeze(base, admin)
    payload = citizen_payload()
    assert requests.post(f"{base}/api/v1/accounts", json=payload, headers=headers, timeout=T).status_code == 201
    user = payload["id_number"]
    resend, confirm = f"{base}/api/v1/accounts/{user}/otp", f"{base}/api/v1/accounts/{user}/confirm"

    def five_wrong() -> list[requests.Response]:
        otp = latest_otp(base, admin, user)
        return [requests.post(confirm, json={"otp": wrong(otp)}, headers=headers, timeout=T) for _ in range(5)]

    assert [r.json()["error"]["code"] for r in five_wrong()] == ["OTP_WRONG"] * 4 + ["OTP_INVALIDATED"]
    assert requests.post(resend, headers=headers, timeout=T).status_code == 200
    locked = five_wrong()[-1]
    assert locked.status_code == 429 and locked.json()["error"]["code"] == "OTP_LOCKED"
    assert int(locked.headers["Retry-After"]) == OTP_TRIES_LIMIT.lock_seconds

    for _ in range(OTP_SENDS_LIMIT.max_count - 2):  # the registration's code and one resend went out already
        assert requests.post(resend, headers=headers, timeout=T).status_code == 200
    refused = requests.post(resend, headers=headers, timeout=T)
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "OTP_SEND_LIMIT"
    assert int(refused.headers["Retry-After"]) == OTP_SENDS_LIMIT.lock_seconds
