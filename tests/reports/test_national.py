"""The national side: the coordinators' dashboard (`selectors.national_dashboard`), the
merged national document (`printing.national_document`), the compilation's PDF and DOCX
jobs (`services.compilation_start`), the per-city theme counts for the CSV export, and
the deadline reminders to city leads (`services.summary_reminders_send`)."""

from __future__ import annotations

import datetime
import io

import docx
import pypdf
import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cities.models import AuditAction, AuditEvent, Role
from consultations.models import ConsultationStatus, QuestionKind, SurveyStatus
from reports import markdown, printing, selectors, services, tasks
from reports.models import (
    CitationKind,
    DocumentKind,
    NationalCompilation,
    RenderJob,
    RenderKind,
    RenderStatus,
    Report,
    ReportSection,
    ReportStatus,
    Revision,
    SectionKind,
    SummaryReminder,
)
from reports.selectors import DashboardStatus
from reports.services import SectionChange
from tests.factories import (
    CityFactory,
    ConsultationFactory,
    MembershipFactory,
    ParticipationFactory,
    QuotableTestimonyFactory,
    RenderJobFactory,
    ReviewCycleFactory,
    SurveyFactory,
    SurveyQuestionFactory,
    SurveyResponseFactory,
    TestimonyFactory,
    seeded_theme,
)

pytestmark = pytest.mark.django_db


def _city(world, name: str):
    city = CityFactory(name=name)
    ParticipationFactory(city=city, cycle=world.cycle)
    lead = MembershipFactory(city=city, role=Role.CITY_LEAD).user
    return city, lead


def _summary(world, city, lead, bodies: dict[str, str] | None = None):
    summary = services.report_start(
        actor=lead, city=city, cycle=world.cycle, kind=DocumentKind.SUMMARY
    )
    if bodies:
        sections = {s.kind: s for s in ReportSection.objects.filter(report=summary)}
        services.sections_save(
            actor=lead,
            report=summary,
            changes=[
                SectionChange(str(sections[kind].uuid), body, sections[kind].version)
                for kind, body in bodies.items()
            ],
        )
    return summary


def _submit(summary, lead, *, late=False):
    """Mark a summary submitted (the submission itself is tested in test_decisions)."""
    now = timezone.now()
    Report.objects.filter(pk=summary.pk).update(
        status=ReportStatus.SUBMITTED,
        approved_at=now,
        approved_by=lead,
        submitted_at=now,
        submitted_by=lead,
        submitted_late=late,
    )
    summary.refresh_from_db()
    return summary


def _theme_survey(city, cycle=None, answers=()):
    """A survey with a theme question; `answers` are the values stored for it."""
    fields = {"city": city, "status": SurveyStatus.OPEN}
    if cycle is not None:
        fields["cycle"] = cycle
    survey = SurveyFactory(**fields)
    question = SurveyQuestionFactory(survey=survey, kind=QuestionKind.THEME)
    for value in answers:
        SurveyResponseFactory(survey=survey, answers={str(question.uuid): value})
    return survey, question


# --------------------------------------------------------------------------- dashboard


