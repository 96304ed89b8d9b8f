"""The survey builder's services: surveys and their translations, questions and show-if
rules, opening and closing, the structure freeze once a resident has answered, copies to
a new version, and the city's neighborhood list."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cities.models import AuditAction, AuditEvent, Neighborhood
from consultations import selectors, services, survey_logic
from consultations.models import (
    QuestionKind,
    Survey,
    SurveyQuestion,
    SurveyResponse,
    SurveyStatus,
)
from consultations.services.surveys import MAX_QUESTIONS, SurveyLocked
from tests.factories import (
    SurveyFactory,
    SurveyQuestionFactory,
    SurveyResponseFactory,
    texts,
)

pytestmark = pytest.mark.django_db


def _create(world, **overrides) -> Survey:
    fields = {
        "title": texts("Bus stops", "Paradas de autobús"),
        "consent_statement": texts("We keep your answers.", "Guardamos sus respuestas."),
        **overrides,
    }
    return services.survey_create(
        actor=world.a.organizer, city=world.a.city, cycle=world.cycle, **fields
    )


def _add(world, survey: Survey, kind: str = QuestionKind.SHORT_TEXT, **overrides):
    fields = {
        "kind": kind,
        "required": False,
        "label": texts(f"A {kind} question"),
        **overrides,
    }
    if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE) and "option_lines" not in fields:
        fields["option_lines"] = {"en": ["Bus", "Car", "Bike"], "es": ["Autobús", "Auto", "Bici"]}
    return services.question_create(actor=world.a.organizer, survey=survey, **fields)


def _update(world, question: SurveyQuestion, **overrides):
    question.refresh_from_db()
    fields = {
        "kind": question.kind,
        "required": question.required,
        "label": dict(question.label),
        "help_text": dict(question.help_text),
        "option_lines": {
            code: [o["label"].get(code, "") for o in question.options] for code in ("en", "es")
        },
        "show_if_question": question.show_if_question,
        "show_if_value": question.show_if_value,
        "option_keys": _keys(question.show_if_question) if question.show_if_question else set(),
        **overrides,
    }
    return services.question_update(actor=world.a.organizer, question=question, **fields)


def _keys(question: SurveyQuestion) -> set[str]:
    question.refresh_from_db()
    return {
        key
        for key, _label in survey_logic.question_options(
            question, "en", survey_logic.OptionSource()
        )
    }


def _answered(survey: Survey) -> SurveyResponse:
    return SurveyResponseFactory(survey=survey, answers={})


# --------------------------------------------------------------------------- surveys


def test_creating_a_survey_makes_a_draft_in_english_and_spanish(world):
    survey = _create(world, introduction={"en": "  Five minutes.  ", "es": ""})
    survey.refresh_from_db()
    assert survey.status == SurveyStatus.DRAFT
    assert survey.city == world.a.city
    assert survey.cycle == world.cycle
    assert survey.version == 1
    assert survey.languages == ["en", "es"]
    assert survey.title == {"en": "Bus stops", "es": "Paradas de autobús"}
    assert survey.introduction == {"en": "Five minutes."}  # trimmed, empties dropped
    assert survey.created_by == world.a.organizer
    event = AuditEvent.objects.get(action=AuditAction.SURVEY_CREATED)
    assert (event.actor, event.city, event.target_id) == (
        world.a.organizer,
        world.a.city,
        str(survey.uuid),
    )


def test_a_survey_needs_a_title_and_a_consent_statement(world):
    with pytest.raises(ValidationError) as excinfo:
        _create(world, title={"en": "", "es": " "}, consent_statement={})
    assert {"title", "consent_statement"} <= set(excinfo.value.message_dict)
    assert not Survey.objects.exists()
    assert not AuditEvent.objects.exists()


def test_a_survey_title_in_another_language_only_is_not_enough(world):
    with pytest.raises(ValidationError) as excinfo:
        _create(world, languages=["vi"], title={"vi": "Trạm xe buýt"})
    assert "title" in excinfo.value.message_dict
    assert not Survey.objects.exists()


def test_survey_settings_are_checked(world):
    with pytest.raises(ValidationError) as excinfo:
        _create(world, response_cap=0)
    assert "response_cap" in excinfo.value.message_dict
    with pytest.raises(ValidationError):
        _create(world, languages=["xx"])
    with pytest.raises(ValidationError):
        _create(world, title=texts("x" * 201))
    with pytest.raises(ValidationError):
        _create(world, opens_on=datetime.date(2026, 5, 1), closes_on=datetime.date(2026, 4, 1))
    assert not Survey.objects.exists()


def test_a_close_date_before_the_open_date_is_explained_on_that_field(world):
    with pytest.raises(ValidationError) as excinfo:
        _create(world, opens_on=datetime.date(2026, 5, 1), closes_on=datetime.date(2026, 4, 1))
    assert excinfo.value.message_dict.get("closes_on") == [
        "The close date must be on or after the open date."
    ]


def test_extra_languages_come_after_english_and_spanish(world):
    survey = _create(world, languages=["vi", "es", "vi"])
    assert survey.languages == ["en", "es", "vi"]


def test_updating_a_survey_records_which_fields_changed(world):
    survey = _create(world)
    services.survey_update(
        actor=world.a.lead,
        survey=survey,
        title=texts("Bus stops and shelters", "Paradas y refugios"),
        consent_statement=dict(survey.consent_statement),
        response_cap=200,
    )
    survey.refresh_from_db()
    assert survey.title["en"] == "Bus stops and shelters"
    assert survey.response_cap == 200
    event = AuditEvent.objects.get(action=AuditAction.SURVEY_UPDATED)
    assert event.details == {"fields": ["response_cap", "title"]}


def test_an_update_that_changes_nothing_is_not_audited(world):
    survey = _create(world)
    services.survey_update(actor=world.a.lead, survey=survey, title=dict(survey.title))
    assert not AuditEvent.objects.filter(action=AuditAction.SURVEY_UPDATED).exists()


def test_setting_a_response_limit_counts_the_responses_already_in(world, make_survey):
    survey, _ = make_survey(QuestionKind.SHORT_TEXT)
    for _ in range(3):
        _answered(survey)
    services.survey_update(actor=world.a.lead, survey=survey, response_cap=10)
    survey.refresh_from_db()
    assert survey.response_count == 3


def test_a_language_cant_be_removed_once_there_are_responses(world):
    survey = _create(world, languages=["vi"])
    _answered(survey)
    with pytest.raises(ValidationError) as excinfo:
        services.survey_update(actor=world.a.lead, survey=survey, languages=[])
    assert "languages" in excinfo.value.message_dict
    survey.refresh_from_db()
    assert survey.languages == ["en", "es", "vi"]
    # Adding one is fine.
    services.survey_update(actor=world.a.lead, survey=survey, languages=["vi", "ko"])
    survey.refresh_from_db()
    assert survey.languages == ["en", "es", "vi", "ko"]


def test_an_open_survey_keeps_every_english_and_spanish_text(world, make_survey):
    survey, _ = make_survey(QuestionKind.SHORT_TEXT)
    with pytest.raises(ValidationError, match="Spanish"):
        services.survey_update(
            actor=world.a.lead, survey=survey, title={"en": "Only in English now"}
        )
    survey.refresh_from_db()
    assert survey.title["es"]
    with pytest.raises(ValidationError):
        _add(world, survey, label={"en": "A question without Spanish"})
    assert survey.questions.count() == 1


# --------------------------------------------------------------------------- opening


def test_a_complete_survey_opens_and_closes(world):
    survey = _create(world)
    _add(world, survey, QuestionKind.SINGLE)
    opened = services.survey_open(actor=world.a.organizer, survey=survey)
    assert opened.status == SurveyStatus.OPEN
    survey.refresh_from_db()
    assert survey.public_state() == "accepting"
    services.survey_close(actor=world.a.organizer, survey=survey)
    survey.refresh_from_db()
    assert survey.status == SurveyStatus.CLOSED
    assert survey.public_state() == "closed"
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions[-2:] == [AuditAction.SURVEY_OPENED, AuditAction.SURVEY_CLOSED]
    # A closed survey can be opened again, and only an open one closed.
    services.survey_open(actor=world.a.organizer, survey=survey)
    survey.refresh_from_db()
    assert survey.status == SurveyStatus.OPEN
    draft = _create(world)
    with pytest.raises(ValidationError):
        services.survey_close(actor=world.a.organizer, survey=draft)


def test_a_survey_without_questions_cant_open(world):
    survey = _create(world)
    with pytest.raises(ValidationError, match="at least one question"):
        services.survey_open(actor=world.a.organizer, survey=survey)
    survey.refresh_from_db()
    assert survey.status == SurveyStatus.DRAFT


def test_a_choice_question_needs_two_options_to_open(world):
    survey = _create(world)
    _add(world, survey, QuestionKind.SINGLE, option_lines={"en": ["Only"], "es": ["Única"]})
    with pytest.raises(ValidationError, match="at least two options"):
        services.survey_open(actor=world.a.organizer, survey=survey)


def test_a_survey_missing_a_spanish_text_cant_open(world):
    survey = _create(world)
    _add(world, survey, QuestionKind.SHORT_TEXT, label={"en": "What would you change?"})
    _add(world, survey, QuestionKind.SINGLE, option_lines={"en": ["Bus", "Car"]})
    questions = selectors.question_list(survey=survey)
    missing = survey_logic.missing_translations(survey, questions)
    assert [(m.language, m.where) for m in missing] == [
        ("es", "Question 1"),
        ("es", "Question 2: option 1"),
        ("es", "Question 2: option 2"),
    ]
    with pytest.raises(ValidationError) as excinfo:
        services.survey_open(actor=world.a.organizer, survey=survey)
    assert excinfo.value.messages == ["3 text(s) have no Spanish version yet."]
    survey.refresh_from_db()
    assert survey.status == SurveyStatus.DRAFT
    assert not AuditEvent.objects.filter(action=AuditAction.SURVEY_OPENED).exists()


def test_an_optional_help_text_in_one_language_needs_the_other(world):
    survey = _create(world)
    _add(world, survey, help_text={"en": "Think of last month."})
    with pytest.raises(ValidationError, match="Spanish"):
        services.survey_open(actor=world.a.organizer, survey=survey)


def test_a_missing_extra_language_doesnt_block_opening_but_isnt_offered(world):
    survey = _create(world, languages=["vi"])
    _add(world, survey)
    services.survey_open(actor=world.a.organizer, survey=survey)
    survey.refresh_from_db()
    assert survey.status == SurveyStatus.OPEN
    questions = selectors.question_list(survey=survey)
    missing = survey_logic.missing_translations(survey, questions)
    assert {m.language for m in missing} == {"vi"}
    assert survey_logic.complete_languages(survey, missing) == ["en", "es"]


def test_a_survey_whose_close_date_has_passed_cant_open(world):
    survey = _create(world, closes_on=timezone.localdate() - datetime.timedelta(days=1))
    _add(world, survey)
    with pytest.raises(ValidationError, match="close date has passed"):
        services.survey_open(actor=world.a.organizer, survey=survey)


def test_public_state_follows_status_dates_and_limit(world):
    today = timezone.localdate()
    day = datetime.timedelta(days=1)
    assert SurveyFactory(status=SurveyStatus.DRAFT).public_state() == "draft"
    assert SurveyFactory(status=SurveyStatus.CLOSED).public_state() == "closed"
    assert SurveyFactory(status=SurveyStatus.OPEN, closes_on=today - day).public_state() == (
        "closed"
    )
    assert SurveyFactory(status=SurveyStatus.OPEN, closes_on=today).public_state() == "accepting"
    assert SurveyFactory(status=SurveyStatus.OPEN, opens_on=today + day).public_state() == (
        "scheduled"
    )
    full = SurveyFactory(status=SurveyStatus.OPEN, response_cap=2, response_count=2)
    assert full.public_state() == "full"
    # Closed wins over everything.
    assert SurveyFactory(
        status=SurveyStatus.CLOSED, opens_on=today + day, closes_on=today + 2 * day
    ).public_state() == ("closed")


# --------------------------------------------------------------------------- questions


def test_questions_are_added_at_the_end_with_option_keys(world):
    survey = _create(world)
    first = _add(world, survey, QuestionKind.YES_NO, required=True)
    second = _add(world, survey, QuestionKind.MULTIPLE)
    assert (first.position, second.position) == (1, 2)
    assert first.options == []  # fixed options, not stored
    assert [o["label"] for o in second.options] == [
        {"en": "Bus", "es": "Autobús"},
        {"en": "Car", "es": "Auto"},
        {"en": "Bike", "es": "Bici"},
    ]
    keys = [o["key"] for o in second.options]
    assert len(set(keys)) == 3 and all(keys)
    event = AuditEvent.objects.filter(action=AuditAction.SURVEY_QUESTION_ADDED).latest("id")
    assert event.details == {"position": 2, "kind": "multiple"}


def test_option_lines_must_match_across_languages(world):
    survey = _create(world)
    with pytest.raises(ValidationError) as excinfo:
        _add(
            world,
            survey,
            QuestionKind.SINGLE,
            option_lines={"en": ["Bus", "Car", "Bike"], "es": ["Autobús", "Auto"]},
        )
    assert "options" in excinfo.value.message_dict
    assert not survey.questions.exists()


def test_a_question_needs_words_and_a_known_kind(world):
    survey = _create(world)
    with pytest.raises(ValidationError):
        _add(world, survey, label={"en": " ", "es": ""})
    with pytest.raises(ValidationError):
        _add(world, survey, kind="essay")
    assert not survey.questions.exists()


def test_only_one_permission_to_quote_question(world):
    survey = _create(world)
    _add(world, survey, QuestionKind.QUOTE_CONSENT)
    with pytest.raises(ValidationError) as excinfo:
        _add(world, survey, QuestionKind.QUOTE_CONSENT)
    assert "kind" in excinfo.value.message_dict
    assert survey.questions.count() == 1


def test_a_survey_has_at_most_sixty_questions(world):
    survey = _create(world)
    for _ in range(MAX_QUESTIONS):
        SurveyQuestionFactory(survey=survey)
    with pytest.raises(ValidationError, match="at most 60"):
        _add(world, survey)


def test_a_show_if_rule_depends_on_an_earlier_choice_questions_option(world):
    survey = _create(world)
    text = _add(world, survey, QuestionKind.SHORT_TEXT)
    yes_no = _add(world, survey, QuestionKind.YES_NO)
    follow_up = _add(
        world,
        survey,
        QuestionKind.LONG_TEXT,
        show_if_question=yes_no,
        show_if_value="yes",
        option_keys=_keys(yes_no),
    )
    assert (follow_up.show_if_question, follow_up.show_if_value) == (yes_no, "yes")
    with pytest.raises(ValidationError) as excinfo:
        _add(world, survey, show_if_question=text, show_if_value="x", option_keys={"x"})
    assert "show_if" in excinfo.value.message_dict
    with pytest.raises(ValidationError) as excinfo:
        _add(world, survey, show_if_question=yes_no, show_if_value="maybe", option_keys={"yes"})
    assert "show_if" in excinfo.value.message_dict
    other_survey = _create(world)
    with pytest.raises(ValidationError) as excinfo:
        _add(
            world,
            other_survey,
            show_if_question=yes_no,
            show_if_value="yes",
            option_keys=_keys(yes_no),
        )
    assert "show_if" in excinfo.value.message_dict
    assert survey.questions.count() == 3
    assert not other_survey.questions.exists()


def test_a_rule_cant_point_at_a_later_question(world):
    survey = _create(world)
    first = _add(world, survey, QuestionKind.SHORT_TEXT)
    later = _add(world, survey, QuestionKind.YES_NO)
    with pytest.raises(ValidationError) as excinfo:
        _update(world, first, show_if_question=later, show_if_value="yes", option_keys={"yes"})
    assert "show_if" in excinfo.value.message_dict
    first.refresh_from_db()
    assert first.show_if_question is None


def test_editing_a_question_keeps_option_keys(world):
    survey = _create(world)
    question = _add(world, survey, QuestionKind.SINGLE)
    keys = [o["key"] for o in question.options]
    _update(
        world,
        question,
        option_lines={"en": ["Bus", "Car", "Bicycle"], "es": ["Autobús", "Auto", "Bicicleta"]},
    )
    question.refresh_from_db()
    assert [o["key"] for o in question.options] == keys
    assert question.options[2]["label"] == {"en": "Bicycle", "es": "Bicicleta"}


def test_a_controller_cant_become_a_text_question_or_lose_the_rules_option(world):
    survey = _create(world)
    controller = _add(world, survey, QuestionKind.SINGLE)
    bike = controller.options[2]["key"]
    _add(
        world,
        survey,
        show_if_question=controller,
        show_if_value=bike,
        option_keys=_keys(controller),
    )
    with pytest.raises(ValidationError) as excinfo:
        _update(world, controller, kind=QuestionKind.SHORT_TEXT)
    assert "kind" in excinfo.value.message_dict
    with pytest.raises(ValidationError) as excinfo:
        _update(world, controller, option_lines={"en": ["Bus", "Car"], "es": ["Autobús", "Auto"]})
    assert "options" in excinfo.value.message_dict
    controller.refresh_from_db()
    assert controller.kind == QuestionKind.SINGLE
    assert len(controller.options) == 3


def test_removing_another_option_leaves_a_rule_on_its_option(world):
    survey = _create(world)
    controller = _add(world, survey, QuestionKind.SINGLE)  # Bus, Car, Bike
    car = controller.options[1]["key"]
    dependent = _add(
        world, survey, show_if_question=controller, show_if_value=car, option_keys=_keys(controller)
    )
    # Remove "Bus": the rule is on "Car", which stays.
    _update(world, controller, option_lines={"en": ["Car", "Bike"], "es": ["Auto", "Bici"]})
    controller.refresh_from_db()
    dependent.refresh_from_db()
    labels = {o["key"]: o["label"]["en"] for o in controller.options}
    assert labels.get(dependent.show_if_value) == "Car"


def test_deleting_a_question_closes_the_gap(world):
    survey = _create(world)
    first, second, third = (_add(world, survey) for _ in range(3))
    services.question_delete(actor=world.a.organizer, question=second)
    assert list(survey.questions.values_list("pk", "position")) == [
        (first.pk, 1),
        (third.pk, 2),
    ]
    event = AuditEvent.objects.get(action=AuditAction.SURVEY_QUESTION_REMOVED)
    assert event.details == {"position": 2}


def test_a_question_another_rule_depends_on_cant_be_deleted(world):
    survey = _create(world)
    controller = _add(world, survey, QuestionKind.YES_NO)
    _add(world, survey, show_if_question=controller, show_if_value="no", option_keys={"yes", "no"})
    with pytest.raises(ValidationError):
        services.question_delete(actor=world.a.organizer, question=controller)
    assert survey.questions.count() == 2


def test_moving_swaps_neighbours_and_respects_rules(world):
    survey = _create(world)
    a = _add(world, survey, QuestionKind.YES_NO)
    b = _add(world, survey, show_if_question=a, show_if_value="yes", option_keys={"yes", "no"})
    c = _add(world, survey)
    services.question_move(actor=world.a.organizer, question=c, up=True)
    assert list(survey.questions.values_list("pk", flat=True)) == [a.pk, c.pk, b.pk]
    event = AuditEvent.objects.get(action=AuditAction.SURVEY_QUESTION_MOVED)
    assert event.details == {"from": 3, "to": 2}
    # b can't rise above a, which its rule depends on; nor can a fall below b.
    services.question_move(actor=world.a.organizer, question=b, up=True)  # now a, b, c
    with pytest.raises(ValidationError):
        services.question_move(actor=world.a.organizer, question=b, up=True)
    with pytest.raises(ValidationError):
        services.question_move(actor=world.a.organizer, question=a, up=False)
    # Past either end nothing happens.
    services.question_move(actor=world.a.organizer, question=a, up=True)
    services.question_move(actor=world.a.organizer, question=c, up=False)
    assert list(survey.questions.values_list("pk", flat=True)) == [a.pk, b.pk, c.pk]
    assert list(survey.questions.values_list("position", flat=True)) == [1, 2, 3]


# --------------------------------------------------------------------------- the freeze


@pytest.fixture
def answered(world, make_survey):
    """An open survey with a single-choice question, a text question, and one response."""
    survey, (single, text) = make_survey(QuestionKind.SINGLE, QuestionKind.SHORT_TEXT)
    _answered(survey)
    return survey, single, text


def test_no_question_can_be_added_once_answered(world, answered):
    survey, _single, _text = answered
    with pytest.raises(SurveyLocked):
        _add(world, survey)
    assert survey.questions.count() == 2


@pytest.mark.parametrize(
    "change",
    [
        {"kind": QuestionKind.MULTIPLE},
        {"required": True},
        {"option_lines": {"en": ["First option", "Second", "Third"], "es": ["1", "2", "3"]}},
    ],
    ids=["kind", "required", "options"],
)
def test_no_structural_change_once_answered(world, answered, change):
    _survey, single, _text = answered
    before = (single.kind, single.required, single.options)
    with pytest.raises(SurveyLocked):
        _update(world, single, **change)
    single.refresh_from_db()
    assert (single.kind, single.required, single.options) == before


def test_no_new_rule_once_answered(world, answered):
    _survey, single, text = answered
    with pytest.raises(SurveyLocked):
        _update(world, text, show_if_question=single, show_if_value="a", option_keys={"a", "b"})
    text.refresh_from_db()
    assert text.show_if_question is None


def test_no_delete_or_move_once_answered(world, answered):
    survey, single, text = answered
    with pytest.raises(SurveyLocked):
        services.question_delete(actor=world.a.organizer, question=text)
    with pytest.raises(SurveyLocked):
        services.question_move(actor=world.a.organizer, question=text, up=True)
    assert list(survey.questions.values_list("pk", flat=True)) == [single.pk, text.pk]


def test_texts_can_still_be_fixed_once_answered(world, answered):
    _survey, single, _text = answered
    _update(
        world,
        single,
        label=texts("How do you get to work?", "¿Cómo va al trabajo?"),
        help_text=texts("Pick the usual way.", "Elija la forma habitual."),
        option_lines={"en": ["Bus", "Car"], "es": ["Autobús", "Coche"]},
    )
    single.refresh_from_db()
    assert single.label["es"] == "¿Cómo va al trabajo?"
    assert [o["key"] for o in single.options] == ["a", "b"]
    assert single.options[1]["label"] == {"en": "Car", "es": "Coche"}
    assert AuditEvent.objects.filter(action=AuditAction.SURVEY_QUESTION_UPDATED).count() == 1


def test_a_survey_with_responses_cant_be_deleted(world, answered):
    survey, _single, _text = answered
    with pytest.raises(ValidationError):
        services.survey_delete(actor=world.a.lead, survey=survey)
    assert Survey.objects.filter(pk=survey.pk).exists()


def test_a_survey_without_responses_is_deleted_with_its_questions(world, make_survey):
    survey, _ = make_survey(QuestionKind.SHORT_TEXT, QuestionKind.YES_NO)
    services.survey_delete(actor=world.a.lead, survey=survey)
    assert not Survey.objects.exists()
    assert not SurveyQuestion.objects.exists()
    event = AuditEvent.objects.get(action=AuditAction.SURVEY_DELETED)
    assert event.target_id == str(survey.uuid)


# --------------------------------------------------------------------------- copies


def test_a_copy_is_a_new_draft_version_with_questions_and_remapped_rules(world, make_survey):
    survey, (yes_no, dependent, multi, chained) = make_survey(
        QuestionKind.YES_NO,
        {"kind": QuestionKind.SINGLE, "required": True, "show_if": (0, "yes")},
        QuestionKind.MULTIPLE,
        {"kind": QuestionKind.LONG_TEXT, "show_if": (1, "b")},
        opens_on=timezone.localdate(),
        response_cap=50,
    )
    _answered(survey)
    copy = services.survey_copy(actor=world.a.organizer, survey=survey)
    copy.refresh_from_db()
    assert copy.pk != survey.pk
    assert (copy.status, copy.version, copy.copied_from) == (SurveyStatus.DRAFT, 2, survey)
    assert (copy.opens_on, copy.closes_on, copy.response_cap) == (None, None, None)
    assert copy.title == survey.title
    assert not copy.responses.exists()
    new = list(copy.questions.all())
    assert [(q.position, q.kind, q.required, q.label, q.options) for q in new] == [
        (q.position, q.kind, q.required, q.label, q.options)
        for q in (yes_no, dependent, multi, chained)
    ]
    assert {q.uuid for q in new}.isdisjoint({q.uuid for q in survey.questions.all()})
    assert new[1].show_if_question == new[0] and new[1].show_if_value == "yes"
    assert new[3].show_if_question == new[1] and new[3].show_if_value == "b"
    assert new[0].show_if_question is None and new[2].show_if_question is None
    # The original is untouched, and the copy takes structural changes.
    survey.refresh_from_db()
    assert survey.status == SurveyStatus.OPEN
    _add(world, copy)
    assert copy.questions.count() == 5
    assert survey.questions.count() == 4
    event = AuditEvent.objects.get(action=AuditAction.SURVEY_COPIED)
    assert event.details == {"from": str(survey.uuid), "version": 2}


def test_copies_of_copies_count_up(world, make_survey):
    survey, _ = make_survey(QuestionKind.SHORT_TEXT)
    second = services.survey_copy(actor=world.a.organizer, survey=survey)
    third = services.survey_copy(actor=world.a.organizer, survey=second)
    again = services.survey_copy(actor=world.a.organizer, survey=survey)
    assert (second.version, third.version, again.version) == (2, 3, 4)


# --------------------------------------------------------------------------- neighborhoods


def _names(city, active: bool = True) -> list[str]:
    return list(
        Neighborhood.objects.filter(city=city, is_active=active)
        .order_by("sort_order", "name")
        .values_list("name", flat=True)
    )


def test_setting_the_neighborhood_list(world):
    services.neighborhoods_set(
        actor=world.a.organizer,
        city=world.a.city,
        names=["  Eastside ", "Riverside", "", "eastside", "Old   Mill"],
    )
    assert _names(world.a.city) == ["Eastside", "Riverside", "Old Mill"]
    assert _names(world.b.city) == []
    event = AuditEvent.objects.get(action=AuditAction.NEIGHBORHOODS_UPDATED)
    assert event.details == {"in_use": 3, "retired": 0}


def test_a_removed_neighborhood_is_retired_and_comes_back(world):
    services.neighborhoods_set(
        actor=world.a.organizer, city=world.a.city, names=["Eastside", "Riverside"]
    )
    riverside = Neighborhood.objects.get(name="Riverside")
    services.neighborhoods_set(actor=world.a.organizer, city=world.a.city, names=["Eastside"])
    assert _names(world.a.city) == ["Eastside"]
    assert _names(world.a.city, active=False) == ["Riverside"]
    event = AuditEvent.objects.filter(action=AuditAction.NEIGHBORHOODS_UPDATED).latest("id")
    assert event.details == {"in_use": 1, "retired": 1}
    services.neighborhoods_set(
        actor=world.a.organizer, city=world.a.city, names=["riverside", "Eastside"]
    )
    assert _names(world.a.city) == ["riverside", "Eastside"]
    riverside_again = Neighborhood.objects.get(uuid=riverside.uuid)  # the same row
    assert riverside_again.is_active
    assert Neighborhood.objects.filter(city=world.a.city).count() == 2


def test_a_retired_neighborhood_still_labels_old_answers(world, make_survey):
    services.neighborhoods_set(
        actor=world.a.organizer, city=world.a.city, names=["Eastside", "Riverside"]
    )
    survey, (question,) = make_survey(QuestionKind.NEIGHBORHOOD)
    riverside = Neighborhood.objects.get(name="Riverside")
    SurveyResponseFactory(survey=survey, answers={str(question.uuid): str(riverside.uuid)})
    services.neighborhoods_set(actor=world.a.organizer, city=world.a.city, names=["Eastside"])
    offered = selectors.survey_option_source(city=world.a.city, questions=[question])
    assert [n.name_en for n in offered.neighborhoods] == ["Eastside"]
    everything = selectors.survey_option_source(
        city=world.a.city, questions=[question], include_retired=True
    )
    results = selectors.survey_results(
        survey=survey, questions=[question], source=everything, language="en"
    )
    assert [(r.label, r.count) for r in results.questions[0].rows] == [
        ("Eastside", 0),
        ("Riverside", 1),
    ]


def test_neighborhood_names_are_checked(world):
    with pytest.raises(ValidationError):
        services.neighborhoods_set(actor=world.a.organizer, city=world.a.city, names=["x" * 121])
    with pytest.raises(ValidationError):
        services.neighborhoods_set(
            actor=world.a.organizer, city=world.a.city, names=[f"Ward {n}" for n in range(201)]
        )
    assert not Neighborhood.objects.exists()
