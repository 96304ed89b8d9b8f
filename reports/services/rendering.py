"""Render jobs: requested in a web request, rendered by a Celery task, never in the request.

The job row is the source of truth. The task claims it with a conditional UPDATE, so a
second delivery does nothing; a redelivery of the same task (its worker died) may take it
back. A beat sweeper re-queues jobs whose publish was lost or whose worker vanished, and
fails them after `RENDER_MAX_ATTEMPTS`. Identical input reuses a finished file.
"""

from __future__ import annotations

import datetime
import logging
from typing import TYPE_CHECKING

from celery import Task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cities.models import AuditAction
from cities.services import audit_record
from reports import printing
from reports.documents import PrintDocument
from reports.models import (
    ACTIVE_RENDER_STATUSES,
    DocumentKind,
    RenderJob,
    RenderKind,
    RenderStatus,
    Report,
)
from reports.selectors import render_job_done_for_hash
from reports.services.common import report_audit
from upr_portal.queueing import enqueue_on_commit, lost_publish_cutoff

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger(__name__)


def stale_running_after() -> datetime.timedelta:
    # Past the hard time limit, a running job's worker is gone.
    return datetime.timedelta(seconds=settings.RENDER_TIME_LIMIT + 60)


def _task() -> Task:  # type: ignore[type-arg]
    from reports.tasks import render_run

    return render_run


def _report_kind(report: Report) -> str:
    return RenderKind.SUMMARY if report.kind == DocumentKind.SUMMARY else RenderKind.REPORT


REPORT_TEMPLATE = "reports/pdf/document.html"
NATIONAL_TEMPLATE = "reports/pdf/national.html"


def report_input(*, report: Report, final: bool) -> tuple[PrintDocument, str]:
    """(print document, its hash) for the report as it stands now. Cheap: no HTML, no PDF."""
    document = printing.print_document(report=report, final=final)
    return document, printing.input_hash(document, REPORT_TEMPLATE)


@transaction.atomic
def render_request(*, actor: User | None, report: Report, final: bool = False) -> RenderJob:
    """Ask for a PDF of the report. Returns the job to watch.

    Identical input reuses a finished job (no new row, nothing queued), or joins the job
    already queued for it. Otherwise a queued job row is created and the task is queued
    after commit; if the broker is down the sweeper queues it later.
    """
    _document, digest = report_input(report=report, final=final)
    done = render_job_done_for_hash(report=report, input_hash=digest)
    if done is not None:
        return done
    active = (
        RenderJob.objects.filter(
            report=report,
            input_hash=digest,
            status__in=ACTIVE_RENDER_STATUSES,
        )
        .order_by("-created_at")
        .first()
    )
    if active is not None:
        active.report = report
        return active
    now = timezone.now()
    job = RenderJob.objects.create(
        city=report.city,
        report=report,
        kind=_report_kind(report),
        is_final=final,
        input_hash=digest,
        requested_by=actor,
        updated_at=now,
    )
    Report.objects.filter(pk=report.pk).update(updated_at=now)
    if actor is not None:
        report_audit(
            actor=actor,
            action=AuditAction.REPORT_RENDER_REQUESTED,
            report=report,
        )
    enqueue_on_commit(_task(), job.pk)
    return job


def _claim(job_id: int, task_id: str) -> RenderJob | None:
    """Queued → running, once; or running → running for a redelivery of the same task."""
    now = timezone.now()
    mine = Q(status=RenderStatus.QUEUED)
    if task_id:
        mine |= Q(status=RenderStatus.RUNNING, task_id=task_id)
    claimed = (
        RenderJob.objects.filter(pk=job_id)
        .filter(mine)
        .update(
            status=RenderStatus.RUNNING,
            attempts=F("attempts") + 1,
            task_id=task_id,
            started_at=now,
            updated_at=now,
            error="",
        )
    )
    if not claimed:
        return None
    return RenderJob.objects.select_related(
        "report", "report__city", "report__cycle", "compilation", "compilation__cycle"
    ).get(pk=job_id)


def _finish(job: RenderJob, **fields: object) -> bool:
    """Write the outcome if this run still holds the job (status and attempt unchanged)."""
    now = timezone.now()
    return bool(
        RenderJob.objects.filter(
            pk=job.pk, status=RenderStatus.RUNNING, attempts=job.attempts
        ).update(updated_at=now, finished_at=now, **fields)
    )


def _audit_failed(job: RenderJob) -> None:
    audit_record(
        actor=None,
        action=AuditAction.REPORT_RENDER_FAILED,
        city=job.city,
        target=job.report,
        target_label=str(job.get_kind_display()),
    )


def _fail(job: RenderJob, message: str) -> None:
    if _finish(job, status=RenderStatus.FAILED, error=message) and job.report_id:
        _audit_failed(job)


