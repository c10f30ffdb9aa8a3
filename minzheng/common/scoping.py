"""The one mechanism that scopes every read to the actor's jurisdiction (ADR 0006).

Each protected model names, in ``scope_path``, the lookup path to the 12-digit code of the
division that owns a row. ``visible_to(actor)`` keeps the rows whose code starts with the
actor's division prefix (2/4/6/9/12 digits by level). A user without a division sees nothing.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models

_M = TypeVar("_M", bound=models.Model)


# A subtree of up to this many divisions can be scoped by the list of its division ids (``by_division_ids``);
# a larger one (a city, the region) keeps the code prefix, which then matches most rows anyway.
DIVISION_ID_LIST_MAX = 1500


class ScopedQuerySet(models.QuerySet[_M]):
    def visible_to(
        self, actor: Any, *, within: str = "", by_division_ids: bool = False
    ) -> ScopedQuerySet[_M]:
        """Rows in the actor's subtree, optionally narrowed to the division code prefix ``within``.

        The two prefixes are merged into one condition (the longer one, if one contains the other;
        nothing otherwise): two ``LIKE`` conditions on the same column make PostgreSQL badly
        underestimate the rows and pick a full sort of the subtree (measured: 270 ms vs 5 ms).

        ``by_division_ids``: the same rows, selected by the ids of the subtree's divisions (one small
        query first) instead of a join on the code prefix. PostgreSQL then estimates the rows from the
        statistics of the row's own division column — with the join it assumes an average number of rows
        per division, which for a dense county is 16 times too few — and filters a row without looking up
        its division (household list at 1 M people: 5,521 division lookups → none, bench/speed-seed-list.md).
        """
        prefix = getattr(actor, "scope_prefix", None)
        if not getattr(actor, "is_authenticated", False) or not prefix:
            return self.none()
        within = within.strip()
        if within.startswith(prefix):
            prefix = within
        elif within and not prefix.startswith(within):
            return self.none()
        path: str = self.model.scope_path  # type: ignore[attr-defined]
        if by_division_ids:
            relation, ids = _division_ids(self.model, path, prefix)
            if ids is not None:
                return self.filter(**{f"{relation}__in": ids})
        return self.filter(**{f"{path}__startswith": prefix})


def _division_ids(model: type[models.Model], path: str, prefix: str) -> tuple[str, list[Any] | None]:
    """The lookup of the row's division (``path`` without ``__code``) and the ids of the divisions whose
    code starts with ``prefix``; ``None`` when there are more than ``DIVISION_ID_LIST_MAX``."""
    relation, code = path.rsplit("__", 1)
    division = model
    for name in relation.split("__"):
        division = division._meta.get_field(name).related_model  # type: ignore[assignment]
    ids = list(
        division._default_manager.filter(**{f"{code}__startswith": prefix})
        .order_by()
        .values_list("pk", flat=True)[: DIVISION_ID_LIST_MAX + 1]
    )
    return relation, ids if len(ids) <= DIVISION_ID_LIST_MAX else None


def code_in_scope(actor: Any, code: str) -> bool:
    prefix: str | None = getattr(actor, "scope_prefix", None)
    return prefix is not None and prefix != "" and code.startswith(prefix)
