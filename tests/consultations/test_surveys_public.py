"""The resident's survey: every kind of question through the form and through the page,
show-if rules enforced on the server, English and Spanish, the form token, the spam
checks (honeypot, fill time, rate limit that fails open), double submits, closed and
full surveys, and the cost of a submission."""

from __future__ import annotations

import datetime
import re
import time
import uuid

import pytest
import redis
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from consultations import selectors, services
from consultations.forms import public_survey
from consultations.forms.public_survey import SurveyAnswerForm, token_make, token_read
from consultations.models import QuestionKind, Survey, SurveyResponse, SurveyStatus
from tests.factories import seeded_theme

pytestmark = pytest.mark.django_db

K = QuestionKind
# A good answer per kind, as sent and as stored. "{ward}" is an active neighborhood.
GOOD = {
    K.SHORT_TEXT: ("  Fix the street lights on Elm.  ", "Fix the street lights on Elm."),
    K.LONG_TEXT: ("L" * 5000, "L" * 5000),
    K.SINGLE: ("b", "b"),
    K.MULTIPLE: (["a", "b"], ["a", "b"]),
    K.RATING: ("4", "4"),
    K.YES_NO: ("no", "no"),
    K.THEME: (["housing", "health"], ["housing", "health"]),
    K.NEIGHBORHOOD: ("{eastside}", "{eastside}"),
    K.QUOTE_CONSENT: ("anonymous", "anonymous"),
}
BAD = [
    (K.SHORT_TEXT, "x" * 301),
    (K.SHORT_TEXT, "a NUL \x00 byte"),
    (K.LONG_TEXT, "x" * 5001),
    (K.SINGLE, "c"),
    (K.MULTIPLE, ["a", "c"]),
    (K.RATING, "6"),
    (K.RATING, "0"),
    (K.YES_NO, "maybe"),
    (K.THEME, ["housing", "not-a-theme"]),
    (K.NEIGHBORHOOD, "{old_mill}"),  # retired: not offered any more
    (K.NEIGHBORHOOD, "{b_harbor}"),  # another city's
    (K.NEIGHBORHOOD, "Eastside"),
    (K.QUOTE_CONSENT, "public"),
]
BAD_IDS = [
    "short_text-too-long",
    "short_text-nul",
    "long_text-too-long",
    "single-unknown-key",
    "multiple-unknown-key",
    "rating-6",
    "rating-0",
    "yes_no-maybe",
    "theme-unknown",
    "neighborhood-retired",
    "neighborhood-other-city",
    "neighborhood-a-name",
    "quote_consent-unknown",
]


def _resolve(value, wards):
    names = {key: str(row.uuid) for key, row in wards.items()}
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return names[value[1:-1]]
    return value


def _form(survey, questions, data, language="en") -> SurveyAnswerForm:
    source = selectors.survey_option_source(city=survey.city, questions=questions)
    return SurveyAnswerForm(
        data, survey=survey, questions=questions, language=language, source=source
    )


def _data(answers: dict, **extra) -> dict[str, object]:
    data: dict[str, object] = {"consent": "on", "token": "", "website": ""}
    data.update({question.field_name: value for question, value in answers.items()})
    data.update(extra)
    return data


def respond_url(survey) -> str:
    return reverse("survey_public:respond", args=[survey.uuid])


def thanks_url(survey) -> str:
    return reverse("survey_public:thanks", args=[survey.uuid])


def old_token(survey, monkeypatch, *, seconds: float = 60) -> str:
    """A form token as if the form had been served `seconds` ago. (`time` is one module,
    so the signature's own timestamp is as old.)"""
    past = time.time() - seconds
    with monkeypatch.context() as m:
        m.setattr(public_survey.time, "time", lambda: past)
        return token_make(survey)


# --------------------------------------------------------------------------- the form


@pytest.mark.parametrize("kind", list(GOOD))
def test_a_good_answer_of_every_kind_is_kept(world, ward_names, make_survey, kind):
    survey, (question,) = make_survey({"kind": kind, "required": True})
    sent, stored = (_resolve(v, ward_names) for v in GOOD[kind])
    form = _form(survey, [question], _data({question: sent}))
    assert form.is_valid(), form.errors
    assert form.answers == {str(question.uuid): stored}


@pytest.mark.parametrize("kind", list(GOOD))
def test_a_required_question_left_empty_is_an_error(world, ward_names, make_survey, kind):
    survey, (question,) = make_survey({"kind": kind, "required": True})
    empty = [] if kind in (K.MULTIPLE, K.THEME) else "   " if kind in (K.SHORT_TEXT,) else ""
    form = _form(survey, [question], _data({question: empty}))
    assert not form.is_valid()
    assert list(form.errors) == [question.field_name]
    assert form.answers == {}


@pytest.mark.parametrize("kind", list(GOOD))
def test_an_optional_question_left_empty_stores_no_answer(world, ward_names, make_survey, kind):
    survey, (question, other) = make_survey(kind, K.YES_NO)
    form = _form(survey, [question, other], _data({other: "yes"}))
    assert form.is_valid(), form.errors
    assert form.answers == {str(other.uuid): "yes"}


