"""Start the five emulators, or find the ones already running (README.md: ports, `stack.json`).

`Stack.start()` runs them in this process, one uvicorn server per service in a thread,
on free loopback ports unless a base port is given, and writes `stack.json` once all
answer. `StackInfo.load()` reads the `stack.json` of a stack started elsewhere.
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import importlib
import json
import os
import socket
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

import requests
import uvicorn
from filelock import FileLock, Timeout

from mocks.core.clock import CLOCK_STAMP, Clock
from mocks.core.config import DEFAULT_BASE_PORT, DEFAULT_STATE_DIR, SERVICES, Credentials, StackConfig
from mocks.core.control import ControlMiddleware
from mocks.core.storage import Store

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]
try:
    import resource
except ImportError:  # Windows
    resource = None  # type: ignore[assignment]

STACK_FILE = "stack.json"
# How long a server keeps an idle kept-alive connection (uvicorn's default is 5 s). Longer than any client
# idles between two requests: a visitor thinking (the profiles' 2–8 s), an officer between rounds (5–15 s).
# At 5 s, the server's close crossed a client's next request on the wire now and then, and that request got no
# answer (`RemoteDisconnected`). 75 s is nginx's default, what a portal's own front end is likely to use.
KEEP_ALIVE_S = 75


class StackError(RuntimeError):
    """The stack could not be started or found."""


class StateDirTaken(StackError):
    """Another `serve` (or a run's own stack) holds the state folder."""


@dataclass(frozen=True)
class StackInfo:
    """What `stack.json` says: where the services are and the credentials to use them."""

    services: dict[str, str]
    admin_token: str
    oidc_client: dict[str, str]
    payment_partner: dict[str, str]
    postal: dict[str, str]
    sync: dict[str, str]
    profile: str = "quangnam"
    default_namespace: str = "default"     # where requests that name no namespace land (serve --default-namespace)
    as_of: str | None = None               # serve --as-of: where the stack's clock started (ISO), None: real time
    vneid_client: dict[str, str] = dataclasses.field(default_factory=dict)   # DVCQG as VNeID's relying party

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StackInfo:
        return cls(
            services=dict(data["services"]), admin_token=data["admin_token"],
            oidc_client=dict(data["oidc_client"]), payment_partner=dict(data["payment_partner"]),
            postal=dict(data["postal"]), sync=dict(data["sync"]), profile=data.get("profile", "quangnam"),
            default_namespace=data.get("default_namespace") or "default", as_of=data.get("as_of"),
            vneid_client=dict(data.get("vneid_client") or {}),
        )

    @classmethod
    def load(cls, state_dir: Path | str) -> StackInfo | None:
        path = Path(state_dir) / STACK_FILE
        if not path.exists():
            return None
        try:
            return cls.from_dict(json.loads(path.read_text(encoding="utf-8")))
        except (ValueError, KeyError):
            return None

    def url(self, service: str) -> str:
        return self.services[service]

    @property
    def urls(self) -> dict[str, str]:
        return self.services

    def credentials(self) -> Credentials:
        return Credentials(
            admin_token=self.admin_token,
            oidc_client_id=self.oidc_client["client_id"], oidc_client_secret=self.oidc_client["client_secret"],
            payment_partner_code=self.payment_partner["code"], payment_secret=self.payment_partner["secret"],
            postal_customer_code=self.postal["customer_code"], postal_access_token=self.postal["access_token"],
            sync_username=self.sync["username"], sync_password=self.sync["password"],
            vneid_client_id=self.vneid_client.get("client_id", "dvcqg"),
            vneid_client_secret=self.vneid_client.get("client_secret", ""),
        )

    def answers(self, timeout: float = 1.0) -> bool:
        """True when every service's health check answers."""
        try:
            return all(
                requests.get(f"{url}/_admin/health", timeout=timeout).ok for url in self.services.values()
            )
        except requests.RequestException:
            return False


def _bind(host: str, port: int) -> socket.socket:
    # IPPROTO_TCP: asyncio sets TCP_NODELAY only when the socket says TCP (else ~40 ms Nagle stalls)
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise StackError(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _origin(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}"


def create_app(service: str, config: StackConfig) -> Any:
    """The ASGI app of one service (`mocks.<service>.app.create_app`), inside the test-control layer
    (faults and journal: mocks.core.control), which must see the raw connection."""
    module = importlib.import_module(f"mocks.{service}.app")
    app = module.create_app(config)
    ctx = app.state.ctx
    return ControlMiddleware(app, service, ctx.faults, ctx.journal, ctx.fast_reads,
                             default_namespace=config.default_namespace)


def server_config(app: Any) -> uvicorn.Config:
    """The uvicorn settings of every emulator server, in threads (here) or in worker processes."""
    return uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on", timeout_graceful_shutdown=3,
                          timeout_keep_alive=KEEP_ALIVE_S)


def raise_descriptor_limit() -> None:
    """Open files up to the hard limit: each kept-alive connection is a descriptor, and many distributions
    start processes with a soft limit of 1,024 (a campaign load holds hundreds of visitors' connections)."""
    if resource is None:
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else max(soft, 65536)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


# glibc gives each thread that allocates an arena of its own, up to 8 per core, and each arena keeps the holes
# of what its threads freed. The servers' thread pool retires idle threads and starts new ones all day: a worker
# of a campaign soak grew from 110 to 225 MB in 30 minutes, in anonymous arena memory (docs/limits.md). Python
# holds the GIL for nearly every allocation, so more arenas buy no concurrency: two are enough.
MALLOC_ARENAS = 2
_M_ARENA_MAX = -8       # mallopt's parameter (glibc's malloc.h)


def bound_malloc_arenas(arenas: int = MALLOC_ARENAS) -> bool:
    """At most `arenas` malloc arenas in this process from now on (glibc); False where that cannot be set (another
    C library, another system) or when $MALLOC_ARENA_MAX says otherwise (the user's choice stands)."""
    if os.environ.get("MALLOC_ARENA_MAX"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(_M_ARENA_MAX, arenas))


def start_stack_clock(config: StackConfig, as_of: datetime | None) -> StackConfig:
    """Run the stack's clock from `as_of` (serve --as-of), or real time: written before any service starts, so
    every worker reads it; a state folder served before with another --as-of forgets it. The config names it."""
    control = Store(config.db_path("control"), synchronous="NORMAL")
    try:
        Clock(control, Path(config.state_dir) / CLOCK_STAMP).set_stack(as_of)
    finally:
        control.close()
    return dataclasses.replace(config, as_of=as_of.isoformat(timespec="seconds") if as_of else None)


def write_stack_json(state_dir: Path, config: StackConfig) -> Path:
    path = Path(state_dir) / STACK_FILE
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(config.stack_json(), indent=2, ensure_ascii=False), encoding="utf-8")
    os.chmod(tmp, 0o600)
    tmp.replace(path)
    return path


