"""The emulators' pages on a phone (390 × 844): no sideways scrolling, the officer's "Đăng xuất" in view,
radio buttons beside their labels, and every form's errors tied to their fields for assistive technology
(the dossier form, the national registration, one-time code and log-in, the officers' log-in, intake and
action forms, the payment checkout).

One browser context serves the whole module; each test picks who is logged in by its cookies. The data is
real: a citizen with a dossier paid online and sent back by post, another awaiting payment, an officer.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest

from harness.clients import ClientError, Platform, sample_form
from harness.control import Clock
from harness.pytest_plugin import NAMESPACE_HEADER
from harness.testdata import DataFactory
from mocks.core.world import SEED_DAY, parse_as_of
from scenarios.journeys import pick_procedure
from tests.scenarios.phone import PHONE, overflow

WAIT_SECONDS = 15


@dataclass
class Site:
    """What the pages are about, and the cookies of the people who look at them."""

    namespace: str
    urls: dict[str, str]
    procedure: dict[str, Any]
    citizen: dict[str, Any]
    code: str                 # paid online, result sent by post
    unpaid_code: str
    checkout: str             # the path of the unpaid dossier's checkout page
    reference: str            # the paid transaction's reference
    transaction_id: str
    waybill: str
    cookies: dict[str, dict[str, str]]  # identity -> cookie name -> value


def _until(what: str, probe: Callable[[], Any]) -> Any:
    """Poll `probe` until it answers something truthy (the services talk to each other in the background)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"gave up waiting for {what}")


def _build_site(dvc_stack: Any, namespace: str) -> Site:
    # the pages of the 2022 world (DVCQG's registration, one-time code and password log-in): its date pinned
    Clock(dvc_stack.info, namespace).run_from(parse_as_of(SEED_DAY.isoformat()).isoformat())
    platform = Platform.connect(dvc_stack.info, namespace=namespace)
    data = DataFactory(seed=390, scope="mobile")
    citizen = data.citizen()
    citizen["username"] = platform.national.register_active(citizen)["username"]
    platform.provincial.login_sso(citizen["username"], citizen["password"])
    pick = pick_procedure(platform, level=4, fee=True, by_post=True, fee_timing="before")
    procedure = platform.provincial.offering(pick.code, pick.agency_code)

    posted = platform.provincial.submit(pick.code, agency_code=pick.agency_code, result_delivery="post",
                                        payment_method="online", postal_address=data.postal_address(citizen))
    code = posted["code"]
    platform.provincial.result_ready(code)
    paid = platform.payment.checkout(platform.provincial.start_payment(code)["payment_url"])

    def waybill() -> str:
        order = platform.provincial.dossier(code).get("postal_order") or {}
        return order.get("waybill") or ""

    item = _until("the postal order's waybill", waybill)
    platform.postal.advance(item)
    _until("the national look-up", lambda: _national_lookup(platform, code))
    transaction = platform.payment.transactions(paid["MaThamChieu"])[0]

    unpaid = platform.provincial.submit(pick.code, agency_code=pick.agency_code, result_delivery="online",
                                        payment_method="online")["code"]
    checkout = platform.provincial.start_payment(unpaid)["payment_url"]

    officer = platform.provincial.create_officer(data.officer(pick.agency_code, "desk"))
    opened = platform.provincial.call("POST", "/_admin/officer-sessions", admin=True,
                                      json={"username": officer["username"]}, expect=201)
    jar = platform.provincial.session.cookies
    cookies = {
        "anonymous": {},
        "citizen": {"tinh_session": jar.get("tinh_session")},
        "national": {"dvcqg_session": jar.get("dvcqg_session")},
        "officer": {opened["cookie"]: opened["value"]},
    }
    return Site(namespace=namespace, urls=dict(dvc_stack.urls), procedure=procedure, citizen=citizen, code=code,
                unpaid_code=unpaid, checkout=urlsplit(checkout).path, reference=paid["MaThamChieu"],
                transaction_id=transaction["transaction_id"], waybill=item, cookies=cookies)


def _national_lookup(platform: Platform, code: str) -> bool:
    try:
        return bool(platform.national.lookup(code))
    except ClientError:  # not pushed yet: the look-up answers 404
        return False


