"""Writes to the registry. Every service runs in one transaction and records an audit event.

Services validate domain rules and raise ``DomainError`` subclasses naming the field at fault;
nothing is written when one is raised (the surrounding transaction rolls back).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.audit.services import event_record, personal_data_access_record
from minzheng.catalogue.roles import Capability
from minzheng.common import crypto
from minzheng.common.errors import PermissionDenied, ValidationFailed
from minzheng.common.identity import parse_resident_id
from minzheng.common.masking import mask_bank_account, mask_id_number, mask_phone
from minzheng.common.scoping import code_in_scope
from minzheng.divisions.models import Division
from minzheng.divisions.rules import Level
from minzheng.registry import rules
from minzheng.registry.choices import AssetCategory, IncomeCategory, IncomeSource, RelationToHead
from minzheng.registry.errors import DuplicateIdNumber, InvalidDivision, PersonAlreadyInHousehold
from minzheng.registry.models import (
    AssetRecord,
    Household,
    IncomeRecord,
    Membership,
    Person,
    StaffRelative,
)

ID_INDEX = "id_number"
PHONE_INDEX = "phone"
BANK_INDEX = "bank_account"


@dataclass(frozen=True)
class PersonData:
    """Input for creating or updating a person. ``birth_date``/``sex`` are optional cross-checks."""

    name: str
    id_number: str
    employment_status: str
    ethnicity: str = "01"
    phone: str = ""
    birth_date: dt.date | None = None
    sex: str | None = None
    disability_category: str = ""
    disability_grade: int | None = None
    self_care: str = "full"
    serious_illness: bool = False
    serious_illness_note: str = ""
    school_enrolment: str = ""
    death_date: dt.date | None = None


@dataclass(frozen=True)
class HouseholdData:
    hukou_division_code: str
    hukou_address: str = ""
    residence_division_code: str = ""
    residence_address: str = ""
    urban_rural: str = ""  # empty: take the hukou division's type
    bank_name: str = ""
    bank_account: str = ""


def _require(actor: User, capability: Capability) -> None:
    if not actor.can(capability):
        raise PermissionDenied("您的角色无权执行此操作", code="forbidden")


def _division_for(actor: User | None, code: str, *, field: str) -> Division:
    """A township- or village-level division inside the actor's jurisdiction (any current one for an
    applicant's own online registration, ``actor=None``)."""
    division = Division.objects.filter(code=code.strip().ljust(12, "0")).first() if code.strip() else None
    if division is None:
        raise InvalidDivision(f"区划代码 {code} 不存在", field=field)
    if division.abolished_on is not None:
        raise InvalidDivision(f"区划 {division.name}（{division.code}）已撤销，请选择现行区划", field=field)
    if division.level < Level.TOWNSHIP:
        raise InvalidDivision(
            f"请选择到乡镇（苏木、街道）或村（嘎查、社区）一级，{division.name} 级别过高", field=field
        )
    if actor is not None and not code_in_scope(actor, division.code):
        raise InvalidDivision(f"区划 {division.name} 不在您的管辖范围内", field=field)
    return division


def _validated_person_fields(data: PersonData) -> dict[str, Any]:
    name = data.name.strip()
    if not name:
        raise ValidationFailed("请填写姓名", field="name", code="name_required")
    if len(name) > 50:
        raise ValidationFailed("姓名不能超过 50 个字", field="name", code="name_length")
    resident_id = parse_resident_id(data.id_number)
    rules.check_declared_identity(resident_id, birth_date=data.birth_date, sex=data.sex)
    rules.check_death_date(data.death_date, birth_date=resident_id.birth_date, today=timezone.localdate())
    rules.check_disability(data.disability_category, data.disability_grade)
    phone = rules.normalise_phone(data.phone)
    return {
        "name": name,
        "id_number_encrypted": crypto.encrypt(resident_id.number),
        "id_number_index": crypto.blind_index(resident_id.number, purpose=ID_INDEX),
        "id_number_masked": mask_id_number(resident_id.number),
        "birth_date": resident_id.birth_date,
        "sex": resident_id.sex.value,
        "ethnicity": data.ethnicity,
        "phone_encrypted": crypto.encrypt(phone) if phone else "",
        "phone_index": crypto.blind_index(phone, purpose=PHONE_INDEX) if phone else "",
        "phone_masked": mask_phone(phone) if phone else "",
        "disability_category": data.disability_category,
        "disability_grade": data.disability_grade,
        "self_care": data.self_care,
        "serious_illness": data.serious_illness,
        "serious_illness_note": data.serious_illness_note.strip(),
        "employment_status": data.employment_status,
        "school_enrolment": data.school_enrolment,
        "death_date": data.death_date,
    }


