"""Argument types the `dvc-harness` commands share: a bad value is argparse's one-line error, exit 2."""

from __future__ import annotations

import argparse

from mocks.core.errors import DomainError
from mocks.core.namespace import check


def namespace(text: str) -> str:
    """A namespace by the services' own rule (mocks.core.namespace.check): refused here, not as a run of 400s."""
    try:
        return check(text)
    except DomainError as exc:
        raise argparse.ArgumentTypeError(exc.en) from exc
