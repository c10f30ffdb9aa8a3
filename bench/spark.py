"""Benchmark of issue 22 §2 (Spark, the second engine of the warning rules; ADR 0038): the 13 built-in rules
over synthetic snapshot tables of 1 M and 10 M people, in Spark local mode and in DuckDB over the same
Parquet files.

    python bench/spark.py                         # 1,000,000 and 10,000,000 people
    python bench/spark.py --people 1000000        # one size
    python bench/spark.py --people 200000 --cores 2 --skip-duckdb

No database: the snapshot tables of ADR 0019 (``monitor_persons``, ``monitor_households``, ``feed_records``,
``receipts``, ``population``) are generated deterministically by DuckDB straight into Parquet (the national
generator of issue 22 §1 lives in another branch; this one only has to be the same shape): three persons a
household, 12,000 villages, a third urban; one department record a person on average over the 18 months
before the day (medical costs, pensions, wages, certificates, deaths, vehicles, properties, businesses,
students, disaster victims); a fifth of the households on 低保 and one in fifty on 特困 support. The rules
are the built-in ones compiled by ``rules.rule_compile_condition``, the parameters the built-in thresholds
(``builtin_parameters.json``, ``policy/builtin/inner_mongolia.json``) per place — synthetic for the 低保
standard (900 yuan urban, 700 rural).

Per size, each stage timed: generation (DuckDB → Parquet), the Spark session's start (once), the Spark job
(``spark_job.job_run``: every rule in one query, alert sets written as Parquet), reading the alert sets back
(Arrow), and DuckDB running the same compiled SQL over the same Parquet files; the hits per rule of both
engines must be equal (parity at scale). Prints a table and writes bench/results/spark-<timestamp>.json and
spark-latest.json.
"""
# ruff: noqa: S608, E501 - SQL of generated data and compiled rules; SQL kept whole for reading

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import duckdb  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402
from run import table_print  # noqa: E402

from minzheng.common.spark import spark_local  # noqa: E402
from minzheng.monitoring.national.spark_job import JOB_FILE, TABLES, job_run  # noqa: E402
from minzheng.monitoring.rules import BUILTIN_RULES, rule_compile_condition  # noqa: E402
from minzheng.policy.rules import PARAMETER_KEYS  # noqa: E402

RESULTS = ROOT / "bench" / "results"
AS_OF = dt.date(2026, 12, 1)
SIZES = (1_000_000, 10_000_000)
PER_HOUSEHOLD = 3
VILLAGES = 12_000
# Region-level thresholds of the built-in files; the 低保 standard is synthetic (urban, rural).
THRESHOLDS = {"rigid_expense.ratio_all": "0.7", "rigid_expense.ratio_medical_accident": "0.6"}
DIBAO_STANDARD = {"urban": "900", "rural": "700"}

_HOUSEHOLDS_SQL = """
CREATE OR REPLACE TABLE monitor_households AS
SELECT h AS household_id,
    printf('15%02d%02d%03d%03d', v % 12 + 1, v % 8 + 1, v % 20 + 1, v % 50 + 1) AS division_code,
    CASE WHEN h % 3 = 0 THEN 'urban' ELSE 'rural' END AS urban_rural,
    CAST(CAST((h * 7919) % 150000 AS DECIMAL(38,10)) * 0.01 AS DECIMAL(38,10)) AS income_monthly_per_capita,
    CAST(CAST((h * 7919) % 150000 AS DECIMAL(38,10)) * 0.12 * {size} AS DECIMAL(38,10)) AS income_annual,
    CAST({size} AS BIGINT) AS household_size
FROM (SELECT h, h % {villages} AS v FROM range(1, {households} + 1) t(h))
"""
_PERSONS_SQL = """
CREATE OR REPLACE TABLE monitor_persons AS
SELECT p AS person_id, mh.*, p % {size} = 1 % {size} AS is_head, p % 997 = 0 AS deceased
FROM range(1, {people} + 1) t(p) JOIN monitor_households mh ON mh.household_id = (p - 1) // {size} + 1
"""
# One record a person (some people have none, some two): feed by p % 20, the day within 18 months.
_FEEDS_SQL = """
CREATE OR REPLACE TABLE feed_records AS
SELECT feed, person_id, DATE '{as_of}' - CAST((person_id * 131) % 540 AS INTEGER) AS event_date,
    CAST(amount AS DECIMAL(14,2)) AS amount, code, household_id
FROM (
    SELECT person_id, household_id,
        CASE WHEN k < 6 OR k >= 18 THEN 'medical_expense' WHEN k < 9 THEN 'pension' WHEN k = 9 THEN 'wage'
             WHEN k = 10 THEN 'disability_certificate' WHEN k = 11 THEN 'unemployment' WHEN k = 12 THEN 'vehicle'
             WHEN k = 13 THEN 'real_estate' WHEN k = 14 THEN 'business_registration' WHEN k = 15 THEN 'student'
             WHEN k = 16 THEN 'disaster_victim' ELSE 'death' END AS feed,
        CASE WHEN k < 6 OR k >= 18 THEN ((person_id * 7919) % 1500000) / 100.0
             WHEN k < 10 THEN 1200 + (person_id * 31) % 2000 WHEN k = 16 THEN 500 + (person_id * 17) % 7500 END AS amount,
        CASE WHEN k < 6 OR k >= 18 THEN ['medical', 'rehabilitation', 'accident'][1 + person_id % 3]
             WHEN k = 10 THEN CAST(1 + person_id % 4 AS VARCHAR)
             WHEN k = 14 THEN CASE WHEN person_id % 4 = 0 THEN 'cancelled' ELSE 'active' END
             WHEN k = 15 THEN CASE WHEN person_id % 3 = 0 THEN 'not_aided' ELSE 'aided' END
             ELSE '' END AS code
    FROM (SELECT person_id, household_id, (person_id * 7) % 20 AS k FROM monitor_persons)
    WHERE k <> 17 OR person_id % 10 = 0
)
"""
_RECEIPTS_SQL = """
CREATE OR REPLACE TABLE receipts AS
SELECT CASE WHEN household_id % 50 = 1 THEN 'extreme_poverty_support' ELSE 'dibao' END AS programme,
    household_id, CAST(NULL AS BIGINT) AS person_id
FROM monitor_households WHERE household_id % 5 = 0 OR household_id % 50 = 1
"""
_POPULATION_SQL = """
CREATE OR REPLACE TABLE population AS
SELECT p.person_id, p.household_id,
    CASE WHEN r.programme = 'dibao' THEN 'dibao' ELSE 'extreme_poverty' END AS category
FROM monitor_persons p JOIN receipts r USING (household_id)
"""


