"""Writing a report (`reports.services.editing`): starting it with the facts, saving
sections as revisions (conflicts, autosave coalescing, approval withdrawn, locked
summaries), restoring and diffing revisions, and the draft from evidence."""

from __future__ import annotations

import datetime
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cities.models import AuditAction, AuditEvent
from consultations import services as consultation_services
from consultations.models import ConsentLevel, ConsultationStatus, ReviewStatus, SurveyStatus
from reports import markdown, selectors, services
from reports.models import (
    SECTION_ORDER,
    Citation,
    CitationKind,
    DocumentKind,
    Report,
    ReportSection,
    ReportStatus,
    Revision,
    SectionKind,
)
from reports.services import EditConflict, SectionChange
from tests.factories import (
    ConsultationFactory,
    QuotableTestimonyFactory,
    ReviewCycleFactory,
    SurveyFactory,
    TestimonyFactory,
    seeded_theme,
)

pytestmark = pytest.mark.django_db


def _start(world, kind=DocumentKind.REPORT, team=None):
    team = team or world.a
    return services.report_start(actor=team.lead, city=team.city, cycle=world.cycle, kind=kind)


def _sections(report) -> dict[str, ReportSection]:
    return {s.kind: s for s in ReportSection.objects.filter(report=report)}


def _change(section: ReportSection, body: str, version: int | None = None) -> SectionChange:
    return SectionChange(
        section_uuid=str(section.uuid),
        body=body,
        version=section.version if version is None else version,
    )


def _save(report, actor, *changes, autosave=False):
    return services.sections_save(
        actor=actor, report=report, changes=list(changes), autosave=autosave
    )


def _mark(report, status, **fields):
    """Put a report in a decided state (the decisions have their own tests)."""
    now = timezone.now()
    values = {"status": status, "approved_at": now, "approved_hash": "x" * 64, **fields}
    Report.objects.filter(pk=report.pk).update(**values)
    report.refresh_from_db()
    return report


# --------------------------------------------------------------------------- start


def test_it_starts_a_report_with_four_sections_and_the_facts(world):
    city = world.a.city
    ConsultationFactory(city=city, attendance=12)
    ConsultationFactory(city=city, attendance=30)
    ConsultationFactory(city=city, attendance=None)  # held, attendance not recorded
    ConsultationFactory(city=city, attendance=500, status=ConsultationStatus.PLANNED)
    ConsultationFactory(city=city, attendance=500, status=ConsultationStatus.CANCELLED)
    ConsultationFactory(city=world.b.city, attendance=900)
    ConsultationFactory(city=city, attendance=700, cycle=ReviewCycleFactory(number=3))
    TestimonyFactory.create_batch(3, city=city)
    TestimonyFactory(city=city, consent_withdrawn_at=timezone.now())
    TestimonyFactory(city=world.b.city)
    survey = SurveyFactory(city=city, status=SurveyStatus.OPEN, response_cap=100)
    for _ in range(4):
        consultation_services.survey_response_submit(
            survey=survey, submission_id=uuid.uuid4(), language="en", answers={}
        )
    SurveyFactory(city=city, status=SurveyStatus.DRAFT, response_count=50)

    report = _start(world)

    report.refresh_from_db()
    assert report.city == city
    assert report.cycle == world.cycle
    assert report.kind == DocumentKind.REPORT
    assert report.status == ReportStatus.DRAFTING
    assert report.created_by == world.a.lead
    sections = list(ReportSection.objects.filter(report=report).order_by("position"))
    assert [s.kind for s in sections] == list(SECTION_ORDER)
    assert [s.position for s in sections] == [0, 1, 2, 3]
    context = sections[0]
    assert "held 3 community consultations with 42 participants" in context.body
    assert "recorded 3 testimonies" in context.body
    assert "received 4 responses to 1 online surveys" in context.body
    assert "Between 2026-03-01 and today, the Alphaville human rights city team" in context.body
    assert context.version == 1
    assert all(s.body == "" and s.version == 0 for s in sections[1:])
    revision = Revision.objects.get(report=report)
    assert revision.section == context
    assert revision.number == 1
    assert revision.body == context.body
    assert revision.author == world.a.lead
    assert revision.note == "Prefilled with the facts"
    assert revision.city == city
    event = AuditEvent.objects.get(action=AuditAction.REPORT_STARTED)
    assert event.city == city
    assert event.target_id == str(report.uuid)


