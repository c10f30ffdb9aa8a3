"""The Parquet layout of a national monitoring snapshot (issue 22; ADR 0037) and its manifest.

A snapshot is a directory::

    manifest.json
    monitor_households/prefecture=1501/part-0.parquet
    monitor_persons/prefecture=1501/part-0.parquet
    feed_records/prefecture=1501/month=2026-03/part-0.parquet   (… the 12 months before the day, and month=earlier)
    receipts/prefecture=1501/part-0.parquet
    population/prefecture=1501/part-0.parquet
    place_parameters/part-0.parquet

The tables are the ones the monitoring engine builds in DuckDB (``engine.snapshot_build``) with the same
columns, so the SQL the rule compiler writes runs over them unchanged; the one difference is
``place_parameters``, the long form (place, key, value) of the engine's per-rule ``place_params``
(``place_params_sql`` pivots it for a rule's keys). ``monitor_persons`` carries ``person_key``: the first
60 bits of the ID number's keyed blind index (``crypto.blind_index``) as an integer, so that one person
registered in two provinces can be joined without any clear identifier.

The manifest names the schema version, the day of the snapshot, how it was made, and for every file its
rows, bytes and SHA-256; ``dataset_verify`` refuses a snapshot whose files differ from it. No ORM here.
"""
# ruff: noqa: S608, E501 - SQL kept whole, from the fixed table contract below and validated parameter keys

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

SCHEMA_VERSION: Final = 1
MANIFEST: Final = "manifest.json"
KIND: Final = "minzheng.monitoring-snapshot"
EARLIER: Final = "earlier"  # the month partition of feed records older than the year before the day
WINDOW_MONTHS: Final = 12
NUMBER: Final = "DECIMAL(38,10)"

# table → (column, DuckDB type); the engine's tables (engine.snapshot_build), in its column order.
_HOUSEHOLD_COLUMNS: Final = (
    ("household_id", "BIGINT"),
    ("division_code", "VARCHAR"),
    ("urban_rural", "VARCHAR"),
    ("income_monthly_per_capita", NUMBER),
    ("income_annual", NUMBER),
    ("household_size", "BIGINT"),
)
TABLES: Final[dict[str, tuple[tuple[str, str], ...]]] = {
    "monitor_households": _HOUSEHOLD_COLUMNS,
    "monitor_persons": (
        ("person_id", "BIGINT"),
        *_HOUSEHOLD_COLUMNS,
        ("is_head", "BOOLEAN"),
        ("deceased", "BOOLEAN"),
        ("person_key", "BIGINT"),
    ),
    "feed_records": (
        ("feed", "VARCHAR"),
        ("person_id", "BIGINT"),
        ("event_date", "DATE"),
        ("amount", "DECIMAL(14,2)"),
        ("code", "VARCHAR"),
        ("household_id", "BIGINT"),
    ),
    "receipts": (("programme", "VARCHAR"), ("household_id", "BIGINT"), ("person_id", "BIGINT")),
    "population": (("person_id", "BIGINT"), ("household_id", "BIGINT"), ("category", "VARCHAR")),
    "place_parameters": (
        ("division_code", "VARCHAR"),
        ("urban_rural", "VARCHAR"),
        ("key", "VARCHAR"),
        ("value", NUMBER),
    ),
}
# Partitioned by the league/prefecture (the first 4 digits of the division code) and, for feed records, month.
BY_PREFECTURE: Final = frozenset(TABLES) - {"place_parameters"}
BY_MONTH: Final = frozenset({"feed_records"})


class ManifestError(Exception):
    """A snapshot that does not match its manifest (missing, changed or extra file, other schema)."""


@dataclass(frozen=True)
class FileEntry:
    path: str  # relative to the snapshot's directory, "/"-separated
    rows: int
    bytes: int
    sha256: str


def select_list(table: str, alias: str = "") -> str:
    """The contract's columns of ``table``, each cast to its type (``CAST(x.col AS T) AS col``)."""
    prefix = f"{alias}." if alias else ""
    return ", ".join(f"CAST({prefix}{name} AS {kind}) AS {name}" for name, kind in TABLES[table])


