"""The survey builder, results, exports, promotion and the public summary (city team)."""

from __future__ import annotations

import io
from typing import Any

import segno
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cities import selectors as city_selectors
from cities.forms import add_service_errors
from cities.permissions import Capability, CityAccess, city_capability_required
from consultations import selectors, services, survey_logic
from consultations.forms.surveys import (
    AnswerSearchForm,
    NeighborhoodsForm,
    PromoteForm,
    QuestionForm,
    ResultFilterForm,
    SummaryPublishForm,
    SurveyForm,
)
from consultations.models import QuestionKind, Survey
from consultations.views.survey_public import render_survey_form


def _lang() -> str:
    return (get_language() or "en")[:2]


def _context(access: CityAccess, survey: Survey | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "access": access,
        "city": access.city,
        "survey": survey,
        "can_edit": access.can(Capability.EDIT_EVIDENCE),
        "can_publish": access.can(Capability.PUBLISH),
        **extra,
    }


def _to_detail(survey: Survey) -> HttpResponse:
    return redirect(
        "consultations:survey_detail", city_uuid=survey.city.uuid, survey_uuid=survey.uuid
    )


def public_link(request: HttpRequest, survey: Survey) -> str:
    return request.build_absolute_uri(reverse("survey_public:respond", args=[survey.uuid]))


# --------------------------------------------------------------------------- surveys


@city_capability_required(Capability.VIEW_EVIDENCE)
def survey_list(request: HttpRequest, access: CityAccess) -> HttpResponse:
    page = Paginator(selectors.survey_list_for_city(city=access.city), 25).get_page(
        request.GET.get("page")
    )
    return render(request, "consultations/survey_list.html", _context(access, page=page))


