"""Set-based assessment of stored households in DuckDB (issue 3 §6–7; architecture decision 7).

The pure engine (``engine.assess``) explains one household; this module computes the same figures for
every stored household of a jurisdiction at once, for the what-if of standard setting and the benchmark.
It covers the programmes whose inputs the registry holds today:

* 低保 — eligibility, per-capita income and the monthly amount (差额 × members + 分类施保, rounded);
* 低保边缘家庭 — the identification;
* 高龄津贴 — the per-person age brackets.

Each is the *same* rule as the pure module, on the facts ``selectors.household_facts_many`` builds
(the mapping in its docstring); ``tests/test_columnar.py`` compares both household by household on a
generated population. Parameters are resolved in Python with the policy app's own resolution, once per
group of households that share them (same jurisdiction chain and urban/rural type), so what differs is
only where the arithmetic runs. Money is computed exactly in integer fen: a prorated income share
``amount × overlap / days`` is a fraction, so the household's income is summed over a common
denominator (the lcm of the record lengths) in 128-bit integers and rounded half-up once, as
``means_test.IncomeSummary`` does with ``Fraction``.

Not covered (stored data does not hold the inputs yet): gradual exit (needs the enrolment, issue 5),
programmes received, 特困 support conditions, refusal of work (审核确认办法第 34 条).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv
from django.db import connection

from minzheng.benefits.errors import IncomeTreatmentMissing
from minzheng.benefits.means_test import reference_period
from minzheng.benefits.params import CENT, InMemoryParams, Params
from minzheng.benefits.people import ADULT_AGE
from minzheng.divisions.models import Division
from minzheng.policy.rules import ResolvedParameter, jurisdiction_chain
from minzheng.registry.choices import RelationToHead
from minzheng.registry.models import AssetRecord, Household, IncomeRecord, Membership, Person

PROGRAMMES_WITH_INCOME = ("dibao", "margin_household")


def duck() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB that never tries to download an extension (offline machines)."""
    return duckdb.connect(config={"autoinstall_known_extensions": "false", "threads": 2})


def run(con: duckdb.DuckDBPyConnection, sql: str, parameters: dict[str, Any] | None = None) -> None:
    """Execute a statement to completion (DuckDB 2 refuses new work while a result is unfetched)."""
    con.execute(sql, parameters).fetchall()


# --- snapshot: registry → Arrow → DuckDB ----------------------------------------------------------------

SNAPSHOT_SCHEMAS: dict[str, pa.Schema] = {
    "households": pa.schema(
        [("household_id", pa.int64()), ("division_code", pa.string()), ("urban_rural", pa.string())]
    ),
    "members": pa.schema(
        [
            ("household_id", pa.int64()),
            ("person_id", pa.int64()),
            ("birth_date", pa.date32()),
            ("relation", pa.string()),
            ("disability_category", pa.string()),
            ("disability_grade", pa.int16()),
            ("self_care", pa.string()),
            ("serious_illness", pa.bool_()),
            ("death_date", pa.date32()),
            ("joined_on", pa.date32()),
            ("membership_id", pa.int64()),
        ]
    ),
    "incomes": pa.schema(
        [
            ("household_id", pa.int64()),
            ("person_id", pa.int64()),
            ("category", pa.string()),
            ("amount", pa.decimal128(12, 2)),
            ("period_start", pa.date32()),
            ("period_end", pa.date32()),
        ]
    ),
    "assets": pa.schema(
        [
            ("household_id", pa.int64()),
            ("person_id", pa.int64()),
            ("category", pa.string()),
            ("value", pa.decimal128(14, 2)),
            ("exempt", pa.bool_()),
        ]
    ),
}


