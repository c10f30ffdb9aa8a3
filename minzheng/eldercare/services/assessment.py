"""Writes of capacity assessments (issue 17 §2): record the 26 scores (a draft with its computed result),
complete it (the level, by the configured cut-offs or determined by hand when 需人工核定, ADR 0029/0031) and
feed the result to the older person and — where the bureau maps levels to them — the 特困 self-care tier.

Status changes go through ``_transition`` only: a locked compare-and-set against
``rules.assessment.TRANSITIONS`` with an event row and an audit event in the same transaction.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.audit.services import event_record
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from minzheng.eldercare.models import CapacityAssessment, CapacityAssessmentEvent, OlderPerson
from minzheng.eldercare.rules import assessment as rules
from minzheng.eldercare.rules.assessment import Level, Status
from minzheng.policy.errors import ParameterMissing
from minzheng.policy.keys.eldercare_assessment import LEVEL_BANDS, REASSESSMENT_MONTHS, SELF_CARE_MAP
from minzheng.policy.rules import ResolvedParameter
from minzheng.policy.selectors import parameter_value
from minzheng.registry.choices import SelfCare
from minzheng.registry.models import Person
from minzheng.registry.services import person_data_from_instance, person_update


@dataclass(frozen=True)
class AssessmentData:
    assessed_on: dt.date
    assessor_name: str
    scores: Mapping[str, Any]
    assessor_certificate: str = ""
    comatose: bool = False


def _require(actor: User) -> None:
    if not actor.can(Capability.MANAGE_ELDERCARE):
        raise PermissionDenied("您的角色无权进行老年人能力评估", code="forbidden")


def _parameter(key: str, older: OlderPerson, on: dt.date) -> ResolvedParameter | None:
    try:
        return parameter_value(key, older.division, on)
    except ParameterMissing:
        return None


def _used(resolved: ResolvedParameter | None) -> dict[str, Any] | None:
    if resolved is None:
        return None
    return {
        "id": resolved.parameter_id,
        "version": resolved.version,
        "division": resolved.division_code,
        "valid_from": resolved.valid_from.isoformat(),
        "status": resolved.status,
        "source": resolved.source,
    }


def _evaluate(older: OlderPerson, data: AssessmentData) -> tuple[rules.Result, dict[str, Any]]:
    bands = _parameter(LEVEL_BANDS, older, data.assessed_on)
    months = _parameter(REASSESSMENT_MONTHS, older, data.assessed_on)
    try:
        result = rules.assessment_evaluate(
            data.scores,
            comatose=data.comatose,
            bands=bands.value if bands else None,
            reassessment_months=months.value if months else None,
            assessed_on=data.assessed_on,
        )
    except rules.ScoreProblem as problem:
        raise ValidationFailed(
            str(problem), field=f"score_{problem.item}" if problem.item else "scores"
        ) from None
    if bands is not None and bands.status != "confirmed" and result.level:
        result = dataclasses.replace(
            result, reasons=[*result.reasons, f"所用等级分值段为未确认参数（依据：{bands.source}）"]
        )
    return result, {LEVEL_BANDS: _used(bands), REASSESSMENT_MONTHS: _used(months)}


def _older_locked(actor: User, older_person_id: int) -> OlderPerson:
    older = (
        OlderPerson.objects.visible_to(actor)
        .select_related("division")
        .select_for_update(of=("self",))
        .filter(pk=older_person_id)
        .first()
    )
    if older is None:
        raise NotFound("没有找到该老年人，或不在您的管辖范围内")
    return older


@transaction.atomic
def assessment_create(*, actor: User, older_person_id: int, data: AssessmentData) -> CapacityAssessment:
    """A draft with all 26 scores validated and its result computed (level, or '' = 需人工核定)."""
    _require(actor)
    older = _older_locked(actor, older_person_id)
    if not older.active:
        raise ValidationFailed("该老年人已移出名册，不能评估", field="older_person")
    if data.assessed_on > timezone.localdate():
        raise ValidationFailed("评估日期不能晚于今天", field="assessed_on")
    if not data.assessor_name.strip():
        raise ValidationFailed("请填写评估员姓名", field="assessor_name")
    result, used = _evaluate(older, data)
    assessment = CapacityAssessment.objects.create(
        older_person=older,
        assessed_on=data.assessed_on,
        assessor=actor,
        assessor_name=data.assessor_name.strip()[:50],
        assessor_certificate=data.assessor_certificate.strip()[:50],
        item_scores=result.scores,
        comatose=data.comatose,
        dimension_scores=result.dimensions,
        total=result.total,
        computed_level=result.level,
        reasons=result.reasons,
        parameters=used,
        next_assessment_on=result.next_assessment_on,
    )
    CapacityAssessmentEvent.objects.create(assessment=assessment, to_status=Status.DRAFT, actor=actor)
    event_record(
        actor=actor,
        verb="eldercare.assessment_recorded",
        object_type="capacity_assessment",
        object_id=assessment.pk,
        division_code=older.division.code,
        summary=f"录入能力评估：总分 {result.total}，{rules.level_label(result.level)}",
        data={"older_person_id": older.pk, "total": result.total, "level": result.level},
    )
    return assessment


def _transition(
    actor: User, assessment_id: int, *, expected: str, target: str, note: str = ""
) -> CapacityAssessment:
    """Lock the assessment, check the status it was shown in and the transition table, record the event."""
    assessment = (
        CapacityAssessment.objects.visible_to(actor)
        .select_related("older_person__division")
        .select_for_update(of=("self",))
        .filter(pk=assessment_id)
        .first()
    )
    if assessment is None:
        raise NotFound("没有找到该评估，或不在您的管辖范围内")
    if assessment.status != expected:
        raise Conflict(
            f"该评估已是“{Status(assessment.status).label}”，可能已被他人处理，请刷新后查看", field="status"
        )
    if not rules.transition_allowed(assessment.status, target):
        raise Conflict(f"“{Status(assessment.status).label}”的评估不能改为“{Status(target).label}”")
    CapacityAssessmentEvent.objects.create(
        assessment=assessment, from_status=assessment.status, to_status=target, actor=actor, note=note[:300]
    )
    assessment.status = target
    return assessment


def _self_care_feed(actor: User, assessment: CapacityAssessment, level: str) -> str:
    """Where the bureau maps this level to a 特困 self-care tier (parameter ``eldercare.assessment.
    self_care_map``), set the person's ``self_care`` through the registry's own service; else change
    nothing. Returns the note the result page shows."""
    older = assessment.older_person
    mapping = _parameter(SELF_CARE_MAP, older, assessment.assessed_on)
    tier = (mapping.value if mapping else {}).get(level)
    if tier is None:
        return "本地未配置能力等级与特困人员生活自理能力的对应关系，生活自理能力未更改"
    person = Person.objects.select_for_update().get(pk=older.person_id)
    label = SelfCare(tier).label
    if person.self_care == tier:
        return f"生活自理能力已是“{label}”，未更改"
    if not actor.can(Capability.EDIT_REGISTRY):
        raise PermissionDenied(
            f"按本地对应关系，本次评估将把生活自理能力改为“{label}”，需由有人员信息修改权限的工作人员完成评估",
            code="forbidden",
        )
    before = SelfCare(person.self_care).label
    person_update(
        actor=actor,
        person=person,
        data=dataclasses.replace(person_data_from_instance(person), self_care=tier),
    )
    event_record(
        actor=actor,
        verb="eldercare.self_care_from_assessment",
        object_type="person",
        object_id=person.pk,
        division_code=older.division.code,
        summary=f"能力评估结果“{Level(level).label}”：生活自理能力由“{before}”改为“{label}”",
        data={"assessment_id": assessment.pk, "parameter": _used(mapping), "before": before, "after": tier},
    )
    return f"按本地对应关系，生活自理能力由“{before}”改为“{label}”"


@transaction.atomic
def assessment_complete(
    *,
    actor: User,
    assessment_id: int,
    expected_status: str = Status.DRAFT,
    manual_level: str = "",
    manual_reason: str = "",
    next_assessment_on: dt.date | None = None,
) -> CapacityAssessment:
    """Fix the level and update the older person (level, 失能, next assessment date) and, where mapped, the
    self-care tier. A 需人工核定 result needs ``manual_level`` and a written ``manual_reason``; a computed
    level cannot be overridden. Without a configured re-assessment period the date is the assessor's."""
    _require(actor)
    assessment = _transition(actor, assessment_id, expected=expected_status, target=Status.COMPLETED)
    if assessment.manual_review:
        if manual_level not in Level.values:
            raise ValidationFailed("评估结果需人工核定：请选择核定的能力等级", field="manual_level")
        if len(manual_reason.strip()) < 4:
            raise ValidationFailed("请写明人工核定的理由（至少 4 个字）", field="manual_reason")
        assessment.manual_level, assessment.manual_reason = manual_level, manual_reason.strip()[:300]
    elif manual_level and manual_level != assessment.computed_level:
        raise ValidationFailed("已按本地分值段评定等级，不能人工改定", field="manual_level")
    level = assessment.manual_level or assessment.computed_level
    if assessment.next_assessment_on is None:
        if next_assessment_on is None:
            raise ValidationFailed("未配置复评周期：请填写下次评估日期", field="next_assessment_on")
        if next_assessment_on <= assessment.assessed_on:
            raise ValidationFailed("下次评估日期应晚于评估日期", field="next_assessment_on")
        assessment.next_assessment_on = next_assessment_on
    assessment.level = level
    assessment.completed_at = timezone.now()
    assessment.self_care_note = _self_care_feed(actor, assessment, level)
    assessment.save()
    older = assessment.older_person
    latest = (
        CapacityAssessment.objects.filter(older_person=older, status=Status.COMPLETED)
        .exclude(pk=assessment.pk)
        .filter(assessed_on__gt=assessment.assessed_on)
        .exists()
    )
    if not latest:  # a late-entered older assessment does not overwrite a newer result
        OlderPerson.objects.filter(pk=older.pk).update(
            capacity_level=level,
            incapacitated=level in rules.INCAPACITATED_LEVELS,
            next_assessment_on=assessment.next_assessment_on,
            updated_at=timezone.now(),
        )
    event_record(
        actor=actor,
        verb="eldercare.assessment_completed",
        object_type="capacity_assessment",
        object_id=assessment.pk,
        division_code=older.division.code,
        summary=f"完成能力评估：{Level(level).label}" + ("（人工核定）" if assessment.manual_level else ""),
        data={
            "older_person_id": older.pk,
            "level": level,
            "manual": bool(assessment.manual_level),
            "manual_reason": assessment.manual_reason,
            "self_care": assessment.self_care_note,
        },
    )
    return assessment


@transaction.atomic
def assessment_cancel(*, actor: User, assessment_id: int, reason: str) -> CapacityAssessment:
    """Withdraw a draft (entered wrongly) with a reason; a completed assessment stays on record."""
    _require(actor)
    if len(reason.strip()) < 2:
        raise ValidationFailed("请写明作废原因", field="reason")
    assessment = _transition(
        actor, assessment_id, expected=Status.DRAFT, target=Status.CANCELLED, note=reason.strip()
    )
    assessment.status_reason = reason.strip()[:300]
    assessment.save(update_fields=["status", "status_reason"])
    event_record(
        actor=actor,
        verb="eldercare.assessment_cancelled",
        object_type="capacity_assessment",
        object_id=assessment.pk,
        division_code=assessment.older_person.division.code,
        summary=f"作废能力评估：{assessment.status_reason}",
    )
    return assessment
