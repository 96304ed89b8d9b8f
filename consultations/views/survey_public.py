"""The resident's survey (no login) and a city's published survey summary.

The submit path is kept cheap, because it is the one residents hit in bursts: two reads
(the survey and its questions, plus themes or neighborhoods only if asked), one Redis
round trip that fails open, and one insert in one transaction. Nothing is queued.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from cities import selectors as city_selectors
from consultations import selectors, services, survey_logic
from consultations.forms.public_survey import (
    HONEYPOT,
    SurveyAnswerForm,
    token_make,
    token_read,
)
from consultations.models import PublicState, Survey
from upr_portal.http import client_ip
from upr_portal.lib import ratelimit

UI_LANGUAGES = ("en", "es")


def _pick_language(request: HttpRequest, available: list[str]) -> str:
    """The survey language: the one the form carries, else `?lang=`, else the browser's
    (Accept-Language or the site's language cookie), else English."""
    for candidate in (
        request.POST.get("language"),
        request.GET.get("lang"),
        getattr(request, "LANGUAGE_CODE", None),
    ):
        code = (candidate or "").strip().lower()
        if code in available:
            return code
        if code[:2] in available:
            return code[:2]
    return available[0] if available else "en"


def _activate(language: str) -> None:
    # The page's own words (buttons, errors) follow the survey language when the portal
    # has it; other survey languages get the survey's texts with English around them.
    translation.activate(language if language in UI_LANGUAGES else "en")


def _page(
    request: HttpRequest,
    survey: Survey,
    form: SurveyAnswerForm,
    *,
    language: str,
    languages: list[str],
    preview: bool = False,
    notice: str = "",
    status: int = 200,
) -> HttpResponse:
    items = form.items()
    return render(
        request,
        "consultations/public/survey_form.html",
        {
            "survey": survey,
            "city": survey.city,
            "form": form,
            "items": items,
            "error_links": form.error_links(items) if form.is_bound else [],
            "language": language,
            "survey_languages": [(code, survey_logic.language_name(code)) for code in languages],
            "title": survey.text("title", language),
            "introduction": survey.text("introduction", language),
            "consent_statement": survey.text("consent_statement", language),
            "preview": preview,
            "notice": notice,
            "honeypot": HONEYPOT,
        },
        status=status,
    )


def _closed(request: HttpRequest, survey: Survey, state: str, language: str) -> HttpResponse:
    return render(
        request,
        "consultations/public/survey_closed.html",
        {
            "survey": survey,
            "city": survey.city,
            "state": state,
            "title": survey.text("title", language),
            "language": language,
        },
    )


def _missing(request: HttpRequest) -> HttpResponse:
    return render(request, "consultations/public/survey_missing.html", status=404)


def render_survey_form(request: HttpRequest, survey: Survey, *, preview: bool) -> HttpResponse:
    """The team's preview: any language of the survey, drafts included, nothing sent."""
    questions = selectors.question_list(survey=survey)
    source = selectors.survey_option_source(city=survey.city, questions=questions)
    language = _pick_language(request, list(survey.languages))
    _activate(language)
    form = SurveyAnswerForm(survey=survey, questions=questions, language=language, source=source)
    return _page(
        request,
        survey,
        form,
        language=language,
        languages=list(survey.languages),
        preview=preview,
    )


@require_http_methods(["GET", "POST"])
def survey_respond(request: HttpRequest, survey_uuid: str) -> HttpResponse:
    try:
        survey = selectors.survey_get_public(survey_uuid=survey_uuid)
    except Http404:
        return _missing(request)
    questions = selectors.question_list(survey=survey)
    languages = survey_logic.complete_languages(
        survey, survey_logic.missing_translations(survey, questions)
    )
    language = _pick_language(request, languages)
    _activate(language)
    # The form this POST carries, read once: None for a GET, a forged or a stale form.
    token = (
        token_read(survey, request.POST.get("token", ""), max_age=settings.SURVEY_FORM_MAX_AGE)
        if request.method == "POST"
        else None
    )
    state = survey.public_state()
    # A resident who opened the form before the survey closed can still send it: their
    # answers are not lost because the team closed it meanwhile. (A full survey is full.)
    late = state == PublicState.CLOSED and token is not None
    if state != PublicState.ACCEPTING and not late:
        if token is not None and selectors.response_exists(
            survey=survey, submission_id=token.submission_id
        ):
            # A second tap after the first one took the last place.
            return _to_thanks(survey, language)
        return _closed(request, survey, state, language)
    source = selectors.survey_option_source(city=survey.city, questions=questions)
    kwargs: dict[str, Any] = {
        "survey": survey,
        "questions": questions,
        "language": language,
        "source": source,
    }
    if request.method != "POST":
        form = SurveyAnswerForm(initial={"token": token_make(survey)}, **kwargs)
        return _page(request, survey, form, language=language, languages=languages)

    if token is None:
        # Tampered with, or open for days: a fresh token, the answers kept.
        data = request.POST.copy()
        data["token"] = token_make(survey)
        form = SurveyAnswerForm(data, **kwargs)
        form.is_valid()
        notice = _("This page was open for a long time. Check your answers and send them again.")
        return _page(
            request, survey, form, language=language, languages=languages, notice=notice, status=422
        )
    form = SurveyAnswerForm(request.POST, **kwargs)
    if not form.is_valid():
        return _page(request, survey, form, language=language, languages=languages, status=422)
    if time.time() - token.served_at < settings.SURVEY_MIN_FILL_SECONDS:
        notice = _("That was quick! Please check your answers, then send them again.")
        return _page(
            request, survey, form, language=language, languages=languages, notice=notice, status=422
        )
    verdict = ratelimit.hit(
        redis_url=settings.RATE_LIMIT_REDIS_URL,
        scope=f"survey:{survey.uuid}",
        key=client_ip(request),
        secret=str(settings.SECRET_KEY),
        limit=settings.SURVEY_RATE_LIMIT,
        window_seconds=settings.SURVEY_RATE_LIMIT_WINDOW,
    )
    if verdict is ratelimit.Verdict.LIMITED:
        notice = _(
            "Many answers were sent from this network in the last few minutes. Your answers "
            "are still here: wait a few minutes, then send them again."
        )
        return _page(
            request, survey, form, language=language, languages=languages, notice=notice, status=429
        )
    try:
        services.survey_response_submit(
            survey=survey,
            submission_id=token.submission_id,
            language=language,
            answers=form.answers,
            rate_limit_checked=verdict is ratelimit.Verdict.ALLOWED,
            after_close=late,
        )
    except services.SurveyFull:
        return _closed(request, survey, PublicState.FULL, language)
    return _to_thanks(survey, language)


def _to_thanks(survey: Survey, language: str) -> HttpResponse:
    # 303: the browser follows with a GET, so a reload can't send the answers again.
    thanks = HttpResponseRedirect(
        reverse("survey_public:thanks", args=[survey.uuid]) + f"?lang={language}"
    )
    thanks.status_code = 303
    return thanks


@require_GET
def survey_thanks(request: HttpRequest, survey_uuid: str) -> HttpResponse:
    try:
        survey = selectors.survey_get_public(survey_uuid=survey_uuid)
    except Http404:
        return _missing(request)
    language = _pick_language(request, list(survey.languages))
    _activate(language)
    return render(
        request,
        "consultations/public/survey_thanks.html",
        {
            "survey": survey,
            "city": survey.city,
            "title": survey.text("title", language),
            "language": language,
        },
    )


@require_GET
def survey_summary_public(request: HttpRequest, slug: str, survey_uuid: str) -> HttpResponse:
    """Aggregates only, small counts suppressed, and only the quotes the lead chose."""
    city = city_selectors.city_get_public(slug=slug)
    survey = selectors.survey_summary_get_public(city=city, survey_uuid=survey_uuid)
    language = (translation.get_language() or "en")[:2]
    questions = selectors.question_list(survey=survey)
    source = selectors.survey_option_source(city=city, questions=questions, include_retired=True)
    results = selectors.suppress_small_counts(
        selectors.survey_results(
            survey=survey, questions=questions, source=source, language=language
        )
    )
    return render(
        request,
        "consultations/public/survey_summary.html",
        {
            "city": city,
            "survey": survey,
            "title": survey.text("title", language),
            "results": results,
            "quotes": selectors.survey_public_quotes(survey=survey),
        },
    )