def test_the_facts_count_what_selectors_city_facts_counts(world):
    ConsultationFactory(city=world.a.city, attendance=8)
    facts = selectors.city_facts(city=world.a.city, cycle=world.cycle)
    assert facts.consultations_held == 1
    assert facts.participants == 8
    assert facts.testimonies == 0
    assert facts.surveys == 0
    assert facts.survey_responses == 0


def test_the_facts_count_the_responses_of_an_uncapped_survey(world):
    survey = SurveyFactory(city=world.a.city, status=SurveyStatus.OPEN, response_cap=None)
    for _ in range(3):
        consultation_services.survey_response_submit(
            survey=survey, submission_id=uuid.uuid4(), language="en", answers={}
        )
    assert selectors.city_facts(city=world.a.city, cycle=world.cycle).survey_responses == 3


def test_it_starts_a_summary_in_the_language_asked_for(world):
    report = services.report_start(
        actor=world.a.lead,
        city=world.a.city,
        cycle=world.cycle,
        kind=DocumentKind.SUMMARY,
        language="es",
    )
    report.refresh_from_db()
    assert report.kind == DocumentKind.SUMMARY
    assert report.language == "es"
    assert ReportSection.objects.filter(report=report).count() == 4


def test_starting_twice_returns_the_same_report(world):
    first = _start(world)
    second = services.report_start(
        actor=world.a.organizer, city=world.a.city, cycle=world.cycle, kind=DocumentKind.REPORT
    )
    assert second.pk == first.pk
    assert Report.objects.filter(city=world.a.city).count() == 1
    assert ReportSection.objects.filter(report=first).count() == 4
    assert Revision.objects.filter(report=first).count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.REPORT_STARTED).count() == 1


def test_a_report_and_a_summary_are_separate_documents(world):
    report = _start(world)
    summary = _start(world, kind=DocumentKind.SUMMARY)
    assert report.pk != summary.pk
    assert selectors.report_list_for_city(city=world.a.city, cycle=world.cycle) == {
        DocumentKind.REPORT: report,
        DocumentKind.SUMMARY: summary,
    }
    assert selectors.report_list_for_city(city=world.b.city, cycle=world.cycle) == {
        DocumentKind.REPORT: None,
        DocumentKind.SUMMARY: None,
    }


def test_it_refuses_an_unknown_kind_of_document(world):
    with pytest.raises(ValidationError):
        services.report_start(actor=world.a.lead, city=world.a.city, cycle=world.cycle, kind="memo")
    assert not Report.objects.exists()


# --------------------------------------------------------------------------- save


def test_saving_writes_one_revision_per_changed_section(world):
    report = _start(world)
    sections = _sections(report)
    problems, positives = sections[SectionKind.PROBLEMS], sections[SectionKind.POSITIVES]
    context = sections[SectionKind.CONTEXT]

    changed = _save(
        report,
        world.a.organizer,
        _change(problems, "Rents rose."),
        _change(positives, "A new clinic opened."),
        _change(context, context.body),  # unchanged: skipped
    )

    assert {s.kind for s in changed} == {SectionKind.PROBLEMS, SectionKind.POSITIVES}
    problems.refresh_from_db()
    positives.refresh_from_db()
    context.refresh_from_db()
    assert problems.body == "Rents rose."
    assert problems.version == 1
    assert positives.version == 1
    assert context.version == 1  # untouched since the prefill
    revisions = Revision.objects.filter(report=report, author=world.a.organizer)
    assert {(r.section_id, r.number, r.body, r.is_autosave) for r in revisions} == {
        (problems.pk, 1, "Rents rose.", False),
        (positives.pk, 1, "A new clinic opened.", False),
    }
    assert Revision.objects.filter(section=context).count() == 1
    event = AuditEvent.objects.get(action=AuditAction.REPORT_EDITED)
    assert event.actor == world.a.organizer
    assert sorted(event.details["sections"]) == ["positives", "problems"]


def test_saving_again_bumps_the_version_and_numbers_revisions(world):
    report = _start(world)
    problems = _sections(report)[SectionKind.PROBLEMS]
    _save(report, world.a.lead, _change(problems, "One."))
    problems.refresh_from_db()
    _save(report, world.a.lead, _change(problems, "Two."))
    problems.refresh_from_db()
    assert problems.version == 2
    assert list(
        Revision.objects.filter(section=problems).order_by("number").values_list("number", "body")
    ) == [(1, "One."), (2, "Two.")]


