"""The national portal over HTTP: registration, one-time codes, log-in, pages, catalogue, admin, bad input."""

from __future__ import annotations

import requests

from tests.worlds import IN_2022

from .conftest import PASSWORD, active_citizen, citizen_payload, forms, latest_otp, submit

pytestmark = IN_2022   # the 2022 world's rules (tests/worlds.py)

T = 5


def register(base: str, headers: dict[str, str], **changes: object) -> requests.Response:
    return requests.post(f"{base}/api/v1/accounts", json=citizen_payload(**changes), headers=headers, timeout=T)


# -- JSON API ----------------------------------------------------------------------------------------------
def test_register_confirm_login(base: str, headers: dict[str, str], admin: dict[str, str]) -> None:
    r = register(base, headers)
    assert r.status_code == 201, r.text
    assert r.json() == {"username": "049190012345", "status": "pending", "sent_to": ["0905123123", "lan@example.vn"],
                        "otp_expires_in": 300}
    messages = requests.get(f"{base}/_admin/messages", params={"to": "049190012345"}, headers=admin,
                            timeout=T).json()["messages"]
    assert {m["channel"] for m in messages} == {"sms", "email"}
    otp = messages[0]["otp"]

    login = requests.post(f"{base}/api/v1/login", json={"username": "049190012345", "password": PASSWORD},
                          headers=headers, timeout=T)
    assert login.status_code == 403 and login.json()["error"]["code"] == "ACCOUNT_NOT_ACTIVE"

    r = requests.post(f"{base}/api/v1/accounts/049190012345/confirm", json={"otp": otp}, headers=headers, timeout=T)
    assert r.status_code == 200 and r.json() == {"username": "049190012345", "status": "active"}

    login = requests.post(f"{base}/api/v1/login", json={"username": "049190012345", "password": PASSWORD},
                          headers=headers, timeout=T)
    assert login.status_code == 200 and login.json()["tech_id"] and "dvcqg_session" in login.cookies
    assert "password_hash" not in login.json()

    wrong = requests.post(f"{base}/api/v1/login", json={"username": "049190012345", "password": "Sai123456"},
                          headers=headers, timeout=T)
    assert wrong.status_code == 401 and wrong.json()["error"]["message_vi"]


def test_duplicate_registration_is_409(base: str, headers: dict[str, str]) -> None:
    assert register(base, headers).status_code == 201
    r = register(base, headers, phone="0912000111")
    assert r.status_code == 409 and r.json()["error"]["code"] == "ACCOUNT_EXISTS"


def test_registration_rules_answer_400(base: str, headers: dict[str, str]) -> None:
    cases = {
        "INVALID_ID_NUMBER": {"id_number": "999190012345"},
        "ID_GENDER_MISMATCH": {"gender": "male"},
        "INVALID_PHONE": {"phone": "0123456789"},
        "INVALID_EMAIL": {"email": "lan@"},
        "WEAK_PASSWORD": {"password": "short1"},
    }
    for code, changes in cases.items():
        r = register(base, headers, **changes)
        assert r.status_code == 400 and r.json()["error"]["code"] == code, (code, r.text)


def test_wrong_code_then_resend(base: str, headers: dict[str, str], admin: dict[str, str]) -> None:
    register(base, headers)
    otp = latest_otp(base, admin, "0905123123")
    bad = f"{(int(otp) + 1) % 1_000_000:06d}"
    r = requests.post(f"{base}/api/v1/accounts/049190012345/confirm", json={"otp": bad}, headers=headers, timeout=T)
    assert r.status_code == 400 and r.json()["error"]["code"] == "OTP_WRONG"
    r = requests.post(f"{base}/api/v1/accounts/049190012345/otp", headers=headers, timeout=T)
    assert r.status_code == 200 and r.json()["status"] == "pending"
    new = latest_otp(base, admin, "lan@example.vn")
    r = requests.post(f"{base}/api/v1/accounts/049190012345/confirm", json={"otp": new}, headers=headers, timeout=T)
    assert r.status_code == 200


def test_code_expiry_follows_the_namespace_clock(base: str, headers: dict[str, str], admin: dict[str, str]) -> None:
    register(base, headers)
    otp = latest_otp(base, admin, "0905123123")
    r = requests.post(f"{base}/_admin/clock", json={"advance_seconds": 301}, headers=admin, timeout=T)
    assert r.status_code == 200
    r = requests.post(f"{base}/api/v1/accounts/049190012345/confirm", json={"otp": otp}, headers=headers, timeout=T)
    assert r.status_code == 400 and r.json()["error"]["code"] == "OTP_EXPIRED"