@pytest.mark.parametrize(("kind", "value"), BAD, ids=BAD_IDS)
@pytest.mark.parametrize("required", [True, False], ids=["required", "optional"])
def test_a_bad_answer_is_an_error(world, ward_names, make_survey, kind, value, required):
    survey, (question,) = make_survey({"kind": kind, "required": required})
    form = _form(survey, [question], _data({question: _resolve(value, ward_names)}))
    assert not form.is_valid()
    assert list(form.errors) == [question.field_name]


def test_a_retired_theme_is_not_offered(world, make_survey):
    voting = seeded_theme("voting")
    voting.is_active = False
    voting.save()
    survey, (question,) = make_survey(K.THEME)
    form = _form(survey, [question], _data({question: ["voting"]}))
    assert not form.is_valid()
    assert question.field_name in form.errors
    assert "voting" not in dict(form.fields[question.field_name].choices)


def test_the_options_are_in_the_residents_language(world, ward_names, make_survey):
    survey, questions = make_survey(K.SINGLE, K.THEME, K.YES_NO, K.NEIGHBORHOOD)
    single, theme, yes_no, ward = questions
    form = _form(survey, questions, None, language="es")
    assert form.fields[single.field_name].label == single.label["es"]
    assert dict(form.fields[single.field_name].choices) == {"a": "Primera opción", "b": "Segunda"}
    assert dict(form.fields[theme.field_name].choices)["housing"] == "Vivienda y personas sin hogar"
    assert list(dict(form.fields[yes_no.field_name].choices)) == ["yes", "no"]
    assert list(dict(form.fields[ward.field_name].choices).values())[1:] == [
        "Eastside",
        "Riverside",
    ]


def test_the_consent_box_must_be_ticked(world, make_survey):
    survey, (question,) = make_survey(K.SHORT_TEXT)
    form = _form(survey, [question], _data({question: "Hello"}, consent=""))
    assert not form.is_valid()
    assert list(form.errors) == ["consent"]


def test_a_filled_honeypot_refuses_the_form(world, make_survey):
    survey, (question,) = make_survey(K.SHORT_TEXT)
    form = _form(survey, [question], _data({question: "Hello"}, website="http://spam.example"))
    assert not form.is_valid()
    assert form.non_field_errors().as_data()[0].code == "honeypot"


# --------------------------------------------------------------------------- show-if


@pytest.fixture
def follow_up(make_survey):
    """Q1 yes/no; Q2 required long text, shown only after "yes"."""
    survey, questions = make_survey(
        K.YES_NO, {"kind": K.LONG_TEXT, "required": True, "show_if": (0, "yes")}
    )
    return survey, questions


def test_an_answer_to_a_hidden_question_is_discarded(world, follow_up):
    survey, (yes_no, text) = follow_up
    form = _form(survey, [yes_no, text], _data({yes_no: "no", text: "Sneaked in anyway"}))
    assert form.is_valid(), form.errors
    assert form.answers == {str(yes_no.uuid): "no"}


def test_a_hidden_required_question_is_not_required(world, follow_up):
    survey, (yes_no, text) = follow_up
    for answers in ({yes_no: "no"}, {}):
        form = _form(survey, [yes_no, text], _data(answers))
        assert form.is_valid(), form.errors
        assert str(text.uuid) not in form.answers


def test_a_shown_required_question_is_required(world, follow_up):
    survey, (yes_no, text) = follow_up
    form = _form(survey, [yes_no, text], _data({yes_no: "yes", text: ""}))
    assert not form.is_valid()
    assert list(form.errors) == [text.field_name]
    form = _form(survey, [yes_no, text], _data({yes_no: "yes", text: "The bus is late."}))
    assert form.is_valid()
    assert form.answers == {str(yes_no.uuid): "yes", str(text.uuid): "The bus is late."}


def test_a_bad_answer_to_a_hidden_question_is_no_error(world, make_survey):
    survey, (yes_no, single) = make_survey(
        K.YES_NO, {"kind": K.SINGLE, "required": True, "show_if": (0, "yes")}
    )
    form = _form(survey, [yes_no, single], _data({yes_no: "no", single: "not-an-option"}))
    assert form.is_valid(), form.errors
    assert form.answers == {str(yes_no.uuid): "no"}


def test_a_hidden_controller_hides_its_dependents(world, make_survey):
    survey, questions = make_survey(
        K.YES_NO,
        {"kind": K.SINGLE, "required": True, "show_if": (0, "yes")},
        {"kind": K.SHORT_TEXT, "required": True, "show_if": (1, "a")},
    )
    first, second, third = questions
    # Q2 is hidden, so its "a" doesn't show Q3: both answers are dropped.
    form = _form(survey, questions, _data({first: "no", second: "a", third: "Dropped"}))
    assert form.is_valid(), form.errors
    assert form.answers == {str(first.uuid): "no"}
    # The whole chain shown: Q3 is required.
    form = _form(survey, questions, _data({first: "yes", second: "a", third: ""}))
    assert list(form.errors) == [third.field_name]
    # Q2 shown but answered "b": Q3 hidden again.
    form = _form(survey, questions, _data({first: "yes", second: "b", third: "Dropped"}))
    assert form.is_valid(), form.errors
    assert form.answers == {str(first.uuid): "yes", str(second.uuid): "b"}