def _snapshot_sql(as_of: dt.date) -> dict[str, tuple[str, list[Any]]]:
    """One SELECT per table, parameterised by the division prefix (``%s`` LIKE) and ``as_of``."""
    h, d = Household._meta.db_table, Division._meta.db_table
    m, p = Membership._meta.db_table, Person._meta.db_table
    i, a = IncomeRecord._meta.db_table, AssetRecord._meta.db_table
    scope = f"JOIN {d} d ON d.id = h.hukou_division_id WHERE d.code LIKE %s AND h.id <= %s"
    active = "m.joined_on <= %s AND (m.left_on IS NULL OR m.left_on > %s)"
    member_of = (
        f"(x.person_id IS NULL OR EXISTS (SELECT 1 FROM {m} m WHERE m.household_id = x.household_id "
        f"AND m.person_id = x.person_id AND {active}))"
    )
    return {
        "households": (f"SELECT h.id, d.code, h.urban_rural FROM {h} h {scope}", []),
        "members": (
            f"SELECT m.household_id, p.id, p.birth_date, m.relation_to_head, p.disability_category, "
            f"p.disability_grade, p.self_care, p.serious_illness, p.death_date, m.joined_on, m.id FROM {m} m "
            f"JOIN {p} p ON p.id = m.person_id JOIN {h} h ON h.id = m.household_id {scope} AND {active}",
            [as_of, as_of],
        ),
        "incomes": (
            f"SELECT x.household_id, x.person_id, x.category, x.amount, x.period_start, x.period_end "
            f"FROM {i} x JOIN {h} h ON h.id = x.household_id {scope} AND {member_of}",
            [as_of, as_of],
        ),
        "assets": (
            f"SELECT x.household_id, x.person_id, x.category, x.value, x.exempt "
            f"FROM {a} x JOIN {h} h ON h.id = x.household_id {scope} AND {member_of}",
            [as_of, as_of],
        ),
    }


def snapshot_load(
    con: duckdb.DuckDBPyConnection,
    *,
    as_of: dt.date,
    division_prefix: str,
    household_id_max: int | None = None,
) -> dict[str, int]:
    """Copy the households under ``division_prefix`` (with members active on ``as_of``, their incomes and
    assets) into DuckDB tables of the same names; returns the row counts. PostgreSQL streams
    ``COPY … TO STDOUT`` into Arrow (stack-notes §3); other databases go through the cursor.
    ``household_id_max`` limits the run to households up to that id (chunks, benchmarks)."""
    upto = household_id_max if household_id_max is not None else 2**62
    counts = {}
    for name, (sql, extra) in _snapshot_sql(as_of).items():
        table = fetch_arrow(sql, [f"{division_prefix}%", upto, *extra], SNAPSHOT_SCHEMAS[name])
        con.register(f"{name}_arrow", table)
        run(con, f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM {name}_arrow")
        if name == "members":  # a person counts once even if two memberships overlap (latest joined wins)
            run(
                con,
                "CREATE OR REPLACE TABLE members AS SELECT * FROM members QUALIFY row_number() OVER "
                "(PARTITION BY household_id, person_id ORDER BY joined_on DESC, membership_id DESC) = 1",
            )
        con.unregister(f"{name}_arrow")
        counts[name] = con.execute(f"SELECT count(*) FROM {name}").fetchall()[0][0]
    return counts


def fetch_arrow(sql: str, params: list[Any], schema: pa.Schema) -> pa.Table:
    if connection.vendor == "postgresql":
        return _copy_arrow(sql, params, schema)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in schema]
    return pa.table(
        [_arrow_column(values, f.type) for values, f in zip(columns, schema, strict=True)], schema=schema
    )


def _arrow_column(values: Sequence[Any], kind: pa.DataType) -> pa.Array:
    """SQLite returns dates as text and decimals as numbers: convert to the schema's type."""
    if pa.types.is_date32(kind):
        values = [dt.date.fromisoformat(v) if isinstance(v, str) else v for v in values]
    elif pa.types.is_decimal(kind):
        values = [None if v is None else Decimal(str(v)).quantize(CENT) for v in values]
    elif pa.types.is_boolean(kind):
        values = [None if v is None else bool(v) for v in values]
    return pa.array(values, type=kind)


def _copy_arrow(sql: str, params: list[Any], schema: pa.Schema) -> pa.Table:
    import psycopg

    connection.ensure_connection()
    raw = connection.connection
    buffer = io.BytesIO()
    query = psycopg.ClientCursor(raw).mogrify(sql, params)  # COPY takes no bound parameters
    with raw.cursor() as cursor, cursor.copy(f"COPY ({query}) TO STDOUT (FORMAT CSV)") as copy:
        for chunk in copy:
            buffer.write(chunk)
    buffer.seek(0)
    if buffer.getbuffer().nbytes == 0:
        return schema.empty_table()
    return pacsv.read_csv(
        buffer,
        read_options=pacsv.ReadOptions(column_names=schema.names),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types=schema,
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
            true_values=["t"],
            false_values=["f"],
        ),
    )


# --- parameters: resolved once per group of households that share them ------------------------------------


