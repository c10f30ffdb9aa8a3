"""Settings for the test suite: PostgreSQL by default (the production database)."""

import os

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/minzheng")

from minzheng.config.settings.base import *  # noqa: E402,F403
from minzheng.config.settings.base import DATABASES  # noqa: E402

DEBUG = False
DATABASES["default"]["CONN_MAX_AGE"] = 0
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]}}
AXES_FAILURE_LIMIT = 5
# Off by default so the suite's force_login sessions work; the 2FA tests switch it on (conftest: otp_login).
MINZHENG_REQUIRE_2FA = False
MINZHENG_TRUSTED_PROXIES = []
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
