"""`dvc-harness serve --workers N`: the five emulators in N processes that share one state.

The parent reserves the five ports (N..N+4, as `serve` does) and starts N child processes
(`python -m harness.workers --child`); each child listens on the same ports with SO_REUSEPORT
and runs the five services on one asyncio loop. The kernel spreads the connections evenly over
the children's sockets (with one shared listening socket, long-lived keep-alive connections —
a load generator's — tend to land on one child). Where SO_REUSEPORT does not exist, the
children inherit the parent's listening sockets instead.

Everything that must be the same for every child lives in the state folder's stores, not in
process memory, so that N children answer as one server would:

- data, web sessions (citizens' and officers'), one-time codes, counters, the namespace clocks,
  fault rules (and their hit counters), the journal: SQLite, WAL, with the write lock taken up
  front; fault rules are re-read when `faults.stamp` changes, so a rule posted to one child
  applies in all of them;
- the national signing key: made once and stored (INSERT OR IGNORE, then read back), so every
  child signs with the same key and the provincial children's JWKS caches agree;
- outgoing calls: one dispatcher per service holds the outbox lease in the store; the others
  leave the queue alone (a new message waits for the lease holder's next poll, ≤ 0.2 s);
- per-process caches (the catalogue's pre-serialised pages, the OIDC discovery and JWKS of the
  relying party, reference data) hold only what never changes while the stack runs.

The first child starts alone (it creates or migrates the tables), the others once it answers.
A child that dies is started again. Every answer carries `X-DVC-Worker: <index>`.
SIGINT/SIGTERM stop the children, then the parent removes stack.json.

The children die with their parent, however it ends (even `kill -9`): on Linux the kernel sends them
SIGTERM (PR_SET_PDEATHSIG); everywhere, each child watches its stdin, a pipe only the parent writes
to, and stops at its end of file. They inherit the parent's hold on DIR/serve.lock (an flock), so no
second `serve` takes the folder while any of them still runs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import uvicorn

from mocks.core.config import SERVICES, Credentials, StackConfig

WORKER_HEADER = b"x-dvc-worker"
READY = "ready"
START_TIMEOUT = 60.0
ORPHAN_GRACE = 1.0  # an orphan's graceful stop (its five services at once), then it exits anyway: nobody waits
# for it, and what it accepted is committed (SQLite); what its outboxes had still to send, the next serve sends
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def add_serve_workers_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--workers", type=int, default=1, metavar="N",
                        help="run the emulators in N processes sharing the state folder (default 1: threads in "
                             "this process)")


# -- the child ---------------------------------------------------------------------------------------------
class _WorkerTag:
    """Adds `X-DVC-Worker: <index>` to every answer (which child served it)."""

    def __init__(self, app: Any, index: int) -> None:
        self.app = app
        self.value = str(index).encode()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.app, name)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def tagged(message: Any) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), (WORKER_HEADER, self.value)]}
            await send(message)

        await self.app(scope, receive, tagged)


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:  # the child handles the signals for its four servers
        yield


REUSE_PORT = hasattr(socket, "SO_REUSEPORT")


def _socket(host: str, port: int, *, listen: bool) -> socket.socket:
    """A socket on host:port shared with the other workers (SO_REUSEPORT); `listen` False only reserves the port."""
    # IPPROTO_TCP said explicitly: asyncio sets TCP_NODELAY only on sockets whose proto says TCP, and
    # without it every answer written in two parts waits ~40 ms for the client's delayed ACK (Nagle)
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    if listen:
        sock.listen(2048)
    return sock


def _resolve_prctl() -> Any:
    """libc's prctl (Linux), else None. Looked up once, at import, in the parent: `die_with_parent` runs as a
    preexec_fn, in a child forked from a process with threads, where a dlopen may deadlock on a held lock."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


_PRCTL = _resolve_prctl()


