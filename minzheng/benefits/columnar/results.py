"""The columnar rules in SQL: every household of the snapshot assessed at once in DuckDB — 低保 (eligibility,
per-capita income, monthly amount), the 低保边缘 identification (net of 兴安盟's 就业成本扣减,
``work_cost``) and the 高龄津贴 brackets — as the pure modules do it (``tests/test_columnar.py`` and
``tests/test_work_cost.py`` compare them household by household).
"""
# ruff: noqa: S608 - SQL text from model table names, internal table suffixes and validated parameter literals; values are bound

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import duckdb

from minzheng.benefits.columnar.groups import PROGRAMMES_WITH_INCOME, GroupParameters, groups_build
from minzheng.benefits.columnar.snapshot import run
from minzheng.benefits.params import InMemoryParams
from minzheng.benefits.work_cost import EMPLOYMENT_CATEGORIES, EMPLOYMENT_INCOME, MINIMUM_WAGE
from minzheng.catalogue.programmes import Programme
from minzheng.registry.choices import RelationToHead

_RESULT_SQL = """
CREATE OR REPLACE TABLE results{s} AS
WITH
hh AS (
    SELECT h.household_id, h.division_code, h.urban_rural, g.*
    FROM households h JOIN place_groups{s} pg USING (division_code, urban_rural)
    JOIN group_params{s} g USING (group_id)
    WHERE h.division_code LIKE $within
),
mx AS (
    SELECT m.*, hh.group_id, hh.urban_rural AS h_urban_rural,
        (m.death_date IS NOT NULL AND m.death_date <= $as_of) AS dead,
        year($as_of) - year(m.birth_date)
            - CASE WHEN (month($as_of), day($as_of)) < (month(m.birth_date), day(m.birth_date))
                   THEN 1 ELSE 0 END AS age
    FROM members m JOIN hh USING (household_id)
),
counted AS (
    SELECT *, NOT dead AND relation <> $other AS is_counted FROM mx
),
persons AS (
    SELECT household_id, count(*) AS members, count(*) FILTER (WHERE is_counted) AS persons,
        bool_or(birth_date > $as_of) OR bool_or(death_date < birth_date)
            OR bool_or(disability_grade IS NOT NULL AND (disability_grade NOT BETWEEN 1 AND 4
                       OR disability_category = '')) AS member_invalid
    FROM counted GROUP BY household_id
),
income_invalid AS (
    SELECT DISTINCT i.household_id FROM incomes i SEMI JOIN hh USING (household_id)
    LEFT JOIN members m USING (household_id, person_id)
    WHERE i.period_end < i.period_start OR (m.death_date IS NOT NULL AND i.period_start > m.death_date)
),
clipped AS NOT MATERIALIZED (  -- streamed: 2.2 M rows, and `earnings` reads only a few
    SELECT i.household_id, i.person_id, i.category, t.programme, t.treatment,
        CAST(round(i.amount * 100) AS HUGEINT) AS fen,
        greatest(i.period_start, hh.period_start) AS first_day,
        least(i.period_end, hh.period_end) AS last_day,
        datediff('day', greatest(i.period_start, hh.period_start), least(i.period_end, hh.period_end)) + 1
            AS overlap,
        datediff('day', i.period_start, i.period_end) + 1 AS days
    FROM incomes i JOIN hh USING (household_id)
    LEFT JOIN counted c ON c.household_id = i.household_id AND c.person_id = i.person_id
    JOIN treatments{s} t ON t.group_id = hh.group_id AND t.category = i.category
    WHERE (i.person_id IS NULL OR c.is_counted) AND t.treatment IN ('counted', 'deducted')
        AND i.period_end >= i.period_start AND list_contains($programmes, t.programme)
),{work_cost}
shares AS (  -- each term is num / den fen: prorated records, then the work-cost deductions
    SELECT household_id, programme, treatment, fen * overlap AS num, CAST(days AS HUGEINT) AS den, overlap
    FROM clipped
{work_cost_shares}),
terms AS (  -- the signed shares summed per denominator (Σ numᵢ / den is exact): few per household
    SELECT household_id, programme, den,
        sum(CASE WHEN treatment = 'counted' THEN 1 ELSE -1 END * num) AS num
    FROM shares WHERE overlap > 0 GROUP BY household_id, programme, den
),
denominators AS (
    SELECT household_id, programme,
        list_reduce(list(CAST(den // gcd(abs(num), den) AS BIGINT)), lambda x, y: lcm(x, y)) AS lcd
    FROM terms GROUP BY household_id, programme
),
income AS (
    SELECT t.household_id, t.programme, d.lcd,
        greatest(CAST(0 AS HUGEINT), sum(t.num * d.lcd // t.den)) AS net_scaled
    FROM terms t JOIN denominators d USING (household_id, programme)
    GROUP BY t.household_id, t.programme, d.lcd
),
per_capita AS (
    SELECT hh.household_id, p.programme,
        CASE WHEN ps.persons = 0 OR i.net_scaled IS NULL THEN CAST(0 AS HUGEINT)
             ELSE (2 * i.net_scaled + i.lcd * hh.months * ps.persons) // (2 * i.lcd * hh.months * ps.persons)
        END AS pci_fen
    FROM hh CROSS JOIN (SELECT unnest($programmes) AS programme) p
    JOIN persons ps USING (household_id)
    LEFT JOIN income i ON i.household_id = hh.household_id AND i.programme = p.programme
),
{benefits}assessed AS (
    SELECT hh.household_id, hh.division_code, hh.urban_rural,
        coalesce(ps.members, 0) AS members, coalesce(ps.persons, 0) AS persons,
        CASE WHEN ps.household_id IS NULL THEN '家庭没有成员'
             WHEN ps.member_invalid THEN '成员信息不一致'
             WHEN ii.household_id IS NOT NULL THEN '收入记录不一致'
             WHEN ps.persons = 0 THEN '没有计入的共同生活家庭成员'
        END AS error,
        CAST(d.pci_fen AS BIGINT) AS dibao_pci_fen{assessed_columns}
    FROM hh LEFT JOIN persons ps USING (household_id)
    LEFT JOIN income_invalid ii USING (household_id)
    LEFT JOIN per_capita d ON d.household_id = hh.household_id AND d.programme = $programme_dibao
{assessed_joins}){decision}
"""