@pytest.fixture
def dashboard_world(world):
    """Six participating cities, one per dashboard state (and one with only a report)."""
    a, b = world.a, world.b
    submitted = _submit(_summary(world, a.city, a.lead), a.lead)
    carverton, c_lead = _city(world, "Carverton")
    drafting = _summary(world, carverton, c_lead)
    dunmore, d_lead = _city(world, "Dunmore")
    rendered = _summary(world, dunmore, d_lead)
    RenderJobFactory(report=rendered, status=RenderStatus.DONE, file="x/y.pdf", page_count=1)
    eastfield, e_lead = _city(world, "Eastfield")
    late = _submit(_summary(world, eastfield, e_lead), e_lead, late=True)
    fairview, f_lead = _city(world, "Fairview")
    services.report_start(actor=f_lead, city=fairview, cycle=world.cycle, kind=DocumentKind.REPORT)
    outsider_city = CityFactory(name="Aaa Not Participating")
    _summary(world, outsider_city, MembershipFactory(city=outsider_city).user)

    # Evidence for city A: counted in this cycle only, withdrawn consent and plans excluded.
    ConsultationFactory.create_batch(2, city=a.city)
    ConsultationFactory(city=a.city, status=ConsultationStatus.PLANNED)
    ConsultationFactory(city=a.city, cycle=ReviewCycleFactory(number=3))
    TestimonyFactory.create_batch(3, city=a.city)
    TestimonyFactory(city=a.city, consent_withdrawn_at=timezone.now())
    # Responses are counted from the rows: `response_count` is kept only under a cap.
    SurveyResponseFactory.create_batch(7, survey=SurveyFactory(city=a.city, status="open"))
    SurveyResponseFactory.create_batch(5, survey=SurveyFactory(city=a.city, status="closed"))
    older_survey = SurveyFactory(city=a.city, cycle=ReviewCycleFactory(number=2))
    SurveyResponseFactory.create_batch(3, survey=older_survey)
    TestimonyFactory(city=b.city)
    return {
        "Alphaville": submitted,
        "Betatown": None,
        "Carverton": drafting,
        "Dunmore": rendered,
        "Eastfield": late,
        "Fairview": None,
    }


def test_the_dashboard_shows_each_participating_citys_summary_state(world, dashboard_world):
    rows = selectors.national_dashboard(cycle=world.cycle)

    assert [(r.city.name, r.status) for r in rows] == [
        ("Alphaville", DashboardStatus.SUBMITTED),
        ("Betatown", DashboardStatus.NOT_STARTED),
        ("Carverton", DashboardStatus.DRAFTING),
        ("Dunmore", DashboardStatus.RENDERED),
        ("Eastfield", DashboardStatus.LATE),
        ("Fairview", DashboardStatus.NOT_STARTED),
    ]
    by_name = {r.city.name: r for r in rows}
    for name, summary in dashboard_world.items():
        assert by_name[name].summary == summary, name


def test_the_dashboard_counts_each_citys_evidence(world, dashboard_world):
    by_name = {r.city.name: r for r in selectors.national_dashboard(cycle=world.cycle)}
    alpha = by_name["Alphaville"]
    assert (alpha.consultations, alpha.testimonies, alpha.responses) == (2, 3, 12)
    beta = by_name["Betatown"]
    assert (beta.consultations, beta.testimonies, beta.responses) == (0, 1, 0)
    assert by_name["Carverton"].responses == 0


def test_the_dashboard_reports_the_last_activity(world, dashboard_world):
    by_name = {r.city.name: r for r in selectors.national_dashboard(cycle=world.cycle)}
    alpha = by_name["Alphaville"]
    summary = dashboard_world["Alphaville"]
    summary.refresh_from_db()
    last_revision = Revision.objects.filter(report=summary).latest("created_at").created_at
    assert alpha.last_activity == max(summary.updated_at, last_revision)
    assert by_name["Betatown"].last_activity is None


def test_the_dashboard_runs_a_fixed_number_of_queries(
    world, dashboard_world, django_assert_num_queries
):
    with django_assert_num_queries(2):
        rows = selectors.national_dashboard(cycle=world.cycle)
        assert len(rows) == 6
    for n in range(4):
        city, lead = _city(world, f"More {n}")
        _summary(world, city, lead)
        TestimonyFactory(city=city)
    with django_assert_num_queries(2):
        assert len(selectors.national_dashboard(cycle=world.cycle)) == 10


def test_after_the_deadline_every_unsubmitted_city_is_late(world, dashboard_world):
    day_after = world.cycle.local_report_due + datetime.timedelta(days=1)
    rows = selectors.national_dashboard(cycle=world.cycle, today=day_after)
    assert [(r.city.name, r.status) for r in rows] == [
        ("Alphaville", DashboardStatus.SUBMITTED),  # submitted on time stays on time
        ("Betatown", DashboardStatus.LATE),
        ("Carverton", DashboardStatus.LATE),
        ("Dunmore", DashboardStatus.LATE),
        ("Eastfield", DashboardStatus.LATE),
        ("Fairview", DashboardStatus.LATE),
    ]
    on_the_day = selectors.national_dashboard(cycle=world.cycle, today=world.cycle.local_report_due)
    assert {r.city.name: r.status for r in on_the_day}["Betatown"] == DashboardStatus.NOT_STARTED


