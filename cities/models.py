from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class ReviewCycle(models.Model):
    """One UPR review of a state, with the dates the whole movement organises around."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    state_under_review = models.CharField(_("state under review"), max_length=100)
    number = models.PositiveSmallIntegerField(_("cycle number"))
    title = models.CharField(_("title"), max_length=200)
    consultations_open = models.DateField(_("consultations open"))
    local_report_due = models.DateField(
        _("local report due"), help_text=_("September 15 by default.")
    )
    national_compilation_due = models.DateField(_("national compilation due"))
    review_session = models.DateField(_("review session"))
    recommendations_released = models.DateField(_("recommendations released"))
    is_current = models.BooleanField(_("current cycle"), default=False)
    national_word_limit = models.PositiveIntegerField(
        _("word limit for the national report"),
        default=5630,
        help_text=_(
            "UN stakeholder submissions have word limits: 5,630 words for a joint submission."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-number",)
        constraints = [
            models.UniqueConstraint(
                fields=["state_under_review", "number"], name="cycle_unique_state_number"
            ),
            # At most one current cycle; the service flips it atomically so there is exactly one.
            models.UniqueConstraint(
                fields=["is_current"], condition=Q(is_current=True), name="cycle_single_current"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @staticmethod
    def default_local_report_due(year: int) -> datetime.date:
        return datetime.date(year, 9, 15)

    def timeline(self) -> list[tuple[str, datetime.date]]:
        """The key dates, in order."""
        items = [
            (str(_("Consultations open")), self.consultations_open),
            (str(_("Local report due")), self.local_report_due),
            (str(_("National compilation due")), self.national_compilation_due),
            (str(_("Review session")), self.review_session),
            (str(_("Recommendations released")), self.recommendations_released),
        ]
        return sorted(items, key=lambda item: item[1])

    def next_deadline(self, today: datetime.date | None = None) -> tuple[str, datetime.date] | None:
        today = today or timezone.localdate()
        upcoming = [item for item in self.timeline() if item[1] >= today]
        return upcoming[0] if upcoming else None


class City(models.Model):
    """A human rights city taking part in the UPR. Owns everything its team collects."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=120)
    state = models.CharField(_("state"), max_length=60, help_text=_("For example: Washington"))
    slug = models.SlugField(_("web address name"), max_length=80, unique=True)
    public_description = models.TextField(_("public description"), blank=True)
    contact_email = models.EmailField(_("public contact email"), blank=True)
    contact_url = models.URLField(_("public website"), blank=True)
    cycles = models.ManyToManyField(
        ReviewCycle, through="Participation", related_name="cities", blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("name",)
        verbose_name_plural = _("cities")
        constraints = [
            models.UniqueConstraint(fields=["name", "state"], name="city_unique_name_state"),
        ]

    def __str__(self) -> str:
        return f"{self.name}, {self.state}"


class Participation(models.Model):
    """A city taking part in a review cycle."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="participations")
    cycle = models.ForeignKey(ReviewCycle, on_delete=models.PROTECT, related_name="participations")
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["city", "cycle"], name="participation_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.city} — {self.cycle}"


class Role(models.TextChoices):
    CITY_LEAD = "city_lead", _("City lead")
    ORGANIZER = "organizer", _("Organizer")
    VIEWER = "viewer", _("Viewer")


class Membership(models.Model):
    """A user's role in one city's team."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("city__name", "user__email")
        constraints = [
            models.UniqueConstraint(fields=["city", "user"], name="membership_unique_city_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.city} ({self.get_role_display()})"


class InvitationRole(models.TextChoices):
    CITY_LEAD = "city_lead", _("City lead")
    ORGANIZER = "organizer", _("Organizer")
    VIEWER = "viewer", _("Viewer")
    NATIONAL_COORDINATOR = "national_coordinator", _("National coordinator")


class InvitationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    REVOKED = "revoked", _("Revoked")
    EXPIRED = "expired", _("Expired")


class EmailStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Invitation(models.Model):
    """A single-use, expiring invitation to join a city team or the national coordinators.

    The token exists only in the email (see `cities.tokens`).
    `city` is null exactly when the invitation is for the (global) coordinator role.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    city = models.ForeignKey(
        City, on_delete=models.CASCADE, related_name="invitations", null=True, blank=True
    )
    email = models.EmailField(_("email address"))
    role = models.CharField(_("role"), max_length=30, choices=InvitationRole.choices)
    # The link's token is an HMAC of (uuid, nonce) under SECRET_KEY; rotating the nonce
    # (re-send) kills the old link. Nothing in this row can be used to forge a link.
    token_nonce = models.CharField(max_length=32, editable=False)
    # Null for the bootstrap invitation of the first coordinator, or if the inviter is deleted.
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(
        max_length=20, choices=InvitationStatus.choices, default=InvitationStatus.PENDING
    )
    email_status = models.CharField(
        max_length=20, choices=EmailStatus.choices, default=EmailStatus.QUEUED
    )
    email_attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ("-created_at",)
        constraints = [
            models.CheckConstraint(
                condition=(Q(role="national_coordinator") & Q(city__isnull=True))
                | (~Q(role="national_coordinator") & Q(city__isnull=False)),
                name="invitation_city_matches_role",
            ),
            # One live invitation per person and team: re-inviting replaces the old one.
            models.UniqueConstraint(
                fields=["email", "city"],
                condition=Q(status="pending"),
                nulls_distinct=False,
                name="invitation_single_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.city or _('national coordinators')}"

    def is_expired(self, now: datetime.datetime | None = None) -> bool:
        return (now or timezone.now()) >= self.expires_at

    def is_usable(self) -> bool:
        return self.status == InvitationStatus.PENDING and not self.is_expired()


class Theme(models.Model):
    """A human-rights theme from the national taxonomy, shared by testimony, surveys,
    reports and UN recommendations. Coordinators manage it; retired themes stay on the
    evidence already tagged with them but can't be picked for new evidence.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    slug = models.SlugField(_("short code"), max_length=60, unique=True)
    name_en = models.CharField(_("name in English"), max_length=120, unique=True)
    name_es = models.CharField(_("name in Spanish"), max_length=120, unique=True)
    instruments = ArrayField(
        models.CharField(max_length=200),
        verbose_name=_("treaties and instruments"),
        default=list,
        blank=True,
        help_text=_("For example: UDHR art. 25, ICCPR art. 9, ICERD art. 5."),
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=100)
    is_active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("sort_order", "name_en")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """The name in the active language (Spanish for `es*`, English otherwise)."""
        return self.name_es if (get_language() or "en").startswith("es") else self.name_en


class Neighborhood(models.Model):
    """A neighborhood or area of a city, as its team names it: the options of a survey's
    neighborhood question. Retired ones stay on the answers that chose them."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="neighborhoods")
    name = models.CharField(_("name"), max_length=120)
    sort_order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("sort_order", "name")
        constraints = [
            models.UniqueConstraint(fields=["city", "name"], name="neighborhood_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class AuditAction(models.TextChoices):
    LOGIN = "login", _("Logged in")
    INVITATION_SENT = "invitation.sent", _("Invitation created")
    INVITATION_RESENT = "invitation.resent", _("Invitation re-sent")
    INVITATION_REVOKED = "invitation.revoked", _("Invitation revoked")
    INVITATION_ACCEPTED = "invitation.accepted", _("Invitation accepted")
    MEMBERSHIP_CREATED = "membership.created", _("Member added")
    MEMBERSHIP_ROLE_CHANGED = "membership.role_changed", _("Role changed")
    MEMBERSHIP_REMOVED = "membership.removed", _("Member removed")
    COORDINATOR_APPOINTED = "coordinator.appointed", _("Coordinator appointed")
    CITY_CREATED = "city.created", _("City created")
    CITY_UPDATED = "city.updated", _("City updated")
    CYCLE_CREATED = "cycle.created", _("Cycle created")
    CYCLE_UPDATED = "cycle.updated", _("Cycle updated")
    CYCLE_MADE_CURRENT = "cycle.made_current", _("Cycle made current")
    THEME_CREATED = "theme.created", _("Theme created")
    THEME_UPDATED = "theme.updated", _("Theme updated")
    CONSULTATION_CREATED = "consultation.created", _("Consultation created")
    CONSULTATION_UPDATED = "consultation.updated", _("Consultation updated")
    TESTIMONY_CREATED = "testimony.created", _("Testimony logged")
    TESTIMONY_UPDATED = "testimony.updated", _("Testimony edited")
    TESTIMONY_RESTRICTED_VIEWED = "testimony.restricted_viewed", _("Restricted details viewed")
    TESTIMONY_REDACTED = "testimony.redacted", _("Quote redacted")
    TESTIMONY_REVIEWED = "testimony.reviewed", _("Testimony reviewed")
    TESTIMONY_CONSENT_WITHDRAWN = "testimony.consent_withdrawn", _("Consent withdrawn")
    TESTIMONY_EXPORTED = "testimony.exported", _("Testimony exported")
    ATTACHMENT_ADDED = "attachment.added", _("Attachment added")
    ATTACHMENT_DOWNLOADED = "attachment.downloaded", _("Attachment downloaded")
    ATTACHMENT_DELETED = "attachment.deleted", _("Attachment deleted")
    IMPORT_UPLOADED = "import.uploaded", _("Import file checked")
    IMPORT_CONFIRMED = "import.confirmed", _("Import started")
    IMPORT_FINISHED = "import.finished", _("Import finished")
    IMPORT_FAILED = "import.failed", _("Import failed")
    IMPORT_DISCARDED = "import.discarded", _("Import discarded")
    NEIGHBORHOODS_UPDATED = "neighborhoods.updated", _("Neighborhoods updated")
    SURVEY_CREATED = "survey.created", _("Survey created")
    SURVEY_UPDATED = "survey.updated", _("Survey edited")
    SURVEY_QUESTION_ADDED = "survey.question_added", _("Survey question added")
    SURVEY_QUESTION_UPDATED = "survey.question_updated", _("Survey question edited")
    SURVEY_QUESTION_REMOVED = "survey.question_removed", _("Survey question removed")
    SURVEY_QUESTION_MOVED = "survey.question_moved", _("Survey question moved")
    SURVEY_OPENED = "survey.opened", _("Survey opened")
    SURVEY_CLOSED = "survey.closed", _("Survey closed")
    SURVEY_COPIED = "survey.copied", _("Survey copied to a new version")
    SURVEY_DELETED = "survey.deleted", _("Survey deleted")
    SURVEY_EXPORTED = "survey.exported", _("Survey responses exported")
    SURVEY_SUMMARY_PUBLISHED = "survey.summary_published", _("Survey summary published")
    SURVEY_SUMMARY_UNPUBLISHED = "survey.summary_unpublished", _("Survey summary withdrawn")
    SURVEY_ANSWER_PROMOTED = "survey.answer_promoted", _("Survey answer promoted to testimony")
    REPORT_STARTED = "report.started", _("Report started")
    REPORT_EDITED = "report.edited", _("Report edited")
    REPORT_DRAFTED = "report.drafted", _("Report drafted from evidence")
    REPORT_CITATION_ADDED = "report.citation_added", _("Citation inserted")
    REPORT_RENDER_REQUESTED = "report.render_requested", _("PDF requested")
    REPORT_RENDER_FAILED = "report.render_failed", _("PDF failed")
    REPORT_APPROVED = "report.approved", _("Report approved")
    REPORT_APPROVAL_WITHDRAWN = "report.approval_withdrawn", _("Approval withdrawn by an edit")
    REPORT_SUBMITTED = "report.submitted", _("Summary submitted")
    REPORT_REOPENED = "report.reopened", _("Submission reopened")
    REPORT_PUBLISHED = "report.published", _("Report published")
    REPORT_DOWNLOADED = "report.downloaded", _("Report PDF downloaded")
    NATIONAL_COMPILED = "national.compiled", _("National report compiled")
    NATIONAL_EXPORTED = "national.exported", _("National counts exported")
    RECOMMENDATIONS_CHECKED = "recommendations.checked", _("Recommendations file checked")
    RECOMMENDATIONS_IMPORTED = "recommendations.imported", _("Recommendations imported")
    RECOMMENDATIONS_DISCARDED = "recommendations.discarded", _("Recommendations file discarded")
    THEME_MAPPING_UPDATED = "theme_mapping.updated", _("Theme mapping changed")
    EVIDENCE_LINKED = "evidence.linked", _("Evidence linked to a recommendation")
    EVIDENCE_LINK_DISMISSED = "evidence.link_dismissed", _("Suggested recommendation dismissed")
    EVIDENCE_UNLINKED = "evidence.unlinked", _("Evidence link removed")
    LOCAL_RECOMMENDATION_SAVED = "local_recommendation.saved", _("Local recommendation saved")
    LOCAL_RECOMMENDATION_DELETED = "local_recommendation.deleted", _("Local recommendation deleted")
    PLAN_CREATED = "plan.created", _("Recommendation taken up")
    PLAN_UPDATED = "plan.updated", _("Action plan edited")
    PLAN_DELETED = "plan.deleted", _("Action plan deleted")
    ACTION_SAVED = "action.saved", _("Action saved")
    ACTION_DELETED = "action.deleted", _("Action deleted")
    INDICATOR_SAVED = "indicator.saved", _("Indicator saved")
    INDICATOR_DELETED = "indicator.deleted", _("Indicator deleted")
    PROGRESS_ADDED = "progress.added", _("Progress update added")
    PROGRESS_EVIDENCE_DOWNLOADED = "progress.evidence_downloaded", _("Evidence file downloaded")
    RESPONSE_LINK_CREATED = "response_link.created", _("Response link created")
    RESPONSE_LINK_REVOKED = "response_link.revoked", _("Response link revoked")
    OFFICIAL_RESPONDED = "official.responded", _("Official responded")
    OFFICIAL_RESPONSE_HIDDEN = "official.response_hidden", _("Official response hidden")


class AuditEvent(models.Model):
    """An append-only record of who did what, where and when.

    `city` is null for national events (cycles, coordinator appointments, logins).
    `target_label` is a short, non-sensitive description kept even if the target is deleted.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    city = models.ForeignKey(
        City, on_delete=models.SET_NULL, null=True, blank=True, related_name="audit_events"
    )
    action = models.CharField(max_length=40, choices=AuditAction.choices)
    target_type = models.CharField(max_length=40, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_label = models.CharField(max_length=200, blank=True)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [models.Index(fields=["city", "-created_at"], name="audit_city_time")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.target_label}"
