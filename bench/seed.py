"""The bench's own data, in its own database. Each step runs in one transaction with its
`SeedMarker`, so a later run reuses a step that finished and redoes one that didn't.

* the demo world (`seed_demo`): cycle 4, three cities, the 3rd cycle's UN recommendations;
* two bench cities in the current cycle, with one organizer on both teams: "small" with
  10 testimonies and "large" with 1,000, an open three-question survey, a local report
  of about 5 pages and a summary of about 2, and 25 action plans for its scorecard;
* the national compilation set: cycle 99 with 200 cities x 2,000 testimonies (400,000
  rows, written with PostgreSQL COPY) and a submitted summary per city.
"""

from __future__ import annotations

import datetime
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import User
from bench.bare.models import BareEntry, SeedMarker
from cities.models import City, Participation, ReviewCycle, Role, Theme
from consultations.models import Survey, SurveyQuestion, Testimony

SEED_VERSION = "1"
DOMAIN = "bench.invalid"
PASSWORD = "bench-password-not-secret"  # noqa: S105 — local throw-away accounts
SMALL, LARGE = "bench-small", "bench-large"
SMALL_ROWS, LARGE_ROWS = 10, 1000
NATIONAL_CYCLE = 99
NATIONAL_CITIES, NATIONAL_PER_CITY = 200, 2000
PLANS = 25
PARAGRAPH = (
    "Residents described rents rising faster than wages, repairs left undone for months, "
    "and eviction notices served without warning. Several families said they had moved "
    "three times in two years, and parents spoke of children changing schools each time. "
    "Tenants' unions asked the city to fund legal counsel for every tenant facing eviction."
)


def log(message: str) -> None:
    print(f"[bench] {message}", flush=True)


@dataclass
class World:
    cycle: ReviewCycle
    national_cycle: ReviewCycle
    organizer: User
    lead: User
    small: City
    large: City
    survey: Survey
    questions: list[SurveyQuestion]


def _step(key: str, build: Callable[[], dict[str, Any]]) -> None:
    key = f"{key}-v{SEED_VERSION}"
    if SeedMarker.objects.filter(key=key).exists():
        log(f"seed '{key}': reusing the previous run's data")
        return
    started = time.perf_counter()
    with transaction.atomic():
        details = build()
        details["seconds"] = round(time.perf_counter() - started, 1)
        SeedMarker.objects.create(key=key, details=details)
    log(f"seed '{key}': done in {time.perf_counter() - started:.1f} s")


def seed_all() -> World:
    _step("demo", _seed_demo)
    _step("world", _seed_world)
    _step("national", _seed_national)
    return load_world()


def load_world() -> World:
    large = City.objects.get(slug=LARGE)
    survey = Survey.objects.get(city=large)
    return World(
        cycle=ReviewCycle.objects.get(is_current=True),
        national_cycle=ReviewCycle.objects.get(number=NATIONAL_CYCLE),
        organizer=User.objects.get(email=f"organizer@{DOMAIN}"),
        lead=User.objects.get(email=f"lead@{DOMAIN}"),
        small=City.objects.get(slug=SMALL),
        large=large,
        survey=survey,
        questions=list(survey.questions.order_by("position")),
    )


def seed_details() -> dict[str, Any]:
    return {m.key: m.details for m in SeedMarker.objects.order_by("key")}


# --------------------------------------------------------------------------- demo


def _seed_demo() -> dict[str, Any]:
    call_command("seed_demo", verbosity=0)
    return {}


# --------------------------------------------------------------------------- world


def _user(local: str, name: str) -> User:
    email = f"{local}@{DOMAIN}"
    user = User.objects.create_user(email=email, password=PASSWORD, full_name=name)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def _testimonies(city: City, cycle: ReviewCycle, user: User, n: int, themes: list[Theme]) -> None:
    now = timezone.now()
    rows = [
        Testimony(
            city=city,
            cycle=cycle,
            narrative=f"Statement {i}: {PARAGRAPH}",
            summary=f"Rent and repairs, statement {i}",
            nature="problem" if i % 3 else "positive",
            source="event",
            area="the East Side" if i % 2 else "Riverside",
            consent_method="verbal",
            consent_level="anonymous" if i % 2 else "internal",
            review_status="reviewed" if i % 2 else "draft",
            reviewed_at=now if i % 2 else None,
            redacted_quote=f"The rent went up again this year ({i})." if i % 2 else "",
            recorded_by=user,
            consent_recorded_by=user,
        )
        for i in range(n)
    ]
    created = Testimony.objects.bulk_create(rows, batch_size=1000)
    through = Testimony.themes.through
    through.objects.bulk_create(
        [
            through(testimony_id=t.pk, theme_id=themes[(i + k) % len(themes)].pk)
            for i, t in enumerate(created)
            for k in range(2)
        ],
        batch_size=2000,
    )