@pytest.fixture(scope="module")
def site(dvc_stack: Any) -> Site:
    return _build_site(dvc_stack, f"mobile-{uuid.uuid4().hex[:10]}")


@pytest.fixture(scope="module")
def phone(browser: Any, site: Site) -> Iterator[Any]:
    """One phone-sized page for the module, in the site's namespace."""
    context = browser.new_context(viewport=PHONE, locale="vi-VN")
    context.set_extra_http_headers({NAMESPACE_HEADER: site.namespace})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def open_as(page: Any, site: Site, who: str, service: str, path: str) -> Any:
    """Go to `path` of `service` with only `who`'s cookies (the services share the host's cookie jar)."""
    page.context.clear_cookies()
    host = urlsplit(site.urls["provincial"]).hostname
    page.context.add_cookies([{"name": k, "value": v, "domain": host, "path": "/"}
                              for k, v in site.cookies[who].items() if v])
    response = page.goto(site.urls[service] + path.format(site=site))
    assert response is not None and response.status < 500, f"{path}: HTTP {response and response.status}"
    return response


# (test id, who is looking, service, path: formatted with the site)
PAGES = [
    ("national-home", "anonymous", "national", "/"),
    ("national-register", "anonymous", "national", "/dang-ky"),
    ("national-register-agency", "anonymous", "national", "/dang-ky?loai=co-quan"),
    ("national-one-time-code", "anonymous", "national",
     "/dang-ky/xac-nhan?tai-khoan={site.citizen[username]}&da-gui=1"),
    ("national-login", "anonymous", "national", "/dang-nhap"),
    ("national-sso-authorize", "anonymous", "provincial", "/dang-nhap"),
    ("national-lookup", "anonymous", "national", "/tra-cuu?ma={site.code}"),
    ("national-account", "national", "national", "/tai-khoan"),
    ("provincial-home", "citizen", "provincial", "/"),
    ("provincial-catalogue", "citizen", "provincial", "/thu-tuc"),
    ("provincial-search", "citizen", "provincial", "/thu-tuc?q={site.procedure[name]}&tier=province"),
    ("provincial-procedure", "citizen", "provincial", "/thu-tuc/{site.procedure[code]}"),
    ("provincial-dossier-form", "citizen", "provincial",
     "/nop-ho-so/{site.procedure[code]}?agency={site.procedure[agency_code]}"),
    ("provincial-my-dossiers", "citizen", "provincial", "/ho-so"),
    ("provincial-dossier", "citizen", "provincial", "/ho-so/{site.code}"),
    ("provincial-unpaid-dossier", "citizen", "provincial", "/ho-so/{site.unpaid_code}"),
    ("provincial-payment-result", "citizen", "provincial", "/thanh-toan/ket-qua?MaThamChieu={site.reference}"),
    ("provincial-receipt-link", "citizen", "provincial", "/ho-so/{site.code}/bien-lai"),
    ("provincial-lookup", "anonymous", "provincial", "/tra-cuu?ma={site.code}"),
    ("provincial-lookup-not-found", "anonymous", "provincial", "/tra-cuu?ma=000.00.12.H47-991231-9999"),
    ("provincial-statistics", "anonymous", "provincial", "/thong-ke"),
    ("provincial-error-page", "citizen", "provincial", "/ho-so/000.00.12.H47-991231-9999"),
    ("officer-login", "anonymous", "provincial", "/can-bo/dang-nhap"),
    ("officer-list", "officer", "provincial", "/can-bo"),
    ("officer-dossier", "officer", "provincial", "/can-bo/ho-so/{site.code}"),
    ("officer-new-dossier", "officer", "provincial", "/can-bo/ho-so/{site.unpaid_code}"),
    ("officer-register", "officer", "provincial", "/can-bo/tiep-nhan?thu_tuc={site.procedure[code]}"),
    ("officer-statistics", "officer", "provincial", "/thong-ke"),
    ("payment-home", "anonymous", "payment", "/"),
    ("payment-checkout", "anonymous", "payment", "{site.checkout}"),
    ("payment-receipt", "anonymous", "payment", "/bien-lai/{site.transaction_id}"),
    ("postal-home", "anonymous", "postal", "/"),
    ("postal-tracking", "anonymous", "postal", "/tra-cuu?ma={site.waybill}"),
]


