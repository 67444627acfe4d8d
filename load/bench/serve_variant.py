"""The stack with a change under study, for the benchmarks only (never for tests or users).

    python -m load.bench.serve_variant --state-dir DIR [--no-journal] [--fast-catalogue]

--no-journal: the request journal records nothing (what the hot read path would gain if the
catalogue reads were not journaled). --fast-catalogue: the unfiltered first page of the
catalogue answered by a bare ASGI route in front of FastAPI (inside the faults and the journal),
with the pre-serialised bytes the portal already keeps. It writes DIR/stack.json like `serve`
and runs until SIGTERM.
"""

from __future__ import annotations

import argparse
import signal
import threading
from typing import Any

import mocks.provincial.app as provincial_app
from harness.stack import Stack
from mocks.core.journal import Journal


class FastCatalogue:
    """GET /api/v1/procedures (no query) straight from the catalogue's bytes; everything else to FastAPI."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.body = app.state.portal.catalogue.first_page_json
        self.headers = [(b"content-type", b"application/json"), (b"content-length", str(len(self.body)).encode())]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.app, name)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if (scope["type"] == "http" and scope["method"] == "GET" and scope["path"] == "/api/v1/procedures"
                and not scope.get("query_string")):
            await send({"type": "http.response.start", "status": 200, "headers": self.headers})
            await send({"type": "http.response.body", "body": self.body})
            return
        await self.app(scope, receive, send)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--state-dir", required=True)
    parser.add_argument("--no-journal", action="store_true")
    parser.add_argument("--fast-catalogue", action="store_true")
    args = parser.parse_args(argv)
    if args.no_journal:
        Journal.record = lambda self, entry: None  # type: ignore[method-assign]
    if args.fast_catalogue:
        plain = provincial_app.create_app
        provincial_app.create_app = lambda config: FastCatalogue(plain(config))  # type: ignore[assignment]
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stack = Stack.start(args.state_dir)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        stack.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
