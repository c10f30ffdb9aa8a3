"""Parameters of the columnar run, resolved once per group of households that share them (same
jurisdiction chain and urban/rural type) with the policy app's own resolution, and written to DuckDB
tables in exact integer fen; ``people.condition_matches`` (the 分类施保 conditions) as SQL.
"""
# ruff: noqa: S608 - SQL text from model table names, internal table suffixes and validated parameter literals; values are bound

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

import duckdb
import pyarrow as pa

from minzheng.benefits.columnar.snapshot import run
from minzheng.benefits.errors import IncomeTreatmentMissing
from minzheng.benefits.means_test import reference_period
from minzheng.benefits.params import CENT, InMemoryParams, Params
from minzheng.benefits.people import ADULT_AGE
from minzheng.catalogue.programmes import Programme
from minzheng.policy.errors import ParameterMissing
from minzheng.policy.rules import ResolvedParameter, jurisdiction_chain

# The programmes whose income the columnar run assesses (their treatment tables are written per group).
PROGRAMMES_WITH_INCOME = (Programme.DIBAO.value, Programme.MARGIN_HOUSEHOLD.value)

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
    asset_rules: list[tuple[list[str], str, Decimal | None]]  # (categories, measure, limit; None = open)
    supplements: list[tuple[dict[str, Any], Decimal | None]]  # (when, amount per person; None = open)
    assets_unconfigured: bool  # no asset rule at all: 需人工核定, as assets.assets_pass
    supplements_unconfigured: bool  # no 分类施保 rule at all: 需人工核定 for an eligible household
    senior_brackets: list[tuple[int, int | None, Decimal]]
    # 就业成本扣减 (benefits.work_cost): ratio None = not in force here; base / minimum wage None = missing
    work_cost_ratio: Fraction | None = None
    work_cost_base: str | None = None
    minimum_wage: Decimal | None = None


def _work_cost(
    params: Params, code: str, urban_rural: str, as_of: dt.date
) -> tuple[Fraction | None, str | None, Decimal | None]:
    """The work-cost parameters as ``work_cost.work_cost`` reads them: absent ones are ``None``."""

    def optional(key: str) -> Any:
        try:
            return params.get(key, code, urban_rural, as_of).value
        except ParameterMissing:
            return None

    ratio = optional("income.work_cost_ratio")
    if ratio is None:
        return None, None, None
    wage = optional("income.minimum_wage_monthly")
    return (
        Fraction(Decimal(ratio)),
        optional("income.work_cost_base"),
        None if wage is None else Decimal(wage),
    )


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
    asset_rules: list[tuple[list[str], str, Decimal | None]] = []
    asset_table = get("assets.rules").value
    for rule in asset_table:
        limit: Decimal | None
        if rule.get("max", 0) is None:
            limit = None
        elif "max_dibao_months" in rule:
            limit = (Decimal(rule["max_dibao_months"]) * standard_value).quantize(CENT)
        else:
            limit = Decimal(str(rule["max"]))
        asset_rules.append((list(rule["categories"]), rule["measure"], limit))
    supplements: list[tuple[dict[str, Any], Decimal | None]] = []
    supplement_table = get("supplements").value
    for rule in supplement_table:
        amount: Decimal | None
        if rule.get("amount", "") is None:
            amount = None
        elif "amount" in rule:
            amount = Decimal(rule["amount"])
        else:
            amount = (Decimal(rule["percent_of_standard"]) * standard_value).quantize(CENT)
        supplements.append((dict(rule["when"]), amount))
    brackets = [
        (int(b["age_min"]), None if b["age_max"] is None else int(b["age_max"]), Decimal(b["amount"]))
        for b in get("senior_allowance.brackets").value
    ]
    work_cost_ratio, work_cost_base, minimum_wage = _work_cost(params, code, urban_rural, as_of)
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
        assets_unconfigured=not asset_table,
        supplements_unconfigured=not supplement_table,
        senior_brackets=brackets,
        work_cost_ratio=work_cost_ratio,
        work_cost_base=work_cost_base,
        minimum_wage=minimum_wage,
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
            "assets_unconfigured": (pa.bool_(), [g.assets_unconfigured for g in groups]),
            "supplements_unconfigured": (pa.bool_(), [g.supplements_unconfigured for g in groups]),
            "wc_ratio_num": (pa.int64(), [_part(g.work_cost_ratio, "numerator") for g in groups]),
            "wc_ratio_den": (pa.int64(), [_part(g.work_cost_ratio, "denominator") for g in groups]),
            "wc_base": (pa.string(), [g.work_cost_base for g in groups]),
            "wc_min_wage_fen": (
                fen,
                [None if g.minimum_wage is None else _fen(g.minimum_wage) for g in groups],
            ),
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
        (g.group_id, n, cat, measure, _limit(limit, measure))
        for g in groups
        for n, (cats, measure, limit) in enumerate(g.asset_rules)
        for cat in cats
    ]
    rules_rows = [
        (g.group_id, n, measure, _limit(limit, measure))
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
        (g.group_id, conditions.index(_condition_key(when)), None if amount is None else _fen(amount))
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


def _limit(limit: Decimal | None, measure: str) -> int | None:
    """An asset limit in fen (or items); None stays NULL: the limit is open (需人工核定)."""
    if limit is None:
        return None
    return _fen(limit) if measure != "count" else int(limit)


def _part(ratio: Fraction | None, part: str) -> int | None:
    return None if ratio is None else int(getattr(ratio, part))


def _fen(amount: Decimal) -> int:
    return int((amount * 100).to_integral_exact())


def _condition_key(when: dict[str, Any]) -> str:
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
            parts.append(_literal(Programme.DIBAO in value))
        elif name == "household_urban_rural":
            parts.append(f"h_urban_rural = {_literal(value)}")
        else:  # the parameter validation allows only the names above
            raise ValueError(f"unknown supplement condition {name!r}")
    return "(" + " AND ".join(parts) + ")"


def supplement_conditions_case(groups: list[GroupParameters]) -> str:
    """The body of ``supplement_condition`` (the 分类施保 condition numbered ``c``, over the columns
    ``age``, ``m_grade``, ``m_category``, ``m_illness``, ``m_self_care``, ``h_urban_rural``), numbered as
    the table ``supplement_rules`` numbers them: for an engine without DuckDB's macros (Spark)."""
    return _conditions_case(sorted({_condition_key(when) for g in groups for when, _ in g.supplements}))


def _conditions_case(conditions: list[str]) -> str:
    if not conditions:
        return "FALSE"
    arms = " ".join(f"WHEN {n} THEN {condition_sql(json.loads(c))}" for n, c in enumerate(conditions))
    return f"CASE c {arms} ELSE FALSE END"
