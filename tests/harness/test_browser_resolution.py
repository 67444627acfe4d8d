"""The browser per pytest-playwright's `--browser`, and the ffmpeg `--video` needs: found, or a clear message
at once (never Chromium's executable launched with Firefox's protocol, never an error in every test)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from harness import browser
from harness.cli import main

BROWSER_SUITE = '''
from playwright.sync_api import Page


def test_a_blank_page(page: Page) -> None:
    page.set_content("<h1>Xin chào</h1>")
    assert page.inner_text("h1") == "Xin chào"
'''
QUICK = ["-p", "no:cacheprovider", "-p", "no:schemathesis", "-p", "no:hypothesispytest"]


def write_suite(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "test_page.py").write_text(textwrap.dedent(BROWSER_SUITE), encoding="utf-8")
    return folder


def test_firefox_and_webkit_are_playwrights_own_or_a_message(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(browser, "playwright_executable", lambda name: str(tmp_path / name / "missing"))
    problem = browser.missing_browser("firefox")
    assert problem is not None and "--browser firefox" in problem and "Firefox is not installed" in problem
    assert ".venv/bin/playwright install firefox" in problem and str(tmp_path / "firefox" / "missing") in problem
    assert "playwright install webkit" in (browser.missing_browser("webkit") or "")
    assert "chromium, firefox and webkit" in (browser.missing_browser("opera") or "")
    installed = tmp_path / "webkit-build"
    installed.write_text("")
    monkeypatch.setattr(browser, "playwright_executable", lambda name: str(installed))
    assert browser.missing_browser("webkit") is None


def test_only_chromium_gets_the_resolved_executable_and_its_flags() -> None:
    assert browser.launch_settings("firefox") == {} and browser.launch_settings("webkit") == {}
    chromium = browser.launch_settings("chromium")
    assert "--disable-dev-shm-usage" in chromium["args"]  # type: ignore[operator]
    assert chromium.get("executable_path") == browser.find_chromium()


def test_a_firefox_that_is_not_installed_stops_the_run_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = browser.playwright_executable("firefox")
    if path and Path(path).exists():
        pytest.skip("Playwright's Firefox is installed here")
    monkeypatch.chdir(tmp_path)
    write_suite(tmp_path / "suite")
    code = main(["run", "--browser", "firefox", "--suite", "suite", "--state-dir", str(tmp_path / "state"),
                 "--workers", "1", "--no-smoke", "--", *QUICK])
    captured = capsys.readouterr()
    assert code == 2, captured.out + captured.err
    assert captured.err.count("\n") == 1, captured.err                          # one line
    assert "--browser firefox: Playwright's Firefox is not installed" in captured.err
    assert "playwright install firefox" in captured.err
    # said before the stack starts: no stack, no pytest (it used to take 7–26 s to learn it)
    assert not (tmp_path / "state" / "stack.json").exists() and not (tmp_path / "reports" / "pytest.log").exists()


def test_run_takes_the_browser_video_and_slowmo_itself() -> None:
    from harness.run import RunOptions, pytest_command, repeat_command

    opts = RunOptions(browser="webkit", video="retain-on-failure", slowmo=250)
    cmd = pytest_command(opts, 7, Path("/tmp/r"), Path("/tmp/s"))
    assert cmd[cmd.index("--browser") + 1] == "webkit" and cmd[cmd.index("--video") + 1] == "retain-on-failure"
    assert cmd[cmd.index("--slowmo") + 1] == "250"
    assert "--browser webkit --video retain-on-failure --slowmo 250" in repeat_command(opts, 7, None, 2)


def _no_ffmpeg_env(tmp_path: Path) -> dict[str, str]:
    bare = tmp_path / "bin"
    bare.mkdir(exist_ok=True)
    return {**os.environ, "PLAYWRIGHT_BROWSERS_PATH": str(tmp_path / "registry"),
            "PATH": f"{bare}:{Path(sys.executable).parent}:/usr/bin:/bin"}


def test_ffmpeg_playwrights_own_else_the_systems_else_a_message(tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    env = _no_ffmpeg_env(tmp_path)
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", env["PLAYWRIGHT_BROWSERS_PATH"])
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    own = browser.playwright_ffmpeg()
    assert own is not None and own.parent.parent == tmp_path / "registry" and own.parent.name.startswith("ffmpeg-")
    found, note = browser.find_ffmpeg()
    assert found is None and "no ffmpeg" in note and "playwright install ffmpeg" in note and str(own) in note
    system = tmp_path / "bin" / "ffmpeg"           # a system ffmpeg on PATH: linked where Playwright looks
    system.write_text("#!/bin/sh\n")
    system.chmod(0o755)
    found, note = browser.find_ffmpeg()
    assert found == str(own) and own.is_symlink() and own.resolve() == system.resolve() and "linked" in note
    assert browser.find_ffmpeg() == (str(own), "")   # Playwright's own from now on


def test_video_without_ffmpeg_is_one_warning_and_the_tests_pass(tmp_path: Path) -> None:
    if browser.find_chromium() is None:
        pytest.skip("no Chromium here")
    suite = write_suite(tmp_path / "suite")
    env = _no_ffmpeg_env(tmp_path)
    result = subprocess.run([sys.executable, "-m", "pytest", str(suite), "--video", "on", "--output",
                             str(tmp_path / "out"), *QUICK], capture_output=True, text=True, env=env, cwd=tmp_path,
                            timeout=120)
    out = result.stdout + result.stderr
    assert result.returncode == 0, out
    assert out.count("dvc-harness: warning: --video on needs ffmpeg, no ffmpeg") == 1, out
    assert "videos are off for this run" in out and "1 passed" in out


def test_the_browser_speaks_vietnamese_in_vietnam(page: Any) -> None:
    """The journeys' browser has a Vietnamese citizen's language and time zone, not the machine's."""
    seen = page.evaluate("() => [navigator.language, Intl.DateTimeFormat().resolvedOptions().timeZone, "
                         "new Date(Date.UTC(2024, 0, 15, 20, 0)).getHours(), "
                         "new Intl.DateTimeFormat().format(new Date(Date.UTC(2024, 0, 15, 12, 0)))]")
    assert seen[0] == "vi-VN" and seen[1] in ("Asia/Ho_Chi_Minh", "Asia/Saigon")   # Chromium names it the old way
    assert seen[2] == 3                                          # 20:00 UTC is 03:00 the next day in Vietnam
    assert seen[3] == "15/1/2024"                                # day first


