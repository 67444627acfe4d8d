"""The reference portal (examples/reference_portal): its rules on the model, its callbacks over HTTP, and a
citizen's level-4 journey in a real browser against the emulated stack.

The portal sends no X-DVC-Namespace, so it lives in the emulators' default namespace: these tests reset
that namespace first and never ask for `dvc_namespace` (so the browser sends no namespace either).
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import requests

from examples.reference_portal import accounts, dossiers, payment
from examples.reference_portal.config import Config
from examples.reference_portal.pages import URL_VARIABLE, ReferencePortalPages, portal
from examples.reference_portal.server import PortalServer
from examples.reference_portal.store import Store
from harness.clients import Platform
from harness.clients.vneid import log_in as vneid_log_in
from harness.clients.vneid import vneid_link
from harness.control import Journal
from harness.testdata import DataFactory
from scenarios import journeys
from scenarios.portal import PostalAddress, ProvincialPortal, Submission

JUDICIAL_RECORD = dossiers.CATALOGUE["2.000488"]   # level 4, 200.000 đ, result by post
MARRIAGE = dossiers.CATALOGUE["1.000894"]          # level 3, free
PDF = journeys._pdf_minimal()


# -- the model ---------------------------------------------------------------------------------------------
@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "portal.db")


def claims(tech_id: str, number: str, name: str = "Nguyễn Văn An") -> dict[str, Any]:
    return {"sub": tech_id, "TechID": tech_id, "SoDinhDanh": number, "HoVaTen": name, "ThuDienTu": "an@example.vn",
            "SoDienThoai": "0905123456"}


def new_account(store: Store, number: str = "049095000123") -> int:
    account_id, _ = accounts.link(store, claims(f"tech-{number}", number))
    return account_id


def test_sso_log_ins_link_by_techid_then_id_number_else_create(store: Store) -> None:
    with store.tx() as db:  # an account the province made at the counter, never logged in through SSO
        local = db.execute("INSERT INTO accounts (id_number, full_name) VALUES ('049095000123', 'An')").lastrowid
    assert accounts.link(store, claims("T-1", "049095000123")) == (local, "id_number")
    assert accounts.link(store, claims("T-1", "049095000123")) == (local, "techid")
    other, rule = accounts.link(store, claims("T-2", "049095000999"))
    assert rule == "created" and other != local
    assert store.one("SELECT full_name FROM accounts WHERE id = ?", local) == {"full_name": "Nguyễn Văn An"}


@pytest.mark.parametrize(("proc", "delivery", "method", "file", "code"), [
    (JUDICIAL_RECORD, "post", "counter", PDF, "POSTAL_NEEDS_ONLINE_PAYMENT"),
    (MARRIAGE, "online", None, PDF, "ONLINE_RESULT_NOT_OFFERED"),
    (MARRIAGE, "post", None, PDF, "POSTAL_RETURN_NOT_OFFERED"),
    (JUDICIAL_RECORD, "counter", None, "Đây là văn bản".encode(), "BAD_ATTACHMENT"),
    (JUDICIAL_RECORD, "counter", None, b"", "ATTACHMENT_REQUIRED"),
    (JUDICIAL_RECORD, "drone", None, PDF, "BAD_RESULT_DELIVERY"),
])
def test_submission_rules_refuse(proc: dossiers.Procedure, delivery: str, method: str | None, file: bytes,
                                 code: str) -> None:
    form = {name: "x" for name, _ in proc.fields}
    address = {"name": "An", "phone": "0905123456", "address": "12 Phan Bội Châu", "province": "Quảng Nam",
               "district": "Thành phố Tam Kỳ", "commune": "Phường Tân Thạnh"}
    with pytest.raises(dossiers.Refused) as refused:
        dossiers.check_submission(proc, form, "ghi-chu.pdf", file, delivery, method, address)
    assert refused.value.code == code and refused.value.vi and refused.value.en
    if code == "BAD_ATTACHMENT":
        assert "ghi-chu.pdf" in refused.value.vi


def test_fees_default_to_online_at_level_4_and_to_none_when_free() -> None:
    assert dossiers.check_submission(JUDICIAL_RECORD, {"muc_dich": "x"}, "a.pdf", PDF, "counter", None, None) \
        == "online"
    form = {name: "x" for name, _ in MARRIAGE.fields}
    assert dossiers.check_submission(MARRIAGE, form, "a.pdf", PDF, "counter", None, None) == "none"


def test_dossier_codes_count_per_agency_per_day_and_each_is_pushed(store: Store) -> None:
    account = new_account(store)
    codes = [dossiers.submit(store, account, JUDICIAL_RECORD, {"muc_dich": "x"}, "a.pdf", PDF, "counter", None, None)
             for _ in range(2)]
    codes.append(dossiers.submit(store, account, MARRIAGE, {n: "x" for n, _ in MARRIAGE.fields}, "a.pdf", PDF,
                                 "counter", None, None))
    day = dossiers.now().strftime("%y%m%d")
    assert codes == [f"000.00.12.H47-{day}-0001", f"000.00.12.H47-{day}-0002", f"001.20.30.H47-{day}-0001"]
    pushes = [json.loads(m["payload"]) for m in store.all("SELECT payload FROM outbox ORDER BY id")]
    assert [(p["service"], p["isUpdating"], p["data"][0]["MaHoSo"]) for p in pushes] == [
        ("DongBoHoSoMC", False, code) for code in codes]
    assert pushes[0]["madonvi"] == "000.00.12.H47" and pushes[0]["data"][0]["MaTTHC"] == "2.000488"


def test_a_two_level_postal_address_is_taken_and_the_commune_is_required() -> None:
    """From 1 July 2025 an address has two levels: province and commune, ward or special zone (no district)."""
    two_levels = {"name": "An", "phone": "0905123456", "address": "12 Bạch Đằng", "province": "Thành phố Đà Nẵng",
                  "district": "", "commune": "Phường Hải Châu"}
    assert dossiers.check_submission(JUDICIAL_RECORD, {"muc_dich": "x"}, "a.pdf", PDF, "post", "online",
                                     two_levels) == "online"
    with pytest.raises(dossiers.Refused) as refused:
        dossiers.check_submission(JUDICIAL_RECORD, {"muc_dich": "x"}, "a.pdf", PDF, "post", "online",
                                  {**two_levels, "commune": ""})
    assert refused.value.code == "POSTAL_ADDRESS_REQUIRED" and "commune" in refused.value.en


def test_a_payment_confirmed_twice_pays_once_and_releases_a_held_result(store: Store) -> None:
    account = new_account(store)
    address = {"name": "An", "phone": "0905123456", "address": "12 Phan Bội Châu", "province": "Quảng Nam",
               "district": "Thành phố Tam Kỳ", "commune": "Phường Tân Thạnh"}
    code = dossiers.submit(store, account, JUDICIAL_RECORD, {"muc_dich": "x"}, "a.pdf", PDF, "post", "online", address)
    dossiers.result_ready(store, code)
    assert store.one("SELECT status FROM dossiers WHERE code = ?", code) == {"status": 6}  # held: fee unpaid
    dossiers.payment_started(store, code, f"{code}-1", 200_000, "http://pay.test/x")
    assert dossiers.apply_payment(store, f"{code}-1", "paid", "PG1", "VCB") is True
    assert dossiers.apply_payment(store, f"{code}-1", "paid", "PG1", "VCB") is False
    assert dossiers.apply_payment(store, f"{code}-1", "failed") is False  # final stays final
    assert store.one("SELECT status, paid FROM dossiers WHERE code = ?", code) == {"status": 9, "paid": 1}
    notes = [h["note"] for h in store.all("SELECT note FROM history WHERE code = ?", code)]
    assert sum("Đã thanh toán" in n for n in notes) == 1
    assert [m["kind"] for m in store.all("SELECT kind FROM outbox WHERE key = ?", f"postal:{code}")] == ["postal"]


def test_signatures_follow_the_documented_field_order() -> None:
    message = {"LoaiBanTin": "QUERY", "PhienBan": "1.0.6", "MaDoiTac": "P", "MaThamChieu": "R", "ThoiGianGD": "T"}
    assert payment.signature(message, payment.QUERY_FIELDS, "S") == hashlib.sha256(b"QUERY|1.0.6|P|R|T|S").hexdigest()
    assert payment.signed_by_partner({**message, "MaXacThuc": payment.signature(message, payment.QUERY_FIELDS, "S")},
                                     payment.QUERY_FIELDS, "S")
    assert not payment.signed_by_partner({**message, "MaXacThuc": "0" * 64}, payment.QUERY_FIELDS, "S")


def test_the_pages_implement_the_provincial_interface(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(URL_VARIABLE, "http://portal.test")
    portals = portal(mock.Mock(), {"national": "http://n.test", "payment": "http://p.test", "postal": "http://o.test"})
    assert isinstance(portals.provincial, ReferencePortalPages)
    assert isinstance(portals.provincial, ProvincialPortal)
    monkeypatch.delenv(URL_VARIABLE)
    with pytest.raises(RuntimeError, match=URL_VARIABLE):
        portal(mock.Mock(), {})


# -- over HTTP, against the emulated stack -----------------------------------------------------------------
@pytest.fixture(scope="module")
def default_platform(dvc_stack: Any) -> Platform:
    platform = Platform.connect(dvc_stack.info, namespace="default")
    platform.reset()
    return platform


@pytest.fixture(scope="module")
def reference_portal(dvc_stack: Any, default_platform: Platform, tmp_path_factory: pytest.TempPathFactory
                     ) -> Iterator[PortalServer]:
    info = dvc_stack.info
    config = Config(national=info.url("national"), payment=info.url("payment"), postal=info.url("postal"), port=0,
                    database=tmp_path_factory.mktemp("refportal") / "portal.db", admin_token=info.admin_token)
    server = PortalServer.start(config)
    try:
        yield server
    finally:
        server.stop()


def test_callbacks_refuse_forged_or_foreign_messages(reference_portal: PortalServer) -> None:
    url, config = reference_portal.url, reference_portal.config
    confirm = journeys.forged_confirmation("NO-SUCH-REF", 200_000, config.partner_code)
    answer = requests.post(f"{url}/api/payment/confirm", json=confirm, timeout=10)
    assert answer.status_code == 401 and answer.json()["MaLoi"] == "01"
    assert answer.json()["error"]["message_vi"] and answer.json()["error"]["message_en"]
    signed = journeys.forged_confirmation("NO-SUCH-REF", 200_000, config.partner_code, secret=config.partner_secret)
    answer = requests.post(f"{url}/api/payment/confirm", json=signed, timeout=10)
    assert answer.status_code == 404 and answer.json()["MaLoi"] == "05"
    answer = requests.post(f"{url}/api/payment/confirm", data=b"not json", timeout=10)
    assert answer.status_code == 400 and answer.json()["MaLoi"] == "03"
    event = {"ItemCode": "EB100000017VN", "OrderNumber": "X", "CustomerCode": config.postal_customer,
             "Status": "created"}
    answer = requests.post(f"{url}/api/postal/events", json=event, headers={"access_token": "wrong"}, timeout=10)
    assert answer.status_code == 401 and answer.json()["Status"] == "102"
    answer = requests.post(f"{url}/api/postal/events", json=event, headers={"access_token": config.postal_token},
                           timeout=10)
    assert answer.status_code == 404 and answer.json()["Status"] == "104"
    assert requests.post(f"{url}/_admin/dossiers/X/result-ready", timeout=10).status_code == 401
    back = requests.get(f"{url}/thanh-toan/ket-qua", params={"MaThamChieu": "X", "MaLoi": "00", "TrangThaiGD": "1",
                                                             "MaXacThuc": "0" * 64}, timeout=10)
    assert back.status_code == 400 and "MaXacThuc" in back.text
    # Pages answer a clear 4xx to what does not exist or needs a log-in, never a 500.
    assert requests.get(f"{url}/thu-tuc/9.999999", timeout=10).status_code == 404
    assert requests.get(f"{url}/tra-cuu", params={"ma": "000.00.12.H47-240101-9999"}, timeout=10).status_code == 404
    assert requests.post(f"{url}/nop-ho-so/2.000488", data={"f_muc_dich": "x"}, timeout=10).status_code == 401
    assert requests.get(f"{url}/auth/callback", params={"state": "forged", "code": "x"}, timeout=10).status_code == 400


def test_credentials_and_dossiers_survive_a_restart(tmp_path: Path) -> None:
    """No emulators needed: without an admin token nothing is registered (the outbox just keeps retrying)."""
    config = Config(national="http://127.0.0.1:9", payment="http://127.0.0.1:9", postal="http://127.0.0.1:9",
                    port=0, database=tmp_path / "portal.db")
    first = PortalServer.start(config)
    try:
        store = first.app.state.portal.store
        code = dossiers.submit(store, new_account(store), JUDICIAL_RECORD, {"muc_dich": "x"}, "a.pdf", PDF,
                               "counter", None, None)
        secrets_before = (config.client_secret, config.partner_secret, config.postal_token, config.sync_password)
    finally:
        first.stop()
    again = Config(national=config.national, payment=config.payment, postal=config.postal, port=0,
                   database=config.database)
    second = PortalServer.start(again)
    try:
        assert (again.client_secret, again.partner_secret, again.postal_token, again.sync_password) == secrets_before
        shown = requests.get(f"{second.url}/tra-cuu", params={"ma": code}, timeout=10)
        assert shown.status_code == 200 and "Mới đăng ký" in shown.text
    finally:
        second.stop()


def test_a_namespace_is_sent_only_when_configured() -> None:
    base = {"national": "http://n", "payment": "http://p", "postal": "http://o"}
    assert Config(**base).outgoing_headers == {}
    assert Config(**base, namespace="refportal").outgoing_headers == {"X-DVC-Namespace": "refportal"}


def test_a_level_4_dossier_paid_online_and_returned_by_post(
        reference_portal: PortalServer, default_platform: Platform, dvc_stack: Any, page: Any,
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """SSO log-in, submission with a postal return, payment at the checkout, result by post, delivered —
    in a browser, with what the emulators received checked on their admin surface."""
    platform, url = default_platform, reference_portal.url
    admin = {"X-Admin-Token": dvc_stack.info.admin_token}
    data = DataFactory(seed=random.randrange(1, 2**31), scope="refportal", two_levels=True)    # today's world
    citizen = platform.ready_account(data.citizen())       # a VNeID identity: DVCQG makes the account at log-in
    monkeypatch.setenv(URL_VARIABLE, url)
    portals = portal(page, dvc_stack.urls)
    files = journeys.make_sample_files(tmp_path / "files")

    journeys.log_in_provincial(portals, citizen, app=platform.vneid)
    logins = requests.get(f"{url}/_admin/logins", headers=admin, timeout=10).json()["items"]
    assert [(x["rule"], x["id_number"]) for x in logins][-1] == ("created", citizen["id_number"])

    address = PostalAddress.from_mapping(data.postal_address(citizen))       # two levels: province and commune
    procedure = journeys.ProcedurePick(
        code=JUDICIAL_RECORD.code, national_code=JUDICIAL_RECORD.code, name=JUDICIAL_RECORD.name, level=4,
        tier="province", agency_code=JUDICIAL_RECORD.agency.code, agency_name=JUDICIAL_RECORD.agency.name,
        fee=JUDICIAL_RECORD.fee, result_by_post=True)
    code = journeys.submit_dossier(portals, platform, procedure, Submission(
        files=files.good, result_delivery="post", payment="online", postal_address=address))
    journeys.pay_online(portals, code, JUDICIAL_RECORD.fee)

    ready = requests.post(f"{url}/_admin/dossiers/{code}/result-ready", headers=admin, timeout=10)
    assert ready.status_code == 200 and ready.json()["status"] == 9
    view = portals.provincial.wait_for_dossier(code, status=journeys.DONE, waybill=True, timeout=10)
    portals.provincial.open_tracking()
    assert portals.postal.shown().waybill == view.waybill
    platform.postal.deliver(view.waybill)
    view = portals.provincial.wait_for_dossier(code, status=journeys.RETURNED, timeout=10)
    assert view.status_code == 10 and view.postal_state == "Đã phát thành công"
    journeys.track_dossier(portals, code, journeys.RETURNED)

    # What the emulators saw: the dossier synced, the payment confirmed to us, the postal order.
    journal = Journal(dvc_stack.info, "default")
    synced = journal.entries("national", direction="in", correlation_id=code, url_contains="/sync/service")
    assert any("service=DongBoHoSoMC" in e["correlation_ids"] for e in synced), synced
    assert any("service=CapNhatTienDoHoSoMC" in e["correlation_ids"] for e in synced)
    assert all(e["status"] == 200 for e in synced)
    paid = [t for t in platform.payment.transactions() if (t.get("receipt_info") or {}).get("MaHoSo") == code]
    assert [(t["partner_code"], t["status"]) for t in paid] == [(reference_portal.config.partner_code, 1)]
    assert [c["status"] for c in paid[0]["confirmations"]] == ["delivered"]
    orders = platform.postal.orders(code)
    assert [(o["customer_code"], o["item_code"]) for o in orders] == [
        (reference_portal.config.postal_customer, view.waybill)]
    deadline = time.monotonic() + 10  # the last push goes out just after the webhook is answered
    while platform.national.lookup(code)["status"] != 10 and time.monotonic() < deadline:
        time.sleep(0.2)
    assert platform.national.lookup(code)["status_name"] == journeys.RETURNED


def test_a_portal_started_with_a_namespace_works_in_it(dvc_stack: Any, tmp_path: Path) -> None:
    """What a pinned namespace needs: the browser (here a requests session) and the portal send the same one."""
    info, namespace = dvc_stack.info, f"refportal-{random.randrange(10**9)}"
    platform = Platform.connect(info, namespace=namespace)
    citizen = platform.ready_account(DataFactory(seed=random.randrange(1, 2**31), scope="refportal-ns").citizen())
    config = Config(national=info.url("national"), payment=info.url("payment"), postal=info.url("postal"), port=0,
                    database=tmp_path / "portal.db", admin_token=info.admin_token, namespace=namespace)
    server = PortalServer.start(config)
    try:
        browser = requests.Session()
        browser.headers["X-DVC-Namespace"] = namespace
        # DVCQG's log-in page, where the portal's SSO sends the browser: "Đăng nhập bằng tài khoản định danh điện tử
        # VNeID", approved in the app (today's world)
        sso = browser.get(f"{server.url}/dang-nhap?next=/ho-so", timeout=10)
        vneid_log_in(browser, vneid_link(sso), citizen["id_number"], citizen["password"], platform.vneid)
        # A new database numbers from 0001; the marriage's agency is one no other test pushes for in "default".
        expected = f"{MARRIAGE.agency.code}-{dossiers.now().strftime('%y%m%d')}-0001"
        in_default = Journal(info, "default").count("national", direction="in", correlation_id=expected)
        sent = browser.post(f"{server.url}/nop-ho-so/{MARRIAGE.code}", timeout=10,
                            data={f"f_{name}": "Trần Thị Bình" for name, _ in MARRIAGE.fields},
                            files={"file": ("to-khai.pdf", PDF, "application/pdf")}, allow_redirects=False)
        assert sent.status_code == 303, sent.text[:300]
        code = sent.headers["location"].rsplit("/", 1)[1]
        deadline = time.monotonic() + 10
        while Journal(info, namespace).count("national", direction="in", correlation_id=code) == 0:
            assert time.monotonic() < deadline, "no sync push reached the portal's namespace"
            time.sleep(0.2)
        assert platform.national.lookup(code)["status"] == 1
        assert code == expected
        assert Journal(info, "default").count("national", direction="in", correlation_id=code) == in_default
    finally:
        server.stop()
        platform.reset()


def test_the_back_office_hooks_and_the_json_catalogue(reference_portal: PortalServer) -> None:
    """What the harness's seam uses: the catalogue as JSON, local accounts made at the counter, refusals."""
    from examples.reference_portal.hooks import ReferenceBackOffice

    url, token = reference_portal.url, reference_portal.config.admin_token
    hooks = ReferenceBackOffice(url, token)
    kinds = {(p["code"], p["level"], p["tier"], p["fee"]["amount"] > 0) for p in hooks.catalogue()}
    assert kinds == {("2.000488", 4, "province", True), ("2.000635", 3, "province", True),
                     ("1.000894", 3, "commune", False)}
    assert requests.get(f"{url}/api/thu-tuc", params={"tier": "commune"}, timeout=10).json()["total"] == 1
    made = hooks.create_local_account("Trần Thị Bình", "049195000777")
    assert [a["id"] for a in hooks.local_accounts() if a["id_number"] == "049195000777"] == [made["id"]]
    assert hooks.dossier("000.00.12.H47-240101-0001") is None
    refused = requests.post(f"{url}/_admin/accounts", json={"full_name": ""}, headers={"X-Admin-Token": token},
                            timeout=10)
    assert refused.status_code == 400 and refused.json()["error"]["message_vi"]
    assert requests.get(f"{url}/_admin/accounts", timeout=10).status_code == 401
