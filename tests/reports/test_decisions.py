"""Decisions (`reports.services.decisions`): approval (and what blocks it: no checked PDF,
changed text or evidence, page limits), submitting the summary (on time, late), a
coordinator reopening it, and publishing versions of the local report."""

from __future__ import annotations

import datetime
import io

import pypdf
import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cities.models import AuditAction, AuditEvent
from consultations import services as consultation_services
from reports import selectors, services
from reports.models import (
    DocumentKind,
    Publication,
    RenderJob,
    RenderStatus,
    ReportSection,
    ReportStatus,
    SectionKind,
)
from reports.services import FinalNotReady, SectionChange
from tests.factories import QuotableTestimonyFactory, RenderJobFactory

pytestmark = pytest.mark.django_db

TEXT = "Rents rose sharply downtown while wages stayed flat."
NO_PDF = "Generate the PDF and check it before approving."
CHANGED = "The text or its evidence changed since the last PDF. Generate the PDF again."
LOREM = (
    "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor "
    "incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud "
    "exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat. Duis aute irure "
    "dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat nulla pariatur."
)


def _read(fieldfile) -> bytes:
    with fieldfile.open("rb") as fh:
        return fh.read()


def _pdf_text(fieldfile) -> str:
    reader = pypdf.PdfReader(io.BytesIO(_read(fieldfile)))
    return "\n".join(page.extract_text() for page in reader.pages)


def _write(report, actor, text, kind=SectionKind.PROBLEMS):
    section = ReportSection.objects.get(report=report, kind=kind)
    services.sections_save(
        actor=actor,
        report=report,
        changes=[SectionChange(str(section.uuid), text, section.version)],
    )


def _done(job) -> RenderJob:
    job.refresh_from_db()
    assert job.status == RenderStatus.DONE, job.error
    return job


def _start(world, kind=DocumentKind.REPORT, text=TEXT, team=None):
    team = team or world.a
    report = services.report_start(actor=team.lead, city=team.city, cycle=world.cycle, kind=kind)
    _write(report, team.lead, text)
    return report


def _rendered(world, committed, report):
    return _done(committed(services.render_request, actor=world.a.lead, report=report))


def _approved(world, committed, kind=DocumentKind.REPORT, text=TEXT):
    report = _start(world, kind=kind, text=text)
    _rendered(world, committed, report)
    final = _done(committed(services.report_approve, actor=world.a.lead, report=report))
    report.refresh_from_db()
    return report, final


# --------------------------------------------------------------------------- approval


def test_approving_queues_a_final_render_without_the_watermark(world, committed):
    report = _start(world)
    draft = _rendered(world, committed, report)

    final = committed(services.report_approve, actor=world.a.lead, report=report)

    final = _done(final)
    assert final.pk != draft.pk
    assert final.is_final
    assert final.requested_by is None
    text = _pdf_text(final.file)
    assert "DRAFT" not in text
    assert "Page 1 of 1" in text
    assert "Rents rose sharply downtown" in text
    assert "DRAFT" in _pdf_text(draft.file)
    report.refresh_from_db()
    assert report.status == ReportStatus.APPROVED
    assert report.approved_by == world.a.lead
    assert report.approved_at is not None
    assert report.approved_hash == draft.input_hash
    assert services.final_job(report=report) == final
    event = AuditEvent.objects.get(action=AuditAction.REPORT_APPROVED)
    assert event.actor == world.a.lead
    assert event.target_id == str(report.uuid)


def test_approval_needs_a_finished_pdf(world, committed, monkeypatch):
    report = _start(world)
    assert services.approval_blocker(report=report) == NO_PDF

    queued = services.render_request(actor=world.a.lead, report=report)
    assert services.approval_blocker(report=report) == (
        "The PDF is being made. Check it when it is ready, then approve."
    )

    RenderJob.objects.filter(pk=queued.pk).update(status=RenderStatus.FAILED)
    assert services.approval_blocker(report=report) == NO_PDF
    with pytest.raises(ValidationError) as caught:
        services.report_approve(actor=world.a.lead, report=report)
    assert caught.value.messages == [NO_PDF]
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFTING
    assert not AuditEvent.objects.filter(action=AuditAction.REPORT_APPROVED).exists()


def test_approval_after_the_text_changed_is_refused(world, committed):
    report = _start(world)
    _rendered(world, committed, report)
    assert services.approval_blocker(report=report) == ""

    _write(report, world.a.organizer, "A late change nobody has seen in a PDF.")

    assert services.approval_blocker(report=report) == CHANGED
    with pytest.raises(ValidationError) as caught:
        services.report_approve(actor=world.a.lead, report=report)
    assert caught.value.messages == [CHANGED]
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFTING
    assert not RenderJob.objects.filter(report=report, is_final=True).exists()


