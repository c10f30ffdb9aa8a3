"""What the writes of 动态监测预警 share: their errors, the capability check and the region whose
parameters (thresholds, ``monitoring.max_flag_share``) are the defaults."""

from __future__ import annotations

from minzheng.accounts.models import User
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import Conflict, PermissionDenied, ValidationFailed

REGION = "150000000000"


class RuleInvalid(ValidationFailed):
    code = "rule_invalid"


class AlertTransitionRefused(Conflict):
    code = "alert_transition_refused"


def capability_require(actor: User | None, capability: Capability) -> None:
    """Refuse a user without ``capability``; ``None`` is the system (scheduled runs, set-up)."""
    if actor is not None and not actor.can(capability):
        raise PermissionDenied("您的角色无权执行此操作")