def month_key(event_month: dt.date, as_of: dt.date) -> str:
    """The month partition of a record of ``event_month``: ``YYYY-MM`` within the year before ``as_of``,
    ``earlier`` before it (a partition per month of twenty years of property records would be thousands
    of small files per prefecture, and a rule window rarely reaches them)."""
    first = month_start(as_of, WINDOW_MONTHS - 1)
    return event_month.strftime("%Y-%m") if event_month >= first else EARLIER


def month_start(as_of: dt.date, back: int) -> dt.date:
    """The first day of the month ``back`` months before the month of ``as_of``."""
    index = as_of.year * 12 + as_of.month - 1 - back
    return dt.date(index // 12, index % 12 + 1, 1)


def month_sql(column: str, as_of: dt.date) -> str:
    """SQL of ``month_key`` over a DATE column."""
    first = month_start(as_of, WINDOW_MONTHS - 1).isoformat()
    return f"CASE WHEN {column} >= DATE '{first}' THEN strftime({column}, '%Y-%m') ELSE '{EARLIER}' END"


def partition_path(table: str, prefecture: str = "", month: str = "") -> str:
    parts = [table]
    if table in BY_PREFECTURE:
        parts.append(f"prefecture={prefecture}")
    if table in BY_MONTH:
        parts.append(f"month={month}")
    return "/".join([*parts, "part-0.parquet"])


def parquet_write(con: duckdb.DuckDBPyConnection, root: Path, relative: str, select: str) -> FileEntry:
    """Write the rows of ``select`` to ``root/relative`` (ZSTD; strings dictionary-encoded by the
    writer) and describe the file for the manifest."""
    target = root / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    quoted = str(target).replace("'", "''")
    con.execute(
        f"COPY ({select}) TO '{quoted}' (FORMAT PARQUET, COMPRESSION ZSTD, ROW_GROUP_SIZE 122880)"
    ).fetchall()
    return file_entry(root, relative)


_ARROW_TYPES: Final = {
    "BIGINT": pa.int64(),
    "VARCHAR": pa.string(),
    "DATE": pa.date32(),
    "DECIMAL(14,2)": pa.decimal128(14, 2),
}
FEED_SCHEMA: Final = pa.schema([(name, _ARROW_TYPES[kind]) for name, kind in TABLES["feed_records"]])


def feed_files_write(
    con: duckdb.DuckDBPyConnection, root: Path, prefecture: str, rows: str, as_of: dt.date
) -> list[FileEntry]:
    """Write a prefecture's feed records (``rows``: a SELECT of the contract's columns) as one file per
    month partition, each file one row group per feed, so a rule's aggregate over one feed skips the
    other feeds' row groups by their statistics instead of decoding them (ADR 0037)."""
    month = month_sql("event_date", as_of)
    counts = con.sql(
        f"SELECT {month} AS m, feed, count(*) FROM ({rows}) GROUP BY ALL ORDER BY m, feed"
    ).fetchall()
    if not counts:
        return []
    table = (
        con.sql(
            f"SELECT {select_list('feed_records')} FROM ({rows}) "
            f"ORDER BY {month}, feed, person_id, event_date, amount, code"
        )
        .to_arrow_table()
        .cast(FEED_SCHEMA)
    )
    entries, offset = [], 0
    for key in sorted({m for m, _feed, _n in counts}):
        relative = partition_path("feed_records", prefecture=prefecture, month=key)
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        with pq.ParquetWriter(target, FEED_SCHEMA, compression="zstd") as writer:
            for _m, _feed, n in (c for c in counts if c[0] == key):
                writer.write_table(table.slice(offset, n), row_group_size=max(n, 1))
                offset += n
        entries.append(file_entry(root, relative))
    return entries


def file_entry(root: Path, relative: str) -> FileEntry:
    path = root / relative
    return FileEntry(relative, pq.read_metadata(path).num_rows, path.stat().st_size, sha256_of(path))


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while block := stream.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def manifest_write(
    root: Path,
    *,
    as_of: dt.date,
    source: dict[str, Any],
    files: Iterable[FileEntry],
    parameters: dict[str, Any],
) -> dict[str, Any]:
    """Write ``manifest.json`` (last: a snapshot without one is unfinished). ``parameters``: ``keys``
    present in ``place_parameters`` and ``missing`` (key → why it could not be resolved)."""
    tables: dict[str, dict[str, Any]] = {
        name: {"columns": [list(c) for c in columns], "rows": 0, "files": []}
        for name, columns in TABLES.items()
    }
    for entry in sorted(files, key=lambda e: e.path):
        table = tables[entry.path.split("/", 1)[0]]
        table["rows"] += entry.rows
        table["files"].append(
            {"path": entry.path, "rows": entry.rows, "bytes": entry.bytes, "sha256": entry.sha256}
        )
    manifest = {
        "kind": KIND,
        "schema_version": SCHEMA_VERSION,
        "as_of": as_of.isoformat(),
        "source": source,
        "parameters": parameters,
        "tables": tables,
    }
    (root / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return manifest


def manifest_read(root: Path) -> dict[str, Any]:
    try:
        manifest: dict[str, Any] = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ManifestError(f"{root}：没有 {MANIFEST}（快照不完整）") from None
    if manifest.get("kind") != KIND or manifest.get("schema_version") != SCHEMA_VERSION:
        raise ManifestError(
            f"{root}：快照格式 {manifest.get('kind')} 版本 {manifest.get('schema_version')}，"
            f"本程序读取 {KIND} 版本 {SCHEMA_VERSION}"
        )
    for name, columns in TABLES.items():
        if [tuple(c) for c in manifest["tables"][name]["columns"]] != list(columns):
            raise ManifestError(f"{root}：表 {name} 的列与本程序不一致")
    return manifest


def dataset_verify(root: Path, *, checksums: bool = True) -> dict[str, Any]:
    """The manifest, after checking that every file it lists exists with its size, row count and (with
    ``checksums``) SHA-256, and that no Parquet file beside them would be silently ignored. Raises
    ``ManifestError`` naming the first difference."""
    manifest = manifest_read(root)
    listed = set()
    for name, table in manifest["tables"].items():
        for entry in table["files"]:
            listed.add(entry["path"])
            path = root / entry["path"]
            if not path.is_file():
                raise ManifestError(f"{name}：缺少文件 {entry['path']}")
            if path.stat().st_size != entry["bytes"]:
                raise ManifestError(f"{name}：文件 {entry['path']} 大小与清单不符")
            if checksums and sha256_of(path) != entry["sha256"]:
                raise ManifestError(f"{name}：文件 {entry['path']} 校验和与清单不符（已被修改）")
            if _rows_of(path) != entry["rows"]:
                raise ManifestError(f"{name}：文件 {entry['path']} 行数与清单不符")
    extra = sorted(p.relative_to(root).as_posix() for p in root.rglob("*.parquet"))
    unknown = [p for p in extra if p not in listed]
    if unknown:
        raise ManifestError(f"清单之外的文件：{unknown[0]}")
    return manifest


def _rows_of(path: Path) -> int | None:
    """Rows in the file's footer; None when it is not readable Parquet."""
    try:
        return int(pq.read_metadata(path).num_rows)
    except OSError:
        return None


def table_files(root: Path, manifest: dict[str, Any], table: str) -> list[str]:
    return [str(root / entry["path"]) for entry in manifest["tables"][table]["files"]]


def views_create(con: duckdb.DuckDBPyConnection, root: Path, manifest: dict[str, Any]) -> None:
    """One view per table over exactly the files of the (verified) manifest, with the contract's columns;
    an empty table is a typed empty view."""
    for table, columns in TABLES.items():
        files = table_files(root, manifest, table)
        if files:
            listed = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
            names = ", ".join(name for name, _ in columns)
            source = f"SELECT {names} FROM read_parquet([{listed}])"
        else:
            empty = ", ".join(f"CAST(NULL AS {kind}) AS {name}" for name, kind in columns)
            source = f"SELECT {empty} WHERE FALSE"
        con.execute(f"CREATE OR REPLACE VIEW {table} AS {source}").fetchall()


def place_params_sql(keys: Sequence[str]) -> str:
    """SELECT of the engine's ``place_params`` (division_code, urban_rural, p0…) for a rule's parameter
    ``keys``, pivoted from ``place_parameters`` (plain ``GROUP BY`` and ``CASE``: DuckDB and Spark alike).
    Keys are validated names (``policy.rules.PARAMETER_KEYS``), quoted all the same."""
    columns = "".join(
        f", max(CASE WHEN key = '{key.replace(chr(39), chr(39) * 2)}' THEN value END) AS p{n}"
        for n, key in enumerate(keys)
    )
    return f"SELECT division_code, urban_rural{columns} FROM place_parameters GROUP BY division_code, urban_rural"