def _seed_world() -> dict[str, Any]:
    from accountability import services as acc_services
    from accountability.models import Recommendation
    from cities import services as city_services
    from consultations import services as con_services

    coordinator = User.objects.get(is_national_coordinator=True, email__startswith="coordinator@")
    cycle = ReviewCycle.objects.get(is_current=True)
    themes = list(Theme.objects.order_by("pk"))
    organizer = _user("organizer", "Bench Organizer")
    lead = _user("lead", "Bench Lead")
    cities = {}
    for slug, name, rows in (
        (SMALL, "Bench Small", SMALL_ROWS),
        (LARGE, "Bench Large", LARGE_ROWS),
    ):
        city = city_services.city_create(
            actor=coordinator, name=name, state="Oregon", slug=slug, public_description=name
        )
        for user, role in ((organizer, Role.ORGANIZER), (lead, Role.CITY_LEAD)):
            city_services.membership_appoint(actor=coordinator, city=city, user=user, role=role)
        _testimonies(city, cycle, organizer, rows, themes)
        cities[slug] = city
    large = cities[LARGE]

    survey = con_services.survey_create(
        actor=organizer,
        city=large,
        cycle=cycle,
        title={"en": "Housing where you live", "es": "La vivienda donde usted vive"},
        introduction={"en": "Three short questions.", "es": "Tres preguntas cortas."},
        consent_statement={
            "en": "Your answers are kept by the city team.",
            "es": "El equipo de la ciudad guarda sus respuestas.",
        },
    )
    for kind, required, en, es in (
        ("yes_no", True, "Has your rent gone up this year?", "¿Le subió el alquiler este año?"),
        ("rating", True, "How safe is your housing?", "¿Qué tan segura es su vivienda?"),
        ("short_text", False, "Anything else?", "¿Algo más?"),
    ):
        con_services.question_create(
            actor=organizer, survey=survey, kind=kind, required=required, label={"en": en, "es": es}
        )
    con_services.survey_open(actor=organizer, survey=survey)

    pages = _seed_reports(large, cycle, lead)

    recommendations = Recommendation.objects.filter(cycle__number=3).order_by("position")[:PLANS]
    today = timezone.localdate()
    for i, recommendation in enumerate(recommendations):
        plan = acc_services.plan_create(
            actor=lead, city=large, recommendation=recommendation, summary=PARAGRAPH[:200]
        )
        for j in range(2):
            action = acc_services.action_save(
                actor=lead,
                plan=plan,
                fields={
                    "description": f"Action {j + 1} on plan {i + 1}",
                    "responsible": "Department of Housing",
                    "target": "Every tenant facing eviction has a lawyer",
                    "due_on": today + datetime.timedelta(days=(60 if j else -10)),
                    "status": ("in_progress", "completed", "stalled")[(i + j) % 3],
                },
            )
            if j == 0:
                indicator = acc_services.indicator_save(
                    actor=lead,
                    action=action,
                    fields={
                        "name": "Tenants represented in eviction court",
                        "unit": "%",
                        "baseline": Decimal("10"),
                        "target_value": Decimal("90"),
                        "data_source": "Housing court statistics",
                    },
                )
                acc_services.progress_add(
                    actor=lead,
                    action=action,
                    reported_on=today - datetime.timedelta(days=5),
                    text="The council held a first hearing.",
                    indicator=indicator,
                    value=Decimal("35"),
                )
    BareEntry.objects.bulk_create(
        [BareEntry(name=f"Entry {i}", email=f"entry{i}@{DOMAIN}", amount=i) for i in range(20)]
    )
    return {"report_pages": pages, "plans": PLANS}


def _report_body(kind: str, paragraphs: int) -> str:
    blocks = []
    for i in range(paragraphs):
        blocks.append(f"## {kind.title()} finding {i + 1}\n\n{PARAGRAPH}")
        if i % 2:
            blocks.append("- Rent increases\n- Repairs left undone\n- Evictions without notice")
    return "\n\n".join(blocks)


def _seed_reports(city: City, cycle: ReviewCycle, lead: User) -> dict[str, int]:
    """A local report of about 5 pages and a summary of about 2: paragraphs are added to
    every section until the rendered PDF reaches that many pages."""
    from reports import pdf, printing
    from reports.models import DocumentKind, ReportSection
    from reports.services import report_start
    from reports.services.rendering import REPORT_TEMPLATE

    pages = {}
    for kind, target in ((DocumentKind.REPORT, 5), (DocumentKind.SUMMARY, 2)):
        report = report_start(actor=lead, city=city, cycle=cycle, kind=kind)
        count = 0
        for paragraphs in range(1, 30):
            for section in ReportSection.objects.filter(report=report):
                body = _report_body(section.kind, paragraphs)
                ReportSection.objects.filter(pk=section.pk).update(body=body)
            document = printing.print_document(report=report, final=False)
            count = pdf.render_pdf(printing.print_html(document, REPORT_TEMPLATE)).page_count
            if count >= target:
                break
        pages[str(kind)] = count
        log(f"seed: {kind} renders to {count} pages")
    return pages


