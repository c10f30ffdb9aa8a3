"""The one mechanism that scopes every read to the actor's jurisdiction (ADR 0006).

Each protected model names, in ``scope_path``, the lookup path to the 12-digit code of the
division that owns a row. ``visible_to(actor)`` keeps the rows whose code starts with the
actor's division prefix (2/4/6/9/12 digits by level). A user without a division sees nothing.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models
from django.db.models import F, Lookup

from minzheng.common import caching

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
                return self.filter(AnyOf(F(relation), ids)) if ids else self.none()
        return self.filter(**{f"{path}__startswith": prefix})


class AnyOf(Lookup):
    """``lhs IN (ids)`` written ``lhs = ANY(%s::bigint[])`` on PostgreSQL: the same condition (PostgreSQL
    turns ``IN`` into ``= ANY`` with the same array), but the ids are one parameter instead of one each. A
    county's 104 ids cost ≈ 0.3 ms of Python per query that carries them (Django resolves and compiles
    each, psycopg splices each into the statement), three queries per household list
    (bench/speed-seed-list.md §4). ``ids`` must not be empty (``IN ()`` is no SQL)."""

    lookup_name = "any_of"
    prepare_rhs = False

    def get_prep_lookup(self) -> list[Any]:
        return list(self.rhs)

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        lhs, params = self.process_lhs(compiler, connection)
        return f"{lhs} IN ({', '.join(['%s'] * len(self.rhs))})", (*params, *self.rhs)

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, tuple[Any, ...]]:
        lhs, params = self.process_lhs(compiler, connection)
        array = f"{self.lhs.output_field.rel_db_type(connection)}[]"
        return f"{lhs} = ANY(%s::{array})", (*params, self.rhs)


def _division_ids(model: type[models.Model], path: str, prefix: str) -> tuple[str, list[Any] | None]:
    """The lookup of the row's division (``path`` without ``__code``) and the ids of the divisions whose
    code starts with ``prefix``; ``None`` when there are more than ``DIVISION_ID_LIST_MAX``."""
    relation, code = path.rsplit("__", 1)
    division = model
    for name in relation.split("__"):
        division = division._meta.get_field(name).related_model  # type: ignore[assignment]

    def build() -> list[Any]:
        return list(
            division._default_manager.filter(**{f"{code}__startswith": prefix})
            .order_by()
            .values_list("pk", flat=True)[: DIVISION_ID_LIST_MAX + 1]
        )

    # Cached per prefix while the division tree is unchanged (common/caching.py: every write to the tree,
    # the import services' bulk writes included, starts a new generation): the query itself is quick, but
    # planning its ``LIKE`` took 1.1 ms of the server's time on every list page (bench/speed-seed-list.md §4).
    if division._meta.label == "divisions.Division":
        ids = caching.cached("scoping:division-ids", (caching.DIVISIONS,), (code, prefix), build)
    else:
        ids = build()
    return relation, ids if len(ids) <= DIVISION_ID_LIST_MAX else None


def code_in_scope(actor: Any, code: str) -> bool:
    prefix: str | None = getattr(actor, "scope_prefix", None)
    return prefix is not None and prefix != "" and code.startswith(prefix)
