"""Frozen inputs of the benefit engine and their validation (pure; no ORM).

A selector (stored households) or a JSON reader (``minzheng assess``) builds a ``HouseholdFacts``; the
rules never read the database. Coded values are the registry's (``minzheng.registry.choices``) plus the
few engine-only codes defined here. ``household_validate`` checks the whole description first and
raises a ``DomainError`` naming the field (``members[1].death_date``, ``incomes[3].amount``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from decimal import Decimal
from enum import StrEnum

from minzheng.benefits.errors import (
    HouseholdInconsistent,
    IncomeInvalid,
    MemberInTwoHouseholds,
)
from minzheng.registry.choices import AssetCategory, DisabilityCategory, IncomeCategory, SelfCare


class UrbanRural(StrEnum):
    URBAN = "urban"
    RURAL = "rural"


class SupporterStatus(StrEnum):
    """法定赡养、抚养、扶养义务人 (《特困人员认定办法》第 4 条第 3 项, 第 8 条)."""

    NONE = "none"  # no person with a statutory duty of support
    UNABLE = "unable"  # duty-bearers exist but cannot fulfil the duty (art. 8; give the item)
    ABLE = "able"


class SupporterInability(StrEnum):
    """The six situations of 《特困人员认定办法》第 8 条 in which a duty-bearer counts as unable."""

    EXTREME_POVERTY = "extreme_poverty"  # (一) is a 特困人员
    DIBAO_AGED_60 = "dibao_aged_60"  # (二) 低保 recipient aged 60+
    AGED_70_LOW_INCOME = "aged_70_low_income"  # (三) aged 70+, income and assets within limits
    SEVERELY_DISABLED_LOW_INCOME = "severely_disabled_low_income"  # (四) 重度残疾/三级智力精神残疾
    NO_CAPACITY_MISSING_OR_PRISON = "no_capacity_missing_or_prison"  # (五) 无民事行为能力、失踪、服刑
    PROVINCIAL = "provincial"  # (六) other situations set by the province


SUPPORTER_INABILITY_ITEMS = {
    SupporterInability.EXTREME_POVERTY: ("（一）", "义务人为特困人员"),
    SupporterInability.DIBAO_AGED_60: ("（二）", "义务人为年满 60 周岁的最低生活保障对象"),
    SupporterInability.AGED_70_LOW_INCOME: ("（三）", "义务人年满 70 周岁且收入、财产符合规定"),
    SupporterInability.SEVERELY_DISABLED_LOW_INCOME: (
        "（四）",
        "义务人为重度残疾人或三级智力、精神残疾人且收入、财产符合规定",
    ),
    SupporterInability.NO_CAPACITY_MISSING_OR_PRISON: (
        "（五）",
        "义务人无民事行为能力、被宣告失踪或在监狱服刑，且财产符合规定",
    ),
    SupporterInability.PROVINCIAL: ("（六）", "省级民政部门规定的其他情形"),
}


class OrphanStatus(StrEnum):
    NONE = ""
    ORPHAN = "orphan"  # 孤儿 (国办发〔2010〕54号)
    DE_FACTO_ORPHAN = "de_facto_orphan"  # 事实无人抚养儿童 (民政部等12部门 2019 年意见)


class RigidExpenseKind(StrEnum):
    """刚性支出 (《刚性支出困难家庭认定办法》第 5 条; Inner Mongolia 2024 measures)."""

    MEDICAL = "medical"
    EDUCATION = "education"
    REHABILITATION = "rehabilitation"
    ACCIDENT = "accident"
    BASIC_LIVING = "basic_living"
    OTHER = "other"


class AssistanceType(StrEnum):
    """临时救助 types (民发〔2018〕23号 §二(一)) and 2026's 小额快救."""

    EMERGENCY = "emergency"
    EXPENDITURE = "expenditure"
    SMALL_FAST = "small_fast"


@dataclass(frozen=True)
class AdlItems:
    """The six self-care indicators of 《特困人员认定办法》第 21 条; ``True`` = achieved unaided."""

    eating: bool
    dressing: bool
    getting_in_out_of_bed: bool
    toileting: bool
    walking_indoors: bool
    bathing: bool

    @property
    def failed(self) -> int:
        return sum(not getattr(self, f.name) for f in fields(self))