@dataclass(frozen=True)
class GroupParameters:
    """Everything the rules need for one group, already resolved and with exact derived amounts."""

    group_id: int
    standard: ResolvedParameter
    margin_ceiling: Decimal
    period_start: dt.date
    period_end: dt.date
    months: int
    rounding_method: str
    rounding_unit: Decimal
    treatments: dict[str, dict[str, str]]  # programme → category → counted/excluded/deducted
    asset_rules: list[tuple[list[str], str, Decimal]]  # (categories, measure, limit)
    supplements: list[tuple[dict[str, Any], Decimal]]  # (when, amount per person)
    senior_brackets: list[tuple[int, int | None, Decimal]]


def _group_resolve(
    params: Params, code: str, urban_rural: str, as_of: dt.date, group_id: int
) -> GroupParameters:
    def get(key: str, kind: str = urban_rural) -> ResolvedParameter:
        return params.get(key, code, kind, as_of)

    standard = get("dibao.standard_monthly")
    standard_value = Decimal(str(standard.value))
    multiple = Decimal(str(get("margin.income_multiple").value))
    months = int(get("income.reference_period_months").value)
    start, end = reference_period(as_of, months)
    rounding = get("rounding").value
    treatments = get("income.category_treatment").value
    for programme in PROGRAMMES_WITH_INCOME:
        if programme not in treatments:
            raise IncomeTreatmentMissing(f"{as_of} 适用的收入计算口径没有“{programme}”的口径")
    asset_rules = []
    for rule in get("assets.rules").value:
        if "max_dibao_months" in rule:
            limit = (Decimal(rule["max_dibao_months"]) * standard_value).quantize(CENT)
        else:
            limit = Decimal(str(rule["max"]))
        asset_rules.append((list(rule["categories"]), rule["measure"], limit))
    supplements = []
    for rule in get("supplements").value:
        if "amount" in rule:
            amount = Decimal(rule["amount"])
        else:
            amount = (Decimal(rule["percent_of_standard"]) * standard_value).quantize(CENT)
        supplements.append((dict(rule["when"]), amount))
    brackets = [
        (int(b["age_min"]), None if b["age_max"] is None else int(b["age_max"]), Decimal(b["amount"]))
        for b in get("senior_allowance.brackets").value
    ]
    return GroupParameters(
        group_id=group_id,
        standard=standard,
        margin_ceiling=(multiple * standard_value).quantize(CENT),
        period_start=start,
        period_end=end,
        months=months,
        rounding_method=rounding["method"],
        rounding_unit=Decimal(rounding["unit"]),
        treatments={p: treatments[p] for p in PROGRAMMES_WITH_INCOME},
        asset_rules=asset_rules,
        supplements=supplements,
        senior_brackets=brackets,
    )


def _place_signature(code: str, configured: set[str]) -> tuple[str, ...]:
    """The jurisdictions on the chain that have any parameter: places with equal signatures resolve alike."""
    return tuple(c for c in jurisdiction_chain(code) if c in configured)


def groups_build(
    con: duckdb.DuckDBPyConnection, params: InMemoryParams, as_of: dt.date, *, suffix: str = ""
) -> list[GroupParameters]:
    """Resolve the parameters for every (place, urban/rural) of the snapshot and write the tables
    ``place_groups``, ``group_params``, ``treatments``, ``asset_rules``, ``supplement_rules`` and
    ``senior_brackets`` (with ``suffix``, so two parameter sets can sit side by side)."""
    configured = {row.division_code for row in params.rows()}
    places = con.execute("SELECT DISTINCT division_code, urban_rural FROM households").fetchall()
    by_signature: dict[tuple[tuple[str, ...], str], int] = {}
    groups: list[GroupParameters] = []
    place_rows: list[tuple[str, str, int]] = []
    for code, urban_rural in places:
        signature = (_place_signature(code, configured), urban_rural)
        group_id = by_signature.get(signature)
        if group_id is None:
            group_id = by_signature[signature] = len(groups)
            groups.append(_group_resolve(params, code, urban_rural, as_of, group_id))
        place_rows.append((code, urban_rural, group_id))
    _tables_write(con, groups, place_rows, suffix)
    return groups


