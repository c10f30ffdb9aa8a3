"""Pure rules of 低收入人口动态监测预警 (issue 6; policy-rules.md §4): categories, the department feed
registry, the alert transition table, and the warning-rule condition language with its compiler to SQL.

No ORM here. A warning rule is *data* (ADR 0019): a JSON condition over named indicators, time windows
and thresholds that name effective-dated policy parameters. ``condition_validate`` explains every
problem in Chinese; ``rule_compile`` turns a valid rule into one ANSI SELECT over the tables the engine
loads (``monitor_persons``, ``monitor_households``, ``feed_records``, ``receipts``, ``population``, ``place_params``),
using only joins, ``GROUP BY``, ``CASE`` and ``DATE '…'`` literals, so the same text runs in DuckDB today
and in Spark SQL later.
"""
# ruff: noqa: S608, E501 - SQL compiled from validated tokens only; the rule and feed tables read as tables

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, Final

BASIS_39: Final = "国办发〔2023〕39号"
RUN_JOB_KIND: Final = "monitoring_run"  # common.Job kinds of the background work started from the pages
PREVIEW_JOB_KIND: Final = "monitoring_rule_preview"
RUN_PHASE_LABELS: Final = {
    "match": "重新匹配部门数据",
    "population": "更新监测对象",
    "snapshot": "载入数据快照",
    "rules": "运行规则、写入预警",
    "escalate": "超期上报",
}


class Category(StrEnum):
    """低收入人口范围, 国办发〔2023〕39号 §二 (policy-rules.md §4.1): six categories."""

    DIBAO = "dibao"
    EXTREME_POVERTY = "extreme_poverty_support"
    RETURN_TO_POVERTY_WATCH = "return_to_poverty_watch"
    MARGIN_HOUSEHOLD = "margin_household"
    RIGID_EXPENSE_HOUSEHOLD = "rigid_expense_household"
    OTHER_HARDSHIP = "other_hardship"


CATEGORY_LABELS: Final = {
    Category.DIBAO: "最低生活保障对象",
    Category.EXTREME_POVERTY: "特困人员",
    Category.RETURN_TO_POVERTY_WATCH: "防止返贫监测对象",
    Category.MARGIN_HOUSEHOLD: "最低生活保障边缘家庭成员",
    Category.RIGID_EXPENSE_HOUSEHOLD: "刚性支出困难家庭成员",
    Category.OTHER_HARDSHIP: "其他困难人员",
}
# Categories derived from enrolments: programme code → category (the programmes of policy.rules).
PROGRAMME_CATEGORY: Final = {
    "dibao": Category.DIBAO,
    "extreme_poverty_support": Category.EXTREME_POVERTY,
    "margin_household": Category.MARGIN_HOUSEHOLD,
    "rigid_expense_household": Category.RIGID_EXPENSE_HOUSEHOLD,
}


class Severity(StrEnum):
    RED = "red"
    ORANGE = "orange"
    YELLOW = "yellow"


SEVERITY_LABELS: Final = {Severity.RED: "红色", Severity.ORANGE: "橙色", Severity.YELLOW: "黄色"}


# --- alert statuses: an explicit transition table (ADR 0001) --------------------------------------------


class AlertStatus(StrEnum):
    PUSHED = "pushed"
    VERIFYING = "verifying"
    ASSISTING = "assisting"
    REFERRED = "referred"
    DISMISSED = "dismissed"
    CLOSED = "closed"


ALERT_STATUS_LABELS: Final = {
    AlertStatus.PUSHED: "已推送待核实",
    AlertStatus.VERIFYING: "核实中",
    AlertStatus.ASSISTING: "救助帮扶中",
    AlertStatus.REFERRED: "已转办",
    AlertStatus.DISMISSED: "核实排除",
    AlertStatus.CLOSED: "已办结",
}
OPEN_STATUSES: Final = (
    AlertStatus.PUSHED,
    AlertStatus.VERIFYING,
    AlertStatus.ASSISTING,
    AlertStatus.REFERRED,
)


@dataclass(frozen=True)
class AlertTransition:
    code: str
    label: str
    source: AlertStatus
    target: AlertStatus
    reason_required: bool
    basis: str