def die_with_parent(parent: int) -> None:
    """Linux: the kernel sends this process SIGTERM when its parent dies. Asked for after the start, so the
    parent may be gone already: then stop now (an orphan has a new parent). Safe after fork: it only calls
    the prctl resolved at import."""
    if _PRCTL is not None:
        _PRCTL(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != parent:
        raise SystemExit(f"worker: the serve process {parent} is gone; not starting")


def exit_after(seconds: float) -> None:
    """End the process in `seconds` whatever its graceful stop is doing then (an orphan's deadline)."""
    timer = threading.Timer(seconds, os._exit, args=(1,))
    timer.daemon = True
    timer.start()


def watch_lifeline(on_end: Any) -> None:
    """Calls `on_end` when stdin — a pipe whose only writer is the parent — ends: the parent is gone
    (the portable half of dying with it). Exits the process if the stop takes longer than ORPHAN_GRACE."""

    def watch() -> None:
        with contextlib.suppress(OSError, ValueError):
            while sys.stdin.buffer.read(1):  # the parent never writes: only the end of file comes
                pass
        on_end()
        time.sleep(ORPHAN_GRACE)
        os._exit(1)

    threading.Thread(target=watch, name="dvc-lifeline", daemon=True).start()


def run_child(index: int, state_dir: Path, urls: dict[str, str], fds: dict[str, int],
              ports: dict[str, int] | None = None, bind: str = "127.0.0.1", lifeline: bool = False) -> int:
    from .stack import bound_malloc_arenas, create_app, raise_descriptor_limit, server_config

    raise_descriptor_limit()
    bound_malloc_arenas()

    config = StackConfig(state_dir=state_dir, urls=urls, credentials=Credentials.load_or_create(state_dir))
    servers: list[tuple[_Server, socket.socket]] = []
    for service in SERVICES:
        sock = _socket(bind, ports[service], listen=True) if ports else socket.socket(fileno=fds[service])
        app = _WorkerTag(create_app(service, config), index)
        server = _Server(server_config(app))
        servers.append((server, sock))

    async def main() -> None:
        loop = asyncio.get_running_loop()

        parent = os.getppid()

        def stop() -> None:
            for server, _ in servers:
                server.should_exit = True
            if lifeline and os.getppid() != parent:      # orphaned (the kernel's SIGTERM): be gone soon
                exit_after(ORPHAN_GRACE)

        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop)
        if lifeline:
            watch_lifeline(lambda: loop.call_soon_threadsafe(stop))
        tasks = [asyncio.create_task(server.serve(sockets=[sock])) for server, sock in servers]
        while not all(server.started for server, _ in servers):
            if any(t.done() for t in tasks):
                break
            await asyncio.sleep(0.01)
        else:
            print(READY, flush=True)
        await asyncio.gather(*tasks)

    try:  # the event loop in C, as uvicorn would pick for a single process
        import uvloop
    except ImportError:
        asyncio.run(main())
    else:
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            runner.run(main())
    return 0


