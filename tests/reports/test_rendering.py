"""Render jobs (`reports.services.rendering`, `reports.tasks`): a real WeasyPrint render
through the task, reuse of identical input, failures, the claim that makes a task run
once, redelivery after a worker died, the attempt limit, and the sweeper."""

from __future__ import annotations

import datetime
import io

import pypdf
import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.utils import timezone

from cities.models import AuditAction, AuditEvent
from reports import selectors, services, tasks
from reports.models import DocumentKind, RenderJob, RenderStatus, Report, ReportSection, SectionKind
from reports.services import SectionChange
from reports.services.rendering import _claim
from tests.factories import QuotableTestimonyFactory, RenderJobFactory

pytestmark = pytest.mark.django_db

TEXT = "Rents rose sharply downtown while wages stayed flat."


def _read(fieldfile) -> bytes:
    with fieldfile.open("rb") as fh:
        return fh.read()


def _pdf(fieldfile) -> tuple[pypdf.PdfReader, str]:
    reader = pypdf.PdfReader(io.BytesIO(_read(fieldfile)))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def _write(report, actor, text, kind=SectionKind.PROBLEMS):
    section = ReportSection.objects.get(report=report, kind=kind)
    services.sections_save(
        actor=actor,
        report=report,
        changes=[SectionChange(str(section.uuid), text, section.version)],
    )


def _report(world, text=TEXT, kind=DocumentKind.REPORT):
    report = services.report_start(
        actor=world.a.lead, city=world.a.city, cycle=world.cycle, kind=kind
    )
    _write(report, world.a.lead, text)
    return report


def _done(job) -> RenderJob:
    job.refresh_from_db()
    assert job.status == RenderStatus.DONE, job.error
    return job


# --------------------------------------------------------------------------- a real render


def test_a_render_makes_a_pdf_through_the_task(world, committed):
    report = _report(world)

    job = committed(services.render_request, actor=world.a.lead, report=report)

    job = _done(job)
    assert job.report == report
    assert job.city == world.a.city
    assert job.kind == "report"
    assert not job.is_final
    assert job.attempts == 1
    assert job.task_id  # the eager task's id
    assert job.requested_by == world.a.lead
    assert job.started_at is not None and job.finished_at is not None
    assert job.error == ""
    assert job.reused_from is None
    assert job.file.name == f"{world.a.city.uuid}/{job.uuid}.pdf"
    content = _read(job.file)
    assert content.startswith(b"%PDF")
    assert job.size_bytes == len(content)
    assert job.input_hash == services.report_input(report=report, final=False)[1]
    reader, text = _pdf(job.file)
    assert job.page_count == len(reader.pages) == 1
    assert "Page 1 of 1" in text
    assert "Alphaville, Oregon" in text
    assert "United States, UPR cycle 4" in text
    assert "DRAFT" in text
    assert "Key problems and challenges" in text
    assert TEXT in text.replace("\n", " ")
    assert reader.metadata.title == "Alphaville, Oregon: local report"
    event = AuditEvent.objects.get(action=AuditAction.REPORT_RENDER_REQUESTED)
    assert event.actor == world.a.lead
    assert event.target_id == str(report.uuid)
    assert selectors.render_job_latest(report=report) == job


def test_a_summary_renders_as_a_summary(world, committed):
    summary = _report(world, kind=DocumentKind.SUMMARY)
    job = _done(committed(services.render_request, actor=world.a.lead, report=summary))
    assert job.kind == "summary"
    _reader, text = _pdf(job.file)
    assert "SUMMARY FOR THE NATIONAL REPORT" in text  # the kind line is upper-cased by CSS


def test_the_render_runs_after_commit_never_in_the_request(
    world, django_capture_on_commit_callbacks
):
    report = _report(world)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = services.render_request(actor=world.a.lead, report=report)
    assert len(callbacks) == 1
    job.refresh_from_db()
    assert job.status == RenderStatus.QUEUED
    assert not job.file
    assert job.attempts == 0


