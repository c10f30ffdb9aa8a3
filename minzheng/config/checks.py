"""Deployment checks Django's own ``check --deploy`` does not make (issue 16 §8)."""

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

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


@register(Tags.caches, deploy=True)
def per_process_cache(app_configs: Sequence[AppConfig] | None, **kwargs: Any) -> list[CheckMessage]:
    """Without REDIS_URL each gunicorn worker keeps its own cache (common/caching.py): a policy change made
    through one worker reaches the others' cached policy guide only when their entries expire."""
    if getattr(settings, "REDIS_URL", ""):
        return []
    return [
        Warning(
            "REDIS_URL is not set: every server process caches the policy guide and the place chooser on its "
            "own, so a parameter change may take up to 6 hours to show in the other processes.",
            hint="Set REDIS_URL (e.g. redis://127.0.0.1:6379/0) when running more than one process "
            "(docs/deployment.md).",
            id="minzheng.W002",
        )
    ]
