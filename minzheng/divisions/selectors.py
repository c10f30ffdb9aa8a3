"""Reads of the division tree, scoped to the actor's jurisdiction (ADR 0006)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

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


# --- the division picker (issue 14 §4): find a division in scope by part of its name or code -----------

PICKER_LEVELS: dict[str, tuple[Level, ...]] = {
    "entry": (Level.TOWNSHIP, Level.VILLAGE),  # where a household is registered
    "village": (Level.VILLAGE,),
    "any": tuple(Level),
}
PICKER_LIMIT = 20


@dataclass(frozen=True)
class DivisionOption:
    code: str
    name: str
    level: int
    path: str  # from the county down, e.g. "新城区 / 海拉尔东路街道 / 锡林南路社区居委会"


def _option(division: Division) -> DivisionOption:
    names: list[str] = []
    current: Division | None = division
    while current is not None and (current.level >= Level.COUNTY or current.pk == division.pk):
        names.append(current.name)
        current = current.parent
    return DivisionOption(division.code, division.name, division.level, " / ".join(reversed(names)))


def _picker_queryset(actor: Any, kind: str, within: str) -> QuerySet[Division]:
    levels = PICKER_LEVELS.get(kind, PICKER_LEVELS["entry"])
    return (
        Division.objects.visible_to(actor, within=within if within.isdigit() else "")
        .filter(abolished_on__isnull=True, level__in=levels)
        .select_related("parent__parent__parent__parent")
    )


def division_search(
    *, actor: Any, query: str, kind: str = "entry", within: str = "", limit: int = PICKER_LIMIT
) -> list[DivisionOption]:
    """Current divisions of the picker's ``kind`` in the actor's jurisdiction (narrowed to the code prefix
    ``within``) whose code starts with ``query`` (digits) or whose name or township/county name contains
    every word of ``query`` ("海拉尔 锡林" finds 锡林南路社区 in 海拉尔东路街道); code order, at most
    ``limit``. A blank query lists the first ``limit``."""
    rows = _picker_queryset(actor, kind, within)
    words = [word for word in query.replace("/", " ").split() if word]
    for word in words:
        if word.isdigit():
            rows = rows.filter(code__startswith=word)
        else:
            rows = rows.filter(
                Q(name__contains=word)
                | Q(parent__name__contains=word)
                | Q(parent__parent__name__contains=word)
            )
    return [_option(division) for division in rows.order_by("code")[:limit]]


def division_option(*, actor: Any, code: str, kind: str = "entry") -> DivisionOption | None:
    """The picker's label for a code already in the field; ``None`` outside scope or of another kind."""
    if not code.isdigit() or len(code) > 12:
        return None
    division = _picker_queryset(actor, kind, "").filter(code=code.ljust(12, "0")).first()
    return _option(division) if division is not None else None
