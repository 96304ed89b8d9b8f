"""Reads for surveys: the builder's lists, the public form, results and the public summary.

`*_get_for_city` raises 404 for a missing row and for another city's row alike. Public
reads raise 404 for drafts. Results are computed from one query over the filtered
responses' answers.
"""

from __future__ import annotations

import datetime
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.fields.json import KT
from django.http import Http404

from cities.models import City, Neighborhood, Theme
from cities.selectors import _as_uuid
from consultations import survey_logic
from consultations.models import (
    QuestionKind,
    Survey,
    SurveyQuestion,
    SurveyResponse,
    SurveyStatus,
    Testimony,
)

# Public statistics show any count below this as "fewer than 5".
SMALL_COUNT = 5


# --------------------------------------------------------------------------- builder


def survey_list_for_city(*, city: City) -> QuerySet[Survey]:
    return (
        Survey.objects.filter(city=city)
        .select_related("cycle")
        .annotate(responses_total=Count("responses"))
        .order_by("-created_at", "-id")
    )


def survey_get_for_city(*, city: City, survey_uuid: object) -> Survey:
    survey = (
        Survey.objects.filter(city=city, uuid=_as_uuid(survey_uuid))
        .select_related("city", "cycle", "copied_from")
        .first()
    )
    if survey is None:
        raise Http404
    return survey


def survey_has_responses(*, survey: Survey) -> bool:
    return survey.responses.exists()


def question_list(*, survey: Survey) -> list[SurveyQuestion]:
    return list(survey.questions.all())


def question_get_for_survey(*, survey: Survey, question_uuid: object) -> SurveyQuestion:
    question = SurveyQuestion.objects.filter(survey=survey, uuid=_as_uuid(question_uuid)).first()
    if question is None:
        raise Http404
    question.survey = survey
    return question


def response_get_for_survey(*, survey: Survey, response_uuid: object) -> SurveyResponse:
    response = SurveyResponse.objects.filter(survey=survey, uuid=_as_uuid(response_uuid)).first()
    if response is None:
        raise Http404
    response.survey = survey
    return response


def survey_option_source(
    *, city: City, questions: Sequence[SurveyQuestion], include_retired: bool = False
) -> survey_logic.OptionSource:
    """Theme and neighborhood options, loaded only when a question needs them."""
    kinds = {q.kind for q in questions}
    source = survey_logic.OptionSource()
    if QuestionKind.THEME in kinds:
        themes = Theme.objects.all() if include_retired else Theme.objects.filter(is_active=True)
        source.themes = [
            survey_logic.NamedOption(t.slug, t.name_en, t.name_es, t.is_active) for t in themes
        ]
    if QuestionKind.NEIGHBORHOOD in kinds:
        rows = Neighborhood.objects.filter(city=city)
        if not include_retired:
            rows = rows.filter(is_active=True)
        source.neighborhoods = [
            survey_logic.NamedOption(str(n.uuid), n.name, n.name, n.is_active) for n in rows
        ]
    return source


def neighborhood_list(*, city: City, active_only: bool = True) -> QuerySet[Neighborhood]:
    rows = Neighborhood.objects.filter(city=city)
    return rows.filter(is_active=True) if active_only else rows


# --------------------------------------------------------------------------- public


def survey_get_public(*, survey_uuid: object) -> Survey:
    """A survey anyone with the link may see: any survey that is not a draft."""
    survey = (
        Survey.objects.filter(uuid=_as_uuid(survey_uuid))
        .exclude(status=SurveyStatus.DRAFT)
        .select_related("city")
        .first()
    )
    if survey is None:
        raise Http404
    return survey


def response_exists(*, survey: Survey, submission_id: uuid.UUID) -> bool:
    """Was a form with this submission id already received?"""
    return SurveyResponse.objects.filter(survey=survey, submission_id=submission_id).exists()


def survey_list_public(*, city: City) -> tuple[list[Survey], list[Survey]]:
    """The city's surveys residents can answer now, and its published summaries."""
    rows = list(
        Survey.objects.filter(city=city)
        .filter(Q(status=SurveyStatus.OPEN) | Q(summary_published_at__isnull=False))
        .order_by("-created_at")
    )
    accepting = [s for s in rows if s.public_state() == "accepting"]
    published = [s for s in rows if s.summary_published_at is not None]
    return accepting, published


def survey_summary_get_public(*, city: City, survey_uuid: object) -> Survey:
    survey = (
        Survey.objects.filter(
            city=city, uuid=_as_uuid(survey_uuid), summary_published_at__isnull=False
        )
        .select_related("city")
        .first()
    )
    if survey is None:
        raise Http404
    return survey


def survey_public_quotes(*, survey: Survey) -> list[Testimony]:
    """The quotes the lead chose for the public summary that may still be quoted:
    a withdrawn consent or a new edit awaiting review removes one at once."""
    return [t for t in survey.summary_quotes.order_by("created_at") if t.is_quotable()]


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class ResultFilters:
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    language: str = ""