def test_a_rule_on_a_multiple_choice_option(world, make_survey):
    survey, (multi, text) = make_survey(K.MULTIPLE, {"kind": K.SHORT_TEXT, "show_if": (0, "b")})
    form = _form(survey, [multi, text], _data({multi: ["a"], text: "Dropped"}))
    assert form.is_valid()
    assert str(text.uuid) not in form.answers
    form = _form(survey, [multi, text], _data({multi: ["a", "b"], text: "Kept"}))
    assert form.is_valid()
    assert form.answers[str(text.uuid)] == "Kept"


# --------------------------------------------------------------------------- the token


def test_a_token_is_for_one_survey_and_can_expire(world, make_survey, monkeypatch):
    survey, _ = make_survey(K.SHORT_TEXT)
    other, _ = make_survey(K.SHORT_TEXT)
    submission = uuid.uuid4()
    token = token_make(survey, submission_id=submission)
    read = token_read(survey, token, max_age=60)
    assert read is not None
    assert read.submission_id == submission
    assert abs(read.served_at - time.time()) < 5
    assert token_read(other, token, max_age=60) is None
    assert token_read(survey, token[:-2] + "xx", max_age=60) is None
    assert token_read(survey, "", max_age=60) is None
    old = old_token(survey, monkeypatch, seconds=3600)
    assert token_read(survey, old, max_age=60) is None
    assert token_read(survey, old, max_age=7200) is not None


# --------------------------------------------------------------------------- the service


def test_a_submission_is_stored_as_one_row(world, make_survey):
    survey, (question,) = make_survey(K.SHORT_TEXT)
    response, new = services.survey_response_submit(
        survey=survey,
        submission_id=uuid.uuid4(),
        language="es",
        answers={str(question.uuid): "Hola"},
    )
    assert new is True
    response.refresh_from_db()
    assert (response.city, response.survey, response.language) == (world.a.city, survey, "es")
    assert response.answers == {str(question.uuid): "Hola"}
    assert response.flags == []
    survey.refresh_from_db()
    assert survey.response_count == 0  # only kept while a limit is set


def test_the_same_form_twice_is_one_response(world, make_survey):
    survey, (_question,) = make_survey(K.SHORT_TEXT)
    submission = uuid.uuid4()
    first, new = services.survey_response_submit(
        survey=survey, submission_id=submission, language="en", answers={}
    )
    again, again_new = services.survey_response_submit(
        survey=survey, submission_id=submission, language="en", answers={"x": "y"}
    )
    assert (new, again_new) == (True, False)
    assert again.pk == first.pk
    assert SurveyResponse.objects.get().answers == {}


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_submission_is_one_insert_and_a_resend_is_safe(
    world, make_survey
):
    """As in production (no request-wide transaction): an uncapped survey's response is a
    single INSERT with no BEGIN/COMMIT round trips, and the same form sent again still
    returns the first response (the connection is usable after the unique violation)."""
    survey, (_question,) = make_survey(K.SHORT_TEXT)
    submission = uuid.uuid4()
    with CaptureQueriesContext(connection) as queries:
        first, new = services.survey_response_submit(
            survey=survey, submission_id=submission, language="en", answers={"a": "b"}
        )
    assert [q["sql"].split()[0] for q in queries.captured_queries] == ["INSERT"]
    again, again_new = services.survey_response_submit(
        survey=survey, submission_id=submission, language="en", answers={"x": "y"}
    )
    assert (new, again_new) == (True, False)
    assert again.pk == first.pk
    assert SurveyResponse.objects.get().answers == {"a": "b"}


def test_an_unchecked_rate_limit_is_flagged(world, make_survey):
    survey, _ = make_survey(K.SHORT_TEXT)
    response, _new = services.survey_response_submit(
        survey=survey,
        submission_id=uuid.uuid4(),
        language="en",
        answers={},
        rate_limit_checked=False,
    )
    response.refresh_from_db()
    assert response.flags == ["rate_limit_unchecked"]


def test_a_capped_survey_takes_exactly_its_limit(world, make_survey):
    survey, _ = make_survey(K.SHORT_TEXT, response_cap=2)
    for _ in range(2):
        services.survey_response_submit(
            survey=survey, submission_id=uuid.uuid4(), language="en", answers={}
        )
    with pytest.raises(services.SurveyFull):
        services.survey_response_submit(
            survey=survey, submission_id=uuid.uuid4(), language="en", answers={}
        )
    survey.refresh_from_db()
    assert survey.response_count == 2
    assert survey.public_state() == "full"
    assert SurveyResponse.objects.count() == 2