# --------------------------------------------------------------------------- national document


QUOTE = "We moved three times in a year because of the rent."


@pytest.fixture
def national_world(world):
    """Aberdeen and Alphaville submitted their summaries; Betatown is still drafting."""
    a = world.a
    aberdeen, ab_lead = _city(world, "Aberdeen")
    housing = seeded_theme("housing")
    health = seeded_theme("health")
    quoted = QuotableTestimonyFactory(city=a.city, redacted_quote=QUOTE, themes=[housing])
    TestimonyFactory.create_batch(5, city=a.city, themes=[housing])
    TestimonyFactory.create_batch(2, city=a.city, themes=[health])
    TestimonyFactory(city=a.city, themes=[health], consent_withdrawn_at=timezone.now())
    TestimonyFactory.create_batch(10, city=world.b.city, themes=[housing])  # not submitted
    _theme_survey(
        a.city,
        answers=[["housing"]] * 6 + [["housing", "health"]] + [["health"], "housing", []],
    )

    alpha = _summary(world, a.city, a.lead)
    problems = ReportSection.objects.get(report=alpha, kind=SectionKind.PROBLEMS)
    citation = services.citation_add(
        actor=a.lead,
        report=alpha,
        section=problems,
        kind=CitationKind.QUOTE,
        testimony=quoted,
    )
    sections = {s.kind: s for s in ReportSection.objects.filter(report=alpha)}
    bodies = {
        SectionKind.PROBLEMS: (
            "## Health\n\nAlpha clinics closed.\n\n"
            "## Housing and homelessness\n\nAlpha rents doubled.\n\n"
            f"[[cite:{citation.code}]]\n"
        ),
        SectionKind.POSITIVES: "Alpha opened a new clinic.",
        SectionKind.RECOMMENDATIONS: "# Transit\n\nAlpha wants more buses.",
    }
    services.sections_save(
        actor=a.lead,
        report=alpha,
        changes=[
            SectionChange(str(sections[k].uuid), body, sections[k].version)
            for k, body in bodies.items()
        ],
    )
    _submit(alpha, a.lead)
    aberdeen_summary = _summary(
        world,
        aberdeen,
        ab_lead,
        {
            SectionKind.PROBLEMS: "## housing\n\nAberdeen evictions rose.",
            SectionKind.RECOMMENDATIONS: (
                "## Vivienda y personas sin hogar\n\nAberdeen wants a rent board."
            ),
        },
    )
    _submit(aberdeen_summary, ab_lead)
    _summary(
        world,
        world.b.city,
        world.b.lead,
        {SectionKind.PROBLEMS: "## Housing and homelessness\n\nBetatown unsubmitted words."},
    )
    return {"aberdeen": aberdeen, "quoted": quoted}


def _contributions(document) -> dict[str, list[tuple[str, str]]]:
    return {
        block.heading: [(c.city_label, c.markdown) for c in block.contributions]
        for block in document.blocks
    }


def test_the_national_document_merges_submitted_summaries_by_theme(world, national_world):
    document = printing.national_document(cycle=world.cycle, language="en")

    assert [b.heading for b in document.blocks] == [
        "Context and method",
        "Housing and homelessness",
        "Health",
        "Positives and progress",
        "Recommendations to local officials",
    ]
    blocks = _contributions(document)
    assert [city for city, _text in blocks["Housing and homelessness"]] == [
        "Aberdeen, Oregon",
        "Alphaville, Oregon",
    ]
    aberdeen_housing, alpha_housing = (t for _c, t in blocks["Housing and homelessness"])
    assert aberdeen_housing == "Aberdeen evictions rose.\n\nAberdeen wants a rent board."
    assert alpha_housing.startswith("Alpha rents doubled.")
    assert f"> {QUOTE}" in alpha_housing
    assert "— a resident of the East Side" in alpha_housing
    assert "[[cite:" not in alpha_housing
    assert blocks["Health"] == [("Alphaville, Oregon", "Alpha clinics closed.")]
    assert [c for c, _t in blocks["Context and method"]] == [
        "Aberdeen, Oregon",
        "Alphaville, Oregon",
    ]
    assert blocks["Positives and progress"] == [
        ("Alphaville, Oregon", "Alpha opened a new clinic.")
    ]
    assert blocks["Recommendations to local officials"] == [
        ("Alphaville, Oregon", "**Transit**\n\nAlpha wants more buses.")
    ]
    assert document.cities == ["Aberdeen, Oregon", "Alphaville, Oregon"]
    assert document.title == "Human rights cities' shadow report: United States — 4th UPR cycle"
    assert document.cycle_label == "United States, UPR cycle 4"
    assert "2 human rights cities" in document.introduction
    assert document.word_limit == 5630


