"""Officers' log-in is throttled like the citizens': 5 wrong passwords lock the user name on the namespace clock."""

from __future__ import annotations

import re

import pytest
import requests

from harness.stack import Stack
from mocks.core import security
from mocks.core.errors import DomainError
from mocks.core.throttle import LOGIN_LIMIT, TooManyAttempts
from mocks.provincial.model import ProvincialPortal
from mocks.provincial.officers import Officers
from tests.core.test_security import older_hash

from .backoffice import LLTP_AGENCY, Province, T, csrf_of

NS = "t"
LOCK = int(LOGIN_LIMIT.lock_seconds)
PASSWORD = "mat-khau-thu"


def refusal(portal: ProvincialPortal, username: str, password: str) -> DomainError:
    with pytest.raises(DomainError) as caught:
        portal.officers.authenticate(NS, username, password)
    return caught.value


@pytest.fixture
def officer(portal: ProvincialPortal) -> str:
    portal.officers.create(NS, username="mai.tran", full_name="Trần Thị Mai", agency_code=LLTP_AGENCY, role="desk",
                           password=PASSWORD)
    return "mai.tran"


# -- the model ---------------------------------------------------------------------------------------------------
def test_five_wrong_passwords_lock_the_officer_until_the_clock_moves(portal: ProvincialPortal, officer: str) -> None:
    for left in (4, 3, 2, 1):
        error = refusal(portal, officer, "sai-mat-khau")
        assert error.status == 401 and error.code == "OFFICER_LOGIN_FAILED" and f"Còn {left} lần thử" in error.vi
    fifth = refusal(portal, officer, "sai-mat-khau")
    assert isinstance(fifth, TooManyAttempts) and fifth.code == "LOGIN_LOCKED" and fifth.retry_after == LOCK
    assert refusal(portal, officer, PASSWORD).status == 429  # the right password too
    portal.clock.advance(NS, LOCK - 1)
    assert refusal(portal, officer, PASSWORD).details == {"retry_after": 1}
    portal.clock.advance(NS, 1)
    assert portal.officers.authenticate(NS, officer, PASSWORD).username == officer


def test_a_right_password_starts_the_count_again(portal: ProvincialPortal, officer: str) -> None:
    for _ in range(4):
        refusal(portal, officer, "sai-mat-khau")
    portal.officers.authenticate(NS, officer, PASSWORD)
    for _ in range(4):
        assert refusal(portal, officer, "sai-mat-khau").code == "OFFICER_LOGIN_FAILED"


def test_unknown_names_answer_like_known_ones_and_workers_share_the_count(portal: ProvincialPortal,
                                                                         officer: str) -> None:
    known = [refusal(portal, officer, "sai-mat-khau") for _ in range(6)]
    unknown = [refusal(portal, "khong.co", "sai-mat-khau") for _ in range(6)]
    assert [(e.status, e.code, e.vi) for e in known] == [(e.status, e.code, e.vi) for e in unknown]
    other_worker = Officers(portal.store, portal.clock, portal.catalogue)
    with pytest.raises(TooManyAttempts):
        other_worker.authenticate(NS, officer, PASSWORD)
    portal.officers.reset(NS)  # the namespace's reset forgets the counts with the officers
    assert portal.officers.find(NS, officer) is None and other_worker.logins.throttle.count(NS, officer) == 0


def test_an_older_state_folder_s_hash_logs_in_and_is_written_again_at_today_s_count(portal: ProvincialPortal,
                                                                                  officer: str) -> None:
    def stored() -> str:
        return portal.store.one("SELECT password_hash FROM officer WHERE ns = ? AND username = ?",
                                (NS, officer))["password_hash"]

    portal.store.execute("UPDATE officer SET password_hash = ? WHERE ns = ? AND username = ?",
                         (older := older_hash(PASSWORD, scheme="pbkdf2"), NS, officer))
    refusal(portal, officer, "sai-mat-khau")
    assert stored() == older                    # a wrong password changes nothing
    assert portal.officers.authenticate(NS, officer, PASSWORD).username == officer
    assert stored() != older and not security.needs_rehash(stored())
    assert portal.officers.authenticate(NS, officer, PASSWORD).username == officer


# -- over HTTP ---------------------------------------------------------------------------------------------------
@pytest.fixture
def province(dvc_stack: Stack, ns: str) -> Province:
    place = Province(dvc_stack.urls, dvc_stack.config.credentials.admin_token, ns)
    place.set_clock("2024-05-15T09:30:00+07:00")
    place.officer("mai.tran", "desk")
    return place


def advance(province: Province, seconds: int) -> None:
    r = requests.post(f"{province.base}/_admin/clock", json={"advance_seconds": seconds}, headers=province.admin,
                      timeout=T)
    assert r.status_code == 200, r.text


def test_sixty_wrong_passwords_then_the_right_one_over_the_api(province: Province) -> None:
    http, url = province.session(), f"{province.base}/api/v1/officer/login"
    answers = [http.post(url, json={"username": "mai.tran", "password": f"sai-{i:04d}"}, timeout=T) for i in range(60)]
    assert [a.status_code for a in answers] == [401] * 4 + [429] * 56
    right = http.post(url, json={"username": "mai.tran", "password": PASSWORD}, timeout=T)
    assert right.status_code == 429 and right.headers["Retry-After"] == str(LOCK)
    error = right.json()["error"]
    assert error["code"] == "LOGIN_LOCKED" and error["message_vi"] and error["message_en"]
    assert "tinh_officer_session" not in right.cookies
    advance(province, LOCK)
    ok = http.post(url, json={"username": "mai.tran", "password": PASSWORD}, timeout=T)
    assert ok.status_code == 200 and "tinh_officer_session" in ok.cookies


def test_the_log_in_page_says_the_officer_is_locked(province: Province) -> None:
    http, url = province.session(), f"{province.base}/can-bo/dang-nhap"
    page = http.get(url, timeout=T)
    for i in range(5):
        page = http.post(url, timeout=T, allow_redirects=False, data={
            "csrf_token": csrf_of(page.text), "username": "mai.tran", "password": f"sai-{i:04d}", "next": "/can-bo"})
    assert page.status_code == 429 and page.headers["Retry-After"] == str(LOCK)
    right = http.post(url, timeout=T, allow_redirects=False, data={
        "csrf_token": csrf_of(page.text), "username": "mai.tran", "password": PASSWORD, "next": "/can-bo"})
    assert right.status_code == 429 and "location" not in right.headers
    alert = re.search(r'role="alert">([^<]+)<', right.text)
    assert alert and "tạm thời bị khóa" in alert[1] and "15 phút" in alert[1]
