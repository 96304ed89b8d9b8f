"""Production: everything secure by default; refuses to start without its secrets."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import ALLOWED_HOSTS, SECRET_KEY, SECURE_HSTS_SECONDS

if not SECRET_KEY or len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be set to a random value of 50+ characters.")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must list the portal's host names (comma-separated).")

DEBUG = False
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
SECURE_SSL_REDIRECT = True
SECURE_HSTS_SECONDS = SECURE_HSTS_SECONDS or 31_536_000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
STORAGES = {
    **STORAGES,  # noqa: F405 — keeps "default" and "private" from base
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

if MAILERS["default"]["BACKEND"] != "django.core.mail.backends.smtp.EmailBackend":  # noqa: F405
    raise ImproperlyConfigured(
        "Production sends invitations and password resets by SMTP: set EMAIL_BACKEND=smtp "
        "and EMAIL_HOST (plus EMAIL_HOST_USER / EMAIL_HOST_PASSWORD if the server needs them)."
    )

# HSTS preload is a hard-to-undo opt-in for the whole domain; SECURE_HSTS_PRELOAD turns it on.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
