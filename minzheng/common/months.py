"""Months, one way (issue 13): benefit periods, payroll months and rule windows are all calendar months.

A *month* value is the ``date`` of its first day. ``add_months`` keeps the day where it can and otherwise
takes the month's last day, which is how 《民法典》第 202 条 ends a period counted in months.
"""

from __future__ import annotations

import calendar
import datetime as dt


def month_start(day: dt.date) -> dt.date:
    """The month containing ``day`` (its first day)."""
    return day.replace(day=1)


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by ``months`` (negative goes back): the same day of the target month, or that month's
    last day when it is shorter (《民法典》第 202 条)."""
    year, month_index = divmod(day.year * 12 + day.month - 1 + months, 12)
    last = calendar.monthrange(year, month_index + 1)[1]
    return dt.date(year, month_index + 1, min(day.day, last))


def next_month(day: dt.date) -> dt.date:
    """The first day of the month after ``day`` (benefits paid “次月起”)."""
    return add_months(month_start(day), 1)


def month_label(month: dt.date) -> str:
    """``2026年12月``."""
    return f"{month.year}年{month.month}月"


def parse_month(value: str) -> dt.date | None:
    """``2026-12``, ``2026-12-01``, ``2026/12``, ``2026.12`` or ``202612`` → the 1st of that month; ``None``
    when the text is not a month (a full date must be a first of the month)."""
    text = value.strip().replace("/", "-").replace(".", "-")
    if len(text) == 6 and text.isdigit():
        text = f"{text[:4]}-{text[4:]}"
    parts = text.split("-")
    if len(parts) not in (2, 3) or not all(p.isdigit() for p in parts):
        return None
    try:
        day = dt.date(int(parts[0]), int(parts[1]), int(parts[2]) if len(parts) == 3 else 1)
    except ValueError:
        return None
    return day if day.day == 1 else None
