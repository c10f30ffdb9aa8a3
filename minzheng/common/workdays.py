"""Working-day calendar and statutory period arithmetic (ADR 0004).

* Calendar days (天/日) and working days (工作日) are distinct types; a rule states which it uses.
* Working days: the State Council holiday schedule with make-up workdays (调休), from
  chinese-calendar, overridden by an editable table (``CalendarDay`` rows) for years the library
  does not know (1.11.0 stops at 2026). Where neither knows a day, Monday–Friday is assumed and the
  result is marked *provisional*, so it can be recomputed once the schedule is entered.
* Period arithmetic follows 《民法典》 arts. 201–204:
  art. 201 — the start day is not counted; counting begins the next day;
  art. 202 — a period in months ends on the corresponding day of the final month, or its last day;
  art. 203 — if the last day is a statutory holiday (法定休假日, incl. weekly rest days), the period
  ends on the day after the holiday ends.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import chinese_calendar

from minzheng.common.months import add_months

_ONE_DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class CalendarDays:
    """A period counted in calendar days (天/日)."""

    count: int


@dataclass(frozen=True)
class WorkingDays:
    """A period counted in working days (工作日)."""

    count: int


@dataclass(frozen=True)
class CalendarMonths:
    """A period counted in months (个月)."""

    count: int


Period = CalendarDays | WorkingDays | CalendarMonths


@dataclass(frozen=True)
class DueDate:
    due_on: dt.date
    provisional: bool  # some day in the count came from the Mon–Fri assumption


class WorkingCalendar:
    """Is a day a working day? Overrides first, then the library, then Mon–Fri (provisional)."""

    def __init__(self, overrides: Mapping[dt.date, bool] | None = None) -> None:
        self._overrides = dict(overrides or {})

    def is_workday(self, day: dt.date) -> tuple[bool, bool]:
        """``(is_workday, known)``; ``known`` is False when the Mon–Fri assumption was used."""
        if day in self._overrides:
            return self._overrides[day], True
        try:
            return bool(chinese_calendar.is_workday(day)), True
        except NotImplementedError:  # year outside the library's data
            return day.weekday() < 5, False

    def next_workday(self, day: dt.date) -> tuple[dt.date, bool]:
        """The first working day on or after ``day``."""
        known_all = True
        while True:
            workday, known = self.is_workday(day)
            known_all &= known
            if workday:
                return day, known_all
            day += _ONE_DAY


def due_date(start: dt.date, period: Period, calendar: WorkingCalendar) -> DueDate:
    """The last day of a statutory period that starts on ``start`` (the event day).

    《民法典》 art. 201: the start day is not counted. Working days: the ``count``-th working day
    after ``start``. Calendar days and months: the date reached by counting, moved by art. 203 to the
    next working day when it falls on a statutory holiday or rest day. A zero-length period ends on
    the start day itself.
    """
    if period.count < 0:
        raise ValueError("期限天数不能为负数")
    if isinstance(period, WorkingDays):
        return _add_working_days(start, period.count, calendar)
    if period.count == 0:
        return DueDate(start, provisional=False)
    if isinstance(period, CalendarDays):
        last = start + dt.timedelta(days=period.count)
    else:
        last = add_months(start, period.count)
    moved, known = calendar.next_workday(last)
    return DueDate(moved, provisional=not known)


@dataclass(frozen=True)
class NoticePeriod:
    """A public notice (公示): its first and last day; ``provisional`` as in ``DueDate``."""

    starts_on: dt.date
    ends_on: dt.date
    provisional: bool


def notice_period(published_on: dt.date, days: int, calendar: WorkingCalendar) -> NoticePeriod:
    """The public notice published on ``published_on`` for ``days`` calendar days.

    《民法典》第二百零一条: 开始的当日不计入，自下一日开始计算 — the notice starts the day after publication.
    《民法典》第二百零三条: 期间的最后一日是法定休假日的，以法定休假日结束的次日为期间的最后一日 — a
    notice whose last day falls on a holiday or rest day runs to the end of the next working day (e.g.
    published 2026-09-24: the 7th day is 10-01, National Day runs to 10-07, so the notice ends 10-08).
    """
    if days <= 0:
        raise ValueError("公示天数必须大于零")
    end = due_date(published_on, CalendarDays(days), calendar)
    return NoticePeriod(published_on + _ONE_DAY, end.due_on, end.provisional)


def notice_over(ends_on: dt.date | None, day: dt.date) -> bool:
    """A notice may be closed only once its last day has passed: 《民法典》第二百零三条第二款 — 期间的最后一日
    的截止时间为二十四时; the last day itself comes from ``notice_period`` (第一款)."""
    return ends_on is not None and day > ends_on


def _add_working_days(start: dt.date, count: int, calendar: WorkingCalendar) -> DueDate:
    day, remaining, known_all = start, count, True
    while remaining > 0:
        day += _ONE_DAY
        workday, known = calendar.is_workday(day)
        known_all &= known
        remaining -= workday
    return DueDate(day, provisional=not known_all)


def working_days_between(start: dt.date, end: dt.date, calendar: WorkingCalendar) -> int:
    """Working days after ``start`` up to and including ``end`` (0 if ``end`` <= ``start``)."""
    count, day = 0, start
    while day < end:
        day += _ONE_DAY
        count += calendar.is_workday(day)[0]
    return count
