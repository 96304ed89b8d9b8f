"""What every report service shares."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cities.models import AuditAction
from cities.services import audit_record
from reports.models import Report

if TYPE_CHECKING:
    from accounts.models import User


def report_audit(
    *,
    actor: User | None,
    action: AuditAction,
    report: Report,
    label: str = "",
    details: dict[str, Any] | None = None,
) -> None:
    """Audit an event on a report, labelled with the document's kind unless told otherwise."""
    audit_record(
        actor=actor,
        action=action,
        city=report.city,
        target=report,
        target_label=label or str(report.get_kind_display()),
        details=details,
    )
