"""Named steps of a journey with their timings, for the reports.

    with step("Đăng nhập qua VNeID/DVCQG"):
        ...

Steps go to the recorder of the running test (the pytest plugin installs one per test);
outside a test they are simply timed and dropped. A failing step is recorded as failed
and the exception goes on.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Step:
    name: str
    seconds: float
    ok: bool
    error: str = ""


@dataclass
class StepRecorder:
    steps: list[Step] = field(default_factory=list)

    def as_json(self) -> list[dict[str, Any]]:
        return [asdict(s) for s in self.steps]


_current: ContextVar[StepRecorder | None] = ContextVar("dvc_step_recorder", default=None)


def install(recorder: StepRecorder | None) -> object:
    return _current.set(recorder)


def uninstall(token: object) -> None:
    _current.reset(token)  # type: ignore[arg-type]


def current() -> StepRecorder | None:
    return _current.get()


@contextmanager
def step(name: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    except BaseException as exc:
        recorder = _current.get()
        if recorder is not None:
            message = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
            recorder.steps.append(Step(name, time.perf_counter() - started, False, message))
        raise
    recorder = _current.get()
    if recorder is not None:
        recorder.steps.append(Step(name, time.perf_counter() - started, True))
