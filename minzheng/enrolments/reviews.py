"""Periodic review (issue 5 §3): the schedule generated set-based as ``Review`` tasks, the review record
with a re-assessment by the benefit engine, and its outcome applied through the change services.

Intervals (policy-rules.md §1.10, all confirmed): stable households yearly, households with unstable income
and members able to work every 6 months (审核确认办法第 31 条), 特困 persons yearly (2020 意见第 7 项), and a
household within 3 months of a member's death (2022 通知§一(三)). A recipient's 定期报告 from the portal
enters through ``review_self_report_record`` and is handled as the same review.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.audit.services import event_record
from minzheng.catalogue.programmes import Programme
from minzheng.common.errors import NotFound
from minzheng.enrolments import rules, services
from minzheng.enrolments.errors import ChangeNotAllowed, EnrolmentInvalid
from minzheng.enrolments.models import (
    ChangeKind,
    Enrolment,
    EnrolmentStatus,
    Review,
    ReviewCategory,
    ReviewOutcome,
    ReviewStatus,
    ReviewTrigger,
)
from minzheng.enrolments.rules import add_months, month_start
from minzheng.registry.models import Membership, Person

DEFAULT_HORIZON_DAYS = 31  # generate the reviews falling due within the next month


def _today() -> dt.date:
    return timezone.localdate()


def review_schedule_generate(
    *, actor: User | None = None, today: dt.date | None = None, horizon_days: int = DEFAULT_HORIZON_DAYS
) -> int:
    """Create a ``Review`` for every active 低保/特困 enrolment without an open one whose next review falls
    due within ``horizon_days``. Set-based: five queries and one bulk insert whatever the number of
    enrolments; idempotent (the partial unique index allows one open review per enrolment). ``actor``
    limits the run to a jurisdiction (a page); the scheduled task runs without one over everything."""
    today = today or _today()
    horizon = today + dt.timedelta(days=horizon_days)
    candidates = Enrolment.objects.filter(
        status=EnrolmentStatus.ACTIVE, programme__in=rules.REVIEWED_PROGRAMMES
    ).exclude(reviews__status=ReviewStatus.OPEN)
    if actor is not None:
        candidates = candidates.filter(pk__in=Enrolment.objects.visible_to(actor).values("pk"))
    rows = list(candidates.values_list("id", "programme", "household_id", "starts_month"))
    ids = [r[0] for r in rows]
    households = {r[2] for r in rows if r[1] == Programme.DIBAO}
    last = dict(
        Review.objects.filter(enrolment_id__in=ids, status=ReviewStatus.DONE)
        .values("enrolment_id")
        .annotate(last=Max("completed_on"))
        .values_list("enrolment_id", "last")
    )
    unstable = set(
        Membership.objects.filter(
            household_id__in=households,
            left_on__isnull=True,
            person__death_date__isnull=True,
            person__employment_status__in=rules.UNSTABLE_EMPLOYMENT,
        ).values_list("household_id", flat=True)
    )
    deaths = dict(
        Person.objects.filter(household_id__in=households, death_date__isnull=False)
        .values("household_id")
        .annotate(last=Max("death_date"))
        .values_list("household_id", "last")
    )
    reviews = []
    for pk, programme, household_id, starts in rows:
        category = _category(programme, household_id in unstable)
        death = deaths.get(household_id) if programme == Programme.DIBAO else None
        due = rules.review_due(category, last.get(pk), starts, death)
        if due <= horizon:
            by_death = death is not None and due == add_months(death, rules.DEATH_REVIEW_MONTHS)
            trigger = ReviewTrigger.MEMBER_DEATH if by_death else ReviewTrigger.SCHEDULE
            reviews.append(Review(enrolment_id=pk, trigger=trigger, category=category, due_on=due))
    created = Review.objects.bulk_create(reviews, batch_size=5000, ignore_conflicts=True)
    return len(created)


def _category(programme: str, unstable: bool) -> str:
    if programme == Programme.EXTREME_POVERTY_SUPPORT:
        return ReviewCategory.EXTREME_POVERTY
    return ReviewCategory.UNSTABLE if unstable else ReviewCategory.STABLE


@transaction.atomic
def review_self_report_record(
    *, actor: User | None, enrolment_id: int, report: dict[str, Any], received_on: dt.date | None = None
) -> Review:
    """The hook for 定期报告 (periodic self-reports, 审核确认办法第 30 条) from the portal: the report is
    attached to the enrolment's open review, or opens a review due in 30 days."""
    received_on = received_on or _today()
    enrolment = Enrolment.objects.filter(pk=enrolment_id).exclude(status=EnrolmentStatus.ENDED).first()
    if enrolment is None:
        raise NotFound("在保对象不存在或已退出", field="enrolment")
    review = Review.objects.select_for_update().filter(enrolment=enrolment, status=ReviewStatus.OPEN).first()
    if review is None:
        review = Review.objects.create(
            enrolment=enrolment, trigger=ReviewTrigger.SELF_REPORT, due_on=received_on + dt.timedelta(days=30)
        )
    review.report = {**review.report, received_on.isoformat(): report}
    review.save(update_fields=["report"])
    return review


