"""A small closed-loop HTTP/1.1 load generator (asyncio, keep-alive), for the benchmarks.

C connections each send a request, wait for the whole answer, and send the next, for a
fixed time. It measures what a server sustains at a given concurrency without another
tool on the machine.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass
class Result:
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


async def _worker(host: str, port: int, request: bytes, stop_at: float, result: Result) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.perf_counter() < stop_at:
            started = time.perf_counter()
            writer.write(request)
            await writer.drain()
            status_line = await reader.readline()
            length = 0
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b""):
                    break
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value.strip())
            if length:
                await reader.readexactly(length)
            ok = status_line.split(b" ")[1:2] == [b"200"]
            if ok:
                result.requests += 1
                result.latencies.append(time.perf_counter() - started)
            else:
                result.errors += 1
    except (ConnectionError, asyncio.IncompleteReadError):
        result.errors += 1
    finally:
        writer.close()


async def _run(url: str, concurrency: int, seconds: float, headers: dict[str, str]) -> Result:
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    lines = [f"GET {path or '/'} HTTP/1.1", f"Host: {parts.netloc}", *[f"{k}: {v}" for k, v in headers.items()]]
    request = ("\r\n".join(lines) + "\r\n\r\n").encode()
    result = Result()
    started = time.perf_counter()
    stop_at = started + seconds
    await asyncio.gather(*[_worker(parts.hostname or "127.0.0.1", parts.port or 80, request, stop_at, result)
                           for _ in range(concurrency)])
    result.seconds = time.perf_counter() - started
    return result


def run(url: str, *, concurrency: int, seconds: float, headers: dict[str, str] | None = None) -> Result:
    return asyncio.run(_run(url, concurrency, seconds, headers or {}))
