"""The columnar rules on Spark, the second engine (issue 22 §3; ADR 0038): ``results.py``'s statement in
Spark SQL, and the what-if's summary by division.

The snapshot and the parameter tables are built exactly as for DuckDB (``snapshot_load``, ``groups_build``:
parameters resolved once per group of households with the policy app's resolution) and handed to Spark as
Arrow; only the arithmetic runs in Spark. The statement is ``results._RESULT_SQL`` clause by clause; what
differs is spelling (``LEFT SEMI JOIN``, ``min_by``, ``datediff(end, start)``, ``div``), and:

* Spark has no ``gcd``/``lcm``: Euclid's algorithm is a bounded ``aggregate`` over 92 steps (enough for
  any pair of 64-bit integers), the lcm of a group a second ``aggregate`` over ``collect_list``;
* no 128-bit integer: the exact income sums are BIGINT. ANSI mode (``common.spark``) makes an overflow an
  error, never a wrong amount; at real magnitudes (fen × days × a common denominator of record lengths)
  they stay far below 9.2 × 10¹⁸;
* no macros: the 分类施保 conditions are one ``CASE`` over the columns of a sub-query;
* a division by zero is an error in ANSI mode, a NULL in DuckDB: the one divisor that can be zero (the
  persons counted, for a per-capita asset limit) is wrapped in ``NULLIF``.

``tests/test_spark_columnar.py`` compares Spark with the pure engine household by household, and the
what-if summaries of both engines.
"""
# ruff: noqa: S608, E501 - SQL text from internal table names, validated parameter literals and enum constants

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Final

import duckdb

from minzheng.benefits.columnar.groups import GroupParameters, groups_build, supplement_conditions_case
from minzheng.benefits.params import InMemoryParams
from minzheng.benefits.work_cost import EMPLOYMENT_CATEGORIES, EMPLOYMENT_INCOME, MINIMUM_WAGE
from minzheng.catalogue.programmes import Programme
from minzheng.registry.choices import RelationToHead

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

SNAPSHOT_TABLES: Final = ("households", "members", "incomes", "assets")
GROUP_TABLES: Final = (
    "place_groups", "group_params", "treatments", "asset_rule_categories", "asset_rules", "supplement_rules",
    "senior_brackets",
)  # fmt: skip
EUCLID_STEPS: Final = 92  # Fibonacci: no pair below 2⁶³ needs more division steps


def gcd_sql(a: str, b: str) -> str:
    """gcd(|a|, |b|) of two BIGINT expressions, as Spark SQL (gcd(0, b) = |b|)."""
    return (
        f"aggregate(sequence(1, {EUCLID_STEPS}), named_struct('a', abs(CAST({a} AS BIGINT)), "
        f"'b', abs(CAST({b} AS BIGINT))), (s, i) -> IF(s.b = 0, s, named_struct('a', s.b, 'b', s.a % s.b)), "
        f"s -> s.a)"
    )


def lcm_sql(values: str) -> str:
    """The lcm of an array of positive BIGINT (``collect_list(…)``), as DuckDB's ``list_reduce(…, lcm)``."""
    return f"aggregate({values}, CAST(1 AS BIGINT), (acc, y) -> (acc div {gcd_sql('acc', 'y')}) * y)"


