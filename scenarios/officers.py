"""Officer steps the journeys share: an account on the admin surface, logging in, changing hands."""

from __future__ import annotations

from typing import Any

from harness.clients import Platform
from harness.steps import step
from harness.testdata import DataFactory
from scenarios.pages.officer import OfficerPages

Officer = dict[str, Any]


def make_officer(platform: Platform, data: DataFactory, agency_code: str, role: str) -> Officer:
    """An officer of an agency with a role (desk, specialist, leader), made as a province's IT would."""
    return platform.provincial.create_officer(data.officer(agency_code, role))


def log_in_officer(officers: OfficerPages, officer: Officer) -> None:
    with step(f"{officer['role_name']} {officer['full_name']} đăng nhập hệ thống một cửa"):
        officers.log_in(officer["username"], officer["password"])
        officers.expect_logged_in(officer["full_name"], officer["agency_name"])


def switch_officer(officers: OfficerPages, officer: Officer) -> None:
    officers.log_out()
    log_in_officer(officers, officer)