def test_saving_nothing_new_writes_nothing(world):
    report = _start(world)
    problems = _sections(report)[SectionKind.PROBLEMS]
    assert _save(report, world.a.lead, _change(problems, "")) == []
    problems.refresh_from_db()
    assert problems.version == 0
    assert not Revision.objects.filter(section=problems).exists()
    assert not AuditEvent.objects.filter(action=AuditAction.REPORT_EDITED).exists()


def test_saving_normalises_windows_line_endings(world):
    report = _start(world)
    problems = _sections(report)[SectionKind.PROBLEMS]
    _save(report, world.a.lead, _change(problems, "One\r\nTwo"))
    problems.refresh_from_db()
    assert problems.body == "One\nTwo"


def test_a_stale_version_raises_edit_conflict_and_saves_nothing(world):
    report = _start(world)
    sections = _sections(report)
    problems, positives = sections[SectionKind.PROBLEMS], sections[SectionKind.POSITIVES]
    _save(report, world.a.organizer, _change(problems, "Saved by the organizer."))

    with pytest.raises(EditConflict) as caught:
        _save(
            report,
            world.a.lead,
            _change(problems, "The lead's text, from the old page.", version=0),
            _change(positives, "Also from the lead."),
        )

    assert "Key problems and challenges" in str(caught.value)
    problems.refresh_from_db()
    positives.refresh_from_db()
    assert problems.body == "Saved by the organizer."
    assert problems.version == 1
    assert positives.body == ""
    assert positives.version == 0
    assert Revision.objects.filter(report=report).count() == 2  # the prefill and the organizer's
    assert not Revision.objects.filter(section=positives).exists()


def test_a_section_of_another_report_is_refused(world):
    report = _start(world)
    other = _start(world, team=world.b)
    foreign = _sections(other)[SectionKind.PROBLEMS]
    with pytest.raises(ValidationError):
        _save(report, world.a.lead, _change(foreign, "Hijack."))
    foreign.refresh_from_db()
    assert foreign.body == ""


def test_a_section_over_the_length_limit_is_refused(world):
    report = _start(world)
    problems = _sections(report)[SectionKind.PROBLEMS]
    with pytest.raises(ValidationError):
        _save(report, world.a.lead, _change(problems, "x" * 60_001))
    problems.refresh_from_db()
    assert problems.body == ""


def test_autosaves_by_the_same_person_coalesce_into_one_revision(world):
    report = _start(world)
    problems = _sections(report)[SectionKind.PROBLEMS]
    _save(report, world.a.organizer, _change(problems, "Ren"), autosave=True)
    problems.refresh_from_db()
    _save(report, world.a.organizer, _change(problems, "Rents rose."), autosave=True)

    problems.refresh_from_db()
    assert problems.body == "Rents rose."
    assert problems.version == 2
    revision = Revision.objects.get(section=problems)
    assert revision.body == "Rents rose."
    assert revision.is_autosave
    assert revision.number == 1
    assert not AuditEvent.objects.filter(action=AuditAction.REPORT_EDITED).exists()


def test_a_manual_save_after_an_autosave_is_its_own_revision(world):
    report = _start(world)
    problems = _sections(report)[SectionKind.PROBLEMS]
    _save(report, world.a.organizer, _change(problems, "Draft"), autosave=True)
    problems.refresh_from_db()
    _save(report, world.a.organizer, _change(problems, "Draft, saved."))
    problems.refresh_from_db()
    _save(report, world.a.organizer, _change(problems, "Draft, saved, typed on."), autosave=True)

    rows = list(
        Revision.objects.filter(section=problems)
        .order_by("number")
        .values_list("number", "body", "is_autosave")
    )
    assert rows == [
        (1, "Draft", True),
        (2, "Draft, saved.", False),
        (3, "Draft, saved, typed on.", True),
    ]


def test_autosaves_by_someone_else_or_after_ten_minutes_do_not_coalesce(world):
    report = _start(world)
    problems = _sections(report)[SectionKind.PROBLEMS]
    _save(report, world.a.organizer, _change(problems, "One"), autosave=True)
    problems.refresh_from_db()
    _save(report, world.a.lead, _change(problems, "Two"), autosave=True)
    problems.refresh_from_db()
    Revision.objects.filter(section=problems, number=2).update(
        created_at=timezone.now() - datetime.timedelta(minutes=11)
    )
    _save(report, world.a.lead, _change(problems, "Three"), autosave=True)

    rows = list(
        Revision.objects.filter(section=problems)
        .order_by("number")
        .values_list("number", "body", "author")
    )
    assert rows == [
        (1, "One", world.a.organizer.pk),
        (2, "Two", world.a.lead.pk),
        (3, "Three", world.a.lead.pk),
    ]


