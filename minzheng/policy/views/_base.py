"""What the policy pages share: who acts and who may set or maintain parameters."""

from __future__ import annotations

from minzheng.accounts.models import User
from minzheng.policy.rules import (
    Kind,
    can_set_parameter,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STATUS_BADGES = {"confirmed": "bg-green-lt", "reported": "bg-blue-lt", "unconfirmed": "bg-yellow-lt"}
NUMERIC_KINDS = frozenset({Kind.MONEY, Kind.RATIO, Kind.MULTIPLE, Kind.INTEGER})


def _may_set(actor: User, division_code: str) -> bool:
    role = actor.role if actor.is_active else ""
    return can_set_parameter(role, actor.scope_prefix, division_code).allowed


def _may_maintain(actor: User) -> bool:
    """Whether the actor may set parameters at all (for its own division, the root of its scope)."""
    return actor.division is not None and _may_set(actor, actor.division.code)