_DISPOSAL = f"{BASIS_39}§三(四)（分类处置预警信息）"
ALERT_TRANSITIONS: Final = (
    AlertTransition("verify", "开始核实", AlertStatus.PUSHED, AlertStatus.VERIFYING, False,
                    f"{BASIS_39}§三(三)（主动发现、入户核实）"),
    AlertTransition("assist", "纳入救助帮扶", AlertStatus.VERIFYING, AlertStatus.ASSISTING, False, _DISPOSAL),
    AlertTransition("refer", "转办其他部门", AlertStatus.VERIFYING, AlertStatus.REFERRED, True, _DISPOSAL),
    AlertTransition("dismiss", "核实排除", AlertStatus.VERIFYING, AlertStatus.DISMISSED, True, _DISPOSAL),
    AlertTransition("close", "办结", AlertStatus.ASSISTING, AlertStatus.CLOSED, True, _DISPOSAL),
    AlertTransition("close", "办结", AlertStatus.REFERRED, AlertStatus.CLOSED, True, _DISPOSAL),
    AlertTransition("close", "办结", AlertStatus.DISMISSED, AlertStatus.CLOSED, False, _DISPOSAL),
)  # fmt: skip
ALLOWED_TRANSITIONS: Final[dict[AlertStatus, frozenset[AlertStatus]]] = {
    status: frozenset(t.target for t in ALERT_TRANSITIONS if t.source == status) for status in AlertStatus
}


def alert_transition_for(status: str, code: str) -> AlertTransition | None:
    """The transition ``code`` from ``status``, or ``None`` when the table has none (refused)."""
    return next((t for t in ALERT_TRANSITIONS if t.code == code and t.source == status), None)


def alert_transitions_from(status: str) -> list[AlertTransition]:
    return [t for t in ALERT_TRANSITIONS if t.source == status]


class ReferralDepartment(StrEnum):
    """Departments that receive pushes (国办发〔2023〕39号 §三(二), §五(二); policy-rules.md §4.5)."""

    MEDICAL = "medical"
    EDUCATION = "education"
    HOUSING = "housing"
    EMPLOYMENT = "employment"
    DISASTER = "disaster"
    DISABILITY = "disability"
    OTHER = "other"


REFERRAL_LABELS: Final = {
    ReferralDepartment.MEDICAL: "医疗保障部门（医疗救助）",
    ReferralDepartment.EDUCATION: "教育部门（教育救助）",
    ReferralDepartment.HOUSING: "住房城乡建设部门（住房救助）",
    ReferralDepartment.EMPLOYMENT: "人力资源社会保障部门（就业救助）",
    ReferralDepartment.DISASTER: "应急管理部门（受灾人员救助）",
    ReferralDepartment.DISABILITY: "残联（残疾人帮扶）",
    ReferralDepartment.OTHER: "其他部门",
}


# --- the department feed registry ---------------------------------------------------------------------


class ColumnType(StrEnum):
    ID_NUMBER = "id_number"
    DATE = "date"
    MONEY = "money"
    TEXT = "text"
    CHOICE = "choice"


@dataclass(frozen=True)
class FeedColumn:
    key: str  # JSON field name and accepted CSV header
    label: str  # Chinese CSV/Excel header
    kind: ColumnType
    required: bool = True
    choices: Mapping[str, str] = field(default_factory=dict)  # stored code → Chinese label
    role: str = ""  # id / event_date / amount / code: where the value lands in a FeedRecord


@dataclass(frozen=True)
class FeedSpec:
    code: str
    department: str
    label: str
    basis: str
    columns: tuple[FeedColumn, ...]
    natural_key: tuple[str, ...]  # column keys that identify one record of the department

    def column(self, key: str) -> FeedColumn:
        return next(c for c in self.columns if c.key == key)


def _id() -> FeedColumn:
    return FeedColumn("id_number", "身份证号码", ColumnType.ID_NUMBER, role="id")


def _date(key: str, label: str) -> FeedColumn:
    return FeedColumn(key, label, ColumnType.DATE, role="event_date")


def _money(key: str, label: str, required: bool = True) -> FeedColumn:
    return FeedColumn(key, label, ColumnType.MONEY, required, role="amount")


def _text(key: str, label: str, required: bool = True) -> FeedColumn:
    return FeedColumn(key, label, ColumnType.TEXT, required)


