"""Pure rules of orders and providers: the transition table, the EVV flags at their boundaries, money."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from minzheng.eldercare.rules import orders as rules
from minzheng.eldercare.rules.providers import area_covers, credit_code_check, significant_prefix

S = rules.S
LIMITS = rules.EvvLimits(distance_m=500, window_tolerance_minutes=30, short_service_ratio=Decimal("0.5"))
HOME = rules.Point(40.842, 111.749)
UTC = dt.UTC


def test_the_transition_table_allows_exactly_the_documented_changes():
    allowed = {(a, b) for a, targets in rules.TRANSITIONS.items() for b in targets}
    assert allowed == {
        (S.PLACED, S.DISPATCHED),
        (S.PLACED, S.CANCELLED),
        (S.DISPATCHED, S.IN_SERVICE),
        (S.DISPATCHED, S.CANCELLED),
        (S.DISPATCHED, S.NO_SHOW),
        (S.IN_SERVICE, S.SERVED),
        (S.SERVED, S.CONFIRMED),
        (S.SERVED, S.DISPUTED),
        (S.DISPUTED, S.CONFIRMED),
        (S.DISPUTED, S.CANCELLED),
    }
    assert {S.CONFIRMED, S.NO_SHOW, S.CANCELLED} == rules.FINAL_STATUSES
    assert not rules.transition_allowed(S.CONFIRMED, S.DISPUTED)
    assert "已确认" in rules.transition_refusal(S.CONFIRMED, S.DISPUTED)


def north_of_home(metres: float) -> rules.Point:
    # one degree of latitude is ~111,195 m on the mean sphere
    return rules.Point(
        HOME.latitude + metres / (rules.EARTH_RADIUS_M * 3.141592653589793 / 180), HOME.longitude
    )


def test_distance_at_the_limit_passes_and_a_metre_more_is_flagged():
    assert rules.distance_flags(north_of_home(500), HOME, LIMITS) == ([], 500)
    assert rules.distance_flags(north_of_home(501), HOME, LIMITS) == ([rules.FAR_FROM_HOME], 501)


def test_missing_home_missing_place_and_missing_parameter_are_flagged():
    assert rules.distance_flags(HOME, None, LIMITS) == ([rules.HOME_LOCATION_MISSING], None)
    assert rules.distance_flags(None, HOME, LIMITS) == ([rules.LOCATION_MISSING], None)
    unset = rules.EvvLimits(None, None, None)
    assert rules.distance_flags(HOME, HOME, unset) == ([rules.PARAMETER_MISSING], 0)
    assert rules.flag_words([rules.PARAMETER_MISSING]) == ["核验参数未设置，需人工核定"]


def test_window_edges_with_tolerance():
    start = dt.datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    end = start + dt.timedelta(hours=1)
    edge_early = start - dt.timedelta(minutes=30)
    assert rules.window_flags(edge_early, start, end, LIMITS) == []
    assert rules.window_flags(edge_early - dt.timedelta(seconds=1), start, end, LIMITS) == [
        rules.OUTSIDE_WINDOW
    ]
    assert rules.window_flags(end + dt.timedelta(minutes=30), start, end, LIMITS) == []
    assert rules.window_flags(end + dt.timedelta(minutes=31), start, end, LIMITS) == [rules.OUTSIDE_WINDOW]


def test_short_service_at_the_share():
    start = dt.datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    assert rules.duration_flags(start, start + dt.timedelta(minutes=30), 60, LIMITS) == []
    assert rules.duration_flags(start, start + dt.timedelta(minutes=29, seconds=59), 60, LIMITS) == [
        rules.SHORT_SERVICE
    ]


def test_review_needed_only_for_flagged_orders_without_decision():
    assert rules.review_needed([rules.FAR_FROM_HOME], "")
    assert not rules.review_needed([rules.FAR_FROM_HOME], "accepted")
    assert not rules.review_needed([], "")


def test_money_is_fixed_to_the_fen():
    money = rules.order_money(Decimal("15.00"), Decimal("3.00"), Decimal("2"))
    assert (money.amount, money.co_payment, money.subsidy) == (
        Decimal("30.00"),
        Decimal("6.00"),
        Decimal("24.00"),
    )


def test_no_show_after_grace_strictly():
    end = dt.datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
    assert not rules.no_show_due(end, 60, end + dt.timedelta(minutes=60))
    assert rules.no_show_due(end, 60, end + dt.timedelta(minutes=60, seconds=1))


def test_plan_windows_respect_validity_and_weekdays():
    monday = dt.date(2026, 12, 7)
    windows = rules.plan_windows([2, 5], dt.time(9), 120, monday, dt.date(2026, 12, 9), None, UTC)
    assert [w[0].date() for w in windows] == [dt.date(2026, 12, 11)]
    assert windows[0][1] - windows[0][0] == dt.timedelta(minutes=120)
    with pytest.raises(ValueError, match="服务日“8”不正确"):
        rules.weekdays_parse("1,8")


def test_credit_code_messages_say_what_is_wrong():
    assert credit_code_check(" 91110000600037341l ") == "91110000600037341L"
    with pytest.raises(ValueError, match="校验位不正确"):
        credit_code_check("91110000600037341X")
    with pytest.raises(ValueError, match="应为 18 位，实际为 5 位"):
        credit_code_check("91110")


def test_area_covers_by_significant_prefix():
    assert significant_prefix("150102001000") == "150102001"
    assert significant_prefix("150102000000") == "150102"
    assert area_covers(["150102001000"], "150102001001")
    assert not area_covers(["150102002000"], "150102001001")
    assert area_covers(["150102000000"], "150102001001")
