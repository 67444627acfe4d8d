"""`dvc-harness load`: a campaign profile against the emulated stack or a staging portal, with SLO gates.

    dvc-harness load --profile NAME [--host URL] [--users N] [--duration S] [--processes N]
                     [--state-dir DIR] [--report-dir DIR]

Without --host it uses the stack that DIR/stack.json names when it answers, or starts one
(and stops it at the end). Locust runs in a process of its own (`python -m locust -f
load/locustfile.py`), with the run's configuration as JSON; this process prints the SLO
table, checks the emulator for lost data, and leaves in the report folder: load-junit.xml
(one test case per SLO, and the consistency check), load-summary.json, load-results.json,
Locust's locust.html and locust_*.csv, and load.log (Locust's output).

Exit codes (docs/load.md): 0 every SLO held; 1 an SLO failed (or a hard limit stopped
the run early); 2 the run itself failed; 3 data was lost (the consistency check failed).

Distributed: `--processes N` runs N local Locust workers; across machines, one
`dvc-harness load ... --expect-workers N` (the master) and N `dvc-harness load --worker
--master-host HOST` (on any machine with dvc-harness installed).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from mocks.core.config import DEFAULT_STATE_DIR

from .arguments import as_of as as_of_argument
from .arguments import namespace as namespace_argument
from .children import sigterm_as_interrupt, start_child, stop_child

EXIT_OK, EXIT_FAILED, EXIT_ERROR, EXIT_DATA_LOST = 0, 1, 2, 3
DEFAULT_PROFILE = "smoke"
DEFAULT_REPORT_DIR = "reports"
LOG = "load.log"
CONFIG = ".load-config.json"
HTML = "load-report.html"
OWN_FILES = (CONFIG, "load-junit.xml", "load-summary.json", "load-results.json", LOG, "locust.html", "locust_stats.csv",
             "locust_stats_history.csv", "locust_failures.csv", "locust_exceptions.csv", HTML)
ECHO = ("dvc-load", "ERROR", "CPU usage above", "Traceback", "Exception", "Error:")


def locustfile() -> str:
    import load

    return str(Path(load.__file__).with_name("locustfile.py"))


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _seconds(text: str) -> float:
    value = float(text.rstrip("s"))
    if value <= 0:
        raise argparse.ArgumentTypeError("must be above 0")
    return value


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """The `load` sub-command (harness.cli wires it)."""
    p = subparsers.add_parser(
        "load", help="a Locust campaign profile with SLO gates, against the stack or a staging portal",
        description="Exit codes: 0 every SLO held, 1 an SLO failed, 2 the run itself failed, 3 data was lost. "
                    "Profiles: load/profiles/*.toml (smoke, campaign-peak, danang-campaign-peak, breakpoint) or a path "
                    "to your own.",
    )
    p.add_argument("--profile", default=DEFAULT_PROFILE, metavar="NAME|PATH",
                   help=f"campaign profile (default {DEFAULT_PROFILE})")
    p.add_argument("--host", default=None, metavar="URL",
                   help="the provincial portal under test (default: the emulator); the national, payment and "
                        "postal services stay those of the running stack")
    p.add_argument("--users", type=_positive, default=None, metavar="N",
                   help="peak users (users profiles) or visitors in flight per process at most (arrival profiles)")
    p.add_argument("--rate", type=float, default=None, metavar="R", help="peak journeys per second (arrival profiles)")
    p.add_argument("--duration", type=_seconds, default=None, metavar="S",
                   help="length of the run in seconds (the ramp keeps its share; breakpoint: fewer steps)")
    p.add_argument("--processes", type=int, default=None, metavar="N",
                   help="Locust worker processes on this machine (-1: one per core)")
    p.add_argument("--expect-workers", type=_positive, default=None, metavar="N",
                   help="run as the master of N workers started elsewhere (`dvc-harness load --worker`)")
    p.add_argument("--master-bind-host", default="*", metavar="ADDR", help="master: interface to listen on")
    p.add_argument("--master-bind-port", type=int, default=5557, metavar="PORT", help="master: port (default 5557)")
    p.add_argument("--worker", action="store_true", help="run as a worker of a master (`--expect-workers`)")
    p.add_argument("--master-host", default="127.0.0.1", metavar="HOST", help="worker: the master's address")
    p.add_argument("--master-port", type=int, default=5557, metavar="PORT", help="worker: the master's port")
    p.add_argument("--state-dir", type=Path, default=Path(DEFAULT_STATE_DIR),
                   help=f"state folder (default {DEFAULT_STATE_DIR})")
    p.add_argument("--report-dir", type=Path, default=Path(DEFAULT_REPORT_DIR),
                   help=f"where the reports go (default {DEFAULT_REPORT_DIR})")
    p.add_argument("--namespace", type=namespace_argument, default=None, metavar="NS",
                   help="namespace of the run (default load-<time>); with --host, the one the portal's back end "
                        "lands in (the stack's --default-namespace), so the consistency check finds its payments")
    p.add_argument("--api", default=None, metavar="MODULE:FACTORY",
                   help="the HTTP layer of your portal (default load.api:emulator_api)")
    p.add_argument("--seed", type=int, default=None, metavar="N", help="test data seed")
    p.add_argument("--as-of", type=as_of_argument, default=None, metavar="DATE",
                   help="the run's namespace clock runs from DATE (YYYY-MM-DD: its 09:00, or an ISO time): the "
                        "emulators answer with the rules of that date; it overrides the profile's as_of")
    p.add_argument("--no-check", action="store_true", help="skip the consistency check")
    p.add_argument("--explain", action="store_true", help="print the profile and its campaign model, do not run")
    p.add_argument("--check-api", default=None, metavar="MODULE:FACTORY",
                   help="do not run: call each method of this HTTP layer once against --host (the emulator by "
                        "default) and say what is missing or mis-shaped (exit 0, or 2 when a method is missing, "
                        "wrong or could not be reached); the stack must be running in --state-dir")
    p.set_defaults(func=cmd_load)
    return p


# -- the run -------------------------------------------------------------------------------------------------
def cmd_load(args: argparse.Namespace) -> int:
    from load import profiles

    if args.worker:
        return run_worker(args.master_host, args.master_port, args.report_dir)
    if args.check_api:
        return check_api(args.check_api, host=args.host, state_dir=args.state_dir,
                         namespace=args.namespace or f"check-api-{uuid.uuid4().hex[:8]}")
    try:
        profile = profiles.load(args.profile).with_overrides(users=args.users, duration_s=args.duration,
                                                               rate=args.rate)
    except profiles.ProfileError as exc:
        print(f"dvc-harness load: {exc}", file=sys.stderr)
        return EXIT_ERROR
    if args.explain:
        print(explain(profile))
        return EXIT_OK
    return run_load(LoadOptions(
        profile=profile, host=args.host, state_dir=args.state_dir, report_dir=args.report_dir,
        processes=args.processes, expect_workers=args.expect_workers, master_bind_host=args.master_bind_host,
        master_bind_port=args.master_bind_port, namespace=args.namespace, api=args.api, seed=args.seed,
        check=not args.no_check, as_of=args.as_of,
    ))


class LoadOptions:
    def __init__(self, profile: Any, *, host: str | None = None, state_dir: Path = Path(DEFAULT_STATE_DIR),
                 report_dir: Path = Path(DEFAULT_REPORT_DIR), processes: int | None = None,
                 expect_workers: int | None = None, master_bind_host: str = "*", master_bind_port: int = 5557,
                 namespace: str | None = None, api: str | None = None, seed: int | None = None,
                 check: bool = True, echo: TextIO | None = None, as_of: datetime | None = None) -> None:
        self.profile = profile
        self.host = host.rstrip("/") if host else None
        self.state_dir = state_dir
        self.report_dir = report_dir
        self.processes = processes
        self.expect_workers = expect_workers
        self.master_bind_host = master_bind_host
        self.master_bind_port = master_bind_port
        self.namespace = namespace or f"load-{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:4]}"
        self.api = api
        self.seed = seed
        self.check = check
        self.echo = echo or sys.stdout
        self.as_of = as_of or profile.clock_start()     # the namespace clock starts there: --as-of, else the profile's


def explain(profile: Any) -> str:
    lines = [f"profile {profile.name} ({profile.source}): {profile.description}", f"  mode: {profile.mode}"]
    if profile.campaign:
        lines.append("  campaign model (every figure a parameter of [campaign]):")
        for key, value in profile.campaign.items():
            lines.append(f"    {key:<36} {value:,.6g}")
    if profile.as_of:
        lines.append(f"  as of {profile.as_of}: the run's namespace clock starts there (--as-of overrides it)")
    if profile.steps:
        s = profile.steps
        unit = "journeys/s" if profile.mode == "arrival" else "users"
        lines.append(f"  steps: {s.start:.4g} + k × {s.increment:.4g} {unit}, "
                     f"{s.step_s:g} s each, at most {s.max_steps}; must hold {s.must_hold:.4g}")
    else:
        unit = "journeys/s" if profile.mode == "arrival" else "users"
        lines.append(f"  ramp {profile.ramp_s:g} s to {profile.peak:.4g} {unit}, hold {profile.hold_s:g} s")
    shares = profile.mix_shares()
    lines.append("  mix: " + ", ".join(f"{k} {v:.1%}" for k, v in shares.items()))
    lines.append(f"  visitors think {profile.think_min_s:g}–{profile.think_max_s:g} s between steps")
    lines.append(f"  officers: {profile.officers} teams; think {profile.officer_think_min_s:g}–"
                 f"{profile.officer_think_max_s:g} s")
    return "\n".join(lines)


def _prepare_report_dir(report_dir: Path) -> None:
    report_dir.mkdir(parents=True, exist_ok=True)
    for name in OWN_FILES:
        (report_dir / name).unlink(missing_ok=True)


def _services(opts: LoadOptions) -> tuple[dict[str, str], str | None, Any, str]:
    """(service URLs, admin token, a handle to close, why the consistency check cannot run or "")."""
    from .stack import StackError, find_running, open_stack

    if opts.host:
        info = find_running(opts.state_dir)
        if info is None:
            services = {"provincial": opts.host, "national": opts.host, "payment": opts.host, "postal": opts.host}
            return services, None, None, f"{opts.host} is not the emulator"
        services = {**info.services, "provincial": opts.host}
        same = opts.host == info.services["provincial"].rstrip("/")
        return services, info.admin_token, None, "" if same else f"{opts.host} is not the emulator"
    try:
        handle = open_stack(opts.state_dir)
    except StackError as exc:
        raise RuntimeError(str(exc)) from exc
    return dict(handle.info.services), handle.info.admin_token, handle, ""


def _back_office(opts: LoadOptions, services: dict[str, str], admin_token: str) -> Any:
    """The outside portal's back office, as its --api factory gives it (LoadPortals.back_office), or None."""
    import requests

    from load.api import resolve_factory

    portals = resolve_factory(opts.api)(requests.Session(), services, namespace=opts.namespace,
                                        admin_token=admin_token)
    return getattr(portals, "back_office", None)