class _ThreadServer(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # older uvicorn; signals belong to the main thread
        pass


class Stack:
    """The emulators running in this process."""

    # origins of the stacks running in this process (tests that stub `requests` let their calls through)
    running_origins: ClassVar[set[str]] = set()

    def __init__(self, config: StackConfig, servers: list[tuple[_ThreadServer, threading.Thread]]) -> None:
        self.config = config
        self._servers = servers
        self._names: list[str] = []

    @classmethod
    def start(
        cls,
        state_dir: Path | str = DEFAULT_STATE_DIR,
        *,
        bind: str = "127.0.0.1",
        base_port: int | None = None,
        timeout: float = 30.0,
        write_file: bool = True,
        services: tuple[str, ...] = SERVICES,
        default_namespace: str | None = None,
        as_of: datetime | None = None,
    ) -> Stack:
        """Start the services (all of them unless `services` names a subset, for a service's own tests).
        `default_namespace`: where requests naming no namespace land (default: $DVC_DEFAULT_NAMESPACE or
        `default`); `as_of`: where the clock of every namespace that sets none starts (serve --as-of)."""
        state_dir = prepare_state_dir(state_dir).resolve()
        raise_descriptor_limit()
        bound_malloc_arenas()
        sockets: dict[str, socket.socket] = {}
        try:
            for i, service in enumerate(SERVICES):
                sockets[service] = _bind(bind, 0 if base_port is None else base_port + i)
        except StackError:
            for s in sockets.values():
                if s.fileno() != -1:
                    s.close()
            raise
        urls = {name: _origin(bind, s.getsockname()[1]) for name, s in sockets.items()}
        config = StackConfig(state_dir=state_dir, urls=urls, credentials=Credentials.load_or_create(state_dir))
        if default_namespace:
            config = dataclasses.replace(config, default_namespace=default_namespace)
        config = start_stack_clock(config, as_of)
        servers: list[tuple[_ThreadServer, threading.Thread]] = []
        stack = cls(config, servers)
        try:
            for service in SERVICES:
                if service not in services:
                    sockets[service].close()
                    continue
                app = create_app(service, config)
                server = _ThreadServer(server_config(app))
                thread = threading.Thread(
                    target=server.run, kwargs={"sockets": [sockets[service]]}, name=f"dvc-{service}", daemon=True
                )
                thread.start()
                servers.append((server, thread))
                stack._names.append(service)
            deadline = time.monotonic() + timeout
            while not all(s.started for s, _ in servers):
                if time.monotonic() > deadline or any(not t.is_alive() for _, t in servers):
                    raise StackError("the emulators did not start; see the log above")
                time.sleep(0.01)
        except BaseException:
            stack.stop()
            for s in sockets.values():
                if s.fileno() != -1:
                    s.close()
            raise
        if write_file:
            write_stack_json(state_dir, config)
        cls.running_origins.update(urls.values())
        return stack

    @property
    def info(self) -> StackInfo:
        return StackInfo.from_dict(self.config.stack_json())

    @property
    def urls(self) -> dict[str, str]:
        return self.config.urls

    def app(self, service: str) -> Any:
        """The running ASGI app of a service (for tests that reach into its model)."""
        for (server, _), name in zip(self._servers, self._names, strict=True):
            if name == service:
                return server.config.app
        raise KeyError(service)

    def stop(self) -> None:
        Stack.running_origins.difference_update(self.config.urls.values())
        for server, _ in self._servers:
            server.should_exit = True
        for _, thread in self._servers:
            thread.join(timeout=10)
        self._servers.clear()
        path = Path(self.config.state_dir) / STACK_FILE
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("services") == self.config.urls:
                path.unlink()
        except (OSError, ValueError):
            pass

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class RemoteStack:
    """A stack started elsewhere (`dvc-harness serve`), seen through its stack.json.

    It offers what tests use of an in-process `Stack`: `urls`, `info`, `config`.
    """

    def __init__(self, info: StackInfo, state_dir: Path | str) -> None:
        self.info = info
        self.config = StackConfig(state_dir=Path(state_dir), urls=dict(info.services),
                                  credentials=info.credentials(), profile=info.profile,
                                  default_namespace=info.default_namespace, as_of=info.as_of)

    @property
    def urls(self) -> dict[str, str]:
        return self.info.services

    def stop(self) -> None:
        """Nothing to stop: the stack belongs to whoever started it."""


def prepare_state_dir(state_dir: Path | str) -> Path:
    """The state folder, made when missing; a StackError whose message is one line when it cannot be used."""
    state_dir = Path(state_dir)
    where = f"cannot use the state folder {state_dir}"
    if state_dir.exists() and not state_dir.is_dir():
        raise StackError(f"{where}: it is a file, not a folder")
    try:
        state_dir.mkdir(parents=True, exist_ok=True)
    except NotADirectoryError as exc:
        raise StackError(f"{where}: a part of its path is a file ({exc.filename})") from exc
    except OSError as exc:
        raise StackError(f"{where}: cannot create it ({exc.strerror.lower() if exc.strerror else exc})") from exc
    if not os.access(state_dir, os.W_OK | os.X_OK):
        raise StackError(f"{where}: this user may not write in it")
    return state_dir


class StateLock:
    """`serve`'s hold on DIR/serve.lock: an flock, the lock `harness.run` takes there too (filelock).

    An flock belongs to the open file, not to a process: worker processes that inherit the descriptor
    hold it with their parent, so the folder stays taken while any worker of a `serve` still runs —
    even one whose parent was killed. The file names the holders, for the refusal's message.
    """

    def __init__(self, path: Path, fd: int | None, fallback: Any = None) -> None:
        self.path = path
        self.fd = fd
        self._fallback = fallback

    @classmethod
    def acquire(cls, state_dir: Path) -> StateLock | None:
        """The lock, or None when someone else holds it."""
        path = state_dir / "serve.lock"
        if fcntl is None:  # no flock (Windows): filelock's own, which workers cannot share

            lock = FileLock(str(path))
            try:
                lock.acquire(timeout=0)
            except Timeout:
                return None
            return cls(path, None, lock)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        except BaseException:
            os.close(fd)
            raise
        lock = cls(path, fd)
        lock.record([os.getpid()])
        return lock

    def record(self, pids: list[int]) -> None:
        """Name the processes that hold the lock (this one and its workers)."""
        if self.fd is None:
            return
        with contextlib.suppress(OSError):
            os.ftruncate(self.fd, 0)
            os.pwrite(self.fd, json.dumps({"pids": pids}).encode(), 0)

    def release(self) -> None:
        if self._fallback is not None:
            self._fallback.release()
        if self.fd is not None:
            # the names go first: a later holder through filelock (`run`) writes none, and ours would be stale
            with contextlib.suppress(OSError):
                os.ftruncate(self.fd, 0)
            fcntl.flock(self.fd, fcntl.LOCK_UN)  # for every holder: the workers are gone by now
            os.close(self.fd)
            self.fd = None


def holders(state_dir: Path) -> list[int]:
    """The live processes DIR/serve.lock names (empty when it names none, or another tool holds it)."""
    try:
        pids = json.loads((state_dir / "serve.lock").read_text(encoding="utf-8"))["pids"]
    except (OSError, ValueError, KeyError, TypeError):
        return []
    return [pid for pid in pids if isinstance(pid, int) and process_alive(pid)]


def process_alive(pid: int) -> bool:
    """Running: a zombie (dead, its exit not yet collected) is not."""
    if not Path("/proc/self/stat").exists():  # no /proc: ask the kernel, which counts zombies as alive
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2:][:1] not in ("Z", "X")


