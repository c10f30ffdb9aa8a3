"""The household an online application is for: the account's registry household and its members, whom an
allowance may be for, and the village chooser for a household not yet in the registry."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from minzheng.divisions.models import Division
from minzheng.divisions.rules import Level
from minzheng.portal.models import ApplicationDraft, PortalAccount
from minzheng.registry.choices import RelationToHead
from minzheng.registry.models import Household, Membership


@dataclass(frozen=True)
class MemberRow:
    name: str
    id_number_masked: str
    relation: str
    birth_date: dt.date | None


def household_of(account: PortalAccount) -> Household | None:
    """The bound person's current household (their open membership), or ``None``."""
    if account.person_id is None:
        return None
    membership = (
        Membership.objects.select_related("household__hukou_division")
        .filter(person_id=account.person_id, left_on__isnull=True)
        .first()
    )
    return membership.household if membership else None


def household_members(household: Household) -> list[MemberRow]:
    rows = (
        Membership.objects.filter(household=household, left_on__isnull=True)
        .select_related("person")
        .order_by("joined_on", "id")
    )
    return [
        MemberRow(m.person.name, m.person.id_number_masked, RelationToHead(m.relation_to_head).label,
                  m.person.birth_date)
        for m in rows
    ]  # fmt: skip


@dataclass(frozen=True)
class SubjectChoice:
    """A member an allowance may be applied for: ``key`` is ``p<person id>`` for the registry household of a
    bound account, ``m<index>`` for a member declared in the draft (registered on submission)."""

    key: str
    name: str
    id_number_masked: str
    relation: str
    birth_date: dt.date | None
    is_applicant: bool


def subject_choices(*, account: PortalAccount, draft: ApplicationDraft) -> list[SubjectChoice]:
    """The household's members, the applicant first among equals: the registry's for a bound account, the
    declared ones otherwise (empty until the household section is saved)."""
    household = household_of(account)
    if household is not None:
        rows = (
            Membership.objects.filter(household=household, left_on__isnull=True)
            .select_related("person")
            .order_by("joined_on", "id")
        )
        return [
            SubjectChoice(f"p{m.person_id}", m.person.name, m.person.id_number_masked,
                          RelationToHead(m.relation_to_head).label, m.person.birth_date,
                          m.person_id == account.person_id)
            for m in rows
        ]  # fmt: skip
    return [
        SubjectChoice(f"m{i}", m["name"], m["id_number_masked"], RelationToHead(m["relation"]).label,
                      dt.date.fromisoformat(m["birth_date"]), i == 0)
        for i, m in enumerate(draft.data.get("household", {}).get("members", []))
    ]  # fmt: skip


def division_options(*, parent_code: str = "") -> list[tuple[str, str]]:
    """The village chooser, county → township → village: the current counties (no parent), or the current
    divisions directly below ``parent_code``. Division names are public facts, not scoped."""
    current = Division.objects.filter(abolished_on__isnull=True)
    if not parent_code:
        rows = current.filter(level=Level.COUNTY).select_related("parent").order_by("code")
        return [(d.code, f"{d.parent.name} {d.name}" if d.parent else d.name) for d in rows]
    return list(current.filter(parent__code=parent_code).order_by("code").values_list("code", "name"))


def village_path(code: str) -> tuple[str, str]:
    """The county and township codes above a village (to show the chooser where it was left)."""
    village = Division.objects.select_related("parent__parent").filter(code=code, level=Level.VILLAGE).first()
    if village is None or village.parent is None or village.parent.parent is None:
        return "", ""
    return village.parent.parent.code, village.parent.code
