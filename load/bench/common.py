"""What the benchmarks share: a stack in its own (pinned) process, wrk, CPU pinning, figures."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from harness.stack import StackInfo, find_running


def cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def pinned(cmd: Sequence[str], cpus: str | None) -> list[str]:
    """`taskset -c CPUS cmd...` where taskset exists and the machine has the cores; the command as it is otherwise."""
    if cpus and shutil.which("taskset") and cores() >= 2:
        return ["taskset", "-c", cpus, *cmd]
    return list(cmd)


class Serve:
    """`dvc-harness serve` (threads) or `serve --workers N` (processes) in a fresh state folder."""

    def __init__(self, workers: int = 0, cpus: str | None = None, variant: Sequence[str] = (),
                 from_state: Path | None = None) -> None:
        self.tmp = tempfile.TemporaryDirectory(prefix="dvc-bench-")
        self.state = Path(self.tmp.name)
        if from_state is not None:      # a kept state folder (soak --keep): its data, on a new stack
            for db in from_state.iterdir():
                if db.suffix == ".db" or db.name in ("secrets.json", "clock.stamp"):
                    shutil.copy2(db, self.state / db.name)
        if variant:
            cmd = [sys.executable, "-m", "load.bench.serve_variant", "--state-dir", str(self.state), *variant]
        elif workers:
            cmd = [sys.executable, "-m", "harness.workers", "--state-dir", str(self.state), "--workers", str(workers),
                   "--base-port", "0"]
        else:
            cmd = [sys.executable, "-m", "harness.cli", "serve", "--state-dir", str(self.state), "--base-port", "0"]
        self.process = subprocess.Popen(pinned(cmd, cpus), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        start_new_session=True)
        self.info = self._wait()

    def _wait(self, timeout: float = 90) -> StackInfo:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"the stack exited with {self.process.returncode}")
            info = find_running(self.state)
            if info is not None:
                return info
            time.sleep(0.2)
        self.stop()
        raise SystemExit("the stack did not start")

    def stop(self, *, cleanup: bool = True) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        if cleanup:
            self.tmp.cleanup()

    def __enter__(self) -> Serve:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@dataclass
class WrkResult:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int

    def to_json(self) -> dict[str, float]:
        return {"rps": round(self.rps, 1), "p50_ms": round(self.p50_ms, 2), "p99_ms": round(self.p99_ms, 2),
                "errors": self.errors}


def _ms(text: str) -> float:
    m = re.match(r"([\d.]+)(us|ms|s)", text)
    if not m:
        return float("nan")
    value, unit = float(m.group(1)), m.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


def wrk(url: str, *, seconds: float = 10, connections: int = 50, cpus: str | None = "0",
        headers: dict[str, str] | None = None, script: str | None = None) -> WrkResult:
    """One wrk run (1 thread); needs wrk (Debian's package)."""
    if not shutil.which("wrk"):
        raise SystemExit("these figures need wrk (apt-get install wrk): a Python generator is slower than the "
                         "servers it would compare")
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{seconds:g}s", "--latency"]
    for k, v in (headers or {}).items():
        cmd += ["-H", f"{k}: {v}"]
    if script:
        cmd += ["-s", script]
    out = subprocess.run(pinned([*cmd, url], cpus), capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = re.search(r"50%\s+(\S+)", out)
    p99 = re.search(r"99%\s+(\S+)", out)
    errors = sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return WrkResult(rps, _ms(p50.group(1)) if p50 else 0, _ms(p99.group(1)) if p99 else 0,
                     errors + (int(non2xx.group(1)) if non2xx else 0))


def show(title: str, figures: dict[str, object]) -> None:
    print(f"\n== {title}")
    print(json.dumps(figures, indent=2, ensure_ascii=False))
