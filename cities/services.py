"""Writes for cities, cycles, teams, invitations and the audit trail.

Every function is keyword-only and atomic. Callers have already checked that the actor
may act (views do that through `cities.permissions`); services enforce the domain rules.
"""

from __future__ import annotations

import itertools
import logging
import smtplib
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, models, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cities.models import (
    AuditAction,
    AuditEvent,
    City,
    EmailStatus,
    Invitation,
    InvitationRole,
    InvitationStatus,
    Membership,
    Participation,
    ReviewCycle,
    Role,
    Theme,
)
from cities.tokens import invitation_token, new_nonce
from upr_portal.queueing import enqueue_on_commit

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger(__name__)


class EmailDeliveryError(Exception):
    """The mail server refused or was unreachable; the task retries."""


# --------------------------------------------------------------------------- audit


def audit_record(
    *,
    actor: User | None,
    action: AuditAction,
    city: City | None = None,
    target: models.Model | None = None,
    target_label: str = "",
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append an audit event. Never pass testimony text or contact details in `details`."""
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        city=city,
        action=action,
        target_type=(target._meta.model_name or "") if target is not None else "",
        target_id=str(getattr(target, "uuid", "") or getattr(target, "pk", "")) if target else "",
        target_label=target_label[:200],
        details=details or {},
    )


# --------------------------------------------------------------------------- cycles

CYCLE_EDITABLE = frozenset(
    {
        "state_under_review",
        "number",
        "title",
        "consultations_open",
        "local_report_due",
        "national_compilation_due",
        "review_session",
        "recommendations_released",
    }
)
CITY_EDITABLE = frozenset(
    {"name", "state", "slug", "public_description", "contact_email", "contact_url"}
)


def _apply_changes(
    instance: models.Model, fields: dict[str, Any], allowed: frozenset[str]
) -> list[str]:
    """Set the given fields on `instance`; return the names whose value changed."""
    changed = []
    for name, value in fields.items():
        if name not in allowed:
            raise ValueError(f"{instance._meta.model_name} field {name} can't be changed here")
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed.append(name)
    return changed


def _cycle_validate_dates(cycle: ReviewCycle) -> None:
    order = [
        ("consultations_open", cycle.consultations_open),
        ("local_report_due", cycle.local_report_due),
        ("national_compilation_due", cycle.national_compilation_due),
        ("review_session", cycle.review_session),
        ("recommendations_released", cycle.recommendations_released),
    ]
    errors: dict[str, str] = {}
    for (_prev_name, prev), (name, value) in itertools.pairwise(order):
        if prev and value and value < prev:
            errors[name] = _("This date must not be before the previous step of the cycle.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def cycle_create(
    *,
    actor: User,
    state_under_review: str,
    number: int,
    title: str,
    consultations_open: date,
    local_report_due: date,
    national_compilation_due: date,
    review_session: date,
    recommendations_released: date,
    make_current: bool = False,
) -> ReviewCycle:
    """Create a review cycle. With `make_current`, it replaces the current one."""
    cycle = ReviewCycle(
        state_under_review=state_under_review,
        number=number,
        title=title,
        consultations_open=consultations_open,
        local_report_due=local_report_due,
        national_compilation_due=national_compilation_due,
        review_session=review_session,
        recommendations_released=recommendations_released,
    )
    cycle.full_clean()
    _cycle_validate_dates(cycle)
    cycle.save()
    audit_record(actor=actor, action=AuditAction.CYCLE_CREATED, target=cycle, target_label=title)
    if make_current or not ReviewCycle.objects.filter(is_current=True).exists():
        cycle_make_current(actor=actor, cycle=cycle)
    return cycle


@transaction.atomic
def cycle_update(*, actor: User, cycle: ReviewCycle, **fields: Any) -> ReviewCycle:
    """Change a cycle's title or dates."""
    changed = _apply_changes(cycle, fields, CYCLE_EDITABLE)
    cycle.full_clean()
    _cycle_validate_dates(cycle)
    cycle.save()
    if changed:
        audit_record(
            actor=actor,
            action=AuditAction.CYCLE_UPDATED,
            target=cycle,
            target_label=cycle.title,
            details={"fields": changed},
        )
    return cycle


@transaction.atomic
def cycle_make_current(*, actor: User, cycle: ReviewCycle) -> ReviewCycle:
    """Make `cycle` the one current cycle; every city joins it."""
    # Lock all cycles so two coordinators can't each make a different one current.
    list(ReviewCycle.objects.select_for_update().order_by("pk"))
    ReviewCycle.objects.filter(is_current=True).exclude(pk=cycle.pk).update(is_current=False)
    ReviewCycle.objects.filter(pk=cycle.pk).update(is_current=True)
    cycle.refresh_from_db()
    existing = set(Participation.objects.filter(cycle=cycle).values_list("city_id", flat=True))
    Participation.objects.bulk_create(
        [
            Participation(city_id=city_id, cycle=cycle)
            for city_id in City.objects.values_list("id", flat=True)
            if city_id not in existing
        ]
    )
    audit_record(
        actor=actor, action=AuditAction.CYCLE_MADE_CURRENT, target=cycle, target_label=cycle.title
    )
    return cycle


# --------------------------------------------------------------------------- cities


def _unique_slug(name: str, state: str) -> str:
    base = slugify(f"{name}-{state}")[:70] or "city"
    slug, n = base, 2
    while City.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def city_create(
    *,
    actor: User,
    name: str,
    state: str,
    slug: str = "",
    public_description: str = "",
    contact_email: str = "",
    contact_url: str = "",
) -> City:
    """Create a city; it takes part in the current cycle from the start."""
    city = City(
        name=name.strip(),
        state=state.strip(),
        slug=slug or _unique_slug(name, state),
        public_description=public_description,
        contact_email=contact_email,
        contact_url=contact_url,
    )
    city.full_clean()
    city.save()
    current = ReviewCycle.objects.filter(is_current=True).first()
    if current is not None:
        Participation.objects.create(city=city, cycle=current)
    audit_record(
        actor=actor, action=AuditAction.CITY_CREATED, city=city, target=city, target_label=str(city)
    )
    return city


@transaction.atomic
def city_update(*, actor: User, city: City, **fields: Any) -> City:
    """Change a city's public details."""
    changed = _apply_changes(city, fields, CITY_EDITABLE)
    city.full_clean()
    city.save()
    if changed:
        audit_record(
            actor=actor,
            action=AuditAction.CITY_UPDATED,
            city=city,
            target=city,
            target_label=str(city),
            details={"fields": changed},
        )
    return city


# --------------------------------------------------------------------------- themes

THEME_EDITABLE = frozenset({"slug", "name_en", "name_es", "instruments", "sort_order", "is_active"})


def _clean_instruments(instruments: list[str]) -> list[str]:
    seen: list[str] = []
    for item in (" ".join(i.split()) for i in instruments):
        if item and item not in seen:
            seen.append(item)
    return seen


@transaction.atomic
def theme_create(
    *,
    actor: User,
    slug: str,
    name_en: str,
    name_es: str,
    instruments: list[str],
    sort_order: int = 100,
    is_active: bool = True,
) -> Theme:
    """Add a theme to the national taxonomy."""
    theme = Theme(
        slug=slug,
        name_en=name_en.strip(),
        name_es=name_es.strip(),
        instruments=_clean_instruments(instruments),
        sort_order=sort_order,
        is_active=is_active,
    )
    theme.full_clean()
    theme.save()
    audit_record(
        actor=actor, action=AuditAction.THEME_CREATED, target=theme, target_label=theme.name_en
    )
    return theme


@transaction.atomic
def theme_update(*, actor: User, theme: Theme, **fields: Any) -> Theme:
    """Rename, re-order, re-link or retire a theme. Retired themes stay on existing
    evidence; they just can't be chosen for new evidence."""
    if "instruments" in fields:
        fields["instruments"] = _clean_instruments(fields["instruments"])
    changed = _apply_changes(theme, fields, THEME_EDITABLE)
    theme.full_clean()
    theme.save()
    if changed:
        audit_record(
            actor=actor,
            action=AuditAction.THEME_UPDATED,
            target=theme,
            target_label=theme.name_en,
            details={"fields": changed},
        )
    return theme


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


# --------------------------------------------------------------------------- memberships


def _lock_leads(city: City) -> list[Membership]:
    return list(
        Membership.objects.select_for_update().filter(city=city, role=Role.CITY_LEAD).order_by("pk")
    )


@transaction.atomic
def membership_change_role(*, actor: User, membership: Membership, role: str) -> Membership:
    """Change a team member's role. The city's last lead can't be demoted."""
    if role not in Role.values:
        raise ValidationError({"role": _("Choose a valid role.")})
    leads = _lock_leads(membership.city)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.role == role:
        return membership
    if membership.role == Role.CITY_LEAD and len(leads) <= 1:
        raise ValidationError(
            _("%(name)s is the only city lead. Make someone else a lead first.")
            % {"name": membership.user.display_name}
        )
    old = membership.role
    membership.role = role
    membership.save(update_fields=["role", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.MEMBERSHIP_ROLE_CHANGED,
        city=membership.city,
        target=membership,
        target_label=membership.user.email,
        details={"from": old, "to": role},
    )
    return membership


@transaction.atomic
def membership_remove(*, actor: User, membership: Membership) -> None:
    """Remove someone from a city team. The city's last lead can't be removed."""
    leads = _lock_leads(membership.city)
    membership = (
        Membership.objects.select_for_update().select_related("user", "city").get(pk=membership.pk)
    )
    if membership.role == Role.CITY_LEAD and len(leads) <= 1:
        raise ValidationError(
            _(
                "%(name)s is the only city lead and can't be removed. Make someone else a lead first."
            )
            % {"name": membership.user.display_name}
        )
    audit_record(
        actor=actor,
        action=AuditAction.MEMBERSHIP_REMOVED,
        city=membership.city,
        target=membership,
        target_label=membership.user.email,
        details={"role": membership.role},
    )
    membership.delete()


@transaction.atomic
def membership_appoint(*, actor: User, city: City, user: User, role: str) -> Membership:
    """Add an existing account to a city team directly (coordinator console, demo data)."""
    if role not in Role.values:
        raise ValidationError({"role": _("Choose a valid role.")})
    membership, created = Membership.objects.get_or_create(
        city=city, user=user, defaults={"role": role}
    )
    if created:
        audit_record(
            actor=actor,
            action=AuditAction.MEMBERSHIP_CREATED,
            city=city,
            target=membership,
            target_label=user.email,
            details={"role": role},
        )
        return membership
    return membership_change_role(actor=actor, membership=membership, role=role)


def login_record(*, user: User) -> None:
    """Audit a successful log-in (called from allauth's signal)."""
    audit_record(actor=user, action=AuditAction.LOGIN, target=user, target_label=user.email)
