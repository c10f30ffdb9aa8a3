"""Production settings pass Django's deployment checks and refuse to start without secrets."""

import base64
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow


def _env(**overrides: str) -> dict[str, str]:
    key = base64.b64encode(os.urandom(32)).decode()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "minzheng.config.settings.production",
        "SECRET_KEY": base64.b64encode(os.urandom(48)).decode(),
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
        "FIELD_ENCRYPTION_KEYS": f"k1:{key}",
        "BLIND_INDEX_KEY": base64.b64encode(os.urandom(32)).decode(),
        "ALLOWED_HOSTS": "minzheng.example.gov.cn",
        "MINZHENG_CLAMD": "unix:/run/clamav/clamd.ctl",  # without a virus scanner check --deploy fails
        "REDIS_URL": "redis://127.0.0.1:6379/0",  # several gunicorn workers share one cache
    }
    env.update(overrides)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set for the browser tests only; check --deploy flags it
    return env


def _check(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "minzheng", "check", "--deploy", "--fail-level", "WARNING"],
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


def test_check_deploy_is_clean_with_production_settings():
    result = _check(_env())
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_warns_without_a_shared_cache():
    result = _check(_env(REDIS_URL=""))
    assert result.returncode == 1
    assert "(minzheng.W002) REDIS_URL is not set" in result.stderr


def test_production_refuses_missing_encryption_keys():
    result = _check(_env(FIELD_ENCRYPTION_KEYS=""))
    assert result.returncode != 0
    assert "Production requires the environment variable FIELD_ENCRYPTION_KEYS" in result.stderr


def test_production_refuses_sqlite():
    result = _check(_env(DATABASE_URL="sqlite:////tmp/x.sqlite3"))
    assert result.returncode != 0
    assert "Production requires PostgreSQL" in result.stderr
