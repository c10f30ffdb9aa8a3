"""Pure rules: legal age at the boundaries, the cooling-off dates across month ends and holidays, the booking
window and the transition tables."""

from __future__ import annotations

import datetime as dt

import pytest

from minzheng.common.workdays import WorkingCalendar
from minzheng.marriage import rules

D = dt.date


@pytest.mark.parametrize(
    ("birth", "sex", "on", "expected"),
    [
        (D(2004, 5, 20), "male", D(2026, 5, 19), False),  # the day before his 22nd birthday
        (D(2004, 5, 20), "male", D(2026, 5, 20), True),  # the birthday itself
        (D(2006, 5, 20), "female", D(2026, 5, 19), False),
        (D(2006, 5, 20), "female", D(2026, 5, 20), True),
        (D(2004, 2, 29), "male", D(2026, 2, 28), False),  # 29 Feb: reached on 1 March in a common year
        (D(2004, 2, 29), "male", D(2026, 3, 1), True),
        (D(2006, 5, 20), "male", D(2026, 5, 20), False),  # a man of 20 is under age
    ],
)
def test_legal_age_boundaries(birth, sex, on, expected):
    assert rules.has_legal_age(birth, sex, on) is expected


@pytest.mark.parametrize(
    ("received", "withdraw_until", "register_from", "register_by"),
    [
        # 30 days after 30 Jan is Sunday 1 March → Monday 2 March (art. 203); then 30 more → 1 April
        (D(2026, 1, 30), D(2026, 3, 2), D(2026, 3, 3), D(2026, 4, 1)),
        # across the year end; the second period ends on Sunday 1 March → 2 March
        (D(2025, 12, 31), D(2026, 1, 30), D(2026, 1, 31), D(2026, 3, 2)),
        # 28 Feb 2026 is a Saturday but a make-up working day (调休): the period ends on it
        (D(2026, 1, 29), D(2026, 2, 28), D(2026, 3, 1), D(2026, 3, 30)),
        # the first period ends in the Spring Festival holiday → the first working day after it
        (D(2026, 1, 16), D(2026, 2, 24), D(2026, 2, 25), D(2026, 3, 26)),
        # National Day: 1 Oct → 8 Oct; then 7 Nov is a Saturday → 9 Nov
        (D(2026, 9, 1), D(2026, 10, 8), D(2026, 10, 9), D(2026, 11, 9)),
    ],
)
def test_cooling_off_dates(received, withdraw_until, register_from, register_by):
    dates = rules.cooling_off_dates(received, 30, 30, WorkingCalendar())
    assert (dates.withdraw_until, dates.register_from, dates.register_by) == (
        withdraw_until,
        register_from,
        register_by,
    )
    assert dates.provisional is False


def test_cooling_off_provisional_beyond_the_known_schedule():
    dates = rules.cooling_off_dates(D(2031, 3, 2), 30, 30, WorkingCalendar())
    assert dates.provisional is True
    assert dates.withdraw_until == D(2031, 4, 1)


def test_divorce_phase():
    until, by = D(2026, 3, 2), D(2026, 4, 1)
    assert rules.divorce_phase(until, by, D(2026, 3, 2)) == rules.DivorcePhase.COOLING_OFF
    assert rules.divorce_phase(until, by, D(2026, 3, 3)) == rules.DivorcePhase.WINDOW
    assert rules.divorce_phase(until, by, D(2026, 4, 1)) == rules.DivorcePhase.WINDOW
    assert rules.divorce_phase(until, by, D(2026, 4, 2)) == rules.DivorcePhase.EXPIRED


def _check(**changes):
    he = rules.Party("王大明", D(1995, 3, 4), "male", False)
    she = rules.Party("李小红", D(1997, 6, 8), "female", False)
    values = {
        "parties": (he, she),
        "same_person": False,
        "declaration_signed": True,
        "both_present": True,
        "on": D(2026, 5, 20),
    } | changes
    return rules.MarriageCheck(**values)


