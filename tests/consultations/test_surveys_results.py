"""Survey results: counts and percentages, small counts suppressed for the public,
exports neutralised against spreadsheet formulas, free-text answers promoted to
testimony, and the public summary with the quotes the lead chose."""

from __future__ import annotations

import csv
import datetime
import io

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cities.models import AuditAction, AuditEvent
from consultations import selectors, services
from consultations.models import (
    ConsentLevel,
    ConsentMethod,
    QuestionKind,
    ReviewStatus,
    Source,
    SurveyResponse,
    Testimony,
)
from consultations.selectors import ResultFilters, SurveyResults
from tests.factories import SurveyResponseFactory, TestimonyFactory, choice, seeded_theme

pytestmark = pytest.mark.django_db

K = QuestionKind
INJECTIONS = [
    '=HYPERLINK("http://evil.example","click")',
    "+1+1",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
]


def _respond(survey, count: int, answers: dict, **fields) -> list[SurveyResponse]:
    """`count` responses with these answers ({question: value})."""
    stored = {str(q.uuid): v for q, v in answers.items()}
    return [SurveyResponseFactory(survey=survey, answers=stored, **fields) for _ in range(count)]


def _results(survey, questions, **kwargs) -> SurveyResults:
    source = selectors.survey_option_source(
        city=survey.city, questions=questions, include_retired=True
    )
    return selectors.survey_results(
        survey=survey, questions=questions, source=source, language="en", **kwargs
    )


def _rows(result) -> dict[str, tuple[int | None, float | None]]:
    return {row.key: (row.count, row.percent) for row in result.rows}


def _hidden(result) -> set[str]:
    return {row.key for row in result.rows if row.suppressed}


# --------------------------------------------------------------------------- results


def test_results_count_each_option_of_the_people_who_answered(world, make_survey):
    survey, questions = make_survey(K.SINGLE, K.MULTIPLE, K.RATING, K.SHORT_TEXT)
    single, multi, rating, text = questions
    _respond(survey, 3, {single: "a", multi: ["a", "b"], rating: "5", text: "More buses"})
    _respond(survey, 1, {single: "b", multi: ["b"], rating: "1", text: ""})
    _respond(survey, 1, {})
    results = _results(survey, questions)
    assert results.total == 5
    by_question = {r.question: r for r in results.questions}
    assert by_question[single].answered == 4
    assert _rows(by_question[single]) == {"a": (3, 75.0), "b": (1, 25.0)}
    # Multiple choice: each percentage of those who answered; they add up past 100.
    assert _rows(by_question[multi]) == {"a": (3, 75.0), "b": (4, 100.0)}
    assert _rows(by_question[rating]) == {
        "1": (1, 25.0),
        "2": (0, 0.0),
        "3": (0, 0.0),
        "4": (0, 0.0),
        "5": (3, 75.0),
    }
    assert by_question[text].answered == 3
    assert by_question[text].samples == ["More buses"] * 3
    assert by_question[text].rows == []


def test_results_label_an_answer_whose_option_is_gone(world, make_survey):
    survey, (single,) = make_survey(K.SINGLE)
    _respond(survey, 1, {single: "a"})
    _respond(survey, 1, {single: "zz-old"})
    result = _results(survey, [single]).questions[0]
    assert [(r.key, r.label, r.count) for r in result.rows] == [
        ("a", "First option", 1),
        ("b", "Second", 0),
        ("zz-old", "zz-old", 1),
    ]


def test_results_filter_by_language_and_date(world, make_survey):
    survey, (yes_no,) = make_survey(K.YES_NO)
    today = timezone.now()
    _respond(survey, 2, {yes_no: "yes"}, language="en", submitted_at=today)
    _respond(survey, 3, {yes_no: "no"}, language="es", submitted_at=today)
    _respond(
        survey, 4, {yes_no: "no"}, language="en", submitted_at=today - datetime.timedelta(days=30)
    )
    spanish = _results(survey, [yes_no], filters=ResultFilters(language="es"))
    assert spanish.total == 3
    assert _rows(spanish.questions[0])["no"] == (3, 100.0)
    recent = _results(
        survey,
        [yes_no],
        filters=ResultFilters(date_from=timezone.localdate() - datetime.timedelta(days=1)),
    )
    assert recent.total == 5
    old = _results(
        survey,
        [yes_no],
        filters=ResultFilters(date_to=timezone.localdate() - datetime.timedelta(days=7)),
    )
    assert old.total == 4


