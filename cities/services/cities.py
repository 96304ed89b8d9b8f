"""Cities."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils.text import slugify

from cities.models import (
    AuditAction,
    City,
    Participation,
    ReviewCycle,
)
from cities.services.audit import _apply_changes, audit_record

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger(__name__)


CITY_EDITABLE = frozenset(
    {"name", "state", "slug", "public_description", "contact_email", "contact_url"}
)


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
