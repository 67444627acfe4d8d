"""`dvc-harness serve` and `seed-history` on a state folder they cannot use: one clear line, exit code 2.

A real process checks what only a process shows (its exit status, nothing but that line on its stderr, another
user's rights); the other refusals go through the same `main` in this process, which costs no interpreter start.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from harness import seed_history
from harness.cli import main
from harness.stack import StackError, StateDirTaken, StateLock, holders, lock_state_dir, prepare_state_dir
from tests.process_groups import started

COMMANDS = {
    "serve": ["serve", "--base-port", "0"],
    "serve --workers 2": ["serve", "--base-port", "0", "--workers", "2"],
    "seed-history": ["seed-history"],
}


def dvc_harness(args: list[str], state_dir: Path, as_user: Sequence[str] = ()) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*as_user, sys.executable, "-m", "harness.cli", *args, "--state-dir", str(state_dir)],
                          capture_output=True, text=True, timeout=120, start_new_session=True)


def in_process(args: list[str], state_dir: Path,
               capsys: pytest.CaptureFixture[str]) -> subprocess.CompletedProcess[str]:
    """The command through harness.cli.main, in a thread: one that got past its checks would start serving, and
    there it fails (no signal handlers outside the main thread) or times out instead of hanging the test."""
    capsys.readouterr()
    done: dict[str, object] = {}

    def command() -> None:
        try:
            done["code"] = main([*args, "--state-dir", str(state_dir)])
        except BaseException as exc:  # an escaped exception is what a traceback would have shown
            done["error"] = exc

    thread = threading.Thread(target=command, daemon=True)
    thread.start()
    thread.join(timeout=120)
    assert not thread.is_alive(), f"dvc-harness {' '.join(args)} did not stop: it got past its checks"
    if "error" in done:
        raise AssertionError(f"dvc-harness {' '.join(args)} raised instead of saying one line") from done["error"]
    return subprocess.CompletedProcess(args, int(done["code"]), "", capsys.readouterr().err)  # type: ignore[call-overload]


def one_line(result: subprocess.CompletedProcess[str], command: str) -> str:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"dvc-harness {command.split()[0]}: ")
    return lines[0]


@pytest.fixture
def locked_out() -> Iterator[tuple[Path, list[str]]]:
    """A folder this user may read but not write in, and the prefix that runs a command as such a user: as
    root, as nobody (root may write anywhere); otherwise as ourselves, the folder's mode keeping us out."""
    top = Path(tempfile.mkdtemp(prefix="dvc-locked-out-"))
    top.chmod(0o755)
    readonly = top / "readonly"
    (readonly / "state").mkdir(parents=True)
    as_user: list[str] = []
    if os.geteuid() == 0:
        if not shutil.which("setpriv"):
            pytest.skip("as root, this needs setpriv to run the command as another user")
        as_user = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    else:
        for folder in (readonly / "state", readonly):
            folder.chmod(0o555)
    try:
        yield readonly, as_user
    finally:
        for folder in (readonly, readonly / "state"):
            folder.chmod(0o755)
        shutil.rmtree(top)


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_state_folder_that_is_a_file(tmp_path: Path, command: str) -> None:
    state = tmp_path / "state"
    state.write_text("not a folder")
    line = one_line(dvc_harness(COMMANDS[command], state), command)
    assert line.endswith(f"cannot use the state folder {state}: it is a file, not a folder")


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_state_folder_under_a_file(tmp_path: Path, command: str, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "plain").write_text("a file")
    state = tmp_path / "plain" / "state"
    line = one_line(in_process(COMMANDS[command], state, capsys), command)
    assert f"cannot use the state folder {state}: a part of its path is a file" in line


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_state_folder_we_may_not_write_in(locked_out: tuple[Path, list[str]], command: str) -> None:
    readonly, as_user = locked_out
    line = one_line(dvc_harness(COMMANDS[command], readonly / "state", as_user), command)
    assert line.endswith(f"cannot use the state folder {readonly / 'state'}: this user may not write in it")


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_state_folder_we_may_not_create(locked_out: tuple[Path, list[str]], command: str) -> None:
    readonly, as_user = locked_out
    state = readonly / "missing" / "state"
    line = one_line(dvc_harness(COMMANDS[command], state, as_user), command)
    assert line.endswith(f"cannot use the state folder {state}: cannot create it (permission denied)")


