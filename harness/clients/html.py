"""What a page says, read without a browser: its description lists, a table's column, a list box's choices.

For the pages that have no JSON of their own (the payment checkout and e-receipt, the postal tracking page):
the API driver reads them as a citizen's plain HTTP client would get them.
"""

from __future__ import annotations

import functools
import html as entities
import re
from html.parser import HTMLParser

_ALERT = re.compile(r'<(div|p)[^>]*role="alert"[^>]*>(.*?)</\1>', re.S)
_TAG = re.compile(r"<[^>]+>")


def _clean(text: str) -> str:
    return " ".join(text.split())


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.facts: dict[str, str] = {}
        self.options: dict[str, list[tuple[str, str]]] = {}
        self.tables: list[tuple[str, list[str], list[list[str]]]] = []     # (caption, headers, rows)
        self._text: list[str] | None = None
        self._term = ""
        self._in: str = ""
        self._select = ""
        self._option = ""
        self._table: tuple[list[str], list[str], list[list[str]]] | None = None    # caption, headers, rows
        self._row: list[str] | None = None
        self._row_has_td = False
        self.radios: dict[str, list[tuple[str, str]]] = {}     # name -> (value, id)
        self.labels: dict[str, str] = {}                       # the id a label is for -> its text
        self._label_for = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag in ("dt", "dd", "option", "caption", "th", "td", "label"):
            self._in, self._text = tag, []
            if tag == "option":
                self._option = a.get("value", "")
            elif tag == "label":
                self._label_for = a.get("for", "")
        elif tag == "input" and a.get("type", "").lower() == "radio" and a.get("name"):
            self.radios.setdefault(a["name"], []).append((a.get("value", "on"), a.get("id", "")))
        elif tag == "select":
            self._select = a.get("name", "")
        elif tag == "table":
            self._table = ([], [], [])
        elif tag == "tr" and self._table is not None:
            self._row, self._row_has_td = [], False
        if tag == "td":
            self._row_has_td = True

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == self._in and self._text is not None:
            text = _clean("".join(self._text))
            if tag == "dt":
                self._term = text
            elif tag == "dd" and self._term:
                self.facts.setdefault(self._term, text)
                self._term = ""
            elif tag == "option" and self._select:
                self.options.setdefault(self._select, []).append((self._option, text))
            elif tag == "label" and self._label_for:
                self.labels[self._label_for] = text
            elif tag == "caption" and self._table is not None:
                self._table[0].append(text)
            elif tag in ("td", "th") and self._row is not None:
                self._row.append(text)
            self._in, self._text = "", None
        elif tag == "select":
            self._select = ""
        elif tag == "tr" and self._table is not None and self._row is not None:
            if self._row_has_td:
                self._table[2].append(self._row)
            elif not self._table[1]:        # the first row of headers only: the column names
                self._table[1].extend(self._row)
            self._row = None
        elif tag == "table" and self._table is not None:
            caption, headers, rows = self._table
            self.tables.append((" ".join(caption), headers, rows))
            self._table = None


@functools.lru_cache(maxsize=64)
def read(html: str) -> _Reader:
    """The page, read once: a journey often reads two things of one page, and the load's visitors the same
    page (the parser is slow). What it read is handed out in copies."""
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader


def facts(html: str) -> dict[str, str]:
    """Every `<dt>` of the page with the text of its `<dd>` (the first one of a term)."""
    return dict(read(html).facts)


def choices(html: str, name: str) -> list[tuple[str, str]]:
    """The (value, text) choices of the list box, or the radio buttons with their labels, named `name`."""
    page = read(html)
    if name in page.options:
        return list(page.options[name])
    return [(value, page.labels.get(ident, value)) for value, ident in page.radios.get(name, [])]


def column(html: str, caption: str, header: str) -> list[str]:
    """The cells under `header` of the table whose caption contains `caption`, top to bottom."""
    for found, headers, rows in read(html).tables:
        if caption in found and header in headers:
            index = headers.index(header)
            return [row[index] for row in rows if len(row) > index]
    return []


def alerts(html: str) -> str:
    """What the page's alerts say (role="alert": a refusal, an error page), one line; "" when it has none."""
    return " ".join(_clean(entities.unescape(_TAG.sub(" ", m.group(2)))) for m in _ALERT.finditer(html))


__all__ = ["alerts", "choices", "column", "facts"]
