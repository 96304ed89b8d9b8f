"""The Celery app. Workers and beat run `celery -A upr_portal ...`."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "upr_portal.settings.production")

app = Celery("upr_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
