"""Income and asset records (审核确认办法第 13—14 条), the staff-relative register (第 11 条) and revealing
personal data (logged)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.audit.services import event_record, personal_data_access_record
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import ValidationFailed
from minzheng.common.scoping import code_in_scope
from minzheng.divisions.models import Division
from minzheng.registry import rules
from minzheng.registry.errors import InvalidDivision
from minzheng.registry.models import (
    AssetRecord,
    Household,
    IncomeRecord,
    Person,
    StaffRelative,
)
from minzheng.registry.services._base import _require


@transaction.atomic
def income_record_add(
    *,
    actor: User,
    household: Household,
    person: Person | None,
    category: str,
    amount: Decimal,
    period_start: dt.date,
    period_end: dt.date,
    source: str,
    note: str = "",
) -> IncomeRecord:
    _require(actor, Capability.EDIT_REGISTRY)
    rules.check_income_period(
        period_start, period_end, death_date=person.death_date if person is not None else None
    )
    if amount < 0:
        raise ValidationFailed(
            "金额不能为负数；扣减项请选择相应的扣减类别", field="amount", code="amount_negative"
        )
    if person is not None and person.household_id != household.pk:
        raise ValidationFailed("所选成员不属于该家庭", field="person", code="person_not_member")
    record = IncomeRecord.objects.create(
        household=household,
        person=person,
        category=category,
        amount=amount,
        period_start=period_start,
        period_end=period_end,
        source=source,
        note=note.strip(),
        recorded_by=actor,
    )
    event_record(
        actor=actor,
        verb="household.income_added",
        object_type="household",
        object_id=household.pk,
        division_code=household.hukou_division.code,
        summary=f"{record.get_category_display()} {amount} 元",
    )
    return record


@transaction.atomic
def asset_record_add(
    *,
    actor: User,
    household: Household,
    person: Person | None,
    category: str,
    value: Decimal,
    valued_on: dt.date,
    description: str = "",
    quantity: Decimal | None = None,
    exempt: bool = False,
    source: str = "declared",
    note: str = "",
) -> AssetRecord:
    _require(actor, Capability.EDIT_REGISTRY)
    if value < 0:
        raise ValidationFailed("财产价值不能为负数", field="value", code="value_negative")
    if person is not None and person.household_id != household.pk:
        raise ValidationFailed("所选成员不属于该家庭", field="person", code="person_not_member")
    record = AssetRecord.objects.create(
        household=household,
        person=person,
        category=category,
        value=value,
        valued_on=valued_on,
        description=description.strip(),
        quantity=quantity,
        exempt=exempt,
        source=source,
        note=note.strip(),
        recorded_by=actor,
    )
    event_record(
        actor=actor,
        verb="household.asset_added",
        object_type="household",
        object_id=household.pk,
        division_code=household.hukou_division.code,
        summary=f"{record.get_category_display()} {value} 元",
    )
    return record


@transaction.atomic
def staff_relative_register(
    *,
    actor: User,
    relative: Person,
    relation: str,
    staff_name: str,
    staff_position: str,
    staff_division_code: str,
    staff_user: User | None = None,
    note: str = "",
) -> StaffRelative:
    """近亲属备案 (《最低生活保障审核确认办法》 art. 11; 《民法典》 art. 1045 for who is a near relative)."""
    _require(actor, Capability.MANAGE_STAFF_RELATIVES)
    division = Division.objects.filter(code=staff_division_code.ljust(12, "0")).first()
    if division is None or not code_in_scope(actor, division.code):
        raise InvalidDivision("工作人员所在区划不存在或不在您的管辖范围内", field="staff_division_code")
    if not staff_name.strip():
        raise ValidationFailed("请填写工作人员姓名", field="staff_name", code="staff_name_required")
    if StaffRelative.objects.filter(
        relative=relative, staff_name=staff_name.strip(), staff_division=division, revoked_on__isnull=True
    ).exists():
        raise ValidationFailed("该近亲属关系已备案", field="relative", code="already_registered")
    record = StaffRelative.objects.create(
        relative=relative,
        relation=relation,
        staff_name=staff_name.strip(),
        staff_user=staff_user,
        staff_position=staff_position,
        staff_division=division,
        registered_on=timezone.localdate(),
        note=note.strip(),
        registered_by=actor,
    )
    event_record(
        actor=actor,
        verb="staff_relative.registered",
        object_type="person",
        object_id=relative.pk,
        division_code=division.code,
        summary=f"{staff_name} 的近亲属 {relative.name} 备案",
    )
    return record


def person_reveal_personal_data(
    *, actor: User, person: Person, ip_address: str | None = None
) -> dict[str, str]:
    """Unmasked ID number and phone for roles that need them; every reveal is logged."""
    _require(actor, Capability.REVEAL_PERSONAL_DATA)
    personal_data_access_record(
        actor=actor,
        person_id=person.pk,
        household_id=person.household_id,
        fields=["id_number", "phone"],
        purpose="reveal",
        ip_address=ip_address,
    )
    return {"id_number": person.id_number, "phone": person.phone}
