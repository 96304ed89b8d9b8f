"""City action plans: taking up a recommendation, its actions, indicators and progress."""

from __future__ import annotations

import datetime
import io
import os
import zipfile
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import filetype
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accountability.models import (
    Action,
    ActionPlan,
    ActionStatus,
    Indicator,
    LocalRecommendation,
    ProgressUpdate,
    Recommendation,
)
from cities.models import AuditAction, City
from cities.services import _apply_changes, audit_record

if TYPE_CHECKING:
    from accounts.models import User

ACTION_EDITABLE = frozenset({"description", "responsible", "target", "due_on", "status"})
INDICATOR_EDITABLE = frozenset({"name", "unit", "baseline", "target_value", "data_source"})
EVIDENCE_TYPES = frozenset({".pdf", ".png", ".jpg", ".jpeg", ".docx", ".xlsx", ".csv", ".txt"})
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024


def _plan_audit(
    *, actor: User, action: AuditAction, plan: ActionPlan, details: dict[str, Any] | None = None
) -> None:
    audit_record(
        actor=actor,
        action=action,
        city=plan.city,
        target=plan,
        target_label=plan.title,
        details=details,
    )


@transaction.atomic
def plan_create(
    *,
    actor: User,
    city: City,
    recommendation: Recommendation | None = None,
    local_recommendation: LocalRecommendation | None = None,
    summary: str = "",
) -> ActionPlan:
    """Take up a UN recommendation or one of the city's own. Taking up the same one twice
    returns the existing plan."""
    if (recommendation is None) == (local_recommendation is None):
        raise ValueError("take up exactly one recommendation")
    if local_recommendation is not None and local_recommendation.city_id != city.id:
        raise ValueError("local recommendation of another city")
    existing = ActionPlan.objects.filter(
        city=city, recommendation=recommendation, local_recommendation=local_recommendation
    ).first()
    if existing is not None:
        return existing
    plan = ActionPlan(
        city=city,
        recommendation=recommendation,
        local_recommendation=local_recommendation,
        summary=summary.strip(),
        created_by=actor,
    )
    plan.full_clean()
    plan.save()
    _plan_audit(actor=actor, action=AuditAction.PLAN_CREATED, plan=plan)
    return plan


@transaction.atomic
def plan_update(*, actor: User, plan: ActionPlan, summary: str) -> ActionPlan:
    plan.summary = summary.strip()
    plan.full_clean()
    plan.save(update_fields=["summary", "updated_at"])
    _plan_audit(actor=actor, action=AuditAction.PLAN_UPDATED, plan=plan)
    return plan


@transaction.atomic
def plan_delete(*, actor: User, plan: ActionPlan) -> None:
    """Delete a plan with its actions, indicators and progress. Refused once an official
    has responded on it: the public record of that response must stay."""
    if plan.official_responses.exists():
        raise ValidationError(_("An official has responded on this plan, so it can't be deleted."))
    city, label, uuid = plan.city, plan.title, str(plan.uuid)
    _delete_evidence_on_commit(ProgressUpdate.objects.filter(action__plan=plan))
    plan.delete()
    audit_record(
        actor=actor,
        action=AuditAction.PLAN_DELETED,
        city=city,
        target_label=label,
        details={"plan": uuid},
    )


def _delete_evidence_on_commit(updates: QuerySet[ProgressUpdate]) -> None:
    """Evidence files of progress updates about to be deleted go once the deletion commits."""
    storage = ProgressUpdate._meta.get_field("evidence_file").storage
    names = list(updates.exclude(evidence_file="").values_list("evidence_file", flat=True))

    def delete() -> None:
        for name in names:
            storage.delete(name)

    if names:
        transaction.on_commit(delete)


@transaction.atomic
def action_save(
    *, actor: User, plan: ActionPlan, fields: dict[str, Any], action: Action | None = None
) -> Action:
    """Add an action to a plan, or edit one. Completing it records the day; reopening it
    clears that. Audit details name the fields changed, not their text."""
    if action is None:
        action = Action(city=plan.city, plan=plan, created_by=actor)
    changed = _apply_changes(action, fields, ACTION_EDITABLE)
    if "status" in changed or action.pk is None:
        action.completed_on = (
            timezone.localdate() if action.status == ActionStatus.COMPLETED else None
        )
    action.full_clean()
    action.save()
    _plan_audit(
        actor=actor,
        action=AuditAction.ACTION_SAVED,
        plan=plan,
        details={"action": str(action.uuid), "changed": sorted(changed), "status": action.status},
    )
    return action


@transaction.atomic
def action_delete(*, actor: User, action: Action) -> None:
    if action.official_responses.exists():
        raise ValidationError(
            _("An official has responded on this action, so it can't be deleted.")
        )
    plan, uuid = action.plan, str(action.uuid)
    _delete_evidence_on_commit(ProgressUpdate.objects.filter(action=action))
    action.delete()
    _plan_audit(actor=actor, action=AuditAction.ACTION_DELETED, plan=plan, details={"action": uuid})


