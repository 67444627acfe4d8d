"""A visitor's HTTP in the load: geventhttpclient's connections and parser, with the calls of a `requests.Session`.

The harness's clients, the journeys' API driver and a team's `--api` layer all talk to a session as they talk
to `requests.Session`. Under Locust, requests costs 3 to 4 times the CPU of geventhttpclient per request
(load/bench/generator.py measures it), so the load gives them this instead, offering what they use:

- `request(method, url, params=, data=, json=, files=, headers=, cookies=, auth=, timeout=, allow_redirects=,
  verify=)` and `get`, `post`, `put`, `patch`, `delete`, `head`, `options`; `data` a dict (a form), a list of
  pairs, str or bytes; `files` as requests takes them (`{"file": (name, content, type)}`: multipart);
- `headers` (sent with every request, as requests' session headers), `cookies` (load/cookie_jar.py: by host,
  not port, across redirects and origins), `auth`, `verify`, `close()`;
- answers with `status_code`, `ok`, `reason`, `headers` (any case), `content`, `text`, `json()`, `url` (the last
  one, after redirects), `history`, `request` (`method`, `url`, `headers`, `body`), `elapsed`,
  `raise_for_status()`;
- requests' exceptions (`requests.ConnectionError`, `Timeout`, `TooManyRedirects`, `HTTPError`,
  `JSONDecodeError`), subclassed, so that code catching them keeps working.

Anything else (`stream`, `proxies`, `cert`, `hooks`, mounting adapters) is refused with a TypeError naming
it: docs/wiring.md, section 2b, says how a layer that needs requests itself gets it.

An idempotent request that met a kept-alive connection the server had just closed is sent again and counted
(load/retry.py says when, and why).
"""

from __future__ import annotations

import json as jsonlib
import os
import time
import zlib
from base64 import b64encode
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping
from datetime import timedelta
from typing import Any
from urllib.parse import quote, urlencode, urljoin, urlsplit

import gevent.ssl
from gevent.monkey import get_original
from geventhttpclient.connectionpool import ConnectionPool, SSLConnectionPool
from geventhttpclient.response import HTTPConnectionClosed, HTTPParseError, HTTPSocketPoolResponse
from requests import exceptions as errors

from load.cookie_jar import CookieJar
from load.retry import IDEMPOTENT, MAX_RETRIES, RETRIES, Retries

REDIRECTS = frozenset({301, 302, 303, 307, 308})
MAX_REDIRECTS = 30
BLOCK_SIZE = 65536          # one read takes a whole catalogue page most of the time
DEFAULT_HEADERS = {"User-Agent": "dvc-harness-load", "Accept-Encoding": "gzip, deflate", "Accept": "*/*",
                   "Connection": "keep-alive"}
_URL_SAFE = "!#$%&'()*+,/:;=?@[]~"      # what requests leaves as it is when it quotes a URL
_UNSUPPORTED = ("proxies", "hooks", "stream", "cert")


# -- the errors (requests' own, so that a layer written for requests catches them) ------------------------------
class ConnectionFailed(errors.ConnectionError):
    """No answer: the connection could not be made, or broke."""


class ClosedWhileIdle(ConnectionFailed):
    """A kept-alive connection carried a request, and the server had closed it: not a byte came back."""


class ConnectTimedOut(errors.ConnectTimeout):
    pass


class ReadTimedOut(errors.ReadTimeout):
    pass


class RedirectLoop(errors.TooManyRedirects):
    pass


class StatusError(errors.HTTPError):
    """`raise_for_status()` of an answer of 400 or more."""


# -- header fields, any case --------------------------------------------------------------------------------------
class Headers(MutableMapping[str, str]):
    """Header fields by name in any case, keeping the case given (as requests' CaseInsensitiveDict)."""

    __slots__ = ("_store",)

    def __init__(self, fields: Mapping[str, str] | Iterable[tuple[str, str]] | None = None) -> None:
        self._store: dict[str, tuple[str, str]] = {}
        if fields:
            for name, value in (fields.items() if isinstance(fields, Mapping) else fields):
                self._store[name.lower()] = (name, value)

    def __setitem__(self, name: str, value: str) -> None:
        self._store[name.lower()] = (name, value)

    def __getitem__(self, name: str) -> str:
        return self._store[name.lower()][1]

    def __delitem__(self, name: str) -> None:
        del self._store[name.lower()]

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._store.values())

    def __len__(self) -> int:
        return len(self._store)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._store

    def get(self, name: str, default: Any = None) -> Any:
        found = self._store.get(name.lower())
        return default if found is None else found[1]

    def copy(self) -> Headers:
        copied = Headers()
        copied._store = dict(self._store)
        return copied

    def __repr__(self) -> str:
        return repr(dict(self.items()))


