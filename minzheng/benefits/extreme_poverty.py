"""特困人员救助供养 (extreme-poverty support; policy-rules.md §2.1, §2.4–2.6). Pure.

A person programme: every living member (or the one ``person_key``) is tested for the three conditions of
《特困人员认定办法》第 4 条, in order, stopping at the first that fails; the amount is the basic-living
standard plus the care standard of the person's self-care category (国发〔2016〕14号).
"""

from __future__ import annotations

from decimal import Decimal

from minzheng.benefits.assets import assets_pass
from minzheng.benefits.errors import AssessmentInputMissing
from minzheng.benefits.facts import (
    SUPPORTER_INABILITY_ITEMS,
    HouseholdFacts,
    MemberFacts,
    OrphanStatus,
    SupporterInability,
    SupporterStatus,
)
from minzheng.benefits.means_test import counted_members, household_income
from minzheng.benefits.params import Params, apply_rounding, decimal_of, lookup
from minzheng.benefits.people import ADULT_AGE, age, is_dead, member_for, self_care_of, severe_art5_disability
from minzheng.benefits.reasons import (
    EXTREME_POVERTY_MEASURES,
    INTERIM_MEASURES,
    MANUAL,
    OPINION_2020,
    SUPPORT_OPINION_2016,
    AssessmentResult,
    ManualDetermination,
    MemberAmount,
    Reason,
    article,
    reason,
)
from minzheng.catalogue.programmes import Programme
from minzheng.registry.choices import SchoolEnrolment

PROGRAMME = Programme.EXTREME_POVERTY_SUPPORT
ZERO = Decimal("0.00")
ELDERLY_AGE = 60  # art. 5 (一)
CHILD_AGE = 16  # art. 5 (二); extended to 18 by the 2020 opinion item 5
# Art. 24 ¶2: support continues after 18 in compulsory education, senior high or secondary vocational school.
CONTINUED_SCHOOLING = frozenset(
    {
        SchoolEnrolment.PRIMARY,
        SchoolEnrolment.JUNIOR_SECONDARY,
        SchoolEnrolment.SENIOR_SECONDARY,
        SchoolEnrolment.SECONDARY_VOCATIONAL,
    }
)


def _art(number: int | str) -> str:
    return article(EXTREME_POVERTY_MEASURES, number)


def no_work_capacity(member: MemberFacts, facts: HouseholdFacts) -> tuple[bool, str, str]:
    """无劳动能力: ``(holds, article, why)`` (art. 5; 2020 opinion item 5; art. 24 ¶2)."""
    years = age(member, facts)
    if years >= ELDERLY_AGE:
        return True, f"{_art(5)}第（一）项", f"年满 {ELDERLY_AGE} 周岁（{years} 岁）"
    if years < CHILD_AGE:
        return True, f"{_art(5)}第（二）项", f"未满 {CHILD_AGE} 周岁（{years} 岁）"
    if years < ADULT_AGE:
        return True, f"{OPINION_2020}第5项", f"未成年人（{years} 岁），救助供养年龄已由 16 周岁延长至 18 周岁"
    if member.supported_as_extreme_poverty_minor and member.school_enrolment in CONTINUED_SCHOOLING:
        return True, f"{_art(24)}第二款", f"年满 18 周岁（{years} 岁）但仍在接受义务教育或普通高中、中职教育"
    if severe_art5_disability(member):
        return True, f"{_art(5)}第（三）项", f"{member.disability_category} 残疾 {member.disability_grade} 级"
    if member.other_no_work_capacity:
        return True, f"{_art(5)}第（四）项", f"省级规定的其他情形：{member.other_no_work_capacity}"
    return False, _art(5), f"{years} 岁，无第 5 条所列残疾，具有劳动能力"


def person_urban_rural(member: MemberFacts, facts: HouseholdFacts) -> tuple[str, str]:
    """Art. 19 (§2.5): relocated to a town under 易地扶贫搬迁 → urban; contracted land or a share in
    rural collective income → rural; otherwise the household's type. Relocation is the later, specific
    fact, so it wins when both are recorded."""
    if member.resettled_to_town:
        return "urban", "易地扶贫搬迁到城镇，按城市标准"
    if member.rural_land_or_collective_share:
        return "rural", "有承包土地或参加农村集体经济收益分配，按农村标准"
    return facts.urban_rural, "按家庭城乡类别"


def _supporter(member: MemberFacts, index: int) -> tuple[bool, str, str]:
    """无法定赡养、抚养、扶养义务人, or the duty-bearers cannot fulfil the duty (art. 4 (三), art. 8)."""
    where = f"members[{index}]"
    if not member.supporter_status:
        raise AssessmentInputMissing(
            f"成员“{member.key}”未填写法定赡养、抚养、扶养义务人情况", field=f"{where}.supporter_status"
        )
    if member.supporter_status == SupporterStatus.NONE:
        return True, f"{_art(4)}第（三）项", "无法定赡养、抚养、扶养义务人"
    if member.supporter_status == SupporterStatus.ABLE:
        return False, f"{_art(4)}第（三）项", "有具备履行能力的法定义务人"
    if not member.supporter_inability:
        raise AssessmentInputMissing(
            f"成员“{member.key}”须注明义务人无履行能力的情形（第 8 条）", field=f"{where}.supporter_inability"
        )
    item, text = SUPPORTER_INABILITY_ITEMS[SupporterInability(member.supporter_inability)]
    return True, f"{_art(8)}第{item}项", f"法定义务人无履行义务能力：{text}"