def test_a_final_request_on_a_drafting_report_keeps_the_watermark(world, committed):
    report = _report(world)
    job = _done(committed(services.render_request, actor=world.a.lead, report=report, final=True))
    assert job.is_final
    _reader, text = _pdf(job.file)
    assert "DRAFT" in text


def test_a_quote_prints_without_markup_in_the_pdf(world, committed):
    QuotableTestimonyFactory(
        city=world.a.city, redacted_quote="Our building has had no heat since October."
    )
    report = _report(world, text="Residents spoke up.")
    services.draft_from_evidence(actor=world.a.lead, report=report)
    job = _done(committed(services.render_request, actor=world.a.lead, report=report))
    _reader, text = _pdf(job.file)
    assert "no heat since October" in text
    assert "<p>" not in text
    assert "</p>" not in text


def test_a_quote_attribution_prints_with_one_dash(world, committed):
    QuotableTestimonyFactory(city=world.a.city, redacted_quote="The bus never comes.")
    report = _report(world, text="Residents spoke up.")
    services.draft_from_evidence(actor=world.a.lead, report=report)
    job = _done(committed(services.render_request, actor=world.a.lead, report=report))
    _reader, text = _pdf(job.file)
    assert "a resident of the East Side" in text
    assert "— —" not in text


# --------------------------------------------------------------------------- reuse


def test_identical_input_reuses_the_finished_pdf(
    world, committed, django_capture_on_commit_callbacks
):
    report = _report(world)
    first = _done(committed(services.render_request, actor=world.a.lead, report=report))

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = services.render_request(actor=world.a.lead, report=report)

    assert again.pk == first.pk
    assert callbacks == []  # nothing queued
    assert RenderJob.objects.filter(report=report).count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.REPORT_RENDER_REQUESTED).count() == 1


def test_yesterdays_pdf_of_the_same_text_is_reused_today(world, committed, monkeypatch):
    report = _report(world)
    first = _done(committed(services.render_request, actor=world.a.lead, report=report))
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *a, **k: tomorrow)
    assert services.render_request(actor=world.a.lead, report=report).pk == first.pk


def test_changed_text_makes_a_new_pdf(world, committed):
    report = _report(world)
    first = _done(committed(services.render_request, actor=world.a.lead, report=report))
    _write(report, world.a.lead, "Entirely different words.")
    second = _done(committed(services.render_request, actor=world.a.lead, report=report))
    assert second.pk != first.pk
    assert second.input_hash != first.input_hash
    assert second.file.name != first.file.name
    assert selectors.render_job_latest(report=report) == second


def test_a_request_while_one_is_queued_joins_it(world):
    report = _report(world)
    first = services.render_request(actor=world.a.lead, report=report)
    second = services.render_request(actor=world.a.lead, report=report)
    assert second.pk == first.pk
    assert RenderJob.objects.filter(report=report).count() == 1


def test_a_job_whose_input_matches_a_finished_one_reuses_its_file(world, committed):
    report = _report(world)
    first = _done(committed(services.render_request, actor=world.a.lead, report=report))
    duplicate = RenderJobFactory(report=report)

    assert services.render_run(job_id=duplicate.pk, task_id="dup") is True

    duplicate = _done(duplicate)
    assert duplicate.reused_from == first
    assert duplicate.file.name == first.file.name
    assert duplicate.page_count == first.page_count
    assert duplicate.size_bytes == first.size_bytes
    assert duplicate.input_hash == first.input_hash
    assert _read(duplicate.file) == _read(first.file)


# --------------------------------------------------------------------------- failures


def test_a_failing_render_is_recorded_as_failed_with_its_error(world, committed, monkeypatch):
    def broken(html):
        raise RuntimeError("no fonts installed")

    monkeypatch.setattr("reports.pdf.render_pdf", broken)
    report = _report(world)

    job = committed(services.render_request, actor=world.a.lead, report=report)

    job.refresh_from_db()
    assert job.status == RenderStatus.FAILED
    assert job.error == "The file could not be made: RuntimeError: no fonts installed"
    assert not job.file
    assert job.finished_at is not None
    event = AuditEvent.objects.get(action=AuditAction.REPORT_RENDER_FAILED)
    assert event.actor is None
    assert event.target_id == str(report.uuid)
    assert not job.is_active

    monkeypatch.undo()
    retry = _done(committed(services.render_request, actor=world.a.lead, report=report))
    assert retry.pk != job.pk  # a failed job is not reused


