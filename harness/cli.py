"""The `dvc-harness` command."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from pathlib import Path

from filelock import FileLock, Timeout

from mocks.core.config import DEFAULT_BASE_PORT, DEFAULT_STATE_DIR

from .stack import Stack, StackError, StackInfo

EXIT_OK, EXIT_FAILED, EXIT_ERROR, EXIT_DATA_LOST = 0, 1, 2, 3

SERVICE_TITLES = {
    "national": "Cổng Dịch vụ công Quốc gia (national portal, SSO, sync gateway)",
    "provincial": "Cổng Dịch vụ công tỉnh Quảng Nam (provincial portal)",
    "payment": "Nền tảng thanh toán (payment platform)",
    "postal": "Bưu chính công ích (postal service)",
}


def _add_state_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--state-dir", type=Path, default=Path(DEFAULT_STATE_DIR),
                        help=f"state folder (default {DEFAULT_STATE_DIR})")


def describe(info: StackInfo, state_dir: Path) -> str:
    lines = ["dvc-harness: the emulated stack is up", ""]
    for name, url in info.services.items():
        lines.append(f"  {name:<11} {url:<28} {SERVICE_TITLES.get(name, '')}")
    prov, nat = info.url("provincial"), info.url("national")
    lines += [
        "",
        f"  Browse the provincial portal:  {prov}/",
        f"  Register a citizen:            {nat}/dang-ky   (one-time codes: GET {nat}/_admin/messages)",
        f"  Look a dossier up:             {nat}/tra-cuu",
        "  API documents:                 <service>/docs and <service>/openapi.json",
        "",
        f"  stack.json (admin token, clients): {state_dir.resolve() / 'stack.json'}",
        "  Stop with Ctrl-C.",
    ]
    return "\n".join(lines)


def cmd_serve(args: argparse.Namespace) -> int:
    state_dir: Path = args.state_dir
    state_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(state_dir / "serve.lock"))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        print(f"another `dvc-harness serve` already uses {state_dir}; stop it or pick another --state-dir",
              file=sys.stderr)
        return EXIT_ERROR
    stop = threading.Event()
    try:
        stack = Stack.start(state_dir, bind=args.bind, base_port=args.base_port)
    except StackError as exc:
        lock.release()
        print(f"dvc-harness serve: {exc}", file=sys.stderr)
        return EXIT_ERROR
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    print(describe(stack.info, state_dir), flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        stack.stop()
        lock.release()
        print("dvc-harness: stopped", flush=True)
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dvc-harness", description="Test harness for Vietnam's online public-service portals"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the four emulators until Ctrl-C or SIGTERM")
    _add_state_dir(serve)
    serve.add_argument("--bind", default="127.0.0.1", help="listen address (default 127.0.0.1)")
    serve.add_argument("--base-port", type=int, default=DEFAULT_BASE_PORT,
                       help=f"national N, provincial N+1, payment N+2, postal N+3 (default {DEFAULT_BASE_PORT})")
    serve.set_defaults(func=cmd_serve)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
