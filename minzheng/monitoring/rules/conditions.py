"""The warning-rule condition language (ADR 0019) and its compiler to SQL.

A warning rule is *data*: a JSON condition over named indicators, time windows and thresholds that name
effective-dated policy parameters. ``condition_validate`` explains every problem in Chinese;
``rule_compile_condition`` turns a valid rule into one ANSI SELECT over the tables the engine loads
(``monitor_persons``, ``monitor_households``, ``feed_records``, ``receipts``, ``population``,
``place_params``), using only joins, ``GROUP BY``, ``CASE`` and ``DATE '…'`` literals, so the same text
runs in DuckDB and in Spark SQL (ADR 0038). Time windows count calendar months back from the day
(``common.months.add_months``, 《民法典》第202条).
"""
# ruff: noqa: S608 - SQL compiled from validated tokens only

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, Final

from minzheng.common.months import add_months
from minzheng.monitoring.rules.categories import Category
from minzheng.monitoring.rules.feed_registry import FEEDS


class Subject(StrEnum):
    PERSON = "person"
    HOUSEHOLD = "household"


SUBJECT_LABELS: Final = {Subject.PERSON: "个人", Subject.HOUSEHOLD: "家庭"}

# Numeric indicators: name → (Chinese label, arguments allowed).
NUMBER_INDICATORS: Final = {
    "feed_amount": ("部门数据金额合计（时间窗口内）", {"feed", "months", "codes"}),
    "feed_count": ("部门数据记录数（时间窗口内）", {"feed", "months", "codes"}),
    "income_monthly_per_capita": ("家庭月人均收入（低保口径）", set()),
    "income_annual": ("家庭年收入（低保口径，月人均×人数×12）", set()),
    "household_size": ("计入的家庭人口数", set()),
}
FLAG_INDICATORS: Final = {
    "receives": ("正在享受救助项目", {"programmes"}),
    "in_category": ("属于低收入人口类别", {"categories"}),
    "is_head": ("为户主（主要劳动力）", set()),
    "deceased": ("已死亡（登记或公安死亡数据）", set()),
}
OPERATORS: Final = {">": ">", ">=": ">=", "<": "<", "<=": "<=", "=": "=", "!=": "<>"}
ARITHMETIC: Final = {"add": "+", "sub": "-", "mul": "*"}
MAX_MONTHS: Final = 120
NUMBER_TYPE: Final = "DECIMAL(38,10)"  # every number of a condition; products are cast back after each step
CODE_RE = re.compile(r"^[a-z0-9_]{1,40}$")


