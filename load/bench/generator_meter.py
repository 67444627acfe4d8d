"""The Locust side of load/bench/generator.py: measures a window of a run, and can record what the run sent.

Loaded beside the run's own locustfile (`-f load/locustfile.py,load/bench/generator_meter.py`). With
DVC_BENCH_OUT=FILE it waits DVC_BENCH_WARMUP_S seconds after the test starts, then counts, for
DVC_BENCH_SECONDS, the requests Locust recorded and the CPU time this process used; it writes them to FILE
and stops the run. With DVC_BENCH_RECORD=FILE it also writes every request the run sent (method, URL,
header fields, body, name, whether redirects were followed) for the replaying baseline.
"""

from __future__ import annotations

import base64
import json
import os
import time
from typing import Any

import gevent
from locust import events
from locust.env import Environment

REDIRECTS = (301, 302, 303, 307, 308)
LEFT_OUT = ("host", "content-length")     # the replaying client writes its own
_recorded: list[dict[str, Any]] = []


def _snapshot(env: Environment) -> dict[str, float]:
    total = env.stats.total
    return {"at": time.monotonic(), "cpu_s": time.process_time(), "requests": total.num_requests,
            "failures": total.num_failures, "bytes": total.total_content_length}


def _measure(env: Environment, out: str, warmup_s: float, seconds: float) -> None:
    gevent.sleep(warmup_s)
    profiler = None
    if os.environ.get("DVC_BENCH_PROFILE"):     # where the CPU goes (cProfile sees every greenlet of the thread)
        import cProfile

        profiler = cProfile.Profile(time.process_time)   # CPU time: the machine is shared
        profiler.enable()
    if os.environ.get("DVC_BENCH_PYSPY"):       # py-spy sees which greenlet runs: the fairer picture
        import subprocess

        subprocess.Popen([os.environ["DVC_BENCH_PYSPY"], "record", "--pid", str(os.getpid()), "--duration",
                          str(int(seconds)), "--format", "raw", "--rate", "250", "--gil", "-o",
                          os.environ["DVC_BENCH_PYSPY_OUT"]], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    start = _snapshot(env)
    gevent.sleep(seconds)
    end = _snapshot(env)
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(os.environ["DVC_BENCH_PROFILE"])
    figures = {k: end[k] - start[k] for k in start}
    figures["users"] = env.runner.user_count if env.runner else 0
    with open(out, "w", encoding="utf-8") as f:
        json.dump(figures, f)
    if os.environ.get("DVC_BENCH_RECORD"):
        with open(os.environ["DVC_BENCH_RECORD"], "w", encoding="utf-8") as f:
            json.dump(_recorded, f)
    if env.runner is not None:
        env.runner.quit()


@events.test_start.add_listener
def _start(environment: Environment, **_: Any) -> None:
    out = os.environ.get("DVC_BENCH_OUT")
    if out:
        gevent.spawn(_measure, environment, out, float(os.environ.get("DVC_BENCH_WARMUP_S", "5")),
                     float(os.environ.get("DVC_BENCH_SECONDS", "15")))


def _record(request_type: str, name: str, response: Any, **_: Any) -> None:
    if response is None:
        return
    first = response.history[0] if response.history else response
    sent = first.request
    body = sent.body or b""
    if isinstance(body, str):
        body = body.encode("utf-8")
    _recorded.append({
        "method": request_type, "url": sent.url, "name": name,
        "headers": {k: v for k, v in sent.headers.items() if k.lower() not in LEFT_OUT},
        "body": base64.b64encode(body).decode(), "follow": bool(response.history)
        or response.status_code not in REDIRECTS})


if os.environ.get("DVC_BENCH_RECORD"):
    events.request.add_listener(_record)
