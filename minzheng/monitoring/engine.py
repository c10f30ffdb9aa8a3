"""The columnar monitoring engine (issue 6 §3; ADR 0007, ADR 0019): registry, income results, feeds,
enrolments and the monitored population are copied from PostgreSQL into Arrow and DuckDB once per run;
every warning rule is one compiled SELECT over those tables.

Tables (all keyed by ``person_id`` / ``household_id``):

* ``monitor_persons`` — current members of the households in scope: division, urban/rural, ``is_head``,
  ``deceased`` (registry death date or a 公安 death record), and the household's income figures;
* ``monitor_households`` — the same households: ``income_monthly_per_capita`` (低保 per-capita income of the
  benefits engine's columnar run, ``benefits.columnar``), ``income_annual`` (× persons × 12),
  ``household_size``;
* ``feed_records`` — matched department records (feed, person, household, event date, amount, code);
* ``receipts`` — active enrolments (programme, household, person); ``population`` — current categories;
* ``place_params`` — per place the parameters a rule names (``p0``, ``p1``…), resolved in Python with the
  policy app's own effective-dated resolution.
"""
# ruff: noqa: S608, E501 - SQL statements are kept whole for reading; SQL from model table names and compiled rule text; values are bound parameters

from __future__ import annotations

import datetime as dt
import threading
from collections import Counter, deque
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing, contextmanager
from dataclasses import dataclass
from decimal import Decimal
from itertools import pairwise
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa
from django.conf import settings
from django.db import connection

from minzheng.benefits import columnar
from minzheng.benefits.columnar import fetch_arrow, run
from minzheng.common.pgcopy import copy_slices, csv_table
from minzheng.divisions.models import Division
from minzheng.divisions.rules import PREFIX_LENGTH, Level, level_of
from minzheng.enrolments.models import Enrolment, EnrolmentStatus
from minzheng.monitoring.models import Alert, FeedRecord, MonitoredPerson
from minzheng.monitoring.rules import OPEN_STATUSES, CompiledRule
from minzheng.policy.models import Parameter
from minzheng.policy.rules import PARAMETER_KEYS, ResolvedParameter
from minzheng.policy.selectors import parameter_values
from minzheng.registry.choices import RelationToHead
from minzheng.registry.models import AssetRecord, Household, IncomeRecord, Membership, Person

if TYPE_CHECKING:
    import psycopg

KNOWN_PARAMS = frozenset(PARAMETER_KEYS)

_FEEDS_SCHEMA = pa.schema(
    [
        ("feed", pa.string()),
        ("person_id", pa.int64()),
        ("event_date", pa.date32()),
        ("amount", pa.decimal128(14, 2)),
        ("code", pa.string()),
    ]
)
_RECEIPTS_SCHEMA = pa.schema(
    [("programme", pa.string()), ("household_id", pa.int64()), ("person_id", pa.int64())]
)
_POPULATION_SCHEMA = pa.schema(
    [("person_id", pa.int64()), ("household_id", pa.int64()), ("category", pa.string())]
)


STREAM_BYTES = 32 << 20  # CSV bytes of PostgreSQL rows parsed and appended to DuckDB at a time


@dataclass(frozen=True)
class Copy:
    """One table's rows for the snapshot: the rows of ``sql`` appended to the DuckDB table ``name``
    through ``select`` (``{batch}`` = the rows read). Several copies may fill one table (a heap cut into
    parts, ``SnapshotReaders.heap_parts``)."""

    name: str
    sql: str
    params: Sequence[Any]
    schema: pa.Schema
    select: str = "SELECT * FROM {batch}"


