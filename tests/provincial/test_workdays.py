from datetime import date, datetime

import pytest

from mocks.core.timefmt import VN_TZ
from mocks.provincial.workdays import OFFICE_CLOSES, WorkCalendar

CAL = WorkCalendar.from_data()


def test_weekends_and_listed_holidays_are_not_working_days() -> None:
    assert CAL.is_working_day(date(2024, 5, 15))          # Wednesday
    assert not CAL.is_working_day(date(2024, 5, 18))      # Saturday
    assert not CAL.is_working_day(date(2024, 5, 19))      # Sunday
    assert not CAL.is_working_day(date(2024, 9, 2))       # Quốc khánh, Monday
    assert not CAL.is_working_day(date(2024, 4, 29))      # swapped day off


def test_a_saturday_worked_in_exchange_is_a_working_day() -> None:
    assert CAL.is_working_day(date(2024, 5, 4))


def test_adding_working_days_skips_the_weekend() -> None:
    # Thursday + 2 working days = Monday.
    assert CAL.add_working_days(date(2024, 5, 16), 2) == date(2024, 5, 20)
    assert CAL.add_working_days(date(2024, 5, 16), 0) == date(2024, 5, 16)


def test_adding_working_days_skips_a_holiday_and_the_weekend() -> None:
    # Friday 30/8/2024 + 1 = Wednesday 4/9 (weekend, then 2/9 and 3/9 off).
    assert CAL.add_working_days(date(2024, 8, 30), 1) == date(2024, 9, 4)
    # Across Tết 2024 (8/2–14/2): Wednesday 7/2 + 1 = Thursday 15/2.
    assert CAL.add_working_days(date(2024, 2, 7), 1) == date(2024, 2, 15)


def test_appointment_counts_from_the_next_working_day_when_received_on_a_day_off() -> None:
    saturday = datetime(2024, 5, 18, 10, 0, tzinfo=VN_TZ)
    monday = datetime(2024, 5, 20, 10, 0, tzinfo=VN_TZ)
    assert CAL.appointment(saturday, 3) == CAL.appointment(monday, 3)
    due = CAL.appointment(monday, 3)
    assert due.date() == date(2024, 5, 23) and due.timetz().replace(tzinfo=None) == OFFICE_CLOSES


def test_appointment_of_ten_working_days_across_a_holiday() -> None:
    # Received Thursday 25/4/2024: 29/4, 30/4 and 1/5 are off, 4/5 (Saturday) is worked.
    due = CAL.appointment(datetime(2024, 4, 25, 9, 0, tzinfo=VN_TZ), 10)
    # 26/4, 2/5, 3/5, 4/5 (Saturday worked), 6–10/5, 13/5: the tenth working day.
    assert due.date() == date(2024, 5, 13)


def test_working_days_between() -> None:
    assert CAL.working_days_between(date(2024, 5, 17), date(2024, 5, 21)) == 2
    assert CAL.working_days_between(date(2024, 5, 21), date(2024, 5, 17)) == 0


def test_a_custom_calendar_and_negative_counts() -> None:
    cal = WorkCalendar([date(2030, 1, 2)], [])
    assert cal.add_working_days(date(2030, 1, 1), 1) == date(2030, 1, 3)
    with pytest.raises(ValueError):
        cal.add_working_days(date(2030, 1, 1), -1)


def test_the_rules_counted_in_working_days() -> None:
    friday = datetime(2022, 4, 29, 15, 30, tzinfo=VN_TZ)
    # Paper received at or after 15:00 moves to the next working morning (30/4–3/5/2022 are days off).
    assert CAL.processing_start(friday) == date(2022, 4, 29)
    assert CAL.processing_start(friday, paper=True) == date(2022, 5, 4)
    assert CAL.processing_start(friday.replace(hour=14, minute=59), paper=True) == date(2022, 4, 29)
    assert CAL.appointment(friday, 1, paper=True).date() == date(2022, 5, 5)
    # A supplement by the 3rd working day after receipt.
    assert CAL.supplement_deadline(friday) == date(2022, 5, 6)
    # A re-scheduling at least one working day before the deadline.
    assert CAL.may_reschedule(date(2022, 5, 5), date(2022, 5, 6))
    assert not CAL.may_reschedule(date(2022, 5, 6), date(2022, 5, 6))
    assert CAL.may_reschedule(date(2022, 4, 29), date(2022, 5, 4))       # Friday → Wednesday after the holidays
    due = datetime(2022, 5, 4, 17, 0, tzinfo=VN_TZ)
    assert CAL.deadline_state(datetime(2022, 4, 28, 9, 0, tzinfo=VN_TZ), due) == "on_time"
    assert CAL.deadline_state(datetime(2022, 4, 29, 9, 0, tzinfo=VN_TZ), due) == "due_soon"
    assert CAL.deadline_state(datetime(2022, 5, 4, 16, 0, tzinfo=VN_TZ), due) == "due_soon"
    assert CAL.deadline_state(datetime(2022, 5, 4, 17, 1, tzinfo=VN_TZ), due) == "overdue"
