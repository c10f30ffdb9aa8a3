"""Pure rules of the policy-parameter store: programmes, the key registry, value validation,
jurisdiction resolution and the plan for writing a new version (ADR 0003; issue 3 §1–2).

No ORM here. Selectors gather ``ParameterRow`` tuples; services apply a ``PlannedChange`` list.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import partial
from typing import Any

from minzheng.catalogue.programmes import INCOME_TESTED, Programme
from minzheng.catalogue.programmes import PROGRAMMES as CATALOGUE
from minzheng.catalogue.roles import Role
from minzheng.divisions.rules import Level, level_of, scope_prefix
from minzheng.policy import values
from minzheng.policy.errors import ParameterConflict, ParameterValueInvalid, UnknownParameterKey
from minzheng.policy.keydefs import Kind, ParameterKey
from minzheng.policy.keydefs import choice_of as _choice_of
from minzheng.policy.keydefs import key_define as _key
from minzheng.policy.keydefs import months_between as _months
from minzheng.policy.keys import AREA_KEYS

# --- programmes --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProgrammeDefinition:
    code: str
    name: str
    legal_basis: str


# The programme rows of the parameter store, read from the catalogue (migration 0002 seeds them).
PROGRAMMES: tuple[ProgrammeDefinition, ...] = tuple(
    ProgrammeDefinition(spec.code.value, spec.label, spec.legal_basis) for spec in CATALOGUE.values()
)
PROGRAMME_CODES = frozenset(p.code for p in PROGRAMMES)
INCOME_TESTED_PROGRAMMES = INCOME_TESTED


class Status(StrEnum):
    """How sure we are of a figure (policy-rules.md conventions)."""

    CONFIRMED = "confirmed"  # read in the primary text
    REPORTED = "reported"  # from a report quoting the official document
    UNCONFIRMED = "unconfirmed"  # placeholder; must be checked before it is relied on


STATUS_LABELS = {Status.CONFIRMED: "已核实", Status.REPORTED: "据报道", Status.UNCONFIRMED: "未核实"}
STATUS_VALUES = frozenset(s.value for s in Status)
URBAN_RURAL_VALUES = ("", "urban", "rural")
URBAN_RURAL_LABELS = {"": "城乡通用", "urban": "城镇", "rural": "农村"}
# Levels at which a standard may be set: region, league/city, banner/county.
SETTABLE_LEVELS = frozenset({Level.REGION, Level.PREFECTURE, Level.COUNTY})
POLICY_MAINTAINER_ROLES = frozenset({Role.REGION_SUPERVISOR, Role.PREFECTURE_SUPERVISOR, Role.SYSTEM_ADMIN})


# --- the key registry ----------------------------------------------------------------------------------


# Bases of the work-cost deduction: the member's employment income, or the local minimum wage.
WORK_COST_BASES = ("employment_income", "minimum_wage")
WORK_COST_BASE_LABELS = {"employment_income": "就业收入", "minimum_wage": "当地最低工资标准"}
_PERSON_MONTH = "元/人·月"
_CARE = "特困人员照料护理标准"
_EPS = Programme.EXTREME_POVERTY_SUPPORT
PARAMETER_KEYS: dict[str, ParameterKey] = {
    k.key: k
    for k in (
        _key("dibao.standard_monthly", "最低生活保障标准", Kind.MONEY, _PERSON_MONTH, Programme.DIBAO),
        _key(
            "extreme_poverty.basic_living_monthly",
            "特困人员基本生活标准",
            Kind.MONEY,
            _PERSON_MONTH,
            Programme.EXTREME_POVERTY_SUPPORT,
        ),
        _key(
            "extreme_poverty.care_monthly.capable",
            f"{_CARE}（具备生活自理能力）",
            Kind.MONEY,
            _PERSON_MONTH,
            _EPS,
        ),
        _key(
            "extreme_poverty.care_monthly.partly_incapable",
            f"{_CARE}（部分丧失生活自理能力）",
            Kind.MONEY,
            _PERSON_MONTH,
            _EPS,
        ),
        _key(
            "extreme_poverty.care_monthly.fully_incapable",
            f"{_CARE}（完全丧失生活自理能力）",
            Kind.MONEY,
            _PERSON_MONTH,
            _EPS,
        ),
        _key(
            "margin.income_multiple",
            "低保边缘家庭人均收入上限（低保标准的倍数）",
            Kind.MULTIPLE,
            "倍",
            Programme.MARGIN_HOUSEHOLD,
        ),
        _key(
            "rigid_expense.ratio_all",
            "刚性支出占家庭总收入比例（全部刚性支出）",
            Kind.RATIO,
            "比例",
            Programme.RIGID_EXPENSE_HOUSEHOLD,
        ),
        _key(
            "rigid_expense.ratio_medical_accident",
            "刚性支出占家庭总收入比例（医疗和意外支出）",
            Kind.RATIO,
            "比例",
            Programme.RIGID_EXPENSE_HOUSEHOLD,
        ),
        _key(
            "income.previous_year_disposable_per_capita_annual",
            "上年度居民人均可支配收入",
            Kind.MONEY,
            "元/人·年",
            None,
        ),
        _key(
            "income.category_treatment",
            "收入计算口径（计入/不计入/扣减）",
            Kind.JSON,
            "",
            None,
            partial(values.income_category_treatment, programme_codes=INCOME_TESTED_PROGRAMMES),
        ),
        _key("income.reference_period_months", "家庭收入计算期", Kind.INTEGER, "月", None, _months(1, 36)),
        _key("assets.rules", "家庭财产认定规则", Kind.JSON, "", None, values.asset_rules),
        _key(
            "supplements",
            "分类施保规则",
            Kind.JSON,
            "",
            Programme.DIBAO,
            partial(values.supplements, programme_codes=PROGRAMME_CODES),
        ),
        _key(
            "temporary.tiers",
            "临时救助档次（月低保标准的倍数）",
            Kind.JSON,
            "",
            Programme.TEMPORARY_ASSISTANCE,
            values.temporary_tiers,
        ),
        _key(
            "temporary.township_ceiling_multiple",
            "乡镇（街道）临时救助审批额度（月低保标准的倍数）",
            Kind.MULTIPLE,
            "倍",
            Programme.TEMPORARY_ASSISTANCE,
        ),
        _key(
            "temporary.county_ceiling_multiple",
            "旗县临时救助审批上限（月低保标准的倍数，超过一事一议）",
            Kind.MULTIPLE,
            "倍",
            Programme.TEMPORARY_ASSISTANCE,
        ),
        # 就业成本扣减 (《兴安盟低保边缘家庭认定办法（试行）》第15条; benefits.work_cost): a local
        # measure, so the ratio is absent where it does not apply; the base (就业收入 or 最低工资标准)
        # is its own dated key.
        _key(
            "income.work_cost_ratio", "就业成本扣减比例（就业收入或最低工资标准）", Kind.RATIO, "比例", None
        ),
        _key(
            "income.work_cost_base",
            "就业成本扣减基数（就业收入或当地最低工资标准）",
            Kind.JSON,
            "",
            None,
            partial(_choice_of, where="扣减基数", allowed=WORK_COST_BASES),
        ),
        _key("income.minimum_wage_monthly", "当地最低工资标准（月）", Kind.MONEY, "元/月", None),
        _key("gradual_exit.months", "渐退期", Kind.INTEGER, "月", Programme.DIBAO, _months(0, 12)),
        _key("gradual_exit.taper", "渐退期各月发放比例", Kind.JSON, "", Programme.DIBAO, values.taper),
        _key(
            "senior_allowance.brackets",
            "高龄津贴年龄段标准",
            Kind.JSON,
            "",
            Programme.SENIOR_ALLOWANCE,
            values.age_brackets,
        ),
        _key(
            "disability.living_subsidy_monthly",
            "困难残疾人生活补贴标准",
            Kind.MONEY,
            _PERSON_MONTH,
            Programme.DISABILITY_LIVING_SUBSIDY,
        ),
        _key(
            "disability.care_subsidy_tiers",
            "重度残疾人护理补贴档次",
            Kind.JSON,
            "",
            Programme.SEVERE_DISABILITY_CARE_SUBSIDY,
            partial(values.care_subsidy_tiers, programme_codes=PROGRAMME_CODES),
        ),
        _key(
            "orphan.institutional_monthly",
            "集中养育孤儿基本生活保障标准",
            Kind.MONEY,
            _PERSON_MONTH,
            Programme.ORPHAN_ALLOWANCE,
        ),
        _key(
            "orphan.home_monthly",
            "散居孤儿基本生活保障标准",
            Kind.MONEY,
            _PERSON_MONTH,
            Programme.ORPHAN_ALLOWANCE,
        ),
        _key(
            "de_facto_orphan.monthly",
            "事实无人抚养儿童基本生活补贴标准",
            Kind.MONEY,
            _PERSON_MONTH,
            Programme.DE_FACTO_ORPHAN_ALLOWANCE,
        ),
        _key("rounding", "救助金取整规则", Kind.JSON, "", None, values.rounding),
        # 低收入人口动态监测预警阈值 (monitoring app, docs/monitoring.md; local figures, policy-rules.md §4.4)
        _key(
            "monitoring.medical_out_of_pocket_annual",
            "预警：12个月医疗自付费用阈值",
            Kind.MONEY,
            "元/户·年",
            None,
        ),
        _key(
            "monitoring.medical_income_share", "预警：医疗自付费用占家庭年收入比例", Kind.RATIO, "比例", None
        ),
        _key(
            "monitoring.vehicle_count_max",
            "预警：在保家庭可拥有机动车数量上限",
            Kind.INTEGER,
            "辆",
            None,
            partial(values.integer, where="数量", minimum=0, maximum=100),
        ),
        _key(
            "monitoring.property_count_max",
            "预警：在保家庭可拥有房产数量上限",
            Kind.INTEGER,
            "套",
            None,
            partial(values.integer, where="数量", minimum=0, maximum=100),
        ),
        _key(
            "monitoring.business_count_max",
            "预警：在保家庭可登记市场主体数量上限",
            Kind.INTEGER,
            "户",
            None,
            partial(values.integer, where="数量", minimum=0, maximum=100),
        ),
        _key("monitoring.max_flag_share", "预警规则命中人数占监测人口的最高比例", Kind.RATIO, "比例", None),
        *AREA_KEYS,
    )
}


def parameter_key_get(key: str) -> ParameterKey:
    try:
        return PARAMETER_KEYS[key]
    except KeyError:
        raise UnknownParameterKey(f"未知的政策参数“{key}”", field="key") from None


def parameter_value_normalise(key: str, raw: Any) -> Any:
    """The stored form of ``raw`` for ``key``; ``ParameterValueInvalid`` names the key and the reason."""
    definition = parameter_key_get(key)
    try:
        return definition.validator(raw)
    except values.ValueProblem as exc:
        raise ParameterValueInvalid(
            f"政策参数“{definition.label}”（{key}）的取值无效：{exc}", field="value"
        ) from None


# --- rows, resolution ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParameterRow:
    """A stored, current (not superseded) parameter version."""

    id: int
    key: str
    division_code: str
    urban_rural: str
    valid_from: dt.date
    valid_to: dt.date | None
    value: Any
    version: int
    status: str
    source: str
    note: str = ""

    def in_force_on(self, day: dt.date) -> bool:
        """``valid_from`` inclusive, ``valid_to`` exclusive."""
        return self.valid_from <= day and (self.valid_to is None or day < self.valid_to)


@dataclass(frozen=True)
class ResolvedParameter:
    """The value that applies, and where it came from (for the reasons of a calculation)."""

    key: str
    value: Any
    parameter_id: int
    version: int
    division_code: str
    urban_rural: str
    valid_from: dt.date
    valid_to: dt.date | None
    status: str
    source: str

    @classmethod
    def from_row(cls, row: ParameterRow) -> ResolvedParameter:
        return cls(
            row.key,
            row.value,
            row.id,
            row.version,
            row.division_code,
            row.urban_rural,
            row.valid_from,
            row.valid_to,
            row.status,
            row.source,
        )


def jurisdiction_chain(code12: str) -> list[str]:
    """The division and its ancestors by code, most specific first: village → … → region."""
    level = level_of(code12)
    return [scope_prefix(code12, Level(lv)).ljust(12, "0") for lv in range(level, Level.REGION - 1, -1)]


def resolve(
    rows: Iterable[ParameterRow], division_code: str, urban_rural: str, day: dt.date
) -> ParameterRow | None:
    """The row that applies to a place, urban/rural type and date, or ``None``.

    The most specific jurisdiction wins (county over league/city over region); within one jurisdiction
    a row for the place's urban/rural type wins over a row for both (""). So a county that has unified
    its urban and rural standards (policy-rules.md §1.8) overrides the region's split standards with
    one "" row. A request with ``urban_rural=""`` matches only "" rows.
    """
    index = {(r.division_code, r.urban_rural): r for r in rows if r.in_force_on(day)}
    return resolve_indexed(index, division_code, urban_rural)


def resolve_indexed(
    index: dict[tuple[str, str], ParameterRow], division_code: str, urban_rural: str
) -> ParameterRow | None:
    """``resolve`` over rows already filtered to one key and date and indexed by (division, urban_rural)."""
    preference = (urban_rural, "") if urban_rural else ("",)
    for code in jurisdiction_chain(division_code):
        for kind in preference:
            row = index.get((code, kind))
            if row is not None:
                return row
    return None


def missing_message(key: str, division_label: str, urban_rural: str, day: dt.date) -> str:
    """Shown to caseworkers and approvers (需人工核定 reasons, the decision panel): the parameter by its
    Chinese name only — the key is for import files and the parameter pages (issue 14 §6)."""
    label = PARAMETER_KEYS[key].label if key in PARAMETER_KEYS else key
    place = division_label + (URBAN_RURAL_LABELS[urban_rural] if urban_rural else "")
    return f"{day.isoformat()} 没有适用于{place}的政策参数“{label}”"


# --- planning a write ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ParameterEntry:
    """One parameter version to write (from a service call or an import file), value already normalised."""

    key: str
    division_code: str
    urban_rural: str
    valid_from: dt.date
    valid_to: dt.date | None
    value: Any
    status: str
    source: str
    note: str = ""

    @property
    def chain(self) -> tuple[str, str, str]:
        return (self.key, self.division_code, self.urban_rural)

    def same_content(self, row: ParameterRow) -> bool:
        return (self.value, self.status, self.source, self.note) == (
            row.value,
            row.status,
            row.source,
            row.note,
        )


class Action(StrEnum):
    CREATE = "create"  # a new version
    CLOSE = "close"  # set valid_to of the open version
    SUPERSEDE = "supersede"  # a correction: the version with the same valid_from is replaced
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class PlannedChange:
    action: Action
    entry: ParameterEntry
    row: ParameterRow | None = None  # the stored row closed, superseded or matched
    close_on: dt.date | None = None


def _range_text(valid_from: dt.date, valid_to: dt.date | None) -> str:
    return f"{valid_from.isoformat()} 至 {valid_to.isoformat() if valid_to else '长期'}"


def _overlaps(a_from: dt.date, a_to: dt.date | None, b_from: dt.date, b_to: dt.date | None) -> bool:
    return (b_to is None or a_from < b_to) and (a_to is None or b_from < a_to)


def plan_chain(current: Sequence[ParameterRow], entries: Sequence[ParameterEntry]) -> list[PlannedChange]:
    """The changes that write ``entries`` (one chain: same key, division, urban/rural) over ``current``.

    Per entry, in ``valid_from`` order:
    - same ``valid_from`` as a stored version: identical → unchanged; only ``valid_to`` set where the
      stored version is open → close it; anything else → supersede (a correction);
    - a later ``valid_from`` than the open version → close the open version on that date, then create;
    - an open entry starting before the open version → refused (back-dating);
    - any remaining overlap with another stored version → refused.
    Raises ``ParameterConflict`` naming the key, the place and both date ranges. Preconditions: the
    entries' values are normalised and ``valid_to > valid_from``; no two entries share a ``valid_from``.
    """
    rows: dict[dt.date, ParameterRow | ParameterEntry] = {r.valid_from: r for r in current}
    changes: list[PlannedChange] = []
    for entry in sorted(entries, key=lambda e: e.valid_from):
        existing = rows.get(entry.valid_from)
        if isinstance(existing, ParameterRow):
            change = _plan_same_start(existing, entry)
            changes.append(change)
            if change.action is Action.UNCHANGED:
                continue
            del rows[entry.valid_from]
        else:
            open_row = next((r for r in rows.values() if r.valid_to is None), None)
            if open_row is not None and open_row.valid_from < entry.valid_from:
                if isinstance(open_row, ParameterRow):
                    changes.append(PlannedChange(Action.CLOSE, entry, open_row, close_on=entry.valid_from))
                    rows[open_row.valid_from] = _closed(open_row, entry.valid_from)
            elif open_row is not None and entry.valid_to is None:
                raise ParameterConflict(
                    f"政策参数 {entry.key}（{entry.division_code} {URBAN_RURAL_LABELS[entry.urban_rural]}）"
                    f"的生效日期 {entry.valid_from.isoformat()} 早于现行版本的生效日期 "
                    f"{open_row.valid_from.isoformat()}，不能倒签；请给出失效日期或从 "
                    f"{open_row.valid_from.isoformat()} 之后生效",
                    field="valid_from",
                    entry_valid_from=entry.valid_from,
                )
            changes.append(PlannedChange(Action.CREATE, entry))
        _refuse_overlap(entry, rows.values())
        rows[entry.valid_from] = entry
    return changes


def _plan_same_start(existing: ParameterRow, entry: ParameterEntry) -> PlannedChange:
    if entry.same_content(existing) and entry.valid_to == existing.valid_to:
        return PlannedChange(Action.UNCHANGED, entry, existing)
    if entry.same_content(existing) and existing.valid_to is None and entry.valid_to is not None:
        return PlannedChange(Action.CLOSE, entry, existing, close_on=entry.valid_to)
    return PlannedChange(Action.SUPERSEDE, entry, existing)


def _closed(row: ParameterRow, valid_to: dt.date) -> ParameterRow:
    return ParameterRow(
        row.id,
        row.key,
        row.division_code,
        row.urban_rural,
        row.valid_from,
        valid_to,
        row.value,
        row.version,
        row.status,
        row.source,
        row.note,
    )


def _refuse_overlap(entry: ParameterEntry, others: Iterable[ParameterRow | ParameterEntry]) -> None:
    for other in others:
        if other.valid_from == entry.valid_from:
            continue
        if _overlaps(entry.valid_from, entry.valid_to, other.valid_from, other.valid_to):
            raise ParameterConflict(
                f"政策参数 {entry.key}（{entry.division_code} {URBAN_RURAL_LABELS[entry.urban_rural]}）"
                f"的有效期 {_range_text(entry.valid_from, entry.valid_to)} 与已有版本的有效期 "
                f"{_range_text(other.valid_from, other.valid_to)} 重叠",
                field="valid_from",
                entry_valid_from=entry.valid_from,
            )


# --- entries and permissions -------------------------------------------------------------------------


def entry_problems(entry: ParameterEntry, division_level: int | None) -> list[str]:
    """Shape problems of one entry other than its value (which ``parameter_value_normalise`` checks)."""
    problems = []
    if division_level is None:
        problems.append(f"区划 {entry.division_code} 不存在")
    elif division_level not in SETTABLE_LEVELS:
        problems.append(f"区划 {entry.division_code} 不是自治区、盟市或旗县级，政策参数只能在这三级设定")
    if entry.urban_rural not in URBAN_RURAL_VALUES:
        problems.append(f"城乡类型“{entry.urban_rural}”无效（应为空、urban 或 rural）")
    if entry.status not in STATUS_VALUES:
        problems.append(f"核实状态“{entry.status}”无效（应为 confirmed、reported 或 unconfirmed）")
    if entry.valid_to is not None and entry.valid_to <= entry.valid_from:
        problems.append(
            f"失效日期 {entry.valid_to.isoformat()} 必须晚于生效日期 {entry.valid_from.isoformat()}"
        )
    if not entry.source.strip():
        problems.append("请填写依据（文件名称、文号或网址）")
    return problems


@dataclass(frozen=True)
class Decision:
    allowed: bool
    reason: str = ""


def can_set_parameter(role: str, scope_prefix_of_actor: str | None, division_code: str) -> Decision:
    """Region and league/city supervisors and the system administrator set standards, within their
    jurisdiction (standards are set by the province or prefecture-level government, 社会救助暂行办法
    arts. 10, 15; county figures are entered by the league/city on the county's behalf)."""
    if role not in POLICY_MAINTAINER_ROLES:
        return Decision(False, "只有自治区、盟市监管人员和系统管理员可以设定政策参数")
    if not scope_prefix_of_actor or not division_code.startswith(scope_prefix_of_actor):
        return Decision(False, f"区划 {division_code} 不在您的管辖范围内")
    return Decision(True)
