"""Find the browser (and the ffmpeg for videos) Playwright needs: Playwright's own, else the system's.

Playwright cannot download its browsers on every machine, so the harness resolves a
Chromium executable and passes it as `executable_path`. Headless, it prefers a headless shell
(Playwright's own `chromium-headless-shell`, else Debian's `chromium-headless-shell`): Playwright
itself runs headless Chromium so, and it does the journeys' work with half the CPU of the full
browser's headless mode. `python -m harness.browser --ensure` (run by `make run` / `make test`)
installs Debian's `chromium-headless-shell` when no headless shell is found (Debian's `chromium`
where that package is not to be had).
Firefox and WebKit (pytest-playwright's `--browser firefox|webkit`) are Playwright's own
builds only (a system Firefox does not speak Playwright's protocol): when not installed the
run stops at once with how to install them, rather than launching the wrong browser.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path

from .tools import command

SYSTEM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
SYSTEM_SHELLS = ("chromium-headless-shell",)
SHELL_EXECUTABLES = ("chrome-headless-shell", "headless_shell")   # in Playwright's chromium-headless-shell build
ENV_OVERRIDE = "DVC_CHROMIUM"


class BrowserNotFound(RuntimeError):
    pass


BROWSERS = ("chromium", "firefox", "webkit")
PLAYWRIGHT_ONLY = {"firefox": "Firefox", "webkit": "WebKit"}


def playwright_executable(browser: str) -> str:
    """Where Playwright's own build of `browser` is (or would be), "" when the driver cannot tell."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return ""
    try:
        with sync_playwright() as p:
            return str(getattr(p, browser).executable_path or "")
    except Exception:  # the driver may fail to start on a bare machine: fall through
        return ""


def _playwright_own() -> str | None:
    path = playwright_executable("chromium")
    return path if path and Path(path).exists() else None


def _playwright_own_shell() -> str | None:
    """Playwright's own headless shell (`playwright install chromium` fetches it beside the browser)."""
    revision = _revision("chromium-headless-shell")
    if revision is None:
        return None
    build = _playwright_registry() / f"chromium_headless_shell-{revision}"
    found = sorted(p for name in SHELL_EXECUTABLES for p in build.glob(f"*/{name}") if os.access(p, os.X_OK))
    return str(found[0]) if found else None


def _system(names: tuple[str, ...] = SYSTEM_NAMES) -> str | None:
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    return None


@cache
def find_chromium(headless: bool = True) -> str | None:
    """The Chromium to launch, or None: $DVC_CHROMIUM; headless, a headless shell (Playwright's own, then the
    system's); then Playwright's own Chromium, then the system's."""
    override = os.environ.get(ENV_OVERRIDE)
    if override:
        return override if Path(override).exists() else None
    shell = (_playwright_own_shell() or _system(SYSTEM_SHELLS)) if headless else None
    return shell or _playwright_own() or _system()


def missing_browser(browser: str, *, headless: bool = True) -> str | None:
    """Why `--browser NAME` cannot run here (naming it and how to install it), or None when it can."""
    if browser not in BROWSERS:
        return f"--browser {browser}: Playwright knows chromium, firefox and webkit"
    if browser == "chromium":
        if find_chromium(headless) is not None:
            return None
        return ("--browser chromium: no Chromium found (Playwright's own, nor chromium, chromium-browser or "
                f"google-chrome on PATH): run `python -m harness.browser --ensure`, or set {ENV_OVERRIDE}")
    path = playwright_executable(browser)
    if path and Path(path).exists():
        return None
    return (f"--browser {browser}: Playwright's {PLAYWRIGHT_ONLY[browser]} is not installed"
            f"{f' (looked for {path})' if path else ''}. Install it with "
            f"`{command('playwright')} install {browser}` "
            "(a download), or run the journeys in Chromium (the default, no --browser)")


def launch_settings(browser: str, *, headless: bool = True) -> dict[str, object]:
    """What to add to pytest-playwright's launch arguments for `browser`: the resolved Chromium (a headless shell
    when headless) and its flags; nothing for Firefox and WebKit (Playwright's own, which it finds itself)."""
    if browser != "chromium":
        return {}
    executable = find_chromium(headless)
    return {"args": launch_args(), **({"executable_path": executable} if executable else {})}


