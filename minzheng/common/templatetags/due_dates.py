"""One way to show a date that may be provisional (ADR 0004): a due date computed in a year whose holiday
schedule neither chinese-calendar nor the ``CalendarDay`` table knows is marked 暂定 on every page, PDF and
text, so nobody reads it as certain (it is recomputed once the schedule is entered).

``{{ day|due_with_marker:provisional }}`` → ``2027-02-09<span class="provisional" …>（暂定）</span>``;
``{% due_marked day provisional "Y年n月j日" %}`` for another format; ``due_text`` for plain text (PDF, SMS).
"""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils.dateformat import format as date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

register = template.Library()

DATE_FORMAT = "Y-m-d"


def marker() -> str:
    """The plain-text marker after a provisional date."""
    return _("（暂定）")


def marker_title() -> str:
    return _("该年度法定节假日安排尚未录入，按周一至周五推算；安排公布后将重新计算")


def due_text(day: dt.date | None, provisional: bool, fmt: str = DATE_FORMAT) -> str:
    """``2027-02-09（暂定）`` or ``2026-10-08``; ``""`` without a date."""
    if day is None:
        return ""
    return date_format(day, fmt) + (marker() if provisional else "")


@register.filter
def due_with_marker(day: dt.date | None, provisional: bool = False) -> SafeString | str:
    """The date as Y-m-d, followed by the 暂定 marker when ``provisional``."""
    return due_marked(day, provisional)


@register.simple_tag
def due_marked(day: dt.date | None, provisional: bool, fmt: str = DATE_FORMAT) -> SafeString | str:
    if day is None:
        return ""
    if not provisional:
        return date_format(day, fmt)
    return format_html(
        '{}<span class="provisional text-orange" data-provisional="true" title="{}">{}</span>',
        date_format(day, fmt),
        marker_title(),
        marker(),
    )