class SnapshotReaders:
    """Where a snapshot's tables are read from: ``connections`` (PostgreSQL, all inside one exported
    snapshot, ``snapshot_readers``), two or more each read by its own thread into its own DuckDB cursor,
    one on the calling thread; none: one table after the other on Django's connection (SQLite, or inside a
    transaction whose rows other connections cannot see)."""

    def __init__(self, connections: Sequence[psycopg.Connection[Any]] = ()) -> None:
        self.connections = list(connections)

    def load(self, con: duckdb.DuckDBPyConnection, copies: Sequence[Copy]) -> dict[str, int]:
        """Every copy appended to its table (created empty first); rows read per table. Concurrent readers
        take the copies in the order given (the largest first: the last one to finish is a small one)."""
        for copy in {copy.name: copy for copy in copies}.values():
            _create(con, copy)
        counts: Counter[str] = Counter()
        if len(self.connections) < 2:  # one after the other, on this thread
            raw = self.connections[0] if self.connections else None
            for copy in copies:
                counts[copy.name] += _stream(con, raw, copy) if raw else _load_django(con, copy)
            return dict(counts)
        pending, failed = deque(copies), threading.Event()

        def reader(raw: psycopg.Connection[Any]) -> Counter[str]:
            done: Counter[str] = Counter()
            with closing(con.cursor()) as cursor:  # a DuckDB connection of its own, the same database
                while pending and not failed.is_set():
                    try:
                        copy = pending.popleft()
                    except IndexError:  # the other reader took the last one
                        break
                    try:
                        done[copy.name] += _stream(cursor, raw, copy)
                    except BaseException:
                        failed.set()  # the other reader stops after its current copy
                        raise
            return done

        with ThreadPoolExecutor(len(self.connections), thread_name_prefix="snapshot") as pool:
            for future in [pool.submit(reader, raw) for raw in self.connections]:
                counts.update(future.result())
        return dict(counts)

    def heap_parts(self, table: str) -> list[str]:
        """Conditions (`` AND ctid …``) cutting ``table``'s heap into one range of pages per reader, each
        read by a TID range scan: one large table is read by all the readers, not by one of them while the
        others idle. The last range is open-ended (rows on pages added since the size was read are in it;
        the snapshot decides which rows are seen, not the size). One reader: [""] (the whole table)."""
        if len(self.connections) < 2:
            return [""]
        pages = int(
            self.connections[0]
            .execute("SELECT pg_relation_size(%s::regclass) / current_setting('block_size')::bigint", [table])
            .fetchall()[0][0]
        )
        cuts = [pages * n // len(self.connections) for n in range(1, len(self.connections))]
        if not cuts[0]:
            return [""]
        bounds = [None, *cuts, None]
        return [
            "".join(
                (f" AND ctid >= '({low},0)'::tid" if low is not None else "")
                + (f" AND ctid < '({high},0)'::tid" if high is not None else "")
            )
            for low, high in pairwise(bounds)
        ]


@contextmanager
def snapshot_readers() -> Iterator[SnapshotReaders]:
    """``settings.MONITORING_SNAPSHOT_READERS`` new PostgreSQL connections that see one and the same state
    of the database, for as long as the context lasts. Each ``COPY`` in autocommit would take its own
    snapshot: a feed import or a registry edit committed between two tables' reads would give members of
    one moment and feed records or incomes of another. The first connection opens a REPEATABLE READ
    transaction and exports its snapshot (``pg_export_snapshot``); the others adopt it (``SET TRANSACTION
    SNAPSHOT``, valid only while the exporting transaction is open, which it is until the context ends),
    so every table of the snapshot is read as of one instant whichever connection reads it (one
    connection: its REPEATABLE READ transaction alone). Read only: nothing to commit, closing ends the
    transactions. Django's connection instead (no readers) on SQLite and inside a transaction, whose
    uncommitted rows no other connection sees."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield SnapshotReaders()
        return
    import psycopg
    from psycopg import sql

    readers: list[psycopg.Connection[Any]] = []
    try:
        for _ in range(max(1, settings.MONITORING_SNAPSHOT_READERS)):
            readers.append(psycopg.connect(**connection.get_connection_params(), autocommit=True))
        first, *others = readers
        first.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        exported = first.execute("SELECT pg_export_snapshot()").fetchall()[0][0]
        for raw in others:
            raw.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            raw.execute(sql.SQL("SET TRANSACTION SNAPSHOT {}").format(sql.Literal(exported)))  # no bind here
        yield SnapshotReaders(readers)
    finally:
        for raw in readers:
            raw.close()


def _create(con: duckdb.DuckDBPyConnection, copy: Copy) -> None:
    """The empty DuckDB table of ``copy`` (the columns its ``select`` gives)."""
    con.register("empty_arrow", copy.schema.empty_table())
    run(con, f"CREATE OR REPLACE TABLE {copy.name} AS {copy.select.format(batch='empty_arrow')}")
    con.unregister("empty_arrow")


def _load_django(con: duckdb.DuckDBPyConnection, copy: Copy) -> int:
    """``copy`` read on Django's connection (``fetch_arrow`` on SQLite); returns the rows read."""
    if connection.vendor != "postgresql":
        return _append(con, copy.name, copy.select, fetch_arrow(copy.sql, list(copy.params), copy.schema))
    connection.ensure_connection()
    return _stream(con, connection.connection, copy)


def _stream(con: duckdb.DuckDBPyConnection, raw: psycopg.Connection[Any], copy: Copy) -> int:
    """The rows of ``copy`` appended to its table, streamed: ``COPY … TO STDOUT`` is cut into slices of
    ``STREAM_BYTES``, each parsed by Arrow and appended, so the whole CSV and the whole Arrow table are
    never held at once (peak memory of a run is DuckDB's tables plus one slice per reader). Returns the
    rows read."""
    import psycopg

    query = psycopg.ClientCursor(raw).mogrify(copy.sql, list(copy.params))  # COPY takes no bound parameters
    rows = 0
    with closing(copy_slices(raw, f"COPY ({query}) TO STDOUT (FORMAT CSV)", STREAM_BYTES)) as slices:
        for piece in slices:  # DuckDB only while the slices run: the connection stays locked
            rows += _append(con, copy.name, copy.select, csv_table(piece, copy.schema))
    return rows


def _load(
    con: duckdb.DuckDBPyConnection,
    name: str,
    sql: str,
    params: list[Any],
    schema: pa.Schema,
    select: str = "SELECT * FROM {batch}",
) -> int:
    """The rows of ``sql`` into the new DuckDB table ``name`` through ``select``, on Django's connection
    (``Copy``); returns the rows read."""
    return SnapshotReaders().load(con, [Copy(name, sql, params, schema, select)])[name]


def _append(con: duckdb.DuckDBPyConnection, name: str, select: str, table: pa.Table) -> int:
    con.register("batch_arrow", table)
    run(con, f"INSERT INTO {name} {select.format(batch='batch_arrow')}")
    con.unregister("batch_arrow")
    return table.num_rows


_RAW_SCHEMAS = {
    "raw_households": pa.schema(
        [("household_id", pa.int64()), ("division_code", pa.string()), ("urban_rural", pa.string())]
    ),
    "raw_memberships": pa.schema(
        [
            ("membership_id", pa.int64()),
            ("household_id", pa.int64()),
            ("person_id", pa.int64()),
            ("relation", pa.string()),
            ("joined_on", pa.date32()),
        ]
    ),
    "raw_persons": pa.schema(
        [
            ("person_id", pa.int64()),
            ("birth_date", pa.date32()),
            ("disability_category", pa.string()),
            ("disability_grade", pa.int16()),
            ("self_care", pa.string()),
            ("serious_illness", pa.bool_()),
            ("death_date", pa.date32()),
        ]
    ),
    "incomes": columnar.SNAPSHOT_SCHEMAS["incomes"],
    "assets": columnar.SNAPSHOT_SCHEMAS["assets"],
}


def registry_load(
    con: duckdb.DuckDBPyConnection,
    *,
    as_of: dt.date,
    division_prefix: str,
    assets: bool = True,
    readers: SnapshotReaders | None = None,
) -> dict[str, int]:
    """The tables ``households``, ``members``, ``incomes`` and ``assets`` exactly as
    ``benefits.columnar.snapshot_load`` builds them (its contract; compared row by row in
    ``tests/test_engine.py``), but read as plain scans — one ``COPY`` per table, no correlated
    sub-queries — and joined in DuckDB: at 2.6 million people the "income of a current member" test as
    an index probe per income row costs more than the whole DuckDB join. ``assets=False`` leaves
    ``assets`` out (the income-only assessment of a monitoring run does not read it)."""
    h, d = Household._meta.db_table, Division._meta.db_table
    m, p = Membership._meta.db_table, Person._meta.db_table
    i, a = IncomeRecord._meta.db_table, AssetRecord._meta.db_table
    scoped = f"SELECT h.id FROM {h} h JOIN {d} d ON d.id = h.hukou_division_id WHERE d.code LIKE %s"
    everything = not division_prefix
    within = "" if everything else f" WHERE x.household_id IN ({scoped})"
    and_within = "" if everything else f" AND x.household_id IN ({scoped})"
    like = [] if everything else [f"{division_prefix}%"]
    active = "x.joined_on <= %s AND (x.left_on IS NULL OR x.left_on > %s)"
    # the largest first: concurrent readers take them in this order (at 2.6 M people ≈ 200 MB of CSV for the
    # incomes, 130 and 120 MB for memberships and persons, 30 MB for the households: two halves of ≈ 240 MB)
    queries: dict[str, tuple[str, list[Any]]] = {
        "incomes": (
            f"SELECT x.household_id, x.person_id, x.category, x.amount, x.period_start, x.period_end FROM {i} x"
            f"{within}",
            like,
        ),
        "raw_memberships": (
            f"SELECT x.id, x.household_id, x.person_id, x.relation_to_head, x.joined_on FROM {m} x "
            f"WHERE {active}{and_within}",
            [as_of, as_of, *like],
        ),
        "raw_persons": (
            f"SELECT p.id, p.birth_date, p.disability_category, p.disability_grade, p.self_care, "
            f"p.serious_illness, p.death_date FROM {p} p"
            + ("" if everything else f" WHERE p.id IN (SELECT x.person_id FROM {m} x WHERE {active}"
               f"{and_within})"),
            [] if everything else [as_of, as_of, *like],
        ),
        "raw_households": (
            f"SELECT h.id, d.code, h.urban_rural FROM {h} h JOIN {d} d ON d.id = h.hukou_division_id "
            f"WHERE d.code LIKE %s",
            [f"{division_prefix}%"],
        ),
        "assets": (f"SELECT x.household_id, x.person_id, x.category, x.value, x.exempt FROM {a} x{within}", like),
    }  # fmt: skip
    if not assets:
        del queries["assets"]
    (readers or SnapshotReaders()).load(
        con, [Copy(name, sql, params, _RAW_SCHEMAS[name]) for name, (sql, params) in queries.items()]
    )
    run(con, "CREATE OR REPLACE TABLE households AS SELECT * FROM raw_households")
    run(
        con,
        "CREATE OR REPLACE TABLE members AS SELECT m.household_id, m.person_id, p.birth_date, m.relation, "
        "p.disability_category, p.disability_grade, p.self_care, p.serious_illness, p.death_date, m.joined_on, "
        "m.membership_id FROM raw_memberships m JOIN raw_persons p USING (person_id) "
        "JOIN households h USING (household_id) "
        "QUALIFY row_number() OVER (PARTITION BY m.household_id, m.person_id "
        "ORDER BY m.joined_on DESC, m.membership_id DESC) = 1",
    )
    for name in ("incomes", "assets")[: 2 if assets else 1]:  # of the household, or of a current member
        run(
            con,
            f"CREATE OR REPLACE TABLE {name} AS SELECT x.* FROM {name} x JOIN households h USING (household_id) "
            f"WHERE x.person_id IS NULL OR EXISTS (SELECT 1 FROM raw_memberships m "
            f"WHERE m.household_id = x.household_id AND m.person_id = x.person_id)",
        )
    for name in ("raw_households", "raw_memberships", "raw_persons"):
        run(con, f"DROP TABLE {name}")
    return {
        name: con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0]
        for name in ("households", "members", "incomes", "assets")[: 4 if assets else 3]
    }


