"""Response links for officials, their responses, and the reminders about actions."""

from __future__ import annotations

import datetime
import logging
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accountability import tokens
from accountability.models import (
    Action,
    ActionPlan,
    ActionReminder,
    ActionStatus,
    OfficialResponse,
    ReminderKind,
    ResponseLink,
)
from cities.models import AuditAction, Membership, Role
from cities.services import audit_record

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger(__name__)


class LinkUnusable(Exception):
    """The response link expired, was revoked or has been used."""


@transaction.atomic
def response_link_create(
    *,
    actor: User,
    plan: ActionPlan,
    official_name: str,
    official_title: str,
    action: Action | None = None,
    message: str = "",
    valid_days: int | None = None,
) -> ResponseLink:
    """Create a link that lets one official answer on `plan` (or one of its actions).

    The token is derived from the link (never stored); the team copies the URL from the
    plan page and sends it themselves. Side effect: an audit event.
    """
    if action is not None and action.plan_id != plan.id:
        raise ValueError("action of another plan")
    days = settings.RESPONSE_LINK_TTL_DAYS if valid_days is None else valid_days
    if not 1 <= days <= 90:
        raise ValidationError(_("A link can be valid for 1 to 90 days."))
    link = ResponseLink(
        city=plan.city,
        plan=plan,
        action=action,
        official_name=official_name.strip(),
        official_title=official_title.strip(),
        message=message.strip(),
        token_nonce=tokens.new_nonce(),
        created_by=actor,
        expires_at=timezone.now() + datetime.timedelta(days=days),
    )
    link.full_clean()
    link.save()
    audit_record(
        actor=actor,
        action=AuditAction.RESPONSE_LINK_CREATED,
        city=plan.city,
        target=link,
        target_label=plan.title,
        details={
            "plan": str(plan.uuid),
            "action": str(action.uuid) if action else "",
            "days": days,
        },
    )
    return link


@transaction.atomic
def response_link_revoke(*, actor: User, link: ResponseLink) -> ResponseLink:
    """Stop a link working. Revoking twice changes nothing."""
    link = ResponseLink.objects.select_for_update().get(pk=link.pk)
    if link.revoked_at is not None:
        return link
    link.revoked_at = timezone.now()
    link.revoked_by = actor
    link.save(update_fields=["revoked_at", "revoked_by"])
    audit_record(
        actor=actor,
        action=AuditAction.RESPONSE_LINK_REVOKED,
        city=link.city,
        target=link,
        target_label=link.plan.title,
    )
    return link


@transaction.atomic
def official_respond(*, link: ResponseLink, kind: str, text: str) -> OfficialResponse:
    """Post the official's response through their link, which is then used up.

    Raises LinkUnusable when the link expired, was revoked or used meanwhile (checked
    under a row lock, so two tabs can't both post).
    """
    link = ResponseLink.objects.select_for_update().get(pk=link.pk)
    if not link.is_usable():
        raise LinkUnusable
    response = OfficialResponse(
        city=link.city,
        link=link,
        plan=link.plan,
        action=link.action,
        kind=kind,
        text=text.strip(),
        official_name=link.official_name,
        official_title=link.official_title,
    )
    response.full_clean()
    response.save()
    link.used_at = response.submitted_at
    link.save(update_fields=["used_at"])
    audit_record(
        actor=None,
        action=AuditAction.OFFICIAL_RESPONDED,
        city=link.city,
        target=response,
        target_label=link.plan.title,
        details={"link": str(link.uuid), "kind": kind},
    )
    return response


@transaction.atomic
def official_response_hide(*, actor: User, response: OfficialResponse, reason: str) -> None:
    """Take a response off the public scorecard (posted by mistake, abusive), with a reason
    kept in the audit trail. The text stays for the record."""
    if not reason.strip():
        raise ValidationError(_("Say why the response is hidden."))
    response.hidden_at = timezone.now()
    response.hidden_by = actor
    response.hidden_reason = reason.strip()[:300]
    response.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
    audit_record(
        actor=actor,
        action=AuditAction.OFFICIAL_RESPONSE_HIDDEN,
        city=response.city,
        target=response,
        target_label=response.plan.title,
        details={"reason": response.hidden_reason},
    )


