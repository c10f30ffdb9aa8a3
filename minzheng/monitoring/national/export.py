"""The monitoring snapshot of the database written as partitioned Parquet (issue 22 §1; ADR 0037).

Set-based and through the engine's own path: ``engine.snapshot_build`` copies the registry, the income
assessment, enrolments, the monitored population and every department record up to the day from the
database into DuckDB (PostgreSQL ``COPY … TO STDOUT`` streamed into Arrow; the embedded SQLite read the
same way as the engine reads it), and DuckDB writes each prefecture's and month's rows with ``COPY … TO`` Parquet.
Because the tables *are* the engine's, a rule over the Parquet snapshot selects what it selects in the
daily run (``tests/test_national.py`` compares them).

Identifiers: the rows carry the database's record ids and ``person_key`` — the first 60 bits of the
ID number's keyed blind index — never a name, an ID number or a phone number in clear.
Parameters: each key a published or built-in rule names is resolved for every place of the snapshot with
the policy app's own effective-dated resolution (``engine.ParamsCache``); a key that some place lacks is
listed as missing in the manifest (the rules naming it then report the same error as the daily run).
"""
# ruff: noqa: S608, E501 - SQL kept whole, from the fixed table contract and model table names; values are bound

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from minzheng.benefits.columnar import duck
from minzheng.monitoring import engine, rules
from minzheng.monitoring.models import WarningRule
from minzheng.monitoring.national import layout
from minzheng.policy.errors import ParameterMissing
from minzheng.registry.models import Person

_KEYS_SCHEMA = pa.schema([("person_id", pa.int64()), ("id_number_index", pa.string())])


def parameter_keys(as_of: dt.date) -> list[str]:
    """The keys the published rules (outside alert kinds excepted) and the built-in rules name."""
    conditions = [(r.condition, r.subject.value) for r in rules.BUILTIN_RULES]
    published = WarningRule.objects.filter(status=WarningRule.Status.PUBLISHED).exclude(
        condition__has_key="external"
    )
    conditions += [(r.condition, r.subject) for r in published]
    keys: set[str] = set()
    for condition, subject in conditions:
        try:
            compiled = rules.rule_compile_condition(
                condition, subject, as_of, known_params=engine.KNOWN_PARAMS
            )
        except rules.RuleProblem:
            continue  # a rule that does not compile reports it when it runs
        keys.update(compiled.params)
    return sorted(keys)


def _parameters_table(con: duckdb.DuckDBPyConnection, as_of: dt.date) -> tuple[pa.Table, dict[str, Any]]:
    cache = engine.ParamsCache(con, as_of)
    rows: dict[str, list[Any]] = {"division_code": [], "urban_rural": [], "key": [], "value": []}
    present, missing = [], {}
    for key in parameter_keys(as_of):
        try:
            values = cache.get(key)
        except ParameterMissing as error:
            missing[key] = error.message
            continue
        present.append(key)
        for (code, urban_rural), resolved in sorted(values.items()):
            rows["division_code"].append(code)
            rows["urban_rural"].append(urban_rural)
            rows["key"].append(key)
            rows["value"].append(Decimal(str(resolved.value)))
    table = pa.table(
        {
            "division_code": pa.array(rows["division_code"], pa.string()),
            "urban_rural": pa.array(rows["urban_rural"], pa.string()),
            "key": pa.array(rows["key"], pa.string()),
            "value": pa.array(rows["value"], pa.decimal128(38, 10)),
        }
    )
    return table, {"keys": present, "missing": missing}


def _person_keys_load(con: duckdb.DuckDBPyConnection) -> None:
    """``person_keys`` (person_id, person_key) of the snapshot's people: 15 hex digits of the blind index."""
    engine._load(  # the engine's streamed COPY (or SQLite read)
        con, "raw_keys", f"SELECT id, id_number_index FROM {Person._meta.db_table}", [], _KEYS_SCHEMA
    )
    con.execute(
        "CREATE OR REPLACE TABLE person_keys AS SELECT k.person_id, "
        "CAST('0x' || substr(k.id_number_index, 1, 15) AS BIGINT) AS person_key "
        "FROM raw_keys k SEMI JOIN monitor_persons p USING (person_id)"
    ).fetchall()
    con.execute("DROP TABLE raw_keys").fetchall()


def _prefecture_selects(prefecture: str) -> dict[str, str]:
    """Per table, the rows of one prefecture (the households' division code decides, for every table)."""
    households = (
        f"SELECT household_id FROM monitor_households WHERE substr(division_code, 1, 4) = '{prefecture}'"
    )
    return {
        "monitor_households": f"SELECT * FROM monitor_households WHERE household_id IN ({households})",
        "monitor_persons": (
            "SELECT p.*, k.person_key FROM monitor_persons p LEFT JOIN person_keys k USING (person_id) "
            f"WHERE p.household_id IN ({households})"
        ),
        "receipts": f"SELECT * FROM receipts WHERE household_id IN ({households})",
        "population": f"SELECT * FROM population WHERE household_id IN ({households})",
        "feed_records": f"SELECT * FROM feed_records WHERE household_id IN ({households})",
    }


def snapshot_export(
    root: Path, *, as_of: dt.date, division_prefix: str = "", settings: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Write the snapshot of the households under ``division_prefix`` on ``as_of`` to ``root`` (any older
    snapshot there is replaced; the manifest is written last) and return the manifest. ``settings``:
    DuckDB options for a large export (``memory_limit``, ``temp_directory``). Raises ``ParameterMissing``
    when the income assessment lacks a parameter for a place (as the daily run does)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / layout.MANIFEST).unlink(missing_ok=True)
    for old in root.rglob("*.parquet"):
        old.unlink()
    con = duck()
    for name, value in (settings or {}).items():
        con.execute(f"SET {name} = '{value}'").fetchall()
    counts = engine.snapshot_build(con, as_of=as_of, division_prefix=division_prefix, feeds=None)
    _person_keys_load(con)
    params, parameters = _parameters_table(con, as_of)
    con.register("params_arrow", params)
    entries = [
        layout.parquet_write(
            con,
            root,
            layout.partition_path("place_parameters"),
            f"SELECT {layout.select_list('place_parameters')} FROM params_arrow ORDER BY ALL",
        )
    ]
    prefectures = con.execute(
        "SELECT DISTINCT substr(division_code, 1, 4) FROM monitor_households ORDER BY 1"
    ).fetchall()
    for (prefecture,) in prefectures:
        for table, select in _prefecture_selects(prefecture).items():
            rows = f"SELECT {layout.select_list(table)} FROM ({select})"
            if table not in layout.BY_MONTH:
                entries.append(
                    layout.parquet_write(con, root, layout.partition_path(table, prefecture=prefecture), rows)
                )
                continue
            entries += layout.feed_files_write(con, root, prefecture, select, as_of)
    con.close()
    source = {"kind": "export", "division_prefix": division_prefix, "counts": counts}
    return layout.manifest_write(root, as_of=as_of, source=source, files=entries, parameters=parameters)