def test_editing_an_approved_report_sends_it_back_to_drafting(world):
    report = _start(world)
    _mark(report, ReportStatus.APPROVED, approved_by=world.a.lead)
    problems = _sections(report)[SectionKind.PROBLEMS]

    _save(report, world.a.organizer, _change(problems, "A late change."))

    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFTING
    assert report.approved_at is None
    assert report.approved_by is None
    assert report.approved_hash == ""
    event = AuditEvent.objects.get(action=AuditAction.REPORT_APPROVAL_WITHDRAWN)
    assert event.action == "report.approval_withdrawn"
    assert event.actor == world.a.organizer
    assert event.target_id == str(report.uuid)


def test_an_unchanged_save_keeps_the_approval(world):
    report = _start(world)
    _mark(report, ReportStatus.APPROVED, approved_by=world.a.lead)
    problems = _sections(report)[SectionKind.PROBLEMS]
    _save(report, world.a.organizer, _change(problems, ""))
    report.refresh_from_db()
    assert report.status == ReportStatus.APPROVED
    assert not AuditEvent.objects.filter(action=AuditAction.REPORT_APPROVAL_WITHDRAWN).exists()


def test_a_submitted_summary_refuses_every_edit(world):
    summary = _start(world, kind=DocumentKind.SUMMARY)
    _mark(summary, ReportStatus.SUBMITTED, submitted_at=timezone.now())
    sections = _sections(summary)
    problems = sections[SectionKind.PROBLEMS]
    quotable = QuotableTestimonyFactory(city=world.a.city)
    first = Revision.objects.get(report=summary)

    with pytest.raises(ValidationError):
        _save(summary, world.a.lead, _change(problems, "Changed after submission."))
    with pytest.raises(ValidationError):
        services.revision_restore(actor=world.a.lead, report=summary, revision=first)
    with pytest.raises(ValidationError):
        services.citation_add(
            actor=world.a.lead,
            report=summary,
            section=problems,
            kind=CitationKind.QUOTE,
            testimony=quotable,
        )
    with pytest.raises(ValidationError):
        services.draft_from_evidence(actor=world.a.lead, report=summary)

    summary.refresh_from_db()
    problems.refresh_from_db()
    assert summary.status == ReportStatus.SUBMITTED
    assert problems.body == ""
    assert Revision.objects.filter(report=summary).count() == 1
    assert not Citation.objects.exists()


# --------------------------------------------------------------------------- revisions


def test_restoring_a_revision_makes_it_the_current_text_as_a_new_revision(world):
    report = _start(world)
    problems = _sections(report)[SectionKind.PROBLEMS]
    _save(report, world.a.organizer, _change(problems, "First words."))
    problems.refresh_from_db()
    _save(report, world.a.organizer, _change(problems, "Second words."))
    first = Revision.objects.get(section=problems, number=1)

    section = services.revision_restore(actor=world.a.lead, report=report, revision=first)

    section.refresh_from_db()
    assert section.pk == problems.pk
    assert section.body == "First words."
    assert section.version == 3
    restored = Revision.objects.get(section=problems, number=3)
    assert restored.body == "First words."
    assert restored.author == world.a.lead
    assert restored.note == "Restored revision 1"
    assert Revision.objects.filter(section=problems).count() == 3  # nothing lost
    event = AuditEvent.objects.filter(action=AuditAction.REPORT_EDITED).first()
    assert event.details == {"sections": ["problems"], "restored": 1}


def test_restoring_a_revision_withdraws_an_approval(world):
    report = _start(world)
    first = Revision.objects.get(report=report)
    _mark(report, ReportStatus.APPROVED, approved_by=world.a.lead)
    services.revision_restore(actor=world.a.lead, report=report, revision=first)
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFTING
    assert AuditEvent.objects.filter(action=AuditAction.REPORT_APPROVAL_WITHDRAWN).exists()


def test_restoring_a_revision_of_another_report_is_refused(world):
    report = _start(world)
    other = _start(world, team=world.b)
    foreign = Revision.objects.get(report=other)
    before = _sections(other)[SectionKind.CONTEXT].version
    with pytest.raises(ValidationError):
        services.revision_restore(actor=world.a.lead, report=report, revision=foreign)
    assert _sections(other)[SectionKind.CONTEXT].version == before


