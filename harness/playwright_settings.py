"""pytest-playwright settings of the dvc-harness plugin, registered after pytest-playwright on purpose
(so that these fixtures override its own): the browser resolved per `--browser`, and the output folder
cleaned once by the process that runs the session rather than by every parallel worker.

`check_options()` runs as pytest starts: a `--browser` that is not installed stops the run at once (rather
than launching Chromium's executable with Firefox's protocol and waiting minutes), and `--video` without
an ffmpeg turns videos off with one warning (rather than an error in every test)."""

from __future__ import annotations

from typing import Any

import pytest

from .browser import find_ffmpeg, launch_settings, missing_browser

WARNING = "dvc-harness: warning:"   # `dvc-harness run` shows such lines of pytest's output as they come


def check_options(config: pytest.Config) -> list[str]:
    """Stop on a browser that cannot run; the warnings to show once (the report header prints them)."""
    for browser in dict.fromkeys(config.getoption("--browser", None) or []):
        problem = missing_browser(browser) if browser != "chromium" else None   # Chromium: resolved at launch
        if problem:
            raise pytest.UsageError(problem)
    warnings = []
    video = config.getoption("--video", None)
    if video in ("on", "retain-on-failure"):
        ffmpeg, note = find_ffmpeg()
        if ffmpeg is None:
            config.option.video = "off"
            warnings.append(f"{WARNING} --video {video} needs ffmpeg, {note}; videos are off for this run")
        elif note:
            warnings.append(f"{WARNING} --video {video}: {note}")
    return warnings


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any], browser_name: str) -> dict[str, Any]:
    args = dict(browser_type_launch_args)
    settings = launch_settings(browser_name, headless=args.get("headless", True) is not False)
    if "executable_path" in settings and "executable_path" not in args:
        args["executable_path"] = settings["executable_path"]
    extra = list(settings.get("args", []))  # type: ignore[call-overload]
    if extra:
        args["args"] = [*args.get("args", []), *[a for a in extra if a not in args.get("args", [])]]
    return args


@pytest.fixture(scope="session", autouse=True)
def delete_output_dir() -> None:
    """pytest-playwright empties --output in every worker as it starts, which can delete what an
    earlier worker already kept; the dvc-harness plugin empties it once, before workers start."""


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any], pytestconfig: pytest.Config) -> dict[str, Any]:
    """A Vietnamese citizen's browser: its language and time zone (date inputs dd/mm/yyyy, file inputs in
    Vietnamese), whatever the machine's; --dvc-locale and --dvc-timezone change them."""
    return {**browser_context_args, "locale": pytestconfig.getoption("dvc_locale"),
            "timezone_id": pytestconfig.getoption("dvc_timezone")}
