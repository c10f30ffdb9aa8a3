"""Reads of the division tree, scoped to the actor's jurisdiction (ADR 0006)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from minzheng.divisions.errors import DivisionNotFound
from minzheng.divisions.models import Division
from minzheng.divisions.rules import Level, normalise_code


def division_children(
    *, actor: Any, parent_code: str | None, include_abolished: bool = False
) -> QuerySet[Division]:
    """The next level of a cascading picker.

    Without ``parent_code`` the picker starts at the actor's own division. An ancestor of the
    actor's division yields only the branch that leads to the actor (the others are out of scope).
    """
    visible = Division.objects.visible_to(actor)
    if not include_abolished:
        visible = visible.filter(abolished_on__isnull=True)
    if not parent_code:
        division = getattr(actor, "division", None)
        return visible.filter(pk=division.pk) if division is not None else visible.none()
    try:
        code = normalise_code(parent_code)
    except ValueError:
        return visible.none()
    return visible.filter(parent__code=code).order_by("code")


def division_get(*, actor: Any, code: str) -> Division:
    """One division in the actor's jurisdiction, by 2/4/6/9/12-digit code."""
    try:
        code12 = normalise_code(code)
    except ValueError as exc:
        raise DivisionNotFound(str(exc), field="code") from None
    division = Division.objects.visible_to(actor).select_related("parent").filter(code=code12).first()
    if division is None:
        raise DivisionNotFound(f"区划 {code} 不存在或不在您的管辖范围内", field="code")
    return division


def division_ancestor(division: Division, level: Level) -> Division:
    """The division's ancestor at ``level`` (a village's township, a township's county); the division
    itself when it already sits at that level or above. Follows ``parent`` (cached once loaded)."""
    while division.level > level and division.parent is not None:
        division = division.parent
    return division


def division_breadcrumb(division: Division) -> list[Division]:
    """The division and its ancestors, region first, in one query (follows ``parent``, not the code)."""
    row = Division.objects.select_related("parent__parent__parent__parent").get(pk=division.pk)
    chain: list[Division] = []
    current: Division | None = row
    while current is not None:
        chain.append(current)
        current = current.parent
    return chain[::-1]


def division_choices_for(actor: Any, max_level: int = Level.TOWNSHIP) -> list[tuple[str, str]]:
    """``(code, label)`` for every current division in the actor's jurisdiction down to
    ``max_level``, in code order; labels are indented by depth below the actor's level."""
    own_level = getattr(getattr(actor, "division", None), "level", Level.REGION)
    rows = (
        Division.objects.visible_to(actor)
        .filter(abolished_on__isnull=True, level__lte=max_level)
        .order_by("code")
        .values_list("code", "name", "level")
    )
    return [(code, "\u3000" * max(level - own_level, 0) + name) for code, name, level in rows]
