"""Figures per 10 s of wall-clock time, for long runs: each request's count, failures and response
times (a histogram), and the retries (load/retry.py) this load process made.

Locust's statistics are cumulative, and its history gives percentiles per request over its last
10 s only, which cannot be added up into groups or minutes. When the environment names a file in
DVC_LOAD_TIMELINE, each Locust process that sends requests appends one JSON line per 10 s to
`<file>.<pid>`: `{"t": start of the 10 s (epoch seconds), "requests": {"GET provincial /...":
[count, failures, {ms: count}]}, "retries_made": total so far}`. load/bench/soak.py reads them.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import gevent
from locust.env import Environment

from load import retry

ENV = "DVC_LOAD_TIMELINE"
BUCKET_S = 10


def rounded(ms: float) -> int:
    """Response times as Locust's histograms keep them: 2 significant figures from 100 ms on."""
    digits = 0 if ms < 100 else -1 if ms < 1000 else -2 if ms < 10_000 else -3
    return int(round(ms, digits))


class Timeline:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.buckets: dict[int, dict[str, list[Any]]] = {}

    def request(self, request_type: str, name: str, response_time: float | None, exception: Any, **_: Any) -> None:
        bucket = self.buckets.setdefault(int(time.time() // BUCKET_S), {})
        entry = bucket.setdefault(f"{request_type} {name}", [0, 0, {}])
        entry[0] += 1
        if exception is not None:
            entry[1] += 1
        if response_time is not None:
            ms = rounded(response_time)
            entry[2][ms] = entry[2].get(ms, 0) + 1

    def flush(self, *, everything: bool = False) -> None:
        now = int(time.time() // BUCKET_S)
        done = sorted(k for k in self.buckets if everything or k < now)
        if not done:
            return
        with open(self.path, "a", encoding="utf-8") as out:
            for key in done:
                out.write(json.dumps({"t": key * BUCKET_S, "requests": self.buckets.pop(key),
                                      "retries_made": retry.RETRIES.made}) + "\n")

    def keep_flushing(self) -> None:
        while True:
            gevent.sleep(BUCKET_S)
            self.flush()


def install(environment: Environment) -> None:
    """Records the timeline when DVC_LOAD_TIMELINE names a file (see the module's doc)."""
    target = os.environ.get(ENV)
    if not target:
        return
    timeline = Timeline(Path(f"{target}.{os.getpid()}"))
    environment.events.request.add_listener(timeline.request)
    flusher: list[Any] = []
    environment.events.test_start.add_listener(lambda **_: flusher.append(gevent.spawn(timeline.keep_flushing)))

    def last(**_: Any) -> None:
        for greenlet in flusher:
            greenlet.kill(block=False)
        timeline.flush(everything=True)

    environment.events.quitting.add_listener(last)


__all__ = ["ENV", "Timeline", "install"]
