"""Review cycles."""

from __future__ import annotations

import itertools
import logging
from datetime import date
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

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
        "national_word_limit",
    }
)


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
    national_word_limit: int = 5630,
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
        national_word_limit=national_word_limit,
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