def snapshot_build(
    con: duckdb.DuckDBPyConnection,
    *,
    as_of: dt.date,
    division_prefix: str,
    feeds: dict[str, dt.date | None] | None = None,
    open_alerts: bool = False,
) -> dict[str, int]:
    """Load everything the rules read for the households under ``division_prefix`` on ``as_of``: the
    registry, the income assessment, and the matched department records ``feeds`` names (feed → records
    after that day, ``None`` all; ``rules.feeds_read``), or every record when ``feeds`` is None; with
    ``open_alerts``, the table ``open_alerts`` too (``runs.rule_evaluate(…, open_known=True)``), read with
    the rest. Raises ``ParameterMissing`` when the income assessment lacks a parameter for a place."""
    with snapshot_readers() as readers:  # every table as of one instant
        counts = registry_load(
            con, as_of=as_of, division_prefix=division_prefix, assets=False, readers=readers
        )
        # only what monitor_households reads (error, persons, 低保 per-capita income): the full assessment's
        # margin, asset, 分类施保 and 高龄 parts were most of the snapshot's time at 2.6 M people
        columnar.results_compute(con, columnar.stored_params(), as_of, income_only=True)
        run(con, "DROP TABLE incomes")  # read only by the assessment: its memory is free for the feeds
        copies = _activity_copies(readers, as_of, feeds)
        counts |= readers.load(con, [*copies, _open_alerts_copy()] if open_alerts else copies)
    run(
        con,
        "CREATE OR REPLACE TABLE monitor_households AS SELECT h.household_id, h.division_code, h.urban_rural, "
        "CASE WHEN r.error IS NULL THEN CAST(CAST(r.dibao_pci_fen AS DECIMAL(38,10)) * 0.01 AS DECIMAL(38,10)) "
        "END AS income_monthly_per_capita, "
        "CASE WHEN r.error IS NULL THEN CAST(CAST(r.dibao_pci_fen AS DECIMAL(38,10)) * 0.12 * r.persons "
        "AS DECIMAL(38,10)) END AS income_annual, r.persons AS household_size "
        "FROM households h LEFT JOIN results r USING (household_id)",
    )
    run(
        con,
        "CREATE OR REPLACE TABLE monitor_persons AS SELECT m.person_id, mh.*, m.relation = $head AS is_head, "
        "(m.death_date IS NOT NULL AND m.death_date <= $as_of) OR d.person_id IS NOT NULL AS deceased "
        "FROM members m JOIN monitor_households mh USING (household_id) "
        "LEFT JOIN (SELECT DISTINCT person_id FROM feed_records WHERE feed = 'death') d USING (person_id)",
        {"as_of": as_of, "head": RelationToHead.HEAD.value},
    )
    counts["persons"] = con.execute("SELECT count(*) FROM monitor_persons").fetchall()[0][0]
    for name in ("results", "members", "households"):  # the rules read only the monitor_* tables
        run(con, f"DROP TABLE {name}")
    return counts


