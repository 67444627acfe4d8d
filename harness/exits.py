"""The exit codes of `dvc-harness` commands, and how a command that cannot do its work says so."""

from __future__ import annotations

import sys

EXIT_OK, EXIT_FAILED, EXIT_ERROR, EXIT_DATA_LOST = 0, 1, 2, 3


def fail(command: str, error: BaseException | str) -> int:
    """One line on stderr (never a traceback) for a command that cannot do its work; the exit code."""
    print(f"dvc-harness {command}: {error}", file=sys.stderr, flush=True)
    return EXIT_ERROR


__all__ = ["EXIT_DATA_LOST", "EXIT_ERROR", "EXIT_FAILED", "EXIT_OK", "fail"]
