"""Household membership, income and asset tests shared by the income-tested programmes (policy-rules.md
§1.3, §1.5, §1.6). Pure: facts and parameters in, values and reasons out."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from minzheng.benefits.errors import HouseholdInconsistent, IncomeTreatmentMissing
from minzheng.benefits.facts import HouseholdFacts, IncomeFact, MemberFacts
from minzheng.benefits.params import Params, fraction_to_yuan, lookup
from minzheng.benefits.people import ADULT_AGE, age, is_dead
from minzheng.benefits.reasons import (
    DIBAO_MEASURES,
    NOTICE_2022,
    Reason,
    article,
    reason,
)
from minzheng.benefits.work_cost import EMPLOYMENT_CATEGORIES, Earning, work_cost
from minzheng.common.workdays import add_months
from minzheng.policy.rules import PROGRAMMES
from minzheng.registry.choices import IncomeCategory, RelationToHead, SchoolEnrolment

ART_7 = article(DIBAO_MEASURES, 7)
ART_13 = article(DIBAO_MEASURES, 13)
ART_14 = article(DIBAO_MEASURES, 14)
PROGRAMME_NAMES = {p.code: p.name for p in PROGRAMMES}
RELIGIOUS_APART_YEARS = 3  # art. 7 ¶2 (一)
# Full-time education at bachelor level or below (art. 7 ¶1 (三)).
STUDENT_LEVELS = frozenset(
    {
        SchoolEnrolment.PRIMARY,
        SchoolEnrolment.JUNIOR_SECONDARY,
        SchoolEnrolment.SENIOR_SECONDARY,
        SchoolEnrolment.SECONDARY_VOCATIONAL,
        SchoolEnrolment.HIGHER_VOCATIONAL,
        SchoolEnrolment.UNDERGRADUATE,
    }
)
ALWAYS_MEMBERS = frozenset({RelationToHead.HEAD, RelationToHead.SPOUSE})
CHILDREN = frozenset({RelationToHead.SON, RelationToHead.DAUGHTER})


# --- who counts ---------------------------------------------------------------------------------


def _exclusion(member: MemberFacts, facts: HouseholdFacts) -> tuple[str, str, str] | None:
    """``(rule_code, article, message)`` when the member is not a co-resident family member on as_of."""
    if is_dead(member, facts):
        return (
            "household.member_deceased",
            f"{ART_7}；{NOTICE_2022}§一(三)",
            f"已于 {member.death_date} 死亡，不计入家庭成员（死亡后 3 个月内复核家庭）",
        )
    apart = member.religious_professional_apart_since
    if apart is not None and add_months(apart, 12 * RELIGIOUS_APART_YEARS) <= facts.as_of:
        return (
            "household.religious_apart",
            f"{ART_7}第二款第（一）项",
            f"宗教教职人员，自 {apart} 起脱离家庭连续 3 年以上，不计入",
        )
    for flag, label in (
        ("imprisoned", "在监狱服刑"),
        ("compulsory_rehabilitation", "强制隔离戒毒"),
        ("declared_missing", "被宣告失踪"),
    ):
        if getattr(member, flag):
            return ("household.excluded_status", f"{ART_7}第二款第（二）项", f"{label}，不计入")
    if member.provincial_exclusion:
        return (
            "household.provincial_exclusion",
            f"{ART_7}第二款第（三）项",
            f"省级民政部门规定的其他情形：{member.provincial_exclusion}，不计入",
        )
    return _relation_exclusion(member, facts)


def _relation_exclusion(member: MemberFacts, facts: HouseholdFacts) -> tuple[str, str, str] | None:
    relation = member.relation_to_head
    if relation == RelationToHead.OTHER:
        return (
            "household.not_family",
            f"{ART_7}第一款",
            "与户主无亲属关系，不是具有法定赡养、扶养、抚养义务的共同生活家庭成员，不计入",
        )
    if relation in ALWAYS_MEMBERS or member.lives_together_long_term:
        return None
    if relation in CHILDREN and (age(member, facts) < ADULT_AGE or member.school_enrolment in STUDENT_LEVELS):
        return None  # minor children and children in full-time education count wherever they live
    return ("household.not_co_resident", f"{ART_7}第一款第（四）项", "未与家庭长期共同居住，不计入")


def counted_members(facts: HouseholdFacts, log: list[Reason]) -> tuple[MemberFacts, ...]:
    """共同生活的家庭成员 on ``as_of`` (《最低生活保障审核确认办法》第 7 条): spouse, minor children,
    children in full-time education up to bachelor level, and other relatives with a statutory duty of
    support living together long-term; excluded: the dead, religious professionals apart ≥ 3 years,
    prisoners, persons in compulsory drug rehabilitation or declared missing, provincial exclusions.
    A person counted in another household is refused earlier (``MemberInTwoHouseholds``)."""
    counted = []
    for member in facts.members:
        excluded = _exclusion(member, facts)
        if excluded is None:
            counted.append(member)
        else:
            code, cited, message = excluded
            log.append(
                reason(
                    code, cited, f"成员“{member.key}”{message}", value=False, inputs={"person": member.key}
                )
            )
    if not counted:
        raise HouseholdInconsistent(
            "家庭没有计入的共同生活家庭成员（成员均已死亡或依规不计入），不能计算人均收入", field="members"
        )
    log.append(
        reason(
            "household.members_counted",
            ART_7,
            f"计入共同生活的家庭成员 {len(counted)} 人",
            value=len(counted),
            inputs={"members": [m.key for m in counted]},
        )
    )
    return tuple(counted)


# --- income ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class IncomeSummary:
    period_start: dt.date
    period_end: dt.date  # inclusive
    months: int
    counted: Fraction
    deducted: Fraction
    persons: int
    # The work-cost deduction (benefits.work_cost) could not be computed: the income is 需人工核定.
    undecided: bool = False

    @property
    def net(self) -> Fraction:
        return max(Fraction(0), self.counted - self.deducted)

    @property
    def monthly_total(self) -> Decimal:
        return fraction_to_yuan(self.net / self.months)

    @property
    def per_capita_monthly(self) -> Decimal:
        return fraction_to_yuan(self.net / self.months / self.persons)


def reference_period(as_of: dt.date, months: int) -> tuple[dt.date, dt.date]:
    """The ``months`` whole months ending the day before ``as_of`` (e.g. 12 → as_of − 1 year … as_of − 1)."""
    return add_months(as_of, -months), as_of - dt.timedelta(days=1)


def prorated(income: IncomeFact, start: dt.date, end: dt.date) -> tuple[Fraction, int]:
    """The part of a record inside [start, end] by days, exactly; and the overlapping days."""
    overlap = (min(end, income.period_end) - max(start, income.period_start)).days + 1
    if overlap <= 0:
        return Fraction(0), 0
    days = (income.period_end - income.period_start).days + 1
    return Fraction(income.amount) * overlap / days, overlap


def treatment_table(params: Params, facts: HouseholdFacts, programme: str) -> tuple[dict[str, str], Reason]:
    resolved = lookup(params, facts, "income.category_treatment")
    table = resolved.value.get(programme)
    if table is None:
        raise IncomeTreatmentMissing(
            f"{facts.as_of} 适用的收入计算口径（income.category_treatment，第 {resolved.version} 版）"
            f"没有“{PROGRAMME_NAMES.get(programme, programme)}”（{programme}）的口径；"
            "请补充该参数，不能借用其他项目的口径"
        )
    note = reason(
        "income.category_treatment",
        ART_13,
        f"按“{PROGRAMME_NAMES.get(programme, programme)}”的收入计算口径计入、不计入或扣减",
        inputs={"programme": programme},
        parameters=(resolved,),
    )
    return table, note


def household_income(
    facts: HouseholdFacts,
    programme: str,
    members: tuple[MemberFacts, ...],
    params: Params,
    log: list[Reason],
    *,
    months: int | None = None,
    include_unattributed: bool = True,
) -> IncomeSummary:
    """Income of ``members`` over the reference period (《最低生活保障审核确认办法》第 13 条).

    The period is ``income.reference_period_months`` whole months before ``as_of`` (or ``months``).
    Each record counts in proportion to the days it overlaps the period; its category is counted,
    excluded or deducted per ``income.category_treatment`` for the programme (deductions: necessary
    employment costs, rigid costs of disability or illness, transfer expenditure); the net is never
    negative. Records of persons not counted are left out; records with no person belong to the
    household when ``include_unattributed``. Where 兴安盟's 就业成本扣减 is in force, the counted employment
    income is reduced by it (``work_cost``, margin households only); an open base makes it ``undecided``.
    """
    if months is None:
        period = lookup(params, facts, "income.reference_period_months")
        months = int(period.value)
        log.append(
            reason(
                "income.reference_period",
                ART_13,
                f"收入计算期为评估日前 {months} 个月",
                value=months,
                parameters=(period,),
            )
        )
    start, end = reference_period(facts.as_of, months)
    table, note = treatment_table(params, facts, programme)
    log.append(note)
    keys = {m.key for m in members}
    deaths = {m.key: m.death_date for m in members if m.death_date is not None}
    counted = deducted = Fraction(0)
    earnings: list[Earning] = []
    for income in facts.incomes:
        belongs = income.person_key in keys if income.person_key is not None else include_unattributed
        if not belongs:
            continue
        last = end
        death = deaths.get(income.person_key or "")
        if death is not None and income.period_end > death:
            last = min(end, death)  # only the part up to the death date is the member's income
            log.append(_split_at_death(income, death))
        share, days = prorated(income, start, last)
        if days == 0:
            continue
        treatment = table[income.category]
        if treatment == "counted":
            counted += share
            if income.category in EMPLOYMENT_CATEGORIES:
                span = (max(start, income.period_start), min(last, income.period_end))
                earnings.append(Earning(income.person_key, share, *span))
        elif treatment == "deducted":
            deducted += share
        log.append(_income_line(income, share, days, treatment))
    cost = work_cost(facts, programme, earnings, (start, end), months, params, log)
    deducted += cost.amount
    summary = IncomeSummary(start, end, months, counted, deducted, len(members), cost.open)
    log.append(_income_total(summary))
    return summary


_TREATMENT_LABELS = {"counted": "计入", "excluded": "不计入", "deducted": "扣减"}


def _split_at_death(income: IncomeFact, death: dt.date) -> Reason:
    """A record running past its member's death is split at the death date: the part after it is not the
    member's income (《民法典》第 13 条: civil capacity ends at death; the deceased is no longer a family
    member, 审核确认办法第 7 条). The registry refuses such records at entry (``check_income_period``)."""
    return reason(
        "income.split_at_death",
        f"《中华人民共和国民法典》第13条；{ART_7}",
        f"成员“{income.person_key}”已于 {death} 死亡，其收入记录（{income.period_start} 至 "
        f"{income.period_end}）按死亡日期拆分，{death} 之后的部分不计入",
        inputs={"person": income.person_key, "death_date": death, "period_end": income.period_end},
    )


def _income_line(income: IncomeFact, share: Fraction, days: int, treatment: str) -> Reason:
    label = IncomeCategory(income.category).label
    return reason(
        f"income.{treatment}",
        ART_13,
        f"{label} {income.amount} 元（{income.period_start} 至 {income.period_end}），计算期内 {days} 天"
        f"折合 {fraction_to_yuan(share)} 元，{_TREATMENT_LABELS[treatment]}",
        value=fraction_to_yuan(share),
        inputs={
            "person": income.person_key,
            "category": income.category,
            "amount": income.amount,
            "period_start": income.period_start,
            "period_end": income.period_end,
            "days_in_period": days,
        },
    )


def _income_total(summary: IncomeSummary) -> Reason:
    floor_note = "（扣减后为负，按 0 计）" if summary.deducted > summary.counted else ""
    return reason(
        "income.per_capita",
        ART_13,
        f"计算期 {summary.period_start} 至 {summary.period_end}："
        f"计入 {fraction_to_yuan(summary.counted)} 元，"
        f"扣减 {fraction_to_yuan(summary.deducted)} 元{floor_note}，月均 {summary.monthly_total} 元，"
        f"{summary.persons} 人，人均月收入 {summary.per_capita_monthly} 元",
        value=summary.per_capita_monthly,
        inputs={
            "counted": fraction_to_yuan(summary.counted),
            "deducted": fraction_to_yuan(summary.deducted),
            "months": summary.months,
            "persons": summary.persons,
        },
    )
