"""VNeID's pages on a phone (390 × 844), in today's world: the national log-in page that offers VNeID, VNeID's
log-in form, its wait for the app, its QR code, and a refusal — none scrolls sideways, and the log-in form
marks a wrong password on its field. (tests/scenarios/test_mobile_layout.py checks the 2022 world's pages.)"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from harness.clients import Platform
from harness.pytest_plugin import NAMESPACE_HEADER
from harness.testdata import DataFactory
from scenarios.pages.national import VNEID_BUTTON, NationalPages
from tests.scenarios.phone import PHONE, overflow


@pytest.fixture
def phone(browser: Any, dvc_stack: Any) -> Iterator[tuple[Any, Platform]]:
    namespace = f"mobile-vneid-{uuid.uuid4().hex[:10]}"
    context = browser.new_context(viewport=PHONE, locale="vi-VN")
    context.set_extra_http_headers({NAMESPACE_HEADER: namespace})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page, Platform.connect(dvc_stack.info, namespace=namespace)
    context.close()


def fits(page: Any, what: str) -> None:
    found = overflow(page)
    assert found["scroll"] <= found["inner"], (
        f"{what} ({page.url}) is {found['scroll']} px wide on a {found['inner']} px screen: {found['culprits']}")


def test_the_vneid_log_in_fits_a_phone_from_the_offer_to_the_wait(phone: tuple[Any, Platform], dvc_stack: Any
                                                                   ) -> None:
    page, platform = phone
    citizen = platform.ready_account(DataFactory(seed=391, scope="mobile-vneid").citizen())
    national = NationalPages(page, dvc_stack.urls["national"])
    page.goto(f"{dvc_stack.urls['national']}/dang-nhap")
    expect(page.get_by_role("link", name=VNEID_BUTTON)).to_be_visible()
    fits(page, "the national log-in page with VNeID")
    page.get_by_role("link", name=VNEID_BUTTON).click()
    form = page.get_by_role("form", name="Đăng nhập VNeID")
    expect(form).to_be_visible()
    fits(page, "VNeID's log-in form")
    assert national.start_vneid(str(citizen["username"]), str(citizen["password"])) == ""
    fits(page, "VNeID's wait for the app")


def test_the_vneid_qr_code_fits_a_phone(phone: tuple[Any, Platform], dvc_stack: Any) -> None:
    page, _ = phone
    code = NationalPages(page, dvc_stack.urls["national"]).start_vneid_qr()
    assert code
    fits(page, "VNeID's QR code")
    box = page.get_by_role("img", name="Mã QR đăng nhập").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box


def test_a_wrong_vneid_password_is_marked_on_its_field_on_a_phone(phone: tuple[Any, Platform], dvc_stack: Any
                                                                   ) -> None:
    page, platform = phone
    citizen = platform.ready_account(DataFactory(seed=392, scope="mobile-vneid").citizen())
    refused = NationalPages(page, dvc_stack.urls["national"]).start_vneid(str(citizen["username"]), "sai-mat-khau")
    assert refused, "a wrong password was not refused"
    fits(page, "VNeID's refusal")
    password = page.get_by_role("form", name="Đăng nhập VNeID").get_by_label("Mật khẩu", exact=True)
    expect(password).to_have_attribute("aria-invalid", "true")
