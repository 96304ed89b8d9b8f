"""Consultation events, testimony (with consent, restricted fields and redaction),
testimony attachments, and paper-form import batches.

Every row here is city-owned and carries `city`, even where a parent implies it.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.files.storage import Storage, storages
from django.db import models
from django.db.models import Q
from django.db.models.expressions import CombinedExpression
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cities.models import City, ReviewCycle, Theme


def private_storage() -> Storage:
    """Uploads that must never be reachable through a public URL (see settings.STORAGES)."""
    return storages["private"]


# --------------------------------------------------------------------------- consultations


class ConsultationKind(models.TextChoices):
    COMMUNITY_CONVERSATION = "community_conversation", _("Community conversation")
    PUBLIC_MEETING = "public_meeting", _("Public meeting")
    HEARING = "hearing", _("Hearing")
    LISTENING_SESSION = "listening_session", _("Listening session")
    ONLINE_SESSION = "online_session", _("Online session")
    OTHER = "other", _("Other")


class ConsultationStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")


class Language(models.TextChoices):
    """Languages an event is offered in, or a testimony was given in."""

    ENGLISH = "en", _("English")
    SPANISH = "es", _("Spanish")
    ASL = "ase", _("American Sign Language")
    CHINESE = "zh", _("Chinese")
    VIETNAMESE = "vi", _("Vietnamese")
    TAGALOG = "tl", _("Tagalog")
    ARABIC = "ar", _("Arabic")
    KOREAN = "ko", _("Korean")
    HAITIAN_CREOLE = "ht", _("Haitian Creole")
    OTHER = "other", _("Other")


class Consultation(models.Model):
    """A community conversation, meeting or hearing where residents' testimony is gathered."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="consultations")
    cycle = models.ForeignKey(ReviewCycle, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind of event"), max_length=30, choices=ConsultationKind.choices)
    starts_at = models.DateTimeField(_("date and time"))
    ends_at = models.DateTimeField(_("ends"), null=True, blank=True)
    place = models.CharField(
        _("place"), max_length=200, blank=True, help_text=_("A venue, or “online”.")
    )
    accessibility_notes = models.TextField(
        _("accessibility notes"),
        blank=True,
        help_text=_("Step-free access, interpretation, childcare, transit, and so on."),
    )
    languages = ArrayField(
        models.CharField(max_length=10, choices=Language.choices),
        verbose_name=_("languages offered"),
        default=list,
        blank=True,
    )
    themes = models.ManyToManyField(Theme, verbose_name=_("themes"), related_name="+", blank=True)
    partner_organizations = models.TextField(
        _("partner organizations"), blank=True, help_text=_("One per line.")
    )
    attendance = models.PositiveIntegerField(
        _("attendance"),
        null=True,
        blank=True,
        help_text=_("How many people took part. A count only: never record a list of names."),
    )
    facilitator_notes = models.TextField(_("facilitator notes"), blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ConsultationStatus.choices,
        default=ConsultationStatus.PLANNED,
    )
    is_public = models.BooleanField(
        _("show on the city's public page"),
        default=False,
        help_text=_("Title, kind, date, place, languages and accessibility notes only."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-starts_at", "-id")
        indexes = [models.Index(fields=["city", "-starts_at"], name="consultation_city_time")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gte=models.F("starts_at")),
                name="consultation_ends_after_start",
                violation_error_message=_("The end must not be before the start."),
            )
        ]

    def __str__(self) -> str:
        return self.title

    def partner_list(self) -> list[str]:
        return [line.strip() for line in self.partner_organizations.splitlines() if line.strip()]

    def is_upcoming(self) -> bool:
        return self.status == ConsultationStatus.PLANNED and self.starts_at >= timezone.now()


# --------------------------------------------------------------------------- testimony


class Nature(models.TextChoices):
    PROBLEM = "problem", _("A problem")
    POSITIVE = "positive", _("A positive practice")
    BOTH = "both", _("Both")


class Source(models.TextChoices):
    EVENT = "event", _("Spoken at an event")
    WRITTEN = "written", _("Written")
    INTERVIEW = "interview", _("Interview")
    PAPER_FORM = "paper_form", _("Paper form")
    SURVEY = "survey", _("Survey free text")


class ConsentLevel(models.TextChoices):
    INTERNAL = "internal", _("Internal only")
    ANONYMOUS = "anonymous", _("Anonymous quote allowed")
    NAMED = "named", _("Named quote allowed")


class ConsentMethod(models.TextChoices):
    VERBAL = "verbal", _("Verbal")
    WRITTEN = "written", _("Written")
    ONLINE = "online", _("Online")


class AgeBand(models.TextChoices):
    UNDER_18 = "under_18", _("Under 18")
    A18_24 = "18_24", _("18–24")
    A25_34 = "25_34", _("25–34")
    A35_44 = "35_44", _("35–44")
    A45_54 = "45_54", _("45–54")
    A55_64 = "55_64", _("55–64")
    A65_PLUS = "65_plus", _("65 or older")
    NOT_SAID = "not_said", _("Prefer not to say")


class ReviewStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    REVIEWED = "reviewed", _("Reviewed")


def _search_document() -> CombinedExpression:
    # Both configurations in one stored column: a query is matched with English and
    # Spanish stemming at once, and one GIN index serves both.
    return SearchVector("narrative", "summary", config="english") + SearchVector(
        "narrative", "summary", config="spanish"
    )


class Testimony(models.Model):
    """What one resident said, with the consent that governs every use of it.

    `speaker_name` and `speaker_contact` are restricted: only the city lead and the
    organizer who logged the testimony may see them (`cities.permissions`). A withdrawn
    consent is kept with who withdrew it and when; the testimony then leaves every
    report and export, but the record itself stays as evidence of what was collected.
    """

    __test__ = False  # not a pytest test class, despite the name

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="testimonies")
    cycle = models.ForeignKey(ReviewCycle, on_delete=models.PROTECT, related_name="+")
    consultation = models.ForeignKey(
        Consultation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="testimonies",
        verbose_name=_("consultation"),
    )
    narrative = models.TextField(_("testimony"), help_text=_("What the person said, in full."))
    summary = models.CharField(_("short summary"), max_length=300, blank=True)
    language = models.CharField(
        _("language given in"), max_length=10, choices=Language.choices, default=Language.ENGLISH
    )
    themes = models.ManyToManyField(Theme, verbose_name=_("themes"), related_name="+")
    rights = ArrayField(
        models.CharField(max_length=200),
        verbose_name=_("rights or treaty articles"),
        default=list,
        blank=True,
    )
    nature = models.CharField(_("describes"), max_length=10, choices=Nature.choices)
    occurred_on = models.DateField(_("when it happened"), null=True, blank=True)
    area = models.CharField(
        _("neighborhood or area"),
        max_length=120,
        blank=True,
        help_text=_("A neighborhood or part of town. Never a street address."),
    )
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    age_band = models.CharField(_("age band"), max_length=10, choices=AgeBand.choices, blank=True)
    demographic_group = models.CharField(
        _("group (self-described)"),
        max_length=120,
        blank=True,
        help_text=_("Only what the person chose to say about themselves."),
    )

    # Restricted fields.
    speaker_name = models.CharField(_("speaker's name"), max_length=200, blank=True)
    speaker_contact = models.CharField(_("speaker's contact details"), max_length=300, blank=True)

    # Consent.
    consent_level = models.CharField(
        _("consent"), max_length=10, choices=ConsentLevel.choices, default=ConsentLevel.INTERNAL
    )
    consent_method = models.CharField(
        _("consent given"), max_length=10, choices=ConsentMethod.choices
    )
    consent_recorded_at = models.DateTimeField(_("consent recorded"), default=timezone.now)
    consent_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    consent_withdrawn_at = models.DateTimeField(null=True, blank=True)
    consent_withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    consent_withdrawal_note = models.CharField(max_length=300, blank=True)

    # Redaction and review.
    redacted_quote = models.TextField(_("redacted quote"), blank=True)
    redacted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    redacted_at = models.DateTimeField(null=True, blank=True)
    review_status = models.CharField(
        _("review"), max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.DRAFT
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    import_batch = models.ForeignKey(
        "ImportBatch", on_delete=models.PROTECT, null=True, blank=True, related_name="testimonies"
    )
    import_row = models.PositiveIntegerField(null=True, blank=True)
    # Set when an organizer promotes a survey's free-text answer to testimony.
    survey_response = models.ForeignKey(
        "SurveyResponse", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    survey_question = models.ForeignKey(
        "SurveyQuestion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The form's own id, sent back with it: a re-sent form finds the testimony it saved.
    submission_id = models.UUIDField(null=True, blank=True, editable=False)
    # sha256 of an imported row's content, to spot rows that were already imported.
    fingerprint = models.CharField(max_length=64, blank=True)
    search_document = models.GeneratedField(
        expression=_search_document(), output_field=SearchVectorField(), db_persist=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name_plural = _("testimonies")
        indexes = [
            GinIndex(fields=["search_document"], name="testimony_search"),
            models.Index(fields=["city", "-created_at"], name="testimony_city_time"),
            models.Index(fields=["city", "fingerprint"], name="testimony_city_fingerprint"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["import_batch", "import_row"],
                condition=Q(import_batch__isnull=False),
                name="testimony_unique_import_row",
            ),
            # A re-sent form (double click, retry after a dropped connection) saves once.
            models.UniqueConstraint(
                fields=["city", "submission_id"],
                condition=Q(submission_id__isnull=False),
                name="testimony_unique_submission",
            ),
            # One testimony per promoted answer, however often "promote" is pressed.
            models.UniqueConstraint(
                fields=["survey_response", "survey_question"],
                condition=Q(survey_response__isnull=False),
                name="testimony_unique_survey_answer",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.city} testimony {str(self.uuid)[:8]}"

    @property
    def short_ref(self) -> str:
        return str(self.uuid)[:8].upper()

    @property
    def is_withdrawn(self) -> bool:
        return self.consent_withdrawn_at is not None

    @property
    def is_reviewed(self) -> bool:
        return self.review_status == ReviewStatus.REVIEWED

    def is_quotable(self) -> bool:
        """May a report quote this testimony? Consent, review and a redacted quote."""
        return (
            not self.is_withdrawn
            and self.is_reviewed
            and self.consent_level in (ConsentLevel.ANONYMOUS, ConsentLevel.NAMED)
            and bool(self.redacted_quote.strip())
        )

    def attribution(self) -> str:
        """How a report attributes a quote: a name only under `named` consent."""
        if self.consent_level == ConsentLevel.NAMED and self.speaker_name:
            return self.speaker_name
        if self.area:
            return str(_("a resident of %(area)s")) % {"area": self.area}
        return str(_("a resident"))


# --------------------------------------------------------------------------- attachments


class AttachmentKind(models.TextChoices):
    AUDIO = "audio", _("Audio")
    IMAGE = "image", _("Photo")
    DOCUMENT = "document", _("Document")


class Attachment(models.Model):
    """A file attached to a testimony. Stored privately under a UUID name; the original
    file name is not kept because it often names the speaker."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    testimony = models.ForeignKey(Testimony, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(max_length=10, choices=AttachmentKind.choices)
    content_type = models.CharField(max_length=100)
    extension = models.CharField(max_length=10)
    size = models.PositiveIntegerField()
    file = models.FileField(storage=private_storage, upload_to="attachments/%Y/%m/", max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("created_at", "id")

    def __str__(self) -> str:
        return self.download_name

    @property
    def download_name(self) -> str:
        return f"testimony-{self.testimony.short_ref.lower()}-{str(self.uuid)[:8]}.{self.extension}"


# --------------------------------------------------------------------------- imports


class ImportStatus(models.TextChoices):
    PREVIEW = "preview", _("Waiting for confirmation")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Importing")
    DONE = "done", _("Imported")
    FAILED = "failed", pgettext_lazy("import status", "Failed")
    DISCARDED = "discarded", _("Discarded")


# A batch in one of these states holds its file's place: the same file can't be imported
# into the city again.
IMPORT_CLAIMED_STATES = (ImportStatus.QUEUED, ImportStatus.RUNNING, ImportStatus.DONE)


class ImportBatch(models.Model):
    """One uploaded CSV of paper forms. The file is kept privately so the import task
    can read it by the batch id: no testimony text ever travels through the broker."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    cycle = models.ForeignKey(ReviewCycle, on_delete=models.PROTECT, related_name="+")
    consultation = models.ForeignKey(
        Consultation, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    file = models.FileField(storage=private_storage, upload_to="imports/%Y/%m/", max_length=200)
    sha256 = models.CharField(max_length=64)
    status = models.CharField(
        max_length=10, choices=ImportStatus.choices, default=ImportStatus.PREVIEW
    )
    row_count = models.PositiveIntegerField(default=0)
    duplicate_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    imported_rows = models.PositiveIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [
            # The same file can be imported into a city once.
            models.UniqueConstraint(
                fields=["city", "sha256"],
                condition=Q(status__in=IMPORT_CLAIMED_STATES),
                name="import_unique_active_file",
            )
        ]

    def __str__(self) -> str:
        return f"import {str(self.uuid)[:8]} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in (ImportStatus.QUEUED, ImportStatus.RUNNING)

    @property
    def new_rows(self) -> int:
        """Rows that will be (or were) added: the rest were already in the portal."""
        return max(0, self.row_count - self.duplicate_rows)

    @property
    def percent(self) -> int:
        if not self.row_count:
            return 100 if self.status == ImportStatus.DONE else 0
        return min(100, round(100 * self.processed_rows / self.row_count))