def _activity_copies(
    readers: SnapshotReaders, as_of: dt.date, feeds: dict[str, dt.date | None] | None
) -> list[Copy]:
    """``feed_records`` (the matched records of ``feeds``, with the member's household: records of persons
    outside the snapshot's households are dropped by the join; the table read in one part per reader, it is
    most of the rows), ``receipts`` and ``population``."""
    which, params = "", list[Any]([as_of])
    if feeds is not None:
        parts = []
        for feed, start in sorted(feeds.items()):
            parts.append("(feed = %s)" if start is None else "(feed = %s AND event_date > %s)")
            params += [feed] if start is None else [feed, start]
        which = f" AND ({' OR '.join(parts) or 'FALSE'})"
    records = FeedRecord._meta.db_table
    return [
        *(
            Copy(
                "feed_records",
                f"SELECT feed, person_id, event_date, amount, code FROM {records} "
                f"WHERE person_id IS NOT NULL AND event_date <= %s{which}{part}",
                params,
                _FEEDS_SCHEMA,
                select="SELECT f.*, m.household_id FROM {batch} f JOIN members m USING (person_id)",
            )
            for part in readers.heap_parts(records)
        ),
        Copy(
            "receipts",
            f"SELECT programme, household_id, person_id FROM {Enrolment._meta.db_table} WHERE status = %s",
            [EnrolmentStatus.ACTIVE.value],
            _RECEIPTS_SCHEMA,
        ),
        Copy(
            "population",
            f"SELECT person_id, household_id, category FROM {MonitoredPerson._meta.db_table} "
            f"WHERE valid_from <= %s AND (valid_to IS NULL OR valid_to > %s)",
            [as_of, as_of],
            _POPULATION_SCHEMA,
        ),
    ]


