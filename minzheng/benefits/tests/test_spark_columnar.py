"""The columnar assessment on Spark (issue 22 §3; ADR 0038) agrees with the pure engine household by
household on the generated population and edge cases of ``test_columnar`` (分类施保, asset limits, rounding
up, prorated and deducted incomes, the dead, non-relatives, members who left), and the what-if summary by
division is the same in Spark and in DuckDB."""

from __future__ import annotations

import datetime as dt

import pytest

from minzheng.benefits import columnar
from minzheng.benefits.columnar.spark_results import (
    gcd_sql,
    lcm_sql,
    spark_results_compute,
    spark_whatif_summary,
)
from minzheng.benefits.tests.builders import entry
from minzheng.benefits.tests.test_columnar import AS_OF, _engine_rows, population  # noqa: F401 - a fixture
from minzheng.benefits.whatif import _AGGREGATE_SQL
from minzheng.common.spark import spark_local

pytestmark = [pytest.mark.django_db, pytest.mark.slow, pytest.mark.xdist_group("spark")]
with_population = pytest.mark.usefixtures("population")

D = dt.date
REGION = "150000000000"
COMPARED = ("dibao_eligible", "dibao_pci_fen", "dibao_amount_fen", "persons", "margin_eligible", "dibao_manual",
            "margin_manual", "senior_persons", "senior_fen")  # fmt: skip


@pytest.fixture(scope="session")
def spark():
    return spark_local(cores=2, shuffle_partitions=4, driver_memory="1g")


def _params():
    params = columnar.stored_params()
    for item in (
        entry("supplements", [
            {"code": "disabled_child", "label": "重度残疾儿童", "when": {"minor": True, "disability_grades": [1, 2]},
             "percent_of_standard": "0.3"},
            {"code": "aged_70", "label": "70 岁以上老人", "when": {"age_min": 70}, "amount": "55.50"},
            {"code": "rural_ill", "label": "农村重病", "when": {"serious_illness": True, "household_urban_rural": "rural"},
             "amount": "80.00"},
        ], D(2026, 1, 1), division=REGION),
        entry("assets.rules", [
            {"code": "deposits", "label": "人均存款", "categories": ["deposit", "securities"],
             "measure": "value_per_capita", "max_dibao_months": "24"},
            {"code": "vehicles", "label": "机动车", "categories": ["vehicle"], "measure": "count", "max": 0},
            {"code": "housing", "label": "房产总值", "categories": ["housing"], "measure": "value_total", "max": "300000"},
        ], D(2026, 1, 1), division=REGION),
        entry("rounding", {"method": "up", "unit": "1"}, D(2026, 1, 1), division=REGION),
    ):  # fmt: skip
        params = params.with_entry(item)
    return params


@with_population
def test_spark_assesses_every_household_as_the_pure_engine(spark):
    # given the generated population and a parameter set with 分类施保, asset limits and rounding up
    params = _params()
    expected = _engine_rows(params, AS_OF)
    con = columnar.duck()
    columnar.snapshot_load(con, as_of=AS_OF, division_prefix="15")
    # when Spark assesses them
    frame, _ = spark_results_compute(spark, con, params, AS_OF)
    got = {row["household_id"]: row.asDict() for row in frame.collect()}
    # then every household has the pure engine's figures (or is refused where the engine refuses)
    assert got.keys() == expected.keys()
    mismatches = []
    for pk, engine in expected.items():
        row = got[pk]
        if engine["error"] is not None:
            if row["error"] is None:
                mismatches.append((pk, engine, row))
        elif row["error"] is not None or {k: row[k] for k in COMPARED} != {k: engine[k] for k in COMPARED}:
            mismatches.append((pk, engine, row))
    assert mismatches == []
    assert sum(1 for r in got.values() if r["dibao_eligible"]) > 10
    assert any(r["senior_fen"] for r in got.values())


@with_population
def test_the_whatif_summary_is_the_same_in_both_engines(spark):
    # given a 10 % higher 低保 standard for the Hohhot league
    baseline = _params()
    standard = baseline.get("dibao.standard_monthly", "150100000000", "urban", AS_OF).value
    proposed = baseline.with_entry(entry("dibao.standard_monthly", f"{float(standard) * 1.1:.2f}", D(2026, 1, 1),
                                         division="150100000000", urban_rural="urban"))  # fmt: skip
    con = columnar.duck()
    columnar.snapshot_load(con, as_of=AS_OF, division_prefix="15")
    # when DuckDB (as whatif_run) and Spark sum the two passes by league
    columnar.results_compute(con, baseline, AS_OF, suffix="_base")
    columnar.results_compute(con, proposed, AS_OF, suffix="_new", division_prefix="1501")
    columnar.run(
        con, "INSERT INTO results_new SELECT * FROM results_base WHERE division_code NOT LIKE '1501%'"
    )
    cursor = con.execute(_AGGREGATE_SQL, {"digits": 4})
    names = [d[0] for d in cursor.description]
    duckdb_rows = [{k: (v if isinstance(v, str) else int(v)) for k, v in zip(names, r, strict=True)}
                   for r in cursor.fetchall()]  # fmt: skip
    spark_rows = spark_whatif_summary(spark, con, baseline, proposed, AS_OF, within="1501", digits=4)
    # then the rows are equal, and the change moved the league's cost
    assert [
        {k: (v if isinstance(v, str) else int(v)) for k, v in r.items()} for r in spark_rows
    ] == duckdb_rows
    hohhot = next(r for r in duckdb_rows if r["code"] == "150100000000")
    assert hohhot["monthly_after"] > hohhot["monthly_before"]


def test_gcd_and_lcm_in_spark_sql(spark):
    # given pairs including zero and large coprime numbers
    row = spark.sql(
        f"SELECT {gcd_sql('12', '18')} AS a, {gcd_sql('0', '7')} AS b, {gcd_sql('-4', '6')} AS c, "
        f"{gcd_sql('7540113804746346429', '4660046610375530309')} AS d, "
        f"{lcm_sql('array(CAST(4 AS BIGINT), 6, 10)')} AS e, {lcm_sql('array(CAST(365 AS BIGINT))')} AS f"
    ).first()
    # then Euclid's algorithm in 92 steps gives DuckDB's gcd and lcm
    assert (row.a, row.b, row.c, row.d, row.e, row.f) == (6, 7, 2, 1, 60, 365)