def locust_command(opts: LoadOptions, config: dict[str, Any]) -> list[str]:
    report = opts.report_dir.resolve()
    secret = report / CONFIG          # the admin token stays off the command line
    secret.write_text(json.dumps(config, ensure_ascii=False), encoding="utf-8")
    os.chmod(secret, 0o600)
    cmd = [sys.executable, "-m", "locust", "-f", locustfile(), "--headless", "--host", config["services"]["provincial"],
           "--html", str(report / "locust.html"), "--csv", str(report / "locust"), "--csv-full-history",
           "--only-summary", "--stop-timeout", "5", "--loglevel", "INFO", "--exit-code-on-error", "1",
           "--dvc-config", f"@{secret}"]
    if opts.processes:
        cmd += ["--processes", str(opts.processes)]
    if opts.expect_workers:
        cmd += ["--master", "--expect-workers", str(opts.expect_workers), "--master-bind-host",
                opts.master_bind_host, "--master-bind-port", str(opts.master_bind_port),
                "--expect-workers-max-wait", "120"]
    return cmd


def run_worker(master_host: str, master_port: int, report_dir: Path | None = None) -> int:
    """A Locust worker of a `dvc-harness load --expect-workers N` master; the master sends the configuration."""
    cmd = [sys.executable, "-m", "locust", "-f", locustfile(), "--worker", "--master-host", master_host,
           "--master-port", str(master_port), "--loglevel", "INFO"]
    return subprocess.call(cmd, env=_child_env())


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    for key in ("PYTEST_XDIST_WORKER", "PYTEST_XDIST_WORKER_COUNT", "PYTEST_XDIST_TESTRUNUID", "PYTEST_CURRENT_TEST"):
        env.pop(key, None)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _stream(process: subprocess.Popen[str], log: TextIO, echo: TextIO) -> None:
    assert process.stdout is not None
    for line in process.stdout:
        log.write(line)
        log.flush()
        if any(mark in line for mark in ECHO):
            echo.write("  " + line.split("/INFO/", 1)[-1].split("/WARNING/", 1)[-1])
            echo.flush()


