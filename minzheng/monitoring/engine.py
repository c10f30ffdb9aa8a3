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
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import duckdb
import pyarrow as pa

from minzheng.benefits import columnar
from minzheng.benefits.columnar import fetch_arrow, run
from minzheng.enrolments.models import Enrolment, EnrolmentStatus
from minzheng.monitoring.models import FeedRecord, MonitoredPerson
from minzheng.monitoring.rules import CompiledRule
from minzheng.policy.rules import PARAMETER_KEYS, ResolvedParameter
from minzheng.policy.selectors import parameter_values

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


def _load(con: duckdb.DuckDBPyConnection, name: str, sql: str, params: list[Any], schema: pa.Schema) -> int:
    table = fetch_arrow(sql, params, schema)
    con.register(f"{name}_arrow", table)
    run(con, f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM {name}_arrow")
    con.unregister(f"{name}_arrow")
    return table.num_rows


def snapshot_build(con: duckdb.DuckDBPyConnection, *, as_of: dt.date, division_prefix: str) -> dict[str, int]:
    """Load everything the rules read for the households under ``division_prefix`` on ``as_of``.
    Raises ``ParameterMissing`` when the income assessment lacks a parameter for a place."""
    counts = columnar.snapshot_load(con, as_of=as_of, division_prefix=division_prefix)
    columnar.results_compute(con, columnar.stored_params(), as_of)
    feeds = FeedRecord._meta.db_table
    counts["feed_records"] = _load(
        con,
        "feed_raw",
        f"SELECT feed, person_id, event_date, amount, code FROM {feeds} WHERE person_id IS NOT NULL "
        f"AND event_date <= %s",
        [as_of],
        _FEEDS_SCHEMA,
    )
    run(
        con,
        "CREATE OR REPLACE TABLE feed_records AS SELECT f.*, m.household_id FROM feed_raw f "
        "JOIN members m USING (person_id)",
    )
    enrolments = Enrolment._meta.db_table
    counts["receipts"] = _load(
        con,
        "receipts",
        f"SELECT programme, household_id, person_id FROM {enrolments} WHERE status = %s",
        [EnrolmentStatus.ACTIVE.value],
        _RECEIPTS_SCHEMA,
    )
    population = MonitoredPerson._meta.db_table
    counts["population"] = _load(
        con,
        "population",
        f"SELECT person_id, household_id, category FROM {population} "
        f"WHERE valid_from <= %s AND (valid_to IS NULL OR valid_to > %s)",
        [as_of, as_of],
        _POPULATION_SCHEMA,
    )
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
        "CREATE OR REPLACE TABLE monitor_persons AS SELECT m.person_id, mh.*, m.relation = 'head' AS is_head, "
        "(m.death_date IS NOT NULL AND m.death_date <= $as_of) OR d.person_id IS NOT NULL AS deceased "
        "FROM members m JOIN monitor_households mh USING (household_id) "
        "LEFT JOIN (SELECT DISTINCT person_id FROM feed_records WHERE feed = 'death') d USING (person_id)",
        {"as_of": as_of},
    )
    counts["persons"] = con.execute("SELECT count(*) FROM monitor_persons").fetchall()[0][0]
    return counts


class ParamsCache:
    """Per run: each parameter key resolved once for every place of the snapshot."""

    def __init__(self, con: duckdb.DuckDBPyConnection, as_of: dt.date) -> None:
        self.as_of = as_of
        self.places: list[tuple[str, str]] = [
            (code, urban_rural)
            for code, urban_rural in con.execute(
                "SELECT DISTINCT division_code, urban_rural FROM monitor_households ORDER BY 1, 2"
            ).fetchall()
        ]
        self.values: dict[str, dict[tuple[str, str], ResolvedParameter]] = {}

    def get(self, key: str) -> dict[tuple[str, str], ResolvedParameter]:
        if key not in self.values:
            self.values[key] = parameter_values(key, self.as_of, self.places) if self.places else {}
        return self.values[key]


def place_params_load(
    con: duckdb.DuckDBPyConnection, keys: Sequence[str], cache: ParamsCache
) -> list[dict[str, str]]:
    """Write ``place_params`` (division_code, urban_rural, p0…) for ``keys``; returns the parameter versions
    used (for the evidence of the run). Raises ``ParameterMissing`` naming the place."""
    resolved = [cache.get(key) for key in keys]
    columns: dict[str, pa.Array] = {
        "division_code": pa.array([p[0] for p in cache.places], pa.string()),
        "urban_rural": pa.array([p[1] for p in cache.places], pa.string()),
    }
    for n, by_place in enumerate(resolved):
        values = [Decimal(str(by_place[p].value)) for p in cache.places]
        columns[f"p{n}"] = pa.array(values, pa.decimal128(38, 10))
    table = pa.table(columns)
    con.register("place_params_arrow", table)
    run(con, "CREATE OR REPLACE TABLE place_params AS SELECT * FROM place_params_arrow")
    con.unregister("place_params_arrow")
    used = {}
    for key, by_place in zip(keys, resolved, strict=True):
        for row in by_place.values():
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
