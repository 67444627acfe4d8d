"""Run the portal: `python -m examples.reference_portal --national URL --payment URL --postal URL --port N`,
or in a thread of another program (the tests) with `PortalServer`."""

from __future__ import annotations

import socket
import threading
import time

import uvicorn

from .app import create_app
from .config import Config, parse


class PortalServer:
    """The portal on a socket of its own, served by uvicorn in a background thread."""

    def __init__(self, config: Config, sock: socket.socket) -> None:
        self.config = config
        self.app = create_app(config)
        self._server = uvicorn.Server(uvicorn.Config(self.app, log_level="warning", lifespan="on"))
        self._server.install_signal_handlers = lambda: None  # type: ignore[method-assign]  # not the main thread
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]}, daemon=True,
                                        name="reference-portal")

    @classmethod
    def start(cls, config: Config, timeout: float = 15.0) -> PortalServer:
        """Listen on config.host:config.port (0: a free port, written back into the config) and wait until up."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((config.host, config.port))
        if config.port == 0:
            config.port = sock.getsockname()[1]
            config.public_url = f"http://{config.host}:{config.port}"
        server = cls(config, sock)
        server._thread.start()
        deadline = time.monotonic() + timeout
        while not server._server.started:
            if time.monotonic() > deadline or not server._thread.is_alive():
                server.stop()
                raise RuntimeError("the reference portal did not start; see the log")
            time.sleep(0.02)
        return server

    @property
    def url(self) -> str:
        return self.config.public_url

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)


def main(argv: list[str] | None = None) -> None:
    config = parse(argv)
    print(f"Cổng DVC tham khảo: {config.public_url} (DVCQG {config.national}, payment {config.payment}, "
          f"postal {config.postal})", flush=True)
    uvicorn.run(create_app(config), host=config.host, port=config.port, log_level="info")
