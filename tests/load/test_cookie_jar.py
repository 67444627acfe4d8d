"""A visitor's cookies as a browser keeps them (load/cookie_jar.py, RFC 6265): by host and path, a domain's to
its subdomains, Secure over https only, gone when they expire."""

from __future__ import annotations

from load.cookie_jar import CookieJar

NOW = 1_800_000_000.0


def test_a_host_cookie_goes_to_its_host_on_any_port_and_path_below_its_own() -> None:
    jar = CookieJar()
    jar.extract("http", "127.0.0.1", "/dang-nhap/xong", ["tinh_session=a; Path=/", "tinh_step=b"], now=NOW)
    assert jar.header("http", "127.0.0.1", "/api/v1/me", now=NOW) == "tinh_session=a"
    # no Path: the request's folder (/dang-nhap), longest paths first
    assert jar.header("http", "127.0.0.1", "/dang-nhap/tiep", now=NOW) == "tinh_step=b; tinh_session=a"
    assert jar.header("http", "127.0.0.2", "/", now=NOW) == ""


def test_a_domain_cookie_reaches_subdomains_and_a_host_may_set_none_for_another() -> None:
    jar = CookieJar()
    jar.extract("https", "dichvucong.quangnam.gov.vn", "/", [
        "sso=x; Domain=.quangnam.gov.vn; Path=/; Secure",
        "other=y; Domain=example.vn",                       # not this host's: ignored
    ], now=NOW)
    assert jar.header("https", "motcua.quangnam.gov.vn", "/", now=NOW) == "sso=x"
    assert jar.header("http", "motcua.quangnam.gov.vn", "/", now=NOW) == ""      # Secure: https only
    assert jar.header("https", "example.vn", "/", now=NOW) == ""


def test_a_cookie_expires_by_max_age_or_date_and_is_deleted_by_max_age_zero() -> None:
    jar = CookieJar()
    jar.extract("http", "h", "/", ["short=1; Max-Age=10", "dated=2; Expires=Wed, 21 Oct 2015 07:28:00 GMT",
                                   "kept=3"], now=NOW)
    assert jar.header("http", "h", "/", now=NOW) == "short=1; kept=3"              # the dated one had passed
    assert jar.header("http", "h", "/", now=NOW + 11) == "kept=3"
    jar.extract("http", "h", "/", ["kept=; Max-Age=0"], now=NOW + 12)
    assert jar.header("http", "h", "/", now=NOW + 12) == "" and len(jar) == 0


def test_a_secure_cookie_from_plain_http_is_refused() -> None:
    jar = CookieJar()
    jar.extract("http", "h", "/", ["s=1; Secure"], now=NOW)
    assert len(jar) == 0
