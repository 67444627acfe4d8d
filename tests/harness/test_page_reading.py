"""Reading pages without a browser (harness.clients.forms and .html): the forms of a page, whatever surrounds
them, and a page's facts and choices, read once and handed out in copies a caller may change."""

from __future__ import annotations

from harness.clients.forms import find_form, parse_forms
from harness.clients.html import choices, facts

PAGE = """<!doctype html><html lang="vi"><head><title>Đăng nhập</title></head><body>
<header><nav><a href="/">Trang chủ</a><input name="q" value="tìm kiếm"></nav></header>
<form method="post" action="/dang-nhap">
  <input type="hidden" name="csrf_token" value="t1">
  <input name="username" value=""><input type="password" name="password">
  <input type="checkbox" name="remember" value="1" checked>
  <select name="lang"><option value="vi">Tiếng Việt</option><option value="en" selected>English</option></select>
  <textarea name="note">x</textarea>
  <button type="submit" name="action" value="login">Đăng nhập</button>
</form>
<p>Giữa hai biểu mẫu</p>
<FORM action="https://vneid.example/sso" METHOD="GET">
  <input type="radio" name="provider" value="vneid"><input type="radio" name="provider" value="dvcqg" checked>
</FORM>
<footer><input name="outside" value="never"></footer>
</body></html>"""


def test_every_form_is_read_with_its_fields_and_nothing_outside_them() -> None:
    login, sso = parse_forms(PAGE, "http://127.0.0.1:8101/trang")
    assert (login.action, login.method) == ("http://127.0.0.1:8101/dang-nhap", "post")
    assert login.fields == {"csrf_token": "t1", "username": "", "password": "", "remember": "1", "lang": "en",
                            "note": ""}
    assert login.buttons == [("action", "login", "Đăng nhập")]
    assert (sso.action, sso.method, sso.fields, sso.radios) == (
        "https://vneid.example/sso", "get", {"provider": "dvcqg"}, {"provider": ["vneid", "dvcqg"]})
    assert find_form(PAGE, "", having="provider") is not None
    assert parse_forms("<html><body><input name='q'></body></html>") == []


def test_a_page_read_twice_gives_copies_its_callers_may_change() -> None:
    page = ("<dl><dt>Mã tham chiếu</dt><dd>PG20261207000001</dd></dl>"
            "<select name='bank'><option value='VCB'>Vietcombank</option></select>")
    shown = facts(page)
    shown["Mã tham chiếu"] = "changed"
    banks = choices(page, "bank")
    banks.clear()
    assert facts(page) == {"Mã tham chiếu": "PG20261207000001"}
    assert choices(page, "bank") == [("VCB", "Vietcombank")]
