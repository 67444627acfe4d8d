"""Officer steps the journeys share: an account on the admin surface, logging in, changing hands."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from harness.clients import Platform
from harness.steps import step
from harness.testdata import DataFactory
from scenarios.journeys import ProcedurePick
from scenarios.pages.officer import Applicant, OfficerPages

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


def reschedule_once_not_twice(platform: Platform, applicant: Applicant, procedure: ProcedurePick,
                              officers: OfficerPages, make_officer: Callable[[str, str], Officer]) -> None:
    """A late dossier gets one apology slip with a new date (form 04), and a second re-scheduling is refused.

    `procedure`: one of 10 working days (the judicial record certificate), in today's world (a day of 2026).
    """
    platform.provincial.set_clock("2026-05-13T09:30:00+07:00")     # a Wednesday: due Wednesday 27/5
    desk, leader = make_officer(procedure.agency_code, "desk"), make_officer(procedure.agency_code, "leader")
    log_in_officer(officers, desk)
    with step("Bộ phận một cửa tiếp nhận hồ sơ trực tiếp"):
        code = officers.register(procedure.name, applicant)
    switch_officer(officers, leader)
    with step("Lãnh đạo chuyển xử lý"):
        officers.open_dossier(code)
        officers.process()
    platform.provincial.set_clock("2026-05-25T10:00:00+07:00")     # Monday: two working days before
    with step("Gia hạn: phiếu xin lỗi và hẹn lại ngày trả kết quả"):
        view = officers.open_dossier(code)
        assert view.appointment == "27/05/2026" and view.deadline == "Trong hạn", view
        officers.reschedule("2026-06-03", "Chờ kết quả xác minh của cơ quan công an")
        view = officers.open_dossier(code)
        assert view.appointment == "03/06/2026" and "03/06/2026" in view.rescheduled, view
        sent = [f"{m['kind']}:{m['channel']}" for m in platform.provincial.notifications(dossier=code)]
        assert "rescheduled:email" in sent, sent
    with step("Gia hạn lần thứ hai bị từ chối"):
        message = officers.reschedule_refused("2026-06-10", "Chưa xong")
        assert "không được gia hạn lần thứ hai" in message, message
        assert officers.open_dossier(code).appointment == "03/06/2026"
