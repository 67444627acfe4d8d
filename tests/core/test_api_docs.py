"""The API documents for people work offline: /docs and /redoc load their scripts from the service itself."""

from __future__ import annotations

import re
from typing import Any

import pytest
import requests

SERVICES = ("national", "provincial", "payment", "postal")


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_pages_name_no_other_host_and_their_assets_answer(dvc_stack: Any, page: str) -> None:
    base = dvc_stack.urls["payment"]
    html = requests.get(base + page, timeout=10).text
    assets = re.findall(r'(?:src|href)="([^"]+)"', html) + re.findall(r"url: '([^']+)'", html)
    assert assets and all(a.startswith("/") for a in assets), assets      # nothing from a CDN
    for asset in assets:
        assert requests.get(base + asset, timeout=10).status_code == 200, asset


def test_swagger_ui_draws_the_operations_with_no_network_but_loopback(dvc_stack: Any, page: Any) -> None:
    """In a browser that may reach nothing but the service: the page draws the service's operations."""
    base = dvc_stack.urls["postal"]
    page.route(re.compile(r"^https?://(?!127\.0\.0\.1)"), lambda route: route.abort())
    page.goto(base + "/docs")
    page.locator(".opblock").first.wait_for(timeout=15_000)
    assert page.locator(".opblock").count() >= 5
