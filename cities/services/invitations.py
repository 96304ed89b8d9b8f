"""Invitations: create, resend, revoke, email delivery, expiry, acceptance."""

from __future__ import annotations

import logging
import smtplib
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cities.models import (
    AuditAction,
    City,
    EmailStatus,
    Invitation,
    InvitationRole,
    InvitationStatus,
    Membership,
)
from cities.services.audit import audit_record
from cities.services.memberships import membership_change_role
from cities.tokens import invitation_token, new_nonce
from upr_portal.queueing import enqueue_on_commit

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger(__name__)


class EmailDeliveryError(Exception):
    """The mail server refused or was unreachable; the task retries."""


# --------------------------------------------------------------------------- invitations


def invitation_link(invitation: Invitation) -> str:
    path = reverse(
        "invitations:accept",
        kwargs={"invitation_uuid": invitation.uuid, "token": invitation_token(invitation)},
    )
    return f"{settings.SITE_URL}{path}"


def _validate_invitation_target(*, email: str, role: str, city: City | None) -> None:
    from accounts.models import User

    if role not in InvitationRole.values:
        raise ValidationError({"role": _("Choose a valid role.")})
    if role == InvitationRole.NATIONAL_COORDINATOR:
        if city is not None:
            raise ValidationError(
                {"city": _("Coordinators are invited to the whole portal, not to one city.")}
            )
        if User.objects.filter(email__iexact=email, is_national_coordinator=True).exists():
            raise ValidationError({"email": _("This person is already a national coordinator.")})
    else:
        if city is None:
            raise ValidationError({"city": _("Choose the city this person will join.")})
        if Membership.objects.filter(city=city, user__email__iexact=email).exists():
            raise ValidationError(
                {"email": _("This person is already on the team. Change their role instead.")}
            )


@transaction.atomic
def invitation_create(
    *, invited_by: User | None, email: str, role: str, city: City | None
) -> Invitation:
    """Invite `email` to `city` with `role` (or as a national coordinator when city is None).

    `invited_by` is None only for the bootstrap command (`manage.py invite_coordinator`).

    Re-inviting someone who already has a pending invitation to the same team replaces it:
    the old link stops working. The email is sent by a Celery task after commit.
    """
    email = email.strip().lower()
    _validate_invitation_target(email=email, role=role, city=city)
    previous = Invitation.objects.select_for_update().filter(
        email=email,
        status=InvitationStatus.PENDING,
        **({"city": city} if city else {"city__isnull": True}),
    )
    replaced = [str(inv.uuid) for inv in previous]
    previous.update(status=InvitationStatus.REVOKED, updated_at=timezone.now())
    invitation = Invitation(
        city=city,
        email=email,
        role=role,
        invited_by=invited_by,
        token_nonce=new_nonce(),
        expires_at=timezone.now() + settings.INVITATION_TTL,
    )
    invitation.full_clean()
    try:
        with transaction.atomic():
            invitation.save()
    except IntegrityError:
        raise ValidationError(
            {"email": _("Someone else invited this person a moment ago. Refresh the page.")}
        ) from None
    audit_record(
        actor=invited_by,
        action=AuditAction.INVITATION_RESENT if replaced else AuditAction.INVITATION_SENT,
        city=city,
        target=invitation,
        target_label=email,
        details={"role": role, "replaces": replaced},
    )
    _queue_invitation_email(invitation)
    return invitation


def _queue_invitation_email(invitation: Invitation) -> None:
    from cities.tasks import invitation_send_email

    enqueue_on_commit(invitation_send_email, invitation.pk)