def _threshold(key: str) -> str:
    if key in THRESHOLDS:
        return THRESHOLDS[key]
    builtin = json.loads((ROOT / "minzheng" / "monitoring" / "builtin_parameters.json").read_text("utf-8"))
    return str(next(p["value"] for p in builtin["parameters"] if p["key"] == key))


def generate(directory: Path, people: int) -> dict[str, Any]:
    """The snapshot tables and the job of the built-in rules, as Parquet under ``directory``."""
    started = time.perf_counter()
    con = duckdb.connect(config={"threads": 2, "autoinstall_known_extensions": "false"})
    households = people // PER_HOUSEHOLD
    values = {"size": PER_HOUSEHOLD, "villages": VILLAGES, "households": households, "people": people,
              "as_of": AS_OF.isoformat()}  # fmt: skip
    for sql in (_HOUSEHOLDS_SQL, _PERSONS_SQL, _FEEDS_SQL, _RECEIPTS_SQL, _POPULATION_SQL):
        con.execute(sql.format(**values))
    (directory / "tables").mkdir(parents=True)
    rows = {}
    for name in TABLES:
        con.execute(f"COPY {name} TO '{directory / 'tables' / name}.parquet' (FORMAT parquet)")
        rows[name] = con.execute(f"SELECT count(*) FROM {name}").fetchone()[0]
    entries = []
    for n, rule in enumerate(BUILTIN_RULES):
        compiled = rule_compile_condition(
            rule.condition, rule.subject, AS_OF, known_params=frozenset(PARAMETER_KEYS)
        )
        columns = ", ".join(
            f"CASE WHEN urban_rural = 'urban' THEN CAST({DIBAO_STANDARD['urban']} AS DECIMAL(38,10)) "
            f"ELSE CAST({DIBAO_STANDARD['rural']} AS DECIMAL(38,10)) END AS p{k}"
            if key == "dibao.standard_monthly"
            else f"CAST({_threshold(key)} AS DECIMAL(38,10)) AS p{k}"
            for k, key in enumerate(compiled.params)
        )
        places = "SELECT DISTINCT division_code, urban_rural FROM monitor_households"
        select = f"SELECT division_code, urban_rural{', ' + columns if columns else ''} FROM ({places})"
        (directory / "rules").mkdir(exist_ok=True)
        con.execute(f"COPY ({select}) TO '{directory / 'rules' / str(n)}.parquet' (FORMAT parquet)")
        entries.append({"code": rule.code, "version": 1, "sql": compiled.sql,
                        "evidence_labels": list(compiled.evidence_labels), "params": f"rules/{n}.parquet"})  # fmt: skip
    (directory / JOB_FILE).write_text(
        json.dumps({"as_of": AS_OF.isoformat(), "rules": entries}, ensure_ascii=False)
    )
    con.close()
    size = sum(f.stat().st_size for f in directory.rglob("*.parquet"))
    return {
        "seconds": round(time.perf_counter() - started, 2),
        "rows": rows,
        "parquet_mb": round(size / 2**20, 1),
    }


def spark_hits(directory: Path, rules: list[dict[str, Any]]) -> dict[str, int]:
    """Hits per rule code from the alert sets Spark wrote (Arrow, as ``spark_runner.alerts_read``)."""
    counts = {}
    for n, rule in enumerate(rules):
        folder = directory / "alerts" / f"rule={n}"
        counts[rule["code"]] = pq.read_table(folder).num_rows if folder.exists() else 0
    return counts


