"""Paper-form imports: check a CSV, preview it, then import it all or nothing in Celery.

The uploaded file is kept in private storage and the task receives only the batch id,
so no testimony text travels through the broker or the logs.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from cities.models import AuditAction, City, ReviewCycle, Theme
from cities.services import audit_record
from consultations import csv_import
from consultations.models import (
    IMPORT_CLAIMED_STATES,
    Consultation,
    ImportBatch,
    ImportStatus,
    Testimony,
)

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from accounts.models import User

logger = logging.getLogger(__name__)

MAX_IMPORT_ATTEMPTS = 3
# A running import that hasn't finished well past the task time limit has lost its worker.
STALE_RUNNING_AFTER = timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT * 2)


class DuplicateImport(Exception):
    """This exact file was already imported (or is importing) for this city."""

    def __init__(self, batch: ImportBatch) -> None:
        super().__init__("duplicate import")
        self.batch = batch


@dataclass
class ImportCheck:
    """The outcome of checking a file: a batch waiting for confirmation, or errors."""

    batch: ImportBatch | None = None
    errors: list[csv_import.RowError] = field(default_factory=list)
    file_error: str = ""


def theme_lookup_active() -> dict[str, Theme]:
    return csv_import.theme_lookup(Theme.objects.filter(is_active=True))


def _new_rows(city: City, rows: list[csv_import.Row]) -> list[csv_import.Row]:
    """The rows not already in the city, nor repeated earlier in the file."""
    seen = set(
        Testimony.objects.filter(
            city=city, fingerprint__in=[row.fingerprint for row in rows]
        ).values_list("fingerprint", flat=True)
    )
    new: list[csv_import.Row] = []
    for row in rows:
        if row.fingerprint not in seen:
            seen.add(row.fingerprint)
            new.append(row)
    return new


@transaction.atomic
def import_check(
    *,
    actor: User,
    city: City,
    cycle: ReviewCycle,
    upload: UploadedFile[bytes],
    consultation: Consultation | None = None,
) -> ImportCheck:
    """Check an uploaded CSV. A clean file becomes a batch waiting for confirmation;
    a file with errors is not stored at all. Raises DuplicateImport for a file already
    imported into this city. Re-uploading a file still waiting for confirmation returns
    that same batch."""
    if consultation is not None and consultation.city_id != city.pk:
        raise ValidationError(_("Choose a consultation of this city."))
    limit = settings.IMPORT_MAX_BYTES
    data = upload.read(limit + 1)
    if len(data) > limit:
        return ImportCheck(
            file_error=_("The file is larger than %(limit)s. Split it into smaller files.")
            % {"limit": filesizeformat(limit)}
        )
    digest = hashlib.sha256(data).hexdigest()
    done = (
        ImportBatch.objects.filter(
            city=city,
            sha256=digest,
            status__in=IMPORT_CLAIMED_STATES,
        )
        .select_related("uploaded_by")
        .first()
    )
    if done is not None:
        raise DuplicateImport(done)
    parsed = csv_import.parse(data, themes=theme_lookup_active(), max_rows=settings.IMPORT_MAX_ROWS)
    if not parsed.ok:
        return ImportCheck(errors=parsed.errors, file_error=parsed.file_error)
    pending = ImportBatch.objects.filter(
        city=city, sha256=digest, status=ImportStatus.PREVIEW, consultation=consultation
    ).first()
    if pending is not None:
        return ImportCheck(batch=pending)
    batch = ImportBatch(
        city=city,
        cycle=consultation.cycle if consultation is not None else cycle,
        consultation=consultation,
        sha256=digest,
        row_count=len(parsed.rows),
        duplicate_rows=len(parsed.rows) - len(_new_rows(city, parsed.rows)),
        uploaded_by=actor,
    )
    batch.file.save(f"{batch.uuid}.csv", ContentFile(data), save=False)
    name = batch.file.name
    try:
        batch.save()
    except Exception:
        batch.file.storage.delete(name or "")
        raise
    audit_record(
        actor=actor,
        action=AuditAction.IMPORT_UPLOADED,
        city=city,
        target=batch,
        target_label=_("%(n)s rows") % {"n": batch.row_count},
        details={"rows": batch.row_count, "duplicates": batch.duplicate_rows},
    )
    return ImportCheck(batch=batch)


@transaction.atomic
def import_confirm(*, actor: User, batch: ImportBatch) -> ImportBatch:
    """Start importing a checked batch: it is queued for a worker after the commit."""
    from consultations.tasks import testimony_import_run
    from upr_portal.queueing import enqueue_on_commit

    already = ImportBatch.objects.filter(
        city=batch.city,
        sha256=batch.sha256,
        status__in=IMPORT_CLAIMED_STATES,
    ).exclude(pk=batch.pk)
    if already.exists():
        raise ValidationError(_("This file was already imported. Nothing was imported again."))
    try:
        with transaction.atomic():
            updated = ImportBatch.objects.filter(pk=batch.pk, status=ImportStatus.PREVIEW).update(
                status=ImportStatus.QUEUED, updated_at=timezone.now()
            )
    except IntegrityError:
        # The same file was confirmed a moment ago from another preview.
        raise ValidationError(
            _("This file was already imported. Nothing was imported again.")
        ) from None
    if not updated:
        batch.refresh_from_db()
        if batch.status in (ImportStatus.QUEUED, ImportStatus.RUNNING, ImportStatus.DONE):
            return batch  # a double click: already under way
        raise ValidationError(_("This import can no longer be started. Upload the file again."))
    batch.refresh_from_db()
    audit_record(
        actor=actor,
        action=AuditAction.IMPORT_CONFIRMED,
        city=batch.city,
        target=batch,
        target_label=_("%(n)s rows") % {"n": batch.row_count},
    )
    enqueue_on_commit(testimony_import_run, batch.pk)
    return batch


@transaction.atomic
def import_discard(*, actor: User, batch: ImportBatch) -> None:
    """Throw away a batch that was checked but not confirmed, and its file."""
    updated = ImportBatch.objects.filter(pk=batch.pk, status=ImportStatus.PREVIEW).update(
        status=ImportStatus.DISCARDED, updated_at=timezone.now()
    )
    if not updated:
        raise ValidationError(_("Only an import waiting for confirmation can be discarded."))
    audit_record(actor=actor, action=AuditAction.IMPORT_DISCARDED, city=batch.city, target=batch)
    storage, name = batch.file.storage, batch.file.name
    transaction.on_commit(lambda: storage.delete(name or ""))


def _claim(batch_id: int) -> ImportBatch | None:
    """Queued → running, once. A second delivery of the same task finds nothing to claim."""
    now = timezone.now()
    claimed = ImportBatch.objects.filter(pk=batch_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING,
        attempts=F("attempts") + 1,
        started_at=now,
        updated_at=now,
        processed_rows=0,
    )
    return ImportBatch.objects.select_related("city").get(pk=batch_id) if claimed else None


def _fail(batch: ImportBatch, message: str) -> None:
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportStatus.FAILED, error=message, finished_at=timezone.now()
    )
    audit_record(actor=None, action=AuditAction.IMPORT_FAILED, city=batch.city, target=batch)


def import_run(*, batch_id: int) -> bool:
    """Import a confirmed batch, all rows or none. Returns False when there was nothing to do.

    Rows are checked again (a theme may have been retired since the preview). Progress is
    written as rows are checked; the rows are then saved in one transaction. Rows already
    in the city (same testimony, date and area) are skipped and counted.
    """
    batch = _claim(batch_id)
    if batch is None:
        return False

    def progress(count: int) -> None:
        ImportBatch.objects.filter(pk=batch.pk).update(
            processed_rows=count, updated_at=timezone.now()
        )

    with batch.file.open("rb") as fh:
        data = fh.read()
    parsed = csv_import.parse(
        data, themes=theme_lookup_active(), max_rows=settings.IMPORT_MAX_ROWS, progress=progress
    )
    if not parsed.ok:
        first = parsed.errors[0] if parsed.errors else None
        message = parsed.file_error or (
            _("Line %(line)s, %(column)s: %(message)s")
            % {"line": first.line, "column": first.column, "message": first.message}
            if first
            else ""
        )
        _fail(batch, _("The file no longer passes the checks. %(error)s") % {"error": message})
        return True
    progress(len(parsed.rows))
    try:
        imported = _save_rows(batch, parsed.rows)
    except IntegrityError:
        # Another run saved these rows first (the unique import row stops duplicates).
        logger.warning("import batch %s: rows already saved by another run", batch.pk)
        return False
    logger.info("import batch %s: %s rows imported", batch.pk, imported)
    return True


@transaction.atomic
def _save_rows(batch: ImportBatch, rows: list[csv_import.Row]) -> int:
    # Lock the batch row so a concurrent run waits, then sees it done.
    locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
    if locked.status != ImportStatus.RUNNING:
        return 0
    now = timezone.now()
    to_create: list[tuple[Testimony, list[int]]] = []
    for row in _new_rows(batch.city, rows):
        testimony = csv_import.testimony_from_row(
            row,
            city=batch.city,
            cycle_id=batch.cycle_id,
            consultation_id=batch.consultation_id,
            import_batch=batch,
            recorded_by_id=batch.uploaded_by_id,
            consent_recorded_by_id=batch.uploaded_by_id,
            consent_recorded_at=now,
        )
        to_create.append((testimony, row.theme_ids))
    created = Testimony.objects.bulk_create([t for t, _ids in to_create], batch_size=1000)
    Through = Testimony.themes.through
    Through.objects.bulk_create(
        [
            Through(testimony_id=t.pk, theme_id=theme_id)
            for t, (_t, theme_ids) in zip(created, to_create, strict=True)
            for theme_id in theme_ids
        ],
        batch_size=5000,
    )
    ImportBatch.objects.filter(pk=batch.pk).update(
        status=ImportStatus.DONE,
        imported_rows=len(created),
        duplicate_rows=len(rows) - len(created),
        processed_rows=len(rows),
        finished_at=timezone.now(),
        error="",
    )
    audit_record(
        actor=None,
        action=AuditAction.IMPORT_FINISHED,
        city=batch.city,
        target=batch,
        target_label=_("%(n)s testimonies") % {"n": len(created)},
        details={"imported": len(created), "skipped_duplicates": len(rows) - len(created)},
    )
    return len(created)


def imports_requeue_stale() -> list[int]:
    """Batches whose publish was lost (still queued) or whose worker died (still running
    long after the time limit): queue them again, or fail them after too many attempts.
    Returns the ids to publish."""
    from upr_portal.queueing import lost_publish_cutoff

    now = timezone.now()
    stale_running = ImportBatch.objects.filter(
        status=ImportStatus.RUNNING, started_at__lt=now - STALE_RUNNING_AFTER
    )
    stale_running.filter(attempts__gte=MAX_IMPORT_ATTEMPTS).update(
        status=ImportStatus.FAILED,
        error=_("The import stopped several times. Upload the file again, or ask for help."),
        finished_at=now,
    )
    revived = list(stale_running.values_list("pk", flat=True))
    ImportBatch.objects.filter(pk__in=revived, status=ImportStatus.RUNNING).update(
        status=ImportStatus.QUEUED, updated_at=now
    )
    lost = ImportBatch.objects.filter(
        status=ImportStatus.QUEUED,
        updated_at__lt=lost_publish_cutoff(now),
    ).values_list("pk", flat=True)[:100]
    return revived + list(lost)
