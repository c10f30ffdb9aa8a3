"""Service entitlements: eligibility, each allowed and forbidden step of the transition table, the
allowance from parameters (versions recorded) or 需人工核定, deadlines in working days, the contract
selector ``entitlement_current``."""
# ruff: noqa: F811, PT018 - fixtures are imported from fixtures_care; paired facts are asserted together

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from minzheng.audit.models import Event
from minzheng.common.errors import Conflict, PermissionDenied, ValidationFailed
from minzheng.eldercare.models import EntitlementEvent, ServiceEntitlement
from minzheng.eldercare.rules import entitlements as rules
from minzheng.eldercare.selectors.entitlements import entitlement_current
from minzheng.eldercare.services.entitlements import Decision, entitlement_apply, entitlement_transition

from .fixtures_care import TODAY, make_older, set_param  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db
HOURS = "eldercare.entitlement.monthly_hours.extreme_poverty"
AMOUNT = "eldercare.entitlement.monthly_amount.extreme_poverty"


def _apply(users, older, category="extreme_poverty"):
    return entitlement_apply(
        actor=users["caseworker"], older_person_id=older.pk, category=category, today=TODAY
    )


def _step(users, row, code, who, reason="", decision=None):
    return entitlement_transition(
        actor=users[who],
        entitlement_id=row.pk,
        code=code,
        expected_status=row.status,
        reason=reason,
        decision=decision,
        today=TODAY,
    )


def test_apply_review_approve_records_the_parameters_and_the_validity(users, make_older, set_param):
    # given: 特困 figures of the region and a 5-working-day township limit
    hours = set_param(HOURS, 30)
    amount = set_param(AMOUNT, "600.00")
    set_param("eldercare.entitlement.township_review_days", 5)
    set_param("eldercare.entitlement.county_approval_days", 10)
    older = make_older(extreme_poverty=True)
    # when
    row = _apply(users, older)
    reviewed = _step(users, row, "review", "reviewer")
    approved = _step(users, reviewed, "approve", "county")
    # then
    assert row.township_due_on == dt.date(2026, 6, 23)  # 5 working days; 19 June is 端午节
    assert reviewed.county_due_on == dt.date(2026, 6, 30)
    assert (approved.status, approved.monthly_hours, approved.monthly_amount, approved.manual) == (
        "approved",
        30,
        Decimal("600.00"),
        False,
    )
    assert approved.valid_from == TODAY and approved.valid_to is None
    assert {(p["key"], p["id"], p["version"]) for p in approved.parameters} == {
        (HOURS, hours.pk, 1),
        (AMOUNT, amount.pk, 1),
    }
    assert list(EntitlementEvent.objects.filter(entitlement=row).values_list("action", flat=True)) == [
        "apply",
        "review",
        "approve",
    ]
    assert Event.objects.filter(object_type="eldercare.entitlement", object_id=str(row.pk)).count() == 3
    current = entitlement_current(older, TODAY)
    assert current is not None and (current.monthly_hours, current.monthly_amount) == (30, Decimal("600.00"))
    assert entitlement_current(older, TODAY - dt.timedelta(days=1)) is None


def test_missing_parameters_need_manual_determination_never_a_silent_grant(users, make_older):
    older = make_older(extreme_poverty=True)
    row = _step(users, _apply(users, older), "review", "reviewer")
    with pytest.raises(ValidationFailed) as refused:
        _step(users, row, "approve", "county")
    assert refused.value.message.startswith(
        "需人工核定：2026-06-15 没有适用于锡林南路社区居委会（150102001001）的政策参数“政府购买服务月服务时长（特困人员）”"
    )
    assert "请填写人工核定的月服务时长或月服务金额" in refused.value.message
    assert ServiceEntitlement.objects.get(pk=row.pk).status == "reviewed"
    # the county determines it in writing
    decided = _step(
        users,
        row,
        "approve",
        "county",
        decision=Decision(manual_hours=20, manual_note="旗县民政局会议纪要〔2026〕3号，参照特困标准"),
    )
    assert (decided.monthly_hours, decided.monthly_amount, decided.manual) == (20, None, True)
    assert entitlement_current(older.pk, TODAY).manual is True