# The parts only the full assessment needs (the 低保边缘 work cost, assets, 分类施保, 高龄津贴 and the
# decisions); ``results_compute(…, income_only=True)`` leaves them out.
_WORK_COST_SQL = """
earnings AS (  -- counted employment income of the margin test where 兴安盟's 就业成本扣减 is in force
    SELECT c.*, hh.wc_ratio_num, hh.wc_ratio_den, hh.wc_base, hh.wc_min_wage_fen, hh.months,
        datediff('day', hh.period_start, hh.period_end) + 1 AS period_days
    FROM clipped c JOIN hh USING (household_id)
    WHERE c.programme = $programme_margin AND c.treatment = 'counted'
        AND list_contains($employment, c.category)
        AND c.overlap > 0 AND hh.wc_ratio_num IS NOT NULL
),
work_cost_open AS (  -- the base, or the minimum wage it needs, is missing: 需人工核定
    SELECT DISTINCT household_id FROM earnings
    WHERE wc_base IS NULL OR (wc_base = $minimum_wage AND wc_min_wage_fen IS NULL)
),
wage_earnings AS (
    SELECT *, max(last_day) OVER (PARTITION BY household_id, person_id ORDER BY first_day, last_day
                                  ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS reach
    FROM earnings WHERE wc_base = $minimum_wage AND wc_min_wage_fen IS NOT NULL
),
islands AS (  -- the union of an earner's records: days employed in the period
    SELECT *, sum(CASE WHEN first_day > reach THEN 1 ELSE 0 END)
        OVER (PARTITION BY household_id, person_id ORDER BY first_day, last_day) AS island
    FROM wage_earnings
),
earners AS (
    SELECT household_id, person_id, any_value(wc_ratio_num) AS rn, any_value(wc_ratio_den) AS rd,
        any_value(wc_min_wage_fen) AS wage_fen, any_value(months) AS months,
        any_value(period_days) AS period_days,
        list_reduce(list(CAST(days // gcd(fen * overlap, days) AS BIGINT)), lambda x, y: lcm(x, y)) AS lcd
    FROM wage_earnings GROUP BY household_id, person_id
),
employed AS (
    SELECT household_id, person_id, sum(span) AS covered FROM (
        SELECT household_id, person_id, datediff('day', min(first_day), max(last_day)) + 1 AS span
        FROM islands GROUP BY household_id, person_id, island
    ) GROUP BY household_id, person_id
),
earned AS (
    SELECT w.household_id, w.person_id, sum(w.fen * w.overlap * e.lcd // w.days) AS wage_scaled
    FROM wage_earnings w JOIN earners e
        ON e.household_id = w.household_id AND e.person_id IS NOT DISTINCT FROM w.person_id
    GROUP BY w.household_id, w.person_id
),
minimum_wage_costs AS (  -- ratio × minimum wage × months employed, at most the earner's wage income
    SELECT e.household_id, CAST(e.rn AS HUGEINT) * e.wage_fen * e.months * em.covered AS d_num,
        CAST(e.rd AS HUGEINT) * e.period_days AS d_den, ed.wage_scaled, e.lcd
    FROM earners e
    JOIN employed em ON em.household_id = e.household_id AND em.person_id IS NOT DISTINCT FROM e.person_id
    JOIN earned ed ON ed.household_id = e.household_id AND ed.person_id IS NOT DISTINCT FROM e.person_id
),"""
_WORK_COST_SHARES_SQL = """    UNION ALL
    SELECT household_id, programme, 'deducted', fen * overlap * wc_ratio_num,
        CAST(days AS HUGEINT) * wc_ratio_den, overlap
    FROM earnings WHERE wc_base = $employment_income
    UNION ALL
    SELECT household_id, $programme_margin, 'deducted',
        CASE WHEN d_num * lcd <= wage_scaled * d_den THEN d_num ELSE wage_scaled END,
        CASE WHEN d_num * lcd <= wage_scaled * d_den THEN d_den ELSE CAST(lcd AS HUGEINT) END, 1
    FROM minimum_wage_costs
"""
_BENEFITS_SQL = """held AS (
    SELECT a.household_id, a.category, CAST(round(a.value * 100) AS BIGINT) AS value_fen
    FROM assets a SEMI JOIN hh USING (household_id)
    LEFT JOIN counted c ON c.household_id = a.household_id AND c.person_id = a.person_id
    WHERE (a.person_id IS NULL OR c.is_counted) AND NOT a.exempt
),
asset_measures AS (  -- only the rules a household holds something under: with nothing held a limit is met
    -- (limits are ≥ 0, policy.values) and an open one too (TRUE below), so those checks add nothing
    SELECT held.household_id, rc.rule, rc.measure, rc.limit_value,
        sum(held.value_fen) AS total_fen, count(*) AS items
    FROM held JOIN hh USING (household_id)
    JOIN asset_rule_categories{s} rc ON rc.group_id = hh.group_id AND rc.category = held.category
    GROUP BY held.household_id, rc.rule, rc.measure, rc.limit_value
),
asset_checks AS (  -- TRUE within, FALSE over a configured limit, NULL: held under an open limit
    SELECT am.household_id, CASE
            WHEN am.limit_value IS NULL THEN CASE WHEN am.items = 0 THEN TRUE END
            WHEN am.measure = 'value_total' THEN am.total_fen <= am.limit_value
            WHEN am.measure = 'value_per_capita'
                THEN (2 * am.total_fen + ps.persons) // (2 * ps.persons) <= am.limit_value
            ELSE am.items <= am.limit_value END AS ok
    FROM asset_measures am JOIN persons ps USING (household_id)
),
assets_ok AS (  -- as assets.assets_pass: any refusal wins, then any open limit (需人工核定)
    SELECT household_id, CASE WHEN bool_or(ok IS NOT NULL AND NOT ok) THEN FALSE
                              WHEN bool_or(ok IS NULL) THEN NULL ELSE TRUE END AS ok
    FROM asset_checks GROUP BY household_id
),
supplements AS (
    SELECT c.household_id, sum(r.amount_fen) AS supplement_fen,
        bool_or(r.amount_fen IS NULL) AS supplement_open
    FROM counted c JOIN supplement_rules{s} r ON r.group_id = c.group_id
    WHERE c.is_counted AND supplement_condition{s}(r.condition, c.age, c.disability_grade,
        c.disability_category, c.serious_illness, c.self_care, c.h_urban_rural)
    GROUP BY c.household_id
),
senior_person AS (  -- the first bracket that matches, as allowances.senior_allowance reads them
    SELECT c.household_id, c.person_id, arg_min(b.amount_fen, b.bracket) AS amount_fen
    FROM counted c JOIN senior_brackets{s} b ON b.group_id = c.group_id
        AND c.age >= b.age_min AND (b.age_max IS NULL OR c.age <= b.age_max)
    WHERE NOT c.dead GROUP BY c.household_id, c.person_id
),
senior AS (
    SELECT household_id, count(*) AS senior_persons, sum(amount_fen) AS senior_fen
    FROM senior_person GROUP BY household_id
),
"""
_ASSESSED_COLUMNS_SQL = """, CAST(mg.pci_fen AS BIGINT) AS margin_pci_fen,
        hh.standard_fen, hh.margin_ceiling_fen, hh.rounding_method, hh.rounding_unit_fen,
        CASE WHEN hh.assets_unconfigured THEN NULL WHEN ao.household_id IS NULL THEN TRUE ELSE ao.ok END
            AS assets_ok,
        coalesce(sp.supplement_fen, 0) AS supplement_fen,
        hh.supplements_unconfigured OR coalesce(sp.supplement_open, FALSE) AS supplement_manual,
        coalesce(sn.senior_persons, 0) AS senior_persons, coalesce(sn.senior_fen, 0) AS senior_fen,
        wo.household_id IS NOT NULL AS work_cost_open"""