def test_bad_input_is_4xx(base: str, headers: dict[str, str]) -> None:
    url = f"{base}/api/v1/accounts"
    malformed = requests.post(url, data="{not json", headers={**headers, "Content-Type": "application/json"},
                              timeout=T)
    assert malformed.status_code == 400 and malformed.json()["error"]["code"] == "MALFORMED_JSON"
    missing = requests.post(url, json={"account_type": "citizen"}, headers=headers, timeout=T)
    assert missing.status_code == 422
    assert requests.post(url, json=citizen_payload(account_type="robot"), headers=headers, timeout=T).status_code == 422
    assert requests.post(url, json=citizen_payload(full_name="x" * 5000), headers=headers, timeout=T).status_code == 422
    assert requests.post(url, json=[1, 2], headers=headers, timeout=T).status_code == 422
    r = requests.post(f"{base}/api/v1/accounts/nobody/confirm", json={"otp": "123456"}, headers=headers, timeout=T)
    assert r.status_code == 404
    r = requests.post(f"{base}/api/v1/accounts/nobody/confirm", json={"otp": 123456}, headers=headers, timeout=T)
    assert r.status_code == 422
    r = requests.post(f"{base}/api/v1/login", json={"username": "x"}, headers=headers, timeout=T)
    assert r.status_code == 422
    r = requests.post(f"{base}/api/v1/login", json={"username": "x", "password": "y"},
                      headers={"X-DVC-Namespace": "bad namespace!"}, timeout=T)
    assert r.status_code == 400


def test_namespaces_are_apart(base: str, headers: dict[str, str], admin: dict[str, str]) -> None:
    active_citizen(base, headers, admin)
    other = {"X-DVC-Namespace": headers["X-DVC-Namespace"] + "-x"}
    r = requests.post(f"{base}/api/v1/login", json={"username": "049190012345", "password": PASSWORD}, headers=other,
                      timeout=T)
    assert r.status_code == 401


# -- catalogue and look-up ---------------------------------------------------------------------------------
def test_catalogue(base: str) -> None:
    listing = requests.get(f"{base}/api/v1/procedures", timeout=T).json()
    assert listing["total"] == len(listing["procedures"]) > 0
    one = requests.get(f"{base}/api/v1/procedures/2.000488.000.00.00.H47", timeout=T).json()
    assert one["national_code"] == "2.000488" and one["level"] == 4 and one["fee"]["amount"] == 200000
    assert requests.get(f"{base}/api/v1/procedures/2.000488", timeout=T).json() == one
    assert requests.get(f"{base}/api/v1/procedures/0.000000", timeout=T).status_code == 404
    filtered = requests.get(f"{base}/api/v1/procedures", params={"level": 4, "q": "lý lịch"}, timeout=T).json()
    assert [p["code"] for p in filtered["procedures"]] == ["2.000488"]
    assert requests.get(f"{base}/api/v1/procedures", params={"level": "four"}, timeout=T).status_code == 422


def test_lookup_of_an_unknown_dossier(base: str, headers: dict[str, str]) -> None:
    r = requests.get(f"{base}/api/v1/lookup/000.00.12.H47-250303-0404", headers=headers, timeout=T)
    assert r.status_code == 404 and r.json()["error"]["code"] == "DOSSIER_NOT_FOUND"
    page = requests.get(f"{base}/tra-cuu", params={"ma": "000.00.12.H47-250303-0404"}, headers=headers, timeout=T)
    assert page.status_code == 404 and 'role="alert"' in page.text and "Không tìm thấy hồ sơ" in page.text


# -- pages ---------------------------------------------------------------------------------------------------
def test_registration_pages_end_to_end(base: str, headers: dict[str, str], admin: dict[str, str]) -> None:
    http = requests.Session()
    http.headers.update(headers)
    page = http.get(f"{base}/dang-ky", timeout=T)
    for label in ("Số định danh cá nhân", "Họ và tên", "Ngày sinh", "Giới tính", "Số điện thoại", "Thư điện tử",
                  "Mật khẩu", "Nhập lại mật khẩu"):
        assert f">{label}</label>" in page.text, label
    values = {k: v for k, v in citizen_payload().items() if k != "account_type"}
    values["password_confirm"] = PASSWORD

    refused = submit(http, base, page.text, {**values, "password_confirm": "Khac12345"})
    assert refused.status_code == 400 and 'role="alert"' in refused.text and "không khớp" in refused.text
    assert 'value="Phạm Thị Lan"' in refused.text  # the form keeps what was typed

    done = submit(http, base, page.text, values)
    assert done.status_code == 303 and done.headers["location"].startswith("/dang-ky/xac-nhan?tai-khoan=049190012345")
    confirm_page = http.get(base + done.headers["location"], timeout=T)
    assert "Mã xác thực (OTP)" in confirm_page.text and "0905***123" in confirm_page.text
    wrong = submit(http, base, confirm_page.text, {"otp": "000000" if latest_otp(base, admin, "0905123123") != "000000"
                                                   else "111111"})
    assert wrong.status_code == 400 and 'role="alert"' in wrong.text
    ok = submit(http, base, confirm_page.text, {"otp": latest_otp(base, admin, "0905123123")})
    assert ok.status_code == 303 and ok.headers["location"].startswith("/dang-nhap")

    login_page = http.get(base + ok.headers["location"], timeout=T)
    assert "Tài khoản đã được kích hoạt" in login_page.text
    fields = forms(login_page.text)[0]["fields"]
    assert {"username", "password", "csrf_token"} <= set(fields) and fields["username"] == "049190012345"
    bad = submit(http, base, login_page.text, {"password": "Sai123456"})
    assert bad.status_code == 401 and 'role="alert"' in bad.text
    good = submit(http, base, login_page.text, {"password": PASSWORD})
    assert good.status_code == 303 and good.headers["location"] == "/tai-khoan"
    account = http.get(f"{base}/tai-khoan", timeout=T)
    assert account.status_code == 200 and "Phạm Thị Lan" in account.text and "049190012345" in account.text
    http.get(f"{base}/dang-xuat", timeout=T)
    assert http.get(f"{base}/tai-khoan", allow_redirects=False, timeout=T).status_code == 303