@transaction.atomic
def indicator_save(
    *, actor: User, action: Action, fields: dict[str, Any], indicator: Indicator | None = None
) -> Indicator:
    """Add an indicator to an action, or edit one."""
    if indicator is None:
        indicator = Indicator(city=action.city, action=action)
    changed = _apply_changes(indicator, fields, INDICATOR_EDITABLE)
    indicator.full_clean()
    indicator.save()
    _plan_audit(
        actor=actor,
        action=AuditAction.INDICATOR_SAVED,
        plan=action.plan,
        details={"indicator": str(indicator.uuid), "changed": sorted(changed)},
    )
    return indicator


@transaction.atomic
def indicator_delete(*, actor: User, indicator: Indicator) -> None:
    """Delete an indicator and its readings (the progress notes stay, without a value)."""
    plan, uuid = indicator.action.plan, str(indicator.uuid)
    ProgressUpdate.objects.filter(indicator=indicator).update(indicator=None, value=None)
    indicator.delete()
    _plan_audit(
        actor=actor, action=AuditAction.INDICATOR_DELETED, plan=plan, details={"indicator": uuid}
    )


# What the content of each allowed extension must be (the name alone proves nothing).
_EVIDENCE_MIME = {".pdf": "application/pdf", ".png": "image/png", ".jpg": "image/jpeg"}
_EVIDENCE_MIME[".jpeg"] = _EVIDENCE_MIME[".jpg"]
_EVIDENCE_ZIP_PART = {".docx": "word/document.xml", ".xlsx": "xl/workbook.xml"}


def _evidence_content_matches(extension: str, data: bytes) -> bool:
    if extension in _EVIDENCE_MIME:
        guessed = filetype.guess(data)
        return guessed is not None and guessed.mime == _EVIDENCE_MIME[extension]
    if extension in _EVIDENCE_ZIP_PART:
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                return _EVIDENCE_ZIP_PART[extension] in archive.namelist()
        except zipfile.BadZipFile:
            return False
    # CSV and plain text: UTF-8 text, not a binary file with a text name.
    if b"\x00" in data or filetype.guess(data) is not None:
        return False
    try:
        data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    return True


def evidence_file_check(upload: UploadedFile[bytes]) -> None:
    """Type and size limits for evidence files, with messages that say what to do. The
    type is checked by the file's content as well as its name."""
    extension = os.path.splitext(upload.name or "")[1].lower()
    wrong_type = ValidationError(
        _("Attach a PDF, an image (PNG or JPEG), a Word or Excel file, CSV or plain text.")
    )
    if extension not in EVIDENCE_TYPES:
        raise wrong_type
    if (upload.size or 0) > EVIDENCE_MAX_BYTES:
        raise ValidationError(_("The file is larger than 10 MB. Link to it instead."))
    upload.seek(0)
    data = upload.read(EVIDENCE_MAX_BYTES + 1)
    upload.seek(0)
    if not _evidence_content_matches(extension, data):
        raise wrong_type


@transaction.atomic
def progress_add(
    *,
    actor: User,
    action: Action,
    reported_on: datetime.date,
    text: str,
    indicator: Indicator | None = None,
    value: Decimal | None = None,
    evidence_url: str = "",
    evidence_file: UploadedFile[bytes] | None = None,
    status: str | None = None,
) -> ProgressUpdate:
    """Record a dated progress update, optionally with an indicator reading, evidence,
    and a new status for the action."""
    if indicator is not None and indicator.action_id != action.id:
        raise ValidationError(_("That indicator belongs to another action."))
    if (indicator is None) != (value is None):
        raise ValidationError(_("Give both an indicator and its value, or neither."))
    if reported_on > timezone.localdate():
        raise ValidationError(_("The date can't be in the future."))
    if status and status not in ActionStatus.values:
        raise ValidationError(_("Unknown status."))
    update = ProgressUpdate(
        city=action.city,
        action=action,
        reported_on=reported_on,
        text=text.strip(),
        indicator=indicator,
        value=value,
        evidence_url=evidence_url.strip(),
        created_by=actor,
    )
    if evidence_file is not None:
        evidence_file_check(evidence_file)
        update.evidence_filename = os.path.basename(evidence_file.name or "evidence")[:200]
    update.full_clean(exclude=["evidence_file"])
    stored = ""
    if evidence_file is not None:
        # Stored under a random name: the original one is kept apart for the download.
        extension = os.path.splitext(evidence_file.name or "")[1].lower()
        update.evidence_file.save(f"{update.uuid}{extension}", evidence_file, save=False)
        stored = update.evidence_file.name or ""
    try:
        update.save()
        details: dict[str, Any] = {"action": str(action.uuid), "update": str(update.uuid)}
        if status and status != action.status:
            action_save(actor=actor, plan=action.plan, action=action, fields={"status": status})
            details["status"] = status
        _plan_audit(
            actor=actor, action=AuditAction.PROGRESS_ADDED, plan=action.plan, details=details
        )
    except Exception:
        # Nothing is recorded, so the stored file must not stay behind.
        if stored:
            update.evidence_file.storage.delete(stored)
        raise
    return update
