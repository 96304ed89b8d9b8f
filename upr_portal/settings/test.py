"""pytest: real PostgreSQL and Redis (from `make test`), fast hashing, in-memory email."""

from .base import *  # noqa: F403
from .base import SECRET_KEY

DEBUG = False
SECRET_KEY = SECRET_KEY or "test-only-not-secret"
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
# Tasks queued on commit run in-process; one test drives a real worker over real Redis.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CACHES["default"]["KEY_PREFIX"] = "upr-test"  # noqa: F405
# Serve static files straight from the app folders; no collectstatic needed.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