def response_list(
    *, survey: Survey, filters: ResultFilters | None = None
) -> QuerySet[SurveyResponse]:
    qs = SurveyResponse.objects.filter(survey=survey)
    filters = filters or ResultFilters()
    if filters.date_from:
        qs = qs.filter(submitted_at__date__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(submitted_at__date__lte=filters.date_to)
    if filters.language:
        qs = qs.filter(language=filters.language)
    return qs.order_by("submitted_at", "id")


@dataclass
class ResultRow:
    key: str
    label: str
    count: int | None
    percent: float | None
    suppressed: bool = False


@dataclass
class QuestionResult:
    question: SurveyQuestion
    label: str
    answered: int | None
    rows: list[ResultRow] = field(default_factory=list)
    samples: list[str] = field(default_factory=list)
    suppressed: bool = False

    @property
    def is_text(self) -> bool:
        return self.question.is_text

    @property
    def is_multi(self) -> bool:
        return self.question.is_multi


@dataclass
class SurveyResults:
    total: int | None
    questions: list[QuestionResult]
    suppressed: bool = False


def survey_results(
    *,
    survey: Survey,
    questions: Sequence[SurveyQuestion],
    source: survey_logic.OptionSource,
    language: str,
    filters: ResultFilters | None = None,
    samples: int = 3,
) -> SurveyResults:
    """Counts and percentages per option of every choice question, and how many answered
    each question. A percentage is of the people who answered that question (for multiple
    choice they add up to more than 100)."""
    answers_list: list[dict[str, Any]] = list(
        response_list(survey=survey, filters=filters).values_list("answers", flat=True)
    )
    results: list[QuestionResult] = []
    for question in questions:
        key = str(question.uuid)
        counter: Counter[str] = Counter()
        answered = 0
        texts: list[str] = []
        for answers in answers_list:
            value = answers.get(key)
            if value in (None, "", []):
                continue
            answered += 1
            if question.is_text:
                if len(texts) < samples:
                    texts.append(str(value))
            elif isinstance(value, list):
                counter.update(str(v) for v in value)
            else:
                counter[str(value)] += 1
        rows = []
        if not question.is_text:
            options = survey_logic.question_options(
                question, language, source, include_retired=True
            )
            known = {k for k, _label in options}
            options += [(k, k) for k in counter if k not in known]
            for option_key, label in options:
                # Retired options nobody chose don't need a row.
                if option_key not in counter and _retired(question, option_key, source):
                    continue
                count = counter.get(option_key, 0)
                rows.append(
                    ResultRow(
                        option_key,
                        label,
                        count,
                        round(100 * count / answered, 1) if answered else 0.0,
                    )
                )
        results.append(
            QuestionResult(
                question=question,
                label=question.display_label(language),
                answered=answered,
                rows=rows,
                samples=texts,
            )
        )
    return SurveyResults(total=len(answers_list), questions=results)


def _retired(question: SurveyQuestion, key: str, source: survey_logic.OptionSource) -> bool:
    pool = (
        source.themes
        if question.kind == QuestionKind.THEME
        else source.neighborhoods
        if question.kind == QuestionKind.NEIGHBORHOOD
        else []
    )
    return any(o.key == key and not o.active for o in pool)


def suppress_small_counts(results: SurveyResults) -> SurveyResults:
    """The public version of `results`: no free text, and every count under 5 (zero
    included) hidden as "fewer than 5".

    For a single-answer question the counts add up to the number who answered, so one
    hidden count could be worked out from the others: the next smallest is hidden too.
    """
    public: list[QuestionResult] = []
    for result in results.questions:
        if result.is_text:
            public.append(
                QuestionResult(
                    question=result.question,
                    label=result.label,
                    answered=_shown(result.answered),
                    suppressed=not _shown(result.answered),
                )
            )
            continue
        answered = result.answered or 0
        if answered < SMALL_COUNT:
            public.append(
                QuestionResult(
                    question=result.question, label=result.label, answered=None, suppressed=True
                )
            )
            continue
        rows = [
            ResultRow(r.key, r.label, r.count, r.percent, suppressed=(r.count or 0) < SMALL_COUNT)
            for r in result.rows
        ]
        hidden = [r for r in rows if r.suppressed]
        if not result.is_multi and len(hidden) == 1:
            visible = sorted((r for r in rows if not r.suppressed), key=lambda r: r.count or 0)
            if visible:
                visible[0].suppressed = True
        for row in rows:
            if row.suppressed:
                row.count = None
                row.percent = None
        public.append(
            QuestionResult(
                question=result.question, label=result.label, answered=answered, rows=rows
            )
        )
    total = results.total or 0
    return SurveyResults(
        total=total if total >= SMALL_COUNT else None,
        questions=public,
        suppressed=total < SMALL_COUNT,
    )


def _shown(count: int | None) -> int | None:
    return count if count is not None and count >= SMALL_COUNT else None


def text_answer_list(
    *,
    survey: Survey,
    question: SurveyQuestion,
    filters: ResultFilters | None = None,
    query: str = "",
) -> QuerySet[SurveyResponse]:
    """Responses with an answer to a free-text question, newest first, with the answer
    as `answer_text`; `query` matches it case-insensitively."""
    qs = (
        response_list(survey=survey, filters=filters)
        .annotate(answer_text=KT(f"answers__{question.uuid}"))
        .exclude(answer_text__isnull=True)
        .exclude(answer_text="")
    )
    if query:
        qs = qs.filter(answer_text__icontains=query)
    return qs.order_by("-submitted_at", "-id")


def promoted_testimony_map(*, survey: Survey, question: SurveyQuestion) -> dict[int, Testimony]:
    """Response id → the testimony its answer to `question` was promoted to."""
    rows = Testimony.objects.filter(
        city=survey.city, survey_response__survey=survey, survey_question=question
    )
    return {t.survey_response_id: t for t in rows if t.survey_response_id is not None}


def promoted_testimony_list(*, survey: Survey) -> list[Testimony]:
    """Every testimony promoted from this survey, oldest first (for choosing quotes)."""
    return list(
        Testimony.objects.filter(city=survey.city, survey_response__survey=survey)
        .select_related("survey_response")
        .order_by("created_at")
    )
