"""Issue 4's "done means", through the real pages: an organizer builds a five-question
survey with one show-if rule in English and Spanish and opens it; residents answer it
twice in each language; the team sees the charts and exports the CSV; the city lead
publishes the public summary, whose small counts are suppressed.
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import User
from cities.models import AuditAction, AuditEvent, City
from consultations.models import Survey, SurveyQuestion, SurveyResponse, SurveyStatus
from tests.conftest import enrol_totp
from upr_portal.lib.demo import DEMO_DOMAIN, DEMO_PASSWORD

pytestmark = pytest.mark.django_db

QUESTIONS = [
    # kind, required, English, Spanish, English options, Spanish options
    ("yes_no", True, "Have you been evicted?", "¿Le han desalojado?", "", ""),
    ("long_text", False, "What happened?", "¿Qué pasó?", "", ""),
    ("rating", True, "How safe do you feel?", "¿Qué tan seguro se siente?", "", ""),
    (
        "single",
        False,
        "How do you get around?",
        "¿Cómo se desplaza?",
        "Bus\nCar\nOn foot",
        "Autobús\nCarro\nA pie",
    ),
    ("quote_consent", False, "May we quote you?", "¿Podemos citarle?", "", ""),
]


def _login(client, local: str) -> User:
    user = User.objects.get(email=f"{local}@{DEMO_DOMAIN}")
    client.logout()
    if local == "lead":
        enrol_totp(user)  # TOTP log-in itself is covered in tests/accounts
        client.force_login(user)
        return user
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302
    return user


def _token(html: str) -> str:
    match = re.search(r'name="token" value="([^"]+)"', html)
    assert match, "the form carries a signed token"
    return match.group(1)


def test_build_open_answer_in_two_languages_export_and_publish(client, settings):
    settings.SURVEY_MIN_FILL_SECONDS = 0
    call_command("seed_demo")
    city = City.objects.get(slug="harbor-falls-wa")
    _login(client, "organizer")

    # Build: the survey's texts in both languages.
    response = client.post(
        reverse("consultations:survey_create", args=[city.uuid]),
        {
            "title_en": "Housing and safety",
            "title_es": "Vivienda y seguridad",
            "introduction_en": "Five questions.",
            "introduction_es": "Cinco preguntas.",
            "consent_statement_en": "Your answers are used without your name.",
            "consent_statement_es": "Sus respuestas se usan sin su nombre.",
        },
    )
    assert response.status_code == 302
    survey = Survey.objects.exclude(title__en="Human rights where you live").get(city=city)
    for kind, required, en, es, options_en, options_es in QUESTIONS:
        data = {
            "kind": kind,
            "label_en": en,
            "label_es": es,
            "options_en": options_en,
            "options_es": options_es,
        }
        if required:
            data["required"] = "on"
        if kind == "long_text":
            evicted = SurveyQuestion.objects.get(survey=survey, position=1)
            data["show_if"] = f"{evicted.uuid}:yes"
        response = client.post(
            reverse("consultations:question_create", args=[city.uuid, survey.uuid]), data
        )
        assert response.status_code == 302, response.content.decode()[:2000]
    questions = list(survey.questions.all())
    assert [q.kind for q in questions] == [q[0] for q in QUESTIONS]
    assert questions[1].show_if_question == questions[0]

    detail = client.get(reverse("consultations:survey_detail", args=[city.uuid, survey.uuid]))
    assert detail.status_code == 200
    response = client.post(
        reverse("consultations:survey_status", args=[city.uuid, survey.uuid]), {"action": "open"}
    )
    survey.refresh_from_db()
    assert survey.status == SurveyStatus.OPEN

    # Answer: twice in English, twice in Spanish, as residents with no account.
    client.logout()
    link = reverse("survey_public:respond", args=[survey.uuid])
    transport = questions[3]
    for language, evicted, story in (
        ("en", "yes", "We were evicted after asking for repairs."),
        ("en", "no", ""),
        ("es", "yes", "Nos desalojaron después de pedir reparaciones."),
        ("es", "no", ""),
    ):
        page = client.get(link, HTTP_ACCEPT_LANGUAGE=language)
        html = page.content.decode()
        assert page.status_code == 200
        assert ("Vivienda y seguridad" in html) == (language == "es")
        assert ("Housing and safety" in html) == (language == "en")
        response = client.post(
            link,
            {
                "token": _token(html),
                "language": language,
                "consent": "on",
                questions[0].field_name: evicted,
                questions[1].field_name: story,
                questions[2].field_name: "4",
                transport.field_name: transport.options[0]["key"],
                questions[4].field_name: "anonymous",
            },
        )
        assert response.status_code == 303
        thanks = client.get(response["Location"])
        assert thanks.status_code == 200
    responses = SurveyResponse.objects.filter(survey=survey)
    assert responses.count() == 4
    assert sorted(r.language for r in responses) == ["en", "en", "es", "es"]
    # The story was hidden (and dropped) where the resident had not been evicted.
    assert sum(1 for r in responses if str(questions[1].uuid) in r.answers) == 2

    # Results, charts and the CSV export.
    _login(client, "organizer")
    results = client.get(reverse("consultations:survey_results", args=[city.uuid, survey.uuid]))
    assert results.status_code == 200
    assert b"<svg" in results.content
    export = client.get(reverse("consultations:survey_export_csv", args=[city.uuid, survey.uuid]))
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    assert len(rows) == 5
    assert AuditEvent.objects.filter(action=AuditAction.SURVEY_EXPORTED, city=city).exists()

    # The city lead publishes the summary; with four responses every count is suppressed.
    _login(client, "lead")
    response = client.post(
        reverse("consultations:survey_summary", args=[city.uuid, survey.uuid]),
        {"action": "publish"},
    )
    assert response.status_code == 302
    client.logout()
    public = client.get(reverse("public:survey_summary", args=[city.slug, survey.uuid]))
    html = public.content.decode()
    assert public.status_code == 200
    assert "fewer than 5" in html
    assert "We were evicted" not in html
    city_page = client.get(reverse("public:city", args=[city.slug]))
    assert (
        reverse("public:survey_summary", args=[city.slug, survey.uuid])
        in city_page.content.decode()
    )
