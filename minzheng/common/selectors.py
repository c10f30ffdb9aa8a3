"""Reads of shared reference data."""

from __future__ import annotations

from minzheng.common.models import CalendarDay
from minzheng.common.workdays import WorkingCalendar


def working_calendar() -> WorkingCalendar:
    """The working-day calendar with every override entered in the ``CalendarDay`` table."""
    return WorkingCalendar(dict(CalendarDay.objects.values_list("date", "is_workday")))
