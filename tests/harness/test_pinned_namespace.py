"""A pinned namespace for outside portals (docs/wiring.md): the stack's default namespace for requests that
name none, pytest's --dvc-namespace, `run --namespace`, and the journeys that only the emulator can run."""

from __future__ import annotations

import json
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from harness.cli import main
from harness.control import Faults
from harness.run import RunOptions, pytest_command
from harness.stack import Stack, StackInfo
from mocks.core.namespace import carried, with_default
from tests.nested import WITHOUT_UNUSED_PLUGINS

pytest_plugins = ["pytester"]
PINNED = "pinned-portal"
INNER = ("-p", "no:cacheprovider", "-p", "no:playwright", *WITHOUT_UNUSED_PLUGINS)  # the inner runs open no browser


@pytest.fixture(scope="module")
def pinned_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    stack = Stack.start(tmp_path_factory.mktemp("pinned"), default_namespace=PINNED)
    yield stack
    stack.stop()


def _reset_answer(url: str, token: str, **headers: str) -> str:
    """POST /_admin/reset answers the namespace it reset: the one the request landed in."""
    answer = requests.post(f"{url}/_admin/reset", headers={"X-Admin-Token": token, **headers}, timeout=10)
    answer.raise_for_status()
    return str(answer.json()["namespace"])


# -- the stack default ------------------------------------------------------------------------------------
def test_requests_naming_no_namespace_land_in_the_stack_default(pinned_stack: Stack) -> None:
    token = pinned_stack.info.admin_token
    for url in pinned_stack.urls.values():
        assert _reset_answer(url, token) == PINNED
        assert _reset_answer(url, token, **{"X-DVC-Namespace": "mine"}) == "mine"
        assert _reset_answer(url, token, Cookie="dvc_ns=from-cookie") == "from-cookie"


def test_a_portal_call_without_namespace_is_journaled_in_the_default(pinned_stack: Stack) -> None:
    """What a real back end does: a call with no header, seen in the pinned namespace's journal only."""
    provincial, token = pinned_stack.urls["provincial"], pinned_stack.info.admin_token
    assert requests.get(f"{provincial}/api/v1/procedures", params={"limit": 1}, timeout=10).ok

    def journaled(ns: str) -> int:
        answer = requests.get(f"{provincial}/_admin/journal", params={"url_contains": "/api/v1/procedures"},
                              headers={"X-Admin-Token": token, "X-DVC-Namespace": ns}, timeout=10)
        return len(answer.json()["entries"])

    assert journaled(PINNED) >= 1
    assert journaled("default") == 0


def test_stack_json_names_the_default_namespace(pinned_stack: Stack) -> None:
    written = json.loads((Path(pinned_stack.config.state_dir) / "stack.json").read_text(encoding="utf-8"))
    assert written["default_namespace"] == PINNED
    assert StackInfo.from_dict(written).default_namespace == PINNED
    assert StackInfo.from_dict({**written, "default_namespace": None}).default_namespace == "default"


def test_the_default_is_added_only_when_the_request_names_none() -> None:
    assert with_default([], "p") == [(b"x-dvc-namespace", b"p")]
    assert with_default([(b"x-dvc-namespace", b"a")], "p") == [(b"x-dvc-namespace", b"a")]
    assert with_default([(b"cookie", b"x=1; dvc_ns=c")], "p") == [(b"cookie", b"x=1; dvc_ns=c")]
    assert with_default([], "default") == []


def test_the_header_wins_over_the_cookie_whatever_their_order(pinned_stack: Stack) -> None:
    """One rule for the faults, the journal and the routes: a cookie sent before the header does not win."""
    assert carried([(b"cookie", b"dvc_ns=alpha"), (b"x-dvc-namespace", b"beta")]) == "beta"
    assert carried([(b"x-dvc-namespace", b"beta"), (b"cookie", b"dvc_ns=alpha")]) == "beta"
    assert carried([(b"cookie", b"a=1; dvc_ns=alpha")]) == "alpha" and carried([]) is None
    ns = f"hdr-{uuid.uuid4().hex[:8]}"
    Faults(pinned_stack.info, ns).error("provincial", "/api/v1/agencies", status=418)
    # A raw request whose cookie comes first: the fault of the header's namespace applies, as the route's does.
    with socket.create_connection(("127.0.0.1", int(pinned_stack.urls["provincial"].rsplit(":", 1)[1]))) as conn:
        conn.sendall(f"GET /api/v1/agencies HTTP/1.1\r\nHost: x\r\nCookie: dvc_ns=other-{ns}\r\n"
                     f"X-DVC-Namespace: {ns}\r\nConnection: close\r\n\r\n".encode())
        answer = conn.recv(200).decode("latin-1")
    assert answer.startswith("HTTP/1.1 418"), answer


def test_serve_refuses_a_bad_default_namespace(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["serve", "--default-namespace", "not a name!"])
    assert exited.value.code == 2
    assert "Invalid namespace" in capsys.readouterr().err



