"""Reference data as files: province profiles (units, agencies, procedures) and holidays.

Read once and cached; the files ship in the wheel. A profile is a folder under
`profiles/`, so another province (or the two-tier profile after July 2025) is data.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).parent
DEFAULT_PROFILE = "quangnam"


@cache
def read(relative: str) -> Any:
    return json.loads((DATA_DIR / relative).read_text(encoding="utf-8"))


def profile(name: str = DEFAULT_PROFILE) -> dict[str, Any]:
    return read(f"profiles/{name}/profile.json")


def units(name: str = DEFAULT_PROFILE) -> dict[str, Any]:
    return read(f"profiles/{name}/units.json")


def agencies(name: str = DEFAULT_PROFILE) -> list[dict[str, Any]]:
    return read(f"profiles/{name}/agencies.json")["agencies"]


def procedures(name: str = DEFAULT_PROFILE) -> list[dict[str, Any]]:
    return read(f"profiles/{name}/procedures.json")["procedures"]


def reorganisation(name: str) -> dict[str, Any]:
    """The former units a profile's units replaced (a two-tier profile's reorganisation.json); {} when none."""
    path = DATA_DIR / "profiles" / name / "reorganisation.json"
    return read(f"profiles/{name}/reorganisation.json") if path.exists() else {}


def holidays() -> dict[str, list[str]]:
    return read("holidays.json")["days_off"]


def extra_working_days() -> dict[str, list[str]]:
    """Saturdays worked in exchange for a bridged weekday off (they count as working days)."""
    return read("holidays.json").get("extra_working_days", {})