_OPEN_SCHEMA = pa.schema([("rule_code", pa.string()), ("subject_key", pa.string())])


def _open_alerts_copy() -> Copy:
    """``open_alerts`` (rule code, subject): the subjects each rule already has an open alert for, so a
    run writes only the new ones (the unique index still guards a concurrent run)."""
    statuses = [s.value for s in OPEN_STATUSES]
    return Copy(
        "open_alerts",
        f"SELECT rule_code, subject_key FROM {Alert._meta.db_table} "
        f"WHERE status IN ({', '.join('%s' for _ in statuses)})",
        statuses,
        _OPEN_SCHEMA,
    )


class ParamsCache:
    """Per run: each parameter key resolved once for every place of the snapshot.

    Places resolve alike when they share the code prefix down to the deepest level at which the key
    has any version (usually the region or a league: a few dozen groups instead of 15,000 villages), so
    each key is resolved once per such prefix and urban/rural type with the policy app's own resolution
    (``parameter_values``), then spread to the places."""

    def __init__(self, con: duckdb.DuckDBPyConnection, as_of: dt.date) -> None:
        self.as_of = as_of
        self.places: list[tuple[str, str]] = [
            (code, urban_rural)
            for code, urban_rural in con.execute(
                "SELECT DISTINCT division_code, urban_rural FROM monitor_households ORDER BY 1, 2"
            ).fetchall()
        ]
        self.values: dict[str, dict[tuple[str, str], ResolvedParameter]] = {}
        self.columns: dict[str, pa.Array] = {}

    def get(self, key: str) -> dict[tuple[str, str], ResolvedParameter]:
        if key not in self.values:
            self.values[key] = self._resolve(key) if self.places else {}
        return self.values[key]

    def _resolve(self, key: str) -> dict[tuple[str, str], ResolvedParameter]:
        codes = (
            Parameter.objects.current()
            .in_force_on(self.as_of)
            .filter(key=key)
            .values_list("division__code", flat=True)
            .distinct()
        )
        depth = max((PREFIX_LENGTH[level_of(code)] for code in codes), default=PREFIX_LENGTH[Level.VILLAGE])

        def group(place: tuple[str, str]) -> tuple[str, str]:
            return place[0][:depth].ljust(12, "0"), place[1]

        by_group = parameter_values(key, self.as_of, {group(place) for place in self.places})
        return {place: by_group[group(place)] for place in self.places}

    def column(self, key: str) -> pa.Array:
        """The key's values in the order of ``places``, as an Arrow decimal column (built once)."""
        if key not in self.columns:
            by_place = self.get(key)
            self.columns[key] = pa.array(
                [Decimal(str(by_place[p].value)) for p in self.places], pa.decimal128(38, 10)
            )
        return self.columns[key]


