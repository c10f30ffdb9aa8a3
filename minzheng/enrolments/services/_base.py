"""What every enrolment write shares: the guard, the row lock, inserting an enrolment with its periods and
the audit event."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.audit.services import event_record
from minzheng.catalogue.programmes import ALLOWANCE_WORKFLOWS, Programme
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import NotFound, PermissionDenied
from minzheng.divisions.models import Division
from minzheng.divisions.rules import Level
from minzheng.divisions.selectors import division_ancestor
from minzheng.enrolments import rules
from minzheng.enrolments.errors import AlreadyEnrolled, EnrolmentInvalid
from minzheng.enrolments.models import (
    Enrolment,
    EntitlementPeriod,
)
from minzheng.enrolments.rules import Span

TEMPORARY = Programme.TEMPORARY_ASSISTANCE
EXTREME_POVERTY = Programme.EXTREME_POVERTY_SUPPORT
DIBAO = Programme.DIBAO
APPROVED_STEPS = frozenset({"approved", "aid_paid"})  # aid_paid: 急难型先行救助 already decided
# Allowance applications (applications.rules.ALLOWANCE_WORKFLOWS): the person is enrolled in each programme
# the approval granted (``application.assessment["granted"]``; 两项补贴 may grant both subsidies).
ALLOWANCE_APPLICATIONS = ALLOWANCE_WORKFLOWS


def _today() -> dt.date:
    return timezone.localdate()


def township_of(division: Division) -> Division:
    """The paying township of a village (the division itself when it is a township or above)."""
    return division_ancestor(division, Level.TOWNSHIP)


def _require(actor: User) -> None:
    if not actor.can(Capability.MANAGE_ENROLMENTS):
        raise PermissionDenied("您的角色不能办理在保对象的变更")


def _locked(actor: User, enrolment_id: int) -> Enrolment:
    enrolment = (
        Enrolment.objects.select_for_update(of=("self",))
        .select_related("household__hukou_division")
        .filter(pk=enrolment_id)
        .first()
    )
    if enrolment is None or not Enrolment.objects.visible_to(actor).filter(pk=enrolment_id).exists():
        raise NotFound("在保对象不存在或不在您的管辖范围内", field="enrolment")
    return enrolment


def period_spans(enrolment: Enrolment) -> dict[int, Span]:
    return {
        pk: Span(start, until, amount)
        for pk, start, until, amount in enrolment.periods.values_list(
            "id", "from_month", "until_month", "monthly_amount"
        )
    }


def _period_add(enrolment: Enrolment, span: Span, reason: str, basis: str, actor: User | None) -> None:
    EntitlementPeriod.objects.create(
        enrolment=enrolment,
        from_month=span.from_month,
        until_month=span.until_month,
        monthly_amount=span.amount,
        reason=reason[:200],
        basis=basis[:200],
        recorded_by=actor,
    )


def _split_at(enrolment: Enrolment, effective_month: dt.date) -> list[dict[str, str | None]]:
    """Close the period covering ``effective_month`` at it and remove the later ones; returns the removed
    periods as JSON for the change record."""
    spans = period_spans(enrolment)
    split = rules.period_split(spans, effective_month)
    EntitlementPeriod.objects.filter(pk__in=split.close).update(until_month=effective_month)
    removed = [
        {
            "from_month": spans[pk].from_month.isoformat(),
            "until_month": until.isoformat() if (until := spans[pk].until_month) else None,
            "amount": str(spans[pk].amount),
        }
        for pk in split.remove
    ]
    EntitlementPeriod.objects.filter(pk__in=split.remove).delete()
    return removed


def money_parse(value: Any, field: str = "new_amount") -> Decimal:
    try:
        amount = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise EnrolmentInvalid("金额不是有效数字", field=field) from None
    if not amount.is_finite() or amount < 0:
        raise EnrolmentInvalid("金额不能为负数", field=field)
    if amount != amount.quantize(rules.CENT):
        raise EnrolmentInvalid("金额最多两位小数（元、角、分）", field=field)
    return amount.quantize(rules.CENT)


def _audit(actor: User | None, enrolment: Enrolment, verb: str, summary: str, **data: Any) -> None:
    event_record(
        actor=actor,
        verb=verb,
        object_type="enrolment",
        object_id=enrolment.pk,
        division_code=enrolment.division.code if enrolment.division_id else "",
        summary=summary,
        data=data,
    )


def _create(
    actor: User | None, values: dict[str, Any], spans: list[Span], reason: str, basis: str
) -> Enrolment:
    """Insert the enrolment and its periods in a savepoint; a second current enrolment of the same
    household (person) and programme is refused by the partial unique indexes."""
    try:
        with transaction.atomic():
            enrolment = Enrolment.objects.create(created_by=actor, **values)
    except IntegrityError:
        who = "该人员" if values.get("person") is not None else "该家庭"
        raise AlreadyEnrolled(f"{who}已有在保的同一救助项目，不能重复纳入", field="programme") from None
    for span in spans:
        _period_add(enrolment, span, reason, basis, actor)
    return enrolment