def test_a_revision_diff_shows_added_removed_and_unchanged_lines(world):
    report = _start(world)
    problems = _sections(report)[SectionKind.PROBLEMS]
    _save(report, world.a.lead, _change(problems, "Rents rose.\nBuses are late.\nParks closed."))
    problems.refresh_from_db()
    _save(report, world.a.lead, _change(problems, "Rents rose.\nParks closed.\nClinics opened."))
    first = Revision.objects.get(section=problems, number=1)
    second = Revision.objects.get(section=problems, number=2)

    assert [(d.op, d.text) for d in selectors.revision_diff(revision=first)] == [
        ("add", "Rents rose."),
        ("add", "Buses are late."),
        ("add", "Parks closed."),
    ]
    assert [(d.op, d.text) for d in selectors.revision_diff(revision=second)] == [
        ("same", "Rents rose."),
        ("remove", "Buses are late."),
        ("same", "Parks closed."),
        ("add", "Clinics opened."),
    ]


def test_revisions_are_listed_newest_first_for_their_report_only(world):
    report = _start(world)
    other = _start(world, team=world.b)
    problems = _sections(report)[SectionKind.PROBLEMS]
    _save(report, world.a.lead, _change(problems, "Later."))
    listed = list(selectors.revision_list(report=report))
    assert listed[0].body == "Later."
    assert len(listed) == 2
    assert all(r.report_id == report.pk for r in listed)
    assert (
        selectors.revision_get_for_report(report=report, revision_uuid=listed[0].uuid) == listed[0]
    )
    foreign = Revision.objects.get(report=other)
    from django.http import Http404

    with pytest.raises(Http404):
        selectors.revision_get_for_report(report=report, revision_uuid=foreign.uuid)


# --------------------------------------------------------------------------- draft from evidence


HOUSING, HEALTH, EDUCATION = "housing", "health", "education"


def _quotable(world, theme=HOUSING, quote="Rents doubled.", nature="problem", team=None, **kw):
    team = team or world.a
    return QuotableTestimonyFactory(
        city=team.city,
        redacted_quote=quote,
        nature=nature,
        themes=[seeded_theme(theme)],
        **kw,
    )


def _cited(report, kind=None) -> set[int]:
    rows = Citation.objects.filter(report=report)
    if kind is not None:
        rows = rows.filter(section__kind=kind)
    return set(rows.values_list("testimony_id", flat=True))


def test_the_draft_orders_theme_headings_by_the_amount_of_evidence(world):
    for _ in range(3):
        _quotable(world, HEALTH)
    for _ in range(2):
        _quotable(world, EDUCATION)
    _quotable(world, HOUSING)
    report = _start(world)

    services.draft_from_evidence(actor=world.a.organizer, report=report)

    body = _sections(report)[SectionKind.PROBLEMS].body
    headings = [line for line in body.splitlines() if line.startswith("## ")]
    assert headings == ["## Health", "## Education", "## Housing and homelessness"]
    assert "Residents raised 3 concerns about health." in body
    recommendations = _sections(report)[SectionKind.RECOMMENDATIONS].body
    assert [line for line in recommendations.splitlines() if line.startswith("## ")] == headings


def test_the_draft_cites_the_strongest_quotes_as_tokens_linked_to_citations(world):
    short = _quotable(world, quote="Too dear.")
    longest = _quotable(world, quote="The rent doubled in two years and the heating never worked.")
    middle = _quotable(world, quote="We pay half our wages in rent.")
    report = _start(world)

    services.draft_from_evidence(actor=world.a.organizer, report=report)

    problems = _sections(report)[SectionKind.PROBLEMS]
    citations = list(Citation.objects.filter(report=report, section=problems))
    assert {c.testimony_id for c in citations} == {longest.pk, middle.pk}  # two per theme
    assert short.pk not in _cited(report)
    for citation in citations:
        assert citation.kind == CitationKind.QUOTE
        assert citation.city == world.a.city
        assert citation.created_by == world.a.organizer
        assert markdown.citation_token(citation.code) in problems.body
    codes = markdown.citation_codes(problems.body)
    by_code = {c.code: c.testimony_id for c in citations}
    assert [by_code[c] for c in codes] == [longest.pk, middle.pk]
    assert "doubled" not in problems.body  # the text holds tokens, never the quote
    event = AuditEvent.objects.get(action=AuditAction.REPORT_DRAFTED)
    assert event.details == {"themes": 1, "citations": 2}


