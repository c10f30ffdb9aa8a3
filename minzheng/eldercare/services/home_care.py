"""Writes of family care beds and home adaptation (issue 17 §6): the application (eligibility read from
the older person's categories and capacity level) and one locked compare-and-set transition service along
``rules.home_care.TRANSITIONS``, each with a ``HomeCareEvent`` and an audit event in the same transaction.
The subsidy is computed at acceptance from the parameters in force (versions recorded); without a figure
it is 需人工核定 and the county enters it in writing before the subsidy is granted."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.audit.services import event_record
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import Conflict, NotFound, ValidationFailed
from minzheng.eldercare.choices import ProviderStatus
from minzheng.eldercare.models import HomeCareEvent, HomeCareProject, OlderPerson, Provider
from minzheng.eldercare.rules import home_care as rules
from minzheng.eldercare.selectors.entitlements import parameters_in_force
from minzheng.eldercare.services.care_common import actor_level, capability_require, flags_of
from minzheng.eldercare.services.photos import photos_read, photos_store

CAPABILITY = Capability.MANAGE_ELDERCARE


class HomeCareConflict(Conflict):
    code = "home_care_conflict"


def _event(row: HomeCareProject, actor: User, before: str, action: str, note: str) -> None:
    HomeCareEvent.objects.create(
        project=row,
        from_status=before,
        to_status=row.status,
        action=action,
        actor=actor,
        at=timezone.now(),
        note=note[:500],
    )
    event_record(
        actor=actor,
        verb=f"eldercare.home_care.{action}",
        object_type="eldercare.home_care",
        object_id=row.pk,
        division_code=row.division.code,
        summary=f"{rules.KIND_LABELS[rules.Kind(row.kind)]} {row.pk}："
        f"{rules.STATUS_LABELS[rules.Status(row.status)]}",
        data={"from": before, "to": row.status},
    )


def home_care_apply(
    *,
    actor: User,
    older_person_id: int,
    kind: str,
    beds: int = 1,
    note: str = "",
    today: dt.date | None = None,
) -> HomeCareProject:
    capability_require(actor, CAPABILITY)
    today = today or timezone.localdate()
    if kind not in {k.value for k in rules.Kind}:
        raise ValidationFailed("请选择项目类别", field="kind")
    if kind == rules.Kind.HOME_ADAPTATION and beds != 1:
        beds = 1
    if beds < 1 or beds > 2:
        raise ValidationFailed("家庭养老床位每户为 1 至 2 张", field="beds")
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
        problem = rules.eligibility_problem(kind, flags_of(older))
        if problem:
            raise ValidationFailed(problem, field="kind")
        row = HomeCareProject(
            kind=kind,
            older_person=older,
            division=older.division,
            applied_on=today,
            applied_by=actor,
            application_note=note.strip()[:300],
            beds=beds,
        )
        try:
            with transaction.atomic():
                row.save()
        except IntegrityError:
            raise HomeCareConflict(
                f"该老年人已有正在办理的{rules.KIND_LABELS[rules.Kind(kind)]}项目", field="older_person"
            ) from None
        _event(row, actor, "", "apply", row.application_note)
    return row


@dataclass(frozen=True)
class StepData:
    """What a step enters (only the fields of that step are read)."""

    day: dt.date | None = None
    note: str = ""
    provider_id: int | None = None
    contract_amount: Decimal | None = None
    manual_amount: Decimal | None = None
    photos: Sequence[Any] = ()


def _day(data: StepData, today: dt.date, label: str) -> dt.date:
    if data.day is None:
        raise ValidationFailed(f"请填写{label}", field="day")
    if data.day > today:
        raise ValidationFailed(f"{label}不能晚于今天", field="day")
    return data.day


def _contract(row: HomeCareProject, data: StepData, today: dt.date) -> None:
    if data.provider_id is None:
        raise ValidationFailed("请选择服务机构", field="provider")
    provider = Provider.objects.filter(pk=data.provider_id, status=ProviderStatus.ACTIVE).first()
    if provider is None:
        raise ValidationFailed("请选择在册、正常服务的服务机构", field="provider")
    areas = [area.division.short_code for area in provider.areas.select_related("division")]
    if not any(row.division.code.startswith(prefix) for prefix in areas):
        raise ValidationFailed(f"“{provider.name}”的服务区域不包括该老年人居住地，不能签约", field="provider")
    if data.contract_amount is None or data.contract_amount <= 0:
        raise ValidationFailed("请填写合同金额（大于零）", field="contract_amount")
    row.provider, row.contract_amount = provider, data.contract_amount
    row.contracted_on = _day(data, today, "签约日期")


def _accept(row: HomeCareProject, data: StepData, today: dt.date) -> None:
    row.accepted_on = _day(data, today, "验收日期")
    row.acceptance_note = data.note.strip()[:500]
    key = rules.SUBSIDY_KEYS[rules.Kind(row.kind)]
    in_force = parameters_in_force([key], row.division, row.accepted_on)
    found = in_force.found.get(key)
    assert row.contract_amount is not None
    subsidy = rules.subsidy_from(
        row.kind,
        row.contract_amount,
        row.beds,
        Decimal(str(found.value)) if found else None,
        in_force.missing.get(key, ""),
    )
    row.subsidy_amount, row.subsidy_manual_reason = subsidy.amount, subsidy.manual_reason
    row.parameters = in_force.used()


def _subsidise(row: HomeCareProject, data: StepData, today: dt.date) -> None:
    if row.subsidy_manual_reason:
        if data.manual_amount is None or data.manual_amount <= 0 or not data.note.strip():
            raise ValidationFailed(
                f"{row.subsidy_manual_reason}。请填写人工核定的补贴金额和核定说明", field="manual_amount"
            )
        assert row.contract_amount is not None
        if data.manual_amount > row.contract_amount:
            raise ValidationFailed("补贴金额不能超过合同金额", field="manual_amount")
        row.subsidy_amount, row.manual_note = data.manual_amount, data.note.strip()[:300]
    elif data.manual_amount is not None:
        raise ValidationFailed("补贴金额已按政策参数确定，不能人工核定", field="manual_amount")
    row.subsidised_on = _day(data, today, "核发日期")


def home_care_transition(
    *,
    actor: User,
    project_id: int,
    code: str,
    expected_status: str,
    data: StepData | None = None,
    today: dt.date | None = None,
) -> HomeCareProject:
    """Take step ``code`` of a project the actor sees, if it is still in ``expected_status``."""
    capability_require(actor, CAPABILITY)
    today = today or timezone.localdate()
    data = data or StepData()
    uploads = photos_read(data.photos)
    with transaction.atomic():
        row = (
            HomeCareProject.objects.visible_to(actor)
            .select_for_update(of=("self",))
            .filter(pk=project_id)
            .first()
        )
        if row is None:
            raise NotFound("项目不存在或不在您的管辖范围内")
        transition = rules.TRANSITION_BY_CODE.get(code)
        label = transition.label if transition else code
        if row.status != expected_status:
            now_label = rules.STATUS_LABELS[rules.Status(row.status)]
            raise HomeCareConflict(
                f"该项目当前状态为“{now_label}”，不能办理“{label}”（可能已由他人办理，请刷新）"
            )
        problem = rules.transition_problem(code, row.status, actor_level(actor))
        if problem:
            raise ValidationFailed(problem)
        assert transition is not None
        row = HomeCareProject.objects.select_related("division", "older_person").get(pk=row.pk)
        before = row.status
        if code == "assess":
            problem = rules.eligibility_problem(row.kind, flags_of(row.older_person))
            if problem:
                raise ValidationFailed(f"评估时复核：{problem}")
            row.assessed_on = _day(data, today, "评估日期")
            if not data.note.strip():
                raise ValidationFailed("请填写评估意见和改造（建床）内容", field="note")
            row.assessment_note = data.note.strip()[:500]
        elif code == "contract":
            _contract(row, data, today)
        elif code == "build":
            row.built_on = _day(data, today, "完工日期")
        elif code == "accept":
            if not uploads and not row.photos.exists():
                raise ValidationFailed("验收须上传现场照片", field="photos")
            _accept(row, data, today)
        elif code == "subsidise":
            _subsidise(row, data, today)
        elif code == "reject":
            if not data.note.strip():
                raise ValidationFailed("“不予支持”须写明理由", field="note")
            row.reason = data.note.strip()[:300]
        row.status = transition.target.value
        row.save()
        _event(row, actor, before, code, data.note)
        if uploads:
            photos_store(actor=actor, division=row.division, uploads=uploads, project=row)
    return row
