"""Person-level facts derived for the rules: age, self-care category, person conditions. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from minzheng.benefits.facts import AdlItems, HouseholdFacts, MemberFacts, age_on
from minzheng.benefits.reasons import EXTREME_POVERTY_MEASURES, Reason, reason
from minzheng.registry.choices import SelfCare

ADULT_AGE = 18  # 《民法典》第 17 条

ADL_LABELS = {
    "eating": "自主吃饭",
    "dressing": "自主穿衣",
    "getting_in_out_of_bed": "自主上下床",
    "toileting": "自主如厕",
    "walking_indoors": "室内自主行走",
    "bathing": "自主洗澡",
}


def age(member: MemberFacts, facts: HouseholdFacts) -> int:
    return age_on(member.birth_date, facts.as_of)


def is_dead(member: MemberFacts, facts: HouseholdFacts) -> bool:
    return member.death_date is not None and member.death_date <= facts.as_of


def self_care_from_adl(items: AdlItems) -> str:
    """《特困人员认定办法》第 21–22 条: all six achieved → 具备生活自理能力; one to three not achieved →
    部分丧失; four or more not achieved → 完全丧失."""
    failed = items.failed
    if failed == 0:
        return SelfCare.CAPABLE.value
    return SelfCare.PARTLY_INCAPABLE.value if failed <= 3 else SelfCare.FULLY_INCAPABLE.value


def self_care_of(member: MemberFacts) -> tuple[str, Reason]:
    """The self-care category: from the six ADL items when assessed, else the recorded category
    (which the county assessed by the same articles); not assessed at all → 具备 is *not* assumed."""
    if member.adl is not None:
        category = self_care_from_adl(member.adl)
        failed = [label for name, label in ADL_LABELS.items() if not getattr(member.adl, name)]
        message = (
            f"六项指标中 {member.adl.failed} 项未达到（{'、'.join(failed) or '无'}），"
            f"评定为{SelfCare(category).label}"
        )
        inputs: dict[str, Any] = {name: getattr(member.adl, name) for name in ADL_LABELS}
    else:
        category = member.self_care
        message = f"按已评定的生活自理能力：{SelfCare(category).label}" if category else "未评定生活自理能力"
        inputs = {"self_care": member.self_care}
    cited = f"{EXTREME_POVERTY_MEASURES}第20—23条"
    return category, reason(
        "person.self_care", cited, message, value=category, inputs={"person": member.key, **inputs}
    )


def condition_matches(
    condition: Mapping[str, Any], member: MemberFacts, facts: HouseholdFacts, programmes: frozenset[str]
) -> bool:
    """A ``when`` condition of ``supplements`` / ``disability.care_subsidy_tiers`` (all fields must hold;
    docs/policy-parameters.md). ``programmes`` are those the household receives."""
    years = age(member, facts)
    checks = {
        "age_min": lambda v: years >= v,
        "age_max": lambda v: years <= v,
        "minor": lambda v: (years < ADULT_AGE) == v,
        "disability_grades": lambda v: member.disability_grade in v,
        "disability_categories": lambda v: member.disability_category in v,
        "serious_illness": lambda v: member.serious_illness == v,
        "self_care": lambda v: _self_care_value(member) in v,
        "household_programmes": lambda v: bool(programmes & set(v)),
        "household_urban_rural": lambda v: facts.urban_rural == v,
    }
    return all(checks[name](value) for name, value in condition.items())


def _self_care_value(member: MemberFacts) -> str:
    return self_care_from_adl(member.adl) if member.adl is not None else member.self_care


def severe_art5_disability(member: MemberFacts) -> bool:
    """《特困人员认定办法》第 5 条: intellectual or mental grade 1–3, physical grade 1–2, visual grade 1."""
    grade, category = member.disability_grade, member.disability_category
    if grade is None:
        return False
    limits = {"intellectual": 3, "mental": 3, "physical": 2, "visual": 1}
    return category in limits and grade <= limits[category]


def member_for(facts: HouseholdFacts, person_key: str) -> MemberFacts:
    """The member a person programme is asked for; a dead member is refused, never assessed."""
    from minzheng.benefits.errors import AssessmentInputMissing, DeadMemberCounted

    for index, member in enumerate(facts.members):
        if member.key == person_key:
            if is_dead(member, facts):
                raise DeadMemberCounted(
                    f"成员“{person_key}”已于 {member.death_date} 死亡，不能作为 {facts.as_of} 的救助对象",
                    field=f"members[{index}].death_date",
                )
            return member
    raise AssessmentInputMissing(f"成员“{person_key}”不在本家庭中", field="person_key")
