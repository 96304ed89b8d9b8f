"""Clamor: the UN's recommendations, the evidence linked to them, city action plans,
officials' responses and the reminders that keep plans moving.

National rows (recommendations, imports, theme mappings) have no city. Every city-owned
row carries `city`, even where a parent implies it.
"""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.files.storage import Storage, storages
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cities.models import City, ReviewCycle, Theme


def private_storage() -> Storage:
    """Evidence files: the team downloads them through a permission-checked view."""
    return storages["private"]


def reports_storage() -> Storage:
    """Handout PDFs sit with the report PDFs (a bucket when REPORTS_S3_BUCKET is set)."""
    return storages["reports"]


def _person() -> models.ForeignKey[Any, Any]:
    """Who did something: kept as null (the row stays editable) if their account goes."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )


def _exactly_one(a: str, b: str, *, name: str) -> models.CheckConstraint:
    """Exactly one of two nullable foreign keys is set."""
    return models.CheckConstraint(
        condition=(Q(**{f"{a}__isnull": False}) & Q(**{f"{b}__isnull": True}))
        | (Q(**{f"{a}__isnull": True}) & Q(**{f"{b}__isnull": False})),
        name=name,
    )


def _unique_when_set(fields: list[str], nullable: str, *, name: str) -> models.UniqueConstraint:
    """`fields` are unique among the rows whose `nullable` foreign key is set."""
    return models.UniqueConstraint(
        fields=fields, condition=Q(**{f"{nullable}__isnull": False}), name=name
    )


# --------------------------------------------------------------------------- recommendations


class SourceFormat(models.TextChoices):
    UPR_INFO = "upr_info", _("UPR Info database export")
    UHRI_LIST = "uhri_list", _("Paragraph-numbered list (UN thematic list)")


class UNResponse(models.TextChoices):
    SUPPORTED = "supported", pgettext_lazy("UN response", "Supported")
    PARTIAL = "partially_supported", pgettext_lazy("UN response", "Partially supported")
    NOTED = "noted", pgettext_lazy("UN response", "Noted")


class ImportStatus(models.TextChoices):
    PREVIEW = "preview", _("Checked, waiting for confirmation")
    APPLIED = "applied", _("Imported")
    DISCARDED = "discarded", _("Discarded")


class RecommendationImport(models.Model):
    """One uploaded recommendations file: checked first (preview), then applied or discarded.

    The file's text is kept so the preview and the import read the same bytes, and so a
    later question ("where did this come from?") has an answer. It holds UN records only.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    cycle = models.ForeignKey(ReviewCycle, on_delete=models.PROTECT, related_name="+")
    format = models.CharField(max_length=20, choices=SourceFormat.choices)
    filename = models.CharField(max_length=200)
    source_document = models.CharField(_("source document"), max_length=200)
    sha256 = models.CharField(max_length=64)
    content = models.BinaryField()
    status = models.CharField(
        max_length=12, choices=ImportStatus.choices, default=ImportStatus.PREVIEW
    )
    row_count = models.PositiveIntegerField(default=0)
    # What the check found and what applying did: counts, and the row-by-row notes.
    summary = models.JSONField(default=dict, blank=True)
    notes = models.JSONField(default=list, blank=True)
    uploaded_by = _person()
    created_at = models.DateTimeField(auto_now_add=True)
    applied_by = _person()
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return self.filename


def _search_document() -> SearchVector:
    return SearchVector("text", "paragraph", config="english")