def place_params_load(
    con: duckdb.DuckDBPyConnection, keys: Sequence[str], cache: ParamsCache
) -> list[dict[str, str]]:
    """Write ``place_params`` (division_code, urban_rural, p0…) for ``keys``; returns the parameter versions
    used (for the evidence of the run). Raises ``ParameterMissing`` naming the place."""
    columns: dict[str, pa.Array] = {
        "division_code": pa.array([p[0] for p in cache.places], pa.string()),
        "urban_rural": pa.array([p[1] for p in cache.places], pa.string()),
    }
    for n, key in enumerate(keys):
        columns[f"p{n}"] = cache.column(key)
    table = pa.table(columns)
    con.register("place_params_arrow", table)
    run(con, "CREATE OR REPLACE TABLE place_params AS SELECT * FROM place_params_arrow")
    con.unregister("place_params_arrow")
    used = {}
    for key in keys:
        for row in cache.get(key).values():
            used[(key, row.parameter_id)] = {
                "key": key,
                "parameter_id": str(row.parameter_id),
                "version": str(row.version),
                "value": str(row.value),
            }
    return list(used.values())


def rule_hits(con: duckdb.DuckDBPyConnection, compiled: CompiledRule) -> pa.Table:
    """The rows a compiled rule selects: household_id, person_id, division_code, e0…"""
    return con.sql(compiled.sql).to_arrow_table()
