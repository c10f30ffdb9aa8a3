"""Enrolment services: from a decision, each change kind with exact periods, gradual exit, 特困 termination
with its notice, transfer, and closing finished schedules."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from minzheng.applications.models import ApplicationEvent
from minzheng.applications.services import enrolment_from_application
from minzheng.audit.models import Event
from minzheng.common.errors import DomainError, NotFound, PermissionDenied
from minzheng.enrolments import services
from minzheng.enrolments.models import ChangeState, Enrolment, EnrolmentChange, EntitlementPeriod

D = dt.date
Y = Decimal


def periods(enrolment):
    return [
        (p.from_month, p.until_month, p.monthly_amount)
        for p in EntitlementPeriod.objects.filter(enrolment=enrolment).order_by("from_month")
    ]


def test_dibao_from_application_is_idempotent_and_writes_the_timeline(users, approved):
    application = approved("dibao")
    first = enrolment_from_application(actor=users["county"], application=application)
    second = enrolment_from_application(actor=users["county"], application=application)
    assert first.pk == second.pk
    assert Enrolment.objects.count() == 1
    assert (first.programme, first.person_id, first.level, first.source) == (
        "dibao",
        None,
        "A",
        "application",
    )
    assert first.division.code == "150102001000"
    assert periods(first) == [(D(2026, 12, 1), None, Y("1350.00"))]
    events = ApplicationEvent.objects.filter(application=application, code="enrolled")
    assert [(e.kind, e.message) for e in events] == [("record", "纳入在保：自 2026年12月 起每月 1350.00 元")]
    assert Event.objects.filter(verb="enrolment.created", object_id=str(first.pk)).count() == 1


def test_extreme_poverty_enrols_the_person_with_support_mode(users, approved):
    application = approved(
        "extreme_poverty_support", assessment={"support_mode": "institutional"}, level="none"
    )
    enrolment = enrolment_from_application(actor=users["county"], application=application)
    assert enrolment.person_id == application.subject_id
    assert (enrolment.level, enrolment.support_mode) == ("none", "institutional")


def test_temporary_with_instalments_and_one_off(users, approved):
    plan = [{"month": "2027-01-01", "amount": "800.00"}, {"month": "2026-12-01", "amount": "1000.00"}]
    staged = enrolment_from_application(
        actor=users["county"], application=approved("temporary_assistance", instalments=plan)
    )
    assert periods(staged) == [
        (D(2026, 12, 1), D(2027, 1, 1), Y("1000.00")),
        (D(2027, 1, 1), D(2027, 2, 1), Y("800.00")),
    ]
    assert (staged.starts_month, staged.ends_month, staged.status) == (
        D(2026, 12, 1),
        D(2027, 1, 1),
        "active",
    )
    one_off = enrolment_from_application(
        actor=users["county"],
        application=approved("temporary_assistance", one_off_amount=Y("2400.00"), household=staged.household),
    )  # a second temporary grant of the same household while the first is still paid
    assert periods(one_off) == [(D(2026, 12, 1), D(2027, 1, 1), Y("2400.00"))]


def test_not_approved_and_margin_programmes(users, approved):
    with pytest.raises(DomainError, match="尚未批准"):
        enrolment_from_application(actor=users["county"], application=approved("dibao", step="county_review"))
    assert enrolment_from_application(actor=users["county"], application=approved("margin_household")) is None
    assert Enrolment.objects.count() == 0


def test_second_current_dibao_of_a_household_is_refused(users, approved):
    first = approved("dibao")
    enrolment_from_application(actor=users["county"], application=first)
    other = approved("dibao", household=first.household)
    with pytest.raises(DomainError, match="已有在保的同一救助项目"):
        enrolment_from_application(actor=users["county"], application=other)
    assert Enrolment.objects.count() == 1


def change(enrolment, user, **kwargs):
    kwargs.setdefault("reason", "家庭收入变化")
    return services.enrolment_change(actor=user, enrolment_id=enrolment.pk, **kwargs)


def test_increase_then_back_dated_decrease(users, dibao_enrolment):
    enrolment = dibao_enrolment()
    c = change(
        enrolment, users["caseworker"], kind="increase", effective_month=D(2027, 3, 1), new_amount="1500"
    )
    assert (c.amount_before, c.amount_after, c.basis) == (
        Y("1350.00"),
        Y("1500.00"),
        "《最低生活保障审核确认办法》第31—32条（家庭情况变化，增发）",
    )
    assert periods(enrolment) == [
        (D(2026, 12, 1), D(2027, 3, 1), Y("1350.00")),
        (D(2027, 3, 1), None, Y("1500.00")),
    ]
    # back-dated decrease into the first period (the payroll turns the difference into an adjustment)
    with pytest.raises(DomainError, match="不能早于该月"):
        change(
            enrolment, users["caseworker"], kind="decrease", effective_month=D(2027, 1, 1), new_amount="1200"
        )
    change(enrolment, users["caseworker"], kind="decrease", effective_month=D(2027, 3, 1), new_amount="1200")
    assert periods(enrolment) == [
        (D(2026, 12, 1), D(2027, 3, 1), Y("1350.00")),
        (D(2027, 3, 1), None, Y("1200.00")),
    ]
    replaced = EnrolmentChange.objects.filter(kind="decrease").get().removed_periods
    assert replaced == [{"from_month": "2027-03-01", "until_month": None, "amount": "1500.00"}]
    enrolment.refresh_from_db()
    assert enrolment.monthly_amount == Y("1200.00")


def test_back_dated_decrease_splits_the_running_period(users, dibao_enrolment):
    enrolment = dibao_enrolment()
    change(enrolment, users["county"], kind="decrease", effective_month=D(2027, 1, 1), new_amount="1000.50")
    assert periods(enrolment) == [
        (D(2026, 12, 1), D(2027, 1, 1), Y("1350.00")),
        (D(2027, 1, 1), None, Y("1000.50")),
    ]


def test_suspend_resume_stop_and_stop_twice(users, dibao_enrolment):
    enrolment = dibao_enrolment()
    change(enrolment, users["caseworker"], kind="suspend", effective_month=D(2027, 2, 1))
    enrolment.refresh_from_db()
    assert enrolment.status == "suspended"
    assert periods(enrolment) == [(D(2026, 12, 1), D(2027, 2, 1), Y("1350.00"))]
    change(enrolment, users["caseworker"], kind="resume", effective_month=D(2027, 4, 1))
    assert periods(enrolment)[-1] == (D(2027, 4, 1), None, Y("1350.00"))
    change(
        enrolment, users["caseworker"], kind="stop", effective_month=D(2027, 6, 1), reason="收入超过低保标准"
    )
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.ends_month, enrolment.end_reason) == (
        "ended",
        D(2027, 5, 1),
        "收入超过低保标准",
    )
    assert periods(enrolment)[-1] == (D(2027, 4, 1), D(2027, 6, 1), Y("1350.00"))
    with pytest.raises(DomainError, match="当前状态为“已退出”，不能办理“停发”"):
        change(enrolment, users["caseworker"], kind="stop", effective_month=D(2027, 7, 1))
    assert EnrolmentChange.objects.filter(enrolment=enrolment).count() == 3


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "increase", "effective_month": D(2026, 11, 1), "new_amount": "2000"}, "不能早于起始月份"),
        ({"kind": "increase", "effective_month": D(2027, 1, 1), "new_amount": "-1"}, "不能为负数"),
        ({"kind": "increase", "effective_month": D(2027, 1, 1), "new_amount": "1.005"}, "最多两位小数"),
        (
            {"kind": "increase", "effective_month": D(2027, 1, 1), "new_amount": "1000"},
            "须高于当前的 1350.00 元",
        ),
        ({"kind": "decrease", "effective_month": D(2027, 1, 1)}, "请填写变更后的月金额"),
        ({"kind": "resume", "effective_month": D(2027, 1, 1)}, "不能办理“恢复”"),
        ({"kind": "stop", "effective_month": D(2026, 12, 1)}, "停发月份须晚于起始月份"),
        ({"kind": "stop", "effective_month": D(2027, 1, 15)}, "须为某月 1 日"),
        ({"kind": "stop", "effective_month": D(2027, 1, 1), "reason": " "}, "请填写变更原因"),
        ({"kind": "explode", "effective_month": D(2027, 1, 1)}, "未知的变更类型"),
    ],
)
def test_nonsense_changes_are_refused_and_nothing_written(users, dibao_enrolment, kwargs, message):
    enrolment = dibao_enrolment()
    with pytest.raises(DomainError, match=message):
        change(enrolment, users["caseworker"], **kwargs)
    assert periods(enrolment) == [(D(2026, 12, 1), None, Y("1350.00"))]
    assert EnrolmentChange.objects.count() == 0


def test_scope_and_role(users, dibao_enrolment):
    enrolment = dibao_enrolment()
    with pytest.raises(NotFound):
        change(enrolment, users["taibus_county"], kind="suspend", effective_month=D(2027, 1, 1))
    with pytest.raises(PermissionDenied):
        change(enrolment, users["reviewer"], kind="suspend", effective_month=D(2027, 1, 1))


def test_gradual_exit_schedule_from_the_policy_parameters(users, dibao_enrolment, divisions):
    from minzheng.policy.services import policy_builtin_load

    policy_builtin_load()
    enrolment = dibao_enrolment()
    c = services.enrolment_gradual_exit(
        actor=users["caseworker"],
        enrolment_id=enrolment.pk,
        effective_month=D(2027, 2, 1),
        reason="长子就业，人均收入超过标准",
    )
    # builtin taper (UNCONFIRMED placeholder): 100 % ×2, 80 % ×2, 60 % ×2, then stop
    assert periods(enrolment) == [
        (D(2026, 12, 1), D(2027, 2, 1), Y("1350.00")),
        (D(2027, 2, 1), D(2027, 4, 1), Y("1350.00")),
        (D(2027, 4, 1), D(2027, 6, 1), Y("1080.00")),
        (D(2027, 6, 1), D(2027, 8, 1), Y("810.00")),
    ]
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.ends_month) == ("active", D(2027, 7, 1))
    assert (c.kind, c.amount_before, c.amount_after) == ("gradual_exit", Y("1350.00"), Y("1350.00"))
    with pytest.raises(DomainError, match="渐退期须为 1—6 个月"):
        services.enrolment_gradual_exit(
            actor=users["caseworker"],
            enrolment_id=dibao_enrolment().pk,
            effective_month=D(2027, 2, 1),
            reason="就业",
            months=7,
        )
    # the schedule ends in a stop once its last month has passed
    assert services.enrolments_close_finished(today=D(2027, 7, 31)) == 0
    assert services.enrolments_close_finished(today=D(2027, 8, 1)) == 1
    assert services.enrolments_close_finished(today=D(2027, 8, 2)) == 0
    enrolment.refresh_from_db()
    assert enrolment.status == "ended"
    stop = EnrolmentChange.objects.filter(enrolment=enrolment, kind="stop").get()
    assert (stop.effective_month, stop.status_before) == (D(2027, 8, 1), "active")


def test_gradual_exit_with_fewer_months(users, dibao_enrolment, divisions):
    from minzheng.policy.services import policy_builtin_load

    policy_builtin_load()
    enrolment = dibao_enrolment()
    services.enrolment_gradual_exit(
        actor=users["caseworker"],
        enrolment_id=enrolment.pk,
        effective_month=D(2027, 1, 1),
        reason="就业",
        months=3,
    )
    assert periods(enrolment)[1:] == [
        (D(2027, 1, 1), D(2027, 3, 1), Y("1350.00")),
        (D(2027, 3, 1), D(2027, 4, 1), Y("1080.00")),
    ]


def test_extreme_poverty_termination_notice_confirm_and_transfer(users, approved):
    enrolment = enrolment_from_application(
        actor=users["county"], application=approved("extreme_poverty_support")
    )
    notice = services.extreme_poverty_termination_propose(
        actor=users["caseworker"],
        enrolment_id=enrolment.pk,
        ground="work_ability",
        reason="经评估恢复劳动能力",
        today=D(2027, 3, 10),
    )
    assert (notice.state, notice.notice_starts_on, notice.notice_ends_on) == (
        "notice",
        D(2027, 3, 11),
        D(2027, 3, 17),
    )
    with pytest.raises(DomainError, match="已有公示中的终止"):
        services.extreme_poverty_termination_propose(
            actor=users["caseworker"],
            enrolment_id=enrolment.pk,
            ground="voluntary",
            reason="x",
            today=D(2027, 3, 10),
        )
    with pytest.raises(PermissionDenied):
        services.extreme_poverty_termination_confirm(
            actor=users["caseworker"], change_id=notice.pk, today=D(2027, 3, 20)
        )
    assert notice.notice_ends_provisional  # 2027: the holiday schedule is not known yet
    with pytest.raises(DomainError, match="^公示期至2027年3月17日届满，不得提前结束$"):
        services.extreme_poverty_termination_confirm(
            actor=users["county"], change_id=notice.pk, today=D(2027, 3, 17)
        )
    done = services.extreme_poverty_termination_confirm(
        actor=users["county"], change_id=notice.pk, today=D(2027, 3, 18)
    )
    assert (done.state, done.effective_month) == ("applied", D(2027, 4, 1))
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.ends_month) == ("ended", D(2027, 3, 1))
    assert periods(enrolment) == [(D(2026, 12, 1), D(2027, 4, 1), Y("1350.00"))]
    with pytest.raises(DomainError, match="转入起始月份须为 2027-04"):
        services.extreme_poverty_transfer(
            actor=users["county"],
            enrolment_id=enrolment.pk,
            programme="dibao",
            monthly_amount="700",
            reason="转低保",
            starts_month=D(2027, 3, 1),
        )
    moved = services.extreme_poverty_transfer(
        actor=users["county"],
        enrolment_id=enrolment.pk,
        programme="dibao",
        monthly_amount="700",
        reason="县民政局 2027-12 号",
    )
    assert (moved.source, moved.transferred_from_id, moved.person_id) == ("transfer", enrolment.pk, None)
    assert periods(moved) == [(D(2027, 4, 1), None, Y("700.00"))]


def test_termination_withdrawn_after_objection(users, approved):
    enrolment = enrolment_from_application(
        actor=users["county"], application=approved("extreme_poverty_support")
    )
    notice = services.extreme_poverty_termination_propose(
        actor=users["caseworker"],
        enrolment_id=enrolment.pk,
        ground="income_assets",
        reason="收入超标",
        today=D(2027, 3, 10),
    )
    services.extreme_poverty_termination_withdraw(
        actor=users["county"], change_id=notice.pk, reason="异议属实，收入未超标"
    )
    notice.refresh_from_db()
    enrolment.refresh_from_db()
    assert (notice.state, enrolment.status) == (ChangeState.WITHDRAWN, "active")
    assert periods(enrolment) == [(D(2026, 12, 1), None, Y("1350.00"))]


def test_extreme_poverty_termination_notice_ends_after_the_national_day_holiday(users, approved):
    """Issue 15 §5: proposed on 2026-09-24, the 7th day (10-01) is National Day (10-01 … 10-07), so the notice
    runs to 10-08 (民法典第 203 条); confirming before it has passed is refused and nothing is written."""
    enrolment = enrolment_from_application(
        actor=users["county"], application=approved("extreme_poverty_support")
    )
    notice = services.extreme_poverty_termination_propose(
        actor=users["caseworker"], enrolment_id=enrolment.pk, ground="work_ability", reason="经评估恢复劳动能力",
        today=D(2026, 9, 24),
    )  # fmt: skip
    assert (notice.notice_starts_on, notice.notice_ends_on, notice.notice_ends_provisional) == (
        D(2026, 9, 25), D(2026, 10, 8), False,
    )  # fmt: skip
    for early in (D(2026, 10, 2), D(2026, 10, 8)):
        with pytest.raises(DomainError, match="^公示期至2026年10月8日届满，不得提前结束$"):
            services.extreme_poverty_termination_confirm(
                actor=users["county"], change_id=notice.pk, today=early
            )
    assert EnrolmentChange.objects.get(pk=notice.pk).state == ChangeState.NOTICE
    done = services.extreme_poverty_termination_confirm(
        actor=users["county"], change_id=notice.pk, today=D(2026, 10, 9)
    )
    assert (done.state, done.effective_month) == ("applied", D(2026, 11, 1))