def duckdb_hits(directory: Path, rules: list[dict[str, Any]]) -> dict[str, int]:
    """The same compiled SQL in DuckDB over the same Parquet files, with the DuckDB run's evidence."""
    con = duckdb.connect(config={"threads": 2, "autoinstall_known_extensions": "false"})
    for name in TABLES:
        con.execute(
            f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{directory / 'tables' / name}.parquet')"
        )
    counts = {}
    for rule in rules:
        con.execute(
            f"CREATE OR REPLACE VIEW place_params AS SELECT * FROM read_parquet('{directory / rule['params']}')"
        )
        parts = ", ".join(f"'{label}', e{n}" for n, label in enumerate(rule["evidence_labels"]))
        evidence = f"CAST(json_object({parts}) AS VARCHAR)" if parts else "'{}'"
        sql = f"SELECT household_id, person_id, {evidence} AS evidence FROM ({rule['sql']}) hits"
        counts[rule["code"]] = con.execute(f"SELECT count(*) FROM ({sql})").fetchone()[0]
    con.close()
    return counts


def bench_size(spark: Any, people: int, work: Path, skip_duckdb: bool) -> dict[str, Any]:
    directory = work / f"people-{people}"
    shutil.rmtree(directory, ignore_errors=True)
    result: dict[str, Any] = {"people": people, "generate": generate(directory, people)}
    rules = json.loads((directory / JOB_FILE).read_text("utf-8"))["rules"]
    started = time.perf_counter()
    job_run(spark, directory)
    result["spark_seconds"] = round(time.perf_counter() - started, 2)
    started = time.perf_counter()
    result["spark_hits"] = spark_hits(directory, rules)
    result["read_back_seconds"] = round(time.perf_counter() - started, 2)
    if not skip_duckdb:
        started = time.perf_counter()
        result["duckdb_hits"] = duckdb_hits(directory, rules)
        result["duckdb_seconds"] = round(time.perf_counter() - started, 2)
        result["parity"] = result["duckdb_hits"] == result["spark_hits"]
    result["alerts"] = sum(result["spark_hits"].values())
    shutil.rmtree(directory, ignore_errors=True)
    return result


def lines(result: dict[str, Any]) -> list[tuple[str, str]]:
    out = [("stage", "time")]
    start = f"{result['spark_start_seconds']:.1f} s"
    out.append((f"Spark session start (local[{result['cores']}])", start))
    for size in result["sizes"]:
        people, gen = size["people"], size["generate"]
        rows = gen["rows"]
        out.append((f"{people:,} people: generate (DuckDB → Parquet)",
                    f"{gen['seconds']:.1f} s ({rows['monitor_households']:,} households, "
                    f"{rows['feed_records']:,} feed records, {gen['parquet_mb']} MB)"))  # fmt: skip
        out.append((f"{people:,} people: Spark, 13 rules", f"{size['spark_seconds']:.1f} s "
                    f"({people / size['spark_seconds']:,.0f} people/s; {size['alerts']:,} hits)"))  # fmt: skip
        out.append((f"{people:,} people: read alert sets (Arrow)", f"{size['read_back_seconds']:.2f} s"))
        if "duckdb_seconds" in size:
            out.append((f"{people:,} people: DuckDB over Parquet, 13 rules",
                        f"{size['duckdb_seconds']:.1f} s; same hits per rule: {'yes' if size['parity'] else 'NO'}"))  # fmt: skip
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--people", type=int, action="append", help="a size (repeatable); default 1 M and 10 M"
    )
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--driver-memory", default="3g")
    parser.add_argument("--skip-duckdb", action="store_true")
    parser.add_argument(
        "--work", type=Path, default=None, help="where the Parquet files go (default: a temp dir)"
    )
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="minzheng-spark-bench-"))
    started = time.perf_counter()
    spark = spark_local(cores=args.cores, shuffle_partitions=4 * args.cores, driver_memory=args.driver_memory,
                        local_dir=str(work / "spark-local"))  # fmt: skip
    spark.sql("SELECT 1").collect()
    result: dict[str, Any] = {
        "benchmark": "spark",
        "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cores": args.cores,
        "spark_start_seconds": round(time.perf_counter() - started, 2),
        "environment": {
            "pyspark": spark.version,
            "duckdb": duckdb.__version__,
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load_average": os.getloadavg(),
            "git_commit": subprocess.run(
                ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
            ).stdout.strip(),
        },  # fmt: skip
        "sizes": [],
    }
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    for people in args.people or SIZES:  # the results are written after each size (10 M takes long)
        result["sizes"].append(bench_size(spark, people, work, args.skip_duckdb))
        result["environment"]["load_average_after"] = os.getloadavg()
        result["python_peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        _write(result, stamp)
        table_print(lines(result))
    spark.stop()
    shutil.rmtree(work, ignore_errors=True)
    print(f"\n  results: bench/results/spark-{stamp}.json")


def _write(result: dict[str, Any], stamp: str) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    for name in (f"spark-{stamp}.json", "spark-latest.json"):
        (RESULTS / name).write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