def run_load(opts: LoadOptions) -> int:
    from load import consistency, report, slo

    profile = opts.profile
    out = opts.echo
    try:
        _prepare_report_dir(opts.report_dir)
    except OSError as exc:
        print(f"dvc-harness load: cannot use {opts.report_dir} as the report folder: {exc}", file=sys.stderr)
        return EXIT_ERROR
    summary_path, junit_path = opts.report_dir / report.SUMMARY, opts.report_dir / report.JUNIT
    if opts.api:  # a misspelt or unimportable --api: said at once, not after a run of errors
        from load.api import resolve_factory

        try:
            resolve_factory(opts.api)
        except (ValueError, ImportError) as exc:
            print(f"dvc-harness load: {exc}", file=sys.stderr)
            report.write_summary(summary_path, profile, None, None, None, EXIT_ERROR, error=str(exc))
            return EXIT_ERROR
    try:
        services, admin_token, handle, no_check = _services(opts)
    except Exception as exc:
        print(f"dvc-harness load: {exc}", file=sys.stderr)
        report.write_summary(summary_path, profile, None, None, None, EXIT_ERROR, error=str(exc))
        return EXIT_ERROR
    if admin_token is None and set(profile.mix_shares()) - {"browse"}:
        print("dvc-harness load: no emulated national portal answers in the state folder: only anonymous "
              "browsing can run against a host alone", file=out)
        profile = type(profile).from_json({**profile.to_json(), "mix": {"browse": 1.0}, "officers": 0})
    config = {"profile": profile.to_json(), "namespace": opts.namespace, "services": services,
              "admin_token": admin_token, "emulator": not no_check, "api": opts.api, "seed": opts.seed,
              "report_dir": str(opts.report_dir.resolve())}
    print(f"dvc-harness load: profile {profile.name} ({profile.mode}, {profile.duration_s:.0f} s) against "
          f"{services['provincial']}, namespace {opts.namespace}", file=out, flush=True)
    started = time.monotonic()
    interrupted = False
    try:
        if opts.as_of is not None and admin_token:     # before the first call in the namespace: its world
            _start_clock(services, admin_token, opts.namespace, opts.as_of)
        try:    # each journey of the mix gets its procedures, or the run stops here, before Locust starts
            config["catalogue"] = _catalogue(opts, profile, services, admin_token, officers=bool(
                profile.officers and admin_token and not no_check))
        except Exception as exc:
            error = _preflight_error(exc, services["provincial"])
            print(f"dvc-harness load: {error}", file=sys.stderr)
            report.write_summary(summary_path, profile, None, None, None, EXIT_ERROR, error=error)
            _write_html(opts.report_dir, out)
            return EXIT_ERROR
        clock = _clock(services, admin_token, opts.namespace)
        with open(opts.report_dir / LOG, "w", encoding="utf-8") as log, sigterm_as_interrupt():
            process = start_child(locust_command(opts, config), env=_child_env())
            reader = threading.Thread(target=_stream, args=(process, log, out), daemon=True)
            reader.start()
            try:
                while reader.is_alive():    # joined in steps: Ctrl-C or SIGTERM interrupts the wait at once
                    reader.join(0.2)
                code = process.wait()
            except KeyboardInterrupt:
                # Locust's own Ctrl-C: it writes its HTML, CSV and our results file for what ran so far
                interrupted = True
                print(f"\ndvc-harness load: interrupted after {time.monotonic() - started:.0f} s; "
                      "writing the partial reports", file=out, flush=True)
                stop_child(process)
                code = process.returncode
            reader.join(timeout=10)
        (opts.report_dir / CONFIG).unlink(missing_ok=True)
        results_path = opts.report_dir / "load-results.json"
        if not results_path.exists():
            error = (f"interrupted before Locust measured anything; see {opts.report_dir / LOG}" if interrupted else
                     f"Locust exited with {code} and wrote no results; see {opts.report_dir / LOG}")
            print(f"dvc-harness load: {error}", file=sys.stderr)
            report.write_summary(summary_path, profile, None, None, None, EXIT_ERROR, error=error,
                                 interrupted=interrupted)
            _write_html(opts.report_dir, out)
            return EXIT_ERROR
        results = json.loads(results_path.read_text(encoding="utf-8"))
        results.update(host=services["provincial"], clock=clock)
        if interrupted:
            results["stop_reason"] = f"interrupted (Ctrl-C or SIGTERM) after {time.monotonic() - started:.0f} s"
        outcome = slo.evaluate(profile, results)
        if not interrupted and not outcome.requests:
            # nothing was measured: no verdict can be given, whatever the SLOs would say of nothing
            error = (f"the run sent no request to {services['provincial']}: no verdict. Locust's log says why: "
                     f"{opts.report_dir / LOG}")
            print(f"dvc-harness load: {error}", file=sys.stderr)
            report.write_summary(summary_path, profile, outcome, None, results, EXIT_ERROR, error=error)
            report.write_junit(junit_path, profile, outcome, None, results, error=error)
            _write_html(opts.report_dir, out)
            return EXIT_ERROR
        checked: consistency.Report | None = None
        if opts.check:
            if interrupted:     # whoever pressed Ctrl-C wants out now; visits cut short are not data loss
                checked = consistency.Report(skipped="the run was interrupted")
            elif admin_token is None:
                checked = consistency.Report(skipped=no_check or "no admin token")
            elif no_check:      # an outside portal: its records through its back office, when its api gives one
                try:
                    back_office = _back_office(opts, services, admin_token)
                    checked = None if back_office is None else consistency.check_portal(
                        results["ledger"], back_office, services, opts.namespace, admin_token)
                except Exception as exc:
                    error = f"the consistency check could not read the portal's back office: {exc}"
                    print(f"dvc-harness load: {error}", file=sys.stderr)
                    report.write_summary(summary_path, profile, outcome, None, results, EXIT_ERROR, error=error)
                    _write_html(opts.report_dir, out)
                    return EXIT_ERROR
                if back_office is None:
                    checked = consistency.Report(skipped=f"{no_check} and the --api factory gives no back_office "
                                                         "to read its dossiers (docs/wiring.md)")
            else:
                try:
                    checked = consistency.check(results["ledger"], services, opts.namespace, admin_token)
                except Exception as exc:
                    error = f"the consistency check could not read the emulator: {exc}"
                    print(f"dvc-harness load: {error}", file=sys.stderr)
                    report.write_summary(summary_path, profile, outcome, None, results, EXIT_ERROR, error=error)
                    _write_html(opts.report_dir, out)
                    return EXIT_ERROR
        if checked is not None and checked.skipped:
            print(f"dvc-harness load: {checked.summary()}", file=out, flush=True)
        exit_code = EXIT_DATA_LOST if checked is not None and not checked.ok else (
            EXIT_OK if outcome.ok else EXIT_FAILED)
        if interrupted:
            exit_code = EXIT_ERROR
        print("\n" + report.table(profile, outcome, checked, results), file=out)
        retried = results.get("retries") or {}
        if retried:  # load/retry.py: sent again after meeting a kept-alive connection the server had closed
            print(f"  retried {sum(retried.values())} idempotent requests that met a connection the server had "
                  "closed while idle: " + ", ".join(f"{name} {n}" for name, n in sorted(retried.items())), file=out)
        report.write_junit(junit_path, profile, outcome, checked, results,
                           error=results["stop_reason"] if interrupted else None)
        report.write_summary(summary_path, profile, outcome, checked, results, exit_code, interrupted=interrupted)
        html = _write_html(opts.report_dir, out)
        failed = ", ".join(v.name + (" (no data)" if v.state == slo.NO_DATA else "") for v in outcome.failed)
        verdict = {EXIT_OK: "every SLO held", EXIT_FAILED: f"an SLO failed: {failed}",
                   EXIT_DATA_LOST: "DATA LOST (the consistency check failed)",
                   EXIT_ERROR: "INTERRUPTED: partial reports (the SLOs measured on what ran)"}[exit_code]
        print(f"\ndvc-harness load: {verdict} — exit {exit_code} after {time.monotonic() - started:.0f} s; "
              f"profile {profile.name} on {services['provincial']}, namespace {opts.namespace}, {clock}; "
              f"reports in {opts.report_dir} ({html.name if html else 'no HTML'} beside locust.html)",
              file=out, flush=True)
        return exit_code
    finally:
        if handle is not None:
            handle.close()


