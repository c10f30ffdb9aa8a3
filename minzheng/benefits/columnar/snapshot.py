"""The columnar snapshot: the stored households of a jurisdiction (members active on the day, their
incomes and assets) copied from the registry into Arrow and DuckDB, one ``COPY`` per table on PostgreSQL
(stack-notes §3). ``monitoring.engine`` builds the same tables its own way and is compared with these.
"""
# ruff: noqa: S608 - SQL text from model table names, internal table suffixes and validated parameter literals; values are bound

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import duckdb
import pyarrow as pa
from django.db import connection, transaction

from minzheng.benefits.params import CENT
from minzheng.common.pgcopy import copy_out, csv_table
from minzheng.divisions.models import Division
from minzheng.registry.models import AssetRecord, Household, IncomeRecord, Membership, Person


def duck() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB that never tries to download an extension (offline machines)."""
    return duckdb.connect(config={"autoinstall_known_extensions": "false", "threads": 2})


def run(con: duckdb.DuckDBPyConnection, sql: str, parameters: dict[str, Any] | None = None) -> None:
    """Execute a statement to completion (DuckDB 2 refuses new work while a result is unfetched)."""
    con.execute(sql, parameters).fetchall()


# --- snapshot: registry → Arrow → DuckDB ----------------------------------------------------------------

SNAPSHOT_SCHEMAS: dict[str, pa.Schema] = {
    "households": pa.schema(
        [("household_id", pa.int64()), ("division_code", pa.string()), ("urban_rural", pa.string())]
    ),
    "members": pa.schema(
        [
            ("household_id", pa.int64()),
            ("person_id", pa.int64()),
            ("birth_date", pa.date32()),
            ("relation", pa.string()),
            ("disability_category", pa.string()),
            ("disability_grade", pa.int16()),
            ("self_care", pa.string()),
            ("serious_illness", pa.bool_()),
            ("death_date", pa.date32()),
            ("joined_on", pa.date32()),
            ("membership_id", pa.int64()),
        ]
    ),
    "incomes": pa.schema(
        [
            ("household_id", pa.int64()),
            ("person_id", pa.int64()),
            ("category", pa.string()),
            ("amount", pa.decimal128(12, 2)),
            ("period_start", pa.date32()),
            ("period_end", pa.date32()),
        ]
    ),
    "assets": pa.schema(
        [
            ("household_id", pa.int64()),
            ("person_id", pa.int64()),
            ("category", pa.string()),
            ("value", pa.decimal128(14, 2)),
            ("exempt", pa.bool_()),
        ]
    ),
}


Queries = dict[str, tuple[str, list[Any]]]


def _snapshot_sql(as_of: dt.date, prefix: str, upto: int, *, whole: bool) -> Queries:
    """One SELECT per table with its parameters: the households under ``prefix`` (a code prefix) up to
    id ``upto`` and, for the other three, the rows of those households. With ``whole`` (every household
    of the database is under ``prefix``: ``_scope_is_whole``) the other three are not joined to the
    households and divisions — three hash joins over a million rows on PostgreSQL's side (issue 21,
    bench/speed-whatif.md) — and ``_table_load`` keeps the rows of the households loaded (a semi-join
    it makes in any case, so the tables are the same either way)."""
    h, d = Household._meta.db_table, Division._meta.db_table
    m, p = Membership._meta.db_table, Person._meta.db_table
    i, a = IncomeRecord._meta.db_table, AssetRecord._meta.db_table
    scope = f"JOIN {d} d ON d.id = h.hukou_division_id WHERE d.code LIKE %s AND h.id <= %s"
    scoped = [f"{prefix}%", upto]

    def of_households(x: str) -> tuple[str, list[Any]]:
        if whole:
            return f"WHERE {x}.household_id <= %s", [upto]
        return f"JOIN {h} h ON h.id = {x}.household_id {scope}", scoped

    active = "m.joined_on <= %s AND (m.left_on IS NULL OR m.left_on > %s)"
    (m_scope, m_params), (x_scope, x_params) = of_households("m"), of_households("x")
    # Incomes and assets of a person who is not an active member are dropped in DuckDB (``_MEMBER_OF``):
    # as an EXISTS here PostgreSQL probes the membership index once per record (2 M probes at 1 M people).
    return {
        "households": (f"SELECT h.id, d.code, h.urban_rural FROM {h} h {scope}", scoped),
        "members": (
            f"SELECT m.household_id, p.id, p.birth_date, m.relation_to_head, p.disability_category, "
            f"p.disability_grade, p.self_care, p.serious_illness, p.death_date, m.joined_on, m.id FROM {m} m "
            f"JOIN {p} p ON p.id = m.person_id {m_scope} AND {active}",
            [*m_params, as_of, as_of],
        ),
        "incomes": (
            f"SELECT x.household_id, x.person_id, x.category, x.amount, x.period_start, x.period_end "
            f"FROM {i} x {x_scope}",
            x_params,
        ),
        "assets": (
            f"SELECT x.household_id, x.person_id, x.category, x.value, x.exempt FROM {a} x {x_scope}",
            x_params,
        ),
    }


def _scope_is_whole(prefix: str) -> bool:
    """Every household of the database lies under ``prefix``: no division outside it holds one (the
    region's users; one division probed per division outside the prefix until a household is found)."""
    h, d = Household._meta.db_table, Division._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT NOT EXISTS (SELECT 1 FROM {d} d WHERE d.code NOT LIKE %s "
            f"AND EXISTS (SELECT 1 FROM {h} h WHERE h.hukou_division_id = d.id))",
            [f"{prefix}%"],
        )
        return bool(cursor.fetchone()[0])


# A record of a household loaded, of the household itself or of a person who is an active member on the day
# (``households`` and ``members`` are loaded first, the latter from memberships active on ``as_of``).
_MEMBER_OF = (
    "(x.person_id IS NULL AND x.household_id IN (SELECT household_id FROM households)) OR EXISTS "
    "(SELECT 1 FROM members m WHERE m.household_id = x.household_id AND m.person_id = x.person_id)"
)
# The snapshot's four queries join a million rows by hash: with the default work_mem (4 MB) the hashes spill
# to disk, and JIT compiling them costs more than it saves. Session settings, reset afterwards.
_BATCH_SETTINGS = {"work_mem": "'128MB'", "jit": "off"}


def snapshot_load(
    con: duckdb.DuckDBPyConnection,
    *,
    as_of: dt.date,
    division_prefix: str,
    household_id_max: int | None = None,
    progress: Callable[[str, int], None] | None = None,
) -> dict[str, int]:
    """Copy the households under ``division_prefix`` (with members active on ``as_of``, their incomes and
    assets) into DuckDB tables of the same names; returns the row counts. PostgreSQL streams
    ``COPY … TO STDOUT`` into Arrow (stack-notes §3); other databases go through the cursor.
    ``household_id_max`` limits the run to households up to that id (chunks, benchmarks); ``progress`` is
    told each table's name and rows once it is loaded."""
    upto = household_id_max if household_id_max is not None else 2**62

    def queries() -> Queries:  # asked inside the snapshot's transaction
        return _snapshot_sql(as_of, division_prefix, upto, whole=_scope_is_whole(division_prefix))

    counts = {}
    for name, table in _tables_fetch(queries):
        counts[name] = _table_load(con, name, table)
        if progress is not None:
            progress(name, counts[name])
    return counts


_SIDE = "members"  # the largest query: copied on a second connection while this one copies the others
_SNAPSHOT_ID = re.compile(r"[0-9A-F]+-[0-9A-F]+(-[0-9]+)?")


def _tables_fetch(build: Callable[[], Queries]) -> Iterator[tuple[str, pa.Table]]:
    """The snapshot's tables as Arrow, in the order of the queries ``build`` gives (asked in the snapshot).
    On PostgreSQL outside a transaction (the background job, the batch, the benchmark) ``members`` is
    copied on a second connection while this one copies the others — both in one exported REPEATABLE READ
    snapshot, so the four tables show the same instant (issue 21: PostgreSQL's side of the snapshot is
    most of its time, and the machine has two cores). Inside a transaction (tests, a caller's atomic
    block) they are copied one by one on this connection: a second one would not see the transaction's
    writes."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        queries = build()
        with _batch_session():
            for name, (sql, params) in queries.items():
                yield name, fetch_arrow(sql, params, SNAPSHOT_SCHEMAS[name])
        return
    with transaction.atomic(), ThreadPoolExecutor(max_workers=1) as pool:
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            exported = cursor.fetchone()[0]
        queries = build()
        side = pool.submit(_fetch_in_snapshot, exported, _SIDE, *queries[_SIDE])
        names = list(queries)
        before, after = names[: names.index(_SIDE)], names[names.index(_SIDE) + 1 :]
        with _batch_session():
            for name in before:
                yield name, fetch_arrow(*queries[name], SNAPSHOT_SCHEMAS[name])
            later = {name: fetch_arrow(*queries[name], SNAPSHOT_SCHEMAS[name]) for name in after}
        yield _SIDE, side.result()
        yield from later.items()


def _fetch_in_snapshot(exported: str, name: str, sql: str, params: list[Any]) -> pa.Table:
    """One snapshot table on this thread's own connection, in the snapshot ``exported`` by the caller's."""
    if not _SNAPSHOT_ID.fullmatch(exported):  # SET TRANSACTION SNAPSHOT takes a literal, not a parameter
        raise ValueError(f"unexpected snapshot id {exported!r}")
    try:
        with transaction.atomic(), _batch_session():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                cursor.execute(f"SET TRANSACTION SNAPSHOT '{exported}'")
            return fetch_arrow(sql, params, SNAPSHOT_SCHEMAS[name])
    finally:
        connection.close()


def _table_load(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table) -> int:
    """Write one snapshot table into DuckDB; returns its rows."""
    con.register(f"{name}_arrow", table)
    if name == "members":
        run(
            con,
            "CREATE OR REPLACE TABLE members AS SELECT * FROM members_arrow "
            "WHERE household_id IN (SELECT household_id FROM households)",
        )
        _overlaps_drop(con)
    elif name in ("incomes", "assets"):
        run(con, f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM {name}_arrow x WHERE {_MEMBER_OF}")
    else:
        run(con, f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM {name}_arrow")
    con.unregister(f"{name}_arrow")
    rows: int = con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0]
    return rows


def _overlaps_drop(con: duckdb.DuckDBPyConnection) -> None:
    """A person counts once even if two of their memberships of a household overlap (the latest joined
    wins). Such overlaps are rare: the window that drops them runs only when there is one (at 1 M people
    the check is 0.15 CPU-seconds, the window over every member 0.35)."""
    key = "household_id, person_id"
    if con.execute(f"SELECT EXISTS (SELECT 1 FROM members GROUP BY {key} HAVING count(*) > 1)").fetchall()[0][
        0
    ]:
        run(
            con,
            f"DELETE FROM members WHERE rowid IN (SELECT rowid FROM members QUALIFY row_number() OVER "
            f"(PARTITION BY {key} ORDER BY joined_on DESC, membership_id DESC) > 1)",
        )


@contextmanager
def _batch_session() -> Iterator[None]:
    """``_BATCH_SETTINGS`` on PostgreSQL for the snapshot's queries, then the server's defaults again."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        for name, value in _BATCH_SETTINGS.items():
            cursor.execute(f"SET {name} = {value}")
    try:
        yield
    finally:
        import psycopg

        # In a failed transaction the SETs are rolled back with it (and no statement may run).
        if connection.connection.info.transaction_status != psycopg.pq.TransactionStatus.INERROR:
            with connection.cursor() as cursor:
                for name in _BATCH_SETTINGS:
                    cursor.execute(f"RESET {name}")


def fetch_arrow(sql: str, params: list[Any], schema: pa.Schema) -> pa.Table:
    if connection.vendor == "postgresql":
        return _copy_arrow(sql, params, schema)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in schema]
    return pa.table(
        [_arrow_column(values, f.type) for values, f in zip(columns, schema, strict=True)], schema=schema
    )


def _arrow_column(values: Sequence[Any], kind: pa.DataType) -> pa.Array:
    """SQLite returns dates as text and decimals as numbers: convert to the schema's type."""
    if pa.types.is_date32(kind):
        values = [dt.date.fromisoformat(v) if isinstance(v, str) else v for v in values]
    elif pa.types.is_decimal(kind):
        values = [None if v is None else Decimal(str(v)).quantize(CENT) for v in values]
    elif pa.types.is_boolean(kind):
        values = [None if v is None else bool(v) for v in values]
    return pa.array(values, type=kind)


def _copy_arrow(sql: str, params: list[Any], schema: pa.Schema) -> pa.Table:
    import psycopg

    connection.ensure_connection()
    raw = connection.connection
    query = psycopg.ClientCursor(raw).mogrify(sql, params)  # COPY takes no bound parameters
    buffer = copy_out(raw, f"COPY ({query}) TO STDOUT (FORMAT CSV)")
    if buffer.getbuffer().nbytes == 0:
        return schema.empty_table()
    return csv_table(buffer, schema)