def test_text_answers_are_listed_and_searched(world, make_survey):
    survey, (text, other) = make_survey(K.LONG_TEXT, K.LONG_TEXT)
    _respond(survey, 1, {text: "The BUS never comes", other: "bus"})
    _respond(survey, 1, {text: "Potholes", other: ""})
    _respond(survey, 1, {other: "Only the other question"})
    listed = selectors.text_answer_list(survey=survey, question=text)
    assert sorted(r.answer_text for r in listed) == ["Potholes", "The BUS never comes"]
    found = selectors.text_answer_list(survey=survey, question=text, query="bus")
    assert [r.answer_text for r in found] == ["The BUS never comes"]


# --------------------------------------------------------------------------- suppression


def test_small_counts_are_hidden_zero_included(world, make_survey):
    survey, (multi,) = make_survey(
        {"kind": K.MULTIPLE, "options": [choice("a", "A"), choice("b", "B"), choice("c", "C")]}
    )
    _respond(survey, 6, {multi: ["a", "b"]})
    _respond(survey, 4, {multi: ["a"]})
    public = selectors.suppress_small_counts(_results(survey, [multi]))
    assert public.total == 10 and not public.suppressed
    result = public.questions[0]
    assert result.answered == 10
    # Multiple choice: a hidden cell can't be worked out from the others, so only the
    # small ones go.
    assert _rows(result) == {"a": (10, 100.0), "b": (6, 60.0), "c": (None, None)}
    assert _hidden(result) == {"c"}


def test_a_single_hidden_cell_of_a_single_choice_hides_the_next_smallest(world, make_survey):
    survey, (single,) = make_survey(
        {"kind": K.SINGLE, "options": [choice("a", "A"), choice("b", "B"), choice("c", "C")]}
    )
    _respond(survey, 9, {single: "a"})
    _respond(survey, 6, {single: "b"})
    _respond(survey, 3, {single: "c"})
    raw = _results(survey, [single])
    assert _rows(raw.questions[0]) == {"a": (9, 50.0), "b": (6, 33.3), "c": (3, 16.7)}
    result = selectors.suppress_small_counts(raw).questions[0]
    assert result.answered == 18
    assert _hidden(result) == {"b", "c"}
    assert _rows(result) == {"a": (9, 50.0), "b": (None, None), "c": (None, None)}


def test_two_hidden_cells_need_no_more_hiding(world, make_survey):
    survey, (rating,) = make_survey(K.RATING)
    _respond(survey, 7, {rating: "4"})
    _respond(survey, 6, {rating: "5"})
    # 1, 2 and 3 are zero: three hidden cells, nothing can be worked out.
    result = selectors.suppress_small_counts(_results(survey, [rating])).questions[0]
    assert _hidden(result) == {"1", "2", "3"}
    assert _rows(result)["4"] == (7, 53.8)


def test_a_question_answered_by_fewer_than_five_is_hidden_whole(world, make_survey):
    survey, (yes_no, text, single) = make_survey(K.YES_NO, K.LONG_TEXT, K.SINGLE)
    _respond(survey, 4, {yes_no: "yes", text: "Secret story", single: "a"})
    _respond(survey, 6, {single: "a"})
    public = selectors.suppress_small_counts(_results(survey, [yes_no, text, single]))
    assert public.total == 10
    hidden_yes_no, hidden_text, shown = public.questions
    assert (hidden_yes_no.suppressed, hidden_yes_no.answered, hidden_yes_no.rows) == (
        True,
        None,
        [],
    )
    assert (hidden_text.suppressed, hidden_text.answered) == (True, None)
    assert not shown.suppressed and shown.answered == 10


