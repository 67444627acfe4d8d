"""Parsing a JSON body the services read themselves (callbacks, wire protocols that answer in their own shape)."""

from __future__ import annotations

import json
from typing import Any

from .errors import TooDeeplyNested


def loads(body: bytes | str) -> Any:
    """`json.loads`; ValueError when it is not JSON, TooDeeplyNested (400) when the decoder runs out of depth."""
    try:
        return json.loads(body)
    except RecursionError:
        raise TooDeeplyNested() from None