# -- ffmpeg, for --video -----------------------------------------------------------------------------------------
def _playwright_registry() -> Path:
    """Playwright's browsers folder (PLAYWRIGHT_BROWSERS_PATH, else the platform's cache folder)."""
    configured = os.environ.get("PLAYWRIGHT_BROWSERS_PATH")
    if configured == "0":
        return _driver_package() / ".local-browsers"
    if configured:
        return Path(configured)
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "ms-playwright"
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local") / "ms-playwright"
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ms-playwright"


def _driver_package() -> Path:
    import playwright

    return Path(playwright.__file__).parent / "driver" / "package"


def _revision(build: str) -> str | None:
    """The revision of one of Playwright's downloads (its driver's browsers.json), None when unknown."""
    try:
        browsers = json.loads((_driver_package() / "browsers.json").read_text(encoding="utf-8"))["browsers"]
        return str(next(b["revision"] for b in browsers if b["name"] == build))
    except (ImportError, OSError, ValueError, KeyError, StopIteration):
        return None


def playwright_ffmpeg() -> Path | None:
    """Where Playwright looks for its ffmpeg (it records videos with no other), None when unknown."""
    revision = _revision("ffmpeg")
    if revision is None:
        return None
    name = {"darwin": "ffmpeg-mac", "win32": "ffmpeg-win64.exe"}.get(sys.platform, "ffmpeg-linux")
    return _playwright_registry() / f"ffmpeg-{revision}" / name


def find_ffmpeg() -> tuple[str | None, str]:
    """(the ffmpeg Playwright will record videos with, or None; what was done or is missing, for people).

    Playwright's own; else a system `ffmpeg` on PATH, linked where Playwright looks (it has no setting)."""
    own = playwright_ffmpeg()
    if own is not None and own.exists():
        return str(own), ""
    system = shutil.which("ffmpeg")
    if system and own is not None:
        try:
            own.parent.mkdir(parents=True, exist_ok=True)
            own.symlink_to(system)
        except OSError as exc:
            return None, (f"the system's ffmpeg ({system}) could not be linked where Playwright looks "
                          f"({own}): {exc}")
        return str(own), f"linked the system's ffmpeg ({system}) where Playwright looks for its own ({own})"
    where = f" (looked for {own} and for ffmpeg on PATH)" if own else " (nor ffmpeg on PATH)"
    return None, (f"no ffmpeg{where}: install Playwright's with `{command('playwright')} install ffmpeg` "
                  "or the system's (`apt-get install ffmpeg`)")


def install_chromium() -> str:
    """Install a headless Chromium: Debian's headless shell as root with apt (Debian's full Chromium where the
    shell is not packaged), else Playwright's download (which brings its headless shell)."""
    if shutil.which("apt-get") and os.geteuid() == 0:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=False, env=env)
        shell = subprocess.run(["apt-get", "install", "-y", "-qq", *SYSTEM_SHELLS], check=False, env=env)
        if shell.returncode != 0 and _system() is None:
            subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], check=False, env=env)
    else:
        subprocess.run([sys.executable, "-m", "playwright", "install", "chromium"], check=False)
    find_chromium.cache_clear()
    path = find_chromium()
    if path is None:
        raise BrowserNotFound(
            "No Chromium found and none could be installed: install Debian's 'chromium' "
            f"package or set {ENV_OVERRIDE} to a Chromium executable."
        )
    return path


def launch_args() -> list[str]:
    """Arguments for a headless Chromium in a container or CI machine."""
    args = [
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--no-sandbox")  # Chromium refuses to start sandboxed as root
    return args


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.browser", description=__doc__)
    parser.add_argument("--ensure", action="store_true", help="install a Chromium when none is found")
    args = parser.parse_args(argv)
    path = find_chromium()
    shell = path is not None and (path == _playwright_own_shell() or path == _system(SYSTEM_SHELLS))
    # a full Chromium runs headless at twice the CPU: install the shell beside it, trying once per environment
    tried = Path(sys.prefix) / ".dvc-headless-shell-tried"
    if args.ensure and not shell and not os.environ.get(ENV_OVERRIDE) and (path is None or not tried.exists()):
        with contextlib.suppress(OSError):
            tried.touch()
        try:
            path = install_chromium()
        except BrowserNotFound as exc:
            print(exc, file=sys.stderr)
            return 2
    if path is None:
        print("no Chromium found; run with --ensure to install one", file=sys.stderr)
        return 1
    print(f"Chromium: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
