"""Statutory periods across holidays (《民法典》 arts. 201–204; State Council schedule 2026)."""

import datetime as dt

import pytest

from minzheng.common.models import CalendarDay
from minzheng.common.selectors import working_calendar
from minzheng.common.workdays import (
    CalendarDays,
    CalendarMonths,
    DueDate,
    WorkingCalendar,
    WorkingDays,
    add_months,
    due_date,
    working_days_between,
)

D = dt.date
CAL = WorkingCalendar()


@pytest.mark.parametrize(
    ("start", "period", "expected", "why"),
    [
        # 审核确认办法 art. 15: investigation starts within 3 working days of acceptance.
        (
            D(2026, 9, 29),
            WorkingDays(3),
            D(2026, 10, 9),
            "National Day: Oct 1–7 off; Sep 30, Oct 8, Oct 9 count",
        ),
        (D(2026, 10, 8), WorkingDays(2), D(2026, 10, 10), "Sat Oct 10 is a make-up working day (调休)"),
        (
            D(2026, 2, 13),
            WorkingDays(1),
            D(2026, 2, 14),
            "Sat Feb 14 is a make-up working day before Spring Festival",
        ),
        (D(2026, 2, 14), WorkingDays(1), D(2026, 2, 24), "Spring Festival Feb 15–23 off"),
        (D(2026, 2, 13), WorkingDays(10), D(2026, 3, 5), "Feb 14, 24–28, Mar 2–5"),
        # art. 22: 30 working days in total from acceptance.
        (
            D(2026, 9, 1),
            WorkingDays(30),
            D(2026, 10, 19),
            "Sun Sep 20 worked; Mid-Autumn Sep 25 and Oct 1–7 off; Sat Oct 10 worked",
        ),
        (D(2026, 11, 20), WorkingDays(0), D(2026, 11, 20), "zero-length period ends on the start day"),
        # art. 19: public notice 7 days (calendar days); art. 201 start day not counted.
        (D(2026, 11, 2), CalendarDays(7), D(2026, 11, 9), "Mon + 7 days = Mon"),
        (
            D(2026, 9, 26),
            CalendarDays(7),
            D(2026, 10, 8),
            "ends Oct 3 (holiday) → day after the holiday, art. 203",
        ),
        (
            D(2026, 11, 7),
            CalendarDays(7),
            D(2026, 11, 16),
            "ends Sat Nov 14 → Mon Nov 16 (rest day), art. 203",
        ),
        (
            D(2026, 10, 3),
            CalendarDays(7),
            D(2026, 10, 10),
            "ends Sat Oct 10, a make-up working day: not moved",
        ),
        # art. 202: months end on the corresponding day, or the month's last day.
        (
            D(2026, 1, 31),
            CalendarMonths(1),
            D(2026, 2, 28),
            "Feb has no 31st → Feb 28, a make-up working Saturday",
        ),
        (D(2026, 4, 30), CalendarMonths(1), D(2026, 6, 1), "May 30 2026 is a Saturday → Mon Jun 1"),
        (D(2026, 3, 31), CalendarMonths(6), D(2026, 9, 30), "Sep 30 2026, Wednesday"),
    ],
)
def test_due_dates(start, period, expected, why):
    assert due_date(start, period, CAL) == DueDate(expected, provisional=False), why


def test_year_unknown_to_the_library_is_provisional_mon_to_fri():
    # chinese-calendar 1.11 knows 2004–2026 only.
    result = due_date(D(2026, 12, 28), WorkingDays(5), CAL)
    assert result == DueDate(D(2027, 1, 4), provisional=True)  # Dec 29, 30, 31, Jan 1 (assumed), Jan 4


def test_override_table_makes_unknown_year_known():
    overrides = {D(2027, 1, 1): False}  # New Year's Day 2027 entered from the State Council notice
    calendar = WorkingCalendar(overrides)
    assert due_date(D(2026, 12, 30), WorkingDays(2), calendar) == DueDate(D(2027, 1, 4), provisional=True)
    full = {D(2027, 1, 1): False, D(2027, 1, 2): False, D(2027, 1, 3): False, D(2027, 1, 4): True}
    assert due_date(D(2026, 12, 30), WorkingDays(2), WorkingCalendar(full)) == DueDate(D(2027, 1, 4), False)


def test_override_wins_over_library():
    calendar = WorkingCalendar({D(2026, 11, 23): False})  # e.g. a local emergency closure entered by hand
    assert due_date(D(2026, 11, 20), WorkingDays(1), calendar).due_on == D(2026, 11, 24)


def test_add_months_clamps_to_month_end():
    assert add_months(D(2024, 1, 31), 1) == D(2024, 2, 29)
    assert add_months(D(2026, 11, 30), 3) == D(2027, 2, 28)
    assert add_months(D(2026, 12, 15), 1) == D(2027, 1, 15)


def test_working_days_between():
    assert working_days_between(D(2026, 9, 29), D(2026, 10, 9), CAL) == 3
    assert working_days_between(D(2026, 10, 9), D(2026, 10, 9), CAL) == 0


def test_negative_period_is_refused():
    with pytest.raises(ValueError, match="期限天数不能为负数"):
        due_date(D(2026, 1, 1), CalendarDays(-1), CAL)


@pytest.mark.django_db
def test_calendar_table_feeds_the_calendar():
    CalendarDay.objects.create(date=D(2027, 1, 1), is_workday=False, name="元旦")
    CalendarDay.objects.create(date=D(2027, 1, 2), is_workday=True, name="调休上班")
    calendar = working_calendar()
    assert calendar.is_workday(D(2027, 1, 1)) == (False, True)
    assert calendar.is_workday(D(2027, 1, 2)) == (True, True)
    assert calendar.is_workday(D(2027, 1, 5)) == (True, False)
