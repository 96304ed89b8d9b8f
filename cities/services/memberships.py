"""Team memberships and log-in records."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cities.models import (
    AuditAction,
    City,
    Membership,
    Role,
)
from cities.services.audit import audit_record

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger(__name__)


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