def test_a_double_submit_on_a_capped_survey_counts_once(world, make_survey):
    survey, _ = make_survey(K.SHORT_TEXT, response_cap=5)
    submission = uuid.uuid4()
    for _ in range(2):
        services.survey_response_submit(
            survey=survey, submission_id=submission, language="en", answers={}
        )
    survey.refresh_from_db()
    assert survey.response_count == 1
    assert SurveyResponse.objects.count() == 1


def test_a_double_submit_for_the_last_place_returns_the_first_response(world, make_survey):
    survey, _ = make_survey(K.SHORT_TEXT, response_cap=1)
    submission = uuid.uuid4()
    first, _new = services.survey_response_submit(
        survey=survey, submission_id=submission, language="en", answers={}
    )
    again, new = services.survey_response_submit(
        survey=survey, submission_id=submission, language="en", answers={}
    )
    assert (again.pk, new) == (first.pk, False)


# --------------------------------------------------------------------------- the page


@pytest.fixture
def resident() -> Client:
    """A resident's browser: no account, a fixed address."""
    return Client(REMOTE_ADDR="203.0.113.77")


def _saved() -> list[SurveyResponse]:
    return list(SurveyResponse.objects.order_by("id"))


def _checked(body: str, name: str) -> list[str]:
    """The values of the ticked radios and checkboxes called `name` on a page."""
    out = []
    for tag in re.findall(rf'<input[^>]*name="{name}"[^>]*>', body):
        if re.search(r"\schecked\b", tag):
            value = re.search(r'value="([^"]*)"', tag)
            out.append(value[1] if value else "on")
    return out


def _rate_limit_keys(settings) -> list[str]:
    client = redis.Redis.from_url(settings.RATE_LIMIT_REDIS_URL)
    try:
        return [key.decode() for key in client.scan_iter("rl:*")]
    finally:
        client.close()


@pytest.mark.authz("survey_public:respond")
def test_anyone_with_the_link_gets_the_form_in_english(world, make_survey, resident, quick_forms):
    survey, (single,) = make_survey({"kind": K.SINGLE, "required": True})
    response = resident.get(respond_url(survey))
    assert response.status_code == 200
    assert response.context["language"] == "en"
    assert [code for code, _name in response.context["survey_languages"]] == ["en", "es"]
    form = response.context["form"]
    assert token_read(survey, form.initial["token"], max_age=60) is not None
    body = response.content.decode()
    assert survey.title["en"] in body
    assert single.label["en"] in body
    assert "First option" in body
    assert survey.consent_statement["en"] in body
    assert "Primera opción" not in body
    assert f'name="{single.field_name}"' in body
    assert 'name="website"' in body  # the honeypot
    assert not SurveyResponse.objects.exists()