def _household_fields(actor: User | None, data: HouseholdData) -> dict[str, Any]:
    hukou = _division_for(actor, data.hukou_division_code, field="hukou_division_code")
    residence = (
        _division_for(actor, data.residence_division_code, field="residence_division_code")
        if data.residence_division_code
        else None
    )
    account = rules.normalise_bank_account(data.bank_account)
    return {
        "hukou_division": hukou,
        "hukou_address": data.hukou_address.strip(),
        "residence_division": residence,
        "residence_address": data.residence_address.strip(),
        "urban_rural": data.urban_rural or hukou.urban_rural or "rural",
        "bank_name": data.bank_name.strip(),
        "bank_account_encrypted": crypto.encrypt(account) if account else "",
        "bank_account_index": crypto.blind_index(account, purpose=BANK_INDEX) if account else "",
        "bank_account_masked": mask_bank_account(account) if account else "",
    }


def _existing_person_conflict(actor: User, id_index: str, *, exclude_pk: int | None = None) -> None:
    """Refuse an ID number that is already registered (one person, one record, one household).

    The uniqueness check looks at the whole registry, but only a person inside the actor's
    jurisdiction is named: outside it the message must not reveal who holds the number or where.
    """
    candidates = Person.objects.filter(id_number_index=id_index)
    if exclude_pk is not None:
        candidates = candidates.exclude(pk=exclude_pk)
    existing = candidates.first()
    if existing is None:
        return
    if not Person.objects.visible_to(actor).filter(pk=existing.pk).exists():
        raise DuplicateIdNumber(
            "该身份证号码已在您管辖范围以外登记，请联系其户籍所在地办理迁移", field="id_number"
        )
    open_membership = existing.memberships.filter(left_on__isnull=True).first()
    if open_membership is not None:
        raise PersonAlreadyInHousehold(
            f"身份证号码对应的人员（{existing.name}）已是家庭 {open_membership.household_id} 的成员，"
            "一人同一时间只能属于一个家庭；请先办理迁出",
            field="id_number",
        )
    raise DuplicateIdNumber(
        f"身份证号码对应的人员（{existing.name}）已登记，请在原记录上办理加入家庭", field="id_number"
    )


def _save_new_person(actor: User, values: dict[str, Any]) -> Person:
    _existing_person_conflict(actor, values["id_number_index"])
    try:
        with transaction.atomic():
            return Person.objects.create(**values)
    except IntegrityError:
        # Two clerks registering the same ID at once: the unique blind index decides.
        raise DuplicateIdNumber("该身份证号码刚刚已被登记，请刷新后重试", field="id_number") from None


