"""Find a Chromium for Playwright: Playwright's own, else the system's, else install one.

Playwright cannot download its browsers on every machine, so the harness resolves an
executable and passes it as `executable_path`. `python -m harness.browser --ensure`
(run by `make run` / `make test`) installs Debian's `chromium` when nothing is found.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path

SYSTEM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
ENV_OVERRIDE = "DVC_CHROMIUM"


class BrowserNotFound(RuntimeError):
    pass


def _playwright_own() -> str | None:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    try:
        with sync_playwright() as p:
            path = p.chromium.executable_path
    except Exception:  # the driver may fail to start on a bare machine: fall through
        return None
    return path if path and Path(path).exists() else None


def _system() -> str | None:
    for name in SYSTEM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


@cache
def find_chromium() -> str | None:
    """The Chromium to launch, or None: $DVC_CHROMIUM, Playwright's own, then the system's."""
    override = os.environ.get(ENV_OVERRIDE)
    if override:
        return override if Path(override).exists() else None
    return _playwright_own() or _system()


def install_chromium() -> str:
    """Install a Chromium: Debian's package as root with apt, else Playwright's download."""
    if shutil.which("apt-get") and os.geteuid() == 0:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=False, env=env)
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
    if path is None and args.ensure:
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