@pytest.mark.parametrize(("who", "service", "path"), [p[1:] for p in PAGES], ids=[p[0] for p in PAGES])
def test_the_page_fits_a_phone(phone: Any, site: Site, who: str, service: str, path: str) -> None:
    open_as(phone, site, who, service, path)
    found = overflow(phone)
    assert found["scroll"] <= found["inner"], (
        f"{phone.url} is {found['scroll']} px wide on a {found['inner']} px screen: {found['culprits']}")


# The columns a reader decides by: a table's first column, and these wherever they appear.
KEY_COLUMNS = {"Mã hồ sơ", "Trạng thái", "Hạn trả", "Tình trạng hạn", "Cấp", "Mức độ", "Tên thủ tục", "Thời gian",
               "Thời điểm", "Hạn xử lý", "Số tiền"}


def key_cells_off_screen(page: Any) -> dict[str, Any]:
    """Every table of the page, each body cell of a key column (by its column header) with its box: the cells
    that lie (even partly) outside the window, as the page first shows them (no box scrolled sideways)."""
    return page.evaluate("""(keys) => {
        const width = window.innerWidth, tables = [...document.querySelectorAll('main table')];
        const off = [], seen = [];
        for (const table of tables) {
            const heads = [...table.querySelectorAll(':scope > thead > tr > th')].map(h => h.textContent.trim());
            const rows = [...table.querySelectorAll(':scope > tbody > tr')];
            for (const row of rows) {
                [...row.children].forEach((cell, i) => {
                    const name = heads[i] || '';
                    if (i !== 0 && !keys.includes(name)) return;
                    const box = cell.getBoundingClientRect();
                    seen.push(name);
                    if (box.width === 0 || box.left < -0.5 || box.right > width + 0.5)
                        off.push(`${table.caption ? table.caption.textContent.trim() : 'table'} / ${name}: `
                                 + `${Math.round(box.left)}–${Math.round(box.right)} px`);
                });
            }
        }
        return {tables: tables.length, seen, off: off.slice(0, 8)};
    }""", sorted(KEY_COLUMNS))


TABLE_PAGES = [  # pages whose tables hold data in the site (the test fails if one has no table)
    ("national-lookup", "anonymous", "national", "/tra-cuu?ma={site.code}"),
    ("provincial-catalogue", "citizen", "provincial", "/thu-tuc"),
    ("provincial-search", "citizen", "provincial", "/thu-tuc?q={site.procedure[name]}&tier=province"),
    ("provincial-my-dossiers", "citizen", "provincial", "/ho-so"),
    ("provincial-dossier", "citizen", "provincial", "/ho-so/{site.code}"),
    ("provincial-statistics", "anonymous", "provincial", "/thong-ke"),
    ("officer-list", "officer", "provincial", "/can-bo"),
    ("officer-dossier", "officer", "provincial", "/can-bo/ho-so/{site.code}"),
    ("payment-checkout", "anonymous", "payment", "{site.checkout}"),
    ("payment-receipt", "anonymous", "payment", "/bien-lai/{site.transaction_id}"),
    ("postal-tracking", "anonymous", "postal", "/tra-cuu?ma={site.waybill}"),
]


@pytest.mark.parametrize(("who", "service", "path"), [p[1:] for p in TABLE_PAGES], ids=[p[0] for p in TABLE_PAGES])
def test_the_key_columns_of_every_table_are_on_screen(phone: Any, site: Site, who: str, service: str,
                                                      path: str) -> None:
    open_as(phone, site, who, service, path)
    found = key_cells_off_screen(phone)
    assert found["tables"] and found["seen"], f"{phone.url}: no table with data to check"
    assert not found["off"], f"{phone.url}: key cells off a {PHONE['width']} px screen: {found['off']}"


