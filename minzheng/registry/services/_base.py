"""What the registry writes share: the input shapes, the guards and the person validation."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from minzheng.accounts.models import User
from minzheng.catalogue.roles import Capability
from minzheng.common import crypto
from minzheng.common.errors import PermissionDenied
from minzheng.common.identity import parse_resident_id
from minzheng.common.masking import mask_bank_account, mask_id_number, mask_phone
from minzheng.common.scoping import code_in_scope
from minzheng.divisions.models import Division
from minzheng.divisions.rules import Level
from minzheng.registry import rules
from minzheng.registry.choices import SelfCare
from minzheng.registry.errors import DuplicateIdNumber, InvalidDivision, PersonAlreadyInHousehold
from minzheng.registry.models import (
    Person,
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
    self_care: str = SelfCare.CAPABLE
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
    name = rules.normalise_person_name(data.name)
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
