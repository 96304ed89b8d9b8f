"""Reads for cities, cycles, teams, invitations and the audit trail, scoped to the reader."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from cities.models import (
    AuditEvent,
    City,
    Invitation,
    InvitationStatus,
    Membership,
    ReviewCycle,
    Role,
    Theme,
)
from cities.permissions import CityAccess, capabilities_for
from cities.tokens import invitation_token_matches

if TYPE_CHECKING:
    from accounts.models import User


def _as_uuid(value: object) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        raise Http404 from None


# --------------------------------------------------------------------------- cycles


def cycle_get_current() -> ReviewCycle | None:
    return ReviewCycle.objects.filter(is_current=True).first()


def cycle_list() -> QuerySet[ReviewCycle]:
    return ReviewCycle.objects.annotate(city_count=Count("participations")).order_by("-number")


def cycle_get(*, cycle_uuid: object) -> ReviewCycle:
    try:
        return ReviewCycle.objects.get(uuid=_as_uuid(cycle_uuid))
    except ReviewCycle.DoesNotExist:
        raise Http404 from None


# --------------------------------------------------------------------------- cities


def city_access_for_user(*, user: User, city_uuid: object) -> CityAccess:
    """The user's access to a city. Raises 404 when the city is missing or not theirs."""
    try:
        city = City.objects.get(uuid=_as_uuid(city_uuid))
    except City.DoesNotExist:
        raise Http404 from None
    role = (
        Membership.objects.filter(city=city, user=user).values_list("role", flat=True).first()
        if user.is_authenticated
        else None
    )
    is_coordinator = bool(getattr(user, "is_national_coordinator", False))
    if role is None and not is_coordinator:
        raise Http404
    return CityAccess(
        city=city,
        role=role,
        capabilities=capabilities_for(role=role, is_coordinator=is_coordinator),
        is_coordinator=is_coordinator,
    )


def membership_list_for_user(*, user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("city").order_by("city__name")


def city_list_national() -> QuerySet[City]:
    """Every city with team size and lead count, for the national console."""
    return City.objects.annotate(
        member_count=Count("memberships", distinct=True),
        lead_count=Count("memberships", filter=Q(memberships__role=Role.CITY_LEAD), distinct=True),
    ).order_by("name")


def city_list_public(*, query: str = "", state: str = "") -> QuerySet[City]:
    cities = City.objects.all()
    if query:
        cities = cities.filter(Q(name__icontains=query) | Q(state__icontains=query))
    if state:
        cities = cities.filter(state=state)
    return cities.order_by("state", "name")


def city_state_list() -> list[str]:
    return list(City.objects.order_by("state").values_list("state", flat=True).distinct())


def city_get_public(*, slug: str) -> City:
    try:
        return City.objects.get(slug=slug)
    except City.DoesNotExist:
        raise Http404 from None


def city_get_for_coordinator(*, city_uuid: object) -> City:
    try:
        return City.objects.get(uuid=_as_uuid(city_uuid))
    except City.DoesNotExist:
        raise Http404 from None


# --------------------------------------------------------------------------- themes


def theme_list(*, active_only: bool = False) -> QuerySet[Theme]:
    themes = Theme.objects.all()
    return themes.filter(is_active=True) if active_only else themes


def theme_get(*, theme_uuid: object) -> Theme:
    try:
        return Theme.objects.get(uuid=_as_uuid(theme_uuid))
    except Theme.DoesNotExist:
        raise Http404 from None


# --------------------------------------------------------------------------- teams


def membership_list_for_city(*, city: City) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(city=city).select_related("user").order_by("role", "user__email")
    )


def membership_get_for_city(*, city: City, membership_uuid: object) -> Membership:
    try:
        return Membership.objects.select_related("user", "city").get(
            city=city, uuid=_as_uuid(membership_uuid)
        )
    except Membership.DoesNotExist:
        raise Http404 from None


def invitation_list_pending_for_city(*, city: City) -> QuerySet[Invitation]:
    return Invitation.objects.filter(city=city, status=InvitationStatus.PENDING).select_related(
        "invited_by"
    )


def invitation_list_pending_national() -> QuerySet[Invitation]:
    return Invitation.objects.filter(
        city__isnull=True, status=InvitationStatus.PENDING
    ).select_related("invited_by")


def invitation_get_for_city(*, city: City | None, invitation_uuid: object) -> Invitation:
    """An invitation of this city (or, with `city=None`, a national one); 404 otherwise."""
    try:
        return Invitation.objects.select_related("city").get(
            uuid=_as_uuid(invitation_uuid),
            **({"city": city} if city is not None else {"city__isnull": True}),
        )
    except Invitation.DoesNotExist:
        raise Http404 from None


def invitation_get_by_link(*, invitation_uuid: object, token: str) -> Invitation:
    """The invitation a link points at. A wrong token is indistinguishable from no invitation."""
    try:
        invitation = Invitation.objects.select_related("city", "invited_by").get(
            uuid=_as_uuid(invitation_uuid)
        )
    except Invitation.DoesNotExist:
        raise Http404 from None
    if not invitation_token_matches(invitation, token):
        raise Http404
    return invitation


def coordinator_list() -> QuerySet[User]:
    from accounts.models import User

    return User.objects.filter(is_national_coordinator=True, is_active=True).order_by("email")


# --------------------------------------------------------------------------- audit


def audit_list_for_city(*, city: City) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(city=city).select_related("actor")


def audit_list_national() -> QuerySet[AuditEvent]:
    return AuditEvent.objects.select_related("actor", "city")
