"""The one mechanism that scopes every read to the actor's jurisdiction (ADR 0006).

Each protected model names, in ``scope_path``, the lookup path to the 12-digit code of the
division that owns a row. ``visible_to(actor)`` keeps the rows whose code starts with the
actor's division prefix (2/4/6/9/12 digits by level). A user without a division sees nothing.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models

_M = TypeVar("_M", bound=models.Model)


class ScopedQuerySet(models.QuerySet[_M]):
    def visible_to(self, actor: Any, *, within: str = "") -> ScopedQuerySet[_M]:
        """Rows in the actor's subtree, optionally narrowed to the division code prefix ``within``.

        The two prefixes are merged into one condition (the longer one, if one contains the other;
        nothing otherwise): two ``LIKE`` conditions on the same column make PostgreSQL badly
        underestimate the rows and pick a full sort of the subtree (measured: 270 ms vs 5 ms).
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
        return self.filter(**{f"{path}__startswith": prefix})


def code_in_scope(actor: Any, code: str) -> bool:
    prefix: str | None = getattr(actor, "scope_prefix", None)
    return prefix is not None and prefix != "" and code.startswith(prefix)
