"""The deadline mark of a dossier, shown to officers and applicants: on time, due soon, overdue, or how it ended."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mocks.core.timefmt import to_iso

from ..workdays import WorkCalendar
from .entity import DONE, REFUSED, RETURNED, STOPPED, SUPPLEMENT, WITHDRAWN, Dossier

DEADLINE_NAMES: dict[str, str] = {
    "on_time": "Trong hạn", "due_soon": "Sắp đến hạn", "overdue": "Quá hạn",
    "paused": "Tạm dừng (chờ bổ sung)", "finished_on_time": "Hoàn thành đúng hạn",
    "finished_late": "Hoàn thành trễ hạn", "closed": "Đã kết thúc",
}


def deadline_info(dossier: Dossier, now: datetime, calendar: WorkCalendar) -> dict[str, Any]:
    """The mark, its name, the deadline, and the deadline it is judged against (a re-scheduled one: its first)."""
    if dossier.status in (DONE, RETURNED):
        state = "finished_on_time" if dossier.finished_on_time else "finished_late"
    elif dossier.status in (REFUSED, WITHDRAWN, STOPPED):
        state = "closed"
    elif dossier.status == SUPPLEMENT:
        state = "paused"  # the clock restarts from zero when the supplement arrives
    else:
        state = calendar.deadline_state(now, dossier.appointment_at)
    return {"state": state, "name": DEADLINE_NAMES[state], "due_at": to_iso(dossier.appointment_at),
            "judged_against": to_iso(dossier.judged_deadline)}