@transaction.atomic
def household_create(
    *, actor: User, household: HouseholdData, head: PersonData, joined_on: dt.date
) -> Household:
    """Create a household with its head. The head must not belong to another household."""
    _require(actor, Capability.EDIT_REGISTRY)
    values = _household_fields(actor, household)
    person_values = _validated_person_fields(head)
    record = Household.objects.create(created_by=actor, **values)
    person = _save_new_person(actor, {**person_values, "household": record})
    Membership.objects.create(
        household=record, person=person, relation_to_head=RelationToHead.HEAD, joined_on=joined_on
    )
    record.head = person
    record.member_count = 1
    record.save(update_fields=["head", "member_count", "updated_at"])
    event_record(
        actor=actor, verb="household.created", object_type="household", object_id=record.pk,
        division_code=record.hukou_division.code, summary=f"新建家庭，户主 {person.name}",
    )  # fmt: skip
    return record


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
        actor=None, verb="household.created_online", object_type="household", object_id=record.pk,
        division_code=record.hukou_division.code,
        summary=f"申请人网上登记家庭（{reference}），{len(persons)} 人",
        data={"persons": [p.pk for p in persons]},
    )  # fmt: skip
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
        IncomeRecord(household=household, category=i.category, amount=i.amount, period_start=i.period_start,
                     period_end=i.period_end, source=IncomeSource.DECLARED, note=i.note[:200])
        for i in incomes
    )  # fmt: skip
    asset_rows = AssetRecord.objects.bulk_create(
        AssetRecord(household=household, category=a.category, value=a.value, valued_on=a.valued_on,
                    quantity=a.quantity, description=a.description[:200], source=IncomeSource.DECLARED)
        for a in assets
    )  # fmt: skip
    event_record(
        actor=None, verb="household.declared_online", object_type="household", object_id=household.pk,
        division_code=household.hukou_division.code,
        summary=f"申请人网上申报（{reference}）：收入 {len(income_rows)} 项，财产 {len(asset_rows)} 项",
    )  # fmt: skip
    return income_rows, asset_rows


@transaction.atomic
def household_update(*, actor: User, household: Household, data: HouseholdData) -> Household:
    _require(actor, Capability.EDIT_REGISTRY)
    values = _household_fields(actor, data)
    if not data.bank_account:
        for key in ("bank_account_encrypted", "bank_account_index", "bank_account_masked"):
            values.pop(key)
    changed = [key for key, value in values.items() if getattr(household, key) != value]
    for key in changed:
        setattr(household, key, values[key])
    if changed:
        household.save(update_fields=[*changed, "updated_at"])
        event_record(
            actor=actor, verb="household.updated", object_type="household", object_id=household.pk,
            division_code=household.hukou_division.code, data={"fields": changed},
        )  # fmt: skip
    return household


@transaction.atomic
def person_add_to_household(
    *, actor: User, household: Household, data: PersonData, relation: str, joined_on: dt.date
) -> Person:
    """Register a new person as a member. Refuses an ID that already belongs to any person."""
    _require(actor, Capability.EDIT_REGISTRY)
    if relation == RelationToHead.HEAD:
        raise ValidationFailed(
            "家庭已有户主；如需变更户主请使用“变更户主”", field="relation", code="second_head"
        )
    household = Household.objects.select_for_update().get(pk=household.pk)
    person = _save_new_person(actor, {**_validated_person_fields(data), "household": household})
    Membership.objects.create(
        household=household, person=person, relation_to_head=relation, joined_on=joined_on
    )
    Household.objects.filter(pk=household.pk).update(member_count=F("member_count") + 1)
    event_record(
        actor=actor, verb="household.member_added", object_type="household", object_id=household.pk,
        division_code=household.hukou_division.code, summary=f"新增成员 {person.name}",
        data={"person_id": person.pk, "relation": relation},
    )  # fmt: skip
    return person


@transaction.atomic
def person_update(*, actor: User, person: Person, data: PersonData) -> Person:
    """Update a person's data. A changed ID number must still be unique."""
    _require(actor, Capability.EDIT_REGISTRY)
    values = _validated_person_fields(data)
    if values["id_number_index"] != person.id_number_index:
        _existing_person_conflict(actor, values["id_number_index"], exclude_pk=person.pk)
    else:  # keep the stored ciphertext: re-encrypting would change it on every save
        values.pop("id_number_encrypted")
    if values["phone_index"] == person.phone_index:
        values.pop("phone_encrypted")
    changed = [key for key, value in values.items() if getattr(person, key) != value]
    for key in changed:
        setattr(person, key, values[key])
    if changed:
        person.save(update_fields=[*changed, "updated_at"])
        event_record(
            actor=actor, verb="person.updated", object_type="person", object_id=person.pk,
            division_code=person.household.hukou_division.code if person.household else "",
            data={"fields": [f for f in changed if not f.endswith(("_encrypted", "_index"))]},
        )  # fmt: skip
    return person