def test_approval_after_the_evidence_changed_is_refused(world, committed):
    testimony = QuotableTestimonyFactory(city=world.a.city, redacted_quote="The bus never comes.")
    report = _start(world)
    services.draft_from_evidence(actor=world.a.lead, report=report)
    _rendered(world, committed, report)

    consultation_services.testimony_withdraw_consent(actor=world.a.lead, testimony=testimony)

    assert services.approval_blocker(report=report) == CHANGED


def test_an_approved_report_is_not_approved_again(world, committed):
    report, _final = _approved(world, committed)
    assert services.approval_blocker(report=report) == "This document is already approved."
    with pytest.raises(ValidationError):
        services.report_approve(actor=world.a.lead, report=report)
    assert RenderJob.objects.filter(report=report, is_final=True).count() == 1


def test_a_report_back_at_an_already_rendered_text_can_be_approved(world, committed):
    report = _start(world)
    first = _rendered(world, committed, report)
    _write(report, world.a.lead, "A change the team later undoes.")
    _rendered(world, committed, report)
    problems = ReportSection.objects.get(report=report, kind=SectionKind.PROBLEMS)
    original = problems.revisions.get(number=1)
    services.revision_restore(actor=world.a.lead, report=report, revision=original)

    again = committed(services.render_request, actor=world.a.lead, report=report)

    assert again.pk == first.pk  # the finished PDF of this text is reused
    assert services.approval_blocker(report=report) == ""


def test_a_final_job_run_after_an_edit_does_not_block_the_next_approval(
    world, committed, django_capture_on_commit_callbacks
):
    report = _start(world)
    _rendered(world, committed, report)
    with django_capture_on_commit_callbacks(execute=False):
        final = services.report_approve(actor=world.a.lead, report=report)
    _write(report, world.a.organizer, "Edited before the final PDF was made.")
    services.render_run(job_id=final.pk, task_id="slow-worker")

    committed(services.render_request, actor=world.a.lead, report=report)

    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFTING
    assert services.approval_blocker(report=report) == ""


# --------------------------------------------------------------------------- page limits


def _long(paragraphs: int) -> str:
    return "\n\n".join(f"{n}. {LOREM} {LOREM}" for n in range(paragraphs))


def _over_limit(limit: int, pages: int) -> str:
    return (
        f"This PDF has {pages} pages: {pages - limit} over the limit of {limit}. "
        "Shorten the text before approval."
    )


def test_a_report_over_five_pages_cannot_be_approved(world, committed):
    report = _start(world, text=_long(60))
    job = _rendered(world, committed, report)

    assert job.page_count > 5
    problem = _over_limit(5, job.page_count)
    assert job.page_problem() == problem
    assert services.approval_blocker(report=report) == problem
    with pytest.raises(ValidationError) as caught:
        services.report_approve(actor=world.a.lead, report=report)
    assert caught.value.messages == [problem]
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFTING


def test_a_summary_over_two_pages_cannot_be_approved(world, committed):
    summary = _start(world, kind=DocumentKind.SUMMARY, text=_long(20))
    job = _rendered(world, committed, summary)

    assert job.page_count > 2
    problem = _over_limit(2, job.page_count)
    assert job.page_problem() == problem
    assert services.approval_blocker(report=summary) == problem
    with pytest.raises(ValidationError):
        services.report_approve(actor=world.a.lead, report=summary)


def test_a_summary_within_two_pages_can_be_approved(world, committed):
    summary = _start(world, kind=DocumentKind.SUMMARY, text=_long(4))
    job = _rendered(world, committed, summary)
    assert 1 <= job.page_count <= 2
    assert job.page_problem() == ""
    assert services.approval_blocker(report=summary) == ""


@pytest.mark.parametrize(
    ("kind", "pages", "problem"),
    [
        (DocumentKind.REPORT, 7, _over_limit(5, 7)),
        (DocumentKind.REPORT, 5, ""),
        (DocumentKind.SUMMARY, 3, _over_limit(2, 3)),
        (DocumentKind.SUMMARY, 0, "This PDF is empty. Write the sections before approval."),
        (DocumentKind.REPORT, None, ""),
    ],
)
def test_the_page_problem_names_the_overflow(world, kind, pages, problem):
    report = services.report_start(
        actor=world.a.lead, city=world.a.city, cycle=world.cycle, kind=kind
    )
    job = RenderJobFactory(report=report, status=RenderStatus.DONE, page_count=pages)
    assert job.page_problem() == problem


# --------------------------------------------------------------------------- submission