@transaction.atomic
def invitation_resend(*, actor: User, invitation: Invitation) -> Invitation:
    """Send a fresh link (the old one stops working) and restart the expiry clock."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.status not in (InvitationStatus.PENDING, InvitationStatus.EXPIRED):
        raise ValidationError(_("Only a pending or expired invitation can be sent again."))
    invitation.status = InvitationStatus.PENDING
    invitation.token_nonce = new_nonce()
    invitation.expires_at = timezone.now() + settings.INVITATION_TTL
    invitation.email_status = EmailStatus.QUEUED
    invitation.email_attempts = 0
    invitation.updated_at = timezone.now()
    try:
        with transaction.atomic():
            invitation.save()
    except IntegrityError:
        raise ValidationError(_("A newer invitation for this person is already pending.")) from None
    audit_record(
        actor=actor,
        action=AuditAction.INVITATION_RESENT,
        city=invitation.city,
        target=invitation,
        target_label=invitation.email,
    )
    _queue_invitation_email(invitation)
    return invitation


@transaction.atomic
def invitation_revoke(*, actor: User, invitation: Invitation) -> Invitation:
    """Revoke a pending invitation; its link stops working at once."""
    updated = Invitation.objects.filter(pk=invitation.pk, status=InvitationStatus.PENDING).update(
        status=InvitationStatus.REVOKED, updated_at=timezone.now()
    )
    invitation.refresh_from_db()
    if not updated:
        raise ValidationError(_("This invitation is no longer pending."))
    audit_record(
        actor=actor,
        action=AuditAction.INVITATION_REVOKED,
        city=invitation.city,
        target=invitation,
        target_label=invitation.email,
    )
    return invitation


# A send that has been "sending" this long belongs to a worker that died.
STUCK_SENDING_AFTER = timedelta(minutes=10)


def invitation_email_claimable(now: datetime) -> Q:
    """Invitation emails a worker may claim: waiting, failed, or stuck mid-send."""
    return Q(email_status__in=[EmailStatus.QUEUED, EmailStatus.FAILED]) | Q(
        email_status=EmailStatus.SENDING, updated_at__lt=now - STUCK_SENDING_AFTER
    )


def invitation_deliver(*, invitation_id: int) -> bool:
    """Send the invitation email if nobody else is sending it. Returns whether it sent.

    Claims the row with a conditional UPDATE so a duplicate task does nothing.
    """
    now = timezone.now()
    claimed = (
        Invitation.objects.filter(pk=invitation_id, status=InvitationStatus.PENDING)
        .filter(invitation_email_claimable(now))
        .update(
            email_status=EmailStatus.SENDING,
            email_attempts=F("email_attempts") + 1,
            updated_at=now,
        )
    )
    if not claimed:
        return False
    invitation = Invitation.objects.select_related("city", "invited_by").get(pk=invitation_id)
    context = {
        "invitation": invitation,
        "link": invitation_link(invitation),
        "inviter": invitation.invited_by.display_name
        if invitation.invited_by
        else gettext_lazy("A coordinator"),
        "site_url": settings.SITE_URL,
    }
    # We don't know the invitee's language: English with a Spanish copy below it.
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string("cities/email/invitation_subject.txt", context).strip()
        body = render_to_string("cities/email/invitation_body.txt", context)
    with translation.override("es"):
        subject_es = render_to_string("cities/email/invitation_subject.txt", context).strip()
    subject = f"{subject} / {subject_es}"
    try:
        send_mail(subject, body, None, [invitation.email])
    except (smtplib.SMTPException, OSError) as exc:
        Invitation.objects.filter(pk=invitation_id).update(
            email_status=EmailStatus.FAILED, updated_at=timezone.now()
        )
        logger.warning("invitation %s email failed: %s", invitation.uuid, type(exc).__name__)
        raise EmailDeliveryError(str(type(exc).__name__)) from exc
    Invitation.objects.filter(pk=invitation_id).update(
        email_status=EmailStatus.SENT, sent_at=timezone.now(), updated_at=timezone.now()
    )
    return True


def invitations_expire_due() -> int:
    """Mark pending invitations whose time is up as expired."""
    return Invitation.objects.filter(
        status=InvitationStatus.PENDING, expires_at__lte=timezone.now()
    ).update(status=InvitationStatus.EXPIRED, updated_at=timezone.now())


@transaction.atomic
def invitation_accept(
    *,
    invitation: Invitation,
    user: User | None = None,
    password: str = "",
    full_name: str = "",
) -> User:
    """Accept an invitation: create the account if needed, then the membership or role.

    Preconditions: the caller has checked the link's token. Pass `user` when the invitee
    already has an account and is logged in as it; otherwise pass a validated `password`.
    Side effects: the email address is marked verified (the link proved it), the invitation
    becomes accepted (single use), and audit events are written.
    """
    from accounts.models import User

    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("city")
        .get(pk=invitation.pk)
    )
    if invitation.status != InvitationStatus.PENDING:
        raise ValidationError(_("This invitation has already been used or was withdrawn."))
    if invitation.is_expired():
        raise ValidationError(_("This invitation has expired."))

    if user is None:
        if User.objects.filter(email__iexact=invitation.email).exists():
            raise ValidationError(
                _("An account with this email already exists. Log in to accept the invitation.")
            )
        user = User.objects.create_user(
            email=invitation.email, password=password, full_name=full_name.strip()
        )
    elif user.email.lower() != invitation.email.lower():
        raise ValidationError(
            _(
                "This invitation was sent to a different email address than the one you are logged in with."
            )
        )
    EmailAddress.objects.update_or_create(
        user=user,
        email__iexact=invitation.email,
        defaults={"email": invitation.email, "verified": True, "primary": True},
    )

    if invitation.role == InvitationRole.NATIONAL_COORDINATOR:
        user.is_national_coordinator = True
        user.save(update_fields=["is_national_coordinator"])
        audit_record(
            actor=user,
            action=AuditAction.COORDINATOR_APPOINTED,
            target=user,
            target_label=user.email,
            details={
                "invited_by": str(invitation.invited_by.uuid) if invitation.invited_by else None
            },
        )
    elif invitation.city is not None:
        membership, created = Membership.objects.get_or_create(
            city=invitation.city, user=user, defaults={"role": invitation.role}
        )
        if not created and membership.role != invitation.role:
            membership_change_role(actor=user, membership=membership, role=invitation.role)
        elif created:
            audit_record(
                actor=user,
                action=AuditAction.MEMBERSHIP_CREATED,
                city=invitation.city,
                target=membership,
                target_label=user.email,
                details={"role": invitation.role, "via": "invitation"},
            )

    invitation.status = InvitationStatus.ACCEPTED
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.updated_at = timezone.now()
    invitation.save(update_fields=["status", "accepted_at", "accepted_by", "updated_at"])
    audit_record(
        actor=user,
        action=AuditAction.INVITATION_ACCEPTED,
        city=invitation.city,
        target=invitation,
        target_label=invitation.email,
    )
    return user
