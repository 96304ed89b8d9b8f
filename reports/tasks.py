"""Celery tasks for reports. Ids in, services do the work; every task is idempotent."""

from __future__ import annotations

from celery import Task, shared_task
from django.conf import settings

from reports import pdf, services
from upr_portal.queueing import publish

# Imported here, so a worker loads WeasyPrint, Pango and the fonts once at start-up and
# the first PDF after an idle spell doesn't pay for it (seconds, measured).
_RENDERER = pdf.render_pdf


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    time_limit=settings.RENDER_TIME_LIMIT,
    # At the minimum limit (10 s) "limit - 10" would be 0, which Celery reads as unset.
    soft_time_limit=max(settings.RENDER_TIME_LIMIT - 10, settings.RENDER_TIME_LIMIT // 2),
)
def render_run(self: Task, job_id: int) -> bool:
    """Render one job. A second delivery finds it claimed and does nothing; a redelivery
    of this same task after its worker died takes it back (see `services.render_run`)."""
    return services.render_run(job_id=job_id, task_id=self.request.id or "")


@shared_task
def render_jobs_requeue() -> int:
    """Re-queue render jobs whose publish was lost or whose worker died."""
    return sum(publish(render_run, job_id) for job_id in services.render_jobs_requeue())


@shared_task
def summary_reminders_send() -> int:
    return services.summary_reminders_send()
