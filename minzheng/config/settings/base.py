"""Settings shared by every environment; the embedded demo runs on these directly.

``DATABASE_URL`` selects the database. Without it Minzheng uses a SQLite file in
the data directory (``MINZHENG_DATA_DIR``, default ``./data``).
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from minzheng.config.env import DEVELOPMENT_SECRET_KEY, data_dir, env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parents[2]
DATA_DIR = data_dir()

SECRET_KEY = env_str("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
# Off unless asked for (DEBUG=1): the demo of `make run` must not show tracebacks either (issue 16 §5).
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",  # Swagger UI from its bundled static files, not a CDN
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_tasks",
    "django_tasks_db",
    "minzheng.common",
    "minzheng.divisions",
    "minzheng.accounts",
    "minzheng.audit",
    "minzheng.registry",
    "minzheng.policy",
    "minzheng.benefits",
    "minzheng.applications",
    "minzheng.documents",
    "minzheng.enrolments",
    "minzheng.payments",
    "minzheng.monitoring",
    "minzheng.organisations",
    "minzheng.portal",
    "minzheng.eldercare",
    "minzheng.marriage",
    "minzheng.petitions",
    "minzheng.departments",
    "minzheng.field",
    "minzheng.demo",
    "minzheng.config.apps.SiteConfig",  # deployment checks only (config/checks.py); no models
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "minzheng.common.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # pages compressed (a staff page is ~23 KB of HTML); static files are served pre-compressed by whitenoise
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # before CSRF and the views: NUL/control characters and absurd paging numbers get a 400 (issue 16 §5)
    "minzheng.common.middleware.InputGuardMiddleware",
    "minzheng.common.middleware.ApiErrorShapeMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # after authentication: the language is the user's choice, never the browser's (issue 14 §8)
    "minzheng.accounts.middleware.PreferredLanguageMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "minzheng.accounts.middleware.StaffOnlyMiddleware",
    "minzheng.accounts.middleware.OtpEnrolmentMiddleware",
    # Axes must be last: it inspects the response of the authentication attempt.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "minzheng.config.urls"
WSGI_APPLICATION = "minzheng.config.wsgi.application"
ASGI_APPLICATION = "minzheng.config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "minzheng.accounts.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{DATA_DIR / 'minzheng.sqlite3'}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
    )
}
# One request = one transaction (ADR 0002).
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 30,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "minzheng.accounts.validators.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "minzheng.accounts.validators.CharacterClassValidator"},
    {"NAME": "minzheng.accounts.validators.PublishedPasswordValidator"},
    {"NAME": "minzheng.accounts.validators.PasswordHistoryValidator", "OPTIONS": {"count": 5}},
]

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "accounts:login"

# Session timeout: 30 minutes of inactivity (each request renews it; the store writes the renewal at most once
# a minute, so an idle session ends 29–30 minutes after its last request: accounts/sessions.py).
SESSION_ENGINE = "minzheng.accounts.sessions"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # htmx reads the token from the page, not the cookie
X_FRAME_OPTIONS = "DENY"

# Login lockout (django-axes): 5 failures per username+IP lock the account for 30 minutes.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
# Behind a reverse proxy every request comes from the proxy: the client's address is read from
# X-Forwarded-For only when the request came from one of these addresses/networks (common/network.py),
# otherwise one attacker would lock every user out. Empty (direct connections): REMOTE_ADDR is used.
MINZHENG_TRUSTED_PROXIES = env_list("MINZHENG_TRUSTED_PROXIES")
AXES_CLIENT_IP_CALLABLE = "minzheng.common.network.client_address"

OTP_TOTP_ISSUER = "Minzheng 民政"
# Roles that must use a TOTP second factor; they are sent to enrolment until they have a device.
# Production sets e.g. OTP_REQUIRED_ROLES=system_admin,auditor.
OTP_REQUIRED_ROLES = env_list("OTP_REQUIRED_ROLES")
# Approval and payment roles must pass a TOTP code before any page (accounts/second_factor.py, ADR 0026). On
# wherever a real SECRET_KEY is set; the embedded demo (development key) runs without it and warns at start.
MINZHENG_REQUIRE_2FA = env_bool("MINZHENG_REQUIRE_2FA", SECRET_KEY != DEVELOPMENT_SECRET_KEY)

LANGUAGE_CODE = "zh-hans"
# ``mn`` is traditional Mongolian script (ISO 15924 Mong, pages say lang="mn-Mong"), not the Cyrillic
# Mongolian of Django's own ``mn`` catalogue; it covers the portal and the printables only (ADR 0040). Its
# name is in Mongolian script whatever the interface language, as a language switch must show it.
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English")), ("mn", "ᠮᠣᠩᠭᠣᠯ")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR.parent / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# collectstatic writes a gzip copy of each file beside it, which whitenoise serves to browsers that accept it
# (production adds the manifest of hashed names on top: settings/production.py).
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

MEDIA_ROOT = DATA_DIR / "media"
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# Application documents (docs/documents.md): stored through the default storage under MEDIA_ROOT
# (MINZHENG_MEDIA_ROOT to move them, e.g. to a mounted volume), never served as static media.
MEDIA_ROOT = Path(env_str("MINZHENG_MEDIA_ROOT", str(MEDIA_ROOT)))
DOCUMENT_MAX_BYTES = env_int("DOCUMENT_MAX_BYTES", 10 * 1024 * 1024)
# PostgreSQL connections reading a monitoring run's snapshot at once (monitoring.engine.snapshot_readers), all
# in one exported snapshot. 2: one connection's rows are parsed into DuckDB while the other's backend produces
# its rows — quiet at 2.6 M people 17.7–17.9 s a daily run against 18.9–20.4 s with 1, same peak memory
# (bench/README.md, session 12); 1 on a machine with one core.
MONITORING_SNAPSHOT_READERS = env_int("MONITORING_SNAPSHOT_READERS", 2)
# The virus scan: MINZHENG_CLAMD (unix:/run/clamav/clamd.ctl or host:3310) makes ClamAV the scanner;
# without it uploads are stored 未扫描, which `check --deploy` refuses unless DOCUMENT_SCAN_ALLOW_NONE
# (documents.E001).
MINZHENG_CLAMD = env_str("MINZHENG_CLAMD", "")
_SCANNERS = "minzheng.documents.scanning."
DOCUMENT_SCANNER = env_str(
    "DOCUMENT_SCANNER", _SCANNERS + ("ClamdScanner" if MINZHENG_CLAMD else "NullScanner")
)
DOCUMENT_CLAMD_ADDRESS = env_str("DOCUMENT_CLAMD_ADDRESS", MINZHENG_CLAMD or "unix:/run/clamav/clamd.ctl")
DOCUMENT_SCAN_ALLOW_NONE = env_bool("DOCUMENT_SCAN_ALLOW_NONE", False)
DOCUMENT_SCAN_TIMEOUT = env_int("DOCUMENT_SCAN_TIMEOUT", 30)  # seconds
DOCUMENT_SCAN_FAIL_OPEN = env_bool("DOCUMENT_SCAN_FAIL_OPEN", False)  # store as 扫描失败 when clamd is down
PDF_FONT_PATH = env_str("PDF_FONT_PATH", "")  # empty: the built-in STSong-Light CID font (ADR 0016)

TASKS = {
    "default": {
        "BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# Field encryption (ADR 0008). Keys are base64 of 32 random bytes, "id:key" pairs;
# the first is used for new values, all are tried for reading. Without the variables
# (development only) keys are derived from SECRET_KEY; production settings refuse that.
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS")
BLIND_INDEX_KEY = env_str("BLIND_INDEX_KEY", "")

# Audit records are kept this many days (at least 180, 等保三级); `minzheng audit-purge` deletes older ones.
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 180)

# Django's cache (rate limits; the policy guide, policy/cache.py). REDIS_URL (e.g. redis://127.0.0.1:6379/0)
# shares it between server processes, which several gunicorn workers need (a parameter change is then seen
# by all at once); without it each process keeps its own in local memory, right for the embedded demo.
REDIS_URL = env_str("REDIS_URL", "")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "OPTIONS": {"MAX_ENTRIES": 2000}}
}

# Pagination and exports.
PAGE_SIZE = 25
EXPORT_SYNC_LIMIT = env_int("EXPORT_SYNC_LIMIT", 5000)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# --- applicant portal (救助通, issue 7) -------------------------------------------------------------
PORTAL_SMS_GATEWAY = env_str("PORTAL_SMS_GATEWAY", "minzheng.portal.sms.OutboxGateway")
PORTAL_SMS_HTTP_URL = env_str("PORTAL_SMS_HTTP_URL", "")  # the provider's send endpoint (HttpGateway)
PORTAL_SMS_HTTP_KEY = env_str("PORTAL_SMS_HTTP_KEY", "")
PORTAL_CODE_TTL_SECONDS = env_int("PORTAL_CODE_TTL_SECONDS", 300)
PORTAL_CODE_MAX_ATTEMPTS = env_int("PORTAL_CODE_MAX_ATTEMPTS", 5)
PORTAL_SESSION_SECONDS = env_int("PORTAL_SESSION_SECONDS", 30 * 60)
PORTAL_QR_DAYS = env_int("PORTAL_QR_DAYS", 365)

# Background jobs beat every JOB_HEARTBEAT_SECONDS while they run; one silent for JOB_HEARTBEAT_TIMEOUT is
# taken for dead (worker killed) and marked failed with its queue row (ADR 0010, issue 16 §4).
JOB_HEARTBEAT_SECONDS = env_int("JOB_HEARTBEAT_SECONDS", 15)
JOB_HEARTBEAT_TIMEOUT = env_int("JOB_HEARTBEAT_TIMEOUT", 120)
