"""Start-up warning while approval and payment roles log in without a second factor (ADR 0026)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning


def second_factor_off(app_configs: Sequence[AppConfig] | None, **kwargs: Any) -> list[CheckMessage]:
    if getattr(settings, "MINZHENG_REQUIRE_2FA", False):
        return []
    return [
        Warning(
            "MINZHENG_REQUIRE_2FA is off: approval and payment roles log in without a TOTP code "
            "(acceptable for the embedded demo only).",
            hint="Production turns it on; set MINZHENG_REQUIRE_2FA=true anywhere else that holds real data.",
            id="minzheng.W201",
        )
    ]


def register() -> None:
    from django.core.checks import register as add

    add(second_factor_off, Tags.security)
