"""What the page objects share: timeouts, reading term/definition lists, polling a page by reloading it."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import TypeVar

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page, expect

# Short explicit timeouts (milliseconds): the emulators answer in a few milliseconds, so a
# step that has not happened after a few seconds is a failure, not slowness.
STEP_TIMEOUT_MS = 5_000          # one element, one page
NAVIGATION_TIMEOUT_MS = 10_000   # a navigation (SSO round trips cross three origins)
POLL_SLICE_MS = 250              # how long each look waits before the page is reloaded

T = TypeVar("T")


def configure(page: Page) -> Page:
    """Set the page's default timeouts (our page objects also pass their own)."""
    page.set_default_timeout(STEP_TIMEOUT_MS)
    page.set_default_navigation_timeout(NAVIGATION_TIMEOUT_MS)
    return page


def definition(scope: Page | Locator, term: str) -> Locator:
    """The definition (dd) of a term (dt) of a description list, found by the term's exact text."""
    exact = re.compile(rf"^\s*{re.escape(term)}\s*$")
    return scope.get_by_role("term").filter(has_text=exact).first.locator("xpath=following-sibling::dd[1]")


def read_definition(scope: Page | Locator, term: str, *, required: bool = True) -> str:
    """The text of a term's definition; "" when the list has no such term and `required` is False."""
    found = definition(scope, term)
    if not required and found.count() == 0:
        return ""
    return " ".join(found.inner_text(timeout=STEP_TIMEOUT_MS).split())


def money(text: str) -> int:
    """'200.000 đ' -> 200000 (the first amount in the text)."""
    match = re.search(r"\d[\d.,\s]*(?=\s*(?:đ|VND|₫))", text) or re.search(r"\d[\d.]*", text)
    if match is None:
        raise ValueError(f"no amount in {text!r}")
    return int(re.sub(r"\D", "", match.group(0)))


def status_parts(text: str) -> tuple[str, int | None]:
    """'Đã xử lý xong (mã 9)' or '9 — Đã xử lý xong' -> ('Đã xử lý xong', 9)."""
    text = " ".join(text.split())
    if m := re.match(r"^(\d{1,2})\s*[—-]\s*(.+)$", text):
        return m.group(2).strip(), int(m.group(1))
    if m := re.match(r"^(.+?)\s*\(mã (\d{1,2})\)$", text):
        return m.group(1).strip(), int(m.group(2))
    return text, None


def status_pattern(status: str) -> re.Pattern[str]:
    """Matches a shown status that is `status` (with or without its number), not one that merely contains it."""
    name = re.escape(status)
    return re.compile(rf"^\s*(?:\d{{1,2}}\s*[—-]\s*)?{name}\s*(?:\(mã \d{{1,2}}\))?\s*$")


def reload_until(page: Page, check: Callable[[], T], *, timeout: float, what: str) -> T:
    """Reload the page until `check` (web-first expectations with POLL_SLICE_MS timeouts) passes.

    For what changes behind the server-rendered page (a confirmation, a webhook, a sync push):
    each look waits POLL_SLICE_MS for the expectation, then the page is reloaded; after
    `timeout` seconds the last failure is raised, prefixed with `what`.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            return check()
        except (AssertionError, PlaywrightError) as exc:
            if time.monotonic() >= deadline:
                raise AssertionError(f"{what}: not seen within {timeout:g} s ({page.url}): {exc}") from exc
        page.reload()


def expect_left(page: Page, origin: str, *, timeout: float = NAVIGATION_TIMEOUT_MS) -> None:
    """Wait until the browser has left `origin` (a redirect to another portal)."""
    page.wait_for_url(lambda url: not url.startswith(origin), timeout=timeout)


def alert_text(page: Page) -> str:
    """The text of the last alert of the main content (the most specific one), or ""."""
    alerts = page.get_by_role("main").get_by_role("alert")
    if alerts.count() == 0:
        return ""
    return " ".join(alerts.last.inner_text().split())


__all__ = [
    "NAVIGATION_TIMEOUT_MS", "POLL_SLICE_MS", "STEP_TIMEOUT_MS", "alert_text", "configure", "definition", "expect",
    "expect_left", "money", "read_definition", "reload_until", "status_parts", "status_pattern",
]