def test_a_record_table_names_each_value_on_a_phone(phone: Any, site: Site) -> None:
    """A table shown as cards keeps its column names beside the values, and the procedure's name gets the
    card's width, not a squeezed column."""
    open_as(phone, site, "citizen", "provincial", "/thu-tuc")
    card = phone.locator("table.cards > tbody > tr").first
    shown = card.locator("td").evaluate_all(
        "cells => cells.map(c => [c.innerText, getComputedStyle(c, '::before').content.replaceAll('\"', '')])")
    # the code and the field say their column's name; the name heads the card; tier and level name themselves
    assert [label for _, label in shown] == ["Mã thủ tục", "none", "Lĩnh vực", "none", "none"], shown
    assert shown[3][0].startswith("Cấp ") and shown[4][0].startswith("Mức độ "), shown
    name = card.get_by_role("link").first.bounding_box()
    assert name is not None and name["width"] >= PHONE["width"] / 2, f"the name is {name} on a phone"
    wide = phone.context.new_page()   # on a desktop the same table keeps its columns
    try:
        wide.set_viewport_size({"width": 1280, "height": 900})
        wide.goto(phone.url)
        heads = wide.locator("table.cards > thead th")
        assert heads.first.is_visible() and heads.count() == 5
        cells = wide.locator("table.cards > tbody > tr").first.locator("td")
        tops = {round(cells.nth(i).bounding_box()["y"]) for i in range(cells.count())}
        assert len(tops) == 1, f"the desktop row's cells are not on one line: {tops}"
    finally:
        wide.close()


def test_the_statistics_charts_are_readable_on_a_phone(phone: Any, site: Site) -> None:
    open_as(phone, site, "anonymous", "provincial", "/thong-ke")
    sizes = phone.evaluate("""() => [...document.querySelectorAll('svg.chart text')].map(t => {
        const box = t.getBoundingClientRect(), svg = t.ownerSVGElement.getBoundingClientRect();
        return {text: t.textContent, height: box.height,
                inside: box.left >= svg.left - 0.5 && box.right <= svg.right + 0.5};
    })""")
    assert sizes, "no chart labels"
    small = [s for s in sizes if s["height"] < 12]
    assert not small, f"chart labels under 12 px high on a phone: {small}"
    assert all(s["inside"] for s in sizes), [s for s in sizes if not s["inside"]]


def test_the_officer_sees_log_out(phone: Any, site: Site) -> None:
    open_as(phone, site, "officer", "provincial", "/can-bo")
    link = phone.get_by_role("navigation", name="Điều hướng cán bộ").get_by_role("link", name="Đăng xuất")
    box = link.bounding_box()
    assert box is not None, "no box for Đăng xuất"
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], f"Đăng xuất sticks out: {box}"
    # Nothing covers it or clips it: the link itself is what a tap at its centre reaches.
    hit = phone.evaluate("([x, y]) => document.elementFromPoint(x, y)?.closest('a')?.textContent?.trim()",
                         [box["x"] + box["width"] / 2, box["y"] + box["height"] / 2])
    assert hit == "Đăng xuất"


def _radios_beside_labels(page: Any) -> list[dict[str, Any]]:
    """Every radio button of the page with its label's box: [{id, radio, label}]."""
    return page.evaluate("""() => [...document.querySelectorAll('input[type=radio]')].map(r => {
        const label = document.querySelector(`label[for="${r.id}"]`);
        const box = e => { const b = e.getBoundingClientRect(); return {x: b.x, y: b.y, w: b.width, h: b.height}; };
        return {id: r.id, radio: box(r), label: label ? box(label) : null};
    })""")


@pytest.mark.parametrize(("who", "service", "path"), [
    ("citizen", "provincial", "/nop-ho-so/{site.procedure[code]}?agency={site.procedure[agency_code]}"),
    ("citizen", "provincial", "/ho-so/{site.code}"),  # the satisfaction rating of a finished dossier
    ("officer", "provincial", "/can-bo/tiep-nhan?thu_tuc={site.procedure[code]}"),
    ("anonymous", "payment", "{site.checkout}"),
], ids=["dossier-form", "dossier-rating", "officer-register", "payment-checkout"])
def test_radio_buttons_sit_beside_their_labels(phone: Any, site: Site, who: str, service: str, path: str) -> None:
    open_as(phone, site, who, service, path)
    radios = _radios_beside_labels(phone)
    assert radios, "the page has no radio buttons"
    for r in radios:
        radio, label = r["radio"], r["label"]
        assert label is not None, f"radio {r['id']} has no label"
        assert radio["y"] < label["y"] + label["h"] and label["y"] < radio["y"] + radio["h"], (
            f"radio {r['id']} at y={radio['y']:.0f} is not on its label's line (y={label['y']:.0f})")
        assert label["x"] >= radio["x"] + radio["w"] - 1, f"the label of {r['id']} is not after its radio"
        assert radio["w"] < 40, f"radio {r['id']} is {radio['w']:.0f} px wide"


