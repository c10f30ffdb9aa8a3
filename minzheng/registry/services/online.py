"""What the applicant declares online in the portal (救助通): the household, members, income and assets."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction

from minzheng.audit.services import event_record
from minzheng.common.errors import ValidationFailed
from minzheng.registry.choices import AssetCategory, IncomeCategory, IncomeSource, RelationToHead
from minzheng.registry.errors import DuplicateIdNumber
from minzheng.registry.models import (
    AssetRecord,
    Household,
    IncomeRecord,
    Membership,
    Person,
)
from minzheng.registry.services._base import (
    HouseholdData,
    PersonData,
    _household_fields,
    _validated_person_fields,
)


@dataclass(frozen=True)
class OnlineMember:
    person: PersonData
    relation: str  # RelationToHead


def _online_person_refused(number: int) -> DuplicateIdNumber:
    # Neutral on purpose: the applicant must not learn who holds the number, or where.
    return DuplicateIdNumber(
        f"第 {number} 位家庭成员的身份证号码已在民政系统登记，不能在网上重复登记；"
        "请用登记的手机号登录后绑定，或到户籍所在地乡镇（街道）窗口办理",
        field=f"members.{number - 1}.id_number",
    )


@transaction.atomic
def household_create_online(
    *, household: HouseholdData, members: Sequence[OnlineMember], joined_on: dt.date, reference: str
) -> tuple[Household, list[Person]]:
    """A household registered by the applicant through the portal (救助通) when none of its members is in
    the registry yet: the household, its persons and memberships as declared, with no staff actor; the
    township checks them when it accepts the application (《最低生活保障审核确认办法》第 10 条). Exactly one
    member is the head; a member already registered is refused without saying who holds the number or
    where. ``reference`` names the submission in the audit trail. Returns the household and the persons in
    the order given."""
    heads = [m for m in members if m.relation == RelationToHead.HEAD]
    if len(heads) != 1:
        raise ValidationFailed("家庭成员中须有且只有一位户主", field="members", code="one_head")
    values = _household_fields(None, household)
    rows = [_validated_person_fields(member.person) for member in members]
    indexes = [row["id_number_index"] for row in rows]
    for number, index in enumerate(indexes, start=1):
        if index in indexes[: number - 1] or Person.objects.filter(id_number_index=index).exists():
            raise _online_person_refused(number)
    record = Household.objects.create(**values)
    persons: list[Person] = []
    for number, row in enumerate(rows, start=1):
        try:
            with transaction.atomic():
                persons.append(Person.objects.create(**row, household=record))
        except IntegrityError:  # registered by someone else a moment ago
            raise _online_person_refused(number) from None
    Membership.objects.bulk_create(
        Membership(household=record, person=person, relation_to_head=member.relation, joined_on=joined_on)
        for member, person in zip(members, persons, strict=True)
    )
    record.head = next(p for p, m in zip(persons, members, strict=True) if m.relation == RelationToHead.HEAD)
    record.member_count = len(persons)
    record.save(update_fields=["head", "member_count", "updated_at"])
    event_record(
        actor=None,
        verb="household.created_online",
        object_type="household",
        object_id=record.pk,
        division_code=record.hukou_division.code,
        summary=f"申请人网上登记家庭（{reference}），{len(persons)} 人",
        data={"persons": [p.pk for p in persons]},
    )
    return record, persons


@dataclass(frozen=True)
class DeclaredIncome:
    category: str  # IncomeCategory
    amount: Decimal
    period_start: dt.date
    period_end: dt.date
    note: str = ""


@dataclass(frozen=True)
class DeclaredAsset:
    category: str  # AssetCategory
    value: Decimal
    valued_on: dt.date
    quantity: Decimal | None = None
    description: str = ""


@transaction.atomic
def declarations_record_online(
    *,
    household: Household,
    incomes: Sequence[DeclaredIncome],
    assets: Sequence[DeclaredAsset],
    reference: str,
) -> tuple[list[IncomeRecord], list[AssetRecord]]:
    """The incomes and assets the applicant declared online (书面声明家庭收入和财产状况,
    《最低生活保障审核确认办法》第 9 条), stored as 申请人申报 records of the household with no staff
    recorder, set-based (two bulk inserts). The caller has established that the applicant belongs to
    the household."""
    for item in incomes:
        if (
            item.category not in IncomeCategory.values
            or item.amount < 0
            or item.period_end < item.period_start
        ):
            raise ValidationFailed("申报的收入类别、金额或所属期无效", field="incomes", code="income_invalid")
    for asset in assets:
        if asset.category not in AssetCategory.values or asset.value < 0:
            raise ValidationFailed("申报的财产类别或价值无效", field="assets", code="asset_invalid")
    income_rows = IncomeRecord.objects.bulk_create(
        IncomeRecord(
            household=household,
            category=i.category,
            amount=i.amount,
            period_start=i.period_start,
            period_end=i.period_end,
            source=IncomeSource.DECLARED,
            note=i.note[:200],
        )
        for i in incomes
    )
    asset_rows = AssetRecord.objects.bulk_create(
        AssetRecord(
            household=household,
            category=a.category,
            value=a.value,
            valued_on=a.valued_on,
            quantity=a.quantity,
            description=a.description[:200],
            source=IncomeSource.DECLARED,
        )
        for a in assets
    )
    event_record(
        actor=None,
        verb="household.declared_online",
        object_type="household",
        object_id=household.pk,
        division_code=household.hukou_division.code,
        summary=f"申请人网上申报（{reference}）：收入 {len(income_rows)} 项，财产 {len(asset_rows)} 项",
    )
    return income_rows, asset_rows
