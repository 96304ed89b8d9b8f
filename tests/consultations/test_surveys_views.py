"""The city team's survey pages: the role matrix for every route and verb, 404 across
cities, what each write does to the database and the audit trail, exports, promotion to
testimony, the public summary, and pinned query counts."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import openpyxl
import pytest
import segno
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cities.models import AuditAction, AuditEvent, Neighborhood
from consultations import services
from consultations.models import (
    ConsentLevel,
    QuestionKind,
    ReviewStatus,
    Source,
    Survey,
    SurveyQuestion,
    SurveyResponse,
    SurveyStatus,
    Testimony,
)
from tests.conftest import ROLES, assert_login_redirect, user_for
from tests.consultations.conftest import curl, messages_of
from tests.factories import (
    SurveyFactory,
    SurveyQuestionFactory,
    SurveyResponseFactory,
    seeded_theme,
)

pytestmark = pytest.mark.django_db

K = QuestionKind
READ_MATRIX = {
    "anonymous": "login",
    "outsider": 404,
    "viewer": 200,
    "organizer": 200,
    "lead": 200,
    "other_lead": 404,
    "coordinator": 200,
}
EDIT_MATRIX = {**READ_MATRIX, "viewer": 403, "coordinator": 403}
PUBLISH_MATRIX = {**EDIT_MATRIX, "organizer": 403}


def _expect(response, expected, url="") -> None:
    if expected == "login":
        assert_login_redirect(response)
    else:
        assert response.status_code == expected, url


def _snapshot() -> tuple[int, ...]:
    return (
        Survey.objects.count(),
        SurveyQuestion.objects.count(),
        SurveyResponse.objects.count(),
        Testimony.objects.count(),
        Neighborhood.objects.count(),
        AuditEvent.objects.count(),
    )


@pytest.fixture
def draft(make_survey):
    """City A's draft: yes/no, then single choice shown after "yes", then long text."""
    survey, questions = make_survey(
        K.YES_NO, {"kind": K.SINGLE, "show_if": (0, "yes")}, K.LONG_TEXT, status="draft"
    )
    return survey, questions


@pytest.fixture
def answered(make_survey):
    """City A's open survey with six responses: a story, permission to quote, a choice."""
    survey, (story, consent, single) = make_survey(K.LONG_TEXT, K.QUOTE_CONSENT, K.SINGLE)
    for n in range(6):
        SurveyResponseFactory(
            survey=survey,
            answers={
                str(story.uuid): f"Story number {n} about the bus.",
                str(consent.uuid): "anonymous",
                str(single.uuid): "a" if n < 5 else "b",
            },
        )
    return survey, (story, consent, single)


@pytest.fixture
def theirs(world, make_survey):
    """City B's open survey with a text question and one response."""
    survey, (story,) = make_survey(K.LONG_TEXT, city=world.b.city)
    response = SurveyResponseFactory(
        survey=survey, answers={str(story.uuid): "Betatown's buses were cut."}
    )
    return survey, story, response


def _read_urls(surl, world, answered) -> list[str]:
    survey, (story, _consent, _single) = answered
    return [
        curl("survey_list", world.a.city),
        surl("survey_detail", survey),
        surl("survey_preview", survey),
        surl("survey_qr", survey, fmt="svg"),
        surl("survey_results", survey),
        surl("survey_answers", survey, question_uuid=story.uuid),
    ]


def _edit_urls(surl, world, draft, answered) -> list[str]:
    survey, (_yes_no, single, text) = draft
    done, (story, _consent, _single) = answered
    response = done.responses.first()
    return [
        curl("neighborhoods", world.a.city),
        curl("survey_create", world.a.city),
        surl("survey_edit", survey),
        surl("survey_delete", survey),
        surl("question_create", survey),
        surl("question_edit", survey, question_uuid=single.uuid),
        surl("question_delete", survey, question_uuid=text.uuid),
        surl("survey_export_csv", done),
        surl("survey_export_xlsx", done),
        surl("answer_promote", done, response_uuid=response.uuid, question_uuid=story.uuid),
    ]


# --------------------------------------------------------------------------- role matrix


@pytest.mark.authz(
    "consultations:survey_list",
    "consultations:survey_detail",
    "consultations:survey_preview",
    "consultations:survey_qr",
    "consultations:survey_results",
    "consultations:survey_answers",
)
@pytest.mark.parametrize("role", ROLES)
def test_survey_read_pages_follow_the_read_matrix(world, login, surl, answered, role):
    client = login(user_for(world, role))
    for url in _read_urls(surl, world, answered):
        _expect(client.get(url), READ_MATRIX[role], url)


@pytest.mark.authz(
    "consultations:neighborhoods",
    "consultations:survey_create",
    "consultations:survey_edit",
    "consultations:survey_delete",
    "consultations:question_create",
    "consultations:question_edit",
    "consultations:question_delete",
    "consultations:survey_export_csv",
    "consultations:survey_export_xlsx",
    "consultations:answer_promote",
)
@pytest.mark.parametrize("role", ROLES)
def test_survey_write_pages_follow_the_edit_matrix(world, login, surl, draft, answered, role):
    client = login(user_for(world, role))
    for url in _edit_urls(surl, world, draft, answered):
        _expect(client.get(url), EDIT_MATRIX[role], url)


