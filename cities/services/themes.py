"""The national theme taxonomy."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.db import transaction

from cities.models import (
    AuditAction,
    Theme,
)
from cities.services.audit import _apply_changes, audit_record, clean_text_list

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger(__name__)


# --------------------------------------------------------------------------- themes

THEME_EDITABLE = frozenset({"slug", "name_en", "name_es", "instruments", "sort_order", "is_active"})


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
        instruments=clean_text_list(instruments),
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
        fields["instruments"] = clean_text_list(fields["instruments"])
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
