"""Review schedule generation (counts and due dates per category), self-report hook, and completing a
review with the engine's re-assessment and each outcome."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from minzheng.applications.services import enrolment_from_application
from minzheng.common.errors import DomainError
from minzheng.enrolments import reviews
from minzheng.enrolments.models import Review
from minzheng.registry.models import Person

D = dt.date


@pytest.fixture
def policy(divisions):
    from minzheng.policy.services import policy_builtin_load

    policy_builtin_load()


def test_schedule_by_category_death_and_idempotence(users, approved, household_factory):
    stable = enrolment_from_application(
        actor=users["county"],
        application=approved("dibao", household=household_factory(employment_status="unable_to_work")),
    )
    unstable = enrolment_from_application(
        actor=users["county"],
        application=approved("dibao", household=household_factory(employment_status="self_employed")),
    )
    tekun = enrolment_from_application(actor=users["county"], application=approved("extreme_poverty_support"))
    bereaved_household = household_factory(employment_status="unable_to_work")
    bereaved = enrolment_from_application(
        actor=users["county"], application=approved("dibao", household=bereaved_household)
    )
    Person.objects.filter(pk=bereaved_household.head_id).update(death_date=D(2027, 1, 20))
    # all started 2026-12: unstable due 2027-06-01, death review 2027-04-20, the others 2027-12-01
    assert reviews.review_schedule_generate(today=D(2027, 3, 1)) == 0
    assert reviews.review_schedule_generate(today=D(2027, 4, 1)) == 1
    assert reviews.review_schedule_generate(today=D(2027, 5, 15)) == 1
    assert reviews.review_schedule_generate(today=D(2027, 11, 15)) == 2
    assert reviews.review_schedule_generate(today=D(2027, 11, 15)) == 0
    got = {r.enrolment_id: (r.trigger, r.category, r.due_on) for r in Review.objects.all()}
    assert got == {
        bereaved.pk: ("member_death", "stable", D(2027, 4, 20)),
        unstable.pk: ("schedule", "unstable", D(2027, 6, 1)),
        stable.pk: ("schedule", "stable", D(2027, 12, 1)),
        tekun.pk: ("schedule", "extreme_poverty", D(2027, 12, 1)),
    }


def test_scoped_generation(users, dibao_enrolment):
    dibao_enrolment()
    assert reviews.review_schedule_generate(actor=users["taibus_county"], today=D(2027, 12, 1)) == 0
    assert reviews.review_schedule_generate(actor=users["county"], today=D(2027, 12, 1)) == 1


def test_complete_unchanged_and_change_amount_from_the_engine(
    users, dibao_enrolment, policy, household_factory
):
    enrolment = dibao_enrolment(household=household_factory(employment_status="unable_to_work"))
    reviews.review_schedule_generate(today=D(2027, 12, 1))
    review = Review.objects.get()
    done = reviews.review_complete(
        actor=users["caseworker"],
        review_id=review.pk,
        findings="家庭情况无变化",
        outcome="unchanged",
        today=D(2027, 12, 3),
    )
    assert (done.status, done.outcome, done.change_id, done.completed_on) == (
        "done",
        "unchanged",
        None,
        D(2027, 12, 3),
    )
    assert done.assessment["programme"] == "dibao"
    assert done.assessment["eligible"] is True
    with pytest.raises(DomainError, match="该复核已完成"):
        reviews.review_complete(
            actor=users["caseworker"], review_id=review.pk, findings="x", outcome="unchanged"
        )
    # next review a year after the completed one (a stable household)
    assert reviews.review_schedule_generate(today=D(2028, 11, 1)) == 0
    assert reviews.review_schedule_generate(today=D(2028, 11, 3)) == 1
    second = Review.objects.get(status="open")
    assert second.due_on == D(2028, 12, 3)
    engine_amount = Decimal(reviews._assess(enrolment, D(2028, 12, 5)).monthly_amount)
    done = reviews.review_complete(
        actor=users["caseworker"],
        review_id=second.pk,
        findings="标准调整",
        outcome="change_amount",
        today=D(2028, 12, 5),
    )
    assert (done.change.kind, done.change.effective_month, done.new_amount) == (
        "increase" if engine_amount > Decimal("1350") else "decrease",
        D(2029, 1, 1),
        engine_amount,
    )


def test_complete_stop_and_same_amount_refused(users, dibao_enrolment, policy):
    enrolment = dibao_enrolment()
    reviews.review_schedule_generate(today=D(2027, 12, 1))
    review = Review.objects.get()
    with pytest.raises(DomainError, match="与现发放金额相同"):
        reviews.review_complete(
            actor=users["caseworker"],
            review_id=review.pk,
            findings="x",
            outcome="change_amount",
            new_amount="1350",
            today=D(2027, 12, 3),
        )
    review.refresh_from_db()
    assert review.status == "open"
    reviews.review_complete(
        actor=users["caseworker"],
        review_id=review.pk,
        findings="收入超过标准",
        outcome="stop",
        today=D(2027, 12, 3),
    )
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.ends_month) == ("ended", D(2027, 12, 1))


def test_self_report_hook(users, dibao_enrolment):
    enrolment = dibao_enrolment()
    review = reviews.review_self_report_record(
        actor=None, enrolment_id=enrolment.pk, report={"income": "800"}, received_on=D(2027, 2, 1)
    )
    assert (review.trigger, review.due_on, review.report) == (
        "self_report",
        D(2027, 3, 3),
        {"2027-02-01": {"income": "800"}},
    )
    # the scheduled review later finds the open one and does not add a second
    assert reviews.review_schedule_generate(today=D(2027, 12, 1)) == 0


def test_a_review_that_lowers_the_amount_changes_the_next_payroll(
    users, dibao_enrolment, policy, household_factory, divisions, make_user
):
    from minzheng.payments import services as payments
    from minzheng.payments.models import PayrollLine
    from minzheng.payments.tests.factories import approve

    checker = make_user("checker", "county_approver", divisions["xincheng"])
    enrolment = dibao_enrolment(household=household_factory(employment_status="unable_to_work"))
    # December 2027 is paid at 1,350 (the county's first payroll)
    december = payments.payroll_generate(
        actor=users["county"], county=divisions["xincheng"], month=D(2027, 12, 1)
    )
    approve(december, users["county"], checker)
    assert list(PayrollLine.objects.filter(payroll=december).values_list("kind", "amount")) == [
        ("regular", Decimal("1350.00"))
    ]
    # the yearly review falls due on 2027-12-01 and is generated with the schedule
    assert reviews.review_schedule_generate(today=D(2027, 11, 15)) == 1
    review = Review.objects.get(enrolment=enrolment)
    assert (review.trigger, review.category, review.due_on) == ("schedule", "stable", D(2027, 12, 1))
    # the review finds a new income: 减发 to 1,000 from the next month
    done = reviews.review_complete(
        actor=users["caseworker"], review_id=review.pk, findings="家庭成员有新的固定收入",
        outcome="change_amount", new_amount="1000.00", today=D(2027, 12, 3),
    )  # fmt: skip
    assert (done.change.kind, done.change.effective_month, done.change.amount_before, done.new_amount) == (
        "decrease", D(2028, 1, 1), Decimal("1350.00"), Decimal("1000.00"),
    )  # fmt: skip
    # then January's payroll pays the lowered amount, and December (already paid) is not touched
    january = payments.payroll_generate(
        actor=users["county"], county=divisions["xincheng"], month=D(2028, 1, 1)
    )
    lines = list(PayrollLine.objects.filter(payroll=january).values_list("enrolment_id", "kind", "amount"))
    assert lines == [(enrolment.pk, "regular", Decimal("1000.00"))]
    assert january.total_amount == Decimal("1000.00")
