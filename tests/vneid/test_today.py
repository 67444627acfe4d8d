"""Today's world is the default: what the seed and the fixtures hand out opens through VNeID, as DVCQG federates it."""

from __future__ import annotations

from typing import Any

from harness.clients import Platform


def test_the_seed_s_accounts_open_in_today_s_world_through_vneid(platform: Platform) -> None:
    # nobody set the namespace's clock: today's world; the seed keeps its shape and names how each account opens
    accounts = platform.national.seed()["accounts"]
    assert all(set(a) >= {"username", "password", "account_type"} and a["log_in"] == "vneid" for a in accounts)
    citizen = next(a for a in accounts if a["account_type"] == "citizen")
    me = platform.provincial.log_in(citizen, platform.vneid)       # the password the seed gave: VNeID's
    assert me["id_number"] == citizen["username"] and me["tech_id"] == citizen["tech_id"]
    assert me["identity_level"] == 2


def test_the_fixtures_citizen_logs_in_through_vneid(dvc_platform: Platform, dvc_citizen: dict[str, Any]) -> None:
    assert dvc_citizen["log_in"] == "vneid"
    assert dvc_platform.national.account(dvc_citizen["username"]) is None     # DVCQG makes it at the first log-in
    me = dvc_platform.provincial.log_in(dvc_citizen, dvc_platform.vneid)
    assert me["full_name"] == dvc_citizen["full_name"] and me["verified_with_vneid"]
    account = dvc_platform.national.account(dvc_citizen["username"])
    assert account is not None and account["linked_to_vneid"]


def test_the_fixtures_business_logs_in_through_its_representative_s_app(dvc_platform: Platform,
                                                                        dvc_business: dict[str, Any]) -> None:
    assert dvc_business["log_in"] == "vneid" and dvc_business["username"] == dvc_business["tax_code"]
    page = dvc_platform.national.login_vneid(dvc_business["username"], dvc_business["password"], dvc_platform.vneid)
    assert page.url.endswith("/tai-khoan") and dvc_business["business_name"] in page.text
