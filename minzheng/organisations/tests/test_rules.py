"""Pure rules: deadlines per type (社团条例第二十八条, 民非年检办法第四条, 基金会条例第三十六条), the 民非 ≤ 6 months
skip (第三条), the report transition table."""

from __future__ import annotations

import datetime as dt

import pytest

from minzheng.organisations import rules
from minzheng.organisations.rules import ReportAction, ReportStatus


def test_social_group_and_social_service_deadlines():
    due = rules.deadlines_for(2025, "03-31", "05-31")
    assert due.supervisor_due == dt.date(2026, 3, 31)
    assert due.authority_due == dt.date(2026, 5, 31)


def test_foundation_deadline_supervisor_before_authority_on_the_same_day():
    due = rules.deadlines_for(2025, None, "03-31")
    assert due.supervisor_due == due.authority_due == dt.date(2026, 3, 31)


def test_leap_day_falls_back_in_other_years():
    assert rules.on_month_day(2025, "02-29") == dt.date(2025, 2, 28)
    assert rules.on_month_day(2024, "02-29") == dt.date(2024, 2, 29)


@pytest.mark.parametrize(
    ("established", "skips"),
    [
        (dt.date(2025, 6, 29), False),  # more than six months before 31 December
        (dt.date(2025, 6, 30), True),  # exactly six months: ≤ 6 months skips
        (dt.date(2025, 12, 1), True),
        (dt.date(2026, 1, 2), True),  # registered after the year
        (dt.date(2020, 1, 1), False),
    ],
)
def test_social_service_registered_six_months_or_less_before_year_end_skips(established, skips):
    assert rules.registered_after_cutoff(established, 2025, 6) is skips


def test_social_group_cutoff_of_the_2026_measures():
    assert rules.registered_on_or_after(dt.date(2025, 6, 30), 2025, "06-30") is True
    assert rules.registered_on_or_after(dt.date(2025, 6, 29), 2025, "06-30") is False


def test_report_transitions_with_and_without_supervisor():
    assert (
        rules.report_next_status(ReportStatus.DRAFT, ReportAction.SUBMIT, has_supervisor=True) == "submitted"
    )
    assert rules.report_next_status(ReportStatus.DRAFT, ReportAction.SUBMIT, has_supervisor=False) == (
        "awaiting_review"
    )
    assert rules.report_next_status(
        ReportStatus.SUBMITTED, ReportAction.PRE_APPROVE, has_supervisor=True
    ) == ("awaiting_review")
    assert rules.report_next_status(
        ReportStatus.AWAITING_REVIEW, ReportAction.CONCLUDE, has_supervisor=True
    ) == ("concluded")
    assert (
        rules.report_next_status(ReportStatus.CONCLUDED, ReportAction.CONCLUDE, has_supervisor=True) is None
    )
    assert rules.report_next_status(ReportStatus.DRAFT, ReportAction.CONCLUDE, has_supervisor=True) is None


def test_abnormal_listing_after_grace():
    assert rules.abnormal_listing_due(dt.date(2026, 6, 1), 0) == dt.date(2026, 6, 1)
    assert rules.abnormal_listing_due(dt.date(2026, 6, 1), 30) == dt.date(2026, 7, 1)


def test_month_day_validation():
    from minzheng.policy import values
    from minzheng.policy.keys.organisations import month_day

    assert month_day("3-31") == "03-31"
    with pytest.raises(values.ValueProblem):
        month_day("02-30")
    with pytest.raises(values.ValueProblem):
        month_day("March")