def _error_of(page: Any, control: Any) -> str:
    """The text of the element `control`'s aria-describedby names that holds its error."""
    ids = (control.get_attribute("aria-describedby") or "").split()
    assert ids, f"{control} has no aria-describedby"
    return " ".join(page.locator(f"[id='{i}']").inner_text() for i in ids)


def test_a_missing_required_field_is_marked_invalid(phone: Any, site: Site) -> None:
    open_as(phone, site, "citizen", "provincial",
            "/nop-ho-so/{site.procedure[code]}?agency={site.procedure[agency_code]}")
    fields = site.procedure["form_fields"]
    required = [f for f in fields if f.get("required")]
    assert required, "the procedure's form has no required field"
    left_out = required[0]
    values = sample_form(site.procedure)
    form = phone.get_by_role("form", name="Tờ khai nộp hồ sơ")
    for f in fields:
        if f["name"] == left_out["name"]:
            continue
        control = form.locator(f"[id='f_{f['name']}']")
        if f["type"] == "select":
            control.select_option(str(values[f["name"]]))
        else:
            control.fill(str(values[f["name"]]))
    form.get_by_role("button", name="Nộp hồ sơ", exact=True).click()
    phone.wait_for_load_state()

    summary = phone.get_by_test_id("submit-error")
    assert left_out["label"] in summary.inner_text()
    missing = form.locator(f"[id='f_{left_out['name']}']")
    assert missing.get_attribute("aria-invalid") == "true"
    assert "bắt buộc nhập" in _error_of(phone, missing)
    for f in fields:
        if f["name"] != left_out["name"]:
            assert form.locator(f"[id='f_{f['name']}']").get_attribute("aria-invalid") is None, f["name"]
    found = overflow(phone)
    assert found["scroll"] <= found["inner"], f"the refused form is {found['scroll']} px wide: {found['culprits']}"


def test_missing_documents_are_marked_on_their_file_fields(phone: Any, site: Site) -> None:
    open_as(phone, site, "citizen", "provincial",
            "/nop-ho-so/{site.procedure[code]}?agency={site.procedure[agency_code]}")
    values = sample_form(site.procedure)
    form = phone.get_by_role("form", name="Tờ khai nộp hồ sơ")
    for f in site.procedure["form_fields"]:
        control = form.locator(f"[id='f_{f['name']}']")
        if f["type"] == "select":
            control.select_option(str(values[f["name"]]))
        else:
            control.fill(str(values[f["name"]]))
    form.get_by_role("button", name="Nộp hồ sơ", exact=True).click()
    phone.wait_for_load_state()

    for a in site.procedure["attachments"]:
        control = form.locator(f"[id='file_{a['code']}']")
        if a.get("required"):
            assert control.get_attribute("aria-invalid") == "true", a["code"]
            assert a["name"] in _error_of(phone, control) or "bắt buộc" in _error_of(phone, control)
        else:
            assert control.get_attribute("aria-invalid") is None, a["code"]


# -- the other forms: each refused form marks the field in error, and still fits the phone ----------------------
def _marked(page: Any, control: Any, words: str) -> None:
    """`control` is marked invalid and described by an element that says `words`; the page fits the phone."""
    assert control.get_attribute("aria-invalid") == "true", control
    assert words in _error_of(page, control), _error_of(page, control)
    found = overflow(page)
    assert found["scroll"] <= found["inner"], f"the refused form is {found['scroll']} px wide: {found['culprits']}"