@pytest.mark.authz("consultations:survey_summary")
@pytest.mark.parametrize("role", ROLES)
def test_the_summary_page_is_for_the_city_lead_only(world, login, surl, answered, role):
    survey, _questions = answered
    client = login(user_for(world, role))
    _expect(client.get(surl("survey_summary", survey)), PUBLISH_MATRIX[role])
    response = client.post(surl("survey_summary", survey), {"action": "publish"})
    expected = PUBLISH_MATRIX[role]
    _expect(response, 302 if expected == 200 else expected)
    survey.refresh_from_db()
    assert survey.summary_is_published is (role == "lead")
    assert AuditEvent.objects.filter(action=AuditAction.SURVEY_SUMMARY_PUBLISHED).exists() is (
        role == "lead"
    )


@pytest.mark.authz(
    "consultations:survey_status", "consultations:survey_copy", "consultations:question_move"
)
@pytest.mark.parametrize("role", ROLES)
def test_post_only_actions_follow_the_edit_matrix(world, login, surl, draft, role):
    survey, (_yes_no, _single, text) = draft
    client = login(user_for(world, role))
    before = _snapshot()
    expected = EDIT_MATRIX[role]
    ok = 302 if expected == 200 else expected
    _expect(client.post(surl("survey_copy", survey)), ok)
    _expect(
        client.post(surl("question_move", survey, question_uuid=text.uuid), {"direction": "up"}),
        ok,
    )
    _expect(client.post(surl("survey_status", survey), {"action": "open"}), ok)
    survey.refresh_from_db()
    text.refresh_from_db()
    if expected == 200:
        assert Survey.objects.count() == 2  # the copy
        assert text.position == 2
        assert survey.status == SurveyStatus.OPEN
    else:
        assert _snapshot() == before
        assert text.position == 3
        assert survey.status == SurveyStatus.DRAFT


@pytest.mark.parametrize("role", ["anonymous", "outsider", "viewer", "other_lead", "coordinator"])
def test_survey_posts_by_anyone_else_change_nothing(world, login, surl, draft, answered, role):
    survey, (_yes_no, _single, text) = draft
    done, (story, _consent, _single2) = answered
    response = done.responses.first()
    client = login(user_for(world, role))
    expected = EDIT_MATRIX[role]
    before = _snapshot()
    posts = [
        (curl("neighborhoods", world.a.city), {"names": "Hijacked"}),
        (curl("survey_create", world.a.city), _survey_data()),
        (surl("survey_edit", survey), _survey_data(title_en="Hijacked")),
        (surl("survey_delete", survey), {}),
        (surl("question_create", survey), _question_data()),
        (surl("question_edit", survey, question_uuid=text.uuid), _question_data(label_en="Hi")),
        (surl("question_delete", survey, question_uuid=text.uuid), {}),
        (surl("survey_status", survey), {"action": "open"}),
        (surl("survey_copy", survey), {}),
        (surl("question_move", survey, question_uuid=text.uuid), {"direction": "up"}),
        (
            surl("answer_promote", done, response_uuid=response.uuid, question_uuid=story.uuid),
            _promote_data(),
        ),
        (surl("survey_summary", done), {"action": "publish"}),
    ]
    for url, data in posts:
        _expect(client.post(url, data), expected, url)
    assert _snapshot() == before
    survey.refresh_from_db()
    assert survey.title["en"] != "Hijacked"
    assert survey.status == SurveyStatus.DRAFT
    done.refresh_from_db()
    assert not done.summary_is_published