def test_a_spanish_browser_gets_the_form_in_spanish(world, make_survey, resident, quick_forms):
    survey, (single,) = make_survey({"kind": K.SINGLE, "required": True})
    response = resident.get(respond_url(survey), HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9")
    assert response.status_code == 200
    assert response.context["language"] == "es"
    body = response.content.decode()
    for text in (survey.title["es"], single.label["es"], "Primera opción", "Segunda"):
        assert text in body
    assert survey.consent_statement["es"] in body
    assert single.label["en"] not in body
    assert 'lang="es"' in body
    assert 'name="language" value="es"' in body


def test_the_language_can_be_switched_with_a_link(world, make_survey, resident, quick_forms):
    survey, (_single,) = make_survey(K.SINGLE)
    response = resident.get(respond_url(survey), {"lang": "es"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.context["language"] == "es"
    assert survey.title["es"] in response.content.decode()
    response = resident.get(respond_url(survey), {"lang": "en"}, HTTP_ACCEPT_LANGUAGE="es")
    assert response.context["language"] == "en"
    assert survey.title["en"] in response.content.decode()


@pytest.mark.authz("survey_public:thanks")
def test_an_answer_in_spanish_is_stored_as_spanish_and_thanked_in_spanish(
    world, make_survey, resident, answers_post, quick_forms
):
    survey, (single, text) = make_survey({"kind": K.SINGLE, "required": True}, K.LONG_TEXT)
    page = resident.get(respond_url(survey), HTTP_ACCEPT_LANGUAGE="es")
    data = answers_post(
        survey,
        {single: "b", text: "Más luz en el parque."},
        language="es",
        token=page.context["form"].initial["token"],
    )
    # The form's own language field wins over the browser's.
    response = resident.post(respond_url(survey), data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 303
    assert response["Location"] == thanks_url(survey) + "?lang=es"
    (saved,) = _saved()
    assert saved.language == "es"
    assert saved.answers == {str(single.uuid): "b", str(text.uuid): "Más luz en el parque."}
    assert saved.flags == []
    assert saved.city == world.a.city
    thanks = resident.get(response["Location"])
    assert thanks.status_code == 200
    assert thanks.context["language"] == "es"
    assert survey.title["es"] in thanks.content.decode()


def test_the_thanks_page_of_an_unknown_or_draft_survey_is_not_found(world, make_survey, resident):
    draft, _ = make_survey(K.SHORT_TEXT, status=SurveyStatus.DRAFT)
    for url in (thanks_url(draft), reverse("survey_public:thanks", args=[uuid.uuid4()])):
        response = resident.get(url)
        assert response.status_code == 404
        assert "Survey not found" in response.content.decode()


@pytest.mark.parametrize("kind", list(GOOD))
def test_every_kind_is_answered_through_the_page(
    world, ward_names, make_survey, resident, answers_post, quick_forms, kind
):
    survey, (question,) = make_survey({"kind": kind, "required": True})
    sent, stored = (_resolve(v, ward_names) for v in GOOD[kind])
    response = resident.post(respond_url(survey), answers_post(survey, {question: sent}))
    assert response.status_code == 303
    assert _saved()[0].answers == {str(question.uuid): stored}


@pytest.mark.parametrize("kind", list(GOOD))
def test_a_required_question_left_empty_on_the_page(
    world, ward_names, make_survey, resident, answers_post, quick_forms, kind
):
    survey, (question, text) = make_survey({"kind": kind, "required": True}, K.SHORT_TEXT)
    response = resident.post(
        respond_url(survey), answers_post(survey, {text: "Kept while I fix the rest"})
    )
    assert response.status_code == 422
    assert list(response.context["form"].errors) == [question.field_name]
    assert not SurveyResponse.objects.exists()
    body = response.content.decode()
    assert 'value="Kept while I fix the rest"' in body
    assert f'href="#{response.context["form"].items()[0].anchor}"' in body


@pytest.mark.parametrize("kind", list(GOOD))
def test_an_optional_question_left_empty_on_the_page(
    world, ward_names, make_survey, resident, answers_post, quick_forms, kind
):
    survey, (_question, yes_no) = make_survey(kind, K.YES_NO)
    response = resident.post(respond_url(survey), answers_post(survey, {yes_no: "yes"}))
    assert response.status_code == 303
    assert _saved()[0].answers == {str(yes_no.uuid): "yes"}


@pytest.mark.parametrize(("kind", "value"), BAD, ids=BAD_IDS)
def test_a_bad_answer_on_the_page_saves_nothing(
    world, ward_names, make_survey, resident, answers_post, quick_forms, kind, value
):
    survey, (question,) = make_survey(kind)
    response = resident.post(
        respond_url(survey), answers_post(survey, {question: _resolve(value, ward_names)})
    )
    assert response.status_code == 422
    assert list(response.context["form"].errors) == [question.field_name]
    assert not SurveyResponse.objects.exists()


def test_the_consent_box_is_needed_on_the_page(
    world, make_survey, resident, answers_post, quick_forms
):
    survey, (text,) = make_survey(K.SHORT_TEXT)
    response = resident.post(
        respond_url(survey), answers_post(survey, {text: "Hello"}, consent=False)
    )
    assert response.status_code == 422
    assert "Tick the box" in response.content.decode()
    assert not SurveyResponse.objects.exists()


def test_show_if_is_enforced_on_the_page(world, make_survey, resident, answers_post, quick_forms):
    survey, questions = make_survey(
        K.YES_NO,
        {"kind": K.SINGLE, "required": True, "show_if": (0, "yes")},
        {"kind": K.SHORT_TEXT, "required": True, "show_if": (1, "a")},
    )
    first, second, third = questions
    page = resident.get(respond_url(survey)).content.decode()
    assert f'data-show-if-name="{first.field_name}" data-show-if-value="yes"' in page
    # Hidden ones: their answers are dropped, and "required" doesn't apply.
    response = resident.post(
        respond_url(survey), answers_post(survey, {first: "no", second: "a", third: "Dropped"})
    )
    assert response.status_code == 303
    assert _saved()[0].answers == {str(first.uuid): "no"}
    # Shown ones are required.
    response = resident.post(respond_url(survey), answers_post(survey, {first: "yes"}))
    assert response.status_code == 422
    assert list(response.context["form"].errors) == [second.field_name]
    assert len(_saved()) == 1


# --------------------------------------------------------------------------- spam checks


def test_a_filled_honeypot_saves_nothing_and_keeps_the_answers(
    world, make_survey, resident, answers_post, quick_forms
):
    survey, (text, yes_no) = make_survey(K.SHORT_TEXT, K.YES_NO)
    response = resident.post(
        respond_url(survey),
        answers_post(
            survey, {text: "Please fix the bus shelter", yes_no: "yes"}, website="buy-now.example"
        ),
    )
    assert response.status_code == 422
    assert not SurveyResponse.objects.exists()
    body = response.content.decode()
    assert "This form could not be sent" in body
    assert 'value="Please fix the bus shelter"' in body
    assert _checked(body, yes_no.field_name) == ["yes"]
    assert _checked(body, "consent") == ["on"]


def test_a_form_sent_too_quickly_saves_nothing(
    world, make_survey, resident, answers_post, settings, monkeypatch
):
    settings.SURVEY_MIN_FILL_SECONDS = 20
    settings.SURVEY_RATE_LIMIT = 10_000
    survey, (text,) = make_survey(K.SHORT_TEXT)
    data = answers_post(survey, {text: "Typed by a bot"}, token=token_make(survey))
    response = resident.post(respond_url(survey), data)
    assert response.status_code == 422
    body = response.content.decode()
    assert "That was quick" in body
    assert 'value="Typed by a bot"' in body
    assert not SurveyResponse.objects.exists()
    # A person who took their time gets through, with a form served a minute ago.
    data["token"] = old_token(survey, monkeypatch, seconds=60)
    assert resident.post(respond_url(survey), data).status_code == 303
    assert len(_saved()) == 1


def test_a_tampered_or_stale_token_gets_a_fresh_one_and_keeps_the_answers(
    world, make_survey, resident, answers_post, quick_forms, monkeypatch
):
    survey, (text,) = make_survey(K.SHORT_TEXT)
    for token in ("not-a-token", old_token(survey, monkeypatch, seconds=3 * 24 * 3600)):
        response = resident.post(
            respond_url(survey), answers_post(survey, {text: "Still here"}, token=token)
        )
        assert response.status_code == 422
        assert "open for a long time" in response.content.decode()
        assert 'value="Still here"' in response.content.decode()
        fresh = response.context["form"].data["token"]
        assert fresh != token
        assert token_read(survey, fresh, max_age=60) is not None
    assert not SurveyResponse.objects.exists()
    response = resident.post(
        respond_url(survey), answers_post(survey, {text: "Still here"}, token=fresh)
    )
    assert response.status_code == 303


def test_the_rate_limit_keeps_the_answers_and_never_stores_the_address(
    world, make_survey, resident, answers_post, settings
):
    settings.SURVEY_MIN_FILL_SECONDS = 0
    settings.SURVEY_RATE_LIMIT = 2
    settings.SURVEY_RATE_LIMIT_WINDOW = 3600
    survey, (text,) = make_survey(K.SHORT_TEXT)
    for n in range(2):
        response = resident.post(respond_url(survey), answers_post(survey, {text: f"Answer {n}"}))
        assert response.status_code == 303
    response = resident.post(respond_url(survey), answers_post(survey, {text: "Third answer"}))
    assert response.status_code == 429
    assert 'value="Third answer"' in response.content.decode()
    assert [r.answers[str(text.uuid)] for r in _saved()] == ["Answer 0", "Answer 1"]
    keys = [key for key in _rate_limit_keys(settings) if str(survey.uuid) in key]
    assert len(keys) == 1
    assert all("203.0.113.77" not in key for key in _rate_limit_keys(settings))
    # Another address, and another survey from this address, are counted apart.
    neighbour = Client(REMOTE_ADDR="198.51.100.9")
    assert neighbour.post(respond_url(survey), answers_post(survey, {text: "x"})).status_code == 303
    other, (other_text,) = make_survey(K.SHORT_TEXT)
    assert (
        resident.post(respond_url(other), answers_post(other, {other_text: "x"})).status_code == 303
    )


def test_behind_a_proxy_the_forwarded_address_is_limited(
    world, make_survey, answers_post, settings
):
    settings.SURVEY_MIN_FILL_SECONDS = 0
    settings.SURVEY_RATE_LIMIT = 1
    settings.TRUSTED_PROXY_COUNT = 1
    survey, (text,) = make_survey(K.SHORT_TEXT)
    proxy = Client(REMOTE_ADDR="10.0.0.2")
    url = respond_url(survey)
    first = proxy.post(url, answers_post(survey, {text: "a"}), HTTP_X_FORWARDED_FOR="192.0.2.10")
    other = proxy.post(url, answers_post(survey, {text: "b"}), HTTP_X_FORWARDED_FOR="192.0.2.11")
    again = proxy.post(
        url, answers_post(survey, {text: "c"}), HTTP_X_FORWARDED_FOR="6.6.6.6, 192.0.2.10"
    )
    assert (first.status_code, other.status_code, again.status_code) == (303, 303, 429)
    assert all("192.0.2." not in key for key in _rate_limit_keys(settings))


def test_without_redis_a_response_is_still_saved_and_flagged(
    world, make_survey, resident, answers_post, quick_forms, settings
):
    settings.RATE_LIMIT_REDIS_URL = "redis://127.0.0.1:1/0"
    survey, (text,) = make_survey(K.SHORT_TEXT)
    response = resident.post(respond_url(survey), answers_post(survey, {text: "Hello"}))
    assert response.status_code == 303
    (saved,) = _saved()
    assert saved.flags == ["rate_limit_unchecked"]
    assert saved.answers == {str(text.uuid): "Hello"}


def test_the_same_form_sent_twice_is_one_response(
    world, make_survey, resident, answers_post, quick_forms
):
    survey, (text,) = make_survey(K.SHORT_TEXT)
    data = answers_post(survey, {text: "Tapped twice"})
    first = resident.post(respond_url(survey), data)
    second = resident.post(respond_url(survey), data)
    assert (first.status_code, second.status_code) == (303, 303)
    assert first["Location"] == second["Location"] == thanks_url(survey) + "?lang=en"
    assert len(_saved()) == 1


def test_the_last_place_sent_twice_still_thanks_the_resident(
    world, make_survey, resident, answers_post, quick_forms
):
    survey, (text,) = make_survey(K.SHORT_TEXT, response_cap=1)
    data = answers_post(survey, {text: "Tapped twice"})
    first = resident.post(respond_url(survey), data)
    second = resident.post(respond_url(survey), data)
    assert len(_saved()) == 1
    assert (first.status_code, second.status_code) == (303, 303)


# --------------------------------------------------------------------------- unavailable


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"status": SurveyStatus.CLOSED}, "This survey is closed"),
        ({"closes_on": datetime.date(2020, 1, 31)}, "This survey is closed"),
        ({"response_cap": 3, "response_count": 3}, "all the responses it needs"),
        ({"opens_on": datetime.date(2999, 1, 1)}, "This survey opens on"),
    ],
    ids=["closed", "past-close-date", "full", "scheduled"],
)
def test_a_survey_not_taking_answers_says_so_and_saves_nothing(
    world, make_survey, resident, answers_post, quick_forms, fields, message
):
    survey, (text,) = make_survey(K.SHORT_TEXT, **fields)
    page = resident.get(respond_url(survey))
    assert page.status_code == 200
    assert message in page.content.decode()
    assert survey.title["en"] in page.content.decode()
    # A post that doesn't carry a form this survey served (no token) is turned away.
    data = {**answers_post(survey, {text: "Too late"}), "token": ""}
    response = resident.post(respond_url(survey), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not SurveyResponse.objects.exists()


@pytest.mark.parametrize(
    "fields",
    [{"status": SurveyStatus.CLOSED}, {"closes_on": datetime.date(2020, 1, 31)}],
    ids=["closed", "past-close-date"],
)
def test_a_form_opened_before_the_survey_closed_is_still_accepted_and_flagged(
    world, make_survey, resident, answers_post, quick_forms, fields
):
    survey, (text,) = make_survey(K.SHORT_TEXT)
    data = answers_post(survey, {text: "Started before it closed"})  # the served form
    Survey.objects.filter(pk=survey.pk).update(**fields)
    response = resident.post(respond_url(survey), data)
    assert response.status_code == 303
    saved = SurveyResponse.objects.get()
    assert saved.answers == {str(text.uuid): "Started before it closed"}
    assert saved.flags == ["after_close"]


def test_a_survey_filled_while_answering_says_so(
    world, make_survey, resident, answers_post, quick_forms
):
    survey, (text,) = make_survey(K.SHORT_TEXT, response_cap=1)
    data = answers_post(survey, {text: "Mine"})
    # The form was served; someone else took the last place before it came back.
    services.survey_response_submit(
        survey=survey, submission_id=uuid.uuid4(), language="en", answers={}
    )
    response = resident.post(respond_url(survey), data)
    assert response.status_code == 200
    assert "all the responses it needs" in response.content.decode()
    assert SurveyResponse.objects.count() == 1


def test_an_unknown_or_draft_survey_is_not_found(world, make_survey, resident, answers_post):
    draft, (text,) = make_survey(K.SHORT_TEXT, status=SurveyStatus.DRAFT)
    for url in (respond_url(draft), reverse("survey_public:respond", args=[uuid.uuid4()])):
        response = resident.get(url)
        assert response.status_code == 404
        assert "Survey not found" in response.content.decode()
    assert resident.post(respond_url(draft), answers_post(draft, {text: "x"})).status_code == 404
    assert not SurveyResponse.objects.exists()


def test_the_public_form_takes_only_get_and_post(world, make_survey, resident):
    survey, _ = make_survey(K.SHORT_TEXT)
    assert resident.put(respond_url(survey)).status_code == 405
    assert resident.post(thanks_url(survey)).status_code == 405


def test_an_extra_language_is_offered_only_once_complete(
    world, make_survey, resident, answers_post, quick_forms
):
    survey, (single,) = make_survey(K.SINGLE, languages=["en", "es", "vi"])
    page = resident.get(respond_url(survey), {"lang": "vi"})
    assert page.context["language"] == "en"
    assert [code for code, _name in page.context["survey_languages"]] == ["en", "es"]
    assert 'hreflang="vi"' not in page.content.decode()
    # A Vietnamese form sent anyway is stored in a language the survey offers.
    resident.post(respond_url(survey), answers_post(survey, {single: "a"}, language="vi"))
    assert _saved()[0].language == "en"

    for field in ("title", "introduction", "consent_statement"):
        getattr(survey, field)["vi"] = f"{field} (vi)"
    survey.save()
    single.label["vi"] = "Câu hỏi"
    single.options = [
        {**o, "label": {**o["label"], "vi": o["key"].upper()}} for o in single.options
    ]
    single.save()
    page = resident.get(respond_url(survey), {"lang": "vi"})
    assert page.context["language"] == "vi"
    assert 'hreflang="vi"' in page.content.decode()
    assert "title (vi)" in page.content.decode()
    assert "Câu hỏi" in page.content.decode()


def test_an_open_survey_missing_spanish_is_offered_in_english_only(
    world, make_survey, resident, quick_forms
):
    # Opening checks every Spanish text; this one lost one afterwards (an admin edit).
    survey, (text,) = make_survey(K.SHORT_TEXT)
    text.label = {"en": "English only"}
    text.save()
    page = resident.get(respond_url(survey), HTTP_ACCEPT_LANGUAGE="es")
    assert page.status_code == 200
    assert page.context["language"] == "en"
    assert [code for code, _name in page.context["survey_languages"]] == ["en"]


# --------------------------------------------------------------------------- cost


def _statements(captured) -> list[str]:
    return [q["sql"].split()[0].upper() for q in captured]


def test_a_submission_is_two_reads_and_one_insert(
    world, make_survey, resident, answers_post, quick_forms, django_assert_max_num_queries
):
    survey, (text, yes_no, single) = make_survey(K.LONG_TEXT, K.YES_NO, K.SINGLE)
    data = answers_post(survey, {text: "Cheap", yes_no: "yes", single: "a"})
    # Pinned: the survey (with its city), its questions, then the insert in its own
    # transaction (a savepoint inside the test's transaction). No session, no user, no
    # count: an uncapped survey never touches its own row.
    with django_assert_max_num_queries(5) as captured:
        response = resident.post(respond_url(survey), data)
    assert response.status_code == 303
    assert _statements(captured.captured_queries) == [
        "SELECT",
        "SELECT",
        "SAVEPOINT",
        "INSERT",
        "RELEASE",
    ]
    assert len(_saved()) == 1


def test_a_capped_survey_with_themes_costs_two_more_queries(
    world, make_survey, resident, answers_post, quick_forms, django_assert_max_num_queries
):
    survey, (theme, text) = make_survey(K.THEME, K.SHORT_TEXT, response_cap=100)
    data = answers_post(survey, {theme: ["housing"], text: "x"})
    # The theme list for the choices, and the conditional count under the limit.
    with django_assert_max_num_queries(7) as captured:
        response = resident.post(respond_url(survey), data)
    assert response.status_code == 303
    assert _statements(captured.captured_queries) == [
        "SELECT",
        "SELECT",
        "SELECT",
        "SAVEPOINT",
        "UPDATE",
        "INSERT",
        "RELEASE",
    ]


def test_the_public_form_page_query_count_does_not_grow_with_questions(
    world, make_survey, resident, quick_forms, django_assert_num_queries
):
    small, _ = make_survey(K.SHORT_TEXT, K.YES_NO)
    big, _ = make_survey(*([K.SHORT_TEXT, K.YES_NO, K.SINGLE, K.MULTIPLE, K.RATING] * 8))
    with CaptureQueriesContext(connection) as baseline:
        resident.get(respond_url(small))
    with django_assert_num_queries(len(baseline.captured_queries)):
        assert resident.get(respond_url(big)).status_code == 200


# --------------------------------------------------------------------------- output safety


def test_the_teams_texts_are_escaped_on_the_public_form(world, make_survey, resident, quick_forms):
    survey, (_single,) = make_survey(
        {
            "kind": K.SINGLE,
            "label": {"en": "<script>alert(1)</script>", "es": "Pregunta"},
            "options": [
                {"key": "a", "label": {"en": "<img src=x onerror=alert(2)>", "es": "A"}},
                {"key": "b", "label": {"en": "B", "es": "B"}},
            ],
        },
        title={"en": "<b>Bold</b> survey", "es": "Encuesta"},
        introduction={"en": "Line one\n<i>two</i>", "es": "Uno"},
    )
    body = resident.get(respond_url(survey)).content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "<img src=x" not in body
    assert "<b>Bold</b>" not in body
    assert "<i>two</i>" not in body
    assert "&lt;i&gt;two&lt;/i&gt;" in body


def test_answers_are_never_logged(world, make_survey, resident, answers_post, quick_forms, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    survey, (text, yes_no) = make_survey(K.LONG_TEXT, {"kind": K.YES_NO, "required": True})
    secret = "My neighbour Ramona Quist at 14 Alder Court hits her kids"
    resident.post(respond_url(survey), answers_post(survey, {text: secret}))  # 422: Q2 missing
    resident.post(respond_url(survey), answers_post(survey, {text: secret, yes_no: "no"}))
    assert len(_saved()) == 1
    logged = "\n".join(f"{r.getMessage()} {r.args!r}" for r in caplog.records)
    assert "Ramona" not in logged
    assert "203.0.113.77" not in logged
