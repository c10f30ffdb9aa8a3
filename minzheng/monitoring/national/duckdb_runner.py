"""The warning rules over a Parquet snapshot with DuckDB, out of core (issue 22 §2; ADR 0037).

The snapshot is verified against its manifest, each table becomes a view over exactly its listed files,
and every rule is the SQL the rule compiler writes (``rules.rule_compile_condition``) for the snapshot's
day, unchanged; only ``place_params`` is a view pivoted from ``place_parameters`` for the rule's keys.
Each rule's hits (household, person, evidence JSON — the same text ``services.runs`` writes) are streamed
by DuckDB into ``<out>/<rule code>.parquet``: nothing national is held in Python. DuckDB runs under a
memory limit and spills to a temporary directory, so 66 million people fit a machine smaller than the
data (ADR 0037 for the measured figures). ``services.national.alerts_import`` brings the alert set into
PostgreSQL.
"""
# ruff: noqa: S608 - SQL compiled from validated rule conditions and the fixed table contract

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq

from minzheng.monitoring import rules
from minzheng.monitoring.national import layout
from minzheng.monitoring.services.runs import evidence_sql
from minzheng.policy.rules import PARAMETER_KEYS

KNOWN_PARAMS = frozenset(PARAMETER_KEYS)


@dataclass(frozen=True)
class RuleSpec:
    code: str
    condition: Any
    subject: str


@dataclass(frozen=True)
class RuleResult:
    code: str
    hits: int
    seconds: float
    error: str = ""
    path: str = ""  # the hits' Parquet file, relative to the output directory


@dataclass(frozen=True)
class Settings:
    """DuckDB's bounds: ``memory_limit`` (DuckDB spills to ``temp_directory`` beyond it), ``threads``."""

    memory_limit: str = "8GB"
    threads: int = 2
    temp_directory: str = ""


def builtin_specs() -> list[RuleSpec]:
    return [RuleSpec(r.code, r.condition, r.subject.value) for r in rules.BUILTIN_RULES]


def connect(settings: Settings) -> duckdb.DuckDBPyConnection:
    config: dict[str, Any] = {
        "autoinstall_known_extensions": "false",
        "threads": settings.threads,
        "memory_limit": settings.memory_limit,
        "preserve_insertion_order": "false",  # hits are a set: no order to keep, less memory
    }
    if settings.temp_directory:
        config["temp_directory"] = settings.temp_directory
    con = duckdb.connect(config=config)
    con.execute("SET parquet_metadata_cache = true").fetchall()  # each rule scans the same files again
    return con


def dataset_open(
    root: Path, settings: Settings, *, checksums: bool = True
) -> tuple[duckdb.DuckDBPyConnection, dict[str, Any]]:
    """A DuckDB connection with the snapshot's views, after ``layout.dataset_verify``."""
    manifest = layout.dataset_verify(root, checksums=checksums)
    con = connect(settings)
    layout.views_create(con, root, manifest)
    return con, manifest


def _parameters_missing(manifest: dict[str, Any], keys: Sequence[str]) -> str:
    known = manifest["parameters"]
    for key in keys:
        if key in known.get("missing", {}):
            return str(known["missing"][key])
        if key not in known["keys"]:
            return f"快照中没有政策参数“{key}”"
    return ""


def rule_hits_sql(con: duckdb.DuckDBPyConnection, spec: RuleSpec, as_of: dt.date) -> tuple[str, str]:
    """The SELECT of one rule's hits (rule_code, household_id, person_id, evidence) after pointing
    ``place_params`` at its keys, or an error message."""
    try:
        compiled = rules.rule_compile_condition(
            spec.condition, spec.subject, as_of, known_params=KNOWN_PARAMS
        )
    except rules.RuleProblem as problem:
        return "", "规则无法编译：" + "；".join(problem.problems)
    con.execute(
        f"CREATE OR REPLACE VIEW place_params AS {layout.place_params_sql(compiled.params)}"
    ).fetchall()
    code = spec.code.replace("'", "''")
    return (
        f"SELECT '{code}' AS rule_code, household_id, person_id, {evidence_sql(compiled)} AS evidence "
        f"FROM ({compiled.sql}) hits"
    ), ""


def rules_run(
    con: duckdb.DuckDBPyConnection, manifest: dict[str, Any], specs: Iterable[RuleSpec], out: Path
) -> list[RuleResult]:
    """Every rule over the snapshot, each rule's hits written to ``out/<code>.parquet``."""
    out.mkdir(parents=True, exist_ok=True)
    as_of = dt.date.fromisoformat(manifest["as_of"])
    results = []
    for spec in specs:
        started = time.perf_counter()
        try:
            compiled = rules.rule_compile_condition(
                spec.condition, spec.subject, as_of, known_params=KNOWN_PARAMS
            )
            missing = _parameters_missing(manifest, compiled.params)
        except rules.RuleProblem:
            missing = ""  # rule_hits_sql explains it
        sql, error = ("", missing) if missing else rule_hits_sql(con, spec, as_of)
        if error:
            results.append(RuleResult(spec.code, 0, round(time.perf_counter() - started, 3), error[:500]))
            continue
        name = f"{spec.code}.parquet"
        target = str(out / name).replace("'", "''")
        con.execute(f"COPY ({sql}) TO '{target}' (FORMAT PARQUET, COMPRESSION ZSTD)").fetchall()
        hits = pq.read_metadata(out / name).num_rows
        results.append(RuleResult(spec.code, hits, round(time.perf_counter() - started, 3), "", name))
    return results


def dataset_run(
    root: Path, out: Path, specs: Iterable[RuleSpec], settings: Settings, *, checksums: bool = True
) -> tuple[dict[str, Any], list[RuleResult]]:
    """Verify, open and run: the manifest and each rule's result."""
    con, manifest = dataset_open(root, settings, checksums=checksums)
    try:
        return manifest, rules_run(con, manifest, specs, out)
    finally:
        con.close()
