"""Read the HTML forms of a page (log-in, checkout) so scripts can post them like a browser."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin


@dataclass
class Form:
    action: str
    method: str = "get"
    fields: dict[str, str] = field(default_factory=dict)
    radios: dict[str, list[str]] = field(default_factory=dict)
    buttons: list[tuple[str, str, str]] = field(default_factory=list)  # (name, value, text)

    def data(self, **values: str) -> dict[str, str]:
        merged = dict(self.fields)
        merged.update(values)
        return merged


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._current: Form | None = None
        self._button: list[str] | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._current = Form(action=a.get("action", ""), method=a.get("method", "get").lower())
            self.forms.append(self._current)
            return
        form = self._current
        if form is None:
            return
        name = a.get("name", "")
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind == "radio":
                form.radios.setdefault(name, []).append(a.get("value", "on"))
                if "checked" in a:
                    form.fields[name] = a.get("value", "on")
            elif kind == "checkbox":
                if "checked" in a:
                    form.fields[name] = a.get("value", "on")
            elif kind == "submit":
                form.buttons.append((name, a.get("value", ""), a.get("value", "")))
            elif kind != "file" and name:
                form.fields[name] = a.get("value", "")
        elif tag == "button":
            self._button = [name, a.get("value", ""), ""]
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and ("selected" in a or self._select not in form.fields):
            form.fields[self._select] = a.get("value", "")
        elif tag == "textarea" and name:
            form.fields[name] = ""

    def handle_data(self, data: str) -> None:
        if self._button is not None:
            self._button[2] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None
        elif tag == "button" and self._button is not None and self._current is not None:
            name, value, text = self._button
            self._current.buttons.append((name, value, text.strip()))
            self._button = None
        elif tag == "select":
            self._select = None


_FORM_BLOCK = re.compile(r"<form\b.*?</form\s*>", re.IGNORECASE | re.DOTALL)


def parse_forms(html: str, base_url: str = "") -> list[Form]:
    parser = _FormParser()
    # only the forms are read: the parser is slow, and the rest of a page (its header, menus) holds no field
    blocks = _FORM_BLOCK.findall(html)
    for block in blocks or [html]:
        parser.feed(block)
    for form in parser.forms:
        form.action = urljoin(base_url, form.action) if base_url else form.action
    return parser.forms


def find_form(html: str, base_url: str, *, having: str) -> Form:
    """The first form with a field (or radio group) named `having`."""
    for form in parse_forms(html, base_url):
        if having in form.fields or having in form.radios:
            return form
    raise LookupError(f"no form with a field named {having!r} on {base_url}")
