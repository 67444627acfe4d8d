"""The officers' journeys in the one-stop back office (browser): the citizen's dossier seen from the other side.

Officers log in with their own accounts (made on the admin surface, like a province's IT
would make them) on the same browser page the citizen uses: the back office keeps its own
session cookie, so the citizen stays logged in while an officer works.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page

from harness.clients import Platform
from harness.steps import step
from scenarios import journeys
from scenarios import officers as officers_steps
from scenarios.journeys import ASYNC_TIMEOUT, DONE, NEW, Catalogue, ProcedurePick, SampleFiles
from scenarios.officers import Officer, log_in_officer, switch_officer
from scenarios.pages.officer import RECEIVE, REFUSE, STOP, Applicant, ApplicantBackOfficePages, OfficerPages
from scenarios.portal import Portals, PostalAddress, Submission

pytestmark = [pytest.mark.dvc_journey, pytest.mark.dvc_browser_only("the officers' pages"),
              pytest.mark.dvc_emulator_only("the provincial emulator's back office: its officers' pages and accounts")]

RECEIVED = "Được tiếp nhận"
PROCESSING = "Đang xử lý"
SUPPLEMENT = "Yêu cầu bổ sung giấy tờ"
REFUSED = "Không được tiếp nhận"
OTHER_AGENCY = "000.00.04.H47"       # Sở Kế hoạch và Đầu tư: not the agency of the journeys' procedures



@pytest.fixture
def officers(page: Page, dvc_stack: Any) -> OfficerPages:
    return OfficerPages(page, dvc_stack.urls["provincial"])


@pytest.fixture
def applicant_side(page: Page, dvc_stack: Any) -> ApplicantBackOfficePages:
    return ApplicantBackOfficePages(page, dvc_stack.urls["provincial"])


@pytest.fixture
def make_officer(dvc_platform: Platform, dvc_data: Any) -> Callable[..., Officer]:
    """An officer account of an agency with a role, made on the admin surface."""
    return lambda agency_code, role: officers_steps.make_officer(dvc_platform, dvc_data, agency_code, role)


def notices(platform: Platform, code: str) -> list[str]:
    return [f"{m['kind']}:{m['channel']}" for m in platform.provincial.notifications(dossier=code)]


def required_documents(platform: Platform, procedure: ProcedurePick) -> list[str]:
    return [a["name"] for a in platform.provincial.procedure(procedure.code)["attachments"] if a["required"]]


# -- 1. a level-4 dossier from receipt to the postal hand-over -----------------------------------------------
def test_receive_and_complete_a_level_4_dossier_up_to_the_postal_hand_over(
        dvc_pages: Portals, dvc_platform: Platform, dvc_citizen: dict[str, Any],
        log_in_citizen: Callable[..., Portals], journey_catalogue: Catalogue,
        sample_files: SampleFiles, citizen_address: PostalAddress, officers: OfficerPages,
        make_officer: Callable[..., Officer]) -> None:
    procedure = journey_catalogue.level4_post
    desk, specialist = make_officer(procedure.agency_code, "desk"), make_officer(procedure.agency_code, "specialist")
    citizen = log_in_citizen(dvc_citizen)     # the dossier is the set-up: submitted and paid over HTTP
    code = journeys.submit_dossier(citizen, dvc_platform, procedure, Submission(
        files=sample_files.good, result_delivery="post", payment="online", postal_address=citizen_address))
    journeys.pay_online(citizen, code, procedure.fee)

    log_in_officer(officers, desk)
    with step("Hồ sơ trực tuyến mới có trong danh sách của cơ quan, trong hạn"):
        view = officers.open_from_list(code)
        assert (view.status, view.channel, view.deadline) == (NEW, "Trực tuyến", "Trong hạn"), view
        assert RECEIVE in view.actions and REFUSE in view.actions, view.actions
    with step("Tiếp nhận hồ sơ"):
        assert officers.receive() == "Đã tiếp nhận hồ sơ."
        view = officers.open_dossier(code)
        assert view.status == RECEIVED and view.status_code == 2, view
    switch_officer(officers, specialist)
    with step("Chuyên viên chuyển xử lý"):
        officers.open_dossier(code)
        officers.process()
        assert officers.open_dossier(code).status == PROCESSING
    with step("Hoàn thành xử lý: kết quả chuyển cho bưu chính công ích"):
        officers.finish("Phiếu lý lịch tư pháp số 1", "125/STP-LLTP")
        view = officers.open_dossier(code)
        assert view.status == DONE and view.deadline == "Hoàn thành đúng hạn", view
        assert view.postal.startswith("Đã chuyển cho bưu chính") or "mã vận đơn EB" in view.postal, view.postal
    with step("Công dân thấy kết quả chuyển qua bưu chính, có mã vận đơn"):
        waybill = dvc_pages.provincial.wait_for_dossier(code, status=DONE, waybill=True, timeout=ASYNC_TIMEOUT).waybill
    with step("Cán bộ thấy mã vận đơn của bưu chính"):
        officers.wait_for_dossier(code, postal=f"mã vận đơn {waybill}", timeout=ASYNC_TIMEOUT)
    journeys.track_dossier(dvc_pages, code, DONE)
    with step("Thông báo tiếp nhận và có kết quả gửi cho công dân (thư điện tử, SMS)"):
        sent = notices(dvc_platform, code)
        assert {"received:email", "received:sms", "result_ready:email", "result_ready:sms"} <= set(sent), sent


# -- 2. a supplement asked for and answered ----------------------------------------------------------------------
def test_request_a_supplement_and_see_the_citizen_answer_it(
        dvc_pages: Portals, dvc_platform: Platform, dvc_citizen: dict[str, Any],
        log_in_citizen: Callable[..., Portals], journey_catalogue: Catalogue,
        sample_files: SampleFiles, officers: OfficerPages, applicant_side: ApplicantBackOfficePages,
        make_officer: Callable[..., Officer]) -> None:
    procedure = journey_catalogue.level3_fee
    document = required_documents(dvc_platform, procedure)[0]
    desk = make_officer(procedure.agency_code, "desk")
    citizen = log_in_citizen(dvc_citizen)
    code = journeys.submit_level3_dossier(citizen, dvc_platform, procedure, sample_files)

    log_in_officer(officers, desk)
    with step("Yêu cầu bổ sung hồ sơ, một lần, đầy đủ"):
        officers.open_dossier(code)
        officers.request_supplement([document], other="Ảnh chân dung 3x4", note="Bản chụp bị mờ, chụp lại")
        view = officers.open_dossier(code)
        assert view.status == SUPPLEMENT and view.deadline == "Tạm dừng (chờ bổ sung)", view
        assert "Đang chờ người nộp bổ sung." in view.supplement
    with step("Công dân thấy yêu cầu bổ sung trên trang hồ sơ"):
        applicant_side.open(code)
        asked = applicant_side.supplement_request()
        assert document in asked and "Ảnh chân dung 3x4" in asked and "Bản chụp bị mờ" in asked, asked
        assert "supplement_requested:email" in notices(dvc_platform, code)
    with step("Công dân nộp hồ sơ bổ sung"):
        assert applicant_side.answer_supplement({document: sample_files.pdf}, "Đã chụp lại") == \
            "Đã nộp hồ sơ bổ sung."
        assert dvc_pages.provincial.open_dossier(code).status == NEW
    with step("Cán bộ thấy hồ sơ đã được bổ sung và tiếp nhận"):
        view = officers.open_dossier(code)
        assert "Người nộp đã bổ sung hồ sơ." in view.supplement, view.supplement
        officers.receive()
        assert officers.open_dossier(code).status == RECEIVED


# -- 3. a refusal -------------------------------------------------------------------------------------------------
def test_refuse_a_dossier(dvc_pages: Portals, dvc_platform: Platform, dvc_citizen: dict[str, Any],
        log_in_citizen: Callable[..., Portals],
                          journey_catalogue: Catalogue, sample_files: SampleFiles, officers: OfficerPages,
                          applicant_side: ApplicantBackOfficePages, make_officer: Callable[..., Officer]) -> None:
    procedure = journey_catalogue.level3_fee
    citizen = log_in_citizen(dvc_citizen)
    code = journeys.submit_level3_dossier(citizen, dvc_platform, procedure, sample_files)
    log_in_officer(officers, make_officer(procedure.agency_code, "desk"))
    with step("Từ chối tiếp nhận phải nêu lý do"):
        officers.open_dossier(code)
        message = officers.act_refused(REFUSE, {"Lý do từ chối": ""})
        assert "lý do từ chối" in message, message
    with step("Từ chối tiếp nhận hồ sơ, có lý do"):
        assert officers.refuse("Giấy khám sức khỏe đã hết hạn") == "Đã từ chối tiếp nhận hồ sơ."
        view = officers.open_dossier(code)
        assert view.status == REFUSED and view.actions == () and view.deadline == "Đã kết thúc", view
    with step("Công dân thấy hồ sơ không được tiếp nhận và lý do"):
        assert dvc_pages.provincial.open_dossier(code).status == REFUSED
        applicant_side.open(code)
        assert applicant_side.progress("Lý do") == "Giấy khám sức khỏe đã hết hạn"
    journeys.track_dossier(dvc_pages, code, REFUSED)


# -- 4. one re-scheduling, not two ------------------------------------------------------------------------------
def test_reschedule_once_and_be_refused_a_second_time(dvc_platform: Platform, dvc_data: Any,
                                                      journey_catalogue: Catalogue, officers: OfficerPages,
                                                      make_officer: Callable[..., Officer]) -> None:
    officers_steps.reschedule_once_not_twice(dvc_platform, Applicant.from_mapping(dvc_data.citizen()),
                                             journey_catalogue.level4_post, officers, make_officer)


# -- 5. a counter dossier entered by the desk ---------------------------------------------------------------------
def test_a_desk_officer_enters_a_counter_dossier(dvc_pages: Portals, dvc_platform: Platform, dvc_data: Any,
                                                 journey_catalogue: Catalogue, officers: OfficerPages,
                                                 make_officer: Callable[..., Officer]) -> None:
    procedure = journey_catalogue.level4_post
    log_in_officer(officers, make_officer(procedure.agency_code, "desk"))
    person = Applicant.from_mapping(dvc_data.citizen())
    with step("Thiếu thành phần bắt buộc: không tiếp nhận"):
        try:
            officers.register(procedure.name, person, documents=[])
        except AssertionError as refused:
            assert "Hồ sơ chưa đầy đủ" in str(refused), refused
        else:
            raise AssertionError("the desk entered a dossier without its required documents")
    with step("Tiếp nhận hồ sơ trực tiếp đủ thành phần"):
        code = officers.register(procedure.name, person)
        journeys.check_dossier_code(code, procedure.agency_code, dvc_platform)
        view = officers.open_dossier(code)
        assert (view.status, view.channel, view.deadline) == (RECEIVED, "Trực tiếp", "Trong hạn"), view
        assert code in officers.dossier_codes()
    with step("Hồ sơ trực tiếp được đồng bộ lên Cổng DVC quốc gia"):
        found = dvc_pages.national.wait_for_lookup(code, RECEIVED, timeout=ASYNC_TIMEOUT)
        assert found.code == code


# -- 6. another agency's officer -----------------------------------------------------------------------------------
def test_an_officer_of_another_agency_can_neither_see_nor_act(dvc_data: Any, journey_catalogue: Catalogue,
                                                              officers: OfficerPages,
                                                              make_officer: Callable[..., Officer]) -> None:
    procedure = journey_catalogue.level4_post
    desk = make_officer(procedure.agency_code, "desk")
    log_in_officer(officers, desk)
    with step("Bộ phận một cửa tiếp nhận một hồ sơ"):
        code = officers.register(procedure.name, Applicant.from_mapping(dvc_data.citizen()))
    switch_officer(officers, make_officer(OTHER_AGENCY, "leader"))
    with step("Cán bộ cơ quan khác không thấy hồ sơ trong danh sách"):
        assert code not in officers.dossier_codes()
    with step("Mở hồ sơ theo địa chỉ: bị từ chối"):
        message = officers.forbidden(code)
        assert "thuộc cơ quan khác" in message, message
    with step("Gửi thao tác xử lý: bị từ chối"):
        assert officers.try_action(code, STOP, {"reason": "thử"}) == 403
        assert officers.try_action(code, RECEIVE) == 403
    switch_officer(officers, desk)
    with step("Hồ sơ không thay đổi"):
        view = officers.open_dossier(code)
        assert view.status == RECEIVED and view.status_code == 2, view