def _catalogue(opts: LoadOptions, profile: Any, services: dict[str, str], admin_token: str | None, *,
               officers: bool) -> dict[str, Any]:
    """The procedures of each journey in the mix, read once from the portal's catalogue through its --api."""
    import requests

    from load.api import resolve_factory
    from load.journeys import catalogue_json, read_catalogue

    with requests.Session() as session:
        portals = resolve_factory(opts.api)(session, services, namespace=opts.namespace, admin_token=admin_token)
        return catalogue_json(read_catalogue(portals, profile.mix_shares(), officers=officers))


def _preflight_error(exc: Exception, host: str) -> str:
    from load.journeys import CatalogueCannotServe

    if isinstance(exc, CatalogueCannotServe):
        said = "; ".join(f"{kind} needs {what}" for kind, what in exc.missing.items())
        return (f"the catalogue of {host} cannot serve every journey of the mix: {said}. Set their weight to 0 "
                "in the profile's [mix] (and [officers] users = 0 for officers), or publish such a procedure")
    return f"cannot read the catalogue of {host} before the run: {type(exc).__name__}: {exc}"


def _start_clock(services: dict[str, str], admin_token: str, namespace: str, as_of: datetime) -> None:
    import requests

    answer = requests.post(f"{services['national']}/_admin/clock", json={"set": as_of.isoformat(), "frozen": False},
                           headers={"X-Admin-Token": admin_token, "X-DVC-Namespace": namespace}, timeout=10)
    answer.raise_for_status()


