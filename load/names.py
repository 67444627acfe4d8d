"""Request names for Locust's statistics: `<service> <path template>`, e.g. `provincial /api/v1/dossiers/{code}`.

Locust keys its statistics by (method, name). A name made from the URL path with its
variable parts replaced (dossier codes, payment references, waybills, procedure codes,
tokens, numbers) groups the requests of every visitor into one line per endpoint, on any
portal; the service is the origin's name in the stack (or the host when it is not one of them).
SLO groups match `METHOD name` with globs (`GET provincial /api/v1/procedures*`).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from urllib.parse import urlsplit

_SEGMENTS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^\d{3}\.\d{2}\.\d{2}\.H\d{2}-\d{6}-\d{4}-\d{1,3}$"), "{reference}"),
    (re.compile(r"^\d{3}\.\d{2}\.\d{2}\.H\d{2}-\d{6}-\d{4}$"), "{code}"),
    (re.compile(r"^[A-Z]{2}\d{9}[A-Z]{2}$"), "{waybill}"),
    (re.compile(r"^\d{1,2}\.\d{6}(\.[\w.]+)?$"), "{procedure}"),
    (re.compile(r"^PG\d{14}$"), "{transaction}"),
    (re.compile(r"^\d+$"), "{n}"),
    # a random token mixes cases (VNeID's approval ids: 16 characters) or is a long run of lower-case hex; a
    # page's slug is lower-case words and hyphens (/thu-tuc/dang-ky-ho-kinh-doanh stays itself)
    (re.compile(r"^(?=[^A-Z]*[A-Z])(?=[^a-z]*[a-z])[A-Za-z0-9_\-]{12,}$"), "{token}"),
    (re.compile(r"^(?=[^0-9]*[0-9])[0-9a-z_]{20,}$"), "{token}"),
)


@lru_cache(maxsize=4096)
def template(path: str) -> str:
    return "/".join(_segment(part) for part in path.split("/")) or "/"


@lru_cache(maxsize=4096)
def _segment(part: str) -> str:
    """A segment's template. Cached apart from whole paths: a path with a new code misses the paths' cache,
    and its other segments (`api`, `v1`, `dossiers`) are then found here, not by seven patterns each."""
    for pattern, name in _SEGMENTS:
        if part and pattern.match(part):
            return name
    return part


class Namer:
    """Names requests by the service whose origin they go to."""

    def __init__(self, services: Mapping[str, str]) -> None:
        # services sharing an origin (a portal alone: --host with no emulators) are the provincial portal
        ordered = sorted(services.items(), key=lambda item: item[0] != "provincial")
        self.origins: dict[str, str] = {}
        for name, url in ordered:
            self.origins.setdefault(self._origin(url), name)

    @staticmethod
    def _origin(url: str) -> str:
        parts = urlsplit(url)
        return f"{parts.scheme}://{parts.netloc}".lower()

    def __call__(self, url: str) -> str:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}".lower()
        service = self.origins.get(origin, parts.netloc or "?")
        return f"{service} {template(parts.path)}"


def matches(method: str, name: str, patterns: Iterable[str]) -> bool:
    key = f"{method} {name}"
    return any(fnmatch.fnmatchcase(key, p) for p in patterns)