def test_business_and_agency_forms(base: str, headers: dict[str, str]) -> None:
    business = requests.get(f"{base}/dang-ky", params={"loai": "doanh-nghiep"}, headers=headers, timeout=T).text
    assert ">Mã số thuế</label>" in business and ">Tên doanh nghiệp</label>" in business
    assert ">Số định danh cá nhân</label>" not in business
    agency = requests.get(f"{base}/dang-ky", params={"loai": "co-quan"}, headers=headers, timeout=T).text
    assert ">Mã cơ quan</label>" in agency and ">Tên cơ quan</label>" in agency


def test_business_registration_through_the_form(base: str, headers: dict[str, str], admin: dict[str, str]) -> None:
    http = requests.Session()
    http.headers.update(headers)
    page = http.get(f"{base}/dang-ky", params={"loai": "doanh-nghiep"}, timeout=T).text
    r = submit(http, base, page, {"tax_code": "4000123456", "business_name": "Công ty TNHH Hội An Xanh",
                                  "phone": "0983111222", "email": "lh@hoianxanh.vn", "password": PASSWORD,
                                  "password_confirm": PASSWORD})
    assert r.status_code == 303
    assert latest_otp(base, admin, "4000123456")


def test_form_post_without_csrf_is_refused(base: str, headers: dict[str, str]) -> None:
    r = requests.post(f"{base}/dang-nhap", data={"username": "x", "password": "y"}, headers=headers, timeout=T)
    assert r.status_code == 403
    r = requests.post(f"{base}/dang-ky", data="%%%", headers={**headers, "Content-Type": "multipart/form-data"},
                      timeout=T)
    assert 400 <= r.status_code < 500
    http = requests.Session()
    http.headers.update(headers)
    http.get(f"{base}/dang-nhap", timeout=T)
    r = http.post(f"{base}/dang-nhap", data={"username": "x", "password": "y", "csrf_token": "Đ²٤"}, timeout=T)
    assert r.status_code == 403  # not a 500 from comparing non-ASCII text


def test_home_and_lookup_pages(base: str, headers: dict[str, str]) -> None:
    home = requests.get(f"{base}/", headers=headers, timeout=T)
    assert home.status_code == 200 and "Cổng Dịch vụ công Quốc gia" in home.text
    for link in ('href="/dang-ky"', 'href="/dang-nhap"', 'href="/tra-cuu"'):
        assert link in home.text
    lookup = requests.get(f"{base}/tra-cuu", headers=headers, timeout=T)
    assert ">Mã hồ sơ</label>" in lookup.text and ">Tra cứu</button>" in lookup.text


# -- admin ---------------------------------------------------------------------------------------------------
def test_admin_needs_the_token(base: str, headers: dict[str, str]) -> None:
    for path in ("/_admin/messages", "/_admin/oidc-clients", "/_admin/sync-accounts"):
        assert requests.get(base + path, headers=headers, timeout=T).status_code == 401


def test_seed_and_reset(base: str, headers: dict[str, str], admin: dict[str, str]) -> None:
    seeded = requests.post(f"{base}/_admin/seed", headers=admin, timeout=T).json()["accounts"]
    citizen = next(a for a in seeded if a["account_type"] == "citizen")
    login = {"username": citizen["username"], "password": citizen["password"]}
    assert requests.post(f"{base}/api/v1/login", json=login, headers=headers, timeout=T).status_code == 200
    assert requests.post(f"{base}/_admin/reset", headers=admin, timeout=T).status_code == 200
    assert requests.post(f"{base}/api/v1/login", json=login, headers=headers, timeout=T).status_code == 401


def test_register_sync_account_and_list(base: str, admin: dict[str, str]) -> None:
    r = requests.post(f"{base}/_admin/sync-accounts", json={"username": "hue_lgsp_api", "password": "MatKhau-Hue-1"},
                      headers=admin, timeout=T)
    assert r.status_code == 201
    listed = requests.get(f"{base}/_admin/sync-accounts", headers=admin, timeout=T).json()["accounts"]
    assert "hue_lgsp_api" in {a["username"] for a in listed} and all("password" not in a for a in listed)
    r = requests.post(f"{base}/_admin/sync-accounts", json={"username": "x", "password": "short"}, headers=admin,
                      timeout=T)
    assert r.status_code == 400
