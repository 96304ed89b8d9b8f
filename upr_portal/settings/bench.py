"""`make bench`: production-like settings for the benchmark's own gunicorn, worker and
in-process measurements (see bench/run.py and README "Performance").

Like production: DEBUG off, the full middleware stack with the strict CSP, persistent
database connections (base.py), secure cookie flags, no autoreload. Unlike production:
plain HTTP on 127.0.0.1 (no TLS redirect or HSTS, which would only redirect the load
generator), a fixed non-secret key when SECRET_KEY is unset, email kept in memory, static
files served from the app folders (no collectstatic), the bench app with its bare views
installed, and the survey rate limit raised so that one load-generator address is not
answered 429 (the limit's Redis round trip still runs on every submission).
"""

import warnings

from .base import *  # noqa: F403
from .base import ALLOWED_HOSTS, CACHES, INSTALLED_APPS, SECRET_KEY

DEBUG = False
SECRET_KEY = SECRET_KEY or "bench-only-not-secret-0123456789-abcdefghijklmnopqrstuvwxyz"
ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "testserver"]
INSTALLED_APPS = [*INSTALLED_APPS, "bench.bare"]
ROOT_URLCONF = "bench.urls"

SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
SECURE_SSL_REDIRECT = False

MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
CACHES["default"]["KEY_PREFIX"] = "upr-bench"
WHITENOISE_USE_FINDERS = True
# Nothing is collected (WhiteNoise serves the app folders): no warning about the empty root.
warnings.filterwarnings("ignore", message="No directory at: ", category=UserWarning)

# One load-generator address sends every survey response: without this it gets 429s
# after 30. The limiter itself (a Redis round trip per submission) still runs.
SURVEY_RATE_LIMIT = 1_000_000_000
RESPONSE_LINK_RATE_LIMIT = 1_000_000_000