def test_the_public_version_never_has_free_text(world, make_survey):
    survey, (text,) = make_survey(K.LONG_TEXT)
    _respond(survey, 8, {text: "My landlord, Mr. Smith at 12 Elm Street"})
    raw = _results(survey, [text])
    assert raw.questions[0].samples
    public = selectors.suppress_small_counts(raw)
    assert public.questions[0].samples == []
    assert public.questions[0].answered == 8
    assert "Smith" not in repr(public)


def test_a_total_under_five_is_hidden(world, make_survey):
    survey, (yes_no,) = make_survey(K.YES_NO)
    _respond(survey, 4, {yes_no: "yes"})
    public = selectors.suppress_small_counts(_results(survey, [yes_no]))
    assert (public.total, public.suppressed) == (None, True)
    assert public.questions[0].suppressed
    none = selectors.suppress_small_counts(_results(*make_survey(K.YES_NO)))
    assert (none.total, none.suppressed) == (None, True)


# --------------------------------------------------------------------------- exports


def _export(world, survey, questions, fmt: str) -> bytes:
    source = selectors.survey_option_source(
        city=survey.city, questions=questions, include_retired=True
    )
    return services.survey_export(
        actor=world.a.organizer,
        survey=survey,
        questions=questions,
        responses=selectors.response_list(survey=survey),
        source=source,
        language="en",
        fmt=fmt,
    )


@pytest.fixture
def risky(make_survey):
    """Responses whose answers and option labels would run as spreadsheet formulas."""
    survey, questions = make_survey(
        K.SHORT_TEXT,
        {"kind": K.SINGLE, "options": [choice("a", "=1+2"), choice("b", "Plain")]},
        K.YES_NO,
    )
    text, single, yes_no = questions
    for value in INJECTIONS:
        _respond(survey, 1, {text: value, single: "a", yes_no: "yes"})
    _respond(survey, 1, {text: "Just words", single: "b"})
    return survey, questions


def test_the_csv_export_neutralises_formulas(world, risky):
    survey, questions = risky
    body = _export(world, survey, questions, "csv")
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))
    header, *data = rows
    assert header[:4] == ["Response", "Submitted", "Language", "Flags"]
    assert header[4:] == [f"{q.position}. {q.label['en']}" for q in questions]
    assert len(data) == len(INJECTIONS) + 1
    texts_out = {row[4] for row in data}
    assert texts_out == {"'" + value for value in INJECTIONS} | {"Just words"}
    assert '\'=HYPERLINK("http://evil.example","click")' in texts_out
    assert {row[5] for row in data} == {"'=1+2", "Plain"}
    assert {row[6] for row in data} == {"Yes", ""}
    for row in data:
        assert not row[4].startswith(("=", "+", "-", "@", "\t", "\r"))
    event = AuditEvent.objects.get(action=AuditAction.SURVEY_EXPORTED)
    assert event.actor == world.a.organizer
    assert event.target_id == str(survey.uuid)
    assert event.details == {"format": "csv", "rows": len(data)}


