"""Reads of programmes and policy parameters.

``parameter_value`` / ``parameter_values`` are engine lookups: they take no actor because the
figures are published policy, not personal data, and a calculation for a village needs the
region's figures (an ancestor the ``visible_to`` prefix scope would hide). Listing for staff
(``parameter_list``) shows what applies in the actor's jurisdiction: its ancestors and subtree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from minzheng.divisions.errors import DivisionNotFound
from minzheng.divisions.models import Division
from minzheng.divisions.rules import normalise_code
from minzheng.policy.errors import ParameterMissing
from minzheng.policy.format import document_dump
from minzheng.policy.models import Parameter, Programme
from minzheng.policy.rules import (
    ParameterEntry,
    ParameterRow,
    ResolvedParameter,
    jurisdiction_chain,
    missing_message,
    parameter_key_get,
    resolve_indexed,
)

ROW_FIELDS = (
    "id",
    "key",
    "division__code",
    "urban_rural",
    "valid_from",
    "valid_to",
    "value",
    "version",
    "status",
    "source",
    "note",
)


def _rows(queryset: QuerySet[Parameter]) -> list[ParameterRow]:
    return [ParameterRow(*values) for values in queryset.values_list(*ROW_FIELDS)]


def _division(division: Division | str) -> Division:
    if isinstance(division, Division):
        return division
    try:
        code = normalise_code(division)
    except ValueError as exc:
        raise DivisionNotFound(str(exc), field="division") from None
    found = Division.objects.filter(code=code).first()
    if found is None:
        raise DivisionNotFound(f"区划 {division} 不存在", field="division")
    return found


def parameter_value(
    key: str, division: Division | str, on_date: dt.date, urban_rural: str = ""
) -> ResolvedParameter:
    """The value of ``key`` in force on ``on_date`` for a place (most specific jurisdiction, then the
    place's urban/rural type over ""). Raises ``ParameterMissing`` when none is in force — never a guess
    (ADR 0003). Two queries at most (the division, when given by code; the candidate rows)."""
    parameter_key_get(key)
    place = _division(division)
    chain = jurisdiction_chain(place.code)
    candidates = Parameter.objects.current().in_force_on(on_date).filter(key=key, division__code__in=chain)
    index = {(r.division_code, r.urban_rural): r for r in _rows(candidates)}
    row = resolve_indexed(index, place.code, urban_rural)
    if row is None:
        raise ParameterMissing(missing_message(key, f"{place.name}（{place.code}）", urban_rural, on_date))
    return ResolvedParameter.from_row(row)


def parameter_values(
    key: str, on_date: dt.date, places: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], ResolvedParameter]:
    """``parameter_value`` for many (12-digit division code, urban_rural) pairs at once: one query for
    every row of ``key`` in force on the date, resolved in memory (for set-based recalculation).
    Raises ``ParameterMissing`` naming the first place (in code order) without a value."""
    parameter_key_get(key)
    index = {
        (r.division_code, r.urban_rural): r
        for r in _rows(Parameter.objects.current().in_force_on(on_date).filter(key=key))
    }
    result: dict[tuple[str, str], ResolvedParameter] = {}
    missing: list[tuple[str, str]] = []
    for place in sorted(set(places)):
        row = resolve_indexed(index, *place)
        if row is None:
            missing.append(place)
        else:
            result[place] = ResolvedParameter.from_row(row)
    if missing:
        code, urban_rural = missing[0]
        name = Division.objects.filter(code=code).values_list("name", flat=True).first() or "未知区划"
        more = f"（另有 {len(missing) - 1} 个区划也没有）" if len(missing) > 1 else ""
        raise ParameterMissing(missing_message(key, f"{name}（{code}）", urban_rural, on_date) + more)
    return result


def programme_list() -> QuerySet[Programme]:
    return Programme.objects.all()


def parameter_list(
    *, actor: Any, key: str | None = None, include_superseded: bool = False
) -> QuerySet[Parameter]:
    """Parameters that apply in the actor's jurisdiction: set for its division's ancestors or subtree."""
    prefix: str | None = getattr(actor, "scope_prefix", None)
    division = getattr(actor, "division", None)
    if not getattr(actor, "is_authenticated", False) or not prefix or division is None:
        return Parameter.objects.none()
    rows = Parameter.objects.filter(
        Q(division__code__startswith=prefix) | Q(division__code__in=jurisdiction_chain(division.code))
    )
    if not include_superseded:
        rows = rows.current()
    if key:
        rows = rows.filter(key=key)
    return rows.select_related("division")


def parameter_entries(*, keys: Iterable[str] | None = None) -> list[ParameterEntry]:
    """Every current parameter version as file entries (the whole set; for export and planning)."""
    rows = Parameter.objects.current()
    if keys is not None:
        rows = rows.filter(key__in=list(keys))
    return [
        ParameterEntry(
            r.key,
            r.division_code,
            r.urban_rural,
            r.valid_from,
            r.valid_to,
            r.value,
            r.status,
            r.source,
            r.note,
        )
        for r in _rows(rows)
    ]


def parameter_export() -> str:
    """The whole current parameter set as a format-1 document (docs/policy-parameters.md)."""
    return document_dump(parameter_entries(), exported_at=timezone.now())
