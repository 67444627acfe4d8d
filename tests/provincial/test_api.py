"""The provincial portal over HTTP, against the whole stack: SSO log-in, dossiers, payment, post, national look-up."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
import requests

from harness.stack import Stack
from mocks.core.signing import sign
from tests.worlds import IN_2022

from .backoffice import b64, wait_for
from .conftest import JPEG, PDF, PNG

pytestmark = IN_2022   # the 2022 world's rules (tests/worlds.py)

T = 10
PASSWORD = "Matkhau2025"
ID_NUMBER = "049190012345"
LLTP = "2.000488.000.00.00.H47"
LEVEL3_FEE = "9.100006"
LEVEL2 = "9.100009"
FREE_L4 = "1.000656"
COMMUNE = "001.20.30.H47"
ADDRESS = {"name": "Phạm Thị Lan", "phone": "0905123123", "address": "12 Phan Bội Châu", "province": "Quảng Nam",
           "district": "Thành phố Tam Kỳ", "commune": "Phường Tân Thạnh"}

# -- helpers ------------------------------------------------------------------------------------------------
@pytest.fixture
def urls(dvc_stack: Stack) -> dict[str, str]:
    return dvc_stack.urls


@pytest.fixture
def admin(dvc_stack: Stack, ns: str) -> dict[str, str]:
    return {"X-DVC-Namespace": ns, "X-Admin-Token": dvc_stack.config.credentials.admin_token}



def register_citizen(urls: dict[str, str], admin: dict[str, str], **changes: Any) -> dict[str, Any]:
    """A citizen account on the national portal, confirmed with the one-time code from its message outbox."""
    national = urls["national"]
    ns = {"X-DVC-Namespace": admin["X-DVC-Namespace"]}
    payload = {"account_type": "citizen", "id_number": ID_NUMBER, "full_name": "Phạm Thị Lan",
               "birth_date": "1990-05-20", "gender": "female", "phone": "0905123123", "email": "lan@example.vn",
               "password": PASSWORD, "address": "12 Phan Bội Châu, Tam Kỳ", **changes}
    r = requests.post(f"{national}/api/v1/accounts", json=payload, headers=ns, timeout=T)
    assert r.status_code == 201, r.text
    messages = requests.get(f"{national}/_admin/messages", params={"to": payload["id_number"]}, headers=admin,
                            timeout=T).json()["messages"]
    r = requests.post(f"{national}/api/v1/accounts/{payload['id_number']}/confirm", json={"otp": messages[0]["otp"]},
                      headers=ns, timeout=T)
    assert r.status_code == 200, r.text
    return payload


def sso_login(urls: dict[str, str], ns: str, username: str = ID_NUMBER, next_path: str = "/ho-so") -> requests.Session:
    """Log in to the provincial portal through the national SSO, as a script does: follow, post the form."""
    http = requests.Session()
    http.headers["X-DVC-Namespace"] = ns
    page = http.get(f"{urls['provincial']}/dang-nhap", params={"next": next_path}, timeout=T)
    assert page.status_code == 200 and page.url.startswith(f"{urls['national']}/oauth2/authorize"), page.url
    action = html.unescape(re.search(r'<form method="post" action="([^"]+)"', page.text)[1])  # type: ignore[index]
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)[1]  # type: ignore[index]
    done = http.post(f"{urls['national']}{action}", data={"csrf_token": csrf, "username": username,
                                                           "password": PASSWORD}, timeout=T)
    assert done.status_code == 200 and done.url == f"{urls['provincial']}{next_path}", (done.url, done.text[:500])
    return http


@pytest.fixture
def citizen(urls: dict[str, str], admin: dict[str, str], ns: str) -> requests.Session:
    register_citizen(urls, admin)
    return sso_login(urls, ns)


def lltp_body(**changes: Any) -> dict[str, Any]:
    body = {"procedure_code": LLTP, "form": {"loai_phieu": "Phiếu lý lịch tư pháp số 1", "so_ban": 1,
                                              "muc_dich": "Bổ sung hồ sơ xin việc"},
            "attachments": [{"code": "TK01", "filename": "to-khai.pdf", "content_type": "application/pdf",
                             "content_base64": b64(PDF)},
                            {"code": "CCCD", "filename": "cccd.jpg", "content_type": "image/jpeg",
                             "content_base64": b64(JPEG)}],
            "result_delivery": "counter", "payment_method": "online"}
    body.update(changes)
    return body


def submit(http: requests.Session, urls: dict[str, str], body: dict[str, Any]) -> requests.Response:
    return http.post(f"{urls['provincial']}/api/v1/dossiers", json=body, timeout=T)


def dossier(http: requests.Session, urls: dict[str, str], code: str) -> dict[str, Any]:
    r = http.get(f"{urls['provincial']}/api/v1/dossiers/{code}", timeout=T)
    assert r.status_code == 200, r.text
    return r.json()


def pay_at_checkout(http: requests.Session, urls: dict[str, str], code: str, action: str = "pay") -> requests.Response:
    """INIT through the portal, then the checkout form of the payment platform; answers the return page."""
    started = http.post(f"{urls['provincial']}/api/v1/dossiers/{code}/payments", timeout=T)
    assert started.status_code == 201, started.text
    checkout = http.get(started.json()["payment_url"], timeout=T)
    assert checkout.status_code == 200, checkout.text[:300]
    token_action = re.search(r'<form method="post" action="(/thanh-toan/[^"]+)"', checkout.text)[1]  # type: ignore[index]
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', checkout.text)[1]  # type: ignore[index]
    back = http.post(f"{urls['payment']}{token_action}", data={"csrf_token": csrf, "bank": "VCB", "action": action},
                     timeout=T)
    assert back.url.startswith(f"{urls['provincial']}/thanh-toan/ket-qua"), back.url
    return back


# -- the catalogue --------------------------------------------------------------------------------------------
def test_the_catalogue(urls: dict[str, str], ns: str) -> None:
    base, pinned = urls["provincial"], {"X-DVC-Namespace": ns}     # Quảng Nam's catalogue, of the 2022 world
    page = requests.get(f"{base}/api/v1/procedures", headers=pinned, timeout=T).json()
    assert page["total"] == 841 and len(page["items"]) == 50 and page["offset"] == 0
    item = page["items"][0]
    for key in ("code", "national_code", "name", "level", "level_label", "tier", "agency_code", "agency_name",
                "field", "fee", "result_by_post", "processing_days", "form_fields", "attachments"):
        assert key in item
    found = requests.get(f"{base}/api/v1/procedures", params={"q": "ly lich tu phap", "level": "4"}, headers=pinned,
                         timeout=T).json()
    assert [i["code"] for i in found["items"]] == [LLTP]
    assert found["items"][0]["level_label"] == "Toàn trình" and found["items"][0]["agency_code"] == "000.00.12.H47"
    commune = requests.get(f"{base}/api/v1/procedures", params={"agency_code": COMMUNE, "limit": 1000},
                           headers=pinned, timeout=T)
    assert {i["agency_code"] for i in commune.json()["items"]} == {COMMUNE} and commune.json()["total"] == 13
    one = requests.get(f"{base}/api/v1/procedures/2.000635", headers=pinned, timeout=T).json()
    assert one["code"] == "2.000635.000.00.00.H47" and len(one["agencies"]) == 45 and one["fee"]["per_copy"]
    agencies = requests.get(f"{base}/api/v1/agencies", params={"tier": "district"}, headers=pinned, timeout=T).json()
    assert agencies["total"] == 18
    for bad in ({"level": "7"}, {"tier": "planet"}, {"limit": "0"}):
        r = requests.get(f"{base}/api/v1/procedures", params=bad, timeout=T)
        assert 400 <= r.status_code < 500 and "error" in r.json()
    assert requests.get(f"{base}/api/v1/procedures/9.999999", timeout=T).status_code == 404


def test_the_pages(urls: dict[str, str], ns: str) -> None:
    base, h = urls["provincial"], {"X-DVC-Namespace": ns}
    home = requests.get(base, headers=h, timeout=T).text
    assert "Cổng Dịch vụ công tỉnh Quảng Nam" in home
    for text in ('<label for="q">Tìm kiếm thủ tục hành chính</label>', ">Tìm kiếm</button>", ">Cấp tỉnh</a>",
                 ">Cấp huyện</a>", ">Cấp xã</a>", ">Tra cứu hồ sơ<", ">Đăng nhập</a>", ">Mã hồ sơ</label>",
                 ">Tra cứu</button>"):
        assert text in home
    # Three clicks: home → tier list → procedure → submission.
    listing = requests.get(f"{base}/thu-tuc", params={"tier": "province"}, headers=h, timeout=T).text
    assert f'href="/thu-tuc/{LLTP}"' in listing
    proc = requests.get(f"{base}/thu-tuc/{LLTP}", headers=h, timeout=T).text
    assert "Mức độ 4 (toàn trình)" in proc and "200.000 đ" in proc and "Nộp hồ sơ trực tuyến" in proc
    offline = requests.get(f"{base}/thu-tuc/{LEVEL2}", headers=h, timeout=T).text
    assert "chưa cung cấp nộp hồ sơ trực tuyến" in offline and "/nop-ho-so/" not in offline
    district = requests.get(f"{base}/thu-tuc/1.001612", headers=h, timeout=T).text
    assert '<label for="agency">Cơ quan thực hiện</label>' in district and "UBND Huyện Phú Ninh" in district
    form = requests.get(f"{base}/nop-ho-so/{LLTP}", headers=h, allow_redirects=False, timeout=T)
    assert form.status_code == 303 and form.headers["location"].startswith("/dang-nhap?next=")
    assert requests.get(f"{base}/tra-cuu", params={"ma": "nope"}, headers=h, timeout=T).status_code == 404


# -- log-in --------------------------------------------------------------------------------------------------
def test_sso_log_in_links_a_local_account(urls: dict[str, str], admin: dict[str, str], ns: str) -> None:
    register_citizen(urls, admin)
    http = sso_login(urls, ns)
    me = http.get(f"{urls['provincial']}/api/v1/me", timeout=T).json()
    assert me["id_number"] == ID_NUMBER and me["full_name"] == "Phạm Thị Lan" and me["link_rule"] == "created"
    assert "Phạm Thị Lan" in http.get(f"{urls['provincial']}/ho-so", timeout=T).text
    sso_login(urls, ns)   # a second log-in (the national session is reused) finds the TechID
    rules = requests.get(f"{urls['provincial']}/_admin/logins", headers=admin, timeout=T).json()["items"]
    assert [r["rule"] for r in rules] == ["created", "techid"]
    http.get(f"{urls['provincial']}/dang-xuat", timeout=T)
    assert http.get(f"{urls['provincial']}/api/v1/me", timeout=T).status_code == 401


def test_sso_links_an_account_known_by_its_id_number(urls: dict[str, str], admin: dict[str, str], ns: str) -> None:
    known = requests.post(f"{urls['provincial']}/_admin/accounts", json={"full_name": "Phạm Thị Lan",
                                                                        "id_number": ID_NUMBER}, headers=admin,
                          timeout=T).json()
    register_citizen(urls, admin)
    me = sso_login(urls, ns).get(f"{urls['provincial']}/api/v1/me", timeout=T).json()
    assert me["id"] == known["id"] and me["link_rule"] == "id_number" and me["tech_id"]


def test_a_callback_that_belongs_to_no_log_in_is_refused(urls: dict[str, str], ns: str) -> None:
    base, h = urls["provincial"], {"X-DVC-Namespace": ns}
    r = requests.get(f"{base}/auth/callback", params={"code": "x", "state": "forged"}, headers=h, timeout=T)
    assert r.status_code == 400 and r.json()["error"]["code"] == "SSO_STATE_MISMATCH"
    page = requests.get(f"{base}/auth/callback", params={"error": "access_denied", "state": "s"},
                        headers={**h, "Accept": "text/html"}, timeout=T)
    assert page.status_code == 400 and 'role="alert"' in page.text
    r = requests.get(f"{base}/api/v1/dossiers", headers=h, timeout=T)
    assert r.status_code == 401 and r.json()["error"]["code"] == "NOT_LOGGED_IN"
    start = requests.get(f"{base}/dang-nhap", params={"next": "https://evil.test/"}, headers=h,
                         allow_redirects=False, timeout=T)
    assert start.status_code == 303 and "tinh_session" in start.cookies


# -- dossiers, payment, post -----------------------------------------------------------------------------------
def test_a_level_3_dossier(citizen: requests.Session, urls: dict[str, str]) -> None:
    from .conftest import full_form_for

    body = {"procedure_code": LEVEL3_FEE, "form": full_form_for(LEVEL3_FEE),
            "attachments": [{"code": c, "filename": f"{c}.png", "content_base64": b64(PNG)}
                            for c in _required(urls, LEVEL3_FEE)]}
    r = submit(citizen, urls, body)
    assert r.status_code == 201, r.text
    d = r.json()
    assert d["status"] == 1 and d["status_name"] == "Mới đăng ký" and d["channel"] == 2 and d["level"] == 3
    assert d["payment_method"] == "counter" and d["payment"]["status"] == "unpaid"
    assert re.fullmatch(r"000\.00\.07\.H47-\d{6}-0001", d["code"])
    r = citizen.post(f"{urls['provincial']}/api/v1/dossiers/{d['code']}/payments", timeout=T)
    assert r.status_code == 400 and r.json()["error"]["code"] == "PAYMENT_AT_COUNTER"
    mine = citizen.get(f"{urls['provincial']}/api/v1/dossiers", timeout=T).json()
    assert [i["code"] for i in mine["items"]] == [d["code"]]


def _required(urls: dict[str, str], code: str) -> list[str]:
    proc = requests.get(f"{urls['provincial']}/api/v1/procedures/{code}", timeout=T).json()
    return [a["code"] for a in proc["attachments"] if a["required"]]


def test_level_4_payment_receipt_postal_return_and_national_look_up(
    citizen: requests.Session, urls: dict[str, str], admin: dict[str, str], ns: str,
) -> None:
    base = urls["provincial"]
    r = submit(citizen, urls, lltp_body(result_delivery="post", postal_address=ADDRESS))
    assert r.status_code == 201, r.text
    d = r.json()
    code = d["code"]
    assert d["fee"] == {"amount": 200_000, "timing": "before"} and d["payment"]["status"] == "unpaid"
    assert d["postal_address"]["phone"] == "0905123123"

    back = pay_at_checkout(citizen, urls, code)
    assert "Thanh toán thành công" in back.text
    paid = wait_for(lambda: dossier(citizen, urls, code)["payment"]["paid_online"], what="the payment")
    assert paid
    d = dossier(citizen, urls, code)
    assert d["payment"]["status"] == "paid" and d["payment"]["reference"] == f"{code}-01"
    receipt = citizen.get(f"{base}/api/v1/dossiers/{code}/receipt", timeout=T).json()
    assert receipt["amount"] == 200_000 and receipt["receipt_url"].startswith(f"{urls['payment']}/bien-lai/")
    assert requests.get(receipt["receipt_url"], headers={"X-DVC-Namespace": ns}, timeout=T).status_code == 200
    page = citizen.get(f"{base}/ho-so/{code}", timeout=T).text
    assert "Đã thanh toán" in page and "Biên lai điện tử" in page and receipt["receipt_url"] in page

    ready = requests.post(f"{base}/_admin/dossiers/{code}/result-ready", headers=admin, timeout=T)
    assert ready.status_code == 200 and ready.json()["status"] == 9
    waybill = wait_for(lambda: (dossier(citizen, urls, code).get("postal_order") or {}).get("waybill"),
                       what="the waybill")
    for _ in range(3):   # created → picked_up → in_transit → delivered
        r = requests.post(f"{urls['postal']}/_admin/orders/{waybill}/advance", json={}, headers=admin, timeout=T)
        assert r.status_code == 200, r.text
    done = wait_for(lambda: dossier(citizen, urls, code)["status"] == 10, what="status 10")
    assert done
    d = dossier(citizen, urls, code)
    assert d["status_name"] == "Đã trả kết quả" and d["returned_at"]
    assert [e["status"] for e in d["postal_order"]["events"]][-1] == "delivered"
    page = citizen.get(f"{base}/ho-so/{code}", timeout=T).text
    assert "Mã vận đơn" in page and f"{urls['postal']}/tra-cuu?ma={waybill}" in page

    def national_status() -> Any:
        r = requests.get(f"{urls['national']}/api/v1/lookup/{code}", headers={"X-DVC-Namespace": ns}, timeout=T)
        return r.status_code == 200 and r.json().get("status") == 10
    assert wait_for(national_status, timeout=15, what="the national look-up")


def test_a_cancelled_payment_then_a_new_attempt(citizen: requests.Session, urls: dict[str, str]) -> None:
    code = submit(citizen, urls, lltp_body()).json()["code"]
    back = pay_at_checkout(citizen, urls, code, action="cancel")
    assert "không thành công" in back.text
    wait_for(lambda: dossier(citizen, urls, code)["payment"]["status"] == "unpaid", what="the failed attempt")
    pay_at_checkout(citizen, urls, code)
    wait_for(lambda: dossier(citizen, urls, code)["payment"]["paid_online"], what="the payment")
    attempts = citizen.get(f"{urls['provincial']}/api/v1/dossiers/{code}/payments", timeout=T).json()["items"]
    assert [(a["reference"][-2:], a["status"]) for a in attempts] == [("01", "failed"), ("02", "paid")]


def test_a_fee_collected_with_the_result(citizen: requests.Session, urls: dict[str, str],
                                         admin: dict[str, str]) -> None:
    from .conftest import full_form_for

    body = {"procedure_code": "9.100014", "form": full_form_for("9.100014"), "result_delivery": "online",
            "attachments": [{"code": c, "filename": f"{c}.pdf", "content_base64": b64(PDF)}
                            for c in _required(urls, "9.100014")]}
    code = submit(citizen, urls, body).json()["code"]
    r = citizen.post(f"{urls['provincial']}/api/v1/dossiers/{code}/payments", timeout=T)
    assert r.status_code == 409 and r.json()["error"]["code"] == "FEE_NOT_YET_DUE"
    ready = requests.post(f"{urls['provincial']}/_admin/dossiers/{code}/result-ready", headers=admin, timeout=T)
    assert ready.json()["status"] == 6
    pay_at_checkout(citizen, urls, code)
    wait_for(lambda: dossier(citizen, urls, code)["status"] == 9, what="status 9")
    result = citizen.get(f"{urls['provincial']}/api/v1/dossiers/{code}/result", timeout=T)
    assert result.status_code == 200 and code in result.text
    assert dossier(citizen, urls, code)["status"] == 10


# -- bad input --------------------------------------------------------------------------------------------------
def test_bad_submissions_are_refused_with_messages(citizen: requests.Session, urls: dict[str, str]) -> None:
    def refused(body: dict[str, Any], status: int, code: str) -> dict[str, Any]:
        r = submit(citizen, urls, body)
        assert r.status_code == status, r.text
        error = r.json()["error"]
        assert error["code"] == code and error["message_vi"] and error["message_en"]
        return error

    assert "trực tuyến" in refused(lltp_body(procedure_code=LEVEL2), 400, "LEVEL_NOT_ONLINE")["message_vi"]
    refused(lltp_body(procedure_code="9.999999"), 404, "PROCEDURE_NOT_FOUND")
    error = refused(lltp_body(form={"so_ban": 1}), 400, "FORM_INVALID")
    assert {p["field"] for p in error["details"]} == {"loai_phieu", "muc_dich"}
    big = [{"code": "TK01", "filename": "big.pdf", "content_base64": b64(PDF + b"0" * (5 * 2**20))}]
    refused(lltp_body(attachments=big), 413, "ATTACHMENT_TOO_LARGE")
    text = [{"code": "TK01", "filename": "a.pdf", "content_type": "application/pdf",
             "content_base64": b64(b"hello world")}, lltp_body()["attachments"][1]]
    refused(lltp_body(attachments=text), 400, "ATTACHMENT_TYPE_NOT_ALLOWED")
    refused(lltp_body(attachments=[{"code": "TK01", "content_base64": "%%%not base64"}]), 400,
            "ATTACHMENT_BAD_BASE64")
    refused(lltp_body(attachments=lltp_body()["attachments"][:1]), 400, "ATTACHMENT_REQUIRED")
    refused(lltp_body(result_delivery="post", payment_method="counter", postal_address=ADDRESS), 400,
            "POSTAL_NEEDS_ONLINE_PAYMENT")
    refused(lltp_body(result_delivery="post"), 400, "POSTAL_ADDRESS_INVALID")
    refused(lltp_body(procedure_code=FREE_L4), 400, "AGENCY_REQUIRED")
    r = citizen.post(f"{urls['provincial']}/api/v1/dossiers", data="{not json", timeout=T,
                     headers={"Content-Type": "application/json"})
    assert r.status_code in (400, 422) and r.json()["error"]["message_vi"]
    r = citizen.post(f"{urls['provincial']}/api/v1/dossiers", json={"procedure_code": 12}, timeout=T)
    assert r.status_code == 422
    assert citizen.get(f"{urls['provincial']}/api/v1/dossiers", timeout=T).json()["total"] == 0


def test_someone_elses_dossier(citizen: requests.Session, urls: dict[str, str], admin: dict[str, str],
                               ns: str) -> None:
    code = submit(citizen, urls, lltp_body()).json()["code"]
    register_citizen(urls, admin, id_number="049190004321", phone="0912345678", email="b@example.vn")
    other = sso_login(urls, ns, username="049190004321")
    r = other.get(f"{urls['provincial']}/api/v1/dossiers/{code}", timeout=T)
    assert r.status_code == 403 and r.json()["error"]["code"] == "NOT_YOUR_DOSSIER"
    public = requests.get(f"{urls['provincial']}/api/v1/lookup/{code}", headers={"X-DVC-Namespace": ns}, timeout=T)
    assert public.json()["status_name"] == "Mới đăng ký" and "applicant" not in public.json()


def test_confirmations_bad_signature_and_replay(citizen: requests.Session, urls: dict[str, str], ns: str,
                                                dvc_stack: Stack) -> None:
    code = submit(citizen, urls, lltp_body()).json()["code"]
    pay_at_checkout(citizen, urls, code)
    wait_for(lambda: dossier(citizen, urls, code)["payment"]["paid_online"], what="the payment")
    before = dossier(citizen, urls, code)
    creds = dvc_stack.config.credentials
    message = {"LoaiBanTin": "CONFIRM", "MaLoi": "00", "MaDoiTac": creds.payment_partner_code,
               "MaThamChieu": f"{code}-01", "SoTien": 200_000, "MaTienTe": "VND", "MaGiaoDich": "GD-REPLAY",
               "MaNganHang": "VCB", "ThoiGianGD": "20250101000000", "ThongTinGiaoDich": "x", "TrangThaiGD": 1}
    confirm_url = f"{urls['provincial']}/api/payment/confirm"
    h = {"X-DVC-Namespace": ns}
    forged = {**message, "MaXacThuc": "0" * 64}
    r = requests.post(confirm_url, json=forged, headers=h, timeout=T)
    assert r.status_code == 401 and r.json()["MaLoi"] == "01" and r.json()["error"]["code"] == "BAD_SIGNATURE"
    r = requests.post(confirm_url, json=sign({**message, "SoTien": 1}, "CONFIRM", creds.payment_secret), headers=h,
                      timeout=T)
    assert r.status_code == 400 and r.json()["MaLoi"] != "00"
    r = requests.post(confirm_url, data="{oops", headers={**h, "Content-Type": "application/json"}, timeout=T)
    assert r.status_code == 400 and r.json()["MaLoi"] == "03"
    replay = sign(message, "CONFIRM", creds.payment_secret)
    for _ in range(2):
        r = requests.post(confirm_url, json=replay, headers=h, timeout=T)
        assert r.status_code == 200 and r.json()["MaLoi"] == "00"
    after = dossier(citizen, urls, code)
    assert after["history"] == before["history"] and after["payment"] == before["payment"]


def test_the_postal_webhook_checks_the_customer(urls: dict[str, str], ns: str, dvc_stack: Stack) -> None:
    url = f"{urls['provincial']}/api/postal/events"
    h = {"X-DVC-Namespace": ns, "access_token": dvc_stack.config.credentials.postal_access_token}
    event = {"ItemCode": "EB1VN", "OrderNumber": "000.00.12.H47-250101-0001", "Status": "delivered",
             "Time": "20250101100000"}
    r = requests.post(url, json={**event, "CustomerCode": "SOMEONE"}, headers=h, timeout=T)
    assert r.status_code == 403 and r.json()["Status"] != "100"
    r = requests.post(url, json={**event, "CustomerCode": dvc_stack.config.credentials.postal_customer_code},
                      headers=h, timeout=T)
    assert r.status_code == 404 and r.json()["error"]["code"] == "POSTAL_ORDER_NOT_FOUND"
    r = requests.post(url, data="[1,", headers={**h, "Content-Type": "application/json"}, timeout=T)
    assert r.status_code == 400 and r.json()["Status"] == "101"


# -- the HTML journey --------------------------------------------------------------------------------------------
def test_submitting_through_the_form(citizen: requests.Session, urls: dict[str, str]) -> None:
    base = urls["provincial"]
    page = citizen.get(f"{base}/nop-ho-so/{LLTP}", timeout=T).text
    for label in ("Hình thức nhận kết quả", "Nhận tại bộ phận một cửa", "Nhận kết quả trực tuyến",
                  "Nhận qua dịch vụ bưu chính công ích", "Hình thức thanh toán", "Thanh toán trực tuyến",
                  "Thanh toán tại cơ quan", ">Họ tên người nhận</label>", ">Số điện thoại người nhận</label>",
                  ">Địa chỉ nhận</label>", ">Tỉnh/Thành phố</label>", ">Quận/Huyện</label>", ">Phường/Xã</label>",
                  ">Nộp hồ sơ</button>", ">Mục đích sử dụng"):
        assert label in page
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)[1]  # type: ignore[index]
    fields = {"csrf_token": csrf, "agency": "000.00.12.H47", "f_loai_phieu": "Phiếu lý lịch tư pháp số 1",
              "f_so_ban": "2", "f_muc_dich": "Đi làm", "result_delivery": "post", "payment_method": "counter",
              **{f"postal_{k}": v for k, v in ADDRESS.items()}}
    files = {"file_TK01": ("to-khai.pdf", PDF, "application/pdf"), "file_CCCD": ("cccd.png", PNG, "image/png")}
    bad = citizen.post(f"{base}/nop-ho-so/{LLTP}", data=fields, files=files, timeout=T)
    assert bad.status_code == 400 and 'role="alert"' in bad.text and "trực tuyến" in bad.text
    assert 'value="Đi làm"' in bad.text and 'value="0905123123"' in bad.text
    ok = citizen.post(f"{base}/nop-ho-so/{LLTP}", data={**fields, "payment_method": "online"}, files=files,
                      timeout=T)
    assert ok.status_code == 200 and "/ho-so/000.00.12.H47-" in ok.url
    assert 'data-testid="dossier-code"' in ok.text and "Mã hồ sơ: 000.00.12.H47-" in ok.text
    assert "Mới đăng ký" in ok.text and "Chưa thanh toán" in ok.text and ">Thanh toán trực tuyến</button>" in ok.text
    code = ok.url.rsplit("/", 1)[1]
    pay_form = citizen.post(f"{base}/ho-so/{code}/thanh-toan", data={"csrf_token": csrf}, allow_redirects=False,
                            timeout=T)
    assert pay_form.status_code == 303 and pay_form.headers["location"].startswith(f"{urls['payment']}/thanh-toan/")
    listing = citizen.get(f"{base}/ho-so", timeout=T).text
    assert code in listing
    lookup = requests.get(f"{base}/tra-cuu", params={"ma": code}, headers=dict(citizen.headers), timeout=T).text
    assert "Mới đăng ký" in lookup
    # the look-up's "Mã hồ sơ" names the code once (it read "Mã hồ sơ: Mã hồ sơ: …")
    assert f'<dt>Mã hồ sơ</dt><dd data-testid="dossier-code">{code}</dd>' in lookup and "Mã hồ sơ: " not in lookup
