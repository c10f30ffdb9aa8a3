"""Errors of the benefit engine. Messages are Chinese and ``field`` names the input at fault
(e.g. ``incomes[2].amount``), so a caseworker or an API client can find it."""

from __future__ import annotations

from minzheng.common.errors import Conflict, NotFound, ValidationFailed
from minzheng.policy.errors import ParameterMissing

__all__ = [
    "AssessmentInputMissing",
    "DeadMemberCounted",
    "HouseholdInconsistent",
    "IncomeInvalid",
    "IncomeTreatmentMissing",
    "MemberInTwoHouseholds",
    "ParameterInconsistent",
    "ParameterMissing",
    "UnknownProgramme",
]


class UnknownProgramme(NotFound):
    code = "unknown_programme"


class IncomeInvalid(ValidationFailed):
    """An income (or asset, expense) amount is negative, not a number, or a float."""

    code = "income_invalid"


class HouseholdInconsistent(ValidationFailed):
    """The household description contradicts itself (dates, unknown member keys, duplicate keys…)."""

    code = "household_inconsistent"


class MemberInTwoHouseholds(Conflict):
    """A person is counted as a co-resident member of two households at once: the caller's data error
    (《最低生活保障审核确认办法》第 7 条 defines one household of co-resident members per person)."""

    code = "member_in_two_households"


class DeadMemberCounted(ValidationFailed):
    """A person programme was asked for a member who had died on or before the assessment date."""

    code = "dead_member_counted"


class AssessmentInputMissing(ValidationFailed):
    """A fact the rule needs was not given (e.g. the support situation for 特困); never assumed."""

    code = "assessment_input_missing"


class IncomeTreatmentMissing(ParameterMissing):
    """``income.category_treatment`` in force has no table for the programme: not guessed from another."""

    code = "income_treatment_missing"


class ParameterInconsistent(ValidationFailed):
    """Two parameters in force contradict each other (e.g. the taper is shorter than the exit period)."""

    code = "parameter_inconsistent"