class Recommendation(models.Model):
    """One UN recommendation to the state under review, in one cycle.

    `key` is its identity within the cycle (the paragraph number, or a hash of its text
    when the source has none), so importing the same file again changes nothing.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    cycle = models.ForeignKey(ReviewCycle, on_delete=models.PROTECT, related_name="+")
    key = models.CharField(max_length=64)
    paragraph = models.CharField(_("paragraph"), max_length=20, blank=True)
    text = models.TextField(_("recommendation"))
    states = ArrayField(
        models.CharField(max_length=120), verbose_name=_("recommending states"), default=list
    )
    response = models.CharField(_("response"), max_length=20, choices=UNResponse.choices)
    source_format = models.CharField(max_length=20, choices=SourceFormat.choices)
    source_themes = ArrayField(
        models.CharField(max_length=200), verbose_name=_("themes in the source"), default=list
    )
    # Derived from the source themes through ThemeMapping; recomputed when a mapping changes.
    themes = models.ManyToManyField(Theme, verbose_name=_("themes"), related_name="+", blank=True)
    action_category = models.PositiveSmallIntegerField(_("action category"), null=True, blank=True)
    source_document = models.CharField(_("source document"), max_length=200)
    position = models.PositiveIntegerField(default=0)  # order in the source file
    import_batch = models.ForeignKey(
        RecommendationImport, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    search_document = models.GeneratedField(
        expression=_search_document(), output_field=SearchVectorField(), db_persist=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-cycle__number", "position", "id")
        constraints = [
            models.UniqueConstraint(fields=["cycle", "key"], name="recommendation_unique_key"),
        ]
        indexes = [
            GinIndex(fields=["search_document"], name="recommendation_search"),
            GinIndex(fields=["states"], name="recommendation_states"),
        ]

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        if self.paragraph:
            return str(_("Recommendation %(paragraph)s") % {"paragraph": self.paragraph})
        # No paragraph numbers in the source (the 2010 UPR Info export): its place in the
        # file and who made it tell recommendations apart.
        values: dict[str, object] = {"position": self.position, "number": self.cycle.number}
        if self.states:
            values["state"] = self.states[0]
            return str(_("Recommendation no. %(position)s, cycle %(number)s (%(state)s)") % values)
        return str(_("Recommendation no. %(position)s, cycle %(number)s") % values)


class ThemeMapping(models.Model):
    """How one source vocabulary's theme maps onto the portal's themes.

    Created for every source theme an import meets, from the seeds when the theme is
    known. A theme with no portal themes and not marked `not_applicable` is unmapped, and
    coordinators see it listed until they decide.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    vocabulary = models.CharField(max_length=20, choices=SourceFormat.choices)
    source_theme = models.CharField(max_length=200)
    themes = models.ManyToManyField(
        Theme, verbose_name=_("portal themes"), related_name="+", blank=True
    )
    not_applicable = models.BooleanField(
        _("no portal theme applies"),
        default=False,
        help_text=_("For themes about international matters with no local counterpart."),
    )
    updated_by = _person()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("vocabulary", "source_theme")
        constraints = [
            models.UniqueConstraint(
                fields=["vocabulary", "source_theme"], name="theme_mapping_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.source_theme


# --------------------------------------------------------------------------- city side


class LocalRecommendation(models.Model):
    """One of the city's own recommendations, from its local report (#5) or typed in."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    cycle = models.ForeignKey(ReviewCycle, on_delete=models.PROTECT, related_name="+")
    report = models.ForeignKey(
        "reports.Report", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    text = models.TextField(_("recommendation"), max_length=1000)
    themes = models.ManyToManyField(
        Theme,
        verbose_name=_("themes"),
        related_name="+",
        blank=True,
        help_text=_("The portal suggests UN recommendations that share a theme."),
    )
    sort_order = models.PositiveIntegerField(default=0)
    created_by = _person()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("sort_order", "id")

    def __str__(self) -> str:
        return self.text[:80]


class LinkStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed")
    DISMISSED = "dismissed", _("Dismissed")


class EvidenceLink(models.Model):
    """An organizer's decision on one UN recommendation for one piece of local evidence:
    a testimony or a local report recommendation. Confirmed links count on the
    recommendation's public page; dismissed ones stop it being suggested again."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.CASCADE, related_name="evidence_links"
    )
    testimony = models.ForeignKey(
        "consultations.Testimony",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="recommendation_links",
    )
    local_recommendation = models.ForeignKey(
        LocalRecommendation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="links",
    )
    status = models.CharField(max_length=10, choices=LinkStatus.choices)
    suggested = models.BooleanField(default=False)  # picked from the portal's suggestions
    decided_by = _person()
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-decided_at", "-id")
        constraints = [
            _exactly_one("testimony", "local_recommendation", name="evidence_link_one_target"),
            _unique_when_set(
                ["recommendation", "testimony"], "testimony", name="evidence_link_unique_testimony"
            ),
            _unique_when_set(
                ["recommendation", "local_recommendation"],
                "local_recommendation",
                name="evidence_link_unique_local",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.recommendation_id} ({self.status})"


class ActionPlan(models.Model):
    """A recommendation the city has taken up (the UN's or its own), with its actions."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="action_plans")
    recommendation = models.ForeignKey(
        Recommendation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="action_plans",
    )
    local_recommendation = models.ForeignKey(
        LocalRecommendation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="action_plans",
    )
    summary = models.TextField(
        _("why the city takes this up"),
        max_length=2000,
        blank=True,
        help_text=_("Shown on the public scorecard."),
    )
    created_by = _person()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("created_at", "id")
        constraints = [
            _exactly_one("recommendation", "local_recommendation", name="action_plan_one_target"),
            _unique_when_set(
                ["city", "recommendation"],
                "recommendation",
                name="action_plan_unique_recommendation",
            ),
            _unique_when_set(
                ["local_recommendation"], "local_recommendation", name="action_plan_unique_local"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        if self.recommendation_id is not None and self.recommendation is not None:
            return self.recommendation.label
        return str(_("Our recommendation"))

    @property
    def text(self) -> str:
        if self.recommendation is not None:
            return self.recommendation.text
        return self.local_recommendation.text if self.local_recommendation else ""


class ActionStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    STALLED = "stalled", _("Stalled")


class Action(models.Model):
    """One thing the city will do, who is responsible, the target and the due date."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="actions")
    description = models.TextField(_("action"), max_length=1000)
    responsible = models.CharField(
        _("responsible department or official"),
        max_length=200,
        help_text=_("For example: Department of Housing, or the Police Commissioner."),
    )
    target = models.CharField(
        _("target"),
        max_length=500,
        help_text=_("What will be true when this is done, for example: 500 units by 2027."),
    )
    due_on = models.DateField(_("due date"))
    status = models.CharField(
        _("status"), max_length=12, choices=ActionStatus.choices, default=ActionStatus.NOT_STARTED
    )
    completed_on = models.DateField(null=True, blank=True)
    created_by = _person()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("due_on", "id")
        indexes = [models.Index(fields=["status", "due_on"], name="action_status_due")]

    def __str__(self) -> str:
        return self.description[:80]

    def is_overdue(self, today: datetime.date | None = None) -> bool:
        """Past its due date and not completed: flagged everywhere without anyone asking."""
        return self.status != ActionStatus.COMPLETED and self.due_on < (
            today or timezone.localdate()
        )


class Indicator(models.Model):
    """How progress on an action is measured: from a baseline towards a target value."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="indicators")
    name = models.CharField(_("indicator"), max_length=200)
    unit = models.CharField(_("unit"), max_length=60, help_text=_("For example: units, %, days."))
    baseline = models.DecimalField(_("baseline"), max_digits=14, decimal_places=2)
    target_value = models.DecimalField(_("target value"), max_digits=14, decimal_places=2)
    data_source = models.CharField(
        _("data source"), max_length=300, help_text=_("Where the figures come from.")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("created_at", "id")

    def __str__(self) -> str:
        return self.name

    def progress_percent(self, value: Decimal | None) -> int | None:
        """How far `value` has moved from the baseline to the target, 0 to 100."""
        if value is None:
            return None
        span = self.target_value - self.baseline
        if span == 0:
            return 100 if value == self.target_value else 0
        share = (value - self.baseline) / span * 100
        return max(0, min(100, round(share)))


class ProgressUpdate(models.Model):
    """A dated note on an action, with an optional indicator reading and evidence.
    Shown on the public scorecard, apart from the evidence file (the team's)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="updates")
    reported_on = models.DateField(_("date"))
    text = models.TextField(_("what happened"), max_length=2000)
    indicator = models.ForeignKey(
        Indicator,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="readings",
        verbose_name=_("indicator"),
    )
    value = models.DecimalField(
        _("indicator value"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    evidence_url = models.URLField(_("evidence link"), max_length=500, blank=True)
    evidence_file = models.FileField(
        _("evidence file"),
        storage=private_storage,
        upload_to="accountability/%Y/%m/",
        max_length=200,
        blank=True,
    )
    evidence_filename = models.CharField(max_length=200, blank=True)
    created_by = _person()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-reported_on", "-id")
        constraints = [
            models.CheckConstraint(
                condition=Q(indicator__isnull=True, value__isnull=True)
                | Q(indicator__isnull=False, value__isnull=False),
                name="progress_value_with_indicator",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reported_on}: {self.text[:60]}"


class ReminderKind(models.TextChoices):
    DUE_SOON = "due_soon", _("Due soon")
    OVERDUE = "overdue", _("Overdue")


class ActionReminder(models.Model):
    """One reminder email about an action: at most one per kind and due date, so a beat
    that runs twice sends once, and moving the due date arms the reminders again."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=10, choices=ReminderKind.choices)
    due_on = models.DateField()
    recipients = models.PositiveSmallIntegerField(default=0)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["action", "kind", "due_on"], name="action_reminder_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.due_on}"


# --------------------------------------------------------------------------- officials


class ResponseLink(models.Model):
    """A single-purpose link that lets one official answer on one plan or action.

    The URL carries an HMAC of the uuid and nonce (see `accountability.tokens`); it
    works until it expires, is revoked, or has been used once.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="response_links")
    action = models.ForeignKey(
        Action, on_delete=models.CASCADE, null=True, blank=True, related_name="response_links"
    )
    official_name = models.CharField(_("official's name"), max_length=200)
    official_title = models.CharField(
        _("title or office"), max_length=200, help_text=_("For example: Director of Housing.")
    )
    message = models.TextField(
        _("message to the official"),
        max_length=2000,
        blank=True,
        help_text=_("Shown at the top of the response page."),
    )
    token_nonce = models.CharField(max_length=32, editable=False)
    created_by = _person()
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = _person()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"{self.official_name} ({self.official_title})"

    def is_expired(self, now: datetime.datetime | None = None) -> bool:
        return (now or timezone.now()) >= self.expires_at

    def is_usable(self, now: datetime.datetime | None = None) -> bool:
        return self.revoked_at is None and self.used_at is None and not self.is_expired(now)


class OfficialResponseKind(models.TextChoices):
    RESPONSE = "response", _("Formal response")
    COMMITMENT = "commitment", _("Commitment")


class OfficialResponse(models.Model):
    """What an official posted through a response link. Public on the scorecard, marked
    as theirs, unless the city lead hides it (with a reason, audited)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    link = models.OneToOneField(ResponseLink, on_delete=models.PROTECT, related_name="response")
    plan = models.ForeignKey(
        ActionPlan, on_delete=models.CASCADE, related_name="official_responses"
    )
    action = models.ForeignKey(
        Action, on_delete=models.CASCADE, null=True, blank=True, related_name="official_responses"
    )
    kind = models.CharField(_("this is"), max_length=12, choices=OfficialResponseKind.choices)
    text = models.TextField(_("response"), max_length=4000)
    official_name = models.CharField(max_length=200)
    official_title = models.CharField(max_length=200)
    submitted_at = models.DateTimeField(default=timezone.now)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_reason = models.CharField(_("reason"), max_length=300, blank=True)
    hidden_by = _person()

    class Meta:
        ordering = ("-submitted_at", "-id")

    def __str__(self) -> str:
        return f"{self.official_name} ({self.submitted_at:%Y-%m-%d})"


class HandoutCache(models.Model):
    """A rendered "UN recommendations for our city" handout, reused while its input is the
    same. Public downloads never start a render when one with the same input exists."""

    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    language = models.CharField(max_length=8)
    input_hash = models.CharField(max_length=64)
    file = models.FileField(storage=reports_storage, max_length=300)
    page_count = models.PositiveSmallIntegerField(default=0)
    size_bytes = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["city", "language", "input_hash"], name="handout_cache_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.language} {self.input_hash[:12]}"
