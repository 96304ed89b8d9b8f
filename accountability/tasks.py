"""Celery tasks for accountability: ids only, idempotent."""

from __future__ import annotations

from celery import shared_task

from accountability import services


@shared_task(name="accountability.tasks.action_reminders_send")
def action_reminders_send() -> int:
    """Beat, daily: due-soon and overdue emails; each goes once (ActionReminder rows)."""
    return services.action_reminders_send()