def _clock(services: dict[str, str], admin_token: str | None, namespace: str) -> str:
    """The namespace's world (the date on the emulators' clock and its rules), for the verdict line and the
    summaries; the real date without them."""
    import requests

    today = time.strftime("%Y-%m-%d")
    if not admin_token:
        return f"{today} (real time: no emulated stack)"
    try:
        answer = requests.get(f"{services['national']}/_admin/world", timeout=10,
                              headers={"X-Admin-Token": admin_token, "X-DVC-Namespace": namespace})
        answer.raise_for_status()
        return str(answer.json()["said"])
    except (requests.RequestException, ValueError, KeyError, TypeError):
        return f"{today} (real time: the emulators' clock did not answer)"


def check_api(target: str, *, host: str | None, state_dir: Path, namespace: str, out: TextIO | None = None) -> int:
    """`load --check-api`: the seam's preflight (scenarios.api.check) against --host, or the emulated portal."""
    import requests

    from harness.clients import Platform
    from harness.testdata import DataFactory
    from scenarios.api import resolve_factory
    from scenarios.api.check import check_seam, report

    from .stack import find_running

    out = out or sys.stdout
    try:
        factory = resolve_factory(target, "--check-api")
    except (ValueError, ImportError) as exc:
        print(f"dvc-harness load: {exc}", file=sys.stderr)
        return EXIT_ERROR
    info = find_running(state_dir)
    if info is None:    # the methods past the catalogue need a citizen, made on the emulated national portal
        print(f"dvc-harness load: --check-api needs a running stack in {state_dir} (dvc-harness serve --state-dir "
              f"{state_dir}): it makes the citizen who logs in on your portal through the emulated national SSO",
              file=sys.stderr)
        return EXIT_ERROR
    services = {**info.services, **({"provincial": host.rstrip("/")} if host else {})}
    platform = Platform.connect(info, namespace=namespace)
    data = DataFactory(scope=namespace)

    def register() -> dict[str, Any]:   # one who logs in in the namespace's world
        return platform.ready_account(data.citizen())

    print(f"dvc-harness load: checking {target} against {services['provincial']} (namespace {namespace})", file=out)
    with requests.Session() as session:
        bundle = factory(session, services, namespace=namespace, admin_token=info.admin_token)
        results = check_seam(bundle, register, platform.vneid, session=session)
    print(report(results), file=out, flush=True)
    return EXIT_OK if all(r.ok for r in results) else EXIT_ERROR


