"""Errors of the application workflow; Chinese messages name the step or field at fault."""

from __future__ import annotations

from minzheng.common.errors import Conflict, ValidationFailed


class TransitionNotAllowed(Conflict):
    """The transition does not start from the application's current step (already done, or skipped)."""

    code = "transition_not_allowed"


class StepRequirementMissing(ValidationFailed):
    """A record the step needs is missing (home visit, verification results, pledge, reasons…)."""

    code = "step_requirement_missing"


class DuplicateApplication(Conflict):
    code = "duplicate_application"


class ApplicationInvalid(ValidationFailed):
    code = "application_invalid"