def lock_state_dir(state_dir: Path) -> StateLock:
    """The state folder's serve lock, held; a StackError (one line) when the folder is unusable or taken."""
    state_dir = prepare_state_dir(state_dir)
    try:
        lock = StateLock.acquire(state_dir)
    except OSError as exc:
        raise StackError(f"cannot use the state folder {state_dir}: cannot open serve.lock ({exc.strerror})") from exc
    if lock is None:
        pids = holders(state_dir)
        by = f" (pid {', '.join(map(str, pids))})" if pids else ""
        raise StateDirTaken(f"another `dvc-harness serve`{by} already uses {state_dir}; "
                         "stop it or pick another --state-dir")
    return lock


def find_running(state_dir: Path | str) -> StackInfo | None:
    """The stack that DIR/stack.json names, when it answers."""
    info = StackInfo.load(state_dir)
    return info if info is not None and info.answers() else None


SERVICE_TITLES = {
    "national": "Cổng Dịch vụ công Quốc gia (national portal, SSO, sync gateway)",
    "provincial": "Cổng Dịch vụ công tỉnh Quảng Nam (provincial portal)",
    "payment": "Nền tảng thanh toán (payment platform)",
    "postal": "Bưu chính công ích (postal service)",
    "vneid": "VNeID, định danh điện tử (electronic identity, the IdP DVCQG federates)",
}