def _executable(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    return path


def test_headless_runs_take_a_headless_shell_and_headed_ones_the_full_chromium(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Headless, a headless shell (Playwright's own, else the system's): Playwright itself runs headless Chromium
    so, at half the CPU of the full browser's headless mode; headed, the full browser (a shell has no window)."""
    monkeypatch.delenv(browser.ENV_OVERRIDE, raising=False)
    monkeypatch.setenv("PLAYWRIGHT_BROWSERS_PATH", str(tmp_path / "registry"))
    monkeypatch.setenv("PATH", str(tmp_path / "bin"))
    monkeypatch.setattr(browser, "playwright_executable", lambda name: "")    # no Playwright Chromium
    browser.find_chromium.cache_clear()
    try:
        full = _executable(tmp_path / "bin" / "chromium")
        assert browser.find_chromium() == browser.find_chromium(headless=False) == str(full)   # only the full one
        browser.find_chromium.cache_clear()
        shell = _executable(tmp_path / "bin" / "chromium-headless-shell")
        assert browser.find_chromium() == str(shell) and browser.find_chromium(headless=False) == str(full)
        assert browser.launch_settings("chromium")["executable_path"] == str(shell)
        assert browser.launch_settings("chromium", headless=False)["executable_path"] == str(full)
        browser.find_chromium.cache_clear()
        revision = next(b["revision"] for b in json.loads((browser._driver_package() / "browsers.json").read_text())
                        ["browsers"] if b["name"] == "chromium-headless-shell")
        own = _executable(tmp_path / "registry" / f"chromium_headless_shell-{revision}" / "chrome-linux"
                          / "headless_shell")
        assert browser.find_chromium() == str(own)                 # Playwright's own shell first
        monkeypatch.setenv(browser.ENV_OVERRIDE, str(full))        # and $DVC_CHROMIUM above all
        browser.find_chromium.cache_clear()
        assert browser.find_chromium() == str(full)
    finally:
        browser.find_chromium.cache_clear()


def test_headed_journeys_launch_the_full_chromium() -> None:
    """pytest-playwright's --headed reaches the launch: the fixture asks for a headed browser's executable."""
    from harness.playwright_settings import browser_type_launch_args

    fixture = browser_type_launch_args.__wrapped__     # the fixture's own function
    headed = fixture({"headless": False}, "chromium")
    headless = fixture({}, "chromium")
    assert headed.get("executable_path") == browser.find_chromium(headless=False)
    assert headless.get("executable_path") == browser.find_chromium(headless=True)
