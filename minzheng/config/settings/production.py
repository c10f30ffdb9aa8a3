"""Production: PostgreSQL, real keys from the environment, HTTPS-only cookies.

See docs/deployment.md. Every secret must come from the environment; nothing here
falls back to a development default.
"""

import os

from django.core.exceptions import ImproperlyConfigured

from minzheng.config.settings.base import *  # noqa: F403
from minzheng.config.settings.base import DATABASES

DEBUG = False

for _required in ("SECRET_KEY", "DATABASE_URL", "FIELD_ENCRYPTION_KEYS", "BLIND_INDEX_KEY", "ALLOWED_HOSTS"):
    if not os.environ.get(_required):
        raise ImproperlyConfigured(f"Production requires the environment variable {_required}")
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("Production requires PostgreSQL (DATABASE_URL=postgres://…)")

# Second factor for approval and payment roles: on unless explicitly switched off (ADR 0026).
MINZHENG_REQUIRE_2FA = os.environ.get("MINZHENG_REQUIRE_2FA", "true").lower() == "true"

SECURE_SSL_REDIRECT = os.environ.get("SECURE_SSL_REDIRECT", "true").lower() == "true"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