def describe(info: StackInfo, state_dir: Path) -> str:
    """What `serve` prints when the stack is up: the services, where to start, where stack.json is."""
    lines = ["dvc-harness: the emulated stack is up", ""]
    for name, url in info.services.items():
        lines.append(f"  {name:<11} {url:<28} {SERVICE_TITLES.get(name, '')}")
    prov, nat = info.url("provincial"), info.url("national")
    lines += [
        "",
        f"  Browse the provincial portal:  {prov}/",
        f"  Register a citizen:            {nat}/dang-ky   (one-time codes: GET {nat}/_admin/messages)",
        f"  Look a dossier up:             {nat}/tra-cuu",
        "  API documents:                 <service>/docs, /redoc, /openapi.json",
        "",
        f"  stack.json (admin token, clients): {state_dir.resolve() / 'stack.json'}",
        "  Stop with Ctrl-C.",
    ]
    if info.default_namespace != "default":
        lines.insert(-2, f"  Requests naming no X-DVC-Namespace work in: {info.default_namespace}")
    if info.as_of:
        lines.insert(-2, f"  Every namespace's clock runs from {info.as_of} unless it sets its own (--as-of)")
    return "\n".join(lines)


# -- a command's stack: the running one, or one started here ------------------------------------------
LOCK_WAIT_SECONDS = 15.0             # how long to wait for a `serve` that holds the folder to answer