# --------------------------------------------------------------------------- national


def _seed_national() -> dict[str, Any]:
    from reports.models import SECTION_ORDER, DocumentKind, Report, ReportSection, ReportStatus

    cycle = ReviewCycle.objects.create(
        state_under_review="Benchland",
        number=NATIONAL_CYCLE,
        title="Bench cycle (national compilation)",
        consultations_open=datetime.date(2026, 1, 1),
        local_report_due=datetime.date(2027, 9, 15),
        national_compilation_due=datetime.date(2027, 10, 1),
        review_session=datetime.date(2028, 1, 1),
        recommendations_released=datetime.date(2028, 3, 1),
        is_current=False,
    )
    themes = list(Theme.objects.order_by("pk"))
    cities = City.objects.bulk_create(
        [
            City(name=f"Bench City {i:03d}", state="Benchland", slug=f"bench-city-{i:03d}")
            for i in range(NATIONAL_CITIES)
        ]
    )
    Participation.objects.bulk_create([Participation(city=c, cycle=cycle) for c in cities])

    started = time.perf_counter()
    _copy_testimonies(cycle, cities)
    copy_seconds = time.perf_counter() - started
    log(f"seed: {NATIONAL_CITIES * NATIONAL_PER_CITY:,} testimonies copied in {copy_seconds:.1f} s")
    through = Testimony.themes.through
    with connection.cursor() as cursor:
        # Two themes per testimony, spread over the taxonomy.
        theme_ids = [t.pk for t in themes]
        cursor.execute(
            f"""
            INSERT INTO {through._meta.db_table} (testimony_id, theme_id)
            SELECT t.id, (%s::bigint[])[1 + (t.id + k) %% %s]
            FROM {Testimony._meta.db_table} t CROSS JOIN generate_series(0, 1) AS k
            WHERE t.cycle_id = %s
            """,  # noqa: S608 — table names from the models, values are parameters
            [theme_ids, len(theme_ids), cycle.pk],
        )
        cursor.execute(f"ANALYZE {Testimony._meta.db_table}")
        cursor.execute(f"ANALYZE {through._meta.db_table}")
    now = timezone.now()
    reports = Report.objects.bulk_create(
        [
            Report(
                city=c,
                cycle=cycle,
                kind=DocumentKind.SUMMARY,
                status=ReportStatus.SUBMITTED,
                approved_at=now,
                submitted_at=now,
            )
            for c in cities
        ]
    )
    sections = []
    for i, report in enumerate(reports):
        for position, kind in enumerate(SECTION_ORDER):
            body = "\n\n".join(
                f"## {themes[(i + k) % len(themes)].name_en}\n\n"
                f"In {report.city.name}, residents raised this theme at every meeting. "
                f"{PARAGRAPH[:180]}"
                for k in range(2)
            )
            sections.append(
                ReportSection(
                    city=report.city, report=report, kind=kind, position=position, body=body
                )
            )
    ReportSection.objects.bulk_create(sections, batch_size=1000)
    return {
        "testimonies": NATIONAL_CITIES * NATIONAL_PER_CITY,
        "copy_seconds": round(copy_seconds, 1),
    }


def _copy_testimonies(cycle: ReviewCycle, cities: list[City]) -> None:
    columns = (
        "uuid, city_id, cycle_id, narrative, summary, language, rights, nature, area, source, "
        "age_band, demographic_group, speaker_name, speaker_contact, consent_level, "
        "consent_method, consent_recorded_at, consent_withdrawal_note, redacted_quote, "
        "review_status, fingerprint, created_at, updated_at"
    )
    now = timezone.now()
    sql = f"COPY {Testimony._meta.db_table} ({columns}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for c, city in enumerate(cities):
            for i in range(NATIONAL_PER_CITY):
                reviewed = i % 2 == 0
                copy.write_row(
                    (
                        uuid.uuid4(),
                        city.pk,
                        cycle.pk,
                        f"Statement {i} in city {c}: rent rose and repairs waited for months.",
                        "",
                        "en",
                        [],
                        "problem" if i % 3 else "positive",
                        "the East Side",
                        "event",
                        "",
                        "",
                        "",
                        "",
                        "anonymous" if reviewed else "internal",
                        "verbal",
                        now,
                        "",
                        f"The rent went up again ({i})." if reviewed else "",
                        "reviewed" if reviewed else "draft",
                        "",
                        now,
                        now,
                    )
                )
