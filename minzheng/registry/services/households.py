"""Households, their members and memberships, at the window."""

from __future__ import annotations

import datetime as dt
from dataclasses import fields
from typing import Any

from django.db import transaction
from django.db.models import F

from minzheng.accounts.models import User
from minzheng.audit.services import event_record
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import ValidationFailed
from minzheng.registry.choices import RelationToHead
from minzheng.registry.models import (
    Household,
    Membership,
    Person,
)
from minzheng.registry.services._base import (
    HouseholdData,
    PersonData,
    _existing_person_conflict,
    _household_fields,
    _require,
    _save_new_person,
    _validated_person_fields,
)


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
        actor=actor,
        verb="household.created",
        object_type="household",
        object_id=record.pk,
        division_code=record.hukou_division.code,
        summary=f"新建家庭，户主 {person.name}",
    )
    return record


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
            actor=actor,
            verb="household.updated",
            object_type="household",
            object_id=household.pk,
            division_code=household.hukou_division.code,
            data={"fields": changed},
        )
    return household


@transaction.atomic
def person_add_to_household(
    *, actor: User, household: Household, data: PersonData, relation: str, joined_on: dt.date
) -> Person:
    """Register a new person as a member. Refuses an ID that already belongs to any person."""
    _require(actor, Capability.EDIT_REGISTRY)
    if relation not in RelationToHead.values:
        message = f"与户主关系“{relation}”不是允许的取值"
        raise ValidationFailed(message, field="relation", code="unknown_relation")
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
        actor=actor,
        verb="household.member_added",
        object_type="household",
        object_id=household.pk,
        division_code=household.hukou_division.code,
        summary=f"新增成员 {person.name}",
        data={"person_id": person.pk, "relation": relation},
    )
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
            actor=actor,
            verb="person.updated",
            object_type="person",
            object_id=person.pk,
            division_code=person.household.hukou_division.code if person.household else "",
            data={"fields": [f for f in changed if not f.endswith(("_encrypted", "_index"))]},
        )
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
        actor=actor,
        verb="household.member_left",
        object_type="household",
        object_id=membership.household_id,
        division_code=membership.household.hukou_division.code,
        summary=f"{person.name} 离开家庭：{reason}",
        data={"person_id": person.pk},
    )
    return membership


def person_data_from_instance(person: Person) -> PersonData:
    """The current values of a person as ``PersonData`` (for forms that edit a few fields)."""
    names = {f.name for f in fields(PersonData)}
    values: dict[str, Any] = {
        name: getattr(person, name) for name in names if name not in ("id_number", "phone")
    }
    return PersonData(
        **{**values, "id_number": person.id_number, "phone": person.phone, "sex": None, "birth_date": None}
    )