# -- the parent --------------------------------------------------------------------------------------------
class Child:
    def __init__(self, index: int, state_dir: Path, urls: dict[str, str], sockets: dict[str, socket.socket],
                 bind: str, lock_fd: int | None = None) -> None:
        self.index = index
        self.lock_fd = lock_fd
        self.state_dir = state_dir
        self.urls = urls
        self.sockets = sockets
        self.bind = bind
        self.process: subprocess.Popen[str] | None = None

    def start(self) -> None:
        if self.process is not None and self.process.stdin is not None:
            self.process.stdin.close()  # the lifeline of the one that died
        cmd = [sys.executable, "-m", "harness.workers", "--child", str(self.index), "--state-dir", str(self.state_dir),
               "--urls", json.dumps(self.urls), "--bind", self.bind, "--parent", str(os.getpid())]
        fds: dict[str, int] = {}
        if REUSE_PORT:
            cmd += ["--ports", json.dumps({name: s.getsockname()[1] for name, s in self.sockets.items()})]
        else:
            fds = {name: s.fileno() for name, s in self.sockets.items()}
            cmd += ["--fds", json.dumps(fds)]
        # the lock's descriptor: the child holds the state folder with its parent (stack.StateLock);
        # stdin: the lifeline, a pipe that ends when the parent does
        inherited = (*fds.values(), *(() if self.lock_fd is None else (self.lock_fd,)))
        self.process = subprocess.Popen(cmd, pass_fds=inherited, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})

    def wait_ready(self, timeout: float = START_TIMEOUT) -> None:
        assert self.process is not None and self.process.stdout is not None
        box: list[str] = []
        reader = threading.Thread(target=lambda: box.append(self.process.stdout.readline()), daemon=True)  # type: ignore[union-attr]
        reader.start()
        reader.join(timeout)
        if not box or box[0].strip() != READY:
            self.stop()
            raise RuntimeError(f"worker {self.index} did not start (exit code {self.process.poll()})")
        # keep draining its output so that it never blocks on a full pipe
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        for line in self.process.stdout:
            sys.stdout.write(f"[worker {self.index}] {line}")

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, timeout: float = 10.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def serve_workers(args: argparse.Namespace) -> int:
    """`serve` with `args.workers` processes (args: state_dir, bind, base_port, workers)."""
    from .exits import EXIT_OK, fail
    from .stack import (
        STACK_FILE,
        StackError,
        StackInfo,
        _bind,
        _origin,
        describe,
        lock_state_dir,
        start_stack_clock,
        write_stack_json,
    )

    state_dir: Path = Path(args.state_dir).resolve()
    try:
        lock = lock_state_dir(state_dir)
    except StackError as exc:
        return fail("serve", exc)
    sockets: dict[str, socket.socket] = {}
    urls: dict[str, str] = {}
    children: list[Child] = []
    stop = threading.Event()
    try:
        try:
            for i, service in enumerate(SERVICES):
                port = 0 if not args.base_port else args.base_port + i
                if REUSE_PORT:
                    try:
                        sockets[service] = _socket(args.bind, port, listen=False)
                    except OSError as exc:
                        raise StackError(f"cannot listen on {args.bind}:{port}: {exc.strerror}") from exc
                else:
                    sockets[service] = _bind(args.bind, port)
        except StackError as exc:
            return fail("serve", exc)
        urls = {name: _origin(args.bind, s.getsockname()[1]) for name, s in sockets.items()}
        try:
            config = StackConfig(state_dir=state_dir, urls=urls, credentials=Credentials.load_or_create(state_dir))
            config = start_stack_clock(config, getattr(args, "as_of", None))
        except OSError as exc:
            return fail("serve", exc)
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        children = [Child(i, state_dir, urls, sockets, args.bind, lock.fd) for i in range(max(args.workers, 1))]
        try:
            children[0].start()            # alone first: it creates or migrates the tables
            children[0].wait_ready()
            for child in children[1:]:
                child.start()
            for child in children[1:]:
                child.wait_ready()
        except RuntimeError as exc:
            return fail("serve", exc)
        lock.record([os.getpid(), *(c.process.pid for c in children if c.process)])
        write_stack_json(state_dir, config)
        print(describe(StackInfo.from_dict(config.stack_json()), state_dir), flush=True)
        print(f"  {len(children)} worker processes: {', '.join(str(c.process.pid) for c in children if c.process)}",
              flush=True)
        while not stop.wait(0.5):
            for child in children:
                if not child.alive() and not stop.is_set():
                    code = child.process.poll() if child.process else None
                    print(f"dvc-harness serve: worker {child.index} exited ({code}); starting it again",
                          file=sys.stderr, flush=True)
                    child.start()
                    lock.record([os.getpid(), *(c.process.pid for c in children if c.process)])
                    try:
                        child.wait_ready()
                    except RuntimeError as exc:
                        print(f"dvc-harness serve: {exc}", file=sys.stderr, flush=True)
                        time.sleep(1)
        return EXIT_OK
    finally:
        for child in children:
            with contextlib.suppress(Exception):
                if child.process is not None and child.process.poll() is None:
                    child.process.send_signal(signal.SIGTERM)
        for child in children:
            child.stop()
        for s in sockets.values():
            s.close()
        path = state_dir / STACK_FILE
        with contextlib.suppress(OSError, ValueError):
            if urls and json.loads(path.read_text(encoding="utf-8")).get("services") == urls:
                path.unlink()
        lock.release()
        if children:
            print("dvc-harness: stopped", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.workers")
    parser.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--state-dir", type=Path, required=True)
    parser.add_argument("--urls", default="{}", help=argparse.SUPPRESS)
    parser.add_argument("--fds", default="{}", help=argparse.SUPPRESS)
    parser.add_argument("--ports", default="", help=argparse.SUPPRESS)
    parser.add_argument("--parent", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--bind", default="127.0.0.1")
    parser.add_argument("--base-port", type=int, default=0)
    add_serve_workers_option(parser)
    args = parser.parse_args(argv)
    if args.child is not None:
        if args.parent is not None:
            die_with_parent(args.parent)
        return run_child(args.child, args.state_dir.resolve(), json.loads(args.urls), json.loads(args.fds),
                         json.loads(args.ports) if args.ports else None, args.bind, lifeline=args.parent is not None)
    return serve_workers(args)


if __name__ == "__main__":
    raise SystemExit(main())
