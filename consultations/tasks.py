"""Celery tasks for consultations: paper-form imports. Ids in, services do the work."""

from __future__ import annotations

from celery import shared_task

from consultations import services
from upr_portal.queueing import publish


@shared_task(acks_late=True)
def testimony_import_run(batch_id: int) -> bool:
    """Import one confirmed batch. Safe to run twice: only one run claims it."""
    return services.import_run(batch_id=batch_id)


@shared_task
def testimony_imports_requeue() -> int:
    """Re-queue imports whose publish was lost or whose worker died mid-import."""
    return sum(
        publish(testimony_import_run, batch_id) for batch_id in services.imports_requeue_stale()
    )
