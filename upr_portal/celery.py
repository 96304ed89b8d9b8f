"""The Celery app. Workers and beat run `celery -A upr_portal ...`.

DJANGO_SETTINGS_MODULE must be set by whoever starts the worker (docker-compose sets
production, `make run` sets local). We don't default it here: this module is imported
with the `upr_portal` package, and a default would leak into every process that
imports the package, including `make run`'s supervisor.
"""

from celery import Celery

app = Celery("upr_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
