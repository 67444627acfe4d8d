"""Fixtures of the harness's own tests. The stack itself comes from our pytest plugin (`dvc_stack`)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import responses

from harness.pytest_plugin import pin_namespace
from harness.stack import Stack

# A run that leaves a process behind (an orphaned serve worker, a browser, a nested pytest) fails.
pytest_plugins = ["tests.leftovers"]


@pytest.fixture
def ns(request: pytest.FixtureRequest) -> str:
    """A namespace of the test's own: no other test sees its data. In today's world, unless the test pins its
    date (`@pytest.mark.dvc_as_of`: the tests of the 2022 world's rules)."""
    name = f"t-{uuid.uuid4().hex[:12]}"
    pin_namespace(request, name)
    return name


@pytest.fixture(autouse=True, scope="session")
def _stubs_let_the_stack_through() -> Iterator[None]:
    """`responses` patches requests for the whole process: a test that stubs an outside service would
    also catch (and refuse) the calls the session's in-process stack makes in its background threads
    (sync pushes, confirmations). Those go through to the stack; everything else stays stubbed."""
    original = responses.RequestsMock.start

    def start(self: responses.RequestsMock) -> None:
        for origin in Stack.running_origins:
            self.add_passthru(origin + "/")
        original(self)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(responses.RequestsMock, "start", start)
        yield


# Scheduling only, no test is left out: `make test` hands whole modules to its xdist workers in collection order
# (--dist loadscope --no-loadscope-reorder), so the modules that take longest (whole stacks, pytest or Locust in
# processes of their own, the browser journeys), as `--durations` measured them, go first, and the short ones
# fill the workers in behind them. A long module picked up last would leave one worker running it alone.
LONGEST_FIRST = (
    "tests/examples/test_journeys_on_reference_portal.py",
    "tests/load/test_load_cli.py",
    "tests/test_openapi_fuzz.py",
    "tests/harness/test_run.py",
    "tests/test_plugin_control.py",
    "tests/harness/test_back_office_skips.py",
    "tests/test_serve_workers_lifetime.py",
    "tests/harness/test_run_interrupt.py",
    "tests/test_serve.py",
    "scenarios/suites/test_resilience.py",
    "scenarios/suites/test_officer_journeys.py",
    "scenarios/suites/test_citizen_journeys.py",
    "tests/test_leftovers.py",
    "tests/provincial/test_seed_history.py",
    "tests/load/test_load_report.py",
    "tests/scenarios/test_journey_needs.py",
    "tests/load/test_serve_workers.py",
    "tests/scenarios/test_broken_rules.py",
    "tests/examples/test_reference_portal.py",
    "tests/test_cli_errors.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {path: i for i, path in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(rank)))   # stable: the rest keep their order
