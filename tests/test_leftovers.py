"""The leftovers check (tests/leftovers.py) fails a run that leaves a process behind, and stops it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.nested import WITHOUT_UNUSED_PLUGINS
from tests.process_groups import alive

LEAKY = '''
import subprocess, sys

def test_forgets_its_child(tmp_path):
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"], start_new_session=True)
    (tmp_path.parent.parent / "pid").write_text(str(child.pid))
'''

TIDY = '''
import subprocess, sys

def test_waits_for_its_child():
    subprocess.run([sys.executable, "-c", "pass"], check=True)
'''


def run_pytest(tmp_path: Path, source: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_sample.py").write_text(source)
    (tmp_path / "base").mkdir()
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "tests.leftovers", "-q",
         *WITHOUT_UNUSED_PLUGINS, "--basetemp", str(tmp_path / "base" / "tmp"), "--rootdir", str(tmp_path),
         str(tmp_path / "test_sample.py")],
        capture_output=True, text=True, timeout=120, cwd=Path(__file__).parent.parent,
        env={**os.environ, "DVC_LEFTOVERS_GRACE_S": "1"})   # its leftover never stops: no need to wait 10 s


def test_a_run_that_leaves_a_process_behind_fails_and_the_process_is_stopped(tmp_path: Path) -> None:
    result = run_pytest(tmp_path, LEAKY)
    pid = int((tmp_path / "base" / "pid").read_text())
    assert result.returncode == 1, result.stdout
    assert "processes left behind" in result.stdout and f"pid {pid}:" in result.stdout
    assert not alive(pid)


def test_a_tidy_run_passes(tmp_path: Path) -> None:
    result = run_pytest(tmp_path, TIDY)
    assert result.returncode == 0, result.stdout
    assert "left behind" not in result.stdout