def test_the_national_document_leaves_out_unsubmitted_cities(world, national_world):
    document = printing.national_document(cycle=world.cycle, language="en")
    everything = repr(document)
    assert "Betatown" not in everything
    assert "unsubmitted" not in everything


def test_the_national_html_is_sanitised(world, national_world):
    document = printing.national_document(cycle=world.cycle, language="en")
    housing = next(b for b in document.blocks if b.heading == "Housing and homelessness")
    alpha = housing.contributions[1]
    assert "<blockquote>" in alpha.html
    assert QUOTE in alpha.html
    recommendations = next(b for b in document.blocks if b.heading.startswith("Recommendations"))
    assert "<strong>Transit</strong>" in recommendations.contributions[0].html


def test_the_national_document_counts_evidence_per_theme_for_submitted_cities(
    world, national_world
):
    document = printing.national_document(cycle=world.cycle, language="en")
    rows = {r.theme: (r.cities, r.testimonies, r.responses) for r in document.count_rows}
    assert rows == {
        "Housing and homelessness": ("1", "6", "7"),
        "Health": ("1", "fewer than 5", "fewer than 5"),
    }
    assert [r.theme for r in document.count_rows] == ["Housing and homelessness", "Health"]


def test_the_national_word_count_adds_up_every_contribution(world, national_world):
    document = printing.national_document(cycle=world.cycle, language="en")
    contributions = sum(
        markdown.word_count(c.markdown) for b in document.blocks for c in b.contributions
    )
    assert document.word_count > 0
    assert document.word_count == contributions + markdown.word_count(document.introduction)


def test_a_withdrawn_consent_drops_the_quote_from_the_national_document(world, national_world):
    quoted = national_world["quoted"]
    type(quoted).objects.filter(pk=quoted.pk).update(consent_withdrawn_at=timezone.now())
    document = printing.national_document(cycle=world.cycle, language="en")
    assert QUOTE not in repr(document)
    assert "East Side" not in repr(document)


def test_the_national_document_in_spanish_uses_spanish_theme_names(world, national_world):
    document = printing.national_document(cycle=world.cycle, language="es")
    headings = [b.heading for b in document.blocks]
    assert "Vivienda y personas sin hogar" in headings
    assert document.cities == ["Aberdeen, Oregon", "Alphaville, Oregon"]


def test_a_national_document_with_no_submissions_is_empty(world):
    document = printing.national_document(cycle=world.cycle, language="en")
    assert document.blocks == []
    assert document.cities == []
    assert document.count_rows == []


# --------------------------------------------------------------------------- compilation


def _read(fieldfile) -> bytes:
    with fieldfile.open("rb") as fh:
        return fh.read()


def _docx_text(fieldfile) -> str:
    document = docx.Document(io.BytesIO(_read(fieldfile)))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def _pdf_text(fieldfile) -> str:
    reader = pypdf.PdfReader(io.BytesIO(_read(fieldfile)))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_a_compilation_needs_a_submitted_summary(world):
    _summary(world, world.a.city, world.a.lead, {SectionKind.PROBLEMS: "Not submitted."})
    with pytest.raises(ValidationError) as caught:
        services.compilation_start(actor=world.coordinator, cycle=world.cycle)
    assert caught.value.messages == ["No city has submitted a summary for this cycle yet."]
    assert not NationalCompilation.objects.exists()
    assert not RenderJob.objects.filter(compilation__isnull=False).exists()