def _means(member: MemberFacts, facts: HouseholdFacts, params: Params, log: list[Reason]) -> bool:
    """无生活来源 (art. 6–7): own income below the local 低保 standard, with the art. 6 exclusions (basic
    pension, social insurance, 优待抚恤金, 高龄津贴) as configured for the programme; assets within the rules.
    Household-level records count only when the person is the household's only counted member."""
    alone = tuple(m.key for m in counted_members(facts, [])) == (member.key,)
    urban_rural, _ = person_urban_rural(member, facts)
    income = household_income(facts, PROGRAMME, (member,), params, log, include_unattributed=alone)
    standard = lookup(params, facts, "dibao.standard_monthly", urban_rural)
    below = income.per_capita_monthly < decimal_of(standard)
    log.append(
        reason(
            "extreme_poverty.income",
            _art(6),
            f"成员“{member.key}”月收入 {income.per_capita_monthly} 元{'低于' if below else '不低于'}"
            f"低保标准 {decimal_of(standard)} 元",
            value=below,
            inputs={"person": member.key, "monthly_income": income.per_capita_monthly},
            parameters=(standard,),
        )
    )
    if not below:
        return False
    assets = assets_pass(facts, (member,), params, log, include_unattributed=alone)
    if assets is None:
        log.append(
            reason(
                "extreme_poverty.manual_review",
                _art(6),
                f"成员“{member.key}”财产条件无法按已配置规则判定：需人工核定",
                status=MANUAL,
            )
        )
        raise ManualDetermination(log)
    return assets


def _orphan_choice(member: MemberFacts, facts: HouseholdFacts) -> bool:
    return (
        member.orphan_status in (OrphanStatus.ORPHAN, OrphanStatus.DE_FACTO_ORPHAN)
        and age(member, facts) < ADULT_AGE
        and member.chose_orphan_scheme
    )


def _eligible(
    member: MemberFacts, index: int, facts: HouseholdFacts, params: Params, log: list[Reason]
) -> bool:
    holds, cited, why = no_work_capacity(member, facts)
    log.append(
        reason(
            "extreme_poverty.no_work_capacity",
            cited,
            f"成员“{member.key}”{why}",
            value=holds,
            inputs={"person": member.key},
        )
    )
    if not holds:
        return False
    if _orphan_choice(member, facts):
        log.append(
            reason(
                "extreme_poverty.orphan_choice",
                _art(9),
                f"成员“{member.key}”同时符合孤儿（事实无人抚养儿童）条件并选择该保障，不认定为特困人员",
                value=False,
                inputs={"person": member.key},
            )
        )
        return False
    if not _means(member, facts, params, log):
        return False
    holds, cited, why = _supporter(member, index)
    log.append(
        reason(
            "extreme_poverty.supporter",
            cited,
            f"成员“{member.key}”{why}",
            value=holds,
            inputs={
                "person": member.key,
                "supporter_status": member.supporter_status,
                "supporter_inability": member.supporter_inability,
            },
        )
    )
    return holds


def _amount(
    member: MemberFacts, index: int, facts: HouseholdFacts, params: Params, log: list[Reason]
) -> MemberAmount:
    """基本生活标准 + 照料护理标准 of the self-care category (国发〔2016〕14号; 《社会救助暂行办法》第 15 条;
    认定办法第 19–23 条)."""
    category, care_reason = self_care_of(member)
    log.append(care_reason)
    if not category:
        raise AssessmentInputMissing(
            f"成员“{member.key}”未评定生活自理能力（六项指标或评定结果）", field=f"members[{index}].adl"
        )
    urban_rural, why = person_urban_rural(member, facts)
    basic = lookup(params, facts, "extreme_poverty.basic_living_monthly", urban_rural)
    care = lookup(params, facts, f"extreme_poverty.care_monthly.{category}", urban_rural)
    rounding = lookup(params, facts, "rounding")
    total = apply_rounding(decimal_of(basic) + decimal_of(care), rounding.value)
    log.append(
        reason(
            "extreme_poverty.amount",
            f"{SUPPORT_OPINION_2016}；{article(INTERIM_MEASURES, 15)}；{_art(19)}",
            f"成员“{member.key}”{why}：基本生活标准 {decimal_of(basic)} + 照料护理标准 {decimal_of(care)}"
            f" = {total} 元/月",
            value=total,
            inputs={"person": member.key, "urban_rural": urban_rural, "self_care": category},
            parameters=(basic, care, rounding),
        )
    )
    return MemberAmount(member.key, True, total, category)


def assess_extreme_poverty(
    facts: HouseholdFacts, params: Params, *, person_key: str | None = None
) -> AssessmentResult:
    log: list[Reason] = []
    if person_key is not None:
        chosen = [member_for(facts, person_key)]
    else:
        chosen = [m for m in facts.members if not is_dead(m, facts)]
    results = []
    for member in chosen:
        index = facts.members.index(member)
        if _eligible(member, index, facts, params, log):
            results.append(_amount(member, index, facts, params, log))
        else:
            results.append(MemberAmount(member.key, False, ZERO))
    eligible = [r for r in results if r.eligible]
    total = sum((r.monthly_amount for r in eligible), ZERO)
    return AssessmentResult(
        programme=PROGRAMME,
        eligible=bool(eligible),
        per_capita_monthly_income=None,
        counted_members=tuple(r.person_key for r in eligible),
        monthly_amount=total,
        reasons=tuple(log),
        level=eligible[0].level if len(eligible) == 1 else "",
        members=tuple(results),
    )
