"""Who must use the TOTP second factor (issue 16, 等保三级 identity controls; ADR 0026).

The roles that approve or confirm decisions (the county approver; the township reviewer, who confirms when
delegated, ``applications.rules.steps.CONFIRMERS``) and those holding ``MANAGE_PAYMENTS`` (approve payrolls,
produce bank files) must have passed a TOTP code in the session before any page, and before any write
through a page or the session-authenticated API. ``MINZHENG_REQUIRE_2FA`` switches this on: on by default
wherever a real ``SECRET_KEY`` is configured (production), off in the embedded demo and in the test suite,
with a warning at every start while it is off. ``OTP_REQUIRED_ROLES`` adds further roles either way.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from minzheng.catalogue.roles import Capability, Role, role_can

SECOND_FACTOR_CAPABILITIES = frozenset({Capability.MANAGE_PAYMENTS})
SECOND_FACTOR_ROLES = frozenset({Role.COUNTY_APPROVER, Role.TOWNSHIP_REVIEWER})


def second_factor_required(user: Any) -> bool:
    """The user's role must verify a TOTP code in every session."""
    if not getattr(user, "is_authenticated", False):
        return False
    role = getattr(user, "role", "")
    if role in getattr(settings, "OTP_REQUIRED_ROLES", ()):
        return True
    if not getattr(settings, "MINZHENG_REQUIRE_2FA", False):
        return False
    return role in SECOND_FACTOR_ROLES or any(role_can(role, c) for c in SECOND_FACTOR_CAPABILITIES)


def session_verified(user: Any) -> bool:
    return bool(getattr(user, "is_verified", lambda: False)())


def refusal_message() -> str:
    return _("您的岗位须使用动态验证码，请先完成动态验证码验证再执行此操作")