def test_the_draft_cites_only_quotable_testimony_of_the_city(world):
    good = _quotable(world, quote="Short but quotable.")
    long_text = "An unusually long quote that would be the strongest one if it counted. " * 3
    _quotable(world, quote=long_text, review_status=ReviewStatus.DRAFT, reviewed_at=None)
    _quotable(world, quote=long_text, consent_level=ConsentLevel.INTERNAL)
    _quotable(world, quote=long_text, consent_withdrawn_at=timezone.now())
    _quotable(world, quote="")
    _quotable(world, quote=long_text, team=world.b)
    report = _start(world)

    services.draft_from_evidence(actor=world.a.organizer, report=report)

    assert _cited(report) == {good.pk}
    assert Citation.objects.filter(report=report).count() == 1


def test_the_draft_cites_only_this_cycles_testimony(world):
    current = _quotable(world, quote="Short current quote.")
    _quotable(
        world,
        quote="A much longer quote, recorded years ago for the previous review cycle.",
        cycle=ReviewCycleFactory(number=3),
    )
    report = _start(world)

    services.draft_from_evidence(actor=world.a.organizer, report=report)

    assert _cited(report) == {current.pk}


def test_the_draft_puts_positive_evidence_under_positives(world):
    problem = _quotable(world, quote="The bus never comes.")
    positive = _quotable(world, quote="The new clinic is wonderful.", nature="positive")
    both = _quotable(world, HEALTH, quote="Good nurses, long waits.", nature="both")
    report = _start(world)

    services.draft_from_evidence(actor=world.a.organizer, report=report)

    assert _cited(report, SectionKind.PROBLEMS) == {problem.pk, both.pk}
    assert _cited(report, SectionKind.POSITIVES) == {positive.pk, both.pk}
    positives = _sections(report)[SectionKind.POSITIVES].body
    assert "## Housing and homelessness" in positives
    assert "[What is working on housing and homelessness, and who made it work?]" in positives


def test_a_summary_draft_has_at_most_four_themes_and_one_quote_each(world):
    themes = ["housing", "health", "education", "policing", "voting", "work"]
    for n, slug in enumerate(themes):
        for i in range(len(themes) - n):
            _quotable(world, slug, quote=f"Quote {slug} {i}.")
    summary = _start(world, kind=DocumentKind.SUMMARY)

    services.draft_from_evidence(actor=world.a.lead, report=summary)

    body = _sections(summary)[SectionKind.PROBLEMS].body
    assert body.count("## ") == 4
    assert "## Voting" not in body
    assert Citation.objects.filter(report=summary, section__kind=SectionKind.PROBLEMS).count() == 4


def test_the_draft_keeps_the_previous_text_in_the_revisions(world):
    _quotable(world)
    report = _start(world)
    problems = _sections(report)[SectionKind.PROBLEMS]
    _save(report, world.a.organizer, _change(problems, "My own careful words."))

    changed = services.draft_from_evidence(actor=world.a.lead, report=report)

    problems.refresh_from_db()
    assert problems in changed
    assert "My own careful words." not in problems.body
    assert problems.body.startswith("## Housing and homelessness")
    revisions = list(Revision.objects.filter(section=problems).order_by("number"))
    assert revisions[0].body == "My own careful words."
    assert revisions[-1].note == "Drafted from evidence"
    assert revisions[-1].author == world.a.lead
    assert problems.version == 2


def test_the_draft_without_evidence_says_what_to_do(world):
    report = _start(world)
    services.draft_from_evidence(actor=world.a.lead, report=report)
    sections = _sections(report)
    assert "[No reviewed testimony yet." in sections[SectionKind.PROBLEMS].body
    assert "[Describe how the consultations were run" in sections[SectionKind.CONTEXT].body
    assert not Citation.objects.exists()


def test_the_draft_withdraws_an_approval(world):
    _quotable(world)
    report = _start(world)
    _mark(report, ReportStatus.APPROVED, approved_by=world.a.lead)
    services.draft_from_evidence(actor=world.a.lead, report=report)
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFTING


def test_the_draft_is_written_in_the_report_language(world):
    _quotable(world)
    summary = services.report_start(
        actor=world.a.lead,
        city=world.a.city,
        cycle=world.cycle,
        kind=DocumentKind.SUMMARY,
        language="es",
    )
    services.draft_from_evidence(actor=world.a.lead, report=summary)
    assert "## Vivienda y personas sin hogar" in _sections(summary)[SectionKind.PROBLEMS].body