# -- what was sent, what came back -----------------------------------------------------------------------------------
class SentRequest:
    """The request as it went out (the last one of a chain of redirects, as requests' `response.request`)."""

    __slots__ = ("_fields", "body", "method", "url")

    def __init__(self, method: str, url: str, fields: dict[str, tuple[str, str]], body: bytes) -> None:
        self.method, self.url, self.body, self._fields = method, url, body, fields

    @property
    def headers(self) -> Headers:
        return Headers(self._fields.values())


class Response:
    """An answer, read in full."""

    __slots__ = ("_elapsed", "_headers", "_raw", "_text", "content", "encoding", "history", "reason", "request",
                 "status_code", "url")

    def __init__(self, status: int, reason: str, raw_headers: Any, content: bytes, url: str, request: SentRequest,
                 elapsed: float) -> None:
        self.status_code, self.reason, self.content, self.url, self.request = status, reason, content, url, request
        self.history: list[Response] = []
        self.encoding: str | None = None
        self._elapsed, self._raw = elapsed, raw_headers
        self._headers: Headers | None = None
        self._text: str | None = None

    @property
    def headers(self) -> Headers:
        if self._headers is None:     # built when asked for: most answers are only decoded
            self._headers = Headers(self._raw.itermerged())
        return self._headers

    def header(self, name: str) -> str | None:
        """One field, without building `headers` (the session's own reads)."""
        value = self._raw.get(name)
        return ", ".join(value) if isinstance(value, list) else value

    @property
    def ok(self) -> bool:
        return self.status_code < 400

    def __bool__(self) -> bool:
        return self.ok

    @property
    def is_redirect(self) -> bool:
        return self.status_code in REDIRECTS and self.header("location") is not None

    @property
    def elapsed(self) -> timedelta:
        return timedelta(seconds=self._elapsed)

    @property
    def text(self) -> str:
        if self._text is None:
            self._text = self.content.decode(self.encoding or self._charset() or "utf-8", errors="replace")
        return self._text

    def _charset(self) -> str | None:
        for part in (self.header("content-type") or "").split(";")[1:]:
            key, _, value = part.partition("=")
            if key.strip().lower() == "charset":
                return value.strip().strip("\"'") or None
        return None

    def json(self, **kwargs: Any) -> Any:
        try:
            return jsonlib.loads(self.content if self.encoding is None else self.text, **kwargs)
        except jsonlib.JSONDecodeError as exc:
            raise errors.JSONDecodeError(exc.msg, exc.doc, exc.pos) from None

    def raise_for_status(self) -> None:
        if self.status_code >= 400:
            kind = "Client" if self.status_code < 500 else "Server"
            raise StatusError(f"{self.status_code} {kind} Error: {self.reason} for url: {self.url}", response=self)

    def close(self) -> None:
        """Nothing to do: the answer was read in full and its connection went back to the pool."""

    def __enter__(self) -> Response:
        return self

    def __exit__(self, *_: object) -> None:
        return None

    def __repr__(self) -> str:
        return f"<Response [{self.status_code}]>"


# -- connections ---------------------------------------------------------------------------------------------------
_select = get_original("select", "select")
ADDRESS_TTL_S = 30.0        # how long a host's resolved addresses serve the process's new connections
_ADDRESSES: dict[tuple[str, int], tuple[float, Any]] = {}