@pytest.mark.parametrize("command", list(COMMANDS))
def test_a_state_folder_another_serve_holds(tmp_path: Path, command: str, capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(seed_history, "LOCK_WAIT_SECONDS", 1.0)    # a holder that never answers: 1 s says it
    state = tmp_path / "state"
    state.mkdir()
    hold = ("import sys, time; from pathlib import Path; from harness.stack import lock_state_dir; "
            "lock = lock_state_dir(Path(sys.argv[1])); print('held', flush=True); time.sleep(120)")
    with started([sys.executable, "-c", hold, str(state)], stderr=None) as holder:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        line = one_line(in_process(COMMANDS[command], state, capsys), command)
    assert f"another `dvc-harness serve` (pid {holder.pid}) already uses {state}" in line
    if command == "seed-history":  # it would use a stack that answers; this one never does
        assert line.endswith(f"no stack answers there (waited {seed_history.LOCK_WAIT_SECONDS:.0f} s)")


def test_the_state_folder_rules_in_the_model(tmp_path: Path) -> None:
    assert prepare_state_dir(tmp_path / "a" / "b") == tmp_path / "a" / "b" and (tmp_path / "a" / "b").is_dir()
    (tmp_path / "file").write_text("")
    with pytest.raises(StackError, match="it is a file, not a folder"):
        prepare_state_dir(tmp_path / "file")
    lock = lock_state_dir(tmp_path)
    try:
        assert StateLock.acquire(tmp_path) is None              # one holder at a time, even in one process
        with pytest.raises(StackError, match=f"pid {os.getpid()}"):
            lock_state_dir(tmp_path)
    finally:
        lock.release()
    again = StateLock.acquire(tmp_path)
    assert again is not None
    again.release()


def test_seed_history_holds_the_folder_while_its_own_stack_runs(tmp_path: Path) -> None:
    with seed_history.stack_for(tmp_path) as info:          # nothing answers there: it starts a stack of its own
        assert info.answers(timeout=30)       # a busy machine may take seconds to answer
        with pytest.raises(StateDirTaken, match=f"pid {os.getpid()}"):
            lock_state_dir(tmp_path)
    lock_state_dir(tmp_path).release()                      # and lets the folder go with it


@pytest.mark.parametrize("command", ["serve", "serve --workers 2"])
@pytest.mark.parametrize("bad", ["no spaces", "a\n", "x" * 65])
def test_a_bad_default_namespace_in_the_environment(tmp_path: Path, command: str, bad: str,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    from mocks.core.config import DEFAULT_NAMESPACE_VARIABLE

    monkeypatch.setenv(DEFAULT_NAMESPACE_VARIABLE, bad)
    line = one_line(in_process(COMMANDS[command], tmp_path / "state", capsys), command)
    assert f"${DEFAULT_NAMESPACE_VARIABLE}={bad!r}: Invalid namespace" in line
    assert not (tmp_path / "state" / "stack.json").exists()     # refused before any service started


def test_a_released_lock_names_no_holder(tmp_path: Path) -> None:
    """`run` takes serve.lock through filelock and writes no pids: the last `serve`'s must not be left there,
    or a refusal would name a process (maybe a reused pid, here a live one: ours) that holds nothing."""
    from filelock import FileLock

    lock_state_dir(tmp_path).release()
    assert holders(tmp_path) == []
    with FileLock(str(tmp_path / "serve.lock")):
        with pytest.raises(StateDirTaken) as taken:
            lock_state_dir(tmp_path)
    assert "pid" not in str(taken.value)
    assert str(taken.value).startswith("another `dvc-harness serve` already uses")


def test_holders_are_the_live_processes_the_lock_names(tmp_path: Path) -> None:
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (tmp_path / "serve.lock").write_text(json.dumps({"pids": [os.getpid(), int(gone.stdout)]}))
    assert holders(tmp_path) == [os.getpid()]