def _build(job: RenderJob) -> tuple[bytes | None, str, str, int | None, int | None]:
    """(content or None to reuse, input hash, extension, page count, word count)."""
    from reports import docx_export, pdf

    if job.report is not None:
        document, digest = report_input(report=job.report, final=job.is_final)
        reusable = render_job_done_for_hash(report=job.report, input_hash=digest)
        if reusable is not None and reusable.pk != job.pk:
            job.reused_from = reusable
            return None, digest, "pdf", reusable.page_count, None
        rendered = pdf.render_pdf(printing.print_html(document, REPORT_TEMPLATE))
        return rendered.content, digest, "pdf", rendered.page_count, None
    compilation = job.compilation
    if compilation is None:  # the check constraint makes this unreachable
        raise ValueError("render job has no owner")
    national = printing.national_document(cycle=compilation.cycle, language=compilation.language)
    digest = printing.input_hash(national, f"{NATIONAL_TEMPLATE}|{job.kind}")
    reusable = (
        RenderJob.objects.filter(
            compilation__cycle=compilation.cycle,
            kind=job.kind,
            input_hash=digest,
            status=RenderStatus.DONE,
        )
        .exclude(file="")
        .exclude(pk=job.pk)
        .first()
    )
    if reusable is not None:
        job.reused_from = reusable
        extension = (reusable.file.name or "").rsplit(".", 1)[-1]
        return None, digest, extension, reusable.page_count, national.word_count
    if job.kind == RenderKind.NATIONAL_DOCX:
        return docx_export.national_docx(national), digest, "docx", None, national.word_count
    rendered = pdf.render_pdf(printing.print_html(national, NATIONAL_TEMPLATE))
    return rendered.content, digest, "pdf", rendered.page_count, national.word_count


def render_run(*, job_id: int, task_id: str = "") -> bool:
    """Render one job. Returns False when there was nothing to do (another run has it)."""
    job = _claim(job_id, task_id)
    if job is None:
        return False
    if job.attempts > settings.RENDER_MAX_ATTEMPTS:
        _fail(
            job,
            _("The PDF stopped %(n)s times. Try again, or ask for help.") % {"n": job.attempts - 1},
        )
        return True
    try:
        content, digest, extension, pages, words = _build(job)
    except SoftTimeLimitExceeded:
        _fail(job, _("Making the file took too long. Shorten the text, or try again later."))
        return True
    except Exception as exc:
        # The message is for the team (it never reaches the public); the log gets the type only.
        logger.warning("render job %s failed: %s", job.pk, type(exc).__name__)
        _fail(
            job,
            _("The file could not be made: %(error)s")
            % {"error": f"{type(exc).__name__}: {exc}"[:500]},
        )
        return True
    if content is None:
        reused = job.reused_from
        if reused is None:  # _build sets it whenever it returns no content
            raise ValueError("no file to reuse")
        done = _finish(
            job,
            status=RenderStatus.DONE,
            file=reused.file.name,
            size_bytes=reused.size_bytes,
            page_count=pages,
            word_count=words,
            input_hash=digest,
            reused_from=reused,
        )
    else:
        storage = job.file.storage
        owner = str(job.city.uuid) if job.city_id else "national"  # type: ignore[union-attr]
        name = storage.save(f"{owner}/{job.uuid}.{extension}", ContentFile(content))
        done = _finish(
            job,
            status=RenderStatus.DONE,
            file=name,
            size_bytes=len(content),
            page_count=pages,
            word_count=words,
            input_hash=digest,
        )
        if not done:
            storage.delete(name)  # another run finished this job first
    if done and job.compilation_id and words is not None:
        type(job.compilation).objects.filter(pk=job.compilation_id).update(word_count=words)  # type: ignore[union-attr]
    if done and job.report_id:
        Report.objects.filter(pk=job.report_id).update(updated_at=timezone.now())
    logger.info("render job %s: %s", job.pk, "done" if done else "superseded")
    return done


def render_jobs_requeue() -> list[int]:
    """Jobs whose publish was lost (still queued) or whose worker died (still running
    after the time limit): queue them again, or fail them after too many attempts.
    Returns the ids to publish."""
    now = timezone.now()
    stale_running = RenderJob.objects.filter(
        status=RenderStatus.RUNNING, started_at__lt=now - stale_running_after()
    )
    exhausted = list(
        stale_running.filter(attempts__gte=settings.RENDER_MAX_ATTEMPTS).select_related(
            "report", "city"
        )
    )
    RenderJob.objects.filter(pk__in=[j.pk for j in exhausted], status=RenderStatus.RUNNING).update(
        status=RenderStatus.FAILED,
        error=_("The file stopped several times while being made. Try again, or ask for help."),
        finished_at=now,
        updated_at=now,
    )
    for job in exhausted:
        if job.report is not None:
            _audit_failed(job)
    revived = list(stale_running.values_list("pk", flat=True))
    RenderJob.objects.filter(pk__in=revived, status=RenderStatus.RUNNING).update(
        status=RenderStatus.QUEUED, task_id="", updated_at=now
    )
    lost = RenderJob.objects.filter(
        status=RenderStatus.QUEUED,
        updated_at__lt=lost_publish_cutoff(now),
    ).values_list("pk", flat=True)[:200]
    ids = revived + [pk for pk in lost if pk not in revived]
    RenderJob.objects.filter(pk__in=ids).update(updated_at=now)
    return ids