def test_the_namespace_rule_refuses_a_trailing_newline() -> None:
    from mocks.core.errors import DomainError
    from mocks.core.namespace import check

    assert check("a") == "a"
    for bad in ("a\n", "", "x" * 65, "a b"):
        with pytest.raises(DomainError):
            check(bad)


@pytest.mark.parametrize("command", [["load", "--profile", "smoke"], ["seed-history", "--profile", "quangnam-2022-01"]])
@pytest.mark.parametrize("bad", ["not a name!", "a\n"])
def test_load_and_seed_history_refuse_a_bad_namespace(capsys: pytest.CaptureFixture[str], command: list[str],
                                                      bad: str) -> None:
    with pytest.raises(SystemExit) as exited:            # argparse's error: nothing runs, no run of 400s
        main([*command, "--namespace", bad])
    assert exited.value.code == 2
    assert "--namespace: Invalid namespace" in capsys.readouterr().err

# -- `dvc-harness run --namespace` --------------------------------------------------------------------------
def test_run_with_a_namespace_passes_it_on_with_one_worker(tmp_path: Path) -> None:
    opts = RunOptions(namespace=PINNED, workers=2, hooks="mypkg.hooks:back_office", pages="mypkg.pages:portal")
    cmd = pytest_command(opts, 7, tmp_path, tmp_path / "state")
    assert f"--dvc-namespace={PINNED}" in cmd and "--dvc-hooks=mypkg.hooks:back_office" in cmd
    assert "-n" not in cmd and opts.workers == 1
    assert "-n" in pytest_command(RunOptions(workers=2), 7, tmp_path, tmp_path / "state")


def test_the_run_command_line_takes_namespace_and_hooks(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[RunOptions] = []
    monkeypatch.setattr("harness.run.run", lambda opts: seen.append(opts) or 0)
    assert main(["run", "--namespace", PINNED, "--hooks", "a.b:c", "--no-smoke"]) == 0
    assert (seen[0].namespace, seen[0].hooks, seen[0].workers) == (PINNED, "a.b:c", 1)


# -- pytest's --dvc-namespace ---------------------------------------------------------------------------------
PINNED_TESTS = '''
import requests

def test_one(dvc_namespace, dvc_platform, dvc_data):
    assert dvc_namespace == "pinned-portal"
    dvc_platform.ready_account(dvc_data.citizen())

def test_two(dvc_namespace, dvc_journal):
    # reset before this test: the registration of test_one is gone with the rest of the namespace
    assert dvc_namespace == "pinned-portal"
    assert dvc_journal.count("national") == 0
'''


def test_every_test_runs_in_the_pinned_namespace_reset_before_it(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_pinned=PINNED_TESTS)
    result = pytester.runpytest_inprocess(*INNER, "-p", "no:xdist", f"--dvc-namespace={PINNED}")
    result.assert_outcomes(passed=2)
    assert f"every test in the namespace {PINNED}" in result.stdout.str()


def test_a_pinned_namespace_follows_the_services_rule(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_pinned=PINNED_TESTS)
    result = pytester.runpytest_inprocess(*INNER, "-p", "no:xdist", "--dvc-namespace=a\n")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "Invalid namespace" in result.stderr.str() + result.stdout.str()


def test_a_pinned_namespace_refuses_parallel_workers(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_pinned=PINNED_TESTS)
    result = pytester.runpytest_inprocess(*INNER, "-n", "2", f"--dvc-namespace={PINNED}")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "drop -n" in result.stderr.str() + result.stdout.str()


EMULATOR_ONLY_TESTS = '''
import pytest

@pytest.mark.dvc_emulator_only("the emulator's officers' pages")
def test_officers():
    pass

def test_citizens():
    pass
'''


def test_emulator_only_journeys_are_skipped_with_their_reason_on_other_pages(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_marked=EMULATOR_ONLY_TESTS)
    result = pytester.runpytest_inprocess(*INNER, "-p", "no:xdist", "-rs", "--dvc-pages=mypkg.pages:portal")
    result.assert_outcomes(passed=1, skipped=1)
    assert "emulator only (the emulator's officers' pages); the portal under test is mypkg.pages:portal" in (
        result.stdout.str())
    pytester.runpytest_inprocess(*INNER, "-p", "no:xdist").assert_outcomes(passed=2)


def test_serve_workers_inherit_the_default_from_the_environment(monkeypatch: pytest.MonkeyPatch,
                                                                tmp_path: Path) -> None:
    """`serve --workers N` children build their own StackConfig: `--default-namespace` reaches them this way."""
    from mocks.core.config import DEFAULT_NAMESPACE_VARIABLE, Credentials, StackConfig

    made = {"state_dir": tmp_path, "urls": {}, "credentials": Credentials.generate()}
    monkeypatch.delenv(DEFAULT_NAMESPACE_VARIABLE, raising=False)
    assert StackConfig(**made).default_namespace == "default"
    monkeypatch.setenv(DEFAULT_NAMESPACE_VARIABLE, PINNED)
    assert StackConfig(**made).default_namespace == PINNED
