"""Writes of institutions (issue 17 §8): the register and its residents. The 双随机 draws and the inspections
are in ``services.inspections`` (same part, split for size). One transaction per call, an audit event for
every change, Chinese errors and no partial writes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from stdnum.cn import uscc
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength

from minzheng.accounts.models import User
from minzheng.audit.services import event_record
from minzheng.catalogue.programmes import Programme
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from minzheng.common.scoping import code_in_scope
from minzheng.divisions.models import Division
from minzheng.divisions.rules import Level
from minzheng.eldercare.models.institutions import Institution, Resident
from minzheng.eldercare.rules.institutions import CareLevel, InstitutionKind, InstitutionStatus, PermitKind
from minzheng.enrolments.models import Enrolment, EnrolmentStatus
from minzheng.registry.selectors import person_find_by_id_number


def require_manage(actor: User) -> None:
    if not actor.can(Capability.MANAGE_ELDERCARE):
        raise PermissionDenied("您的角色无权管理养老机构")


def credit_code_clean(raw: str) -> str:
    """The unified social credit code, checked by ``stdnum.cn.uscc`` (GB 32100-2015: 18 characters, the
    last a check character), with a Chinese message saying what is wrong."""
    text = (raw or "").strip().upper().replace(" ", "")
    if not text:
        raise ValidationFailed("请填写统一社会信用代码", field="credit_code")
    try:
        return str(uscc.validate(text))
    except InvalidLength:
        message = f"统一社会信用代码应为 18 位，现为 {len(text)} 位"
    except InvalidChecksum:
        message = "统一社会信用代码的校验位（第 18 位）不正确，请核对"
    except (InvalidFormat, InvalidComponent):
        message = (
            "统一社会信用代码含有不允许的字符（不使用 I、O、S、V、Z），或登记管理部门、机构类别代码不正确"
        )
    raise ValidationFailed(message, field="credit_code", code="credit_code_invalid")


@dataclass(frozen=True)
class InstitutionData:
    name: str
    credit_code: str
    kind: str
    permit_kind: str
    township_code: str
    address: str
    beds_total: int
    nursing_beds: int = 0
    care_levels: list[str] = field(default_factory=list)
    staff_total: int = 0
    carers: int = 0
    permit_number: str = ""
    permit_on: dt.date | None = None
    status: str = InstitutionStatus.OPERATING


def _township(actor: User, code: str) -> Division:
    township = Division.objects.filter(code=code, level=Level.TOWNSHIP).select_related("parent").first()
    if township is None or not code_in_scope(actor, code):
        raise ValidationFailed("所在乡镇（街道）不存在或不在您的管辖范围内", field="township")
    return township


def _check(data: InstitutionData) -> None:
    if not data.name.strip():
        raise ValidationFailed("请填写机构名称", field="name")
    if data.kind not in InstitutionKind.values:
        raise ValidationFailed("请选择机构性质", field="kind")
    if data.permit_kind not in PermitKind.values:
        raise ValidationFailed("请选择登记方式", field="permit_kind")
    if data.status not in InstitutionStatus.values:
        raise ValidationFailed("请选择状态", field="status")
    if data.beds_total < 1:
        raise ValidationFailed("床位总数至少为 1 张", field="beds_total")
    if data.nursing_beds > data.beds_total:
        raise ValidationFailed(
            f"护理型床位（{data.nursing_beds} 张）不能多于床位总数（{data.beds_total} 张）",
            field="nursing_beds",
        )
    if not data.care_levels or any(c not in CareLevel.values for c in data.care_levels):
        raise ValidationFailed("请选择至少一种收住类型", field="care_levels")
    if data.carers > data.staff_total:
        raise ValidationFailed("养老护理员人数不能多于工作人员总数", field="carers")


def institution_save(*, actor: User, data: InstitutionData, pk: int | None = None) -> Institution:
    """Register an institution or change its entry (a county or township user of its township)."""
    require_manage(actor)
    code = credit_code_clean(data.credit_code)
    _check(data)
    with transaction.atomic():
        township = _township(actor, data.township_code)
        if pk is None:
            institution = Institution()
        else:
            found = Institution.objects.visible_to(actor).select_for_update().filter(pk=pk).first()
            if found is None:
                raise NotFound("养老机构不存在或不在您的管辖范围内")
            institution = found
        staying = Resident.objects.filter(institution=institution, left_on__isnull=True).count() if pk else 0
        if data.status == InstitutionStatus.CLOSED and staying:
            raise ValidationFailed(f"仍有 {staying} 名入住老人未办理离院，不能设为已停业", field="status")
        if Institution.objects.filter(credit_code=code).exclude(pk=institution.pk).exists():
            raise Conflict(f"统一社会信用代码 {code} 已登记为另一家养老机构", field="credit_code")
        values: dict[str, Any] = {
            "name": data.name.strip(),
            "credit_code": code,
            "kind": data.kind,
            "permit_kind": data.permit_kind,
            "permit_number": data.permit_number.strip(),
            "permit_on": data.permit_on,
            "county": township.parent,
            "township": township,
            "address": data.address.strip(),
            "beds_total": data.beds_total,
            "nursing_beds": data.nursing_beds,
            "care_levels": sorted(set(data.care_levels)),
            "staff_total": data.staff_total,
            "carers": data.carers,
            "status": data.status,
        }
        for name, value in values.items():
            setattr(institution, name, value)
        try:
            with transaction.atomic():
                institution.save()
        except IntegrityError:
            raise Conflict(f"统一社会信用代码 {code} 已登记为另一家养老机构", field="credit_code") from None
        event_record(
            actor=actor,
            verb="eldercare.institution_registered" if pk is None else "eldercare.institution_updated",
            object_type="eldercare_institution",
            object_id=institution.pk,
            division_code=township.code,
            summary=f"{'登记' if pk is None else '修改'}养老机构 {institution.name}",
            data={"credit_code": code, "beds_total": data.beds_total, "status": data.status},
        )
    return institution


def _active_extreme_poverty(person_id: int) -> Enrolment | None:
    return (
        Enrolment.objects.filter(
            person_id=person_id, programme=Programme.EXTREME_POVERTY_SUPPORT, status=EnrolmentStatus.ACTIVE
        )
        .order_by("-starts_month")
        .first()
    )


def resident_admit(
    *,
    actor: User,
    institution_id: int,
    id_number: str,
    admitted_on: dt.date,
    care_level: str,
    institutional_support: bool,
    today: dt.date,
) -> Resident:
    """Admit a registry person. A 特困 person's active enrolment is linked whenever there is one;
    集中供养 (特困人员认定办法第 17 条: the person chooses 分散 or 集中供养) needs that enrolment."""
    require_manage(actor)
    person = person_find_by_id_number(actor=actor, id_number=id_number)
    if person is None:
        raise ValidationFailed("登记库中没有这个身份证号码的人员（或不在您的管辖范围内）", field="id_number")
    if admitted_on > today:
        raise ValidationFailed("入住日期不能晚于今天", field="admitted_on")
    with transaction.atomic():
        institution = (
            Institution.objects.visible_to(actor).select_for_update().filter(pk=institution_id).first()
        )
        if institution is None:
            raise NotFound("养老机构不存在或不在您的管辖范围内")
        if institution.status == InstitutionStatus.CLOSED:
            raise ValidationFailed("该机构已停业，不能登记入住")
        if care_level not in institution.care_levels:
            raise ValidationFailed("该机构不收住这一护理类型的老人", field="care_level")
        enrolment = _active_extreme_poverty(person.pk)
        if institutional_support and enrolment is None:
            raise ValidationFailed(
                "该人员没有在保的特困人员救助供养，不能登记为集中供养", field="institutional_support"
            )
        earlier = Resident.objects.filter(person=person).order_by("-admitted_on").first()
        if earlier is not None and (earlier.left_on is None or earlier.left_on > admitted_on):
            raise Conflict(
                f"{person.name} 在 {earlier.admitted_on:%Y-%m-%d} 起的入住记录尚未离院，不能重复登记"
            )
        try:
            with transaction.atomic():
                resident = Resident.objects.create(
                    institution=institution,
                    person=person,
                    admitted_on=admitted_on,
                    care_level=care_level,
                    institutional_support=institutional_support,
                    enrolment=enrolment,
                )
        except IntegrityError:
            raise Conflict(f"{person.name} 已有未离院的入住记录（可能刚由他人登记）") from None
        event_record(
            actor=actor,
            verb="eldercare.resident_admitted",
            object_type="eldercare_institution",
            object_id=institution.pk,
            division_code=institution.township.code,
            summary=f"{institution.name} 登记入住 {person.name}",
            data={"resident": resident.pk, "person": person.pk, "admitted_on": admitted_on.isoformat()},
        )
    return resident


def resident_discharge(
    *, actor: User, resident_id: int, left_on: dt.date, reason: str, today: dt.date
) -> Resident:
    """Record the leaving day (not counted as a resident-day); a stay already closed is a conflict."""
    require_manage(actor)
    if not reason.strip():
        raise ValidationFailed("请填写离院原因", field="reason")
    if left_on > today:
        raise ValidationFailed("离院日期不能晚于今天", field="left_on")
    with transaction.atomic():
        resident = (
            Resident.objects.visible_to(actor)
            .select_for_update(of=("self",))
            .select_related("institution__township", "person")
            .filter(pk=resident_id)
            .first()
        )
        if resident is None:
            raise NotFound("入住记录不存在或不在您的管辖范围内")
        if resident.left_on is not None:
            raise Conflict(
                f"{resident.person.name} 已于 {resident.left_on:%Y-%m-%d} 离院（可能已由他人办理）"
            )
        if left_on <= resident.admitted_on:
            raise ValidationFailed("离院日期应晚于入住日期", field="left_on")
        resident.left_on, resident.leave_reason = left_on, reason.strip()[:100]
        resident.save(update_fields=["left_on", "leave_reason", "updated_at"])
        event_record(
            actor=actor,
            verb="eldercare.resident_discharged",
            object_type="eldercare_institution",
            object_id=resident.institution_id,
            division_code=resident.institution.township.code,
            summary=f"{resident.institution.name} 办理 {resident.person.name} 离院",
            data={"resident": resident.pk, "left_on": left_on.isoformat(), "reason": resident.leave_reason},
        )
    return resident