@city_capability_required(Capability.EDIT_EVIDENCE)
def survey_create(request: HttpRequest, access: CityAccess) -> HttpResponse:
    cycle = city_selectors.cycle_get_current()
    if cycle is None:
        messages.error(
            request, _("There is no current review cycle yet. Ask a national coordinator.")
        )
        return redirect("consultations:survey_list", city_uuid=access.city.uuid)
    form = SurveyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            survey = services.survey_create(
                actor=request.user,  # type: ignore[arg-type]
                city=access.city,
                cycle=cycle,
                **form.service_fields(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The survey was created. Now add its questions."))
            return _to_detail(survey)
    return render(
        request,
        "consultations/survey_form.html",
        _context(access, form=form, title=_("New survey")),
        status=422 if form.errors else 200,
    )


@city_capability_required(Capability.VIEW_EVIDENCE)
def survey_detail(request: HttpRequest, access: CityAccess, survey_uuid: str) -> HttpResponse:
    survey = selectors.survey_get_for_city(city=access.city, survey_uuid=survey_uuid)
    questions = selectors.question_list(survey=survey)
    missing = survey_logic.missing_translations(survey, questions)
    _add_rule_notes(survey, questions)
    return render(
        request,
        "consultations/survey_detail.html",
        _context(
            access,
            survey,
            questions=questions,
            missing=missing,
            missing_by_language=_group_missing(missing),
            problems=services.survey_open_problems(survey, questions),
            has_responses=selectors.survey_has_responses(survey=survey),
            response_total=selectors.response_list(survey=survey).count(),
            public_state=survey.public_state(),
            public_url=public_link(request, survey),
        ),
    )


def _add_rule_notes(survey: Survey, questions: list[Any]) -> None:
    """Each question with a show-if rule gets `rule_note`, naming the question and answer."""
    by_id = {q.pk: q for q in questions}
    ruled = [q for q in questions if q.show_if_question_id in by_id]
    if not ruled:
        return
    source = selectors.survey_option_source(
        city=survey.city, questions=questions, include_retired=True
    )
    for question in ruled:
        controller = by_id[question.show_if_question_id]
        options = dict(
            survey_logic.question_options(controller, _lang(), source, include_retired=True)
        )
        question.rule_note = _("Shown only if question %(number)s is answered “%(option)s”.") % {
            "number": controller.position,
            "option": options.get(question.show_if_value, question.show_if_value),
        }


def _group_missing(
    missing: list[survey_logic.MissingText],
) -> list[tuple[str, bool, list[str]]]:
    """`(language name, blocks opening, [where])` per language with something missing."""
    out: dict[str, tuple[str, bool, list[str]]] = {}
    for item in missing:
        entry = out.setdefault(
            item.language,
            (item.language_name, bool(survey_logic.blocking_translations([item])), []),
        )
        entry[2].append(item.where)
    return list(out.values())


@city_capability_required(Capability.EDIT_EVIDENCE)
def survey_edit(request: HttpRequest, access: CityAccess, survey_uuid: str) -> HttpResponse:
    survey = selectors.survey_get_for_city(city=access.city, survey_uuid=survey_uuid)
    form = SurveyForm(request.POST or None, survey=survey)
    if request.method == "POST" and form.is_valid():
        try:
            services.survey_update(
                actor=request.user,  # type: ignore[arg-type]
                survey=survey,
                **form.service_fields(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The survey was saved."))
            return _to_detail(survey)
    return render(
        request,
        "consultations/survey_form.html",
        _context(access, survey, form=form, title=_("Edit survey")),
        status=422 if form.errors else 200,
    )


@city_capability_required(Capability.EDIT_EVIDENCE)
@require_POST
def survey_status(request: HttpRequest, access: CityAccess, survey_uuid: str) -> HttpResponse:
    survey = selectors.survey_get_for_city(city=access.city, survey_uuid=survey_uuid)
    action = request.POST.get("action")
    actor = request.user
    try:
        if action == "open":
            services.survey_open(actor=actor, survey=survey)  # type: ignore[arg-type]
            messages.success(request, _("The survey is open. Share its link or QR code."))
        elif action == "close":
            services.survey_close(actor=actor, survey=survey)  # type: ignore[arg-type]
            messages.success(request, _("The survey is closed. It takes no more responses."))
        else:
            messages.error(request, _("Choose to open or close the survey."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return _to_detail(survey)


@city_capability_required(Capability.EDIT_EVIDENCE)
@require_POST
def survey_copy(request: HttpRequest, access: CityAccess, survey_uuid: str) -> HttpResponse:
    survey = selectors.survey_get_for_city(city=access.city, survey_uuid=survey_uuid)
    copy = services.survey_copy(actor=request.user, survey=survey)  # type: ignore[arg-type]
    messages.success(
        request,
        _("This is version %(version)s, a draft copy. Change it, then open it.")
        % {"version": copy.version},
    )
    return _to_detail(copy)


@city_capability_required(Capability.EDIT_EVIDENCE)
def survey_delete(request: HttpRequest, access: CityAccess, survey_uuid: str) -> HttpResponse:
    survey = selectors.survey_get_for_city(city=access.city, survey_uuid=survey_uuid)
    if request.method == "POST":
        try:
            services.survey_delete(actor=request.user, survey=survey)  # type: ignore[arg-type]
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return _to_detail(survey)
        messages.success(request, _("The survey was deleted."))
        return redirect("consultations:survey_list", city_uuid=access.city.uuid)
    return render(
        request,
        "consultations/survey_delete.html",
        _context(access, survey, has_responses=selectors.survey_has_responses(survey=survey)),
    )


@city_capability_required(Capability.VIEW_EVIDENCE)
@require_GET
def survey_preview(request: HttpRequest, access: CityAccess, survey_uuid: str) -> HttpResponse:
    """The resident's form exactly as it will look, in any of the survey's languages,
    with nothing sent."""
    survey = selectors.survey_get_for_city(city=access.city, survey_uuid=survey_uuid)
    return render_survey_form(request, survey, preview=True)


@city_capability_required(Capability.VIEW_EVIDENCE)
@require_GET
def survey_qr(request: HttpRequest, access: CityAccess, survey_uuid: str, fmt: str) -> HttpResponse:
    """The public link as a QR code for flyers, as SVG (print) or PNG (documents)."""
    survey = selectors.survey_get_for_city(city=access.city, survey_uuid=survey_uuid)
    code = segno.make(public_link(request, survey), error="m")
    out = io.BytesIO()
    if fmt == "svg":
        code.save(out, kind="svg", scale=8, border=4, title=_("Survey link"))
        content_type = "image/svg+xml"
    elif fmt == "png":
        code.save(out, kind="png", scale=12, border=4)
        content_type = "image/png"
    else:
        raise Http404
    response = HttpResponse(out.getvalue(), content_type=content_type)
    if request.GET.get("download"):
        response["Content-Disposition"] = (
            f'attachment; filename="survey-{survey.short_ref.lower()}-qr.{fmt}"'
        )
    return response


# --------------------------------------------------------------------------- questions


def _question_form(
    request: HttpRequest, survey: Survey, question: Any = None
) -> tuple[QuestionForm, bool]:
    questions = selectors.question_list(survey=survey)
    earlier = [q for q in questions if question is None or q.position < question.position]
    locked = selectors.survey_has_responses(survey=survey)
    # Retired themes and neighborhoods too: an existing rule may point at one.
    source = selectors.survey_option_source(
        city=survey.city, questions=earlier, include_retired=True
    )
    form = QuestionForm(
        request.POST or None,
        survey=survey,
        earlier=earlier,
        source=source,
        question=question,
        locked=locked,
    )
    return form, locked


@city_capability_required(Capability.EDIT_EVIDENCE)
def question_create(request: HttpRequest, access: CityAccess, survey_uuid: str) -> HttpResponse:
    survey = selectors.survey_get_for_city(city=access.city, survey_uuid=survey_uuid)
    form, locked = _question_form(request, survey)
    if locked:
        messages.error(
            request,
            _("This survey already has responses. Copy it to a new version to add questions."),
        )
        return _to_detail(survey)
    if request.method == "POST" and form.is_valid():
        try:
            services.question_create(
                actor=request.user,  # type: ignore[arg-type]
                survey=survey,
                **form.service_fields(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The question was added."))
            return _to_detail(survey)
    return render(
        request,
        "consultations/question_form.html",
        _context(access, survey, form=form, title=_("New question"), kinds=QuestionKind),
        status=422 if form.errors else 200,
    )


@city_capability_required(Capability.EDIT_EVIDENCE)
def question_edit(
    request: HttpRequest, access: CityAccess, survey_uuid: str, question_uuid: str
) -> HttpResponse:
    survey = selectors.survey_get_for_city(city=access.city, survey_uuid=survey_uuid)
    question = selectors.question_get_for_survey(survey=survey, question_uuid=question_uuid)
    form, locked = _question_form(request, survey, question)
    if request.method == "POST" and form.is_valid():
        try:
            services.question_update(
                actor=request.user,  # type: ignore[arg-type]
                question=question,
                **form.service_fields(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The question was saved."))
            return _to_detail(survey)
    return render(
        request,
        "consultations/question_form.html",
        _context(
            access,
            survey,
            form=form,
            question=question,
            locked=locked,
            title=_("Edit question %(number)s") % {"number": question.position},
            kinds=QuestionKind,
        ),
        status=422 if form.errors else 200,
    )


@city_capability_required(Capability.EDIT_EVIDENCE)
def question_delete(
    request: HttpRequest, access: CityAccess, survey_uuid: str, question_uuid: str
) -> HttpResponse:
    survey = selectors.survey_get_for_city(city=access.city, survey_uuid=survey_uuid)
    question = selectors.question_get_for_survey(survey=survey, question_uuid=question_uuid)
    if request.method == "POST":
        try:
            services.question_delete(actor=request.user, question=question)  # type: ignore[arg-type]
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The question was removed."))
        return _to_detail(survey)
    return render(
        request,
        "consultations/question_delete.html",
        _context(access, survey, question=question),
    )


@city_capability_required(Capability.EDIT_EVIDENCE)
@require_POST
def question_move(
    request: HttpRequest, access: CityAccess, survey_uuid: str, question_uuid: str
) -> HttpResponse:
    survey = selectors.survey_get_for_city(city=access.city, survey_uuid=survey_uuid)
    question = selectors.question_get_for_survey(survey=survey, question_uuid=question_uuid)
    try:
        services.question_move(
            actor=request.user,  # type: ignore[arg-type]
            question=question,
            up=request.POST.get("direction") != "down",
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    url = reverse(
        "consultations:survey_detail",
        kwargs={"city_uuid": access.city.uuid, "survey_uuid": survey.uuid},
    )
    return redirect(f"{url}#question-{question.uuid}")


# --------------------------------------------------------------------------- results


@city_capability_required(Capability.VIEW_EVIDENCE)
@require_GET
def survey_results(request: HttpRequest, access: CityAccess, survey_uuid: str) -> HttpResponse:
    survey = selectors.survey_get_for_city(city=access.city, survey_uuid=survey_uuid)
    form = ResultFilterForm(request.GET or None, survey=survey)
    filters = form.filters()
    questions = selectors.question_list(survey=survey)
    source = selectors.survey_option_source(
        city=access.city, questions=questions, include_retired=True
    )
    results = selectors.survey_results(
        survey=survey, questions=questions, source=source, language=_lang(), filters=filters
    )
    return render(
        request,
        "consultations/survey_results.html",
        _context(
            access,
            survey,
            filter_form=form,
            results=results,
            query_string=request.GET.urlencode(),
        ),
        status=422 if form.errors else 200,
    )


@city_capability_required(Capability.VIEW_EVIDENCE)
@require_GET
def survey_answers(
    request: HttpRequest, access: CityAccess, survey_uuid: str, question_uuid: str
) -> HttpResponse:
    """Every answer to one free-text question, searchable, 50 a page."""
    survey = selectors.survey_get_for_city(city=access.city, survey_uuid=survey_uuid)
    question = selectors.question_get_for_survey(survey=survey, question_uuid=question_uuid)
    if not question.is_text:
        raise Http404
    form = AnswerSearchForm(request.GET or None, survey=survey)
    query = form.cleaned_data.get("q", "") if form.is_valid() else ""
    answers = selectors.text_answer_list(
        survey=survey, question=question, filters=form.filters(), query=query.strip()
    )
    page = Paginator(answers, 50).get_page(request.GET.get("page"))
    promoted = selectors.promoted_testimony_map(survey=survey, question=question)
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "consultations/survey_answers.html",
        _context(
            access,
            survey,
            question=question,
            filter_form=form,
            page=page,
            promoted=promoted,
            query=query,
            query_string=params.urlencode(),
        ),
    )


def _export(request: HttpRequest, access: CityAccess, survey_uuid: str, fmt: str) -> HttpResponse:
    survey = selectors.survey_get_for_city(city=access.city, survey_uuid=survey_uuid)
    filters = ResultFilterForm(request.GET or None, survey=survey).filters()
    questions = selectors.question_list(survey=survey)
    body = services.survey_export(
        actor=request.user,  # type: ignore[arg-type]
        survey=survey,
        questions=questions,
        responses=selectors.response_list(survey=survey, filters=filters),
        source=selectors.survey_option_source(
            city=access.city, questions=questions, include_retired=True
        ),
        language=_lang(),
        fmt=fmt,
    )
    content_type = {
        "csv": "text/csv; charset=utf-8",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }[fmt]
    response = HttpResponse(body, content_type=content_type)
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = (
        f'attachment; filename="{access.city.slug}-survey-{survey.short_ref.lower()}-'
        f'v{survey.version}-{stamp}.{fmt}"'
    )
    return response


@city_capability_required(Capability.EDIT_EVIDENCE)
@require_GET
def survey_export_csv(request: HttpRequest, access: CityAccess, survey_uuid: str) -> HttpResponse:
    return _export(request, access, survey_uuid, "csv")


@city_capability_required(Capability.EDIT_EVIDENCE)
@require_GET
def survey_export_xlsx(request: HttpRequest, access: CityAccess, survey_uuid: str) -> HttpResponse:
    return _export(request, access, survey_uuid, "xlsx")


@city_capability_required(Capability.EDIT_EVIDENCE)
def answer_promote(
    request: HttpRequest,
    access: CityAccess,
    survey_uuid: str,
    response_uuid: str,
    question_uuid: str,
) -> HttpResponse:
    survey = selectors.survey_get_for_city(city=access.city, survey_uuid=survey_uuid)
    question = selectors.question_get_for_survey(survey=survey, question_uuid=question_uuid)
    response = selectors.response_get_for_survey(survey=survey, response_uuid=response_uuid)
    if not question.is_text or not response.answer(question):
        raise Http404
    existing = selectors.promoted_testimony_map(survey=survey, question=question).get(response.pk)
    if existing is not None:
        messages.info(request, _("This answer is already a testimony."))
        return redirect(
            "consultations:testimony_detail",
            city_uuid=access.city.uuid,
            testimony_uuid=existing.uuid,
        )
    questions = selectors.question_list(survey=survey)
    form = PromoteForm(request.POST or None, initial=_promote_initial(survey, questions, response))
    if request.method == "POST" and form.is_valid():
        try:
            testimony = services.answer_promote(
                actor=request.user,  # type: ignore[arg-type]
                response=response,
                question=question,
                **form.service_fields(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("The answer is now a draft testimony. Redact it and have it reviewed."),
            )
            return redirect(
                "consultations:testimony_detail",
                city_uuid=access.city.uuid,
                testimony_uuid=testimony.uuid,
            )
    consent = next(
        (
            response.answer(q)
            for q in questions
            if q.kind == QuestionKind.QUOTE_CONSENT and response.answer(q)
        ),
        None,
    )
    return render(
        request,
        "consultations/answer_promote.html",
        _context(
            access,
            survey,
            question=question,
            response=response,
            answer=response.answer(question),
            consent=consent,
            form=form,
        ),
        status=422 if form.errors else 200,
    )


def _promote_initial(survey: Survey, questions: list[Any], response: Any) -> dict[str, Any]:
    """Themes and neighborhood from the resident's own answers, when the survey asked."""
    initial: dict[str, Any] = {}
    source = selectors.survey_option_source(
        city=survey.city, questions=questions, include_retired=True
    )
    for question in questions:
        value = response.answer(question)
        if not value:
            continue
        if question.kind == QuestionKind.THEME:
            initial["themes"] = city_selectors.theme_list(active_only=True).filter(slug__in=value)
        elif question.kind == QuestionKind.NEIGHBORHOOD:
            names = dict(
                survey_logic.question_options(question, "en", source, include_retired=True)
            )
            initial["area"] = names.get(str(value), "")
    return initial


@city_capability_required(Capability.PUBLISH)
def survey_summary(request: HttpRequest, access: CityAccess, survey_uuid: str) -> HttpResponse:
    """The city lead chooses the quotes and publishes (or withdraws) the public summary."""
    survey = selectors.survey_get_for_city(city=access.city, survey_uuid=survey_uuid)
    promoted = selectors.promoted_testimony_list(survey=survey)
    quotable = [t for t in promoted if t.is_quotable()]
    form = SummaryPublishForm(
        request.POST or None,
        quotable=quotable,
        initial={"quotes": [t.pk for t in survey.summary_quotes.all()]},
    )
    if request.method == "POST":
        if request.POST.get("action") == "unpublish":
            services.survey_summary_unpublish(actor=request.user, survey=survey)  # type: ignore[arg-type]
            messages.success(request, _("The public summary was taken down."))
            return _to_detail(survey)
        if form.is_valid():
            try:
                services.survey_summary_publish(
                    actor=request.user,  # type: ignore[arg-type]
                    survey=survey,
                    quotes=form.cleaned_data["quotes"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The public summary is published."))
                return _to_detail(survey)
    questions = selectors.question_list(survey=survey)
    source = selectors.survey_option_source(
        city=access.city, questions=questions, include_retired=True
    )
    results = selectors.suppress_small_counts(
        selectors.survey_results(
            survey=survey, questions=questions, source=source, language=_lang()
        )
    )
    return render(
        request,
        "consultations/survey_summary.html",
        _context(
            access,
            survey,
            form=form,
            results=results,
            promoted=promoted,
            quotable=quotable,
        ),
        status=422 if form.errors else 200,
    )


# --------------------------------------------------------------------------- neighborhoods


@city_capability_required(Capability.EDIT_EVIDENCE)
def neighborhoods(request: HttpRequest, access: CityAccess) -> HttpResponse:
    current = selectors.neighborhood_list(city=access.city, active_only=False)
    form = NeighborhoodsForm(
        request.POST or None,
        initial={"names": "\n".join(n.name for n in current if n.is_active)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.neighborhoods_set(
                actor=request.user,  # type: ignore[arg-type]
                city=access.city,
                **form.service_fields(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The neighborhood list was saved."))
            return redirect("consultations:neighborhoods", city_uuid=access.city.uuid)
    return render(
        request,
        "consultations/neighborhoods.html",
        _context(access, form=form, retired=[n for n in current if not n.is_active]),
        status=422 if form.errors else 200,
    )
