"""Person allowances without a household means test (policy-rules.md §6.1–6.3): 高龄津贴,
困难残疾人生活补贴, 重度残疾人护理补贴, 孤儿 and 事实无人抚养儿童 basic living. Pure. Each assesses every
living member (or the one ``person_key``) and sums the monthly amounts."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from minzheng.benefits.facts import HouseholdFacts, MemberFacts, OrphanStatus
from minzheng.benefits.params import Params, decimal_of, lookup
from minzheng.benefits.people import ADULT_AGE, age, condition_matches, is_dead, member_for
from minzheng.benefits.reasons import (
    DE_FACTO_ORPHAN_OPINION_2019,
    DISABILITY_OPINION_2015,
    MANUAL,
    ORPHAN_OPINION_2010,
    SENIOR_ALLOWANCE_BASIS,
    AssessmentResult,
    ManualDetermination,
    MemberAmount,
    Reason,
    reason,
)
from minzheng.catalogue.programmes import Programme
from minzheng.policy.rules import ResolvedParameter

ZERO = Decimal("0.00")
MemberRule = Callable[[MemberFacts, HouseholdFacts, Params, list[Reason]], MemberAmount]


def _no(member: MemberFacts, code: str, cited: str, message: str, log: list[Reason]) -> MemberAmount:
    log.append(
        reason(code, cited, f"成员“{member.key}”{message}", value=False, inputs={"person": member.key})
    )
    return MemberAmount(member.key, False, ZERO)


def _yes(
    member: MemberFacts,
    code: str,
    cited: str,
    message: str,
    amount: Decimal,
    level: str,
    parameters: tuple[ResolvedParameter, ...],
    log: list[Reason],
) -> MemberAmount:
    log.append(
        reason(
            code,
            cited,
            f"成员“{member.key}”{message}",
            value=amount,
            inputs={"person": member.key},
            parameters=parameters,
        )
    )
    return MemberAmount(member.key, True, amount, level)


def senior_allowance(
    member: MemberFacts, facts: HouseholdFacts, params: Params, log: list[Reason]
) -> MemberAmount:
    """高龄津贴 by age on ``as_of`` (《老年人权益保障法》第 33 条; Inner Mongolia, universal since 2017-01-01:
    80–99 → 100, 100+ → 600 yuan/month, ``senior_allowance.brackets``)."""
    brackets = lookup(params, facts, "senior_allowance.brackets")
    years = age(member, facts)
    for bracket in brackets.value:
        if bracket["age_min"] <= years and (bracket["age_max"] is None or years <= bracket["age_max"]):
            top = bracket["age_max"] if bracket["age_max"] is not None else "以上"
            level = f"{bracket['age_min']}-{top}"
            return _yes(
                member,
                "senior_allowance.bracket",
                SENIOR_ALLOWANCE_BASIS,
                f"{years} 岁，属 {level} 岁年龄段，高龄津贴 {bracket['amount']} 元/月",
                Decimal(bracket["amount"]),
                level,
                (brackets,),
                log,
            )
    return _no(
        member, "senior_allowance.age", SENIOR_ALLOWANCE_BASIS, f"{years} 岁，不在高龄津贴年龄段内", log
    )


def disability_living_subsidy(
    member: MemberFacts, facts: HouseholdFacts, params: Params, log: list[Reason]
) -> MemberAmount:
    """困难残疾人生活补贴 for disabled persons in 低保 households (国发〔2015〕52号 §二); a disabled child who
    receives the full 事实无人抚养儿童 subsidy does not also receive it (2019 opinion)."""
    if member.disability_grade is None:
        return _no(member, "disability_living.no_certificate", DISABILITY_OPINION_2015, "无残疾等级", log)
    if Programme.DIBAO not in facts.programmes_received:
        return _no(
            member, "disability_living.not_dibao", DISABILITY_OPINION_2015, "所在家庭不是低保家庭", log
        )
    if member.orphan_status == OrphanStatus.DE_FACTO_ORPHAN:
        return _no(
            member,
            "disability_living.de_facto_orphan",
            DE_FACTO_ORPHAN_OPINION_2019,
            "已按事实无人抚养儿童标准全额领取基本生活补贴，不再领取困难残疾人生活补贴",
            log,
        )
    standard = lookup(params, facts, "disability.living_subsidy_monthly")
    return _yes(
        member,
        "disability_living.amount",
        DISABILITY_OPINION_2015,
        f"低保家庭残疾人（{member.disability_category} {member.disability_grade} 级），生活补贴 "
        f"{decimal_of(standard)} 元/月",
        decimal_of(standard),
        "",
        (standard,),
        log,
    )


def severe_disability_care_subsidy(
    member: MemberFacts, facts: HouseholdFacts, params: Params, log: list[Reason]
) -> MemberAmount:
    """重度残疾人护理补贴 (国发〔2015〕52号 §二): grade 1–2 needing long-term care (≥ 6 months), extended
    locally (e.g. grade 3–4 intellectual/mental); the first tier of ``disability.care_subsidy_tiers``
    whose conditions hold gives the amount. No tier → not covered by the configured table."""
    if member.disability_grade is None:
        return _no(member, "care_subsidy.no_certificate", DISABILITY_OPINION_2015, "无残疾等级", log)
    if not member.needs_long_term_care:
        return _no(
            member,
            "care_subsidy.no_care_need",
            DISABILITY_OPINION_2015,
            "经评定不需要长期照护（6 个月以上）",
            log,
        )
    tiers = lookup(params, facts, "disability.care_subsidy_tiers")
    for tier in tiers.value:
        if condition_matches(tier["when"], member, facts, facts.programmes_received):
            if tier["amount"] is None:
                log.append(
                    reason(
                        "care_subsidy.amount_unconfigured",
                        DISABILITY_OPINION_2015,
                        f"成员“{member.key}”符合护理补贴档次“{tier['label']}”，但该档标准本地未配置：需人工核定",
                        inputs={"person": member.key, "tier": tier["code"]},
                        parameters=(tiers,),
                        status=MANUAL,
                    )
                )
                raise ManualDetermination(log)
            return _yes(
                member,
                "care_subsidy.tier",
                DISABILITY_OPINION_2015,
                f"符合护理补贴档次“{tier['label']}”，{tier['amount']} 元/月",
                Decimal(tier["amount"]),
                tier["code"],
                (tiers,),
                log,
            )
    log.append(
        reason(
            "care_subsidy.no_tier",
            DISABILITY_OPINION_2015,
            f"成员“{member.key}”（{member.disability_category} {member.disability_grade} 级）不符合已配置的"
            "任何护理补贴档次",
            value=False,
            inputs={"person": member.key},
            parameters=(tiers,),
        )
    )
    return MemberAmount(member.key, False, ZERO)


def orphan_allowance(
    member: MemberFacts, facts: HouseholdFacts, params: Params, log: list[Reason]
) -> MemberAmount:
    """孤儿基本生活保障: under 18, identified as an orphan; institutional or home-based standard
    (国办发〔2010〕54号)."""
    if member.orphan_status != OrphanStatus.ORPHAN or age(member, facts) >= ADULT_AGE:
        return _no(member, "orphan.not_orphan", ORPHAN_OPINION_2010, "不是未满 18 周岁的孤儿", log)
    key, label = (
        ("orphan.institutional_monthly", "集中养育")
        if member.institutional_care
        else ("orphan.home_monthly", "散居")
    )
    standard = lookup(params, facts, key)
    return _yes(
        member,
        "orphan.amount",
        ORPHAN_OPINION_2010,
        f"{label}孤儿，基本生活费 {decimal_of(standard)} 元/月",
        decimal_of(standard),
        label,
        (standard,),
        log,
    )


def de_facto_orphan_allowance(
    member: MemberFacts, facts: HouseholdFacts, params: Params, log: list[Reason]
) -> MemberAmount:
    """事实无人抚养儿童基本生活补贴: under 18, identified; a child already receiving 低保, 特困 or the
    disability living subsidy gets the difference (补差发放; 2019 opinion)."""
    if member.orphan_status != OrphanStatus.DE_FACTO_ORPHAN or age(member, facts) >= ADULT_AGE:
        return _no(
            member,
            "de_facto_orphan.not_identified",
            DE_FACTO_ORPHAN_OPINION_2019,
            "不是未满 18 周岁的事实无人抚养儿童",
            log,
        )
    standard = decimal_of(resolved := lookup(params, facts, "de_facto_orphan.monthly"))
    amount = max(standard - member.other_child_benefits_monthly, ZERO)
    if amount == 0:
        return _no(
            member,
            "de_facto_orphan.covered",
            DE_FACTO_ORPHAN_OPINION_2019,
            f"已领救助 {member.other_child_benefits_monthly} 元不低于补贴标准 {standard} 元，不补差",
            log,
        )
    return _yes(
        member,
        "de_facto_orphan.amount",
        DE_FACTO_ORPHAN_OPINION_2019,
        f"补贴标准 {standard} 元 − 已领救助 {member.other_child_benefits_monthly} 元 = {amount} 元/月",
        amount,
        "",
        (resolved,),
        log,
    )


def assess_per_member(
    programme: str, rule: MemberRule, facts: HouseholdFacts, params: Params, person_key: str | None
) -> AssessmentResult:
    """``rule`` for each living member (or the one asked for); the household's amount is the sum."""
    log: list[Reason] = []
    chosen = (
        [member_for(facts, person_key)] if person_key else [m for m in facts.members if not is_dead(m, facts)]
    )
    results = tuple(rule(member, facts, params, log) for member in chosen)
    eligible = [r for r in results if r.eligible]
    return AssessmentResult(
        programme=programme,
        eligible=bool(eligible),
        per_capita_monthly_income=None,
        counted_members=tuple(r.person_key for r in eligible),
        monthly_amount=sum((r.monthly_amount for r in eligible), ZERO),
        reasons=tuple(log),
        level=eligible[0].level if len(eligible) == 1 else "",
        members=results,
    )
