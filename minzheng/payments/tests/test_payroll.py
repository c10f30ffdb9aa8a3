"""Payroll generation: exact lines and amounts (regular, arrears after a retroactive raise, a back-dated
decrease, a suspended month, an ended enrolment, a late-approved enrolment), the no-double-pay unique
index, interruption and re-run, maker ≠ checker, and the lock after approval."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from minzheng.audit.models import Event
from minzheng.enrolments.models import EntitlementPeriod
from minzheng.payments import rules, selectors, services
from minzheng.payments.errors import MakerIsChecker, PayrollInvalid, PayrollLocked
from minzheng.payments.models import Payroll, PayrollLine

from .factories import approve, enrol, lines_of, month, period

pytestmark = pytest.mark.django_db

D = Decimal
JAN, FEB, MAR = month(2026, 1), month(2026, 2), month(2026, 3)


@pytest.fixture
def checker(make_user, divisions):
    return make_user("county2", "county_approver", divisions["xincheng"])


@pytest.fixture
def homes(household_factory):
    return [household_factory(head_name=name) for name in ("赵一", "钱二", "孙三", "李四", "周五", "吴六")]


def test_regular_lines_skip_suspended_ended_and_other_counties(users, divisions, homes):
    # given
    street = divisions["street"]
    paid = enrol(homes[0], street, "500.00", JAN)
    enrol(homes[1], street, "300.00", JAN, status="suspended")
    enrol(homes[2], street, "400.00", month(2025, 10), until=JAN, ends=month(2025, 12), status="ended")
    enrol(homes[3], divisions["sumu"], "600.00", JAN)  # Taibus: another county
    person = enrol(
        homes[4], street, "1200.00", JAN, programme="extreme_poverty_support", person=homes[4].head
    )

    # when
    payroll = services.payroll_generate(actor=users["county"], county=divisions["xincheng"], month=JAN)

    # then
    assert lines_of(payroll) == [
        (paid.pk, "regular", JAN, D("500.00")),
        (person.pk, "regular", JAN, D("1200.00")),
    ]
    assert (payroll.number, payroll.status, payroll.line_count, payroll.total_amount) == (
        "150102202601",
        "draft",
        2,
        D("1700.00"),
    )
    assert Event.objects.filter(verb="payroll.generate", object_id=payroll.pk).count() == 1


def test_a_month_paid_by_another_county_is_not_paid_again(users, divisions, homes):
    """The regular line is left out, not refused (issue 21: an anti-join on the month's other payrolls
    instead of ``ON CONFLICT DO NOTHING``), for a first generation and for a regenerated draft alike."""
    # given: January paid by Xincheng; then the household moves to Taibus, which pays January too
    moved = enrol(homes[0], divisions["street"], "500.00", JAN)
    stayed = enrol(homes[1], divisions["sumu"], "300.00", JAN)
    services.payroll_generate(actor=users["county"], county=divisions["xincheng"], month=JAN)
    moved.division = divisions["sumu"]
    moved.save(update_fields=["division"])
    taibus = users["taibus_county"]

    # when
    payroll = services.payroll_generate(actor=taibus, county=divisions["taibus"], month=JAN)
    again = services.payroll_generate(actor=taibus, county=divisions["taibus"], month=JAN)

    # then
    assert lines_of(payroll) == lines_of(again) == [(stayed.pk, "regular", JAN, D("300.00"))]
    assert PayrollLine.objects.filter(enrolment=moved).count() == 1


def test_three_months_arrears_decrease_suspension_late_enrolment(users, divisions, homes, checker):
    """January and February approved; in March a raise back-dated to January, a decrease back-dated to
    February, a late-approved enrolment from January, an enrolment ended back-dated to January."""
    street, county, maker = divisions["street"], divisions["xincheng"], users["county"]
    raised = enrol(homes[0], street, "500.00", month(2025, 10))
    lowered = enrol(homes[1], street, "400.00", JAN)
    suspended = enrol(homes[2], street, "200.00", JAN, until=FEB)  # no period for February: suspended
    ended = enrol(homes[3], street, "400.00", JAN)

    jan = approve(services.payroll_generate(actor=maker, county=county, month=JAN), maker, checker)
    feb = services.payroll_generate(actor=maker, county=county, month=FEB)
    assert lines_of(feb) == [
        (raised.pk, "regular", FEB, D("500.00")),
        (lowered.pk, "regular", FEB, D("400.00")),
        (ended.pk, "regular", FEB, D("400.00")),
    ]
    approve(feb, maker, checker)
    assert jan.line_count == 4

    # back-dated changes recorded in March
    EntitlementPeriod.objects.filter(enrolment=raised).update(until_month=JAN)
    period(raised, "550.00", JAN)
    EntitlementPeriod.objects.filter(enrolment=lowered).update(until_month=FEB)
    period(lowered, "300.00", FEB)
    period(suspended, "200.00", MAR)
    EntitlementPeriod.objects.filter(enrolment=ended).update(until_month=FEB)
    ended.status, ended.ends_month = "ended", JAN
    ended.save()
    late = enrol(homes[4], street, "300.00", JAN)

    # when
    mar = services.payroll_generate(actor=maker, county=county, month=MAR)

    # then: arrears only from the first payroll month (January), not October 2025
    assert lines_of(mar) == sorted(
        [
            (raised.pk, "regular", MAR, D("550.00")),
            (raised.pk, "adjustment", JAN, D("50.00")),
            (raised.pk, "adjustment", FEB, D("50.00")),
            (lowered.pk, "regular", MAR, D("300.00")),
            (lowered.pk, "adjustment", FEB, D("-100.00")),
            (suspended.pk, "regular", MAR, D("200.00")),
            (late.pk, "regular", MAR, D("300.00")),
            (late.pk, "adjustment", JAN, D("300.00")),
            (late.pk, "adjustment", FEB, D("300.00")),
        ]
    )
    # the ended enrolment's 400 overpaid for February is not deducted below zero: it is listed to recover
    assert mar.total_amount == D("1950.00")
    overpaid = selectors.payroll_overpayments(actor=users["county"], payroll=mar)
    assert [(o.enrolment_id, o.status, o.amount) for o in overpaid] == [(ended.pk, "已退出", D("400.00"))]
    adjustment = PayrollLine.objects.get(payroll=mar, enrolment=lowered, kind="adjustment")
    assert (adjustment.owed, adjustment.booked_before) == (D("300.00"), D("400.00"))


def test_deduction_capped_so_net_never_negative(users, divisions, homes, checker):
    # given: 400 paid for January, then the amount is cut back-dated to 0 for January and to 100 from February
    street, county, maker = divisions["street"], divisions["xincheng"], users["county"]
    cut = enrol(homes[0], street, "400.00", JAN)
    approve(services.payroll_generate(actor=maker, county=county, month=JAN), maker, checker)
    EntitlementPeriod.objects.filter(enrolment=cut).delete()
    period(cut, "100.00", FEB)

    # when
    feb = services.payroll_generate(actor=maker, county=county, month=FEB)

    # then: −400 owed back, only −100 carried (net 0); the rest is carried by the next payrolls
    assert lines_of(feb) == [(cut.pk, "adjustment", JAN, D("-100.00")), (cut.pk, "regular", FEB, D("100.00"))]
    assert [o.amount for o in selectors.payroll_overpayments(actor=users["county"], payroll=feb)] == [
        D("300.00")
    ]
    approve(feb, maker, checker)
    assert set(PayrollLine.objects.filter(payroll=feb).values_list("payment_status", flat=True)) == {"offset"}
    mar = services.payroll_generate(actor=maker, county=county, month=MAR)
    assert lines_of(mar) == [(cut.pk, "adjustment", JAN, D("-100.00")), (cut.pk, "regular", MAR, D("100.00"))]


@pytest.mark.parametrize(
    ("deduction", "positive", "before", "carried"),
    [
        ("400", "100", "0", "100"),
        ("50", "100", "0", "50"),
        ("50", "100", "80", "20"),
        ("50", "100", "150", "0"),
    ],
)
def test_capped_deduction_rule(deduction: str, positive: str, before: str, carried: str) -> None:
    assert rules.capped_deduction(D(deduction), positive_total=D(positive), deducted_before=D(before)) == D(
        carried
    )


def test_unique_index_refuses_a_second_regular_line(users, divisions, homes, checker):
    # given: January generated
    enrol(homes[0], divisions["street"], "500.00", JAN)
    payroll = services.payroll_generate(actor=users["county"], county=divisions["xincheng"], month=JAN)
    line = PayrollLine.objects.get(payroll=payroll)
    other = Payroll.objects.create(
        number="150102209901",
        county=divisions["xincheng"],
        month=month(2099, 1),
        generated_by=users["county"],
        generated_at=payroll.generated_at,
    )

    # when / then: the same enrolment and month as a regular line again, even on another payroll
    with pytest.raises(IntegrityError), transaction.atomic():
        PayrollLine.objects.create(
            payroll=other,
            enrolment=line.enrolment,
            household=line.household,
            township=line.township,
            programme="dibao",
            kind="regular",
            entitlement_month=JAN,
            owed=D("500"),
            amount=D("500"),
        )
    assert PayrollLine.objects.count() == 1


def test_interrupted_generation_leaves_nothing_and_rerun_is_identical(users, divisions, homes, checker):
    street, county, maker = divisions["street"], divisions["xincheng"], users["county"]
    for index, home in enumerate(homes[:4]):
        enrol(home, street, f"{300 + index * 10}.00", JAN)
    approve(services.payroll_generate(actor=maker, county=county, month=JAN), maker, checker)
    EntitlementPeriod.objects.filter(enrolment__household=homes[0]).delete()  # raised back-dated to January
    period(homes[0].enrolments.get(), "350.00", JAN)

    def crash_after(stage_name: str):
        def progress(stage: str, written: int) -> None:
            if stage == stage_name:
                raise RuntimeError("进程被终止")  # the run dies after this statement

        return progress

    # when: the first run dies after the regular lines
    with pytest.raises(RuntimeError):
        services.payroll_generate(actor=maker, county=county, month=FEB, progress=crash_after("regular"))

    # then: nothing of it remains
    assert not Payroll.objects.filter(month=FEB).exists()
    assert PayrollLine.objects.filter(entitlement_month=FEB).count() == 0

    # when: run again, then regenerated, then a regeneration dies half-way
    first = services.payroll_generate(actor=maker, county=county, month=FEB)
    expected = lines_of(first)
    again = services.payroll_generate(actor=maker, county=county, month=FEB)
    with pytest.raises(RuntimeError):
        services.payroll_generate(actor=maker, county=county, month=FEB, progress=crash_after("retry"))

    # then: exactly the same lines every time, no duplicate, no gap
    assert again.pk == first.pk
    assert lines_of(first) == expected
    assert len(expected) == 5
    assert expected[0][1:] == ("adjustment", JAN, D("50.00"))
    assert Payroll.objects.get(pk=first.pk).total_amount == D("1360.00")


def test_maker_cannot_approve_and_approved_is_locked(users, divisions, homes, checker):
    street, county, maker = divisions["street"], divisions["xincheng"], users["county"]
    enrol(homes[0], street, "500.00", JAN)
    payroll = services.payroll_generate(actor=maker, county=county, month=JAN)
    services.payroll_submit(actor=maker, payroll_id=payroll.pk)

    with pytest.raises(MakerIsChecker) as refused:
        services.payroll_approve(actor=maker, payroll_id=payroll.pk)
    assert refused.value.message == "发放批次由您编制，须由本级另一名审核人员审核通过（编制与审核分离）"
    assert Payroll.objects.get(pk=payroll.pk).status == "submitted"

    # the database refuses it too
    with pytest.raises(IntegrityError), transaction.atomic():
        Payroll.objects.filter(pk=payroll.pk).update(status="approved", approved_by=maker)

    services.payroll_approve(actor=checker, payroll_id=payroll.pk)
    with pytest.raises(PayrollLocked) as locked:
        services.payroll_generate(actor=checker, county=county, month=JAN)
    assert locked.value.message == (
        "发放批次 150102202601 处于“已审核（锁定）”状态，不能重新生成或修改；审核后发现的变化将作为补发/扣减列入下月批次"
    )
    assert lines_of(payroll)[0][1:] == ("regular", JAN, D("500.00"))


def test_reject_back_to_draft_and_order_of_months(users, divisions, homes, checker):
    county, maker = divisions["xincheng"], users["county"]
    enrol(homes[0], divisions["street"], "500.00", JAN)
    payroll = services.payroll_generate(actor=maker, county=county, month=JAN)
    services.payroll_submit(actor=maker, payroll_id=payroll.pk)
    with pytest.raises(PayrollInvalid):
        services.payroll_reject(actor=checker, payroll_id=payroll.pk, reason=" ")
    rejected = services.payroll_reject(actor=checker, payroll_id=payroll.pk, reason="名单需复核")
    assert (rejected.status, rejected.rejected_reason) == ("draft", "名单需复核")

    with pytest.raises(PayrollInvalid) as early:
        services.payroll_generate(actor=maker, county=county, month=FEB)
    assert early.value.message == "2026年1月 的发放批次尚未审核，请先完成审核再生成下月批次"
    assert not Payroll.objects.filter(month=FEB).exists()


@pytest.mark.parametrize(
    ("source", "target", "allowed"),
    [
        (s, t, (s, t) in {("draft", "submitted"), ("submitted", "approved"), ("submitted", "draft")})
        for s in ("draft", "submitted", "approved")
        for t in ("draft", "submitted", "approved")
    ],
)
def test_transition_table(source: str, target: str, allowed: bool) -> None:
    assert rules.can_transition(source, target) is allowed


def test_township_user_cannot_generate(users, divisions):
    from minzheng.common.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.payroll_generate(actor=users["caseworker"], county=divisions["xincheng"], month=JAN)
    with pytest.raises(PermissionDenied):
        services.payroll_generate(actor=users["county"], county=divisions["taibus"], month=JAN)
    assert Payroll.objects.count() == 0
