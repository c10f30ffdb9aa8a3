"""Set-based writes for the large imports (house style §8: COPY, never a query per row). On SQLite, the
embedded database of ``make run``, the same calls write with ``executemany`` in chunks and take ids from the
tables' maxima (one writer at a time there), so the imports work on the demo too.

Ids are taken from each table's own sequence up front (safe beside other writers; a rolled-back import only
leaves a gap in the id numbers, never in the data), so the rows of several tables can reference each other
before they are written and every table is filled by one ``COPY … FROM STDIN``. Foreign keys are
``DEFERRABLE INITIALLY DEFERRED`` (Django's default), so a household may name its head before the person
row exists; the checks run at commit. Like ``bulk_create``: no ``save()``, no signals, no history rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

# Session settings of one batch statement's transaction (SET LOCAL: nothing outlives it; the server's
# configuration stays as deployed). JIT: a freshly imported table has no statistics yet, so the planner's
# estimates of a set-based check run into the millions and it compiled the query for ≈ 3 s of a 6 s check
# (EXPLAIN ANALYZE in bench/speed-imports.md); work_mem: the sorts and hashes of ~10⁵–10⁶ keys stay in memory.
BATCH_SETTINGS = {"jit": "off", "work_mem": "64MB"}


@contextmanager
def batch_transaction() -> Iterator[None]:
    """``transaction.atomic()`` with ``BATCH_SETTINGS`` applied to it alone."""
    with transaction.atomic(), connection.cursor() as cursor:
        if _postgres():
            for name, value in BATCH_SETTINGS.items():
                cursor.execute("SELECT set_config(%s, %s, true)", [name, value])
        yield


def _postgres() -> bool:
    return connection.vendor == "postgresql"


def ids_allocate(model: type[models.Model], count: int) -> list[int]:
    """``count`` fresh primary keys of ``model`` from its sequence, in one round trip (sent back as one
    text value: fetching hundreds of thousands of one-column rows costs more than splitting a string)."""
    if count <= 0:
        return []
    if not _postgres():  # SQLite: after the largest id (AUTOINCREMENT then continues above the new rows)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT coalesce(max(id), 0) FROM {model._meta.db_table}")  # noqa: S608 - model name
            start = int(cursor.fetchone()[0]) + 1
        return list(range(start, start + count))
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [model._meta.db_table])
        sequence = cursor.fetchone()[0]
        cursor.execute(
            "SELECT string_agg(nextval(%s)::text, ',') FROM generate_series(1, %s)", [sequence, count]
        )
        return [int(value) for value in cursor.fetchone()[0].split(",")]


def _defaults(model: type[models.Model], given: Sequence[str]) -> tuple[list[str], tuple[Any, ...]]:
    """The columns not in ``given`` and the value ``bulk_create`` would store in each (the field default,
    now for ``auto_now``/``auto_now_add``, else NULL); the primary key, when not given, is left to the
    table's identity default."""
    now = timezone.now()
    columns, values = [], []
    for field in model._meta.concrete_fields:
        if field.attname in given or field.primary_key:  # an id not given comes from the sequence
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            value = now if _postgres() else field.get_db_prep_save(now, connection)  # SQLite's naive UTC text
        elif field.has_default() or not field.null:
            value = field.get_db_prep_save(field.get_default(), connection)
        else:
            value = None
        columns.append(str(field.column))
        values.append(value)
    return columns, tuple(values)