def _literal(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


_RESULT_SQL = """
WITH
hh AS (
    SELECT h.household_id, h.division_code, h.urban_rural, g.*
    FROM households h JOIN place_groups{s} pg USING (division_code, urban_rural)
    JOIN group_params{s} g USING (group_id)
    WHERE h.division_code LIKE {within}
),
mx AS (
    SELECT m.*, hh.group_id, hh.urban_rural AS h_urban_rural,
        (m.death_date IS NOT NULL AND m.death_date <= {as_of}) AS dead,
        year({as_of}) - year(m.birth_date)
            - CASE WHEN month({as_of}) * 100 + day({as_of}) < month(m.birth_date) * 100 + day(m.birth_date)
                   THEN 1 ELSE 0 END AS age
    FROM members m JOIN hh USING (household_id)
),
counted AS (
    SELECT *, NOT dead AND relation <> {other} AS is_counted FROM mx
),
persons AS (
    SELECT household_id, count(*) AS members, count(*) FILTER (WHERE is_counted) AS persons,
        bool_or(birth_date > {as_of}) OR bool_or(death_date < birth_date)
            OR bool_or(disability_grade IS NOT NULL AND (disability_grade NOT BETWEEN 1 AND 4
                       OR disability_category = '')) AS member_invalid
    FROM counted GROUP BY household_id
),
income_invalid AS (
    SELECT DISTINCT i.household_id FROM incomes i LEFT SEMI JOIN hh ON hh.household_id = i.household_id
    LEFT JOIN members m ON m.household_id = i.household_id AND m.person_id = i.person_id
    WHERE i.period_end < i.period_start OR (m.death_date IS NOT NULL AND i.period_start > m.death_date)
),
clipped AS (
    SELECT i.household_id, i.person_id, i.category, t.programme, t.treatment,
        CAST(round(i.amount * 100) AS BIGINT) AS fen,
        greatest(i.period_start, hh.period_start) AS first_day,
        least(i.period_end, hh.period_end) AS last_day,
        datediff(least(i.period_end, hh.period_end), greatest(i.period_start, hh.period_start)) + 1 AS overlap,
        datediff(i.period_end, i.period_start) + 1 AS days
    FROM incomes i JOIN hh ON hh.household_id = i.household_id
    LEFT JOIN counted c ON c.household_id = i.household_id AND c.person_id = i.person_id
    JOIN treatments{s} t ON t.group_id = hh.group_id AND t.category = i.category
    WHERE (i.person_id IS NULL OR c.is_counted) AND t.treatment IN ('counted', 'deducted')
        AND i.period_end >= i.period_start
),
earnings AS (
    SELECT c.*, hh.wc_ratio_num, hh.wc_ratio_den, hh.wc_base, hh.wc_min_wage_fen, hh.months,
        datediff(hh.period_end, hh.period_start) + 1 AS period_days
    FROM clipped c JOIN hh ON hh.household_id = c.household_id
    WHERE c.programme = {programme_margin} AND c.treatment = 'counted' AND c.category IN ({employment})
        AND c.overlap > 0 AND hh.wc_ratio_num IS NOT NULL
),
work_cost_open AS (
    SELECT DISTINCT household_id FROM earnings
    WHERE wc_base IS NULL OR (wc_base = {minimum_wage} AND wc_min_wage_fen IS NULL)
),
wage_earnings AS (
    SELECT *, max(last_day) OVER (PARTITION BY household_id, person_id ORDER BY first_day, last_day
                                  ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS reach
    FROM earnings WHERE wc_base = {minimum_wage} AND wc_min_wage_fen IS NOT NULL
),
islands AS (
    SELECT *, sum(CASE WHEN first_day > reach THEN 1 ELSE 0 END)
        OVER (PARTITION BY household_id, person_id ORDER BY first_day, last_day) AS island
    FROM wage_earnings
),
earners AS (
    SELECT household_id, person_id, any_value(wc_ratio_num) AS rn, any_value(wc_ratio_den) AS rd,
        any_value(wc_min_wage_fen) AS wage_fen, any_value(months) AS months,
        any_value(period_days) AS period_days,
        {lcm_days} AS lcd
    FROM wage_earnings GROUP BY household_id, person_id
),
employed AS (
    SELECT household_id, person_id, sum(span) AS covered FROM (
        SELECT household_id, person_id, datediff(max(last_day), min(first_day)) + 1 AS span
        FROM islands GROUP BY household_id, person_id, island
    ) x GROUP BY household_id, person_id
),
earned AS (
    SELECT w.household_id, w.person_id, sum((w.fen * w.overlap * e.lcd) div w.days) AS wage_scaled
    FROM wage_earnings w JOIN earners e
        ON e.household_id = w.household_id AND e.person_id IS NOT DISTINCT FROM w.person_id
    GROUP BY w.household_id, w.person_id
),
minimum_wage_costs AS (
    SELECT e.household_id, CAST(e.rn AS BIGINT) * e.wage_fen * e.months * em.covered AS d_num,
        CAST(e.rd AS BIGINT) * e.period_days AS d_den, ed.wage_scaled, e.lcd
    FROM earners e
    JOIN employed em ON em.household_id = e.household_id AND em.person_id IS NOT DISTINCT FROM e.person_id
    JOIN earned ed ON ed.household_id = e.household_id AND ed.person_id IS NOT DISTINCT FROM e.person_id
),
shares AS (
    SELECT household_id, programme, treatment, fen * overlap AS num, CAST(days AS BIGINT) AS den, overlap
    FROM clipped
    UNION ALL
    SELECT household_id, programme, 'deducted', fen * overlap * wc_ratio_num,
        CAST(days AS BIGINT) * wc_ratio_den, overlap
    FROM earnings WHERE wc_base = {employment_income}
    UNION ALL
    SELECT household_id, {programme_margin}, 'deducted',
        CASE WHEN d_num * lcd <= wage_scaled * d_den THEN d_num ELSE wage_scaled END,
        CASE WHEN d_num * lcd <= wage_scaled * d_den THEN d_den ELSE CAST(lcd AS BIGINT) END, 1
    FROM minimum_wage_costs
),
terms AS (
    SELECT household_id, programme, den,
        sum(CASE WHEN treatment = 'counted' THEN 1 ELSE -1 END * num) AS num
    FROM shares WHERE overlap > 0 GROUP BY household_id, programme, den
),
denominators AS (
    SELECT household_id, programme, {lcm_terms} AS lcd
    FROM terms GROUP BY household_id, programme
),
income AS (
    SELECT t.household_id, t.programme, d.lcd,
        greatest(CAST(0 AS BIGINT), sum((t.num * d.lcd) div t.den)) AS net_scaled
    FROM terms t JOIN denominators d USING (household_id, programme)
    GROUP BY t.household_id, t.programme, d.lcd
),
per_capita AS (
    SELECT hh.household_id, p.programme,
        CASE WHEN ps.persons = 0 OR i.net_scaled IS NULL THEN CAST(0 AS BIGINT)
             ELSE (2 * i.net_scaled + i.lcd * hh.months * ps.persons) div (2 * i.lcd * hh.months * ps.persons)
        END AS pci_fen
    FROM hh CROSS JOIN (VALUES ({programme_dibao}), ({programme_margin})) AS p(programme)
    JOIN persons ps ON ps.household_id = hh.household_id
    LEFT JOIN income i ON i.household_id = hh.household_id AND i.programme = p.programme
),
held AS (
    SELECT a.household_id, a.category, CAST(round(a.value * 100) AS BIGINT) AS value_fen
    FROM assets a LEFT SEMI JOIN hh ON hh.household_id = a.household_id
    LEFT JOIN counted c ON c.household_id = a.household_id AND c.person_id = a.person_id
    WHERE (a.person_id IS NULL OR c.is_counted) AND NOT a.exempt
),
asset_measures AS (
    SELECT hh.household_id, r.rule, r.measure, r.limit_value,
        coalesce(sum(held.value_fen), 0) AS total_fen, count(held.household_id) AS items
    FROM hh JOIN (SELECT DISTINCT household_id FROM held) holders ON holders.household_id = hh.household_id
    JOIN asset_rules{s} r ON r.group_id = hh.group_id
    LEFT JOIN asset_rule_categories{s} rc ON rc.group_id = r.group_id AND rc.rule = r.rule
    LEFT JOIN held ON held.household_id = hh.household_id AND held.category = rc.category
    GROUP BY hh.household_id, r.rule, r.measure, r.limit_value
),
asset_checks AS (
    SELECT am.household_id, CASE
            WHEN am.limit_value IS NULL THEN CASE WHEN am.items = 0 THEN TRUE END
            WHEN am.measure = 'value_total' THEN am.total_fen <= am.limit_value
            WHEN am.measure = 'value_per_capita'
                THEN (2 * am.total_fen + ps.persons) div NULLIF(2 * ps.persons, 0) <= am.limit_value
            ELSE am.items <= am.limit_value END AS ok
    FROM asset_measures am JOIN persons ps USING (household_id)
),
assets_ok AS (
    SELECT household_id, CASE WHEN bool_or(ok IS NOT NULL AND NOT ok) THEN FALSE
                              WHEN bool_or(ok IS NULL) THEN NULL ELSE TRUE END AS ok
    FROM asset_checks GROUP BY household_id
),
supplements AS (
    SELECT household_id, sum(amount_fen) AS supplement_fen, bool_or(amount_fen IS NULL) AS supplement_open
    FROM (
        SELECT c.household_id, r.amount_fen, r.condition AS c, c.age AS age, c.disability_grade AS m_grade,
            c.disability_category AS m_category, c.serious_illness AS m_illness, c.self_care AS m_self_care,
            c.h_urban_rural AS h_urban_rural
        FROM counted c JOIN supplement_rules{s} r ON r.group_id = c.group_id
        WHERE c.is_counted
    ) x
    WHERE {supplement_condition}
    GROUP BY household_id
),
senior_person AS (
    SELECT c.household_id, c.person_id, min_by(b.amount_fen, b.bracket) AS amount_fen
    FROM counted c JOIN senior_brackets{s} b ON b.group_id = c.group_id
        AND c.age >= b.age_min AND (b.age_max IS NULL OR c.age <= b.age_max)
    WHERE NOT c.dead GROUP BY c.household_id, c.person_id
),
senior AS (
    SELECT household_id, count(*) AS senior_persons, sum(amount_fen) AS senior_fen
    FROM senior_person GROUP BY household_id
),
assessed AS (
    SELECT hh.household_id, hh.division_code, hh.urban_rural, hh.standard_fen, hh.margin_ceiling_fen,
        hh.rounding_method, hh.rounding_unit_fen,
        coalesce(ps.members, 0) AS members, coalesce(ps.persons, 0) AS persons,
        CASE WHEN ps.household_id IS NULL THEN '家庭没有成员'
             WHEN ps.member_invalid THEN '成员信息不一致'
             WHEN ii.household_id IS NOT NULL THEN '收入记录不一致'
             WHEN ps.persons = 0 THEN '没有计入的共同生活家庭成员'
        END AS error,
        CAST(d.pci_fen AS BIGINT) AS dibao_pci_fen, CAST(mg.pci_fen AS BIGINT) AS margin_pci_fen,
        CASE WHEN hh.assets_unconfigured THEN NULL WHEN ao.household_id IS NULL THEN TRUE ELSE ao.ok END
            AS assets_ok,
        coalesce(sp.supplement_fen, 0) AS supplement_fen,
        hh.supplements_unconfigured OR coalesce(sp.supplement_open, FALSE) AS supplement_manual,
        coalesce(sn.senior_persons, 0) AS senior_persons, coalesce(sn.senior_fen, 0) AS senior_fen,
        wo.household_id IS NOT NULL AS work_cost_open
    FROM hh LEFT JOIN persons ps ON ps.household_id = hh.household_id
    LEFT JOIN income_invalid ii ON ii.household_id = hh.household_id
    LEFT JOIN per_capita d ON d.household_id = hh.household_id AND d.programme = {programme_dibao}
    LEFT JOIN per_capita mg ON mg.household_id = hh.household_id AND mg.programme = {programme_margin}
    LEFT JOIN assets_ok ao ON ao.household_id = hh.household_id
    LEFT JOIN supplements sp ON sp.household_id = hh.household_id
    LEFT JOIN senior sn ON sn.household_id = hh.household_id
    LEFT JOIN work_cost_open wo ON wo.household_id = hh.household_id
),
qualified AS (
    SELECT *, error IS NULL AND dibao_pci_fen < standard_fen AND assets_ok AS dibao_qualifies
    FROM assessed
),
decided AS (
    SELECT *, coalesce(dibao_qualifies, FALSE) AND NOT supplement_manual AS dibao_eligible,
        dibao_qualifies IS NULL OR (coalesce(dibao_qualifies, FALSE) AND supplement_manual) AS dibao_manual,
        error IS NULL AND NOT dibao_qualifies
            AND CASE WHEN work_cost_open THEN NULL ELSE margin_pci_fen < margin_ceiling_fen END AND assets_ok
            AS margin_qualifies,
        (standard_fen - dibao_pci_fen) * persons + coalesce(supplement_fen, 0) AS dibao_raw_fen
    FROM qualified
)
SELECT household_id, division_code, urban_rural, members, persons, error, dibao_pci_fen, dibao_eligible,
    dibao_manual,
    CASE WHEN NOT dibao_eligible THEN 0
         WHEN rounding_method = 'half_up'
             THEN (2 * dibao_raw_fen + rounding_unit_fen) div (2 * rounding_unit_fen)
         WHEN rounding_method = 'up' THEN (dibao_raw_fen + rounding_unit_fen - 1) div rounding_unit_fen
         ELSE dibao_raw_fen div rounding_unit_fen
    END * rounding_unit_fen AS dibao_amount_fen,
    margin_pci_fen, coalesce(margin_qualifies, FALSE) AS margin_eligible,
    margin_qualifies IS NULL AS margin_manual,
    CASE WHEN error IS NULL THEN senior_persons ELSE 0 END AS senior_persons,
    CASE WHEN error IS NULL THEN senior_fen ELSE 0 END AS senior_fen
FROM decided
"""


def spark_tables_load(spark: SparkSession, con: duckdb.DuckDBPyConnection, names: tuple[str, ...]) -> None:
    """DuckDB tables as Spark temporary views of the same names, through Arrow."""
    for name in names:
        spark.createDataFrame(con.sql(f"SELECT * FROM {name}").to_arrow_table()).createOrReplaceTempView(name)


def spark_results_compute(
    spark: SparkSession,
    con: duckdb.DuckDBPyConnection,
    params: InMemoryParams,
    as_of: dt.date,
    *,
    suffix: str = "",
    division_prefix: str = "",
    snapshot: bool = True,
) -> tuple[DataFrame, list[GroupParameters]]:
    """``results_compute`` on Spark: the view ``results{suffix}`` with the same columns and values, over
    the snapshot DuckDB holds (``snapshot_load``; copied to Spark unless ``snapshot`` is false because an
    earlier pass did). The parameter tables are resolved and written by ``groups_build`` in DuckDB."""
    groups = groups_build(con, params, as_of, suffix=suffix)
    spark_tables_load(
        spark, con, (SNAPSHOT_TABLES if snapshot else ()) + tuple(f"{t}{suffix}" for t in GROUP_TABLES)
    )
    values: dict[str, Any] = {
        "s": suffix,
        "as_of": f"DATE '{as_of.isoformat()}'",
        "within": _literal(f"{division_prefix}%"),
        "other": _literal(RelationToHead.OTHER.value),
        "programme_dibao": _literal(Programme.DIBAO.value),
        "programme_margin": _literal(Programme.MARGIN_HOUSEHOLD.value),
        "employment": ", ".join(_literal(c) for c in sorted(EMPLOYMENT_CATEGORIES)),
        "employment_income": _literal(EMPLOYMENT_INCOME),
        "minimum_wage": _literal(MINIMUM_WAGE),
        "lcm_days": lcm_sql(f"collect_list(CAST(days div {gcd_sql('fen * overlap', 'days')} AS BIGINT))"),
        "lcm_terms": lcm_sql(f"collect_list(CAST(den div {gcd_sql('num % den', 'den')} AS BIGINT))"),
        "supplement_condition": supplement_conditions_case(groups),
    }
    frame = spark.sql(_RESULT_SQL.format(**values))
    frame.createOrReplaceTempView(f"results{suffix}")
    return frame, groups


_AGGREGATE_SQL = """
SELECT rpad(substr(b.division_code, 1, {digits}), 12, '0') AS code,
    count(*) AS households,
    count(*) FILTER (WHERE b.error IS NOT NULL) AS refused,
    count(*) FILTER (WHERE b.dibao_eligible) AS dibao_before,
    count(*) FILTER (WHERE n.dibao_eligible) AS dibao_after,
    count(*) FILTER (WHERE n.dibao_eligible AND NOT b.dibao_eligible) AS gained,
    count(*) FILTER (WHERE b.dibao_eligible AND NOT n.dibao_eligible) AS lost,
    count(*) FILTER (WHERE b.dibao_eligible AND n.dibao_eligible AND b.dibao_amount_fen <> n.dibao_amount_fen)
        AS changed,
    coalesce(sum(b.persons) FILTER (WHERE b.dibao_eligible), 0) AS persons_before,
    coalesce(sum(n.persons) FILTER (WHERE n.dibao_eligible), 0) AS persons_after,
    coalesce(sum(b.dibao_amount_fen), 0) AS monthly_before,
    coalesce(sum(n.dibao_amount_fen), 0) AS monthly_after,
    count(*) FILTER (WHERE b.margin_eligible) AS margin_before,
    count(*) FILTER (WHERE n.margin_eligible) AS margin_after,
    count(*) FILTER (WHERE b.dibao_manual) AS manual_before,
    count(*) FILTER (WHERE n.dibao_manual) AS manual_after,
    coalesce(sum(b.senior_fen), 0) AS senior_before,
    coalesce(sum(n.senior_fen), 0) AS senior_after
FROM results_base b JOIN results_new n USING (household_id)
GROUP BY 1 ORDER BY code
"""


def spark_whatif_summary(
    spark: SparkSession,
    con: duckdb.DuckDBPyConnection,
    baseline: InMemoryParams,
    proposed: InMemoryParams,
    as_of: dt.date,
    *,
    within: str,
    digits: int,
) -> list[dict[str, Any]]:
    """The what-if of ``whatif.whatif_run`` on Spark, from the snapshot DuckDB holds: every household with
    the parameters in force, the households under ``within`` again with the proposal (the others copied),
    summed by the division code cut to ``digits`` — the rows of ``whatif._AGGREGATE_SQL``."""
    base, _ = spark_results_compute(spark, con, baseline, as_of, suffix="_base")
    new, _ = spark_results_compute(
        spark, con, proposed, as_of, suffix="_new", division_prefix=within, snapshot=False
    )
    new.unionByName(base.where(f"division_code NOT LIKE {_literal(within + '%')}")).createOrReplaceTempView(
        "results_new"
    )
    rows = spark.sql(_AGGREGATE_SQL.format(digits=int(digits))).collect()
    return [row.asDict() for row in rows]