def _choice(key: str, label: str, choices: Mapping[str, str]) -> FeedColumn:
    return FeedColumn(key, label, ColumnType.CHOICE, True, choices, role="code")


_VERIFY = "《最低生活保障审核确认办法》第17条；policy-rules.md §4.3"
FEEDS: Final[dict[str, FeedSpec]] = {
    f.code: f
    for f in (
        FeedSpec("medical_expense", "医保", "医疗费用个人自付", f"{BASIS_39}§三(三)；刚性支出困难家庭认定办法第5条",
                 (_id(), _date("settled_on", "结算日期"), _money("out_of_pocket", "个人自付金额"),
                  _choice("expense_kind", "费用类别",
                          {"medical": "医疗", "rehabilitation": "康复", "accident": "意外伤害"}),
                  _text("settlement_number", "结算单号")), ("settlement_number",)),
        FeedSpec("disability_certificate", "残联", "残疾人证", f"{BASIS_39}§三(三)（重度残疾人）",
                 (_id(), _date("issued_on", "发证日期"),
                  _choice("grade", "残疾等级", {"1": "一级", "2": "二级", "3": "三级", "4": "四级"}),
                  _text("certificate_number", "残疾人证号")), ("certificate_number",)),
        FeedSpec("death", "公安", "死亡注销户口", f"{_VERIFY}；2022年通知§三(二)（殡葬、死亡数据）",
                 (_id(), _date("died_on", "死亡日期")), ("id_number",)),
        FeedSpec("hukou_change", "公安", "户籍迁移", _VERIFY,
                 (_id(), _date("changed_on", "变动日期"),
                  _choice("change", "变动类型", {"move_in": "迁入", "move_out": "迁出"})),
                 ("id_number", "changed_on", "change")),
        FeedSpec("vehicle", "公安", "机动车登记", "《社会救助暂行办法》第58条；审核确认办法第17条",
                 (_id(), _date("registered_on", "登记日期"), _text("plate", "号牌号码"),
                  _money("value", "估值", required=False)), ("plate",)),
        FeedSpec("unemployment", "人社", "失业登记", f"{BASIS_39}§三(三)（登记失业人员）",
                 (_id(), _date("registered_on", "失业登记日期"), _text("registration_number", "登记编号")),
                 ("registration_number",)),
        FeedSpec("pension", "人社", "养老金发放", f"{BASIS_39}§三(三)（养老金）",
                 (_id(), _date("month", "发放月份"), _money("amount", "发放金额")), ("id_number", "month")),
        FeedSpec("wage", "人社", "社会保险缴费工资", f"{BASIS_39}§三(三)（社会保险）",
                 (_id(), _date("month", "缴费月份"), _money("wage", "缴费工资")), ("id_number", "month")),
        FeedSpec("serious_illness", "卫健", "重病患者", f"{BASIS_39}§三(三)（重病患者）",
                 (_id(), _date("diagnosed_on", "诊断日期"), _text("disease", "疾病名称")),
                 ("id_number", "diagnosed_on", "disease")),
        FeedSpec("student", "教育", "家庭经济困难学生", f"{BASIS_39}§三(三)；§四（教育救助）",
                 (_id(), _date("school_year_start", "学年开始日期"), _text("school", "学校"),
                  _choice("education_aid", "是否享受教育资助", {"aided": "是", "not_aided": "否"}),
                  _money("fees", "学费住宿费", required=False)), ("id_number", "school_year_start")),
        FeedSpec("real_estate", "不动产", "不动产登记", _VERIFY,
                 (_id(), _date("registered_on", "登记日期"), _text("certificate_number", "不动产权证号"),
                  _money("value", "估值", required=False)), ("certificate_number",)),
        FeedSpec("business_registration", "市场监管", "市场主体登记", _VERIFY,
                 (_id(), _date("established_on", "成立日期"), _text("credit_code", "统一社会信用代码"),
                  _choice("state", "登记状态", {"active": "存续", "cancelled": "注销"})), ("credit_code",)),
        FeedSpec("disaster_victim", "应急", "受灾人员", f"{BASIS_39}§四（受灾人员救助）",
                 (_id(), _date("occurred_on", "受灾日期"),
                  _choice("hazard", "灾害类型", {"flood": "洪涝", "drought": "干旱", "snow": "雪灾",
                                                "earthquake": "地震", "fire": "火灾", "other": "其他"}),
                  _money("loss", "损失金额", required=False), _text("event_number", "灾情编号")),
                 ("id_number", "event_number")),
        FeedSpec("return_to_poverty_watch", "农业农村", "防止返贫监测对象", f"{BASIS_39}§二（三）",
                 (_id(), _date("listed_on", "纳入监测日期")), ("id_number", "listed_on")),
        FeedSpec("civil_affairs_event", "民政", "婚姻、殡葬登记", "2022年通知§三(二)",
                 (_id(), _date("occurred_on", "登记日期"),
                  _choice("event", "事项", {"marriage": "结婚", "divorce": "离婚", "funeral": "火化（殡葬）"})),
                 ("id_number", "occurred_on", "event")),
    )
}  # fmt: skip


