"""The harness's own commands as the user can type them from where they are (the folder the run started in)."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def command(name: str, cwd: Path | None = None) -> str:
    """`name` (dvc-harness, playwright) of this Python environment: relative to `cwd` when it lies below it (the
    project folder: `.venv/bin/dvc-harness`), else its absolute path (a team's own folder)."""
    here = Path(cwd or os.getcwd()).resolve()
    tool = Path(sys.executable).parent / name
    try:
        return str(tool.relative_to(here))
    except ValueError:
        return str(tool)


__all__ = ["command"]