def test_another_citys_survey_is_404_for_every_route_and_verb(world, login, surl, theirs):
    survey, story, response = theirs
    question = SurveyQuestionFactory(survey=survey, kind=K.YES_NO)
    client = login(world.a.lead)
    a = world.a.city
    urls = [
        surl("survey_detail", survey, city=a),
        surl("survey_edit", survey, city=a),
        surl("survey_delete", survey, city=a),
        surl("survey_preview", survey, city=a),
        surl("survey_qr", survey, city=a, fmt="png"),
        surl("question_create", survey, city=a),
        surl("question_edit", survey, city=a, question_uuid=question.uuid),
        surl("question_delete", survey, city=a, question_uuid=question.uuid),
        surl("survey_results", survey, city=a),
        surl("survey_answers", survey, city=a, question_uuid=story.uuid),
        surl("survey_export_csv", survey, city=a),
        surl("survey_export_xlsx", survey, city=a),
        surl(
            "answer_promote", survey, city=a, response_uuid=response.uuid, question_uuid=story.uuid
        ),
        surl("survey_summary", survey, city=a),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    before = _snapshot()
    posts = [
        surl("survey_detail", survey, city=a),
        surl("survey_edit", survey, city=a),
        surl("survey_delete", survey, city=a),
        surl("survey_status", survey, city=a),
        surl("survey_copy", survey, city=a),
        surl("question_create", survey, city=a),
        surl("question_edit", survey, city=a, question_uuid=question.uuid),
        surl("question_delete", survey, city=a, question_uuid=question.uuid),
        surl("question_move", survey, city=a, question_uuid=question.uuid),
        surl(
            "answer_promote", survey, city=a, response_uuid=response.uuid, question_uuid=story.uuid
        ),
        surl("survey_summary", survey, city=a),
    ]
    data = {"action": "close", **_promote_data()}
    for url in posts:
        assert client.post(url, data).status_code == 404, url
    assert _snapshot() == before
    # And city B's own URLs are not city A's lead's to see at all.
    assert client.get(surl("survey_detail", survey)).status_code == 404
    survey.refresh_from_db()
    assert survey.status == SurveyStatus.OPEN


def test_a_question_or_response_of_another_survey_is_404(
    world, login, surl, draft, answered, theirs
):
    survey, (_yes_no, _single, text) = draft
    _their_survey, _their_story, their_response = theirs
    done, (story, _consent, _single2) = answered
    response = done.responses.first()
    client = login(world.a.lead)
    assert client.get(surl("question_edit", done, question_uuid=text.uuid)).status_code == 404
    assert client.get(surl("survey_answers", survey, question_uuid=story.uuid)).status_code == 404
    url = surl("answer_promote", survey, response_uuid=response.uuid, question_uuid=story.uuid)
    assert client.get(url).status_code == 404
    # City B's response under city A's survey and question.
    url = surl("answer_promote", done, response_uuid=their_response.uuid, question_uuid=story.uuid)
    assert client.get(url).status_code == 404
    assert client.post(url, _promote_data()).status_code == 404
    assert not Testimony.objects.exists()
    assert (
        client.get(
            surl("survey_detail", survey).replace(str(survey.uuid), "not-a-uuid")
        ).status_code
        == 404
    )


def test_post_only_actions_refuse_get(world, login, surl, draft):
    survey, (_yes_no, _single, text) = draft
    client = login(world.a.lead)
    for url in (
        surl("survey_status", survey),
        surl("survey_copy", survey),
        surl("question_move", survey, question_uuid=text.uuid),
    ):
        assert client.get(url).status_code == 405, url
    assert Survey.objects.count() == 1
    assert not AuditEvent.objects.exists()


def test_read_only_pages_refuse_post(world, login, surl, answered):
    survey, (story, _consent, _single) = answered
    client = login(world.a.lead)
    for url in (
        surl("survey_preview", survey),
        surl("survey_qr", survey, fmt="svg"),
        surl("survey_results", survey),
        surl("survey_answers", survey, question_uuid=story.uuid),
        surl("survey_export_csv", survey),
        surl("survey_export_xlsx", survey),
    ):
        assert client.post(url).status_code == 405, url
    assert not AuditEvent.objects.exists()


# --------------------------------------------------------------------------- surveys


def _survey_data(**overrides) -> dict[str, object]:
    return {
        "title_en": "Parks and play areas",
        "title_es": "Parques y áreas de juego",
        "introduction_en": "Five minutes.",
        "introduction_es": "Cinco minutos.",
        "consent_statement_en": "The city team keeps your answers.",
        "consent_statement_es": "El equipo de la ciudad guarda sus respuestas.",
        "extra_languages": [],
        "opens_on": "",
        "closes_on": "",
        "response_cap": "",
        **overrides,
    }


@pytest.mark.parametrize("role", ["organizer", "lead"])
def test_creating_a_survey_on_the_page(world, login, surl, role):
    user = user_for(world, role)
    response = login(user).post(
        curl("survey_create", world.a.city), _survey_data(extra_languages=["vi"], response_cap="40")
    )
    survey = Survey.objects.get()
    assert response.status_code == 302
    assert response["Location"] == surl("survey_detail", survey)
    assert survey.city == world.a.city
    assert survey.created_by == user
    assert survey.status == SurveyStatus.DRAFT
    assert survey.languages == ["en", "es", "vi"]
    assert survey.title == {"en": "Parks and play areas", "es": "Parques y áreas de juego"}
    assert survey.response_cap == 40
    assert AuditEvent.objects.get(action=AuditAction.SURVEY_CREATED).actor == user


def test_a_survey_form_that_fails_keeps_everything_typed(world, login):
    response = login(world.a.organizer).post(
        curl("survey_create", world.a.city),
        _survey_data(title_en="", title_es="", introduction_en="Kept intro", response_cap="0"),
    )
    assert response.status_code == 422
    assert response.context["form"].errors
    assert "Kept intro" in response.content.decode()
    assert not Survey.objects.exists()


def test_the_close_date_must_follow_the_open_date_on_the_page(world, login):
    response = login(world.a.organizer).post(
        curl("survey_create", world.a.city),
        _survey_data(opens_on="2026-06-01", closes_on="2026-05-01"),
    )
    assert response.status_code == 422
    assert not Survey.objects.exists()


def test_editing_a_survey_on_the_page(world, login, surl, draft):
    survey, _questions = draft
    response = login(world.a.organizer).post(
        surl("survey_edit", survey),
        _survey_data(title_en="Renamed", title_es="Renombrada", closes_on="2030-01-31"),
    )
    assert response.status_code == 302
    survey.refresh_from_db()
    assert survey.title == {"en": "Renamed", "es": "Renombrada"}
    assert str(survey.closes_on) == "2030-01-31"
    event = AuditEvent.objects.get(action=AuditAction.SURVEY_UPDATED)
    assert "title" in event.details["fields"]


def test_opening_and_closing_on_the_page(world, login, surl, draft):
    survey, _questions = draft
    client = login(world.a.organizer)
    response = client.post(surl("survey_status", survey), {"action": "open"})
    assert response.status_code == 302
    assert response["Location"] == surl("survey_detail", survey)
    survey.refresh_from_db()
    assert survey.status == SurveyStatus.OPEN
    client.post(surl("survey_status", survey), {"action": "close"})
    survey.refresh_from_db()
    assert survey.status == SurveyStatus.CLOSED
    response = client.post(surl("survey_status", survey), {"action": "explode"})
    assert any("open or close" in m for m in messages_of(response))
    survey.refresh_from_db()
    assert survey.status == SurveyStatus.CLOSED


def test_a_survey_missing_spanish_cant_be_opened_and_the_page_says_why(world, login, surl, draft):
    survey, (_yes_no, _single, text) = draft
    text.label = {"en": "Only in English"}
    text.save()
    client = login(world.a.organizer)
    detail = client.get(surl("survey_detail", survey))
    assert "1 text(s) have no Spanish version yet." in detail.context["problems"]
    assert "1 text(s) have no Spanish version yet." in detail.content.decode()
    response = client.post(surl("survey_status", survey), {"action": "open"})
    assert response.status_code == 302
    assert any("Spanish" in m for m in messages_of(response))
    survey.refresh_from_db()
    assert survey.status == SurveyStatus.DRAFT
    assert not AuditEvent.objects.filter(action=AuditAction.SURVEY_OPENED).exists()


def test_copying_on_the_page_opens_the_new_version(world, login, surl, answered):
    survey, _questions = answered
    response = login(world.a.organizer).post(surl("survey_copy", survey))
    copy = Survey.objects.get(copied_from=survey)
    assert response.status_code == 302
    assert response["Location"] == surl("survey_detail", copy)
    assert (copy.version, copy.status) == (2, SurveyStatus.DRAFT)
    assert copy.questions.count() == 3
    assert any("version 2" in m for m in messages_of(response))


def test_deleting_on_the_page(world, login, surl, draft, answered):
    survey, _questions = draft
    client = login(world.a.organizer)
    confirm = client.get(surl("survey_delete", survey))
    assert confirm.status_code == 200
    assert confirm.context["has_responses"] is False
    response = client.post(surl("survey_delete", survey))
    assert response.status_code == 302
    assert response["Location"] == curl("survey_list", world.a.city)
    assert not Survey.objects.filter(pk=survey.pk).exists()
    done, _ = answered
    response = client.post(surl("survey_delete", done))
    assert response["Location"] == surl("survey_detail", done)
    assert any("can't be deleted" in m for m in messages_of(response))
    assert Survey.objects.filter(pk=done.pk).exists()


def test_the_preview_shows_a_draft_in_any_of_its_languages(world, login, surl, draft):
    survey, (yes_no, _single, _text) = draft
    client = login(world.a.viewer)
    response = client.get(surl("survey_preview", survey))
    assert response.status_code == 200
    assert response.context["preview"] is True
    assert "Preview: nothing you enter is sent." in response.content.decode()
    response = client.get(surl("survey_preview", survey), {"lang": "es"})
    assert response.context["language"] == "es"
    body = response.content.decode()
    assert survey.title["es"] in body
    assert yes_no.label["es"] in body
    assert survey.title["en"] not in body
    assert not SurveyResponse.objects.exists()


def test_the_qr_code_as_svg_and_png(world, login, surl, answered):
    survey, _questions = answered
    client = login(world.a.viewer)
    svg = client.get(surl("survey_qr", survey, fmt="svg"))
    assert svg.status_code == 200
    assert svg["Content-Type"] == "image/svg+xml"
    assert b"<svg" in svg.content
    assert "Content-Disposition" not in svg
    png = client.get(surl("survey_qr", survey, fmt="png"), {"download": "1"})
    assert png["Content-Type"] == "image/png"
    assert png.content.startswith(b"\x89PNG")
    assert png["Content-Disposition"] == (
        f'attachment; filename="survey-{survey.short_ref.lower()}-qr.png"'
    )
    assert client.get(surl("survey_qr", survey, fmt="gif")).status_code == 404


def test_the_qr_code_holds_the_public_link(world, login, surl, answered):
    survey, _questions = answered
    svg = login(world.a.viewer).get(surl("survey_qr", survey, fmt="svg")).content
    link = "http://testserver" + reverse("survey_public:respond", args=[survey.uuid])
    out = io.BytesIO()
    segno.make(link, error="m").save(out, kind="svg", scale=8, border=4, title="Survey link")
    assert svg == out.getvalue()


# --------------------------------------------------------------------------- questions


def _question_data(**overrides) -> dict[str, object]:
    return {
        "kind": "single",
        "required": "on",
        "show_if": "",
        "label_en": "How do you get to school?",
        "label_es": "¿Cómo va a la escuela?",
        "help_en": "",
        "help_es": "",
        "options_en": "Walk\nBus\nCar",
        "options_es": "Caminando\nAutobús\nCarro",
        **overrides,
    }


def test_adding_a_question_on_the_page_with_a_rule(world, login, surl, draft):
    survey, (yes_no, _single, _text) = draft
    client = login(world.a.organizer)
    form = client.get(surl("question_create", survey)).context["form"]
    assert f"{yes_no.uuid}:yes" in dict(form.fields["show_if"].choices)
    response = client.post(
        surl("question_create", survey), _question_data(show_if=f"{yes_no.uuid}:no")
    )
    assert response.status_code == 302
    assert response["Location"] == surl("survey_detail", survey)
    question = survey.questions.get(position=4)
    assert question.kind == K.SINGLE and question.required
    assert [o["label"] for o in question.options][1] == {"en": "Bus", "es": "Autobús"}
    assert (question.show_if_question, question.show_if_value) == (yes_no, "no")
    assert AuditEvent.objects.filter(action=AuditAction.SURVEY_QUESTION_ADDED).count() == 1


def test_a_rule_on_a_made_up_option_is_refused_on_the_page(world, login, surl, draft):
    survey, (yes_no, _single, _text) = draft
    response = login(world.a.organizer).post(
        surl("question_create", survey), _question_data(show_if=f"{yes_no.uuid}:perhaps")
    )
    assert response.status_code == 422
    assert response.context["form"].errors["show_if"]
    assert survey.questions.count() == 3


def test_no_question_can_be_added_on_the_page_once_answered(world, login, surl, answered):
    survey, _questions = answered
    client = login(world.a.organizer)
    for response in (
        client.get(surl("question_create", survey)),
        client.post(surl("question_create", survey), _question_data()),
    ):
        assert response.status_code == 302
        assert response["Location"] == surl("survey_detail", survey)
        assert any("already has responses" in m for m in messages_of(response))
    assert survey.questions.count() == 3


def test_an_answered_surveys_question_wording_can_be_fixed_but_not_its_kind(
    world, login, surl, answered
):
    survey, (_story, _consent, single) = answered
    client = login(world.a.organizer)
    page = client.get(surl("question_edit", survey, question_uuid=single.uuid))
    assert page.context["locked"] is True
    assert page.context["form"].fields["kind"].disabled
    response = client.post(
        surl("question_edit", survey, question_uuid=single.uuid),
        _question_data(
            kind="multiple",  # disabled: ignored
            required="",
            label_en="Which way do you usually go?",
            label_es="¿Por dónde va normalmente?",
            options_en="First option\nSecond",
            options_es="Primera opción\nSegunda",
        ),
    )
    assert response.status_code == 302
    single.refresh_from_db()
    assert single.kind == K.SINGLE and single.required is False
    assert single.label["en"] == "Which way do you usually go?"
    assert [o["key"] for o in single.options] == ["a", "b"]


def test_an_answered_surveys_options_cant_be_added_on_the_page(world, login, surl, answered):
    survey, (_story, _consent, single) = answered
    response = login(world.a.organizer).post(
        surl("question_edit", survey, question_uuid=single.uuid),
        _question_data(required="", options_en="A\nB\nC", options_es="A\nB\nC"),
    )
    assert response.status_code == 422
    assert "already has responses" in response.content.decode()
    single.refresh_from_db()
    assert len(single.options) == 2


def test_deleting_and_moving_questions_on_the_page(world, login, surl, draft):
    survey, (yes_no, single, text) = draft
    client = login(world.a.organizer)
    assert client.get(surl("question_delete", survey, question_uuid=text.uuid)).status_code == 200
    # The rule's controller can't go, nor can its dependent rise above it.
    response = client.post(surl("question_delete", survey, question_uuid=yes_no.uuid))
    assert any("depends on this one" in m for m in messages_of(response))
    response = client.post(
        surl("question_move", survey, question_uuid=single.uuid), {"direction": "up"}
    )
    assert response["Location"] == surl("survey_detail", survey) + f"#question-{single.uuid}"
    assert any("can't move above" in m for m in messages_of(response))
    client.post(surl("question_move", survey, question_uuid=single.uuid), {"direction": "down"})
    assert list(survey.questions.values_list("pk", flat=True)) == [yes_no.pk, text.pk, single.pk]
    response = client.post(surl("question_delete", survey, question_uuid=text.uuid))
    assert response["Location"] == surl("survey_detail", survey)
    assert list(survey.questions.values_list("pk", "position")) == [(yes_no.pk, 1), (single.pk, 2)]


def test_questions_of_an_answered_survey_cant_move_or_go_on_the_page(world, login, surl, answered):
    survey, (story, consent, _single) = answered
    client = login(world.a.organizer)
    response = client.post(surl("question_move", survey, question_uuid=consent.uuid))
    assert any("already has responses" in m for m in messages_of(response))
    response = client.post(surl("question_delete", survey, question_uuid=story.uuid))
    assert any("already has responses" in m for m in messages_of(response))
    assert list(survey.questions.values_list("position", flat=True)) == [1, 2, 3]
    assert not AuditEvent.objects.exists()


def test_a_rule_on_a_retired_neighborhood_survives_fixing_the_wording(
    world, login, surl, make_survey
):
    services.neighborhoods_set(
        actor=world.a.lead, city=world.a.city, names=["Eastside", "Riverside"]
    )
    riverside = Neighborhood.objects.get(name="Riverside")
    survey, (ward, follow) = make_survey(
        K.NEIGHBORHOOD, {"kind": K.SHORT_TEXT, "show_if": (0, str(riverside.uuid))}
    )
    SurveyResponseFactory(survey=survey, answers={str(ward.uuid): str(riverside.uuid)})
    services.neighborhoods_set(actor=world.a.lead, city=world.a.city, names=["Eastside"])
    response = login(world.a.organizer).post(
        surl("question_edit", survey, question_uuid=follow.uuid),
        _question_data(
            kind="short_text",
            required="",
            label_en="What is it like by the river?",
            label_es="¿Cómo es junto al río?",
            options_en="",
            options_es="",
        ),
    )
    follow.refresh_from_db()
    assert (follow.show_if_question, follow.show_if_value) == (ward, str(riverside.uuid))
    assert response.status_code == 302
    assert follow.label["en"] == "What is it like by the river?"


def test_a_rule_note_names_a_retired_neighborhood(world, login, surl, make_survey):
    services.neighborhoods_set(
        actor=world.a.lead, city=world.a.city, names=["Eastside", "Riverside"]
    )
    riverside = Neighborhood.objects.get(name="Riverside")
    survey, (_ward, follow) = make_survey(
        K.NEIGHBORHOOD, {"kind": K.SHORT_TEXT, "show_if": (0, str(riverside.uuid))}
    )
    services.neighborhoods_set(actor=world.a.lead, city=world.a.city, names=["Eastside"])
    page = login(world.a.viewer).get(surl("survey_detail", survey))
    (shown,) = [q for q in page.context["questions"] if q.pk == follow.pk]
    assert str(riverside.uuid) not in shown.rule_note
    assert "Riverside" in shown.rule_note


# --------------------------------------------------------------------------- neighborhoods


def test_setting_neighborhoods_on_the_page(world, login):
    client = login(world.a.organizer)
    url = curl("neighborhoods", world.a.city)
    response = client.post(url, {"names": "Eastside\nRiverside\n\nOld Mill"})
    assert response.status_code == 302
    assert response["Location"] == url
    response = client.post(url, {"names": "Eastside\nOld Mill"})
    page = client.get(url)
    assert page.context["form"].initial["names"] == "Eastside\nOld Mill"
    assert [n.name for n in page.context["retired"]] == ["Riverside"]
    assert "Riverside" in page.content.decode()
    client.post(url, {"names": "Eastside\nOld Mill\nRiverside"})
    assert list(
        Neighborhood.objects.filter(city=world.a.city, is_active=True).values_list(
            "name", flat=True
        )
    ) == ["Eastside", "Old Mill", "Riverside"]
    assert not Neighborhood.objects.filter(city=world.b.city).exists()


def test_a_bad_neighborhood_list_is_refused_on_the_page(world, login):
    response = login(world.a.organizer).post(
        curl("neighborhoods", world.a.city), {"names": "x" * 121}
    )
    assert response.status_code == 422
    assert not Neighborhood.objects.exists()


# --------------------------------------------------------------------------- results


def test_the_results_page_counts_the_answers(world, login, surl, answered):
    survey, (story, _consent, single) = answered
    response = login(world.a.viewer).get(surl("survey_results", survey))
    assert response.status_code == 200
    results = response.context["results"]
    assert results.total == 6
    by_question = {r.question: r for r in results.questions}
    assert [(r.key, r.count) for r in by_question[single].rows] == [("a", 5), ("b", 1)]
    assert by_question[story].answered == 6
    # The team's own results are not suppressed.
    assert not any(r.suppressed for r in by_question[single].rows)


def test_the_results_page_filters_and_refuses_bad_filters(world, login, surl, answered):
    survey, _questions = answered
    SurveyResponseFactory(survey=survey, language="es", answers={})
    client = login(world.a.viewer)
    response = client.get(surl("survey_results", survey), {"language": "es"})
    assert response.context["results"].total == 1
    response = client.get(
        surl("survey_results", survey), {"date_from": "2026-05-02", "date_to": "2026-05-01"}
    )
    assert response.status_code == 422
    assert response.context["results"].total == 7  # bad filters: no filter


def test_the_answers_page_lists_and_searches_free_text(world, login, surl, answered):
    survey, (story, consent, _single) = answered
    SurveyResponseFactory(survey=survey, answers={str(story.uuid): "Potholes on Main"})
    client = login(world.a.viewer)
    url = surl("survey_answers", survey, question_uuid=story.uuid)
    response = client.get(url)
    assert response.status_code == 200
    assert len(response.context["page"]) == 7
    response = client.get(url, {"q": "POTHOLES"})
    assert [r.answer_text for r in response.context["page"]] == ["Potholes on Main"]
    assert "Potholes on Main" in response.content.decode()
    # Only free-text questions have an answers page.
    assert client.get(surl("survey_answers", survey, question_uuid=consent.uuid)).status_code == 404


def test_free_text_is_escaped_on_the_teams_pages(world, login, surl, answered):
    survey, (story, _consent, _single) = answered
    SurveyResponseFactory(survey=survey, answers={str(story.uuid): "<script>alert(1)</script>"})
    client = login(world.a.viewer)
    for url in (
        surl("survey_results", survey),
        surl("survey_answers", survey, question_uuid=story.uuid),
    ):
        body = client.get(url).content
        assert b"<script>alert(1)</script>" not in body
    assert (
        b"&lt;script&gt;alert(1)&lt;/script&gt;"
        in client.get(surl("survey_answers", survey, question_uuid=story.uuid)).content
    )


# --------------------------------------------------------------------------- exports


def test_the_csv_export_on_the_page(world, login, surl, answered):
    survey, (story, _consent, _single) = answered
    SurveyResponseFactory(
        survey=survey, language="es", answers={str(story.uuid): '=HYPERLINK("http://x.example")'}
    )
    response = login(world.a.organizer).get(surl("survey_export_csv", survey))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    stamp = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == (
        f'attachment; filename="alphaville-survey-{survey.short_ref.lower()}-v1-{stamp}.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 8
    assert '\'=HYPERLINK("http://x.example")' in {row[4] for row in rows}
    event = AuditEvent.objects.get(action=AuditAction.SURVEY_EXPORTED)
    assert event.actor == world.a.organizer
    assert event.city == world.a.city
    assert event.details == {"format": "csv", "rows": 7}


def test_the_export_follows_the_filters(world, login, surl, answered):
    survey, (story, _consent, _single) = answered
    SurveyResponseFactory(survey=survey, language="es", answers={str(story.uuid): "En español"})
    response = login(world.a.lead).get(surl("survey_export_csv", survey), {"language": "es"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [row[4] for row in rows[1:]] == ["En español"]
    assert AuditEvent.objects.get(action=AuditAction.SURVEY_EXPORTED).details["rows"] == 1


def test_the_xlsx_export_on_the_page(world, login, surl, answered):
    survey, (story, _consent, _single) = answered
    SurveyResponseFactory(survey=survey, answers={str(story.uuid): "@SUM(1+1)"})
    response = login(world.a.organizer).get(surl("survey_export_xlsx", survey))
    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"].endswith('.xlsx"')
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    values = [row[4] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert len(values) == 7
    assert "'@SUM(1+1)" in values
    assert AuditEvent.objects.get(action=AuditAction.SURVEY_EXPORTED).details == {
        "format": "xlsx",
        "rows": 7,
    }


# --------------------------------------------------------------------------- promotion


def _promote_data(**overrides) -> dict[str, object]:
    return {
        "themes": [seeded_theme("housing").pk],
        "nature": "problem",
        "summary": "Bus cuts",
        "area": "",
        **overrides,
    }


def test_promoting_an_answer_on_the_page(world, login, surl, answered):
    survey, (story, _consent, _single) = answered
    response_row = survey.responses.order_by("id").first()
    url = surl("answer_promote", survey, response_uuid=response_row.uuid, question_uuid=story.uuid)
    client = login(world.a.organizer)
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["consent"] == "anonymous"
    assert "Story number 0 about the bus." in page.content.decode()
    response = client.post(url, _promote_data())
    testimony = Testimony.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "consultations:testimony_detail",
        kwargs={"city_uuid": world.a.city.uuid, "testimony_uuid": testimony.uuid},
    )
    assert testimony.narrative == "Story number 0 about the bus."
    assert testimony.source == Source.SURVEY
    assert testimony.consent_level == ConsentLevel.ANONYMOUS
    assert testimony.consent_method == "online"
    assert testimony.review_status == ReviewStatus.DRAFT
    assert testimony.recorded_by == world.a.organizer
    assert testimony.summary == "Bus cuts"
    # Promoting again goes to the testimony that exists.
    again = client.get(url)
    assert again.status_code == 302
    assert again["Location"] == response["Location"]
    assert any("already" in m for m in messages_of(again))
    client.post(url, _promote_data())
    assert Testimony.objects.count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.SURVEY_ANSWER_PROMOTED).count() == 1


def test_promotion_takes_themes_and_area_from_the_residents_answers(
    world, login, surl, make_survey
):
    services.neighborhoods_set(actor=world.a.lead, city=world.a.city, names=["Eastside"])
    survey, (story, theme, ward) = make_survey(K.LONG_TEXT, K.THEME, K.NEIGHBORHOOD)
    eastside = Neighborhood.objects.get(name="Eastside")
    row = SurveyResponseFactory(
        survey=survey,
        answers={
            str(story.uuid): "No shade at the stop.",
            str(theme.uuid): ["health", "housing"],
            str(ward.uuid): str(eastside.uuid),
        },
    )
    page = login(world.a.organizer).get(
        surl("answer_promote", survey, response_uuid=row.uuid, question_uuid=story.uuid)
    )
    initial = page.context["form"].initial
    assert sorted(t.slug for t in initial["themes"]) == ["health", "housing"]
    assert initial["area"] == "Eastside"
    assert page.context["consent"] is None  # the survey didn't ask: internal only


def test_only_a_free_text_answer_can_be_promoted_on_the_page(world, login, surl, answered):
    survey, (story, consent, _single) = answered
    row = survey.responses.first()
    empty = SurveyResponseFactory(survey=survey, answers={})
    client = login(world.a.organizer)
    for url in (
        surl("answer_promote", survey, response_uuid=row.uuid, question_uuid=consent.uuid),
        surl("answer_promote", survey, response_uuid=empty.uuid, question_uuid=story.uuid),
    ):
        assert client.get(url).status_code == 404
        assert client.post(url, _promote_data()).status_code == 404
    assert not Testimony.objects.exists()


def test_a_promotion_without_themes_is_refused(world, login, surl, answered):
    survey, (story, _consent, _single) = answered
    row = survey.responses.first()
    url = surl("answer_promote", survey, response_uuid=row.uuid, question_uuid=story.uuid)
    response = login(world.a.organizer).post(url, _promote_data(themes=[]))
    assert response.status_code == 422
    assert response.context["form"].errors["themes"]
    assert not Testimony.objects.exists()


# --------------------------------------------------------------------------- summary


def _quotable(world, survey, story) -> Testimony:
    row = survey.responses.order_by("id").first()
    testimony = services.answer_promote(
        actor=world.a.organizer,
        response=row,
        question=story,
        themes=[seeded_theme("housing")],
        nature="problem",
    )
    services.testimony_redact(
        actor=world.a.organizer, testimony=testimony, redacted_quote="The bus never comes."
    )
    services.testimony_review(actor=world.a.lead, testimony=testimony)
    testimony.refresh_from_db()
    return testimony


def test_the_lead_publishes_the_summary_with_chosen_quotes(world, login, surl, answered):
    survey, (story, _consent, _single) = answered
    chosen = _quotable(world, survey, story)
    draft_only = services.answer_promote(
        actor=world.a.organizer,
        response=survey.responses.order_by("id")[1],
        question=story,
        themes=[seeded_theme("housing")],
        nature="problem",
    )
    client = login(world.a.lead)
    page = client.get(surl("survey_summary", survey))
    assert page.status_code == 200
    assert page.context["quotable"] == [chosen]
    assert list(page.context["form"].fields["quotes"].queryset) == [chosen]
    # The lead's preview is the public one: suppressed.
    single = page.context["results"].questions[2]
    assert [(r.key, r.count, r.suppressed) for r in single.rows] == [
        ("a", None, True),
        ("b", None, True),
    ]
    response = client.post(
        surl("survey_summary", survey), {"action": "publish", "quotes": [draft_only.pk]}
    )
    assert response.status_code == 422
    survey.refresh_from_db()
    assert not survey.summary_is_published
    response = client.post(
        surl("survey_summary", survey), {"action": "publish", "quotes": [chosen.pk]}
    )
    assert response.status_code == 302
    survey.refresh_from_db()
    assert survey.summary_is_published
    assert list(survey.summary_quotes.all()) == [chosen]
    response = client.post(surl("survey_summary", survey), {"action": "unpublish"})
    assert response.status_code == 302
    survey.refresh_from_db()
    assert not survey.summary_is_published
    assert AuditEvent.objects.filter(action=AuditAction.SURVEY_SUMMARY_UNPUBLISHED).count() == 1


@pytest.mark.authz("public:survey_summary")
def test_the_public_summary_shows_suppressed_counts_and_chosen_quotes(
    world, client, surl, answered
):
    survey, (story, _consent, _single) = answered
    chosen = _quotable(world, survey, story)
    other = services.answer_promote(
        actor=world.a.organizer,
        response=survey.responses.order_by("id")[1],
        question=story,
        themes=[seeded_theme("housing")],
        nature="problem",
    )
    services.testimony_redact(
        actor=world.a.organizer, testimony=other, redacted_quote="Not chosen by the lead."
    )
    services.testimony_review(actor=world.a.lead, testimony=other)
    url = reverse("public:survey_summary", args=[world.a.city.slug, survey.uuid])
    assert client.get(url).status_code == 404  # not published yet
    services.survey_summary_publish(actor=world.a.lead, survey=survey, quotes=[chosen])
    response = client.get(url)
    assert response.status_code == 200
    body = response.content.decode()
    assert survey.title["en"] in body
    assert "6 people answered this survey." in body
    assert "fewer than 5" in body
    assert "The bus never comes." in body
    assert "Not chosen by the lead." not in body
    for n in range(6):
        assert f"Story number {n}" not in body  # never free text
    # Withdrawn consent takes the quote off at once.
    services.testimony_withdraw_consent(actor=world.a.lead, testimony=chosen)
    body = client.get(url).content.decode()
    assert "The bus never comes." not in body
    # Under another city's address it doesn't exist.
    assert (
        client.get(
            reverse("public:survey_summary", args=[world.b.city.slug, survey.uuid])
        ).status_code
        == 404
    )


def test_a_public_summary_with_fewer_than_five_responses_shows_no_numbers(
    world, client, make_survey
):
    survey, (yes_no,) = make_survey(K.YES_NO)
    for _ in range(4):
        SurveyResponseFactory(survey=survey, answers={str(yes_no.uuid): "yes"})
    services.survey_summary_publish(actor=world.a.lead, survey=survey)
    response = client.get(reverse("public:survey_summary", args=[world.a.city.slug, survey.uuid]))
    assert response.status_code == 200
    assert response.context["results"].total is None
    assert "Fewer than 5 people have answered" in response.content.decode()


def test_the_city_page_lists_open_surveys_and_published_summaries(world, client, make_survey):
    open_survey, _ = make_survey(K.YES_NO)
    published, _ = make_survey(K.YES_NO, status=SurveyStatus.CLOSED)
    services.survey_summary_publish(actor=world.a.lead, survey=published)
    draft, _ = make_survey(K.YES_NO, status=SurveyStatus.DRAFT)
    body = client.get(reverse("public:city", args=[world.a.city.slug])).content.decode()
    assert reverse("survey_public:respond", args=[open_survey.uuid]) in body
    assert reverse("public:survey_summary", args=[world.a.city.slug, published.uuid]) in body
    assert str(draft.uuid) not in body


# --------------------------------------------------------------------------- the list


def test_the_survey_list_is_newest_first(world, login):
    old = SurveyFactory(city=world.a.city)
    new = SurveyFactory(city=world.a.city)
    Survey.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=3))
    SurveyResponseFactory(survey=old)
    response = login(world.a.viewer).get(curl("survey_list", world.a.city))
    assert response.status_code == 200
    assert list(response.context["page"]) == [new, old]
    assert response.context["page"][1].responses_total == 1


# --------------------------------------------------------------------------- query counts


def _fill_surveys(world, count: int) -> None:
    for _ in range(count):
        survey = SurveyFactory(city=world.a.city, status=SurveyStatus.OPEN)
        SurveyResponseFactory(survey=survey)


def test_the_survey_list_query_count_does_not_grow(world, login, django_assert_num_queries):
    client = login(world.a.organizer)
    url = curl("survey_list", world.a.city)
    _fill_surveys(world, 3)
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    _fill_surveys(world, 20)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert len(response.context["page"]) == 23


def _grow(survey, questions: int, responses: int) -> None:
    for _ in range(questions):
        SurveyQuestionFactory(survey=survey, kind=K.SINGLE)
    for _ in range(responses):
        SurveyResponseFactory(survey=survey)


# Measured with a lead's session: session, user, MFA and membership checks, then the
# page's own reads. The detail and results pages read the survey, its questions and
# (results) the answers in one query each, whatever their number; the survey used here
# has a theme question, so the theme list is one more (for the detail page's rule notes,
# and the results' labels).
PINNED_QUERIES = {"survey_detail": 11, "survey_results": 10, "survey_summary": 13}


@pytest.mark.parametrize("page", list(PINNED_QUERIES))
def test_builder_page_query_counts_are_pinned_and_do_not_grow(
    world, login, surl, make_survey, page, django_assert_num_queries
):
    survey, _ = make_survey(K.YES_NO, {"kind": K.LONG_TEXT, "show_if": (0, "yes")}, K.THEME)
    _grow(survey, 1, 3)
    client = login(world.a.lead)
    url = surl(page, survey)
    client.get(url)
    with django_assert_num_queries(PINNED_QUERIES[page]):
        client.get(url)
    _grow(survey, 20, 27)
    with django_assert_num_queries(PINNED_QUERIES[page]):
        response = client.get(url)
    assert response.status_code == 200
    shown = (
        response.context["questions"]
        if page == "survey_detail"
        else response.context["results"].questions
    )
    assert len(shown) == 24


def test_the_answers_page_query_count_does_not_grow(
    world, login, surl, answered, django_assert_num_queries
):
    survey, (story, _consent, _single) = answered
    client = login(world.a.viewer)
    url = surl("survey_answers", survey, question_uuid=story.uuid)
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for n in range(30):
        SurveyResponseFactory(survey=survey, answers={str(story.uuid): f"More {n}"})
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert len(response.context["page"]) == 36