@dataclass(frozen=True)
class MemberFacts:
    """A person of the household as of the assessment date. Defaults are the ordinary case; every
    exclusion or special status is an explicit input."""

    key: str
    birth_date: dt.date
    sex: str = ""
    relation_to_head: str = "head"
    disability_category: str = ""
    disability_grade: int | None = None
    self_care: str = ""  # SelfCare value, used when ``adl`` is not given
    adl: AdlItems | None = None
    serious_illness: bool = False
    employment_status: str = ""
    school_enrolment: str = ""
    death_date: dt.date | None = None
    # 审核确认办法第 7 条: membership
    lives_together_long_term: bool = True
    religious_professional_apart_since: dt.date | None = None
    imprisoned: bool = False
    compulsory_rehabilitation: bool = False
    declared_missing: bool = False
    provincial_exclusion: str = ""  # reason text of a provincial exclusion rule (art. 7 ¶2 (三))
    other_household_key: str = ""  # set by the caller when the person is also counted elsewhere
    refused_suitable_work: bool = False  # county decision under 审核确认办法第 34 条
    # 特困人员认定办法
    supporter_status: str = ""
    supporter_inability: str = ""
    other_no_work_capacity: str = ""  # provincial case of art. 5 (四), reason text
    supported_as_extreme_poverty_minor: bool = False  # art. 24 ¶2
    rural_land_or_collective_share: bool = False  # art. 19 (§2.5)
    resettled_to_town: bool = False  # art. 19 (§2.5)
    chose_orphan_scheme: bool = False  # art. 9
    # children, disability subsidies
    orphan_status: str = ""
    institutional_care: bool = False
    needs_long_term_care: bool = True  # 国发〔2015〕52号: ≥ 6 months of care; 残联 may find otherwise
    other_child_benefits_monthly: Decimal = Decimal(0)  # 低保/特困/生活补贴 a de-facto orphan receives


@dataclass(frozen=True)
class IncomeFact:
    person_key: str | None
    category: str
    amount: Decimal
    period_start: dt.date
    period_end: dt.date  # inclusive


@dataclass(frozen=True)
class AssetFact:
    category: str
    value: Decimal
    exempt: bool = False  # needed for production and daily life (审核确认办法第 14 条)
    person_key: str | None = None


@dataclass(frozen=True)
class RigidExpenseFact:
    kind: str
    amount: Decimal
    incurred_on: dt.date
    person_key: str | None = None


@dataclass(frozen=True)
class PreviousEnrolment:
    """The household received 低保 and its income now exceeds the standard (渐退期, §1.11)."""

    monthly_amount: Decimal
    months_since_exceeded: int  # 0 = the first month above the standard
    after_employment: bool  # the rise came from a member finding work (审核确认办法第 33 条)


@dataclass(frozen=True)
class TemporaryRequest:
    assistance_type: str
    hardship: str = ""  # what happened (fire, accident, sudden illness, school or medical costs…)
    requested_amount: Decimal | None = None  # documented need; None = the tier ceiling
    tier_code: str | None = None


@dataclass(frozen=True)
class HouseholdFacts:
    division_code: str
    urban_rural: str
    as_of: dt.date
    members: tuple[MemberFacts, ...]
    incomes: tuple[IncomeFact, ...] = ()
    assets: tuple[AssetFact, ...] = ()
    rigid_expenses: tuple[RigidExpenseFact, ...] = ()
    programmes_received: frozenset[str] = frozenset()
    previous_enrolment: PreviousEnrolment | None = None
    household_key: str = ""

    def member(self, key: str) -> MemberFacts:
        return next(m for m in self.members if m.key == key)


# --- validation ----------------------------------------------------------------------------------


