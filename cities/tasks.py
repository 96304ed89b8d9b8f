"""Celery tasks for cities: invitation email delivery and housekeeping. Ids in, services do the work."""

from __future__ import annotations

from celery import Task, shared_task
from django.utils import timezone

from cities import services
from cities.models import Invitation, InvitationStatus
from upr_portal.queueing import lost_publish_cutoff, publish

MAX_EMAIL_ATTEMPTS = 5


@shared_task(bind=True, max_retries=MAX_EMAIL_ATTEMPTS, acks_late=True)
def invitation_send_email(self: Task, invitation_id: int) -> None:
    """Send one invitation email. Safe to run twice: the claim lets only one run send."""
    try:
        services.invitation_deliver(invitation_id=invitation_id)
    except services.EmailDeliveryError as exc:
        raise self.retry(exc=exc, countdown=30 * (self.request.retries + 1)) from exc


@shared_task
def invitations_send_pending() -> int:
    """Re-queue invitation emails whose publish was lost or whose worker died mid-send."""
    now = timezone.now()
    stale = Invitation.objects.filter(
        status=InvitationStatus.PENDING, email_attempts__lt=MAX_EMAIL_ATTEMPTS
    ).filter(services.invitation_email_claimable(now), updated_at__lt=lost_publish_cutoff(now))
    count = 0
    for invitation_id in stale.values_list("id", flat=True)[:500]:
        if publish(invitation_send_email, invitation_id):
            count += 1
    return count


@shared_task
def invitations_expire() -> int:
    """Mark pending invitations past their expiry as expired."""
    return services.invitations_expire_due()
