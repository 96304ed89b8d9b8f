"""Issue 4's resident side in a phone-sized browser (360x740): a resident finds the open
survey on the city's public page, answers it in English, and another answers it in
Spanish after switching the survey's language; each sees the thank-you page and each
response is stored, in its language, with the show-if rule applied.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from consultations.models import QuestionKind, SurveyResponse, SurveyStatus
from tests.e2e.conftest import check_a11y
from tests.factories import SurveyFactory, SurveyQuestionFactory, choice, texts


@pytest.fixture
def survey(world, settings):
    # The anti-bot minimum fill time is tested at the HTTP level; a script types fast.
    settings.SURVEY_MIN_FILL_SECONDS = 0
    survey = SurveyFactory(
        city=world.a.city,
        status=SurveyStatus.OPEN,
        title=texts("Housing and safety", "Vivienda y seguridad"),
        introduction=texts("Four short questions.", "Cuatro preguntas cortas."),
        consent_statement=texts(
            "Your answers are used without your name.", "Sus respuestas se usan sin su nombre."
        ),
    )
    evicted = SurveyQuestionFactory(
        survey=survey,
        kind=QuestionKind.YES_NO,
        required=True,
        label=texts("Have you been evicted?", "¿Le han desalojado?"),
    )
    SurveyQuestionFactory(
        survey=survey,
        kind=QuestionKind.LONG_TEXT,
        label=texts("What happened?", "¿Qué pasó?"),
        show_if_question=evicted,
        show_if_value="yes",
    )
    SurveyQuestionFactory(
        survey=survey,
        kind=QuestionKind.RATING,
        required=True,
        label=texts("How safe do you feel?", "¿Qué tan seguro se siente?"),
    )
    SurveyQuestionFactory(
        survey=survey,
        kind=QuestionKind.SINGLE,
        label=texts("How do you get around?", "¿Cómo se desplaza?"),
        options=[
            choice("bus", "Bus", "Autobús"),
            choice("car", "Car", "Carro"),
            choice("foot", "On foot", "A pie"),
        ],
    )
    return survey


def _open_survey_from_city_page(page, visit, snap, label):
    visit(page, "/cities/alphaville/", f"{label}-city-page")
    page.get_by_role("link", name="Housing and safety").click()
    snap(page, f"{label}-survey")


def test_a_resident_answers_on_a_phone_in_english(new_page, visit, snap, survey):
    page = new_page(mobile=True)
    _open_survey_from_city_page(page, visit, snap, "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Housing and safety")
    # Nothing scrolls sideways on a 360 px screen.
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360

    # The story question shows only once "yes" is chosen (survey.js).
    story = page.get_by_label("What happened?")
    expect(story).to_be_hidden()
    consent = page.get_by_role("checkbox", name="I agree")
    consent.focus()
    page.keyboard.press("Space")
    expect(consent).to_be_checked()
    page.get_by_role("group", name="Have you been evicted?").get_by_label("Yes").check()
    expect(story).to_be_visible()
    story.fill("We were evicted after asking for repairs.")
    page.get_by_role("group", name="How safe do you feel?").get_by_label("4").check()
    page.get_by_role("group", name="How do you get around?").get_by_label("Bus").check()
    snap(page, "en-answered")
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Thank")
    snap(page, "en-thanks")

    stored = SurveyResponse.objects.get(survey=survey)
    assert stored.language == "en"
    labels = {str(q.uuid): q for q in survey.questions.all()}
    answers = {labels[key].label["en"]: value for key, value in stored.answers.items()}
    assert answers["What happened?"] == "We were evicted after asking for repairs."
    assert answers["How do you get around?"] in ("bus", ["bus"])


def test_a_resident_switches_the_survey_to_spanish_and_answers(new_page, visit, snap, survey):
    page = new_page(mobile=True)
    _open_survey_from_city_page(page, visit, snap, "es")
    page.get_by_role("navigation", name="Language of the survey").get_by_role(
        "link", name="Español"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vivienda y seguridad")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    snap(page, "es-survey")

    page.get_by_role("checkbox").first.check()
    page.get_by_role("group", name="¿Le han desalojado?").get_by_label("No").check()
    expect(page.get_by_label("¿Qué pasó?")).to_be_hidden()
    page.get_by_role("group", name="¿Qué tan seguro se siente?").get_by_label("2").check()
    page.get_by_role("group", name="¿Cómo se desplaza?").get_by_label("A pie").check()
    snap(page, "es-answered")
    page.locator("#survey-form button[type=submit]").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Gracias")
    snap(page, "es-thanks")
    expect(page.locator("html")).to_have_attribute("lang", "es")

    stored = SurveyResponse.objects.get(survey=survey)
    assert stored.language == "es"
    story = survey.questions.get(kind=QuestionKind.LONG_TEXT)
    assert str(story.uuid) not in stored.answers  # hidden by the rule, so not stored


def test_a_required_answer_left_out_is_explained_in_spanish(new_page, visit, snap, survey):
    page = new_page(mobile=True, locale="es-ES")
    visit(page, f"/s/{survey.uuid}/", "es-survey-by-browser-language")
    # The browser's language picks Spanish with no switcher click.
    expect(page.get_by_role("heading", level=1)).to_have_text("Vivienda y seguridad")
    page.get_by_role("checkbox").first.check()
    page.locator("#survey-form button[type=submit]").click()
    errors = page.locator("#survey-errors")
    expect(errors).to_be_focused()
    snap(page, "es-errors")
    expect(errors.get_by_role("link")).to_have_count(2)
    expect(errors).to_contain_text("¿Le han desalojado?: Elija una respuesta.")
    assert not SurveyResponse.objects.filter(survey=survey).exists()
    # Nothing typed is lost: the consent box is still ticked. The error list's first link
    # leads (from the keyboard) to the unanswered question, which is then answered.
    expect(page.get_by_role("checkbox").first).to_be_checked()
    errors.get_by_role("link").first.press("Enter")
    question = page.locator(":target").evaluate("el => el.closest('.survey-question').textContent")
    assert "¿Le han desalojado?" in question
    page.get_by_role("group", name="¿Le han desalojado?").get_by_label("Sí").check()
    page.get_by_role("group", name="¿Qué tan seguro se siente?").get_by_label("5").check()
    page.get_by_role("button", name="Enviar mis respuestas").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Gracias")
    snap(page, "es-thanks")
    assert SurveyResponse.objects.get(survey=survey).language == "es"


# --- The guards every journey relies on can fail ------------------------------------


def test_the_axe_scan_the_csp_and_js_error_checks_can_fail(page, live_server, snap):
    page.goto("/")
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.injected = 1'; document.body.append(s); }"
    )
    with pytest.raises(pytest.fail.Exception, match="Content Security Policy"):
        snap(page, "inline-script")
    assert page.evaluate("() => window.injected") is None  # and the CSP did block it

    page.evaluate("() => setTimeout(() => { throw new Error('boom') }, 0)")
    page.wait_for_timeout(100)
    with pytest.raises(pytest.fail.Exception, match="Uncaught JS error: boom"):
        snap(page, "js-error")

    page.evaluate(
        "() => { const a = document.createElement('a'); a.href = '/x';"
        " document.querySelector('main').append(a); }"
    )
    with pytest.raises(pytest.fail.Exception, match=r"link-name \(serious\)"):
        check_a11y(page, "unnamed link")
    # A justified exception lets it through; an unjustified one is refused.
    check_a11y(page, "unnamed link", {"link-name": "guard test: a deliberately empty link"})
    with pytest.raises(AssertionError, match="justification"):
        check_a11y(page, "unnamed link", {"link-name": " "})