def _write_html(report_dir: Path, out: TextIO) -> Path | None:
    """REPORT/load-report.html: the verdicts and the latency chart, beside Locust's own HTML."""
    from .report import write_load_html

    try:
        return write_load_html(report_dir)
    except OSError as exc:
        print(f"dvc-harness load: cannot write the HTML report in {report_dir}: {exc}", file=out)
        return None


def run_smoke(state_dir: Path, report_dir: Path, *, echo: TextIO | None = None, host: str | None = None,
              api: str | None = None, namespace: str | None = None, profile: str | None = None,
              as_of: datetime | None = None) -> tuple[int, bool]:
    """For `dvc-harness run`: a load profile (smoke unless `profile` names another) after the journeys, reports
    in REPORT/load/ — on the emulated portal, or on `host` through `api` (a team's portal); (exit code,
    interrupted)."""
    from load import profiles

    folder = report_dir / "load"
    code = run_load(LoadOptions(profiles.load(profile or DEFAULT_PROFILE), state_dir=state_dir, report_dir=folder,
                                echo=echo, host=host, api=api, namespace=namespace, as_of=as_of))
    try:
        interrupted = bool(json.loads((folder / "load-summary.json").read_text(encoding="utf-8")).get("interrupted"))
    except (OSError, ValueError):
        interrupted = False
    return code, interrupted


__all__ = ["EXIT_DATA_LOST", "EXIT_ERROR", "EXIT_FAILED", "EXIT_OK", "LoadOptions", "add_parser", "cmd_load",
           "run_load", "run_smoke"]


def main(argv: list[str] | None = None) -> int:
    """`python -m harness.load_cmd ...`: the same as `dvc-harness load ...`."""
    parser = argparse.ArgumentParser(prog="dvc-harness")
    add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["load", *(sys.argv[1:] if argv is None else argv)])
    return int(args.func(args))


if __name__ == "__main__":
    raise SystemExit(main())