def test_a_render_over_the_soft_time_limit_fails_with_advice(world, committed, monkeypatch):
    def slow(html):
        raise SoftTimeLimitExceeded

    monkeypatch.setattr("reports.pdf.render_pdf", slow)
    job = committed(services.render_request, actor=world.a.lead, report=_report(world))
    job.refresh_from_db()
    assert job.status == RenderStatus.FAILED
    assert job.error == "Making the file took too long. Shorten the text, or try again later."


# --------------------------------------------------------------------------- claims


def test_the_task_claims_a_job_once(world):
    job = services.render_request(actor=world.a.lead, report=_report(world))

    assert services.render_run(job_id=job.pk, task_id="first") is True
    assert services.render_run(job_id=job.pk, task_id="second") is False

    job = _done(job)
    assert job.attempts == 1
    assert job.task_id == "first"


def test_a_job_killed_mid_render_completes_once_after_the_redelivery(world):
    job = services.render_request(actor=world.a.lead, report=_report(world))
    assert _claim(job.pk, "t1") is not None  # the worker took it, then died

    assert services.render_run(job_id=job.pk, task_id="t1") is True  # the redelivery

    job = _done(job)
    assert job.attempts == 2
    assert job.file.storage.exists(job.file.name)
    name = job.file.name
    assert services.render_run(job_id=job.pk, task_id="t2") is False
    job.refresh_from_db()
    assert job.status == RenderStatus.DONE
    assert job.file.name == name
    assert job.attempts == 2


def test_a_different_task_cannot_take_a_running_job(world):
    job = services.render_request(actor=world.a.lead, report=_report(world))
    _claim(job.pk, "t1")

    assert services.render_run(job_id=job.pk, task_id="t2") is False
    assert services.render_run(job_id=job.pk, task_id="") is False

    job.refresh_from_db()
    assert job.status == RenderStatus.RUNNING
    assert job.task_id == "t1"
    assert job.attempts == 1
    assert not job.file


def test_a_claim_without_a_task_id_is_not_taken_back(world):
    job = services.render_request(actor=world.a.lead, report=_report(world))
    _claim(job.pk, "")
    assert services.render_run(job_id=job.pk, task_id="") is False
    job.refresh_from_db()
    assert job.status == RenderStatus.RUNNING


def test_a_finished_or_missing_job_is_not_claimed(world):
    job = services.render_request(actor=world.a.lead, report=_report(world))
    services.render_run(job_id=job.pk, task_id="t1")
    assert _claim(job.pk, "t1") is None  # done: even the same task can't take it back
    assert services.render_run(job_id=job.pk + 10_000, task_id="x") is False


def test_attempts_above_the_limit_fail_the_job(world, settings):
    settings.RENDER_MAX_ATTEMPTS = 2
    report = _report(world)
    job = RenderJobFactory(report=report, attempts=2)

    assert services.render_run(job_id=job.pk, task_id="t9") is True

    job.refresh_from_db()
    assert job.status == RenderStatus.FAILED
    assert job.attempts == 3
    assert job.error == "The PDF stopped 2 times. Try again, or ask for help."
    assert not job.file
    assert AuditEvent.objects.filter(action=AuditAction.REPORT_RENDER_FAILED).count() == 1


def test_the_last_allowed_attempt_still_renders(world, settings):
    settings.RENDER_MAX_ATTEMPTS = 2
    job = RenderJobFactory(report=_report(world), attempts=1)
    assert services.render_run(job_id=job.pk, task_id="t2") is True
    job = _done(job)
    assert job.attempts == 2


# --------------------------------------------------------------------------- the sweeper


def _ago(**kwargs) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(**kwargs)