def _tables_write(
    con: duckdb.DuckDBPyConnection,
    groups: list[GroupParameters],
    places: list[tuple[str, str, int]],
    suffix: str,
) -> None:
    def table(name: str, columns: dict[str, tuple[pa.DataType, list[Any]]]) -> None:
        data = pa.table({k: pa.array(v, type=t) for k, (t, v) in columns.items()})
        con.register("t_arrow", data)
        run(con, f"CREATE OR REPLACE TABLE {name}{suffix} AS SELECT * FROM t_arrow")
        con.unregister("t_arrow")

    fen = pa.int64()
    table(
        "place_groups",
        {
            "division_code": (pa.string(), [p[0] for p in places]),
            "urban_rural": (pa.string(), [p[1] for p in places]),
            "group_id": (pa.int32(), [p[2] for p in places]),
        },
    )
    table(
        "group_params",
        {
            "group_id": (pa.int32(), [g.group_id for g in groups]),
            "standard_fen": (fen, [_fen(Decimal(str(g.standard.value))) for g in groups]),
            "margin_ceiling_fen": (fen, [_fen(g.margin_ceiling) for g in groups]),
            "period_start": (pa.date32(), [g.period_start for g in groups]),
            "period_end": (pa.date32(), [g.period_end for g in groups]),
            "months": (pa.int32(), [g.months for g in groups]),
            "rounding_method": (pa.string(), [g.rounding_method for g in groups]),
            "rounding_unit_fen": (fen, [_fen(g.rounding_unit) for g in groups]),
        },
    )
    treatment_rows = [
        (g.group_id, prog, cat, how)
        for g in groups
        for prog, table_ in g.treatments.items()
        for cat, how in table_.items()
    ]
    table(
        "treatments",
        _columns(
            treatment_rows,
            [
                ("group_id", pa.int32()),
                ("programme", pa.string()),
                ("category", pa.string()),
                ("treatment", pa.string()),
            ],
        ),
    )
    asset_rows = [
        (g.group_id, n, cat, measure, _fen(limit) if measure != "count" else int(limit))
        for g in groups
        for n, (cats, measure, limit) in enumerate(g.asset_rules)
        for cat in cats
    ]
    rules_rows = [
        (g.group_id, n, measure, _fen(limit) if measure != "count" else int(limit))
        for g in groups
        for n, (_, measure, limit) in enumerate(g.asset_rules)
    ]
    table(
        "asset_rule_categories",
        _columns(
            asset_rows,
            [
                ("group_id", pa.int32()),
                ("rule", pa.int32()),
                ("category", pa.string()),
                ("measure", pa.string()),
                ("limit_value", pa.int64()),
            ],
        ),
    )
    table(
        "asset_rules",
        _columns(
            rules_rows,
            [
                ("group_id", pa.int32()),
                ("rule", pa.int32()),
                ("measure", pa.string()),
                ("limit_value", pa.int64()),
            ],
        ),
    )
    conditions = sorted({_condition_key(when) for g in groups for when, _ in g.supplements})
    supplement_rows = [
        (g.group_id, conditions.index(_condition_key(when)), _fen(amount))
        for g in groups
        for when, amount in g.supplements
    ]
    table(
        "supplement_rules",
        _columns(
            supplement_rows, [("group_id", pa.int32()), ("condition", pa.int32()), ("amount_fen", pa.int64())]
        ),
    )
    run(
        con,
        f"CREATE OR REPLACE MACRO supplement_condition{suffix}(c, age, m_grade, m_category, "
        f"m_illness, m_self_care, h_urban_rural) AS {_conditions_case(conditions)}",
    )
    bracket_rows = [
        (g.group_id, n, lo, hi, _fen(amount))
        for g in groups
        for n, (lo, hi, amount) in enumerate(g.senior_brackets)
    ]
    table(
        "senior_brackets",
        _columns(
            bracket_rows,
            [
                ("group_id", pa.int32()),
                ("bracket", pa.int32()),
                ("age_min", pa.int32()),
                ("age_max", pa.int32()),
                ("amount_fen", pa.int64()),
            ],
        ),
    )


def _columns(
    rows: list[tuple[Any, ...]], spec: list[tuple[str, pa.DataType]]
) -> dict[str, tuple[pa.DataType, list[Any]]]:
    return {name: (kind, [row[n] for row in rows]) for n, (name, kind) in enumerate(spec)}


def _fen(amount: Decimal) -> int:
    return int((amount * 100).to_integral_exact())


def _condition_key(when: dict[str, Any]) -> str:
    import json

    return json.dumps(when, sort_keys=True, ensure_ascii=False)


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def _in_list(column: str, values: Iterable[Any]) -> str:
    items = [_literal(v) for v in values]
    return f"coalesce({column} IN ({', '.join(items)}), FALSE)" if items else "FALSE"