def test_submitting_before_the_deadline_is_on_time(world, committed):
    summary, _final = _approved(world, committed, kind=DocumentKind.SUMMARY)

    returned = services.summary_submit(actor=world.a.lead, report=summary)

    summary.refresh_from_db()
    assert returned.pk == summary.pk
    assert summary.status == ReportStatus.SUBMITTED
    assert summary.is_locked
    assert summary.submitted_by == world.a.lead
    assert summary.submitted_at is not None
    assert summary.submitted_late is False
    event = AuditEvent.objects.get(action=AuditAction.REPORT_SUBMITTED)
    assert event.details == {"late": False}


def test_submitting_after_the_deadline_is_accepted_and_marked_late(world, committed):
    summary, _final = _approved(world, committed, kind=DocumentKind.SUMMARY)
    world.cycle.local_report_due = timezone.localdate() - datetime.timedelta(days=1)
    world.cycle.save()

    services.summary_submit(actor=world.a.lead, report=summary)

    summary.refresh_from_db()
    assert summary.status == ReportStatus.SUBMITTED
    assert summary.submitted_late is True
    assert AuditEvent.objects.get(action=AuditAction.REPORT_SUBMITTED).details == {"late": True}


def test_submitting_on_the_deadline_day_is_on_time(world, committed):
    summary, _final = _approved(world, committed, kind=DocumentKind.SUMMARY)
    world.cycle.local_report_due = timezone.localdate()
    world.cycle.save()
    services.summary_submit(actor=world.a.lead, report=summary)
    summary.refresh_from_db()
    assert summary.submitted_late is False


def test_submitting_needs_an_approval(world, committed):
    summary = _start(world, kind=DocumentKind.SUMMARY)
    _rendered(world, committed, summary)
    with pytest.raises(ValidationError) as caught:
        services.summary_submit(actor=world.a.lead, report=summary)
    assert caught.value.messages == ["Approve the document first."]
    summary.refresh_from_db()
    assert summary.status == ReportStatus.DRAFTING
    assert summary.submitted_at is None


def test_a_local_report_is_not_submitted(world, committed):
    report, _final = _approved(world, committed)
    with pytest.raises(ValidationError):
        services.summary_submit(actor=world.a.lead, report=report)
    report.refresh_from_db()
    assert report.status == ReportStatus.APPROVED


def test_submitting_before_the_final_pdf_is_ready_raises_final_not_ready(
    world, committed, django_capture_on_commit_callbacks
):
    summary = _start(world, kind=DocumentKind.SUMMARY)
    _rendered(world, committed, summary)
    with django_capture_on_commit_callbacks(execute=False):
        final = services.report_approve(actor=world.a.lead, report=summary)
    summary.refresh_from_db()

    with pytest.raises(FinalNotReady):
        services.summary_submit(actor=world.a.lead, report=summary)

    services.render_run(job_id=final.pk, task_id="late-worker")
    services.summary_submit(actor=world.a.lead, report=summary)
    summary.refresh_from_db()
    assert summary.status == ReportStatus.SUBMITTED


def test_a_coordinator_reopens_a_submitted_summary_with_a_reason(world, committed):
    summary, _final = _approved(world, committed, kind=DocumentKind.SUMMARY)
    world.cycle.local_report_due = timezone.localdate() - datetime.timedelta(days=1)
    world.cycle.save()
    services.summary_submit(actor=world.a.lead, report=summary)

    for blank in ("", "   "):
        with pytest.raises(ValidationError):
            services.summary_reopen(actor=world.coordinator, report=summary, reason=blank)
    summary.refresh_from_db()
    assert summary.status == ReportStatus.SUBMITTED

    services.summary_reopen(
        actor=world.coordinator, report=summary, reason="  Add the housing figures.  "
    )

    summary.refresh_from_db()
    assert summary.status == ReportStatus.DRAFTING
    assert not summary.is_locked
    assert summary.submitted_at is None
    assert summary.submitted_by is None
    assert summary.submitted_late is False
    assert summary.approved_at is None
    assert summary.approved_by is None
    assert summary.approved_hash == ""
    assert summary.reopened_by == world.coordinator
    assert summary.reopened_at is not None
    assert summary.reopen_reason == "Add the housing figures."
    event = AuditEvent.objects.get(action=AuditAction.REPORT_REOPENED)
    assert event.actor == world.coordinator
    _write(summary, world.a.lead, "Now with the housing figures.")  # editable again


def test_only_a_submitted_summary_is_reopened(world, committed):
    summary, _final = _approved(world, committed, kind=DocumentKind.SUMMARY)
    with pytest.raises(ValidationError):
        services.summary_reopen(actor=world.coordinator, report=summary, reason="Why not.")
    summary.refresh_from_db()
    assert summary.status == ReportStatus.APPROVED


