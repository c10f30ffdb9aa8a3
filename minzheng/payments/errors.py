"""Errors of payments; the Chinese message names the payroll, line, file row or balance at fault."""

from __future__ import annotations

from minzheng.common.errors import Conflict, ValidationFailed


class PayrollLocked(Conflict):
    """The payroll is approved (or waiting for review): it cannot be regenerated or edited."""

    code = "payroll_locked"


class PayrollTransitionNotAllowed(Conflict):
    code = "payroll_transition_not_allowed"


class MakerIsChecker(ValidationFailed):
    code = "maker_is_checker"
    http_status = 403


class PayrollInvalid(ValidationFailed):
    code = "payroll_invalid"


class BankFileInvalid(ValidationFailed):
    """A bank file cannot be written (e.g. a name GBK cannot encode) or a result file is refused.

    ``rows`` lists every problem as (row number or 0 for the whole file, message)."""

    code = "bank_file_invalid"

    def __init__(
        self,
        message: str,
        *,
        rows: list[tuple[int, str]] | None = None,
        field: str | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message, field=field, code=code)
        self.rows = rows or []

    def as_dict(self) -> dict[str, str | None]:
        detail = "；".join(f"第 {row} 行：{text}" if row else text for row, text in self.rows[:50])
        return {**super().as_dict(), "message": f"{self.message}。{detail}" if detail else self.message}


class ReserveError(ValidationFailed):
    """A reserve-fund movement is refused (no fund for the township, balance insufficient, …)."""

    code = "reserve_refused"


class ReserveInsufficient(ReserveError):
    code = "reserve_insufficient"
    http_status = 409


class ReserveFundMissing(ReserveError):
    code = "reserve_fund_missing"
