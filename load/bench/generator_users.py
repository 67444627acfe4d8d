"""The baseline of load/bench/generator.py: a bare Locust FastHttpUser sending the requests the real run sent.

DVC_BENCH_REPLAY=FILE holds them (load/bench/generator_meter.py recorded them): method, URL, header fields
(its cookies, namespace and content type included), body, the request's name, and whether it followed
redirects. Each user goes through them in order from a place of its own, with no think time, nothing
decoded and nothing checked: what Locust's fastest client costs for the same traffic.
"""

from __future__ import annotations

import base64
import json
import os
import random

from locust import FastHttpUser, constant, task

with open(os.environ["DVC_BENCH_REPLAY"], encoding="utf-8") as _f:
    SENT = [(r["method"], r["url"], r["name"], r["headers"], base64.b64decode(r["body"]) or None, r["follow"])
            for r in json.load(_f)]


class BareFastHttpUser(FastHttpUser):
    wait_time = constant(0)

    def on_start(self) -> None:
        self.next = random.randrange(len(SENT))

    @task
    def send(self) -> None:
        method, url, name, headers, body, follow = SENT[self.next]
        self.next = (self.next + 1) % len(SENT)
        self.client.request(method, url, name=name, data=body, headers=headers, allow_redirects=follow)
