"""Approval, submission to the national compilation, reopening, and publishing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cities.models import AuditAction
from reports.models import (
    DocumentKind,
    Publication,
    RenderJob,
    RenderStatus,
    Report,
    ReportStatus,
)
from reports.selectors import render_job_done_for_hash, render_job_latest
from reports.services.common import report_audit
from reports.services.rendering import render_request, report_input

if TYPE_CHECKING:
    from accounts.models import User


def _lock(report: Report) -> Report:
    locked = Report.objects.select_for_update().select_related("city", "cycle").get(pk=report.pk)
    report.status = locked.status
    return locked


def approval_blocker(*, report: Report, digest: str | None = None) -> str:
    """Why the report can't be approved now ("" when it can). `digest` is the current
    draft input hash, when the caller has already worked it out."""
    if report.status != ReportStatus.DRAFTING:
        return _("This document is already approved.")
    if digest is None:
        _document, digest = report_input(report=report, final=False)
    # The PDF of exactly this text and evidence, however it was made (a reused one included).
    checked = render_job_done_for_hash(report=report, input_hash=digest)
    if checked is not None:
        return checked.page_problem()
    latest = render_job_latest(report=report)
    if latest is not None and latest.is_active and latest.input_hash == digest:
        return _("The PDF is being made. Check it when it is ready, then approve.")
    if latest is not None and latest.status == RenderStatus.DONE:
        return _("The text or its evidence changed since the last PDF. Generate the PDF again.")
    return _("Generate the PDF and check it before approving.")


@transaction.atomic
def report_approve(*, actor: User, report: Report) -> RenderJob:
    """Approve the checked draft PDF and queue the final one (no DRAFT watermark).

    Precondition: the latest draft PDF matches the current text and is within the page
    limits. Side effects: audit; a final render job.
    """
    locked = _lock(report)
    _document, digest = report_input(report=locked, final=False)
    problem = approval_blocker(report=locked, digest=digest)
    if problem:
        raise ValidationError(problem)
    now = timezone.now()
    Report.objects.filter(pk=locked.pk).update(
        status=ReportStatus.APPROVED,
        approved_at=now,
        approved_by=actor,
        approved_hash=digest,
        updated_at=now,
    )
    locked.status = ReportStatus.APPROVED
    locked.approved_at = now
    report.status, report.approved_at, report.approved_by = ReportStatus.APPROVED, now, actor
    report_audit(
        actor=actor,
        action=AuditAction.REPORT_APPROVED,
        report=locked,
    )
    return render_request(actor=None, report=locked, final=True)


def final_job(*, report: Report) -> RenderJob | None:
    """The finished, watermark-free PDF of the approved text, if it is ready."""
    if report.status == ReportStatus.DRAFTING:
        return None
    _document, digest = report_input(report=report, final=True)
    return render_job_done_for_hash(report=report, input_hash=digest)


class FinalNotReady(ValidationError):
    """No finished final PDF matches the approved text and today's evidence. The caller
    asks for one (`render_request(final=True)`) outside the failed transaction."""


def _require_final(report: Report) -> RenderJob:
    if report.status != ReportStatus.APPROVED:
        raise ValidationError(_("Approve the document first."))
    job = final_job(report=report)
    if job is None:
        raise FinalNotReady(
            _(
                "The final PDF is being made (the evidence may have changed since approval, "
                "for example a withdrawn consent). Try again in a moment."
            )
        )
    problem = job.page_problem()
    if problem:
        raise ValidationError(problem)
    return job


@transaction.atomic
def summary_submit(*, actor: User, report: Report) -> Report:
    """Submit the approved summary to the national compilation. After the cycle's
    deadline it is still accepted, and marked late. Side effects: audit."""
    locked = _lock(report)
    if locked.kind != DocumentKind.SUMMARY:
        raise ValidationError(_("Only the summary is submitted to the national report."))
    _require_final(locked)
    now = timezone.now()
    late = timezone.localdate(now) > locked.cycle.local_report_due
    Report.objects.filter(pk=locked.pk).update(
        status=ReportStatus.SUBMITTED,
        submitted_at=now,
        submitted_by=actor,
        submitted_late=late,
        updated_at=now,
    )
    report_audit(
        actor=actor,
        action=AuditAction.REPORT_SUBMITTED,
        report=locked,
        details={"late": late},
    )
    locked.refresh_from_db()
    return locked


@transaction.atomic
def summary_reopen(*, actor: User, report: Report, reason: str) -> Report:
    """A national coordinator sends a submitted summary back to the city for changes."""
    locked = _lock(report)
    if locked.status != ReportStatus.SUBMITTED:
        raise ValidationError(_("Only a submitted summary can be reopened."))
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Say why the summary is reopened: the city team will see it."))
    now = timezone.now()
    Report.objects.filter(pk=locked.pk).update(
        status=ReportStatus.DRAFTING,
        approved_at=None,
        approved_by=None,
        approved_hash="",
        submitted_at=None,
        submitted_by=None,
        submitted_late=False,
        reopened_at=now,
        reopened_by=actor,
        reopen_reason=reason[:500],
        updated_at=now,
    )
    report_audit(
        actor=actor,
        action=AuditAction.REPORT_REOPENED,
        report=locked,
    )
    locked.refresh_from_db()
    return locked


@transaction.atomic
def report_publish(*, actor: User, report: Report) -> Publication:
    """Publish the approved local report as a new version on the city's public page.

    The previous version stays downloadable, marked superseded. Side effects: audit.
    """
    locked = _lock(report)
    if locked.kind != DocumentKind.REPORT:
        raise ValidationError(_("Only the local report is published on the city page."))
    job = _require_final(locked)
    current = Publication.objects.select_for_update().filter(report=locked).order_by("-version")
    latest = current.first()
    if latest is not None and latest.file.name == job.file.name:
        raise ValidationError(_("This version is already published."))
    now = timezone.now()
    Publication.objects.filter(report=locked, superseded_at__isnull=True).update(superseded_at=now)
    publication = Publication.objects.create(
        city=locked.city,
        report=locked,
        version=(latest.version + 1) if latest else 1,
        render_job=job,
        file=job.file.name,
        page_count=job.page_count or 0,
        size_bytes=job.size_bytes or 0,
        published_at=now,
        published_by=actor,
    )
    Report.objects.filter(pk=locked.pk).update(updated_at=now)
    report_audit(
        actor=actor,
        action=AuditAction.REPORT_PUBLISHED,
        report=locked,
        label=_("Version %(n)s") % {"n": publication.version},
    )
    return publication