def test_marriage_refusals_each_ground():
    assert rules.marriage_refusals(_check()) == []
    young = rules.Party("王小明", D(2005, 1, 1), "male", False)
    assert (
        "未达法定婚龄（男不得早于22周岁，2027年01月01日方满）"
        in rules.marriage_refusals(_check(parties=(young, _check().parties[1])))[0]
    )
    married = rules.Party("李小红", D(1997, 6, 8), "female", True)
    assert "已婚" in rules.marriage_refusals(_check(parties=(_check().parties[0], married)))[0]
    assert "直系血亲" in rules.marriage_refusals(_check(declaration_signed=False))[0]
    assert "亲自到场" in rules.marriage_refusals(_check(both_present=False))[0]
    two_men = (_check().parties[0], rules.Party("赵", D(1990, 1, 1), "male", False))
    assert "男女双方" in rules.marriage_refusals(_check(parties=two_men))[0]
    assert rules.marriage_refusals(_check(same_person=True)) == ["双方身份证号码相同，请核对"]


def test_booking_window_releases_a_day_at_the_opening_hour():
    day = D(2027, 5, 20)
    before = dt.datetime(2026, 5, 20, 7, 59)
    at = dt.datetime(2026, 5, 20, 8, 0)
    start = dt.time(9, 0)
    assert rules.booking_open(before, day, start, 365, 8) == "该日号源将于2026年05月20日 8:00 开放预约"
    assert rules.booking_open(at, day, start, 365, 8) == ""
    assert rules.booking_open(at, D(2027, 5, 21), start, 365, 8).startswith("该日号源将于")
    assert (
        rules.booking_open(dt.datetime(2027, 5, 20, 9, 0), day, start, 365, 8) == "该时段已过，请选择其他时段"
    )


def test_transition_tables_have_no_duplicates():
    for table in (rules.APPOINTMENT_TRANSITIONS, rules.DIVORCE_TRANSITIONS):
        keys = [(t.source, t.action) for t in table]
        assert len(keys) == len(set(keys))
    assert rules.transition_for(rules.APPOINTMENT_TRANSITIONS, "cancelled", "cancel") is None
    assert rules.transition_for(rules.APPOINTMENT_TRANSITIONS, "confirmed", "cancel").releases_slot


def test_slot_plan_parse_refuses_bad_entries():
    assert (
        len(
            rules.slot_plan_parse(
                [{"service": "marriage", "starts_at": "09:00", "ends_at": "10:00", "capacity": 5}]
            )
        )
        == 1
    )
    with pytest.raises(rules.ValidationFailed, match="结束时间应晚于开始时间"):
        rules.slot_plan_parse(
            [{"service": "marriage", "starts_at": "10:00", "ends_at": "09:00", "capacity": 5}]
        )
    with pytest.raises(rules.ValidationFailed, match="业务类别不正确"):
        rules.slot_plan_parse([{"service": "x", "starts_at": "09:00", "ends_at": "10:00", "capacity": 5}])


def test_certificate_number():
    assert rules.certificate_number("J", "150102", 2026, 123) == "J150102-2026-000123"


def test_office_open_follows_overrides_then_the_calendar():
    calendar = WorkingCalendar()
    assert rules.office_open(D(2026, 5, 18), {}, calendar) is True  # a Monday
    assert rules.office_open(D(2026, 5, 16), {}, calendar) is False  # a Saturday
    assert rules.office_open(D(2026, 5, 16), {D(2026, 5, 16): True}, calendar) is True  # 增开
    assert rules.office_open(D(2026, 5, 20), {D(2026, 5, 20): False}, calendar) is False  # 闭馆


def test_slot_plan_text_round_trip():
    text = "结婚登记 09:00-10:00 10\n补领婚姻登记证 14:00-15:00 3"
    plan = rules.slot_plan_from_text(text)
    assert rules.slot_plan_text(rules.slot_plan_parse(plan)) == text
    with pytest.raises(rules.ValidationFailed, match="第 2 行应写成"):
        rules.slot_plan_from_text("结婚登记 09:00-10:00 10\n离婚 9-10 x")
