"""Working days: Monday–Friday minus public holidays, plus the Saturdays worked in exchange.

Deadlines of dossiers (NgayHenTra) count working days in Asia/Ho_Chi_Minh.
The calendar comes from mocks/data/holidays.json. This is the one place where working days
are counted: the appointment, the paper-dossier rule (received after 15:00 moves to the next
working morning), the 3-working-day limit of a supplement request, the "at least one working
day before the deadline" limit of a re-scheduling (these three: Decree 61/2018 Art. 17–20),
and the on time / due soon / overdue marks.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from functools import cache

from mocks import data
from mocks.core.timefmt import VN_TZ

# The office's working hours; an appointment is due at the close of its day [assumed].
OFFICE_OPENS = time(7, 30)
OFFICE_CLOSES = time(17, 0)
# A paper dossier received at or after 15:00 moves on the next working morning (Decree 61/2018 Art. 15).
PAPER_CUTOFF = time(15, 0)
# A supplement may be requested within this many working days of receipt (Decree 61/2018 Art. 15–16).
SUPPLEMENT_WORKING_DAYS = 3
# A re-scheduling (apology slip, form 04) must come at least this many working days before the deadline.
RESCHEDULE_NOTICE_WORKING_DAYS = 1


class WorkCalendar:
    def __init__(self, days_off: Iterable[date] = (), extra_working_days: Iterable[date] = ()) -> None:
        self.days_off = frozenset(days_off)
        self.extra_working_days = frozenset(extra_working_days)

    @classmethod
    def from_data(cls) -> WorkCalendar:
        return _default_calendar()

    def is_working_day(self, day: date) -> bool:
        if day in self.extra_working_days:
            return True
        return day.weekday() < 5 and day not in self.days_off

    def next_working_day(self, day: date, *, include_today: bool = True) -> date:
        """The first working day on or after `day` (strictly after when include_today is False)."""
        current = day if include_today else day + timedelta(days=1)
        while not self.is_working_day(current):
            current += timedelta(days=1)
        return current

    def add_working_days(self, day: date, count: int) -> date:
        """The working day `count` working days after `day` (day itself is not counted)."""
        if count < 0:
            raise ValueError("count must not be negative")
        current = day
        remaining = count
        while remaining > 0:
            current += timedelta(days=1)
            if self.is_working_day(current):
                remaining -= 1
        return current

    def working_days_between(self, start: date, end: date) -> int:
        """How many working days lie after `start` up to and including `end` (0 when end <= start)."""
        count, current = 0, start
        while current < end:
            current += timedelta(days=1)
            if self.is_working_day(current):
                count += 1
        return count

    def processing_start(self, received: datetime, *, paper: bool = False) -> date:
        """The working day a dossier counts as received on (its own day is not counted in a deadline).

        A dossier received on a day off counts as received on the next working day; a paper
        dossier received at or after 15:00 moves on to the next working morning.
        """
        local = received.astimezone(VN_TZ)
        if paper and local.time() >= PAPER_CUTOFF:
            return self.next_working_day(local.date(), include_today=False)
        return self.next_working_day(local.date())

    def appointment(self, received: datetime, processing_days: int, *, paper: bool = False) -> datetime:
        """NgayHenTra: `processing_days` working days after the day of receipt, at the office's close.

        A dossier received on a day off counts as received on the next working day, so a
        Saturday submission gets the same appointment as one made on Monday.
        """
        due = self.add_working_days(self.processing_start(received, paper=paper), processing_days)
        return datetime.combine(due, OFFICE_CLOSES, tzinfo=VN_TZ)

    def supplement_deadline(self, received: datetime, *, paper: bool = False) -> date:
        """The last day a supplement may be requested: the 3rd working day after the day of receipt."""
        return self.add_working_days(self.processing_start(received, paper=paper), SUPPLEMENT_WORKING_DAYS)

    def may_reschedule(self, today: date, due: date) -> bool:
        """Whether an apology slip sent `today` comes at least one working day before the deadline `due`."""
        return self.working_days_between(today, due) >= RESCHEDULE_NOTICE_WORKING_DAYS

    def deadline_state(self, now: datetime, due: datetime) -> str:
        """on_time, due_soon (the deadline is today or the next working day) or overdue."""
        if now > due:
            return "overdue"
        today, due_day = now.astimezone(VN_TZ).date(), due.astimezone(VN_TZ).date()
        # At most one working day left: due by the first working day after today.
        return "due_soon" if due_day <= self.next_working_day(today, include_today=False) else "on_time"


def _dates(values: dict[str, list[str]]) -> list[date]:
    return [date.fromisoformat(day) for days in values.values() for day in days]


@cache
def _default_calendar() -> WorkCalendar:
    extra = data.read("holidays.json").get("extra_working_days", {})
    return WorkCalendar(_dates(data.holidays()), _dates(extra))
