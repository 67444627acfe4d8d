"""The log-in over HTTP hands its cookies to the browser as they were set: a Secure cookie stays Secure (a team's
portal over https, a `__Secure-` name), a plain one reaches the host whatever its port."""

from __future__ import annotations

from typing import Any

import requests

from scenarios.suites.conftest import _cookies_to


def test_cookies_reach_the_browser_with_their_flags(browser: Any) -> None:
    session = requests.Session()
    session.cookies.set("__Secure-portal", "s3cr3t", domain="portal.example", path="/", secure=True,
                        rest={"HttpOnly": None})
    session.cookies.set("lang", "vi", domain="127.0.0.1", path="/")
    context = browser.new_context()
    try:
        _cookies_to(context)(session)
        handed = {c["name"]: c for c in context.cookies()}
    finally:
        context.close()
    assert handed["__Secure-portal"]["secure"] and handed["__Secure-portal"]["httpOnly"]
    assert handed["__Secure-portal"]["domain"] == "portal.example" and handed["__Secure-portal"]["value"] == "s3cr3t"
    assert not handed["lang"]["secure"] and handed["lang"]["domain"] == "127.0.0.1"
