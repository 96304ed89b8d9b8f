"""Resident surveys: a city's survey with its questions, and residents' responses.

Every text a resident reads (title, introduction, consent statement, question labels,
help texts and options) is stored as a `{language code: text}` map, so a survey can be
offered in English, Spanish and any other language the team adds.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Any

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Deferrable, Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from cities.models import City, ReviewCycle
from consultations.models.evidence import Testimony

# Every survey is offered in these; a survey can't open until each text has both.
REQUIRED_LANGUAGES: tuple[str, ...] = ("en", "es")


def default_languages() -> list[str]:
    return list(REQUIRED_LANGUAGES)


def tr(texts: dict[str, str] | None, language: str) -> str:
    """The text in `language`, else English, else any language that has it."""
    texts = texts or {}
    for code in (language, "en", *texts):
        value = (texts.get(code) or "").strip()
        if value:
            return value
    return ""


class SurveyStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class PublicState(models.TextChoices):
    """What a resident who follows the link finds."""

    DRAFT = "draft", _("Not published")
    SCHEDULED = "scheduled", _("Opens later")
    ACCEPTING = "accepting", _("Accepting responses")
    CLOSED = "closed", _("Closed")
    FULL = "full", _("Response limit reached")


class QuestionKind(models.TextChoices):
    SHORT_TEXT = "short_text", _("Short text")
    LONG_TEXT = "long_text", _("Long text")
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    RATING = "rating", _("Rating 1–5")
    YES_NO = "yes_no", _("Yes or no")
    THEME = "theme", _("Themes (from the taxonomy)")
    NEIGHBORHOOD = "neighborhood", _("Neighborhood")
    QUOTE_CONSENT = "quote_consent", _("Permission to quote")


TEXT_KINDS = frozenset({QuestionKind.SHORT_TEXT, QuestionKind.LONG_TEXT})
# Kinds whose options the team writes (the others have fixed or shared options).
OPTION_KINDS = frozenset({QuestionKind.SINGLE, QuestionKind.MULTIPLE})
MULTI_KINDS = frozenset({QuestionKind.MULTIPLE, QuestionKind.THEME})
# Kinds a show-if rule can depend on: every kind with options.
CHOICE_KINDS = frozenset(set(QuestionKind) - TEXT_KINDS)
TEXT_MAX_LENGTH = {QuestionKind.SHORT_TEXT: 300, QuestionKind.LONG_TEXT: 5000}


class Survey(models.Model):
    """One version of a city's survey. Once it has responses its structure is frozen;
    a copy (`version` + 1, `copied_from`) takes structural changes."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="surveys")
    cycle = models.ForeignKey(ReviewCycle, on_delete=models.PROTECT, related_name="+")
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    copied_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="copies"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=SurveyStatus.choices, default=SurveyStatus.DRAFT
    )
    languages = ArrayField(
        models.CharField(max_length=10), verbose_name=_("languages"), default=default_languages
    )
    title = models.JSONField(_("title"), default=dict)
    introduction = models.JSONField(_("introduction"), default=dict, blank=True)
    consent_statement = models.JSONField(_("consent statement"), default=dict)
    opens_on = models.DateField(_("opens on"), null=True, blank=True)
    closes_on = models.DateField(_("closes on"), null=True, blank=True)
    response_cap = models.PositiveIntegerField(_("response limit"), null=True, blank=True)
    # Kept exact only while `response_cap` is set: counting it on every submission of an
    # uncapped survey would serialise all submissions on this row.
    response_count = models.PositiveIntegerField(default=0)
    summary_published_at = models.DateTimeField(null=True, blank=True)
    summary_published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    summary_quotes = models.ManyToManyField(Testimony, blank=True, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [models.Index(fields=["city", "-created_at"], name="survey_city_time")]
        constraints = [
            models.CheckConstraint(
                condition=Q(opens_on__isnull=True)
                | Q(closes_on__isnull=True)
                | Q(closes_on__gte=models.F("opens_on")),
                name="survey_closes_after_opening",
            ),
        ]

    def __str__(self) -> str:
        return self.display_title()

    def text(self, field: str, language: str) -> str:
        return tr(getattr(self, field), language)

    def display_title(self, language: str | None = None) -> str:
        return tr(self.title, language or get_language() or "en") or str(_("Untitled survey"))

    @property
    def short_ref(self) -> str:
        return str(self.uuid)[:8].upper()

    @property
    def summary_is_published(self) -> bool:
        return self.summary_published_at is not None

    def public_state(self, today: datetime.date | None = None) -> PublicState:
        """Whether a resident can answer now. A closed survey is closed whatever its dates."""
        today = today or timezone.localdate()
        if self.status == SurveyStatus.DRAFT:
            return PublicState.DRAFT
        if self.status == SurveyStatus.CLOSED or (self.closes_on and today > self.closes_on):
            return PublicState.CLOSED
        if self.opens_on and today < self.opens_on:
            return PublicState.SCHEDULED
        if self.response_cap is not None and self.response_count >= self.response_cap:
            return PublicState.FULL
        return PublicState.ACCEPTING


class SurveyQuestion(models.Model):
    """One question. `options` is `[{"key": ..., "label": {lang: text}}]` for single and
    multiple choice; the other choice kinds have fixed options (see `question_options`)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(_("kind of question"), max_length=20, choices=QuestionKind.choices)
    required = models.BooleanField(_("an answer is required"), default=False)
    label = models.JSONField(_("question"), default=dict)
    help_text = models.JSONField(_("help text"), default=dict, blank=True)
    options = models.JSONField(_("options"), default=list, blank=True)
    show_if_question = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="dependents"
    )
    show_if_value = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ("position", "id")
        constraints = [
            # Deferred, so two questions can swap places in one transaction.
            models.UniqueConstraint(
                fields=["survey", "position"],
                name="survey_question_unique_position",
                deferrable=Deferrable.DEFERRED,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.survey.short_ref} Q{self.position}"

    @property
    def field_name(self) -> str:
        return f"q_{self.uuid.hex}"

    @property
    def is_text(self) -> bool:
        return self.kind in TEXT_KINDS

    @property
    def is_multi(self) -> bool:
        return self.kind in MULTI_KINDS

    def display_label(self, language: str | None = None) -> str:
        return tr(self.label, language or get_language() or "en")


class ResponseFlag(models.TextChoices):
    RATE_LIMIT_UNCHECKED = "rate_limit_unchecked", _("Rate limit not checked (Redis unavailable)")
    AFTER_CLOSE = "after_close", _("Sent after the survey closed (from a form opened before)")


class SurveyResponse(models.Model):
    """One resident's answers, stored whole in one row so a submission is one insert.

    `answers` maps a question's UUID to a string or a list of option keys. No IP address,
    user agent or account is stored. `submission_id` comes from the form the resident was
    served, so a double tap or a re-sent form can't make a second response.
    """

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    city = models.ForeignKey(City, on_delete=models.CASCADE, related_name="+")
    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="responses")
    submission_id = models.UUIDField()
    language = models.CharField(max_length=10)
    answers = models.JSONField(default=dict)
    flags = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-submitted_at", "-id")
        indexes = [models.Index(fields=["survey", "submitted_at"], name="response_survey_time")]
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "submission_id"], name="survey_response_unique_submission"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.survey.short_ref} response {str(self.uuid)[:8]}"

    @property
    def short_ref(self) -> str:
        return str(self.uuid)[:8].upper()

    def answer(self, question: SurveyQuestion) -> Any:
        return self.answers.get(str(question.uuid))
