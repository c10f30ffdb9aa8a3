"""Programme dispatch: ``assess(programme, facts, params)`` → ``AssessmentResult`` with reasons.

Pure: the caller gathers ``HouseholdFacts`` (a selector for stored households, a JSON reader for
``minzheng assess``) and a ``Params`` provider (``providers.SelectorParams`` for the store,
``params.InMemoryParams`` for files and tests). The facts are validated first; every domain error names
the field at fault.
"""

from __future__ import annotations

from minzheng.benefits import allowances
from minzheng.benefits.dibao import assess_dibao
from minzheng.benefits.errors import UnknownProgramme
from minzheng.benefits.extreme_poverty import assess_extreme_poverty
from minzheng.benefits.facts import HouseholdFacts, TemporaryRequest, household_validate
from minzheng.benefits.margin import assess_margin
from minzheng.benefits.params import Params
from minzheng.benefits.reasons import AssessmentResult
from minzheng.benefits.rigid_expense import assess_rigid_expense
from minzheng.benefits.temporary import assess_temporary
from minzheng.policy.rules import PROGRAMME_CODES

PER_MEMBER_RULES: dict[str, allowances.MemberRule] = {
    "senior_allowance": allowances.senior_allowance,
    "disability_living_subsidy": allowances.disability_living_subsidy,
    "severe_disability_care_subsidy": allowances.severe_disability_care_subsidy,
    "orphan_allowance": allowances.orphan_allowance,
    "de_facto_orphan_allowance": allowances.de_facto_orphan_allowance,
}
HOUSEHOLD_ONLY = frozenset({"margin_household", "rigid_expense_household", "temporary_assistance"})


def assess(
    programme: str,
    facts: HouseholdFacts,
    params: Params,
    *,
    person_key: str | None = None,
    temporary_request: TemporaryRequest | None = None,
) -> AssessmentResult:
    """Assess one programme for a household on ``facts.as_of``.

    ``person_key``: for person programmes (特困, allowances) the one member to assess; for 低保 a
    single-person application (审核确认办法第 8 条). ``temporary_request`` is required for
    ``temporary_assistance``. Raises ``UnknownProgramme``, ``ParameterMissing`` and the input errors of
    ``facts.household_validate``.
    """
    if programme not in PROGRAMME_CODES:
        known = "、".join(sorted(PROGRAMME_CODES))
        raise UnknownProgramme(f"未知的救助项目“{programme}”（可选：{known}）", field="programme")
    if person_key is not None and programme in HOUSEHOLD_ONLY:
        raise UnknownProgramme(f"救助项目“{programme}”按户认定，不能指定单个成员", field="person_key")
    household_validate(facts)
    if programme == "dibao":
        return assess_dibao(facts, params, person_key=person_key)
    if programme == "extreme_poverty_support":
        return assess_extreme_poverty(facts, params, person_key=person_key)
    if programme == "margin_household":
        return assess_margin(facts, params)
    if programme == "rigid_expense_household":
        return assess_rigid_expense(facts, params)
    if programme == "temporary_assistance":
        return assess_temporary(facts, params, temporary_request)
    return allowances.assess_per_member(programme, PER_MEMBER_RULES[programme], facts, params, person_key)
