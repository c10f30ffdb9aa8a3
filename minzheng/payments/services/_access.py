"""Who may act on payments: the checks every payments service starts with."""

from __future__ import annotations

from minzheng.accounts.models import User
from minzheng.catalogue.roles import Capability
from minzheng.common.errors import PermissionDenied
from minzheng.divisions.models import Division
from minzheng.divisions.rules import Level
from minzheng.payments.errors import (
    PayrollInvalid,
)


def _require(actor: User, capability: Capability) -> None:
    if not actor.can(capability):
        raise PermissionDenied("您的角色无权执行此操作", code="forbidden")


def _require_county(actor: User, county: Division) -> None:
    if county.level != Level.COUNTY:
        raise PayrollInvalid(f"发放批次按旗县（市区）编制，{county.name} 不是旗县级区划", field="county")
    prefix = actor.scope_prefix
    if not prefix or not county.code.startswith(prefix):
        raise PermissionDenied(f"{county.name} 不在您的管辖范围内", code="forbidden")
