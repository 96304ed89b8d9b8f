"""Residents' responses: the public submission, the team's exports, promoting a
free-text answer to testimony, and publishing a survey's public summary."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from cities.models import AuditAction, Theme
from cities.services.audit import audit_record
from consultations import survey_logic
from consultations.models import (
    ConsentLevel,
    ConsentMethod,
    Language,
    Nature,
    QuestionKind,
    ResponseFlag,
    Source,
    Survey,
    SurveyQuestion,
    SurveyResponse,
    SurveyStatus,
    Testimony,
)
from consultations.services.surveys import survey_audit
from consultations.services.testimony import testimony_create
from upr_portal.lib.csvsafe import csv_safe

if TYPE_CHECKING:
    import uuid

    from django.db.models import QuerySet

    from accounts.models import User

_UNIQUE_SUBMISSION = "survey_response_unique_submission"


class SurveyFull(Exception):
    """The survey reached its response limit before this response could be counted."""


def _insert(
    *,
    survey: Survey,
    submission_id: uuid.UUID,
    language: str,
    answers: dict[str, Any],
    flags: list[str],
) -> SurveyResponse:
    def create() -> SurveyResponse:
        return SurveyResponse.objects.create(
            city_id=survey.city_id,
            survey=survey,
            submission_id=submission_id,
            language=language,
            answers=answers,
            flags=flags,
        )

    if survey.response_cap is None and not transaction.get_connection().in_atomic_block:
        # One INSERT is atomic by itself: no BEGIN and COMMIT round trips for the common
        # case (uncapped surveys, no caller's transaction), measured by `make bench`.
        return create()
    with transaction.atomic():
        if survey.response_cap is not None:
            # A conditional increment under the row lock: two residents can't both take
            # the last place. Uncapped surveys skip it, so their submissions never queue.
            taken = Survey.objects.filter(
                pk=survey.pk, response_count__lt=F("response_cap")
            ).update(response_count=F("response_count") + 1)
            if not taken:
                raise SurveyFull
        return create()


def survey_response_submit(
    *,
    survey: Survey,
    submission_id: uuid.UUID,
    language: str,
    answers: dict[str, Any],
    rate_limit_checked: bool = True,
    after_close: bool = False,
) -> tuple[SurveyResponse, bool]:
    """Store one resident's answers in one transaction; return it and whether it is new.

    Preconditions: the survey is accepting responses, and `answers` went through the
    public form (show-if applied, hidden answers dropped). A form sent twice (a double tap,
    a browser re-send) has the same `submission_id` and returns the first response.
    `after_close`: the form was served before the survey closed and is accepted late,
    flagged. Raises `SurveyFull` when the response limit was reached. Nothing is queued and no
    other service is called: a submission depends on PostgreSQL alone.
    """
    flags = [] if rate_limit_checked else [ResponseFlag.RATE_LIMIT_UNCHECKED.value]
    if after_close:
        flags.append(ResponseFlag.AFTER_CLOSE.value)
    try:
        response = _insert(
            survey=survey,
            submission_id=submission_id,
            language=language,
            answers=answers,
            flags=flags,
        )
    except IntegrityError as exc:
        constraint = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None)
        if constraint != _UNIQUE_SUBMISSION:
            raise
        return (
            SurveyResponse.objects.get(survey=survey, submission_id=submission_id),
            False,
        )
    except SurveyFull:
        # The last place may have gone to this very form's first send.
        first = SurveyResponse.objects.filter(survey=survey, submission_id=submission_id).first()
        if first is None:
            raise
        return first, False
    return response, True


# --------------------------------------------------------------------------- promotion


def _consent_from(response: SurveyResponse, questions: Sequence[SurveyQuestion]) -> str:
    for question in questions:
        if question.kind == QuestionKind.QUOTE_CONSENT:
            value = response.answers.get(str(question.uuid))
            if value in ConsentLevel.values:
                return str(value)
    return ConsentLevel.INTERNAL.value


@transaction.atomic
def answer_promote(
    *,
    actor: User,
    response: SurveyResponse,
    question: SurveyQuestion,
    themes: Iterable[Theme],
    nature: str,
    summary: str = "",
    area: str = "",
) -> Testimony:
    """Make a resident's free-text answer a draft testimony for the team to review.

    The consent level comes from the response's answer to the survey's permission-to-quote
    question ("internal only" when there is none, or it was not answered); the consent
    method is "online" and its time is when the resident answered. The testimony then
    goes through redaction and review like any other. One answer is promoted once.
    """
    response = SurveyResponse.objects.select_for_update().get(pk=response.pk)
    if question.survey_id != response.survey_id or not question.is_text:
        raise ValidationError(_("Only a free-text answer can be promoted."))
    text = str(response.answers.get(str(question.uuid)) or "").strip()
    if not text:
        raise ValidationError(_("This response has no answer to that question."))
    existing = Testimony.objects.filter(survey_response=response, survey_question=question)
    if existing.exists():
        raise ValidationError(_("This answer was already promoted to testimony."))
    survey = response.survey
    questions = list(survey.questions.all())
    language = response.language if response.language in Language.values else Language.OTHER
    testimony = testimony_create(
        actor=actor,
        city=survey.city,
        cycle=survey.cycle,
        themes=themes,
        narrative=text,
        summary=summary,
        language=language,
        nature=nature if nature in Nature.values else Nature.PROBLEM,
        area=area,
        source=Source.SURVEY,
        consent_level=_consent_from(response, questions),
        consent_method=ConsentMethod.ONLINE,
    )
    testimony.survey_response = response
    testimony.survey_question = question
    testimony.consent_recorded_at = response.submitted_at
    testimony.save(update_fields=["survey_response", "survey_question", "consent_recorded_at"])
    audit_record(
        actor=actor,
        action=AuditAction.SURVEY_ANSWER_PROMOTED,
        city=survey.city,
        target=testimony,
        target_label=testimony.short_ref,
        details={"survey": str(survey.uuid), "consent": testimony.consent_level},
    )
    return testimony


# --------------------------------------------------------------------------- public summary


@transaction.atomic
def survey_summary_publish(
    *, actor: User, survey: Survey, quotes: Iterable[Testimony] = ()
) -> Survey:
    """Publish (or re-publish) the survey's public summary: aggregates with small counts
    suppressed, plus only the quotes chosen here. A quote must be a testimony promoted from
    this survey that may be quoted (consented, reviewed, redacted)."""
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if survey.status == SurveyStatus.DRAFT:
        raise ValidationError(_("Open the survey before publishing its summary."))
    chosen = list(quotes)
    for testimony in chosen:
        if testimony.survey_response is None or testimony.survey_response.survey_id != survey.pk:
            raise ValidationError({"quotes": _("Choose quotes from this survey's answers.")})
        if not testimony.is_quotable():
            raise ValidationError(
                {
                    "quotes": _(
                        "Testimony %(ref)s can't be quoted: it needs consent to quote, a "
                        "redacted quote and a review."
                    )
                    % {"ref": testimony.short_ref}
                }
            )
    survey.summary_published_at = timezone.now()
    survey.summary_published_by = actor
    survey.save(update_fields=["summary_published_at", "summary_published_by", "updated_at"])
    survey.summary_quotes.set(chosen)
    survey_audit(
        actor=actor,
        action=AuditAction.SURVEY_SUMMARY_PUBLISHED,
        survey=survey,
        details={"quotes": len(chosen)},
    )
    return survey


@transaction.atomic
def survey_summary_unpublish(*, actor: User, survey: Survey) -> Survey:
    """Take the public summary down."""
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if survey.summary_published_at is None:
        return survey
    survey.summary_published_at = None
    survey.save(update_fields=["summary_published_at", "updated_at"])
    survey_audit(actor=actor, action=AuditAction.SURVEY_SUMMARY_UNPUBLISHED, survey=survey)
    return survey


# --------------------------------------------------------------------------- exports


def _answer_text(question: SurveyQuestion, value: Any, labels: dict[str, str]) -> str:
    if value is None:
        return ""
    if question.is_text:
        return str(value)
    values = value if isinstance(value, list) else [value]
    return "; ".join(labels.get(str(v), str(v)) for v in values)


def survey_export_rows(
    *,
    questions: Sequence[SurveyQuestion],
    responses: QuerySet[SurveyResponse],
    source: survey_logic.OptionSource,
    language: str,
) -> Iterable[list[str]]:
    """The header, then one row per response, every cell neutralised against formulas."""
    labels = {
        q.pk: dict(survey_logic.question_options(q, language, source, include_retired=True))
        for q in questions
    }
    yield [
        csv_safe(cell)
        for cell in (
            _("Response"),
            _("Submitted"),
            _("Language"),
            _("Flags"),
            *(f"{q.position}. {q.display_label(language)}" for q in questions),
        )
    ]
    flag_labels = dict(ResponseFlag.choices)
    for response in responses.iterator(chunk_size=1000):
        yield [
            csv_safe(cell)
            for cell in (
                response.short_ref,
                timezone.localtime(response.submitted_at).strftime("%Y-%m-%d %H:%M"),
                response.language,
                "; ".join(str(flag_labels.get(f, f)) for f in response.flags),
                *(
                    _answer_text(q, response.answers.get(str(q.uuid)), labels[q.pk])
                    for q in questions
                ),
            )
        ]


def survey_export(
    *,
    actor: User,
    survey: Survey,
    questions: Sequence[SurveyQuestion],
    responses: QuerySet[SurveyResponse],
    source: survey_logic.OptionSource,
    language: str,
    fmt: str,
) -> bytes:
    """The team's export of the responses, as CSV (UTF-8 with a BOM, for Excel) or XLSX.
    Audited with the format and the row count, never any answer."""
    rows = survey_export_rows(
        questions=questions, responses=responses, source=source, language=language
    )
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        count = -1
        for row in rows:
            writer.writerow(row)
            count += 1
        data = ("\ufeff" + out.getvalue()).encode()
    elif fmt == "xlsx":
        data, count = _xlsx(rows)
    else:
        raise ValueError(f"unknown export format {fmt}")
    survey_audit(
        actor=actor,
        action=AuditAction.SURVEY_EXPORTED,
        survey=survey,
        details={"format": fmt, "rows": count},
    )
    return data


def _xlsx(rows: Iterable[list[str]]) -> tuple[bytes, int]:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Responses")[:31])
    count = -1
    for row in rows:
        # Control characters XLSX can't hold go first; then the formula check runs again,
        # since removing them can expose an "=" at the start.
        sheet.append([csv_safe(ILLEGAL_CHARACTERS_RE.sub("", cell)) for cell in row])
        count += 1
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue(), count
