"""Errors of the policy-parameter store. Messages are Chinese and name the parameter key."""

from __future__ import annotations

import datetime as dt

from minzheng.common.errors import Conflict, DomainError, NotFound, ValidationFailed


class ParameterMissing(DomainError):
    """No parameter is in force for the key, place and date: an error, never a guess (ADR 0003)."""

    code = "parameter_missing"
    http_status = 422


class UnknownParameterKey(NotFound):
    code = "unknown_parameter_key"


class ParameterValueInvalid(ValidationFailed):
    code = "parameter_value_invalid"


class ParameterConflict(Conflict):
    """The new validity range overlaps a stored one, or back-dates before the version in force."""

    code = "parameter_conflict"

    def __init__(
        self, message: str, *, field: str | None = None, entry_valid_from: dt.date | None = None
    ) -> None:
        super().__init__(message, field=field)
        self.entry_valid_from = entry_valid_from  # which entry of a batch ran into the conflict


class PolicyFileInvalid(ValidationFailed):
    """An import file has errors; ``errors`` lists every one (entry number and key). Nothing was written."""

    code = "policy_file_invalid"

    def __init__(self, errors: list[str]) -> None:
        shown = "；".join(errors[:5]) + (f"；另有 {len(errors) - 5} 处错误" if len(errors) > 5 else "")
        super().__init__(f"政策参数文件有 {len(errors)} 处错误，未写入任何数据：{shown}", field="file")
        self.errors = errors