# --------------------------------------------------------------------------- reminders


def _team_emails(city_id: int) -> list[str]:
    return list(
        Membership.objects.filter(
            city_id=city_id, role__in=[Role.CITY_LEAD, Role.ORGANIZER], user__is_active=True
        )
        .order_by("user__email")
        .values_list("user__email", flat=True)
    )


def _reminder_text(action: Action, kind: str, today: datetime.date) -> tuple[str, str]:
    days = (action.due_on - today).days
    values = {
        "city": action.city.name,
        "plan": action.plan.title,
        "action": action.description[:300],
        "responsible": action.responsible,
        "due": action.due_on.isoformat(),
        "days": days,
        "overdue": -days,
    }
    if kind == ReminderKind.OVERDUE:
        subject = _("%(city)s: an action is overdue (%(plan)s)") % values
        body = (
            _(
                "Hello,\n\nThis action in %(city)s's plan for %(plan)s was due on %(due)s and is "
                "not marked completed:\n\n%(action)s\nResponsible: %(responsible)s\n\n"
                "It now shows as overdue on the public scorecard. Add a progress update, "
                "change its status or move its due date in the portal.\n\n— UPR Cities Portal"
            )
            % values
        )
    else:
        subject = _("%(city)s: an action is due on %(due)s (%(plan)s)") % values
        body = (
            _(
                "Hello,\n\nThis action in %(city)s's plan for %(plan)s is due on %(due)s, in "
                "%(days)s days:\n\n%(action)s\nResponsible: %(responsible)s\n\n"
                "Add a progress update in the portal when there is news.\n\n— UPR Cities Portal"
            )
            % values
        )
    return subject, body


def action_reminders_send(*, today: datetime.date | None = None) -> int:
    """Email each city's team (lead and organizers) about actions due within
    ACTION_DUE_SOON_DAYS and about actions that have become overdue.

    Each reminder goes once per action, kind and due date (an ActionReminder row, rolled
    back if sending fails so the next run retries). Returns the number of emails sent.
    """
    today = today or timezone.localdate()
    open_actions = (
        Action.objects.exclude(status=ActionStatus.COMPLETED)
        .filter(due_on__lte=today + datetime.timedelta(days=settings.ACTION_DUE_SOON_DAYS))
        .select_related("city", "plan__recommendation", "plan__local_recommendation")
        .order_by("due_on", "id")
    )
    sent = 0
    teams: dict[int, list[str]] = {}
    for action in open_actions:
        kind = ReminderKind.OVERDUE if action.due_on < today else ReminderKind.DUE_SOON
        if ActionReminder.objects.filter(action=action, kind=kind, due_on=action.due_on).exists():
            continue
        if action.city_id not in teams:
            teams[action.city_id] = _team_emails(action.city_id)
        recipients = teams[action.city_id]
        if not recipients:
            continue
        with transaction.atomic():
            _reminder, created = ActionReminder.objects.get_or_create(
                action=action,
                kind=kind,
                due_on=action.due_on,
                defaults={"city": action.city, "recipients": len(recipients)},
            )
            if not created:
                continue
            with translation.override(settings.LANGUAGE_CODE):
                subject, body = _reminder_text(action, kind, today)
            try:
                send_mail(subject, body, None, recipients)
            except Exception as exc:
                # One failing send must not hold back the other cities' reminders: roll
                # this one back (it is retried tomorrow) and carry on.
                logger.warning("action reminder not sent: %s", type(exc).__name__)
                transaction.set_rollback(True)
                continue
            sent += len(recipients)
    logger.info("action reminders: %s emails", sent)
    return sent