class _NotesFresh:
    """A visitor's pool of one origin: it knows which of its connections have not carried a request yet
    (load/retry.py's rule), and resolves a host once in a while for the whole process, not for each visitor's
    connection (gevent resolves in a thread: a new visitor's connections would cost twice the CPU)."""

    fresh: set[Any]

    def _create_socket(self) -> Any:
        sock = super()._create_socket()  # type: ignore[misc]
        self.fresh.add(sock)
        return sock

    def _is_socket_alive(self, sock: Any) -> bool:
        """Whether a kept-alive connection is still open: a readable idle socket has been closed (or holds
        stray bytes). The system's select, not gevent's: with no wait, it costs a call, not a trip to the hub."""
        try:
            return sock.fileno() >= 0 and not _select([sock], [], [], 0.0)[0]
        except (OSError, ValueError):
            return False

    def _resolve(self) -> Any:
        key = (self._connection_host, self._connection_port)  # type: ignore[attr-defined]
        found = _ADDRESSES.get(key)
        now = time.monotonic()
        if found is None or found[0] < now:
            found = _ADDRESSES[key] = (now + ADDRESS_TTL_S, super()._resolve())  # type: ignore[misc]
        return found[1]


class _Pool(_NotesFresh, ConnectionPool):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.fresh = set()
        super().__init__(*args, **kwargs)


class _TLSPool(_NotesFresh, SSLConnectionPool):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.fresh = set()
        super().__init__(*args, **kwargs)


_TLS_CONTEXTS: dict[bool, Any] = {}


def _tls_context(verify: bool) -> Any:
    """One TLS context per process and `verify` (making one reads the CA bundle: too slow for each visitor)."""
    if verify not in _TLS_CONTEXTS:
        _TLS_CONTEXTS[verify] = (gevent.ssl.create_default_context() if verify else
                                 gevent.ssl._create_unverified_context())
    context = _TLS_CONTEXTS[verify]
    return lambda **_: context


_ORIGINS: dict[tuple[str, str], tuple[str, str, int, str]] = {}


