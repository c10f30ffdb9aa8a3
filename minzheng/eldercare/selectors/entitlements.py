"""Reads of service entitlements (issue 17 §3), every list scoped with ``visible_to(actor)``; the policy
parameters of eldercare services resolved in memory (one query per call, ``parameters_in_force``); and
``entitlement_current`` — the contract the orders part checks an order against."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet

from minzheng.accounts.models import User
from minzheng.common.errors import NotFound
from minzheng.divisions.models import Division
from minzheng.eldercare.models import OlderPerson, ServiceEntitlement
from minzheng.eldercare.rules.entitlements import Status
from minzheng.policy.models import Parameter
from minzheng.policy.rules import (
    ParameterRow,
    ResolvedParameter,
    jurisdiction_chain,
    missing_message,
    resolve_indexed,
)
from minzheng.policy.selectors import ROW_FIELDS


@dataclass
class ParametersInForce:
    """The resolved parameters (key → row) and, for each key without one, the Chinese reason."""

    found: dict[str, ResolvedParameter] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)

    def values(self) -> dict[str, Any]:
        return {key: row.value for key, row in self.found.items()}

    def used(self) -> list[dict[str, Any]]:
        """What a decision records of the parameters it used (key, id, version, value, status)."""
        return [
            {"key": r.key, "id": r.parameter_id, "version": r.version, "value": r.value, "status": r.status}
            for r in self.found.values()
        ]


def parameters_in_force(keys: Iterable[str], division: Division, day: dt.date) -> ParametersInForce:
    """Each key's value in force on ``day`` for the division (most specific jurisdiction first): one query."""
    wanted = sorted(set(keys))
    chain = jurisdiction_chain(division.code)
    rows = (
        Parameter.objects.current()
        .in_force_on(day)
        .filter(key__in=wanted, division__code__in=chain)
        .values_list(*ROW_FIELDS)
    )
    by_key: dict[str, dict[tuple[str, str], ParameterRow]] = {}
    for values in rows:
        row = ParameterRow(*values)
        by_key.setdefault(row.key, {})[(row.division_code, row.urban_rural)] = row
    result = ParametersInForce()
    for key in wanted:
        found = resolve_indexed(by_key.get(key, {}), division.code, "")
        if found is None:
            result.missing[key] = missing_message(key, f"{division.name}（{division.code}）", "", day)
        else:
            result.found[key] = ResolvedParameter.from_row(found)
    return result


# --- lists and pages -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EntitlementFilters:
    status: str = ""
    category: str = ""
    division: str = ""  # a division code prefix within the actor's scope
    name: str = ""
    sort: str = "-applied"


SORTS = {"applied": "applied_on", "status": "status", "category": "category", "valid_from": "valid_from"}


def entitlement_list(
    *, actor: User, filters: EntitlementFilters | None = None
) -> QuerySet[ServiceEntitlement]:
    filters = filters or EntitlementFilters()
    rows = ServiceEntitlement.objects.visible_to(actor, within=filters.division).select_related(
        "older_person__person", "division"
    )
    if filters.status:
        rows = rows.filter(status=filters.status)
    if filters.category:
        rows = rows.filter(category=filters.category)
    if filters.name:
        rows = rows.filter(older_person__person__name__contains=filters.name.strip())
    key = filters.sort.lstrip("-")
    order = SORTS.get(key, "applied_on")
    prefix = "-" if filters.sort.startswith("-") else ""
    return rows.order_by(f"{prefix}{order}", f"{prefix}id")


def entitlement_get(*, actor: User, pk: int) -> ServiceEntitlement:
    row = (
        ServiceEntitlement.objects.visible_to(actor)
        .select_related("older_person__person", "division", "applied_by", "reviewed_by", "decided_by")
        .filter(pk=pk)
        .first()
    )
    if row is None:
        raise NotFound("服务资格申请不存在或不在您的管辖范围内")
    return row


def older_person_get(*, actor: User, pk: int) -> OlderPerson:
    row = OlderPerson.objects.visible_to(actor).select_related("person", "division").filter(pk=pk).first()
    if row is None:
        raise NotFound("老年人不存在或不在您的管辖范围内")
    return row


def older_person_search(*, actor: User, text: str, limit: int = 20) -> list[OlderPerson]:
    """Older people of the actor's jurisdiction whose name contains ``text`` (the apply forms' picker)."""
    text = text.strip()
    if not text:
        return []
    rows = OlderPerson.objects.visible_to(actor).filter(active=True, person__name__contains=text)
    return list(rows.select_related("person", "division").order_by("person__name", "id")[:limit])


# --- the contract for orders -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CurrentEntitlement:
    """An older person's active entitlement on a day and its monthly allowance (hours and/or amount; a
    manual determination says so in ``manual``)."""

    entitlement: ServiceEntitlement
    category: str
    monthly_hours: int | None
    monthly_amount: Decimal | None
    manual: bool


def _active_on(day: dt.date) -> Q:
    # an ended entitlement was in force until its ``valid_to`` (the end day)
    granted = [Status.APPROVED.value, Status.ENDED.value]
    return Q(status__in=granted, valid_from__lte=day) & (Q(valid_to__isnull=True) | Q(valid_to__gt=day))


def entitlement_current(older_person: OlderPerson | int, day: dt.date) -> CurrentEntitlement | None:
    """The approved entitlement in force on ``day`` (valid_from ≤ day < valid_to), or ``None``.

    For the orders part: an order of government-purchased services is covered only when this returns a
    value; its ``monthly_hours``/``monthly_amount`` is the month's allowance. No actor: the caller has
    already read the older person through its own scoped selector. An ended entitlement (终止) has its
    ``valid_to`` set to the end day, so it is not in force after it."""
    person_id = older_person if isinstance(older_person, int) else older_person.pk
    row = (
        ServiceEntitlement.objects.filter(_active_on(day), older_person_id=person_id)
        .order_by("-valid_from", "-id")
        .first()
    )
    if row is None:
        return None
    return CurrentEntitlement(row, row.category, row.monthly_hours, row.monthly_amount, row.manual)
