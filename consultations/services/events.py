"""Consultation events: create and edit."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cities.models import AuditAction, City, ReviewCycle, Theme
from cities.services import _apply_changes, audit_record
from consultations.models import Consultation, ConsultationStatus

if TYPE_CHECKING:
    from collections.abc import Iterable

    from accounts.models import User

CONSULTATION_EDITABLE = frozenset(
    {
        "title",
        "kind",
        "starts_at",
        "ends_at",
        "place",
        "accessibility_notes",
        "languages",
        "partner_organizations",
        "attendance",
        "facilitator_notes",
        "status",
        "is_public",
    }
)


def _check_themes(themes: Iterable[Theme], *, previous: Iterable[Theme] = ()) -> list[Theme]:
    """Themes must be in use, unless the record already carried them."""
    kept = {t.pk for t in previous}
    themes = list(themes)
    retired = [t.name for t in themes if not t.is_active and t.pk not in kept]
    if retired:
        raise ValidationError(
            {"themes": _("These themes are retired: %(names)s.") % {"names": ", ".join(retired)}}
        )
    return themes


def _check_consultation(consultation: Consultation) -> None:
    if consultation.status == ConsultationStatus.PLANNED and consultation.attendance:
        raise ValidationError({"attendance": _("Record attendance once the event has been held.")})


@transaction.atomic
def consultation_create(
    *, actor: User, city: City, cycle: ReviewCycle, themes: Iterable[Theme] = (), **fields: Any
) -> Consultation:
    """Record a consultation event for a city in a cycle."""
    consultation = Consultation(city=city, cycle=cycle, created_by=actor)
    _apply_changes(consultation, fields, CONSULTATION_EDITABLE)
    consultation.full_clean()
    _check_consultation(consultation)
    theme_list = _check_themes(themes)
    consultation.save()
    consultation.themes.set(theme_list)
    audit_record(
        actor=actor,
        action=AuditAction.CONSULTATION_CREATED,
        city=city,
        target=consultation,
        target_label=consultation.title,
    )
    return consultation


@transaction.atomic
def consultation_update(
    *, actor: User, consultation: Consultation, themes: Iterable[Theme] | None = None, **fields: Any
) -> Consultation:
    """Edit a consultation event (its details, status, attendance or notes)."""
    changed = _apply_changes(consultation, fields, CONSULTATION_EDITABLE)
    consultation.full_clean()
    _check_consultation(consultation)
    if themes is not None:
        previous = list(consultation.themes.all())
        theme_list = _check_themes(themes, previous=previous)
        if {t.pk for t in theme_list} != {t.pk for t in previous}:
            changed.append("themes")
    consultation.save()
    if themes is not None:
        consultation.themes.set(theme_list)
    if changed:
        audit_record(
            actor=actor,
            action=AuditAction.CONSULTATION_UPDATED,
            city=consultation.city,
            target=consultation,
            target_label=consultation.title,
            details={"fields": changed},
        )
    return consultation
