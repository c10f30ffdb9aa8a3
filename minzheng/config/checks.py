"""Deployment checks Django's own ``check --deploy`` does not make (issue 16 §8)."""

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register

from minzheng.config.env import DEVELOPMENT_SECRET_KEY


@register(Tags.security, deploy=True)
def published_secret_key(app_configs: Sequence[AppConfig] | None, **kwargs: Any) -> list[CheckMessage]:
    """The development SECRET_KEY is in the repository: sessions, password-reset links and the keys
    derived from it (field encryption without FIELD_ENCRYPTION_KEYS) would be forgeable."""
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    if DEVELOPMENT_SECRET_KEY in keys:
        return [
            Error(
                "SECRET_KEY (or SECRET_KEY_FALLBACKS) is the published development key.",
                hint="Set SECRET_KEY to a long random string from the secret store (docs/deployment.md §2).",
                id="minzheng.E001",
            )
        ]
    return []