def _assess(enrolment: Enrolment, today: dt.date) -> Any:
    from minzheng.benefits.engine import assess
    from minzheng.benefits.providers import SelectorParams
    from minzheng.benefits.selectors import household_facts_many

    facts = household_facts_many([enrolment.household_id], today)[enrolment.household_id]
    person = str(enrolment.person_id) if enrolment.person_id else None
    return assess(enrolment.programme, facts, SelectorParams(), person_key=person)


@transaction.atomic
def review_complete(
    *,
    actor: User,
    review_id: int,
    findings: str,
    outcome: str,
    new_amount: Decimal | str | None = None,
    months: int | None = None,
    today: dt.date | None = None,
) -> Review:
    """Record the review's findings, re-assess with the benefit engine on ``today`` (the result is stored
    with its reasons and parameter versions) and apply the outcome from the next month: unchanged (no
    significant change → the amount is not adjusted, 审核确认办法第 31 条), a new amount (增发/减发; default
    the engine's amount), gradual exit, or stop (第 32 条, the findings are the written reasons)."""
    today = today or _today()
    review = Review.objects.select_for_update().filter(pk=review_id).first()
    if review is None or not Review.objects.visible_to(actor).filter(pk=review_id).exists():
        raise NotFound("复核不存在或不在您的管辖范围内", field="review")
    if review.status != ReviewStatus.OPEN:
        raise ChangeNotAllowed("该复核已完成", field="status")
    if not findings.strip():
        raise EnrolmentInvalid("请填写核查情况", field="findings")
    if outcome not in ReviewOutcome.values:
        raise EnrolmentInvalid("请选择处理结果", field="outcome")
    enrolment = review.enrolment
    result = _assess(enrolment, today)
    from minzheng.benefits.reasons import result_as_dict

    review.assessment = result_as_dict(result)
    review.change = _apply(actor, enrolment, outcome, findings, new_amount, months, result, today)
    review.findings, review.outcome = findings.strip(), outcome
    review.new_amount = review.change.amount_after if review.change else None
    review.status, review.completed_on, review.completed_by = ReviewStatus.DONE, today, actor
    review.save()
    event_record(
        actor=actor,
        verb="enrolment.reviewed",
        object_type="enrolment",
        object_id=enrolment.pk,
        division_code=enrolment.division.code,
        summary=f"复核：{ReviewOutcome(outcome).label}",
        data={"review_id": review.pk},
    )
    return review


def _apply(
    actor: User,
    enrolment: Enrolment,
    outcome: str,
    findings: str,
    new_amount: Any,
    months: int | None,
    result: Any,
    today: dt.date,
) -> Any:
    effective = add_months(month_start(today), 1)
    reason = f"复核：{findings.strip()}"[:200]
    if outcome == ReviewOutcome.UNCHANGED:
        return None
    if outcome == ReviewOutcome.STOP:
        return services.enrolment_change(
            actor=actor,
            enrolment_id=enrolment.pk,
            kind=ChangeKind.STOP,
            effective_month=effective,
            reason=reason,
        )
    if outcome == ReviewOutcome.GRADUAL_EXIT:
        return services.enrolment_gradual_exit(
            actor=actor, enrolment_id=enrolment.pk, effective_month=effective, reason=reason, months=months
        )
    amount = services.money_parse(new_amount if new_amount not in (None, "") else result.monthly_amount)
    current = rules.amount_on(services.period_spans(enrolment), effective)
    if current is None or amount == current:
        raise EnrolmentInvalid("调整后的金额与现发放金额相同，请选择“维持不变”", field="new_amount")
    kind = ChangeKind.INCREASE if amount > current else ChangeKind.DECREASE
    return services.enrolment_change(
        actor=actor,
        enrolment_id=enrolment.pk,
        kind=kind,
        effective_month=effective,
        new_amount=amount,
        reason=reason,
    )
