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