def _origin(scheme: str, netloc: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, Host field) of a URL's origin, worked out once (a URL's host and port are parsed
    again each time they are asked for)."""
    found = _ORIGINS.get((scheme, netloc))
    if found is None:
        parts = urlsplit(f"{scheme}://{netloc}")
        lowered = scheme.lower()
        found = (lowered, parts.hostname or "", parts.port or (443 if lowered == "https" else 80),
                 f"Host: {netloc.rpartition('@')[2]}")
        if len(_ORIGINS) > 256:         # a portal that sends its visitors to ever new hosts
            _ORIGINS.clear()
        _ORIGINS[(scheme, netloc)] = found
    return found


# -- the session ---------------------------------------------------------------------------------------------------
class Agent:
    """One visitor's HTTP: its cookies, its kept-alive connections (a few per origin), redirects followed.

    `name(url)` names a retried request in `counts` (load/retry.py). Use it from one greenlet at a time per
    visitor; a shared one (test control) is safe across greenlets, which never run at once."""

    def __init__(self, *, base_url: str = "", name: Callable[[str], str] | None = None, counts: Retries = RETRIES,
                 pool_size: int = 2, headers: Mapping[str, str] | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.headers = Headers(DEFAULT_HEADERS)
        if headers:
            self.headers.update(headers)
        self.cookies = CookieJar()
        self.auth: tuple[str, str] | None = None
        self.verify = True
        self.max_redirects = MAX_REDIRECTS
        self.pool_size = pool_size
        self.retry_name = name or (lambda url: urlsplit(url).path)
        self.counts = counts
        self._pools: dict[tuple[str, str, int, bool], ConnectionPool] = {}

    # -- requests' calls ------------------------------------------------------------------------------------------
    def request(self, method: str, url: str, params: Any = None, data: Any = None, headers: Mapping[str, Any] | None
                = None, cookies: Mapping[str, str] | None = None, files: Any = None, auth: tuple[str, str] | None
                = None, timeout: float | tuple[float | None, float | None] | None = None, allow_redirects: bool = True,
                json: Any = None, verify: bool | None = None, **unsupported: Any) -> Response:
        refused = [k for k, v in unsupported.items() if k not in _UNSUPPORTED or v]
        if refused:
            raise TypeError(f"the load's HTTP session does not take {', '.join(refused)} (docs/wiring.md, 2b)")
        url = self.absolute(url)
        if params:
            query = _encode_pairs(params)
            if query:
                url = f"{url}{'&' if '?' in url else '?'}{query}"
        body, content_type = _body(data, json, files)
        fields = dict(self.headers._store)
        if headers:
            for key, value in headers.items():
                if value is None:
                    fields.pop(key.lower(), None)       # None removes a session header, as in requests
                else:
                    fields[key.lower()] = (key, value if isinstance(value, str) else str(value, "latin-1")
                                           if isinstance(value, bytes) else str(value))
        if content_type and "content-type" not in fields:
            fields["content-type"] = ("Content-Type", content_type)
        credentials = auth or self.auth
        if credentials and "authorization" not in fields:
            token = b64encode(f"{credentials[0]}:{credentials[1]}".encode("latin-1")).decode()
            fields["authorization"] = ("Authorization", f"Basic {token}")
        return self._follow(method.upper(), url, body, fields, timeout, allow_redirects,
                            self.verify if verify is None else verify, dict(cookies) if cookies else None)

    def get(self, url: str, params: Any = None, **kwargs: Any) -> Response:
        return self.request("GET", url, params=params, **kwargs)

    def options(self, url: str, **kwargs: Any) -> Response:
        return self.request("OPTIONS", url, **kwargs)

    def head(self, url: str, **kwargs: Any) -> Response:
        kwargs.setdefault("allow_redirects", False)
        return self.request("HEAD", url, **kwargs)

    def post(self, url: str, data: Any = None, json: Any = None, **kwargs: Any) -> Response:
        return self.request("POST", url, data=data, json=json, **kwargs)

    def put(self, url: str, data: Any = None, **kwargs: Any) -> Response:
        return self.request("PUT", url, data=data, **kwargs)

    def patch(self, url: str, data: Any = None, **kwargs: Any) -> Response:
        return self.request("PATCH", url, data=data, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> Response:
        return self.request("DELETE", url, **kwargs)

    def close(self) -> None:
        for pool in self._pools.values():
            pool.close()
        self._pools.clear()

    def __enter__(self) -> Agent:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def absolute(self, url: str) -> str:
        """`url` with the base URL before a path, and quoted as requests quotes it."""
        if not url.startswith(("http://", "https://", "HTTP://", "HTTPS://")):
            url = f"{self.base_url}{url}"
        if not url.isascii() or " " in url:
            url = quote(url, safe=_URL_SAFE)
        return url

    # -- the exchanges ------------------------------------------------------------------------------------------------
    def _follow(self, method: str, url: str, body: bytes, fields: dict[str, tuple[str, str]], timeout: Any,
                allow_redirects: bool, verify: bool, cookies: dict[str, str] | None = None) -> Response:
        history: list[Response] = []
        for _ in range(self.max_redirects + 1):
            response = self._exchange(method, url, body, fields, timeout, verify, cookies)
            location = response.header("location") if response.status_code in REDIRECTS else None
            if not allow_redirects or not location:
                response.history = history
                return response
            history.append(response)
            target = self.absolute(urljoin(url, location))
            code = response.status_code
            if (code in (302, 303) and method != "HEAD") or (code == 301 and method == "POST"):
                method, body = "GET", b""       # as browsers and requests do
                fields = {k: v for k, v in fields.items() if k not in ("content-type", "content-length")}
            if "authorization" in fields and urlsplit(target).hostname != urlsplit(url).hostname:
                fields = {k: v for k, v in fields.items() if k != "authorization"}
            url = target
        raise RedirectLoop(f"more than {self.max_redirects} redirects from {url}")

    def _pool(self, scheme: str, host: str, port: int, verify: bool) -> ConnectionPool:
        key = (scheme, host, port, verify)
        pool = self._pools.get(key)
        if pool is None:
            if scheme == "https":
                pool = _TLSPool(host, port, host, port, size=self.pool_size, insecure=not verify,
                                ssl_context_factory=_tls_context(verify))
            else:
                pool = _Pool(host, port, host, port, size=self.pool_size)
            self._pools[key] = pool
        return pool

    def _exchange(self, method: str, url: str, body: bytes, fields: dict[str, tuple[str, str]], timeout: Any,
                  verify: bool, cookies: dict[str, str] | None = None) -> Response:
        """One request and its answer, on a kept-alive connection of the origin (again on a new one when the
        server had closed it, and the method allows: load/retry.py). The jar's cookies go with it, with the
        call's own `cookies` in place of those of the same name, unless the call wrote a Cookie field itself
        (as requests does)."""
        parts = urlsplit(url)
        scheme, host, port, host_field = _origin(parts.scheme, parts.netloc)
        path = parts.path or "/"
        if "cookie" not in fields:
            cookie = self.cookies.header(scheme, host, path)
            if cookies:
                kept = [pair for pair in cookie.split("; ") if pair and pair.partition("=")[0] not in cookies]
                cookie = "; ".join([*kept, *(f"{k}={v}" for k, v in cookies.items())])
            if cookie:     # in the fields, so that the answer's `request.headers` shows what was sent
                fields = {**fields, "cookie": ("Cookie", cookie)}
        lines = [f"{method} {path}{'?' + parts.query if parts.query else ''} HTTP/1.1", host_field]
        for name, value in fields.values():
            if "\n" in value or "\r" in value or "\n" in name or "\r" in name:
                raise errors.InvalidHeader(f"a line break in the header field {name!r}")
            lines.append(f"{name}: {value}")
        if body or method in ("POST", "PUT", "PATCH"):
            lines.append(f"Content-Length: {len(body)}")
        lines.append("\r\n")
        payload = "\r\n".join(lines).encode("latin-1") + body
        connect_s, read_s = timeout if isinstance(timeout, tuple) else (timeout, timeout)
        pool = self._pool(scheme, host, port, verify)
        started = time.perf_counter()
        for attempt in range(MAX_RETRIES + 1):
            try:
                answer = self._send(pool, payload, method, connect_s, read_s, url)
            except ClosedWhileIdle:
                if attempt == MAX_RETRIES or method not in IDEMPOTENT:
                    raise
                self.counts.add(f"{method} {self.retry_name(url)}")
                continue
            break
        try:
            content = answer.read() if method != "HEAD" else b""
        except TimeoutError as exc:
            raise ReadTimedOut(f"{method} {url}: no answer within {read_s} s") from exc
        except (OSError, HTTPParseError) as exc:
            raise ConnectionFailed(f"{method} {url}: the answer broke off: {exc}") from exc
        raw = answer.info()
        encoding = raw.get("content-encoding")
        if encoding and content:
            content = _decoded(content, encoding if isinstance(encoding, str) else encoding[-1])
        set_cookie = raw.getlist("set-cookie")
        if set_cookie:
            self.cookies.extract(scheme, host, path, set_cookie)
        return Response(answer.status_code, answer.status_message or "", raw, content, url,
                        SentRequest(method, url, fields, body), time.perf_counter() - started)

    @staticmethod
    def _send(pool: ConnectionPool, payload: bytes, method: str, connect_s: float | None, read_s: float | None,
              url: str) -> HTTPSocketPoolResponse:
        pool.connection_timeout = connect_s
        try:
            sock = pool.get_socket()
        except TimeoutError as exc:
            raise ConnectTimedOut(f"{method} {url}: no connection within {connect_s} s") from exc
        except OSError as exc:
            raise ConnectionFailed(f"{method} {url}: {exc}") from exc
        reused = sock not in pool.fresh
        pool.fresh.discard(sock)
        sock.settimeout(read_s)
        try:
            # one send for a request that fits the socket's buffer (most do): gevent's sendall asks the system
            # for the buffer's size first, every time
            sent = sock.send(payload)
            if sent < len(payload):
                sock.sendall(memoryview(payload)[sent:])
        except OSError as exc:
            pool.release_socket(sock)
            if reused and isinstance(exc, (BrokenPipeError, ConnectionResetError)):
                raise ClosedWhileIdle(f"{method} {url}: a kept-alive connection the server had closed") from exc
            raise ConnectionFailed(f"{method} {url}: {exc}") from exc
        try:
            return HTTPSocketPoolResponse(sock, pool, block_size=BLOCK_SIZE, method=method)
        except HTTPConnectionClosed as exc:     # not a byte came back (the response released the connection)
            if reused:
                raise ClosedWhileIdle(f"{method} {url}: a kept-alive connection the server had closed") from exc
            raise ConnectionFailed(f"{method} {url}: the server closed the connection without answering") from exc
        except TimeoutError as exc:
            raise ReadTimedOut(f"{method} {url}: no answer within {read_s} s") from exc
        except (OSError, HTTPParseError) as exc:
            raise ConnectionFailed(f"{method} {url}: {exc}") from exc


# -- bodies ----------------------------------------------------------------------------------------------------------
def _pairs(data: Any) -> list[tuple[str, Any]]:
    """A mapping or a list of pairs, lists of values spread, None values dropped (as requests does)."""
    out = []
    for key, values in (data.items() if isinstance(data, Mapping) else data):
        for value in (values if isinstance(values, (list, tuple)) else (values,)):
            if value is not None:
                out.append((key, value))
    return out


def _encode_pairs(data: Any) -> str:
    if isinstance(data, (str, bytes)):
        return data if isinstance(data, str) else data.decode()
    return urlencode(_pairs(data))


def _body(data: Any, json: Any, files: Any) -> tuple[bytes, str | None]:
    """The body and its content type: multipart with files, a form for a dict, JSON, or the bytes given."""
    if files:
        return _multipart(data, files)
    if data:
        if isinstance(data, bytes):
            return data, None
        if isinstance(data, str):
            return data.encode("utf-8"), None
        if hasattr(data, "read"):
            read = data.read()
            return (read.encode("utf-8") if isinstance(read, str) else read), None
        return urlencode(_pairs(data)).encode("ascii"), "application/x-www-form-urlencoded"
    if json is not None:
        return jsonlib.dumps(json, allow_nan=False).encode("utf-8"), "application/json"
    return b"", None


def _quoted(value: str) -> str:
    """A Content-Disposition parameter, as HTML5 forms (and requests) write it."""
    return value.replace("\\", "\\\\").replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


def _multipart(data: Any, files: Any) -> tuple[bytes, str]:
    boundary = os.urandom(16).hex()
    parts: list[bytes] = []

    def part(name: str, content: bytes, filename: str | None = None, content_type: str | None = None,
             extra: Mapping[str, str] | None = None) -> None:
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{_quoted(name)}"'
        if filename is not None:
            head += f'; filename="{_quoted(filename)}"'
        if content_type:
            head += f"\r\nContent-Type: {content_type}"
        for key, value in (extra or {}).items():
            head += f"\r\n{key}: {value}"
        parts.append(head.encode("utf-8") + b"\r\n\r\n" + content + b"\r\n")

    if data and not isinstance(data, (str, bytes)):
        for key, value in _pairs(data):
            part(str(key), value if isinstance(value, bytes) else str(value).encode("utf-8"))
    for key, given in (files.items() if isinstance(files, Mapping) else files):
        filename: str | None
        content_type = extra = None
        if isinstance(given, (tuple, list)):
            filename, content = given[0], given[1]
            content_type = given[2] if len(given) > 2 else None
            extra = given[3] if len(given) > 3 else None
        else:
            filename, content = os.path.basename(str(getattr(given, "name", key))), given
        if hasattr(content, "read"):
            content = content.read()
        if content is None:
            continue
        part(str(key), content if isinstance(content, bytes) else str(content).encode("utf-8"), filename,
             content_type, extra)
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def _decoded(content: bytes, encoding: str) -> bytes:
    coding = encoding.strip().lower()
    try:
        if coding in ("gzip", "x-gzip"):
            return zlib.decompress(content, 16 + zlib.MAX_WBITS)
        if coding == "deflate":
            try:
                return zlib.decompress(content)
            except zlib.error:
                return zlib.decompress(content, -zlib.MAX_WBITS)     # raw deflate, as some servers send it
    except zlib.error as exc:
        raise errors.ContentDecodingError(f"the answer's {coding} body does not decode: {exc}") from exc
    return content


__all__ = ["Agent", "ClosedWhileIdle", "ConnectTimedOut", "ConnectionFailed", "Headers", "ReadTimedOut",
           "RedirectLoop", "Response", "SentRequest", "StatusError"]