def test_manual_figures_are_refused_where_parameters_apply(users, make_older, set_param):
    set_param(HOURS, 30)
    older = make_older(extreme_poverty=True)
    row = _step(users, _apply(users, older), "review", "reviewer")
    with pytest.raises(ValidationFailed, match="不能人工核定"):
        _step(users, row, "approve", "county", decision=Decision(manual_hours=50, manual_note="多给"))


def test_eligibility_reads_the_flags_and_capacity(users, make_older):
    plain = make_older(name="李奶奶")
    with pytest.raises(ValidationFailed, match="不属于“特困人员”"):
        _apply(users, plain)
    with pytest.raises(ValidationFailed, match="尚未进行能力评估"):
        _apply(users, plain, "incapacitated")
    alone_old = make_older(name="赵爷爷", advanced_age=True, lives_alone=True)
    assert _apply(users, alone_old, "advanced_age_alone").status == "applied"
    with pytest.raises(Conflict, match="已有正在办理"):
        _apply(users, alone_old, "advanced_age_alone")


@pytest.mark.parametrize(
    ("path", "code", "who", "allowed"),
    [
        ([], "review", "reviewer", True),
        ([], "return", "reviewer", True),
        ([], "township_reject", "caseworker", True),
        ([], "approve", "county", False),  # not reviewed yet
        ([], "review", "county", False),  # review is the township's
        ([("review", "reviewer")], "approve", "reviewer", False),  # approval is the county's
        ([("review", "reviewer")], "county_return", "county", True),
        ([("review", "reviewer")], "county_reject", "county", True),
        ([("review", "reviewer")], "review", "reviewer", False),
        ([("return", "reviewer")], "resubmit", "caseworker", True),
        ([("return", "reviewer")], "review", "reviewer", False),
        ([("township_reject", "reviewer")], "resubmit", "caseworker", False),
    ],
)
def test_each_step_allowed_or_forbidden(users, make_older, path, code, who, allowed):
    row = _apply(users, make_older(extreme_poverty=True))
    for step, actor in path:
        row = _step(users, row, step, actor, reason="材料不全")
    if allowed:
        after = _step(users, row, code, who, reason="理由")
        assert after.status == rules.TRANSITION_BY_CODE[code].target
    else:
        with pytest.raises(ValidationFailed):
            _step(users, row, code, who, reason="理由")
        assert ServiceEntitlement.objects.get(pk=row.pk).status == row.status


def test_reject_and_return_need_a_reason_and_stale_status_is_a_conflict(users, make_older):
    row = _apply(users, make_older(extreme_poverty=True))
    with pytest.raises(ValidationFailed, match="须写明理由"):
        _step(users, row, "return", "reviewer")
    _step(users, row, "review", "reviewer")
    with pytest.raises(
        Conflict, match="当前状态为“待旗县审批”，不能办理“退回补正”（可能已由他人办理，请刷新）"
    ):
        _step(users, row, "return", "reviewer", reason="再退")  # row still says "applied"


def test_end_closes_the_validity_and_village_assistant_cannot_apply(users, make_older, set_param):
    set_param(AMOUNT, "400.00")
    older = make_older(extreme_poverty=True)
    row = _step(users, _step(users, _apply(users, older), "review", "reviewer"), "approve", "county")
    ended = entitlement_transition(
        actor=users["county"],
        entitlement_id=row.pk,
        code="end",
        expected_status="approved",
        reason="迁出",
        today=TODAY + dt.timedelta(days=40),
    )
    assert ended.valid_to == TODAY + dt.timedelta(days=40)
    assert entitlement_current(older, TODAY + dt.timedelta(days=39)) is not None
    assert entitlement_current(older, TODAY + dt.timedelta(days=40)) is None
    with pytest.raises(PermissionDenied):
        entitlement_apply(actor=users["assistant"], older_person_id=older.pk, category="dibao", today=TODAY)
