"""The audit trail, and the small field helpers every service shares."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.db import models

from cities.models import (
    AuditAction,
    AuditEvent,
    City,
)

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger(__name__)


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


def clean_text_list(items: list[str]) -> list[str]:
    """Whitespace collapsed, empties and repeats dropped, order kept (treaty articles)."""
    out: list[str] = []
    for item in (" ".join(i.split()) for i in items):
        if item and item not in out:
            out.append(item)
    return out