def test_a_compilation_needs_a_known_language(world, national_world):
    with pytest.raises(ValidationError):
        services.compilation_start(actor=world.coordinator, cycle=world.cycle, language="xx")
    assert not NationalCompilation.objects.exists()


def test_a_compilation_makes_a_pdf_and_a_docx_with_every_submitted_city(
    world, national_world, committed
):
    compilation = committed(services.compilation_start, actor=world.coordinator, cycle=world.cycle)

    compilation.refresh_from_db()
    assert compilation.cycle == world.cycle
    assert compilation.city_count == 2
    assert compilation.word_limit == 5630
    assert compilation.created_by == world.coordinator
    document = printing.national_document(cycle=world.cycle, language="en")
    assert compilation.word_count == document.word_count
    jobs = {j.kind: j for j in RenderJob.objects.filter(compilation=compilation)}
    assert set(jobs) == {RenderKind.NATIONAL_PDF, RenderKind.NATIONAL_DOCX}
    for job in jobs.values():
        assert job.status == RenderStatus.DONE, job.error
        assert job.city is None and job.report is None
        assert job.requested_by == world.coordinator
        assert job.word_count == document.word_count
        assert job.file.name.startswith("national/")
    assert jobs[RenderKind.NATIONAL_DOCX].file.name.endswith(".docx")
    assert jobs[RenderKind.NATIONAL_PDF].page_count >= 1

    docx_text = _docx_text(jobs[RenderKind.NATIONAL_DOCX].file)
    pdf_text = _pdf_text(jobs[RenderKind.NATIONAL_PDF].file)
    for text in (docx_text, pdf_text):
        assert "Aberdeen, Oregon" in text
        assert "Alphaville, Oregon" in text
        assert "Betatown" not in text
        assert "Participating cities" in text
        assert "Housing and homelessness" in text
        assert "Aberdeen evictions rose." in text
    assert QUOTE in docx_text
    event = AuditEvent.objects.get(action=AuditAction.NATIONAL_COMPILED)
    assert event.actor == world.coordinator
    assert event.details == {"cities": 2}
    assert list(selectors.compilation_list(cycle=world.cycle)) == [compilation]


def test_a_second_compilation_of_the_same_input_reuses_the_files(world, national_world, committed):
    first = committed(services.compilation_start, actor=world.coordinator, cycle=world.cycle)
    second = committed(services.compilation_start, actor=world.coordinator, cycle=world.cycle)

    earlier = {j.kind: j for j in RenderJob.objects.filter(compilation=first)}
    for job in RenderJob.objects.filter(compilation=second):
        assert job.status == RenderStatus.DONE, job.error
        assert job.reused_from == earlier[job.kind]
        assert job.file.name == earlier[job.kind].file.name


# --------------------------------------------------------------------------- theme rows


def test_the_city_theme_rows_count_testimonies_and_survey_responses(world):
    housing, health, education = (seeded_theme(s) for s in ("housing", "health", "education"))
    a, b = world.a.city, world.b.city
    TestimonyFactory.create_batch(2, city=a, themes=[housing])
    TestimonyFactory(city=a, themes=[housing, health])
    TestimonyFactory(city=a, themes=[housing], consent_withdrawn_at=timezone.now())
    TestimonyFactory(city=b, themes=[education])
    older = ReviewCycleFactory(number=3)
    TestimonyFactory(city=a, themes=[education], cycle=older)
    _theme_survey(
        a,
        answers=[["housing", "health"], ["housing"], ["voting"], "housing", [], "not a list"],
    )
    _theme_survey(a, cycle=older, answers=[["housing"]] * 3)
    elsewhere = CityFactory(name="Not Participating")
    TestimonyFactory(city=elsewhere, themes=[housing])
    _theme_survey(elsewhere, cycle=world.cycle, answers=[["housing"]])

    rows = selectors.national_city_theme_rows(cycle=world.cycle)

    assert rows == [
        ("Alphaville", "Oregon", "Housing and homelessness", 3, 2),
        ("Alphaville", "Oregon", "Health", 1, 1),
        ("Alphaville", "Oregon", "Voting rights and democracy", 0, 1),
        ("Betatown", "Oregon", "Education", 1, 0),
    ]


