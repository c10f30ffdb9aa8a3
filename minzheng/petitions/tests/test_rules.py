"""The pure rules: every 《信访工作条例》 limit across month ends and holidays (calendar vs working days), the
extension cap, the routing refusal and the transition table."""

from __future__ import annotations

import datetime as dt

import pytest

from minzheng.common.workdays import WorkingCalendar
from minzheng.petitions import rules

LIMITS = rules.Limits(
    accept_days=15,
    objection_working_days=5,
    handle_days=60,
    extension_days_max=30,
    review_request_days=30,
    review_decide_days=30,
    rereview_request_days=30,
    rereview_decide_days=30,
    due_soon_days=3,
    repeat_window_days=365,
)
CAL = WorkingCalendar()


def test_accept_within_15_days_moves_past_national_day():
    # 2025-09-16 + 15日 = 10-01, inside the 10-01…10-08 holiday: 《民法典》第二百零三条 → 10-09
    deadline = rules.accept_deadline(dt.date(2025, 9, 16), LIMITS, CAL)
    assert deadline.due_on == dt.date(2025, 10, 9)
    assert not deadline.provisional


def test_accept_on_an_ordinary_day():
    assert rules.accept_deadline(dt.date(2025, 3, 3), LIMITS, CAL).due_on == dt.date(2025, 3, 18)


def test_handle_60_days_across_february():
    # 2025-01-31 + 60 calendar days: 28 days of February counted → 2025-04-01 (a Tuesday)
    assert rules.handle_deadline(dt.date(2025, 1, 31), LIMITS, CAL).due_on == dt.date(2025, 4, 1)


def test_handle_with_30_day_extension_lands_on_labour_day():
    # 2025-01-31 + 90 = 05-01, the 05-01…05-05 holiday → 05-06
    deadline = rules.handle_deadline(dt.date(2025, 1, 31), LIMITS, CAL, extension_days=30)
    assert deadline.due_on == dt.date(2025, 5, 6)
    assert "含延长30日" in deadline.note


def test_review_request_in_a_leap_year_ends_on_a_weekend_moved_to_monday():
    # 2024-02-29 + 30 = 03-30 (Saturday) → Monday 04-01
    assert rules.review_request_deadline(dt.date(2024, 2, 29), LIMITS, CAL).due_on == dt.date(2024, 4, 1)


def test_review_and_rereview_30_days_across_the_year_end():
    assert rules.review_deadline(dt.date(2025, 12, 31), LIMITS, CAL).due_on == dt.date(2026, 1, 30)
    assert rules.rereview_request_deadline(dt.date(2025, 12, 31), LIMITS, CAL).due_on == dt.date(2026, 1, 30)
    assert rules.rereview_deadline(dt.date(2025, 12, 31), LIMITS, CAL).due_on == dt.date(2026, 1, 30)


def test_objection_counts_working_days_with_makeup_day_and_holiday():
    # assigned Fri 2025-09-26: Sun 09-28 is a make-up workday (1), 09-29 (2), 09-30 (3), holiday 10-01…08,
    # 10-09 (4), 10-10 (5)
    assert rules.objection_deadline(dt.date(2025, 9, 26), LIMITS, CAL).due_on == dt.date(2025, 10, 10)


def test_calendar_and_working_days_differ():
    calendar_days = rules.accept_deadline(dt.date(2025, 9, 26), LIMITS, CAL).due_on
    working = rules.objection_deadline(dt.date(2025, 9, 26), LIMITS, CAL).due_on
    assert calendar_days == dt.date(2025, 10, 11)  # 10-11 is a make-up Saturday workday
    assert working == dt.date(2025, 10, 10)


def test_a_year_the_calendar_does_not_know_is_provisional():
    assert rules.accept_deadline(dt.date(2027, 3, 1), LIMITS, CAL).provisional


def test_missing_parameter_says_needs_manual_determination():
    missing = rules.Limits(*([None] * 8))
    deadline = rules.handle_deadline(dt.date(2025, 3, 3), missing, CAL)
    assert deadline.due_on is None
    assert deadline.note.startswith("需人工核定")
    assert rules.extension_problem(10, 0, "理由", missing).startswith("需人工核定")


@pytest.mark.parametrize(
    ("days", "already", "reason", "problem"),
    [
        (30, 0, "案情复杂", ""),
        (20, 10, "案情复杂", ""),
        (31, 0, "案情复杂", "延长期限累计不得超过30日（《信访工作条例》第三十四条）"),
        (11, 20, "案情复杂", "延长期限累计不得超过30日（《信访工作条例》第三十四条）"),
        (0, 0, "案情复杂", "延长天数须大于零"),
        (10, 0, " ", "延长办理期限须说明理由并告知信访人（《信访工作条例》第三十四条）"),
    ],
)
def test_extension_at_most_30_days_with_a_reason(days, already, reason, problem):
    assert rules.extension_problem(days, already, reason, LIMITS) == problem


def test_request_late():
    assert rules.request_late(dt.date(2025, 5, 1), dt.date(2025, 5, 1)) == ""
    assert (
        rules.request_late(dt.date(2025, 5, 2), dt.date(2025, 5, 1))
        == "已超过请求期限（2025-05-01），不予受理"
    )
    assert rules.request_late(dt.date(2025, 5, 2), None).startswith("需人工核定")


def test_due_state():
    due = dt.date(2025, 5, 10)
    assert rules.due_state(due, dt.date(2025, 5, 6), 3) == rules.DueState.NONE
    assert rules.due_state(due, dt.date(2025, 5, 7), 3) == rules.DueState.DUE_SOON
    assert rules.due_state(due, dt.date(2025, 5, 10), 3) == rules.DueState.DUE_SOON
    assert rules.due_state(due, dt.date(2025, 5, 11), 3) == rules.DueState.OVERDUE


def test_route_refusal_keeps_the_accused_and_their_unit_out():
    township = "150102001000"
    assert rules.route_refusal("150102001000", township) != ""  # the unit itself
    assert rules.route_refusal("150102001001", township) != ""  # a village below it
    assert rules.route_refusal("150102000000", township) == ""  # the county above it
    assert rules.route_refusal("150102002000", township) == ""  # another township
    assert "本人" in rules.route_refusal("150102000000", township, target_is_accused=True)


def test_above_code():
    assert rules.above_code("150102001001") == "150102001000"
    assert rules.above_code("150102001000") == "150102000000"
    assert rules.above_code("150102000000") == "150100000000"
    assert rules.above_code("150000000000") is None


def test_transition_table():
    assert rules.transition_for("registered", "accept").target == rules.Status.ACCEPTED
    assert rules.transition_for("registered", "reply") is None
    assert rules.transition_for("handling", "extend").target == rules.Status.EXTENDED
    assert rules.transition_for("extended", "extend") is None  # once; the 30 days are a total
    assert rules.transition_for("rereviewed", "request_review") is None
    assert rules.transition_for("closed", "request_review").target == rules.Status.REVIEW_REQUESTED
    for transition in rules.TRANSITIONS:
        assert transition.label
        assert transition.source in rules.STATUS_LABELS
        assert transition.target in rules.STATUS_LABELS
