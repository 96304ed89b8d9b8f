"""Queue Celery tasks after commit without ever failing the request that queued them.

The row that describes the work is already committed with a `queued` status, so if the
broker is down the publish is logged and dropped: a beat sweeper re-queues rows that
stayed queued. Tasks receive ids only.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from celery import Task
from django.conf import settings
from django.db import transaction
from kombu.exceptions import OperationalError
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


def publish(task: Task, *ids: int | str) -> bool:
    """Send now; return False (and log) when the broker is unreachable."""
    try:
        task.apply_async(args=ids)
    except (OperationalError, RedisError, OSError) as exc:
        logger.warning(
            "could not queue %s (%s); the sweeper will retry", task.name, type(exc).__name__
        )
        return False
    return True


def enqueue_on_commit(task: Task, *ids: int | str) -> None:
    """Publish `task(*ids)` once the current transaction commits."""

    def _send(*_: Any) -> None:
        publish(task, *ids)

    transaction.on_commit(_send)


def lost_publish_cutoff(now: datetime) -> datetime:
    """Work whose row has said "queued" since before this lost its publish (Redis was
    down): the sweepers queue it again. See QUEUED_WORK_REQUEUE_AFTER."""
    return now - timedelta(seconds=settings.QUEUED_WORK_REQUEUE_AFTER)
