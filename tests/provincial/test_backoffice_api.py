"""The back office over HTTP: officers' JSON API and pages, the applicant's side, the admin surface."""

from __future__ import annotations

import re
from typing import Any

import pytest
import requests

from harness.stack import Stack

from .backoffice import LLTP, LLTP_AGENCY, Province, T, b64, csrf_of, wait_for
from .conftest import PDF, PNG

OTHER_AGENCY = "000.00.04.H47"


@pytest.fixture
def province(dvc_stack: Stack, ns: str) -> Province:
    place = Province(dvc_stack.urls, dvc_stack.config.credentials.admin_token, ns)
    place.set_clock("2024-05-15T09:30:00+07:00")
    return place


def error_of(r: requests.Response, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    error = r.json()["error"]
    assert error["code"] == code and error["message_vi"] and error["message_en"], error
    return error


# -- log-in ------------------------------------------------------------------------------------------------------
def test_an_officer_logs_in_with_a_password(province: Province) -> None:
    base = province.base
    r = requests.post(f"{base}/_admin/officers", headers=province.admin, timeout=T,
                      json={"username": "mai.tran", "full_name": "Trần Thị Mai", "agency_code": LLTP_AGENCY,
                            "role": "desk"})
    assert r.status_code == 201 and r.json()["role_name"] == "Cán bộ tiếp nhận và trả kết quả"
    password = r.json()["password"]
    http = province.session()
    error_of(http.get(f"{base}/api/v1/officer/me", timeout=T), 401, "OFFICER_NOT_LOGGED_IN")
    error_of(http.post(f"{base}/api/v1/officer/login", json={"username": "mai.tran", "password": "sai-mat-khau"},
                       timeout=T), 401, "OFFICER_LOGIN_FAILED")
    ok = http.post(f"{base}/api/v1/officer/login", json={"username": "mai.tran", "password": password}, timeout=T)
    assert ok.status_code == 200 and "tinh_officer_session" in ok.cookies
    me = http.get(f"{base}/api/v1/officer/me", timeout=T).json()
    assert (me["agency_code"], me["agency_name"], me["role"]) == (LLTP_AGENCY, "Sở Tư pháp tỉnh Quảng Nam", "desk")
    # The citizens' API does not take the officer's cookie, nor the other way round.
    error_of(http.get(f"{base}/api/v1/me", timeout=T), 401, "NOT_LOGGED_IN")
    citizen = province.citizen()
    error_of(citizen.get(f"{base}/api/v1/officer/dossiers", timeout=T), 401, "OFFICER_NOT_LOGGED_IN")
    http.post(f"{base}/api/v1/officer/logout", timeout=T)
    error_of(http.get(f"{base}/api/v1/officer/me", timeout=T), 401, "OFFICER_NOT_LOGGED_IN")


def test_the_admin_surface_for_officers_and_notices(province: Province) -> None:
    base, admin = province.base, province.admin
    bad = requests.post(f"{base}/_admin/officers", headers=admin, timeout=T,
                        json={"username": "ab", "full_name": "X", "agency_code": LLTP_AGENCY, "role": "boss"})
    assert error_of(bad, 400, "INVALID_OFFICER")["details"]
    error_of(requests.post(f"{base}/_admin/officers", headers=admin, timeout=T,
                           json={"username": "x.y", "full_name": "X", "agency_code": "9.9", "role": "desk"}),
             404, "AGENCY_NOT_FOUND")
    assert requests.post(f"{base}/_admin/officers", headers=admin, json={"username": 5}, timeout=T).status_code == 422
    error_of(requests.post(f"{base}/_admin/officer-sessions", headers=admin, json={"username": "nobody"}, timeout=T),
             404, "OFFICER_NOT_FOUND")
    assert requests.post(f"{base}/_admin/officers", json={}, timeout=T).status_code == 401
    seeded = requests.post(f"{base}/_admin/seed", headers=admin, json={}, timeout=T).json()
    assert {o["username"] for o in seeded["officers"]} >= {"tuphap.desk", "tuphap.specialist", "tuphap.leader",
                                                           "tanthanh.desk"}
    http = province.session()
    assert http.post(f"{base}/api/v1/officer/login", json={"username": "tuphap.desk", "password": "CanBo@2022"},
                     timeout=T).status_code == 200
    listed = requests.get(f"{base}/_admin/officers", params={"agency_code": LLTP_AGENCY}, headers=admin,
                          timeout=T).json()["items"]
    assert {o["role"] for o in listed} == {"desk", "specialist", "leader"}
    assert requests.get(f"{base}/_admin/notifications", params={"limit": 0}, headers=admin,
                        timeout=T).status_code == 422


# -- the whole life of an online dossier -------------------------------------------------------------------------
def test_an_online_dossier_from_receipt_to_the_rating(province: Province) -> None:
    base = province.base
    citizen = province.citizen()
    desk, specialist = province.officer("motcua", "desk"), province.officer("chuyenvien", "specialist")
    code = province.submit(citizen)["code"]

    listed = desk.get(f"{base}/api/v1/officer/dossiers", timeout=T).json()
    assert listed["total"] == 1 and listed["items"][0]["code"] == code
    assert listed["items"][0]["deadline"]["state"] == "on_time"
    assert listed["items"][0]["allowed_actions"] == ["receive", "refuse", "request_supplement", "withdraw"]

    got = province.act(desk, code, "receive", {"note": "Đủ thành phần"})
    assert got["status"] == 2 and got["received_at"] == "2024-05-15T09:30:00+07:00"
    province.set_clock("2024-05-16T10:00:00+07:00")
    got = province.act(desk, code, "supplement-request",
                       {"items": [{"code": "CCCD", "reason": "Ảnh mờ"}, {"name": "Giấy xác nhận cư trú"}],
                        "note": "Bổ sung trong 10 ngày"})
    assert got["status"] == 5 and got["deadline"]["state"] == "paused"
    seen = citizen.get(f"{base}/api/v1/dossiers/{code}", timeout=T).json()
    assert seen["supplement"]["items"][0]["reason"] == "Ảnh mờ" and seen["deadline"]["state"] == "paused"

    province.set_clock("2024-05-20T08:00:00+07:00")
    missing = citizen.post(f"{base}/api/v1/dossiers/{code}/supplement", json={"attachments": []}, timeout=T)
    assert error_of(missing, 400, "SUPPLEMENT_INCOMPLETE")["details"][0]["code"] == "CCCD"
    answered = citizen.post(f"{base}/api/v1/dossiers/{code}/supplement", timeout=T, json={
        "attachments": [{"code": "CCCD", "filename": "cccd-ro.png", "content_base64": b64(PNG)}],
        "note": "Ảnh rõ và giấy xác nhận cư trú"})
    assert answered.status_code == 200, answered.text
    # The clock restarts from Monday 20/5: ten working days later is Monday 3/6.
    assert answered.json()["status"] == 2 and answered.json()["appointment_date"] == "2024-06-03T17:00:00+07:00"

    province.act(specialist, code, "process")
    got = province.act(specialist, code, "result", {"documents": [{"name": "Phiếu lý lịch tư pháp số 1",
                                                                   "number": "125/STP"}]})
    assert got["status"] == 9 and got["deadline"]["state"] == "finished_on_time"
    got = province.act(desk, code, "return", {"note": "Công dân đã ký nhận"})
    assert got["status"] == 10 and got["payment"]["status"] == "paid"

    rated = citizen.post(f"{base}/api/v1/dossiers/{code}/rating", json={"rating": 3, "comment": "Tốt"}, timeout=T)
    assert rated.status_code == 200 and rated.json()["rating"]["name"] == "Rất hài lòng"
    error_of(citizen.post(f"{base}/api/v1/dossiers/{code}/rating", json={"rating": 2}, timeout=T), 409,
             "ALREADY_RATED")
    assert citizen.post(f"{base}/api/v1/dossiers/{code}/rating", json={"rating": 9}, timeout=T).status_code == 422

    history = [(h["to_status"], h["action"]) for h in got["history"]]
    assert history == [(1, "submitted"), (2, "received"), (5, "supplement_requested"), (2, "supplement_received"),
                       (4, "processing"), (9, "result_ready"), (10, "returned")]
    kinds = [(n["kind"], n["channel"], n["to"]) for n in province.notifications(dossier=code)]
    assert kinds == [("result_ready", "sms", "0905123123"), ("result_ready", "email", "lan@example.vn"),
                     ("received", "sms", "0905123123"), ("received", "email", "lan@example.vn"),
                     ("supplement_requested", "sms", "0905123123"), ("supplement_requested", "email",
                                                                     "lan@example.vn"),
                     ("received", "sms", "0905123123"), ("received", "email", "lan@example.vn")]
    assert province.notifications(to="lan@example.vn", kind="supplement_requested")[0]["body"].count("Bổ sung") >= 1
    for number in ("01", "02", "05"):
        text = citizen.get(f"{base}/api/v1/dossiers/{code}/slips/{number}", timeout=T)
        assert text.status_code == 200 and code in text.text
    error_of(citizen.get(f"{base}/api/v1/dossiers/{code}/slips/04", timeout=T), 404, "SLIP_NOT_AVAILABLE")
    assert "Phiếu lý lịch tư pháp số 1" in desk.get(f"{base}/api/v1/officer/dossiers/{code}/slips/05", timeout=T).text
    # The national portal ends with the same status.
    assert wait_for(lambda: province.national_status(code) == 10, timeout=20, what="the national look-up")


def test_refusals_are_clear_4xx(province: Province) -> None:
    base = province.base
    citizen = province.citizen()
    desk, specialist = province.officer("motcua", "desk"), province.officer("chuyenvien", "specialist")
    stranger = province.officer("khac", "leader", OTHER_AGENCY)
    code = province.submit(citizen)["code"]
    error = error_of(specialist.post(f"{base}/api/v1/officer/dossiers/{code}/process", timeout=T), 409,
                     "TRANSITION_NOT_ALLOWED")
    assert error["details"] == {"action": "process", "status": 1, "allowed_from": [2]}
    error_of(specialist.post(f"{base}/api/v1/officer/dossiers/{code}/receive", timeout=T), 403, "ROLE_NOT_ALLOWED")
    error_of(stranger.get(f"{base}/api/v1/officer/dossiers/{code}", timeout=T), 403, "OTHER_AGENCY")
    error_of(stranger.post(f"{base}/api/v1/officer/dossiers/{code}/stop", json={"reason": "x"}, timeout=T), 403,
             "OTHER_AGENCY")
    assert stranger.get(f"{base}/api/v1/officer/dossiers", timeout=T).json()["total"] == 0
    error_of(stranger.get(f"{base}/api/v1/officer/dossiers/{code}/slips/01", timeout=T), 403, "OTHER_AGENCY")
    error_of(desk.post(f"{base}/api/v1/officer/dossiers/nope/receive", timeout=T), 404, "DOSSIER_NOT_FOUND")
    error_of(desk.post(f"{base}/api/v1/officer/dossiers/{code}/refuse", json={"reason": " "}, timeout=T), 400,
             "REASON_REQUIRED")
    assert desk.post(f"{base}/api/v1/officer/dossiers/{code}/refuse", json={}, timeout=T).status_code == 422
    error_of(desk.post(f"{base}/api/v1/officer/dossiers/{code}/refuse", data="{not json",
                       headers={"Content-Type": "application/json"}, timeout=T), 400, "MALFORMED_JSON")
    error_of(desk.post(f"{base}/api/v1/officer/dossiers/{code}/supplement-request", json={"items": []}, timeout=T),
             400, "SUPPLEMENT_ITEMS_REQUIRED")
    assert desk.post(f"{base}/api/v1/officer/dossiers/{code}/supplement-request",
                     json={"items": [{"code": "X"}] * 31}, timeout=T).status_code == 422
    error_of(desk.get(f"{base}/api/v1/officer/dossiers", params={"deadline": "soon"}, timeout=T), 400,
             "INVALID_DEADLINE")
    assert desk.get(f"{base}/api/v1/officer/dossiers", params={"status": 11}, timeout=T).status_code == 422
    province.act(desk, code, "receive")
    province.act(specialist, code, "process")
    leader = province.officer("lanhdao", "leader")
    error_of(leader.post(f"{base}/api/v1/officer/dossiers/{code}/reschedule",
                         json={"new_date": "2024-13-40", "reason": "x"}, timeout=T), 400, "INVALID_NEW_DATE")
    moved = province.act(leader, code, "reschedule", {"new_date": "2024-06-05", "reason": "Chờ xác minh"})
    assert moved["reschedule"]["to"] == "2024-06-05T17:00:00+07:00"
    error_of(leader.post(f"{base}/api/v1/officer/dossiers/{code}/reschedule",
                         json={"new_date": "2024-06-10", "reason": "lần hai"}, timeout=T), 409, "ALREADY_RESCHEDULED")
    error_of(citizen.post(f"{base}/api/v1/dossiers/{code}/rating", json={"rating": 3}, timeout=T), 409,
             "NOT_YET_RATEABLE")
    other = province.citizen("Người Khác", "049190099999")
    error_of(other.post(f"{base}/api/v1/dossiers/{code}/withdrawal", json={"reason": "x"}, timeout=T), 403,
             "NOT_YOUR_DOSSIER")
    done = citizen.post(f"{base}/api/v1/dossiers/{code}/withdrawal", json={"reason": "Không còn nhu cầu"}, timeout=T)
    assert done.status_code == 200 and done.json()["status"] == 7 and done.json()["closing_reason"]
    error_of(citizen.post(f"{base}/api/v1/dossiers/{code}/withdrawal", json={"reason": "x"}, timeout=T), 409,
             "TRANSITION_NOT_ALLOWED")


def test_the_desk_enters_counter_and_postal_dossiers(province: Province) -> None:
    base = province.base
    desk = province.officer("motcua", "desk")
    body = {"procedure_code": LLTP, "channel": 1, "documents": ["TK01", "CCCD"],
            "applicant": {"name": "Lê Văn Tám", "id_number": "049090001111", "type": 1, "phone": "0905111222"}}
    r = desk.post(f"{base}/api/v1/officer/dossiers", json=body, timeout=T)
    assert r.status_code == 201, r.text
    counter = r.json()
    assert (counter["status"], counter["channel"], counter["channel_name"]) == (2, 1, "Trực tiếp")
    posted = desk.post(f"{base}/api/v1/officer/dossiers", json={**body, "channel": 3}, timeout=T).json()
    assert posted["channel"] == 3 and posted["code"].endswith("-0002")
    error_of(desk.post(f"{base}/api/v1/officer/dossiers", json={**body, "channel": 2}, timeout=T), 400,
             "INVALID_CHANNEL")
    error_of(desk.post(f"{base}/api/v1/officer/dossiers", json={**body, "documents": []}, timeout=T), 400,
             "ATTACHMENT_REQUIRED")
    error_of(desk.post(f"{base}/api/v1/officer/dossiers", json={**body, "applicant": {"name": "", "id_number": "1"}},
                       timeout=T), 400, "APPLICANT_INVALID")
    assert desk.post(f"{base}/api/v1/officer/dossiers", json={**body, "channel": "x"}, timeout=T).status_code == 422
    specialist = province.officer("chuyenvien", "specialist")
    error_of(specialist.post(f"{base}/api/v1/officer/dossiers", json=body, timeout=T), 403, "ROLE_NOT_ALLOWED")
    by_channel = desk.get(f"{base}/api/v1/officer/dossiers", params={"channel": 3}, timeout=T).json()
    assert [d["code"] for d in by_channel["items"]] == [posted["code"]]
    found = desk.get(f"{base}/api/v1/officer/dossiers", params={"q": "Văn Tám"}, timeout=T).json()
    assert found["total"] == 2
    assert wait_for(lambda: province.national_status(counter["code"]) == 2, timeout=20, what="the national push")


def test_the_statistics_endpoints(province: Province) -> None:
    base = province.base
    citizen = province.citizen()
    desk = province.officer("motcua", "desk")
    code = province.submit(citizen)["code"]
    province.act(desk, code, "receive")
    figures = requests.get(f"{base}/api/v1/stats/online-rate", params={"from": "2024-05-01", "to": "2024-05-31"},
                           headers={"X-DVC-Namespace": province.ns}, timeout=T).json()
    assert figures["province"]["online_rate"] == 100.0 and figures["district"]["online_rate"] is None
    assert LLTP not in figures["province"]["procedures_without_dossiers"]
    default = requests.get(f"{base}/api/v1/stats/online-rate", headers={"X-DVC-Namespace": province.ns},
                           timeout=T).json()
    assert (default["from"], default["to"]) == ("2024-05-01", "2024-05-31")
    for params, code_ in (({"from": "2024-02-30"}, "INVALID_DATE"), ({"to": "9999-12-31"}, "INVALID_DATE"),
                          ({"from": "2024-05-02", "to": "2024-05-01"},
                                                                    "INVALID_PERIOD"),
                          ({"from": "2000-01-01", "to": "2024-01-01"}, "PERIOD_TOO_LONG")):
        error_of(requests.get(f"{base}/api/v1/stats/online-rate", params=params, timeout=T), 400, code_)
    csv = requests.get(f"{base}/api/v1/stats/online-rate.csv", params={"from": "2024-05-01", "to": "2024-05-31"},
                       headers={"X-DVC-Namespace": province.ns}, timeout=T)
    assert csv.headers["content-type"].startswith("text/csv") and "attachment" in csv.headers["content-disposition"]
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("scope,tier,agency_code,agency_name,received")
    assert lines[1].startswith("tier,province,,,1,0,1,0,1,1,100.0,90.0,")
    assert any(line.startswith(f"agency,province,{LLTP_AGENCY},") for line in lines)
    page = requests.get(f"{base}/thong-ke", params={"tu_ngay": "2024-05-01", "den_ngay": "2024-05-31",
                                                    "cap": "province"},
                        headers={"X-DVC-Namespace": province.ns, "Accept": "text/html"}, timeout=T)
    assert page.status_code == 200 and "<svg" in page.text and "100,00 %" in page.text and "Tải về tệp CSV" in page.text
    bad = requests.get(f"{base}/thong-ke", params={"tu_ngay": "x"}, headers={"X-DVC-Namespace": province.ns},
                       timeout=T)
    assert bad.status_code == 400 and "YYYY-MM-DD" in bad.text


# -- the officers' pages ------------------------------------------------------------------------------------------
def test_the_officer_pages(province: Province) -> None:
    base = province.base
    citizen = province.citizen()
    code = province.submit(citizen)["code"]
    requests.post(f"{base}/_admin/officers", headers=province.admin, timeout=T,
                  json={"username": "mai.tran", "full_name": "Trần Thị Mai", "agency_code": LLTP_AGENCY,
                        "role": "desk", "password": "mat-khau-thu"})
    http = province.session()
    http.headers["Accept"] = "text/html"
    to_login = http.get(f"{base}/can-bo", timeout=T, allow_redirects=False)
    assert to_login.status_code == 303 and to_login.headers["location"].startswith("/can-bo/dang-nhap?next=")
    page = http.get(f"{base}/can-bo/dang-nhap", timeout=T).text
    assert '<label for="username">Tên đăng nhập</label>' in page and '<label for="password">Mật khẩu</label>' in page
    wrong = http.post(f"{base}/can-bo/dang-nhap", timeout=T,
                      data={"csrf_token": csrf_of(page), "username": "mai.tran", "password": "sai", "next": "/can-bo"})
    assert wrong.status_code == 401 and "Sai tên đăng nhập hoặc mật khẩu" in wrong.text
    assert http.post(f"{base}/can-bo/dang-nhap", data={"username": "mai.tran", "password": "mat-khau-thu"},
                     timeout=T).status_code == 403                                      # no CSRF token
    listing = http.post(f"{base}/can-bo/dang-nhap", timeout=T, data={
        "csrf_token": csrf_of(wrong.text), "username": "mai.tran", "password": "mat-khau-thu", "next": "/can-bo"})
    assert listing.status_code == 200 and listing.url == f"{base}/can-bo" and code in listing.text
    assert "Trong hạn" in listing.text and "Trần Thị Mai" in listing.text
    detail = http.get(f"{base}/can-bo/ho-so/{code}", timeout=T)
    assert ">Tiếp nhận hồ sơ</button>" in detail.text and ">Từ chối tiếp nhận</button>" in detail.text
    assert ">Chuyển xử lý</button>" not in detail.text
    refused = http.post(f"{base}/can-bo/ho-so/{code}/refuse", data={"csrf_token": csrf_of(detail.text), "reason": ""},
                        timeout=T)
    assert refused.status_code == 400 and "Vui lòng nhập lý do từ chối" in refused.text
    done = http.post(f"{base}/can-bo/ho-so/{code}/receive", data={"csrf_token": csrf_of(detail.text), "note": ""},
                     timeout=T)
    assert done.status_code == 200 and "Đã tiếp nhận hồ sơ." in done.text and "Được tiếp nhận" in done.text
    again = http.post(f"{base}/can-bo/ho-so/{code}/receive", data={"csrf_token": csrf_of(done.text)}, timeout=T)
    assert again.status_code == 409 and "không thể thực hiện" in again.text
    assert http.post(f"{base}/can-bo/ho-so/{code}/fly", data={"csrf_token": csrf_of(done.text)},
                     timeout=T).status_code == 404
    slip = http.get(f"{base}/can-bo/ho-so/{code}/phieu/01", timeout=T)
    assert slip.status_code == 200 and "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in slip.text
    assert http.get(f"{base}/can-bo/ho-so/{code}/tep/1", timeout=T).content == PDF
    # Another agency's officer gets a 403 page, for the page and for the action.
    stranger = province.officer("khac", "leader", OTHER_AGENCY)
    stranger.headers["Accept"] = "text/html"
    page = stranger.get(f"{base}/can-bo/ho-so/{code}", timeout=T)
    assert page.status_code == 403 and "thuộc cơ quan khác" in page.text
    assert code not in stranger.get(f"{base}/can-bo", timeout=T).text
    form = stranger.get(f"{base}/can-bo/tiep-nhan", params={"thu_tuc": "9.100002"}, timeout=T)   # any page's token
    acted = stranger.post(f"{base}/can-bo/ho-so/{code}/stop", data={"csrf_token": csrf_of(form.text), "reason": "x"},
                          timeout=T)
    assert acted.status_code == 403 and "thuộc cơ quan khác" in acted.text


def test_the_desk_enters_a_counter_dossier_in_its_page(province: Province) -> None:
    base = province.base
    desk = province.officer("motcua", "desk")
    page = desk.get(f"{base}/can-bo/tiep-nhan", params={"thu_tuc": LLTP}, timeout=T).text
    assert 'name="channel" value="3"' in page and '<label for="doc-TK01">' in page
    data = {"csrf_token": csrf_of(page), "procedure_code": LLTP, "channel": "1", "applicant_name": "Lê Văn Tám",
            "applicant_id_number": "049090001111", "applicant_type": "1", "applicant_phone": "0905111222",
            "result_delivery": "counter", "documents": ["TK01"]}
    missing = desk.post(f"{base}/can-bo/tiep-nhan", data=data, timeout=T)
    assert missing.status_code == 400 and "Hồ sơ chưa đầy đủ" in missing.text and 'value="Lê Văn Tám"' in missing.text
    made = desk.post(f"{base}/can-bo/tiep-nhan", data={**data, "documents": ["TK01", "CCCD"]}, timeout=T)
    assert made.status_code == 200 and "Đã tiếp nhận hồ sơ." in made.text and "Trực tiếp" in made.text
    code = re.search(r'data-testid="dossier-code">([^<]+)<', made.text)[1]  # type: ignore[index]
    assert code.startswith(f"{LLTP_AGENCY}-240515-")


# -- the applicant's pages -----------------------------------------------------------------------------------------
def test_the_applicant_answers_a_supplement_and_rates_in_the_pages(province: Province) -> None:
    base = province.base
    citizen = province.citizen()
    citizen.headers["Accept"] = "text/html"
    desk = province.officer("motcua", "desk")
    code = province.submit(citizen)["code"]
    province.act(desk, code, "supplement-request", {"items": [{"code": "TK01", "reason": "Thiếu chữ ký"}]})
    page = citizen.get(f"{base}/ho-so/{code}", timeout=T).text
    assert "Yêu cầu bổ sung hồ sơ" in page and "Thiếu chữ ký" in page and 'name="file_TK01"' in page
    empty = citizen.post(f"{base}/ho-so/{code}/bo-sung", data={"csrf_token": csrf_of(page)},
                         files={"file_TK01": ("", b"")}, timeout=T)
    assert empty.status_code == 400 and "còn thiếu" in empty.text
    sent = citizen.post(f"{base}/ho-so/{code}/bo-sung", data={"csrf_token": csrf_of(page), "note": "Đã ký"},
                        files={"file_TK01": ("to-khai-ky.pdf", PDF, "application/pdf")}, timeout=T)
    assert sent.status_code == 200 and "Đã nộp hồ sơ bổ sung." in sent.text and "to-khai-ky.pdf" in sent.text
    assert "Mới đăng ký" in sent.text
    requests.post(f"{base}/_admin/dossiers/{code}/result-ready", headers=province.admin, timeout=T)
    page = citizen.get(f"{base}/ho-so/{code}", timeout=T).text
    assert "Mức độ hài lòng" in page and "Rất hài lòng" in page
    rated = citizen.post(f"{base}/ho-so/{code}/danh-gia", data={"csrf_token": csrf_of(page), "rating": "2"}, timeout=T)
    assert rated.status_code == 200 and "Bạn đã đánh giá: Hài lòng." in rated.text
    bad = citizen.post(f"{base}/ho-so/{code}/danh-gia", data={"csrf_token": csrf_of(page), "rating": "x"}, timeout=T)
    assert bad.status_code == 400
    slip = citizen.get(f"{base}/ho-so/{code}/phieu/02", timeout=T)
    assert slip.status_code == 200 and "PHIẾU YÊU CẦU BỔ SUNG" in slip.text


def test_the_applicant_withdraws_in_the_page(province: Province) -> None:
    base = province.base
    citizen = province.citizen()
    code = province.submit(citizen, **{"payment_method": "counter"})["code"]
    page = citizen.get(f"{base}/ho-so/{code}", timeout=T).text
    assert '<label for="withdraw_reason">Lý do rút hồ sơ</label>' in page
    empty = citizen.post(f"{base}/ho-so/{code}/rut-ho-so", data={"csrf_token": csrf_of(page), "reason": ""},
                         timeout=T)
    assert empty.status_code == 400 and "Vui lòng nhập lý do rút hồ sơ" in empty.text
    done = citizen.post(f"{base}/ho-so/{code}/rut-ho-so", data={"csrf_token": csrf_of(page), "reason": "Đổi ý"},
                        timeout=T)
    assert done.status_code == 200 and "Công dân yêu cầu rút hồ sơ" in done.text and "Đổi ý" in done.text