def test_a_long_reopen_reason_is_cut_to_500_characters(world, committed):
    summary, _final = _approved(world, committed, kind=DocumentKind.SUMMARY)
    services.summary_submit(actor=world.a.lead, report=summary)
    services.summary_reopen(actor=world.coordinator, report=summary, reason="x" * 800)
    summary.refresh_from_db()
    assert summary.reopen_reason == "x" * 500


# --------------------------------------------------------------------------- publishing


def test_publishing_makes_version_one_from_the_final_pdf(world, committed):
    report, final = _approved(world, committed)

    publication = services.report_publish(actor=world.a.lead, report=report)

    publication.refresh_from_db()
    assert publication.version == 1
    assert publication.city == world.a.city
    assert publication.report == report
    assert publication.render_job == final
    assert publication.file.name == final.file.name
    assert publication.page_count == final.page_count == 1
    assert publication.size_bytes == final.size_bytes
    assert publication.published_by == world.a.lead
    assert publication.is_current
    assert publication.download_name() == "alphaville-local-report-v1.pdf"
    assert "DRAFT" not in _pdf_text(publication.file)
    event = AuditEvent.objects.get(action=AuditAction.REPORT_PUBLISHED)
    assert event.target_label == "Version 1"
    assert selectors.publication_list_public(city=world.a.city) == [publication]
    assert selectors.publication_list_public(city=world.b.city) == []


def test_the_same_final_pdf_is_not_published_twice(world, committed):
    report, _final = _approved(world, committed)
    services.report_publish(actor=world.a.lead, report=report)
    with pytest.raises(ValidationError) as caught:
        services.report_publish(actor=world.a.lead, report=report)
    assert caught.value.messages == ["This version is already published."]
    assert Publication.objects.filter(report=report).count() == 1


def test_a_republish_after_a_new_approval_supersedes_the_first_version(world, committed):
    report, first_final = _approved(world, committed)
    first = services.report_publish(actor=world.a.lead, report=report)

    _write(report, world.a.lead, "Rents rose, and the council has promised a rent board.")
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFTING
    _rendered(world, committed, report)
    second_final = _done(committed(services.report_approve, actor=world.a.lead, report=report))
    report.refresh_from_db()
    second = services.report_publish(actor=world.a.lead, report=report)

    first.refresh_from_db()
    second.refresh_from_db()
    assert second.version == 2
    assert second.render_job == second_final
    assert second.is_current
    assert first.superseded_at is not None
    assert not first.is_current
    assert first.file.name == first_final.file.name != second.file.name
    assert "rent board" in _pdf_text(second.file)
    assert "rent board" not in _pdf_text(first.file)
    assert _read(first.file).startswith(b"%PDF")  # the old version stays downloadable
    assert [p.version for p in selectors.publication_list_for_report(report=report)] == [2, 1]


def test_only_an_approved_local_report_is_published(world, committed):
    drafting = _start(world)
    _rendered(world, committed, drafting)
    with pytest.raises(ValidationError) as caught:
        services.report_publish(actor=world.a.lead, report=drafting)
    assert caught.value.messages == ["Approve the document first."]

    summary = _start(world, kind=DocumentKind.SUMMARY)
    _rendered(world, committed, summary)
    committed(services.report_approve, actor=world.a.lead, report=summary)
    summary.refresh_from_db()
    with pytest.raises(ValidationError):
        services.report_publish(actor=world.a.lead, report=summary)
    assert not Publication.objects.exists()


def test_publishing_after_the_evidence_changed_raises_final_not_ready(world, committed):
    quoted = QuotableTestimonyFactory(
        city=world.a.city, redacted_quote="Our building has had no heat since October."
    )
    report = _start(world)
    services.draft_from_evidence(actor=world.a.lead, report=report)
    _rendered(world, committed, report)
    committed(services.report_approve, actor=world.a.lead, report=report)
    report.refresh_from_db()
    assert "no heat since October" in _pdf_text(services.final_job(report=report).file)

    consultation_services.testimony_withdraw_consent(actor=world.a.lead, testimony=quoted)

    assert services.final_job(report=report) is None
    with pytest.raises(FinalNotReady):
        services.report_publish(actor=world.a.lead, report=report)
    assert not Publication.objects.exists()

    # What the view does next: ask for the final PDF of today's evidence, then publish it.
    _done(committed(services.render_request, actor=None, report=report, final=True))
    publication = services.report_publish(actor=world.a.lead, report=report)
    text = _pdf_text(publication.file)
    assert "heat" not in text
    assert "DRAFT" not in text
