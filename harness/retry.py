"""A failed journey runs again once, traced.

`dvc-harness run` runs the browser journeys untraced: recording a Playwright trace (a screenshot and a
DOM snapshot of every action) takes about a third of a journey's time (docs/scenarios.md). A journey that
fails runs again at once, with `--tracing=on`, so that its report holds that run's trace and says whether
it passed (flaky) or failed again. The first verdict stands: a journey that failed once fails the run.

The first run traces its failures itself instead (`--tracing=retain-on-failure`, no second run) with
`--no-retry`, when pytest's own `--tracing` is given after `--`, with the api driver (it has no trace),
and on a team's portal, which keeps the first run's accounts (the same seed's citizens could not
register twice).
"""

from __future__ import annotations

from typing import Protocol

from .report import Journey, Retry, keyword_expression


class RunOptions(Protocol):
    """What of harness.run.RunOptions decides whether failed journeys run again."""

    retry: bool
    driver: str
    pytest_args: list[str]

    @property
    def other_portal(self) -> bool: ...

# When everything fails (a portal down), ten traces say why; a second run of every journey would not.
RETRY_AT_MOST = 10


def retries(opts: RunOptions) -> bool:
    """Whether this run's failed journeys run again, traced (and so its first run records no trace)."""
    tracing_given = any(arg.split("=", 1)[0] == "--tracing" for arg in opts.pytest_args)
    return opts.retry and opts.driver == "browser" and not opts.other_portal and not tracing_given


def first_tracing(opts: RunOptions) -> str:
    """pytest-playwright's --tracing for the first run."""
    return "off" if retries(opts) else "retain-on-failure"


def selection(journeys: list[Journey]) -> tuple[list[Journey], str]:
    """The failed journeys that run again (the first RETRY_AT_MOST that -k can name alone), and the -k
    expression that selects them."""
    chosen: list[Journey] = []
    expressions: list[str] = []
    for journey in journeys:
        if not journey.failed or journey.collection_error or len(chosen) == RETRY_AT_MOST:
            continue
        expression = keyword_expression(journey, journeys)
        if expression:
            chosen.append(journey)
            expressions.append(f"({expression})")
    return chosen, " or ".join(expressions)


def merge(journeys: list[Journey], retried: list[Journey]) -> int:
    """Give each failed journey its second run: the outcome and the artefacts kept. How many were merged."""
    second = {j.id: j for j in retried}
    merged = 0
    for journey in journeys:
        again = second.get(journey.id)
        if again is None or not journey.failed:
            continue
        journey.retry = Retry(again.outcome, again.seconds, again.message)
        for artefact in again.artifacts:
            artefact.attempt = 2
        # the second run's trace first: the first run kept none
        journey.artifacts = [a for a in again.artifacts if a.kind == "trace"] + journey.artifacts + [
            a for a in again.artifacts if a.kind != "trace"]
        merged += 1
    return merged


__all__ = ["RETRY_AT_MOST", "first_tracing", "merge", "retries", "selection"]
