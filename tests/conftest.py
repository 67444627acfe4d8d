"""Fixtures of the harness's own tests: one in-process stack per test session, a namespace per test."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from harness.stack import Stack


@pytest.fixture(scope="session")
def dvc_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    # DVC_TEST_SERVICES=payment,postal starts a subset (while a service is being built alone).
    only = tuple(s for s in os.environ.get("DVC_TEST_SERVICES", "").split(",") if s)
    stack = Stack.start(tmp_path_factory.mktemp("stack"), **({"services": only} if only else {}))
    try:
        yield stack
    finally:
        stack.stop()


@pytest.fixture
def ns() -> str:
    """A namespace of the test's own: no other test sees its data."""
    return f"t-{uuid.uuid4().hex[:12]}"
