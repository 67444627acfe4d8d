"""Locust users for the generator benchmark: the same catalogue read three ways (see load.bench.generator)."""

from __future__ import annotations

import os

from locust import FastHttpUser, HttpUser, User, constant, task

from load.api import LoadProvincialClient
from load.locustfile import MeasuredSession
from load.names import Namer

URLS = {"provincial": os.environ.get("DVC_BENCH_HOST", "http://127.0.0.1:8101")}
ROUTE = "/api/v1/procedures?limit=1"


class BareFastHttpUser(FastHttpUser):
    """The baseline: Locust's fastest client, nothing else."""

    wait_time = constant(0)

    @task
    def read(self) -> None:
        self.client.get(ROUTE)


class BareHttpUser(HttpUser):
    """Locust's requests-based session, which the harness's clients need (they take a requests.Session)."""

    wait_time = constant(0)

    @task
    def read(self) -> None:
        self.client.get(ROUTE)


class HarnessUser(User):
    """What dvc-harness load's users do: the harness's client over a MeasuredSession (named requests)."""

    wait_time = constant(0)

    def on_start(self) -> None:
        session = MeasuredSession(Namer(URLS), base_url=URLS["provincial"],
                                  request_event=self.environment.events.request, user=self)
        self.portal = LoadProvincialClient(URLS["provincial"], namespace="bench", session=session)

    @task
    def read(self) -> None:
        self.portal.procedures(limit=1)
