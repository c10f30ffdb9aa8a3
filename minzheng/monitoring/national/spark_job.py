"""The warning rules on Spark (ADR 0038): a job directory of Parquet files in, one Parquet alert set per
rule out. Nothing here imports Django, so the file runs under ``spark-submit`` on a cluster whose nodes
have only Python and PySpark (docs/deployment.md, "Spark cluster"):

    spark-submit --master spark://host:7077 --py-files minzheng.zip \\
        minzheng/monitoring/national/spark_job.py --job /data/monitoring/2026-12-01

The job directory (written by ``spark_runner.job_prepare`` from the same snapshot DuckDB evaluates):

* ``tables/<name>.parquet`` — the snapshot tables of ADR 0019 (``TABLES``);
* ``rules/<n>.parquet`` — the ``place_params`` of rule *n* (its parameters per place, columns p0…);
* ``job.json`` — ``{"as_of": …, "rules": [{"code", "version", "sql", "evidence_labels", "params"}]}``
  with each rule's compiled SQL (``rules.rule_compile_condition``), the same text DuckDB runs;
* output ``alerts/rule=<n>/`` — household_id, person_id, evidence (JSON text), one row per hit of rule *n*.
"""
# ruff: noqa: S608 - SQL from compiled rules (ADR 0019) and internal view names

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

if __package__ in (None, ""):  # run as a file by spark-submit: the package is on --py-files or the path
    sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from minzheng.common.spark import spark_configure

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

TABLES: Final = ("monitor_persons", "monitor_households", "feed_records", "receipts", "population")
JOB_FILE: Final = "job.json"


def tables_register(spark: SparkSession, directory: Path) -> None:
    """Each snapshot table of the job as a temporary view of the same name (read lazily)."""
    for name in TABLES:
        spark.read.parquet(str(directory / "tables" / f"{name}.parquet")).createOrReplaceTempView(name)


def _literal(text: str) -> str:
    """A Spark SQL string literal: Spark reads backslash escapes inside quotes (DuckDB does not)."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def evidence_sql(labels: Sequence[str]) -> str:
    """The evidence object of a hit, as the DuckDB path's ``json_object(label, e0, …)``: labels in order,
    values as text, a NULL kept as ``null`` (Spark's ``to_json`` drops NULL fields by default)."""
    if not labels:
        return "'{}'"
    fields = ", ".join(f"{_literal(label)}, e{n}" for n, label in enumerate(labels))
    return f"to_json(named_struct({fields}), map('ignoreNullFields', 'false'))"


def _with_params(sql: str, view: str) -> str:
    """The compiled rule reading its own parameters: ``place_params`` becomes a CTE over ``view`` (a CTE
    name wins over a table name in Spark), so the rules of a job can run side by side in one query."""
    params = f"place_params AS (SELECT * FROM {view})"
    return f"WITH {params}, {sql[len('WITH ') :]}" if sql.startswith("WITH ") else f"WITH {params} {sql}"


def rule_hits(spark: SparkSession, rule: dict[str, Any], directory: Path, n: int = 0) -> DataFrame:
    """The hits of one compiled rule (rule, household_id, person_id, evidence) over the registered
    tables; ``n`` numbers the rule (its parameters are the view ``rule_params_<n>``)."""
    view = f"rule_params_{n}"
    spark.read.parquet(str(directory / rule["params"])).createOrReplaceTempView(view)
    return spark.sql(
        f"SELECT {n} AS rule, household_id, person_id, {evidence_sql(rule['evidence_labels'])} AS evidence "
        f"FROM ({_with_params(rule['sql'], view)}) hits"
    )


def job_run(spark: SparkSession, directory: Path, output: Path | None = None) -> None:
    """Every rule of the job in one Spark query (a ``UNION ALL`` of the rules: one job to schedule, not
    one per rule), written to ``output/alerts`` (default: the job directory) partitioned by the rule's
    position: ``alerts/rule=<n>/`` holds rule *n*'s hits (no directory: no hits)."""
    job = json.loads((directory / JOB_FILE).read_text(encoding="utf-8"))
    tables_register(spark, directory)
    frames = [rule_hits(spark, rule, directory, n) for n, rule in enumerate(job["rules"])]
    if not frames:
        return
    union = frames[0]
    for frame in frames[1:]:
        union = union.unionAll(frame)
    union.write.mode("overwrite").partitionBy("rule").parquet(str((output or directory) / "alerts"))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the warning rules of a job directory on Spark.")
    parser.add_argument(
        "--job", required=True, type=Path, help="the job directory (job.json, tables/, rules/)"
    )
    parser.add_argument("--output", type=Path, help="where alerts/ is written (default: the job directory)")
    arguments = parser.parse_args(argv)
    from pyspark.sql import SparkSession

    spark = spark_configure(SparkSession.builder.appName("minzheng-monitoring").getOrCreate())
    job_run(spark, arguments.job, arguments.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
