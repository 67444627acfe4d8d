"""Named steps of a journey with their timings, for the reports.

    with step("Đăng nhập qua VNeID/DVCQG"):
        ...

Steps go to the recorder of the running test (the pytest plugin installs one per test);
outside a test they are simply timed and dropped. A failing step is recorded as failed
and the exception goes on.

What a driver or a portal cannot do is said, not failed: `skipped(check, why)` records a check
the driver cannot make (the journey goes on: the 3-click rule has no meaning over HTTP), and
`StepUnavailable` ends the journey as skipped, naming what is missing (a page object or an API
method that raises NotImplementedError, through `lacking`). pytest reports it as a skip; the
load counts it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import asdict, dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass
class Step:
    name: str
    seconds: float
    ok: bool
    error: str = ""
    skipped: str = ""       # why the driver could not make this check (the journey went on)


class StepUnavailable(Exception):
    """The journey cannot go on in this driver or on this portal: it is skipped, with this reason."""


@dataclass
class Listener:
    """What a driver does around the journeys' steps (the load: a visitor thinks between them)."""

    before: Callable[[str], None] | None = None


@dataclass
class StepRecorder:
    steps: list[Step] = field(default_factory=list)

    def as_json(self) -> list[dict[str, Any]]:
        return [asdict(s) for s in self.steps]


_current: ContextVar[StepRecorder | None] = ContextVar("dvc_step_recorder", default=None)
_listener: ContextVar[Listener | None] = ContextVar("dvc_step_listener", default=None)


def listen(listener: Listener | None) -> object:
    """Call `listener.before(name)` at the start of every step in this context (a greenlet, a thread)."""
    return _listener.set(listener)


def unlisten(token: object) -> None:
    _listener.reset(token)  # type: ignore[arg-type]


def install(recorder: StepRecorder | None) -> object:
    return _current.set(recorder)


def uninstall(token: object) -> None:
    _current.reset(token)  # type: ignore[arg-type]


def current() -> StepRecorder | None:
    return _current.get()


@contextmanager
def step(name: str) -> Iterator[None]:
    listener = _listener.get()
    if listener is not None and listener.before is not None:
        listener.before(name)
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


def skipped(check: str, why: str) -> None:
    """A check this driver cannot make: recorded as skipped, with why; the journey goes on."""
    recorder = _current.get()
    if recorder is not None:
        recorder.steps.append(Step(check, 0.0, True, skipped=why))


def lacking(target: T, owner: str, methods: tuple[str, ...] = ()) -> T:
    """`target` with every method that raises NotImplementedError raising StepUnavailable instead ("`owner` does
    not implement `method`"): the journey that needs it is skipped, saying so. A method of `methods` that the
    target has not at all (an HTTP layer written before the seam grew) is treated the same way."""
    return _Lacking(target, owner, methods)  # type: ignore[return-value]


class _Lacking:
    def __init__(self, target: Any, owner: str, methods: tuple[str, ...] = ()) -> None:
        self._target = target
        self._owner = owner
        self._methods = methods

    def __getattr__(self, name: str) -> Any:
        if name in self._methods and not hasattr(self._target, name):
            def missing(*args: Any, **kwargs: Any) -> Any:
                raise StepUnavailable(f"{self._owner} does not implement {name}")
            return missing
        found = getattr(self._target, name)
        if not callable(found):
            return found

        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                return found(*args, **kwargs)
            except NotImplementedError as exc:
                raise StepUnavailable(f"{self._owner} does not implement {name}"
                                      + (f": {exc}" if str(exc) else "")) from None

        # made once per target, and lighter than functools.wraps: the load makes them for every visitor
        call.__name__ = call.__qualname__ = name
        call.__doc__, call.__wrapped__ = found.__doc__, found  # type: ignore[attr-defined]
        setattr(self, name, call)
        return call

    def __repr__(self) -> str:
        return f"lacking({self._target!r}, {self._owner!r})"