def feed_get(code: str) -> FeedSpec | None:
    return FEEDS.get(code)


def header_map(spec: FeedSpec, headers: Sequence[str]) -> tuple[dict[str, int], list[str]]:
    """Column key → position, accepting the Chinese label or the English key; returns the problems
    (missing required columns, unknown or repeated columns) as Chinese sentences."""
    names = {c.label: c.key for c in spec.columns} | {c.key: c.key for c in spec.columns}
    positions: dict[str, int] = {}
    problems: list[str] = []
    for n, raw in enumerate(headers):
        header = (raw or "").strip().lstrip("\ufeff")
        key = names.get(header)
        if key is None:
            problems.append(f"第 {n + 1} 列“{header}”不是“{spec.label}”数据的列")
        elif key in positions:
            problems.append(f"第 {n + 1} 列“{header}”重复")
        else:
            positions[key] = n
    for column in spec.columns:
        if column.required and column.key not in positions:
            problems.append(f"缺少必填列“{column.label}”")
    return positions, problems


# --- the condition language ---------------------------------------------------------------------------


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
_CODE_RE = re.compile(r"^[a-z0-9_]{1,40}$")


class RuleProblem(Exception):
    """A rule that does not compile; ``problems`` are Chinese sentences naming where."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("；".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class RuleDefinition:
    code: str
    title: str
    category: str  # the hardship the rule watches (a short Chinese label)
    severity: Severity
    subject: Subject
    response_days: int  # working days to respond (UNCONFIRMED nationally: policy-rules.md §4.4)
    condition: Mapping[str, Any]
    basis: str
    disposal: str = ""  # the suggested disposal path shown on the alert


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
        if not isinstance(codes, list) or not all(isinstance(c, str) and _CODE_RE.match(c) for c in codes):
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
                or not all(isinstance(v, str) and _CODE_RE.match(v) for v in values)
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


def _aggregate_sql(key: tuple[str, str, int, tuple[str, ...]], alias: str, subject: Subject,
                   as_of: dt.date) -> str:  # fmt: skip
    name, feed, months, codes = key
    value = "sum(f.amount)" if name == "feed_amount" else "count(*)"
    conditions = [f"f.feed = '{feed}'", f"f.event_date <= DATE '{as_of.isoformat()}'"]
    if months:
        conditions.append(f"f.event_date > DATE '{_months_before(as_of, months).isoformat()}'")
    if codes:
        conditions.append("f.code IN (" + ", ".join(f"'{c}'" for c in codes) + ")")
    group = "f.household_id" if subject == Subject.HOUSEHOLD else "f.person_id"
    return (
        f"{alias} AS (SELECT {group} AS sid, CAST({value} AS DECIMAL(38,10)) AS v FROM feed_records f "
        f"WHERE {' AND '.join(conditions)} GROUP BY {group})"
    )


def _months_before(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` earlier (the last day of a shorter month), 《民法典》第202条."""
    import calendar

    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


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
            start = _months_before(as_of, months) if months else None
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


