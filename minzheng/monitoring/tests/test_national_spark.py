"""Spark is a second engine for the same warning rules (issue 22 §2; ADR 0038): on the demo department
feeds over a generated population, every built-in rule gives Spark the alert set DuckDB gives — same
subjects, same evidence — and the alert sets come back into PostgreSQL idempotently.

One Spark session per test process (local[2]; ``xdist_group("spark")`` keeps the Spark tests on one
worker)."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command

from conftest import id_number
from minzheng.common.spark import spark_local
from minzheng.demo.monitoring import demo_monitoring_ensure
from minzheng.monitoring import rules
from minzheng.monitoring.models import Alert, MonitoringRun
from minzheng.monitoring.national import spark_job
from minzheng.monitoring.national.spark_job import evidence_sql
from minzheng.monitoring.national.spark_runner import spark_run_import

pytestmark = [pytest.mark.django_db, pytest.mark.slow, pytest.mark.xdist_group("spark")]


@pytest.fixture(scope="session")
def spark():
    return spark_local(cores=2, shuffle_partitions=4, driver_memory="1g")


@pytest.fixture
def population(family, enrol, monitoring_ready, today):
    """Thirty households in the demo township (old and young heads, some with a member, some with an
    income), a third of them on 低保 or 特困 support, then the demo feeds imported and one DuckDB run."""
    for n in range(30):
        birth = dt.date(1948 + n % 4 if n % 3 == 0 else 2004 if n % 3 == 1 else 1976, 1 + n % 12, 1 + n)
        household = family(
            annual_income=str(6000 * (n % 5)), members=n % 3, id_number=id_number("150102", birth, 700 + n)
        )
        if n % 3 == 0:
            enrol(household, "dibao" if n % 2 else "extreme_poverty_support")
    notes = demo_monitoring_ensure()
    assert notes[0].startswith("演示监测：导入 8 个部门 10 类部门数据"), notes
    return MonitoringRun.objects.get()


def _alert_set() -> set[tuple[object, ...]]:
    return {
        (a.rule_code, a.rule_version, a.subject_key, a.household_id, a.person_id, a.division_id, a.severity,
         json.dumps(a.evidence, ensure_ascii=False, sort_keys=True))
        for a in Alert.objects.all()
    }  # fmt: skip


def test_spark_raises_the_alerts_duckdb_raised_and_imports_them_once(population, spark, tmp_path):
    # given the alerts of the DuckDB run, then none stored
    duckdb_alerts = _alert_set()
    duckdb_hits = dict(population.rule_stats.values_list("rule__code", "hits"))
    Alert.objects.all().delete()
    job = tmp_path / "job"
    # when the cluster's steps run: the job directory, spark_job.py (as spark-submit starts it), the import
    call_command("monitoring", "spark-prepare", str(job), stdout=io.StringIO())
    assert spark_job.main(["--job", str(job)]) == 0
    out = io.StringIO()
    call_command("monitoring", "spark-import", str(job), stdout=out)
    # then every built-in rule hit the same subjects, and the stored alerts are the same, evidence included
    run = MonitoringRun.objects.get(kind="spark")
    assert run.status == "succeeded", run.message
    spark_hits = dict(run.rule_stats.values_list("rule__code", "hits"))
    assert spark_hits == duckdb_hits
    assert set(spark_hits) == {r.code for r in rules.BUILTIN_RULES}
    assert sum(1 for hits in spark_hits.values() if hits) >= 8  # the demo feeds make most rules fire
    assert not run.rule_stats.exclude(error="").exists()
    assert _alert_set() == duckdb_alerts
    assert (
        run.alerts_new == len(duckdb_alerts) == Alert.objects.count() == Alert.objects.filter(run=run).count()
    )
    assert set(run.phase_seconds) == {"snapshot", "export", "import"}
    assert out.getvalue().startswith(f"监测运行 #{run.pk}：命中 {run.hits}，新增预警 {len(duckdb_alerts)}，")
    # when the same job directory is imported again (a retried import)
    again = spark_run_import(actor=None, directory=job)
    # then nothing is added: every hit is an open alert already
    assert Alert.objects.count() == len(duckdb_alerts)
    assert (again.pk, again.status, again.alerts_new) == (run.pk, "succeeded", len(duckdb_alerts))
    assert set(again.rule_stats.values_list("alerts_new", flat=True)) == {0}
    assert sum(again.rule_stats.values_list("alerts_duplicate", flat=True)) == len(duckdb_alerts)


def test_evidence_keeps_labels_in_order_and_nulls(spark):
    # given evidence labels with a quote and a backslash, and a NULL value
    sql = evidence_sql(["参数 a'b", "c\\d", "医疗（近12个月）"])
    # when Spark formats one hit
    hit = "SELECT '1.5' AS e0, CAST(NULL AS STRING) AS e1, '0' AS e2"
    row = spark.sql(f"SELECT {sql} AS evidence FROM ({hit})").first()  # noqa: S608 - test literals
    # then it is the JSON object DuckDB's json_object writes
    assert row.evidence == '{"参数 a\'b":"1.5","c\\\\d":null,"医疗（近12个月）":"0"}'
    assert list(json.loads(row.evidence)) == ["参数 a'b", "c\\d", "医疗（近12个月）"]