@transaction.atomic
def membership_end(*, actor: User, person: Person, left_on: dt.date, reason: str) -> Membership:
    """A member leaves the household (moved out, died, married out…). The head cannot leave."""
    _require(actor, Capability.EDIT_REGISTRY)
    membership = Membership.objects.select_for_update().filter(person=person, left_on__isnull=True).first()
    if membership is None:
        raise ValidationFailed("该人员当前不属于任何家庭", field="person", code="no_open_membership")
    if membership.relation_to_head == RelationToHead.HEAD:
        raise ValidationFailed("户主不能直接迁出，请先变更户主", field="person", code="head_cannot_leave")
    if left_on < membership.joined_on:
        raise ValidationFailed("离开日期不能早于加入日期", field="left_on", code="left_before_joined")
    membership.left_on = left_on
    membership.left_reason = reason.strip()
    membership.save(update_fields=["left_on", "left_reason"])
    Household.objects.filter(pk=membership.household_id).update(member_count=F("member_count") - 1)
    event_record(
        actor=actor, verb="household.member_left", object_type="household", object_id=membership.household_id,
        division_code=membership.household.hukou_division.code, summary=f"{person.name} 离开家庭：{reason}",
        data={"person_id": person.pk},
    )  # fmt: skip
    return membership


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
    if period_end < period_start:
        raise ValidationFailed("所属期止不能早于所属期起", field="period_end", code="period_order")
    if amount < 0:
        raise ValidationFailed(
            "金额不能为负数；扣减项请选择相应的扣减类别", field="amount", code="amount_negative"
        )
    if person is not None and person.household_id != household.pk:
        raise ValidationFailed("所选成员不属于该家庭", field="person", code="person_not_member")
    record = IncomeRecord.objects.create(
        household=household, person=person, category=category, amount=amount, period_start=period_start,
        period_end=period_end, source=source, note=note.strip(), recorded_by=actor,
    )  # fmt: skip
    event_record(
        actor=actor, verb="household.income_added", object_type="household", object_id=household.pk,
        division_code=household.hukou_division.code, summary=f"{record.get_category_display()} {amount} 元",
    )  # fmt: skip
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
        household=household, person=person, category=category, value=value, valued_on=valued_on,
        description=description.strip(), quantity=quantity, exempt=exempt, source=source,
        note=note.strip(), recorded_by=actor,
    )  # fmt: skip
    event_record(
        actor=actor, verb="household.asset_added", object_type="household", object_id=household.pk,
        division_code=household.hukou_division.code, summary=f"{record.get_category_display()} {value} 元",
    )  # fmt: skip
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
        relative=relative, relation=relation, staff_name=staff_name.strip(), staff_user=staff_user,
        staff_position=staff_position, staff_division=division, registered_on=timezone.localdate(),
        note=note.strip(), registered_by=actor,
    )  # fmt: skip
    event_record(
        actor=actor, verb="staff_relative.registered", object_type="person", object_id=relative.pk,
        division_code=division.code, summary=f"{staff_name} 的近亲属 {relative.name} 备案",
    )  # fmt: skip
    return record


def person_reveal_personal_data(
    *, actor: User, person: Person, ip_address: str | None = None
) -> dict[str, str]:
    """Unmasked ID number and phone for roles that need them; every reveal is logged."""
    _require(actor, Capability.REVEAL_PERSONAL_DATA)
    personal_data_access_record(
        actor=actor, person_id=person.pk, household_id=person.household_id,
        fields=["id_number", "phone"], purpose="reveal", ip_address=ip_address,
    )  # fmt: skip
    return {"id_number": person.id_number, "phone": person.phone}


def person_data_from_instance(person: Person) -> PersonData:
    """The current values of a person as ``PersonData`` (for forms that edit a few fields)."""
    names = {f.name for f in fields(PersonData)}
    values: dict[str, Any] = {
        name: getattr(person, name) for name in names if name not in ("id_number", "phone")
    }
    return PersonData(**{**values, "id_number": person.id_number, "phone": person.phone, "sex": None,
                         "birth_date": None})  # fmt: skip
