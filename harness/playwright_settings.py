"""pytest-playwright settings of the dvc-harness plugin, registered after pytest-playwright on purpose
(so that these fixtures override its own): the resolved Chromium, and the output folder cleaned
once by the process that runs the session rather than by every parallel worker."""

from __future__ import annotations

from typing import Any

import pytest

from .browser import find_chromium, launch_args


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    args = dict(browser_type_launch_args)
    executable = find_chromium()
    if executable and "executable_path" not in args:
        args["executable_path"] = executable
    args["args"] = [*args.get("args", []), *[a for a in launch_args() if a not in args.get("args", [])]]
    return args


@pytest.fixture(scope="session", autouse=True)
def delete_output_dir() -> None:
    """pytest-playwright empties --output in every worker as it starts, which can delete what an
    earlier worker already kept; the dvc-harness plugin empties it once, before workers start."""
