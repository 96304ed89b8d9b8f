"""The canary PII scan over the whole flow, from testimony to every published document.

tests/reports/test_canary.py plants unique strings wherever a report must never look
(unredacted narratives, speakers' names and contacts, internal-only, unreviewed, withdrawn
and other cities' testimony, survey free text) and checks the report, summary and
national files. This scan reuses its planting and checks, and runs the whole flow once
more, then looks everywhere else a canary could leak:

- every published file, fetched as the public or the coordinator fetch them: each local
  report publication, the national PDF and DOCX, and the handout in both languages;
- every public page of the city, its reports, its survey summary and the recommendations;
- every export a non-privileged user can get (the national counts CSV) and, for the
  team's testimony CSV, the restricted fields and withdrawn testimony;
- the log output of the whole flow at DEBUG, the arguments of every Celery task
  queued, the audit trail, and any email the flow sends.
"""

from __future__ import annotations

import logging

import pytest
from celery.app.task import Task
from django.core import mail
from django.test import Client
from django.urls import reverse

from accountability.models import EvidenceLink, LinkStatus
from cities.models import AuditEvent
from consultations import services as consultation_services
from reports import services
from reports.models import (
    CitationKind,
    DocumentKind,
    Publication,
    RenderJob,
    RenderKind,
    ReportSection,
    SectionKind,
)
from tests.factories import (
    ActionFactory,
    ActionPlanFactory,
    CitationFactory,
    RecommendationFactory,
)
from tests.reports.test_canary import (
    _append,
    _approve,
    _assert_clean_docx,
    _assert_clean_pdf,
    _cite_everything,
    _secrets,
    _squash,
)
from tests.reports.test_canary import planted_world as _planted_world

# The canary world of tests/reports/test_canary.py, shared as a fixture here.
planted_world = _planted_world

pytestmark = pytest.mark.django_db


