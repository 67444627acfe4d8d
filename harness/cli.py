"""The `dvc-harness` command."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sqlite3
import threading
from pathlib import Path

from mocks.core.config import DEFAULT_BASE_PORT, DEFAULT_NAMESPACE_VARIABLE, DEFAULT_STATE_DIR
from mocks.core.errors import DomainError
from mocks.core.namespace import check as check_namespace

from . import load_cmd, seed_history
from .arguments import as_of as _as_of
from .arguments import namespace as _namespace
from .exits import EXIT_OK, fail
from .stack import Stack, StackError, describe, lock_state_dir
from .workers import add_serve_workers_option, serve_workers


def _add_state_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--state-dir", type=Path, default=Path(DEFAULT_STATE_DIR),
                        help=f"state folder (default {DEFAULT_STATE_DIR})")


def cmd_serve(args: argparse.Namespace) -> int:
    if args.default_namespace:
        os.environ[DEFAULT_NAMESPACE_VARIABLE] = args.default_namespace  # `--workers` children inherit it
    elif os.environ.get(DEFAULT_NAMESPACE_VARIABLE):  # checked as --default-namespace is, before any service starts
        try:
            check_namespace(os.environ[DEFAULT_NAMESPACE_VARIABLE])
        except DomainError as exc:
            return fail("serve", f"${DEFAULT_NAMESPACE_VARIABLE}={os.environ[DEFAULT_NAMESPACE_VARIABLE]!r}: {exc.en}")
    if args.workers > 1:
        return serve_workers(args)
    state_dir: Path = args.state_dir
    stop = threading.Event()
    try:
        lock = lock_state_dir(state_dir)
    except StackError as exc:
        return fail("serve", exc)
    try:
        stack = Stack.start(state_dir, bind=args.bind, base_port=args.base_port or None,  # 0: any free ports
                            default_namespace=args.default_namespace, as_of=args.as_of)
    except (StackError, OSError, sqlite3.Error) as exc:  # a folder we may enter but not fill, for one
        lock.release()
        return fail("serve", exc)
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



def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _pages(text: str) -> str:
    if ":" not in text:
        raise argparse.ArgumentTypeError("wants MODULE:FACTORY")
    return text


def cmd_run(args: argparse.Namespace) -> int:
    from .run import RunOptions, run  # here, so that `serve` does not load the run's code

    extra = args.pytest_args[1:] if args.pytest_args[:1] == ["--"] else args.pytest_args
    return run(RunOptions(
        state_dir=args.state_dir, report_dir=args.report_dir, suite=args.suite, workers=args.workers,
        seed=args.seed, keyword=args.keyword, headed=args.headed, pages=args.pages, pytest_args=extra,
        smoke=args.smoke, namespace=args.namespace, hooks=args.hooks, load_host=args.load_host,
        load_api=args.load_api, load_profile=args.load_profile, driver=args.driver, api=args.api, as_of=args.as_of,
        browser=args.browser, video=args.video, slowmo=args.slowmo, retry=args.retry,
    ))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dvc-harness", description="Test harness for Vietnam's online public-service portals"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the five emulators until Ctrl-C or SIGTERM")
    _add_state_dir(serve)
    serve.add_argument("--bind", default="127.0.0.1", help="listen address (default 127.0.0.1)")
    serve.add_argument("--base-port", type=int, default=DEFAULT_BASE_PORT,
                       help=f"national N, provincial N+1, payment N+2, postal N+3, vneid N+4 "
                            f"(default {DEFAULT_BASE_PORT}; 0: any free ports)")
    serve.add_argument("--default-namespace", type=_namespace, default=None, metavar="NAME",
                       help="the namespace of requests that name none (a real portal's back end sends no "
                            f"X-DVC-Namespace); default: ${DEFAULT_NAMESPACE_VARIABLE} or 'default'")
    serve.add_argument("--as-of", type=_as_of, default=None, metavar="DATE",
                       help="run the clock of every namespace that sets none from DATE (YYYY-MM-DD: its 09:00, or an "
                            "ISO time): the emulators answer with the rules of that date (default: real time)")
    add_serve_workers_option(serve)
    serve.set_defaults(func=cmd_serve)

    run = sub.add_parser("run", help="run the scenario suite against the stack; JUnit XML and an HTML summary",
                         description="Exit codes: 0 all journeys and the smoke SLOs passed, 1 a journey or an "
                                     "SLO failed, 2 the run itself failed, 3 the smoke run lost data. "
                                     "Arguments after -- go to pytest as they are.")
    _add_state_dir(run)
    run.add_argument("--report-dir", type=Path, default=Path("reports"),
                     help="where junit.xml, summary.html/json, pytest.log and artifacts/ go (default reports)")
    run.add_argument("--suite", metavar="PATH_OR_PYARGS", default=None,
                     help="a test file, folder or node id, or a dotted package (default scenarios.suites)")
    run.add_argument("--workers", type=_positive, default=2, metavar="N", help="parallel pytest workers (default 2)")
    run.add_argument("--seed", type=int, default=None, metavar="N", help="test data seed (default: a new one, shown)")
    run.add_argument("-k", dest="keyword", default=None, metavar="EXPR", help="only the journeys pytest's -k selects")
    run.add_argument("--headed", action="store_true", help="show the browser (it needs a display)")
    run.add_argument("--browser", choices=("chromium", "firefox", "webkit"), default="chromium",
                     help="the browser of the journeys (pytest-playwright's --browser; default chromium, found on "
                          "the machine; firefox and webkit are Playwright's own: `.venv/bin/playwright install NAME`)")
    run.add_argument("--video", choices=("on", "off", "retain-on-failure"), default=None,
                     help="record the journeys (pytest-playwright's --video; it needs ffmpeg)")
    run.add_argument("--slowmo", type=float, default=None, metavar="MS",
                     help="slow every browser action by MS milliseconds (pytest-playwright's --slowmo)")
    run.add_argument("--driver", choices=("browser", "api"), default="browser",
                     help="how the journeys reach the portals: browser (Playwright, the default) or api (HTTP, no "
                          "browser: the fast tier; the browser-only suites skip)")
    run.add_argument("--api", type=_pages, default=None, metavar="MODULE:FACTORY",
                     help="your portal's HTTP layer (pytest's --dvc-api; scenarios.api.seam): the api driver runs on "
                          "it, the browser journeys log in through it, and the smoke load uses it (docs/wiring.md)")
    run.add_argument("--pages", type=_pages, default=None, metavar="MODULE:FACTORY",
                     help="page objects of the portal under test (pytest's --dvc-pages)")
    run.add_argument("--hooks", type=_pages, default=None, metavar="MODULE:FACTORY",
                     help="the portal's back-office hooks (pytest's --dvc-hooks; see docs/wiring.md)")
    run.add_argument("--namespace", type=_namespace, default=None, metavar="NAME",
                     help="run every journey in this one namespace (pytest's --dvc-namespace), with one worker: "
                          "for a portal whose back end sends no X-DVC-Namespace (docs/wiring.md)")
    run.add_argument("--no-retry", dest="retry", action="store_false",
                     help="trace every journey and keep the failures' traces, instead of the default: the journeys "
                          "untraced (a third faster), the failed ones run again, traced (docs/reports.md)")
    run.add_argument("--no-smoke", dest="smoke", action="store_false",
                     help="skip the smoke load profile that runs after the journeys")
    run.add_argument("--load-host", default=None, metavar="URL",
                     help="the portal the smoke load goes to (load's --host); with --pages of your own and no "
                          "--load-host the smoke load is skipped, since the emulator's would say nothing of yours")
    run.add_argument("--load-api", type=_pages, default=None, metavar="MODULE:FACTORY",
                     help="your portal's HTTP layer for the smoke load (load's --api; docs/wiring.md)")
    run.add_argument("--load-profile", default=None, metavar="NAME|PATH",
                     help="the load profile after the journeys (default smoke): a shipped name or your own TOML, "
                          "e.g. with SLO groups that match your portal's requests (docs/load.md)")
    run.add_argument("--as-of", type=_as_of, default=None, metavar="DATE",
                     help="every journey's namespace clock runs from DATE (pytest's --dvc-as-of; YYYY-MM-DD: its "
                          "09:00, or an ISO time), the smoke load's too: the emulators answer with that date's rules")
    run.add_argument("pytest_args", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    run.set_defaults(func=cmd_run)

    seed_history.add_parser(sub)
    load_cmd.add_parser(sub)
    journeys = sub.add_parser("journeys", help="the citizen journeys: what each needs, and the drivers that run it")
    journeys.add_argument("--json", action="store_true", help="as JSON")
    journeys.set_defaults(func=cmd_journeys)
    return parser


def cmd_journeys(args: argparse.Namespace) -> int:
    from .journeys_cmd import listing  # here: the registry is the scenarios' (only this command reads it)

    print(listing(as_json=args.json))
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