def condition_sql(when: dict[str, Any]) -> str:
    """``people.condition_matches`` as SQL over the macro's arguments. The household receives only 低保
    in the columnar run (programmes received are not stored yet)."""
    parts = ["TRUE"]
    for name, value in when.items():
        if name == "age_min":
            parts.append(f"age >= {int(value)}")
        elif name == "age_max":
            parts.append(f"age <= {int(value)}")
        elif name == "minor":
            parts.append(f"(age < {ADULT_AGE}) = {_literal(bool(value))}")
        elif name == "disability_grades":
            parts.append(_in_list("m_grade", (int(v) for v in value)))
        elif name == "disability_categories":
            parts.append(_in_list("m_category", value))
        elif name == "serious_illness":
            parts.append(f"m_illness = {_literal(bool(value))}")
        elif name == "self_care":
            parts.append(_in_list("m_self_care", value))
        elif name == "household_programmes":
            parts.append(_literal("dibao" in value))
        elif name == "household_urban_rural":
            parts.append(f"h_urban_rural = {_literal(value)}")
        else:  # the parameter validation allows only the names above
            raise ValueError(f"unknown supplement condition {name!r}")
    return "(" + " AND ".join(parts) + ")"


def _conditions_case(conditions: list[str]) -> str:
    import json

    if not conditions:
        return "FALSE"
    arms = " ".join(f"WHEN {n} THEN {condition_sql(json.loads(c))}" for n, c in enumerate(conditions))
    return f"CASE c {arms} ELSE FALSE END"


# --- the rules in SQL -------------------------------------------------------------------------------------

