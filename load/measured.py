"""The load's measured session: a visitor's HTTP (load/agent.py), each request named and reported to Locust.

- Each request is named `<service> <path template>` (load/names.py), or by `name=` / `request_name`; a request
  that follows redirects is one measurement, its time the whole chain's (as Locust's HttpSession does).
- An answer of 400 or more is a failure, unless its status is `tolerated` (an officer who finds a dossier
  already taken: 409) or `expecting` it (set by the API driver around a step that expects a refusal).
- A request that got no answer (the connection, a time-out) is reported as a failure, then raised: the
  journey cannot go on.

Locust is not imported here (its import patches the process): the caller hands in its request event
(`environment.events.request`) and the user.
"""

from __future__ import annotations

import time
from typing import Any

from requests import exceptions as errors

from load.agent import Agent, Response
from load.names import Namer


class StatusNotAccepted(Exception):
    """What Locust records for an answer counted as a failure: its status."""


class MeasuredSession(Agent):
    """A visitor's session whose every request Locust measures (see the module's doc)."""

    def __init__(self, namer: Namer, *, request_event: Any, user: Any = None, tolerated: tuple[int, ...] = (),
                 base_url: str = "", **kwargs: Any) -> None:
        super().__init__(base_url=base_url, name=namer, **kwargs)
        self.namer = namer
        self.request_event = request_event
        self.user = user
        self.tolerated = frozenset(tolerated)
        self.expecting: frozenset[int] = frozenset()     # set by the API driver around a step expecting them
        self.request_name: str | None = None

    def request(self, method: str, url: str, *args: Any, name: str | None = None,  # type: ignore[override]
                context: dict[str, Any] | None = None, **kwargs: Any) -> Response:
        url = self.absolute(url)
        name = name or self.request_name or self.namer(url)
        if self.user is not None:
            context = {**self.user.context(), **(context or {})}
        started_at = time.time()
        started = time.perf_counter()
        try:
            response = super().request(method, url, *args, **kwargs)
        except errors.RequestException as exc:
            self.request_event.fire(request_type=method.upper(), name=name, response_length=0, response=None,
                                    response_time=(time.perf_counter() - started) * 1000, context=context or {},
                                    exception=exc, start_time=started_at, url=url)
            raise
        elapsed_ms = (time.perf_counter() - started) * 1000
        status = response.status_code
        failed = None
        if status >= 400 and status not in self.tolerated and status not in self.expecting:
            failed = StatusNotAccepted(f"HTTP {status} {response.reason}".rstrip())
        self.request_event.fire(request_type=method.upper(), name=name, response_time=elapsed_ms,
                                response_length=len(response.content), response=response, context=context or {},
                                exception=failed, start_time=started_at, url=url)
        return response
