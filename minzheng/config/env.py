"""Deployment facts read from environment variables (never business parameters)."""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# The SECRET_KEY the demo runs with when none is set. It is published in the repository, so
# `check --deploy` refuses it (minzheng/config/checks.py, issue 16 §8).
DEVELOPMENT_SECRET_KEY = "minzheng-insecure-development-key-change-me-in-production-0123456789"  # noqa: S105


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(f"Environment variable {name} is required")
    return value


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    return default if raw is None else int(raw)


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def data_dir() -> Path:
    """Where the embedded SQLite database and generated files live."""
    path = Path(env_str("MINZHENG_DATA_DIR", str(PROJECT_ROOT / "data")))
    path.mkdir(parents=True, exist_ok=True)
    return path