_ASSESSED_JOINS_SQL = """\
    LEFT JOIN per_capita mg ON mg.household_id = hh.household_id AND mg.programme = $programme_margin
    LEFT JOIN assets_ok ao ON ao.household_id = hh.household_id
    LEFT JOIN supplements sp ON sp.household_id = hh.household_id
    LEFT JOIN senior sn ON sn.household_id = hh.household_id
    LEFT JOIN work_cost_open wo ON wo.household_id = hh.household_id
"""
_DECISION_SQL = """,
qualified AS (  -- SQL's three-valued AND is reasons.all_of: NULL = 需人工核定
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
             THEN (2 * dibao_raw_fen + rounding_unit_fen) // (2 * rounding_unit_fen)
         WHEN rounding_method = 'up' THEN (dibao_raw_fen + rounding_unit_fen - 1) // rounding_unit_fen
         ELSE dibao_raw_fen // rounding_unit_fen
    END * rounding_unit_fen AS dibao_amount_fen,
    margin_pci_fen, coalesce(margin_qualifies, FALSE) AS margin_eligible,
    margin_qualifies IS NULL AS margin_manual,
    CASE WHEN error IS NULL THEN senior_persons ELSE 0 END AS senior_persons,
    CASE WHEN error IS NULL THEN senior_fen ELSE 0 END AS senior_fen
FROM decided"""
# Columns of ``results`` when only the income is assessed (what the monitoring snapshot reads).
INCOME_COLUMNS = (
    "household_id",
    "division_code",
    "urban_rural",
    "members",
    "persons",
    "error",
    "dibao_pci_fen",
)
_INCOME_SQL = f"""
SELECT {", ".join(INCOME_COLUMNS)} FROM assessed"""


