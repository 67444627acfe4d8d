"""Fixtures of the harness's own tests. The stack itself comes from our pytest plugin (`dvc_stack`)."""

from __future__ import annotations

import uuid

import pytest


@pytest.fixture
def ns() -> str:
    """A namespace of the test's own: no other test sees its data."""
    return f"t-{uuid.uuid4().hex[:12]}"
