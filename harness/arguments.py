"""Argument types the `dvc-harness` commands share: a bad value is argparse's one-line error, exit 2."""

from __future__ import annotations

import argparse
from datetime import datetime

from mocks.core.errors import DomainError
from mocks.core.namespace import check
from mocks.core.world import InvalidAsOf, parse_as_of


def namespace(text: str) -> str:
    """A namespace by the services' own rule (mocks.core.namespace.check): refused here, not as a run of 400s."""
    try:
        return check(text)
    except DomainError as exc:
        raise argparse.ArgumentTypeError(exc.en) from exc


def as_of(text: str) -> datetime:
    """--as-of DATE: a day (its working morning, 09:00 Vietnam time) or an ISO time, by mocks.core.world's rule."""
    try:
        return parse_as_of(text)
    except InvalidAsOf as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc
