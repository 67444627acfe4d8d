"""load.bench.busy: the CPU's busy share while a command runs, and the command's exit code passed on."""

from __future__ import annotations

import subprocess
import sys

from load.bench.busy import busy


def test_the_busy_share_is_what_was_not_idle() -> None:
    assert busy((1000, 400), (1200, 450)) == 75.0      # 200 jiffies, 50 idle
    assert busy((1000, 400), (1000, 400)) == 0.0       # no time passed: nothing to say


def test_it_watches_a_command_and_exits_with_its_code() -> None:
    done = subprocess.run([sys.executable, "-m", "load.bench.busy", "--every", "0.1", "--", sys.executable, "-c",
                           "import time, sys; time.sleep(0.35); sys.exit(3)"], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 3, done.stderr
    shares = done.stderr.splitlines()[0]
    assert shares.startswith("busy % every 0.1 s: [") and shares.count(",") >= 1, done.stderr
    assert done.stderr.splitlines()[1].startswith("busy ") and " % over " in done.stderr