_RESULT_SQL = """
CREATE OR REPLACE TABLE results{s} AS
WITH
hh AS (
    SELECT h.household_id, h.division_code, h.urban_rural, g.*
    FROM households h JOIN place_groups{s} pg USING (division_code, urban_rural)
    JOIN group_params{s} g USING (group_id)
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
    SELECT *, NOT dead AND relation <> '{other}' AS is_counted FROM mx
),
persons AS (
    SELECT household_id, count(*) AS members, count(*) FILTER (WHERE is_counted) AS persons,
        bool_or(birth_date > $as_of) OR bool_or(death_date < birth_date)
            OR bool_or(disability_grade IS NOT NULL AND (disability_grade NOT BETWEEN 1 AND 4
                       OR disability_category = '')) AS member_invalid
    FROM counted GROUP BY household_id
),
income_invalid AS (
    SELECT DISTINCT i.household_id FROM incomes i LEFT JOIN members m USING (household_id, person_id)
    WHERE i.period_end < i.period_start OR (m.death_date IS NOT NULL AND i.period_start > m.death_date)
),
shares AS (
    SELECT i.household_id, t.programme, t.treatment,
        CAST(round(i.amount * 100) AS HUGEINT) AS fen,
        datediff('day', greatest(i.period_start, hh.period_start), least(i.period_end, hh.period_end)) + 1
            AS overlap,
        datediff('day', i.period_start, i.period_end) + 1 AS days
    FROM incomes i JOIN hh USING (household_id)
    LEFT JOIN counted c ON c.household_id = i.household_id AND c.person_id = i.person_id
    JOIN treatments{s} t ON t.group_id = hh.group_id AND t.category = i.category
    WHERE (i.person_id IS NULL OR c.is_counted) AND t.treatment IN ('counted', 'deducted')
        AND i.period_end >= i.period_start
),
denominators AS (
    SELECT household_id, programme,
        list_reduce(list(CAST(days // gcd(CAST(fen * overlap AS BIGINT), days) AS BIGINT)),
                    lambda x, y: lcm(x, y)) AS lcd
    FROM shares WHERE overlap > 0 GROUP BY household_id, programme
),
income AS (
    SELECT s.household_id, s.programme, d.lcd,
        greatest(CAST(0 AS HUGEINT),
            sum(CASE WHEN s.treatment = 'counted' THEN 1 ELSE -1 END * (s.fen * s.overlap * d.lcd // s.days))
        ) AS net_scaled
    FROM shares s JOIN denominators d USING (household_id, programme)
    WHERE s.overlap > 0 GROUP BY s.household_id, s.programme, d.lcd
),
per_capita AS (
    SELECT hh.household_id, p.programme,
        CASE WHEN ps.persons = 0 OR i.net_scaled IS NULL THEN CAST(0 AS HUGEINT)
             ELSE (2 * i.net_scaled + i.lcd * hh.months * ps.persons) // (2 * i.lcd * hh.months * ps.persons)
        END AS pci_fen
    FROM hh CROSS JOIN (VALUES ('dibao'), ('margin_household')) p(programme)
    JOIN persons ps USING (household_id)
    LEFT JOIN income i ON i.household_id = hh.household_id AND i.programme = p.programme
),
held AS (
    SELECT a.household_id, a.category, CAST(round(a.value * 100) AS BIGINT) AS value_fen
    FROM assets a LEFT JOIN counted c ON c.household_id = a.household_id AND c.person_id = a.person_id
    WHERE (a.person_id IS NULL OR c.is_counted) AND NOT a.exempt
),
asset_measures AS (
    SELECT hh.household_id, r.rule, r.measure, r.limit_value,
        coalesce(sum(held.value_fen), 0) AS total_fen, count(held.household_id) AS items
    FROM hh JOIN asset_rules{s} r ON r.group_id = hh.group_id
    LEFT JOIN asset_rule_categories{s} rc ON rc.group_id = r.group_id AND rc.rule = r.rule
    LEFT JOIN held ON held.household_id = hh.household_id AND held.category = rc.category
    GROUP BY hh.household_id, r.rule, r.measure, r.limit_value
),
assets_ok AS (
    SELECT am.household_id, bool_and(CASE am.measure
            WHEN 'value_total' THEN am.total_fen <= am.limit_value
            WHEN 'value_per_capita' THEN (2 * am.total_fen + ps.persons) // (2 * ps.persons) <= am.limit_value
            ELSE am.items <= am.limit_value END) AS ok
    FROM asset_measures am JOIN persons ps USING (household_id) GROUP BY am.household_id
),
supplements AS (
    SELECT c.household_id, sum(r.amount_fen) AS supplement_fen
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
        coalesce(ao.ok, TRUE) AS assets_ok,
        coalesce(sp.supplement_fen, 0) AS supplement_fen,
        coalesce(sn.senior_persons, 0) AS senior_persons, coalesce(sn.senior_fen, 0) AS senior_fen
    FROM hh LEFT JOIN persons ps USING (household_id)
    LEFT JOIN income_invalid ii USING (household_id)
    LEFT JOIN per_capita d ON d.household_id = hh.household_id AND d.programme = 'dibao'
    LEFT JOIN per_capita mg ON mg.household_id = hh.household_id AND mg.programme = 'margin_household'
    LEFT JOIN assets_ok ao ON ao.household_id = hh.household_id
    LEFT JOIN supplements sp ON sp.household_id = hh.household_id
    LEFT JOIN senior sn ON sn.household_id = hh.household_id
),
decided AS (
    SELECT *, error IS NULL AND dibao_pci_fen < standard_fen AND assets_ok AS dibao_eligible,
        (standard_fen - dibao_pci_fen) * persons + supplement_fen AS dibao_raw_fen
    FROM assessed
)
SELECT household_id, division_code, urban_rural, members, persons, error, dibao_pci_fen, dibao_eligible,
    CASE WHEN NOT dibao_eligible THEN 0
         WHEN rounding_method = 'half_up'
             THEN (2 * dibao_raw_fen + rounding_unit_fen) // (2 * rounding_unit_fen)
         WHEN rounding_method = 'up' THEN (dibao_raw_fen + rounding_unit_fen - 1) // rounding_unit_fen
         ELSE dibao_raw_fen // rounding_unit_fen
    END * rounding_unit_fen AS dibao_amount_fen,
    error IS NULL AND NOT dibao_eligible AND margin_pci_fen < margin_ceiling_fen AND assets_ok
        AS margin_eligible,
    CASE WHEN error IS NULL THEN senior_persons ELSE 0 END AS senior_persons,
    CASE WHEN error IS NULL THEN senior_fen ELSE 0 END AS senior_fen
FROM decided
"""


def results_compute(
    con: duckdb.DuckDBPyConnection, params: InMemoryParams, as_of: dt.date, *, suffix: str = ""
) -> list[GroupParameters]:
    """Assess every household of the snapshot into the table ``results{suffix}``: one row per household
    with ``error`` (the household cannot be assessed: the Chinese reason), the 低保 per-capita income,
    eligibility and monthly amount in fen, the 低保边缘 identification and the 高龄津贴 persons and
    amount. Raises ``ParameterMissing`` when a place lacks a parameter on ``as_of`` (never a guess)."""
    groups = groups_build(con, params, as_of, suffix=suffix)
    run(con, _RESULT_SQL.format(s=suffix, other=RelationToHead.OTHER.value), {"as_of": as_of})
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