def rule_compile_condition(condition: Any, subject: str, as_of: dt.date, *,
                           known_params: frozenset[str]) -> CompiledRule:  # fmt: skip
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
    joins += " LEFT JOIN place_params prm ON prm.division_code = b.division_code AND prm.urban_rural = b.urban_rural"
    labels = tuple(compiler.evidence)
    evidence = "".join(
        f", rtrim(rtrim(CAST({expr} AS VARCHAR), '0'), '.') AS e{n}"
        for n, expr in enumerate(compiler.evidence.values())
    )
    person = "b.person_id" if subject_ == Subject.PERSON else "CAST(NULL AS BIGINT)"
    with_ = f"WITH {', '.join(ctes)} " if ctes else ""
    sql = (
        f"{with_}SELECT b.household_id, {person} AS person_id, b.division_code{evidence} "
        f"FROM {base} b{joins} WHERE coalesce({where}, FALSE)"
    )
    return CompiledRule(sql, tuple(compiler.params), labels)


# --- the built-in rules (policy-rules.md §4.1, §4.4) ---------------------------------------------------


def _feed(name: str, feed: str, months: int, codes: Sequence[str] = ()) -> dict[str, Any]:
    node: dict[str, Any] = {"indicator": name, "feed": feed, "months": months}
    if codes:
        node["codes"] = list(codes)
    return node


_LOW_INCOME = {"flag": "in_category", "categories": [c.value for c in Category]}
_RECIPIENT = {"flag": "receives", "programmes": ["dibao", "extreme_poverty_support"]}
_INCOME = {"indicator": "income_annual"}
_RIGID_ALL = {"add": [_feed("feed_amount", "medical_expense", 12), _feed("feed_amount", "student", 12)]}
_MEDICAL_ACCIDENT = _feed("feed_amount", "medical_expense", 12, ("accident", "medical"))
_RIGID_ACT = (
    "刚性支出困难家庭认定办法第4—5条；内蒙古《低保边缘家庭和刚性支出困难家庭认定办法（试行）》（2024）"
)

