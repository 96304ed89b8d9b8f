"""Settings shared by every environment. The only module that reads the environment."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

from upr_portal.lib.env import Env, EnvError

BASE_DIR = Path(__file__).resolve().parents[2]
env = Env(os.environ)

# --------------------------------------------------------------------------- core
SECRET_KEY = env.string("SECRET_KEY")  # production.py refuses to start without it
DEBUG = env.flag("DEBUG", default=False)
ALLOWED_HOSTS = env.strings("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env.strings("CSRF_TRUSTED_ORIGINS")
SITE_URL = (env.url("SITE_URL", "http://127.0.0.1:8000", schemes=("http", "https")) or "").rstrip(
    "/"
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "accounts",
    "cities",
    "consultations",
    "reports",
    "accountability",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Outside the size limit below, so its early 413 answer is framed-denied too.
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Runs before any view-phase hook, so before the CSRF check reads (and stores) an
    # oversized body; placed after auth so its 413 page knows who is logged in.
    "upr_portal.http.RequestSizeLimitMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "accounts.middleware.MfaEnrolmentMiddleware",
]

ROOT_URLCONF = "upr_portal.urls"
WSGI_APPLICATION = "upr_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "upr_portal.context_processors.portal",
            ],
        },
    },
]

# --------------------------------------------------------------------------- data
_database_url = env.url("DATABASE_URL", schemes=("postgres", "postgresql", "pgsql"))
if _database_url is None:
    raise EnvError(
        "DATABASE_URL is not set. `make run` / `make test` set it for you; "
        "otherwise point it at PostgreSQL, e.g. postgresql://user:pass@host:5432/upr_portal"
    )
DATABASES = {
    "default": dj_database_url.parse(
        _database_url,
        # Persistent connections: measured here, dropping them cut throughput 4-7x.
        conn_max_age=env.number("DB_CONN_MAX_AGE", 600, minimum=0),
        conn_health_checks=True,
    )
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

_redis_url = env.url("REDIS_URL", schemes=("redis", "rediss", "unix"))
if _redis_url is None:
    raise EnvError("REDIS_URL is not set. `make run` / `make test` set it for you.")
REDIS_URL = str(_redis_url)

CACHES = {
    "default": {
        # Fails open: a Redis outage degrades caching and rate limits, never the pages.
        "BACKEND": "upr_portal.cache.FailOpenRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env.string("CACHE_KEY_PREFIX", "upr"),
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }
}
SESSION_ENGINE = "django.contrib.sessions.backends.db"

MEDIA_ROOT = Path(env.string("MEDIA_ROOT", str(BASE_DIR / ".data" / "media")) or "")
MEDIA_URL = "/media-not-served/"  # private uploads are only ever served by permission-checked views
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
REPORTS_S3_BUCKET = env.string("REPORTS_S3_BUCKET", "")
REPORTS_STORAGE: dict[str, object] = (
    {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": REPORTS_S3_BUCKET,
            "endpoint_url": env.string("REPORTS_S3_ENDPOINT_URL", "") or None,
            "region_name": env.string("REPORTS_S3_REGION", "") or None,
            "access_key": env.string("REPORTS_S3_ACCESS_KEY_ID", "") or None,
            "secret_key": env.string("REPORTS_S3_SECRET_ACCESS_KEY", "") or None,
            "location": "reports",
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
    if REPORTS_S3_BUCKET
    else {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT / "reports"},
    }
)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Testimony attachments and import files: never given a public URL, only served by
    # permission-checked views.
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": MEDIA_ROOT / "private"},
    },
    # Rendered PDFs and Word files. Served only through views: published reports to anyone,
    # drafts to the city's team. S3-compatible storage when REPORTS_S3_BUCKET is set.
    "reports": REPORTS_STORAGE,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --------------------------------------------------------------------------- auth
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "cities:dashboard"
LOGOUT_REDIRECT_URL = "home"

ACCOUNT_ADAPTER = "accounts.adapter.InvitationOnlyAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_PREVENT_ENUMERATION = True
# Kept on (allauth's default): an unknown address typed into the reset form gets a notice
# with no link, so known and unknown addresses cost the request the same email send.
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = True
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[UPR Cities] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SITE_URL.startswith("https") else "http"
# allauth's defaults, written out so the policy is visible; they are kept in the Redis cache.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
    "change_password": "5/m/user",
    "reauthenticate": "10/m/user",
    "signup": "20/m/ip",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "UPR Cities Portal"
MFA_PASSKEY_LOGIN_ENABLED = False

INVITATION_TTL = timedelta(days=env.number("INVITATION_TTL_DAYS", 7, minimum=1))

# --------------------------------------------------------------------------- email
_EMAIL_BACKENDS = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "memory": "django.core.mail.backends.locmem.EmailBackend",
}
_email_backend = env.choice("EMAIL_BACKEND", "console", tuple(_EMAIL_BACKENDS))
_email_options: dict[str, object] = {}
if _email_backend == "file":
    _email_options = {"file_path": env.string("EMAIL_FILE_PATH", str(BASE_DIR / ".data" / "mail"))}
elif _email_backend == "smtp":
    _email_options = {
        "host": env.string("EMAIL_HOST", "localhost"),
        "port": env.number("EMAIL_PORT", 587, minimum=1),
        "username": env.string("EMAIL_HOST_USER", ""),
        "password": env.string("EMAIL_HOST_PASSWORD", ""),
        "use_tls": env.flag("EMAIL_USE_TLS", default=True),
        "timeout": 10,
    }
MAILERS = {"default": {"BACKEND": _EMAIL_BACKENDS[_email_backend], "OPTIONS": _email_options}}
DEFAULT_FROM_EMAIL = env.string("DEFAULT_FROM_EMAIL", "UPR Cities Portal <no-reply@upr-cities.org>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --------------------------------------------------------------------------- i18n
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.string("TIME_ZONE", "America/New_York")
USE_I18N = True
USE_TZ = True

# --------------------------------------------------------------------------- security
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    # allauth's TOTP enrolment shows its QR code as a data: image.
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 12
SECURE_COOKIES = env.flag("SECURE_COOKIES", default=False)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
LANGUAGE_COOKIE_SECURE = SECURE_COOKIES
SECURE_SSL_REDIRECT = env.flag("SECURE_SSL_REDIRECT", default=False)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.number("SECURE_HSTS_SECONDS", 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = env.flag("SECURE_HSTS_PRELOAD", default=False)
if env.flag("BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Larger request bodies are refused with 413 before they are read (upr_portal.http).
ATTACHMENT_MAX_BYTES = 25 * 1024 * 1024
IMPORT_MAX_BYTES = 10 * 1024 * 1024
IMPORT_MAX_ROWS = 20_000
MAX_REQUEST_BYTES = max(ATTACHMENT_MAX_BYTES, IMPORT_MAX_BYTES)

# --------------------------------------------------------------------------- public surveys
# A form sent back sooner than this after it was served is treated as a bot: the person
# is asked to check their answers and send again (nothing is lost).
SURVEY_MIN_FILL_SECONDS = env.number("SURVEY_MIN_FILL_SECONDS", 3, minimum=0)
# Responses per IP address (hashed, in Redis only) per window, for each survey. Generous,
# because a whole community meeting may share one Wi-Fi address.
SURVEY_RATE_LIMIT = env.number("SURVEY_RATE_LIMIT", 30, minimum=1)
SURVEY_RATE_LIMIT_WINDOW = env.number("SURVEY_RATE_LIMIT_WINDOW", 600, minimum=1)
RATE_LIMIT_REDIS_URL = REDIS_URL
# How many reverse proxies in front of the app append to X-Forwarded-For. 0: use the
# connection's address. Set it to the real number, or clients can spoof their address.
TRUSTED_PROXY_COUNT = env.number("TRUSTED_PROXY_COUNT", 0, minimum=0)
# allauth's log-in and password-reset limits count per address too: the same hops, or
# behind a proxy every person would share the proxy's one bucket (and lock each other out).
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
# A served form can be sent back for this long (a resident may fill it in over a day).
SURVEY_FORM_MAX_AGE = 60 * 60 * 24 * 2

# --------------------------------------------------------------------------- forms & UI
CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --------------------------------------------------------------------------- reports
# A render that runs longer than this is killed; the sweeper re-queues it, and after
# RENDER_MAX_ATTEMPTS tries it is marked failed. Both below the broker's visibility timeout.
RENDER_TIME_LIMIT = env.number("RENDER_TIME_LIMIT", 120, minimum=10)
RENDER_MAX_ATTEMPTS = env.number("RENDER_MAX_ATTEMPTS", 3, minimum=1)
# Work whose row says "queued" for this long lost its publish (Redis was down): the
# every-minute sweepers (render jobs, testimony imports) queue it again.
QUEUED_WORK_REQUEUE_AFTER = env.number("QUEUED_WORK_REQUEUE_AFTER", 120, minimum=1)
# Days before the summary deadline on which city leads with no submitted summary are emailed.
SUMMARY_REMINDER_DAYS = sorted(
    {int(d) for d in env.strings("SUMMARY_REMINDER_DAYS", ["14", "7", "2"]) if d.strip()},
    reverse=True,
)

# --------------------------------------------------------------------------- accountability
# The city team is emailed this many days before an action is due, and once when it
# becomes overdue.
ACTION_DUE_SOON_DAYS = env.number("ACTION_DUE_SOON_DAYS", 7, minimum=1)
# How long an official's response link works, and how often one address may use links.
RESPONSE_LINK_TTL_DAYS = env.number("RESPONSE_LINK_TTL_DAYS", 30, minimum=1)
if RESPONSE_LINK_TTL_DAYS > 90:
    raise EnvError("RESPONSE_LINK_TTL_DAYS must be at most 90 (days).")
RESPONSE_LINK_RATE_LIMIT = env.number("RESPONSE_LINK_RATE_LIMIT", 20, minimum=1)
RESPONSE_LINK_RATE_LIMIT_WINDOW = 10 * 60

# --------------------------------------------------------------------------- Celery
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
# A task is acknowledged only after it finishes, and re-delivered if its worker dies;
# tasks are therefore idempotent (status-row claims).
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.number("CELERY_TASK_TIME_LIMIT", 300, minimum=10)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 5
# Must exceed the time limit, or Redis re-delivers a task that is still running.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": max(CELERY_TASK_TIME_LIMIT, RENDER_TIME_LIMIT) * 4
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 1
# Publishing happens after commit in a web request: give up fast when Redis is down;
# the sweeper re-queues whatever was not published.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_BEAT_SCHEDULE = {
    "invitations-send-pending": {
        "task": "cities.tasks.invitations_send_pending",
        "schedule": timedelta(minutes=1),
    },
    "invitations-expire": {
        "task": "cities.tasks.invitations_expire",
        "schedule": crontab(minute=15),
    },
    "testimony-imports-requeue": {
        "task": "consultations.tasks.testimony_imports_requeue",
        "schedule": timedelta(minutes=1),
    },
    "render-jobs-requeue": {
        "task": "reports.tasks.render_jobs_requeue",
        "schedule": timedelta(minutes=1),
    },
    "summary-reminders-send": {
        "task": "reports.tasks.summary_reminders_send",
        "schedule": crontab(hour=9, minute=0),
    },
    "action-reminders-send": {
        "task": "accountability.tasks.action_reminders_send",
        "schedule": crontab(hour=8, minute=30),
    },
}


# --------------------------------------------------------------------------- logging
LOG_LEVEL = env.choice("LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # One INFO line per layout step and page otherwise.
        "weasyprint.progress": {"level": "WARNING"},
    },
}
