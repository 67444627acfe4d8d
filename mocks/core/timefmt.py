"""Time zone and the wire's date format (`yyyyMMddHHmmss`, local time in Vietnam)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
WIRE_FORMAT = "%Y%m%d%H%M%S"


def to_wire(moment: datetime | None) -> str:
    if moment is None:
        return ""
    return moment.astimezone(VN_TZ).strftime(WIRE_FORMAT)


def from_wire(text: str) -> datetime:
    """Parse `yyyyMMddHHmmss` as Vietnam local time; ValueError when malformed."""
    if len(text) != 14 or not text.isdigit():
        raise ValueError(f"not a yyyyMMddHHmmss date: {text!r}")
    return datetime.strptime(text, WIRE_FORMAT).replace(tzinfo=VN_TZ)


def to_iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(VN_TZ).isoformat(timespec="seconds")


def from_iso(text: str | None) -> datetime | None:
    if not text:
        return None
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=VN_TZ)


def vn_date(moment: datetime) -> date:
    return moment.astimezone(VN_TZ).date()