def results_compute(
    con: duckdb.DuckDBPyConnection,
    params: InMemoryParams,
    as_of: dt.date,
    *,
    suffix: str = "",
    division_prefix: str = "",
    income_only: bool = False,
) -> list[GroupParameters]:
    """Assess every household of the snapshot into the table ``results{suffix}``: one row per household
    with ``error`` (the household cannot be assessed: the Chinese reason), the 低保 per-capita income,
    eligibility, ``dibao_manual`` (需人工核定: an asset limit or 分类施保 amount not configured) and monthly
    amount in fen, the 低保边缘 per-capita income (``margin_pci_fen``, net of the 就业成本扣减),
    identification and ``margin_manual`` (also: the deduction's base is open) and the 高龄津贴 persons and
    amount. Raises ``ParameterMissing`` when a place lacks a parameter on ``as_of`` (never a guess).
    ``division_prefix`` assesses only the snapshot's households under that division (the what-if's second
    pass: a proposed version moves nothing outside its own division).

    ``income_only`` writes only ``INCOME_COLUMNS`` (members, persons, error, 低保 per-capita income), the
    same values by the same SQL without the margin, asset, 分类施保 and 高龄 parts: the monitoring snapshot
    reads nothing else (at 2.6 M people the rest is most of the assessment's time). The parameters are
    resolved in full either way, so a missing one still raises."""
    groups = groups_build(con, params, as_of, suffix=suffix)
    programmes = [Programme.DIBAO.value] if income_only else list(PROGRAMMES_WITH_INCOME)
    sql = _RESULT_SQL.format(
        s="{s}",  # the fragments name tables with the suffix too: filled in below
        work_cost="" if income_only else _WORK_COST_SQL,
        work_cost_shares="" if income_only else _WORK_COST_SHARES_SQL,
        benefits="" if income_only else _BENEFITS_SQL,
        assessed_columns="" if income_only else _ASSESSED_COLUMNS_SQL,
        assessed_joins="" if income_only else _ASSESSED_JOINS_SQL,
        decision=_INCOME_SQL if income_only else _DECISION_SQL,
    ).format(s=suffix)
    parameters = {
        "as_of": as_of,
        "within": f"{division_prefix}%",
        "other": RelationToHead.OTHER.value,
        "programmes": programmes,
        "programme_dibao": Programme.DIBAO.value,
        "programme_margin": Programme.MARGIN_HOUSEHOLD.value,
        "employment": sorted(EMPLOYMENT_CATEGORIES),
        "employment_income": EMPLOYMENT_INCOME,
        "minimum_wage": MINIMUM_WAGE,
    }
    # DuckDB refuses a named parameter the statement does not use
    run(con, sql, {name: value for name, value in parameters.items() if f"${name}" in sql})
    return groups


def results_rows(con: duckdb.DuckDBPyConnection, suffix: str = "") -> Iterator[dict[str, Any]]:
    cursor = con.execute(f"SELECT * FROM results{suffix} ORDER BY household_id")
    names = [d[0] for d in cursor.description]
    for row in cursor.fetchall():
        yield dict(zip(names, row, strict=True))


def stored_params() -> InMemoryParams:
    """Every current (not superseded) parameter version of the store, in memory, for a batch run."""
    from minzheng.policy.models import Parameter
    from minzheng.policy.rules import ParameterRow
    from minzheng.policy.selectors import ROW_FIELDS

    rows = Parameter.objects.current().values_list(*ROW_FIELDS)
    return InMemoryParams(ParameterRow(*values) for values in rows)
