"""Fictional demo consultations, testimony and a resident survey, logged through the services (so the
audit trail is real). Idempotent: a city that already has consultations is left alone."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from accounts.models import User
from cities.models import City, ReviewCycle, Theme
from consultations import services
from consultations.models import Consultation, Testimony
from upr_portal.lib.demo import DEMO_DOMAIN


def _user(local: str) -> User:
    return User.objects.get(email=f"{local}@{DEMO_DOMAIN}")


def _themes(*slugs: str) -> list[Theme]:
    return list(Theme.objects.filter(slug__in=slugs))


HARBOR_TESTIMONY: list[dict[str, Any]] = [
    {
        "narrative": (
            "Our landlord raised the rent by 40 percent with thirty days' notice. When we "
            "organized a tenants' meeting, three families got eviction notices the next week. "
            "My neighbor Maria Alvarez at 1423 N. Elm Street, Apt 4B was one of them; you can "
            "reach her at (555) 201-7788."
        ),
        "summary": "Rent hike and retaliatory evictions after tenants organized.",
        "themes": ("housing", "land-displacement"),
        "nature": "problem",
        "area": "East Side",
        "consent_level": "anonymous",
        "speaker_name": "Jordan Reyes",
        "speaker_contact": "jordan.reyes@example.org",
        "quote": (
            "Our landlord raised the rent by 40 percent with thirty days' notice. When we "
            "organized a tenants' meeting, three families got eviction notices the next week."
        ),
        "review": True,
    },
    {
        "narrative": (
            "The city's new right-to-counsel program got me a lawyer in eviction court. I kept "
            "my apartment, and my kids stayed in their school."
        ),
        "summary": "Right to counsel prevented an eviction.",
        "themes": ("housing", "children"),
        "nature": "positive",
        "area": "Riverside",
        "consent_level": "named",
        "speaker_name": "Denise Carter",
        "quote": (
            "The city's new right-to-counsel program got me a lawyer in eviction court. I kept "
            "my apartment, and my kids stayed in their school."
        ),
        "review": True,
    },
    {
        "narrative": (
            "I was stopped three times in one month walking home from my night shift. Each time "
            "the officers asked about my immigration status. I am afraid to report anything now."
        ),
        "summary": "Repeated stops and immigration questions by police.",
        "themes": ("policing", "immigration", "racial-discrimination"),
        "nature": "problem",
        "area": "Northgate",
        "consent_level": "internal",
        "speaker_name": "",
        "review": False,
    },
    {
        "narrative": (
            "Since the shelter closed, people sleep under the bridge by the river. The sweeps "
            "take their tents and their IDs, and then they can't apply for housing."
        ),
        "summary": "Encampment sweeps destroy IDs and block housing applications.",
        "themes": ("housing", "poverty"),
        "nature": "problem",
        "area": "Downtown",
        "consent_level": "anonymous",
        "speaker_name": "",
        "review": False,
    },
]

MESA_TESTIMONY: list[dict[str, Any]] = [
    {
        "narrative": (
            "El agua del pozo de nuestra comunidad tiene arsénico desde hace años. Compramos "
            "agua embotellada y ya no nos alcanza el dinero."
        ),
        "summary": "Arsénico en el agua del pozo comunitario.",
        "themes": ("water-environment", "health", "indigenous"),
        "nature": "problem",
        "area": "Valle Norte",
        "language": "es",
        "consent_level": "anonymous",
        "speaker_name": "",
        "quote": (
            "El agua del pozo de nuestra comunidad tiene arsénico desde hace años. Compramos "
            "agua embotellada y ya no nos alcanza el dinero."
        ),
        "review": True,
    },
]


def _seed_city(
    *,
    city: City,
    cycle: ReviewCycle,
    organizer: User,
    lead: User,
    spanish: bool,
    items: list[dict[str, Any]],
) -> None:
    if Consultation.objects.filter(city=city).exists():
        return
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    held = services.consultation_create(
        actor=organizer,
        city=city,
        cycle=cycle,
        themes=_themes("housing", "policing") if not spanish else _themes("water-environment"),
        title="Sesión de escucha comunitaria" if spanish else "Tenants' listening session",
        kind="listening_session",
        starts_at=now - timedelta(days=20),
        ends_at=now - timedelta(days=20) + timedelta(hours=2),
        place="Centro comunitario" if spanish else "Central Library, community room",
        accessibility_notes="Step-free entrance; Spanish and ASL interpretation; childcare.",
        languages=["en", "es", "ase"],
        partner_organizations="Tenants United\nFaith in Action",
        attendance=34,
        facilitator_notes="Most speakers were renters from the East Side.",
        status="held",
        is_public=True,
    )
    services.consultation_create(
        actor=organizer,
        city=city,
        cycle=cycle,
        themes=_themes("policing", "immigration"),
        title="Conversación sobre seguridad pública"
        if spanish
        else "Community conversation on policing",
        kind="community_conversation",
        starts_at=now + timedelta(days=14),
        place="Escuela primaria" if spanish else "Northgate Community Center",
        accessibility_notes="Step-free entrance; bus lines 4 and 12.",
        languages=["en", "es"],
        status="planned",
        is_public=True,
    )
    for item in items:
        testimony = services.testimony_create(
            actor=organizer,
            city=city,
            cycle=cycle,
            consultation=held,
            themes=_themes(*item["themes"]),
            narrative=item["narrative"],
            summary=item["summary"],
            nature=item["nature"],
            area=item["area"],
            source="event",
            language=item.get("language", "en"),
            consent_level=item["consent_level"],
            consent_method="verbal",
            speaker_name=item["speaker_name"],
            speaker_contact=item.get("speaker_contact", ""),
            occurred_on=(now - timedelta(days=60)).date(),
        )
        if item.get("quote"):
            services.testimony_redact(
                actor=organizer, testimony=testimony, redacted_quote=item["quote"]
            )
        if item.get("review"):
            services.testimony_review(actor=lead, testimony=Testimony.objects.get(pk=testimony.pk))


def seed_evidence(*, cycle: ReviewCycle, cities: dict[str, City]) -> None:
    _seed_city(
        city=cities["harbor-falls-wa"],
        cycle=cycle,
        organizer=_user("organizer"),
        lead=_user("lead"),
        spanish=False,
        items=HARBOR_TESTIMONY,
    )
    _seed_city(
        city=cities["mesa-verde-nm"],
        cycle=cycle,
        organizer=_user("mesa-organizer"),
        lead=_user("mesa-lead"),
        spanish=True,
        items=MESA_TESTIMONY,
    )
    seed_surveys(cycle=cycle, cities=cities)


# --------------------------------------------------------------------------- surveys

HARBOR_NEIGHBORHOODS = ["Downtown", "East Side", "Northgate", "Old Mill", "Riverside"]

_STORIES = [
    (
        "My rent went up twice this year and the heat was off for most of January.",
        "Me subieron la renta dos veces este año y la calefacción no funcionó casi todo enero.",
    ),
    (
        "The only clinic that takes my insurance closed, so I wait three weeks for a visit.",
        "Cerró la única clínica que acepta mi seguro y ahora espero tres semanas por una cita.",
    ),
    (
        "After the tenants' meeting the landlord stopped making repairs in our building.",
        "Después de la reunión de inquilinos el dueño dejó de hacer reparaciones en el edificio.",
    ),
    (
        "The new bus line finally lets me get to work without two transfers.",
        "La nueva línea de autobús por fin me deja llegar al trabajo sin dos transbordos.",
    ),
]


def _seed_survey(*, city: City, cycle: ReviewCycle, organizer: User, lead: User) -> None:
    """An open, bilingual survey with answers, one promoted and quoted answer, and a
    published summary. Skipped when the city already has a survey."""
    import random
    import uuid

    from consultations.models import Survey, SurveyResponse
    from consultations.selectors import survey_option_source
    from consultations.survey_logic import question_options

    if Survey.objects.filter(city=city).exists():
        return
    services.neighborhoods_set(actor=organizer, city=city, names=HARBOR_NEIGHBORHOODS)
    today = timezone.localdate()
    survey = services.survey_create(
        actor=organizer,
        city=city,
        cycle=cycle,
        title={
            "en": "Human rights where you live",
            "es": "Los derechos humanos donde usted vive",
        },
        introduction={
            "en": "The Harbor Falls human rights city team wants to hear from you. "
            "It takes about five minutes. You don't need to give your name.",
            "es": "El equipo de ciudad de derechos humanos de Harbor Falls quiere escucharle. "
            "Toma unos cinco minutos. No necesita dar su nombre.",
        },
        consent_statement={
            "en": "Your answers go to the city team and are used, without names, in a report "
            "to local officials and to the United Nations. Only the team can read them.",
            "es": "Sus respuestas van al equipo de la ciudad y se usan, sin nombres, en un "
            "informe para las autoridades locales y para las Naciones Unidas. Solo el equipo "
            "puede leerlas.",
        },
        opens_on=today - timedelta(days=10),
        closes_on=today + timedelta(days=60),
    )

    def add(kind: str, en: str, es: str, **extra: Any) -> Any:
        return services.question_create(
            actor=organizer,
            survey=survey,
            kind=kind,
            required=extra.pop("required", False),
            label={"en": en, "es": es},
            **extra,
        )

    where = add("neighborhood", "Which neighborhood do you live in?", "¿En qué barrio vive?")
    rating = add(
        "rating",
        "How well does the city respect your human rights?",
        "¿Qué tan bien respeta la ciudad sus derechos humanos?",
        required=True,
    )
    trouble = add(
        "yes_no",
        "In the last year, did you have trouble with housing, health care or transport?",
        "En el último año, ¿tuvo problemas de vivienda, salud o transporte?",
        required=True,
    )
    story = add(
        "long_text",
        "What happened?",
        "¿Qué pasó?",
        help_text={
            "en": "Please don't include names or addresses.",
            "es": "Por favor no incluya nombres ni direcciones.",
        },
        show_if_question=trouble,
        show_if_value="yes",
        option_keys={"yes", "no"},
    )
    issues = add(
        "theme",
        "Which issues matter most to you?",
        "¿Qué temas le importan más?",
    )
    consent = add(
        "quote_consent",
        "May we quote what you wrote in our public report?",
        "¿Podemos citar lo que escribió en nuestro informe público?",
    )
    services.survey_open(actor=organizer, survey=survey)

    source = survey_option_source(city=city, questions=[where, issues])
    places = [key for key, _label in question_options(where, "en", source)]
    themes = ["housing", "health", "policing", "water-environment", "children"]
    rng = random.Random(2026)  # noqa: S311 - demo data, not security
    for index in range(36):
        language = "es" if index % 3 == 0 else "en"
        answers: dict[str, Any] = {
            str(where.uuid): rng.choice(places[:4]),
            str(rating.uuid): rng.choice("12233345"),
            str(trouble.uuid): "yes" if index % 2 == 0 else "no",
            str(issues.uuid): rng.sample(themes, k=2),
        }
        if answers[str(trouble.uuid)] == "yes":
            answers[str(story.uuid)] = _STORIES[index % len(_STORIES)][language == "es"]
            answers[str(consent.uuid)] = rng.choice(["internal", "anonymous", "anonymous"])
        services.survey_response_submit(
            survey=survey, submission_id=uuid.uuid4(), language=language, answers=answers
        )
    # Spread the demo answers over the days the survey has been open.
    for index, response in enumerate(SurveyResponse.objects.filter(survey=survey)):
        response.submitted_at = timezone.now() - timedelta(days=index % 10, hours=index)
        response.save(update_fields=["submitted_at"])

    chosen = (
        SurveyResponse.objects.filter(survey=survey, language="en")
        .filter(**{f"answers__{consent.uuid}": "anonymous"})
        .first()
    )
    if chosen is None:
        return
    testimony = services.answer_promote(
        actor=organizer,
        response=chosen,
        question=story,
        themes=_themes("housing"),
        nature="problem",
        summary="Rent increases and no heat in winter.",
    )
    services.testimony_redact(
        actor=organizer, testimony=testimony, redacted_quote=testimony.narrative
    )
    testimony = Testimony.objects.get(pk=testimony.pk)
    services.testimony_review(actor=lead, testimony=testimony)
    services.survey_summary_publish(
        actor=lead, survey=survey, quotes=[Testimony.objects.get(pk=testimony.pk)]
    )


def seed_surveys(*, cycle: ReviewCycle, cities: dict[str, City]) -> None:
    _seed_survey(
        city=cities["harbor-falls-wa"],
        cycle=cycle,
        organizer=_user("organizer"),
        lead=_user("lead"),
    )