class RuleProblem(Exception):
    """A rule that does not compile; ``problems`` are Chinese sentences naming where."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("；".join(problems))
        self.problems = problems


def _is_decimal(value: Any) -> bool:
    if isinstance(value, (bool, float)):
        return False
    try:
        Decimal(str(value))
    except (InvalidOperation, ValueError):
        return False
    return isinstance(value, int | str)


@dataclass
class _Compiler:
    """Walks a condition once, validating it and emitting SQL; collects the aggregate joins it needs."""

    subject: Subject
    as_of: dt.date
    known_params: frozenset[str]
    problems: list[str] = field(default_factory=list)
    aggregates: dict[tuple[str, str, int, tuple[str, ...]], str] = field(default_factory=dict)
    params: list[str] = field(default_factory=list)
    evidence: dict[str, str] = field(default_factory=dict)  # Chinese label → SQL expression

    def condition(self, node: Any, where: str) -> str:
        if not isinstance(node, Mapping):
            self.problems.append(f"{where}：条件应为 JSON 对象")
            return "FALSE"
        if "all" in node or "any" in node:
            key = "all" if "all" in node else "any"
            items = node[key]
            if not isinstance(items, list) or not items:
                self.problems.append(f"{where}：“{key}”应为非空列表")
                return "FALSE"
            joined = f" {'AND' if key == 'all' else 'OR'} ".join(
                self.condition(item, f"{where}.{key}[{n}]") for n, item in enumerate(items)
            )
            return f"({joined})"
        if "not" in node:
            return f"(NOT {self.condition(node['not'], f'{where}.not')})"
        if "flag" in node:
            return self.flag(node, where)
        if "op" in node:
            op = node.get("op")
            if op not in OPERATORS:
                self.problems.append(f"{where}：比较符“{op}”无效，可选：{'、'.join(OPERATORS)}")
                return "FALSE"
            left = self.number(node.get("left"), f"{where}.left")
            right = self.number(node.get("right"), f"{where}.right")
            return f"({left} {OPERATORS[op]} {right})"
        self.problems.append(f"{where}：应为 all / any / not / flag 或比较（left、op、right）")
        return "FALSE"

    def number(self, node: Any, where: str) -> str:
        if _is_decimal(node):
            return f"CAST({Decimal(str(node))} AS DECIMAL(38,10))"
        if not isinstance(node, Mapping):
            self.problems.append(f"{where}：应为数字、参数、指标或运算")
            return "0"
        if "param" in node:
            key = node["param"]
            if key not in self.known_params:
                self.problems.append(f"{where}：未知的政策参数“{key}”")
                return "0"
            if key not in self.params:
                self.params.append(key)
            column = f"prm.p{self.params.index(key)}"
            self.evidence[f"参数 {key}"] = column
            return column
        for name, sign in ARITHMETIC.items():
            if name in node:
                items = node[name]
                if not isinstance(items, list) or len(items) < 2:
                    self.problems.append(f"{where}：“{name}”应为至少两项的列表")
                    return "0"
                parts = [self.number(i, f"{where}.{name}[{n}]") for n, i in enumerate(items)]
                folded = parts[0]
                for part in parts[1:]:  # exact: every step back to DECIMAL(38,10) (DuckDB and Spark)
                    folded = f"CAST(({folded} {sign} {part}) AS {NUMBER_TYPE})"
                return folded
        if "indicator" in node:
            return self.indicator(node, where)
        self.problems.append(f"{where}：应为数字、参数（param）、指标（indicator）或运算（add/sub/mul）")
        return "0"

    def _arguments(self, node: Mapping[str, Any], allowed: set[str], where: str, kind: str) -> None:
        extra = set(node) - allowed - {kind}
        if extra:
            self.problems.append(f"{where}：不支持的参数 {'、'.join(sorted(extra))}")

    def indicator(self, node: Mapping[str, Any], where: str) -> str:
        name = node["indicator"]
        if name not in NUMBER_INDICATORS:
            self.problems.append(f"{where}：未知的指标“{name}”，可选：{'、'.join(NUMBER_INDICATORS)}")
            return "0"
        label, allowed = NUMBER_INDICATORS[name]
        self._arguments(node, allowed, where, "indicator")
        if name in ("feed_amount", "feed_count"):
            return self.feed_aggregate(name, node, where)
        expression = {
            "income_monthly_per_capita": "b.income_monthly_per_capita",
            "income_annual": "b.income_annual",
            "household_size": "CAST(b.household_size AS DECIMAL(38,10))",
        }[name]
        self.evidence[label] = expression
        return expression

    def feed_aggregate(self, name: str, node: Mapping[str, Any], where: str) -> str:
        feed = node.get("feed")
        if feed not in FEEDS:
            self.problems.append(f"{where}：未知的部门数据“{feed}”")
            return "0"
        months = node.get("months", 0)
        if isinstance(months, bool) or not isinstance(months, int) or not 0 <= months <= MAX_MONTHS:
            self.problems.append(f"{where}：时间窗口 months 应为 0–{MAX_MONTHS} 的整数（0 = 不限）")
            return "0"
        codes = node.get("codes", [])
        if not isinstance(codes, list) or not all(isinstance(c, str) and CODE_RE.match(c) for c in codes):
            self.problems.append(f"{where}：codes 应为代码列表")
            return "0"
        key = (name, feed, months, tuple(sorted(codes)))
        alias = self.aggregates.setdefault(key, f"a{len(self.aggregates)}")
        window = f"近{months}个月" if months else "全部"
        filtered = f"（{'、'.join(codes)}）" if codes else ""
        label = f"{FEEDS[feed].label}{filtered}{'金额' if name == 'feed_amount' else '记录数'}（{window}）"
        expression = f"coalesce({alias}.v, CAST(0 AS DECIMAL(38,10)))"
        self.evidence[label] = expression
        return expression

    def flag(self, node: Mapping[str, Any], where: str) -> str:
        name = node["flag"]
        if name not in FLAG_INDICATORS:
            self.problems.append(f"{where}：未知的条件“{name}”，可选：{'、'.join(FLAG_INDICATORS)}")
            return "FALSE"
        label, allowed = FLAG_INDICATORS[name]
        self._arguments(node, allowed, where, "flag")
        if name in ("receives", "in_category"):
            argument = "programmes" if name == "receives" else "categories"
            values = node.get(argument)
            if (
                not isinstance(values, list)
                or not values
                or not all(isinstance(v, str) and CODE_RE.match(v) for v in values)
            ):
                self.problems.append(f"{where}：{argument} 应为非空代码列表")
                return "FALSE"
            if name == "in_category" and not set(values) <= {c.value for c in Category}:
                self.problems.append(
                    f"{where}：未知的低收入人口类别 {'、'.join(sorted(set(values) - set(Category)))}"
                )
                return "FALSE"
            table, column = ("receipts", "programme") if name == "receives" else ("population", "category")
            listed = ", ".join(f"'{v}'" for v in sorted(values))
            on = (
                "r.household_id = b.household_id"
                if self.subject == Subject.HOUSEHOLD or name == "receives"
                else "r.person_id = b.person_id"
            )
            if name == "receives" and self.subject == Subject.PERSON:
                on = "r.household_id = b.household_id AND (r.person_id IS NULL OR r.person_id = b.person_id)"
            return f"EXISTS (SELECT 1 FROM {table} r WHERE {on} AND r.{column} IN ({listed}))"
        if self.subject == Subject.HOUSEHOLD:
            self.problems.append(f"{where}：条件“{label}”只适用于以个人为对象的规则")
            return "FALSE"
        return {"is_head": "b.is_head", "deceased": "b.deceased"}[name]


def _aggregate_sql(
    key: tuple[str, str, int, tuple[str, ...]], alias: str, subject: Subject, as_of: dt.date
) -> str:
    name, feed, months, codes = key
    value = "sum(f.amount)" if name == "feed_amount" else "count(*)"
    conditions = [f"f.feed = '{feed}'", f"f.event_date <= DATE '{as_of.isoformat()}'"]
    if months:
        conditions.append(f"f.event_date > DATE '{add_months(as_of, -months).isoformat()}'")
    if codes:
        conditions.append("f.code IN (" + ", ".join(f"'{c}'" for c in codes) + ")")
    group = "f.household_id" if subject == Subject.HOUSEHOLD else "f.person_id"
    return (
        f"{alias} AS (SELECT {group} AS sid, CAST({value} AS DECIMAL(38,10)) AS v FROM feed_records f "
        f"WHERE {' AND '.join(conditions)} GROUP BY {group})"
    )


@dataclass(frozen=True)
class CompiledRule:
    sql: str  # SELECT household_id, person_id, division_code, e0… FROM … WHERE condition
    params: tuple[str, ...]  # parameter keys, in the order of place_params columns p0, p1, …
    evidence_labels: tuple[str, ...]


def feeds_read(rules_: Sequence[tuple[Any, str]], as_of: dt.date) -> dict[str, dt.date | None]:
    """The department records a set of (condition, subject) rules reads on ``as_of``: feed → the day after
    which records count (``None``: all of them). The 公安 death records are always read whole (the
    ``deceased`` flag). Conditions that do not compile read nothing."""
    needed: dict[str, dt.date | None] = {"death": None}
    for condition, subject in rules_:
        if subject not in {s.value for s in Subject}:
            continue
        compiler = _Compiler(Subject(subject), as_of, frozenset())
        compiler.condition(condition, "条件")
        for _name, feed, months, _codes in compiler.aggregates:
            start = add_months(as_of, -months) if months else None
            if feed in needed and (needed[feed] is None or start is None):
                needed[feed] = None
            else:
                needed[feed] = start if feed not in needed else min(needed[feed], start)  # type: ignore[type-var]
    return needed


def condition_validate(condition: Any, subject: str, *, known_params: frozenset[str]) -> list[str]:
    """Every problem of a condition, in Chinese; empty when it compiles."""
    try:
        rule_compile_condition(condition, subject, dt.date(2000, 1, 1), known_params=known_params)
    except RuleProblem as problem:
        return problem.problems
    return []


def rule_compile_condition(
    condition: Any, subject: str, as_of: dt.date, *, known_params: frozenset[str]
) -> CompiledRule:
    """Compile a condition for ``as_of`` (windows end on ``as_of``, inclusive) into one SELECT.

    The base table is ``monitor_persons`` or ``monitor_households`` (by subject), both carrying
    ``household_id``, ``division_code``, ``urban_rural`` and the income figures; parameters come from
    ``place_params`` (one row per place with columns p0…, resolved in Python per place). Raises
    ``RuleProblem`` listing every problem."""
    if subject not in {s.value for s in Subject}:
        raise RuleProblem([f"规则对象“{subject}”无效，可选：person（个人）、household（家庭）"])
    compiler = _Compiler(Subject(subject), as_of, known_params)
    where = compiler.condition(condition, "条件")
    if compiler.problems:
        raise RuleProblem(compiler.problems)
    subject_ = Subject(subject)
    ctes = [_aggregate_sql(key, alias, subject_, as_of) for key, alias in compiler.aggregates.items()]
    base = "monitor_persons" if subject_ == Subject.PERSON else "monitor_households"
    sid = "b.person_id" if subject_ == Subject.PERSON else "b.household_id"
    joins = "".join(f" LEFT JOIN {alias} ON {alias}.sid = {sid}" for alias in compiler.aggregates.values())
    joins += (
        " LEFT JOIN place_params prm"
        " ON prm.division_code = b.division_code AND prm.urban_rural = b.urban_rural"
    )
    labels = tuple(compiler.evidence)
    # The evidence as plain text without trailing zeros. ``TRIM(TRAILING … FROM …)`` and ``STRING`` because
    # the two engines disagree on the rest: Spark's two-argument ``rtrim`` takes its arguments the other
    # way round and Spark refuses ``VARCHAR`` without a length (ADR 0038).
    evidence = "".join(
        f", TRIM(TRAILING '.' FROM TRIM(TRAILING '0' FROM CAST({expr} AS STRING))) AS e{n}"
        for n, expr in enumerate(compiler.evidence.values())
    )
    person = "b.person_id" if subject_ == Subject.PERSON else "CAST(NULL AS BIGINT)"
    with_ = f"WITH {', '.join(ctes)} " if ctes else ""
    sql = (
        f"{with_}SELECT b.household_id, {person} AS person_id, b.division_code{evidence} "
        f"FROM {base} b{joins} WHERE coalesce({where}, FALSE)"
    )
    return CompiledRule(sql, tuple(compiler.params), labels)