def _submit(page: Any, form: Any, button: str) -> None:
    form.get_by_role("button", name=button, exact=True).click()
    page.wait_for_load_state()


def test_the_national_registration_marks_a_mistyped_password_confirmation(phone: Any, site: Site) -> None:
    person = DataFactory(seed=391, scope="mobile-forms").citizen()
    open_as(phone, site, "anonymous", "national", "/dang-ky")
    form = phone.locator("form[action='/dang-ky']")
    for control in ("id_number", "full_name", "phone", "email", "password"):
        form.locator(f"[id='{control}']").fill(person[control])
    form.locator("[id='password_confirm']").fill(person["password"] + "9")
    _submit(phone, form, "Đăng ký")
    _marked(phone, form.locator("[id='password_confirm']"), "Mật khẩu nhập lại không khớp")
    assert form.locator("[id='id_number']").get_attribute("aria-invalid") is None
    password = form.locator("[id='password']")  # not in error: still described by its hint alone
    assert password.get_attribute("aria-invalid") is None and password.get_attribute("aria-describedby") == \
        "password-hint"


def test_the_national_registration_marks_a_wrong_id_number(phone: Any, site: Site) -> None:
    person = DataFactory(seed=392, scope="mobile-forms").citizen()
    open_as(phone, site, "anonymous", "national", "/dang-ky")
    form = phone.locator("form[action='/dang-ky']")
    for control in ("full_name", "phone", "email", "password"):
        form.locator(f"[id='{control}']").fill(person[control])
    form.locator("[id='id_number']").fill("12345")
    form.locator("[id='password_confirm']").fill(person["password"])
    _submit(phone, form, "Đăng ký")
    id_number = form.locator("[id='id_number']")
    _marked(phone, id_number, "phải gồm đúng 12 chữ số")
    assert phone.get_by_role("main").get_by_role("alert").get_by_role("link").get_attribute("href") == "#id_number"


def test_the_one_time_code_form_marks_a_malformed_code(phone: Any, site: Site) -> None:
    open_as(phone, site, "anonymous", "national", "/dang-ky/xac-nhan?tai-khoan={site.citizen[username]}")
    form = phone.get_by_role("form", name="Xác nhận mã")
    form.get_by_label("Mã xác thực (OTP)").fill("12ab")
    _submit(phone, form, "Xác nhận")
    _marked(phone, form.get_by_label("Mã xác thực (OTP)"), "Mã xác thực gồm 6 chữ số")
    assert form.get_by_label("Tên đăng nhập").get_attribute("aria-invalid") is None


def test_the_national_log_in_marks_the_password(phone: Any, site: Site) -> None:
    open_as(phone, site, "anonymous", "national", "/dang-nhap")
    form = phone.get_by_role("form", name="Đăng nhập")
    form.get_by_label("Tên đăng nhập").fill(f"khong-co-{uuid.uuid4().hex[:8]}")
    form.get_by_label("Mật khẩu").fill("Sai123456")
    _submit(phone, form, "Đăng nhập")
    _marked(phone, form.get_by_label("Mật khẩu"), "Tên đăng nhập hoặc mật khẩu không đúng")
    username = form.get_by_label("Tên đăng nhập")  # keeps its hint
    assert username.get_attribute("aria-invalid") is None and "username-hint" in username.get_attribute(
        "aria-describedby")


def test_the_officer_log_in_marks_the_password(phone: Any, site: Site) -> None:
    open_as(phone, site, "anonymous", "provincial", "/can-bo/dang-nhap")
    form = phone.get_by_role("form", name="Đăng nhập cán bộ")
    form.get_by_label("Tên đăng nhập").fill(f"khong.co.{uuid.uuid4().hex[:8]}")
    form.get_by_label("Mật khẩu").fill("sai-mat-khau")
    _submit(phone, form, "Đăng nhập")
    _marked(phone, form.get_by_label("Mật khẩu"), "Sai tên đăng nhập hoặc mật khẩu")


