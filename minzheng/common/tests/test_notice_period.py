"""The public notice period (民法典第 201、203 条) and the 暂定 marker of provisional dates, as pure rules."""

from __future__ import annotations

import datetime as dt

import pytest

from minzheng.common.errors import NoticeRunning
from minzheng.common.templatetags.due_dates import due_marked, due_text, due_with_marker
from minzheng.common.workdays import NoticePeriod, WorkingCalendar, notice_over, notice_period

D = dt.date
MARKER = (
    '<span class="provisional text-orange" data-provisional="true" '
    'title="该年度法定节假日安排尚未录入，按周一至周五推算；安排公布后将重新计算">（暂定）</span>'
)


@pytest.mark.parametrize(
    ("published", "expected"),
    [
        # by hand: the notice runs 09-25 … 10-01 (7 days); 10-01 is National Day (10-01 … 10-07 in the 2026
        # schedule), so by art. 203 it ends on 10-08, the day after the holiday
        (D(2026, 9, 24), NoticePeriod(D(2026, 9, 25), D(2026, 10, 8), provisional=False)),
        # 09-18 (Fri): 7th day 09-25 is the Mid-autumn holiday (09-25 … 09-27) → Monday 09-28
        (D(2026, 9, 18), NoticePeriod(D(2026, 9, 19), D(2026, 9, 28), provisional=False)),
        # an ordinary week: 7th day 12-17 is a Thursday, unchanged
        (D(2026, 12, 10), NoticePeriod(D(2026, 12, 11), D(2026, 12, 17), provisional=False)),
        # 2027: the schedule is not known, Mon–Fri assumed → provisional
        (D(2026, 12, 30), NoticePeriod(D(2026, 12, 31), D(2027, 1, 6), provisional=True)),
    ],
)
def test_notice_period_moves_a_last_day_on_a_holiday(published, expected):
    assert notice_period(published, 7, WorkingCalendar()) == expected


def test_notice_is_over_only_after_its_last_day():
    assert not notice_over(D(2026, 10, 8), D(2026, 10, 2))
    assert not notice_over(D(2026, 10, 8), D(2026, 10, 8))
    assert notice_over(D(2026, 10, 8), D(2026, 10, 9))
    assert not notice_over(None, D(2026, 10, 9))


def test_notice_running_message():
    error = NoticeRunning(D(2026, 10, 8))
    assert (error.code, error.message, error.field) == (
        "notice_running",
        "公示期至2026年10月8日届满，不得提前结束",
        "notice_ends_on",
    )


def test_the_marker_follows_a_provisional_date_only():
    assert due_with_marker(D(2027, 2, 9), True) == "2027-02-09" + MARKER
    assert due_with_marker(D(2026, 10, 8), False) == "2026-10-08"
    assert due_with_marker(None, True) == ""
    assert due_marked(D(2027, 2, 9), True, "Y年n月j日") == "2027年2月9日" + MARKER
    assert due_text(D(2027, 2, 9), True) == "2027-02-09（暂定）"
    assert due_text(D(2026, 10, 8), False) == "2026-10-08"