@pytest.fixture
def stuck(world):
    """One job in each state the sweeper looks at, for city A's report."""
    report = services.report_start(
        actor=world.a.lead, city=world.a.city, cycle=world.cycle, kind=DocumentKind.REPORT
    )
    dead = datetime.timedelta(seconds=settings.RENDER_TIME_LIMIT + 120)
    limit = settings.RENDER_MAX_ATTEMPTS
    return {
        "lost": RenderJobFactory(report=report, updated_at=_ago(minutes=3)),
        "fresh_queued": RenderJobFactory(report=report, updated_at=_ago(seconds=30)),
        "dead": RenderJobFactory(
            report=report,
            status=RenderStatus.RUNNING,
            task_id="gone",
            attempts=1,
            started_at=timezone.now() - dead,
            updated_at=timezone.now() - dead,
        ),
        "exhausted": RenderJobFactory(
            report=report,
            status=RenderStatus.RUNNING,
            task_id="gone-again",
            attempts=limit,
            started_at=timezone.now() - dead,
            updated_at=timezone.now() - dead,
        ),
        "busy": RenderJobFactory(
            report=report,
            status=RenderStatus.RUNNING,
            task_id="working",
            attempts=1,
            started_at=_ago(seconds=20),
            updated_at=_ago(seconds=20),
        ),
        "done": RenderJobFactory(
            report=report, status=RenderStatus.DONE, attempts=1, updated_at=_ago(days=3)
        ),
        "failed": RenderJobFactory(
            report=report, status=RenderStatus.FAILED, attempts=1, updated_at=_ago(days=3)
        ),
    }


def test_the_sweeper_requeues_lost_and_dead_jobs_and_fails_exhausted_ones(stuck):
    before = {name: RenderJob.objects.get(pk=job.pk) for name, job in stuck.items()}

    ids = services.render_jobs_requeue()

    assert sorted(ids) == sorted([stuck["lost"].pk, stuck["dead"].pk])
    rows = {name: RenderJob.objects.get(pk=job.pk) for name, job in stuck.items()}
    assert rows["lost"].status == RenderStatus.QUEUED
    assert rows["lost"].updated_at > before["lost"].updated_at  # not re-sent every minute
    assert rows["dead"].status == RenderStatus.QUEUED
    assert rows["dead"].task_id == ""
    assert rows["dead"].attempts == 1
    assert rows["exhausted"].status == RenderStatus.FAILED
    assert rows["exhausted"].error == (
        "The file stopped several times while being made. Try again, or ask for help."
    )
    assert rows["exhausted"].finished_at is not None
    for name in ("fresh_queued", "busy", "done", "failed"):
        assert rows[name].status == before[name].status, name
        assert rows[name].updated_at == before[name].updated_at, name
        assert rows[name].task_id == before[name].task_id, name


def test_the_sweeper_does_not_resend_what_it_just_sent(stuck):
    services.render_jobs_requeue()
    assert services.render_jobs_requeue() == []


def test_the_sweeper_task_publishes_each_job(stuck, monkeypatch):
    sent: list[tuple[object, tuple[int, ...]]] = []

    def publish(task, *ids):
        sent.append((task, ids))
        return True

    monkeypatch.setattr(tasks, "publish", publish)

    assert tasks.render_jobs_requeue() == 2

    assert {ids for _task, ids in sent} == {(stuck["lost"].pk,), (stuck["dead"].pk,)}
    assert all(task is tasks.render_run for task, _ids in sent)


def test_the_sweeper_task_counts_only_what_the_broker_took(stuck, monkeypatch):
    monkeypatch.setattr(tasks, "publish", lambda task, *ids: False)
    assert tasks.render_jobs_requeue() == 0
    assert RenderJob.objects.get(pk=stuck["lost"].pk).status == RenderStatus.QUEUED


def test_a_lost_job_is_rendered_when_the_sweeper_sends_it_again(world):
    report = _report(world)
    job = services.render_request(actor=world.a.lead, report=report)  # its publish never ran
    RenderJob.objects.filter(pk=job.pk).update(updated_at=_ago(minutes=5))

    assert tasks.render_jobs_requeue.apply().get() == 1  # eager: the render runs now

    job = _done(job)
    assert job.attempts == 1
    assert job.page_count == 1
    assert Report.objects.get(pk=report.pk).updated_at >= job.finished_at
