"""Writes of service entitlements (政府购买服务资格, issue 17 §3): the application and one locked
compare-and-set transition service along ``rules.entitlements.TRANSITIONS``, each with an
``EntitlementEvent`` and an audit event in the same transaction. Two people acting at once: the second finds
the status changed and gets a Chinese conflict, never a double effect."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.audit.services import event_record
from minzheng.common.errors import Conflict, NotFound, ValidationFailed
from minzheng.eldercare.models import EntitlementEvent, OlderPerson, ServiceEntitlement
from minzheng.eldercare.rules import entitlements as rules
from minzheng.eldercare.selectors.entitlements import parameters_in_force
from minzheng.eldercare.services.care_common import actor_level, capability_require, deadline, flags_of
from minzheng.policy.keys.eldercare_services import COUNTY_APPROVAL_DAYS, TOWNSHIP_REVIEW_DAYS


class EntitlementConflict(Conflict):
    code = "entitlement_conflict"


def _event(row: ServiceEntitlement, actor: User, before: str, action: str, note: str) -> None:
    now = timezone.now()
    EntitlementEvent.objects.create(
        entitlement=row,
        from_status=before,
        to_status=row.status,
        action=action,
        actor=actor,
        at=now,
        note=note,
    )
    event_record(
        actor=actor,
        verb=f"eldercare.entitlement.{action}",
        object_type="eldercare.entitlement",
        object_id=row.pk,
        division_code=row.division.code,
        summary=f"政府购买服务资格 {row.pk}：{rules.STATUS_LABELS.get(rules.Status(row.status))}",
        data={"from": before, "to": row.status, "note": note[:200]},
    )


def entitlement_apply(
    *, actor: User, older_person_id: int, category: str, note: str = "", today: dt.date | None = None
) -> ServiceEntitlement:
    """Register an application for one older person of the actor's jurisdiction in one category. Refused
    when the person does not belong to the category, already has an application in progress, or already
    holds an entitlement in force."""
    capability_require(actor, rules.CAPABILITY)
    today = today or timezone.localdate()
    level = actor_level(actor)
    if level is None or level > 4:
        raise ValidationFailed("服务资格申请由乡镇（街道）或旗县民政工作人员受理")
    with transaction.atomic():
        older = (
            OlderPerson.objects.visible_to(actor)
            .select_for_update(of=("self",))
            .select_related("division")
            .filter(pk=older_person_id)
            .first()
        )
        if older is None or not older.active:
            raise NotFound("老年人不存在、已移出或不在您的管辖范围内", field="older_person")
        problem = rules.eligibility_problem(flags_of(older), category)
        if problem:
            raise ValidationFailed(problem, field="category")
        mine = ServiceEntitlement.objects.filter(older_person=older)
        if mine.filter(status__in=[s.value for s in rules.IN_PROGRESS]).exists():
            raise EntitlementConflict("该老年人已有正在办理的服务资格申请", field="older_person")
        if mine.filter(status=rules.Status.APPROVED.value).exclude(valid_to__lte=today).exists():
            raise EntitlementConflict("该老年人已享有政府购买服务资格，不能重复申请", field="older_person")
        due = deadline(TOWNSHIP_REVIEW_DAYS, older.division, today)
        row = ServiceEntitlement(
            older_person=older,
            division=older.division,
            category=category,
            applied_on=today,
            applied_by=actor,
            application_note=note.strip()[:300],
            township_due_on=due.due_on if due else None,
            due_provisional=bool(due and due.provisional),
        )
        try:
            with transaction.atomic():
                row.save()
        except IntegrityError:  # a racing application of the same person (entitlement_one_in_progress)
            raise EntitlementConflict("该老年人已有正在办理的服务资格申请", field="older_person") from None
        _event(row, actor, "", "apply", row.application_note)
    return row


@dataclass(frozen=True)
class Decision:
    """What the approver enters: the validity and, only when the parameters are missing, the manual
    determination (人工核定) of the monthly allowance with its written reason."""

    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    manual_hours: int | None = None
    manual_amount: Decimal | None = None
    manual_note: str = ""


def _approve(row: ServiceEntitlement, decision: Decision, today: dt.date) -> None:
    problem = rules.eligibility_problem(flags_of(row.older_person), row.category)
    if problem:
        raise ValidationFailed(f"审批时复核：{problem}")
    valid_from = decision.valid_from or today
    if decision.valid_to is not None and decision.valid_to <= valid_from:
        raise ValidationFailed("有效期止必须晚于有效期起", field="valid_to")
    in_force = parameters_in_force(rules.allowance_keys(row.category), row.division, valid_from)
    allowance = rules.allowance_from(row.category, in_force.values(), in_force.missing)
    manual_given = decision.manual_hours is not None or decision.manual_amount is not None
    if allowance.needs_manual:
        problem = rules.manual_allowance_problem(
            decision.manual_hours, decision.manual_amount, decision.manual_note
        )
        if problem:
            raise ValidationFailed(f"{allowance.manual_reason}。{problem}", field="manual_hours")
        row.monthly_hours, row.monthly_amount = decision.manual_hours, decision.manual_amount
        row.manual, row.manual_note = True, decision.manual_note.strip()[:300]
    elif manual_given:
        raise ValidationFailed(
            "已有适用的政策参数，月服务时长和金额按参数确定，不能人工核定", field="manual_hours"
        )
    else:
        row.monthly_hours, row.monthly_amount = allowance.hours, allowance.amount
    row.parameters = in_force.used()
    row.valid_from, row.valid_to = valid_from, decision.valid_to


def entitlement_transition(
    *,
    actor: User,
    entitlement_id: int,
    code: str,
    expected_status: str,
    reason: str = "",
    decision: Decision | None = None,
    today: dt.date | None = None,
) -> ServiceEntitlement:
    """Take transition ``code`` of one entitlement the actor sees, if it is still in ``expected_status``
    (the status the actor saw): the row is locked, compared and changed in one transaction."""
    capability_require(actor, rules.CAPABILITY)
    today = today or timezone.localdate()
    reason = reason.strip()
    with transaction.atomic():
        row = (
            ServiceEntitlement.objects.visible_to(actor)
            .select_for_update(of=("self",))
            .filter(pk=entitlement_id)
            .first()
        )
        if row is None:
            raise NotFound("服务资格申请不存在或不在您的管辖范围内")
        transition = rules.TRANSITION_BY_CODE.get(code)
        label = transition.label if transition else code
        if row.status != expected_status:
            now_label = rules.STATUS_LABELS.get(rules.Status(row.status), row.status)
            raise EntitlementConflict(
                f"该申请当前状态为“{now_label}”，不能办理“{label}”（可能已由他人办理，请刷新）"
            )
        problem = rules.transition_problem(code, row.status, actor_level(actor))
        if problem:
            raise ValidationFailed(problem)
        assert transition is not None
        if transition.needs_reason and not reason:
            raise ValidationFailed(f"“{label}”须写明理由", field="reason")
        before = row.status
        row = ServiceEntitlement.objects.select_related("older_person", "division").get(pk=row.pk)
        now = timezone.now()
        if code == "review":
            row.reviewed_by, row.reviewed_at = actor, now
            due = deadline(COUNTY_APPROVAL_DAYS, row.division, today)
            row.county_due_on = due.due_on if due else None
            row.due_provisional = bool(due and due.provisional)
        elif code == "approve":
            _approve(row, decision or Decision(), today)
            row.decided_by, row.decided_at = actor, now
        elif code in {"county_reject", "township_reject"}:
            row.decided_by, row.decided_at = actor, now
        elif code == "end":
            assert row.valid_from is not None
            row.valid_to = max(today, row.valid_from + dt.timedelta(days=1))
        elif code == "resubmit":
            due = deadline(TOWNSHIP_REVIEW_DAYS, row.division, today)
            row.township_due_on = due.due_on if due else None
        if transition.needs_reason:
            row.reason = reason[:300]
        row.status = transition.target.value
        row.save()
        _event(row, actor, before, code, reason)
    return row