def age_on(birth_date: dt.date, day: dt.date) -> int:
    """Completed years on ``day`` (a 29 February birthday is reached on 1 March in other years)."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def amount_check(raw: object, field: str, what: str) -> Decimal:
    """A non-negative, finite ``Decimal``; floats, text and negatives are refused with the field name."""
    if isinstance(raw, bool) or not isinstance(raw, Decimal | int):
        raise IncomeInvalid(f"{what}必须是十进制数（Decimal），实际为 {raw!r}", field=field)
    value = Decimal(raw)
    if not value.is_finite():
        raise IncomeInvalid(f"{what}“{raw}”不是有限数字", field=field)
    if value < 0:
        raise IncomeInvalid(f"{what}不能为负数（{raw}）；扣减项请用扣减类别的正数记录", field=field)
    return value


def household_validate(facts: HouseholdFacts) -> None:
    """Every check on the description before any rule runs; the first problem raises."""
    if not (len(facts.division_code) == 12 and facts.division_code.isdigit()):
        raise HouseholdInconsistent(f"区划代码“{facts.division_code}”应为 12 位数字", field="division_code")
    if facts.urban_rural not in list(UrbanRural):
        raise HouseholdInconsistent(
            f"城乡类别“{facts.urban_rural}”无效（应为 urban 或 rural）", field="urban_rural"
        )
    if not facts.members:
        raise HouseholdInconsistent("家庭没有成员", field="members")
    keys: set[str] = set()
    for index, member in enumerate(facts.members):
        if member.key in keys:
            raise HouseholdInconsistent(f"成员标识“{member.key}”重复", field=f"members[{index}].key")
        keys.add(member.key)
        _member_validate(member, index, facts.as_of)
    for index, income in enumerate(facts.incomes):
        _income_validate(income, index, facts)
    for index, asset in enumerate(facts.assets):
        where = f"assets[{index}]"
        _choice(asset.category, AssetCategory.values, f"{where}.category", "财产类别")
        amount_check(asset.value, f"{where}.value", "财产价值")
        _known_member(asset.person_key, keys, f"{where}.person_key")
    for index, expense in enumerate(facts.rigid_expenses):
        where = f"rigid_expenses[{index}]"
        _choice(expense.kind, list(RigidExpenseKind), f"{where}.kind", "刚性支出类别")
        amount_check(expense.amount, f"{where}.amount", "刚性支出金额")
        _known_member(expense.person_key, keys, f"{where}.person_key")
    if facts.previous_enrolment is not None:
        amount_check(facts.previous_enrolment.monthly_amount, "previous_enrolment.monthly_amount", "原低保金")
        if facts.previous_enrolment.months_since_exceeded < 0:
            raise HouseholdInconsistent(
                "超过标准的月数不能为负数", field="previous_enrolment.months_since_exceeded"
            )


def _member_validate(member: MemberFacts, index: int, as_of: dt.date) -> None:
    where = f"members[{index}]"
    if member.other_household_key:
        raise MemberInTwoHouseholds(
            f"成员“{member.key}”同时是家庭“{member.other_household_key}”的共同生活成员；"
            "一人只能计入一个家庭，请先核实并更正成员关系",
            field=f"{where}.other_household_key",
        )
    if member.birth_date > as_of:
        raise HouseholdInconsistent(
            f"成员“{member.key}”的出生日期 {member.birth_date} 晚于评估日期 {as_of}",
            field=f"{where}.birth_date",
        )
    if member.death_date is not None and member.death_date < member.birth_date:
        raise HouseholdInconsistent(f"成员“{member.key}”的死亡日期早于出生日期", field=f"{where}.death_date")
    if member.disability_grade is not None:
        if member.disability_grade not in (1, 2, 3, 4):
            raise HouseholdInconsistent("残疾等级应为 1 至 4", field=f"{where}.disability_grade")
        if not member.disability_category:
            raise HouseholdInconsistent("有残疾等级时须填写残疾类别", field=f"{where}.disability_category")
    _choice(member.disability_category, DisabilityCategory.values, f"{where}.disability_category", "残疾类别")
    _choice(member.self_care, ["", *SelfCare.values], f"{where}.self_care", "生活自理能力")
    _choice(member.supporter_status, ["", *SupporterStatus], f"{where}.supporter_status", "赡养抚养扶养情况")
    _choice(
        member.supporter_inability, ["", *SupporterInability], f"{where}.supporter_inability", "义务人情形"
    )
    _choice(member.orphan_status, list(OrphanStatus), f"{where}.orphan_status", "孤儿类别")
    amount_check(member.other_child_benefits_monthly, f"{where}.other_child_benefits_monthly", "已领救助金额")


def _income_validate(income: IncomeFact, index: int, facts: HouseholdFacts) -> None:
    where = f"incomes[{index}]"
    _choice(income.category, IncomeCategory.values, f"{where}.category", "收入类别")
    amount_check(income.amount, f"{where}.amount", "收入金额")
    if income.period_end < income.period_start:
        raise HouseholdInconsistent(
            f"收入所属期止 {income.period_end} 早于所属期起 {income.period_start}",
            field=f"{where}.period_end",
        )
    _known_member(income.person_key, {m.key for m in facts.members}, f"{where}.person_key")
    if income.person_key is not None:
        death = facts.member(income.person_key).death_date
        if death is not None and income.period_start > death:
            raise HouseholdInconsistent(
                f"成员“{income.person_key}”已于 {death} 死亡，却有 {income.period_start} 起的收入记录",
                field=f"{where}.period_start",
            )


def _known_member(key: str | None, keys: set[str], field: str) -> None:
    if key is not None and key not in keys:
        raise HouseholdInconsistent(f"成员标识“{key}”不是本家庭的成员", field=field)


def _choice(value: str, allowed: list[str], field: str, what: str) -> None:
    if value not in allowed:
        raise HouseholdInconsistent(
            f"{what}“{value}”不是允许的取值（{', '.join(a for a in allowed if a)}）", field=field
        )