@dataclass
class StackHandle:
    info: StackInfo
    started_here: bool
    stack: Stack | None = None
    lock: FileLock | None = None

    def close(self) -> None:
        if self.stack is not None:
            self.stack.stop()
        if self.lock is not None:
            self.lock.release()


def open_stack(state_dir: Path, wait: float | None = None) -> StackHandle:
    """The running stack of the state folder, or one started here (holding DIR/serve.lock, as serve does)."""
    info = find_running(state_dir)
    if info is not None:
        return StackHandle(info, started_here=False)
    try:
        state_dir.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(state_dir / "serve.lock"))
        lock.acquire(timeout=0)
    except Timeout:
        # Another serve or run holds the folder: it may still be starting, give it a moment.
        deadline = time.monotonic() + (LOCK_WAIT_SECONDS if wait is None else wait)
        while time.monotonic() < deadline:
            info = find_running(state_dir)
            if info is not None:
                return StackHandle(info, started_here=False)
            time.sleep(0.2)
        raise StackError(f"another process holds {state_dir / 'serve.lock'} but no stack answers at "
                       f"{state_dir / 'stack.json'}: stop it, or pick another --state-dir") from None
    except OSError as exc:
        raise StackError(f"cannot use {state_dir} as the state folder: {exc}") from exc
    try:
        stack = Stack.start(state_dir)
    except Exception as exc:
        lock.release()
        raise StackError(f"the emulators could not start in {state_dir}: {exc}") from exc
    return StackHandle(stack.info, started_here=True, stack=stack, lock=lock)


__all__ = [
    "DEFAULT_BASE_PORT",
    "LOCK_WAIT_SECONDS",
    "RemoteStack",
    "Stack",
    "StackError",
    "StackHandle",
    "StackInfo",
    "StateDirTaken",
    "StateLock",
    "describe",
    "find_running",
    "lock_state_dir",
    "open_stack",
    "prepare_state_dir",
    "process_alive",
    "write_stack_json",
]