def body_of(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def assert_clean_text(text: str, secrets: dict[str, str], where: str) -> None:
    squashed = _squash(text)
    for name, secret in secrets.items():
        assert secret not in text and _squash(secret) not in squashed, f"{name} in {where}"


@pytest.fixture
def queued(monkeypatch):
    """Every Celery task queued during the test, with its arguments."""
    calls: list[tuple[str, object, object]] = []
    original = Task.apply_async

    def record(self, args=None, kwargs=None, *rest, **options):
        calls.append((self.name, args, kwargs))
        return original(self, args, kwargs, *rest, **options)

    monkeypatch.setattr(Task, "apply_async", record)
    return calls


def run_the_whole_flow(world, committed) -> dict[str, object]:
    """Report published twice, summary submitted, the national compilation, the handout."""
    lead = world.a.lead
    summary = services.report_start(
        actor=lead, city=world.a.city, cycle=world.cycle, kind=DocumentKind.SUMMARY
    )
    # Cites every planted source, then withdraws one consent and re-queues one quote.
    _cite_everything(world, summary, world.evidence, world.questions)
    _approve(world, committed, summary)

    report = services.report_start(
        actor=lead, city=world.a.city, cycle=world.cycle, kind=DocumentKind.REPORT
    )
    services.draft_from_evidence(actor=lead, report=report)
    problems = ReportSection.objects.get(report=report, kind=SectionKind.PROBLEMS)
    for name in ("narrative", "speaker"):
        services.citation_add(
            actor=lead,
            report=report,
            section=problems,
            kind=CitationKind.QUOTE,
            testimony=world.evidence[name],
            append=True,
        )
    # The rest as raw rows, which the renderer must refuse on its own.
    refused = [
        CitationFactory(section=problems, kind=CitationKind.QUOTE, testimony=world.evidence[n])
        for n in ("internal", "draft", "other_city", "withdrawn", "requeued")
    ]
    _append(report, lead, SectionKind.PROBLEMS, [str(c) for c in refused])
    _approve(world, committed, report)
    services.report_publish(actor=lead, report=report)

    services.summary_submit(actor=lead, report=summary)
    compilation = committed(services.compilation_start, actor=world.coordinator, cycle=world.cycle)

    # The handout: a plan on a recommendation the planted testimony is linked to.
    recommendation = RecommendationFactory(text="Guarantee the right to adequate housing")
    ActionFactory(plan=ActionPlanFactory(city=world.a.city, recommendation=recommendation))
    for name in ("speaker", "narrative", "internal"):
        EvidenceLink.objects.create(
            city=world.a.city,
            recommendation=recommendation,
            testimony=world.evidence[name],
            status=LinkStatus.CONFIRMED,
        )
    # The survey's public summary (aggregates only).
    survey = world.questions[0].survey
    consultation_services.survey_summary_publish(actor=lead, survey=survey)
    return {
        "report": report,
        "summary": summary,
        "compilation": compilation,
        "recommendation": recommendation,
        "survey": survey,
    }


def test_no_canary_leaks_anywhere_in_the_whole_flow(planted_world, committed, caplog, queued):
    world = planted_world
    caplog.set_level(logging.DEBUG)
    flow = run_the_whole_flow(world, committed)
    secrets = _secrets(world.planted)
    city = world.a.city
    checked: list[str] = []

    # -- every published file, fetched the way the public and the coordinator fetch it
    public = Client()
    publications = list(Publication.objects.filter(report=flow["report"]))
    assert publications
    for publication in publications:
        url = reverse("public:report_download", args=[city.slug, publication.uuid])
        response = public.get(url)
        assert response.status_code == 200
        _assert_clean_pdf(body_of(response), world.planted, url)
        checked.append(url)
    for language in ("en", "es"):
        url = reverse("public:handout", args=[city.slug, language])
        response = public.get(url)
        assert response.status_code == 200, url
        _assert_clean_pdf(body_of(response), world.planted, url)
        checked.append(url)

    coordinator = Client()
    coordinator.force_login(world.coordinator)
    jobs = RenderJob.objects.filter(compilation=flow["compilation"])
    assert {j.kind for j in jobs} == {RenderKind.NATIONAL_PDF, RenderKind.NATIONAL_DOCX}
    for job in jobs:
        url = reverse(
            "national_reports:compilation_download", args=[flow["compilation"].uuid, job.uuid]
        )
        response = coordinator.get(url)
        assert response.status_code == 200, url
        check = _assert_clean_pdf if job.kind == RenderKind.NATIONAL_PDF else _assert_clean_docx
        check(body_of(response), world.planted, url)
        checked.append(url)
    # Every stored render (drafts and finals of the report and the summary) too.
    for job in RenderJob.objects.exclude(file="").exclude(compilation=flow["compilation"]):
        with job.file.open("rb") as fh:
            _assert_clean_pdf(fh.read(), world.planted, f"render job {job.pk}")

    # -- every export a non-privileged user can get
    url = reverse("national_reports:counts_export")
    response = coordinator.get(url)
    assert response.status_code == 200
    assert_clean_text(body_of(response).decode("utf-8-sig"), secrets, url)
    checked.append(url)
    # The team's testimony CSV carries narratives, never the restricted fields or
    # testimony whose consent was withdrawn.
    organizer = Client()
    organizer.force_login(world.a.organizer)
    url = reverse("consultations:testimony_export", args=[city.uuid])
    export = body_of(organizer.get(url)).decode("utf-8-sig")
    restricted = {
        k: v
        for k, v in world.planted.canaries.items()
        if k in ("speakername", "speakercontact", "withdrawnquote")
    }
    assert_clean_text(export, restricted, url)
    assert world.planted.canaries["narrative"] in export  # the control: it is the team's export
    checked.append(url)

    # -- every public page
    pages = [
        reverse("home"),
        reverse("public:directory"),
        reverse("public:city", args=[city.slug]),
        reverse("public:survey_summary", args=[city.slug, flow["survey"].uuid]),
        reverse("recommendations:list"),
        reverse("recommendations:comparison"),
        reverse("recommendations:detail", args=[flow["recommendation"].uuid]),
    ]
    for url in pages:
        response = public.get(url)
        assert response.status_code == 200, url
        assert_clean_text(response.content.decode(), secrets, url)
        checked.append(url)

    # -- the logs, the task arguments, the audit trail and the emails of the whole flow
    assert caplog.records, "nothing was logged: the capture is not working"
    log_text = caplog.text + " ".join(repr(r.args) for r in caplog.records)
    assert_clean_text(log_text, world.planted.canaries, "the log output")
    assert queued, "no task was queued: the capture is not working"
    for name, args, kwargs in queued:
        values = [*(args or ()), *((kwargs or {}).values())]
        assert all(isinstance(v, int | str) for v in values), (name, values)
        assert all(len(str(v)) <= 36 for v in values), (name, values)  # ids, not text
        assert_clean_text(repr(values), world.planted.canaries, f"the arguments of {name}")
    audit = " ".join(
        f"{e.target_label} {e.details}" for e in AuditEvent.objects.all().only("target_label")
    )
    assert_clean_text(audit, world.planted.canaries, "the audit trail")
    for message in mail.outbox:
        assert_clean_text(f"{message.subject}\n{message.body}", world.planted.canaries, "an email")
    assert len(checked) >= 13
