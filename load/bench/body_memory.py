"""The server's memory while huge request bodies arrive: it must stay flat (docs/limits.md).

    python -m load.bench.body_memory [--mb 500] [--routes national:/api/v1/accounts,...]

Starts the stack in its own process (`dvc-harness serve`), then for each route sends a body of
`--mb` MB streamed from a generator, once with a Content-Length and once chunked, over a raw
socket (nothing is built in memory on either side). It samples the server process's RSS before,
every 20 ms while sending, and a second after, and prints the figures with what the client saw:
the answer's status (413 expected) and how many bytes it could send before the server closed.
"""

from __future__ import annotations

import argparse
import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import psutil

from load.bench.common import Serve

ROUTES = ("national:/api/v1/accounts", "national:/sync/login", "provincial:/api/payment/confirm",
          "provincial:/api/v1/dossiers")
CHUNK = 1024 * 1024


def body(total: int) -> Iterator[bytes]:
    """`total` bytes of one JSON string value, 1 MB at a time."""
    head = b'{"username": "'
    yield head
    left = total - len(head)
    while left > 0:
        n = min(CHUNK, left)
        yield b"x" * n
        left -= n


class RssSampler(threading.Thread):
    def __init__(self, pid: int, every: float = 0.02) -> None:
        super().__init__(daemon=True)
        self.process = psutil.Process(pid)
        self.every = every
        self.peak = 0
        self.done = threading.Event()

    def rss(self) -> int:
        return int(self.process.memory_info().rss)

    def run(self) -> None:
        while not self.done.is_set():
            self.peak = max(self.peak, self.rss())
            time.sleep(self.every)

    def stop(self) -> int:
        self.done.set()
        self.join()
        return self.peak


def send(url: str, path: str, total: int, chunked: bool) -> dict[str, Any]:
    """Stream the body until it is all sent or the server closes; then read the answer's status line."""
    parts = urlsplit(url)
    framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {total}"
    head = (f"POST {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Type: application/json\r\n"
            f"{framing}\r\n\r\n").encode()
    sent, error = 0, None
    started = time.perf_counter()
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        try:
            sock.sendall(head)
            for piece in body(total):
                sock.sendall(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
                sent += len(piece)
            if chunked:
                sock.sendall(b"0\r\n\r\n")
        except OSError as exc:   # the server answered and closed: the rest is never read
            error = type(exc).__name__
        status = _status(sock)
    return {"status": status, "sent_mb": round(sent / CHUNK, 1), "send_error": error,
            "seconds": round(time.perf_counter() - started, 2)}


def _status(sock: socket.socket) -> int | None:
    try:
        line = sock.recv(64).split(b"\r\n", 1)[0]
    except OSError:
        return None   # a reset can discard the answer the client had not read yet
    fields = line.split()
    return int(fields[1]) if len(fields) > 1 and fields[1].isdigit() else None


def measure(stack: Serve, route: str, total: int, chunked: bool) -> dict[str, Any]:
    service, path = route.split(":", 1)
    sampler = RssSampler(stack.process.pid)
    before = sampler.rss()
    sampler.start()
    seen = send(stack.info.url(service), path, total, chunked)
    peak = sampler.stop()
    time.sleep(1.0)
    after = sampler.rss()
    mb = 1024 * 1024
    return {"route": route, "framing": "chunked" if chunked else "content-length", **seen,
            "rss_before_mb": round(before / mb, 1), "rss_peak_mb": round(peak / mb, 1),
            "rss_after_mb": round(after / mb, 1), "rss_growth_mb": round((peak - before) / mb, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=int, default=500, help="body size in MB (default 500)")
    parser.add_argument("--routes", default=",".join(ROUTES), help="service:path,... (default: %(default)s)")
    args = parser.parse_args(argv)
    total = args.mb * 1024 * 1024
    results = []
    with Serve() as stack:
        start = psutil.Process(stack.process.pid).memory_info().rss
        for route in args.routes.split(","):
            for chunked in (False, True):
                results.append(measure(stack, route, total, chunked))
        end = psutil.Process(stack.process.pid).memory_info().rss
    mb = 1024 * 1024
    print(json.dumps({"body_mb": args.mb, "rss_at_start_mb": round(start / mb, 1), "rss_at_end_mb": round(end / mb, 1),
                      "runs": results}, indent=2))
    print(f"\n{args.mb} MB bodies, server RSS (MB): before → peak while sending → a second after")
    for r in results:
        print(f"  {r['route']:<36} {r['framing']:<15} {r['rss_before_mb']:>7} → {r['rss_peak_mb']:>7} → "
              f"{r['rss_after_mb']:>7}   answer {r['status']}, {r['sent_mb']} MB sent in {r['seconds']} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