def test_the_officer_intake_marks_the_missing_applicant_fields(phone: Any, site: Site) -> None:
    open_as(phone, site, "officer", "provincial", "/can-bo/tiep-nhan?thu_tuc={site.procedure[code]}")
    form = phone.get_by_role("form", name="Phiếu tiếp nhận hồ sơ")
    _submit(phone, form, "Tiếp nhận hồ sơ")
    _marked(phone, form.get_by_label("Họ tên người nộp (hoặc tên tổ chức)"), "bắt buộc")
    _marked(phone, form.get_by_label("Số định danh cá nhân, mã số thuế hoặc mã cơ quan"), "bắt buộc")
    assert form.get_by_label("Số điện thoại người nộp").get_attribute("aria-invalid") is None
    links = phone.get_by_test_id("register-problems").get_by_role("link")
    assert [links.nth(i).get_attribute("href") for i in range(links.count())] == [
        "#applicant_name", "#applicant_id_number"]


def test_the_officer_intake_marks_the_postal_address(phone: Any, site: Site) -> None:
    open_as(phone, site, "officer", "provincial", "/can-bo/tiep-nhan?thu_tuc={site.procedure[code]}")
    form = phone.get_by_role("form", name="Phiếu tiếp nhận hồ sơ")
    kinds = form.locator("[id='applicant_type'] option").evaluate_all("options => options.map(o => o.value)")
    kind = "1" if "1" in kinds else kinds[0]
    data = DataFactory(seed=393, scope="mobile-forms")
    form.locator("[id='applicant_type']").select_option(kind)
    form.get_by_label("Họ tên người nộp (hoặc tên tổ chức)").fill(site.citizen["full_name"])
    form.get_by_label("Số định danh cá nhân, mã số thuế hoặc mã cơ quan").fill(
        site.citizen["id_number"] if kind == "1" else data.business()["tax_code"])
    for a in site.procedure["attachments"]:
        form.locator(f"[id='doc-{a['code']}']").check()
    form.locator("[id='delivery-post']").check()
    _submit(phone, form, "Tiếp nhận hồ sơ")  # no address for the post: refused, nothing registered
    _marked(phone, form.get_by_label("Họ tên người nhận"), "Thiếu")
    _marked(phone, form.get_by_label("Địa chỉ nhận", exact=True), "Thiếu")
    assert form.get_by_label("Họ tên người nộp (hoặc tên tổ chức)").get_attribute("aria-invalid") is None


def test_a_refusal_without_its_reason_marks_the_reason(phone: Any, site: Site) -> None:
    open_as(phone, site, "officer", "provincial", "/can-bo/ho-so/{site.unpaid_code}")
    form = phone.get_by_role("form", name="Từ chối tiếp nhận", exact=True)
    _submit(phone, form, "Từ chối tiếp nhận")
    form = phone.get_by_role("form", name="Từ chối tiếp nhận", exact=True)
    _marked(phone, form.get_by_label("Lý do từ chối"), "lý do từ chối")
    assert phone.get_by_test_id("dossier-status").inner_text().endswith("(mã 1)")  # still new: nothing refused


def test_a_withdrawal_without_its_reason_marks_the_reason(phone: Any, site: Site) -> None:
    open_as(phone, site, "citizen", "provincial", "/ho-so/{site.unpaid_code}")
    phone.get_by_text("Rút hồ sơ", exact=True).first.click()   # the <summary> that opens the form
    form = phone.get_by_role("form", name="Rút hồ sơ", exact=True)
    _submit(phone, form, "Rút hồ sơ")
    form = phone.get_by_role("form", name="Rút hồ sơ", exact=True)
    _marked(phone, form.get_by_label("Lý do rút hồ sơ"), "lý do rút hồ sơ")


def test_the_checkout_marks_the_bank_choice(phone: Any, site: Site) -> None:
    open_as(phone, site, "anonymous", "payment", "{site.checkout}")
    phone.evaluate("() => document.querySelectorAll('input[name=bank]').forEach(r => { r.checked = false; })")
    form = phone.locator("form[action^='/thanh-toan/']")
    _submit(phone, form, "Thanh toán")  # no bank chosen: refused, nothing paid
    _marked(phone, phone.get_by_role("radiogroup", name="Chọn ngân hàng hoặc ví điện tử"),
            "Vui lòng chọn ngân hàng hoặc ví điện tử")
