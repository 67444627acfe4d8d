"""A visitor's cookies, kept as a browser keeps them (RFC 6265): by host, not by port, with their path and expiry.

The load's HTTP session (load/agent.py) keeps one jar per visitor. The emulators share the host
127.0.0.1 on their own ports, so, as in a browser, each sees the others' cookies (DESIGN.md, "Cookies": each
names its own). Domain cookies reach the subdomains; a cookie whose Max-Age or Expires has passed is gone
(a log-out deletes its session cookie that way); a Secure cookie goes over https only; SameSite and HttpOnly
change nothing for a client that runs no page scripts (as with requests).

The few calls of requests' jar a portal's `--api` layer may make are here too: `get`, `set`, `clear`, iterating
(each cookie has `name`, `value`, `domain`, `path`), `get_dict`.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from email.utils import parsedate_to_datetime


@dataclass(slots=True)
class Cookie:
    name: str
    value: str
    domain: str             # lower case, no leading dot
    path: str
    host_only: bool = True  # no Domain attribute: this very host only
    secure: bool = False
    expires: float | None = None    # epoch seconds; None: until the visitor leaves

    def matches(self, scheme: str, host: str, path: str) -> bool:
        if self.host_only:
            if host != self.domain:
                return False
        elif host != self.domain and not (host.endswith("." + self.domain) and not _is_ip(host)):
            return False
        if self.secure and scheme != "https":
            return False
        return path_matches(path, self.path)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def path_matches(request_path: str, cookie_path: str) -> bool:
    """RFC 6265 §5.1.4: /docs matches /docs, /docs/ and /docs/web, never /docsweb."""
    if request_path == cookie_path:
        return True
    return request_path.startswith(cookie_path) and (
        cookie_path.endswith("/") or request_path[len(cookie_path)] == "/")


def default_path(request_path: str) -> str:
    """RFC 6265 §5.1.4: the request path up to its last slash, or "/"."""
    if not request_path.startswith("/") or request_path.count("/") == 1:
        return "/"
    return request_path[: request_path.rindex("/")]


class CookieJar:
    """The cookies of one visitor."""

    def __init__(self) -> None:
        self._cookies: dict[tuple[str, str, str], Cookie] = {}     # (domain, path, name) -> cookie

    # -- what the session does with it ----------------------------------------------------------------------
    def extract(self, scheme: str, host: str, path: str, set_cookie: Iterable[str], now: float | None = None) -> None:
        """Take the Set-Cookie fields of an answer to `scheme://host/path`."""
        for line in set_cookie:
            cookie = parse_set_cookie(line, host, path, time.time() if now is None else now)
            if cookie is None or (cookie.secure and scheme != "https"):
                continue        # a Secure cookie comes from https only (RFC 6265bis §5.4)
            key = (cookie.domain, cookie.path, cookie.name)
            if cookie.expires is not None and cookie.expires <= (time.time() if now is None else now):
                self._cookies.pop(key, None)    # Max-Age=0 or an Expires in the past: delete it
            else:
                self._cookies[key] = cookie

    def header(self, scheme: str, host: str, path: str, now: float | None = None) -> str:
        """The Cookie field for a request to `scheme://host/path` ("" when none): longest paths first."""
        if not self._cookies:
            return ""
        moment = time.time() if now is None else now
        found = []
        for key, cookie in list(self._cookies.items()):
            if cookie.expires is not None and cookie.expires <= moment:
                del self._cookies[key]
            elif cookie.matches(scheme, host, path):
                found.append(cookie)
        if len(found) > 1:
            found.sort(key=lambda c: len(c.path), reverse=True)    # stable: the older first among equals
        return "; ".join(f"{c.name}={c.value}" for c in found)

    # -- requests' jar, as far as a portal's layer uses it ------------------------------------------------------
    def set(self, name: str, value: str | None, domain: str = "", path: str = "/", secure: bool = False) -> None:
        """Set a cookie (for `domain`, every host when empty); a value of None deletes it."""
        key = (domain.lower().lstrip("."), path, name)
        if value is None:
            self._cookies.pop(key, None)
            return
        self._cookies[key] = Cookie(name, value, key[0], path, host_only=False, secure=secure)

    def get(self, name: str, default: str | None = None, domain: str | None = None,
            path: str | None = None) -> str | None:
        for cookie in self._cookies.values():
            if cookie.name == name and domain in (None, cookie.domain) and path in (None, cookie.path):
                return cookie.value
        return default

    def get_dict(self, domain: str | None = None, path: str | None = None) -> dict[str, str]:
        return {c.name: c.value for c in self._cookies.values()
                if domain in (None, c.domain) and path in (None, c.path)}

    def clear(self) -> None:
        self._cookies.clear()

    def __iter__(self) -> Iterator[Cookie]:
        return iter(list(self._cookies.values()))

    def __len__(self) -> int:
        return len(self._cookies)

    def __contains__(self, name: object) -> bool:
        return any(c.name == name for c in self._cookies.values())


def parse_set_cookie(line: str, host: str, request_path: str, now: float) -> Cookie | None:
    """One Set-Cookie field (RFC 6265 §5.2) from `host`; None when a browser would ignore it."""
    pair, _, attributes = line.partition(";")
    name, equals, value = pair.partition("=")
    name, value = name.strip(), value.strip()
    if not equals or not name:
        return None
    cookie = Cookie(name, value, host.lower(), "")
    max_age: float | None = None
    for attribute in attributes.split(";") if attributes else ():
        key, _, argument = attribute.partition("=")
        key, argument = key.strip().lower(), argument.strip()
        if key == "max-age":
            try:
                max_age = now + int(argument) if int(argument) > 0 else 0.0
            except ValueError:
                continue
        elif key == "expires" and max_age is None:
            try:
                cookie.expires = parsedate_to_datetime(argument).timestamp()
            except (TypeError, ValueError, IndexError):
                continue
        elif key == "domain" and argument:
            domain = argument.lower().lstrip(".")
            if domain != cookie.domain and not (cookie.domain.endswith("." + domain) and not _is_ip(cookie.domain)):
                return None     # a domain this host may not set cookies for
            cookie.domain, cookie.host_only = domain, False
        elif key == "path":
            cookie.path = argument if argument.startswith("/") else ""
        elif key == "secure":
            cookie.secure = True
    if max_age is not None:
        cookie.expires = max_age
    if not cookie.path:
        cookie.path = default_path(request_path)
    return cookie
