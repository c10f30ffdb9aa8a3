"""Reading the organisations area's policy parameters (``policy/keys/organisations.py``) for many divisions at
once, and loading the built-in values (``builtin_parameters.json``). A missing value is never a guess: the
error says 需人工核定 and which parameter, place and date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from minzheng.common.errors import DomainError
from minzheng.divisions.models import Division
from minzheng.policy.errors import ParameterMissing
from minzheng.policy.selectors import parameter_values
from minzheng.policy.services import parameter_import

BUILTIN_PARAMETERS = Path(__file__).resolve().parent / "builtin_parameters.json"
REGION = "150000000000"

# per organisation type: (supervisor deadline key or None, authority deadline key)
DEADLINE_KEYS: dict[str, tuple[str | None, str]] = {
    "social_group": ("organisations.social_group.supervisor_due", "organisations.social_group.authority_due"),
    "social_service": (
        "organisations.social_service.supervisor_due",
        "organisations.social_service.authority_due",
    ),
    "foundation": (None, "organisations.foundation.authority_due"),
}
SKIP_MONTHS_KEY = "organisations.social_service.new_unit_skip_months"
SOCIAL_GROUP_CUTOFF_KEY = "organisations.social_group.registered_before"
GRACE_DAYS_KEY = "organisations.abnormal_grace_days"
REMINDER_DAYS_KEY = "organisations.reminder_days_before"


class NeedsManualDetermination(DomainError):
    code = "needs_manual_determination"
    http_status = 422


def values_for(key: str, on_date: dt.date, division_codes: Iterable[str]) -> dict[str, Any]:
    """``{division code: value}`` of ``key`` on ``on_date``; raises ``NeedsManualDetermination``
    (需人工核定)."""
    codes = sorted(set(division_codes))
    if not codes:
        return {}
    try:
        resolved = parameter_values(key, on_date, [(code, "") for code in codes])
    except ParameterMissing as missing:
        raise NeedsManualDetermination(f"需人工核定：{missing.message}") from None
    return {code: resolved[(code, "")].value for code in codes}


def values_or_none(key: str, on_date: dt.date, division_codes: Iterable[str]) -> dict[str, Any]:
    """Like ``values_for``, but a place without a value maps to None (the caller reports it)."""
    result: dict[str, Any] = {}
    for code in sorted(set(division_codes)):
        try:
            result.update(values_for(key, on_date, [code]))
        except NeedsManualDetermination:
            result[code] = None
    return result


def organisations_parameters_load() -> int:
    """Load the built-in deadlines into the policy store where no version exists yet (idempotent; needs the
    region division). Returns the rows created."""
    if not Division.objects.filter(code=REGION).exists():
        return 0
    text = BUILTIN_PARAMETERS.read_text(encoding="utf-8")
    return parameter_import(actor=None, text=text, skip_existing_chains=True).created
