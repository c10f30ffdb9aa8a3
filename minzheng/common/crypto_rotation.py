"""Re-encrypt every personal-data ciphertext with the current key, without downtime (ADR 0027).

Put the new key first in ``FIELD_ENCRYPTION_KEYS`` and keep the old ones after it: the application then
writes with the new key and still reads the old values. ``minzheng rotate-personal-data-keys`` then walks
every ``*_encrypted`` column of every model (found from the app registry, so a new encrypted field is
covered without changes here), in chunks by primary key: one read of up to ``chunk`` rows with an old key id,
one UPDATE per column with the new values, each chunk its own transaction. An UPDATE only replaces a value
that is still the one read, so a row the application changed meanwhile (already sealed with the new key) is
never overwritten. Interrupted, it simply runs again: rows already on the current key are not selected.
Once it reports no value left on an old key, the old key may be removed from the setting.

The blind indexes (``*_index``) use the separate ``BLIND_INDEX_KEY`` and are not touched: search keeps
working throughout.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import connection, models, transaction
from django.db.models import Q

from minzheng.common import crypto

ENCRYPTED_SUFFIX = "_encrypted"


@dataclass(frozen=True)
class Target:
    model: type[models.Model]
    columns: tuple[str, ...]

    @property
    def label(self) -> str:
        return self.model._meta.label


def targets() -> list[Target]:
    """Every concrete model with ``*_encrypted`` text columns (history tables included)."""
    found = []
    for model in apps.get_models():
        meta = model._meta
        if meta.proxy or not meta.managed:
            continue
        columns = tuple(f.attname for f in meta.concrete_fields if f.attname.endswith(ENCRYPTED_SUFFIX))
        if columns:
            found.append(Target(model, columns))
    return sorted(found, key=lambda t: t.label)


def _stale(columns: tuple[str, ...], current: str) -> Q:
    """Rows with at least one non-empty value sealed with another key than ``current``."""
    query = Q()
    for column in columns:
        query |= (
            ~Q(**{f"{column}__startswith": f"{current}$"})
            & ~Q(**{column: ""})
            & Q(**{f"{column}__isnull": False})
        )
    return query


def stale_count(target: Target) -> int:
    return target.model._default_manager.filter(_stale(target.columns, crypto.current_key_id())).count()


def _update(target: Target, column: str, changes: list[tuple[Any, str, str]]) -> int:
    """Set ``column`` to the new value where the row still holds the old one; one statement per chunk."""
    meta = target.model._meta
    pk_column = str(meta.pk.column) if meta.pk else "id"
    table, pk, col = (connection.ops.quote_name(n) for n in (meta.db_table, pk_column, column))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            pk_type = meta.pk.db_type(connection) if meta.pk else "bigint"
            values = ", ".join([f"(%s::{pk_type}, %s, %s)"] * len(changes))
            cursor.execute(
                f"UPDATE {table} SET {col} = v.new FROM (VALUES {values}) AS v(id, old, new) "  # noqa: S608
                f"WHERE {table}.{pk} = v.id AND {table}.{col} = v.old",
                [item for change in changes for item in change],
            )
            return cursor.rowcount
        cursor.executemany(
            f"UPDATE {table} SET {col} = %s WHERE {pk} = %s AND {col} = %s",  # noqa: S608
            [(new, key, old) for key, old, new in changes],
        )
        return cursor.rowcount


def _chunks(target: Target, current: str, chunk: int) -> Iterator[list[tuple]]:
    last = None
    manager = target.model._default_manager
    while True:
        rows = manager.filter(_stale(target.columns, current))
        if last is not None:
            rows = rows.filter(pk__gt=last)
        batch = list(rows.order_by("pk").values_list("pk", *target.columns)[:chunk])
        if not batch:
            return
        yield batch
        last = batch[-1][0]


def rotate(
    target: Target, *, chunk: int = 1000, progress: Callable[[Target, int], None] | None = None
) -> int:
    """Re-encrypt the target's values sealed with an old key; returns how many values were rewritten."""
    current = crypto.current_key_id()
    rewritten = 0
    for batch in _chunks(target, current, chunk):
        with transaction.atomic():
            for position, column in enumerate(target.columns, start=1):
                changes = [
                    (row[0], row[position], crypto.encrypt(crypto.decrypt(row[position])))
                    for row in batch
                    if row[position] and crypto.key_id_of(row[position]) != current
                ]
                if changes:
                    rewritten += _update(target, column, changes)
        if progress is not None:
            progress(target, rewritten)
    return rewritten