BUILTIN_RULES: Final = (
    RuleDefinition(
        "medical_out_of_pocket", "大额医疗自付费用", "重病、医疗支出", Severity.ORANGE, Subject.HOUSEHOLD, 10,
        {"any": [
            {"left": _feed("feed_amount", "medical_expense", 12), "op": ">",
             "right": {"param": "monitoring.medical_out_of_pocket_annual"}},
            {"left": _feed("feed_amount", "medical_expense", 12), "op": ">",
             "right": {"mul": [_INCOME, {"param": "monitoring.medical_income_share"}]}},
        ]},
        f"{BASIS_39}§三(三)（家庭支出）；阈值为地方参数", "可能符合条件未纳入：推送医疗保障部门，核实是否纳入刚性支出困难家庭",
    ),
    RuleDefinition(
        "rigid_expense_share", "刚性支出超过家庭收入比例", "刚性支出", Severity.ORANGE, Subject.HOUSEHOLD, 10,
        {"any": [
            {"left": _RIGID_ALL, "op": ">", "right": {"mul": [_INCOME, {"param": "rigid_expense.ratio_all"}]}},
            {"left": _MEDICAL_ACCIDENT, "op": ">",
             "right": {"mul": [_INCOME, {"param": "rigid_expense.ratio_medical_accident"}]}},
        ]},
        _RIGID_ACT, "核实是否认定为刚性支出困难家庭，符合的直接给予临时救助",
    ),
    RuleDefinition(
        "severe_disability_new", "新增重度残疾", "残疾", Severity.ORANGE, Subject.PERSON, 10,
        {"left": _feed("feed_count", "disability_certificate", 3, ("1", "2")), "op": ">=", "right": 1},
        f"{BASIS_39}§三(三)（重度残疾人）；§四（重度残疾人单独纳入低保）", "核实是否单人户纳入低保、发放残疾人两项补贴",
    ),
    RuleDefinition(
        "member_death", "家庭成员死亡", "家庭变故", Severity.YELLOW, Subject.PERSON, 60,
        {"all": [_LOW_INCOME, {"left": _feed("feed_count", "death", 3), "op": ">=", "right": 1}]},
        "2022年通知§三(二)（殡葬、死亡数据比对）；3个月内复核家庭状况", "3个月内复核家庭人口、收入和救助待遇",
    ),
    RuleDefinition(
        "main_earner_unemployed", "主要劳动力登记失业", "失业", Severity.ORANGE, Subject.PERSON, 10,
        {"all": [{"flag": "is_head"}, {"left": _feed("feed_count", "unemployment", 3), "op": ">=", "right": 1}]},
        f"{BASIS_39}§三(三)（登记失业人员、就业状况变化）", "推送人社部门就业救助，核实家庭收入变化",
    ),
    RuleDefinition(
        "disaster_victim", "受灾人员", "灾害", Severity.RED, Subject.PERSON, 3,
        {"left": _feed("feed_count", "disaster_victim", 1), "op": ">=", "right": 1},
        f"{BASIS_39}§四（受灾人员救助）", "推送应急管理部门受灾人员救助，必要时急难型临时救助",
    ),
    RuleDefinition(
        "student_without_aid", "困难家庭学生未享受教育资助", "就学", Severity.YELLOW, Subject.PERSON, 20,
        {"left": _feed("feed_count", "student", 12, ("not_aided",)), "op": ">=", "right": 1},
        f"{BASIS_39}§三(四)1（政策未落实）；§四（教育救助）", "政策未落实：推送教育部门落实教育资助",
    ),
    RuleDefinition(
        "deceased_still_paid", "死亡人员仍在享受救助", "疑似不再符合条件", Severity.RED, Subject.PERSON, 5,
        {"all": [{"flag": "deceased"}, _RECIPIENT]},
        f"{BASIS_39}§三(四)4（可能不再符合条件）；《最低生活保障审核确认办法》第31条", "核实后停发或调整救助金",
    ),
    RuleDefinition(
        "recipient_vehicle", "在保家庭机动车超过限额", "疑似不再符合条件", Severity.ORANGE, Subject.HOUSEHOLD, 10,
        {"all": [_RECIPIENT, {"left": _feed("feed_count", "vehicle", 0), "op": ">",
                              "right": {"param": "monitoring.vehicle_count_max"}}]},
        "《最低生活保障审核确认办法》第14条；限额为地方参数", "核实家庭财产，不符合条件的按程序停保",
    ),
    RuleDefinition(
        "recipient_property", "在保家庭房产超过限额", "疑似不再符合条件", Severity.ORANGE, Subject.HOUSEHOLD, 10,
        {"all": [_RECIPIENT, {"left": _feed("feed_count", "real_estate", 0), "op": ">",
                              "right": {"param": "monitoring.property_count_max"}}]},
        "《最低生活保障审核确认办法》第14条；限额为地方参数", "核实家庭财产，不符合条件的按程序停保",
    ),
    RuleDefinition(
        "recipient_business", "在保家庭登记市场主体", "疑似不再符合条件", Severity.ORANGE, Subject.HOUSEHOLD, 10,
        {"all": [_RECIPIENT, {"left": _feed("feed_count", "business_registration", 0, ("active",)), "op": ">",
                              "right": {"param": "monitoring.business_count_max"}}]},
        "《最低生活保障审核确认办法》第14条；限额为地方参数", "核实经营收入和财产，不符合条件的按程序停保",
    ),
    RuleDefinition(
        "income_jump", "在保家庭收入超过低保标准", "疑似不再符合条件", Severity.ORANGE, Subject.HOUSEHOLD, 10,
        {"all": [{"flag": "receives", "programmes": ["dibao"]}, {
            "left": {"add": [{"mul": [{"indicator": "income_monthly_per_capita"}, {"indicator": "household_size"}, 12]},
                             _feed("feed_amount", "pension", 12), _feed("feed_amount", "wage", 12)]},
            "op": ">",
            "right": {"mul": [{"param": "dibao.standard_monthly"}, {"indicator": "household_size"}, 12]}}]},
        f"{BASIS_39}§三(四)4；《最低生活保障审核确认办法》第31条（收入超过标准的停发或减发）",
        "核实收入，按程序减发或停发（可适用渐退期）",
    ),
    RuleDefinition(
        "margin_income_fell", "低保边缘家庭收入低于低保标准", "收入下降", Severity.ORANGE, Subject.HOUSEHOLD, 10,
        {"all": [{"flag": "in_category", "categories": ["margin_household"]},
                 {"not": {"flag": "receives", "programmes": ["dibao"]}},
                 {"left": {"indicator": "income_monthly_per_capita"}, "op": "<",
                  "right": {"param": "dibao.standard_monthly"}}]},
        f"{BASIS_39}§三(四)2（可能符合条件未纳入）", "主动发现：引导申请低保（可直接转入低保审核确认）",
    ),
)  # fmt: skip
