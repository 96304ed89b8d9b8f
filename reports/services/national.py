"""The national compilation, and the deadline reminders to city leads."""

from __future__ import annotations

import datetime
import logging
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cities.models import AuditAction, Membership, Participation, ReviewCycle, Role
from cities.services import audit_record
from reports.models import (
    DocumentKind,
    NationalCompilation,
    RenderJob,
    RenderKind,
    Report,
    ReportStatus,
    SummaryReminder,
)
from upr_portal.queueing import enqueue_on_commit

if TYPE_CHECKING:
    from accounts.models import User

logger = logging.getLogger(__name__)


@transaction.atomic
def compilation_start(
    *, actor: User, cycle: ReviewCycle, language: str = "en"
) -> NationalCompilation:
    """Compile the submitted summaries into the national report, as a PDF and a DOCX,
    each rendered by a Celery job. Precondition: at least one submitted summary."""
    from reports.tasks import render_run

    submitted = Report.objects.filter(
        cycle=cycle, kind=DocumentKind.SUMMARY, status=ReportStatus.SUBMITTED
    ).count()
    if not submitted:
        raise ValidationError(_("No city has submitted a summary for this cycle yet."))
    if language not in dict(settings.LANGUAGES):
        raise ValidationError(_("Choose a language for the report."))
    compilation = NationalCompilation.objects.create(
        cycle=cycle,
        language=language,
        city_count=submitted,
        word_limit=cycle.national_word_limit,
        created_by=actor,
    )
    now = timezone.now()
    for kind in (RenderKind.NATIONAL_PDF, RenderKind.NATIONAL_DOCX):
        job = RenderJob.objects.create(
            compilation=compilation, kind=kind, requested_by=actor, updated_at=now
        )
        enqueue_on_commit(render_run, job.pk)
    audit_record(
        actor=actor,
        action=AuditAction.NATIONAL_COMPILED,
        target=compilation,
        target_label=str(cycle),
        details={"cities": submitted},
    )
    return compilation


def _reminder_window(days_left: int) -> int | None:
    """The reminder due now: the smallest configured day count that has been reached."""
    due = [d for d in settings.SUMMARY_REMINDER_DAYS if days_left <= d]
    return min(due) if due else None


def summary_reminders_send(*, today: datetime.date | None = None) -> int:
    """Email the leads of each participating city whose summary is not submitted, N days
    before the deadline (N from SUMMARY_REMINDER_DAYS). Each reminder goes once per city;
    a missed day is caught up the next day. Returns the number of emails sent."""
    today = today or timezone.localdate()
    cycle = ReviewCycle.objects.filter(is_current=True).first()
    if cycle is None:
        return 0
    days_left = (cycle.local_report_due - today).days
    if days_left < 0:
        return 0
    window = _reminder_window(days_left)
    if window is None:
        return 0
    submitted = Report.objects.filter(
        cycle=cycle, kind=DocumentKind.SUMMARY, status=ReportStatus.SUBMITTED
    ).values("city_id")
    participations = (
        Participation.objects.filter(cycle=cycle)
        .exclude(city_id__in=submitted)
        .select_related("city")
    )
    sent = 0
    for participation in participations:
        city = participation.city
        leads = list(
            Membership.objects.filter(
                city=city, role=Role.CITY_LEAD, user__is_active=True
            ).values_list("user__email", flat=True)
        )
        if not leads:
            continue
        with transaction.atomic():
            _reminder, created = SummaryReminder.objects.get_or_create(
                city=city, cycle=cycle, days_before=window, defaults={"recipients": len(leads)}
            )
            if not created:
                continue
            with translation.override(settings.LANGUAGE_CODE):
                subject = ngettext(
                    "%(city)s: the summary is due in %(days)s day",
                    "%(city)s: the summary is due in %(days)s days",
                    days_left,
                ) % {"city": city.name, "days": days_left}
                body = ngettext(
                    "Hello,\n\nThe summary for the national report on %(cycle)s is due on "
                    "%(deadline)s, in %(days)s day, and %(city)s has not submitted it yet.\n\n"
                    "Open the portal, generate the PDF, check it, approve it and submit it. "
                    "A summary sent after the deadline is still accepted, but marked late.\n\n"
                    "— UPR Cities Portal",
                    "Hello,\n\nThe summary for the national report on %(cycle)s is due on "
                    "%(deadline)s, in %(days)s days, and %(city)s has not submitted it yet.\n\n"
                    "Open the portal, generate the PDF, check it, approve it and submit it. "
                    "A summary sent after the deadline is still accepted, but marked late.\n\n"
                    "— UPR Cities Portal",
                    days_left,
                ) % {
                    "cycle": cycle.title,
                    "deadline": cycle.local_report_due.isoformat(),
                    "days": days_left,
                    "city": city.name,
                }
            # A failed send rolls the reminder back, so the next run tries again.
            send_mail(subject, body, None, leads)
            sent += len(leads)
    logger.info("summary reminders: %s emails", sent)
    return sent