def copy_rows(model: type[models.Model], fields: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> int:
    """Write ``rows`` (values of ``fields``, by attname, e.g. ``household_id``; ready for the database)
    into ``model``'s table with one COPY; every other column gets its default. Returns the row count."""
    column_of = {field.attname: str(field.column) for field in model._meta.concrete_fields}
    missing = [f for f in fields if f not in column_of]
    if missing:
        raise ValueError(f"{model.__name__} has no column {missing}")
    other, defaults = _defaults(model, fields)
    columns = [column_of[f] for f in fields]
    if not _postgres():
        return _insert_many(model, columns + other, (row + defaults for row in rows))
    sql = f"COPY {model._meta.db_table} ({', '.join(columns + other)}) FROM STDIN"  # noqa: S608 - model names
    count = 0
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        write = copy.write_row
        for row in rows:
            write(row + defaults)
            count += 1
    return count


# Rows per CSV chunk sent by ``copy_columns``: the server parses one chunk while pyarrow writes the next.
COPY_CHUNK_ROWS = 32_768
INSERT_CHUNK_ROWS = 2_000  # rows per ``executemany`` on SQLite


def _insert_many(model: type[models.Model], columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> int:
    """SQLite's stand-in for ``COPY``: the rows inserted by ``executemany``, ``INSERT_CHUNK_ROWS`` a time."""
    from itertools import islice

    marks = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608 - model names
    count = 0
    pending = iter(rows)
    with connection.cursor() as cursor:
        while chunk := list(islice(pending, INSERT_CHUNK_ROWS)):
            cursor.executemany(sql, chunk)
            count += len(chunk)
    return count


def _columns_rows(model: type[models.Model], columns: Mapping[str, Sequence[Any]]) -> int:
    """``copy_columns`` on SQLite: the columns zipped into rows, every other column given its default."""
    column_of = {field.attname: str(field.column) for field in model._meta.concrete_fields}
    other, defaults = _defaults(model, list(columns))
    values = [v.to_pylist() if hasattr(v, "to_pylist") else v for v in columns.values()]
    names = [column_of[f] for f in columns] + other
    return _insert_many(model, names, (tuple(row) + defaults for row in zip(*values, strict=True)))


def _csv_text(value: Any) -> str | None:
    """A default value as PostgreSQL reads it in a CSV ``COPY``."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, dt.date):  # datetime included: ISO 8601 with its offset
        return value.isoformat()
    raise TypeError(f"no CSV form for a default of type {type(value).__name__}")


def _columns_table(model: type[models.Model], columns: Mapping[str, Sequence[Any]]) -> tuple[str, Any]:
    """The ``COPY … (FORMAT csv)`` statement and the Arrow table of ``copy_columns``."""
    import pyarrow as pa

    column_of = {field.attname: str(field.column) for field in model._meta.concrete_fields}
    missing = [f for f in columns if f not in column_of]
    if missing:
        raise ValueError(f"{model.__name__} has no column {missing}")
    counts = {len(values) for values in columns.values()}
    if len(counts) != 1:
        raise ValueError(f"{model.__name__}: columns of different lengths {sorted(counts)}")
    count = counts.pop()
    other, defaults = _defaults(model, list(columns))
    arrays = [values if isinstance(values, pa.Array) else pa.array(values) for values in columns.values()]
    for value in defaults:
        text = _csv_text(value)
        arrays.append(pa.nulls(count, pa.string()) if text is None else pa.array([text] * count, pa.string()))
    table = pa.Table.from_arrays(arrays, names=[column_of[f] for f in columns] + other)
    sql = f"COPY {model._meta.db_table} ({', '.join(table.column_names)}) FROM STDIN (FORMAT csv)"  # noqa: S608
    return sql, table


def copy_columns(model: type[models.Model], columns: Mapping[str, Sequence[Any]]) -> int:
    """Write rows given column by column (``attname`` → one value per row, ready for the database: ``str``,
    ``int``, ``Decimal``, ``date``, ``None`` for NULL; or a pyarrow array) into ``model``'s table with one
    ``COPY … (FORMAT csv)``; every other column gets its default, as ``copy_rows``. The CSV is written by
    pyarrow (C++, quoting every text value, so commas, quotes and line breaks inside a cell are safe) in
    chunks the server parses while the next is written — no Python call per row. Returns the row count."""
    from minzheng.common.pgcopy import copy_in_arrow

    sql, table = _columns_table(model, columns)
    if not _postgres():
        return _columns_rows(model, columns)
    with connection.cursor() as cursor:
        copy_in_arrow(cursor, sql, table.to_batches(max_chunksize=COPY_CHUNK_ROWS))
    return int(table.num_rows)


CopyColumns = Callable[[type[models.Model], Mapping[str, Sequence[Any]]], int]


@contextmanager
def copy_pipeline() -> Iterator[CopyColumns]:
    """``copy_columns`` whose COPYs run one after another on a worker thread, on this connection (so in the
    caller's transaction), while the caller builds the next table's columns: the server parses and indexes
    one table — most of a large import's time — while Python encrypts and assembles the next, instead of
    each waiting for the other. The caller must not use the connection inside the block (take sequence
    ids first). On leaving, every COPY has ended; the first one that failed raises its error (the
    transaction is then aborted, as with ``copy_columns``); if the block raises, the COPYs not yet started
    are dropped."""
    from concurrent.futures import Future, ThreadPoolExecutor

    from minzheng.common.pgcopy import copy_in_arrow

    if not _postgres():  # SQLite: one write after the other, on this thread
        yield copy_columns
        return
    futures: list[Future[None]] = []
    with connection.cursor() as cursor:
        worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="copy")

        def copy(model: type[models.Model], columns: Mapping[str, Sequence[Any]]) -> int:
            sql, table = _columns_table(model, columns)
            batches = table.to_batches(max_chunksize=COPY_CHUNK_ROWS)
            futures.append(worker.submit(copy_in_arrow, cursor, sql, batches))
            return int(table.num_rows)

        try:
            yield copy
        except BaseException:
            worker.shutdown(wait=True, cancel_futures=True)  # the connection is free again once it returns
            raise
        worker.shutdown(wait=True)
        for future in futures:
            future.result()
