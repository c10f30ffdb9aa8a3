"""Programme dispatch: ``assess(programme, facts, params)`` → ``AssessmentResult`` with reasons.

Pure: the caller gathers ``HouseholdFacts`` (a selector for stored households, a JSON reader for
``minzheng assess``) and a ``Params`` provider (``providers.SelectorParams`` for the store,
``params.InMemoryParams`` for files and tests). The facts are validated first; every domain error names
the field at fault.

Which rule runs, and how it is called, is read from the programme catalogue (``ProgrammeSpec.benefit_rule``,
``assessed_per``, ``takes_request``), so adding a programme needs no edit here.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from typing import Any

from django.utils.module_loading import import_string

from minzheng.benefits import allowances
from minzheng.benefits.errors import UnknownProgramme
from minzheng.benefits.facts import HouseholdFacts, TemporaryRequest, household_validate
from minzheng.benefits.params import Params
from minzheng.benefits.reasons import MANUAL, AssessmentResult, ManualDetermination, reason
from minzheng.catalogue.programmes import PROGRAMME_CODES, PROGRAMMES, AssessedPer, Programme
from minzheng.policy.errors import ParameterMissing

# Assessed on the household as a whole: no single member can be named.
HOUSEHOLD_ONLY = frozenset(p for p, spec in PROGRAMMES.items() if spec.assessed_per == AssessedPer.HOUSEHOLD)


@cache
def benefit_rule(programme: Programme) -> Any:
    """The rule function of a programme (its catalogue ``benefit_rule``), imported once."""
    return import_string(PROGRAMMES[programme].benefit_rule)


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
    ``temporary_assistance``. Raises ``UnknownProgramme`` and the input errors of
    ``facts.household_validate``. A rule that is not configured, an open figure or a missing parameter
    gives a result with ``manual_review`` (需人工核定) and the reason — never a pass, never an error.
    """
    if programme not in PROGRAMME_CODES:
        known = "、".join(sorted(PROGRAMME_CODES))
        raise UnknownProgramme(f"未知的救助项目“{programme}”（可选：{known}）", field="programme")
    if person_key is not None and programme in HOUSEHOLD_ONLY:
        raise UnknownProgramme(f"救助项目“{programme}”按户认定，不能指定单个成员", field="person_key")
    household_validate(facts)
    try:
        return _run(programme, facts, params, person_key, temporary_request)
    except ManualDetermination as stop:
        return _manual(programme, stop.log)
    except ParameterMissing as missing:
        # A missing parameter never passes and never guesses: the result says who must decide and why.
        why = reason(
            "parameter.missing",
            "政策参数缺失",
            f"{missing.message}：需人工核定",
            value=None,
            inputs={"field": missing.field or ""},
            status=MANUAL,
        )
        return _manual(programme, [why])


def _manual(programme: str, log: Any) -> AssessmentResult:
    return AssessmentResult(
        programme=programme,
        eligible=False,
        per_capita_monthly_income=None,
        counted_members=(),
        monthly_amount=Decimal("0.00"),
        reasons=tuple(log),
        manual_review=True,
    )


def _run(
    programme: str,
    facts: HouseholdFacts,
    params: Params,
    person_key: str | None,
    temporary_request: TemporaryRequest | None,
) -> AssessmentResult:
    spec = PROGRAMMES[Programme(programme)]
    rule = benefit_rule(spec.code)
    if spec.takes_request:
        result: AssessmentResult = rule(facts, params, temporary_request)
    elif spec.assessed_per == AssessedPer.HOUSEHOLD:
        result = rule(facts, params)
    elif spec.assessed_per == AssessedPer.HOUSEHOLD_OR_MEMBER:
        result = rule(facts, params, person_key=person_key)
    else:
        result = allowances.assess_per_member(programme, rule, facts, params, person_key)
    return result