def test_a_response_naming_a_theme_twice_counts_once(world):
    _theme_survey(world.a.city, answers=[["housing", "housing"]])
    counts = selectors.theme_response_counts(cycle=world.cycle)
    assert counts == {(world.a.city.pk, "housing"): 1}


# --------------------------------------------------------------------------- reminders


def _due_in(world, days: int) -> None:
    world.cycle.local_report_due = timezone.localdate() + datetime.timedelta(days=days)
    world.cycle.save()


def test_reminders_email_the_leads_of_cities_that_have_not_submitted(world, mailoutbox):
    _due_in(world, 7)

    sent = services.summary_reminders_send()

    assert sent == 2
    assert sorted((m.subject, tuple(m.to)) for m in mailoutbox) == [
        ("Alphaville: the summary is due in 7 days", (world.a.lead.email,)),
        ("Betatown: the summary is due in 7 days", (world.b.lead.email,)),
    ]
    body = mailoutbox[0].body
    assert world.cycle.local_report_due.isoformat() in body
    assert "in 7 days" in body
    reminders = SummaryReminder.objects.filter(cycle=world.cycle)
    assert {(r.city_id, r.days_before, r.recipients) for r in reminders} == {
        (world.a.city.pk, 7, 1),
        (world.b.city.pk, 7, 1),
    }
    everyone = {e for m in mailoutbox for e in m.to}
    for user in (world.a.organizer, world.a.viewer, world.b.organizer, world.coordinator):
        assert user.email not in everyone


def test_a_reminder_is_sent_once(world, mailoutbox):
    _due_in(world, 7)
    services.summary_reminders_send()
    assert services.summary_reminders_send() == 0
    assert len(mailoutbox) == 2
    assert SummaryReminder.objects.count() == 2


def test_a_submitted_city_gets_no_reminder(world, mailoutbox):
    _due_in(world, 7)
    _submit(_summary(world, world.a.city, world.a.lead), world.a.lead)
    assert services.summary_reminders_send() == 1
    assert [m.to for m in mailoutbox] == [[world.b.lead.email]]


@pytest.mark.parametrize("days", [20, 15, -1, -30])
def test_no_reminder_outside_the_windows(world, mailoutbox, days):
    _due_in(world, days)
    assert services.summary_reminders_send() == 0
    assert mailoutbox == []
    assert not SummaryReminder.objects.exists()


def test_each_window_sends_its_own_reminder_and_a_missed_day_is_caught_up(world, mailoutbox):
    due = world.cycle.local_report_due

    def on(days_before: int) -> int:
        return services.summary_reminders_send(today=due - datetime.timedelta(days=days_before))

    assert on(13) == 2  # the 14-day reminder, a day late
    assert on(12) == 0
    assert on(7) == 2
    assert on(5) == 0
    assert on(0) == 2  # the 2-day window, caught up on the day
    assert on(0) == 0
    assert sorted({r.days_before for r in SummaryReminder.objects.all()}) == [2, 7, 14]
    assert "due in 13 days" in mailoutbox[0].subject
    assert "due in 0 days" in mailoutbox[-1].subject


def test_every_active_lead_of_the_city_gets_the_reminder(world, mailoutbox):
    _due_in(world, 2)
    second = MembershipFactory(city=world.a.city, role=Role.CITY_LEAD).user
    gone = MembershipFactory(city=world.a.city, role=Role.CITY_LEAD).user
    gone.is_active = False
    gone.save()

    assert services.summary_reminders_send() == 3

    alpha = next(m for m in mailoutbox if m.subject.startswith("Alphaville"))
    assert sorted(alpha.to) == sorted([world.a.lead.email, second.email])
    assert SummaryReminder.objects.get(city=world.a.city).recipients == 2


def test_a_city_without_a_lead_is_skipped(world, mailoutbox):
    _due_in(world, 7)
    world.b.lead.memberships.all().delete()
    assert services.summary_reminders_send() == 1
    assert not SummaryReminder.objects.filter(city=world.b.city).exists()


def test_the_reminder_task_sends_the_reminders(world, mailoutbox):
    _due_in(world, 14)
    assert tasks.summary_reminders_send.apply().get() == 2
    assert len(mailoutbox) == 2