def test_the_xlsx_export_neutralises_formulas(world, risky):
    survey, questions = risky
    body = _export(world, survey, questions, "xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    header, *data = rows
    assert header[4] == f"1. {questions[0].label['en']}"
    assert len(data) == len(INJECTIONS) + 1
    for row in sheet.iter_rows(min_row=2):
        assert all(cell.data_type != "f" for cell in row)
    texts_out = {row[4] for row in data}
    assert '\'=HYPERLINK("http://evil.example","click")' in texts_out
    assert "'+1+1" in texts_out and "'@SUM(A1:A2)" in texts_out
    assert {row[5] for row in data} == {"'=1+2", "Plain"}
    event = AuditEvent.objects.get(action=AuditAction.SURVEY_EXPORTED)
    assert event.details == {"format": "xlsx", "rows": len(data)}


def test_the_xlsx_export_drops_control_characters_then_neutralises(world, make_survey):
    survey, (text,) = make_survey(K.SHORT_TEXT)
    _respond(survey, 1, {text: "\x01=cmd|' /C calc'!A0"})
    body = _export(world, survey, [text], "xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    assert sheet.cell(row=2, column=5).value == "'=cmd|' /C calc'!A0"


def test_the_export_audit_holds_no_answer(world, risky):
    survey, questions = risky
    _export(world, survey, questions, "csv")
    event = AuditEvent.objects.get(action=AuditAction.SURVEY_EXPORTED)
    recorded = f"{event.target_label} {event.details}"
    for value in (*INJECTIONS, "Just words"):
        assert value not in recorded


# --------------------------------------------------------------------------- promotion


@pytest.fixture
def promotable(world, make_survey):
    """A survey with a text question and a permission-to-quote question; one response in
    Spanish that allowed an anonymous quote."""
    survey, (story, consent) = make_survey(K.LONG_TEXT, K.QUOTE_CONSENT)
    response = SurveyResponseFactory(
        survey=survey,
        language="es",
        answers={
            str(story.uuid): "Nos subieron el alquiler dos veces este año.",
            str(consent.uuid): "anonymous",
        },
    )
    return survey, story, consent, response


def _promote(world, response, question, **overrides) -> Testimony:
    fields = {"themes": [seeded_theme("housing")], "nature": "problem", **overrides}
    return services.answer_promote(
        actor=world.a.organizer, response=response, question=question, **fields
    )


def test_promoting_a_free_text_answer_makes_a_draft_testimony(world, promotable):
    survey, story, _consent, response = promotable
    testimony = _promote(world, response, story, summary="Rent raised twice", area="Eastside")
    testimony.refresh_from_db()
    assert testimony.city == world.a.city
    assert testimony.cycle == survey.cycle
    assert testimony.narrative == "Nos subieron el alquiler dos veces este año."
    assert testimony.summary == "Rent raised twice"
    assert testimony.area == "Eastside"
    assert testimony.language == "es"
    assert testimony.source == Source.SURVEY
    assert testimony.consent_level == ConsentLevel.ANONYMOUS
    assert testimony.consent_method == ConsentMethod.ONLINE
    assert testimony.consent_recorded_at == response.submitted_at
    assert testimony.review_status == ReviewStatus.DRAFT
    assert testimony.recorded_by == world.a.organizer
    assert (testimony.survey_response, testimony.survey_question) == (response, story)
    assert [t.slug for t in testimony.themes.all()] == ["housing"]
    assert testimony.speaker_name == "" and testimony.speaker_contact == ""
    event = AuditEvent.objects.get(action=AuditAction.SURVEY_ANSWER_PROMOTED)
    assert event.details == {"survey": str(survey.uuid), "consent": "anonymous"}
    assert "alquiler" not in f"{event.target_label} {event.details}"


def test_consent_is_internal_when_the_survey_didnt_ask(world, make_survey):
    survey, (story,) = make_survey(K.SHORT_TEXT)
    response = SurveyResponseFactory(survey=survey, answers={str(story.uuid): "Fix the park."})
    assert _promote(world, response, story).consent_level == ConsentLevel.INTERNAL


def test_consent_is_internal_when_the_resident_didnt_answer(world, promotable):
    survey, story, _consent, _response = promotable
    response = SurveyResponseFactory(survey=survey, answers={str(story.uuid): "Fix the park."})
    assert _promote(world, response, story).consent_level == ConsentLevel.INTERNAL


def test_named_consent_carries_over(world, promotable):
    survey, story, consent, _response = promotable
    response = SurveyResponseFactory(
        survey=survey, answers={str(story.uuid): "Fix the park.", str(consent.uuid): "named"}
    )
    assert _promote(world, response, story).consent_level == ConsentLevel.NAMED


def test_an_answer_is_promoted_once(world, promotable):
    _survey, story, _consent, response = promotable
    _promote(world, response, story)
    with pytest.raises(ValidationError, match="already promoted"):
        _promote(world, response, story)
    assert Testimony.objects.count() == 1


def test_only_a_free_text_answer_of_the_same_survey_is_promoted(world, promotable, make_survey):
    _survey, story, consent, response = promotable
    with pytest.raises(ValidationError):
        _promote(world, response, consent)
    _other_survey, (other_story,) = make_survey(K.LONG_TEXT)
    with pytest.raises(ValidationError):
        _promote(world, response, other_story)
    empty = SurveyResponseFactory(survey=response.survey, answers={str(story.uuid): "  "})
    with pytest.raises(ValidationError):
        _promote(world, empty, story)
    assert not Testimony.objects.exists()


# --------------------------------------------------------------------------- public summary


def make_quotable(world, testimony: Testimony, quote: str = "They raised the rent twice.") -> None:
    services.testimony_redact(actor=world.a.organizer, testimony=testimony, redacted_quote=quote)
    services.testimony_review(actor=world.a.lead, testimony=testimony)


def test_publishing_the_summary_with_a_quotable_quote(world, promotable):
    survey, story, _consent, response = promotable
    testimony = _promote(world, response, story)
    make_quotable(world, testimony)
    testimony.refresh_from_db()
    services.survey_summary_publish(actor=world.a.lead, survey=survey, quotes=[testimony])
    survey.refresh_from_db()
    assert survey.summary_is_published
    assert survey.summary_published_by == world.a.lead
    assert list(survey.summary_quotes.all()) == [testimony]
    assert selectors.survey_public_quotes(survey=survey) == [testimony]
    event = AuditEvent.objects.get(action=AuditAction.SURVEY_SUMMARY_PUBLISHED)
    assert event.details == {"quotes": 1}


def test_only_quotable_testimony_from_this_survey_can_be_chosen(world, promotable, make_survey):
    survey, story, _consent, response = promotable
    draft = _promote(world, response, story)
    with pytest.raises(ValidationError) as excinfo:
        services.survey_summary_publish(actor=world.a.lead, survey=survey, quotes=[draft])
    assert "quotes" in excinfo.value.message_dict
    unrelated = TestimonyFactory(
        city=world.a.city, consent_level=ConsentLevel.ANONYMOUS, redacted_quote="Hello."
    )
    with pytest.raises(ValidationError):
        services.survey_summary_publish(actor=world.a.lead, survey=survey, quotes=[unrelated])
    other_survey, (other_story, _consent) = make_survey(K.LONG_TEXT, K.QUOTE_CONSENT)
    other_response = SurveyResponseFactory(
        survey=other_survey, answers={str(other_story.uuid): "Elsewhere."}
    )
    elsewhere = _promote(world, other_response, other_story)
    with pytest.raises(ValidationError):
        services.survey_summary_publish(actor=world.a.lead, survey=survey, quotes=[elsewhere])
    survey.refresh_from_db()
    assert not survey.summary_is_published
    assert not AuditEvent.objects.filter(action=AuditAction.SURVEY_SUMMARY_PUBLISHED).exists()


def test_withdrawn_consent_takes_a_quote_off_the_public_summary(world, promotable):
    survey, story, _consent, response = promotable
    testimony = _promote(world, response, story)
    make_quotable(world, testimony)
    testimony.refresh_from_db()
    services.survey_summary_publish(actor=world.a.lead, survey=survey, quotes=[testimony])
    services.testimony_withdraw_consent(actor=world.a.lead, testimony=testimony)
    assert selectors.survey_public_quotes(survey=survey) == []


def test_unpublishing_the_summary(world, promotable):
    survey, *_ = promotable
    services.survey_summary_publish(actor=world.a.lead, survey=survey)
    services.survey_summary_unpublish(actor=world.a.lead, survey=survey)
    survey.refresh_from_db()
    assert not survey.summary_is_published
    services.survey_summary_unpublish(actor=world.a.lead, survey=survey)  # no second event
    assert AuditEvent.objects.filter(action=AuditAction.SURVEY_SUMMARY_UNPUBLISHED).count() == 1
