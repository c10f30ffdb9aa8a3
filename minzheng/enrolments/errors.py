"""Errors of enrolments; Chinese messages name the field or the status at fault."""

from __future__ import annotations

from minzheng.common.errors import Conflict, ValidationFailed


class EnrolmentInvalid(ValidationFailed):
    code = "enrolment_invalid"


class ChangeNotAllowed(Conflict):
    """The change does not start from the enrolment's status, or overlaps a recorded change."""

    code = "change_not_allowed"


class AlreadyEnrolled(Conflict):
    code = "already_enrolled"
