"""Roles and what they may do. The one place that maps a role to capabilities.

City roles come from `Membership.role`. The national coordinator role is global and
explicit (`User.is_national_coordinator`), never inferred from `is_superuser`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import wraps
from typing import TYPE_CHECKING, Any, Concatenate

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from cities.models import City, Role

if TYPE_CHECKING:
    from accounts.models import User


class Capability(StrEnum):
    VIEW_CITY = "view_city"
    VIEW_TEAM = "view_team"
    MANAGE_TEAM = "manage_team"
    VIEW_AUDIT = "view_audit"
    MANAGE_NATIONAL = "manage_national"
    VIEW_EVIDENCE = "view_evidence"  # consultations and testimony, never restricted fields
    EDIT_EVIDENCE = "edit_evidence"  # log and edit consultations and testimony, import
    REVIEW_EVIDENCE = "review_evidence"  # mark testimony reviewed
    PUBLISH = "publish"  # publish the city's public material (survey summaries, reports)
    EDIT_REPORTS = "edit_reports"  # write the report and summary, cite evidence, make PDFs
    EDIT_PLANS = "edit_plans"  # action plans, indicators, progress, officials' response links


CITY_ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.CITY_LEAD: frozenset(
        {
            Capability.VIEW_CITY,
            Capability.VIEW_TEAM,
            Capability.MANAGE_TEAM,
            Capability.VIEW_AUDIT,
            Capability.VIEW_EVIDENCE,
            Capability.EDIT_EVIDENCE,
            Capability.REVIEW_EVIDENCE,
            Capability.PUBLISH,
            Capability.EDIT_REPORTS,
            Capability.EDIT_PLANS,
        }
    ),
    Role.ORGANIZER: frozenset(
        {
            Capability.VIEW_CITY,
            Capability.VIEW_TEAM,
            Capability.VIEW_EVIDENCE,
            Capability.EDIT_EVIDENCE,
            Capability.EDIT_REPORTS,
            Capability.EDIT_PLANS,
        }
    ),
    Role.VIEWER: frozenset({Capability.VIEW_CITY, Capability.VIEW_TEAM, Capability.VIEW_EVIDENCE}),
}

# What a national coordinator may do in every city, on top of any membership they hold.
# They read evidence across cities but never restricted fields, and don't edit it.
COORDINATOR_CITY_CAPABILITIES: frozenset[Capability] = frozenset(
    {
        Capability.VIEW_CITY,
        Capability.VIEW_TEAM,
        Capability.MANAGE_TEAM,
        Capability.VIEW_AUDIT,
        Capability.VIEW_EVIDENCE,
    }
)
COORDINATOR_NATIONAL_CAPABILITIES: frozenset[Capability] = frozenset({Capability.MANAGE_NATIONAL})

# Roles whose holders must enrol MFA before they reach any page behind log-in.
MFA_REQUIRED_CITY_ROLES: frozenset[str] = frozenset({Role.CITY_LEAD})


@dataclass(frozen=True)
class CityAccess:
    """What one user may do in one city. Built by `cities.selectors.city_access_for_user`."""

    city: City
    role: str | None
    capabilities: frozenset[Capability]
    is_coordinator: bool

    def can(self, capability: Capability) -> bool:
        return capability in self.capabilities


def capabilities_for(*, role: str | None, is_coordinator: bool) -> frozenset[Capability]:
    caps: frozenset[Capability] = (
        CITY_ROLE_CAPABILITIES.get(role, frozenset()) if role else frozenset()
    )
    if is_coordinator:
        caps = caps | COORDINATOR_CITY_CAPABILITIES
    return caps


def can_see_restricted(access: CityAccess, *, user_id: int, recorded_by_id: int | None) -> bool:
    """Speaker name and contact: the city lead, and the organizer who logged the testimony.

    Nobody else sees them: not viewers, not other organizers, not national coordinators
    (unless they also lead this city).
    """
    if access.role == Role.CITY_LEAD:
        return True
    return (
        access.role == Role.ORGANIZER and recorded_by_id is not None and recorded_by_id == user_id
    )


def user_requires_mfa(user: User) -> bool:
    if user.is_national_coordinator:
        return True
    return user.memberships.filter(role__in=MFA_REQUIRED_CITY_ROLES).exists()


type CityView = Callable[Concatenate[HttpRequest, CityAccess, ...], HttpResponseBase]
type PlainView = Callable[..., HttpResponseBase]


def city_capability_required(capability: Capability) -> Callable[[CityView], PlainView]:
    """Resolve `city_uuid` from the URL for the logged-in user and require `capability`.

    A city the user can't see gives 404 (the same as a missing one); a city they can see
    but without the capability gives 403. The view receives the `CityAccess` instead of
    `city_uuid`.
    """

    def decorator(view: CityView) -> PlainView:
        @login_required
        @wraps(view)
        def wrapped(
            request: HttpRequest, city_uuid: Any, *args: Any, **kwargs: Any
        ) -> HttpResponseBase:
            from cities.selectors import city_access_for_user

            access = city_access_for_user(user=request.user, city_uuid=city_uuid)  # type: ignore[arg-type]
            if not access.can(capability):
                raise PermissionDenied
            return view(request, access, *args, **kwargs)

        return wrapped

    return decorator


def national_capability_required(capability: Capability) -> Callable[[PlainView], PlainView]:
    """Require a global coordinator capability: 403 for everyone else who is logged in."""

    def decorator(view: PlainView) -> PlainView:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            user = request.user
            if not getattr(user, "is_national_coordinator", False):
                raise PermissionDenied
            if capability not in COORDINATOR_NATIONAL_CAPABILITIES:
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
