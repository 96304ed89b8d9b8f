"""Compile: a city's local report and summary, their revisions and citations, PDF render
jobs, publications for officials, and the national compilation.

A report's text never holds a quote: a citation is a token in the Markdown
(`[[cite:ab12cd34]]`) linked to its source, resolved again at every render, so a
withdrawn consent or an unreviewed testimony drops the quote from the next PDF.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.files.storage import Storage
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cities.models import City, ReviewCycle


def _reports_storage() -> Storage:
    from django.core.files.storage import storages

    return storages["reports"]


class DocumentKind(models.TextChoices):
    REPORT = "report", _("Local report")
    SUMMARY = "summary", _("Summary for the national report")


# Real pages, counted by the renderer. The report is for local officials; the summary
# feeds the national shadow report.
PAGE_LIMITS: dict[str, tuple[int, int]] = {
    DocumentKind.REPORT: (1, 5),
    DocumentKind.SUMMARY: (1, 2),
}


class SectionKind(models.TextChoices):
    CONTEXT = "context", _("Context and method")
    PROBLEMS = "problems", _("Key problems and challenges")
    POSITIVES = "positives", _("Positives and progress")
    RECOMMENDATIONS = "recommendations", _("Recommendations to local officials")


SECTION_ORDER: tuple[str, ...] = (
    SectionKind.CONTEXT,
    SectionKind.PROBLEMS,
    SectionKind.POSITIVES,
    SectionKind.RECOMMENDATIONS,
)

# Word targets: about 500 words a page. The report has 5 pages, the summary 1 to 2.
WORD_TARGETS: dict[str, dict[str, int]] = {
    DocumentKind.REPORT: {
        SectionKind.CONTEXT: 350,
        SectionKind.PROBLEMS: 1000,
        SectionKind.POSITIVES: 450,
        SectionKind.RECOMMENDATIONS: 500,
    },
    DocumentKind.SUMMARY: {
        SectionKind.CONTEXT: 120,
        SectionKind.PROBLEMS: 350,
        SectionKind.POSITIVES: 150,
        SectionKind.RECOMMENDATIONS: 200,
    },
}


class ReportStatus(models.TextChoices):
    DRAFTING = "drafting", _("Drafting")
    APPROVED = "approved", _("Approved")
    SUBMITTED = "submitted", pgettext_lazy("report status", "Submitted")


class Report(models.Model):
    """A city's local report, or its summary, for one cycle."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="reports")
    cycle = models.ForeignKey(ReviewCycle, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("document"), max_length=10, choices=DocumentKind.choices)
    language = models.CharField(
        _("language of the document"),
        max_length=10,
        choices=settings.LANGUAGES,
        default="en",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ReportStatus.choices, default=ReportStatus.DRAFTING
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The draft render the lead checked when approving; the final render has no watermark.
    approved_hash = models.CharField(max_length=64, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    submitted_late = models.BooleanField(default=False)
    reopened_at = models.DateTimeField(null=True, blank=True)
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reopen_reason = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The last edit, render or decision: the national dashboard's "last activity".
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("kind",)
        constraints = [
            models.UniqueConstraint(fields=["city", "cycle", "kind"], name="report_unique_kind"),
            models.CheckConstraint(
                condition=Q(status="drafting") | Q(approved_at__isnull=False),
                name="report_decision_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.city} — {self.get_kind_display()}"

    @property
    def page_limits(self) -> tuple[int, int]:
        return PAGE_LIMITS[self.kind]

    @property
    def is_summary(self) -> bool:
        return self.kind == DocumentKind.SUMMARY

    @property
    def is_locked(self) -> bool:
        """A submitted summary is read-only until a national coordinator reopens it."""
        return self.status == ReportStatus.SUBMITTED


class ReportSection(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="sections")
    kind = models.CharField(max_length=20, choices=SectionKind.choices)
    position = models.PositiveSmallIntegerField()
    body = models.TextField(_("text"), blank=True)
    # Bumped at every save: a save made from an older version is refused, not lost.
    version = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("position",)
        constraints = [
            models.UniqueConstraint(fields=["report", "kind"], name="section_unique_kind"),
        ]

    def __str__(self) -> str:
        return str(self.get_kind_display())

    @property
    def word_target(self) -> int:
        return WORD_TARGETS[self.report.kind][self.kind]


class Revision(models.Model):
    """One saved version of one section: who, when, and the whole text."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="revisions")
    section = models.ForeignKey(ReportSection, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    body = models.TextField(blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=200, blank=True)
    is_autosave = models.BooleanField(default=False)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [
            models.UniqueConstraint(fields=["section", "number"], name="revision_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.section} r{self.number}"


class CitationKind(models.TextChoices):
    QUOTE = "quote", _("Testimony quote")
    STATISTIC = "statistic", _("Survey statistic")
    CHART = "chart", _("Survey chart")


class Citation(models.Model):
    """A piece of evidence inserted in a section, linked to its source for good."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="citations")
    section = models.ForeignKey(ReportSection, on_delete=models.CASCADE, related_name="citations")
    code = models.CharField(max_length=8)
    kind = models.CharField(max_length=10, choices=CitationKind.choices)
    testimony = models.ForeignKey(
        "consultations.Testimony", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    question = models.ForeignKey(
        "consultations.SurveyQuestion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # For a statistic: the option whose share is quoted.
    option_key = models.CharField(max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("created_at", "id")
        constraints = [
            models.UniqueConstraint(fields=["report", "code"], name="citation_unique_code"),
            models.CheckConstraint(
                condition=(Q(kind="quote") & Q(testimony__isnull=False) & Q(question__isnull=True))
                | (~Q(kind="quote") & Q(testimony__isnull=True) & Q(question__isnull=False)),
                name="citation_has_one_source",
            ),
        ]

    def __str__(self) -> str:
        return f"[[cite:{self.code}]]"


class RenderKind(models.TextChoices):
    REPORT = "report", _("Local report")
    SUMMARY = "summary", _("Summary")
    NATIONAL_PDF = "national_pdf", _("National report (PDF)")
    NATIONAL_DOCX = "national_docx", _("National report (Word)")


class RenderStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Rendering")
    DONE = "done", _("Done")
    FAILED = "failed", pgettext_lazy("render job", "Failed")


ACTIVE_RENDER_STATUSES: tuple[str, ...] = (RenderStatus.QUEUED, RenderStatus.RUNNING)


class RenderJob(models.Model):
    """One request for a file. Rendered by a Celery task, never in a web request.

    `input_hash` is the sha256 of everything that decides the output (the print HTML); a
    request whose input matches a finished job reuses that job's file.
    A city's job has `report`; a national job has `compilation` and no city.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    city = models.ForeignKey(
        City, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    report = models.ForeignKey(
        Report, on_delete=models.CASCADE, null=True, blank=True, related_name="render_jobs"
    )
    compilation = models.ForeignKey(
        "NationalCompilation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="render_jobs",
    )
    kind = models.CharField(max_length=20, choices=RenderKind.choices)
    is_final = models.BooleanField(default=False)  # no DRAFT watermark: made on approval
    status = models.CharField(
        max_length=10, choices=RenderStatus.choices, default=RenderStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    # The Celery task that holds the claim: a redelivery of that same task (its worker
    # died) may take the job back; a duplicate publish may not.
    task_id = models.CharField(max_length=64, blank=True)
    input_hash = models.CharField(max_length=64, blank=True)
    page_count = models.PositiveSmallIntegerField(null=True, blank=True)
    word_count = models.PositiveIntegerField(null=True, blank=True)
    file = models.FileField(storage=_reports_storage, max_length=300, blank=True)
    size_bytes = models.PositiveIntegerField(null=True, blank=True)
    reused_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [
            models.Index(fields=["status", "updated_at"], name="renderjob_status_time"),
            models.Index(fields=["report", "input_hash"], name="renderjob_report_hash"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(report__isnull=False, city__isnull=False, compilation__isnull=True)
                    | Q(report__isnull=True, city__isnull=True, compilation__isnull=False)
                ),
                name="renderjob_one_owner",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} render {str(self.uuid)[:8]}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_RENDER_STATUSES

    @property
    def is_done(self) -> bool:
        return self.status == RenderStatus.DONE and bool(self.file)

    @property
    def is_pdf(self) -> bool:
        return self.kind != RenderKind.NATIONAL_DOCX

    def page_problem(self) -> str:
        """Why the page count blocks approval, naming the overflow; "" when it is fine."""
        if self.report is None or self.page_count is None:
            return ""
        low, high = PAGE_LIMITS[self.report.kind]
        if self.page_count > high:
            return str(
                _(
                    "This PDF has %(pages)s pages: %(over)s over the limit of %(limit)s. "
                    "Shorten the text before approval."
                )
                % {"pages": self.page_count, "over": self.page_count - high, "limit": high}
            )
        if self.page_count < low:
            return str(_("This PDF is empty. Write the sections before approval."))
        return ""


class Publication(models.Model):
    """A published version of a city's local report, downloadable without logging in."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="publications")
    report = models.ForeignKey(Report, on_delete=models.PROTECT, related_name="publications")
    version = models.PositiveIntegerField()
    render_job = models.ForeignKey(RenderJob, on_delete=models.PROTECT, related_name="+")
    file = models.FileField(storage=_reports_storage, max_length=300)
    page_count = models.PositiveSmallIntegerField()
    size_bytes = models.PositiveIntegerField()
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-version",)
        constraints = [
            models.UniqueConstraint(
                fields=["report", "version"], name="publication_unique_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report} v{self.version}"

    @property
    def is_current(self) -> bool:
        return self.superseded_at is None

    def download_name(self) -> str:
        from django.utils.text import slugify

        label = slugify(str(_("local report")))
        return f"{self.city.slug}-{label}-v{self.version}.pdf"


class NationalCompilation(models.Model):
    """One compilation of the submitted summaries into the national shadow report."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    cycle = models.ForeignKey(ReviewCycle, on_delete=models.PROTECT, related_name="+")
    language = models.CharField(max_length=10, choices=settings.LANGUAGES, default="en")
    city_count = models.PositiveIntegerField(default=0)
    word_count = models.PositiveIntegerField(null=True, blank=True)
    word_limit = models.PositiveIntegerField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"{self.cycle} compilation {self.created_at:%Y-%m-%d}"


class SummaryReminder(models.Model):
    """A deadline reminder already sent to a city's leads (sent once per city, cycle, day)."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    cycle = models.ForeignKey(ReviewCycle, on_delete=models.CASCADE, related_name="+")
    days_before = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField(auto_now_add=True)
    recipients = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["city", "cycle", "days_before"], name="summary_reminder_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.city} reminder {self.days_before} days"


__all__ = [
    "ACTIVE_RENDER_STATUSES",
    "PAGE_LIMITS",
    "SECTION_ORDER",
    "WORD_TARGETS",
    "Citation",
    "CitationKind",
    "DocumentKind",
    "NationalCompilation",
    "Publication",
    "RenderJob",
    "RenderKind",
    "RenderStatus",
    "Report",
    "ReportSection",
    "ReportStatus",
    "Revision",
    "SectionKind",
    "SummaryReminder",
]
