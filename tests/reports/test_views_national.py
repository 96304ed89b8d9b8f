"""National coordinators' report pages (`national_reports:*`) through HTTP: coordinators
only, the dashboard (statuses, counts, a pinned number of queries), reopening a submitted
summary, compiling the national report and downloading it, and the counts CSV."""

from __future__ import annotations

import csv
import datetime
import io
import re

import docx
import pypdf
import pytest
from django.contrib.messages import get_messages
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from cities.models import AuditAction, AuditEvent
from reports import services
from reports.models import (
    DocumentKind,
    NationalCompilation,
    RenderJob,
    RenderKind,
    RenderStatus,
    Report,
    ReportSection,
    ReportStatus,
    SectionKind,
)
from reports.services import SectionChange
from tests.conftest import ROLES, assert_login_redirect, user_for
from tests.factories import (
    CityFactory,
    ConsultationFactory,
    ParticipationFactory,
    ReviewCycleFactory,
    SurveyFactory,
    SurveyResponseFactory,
    TestimonyFactory,
    seeded_theme,
)

pytestmark = pytest.mark.django_db

NATIONAL = {
    "anonymous": "login",
    "outsider": 403,
    "viewer": 403,
    "organizer": 403,
    "lead": 403,
    "other_lead": 403,
    "coordinator": 200,
}
HX = {"HTTP_HX_REQUEST": "true"}
FAKE = b"%PDF-1.4\n% a stand-in file\n%%EOF\n"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
NARRATIVE = "SECRET-NARRATIVE the caseworker at 9 Birch Lane never called back."
QUOTE = "Nobody called us back about the repairs."


# --------------------------------------------------------------------------- helpers


def nurl(name: str, **kwargs) -> str:
    return reverse(f"national_reports:{name}", kwargs=kwargs or None)


def expect(response, expected, url: str = "") -> None:
    if expected == "login":
        assert_login_redirect(response)
    else:
        assert response.status_code == expected, url


def text(response) -> str:
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def read_file(response) -> bytes:
    """A file response's bytes (the test client's iterator closes the file)."""
    return b"".join(response.streaming_content)


def _done(report: Report, *, final: bool) -> RenderJob:
    _document, digest = services.report_input(report=report, final=final)
    now = timezone.now()
    job = RenderJob.objects.create(
        city=report.city,
        report=report,
        kind=RenderKind.SUMMARY,
        is_final=final,
        status=RenderStatus.DONE,
        input_hash=digest,
        page_count=1,
        size_bytes=len(FAKE),
        updated_at=now,
        finished_at=now,
    )
    job.file.save(f"{report.city.uuid}/{job.uuid}.pdf", ContentFile(FAKE))
    return job


def submitted(world, team, problems: str = "## Housing and homelessness\n\nRents rose.") -> Report:
    """The team's summary, written, approved (stand-in PDFs) and submitted."""
    report = services.report_start(
        actor=team.lead, city=team.city, cycle=world.cycle, kind=DocumentKind.SUMMARY
    )
    s = ReportSection.objects.get(report=report, kind=SectionKind.PROBLEMS)
    services.sections_save(
        actor=team.lead, report=report, changes=[SectionChange(str(s.uuid), problems, s.version)]
    )
    _done(report, final=False)
    services.report_approve(actor=team.lead, report=report)
    report.refresh_from_db()
    _done(report, final=True)
    return services.summary_submit(actor=team.lead, report=report)


def compilation_with_jobs(world, *, status=RenderStatus.QUEUED) -> NationalCompilation:
    compilation = NationalCompilation.objects.create(
        cycle=world.cycle,
        language="en",
        city_count=1,
        word_limit=5630,
        created_by=world.coordinator,
    )
    now = timezone.now()
    for kind in (RenderKind.NATIONAL_PDF, RenderKind.NATIONAL_DOCX):
        job = RenderJob.objects.create(
            compilation=compilation, kind=kind, status=status, updated_at=now
        )
        if status == RenderStatus.DONE:
            extension = "pdf" if kind == RenderKind.NATIONAL_PDF else "docx"
            job.file.save(f"national/{job.uuid}.{extension}", ContentFile(FAKE))
    return compilation


@pytest.fixture
def summary_a(world) -> Report:
    return submitted(world, world.a)


@pytest.fixture
def no_worker(monkeypatch):
    """Record the render jobs the compilation would queue, and run nothing."""
    queued: list[tuple[int, ...]] = []
    monkeypatch.setattr(
        "reports.services.national.enqueue_on_commit", lambda task, *ids: queued.append(ids)
    )
    return queued


# --------------------------------------------------------------------------- role matrix


@pytest.mark.authz(
    "national_reports:dashboard",
    "national_reports:compilation",
    "national_reports:compilation_download",
    "national_reports:counts_export",
)
@pytest.mark.parametrize("role", ROLES)
def test_national_pages_are_for_coordinators_only(world, login, summary_a, role):
    compilation = compilation_with_jobs(world, status=RenderStatus.DONE)
    job = compilation.render_jobs.get(kind=RenderKind.NATIONAL_PDF)
    client = login(user_for(world, role))
    exports = AuditEvent.objects.filter(action=AuditAction.NATIONAL_EXPORTED).count()
    for url in (
        nurl("dashboard"),
        nurl("compilation", compilation_uuid=compilation.uuid),
        nurl("counts_export") + f"?cycle={world.cycle.uuid}",
    ):
        expect(client.get(url), NATIONAL[role], url)
    response = client.get(
        nurl("compilation_download", compilation_uuid=compilation.uuid, job_uuid=job.uuid)
    )
    expect(response, NATIONAL[role])
    if NATIONAL[role] == 200:
        assert read_file(response) == FAKE
    assert AuditEvent.objects.filter(action=AuditAction.NATIONAL_EXPORTED).count() == exports + (
        NATIONAL[role] == 200
    )


@pytest.mark.authz("national_reports:reopen")
@pytest.mark.parametrize("role", ROLES)
def test_reopen_is_for_coordinators_only(world, login, summary_a, role):
    client = login(user_for(world, role))
    url = nurl("reopen", report_uuid=summary_a.uuid)
    expect(client.get(url), NATIONAL[role])
    response = client.post(url, {"reason": "The housing section has no source."})
    expected = NATIONAL[role]
    expect(response, 302 if expected == 200 else expected)
    summary_a.refresh_from_db()
    assert (summary_a.status == ReportStatus.DRAFTING) is (expected == 200)
    assert AuditEvent.objects.filter(action=AuditAction.REPORT_REOPENED).exists() is (
        expected == 200
    )


@pytest.mark.authz("national_reports:compile")
@pytest.mark.parametrize("role", ROLES)
def test_compile_is_for_coordinators_only(world, login, summary_a, no_worker, role):
    client = login(user_for(world, role))
    response = client.post(nurl("compile"), {"cycle": world.cycle.uuid, "language": "en"})
    expected = NATIONAL[role]
    expect(response, 302 if expected == 200 else expected)
    assert NationalCompilation.objects.exists() is (expected == 200)
    assert len(no_worker) == (2 if expected == 200 else 0)


def test_each_national_route_refuses_the_wrong_verb(world, login, summary_a):
    compilation = compilation_with_jobs(world, status=RenderStatus.DONE)
    job = compilation.render_jobs.first()
    client = login(world.coordinator)
    for url in (
        nurl("dashboard"),
        nurl("compilation", compilation_uuid=compilation.uuid),
        nurl("compilation_download", compilation_uuid=compilation.uuid, job_uuid=job.uuid),
        nurl("counts_export"),
    ):
        assert client.post(url).status_code == 405, url
    assert client.get(nurl("compile")).status_code == 405
    assert client.put(nurl("reopen", report_uuid=summary_a.uuid)).status_code == 405
    assert NationalCompilation.objects.count() == 1
    summary_a.refresh_from_db()
    assert summary_a.status == ReportStatus.SUBMITTED


# --------------------------------------------------------------------------- dashboard


def _row(page: str, city_name: str) -> str:
    for row in re.findall(r"<tr>.*?</tr>", page, re.S):
        if f">{city_name}<" in row:
            return row
    raise AssertionError(f"no row for {city_name}")


def _cells(row: str) -> list[str]:
    """The row's cells as text, tags dropped and spaces collapsed."""
    return [
        " ".join(re.sub(r"<[^>]+>", " ", cell).split())
        for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, re.S)
    ]


def test_the_dashboard_shows_each_city_with_its_status_and_counts(world, login, summary_a):
    ConsultationFactory(city=world.a.city, attendance=12)
    ConsultationFactory(city=world.a.city, status="planned")
    for _n in range(3):
        TestimonyFactory(city=world.a.city)
    TestimonyFactory(city=world.a.city, consent_withdrawn_at=timezone.now())  # not counted
    survey = SurveyFactory(city=world.a.city, status="open")
    SurveyResponseFactory(survey=survey)
    SurveyResponseFactory(survey=survey)
    services.report_start(
        actor=world.b.lead, city=world.b.city, cycle=world.cycle, kind=DocumentKind.SUMMARY
    )
    page = text(login(world.coordinator).get(nurl("dashboard")))
    alpha = _cells(_row(page, "Alphaville"))
    assert alpha[:6] == ["Alphaville Oregon", "Submitted", "1", "3", "2", alpha[5]]
    assert alpha[5] != "—"
    beta = _cells(_row(page, "Betatown"))
    # Betatown started its summary (the prefilled context is a revision): drafting.
    assert beta[1:5] == ["Drafting", "0", "0", "0"]
    assert reverse("reports:detail", args=[world.a.city.uuid, summary_a.uuid]) in page
    assert nurl("reopen", report_uuid=summary_a.uuid) in page
    assert page.count("/reopen/") == 1  # Betatown's summary isn't submitted
    assert re.search(r'<span class="status-count">1</span> submitted', page)
    assert re.search(r'<span class="status-count">1</span> drafting', page)
    assert "1 summary has been submitted." in page
    assert f'name="cycle" value="{world.cycle.uuid}"' in page


def test_the_dashboard_counts_a_missed_deadline_as_late(world, login, summary_a):
    world.cycle.local_report_due = timezone.localdate() - datetime.timedelta(days=2)
    world.cycle.save()
    page = text(login(world.coordinator).get(nurl("dashboard")))
    assert "Late: not submitted" in _row(page, "Betatown")
    assert "Submitted" in _row(page, "Alphaville")  # submitted on time, before the change
    assert "The deadline was 2 days ago" in page


def test_the_dashboard_runs_a_fixed_number_of_queries(
    world, login, summary_a, django_assert_num_queries
):
    client = login(world.coordinator)
    client.get(nurl("dashboard"))  # warm up: the session and any first-time lookups
    with django_assert_num_queries(8):
        assert client.get(nurl("dashboard")).status_code == 200
    # More cities, summaries and evidence: still the same number of queries.
    for n in range(4):
        city = CityFactory(name=f"Gammaville {n}")
        ParticipationFactory(city=city, cycle=world.cycle)
        TestimonyFactory(city=city)
        ConsultationFactory(city=city)
        lead = user_for(world, "lead")
        services.report_start(actor=lead, city=city, cycle=world.cycle, kind=DocumentKind.SUMMARY)
    with django_assert_num_queries(8):
        page = text(client.get(nurl("dashboard")))
    assert page.count("Gammaville") >= 4


def test_the_dashboard_shows_another_cycle_on_request(world, login, summary_a):
    old = ReviewCycleFactory(number=3, title="United States — 3rd UPR cycle")
    page = text(login(world.coordinator).get(nurl("dashboard"), {"cycle": old.uuid}))
    assert "Reports: United States — 3rd UPR cycle" in page
    assert "No city takes part in this cycle yet." in page
    client = login(world.coordinator)
    assert client.get(nurl("dashboard"), {"cycle": "not-a-uuid"}).status_code == 404


def test_the_dashboard_without_a_current_cycle_says_so(world, login):
    type(world.cycle).objects.update(is_current=False)
    response = login(world.coordinator).get(nurl("dashboard"))
    assert response.status_code == 200
    assert "There is no current review cycle yet" in text(response)


# --------------------------------------------------------------------------- reopen


def test_reopen_needs_a_reason(world, login, summary_a):
    client = login(world.coordinator)
    url = nurl("reopen", report_uuid=summary_a.uuid)
    page = text(client.get(url))
    assert "Reopen the summary of Alphaville" in page
    for data in ({"reason": ""}, {"reason": "   "}, {"submit": "Reopen the summary"}):
        response = client.post(url, data)
        assert response.status_code == 422, data
        assert "This field is required." in text(response)
    summary_a.refresh_from_db()
    assert summary_a.status == ReportStatus.SUBMITTED
    assert not AuditEvent.objects.filter(action=AuditAction.REPORT_REOPENED).exists()


def test_reopen_returns_the_summary_to_drafting_and_tells_the_team_why(world, login, summary_a):
    client = login(world.coordinator)
    reason = "The housing section has no source."
    response = client.post(nurl("reopen", report_uuid=summary_a.uuid), {"reason": reason})
    assert response.status_code == 302
    assert response["Location"] == f"{nurl('dashboard')}?cycle={world.cycle.uuid}"
    assert messages_of(response) == ["Alphaville's summary is reopened for changes."]
    summary_a.refresh_from_db()
    assert summary_a.status == ReportStatus.DRAFTING
    assert summary_a.submitted_at is None and summary_a.approved_at is None
    assert (summary_a.reopen_reason, summary_a.reopened_by) == (reason, world.coordinator)
    event = AuditEvent.objects.get(action=AuditAction.REPORT_REOPENED)
    assert (event.actor, event.city) == (world.coordinator, world.a.city)
    # The team sees the reason above their editor, which is open again.
    page = text(
        login(world.a.organizer).get(
            reverse("reports:detail", args=[world.a.city.uuid, summary_a.uuid])
        )
    )
    assert "Reopened by the national coordinators:" in page and reason in page
    assert 'id="report-editor"' in page


def test_reopen_of_a_summary_that_is_not_submitted_is_refused(world, login):
    report = services.report_start(
        actor=world.a.lead, city=world.a.city, cycle=world.cycle, kind=DocumentKind.SUMMARY
    )
    response = login(world.coordinator).post(
        nurl("reopen", report_uuid=report.uuid), {"reason": "Why not."}
    )
    assert response.status_code == 422
    assert "Only a submitted summary can be reopened." in text(response)
    assert not AuditEvent.objects.filter(action=AuditAction.REPORT_REOPENED).exists()


def test_reopen_is_for_summaries_only(world, login):
    report = services.report_start(
        actor=world.a.lead, city=world.a.city, cycle=world.cycle, kind=DocumentKind.REPORT
    )
    client = login(world.coordinator)
    assert client.get(nurl("reopen", report_uuid=report.uuid)).status_code == 404
    assert client.post(nurl("reopen", report_uuid=report.uuid), {"reason": "x"}).status_code == 404


# --------------------------------------------------------------------------- compile


def test_compile_creates_a_compilation_with_two_jobs_and_redirects(
    world, login, summary_a, no_worker
):
    client = login(world.coordinator)
    response = client.post(nurl("compile"), {"cycle": world.cycle.uuid, "language": "es"})
    compilation = NationalCompilation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == nurl("compilation", compilation_uuid=compilation.uuid)
    assert (compilation.cycle, compilation.language, compilation.city_count) == (
        world.cycle,
        "es",
        1,
    )
    assert compilation.created_by == world.coordinator
    assert compilation.word_limit == world.cycle.national_word_limit
    jobs = {job.kind: job for job in compilation.render_jobs.all()}
    assert set(jobs) == {RenderKind.NATIONAL_PDF, RenderKind.NATIONAL_DOCX}
    assert all(j.status == RenderStatus.QUEUED and j.city is None for j in jobs.values())
    assert sorted(no_worker) == sorted((j.pk,) for j in jobs.values())
    event = AuditEvent.objects.get(action=AuditAction.NATIONAL_COMPILED)
    assert event.actor == world.coordinator and event.details == {"cities": 1}


def test_compile_with_nothing_submitted_compiles_nothing(world, login, no_worker):
    client = login(world.coordinator)
    response = client.post(nurl("compile"), {"cycle": world.cycle.uuid, "language": "en"})
    assert response.status_code == 302
    assert response["Location"] == f"{nurl('dashboard')}?cycle={world.cycle.uuid}"
    assert messages_of(response) == ["No city has submitted a summary for this cycle yet."]
    assert not NationalCompilation.objects.exists() and not RenderJob.objects.exists()
    assert no_worker == []
    page = text(client.get(nurl("dashboard")))
    assert 'aria-describedby="compile-disabled"' in page


def test_compile_needs_a_known_language(world, login, summary_a, no_worker):
    response = login(world.coordinator).post(
        nurl("compile"), {"cycle": world.cycle.uuid, "language": "xx"}
    )
    assert response.status_code == 302
    assert messages_of(response) == ["Choose a language for the report."]
    assert not NationalCompilation.objects.exists()


def test_an_unknown_cycle_is_404(world, login, summary_a, no_worker):
    client = login(world.coordinator)
    unknown = "0b5c2f4e-52a4-4f7e-9a55-7f0d3c1e9b11"
    response = client.post(nurl("compile"), {"cycle": unknown, "language": "en"})
    assert response.status_code == 404
    assert client.get(nurl("counts_export"), {"cycle": unknown}).status_code == 404
    assert client.get(nurl("dashboard"), {"cycle": unknown}).status_code == 404
    assert not NationalCompilation.objects.exists() and no_worker == []
    assert not AuditEvent.objects.filter(action=AuditAction.NATIONAL_EXPORTED).exists()


def test_the_compilation_page_polls_while_its_jobs_are_active(world, login, summary_a):
    compilation = compilation_with_jobs(world)
    url = nurl("compilation", compilation_uuid=compilation.uuid)
    client = login(world.coordinator)
    page = text(client.get(url))
    assert page.count('hx-trigger="every 1s"') == 1
    assert f'hx-get="{url}" hx-trigger="every 1s"' in page
    partial = text(client.get(url, **HX))
    assert "<html" not in partial and 'id="compilation-jobs"' in partial
    assert 'hx-trigger="every 1s"' in partial
    assert "download" not in partial

    compilation.render_jobs.filter(kind=RenderKind.NATIONAL_PDF).update(status=RenderStatus.RUNNING)
    assert 'hx-trigger="every 1s"' in text(client.get(url, **HX))

    # Both finished: no more polling, a download link for each.
    for job in compilation.render_jobs.all():
        job.status = RenderStatus.DONE
        job.file.save(f"national/{job.uuid}.bin", ContentFile(FAKE))
    compilation.word_count = 9000
    compilation.save()
    partial = text(client.get(url, **HX))
    assert "hx-trigger" not in partial
    for job in compilation.render_jobs.all():
        assert (
            nurl("compilation_download", compilation_uuid=compilation.uuid, job_uuid=job.uuid)
            in partial
        )
    assert "Over the word limit:" in partial


def test_a_compilation_job_that_failed_or_is_not_done_has_nothing_to_download(
    world, login, summary_a
):
    compilation = compilation_with_jobs(world)
    pdf = compilation.render_jobs.get(kind=RenderKind.NATIONAL_PDF)
    client = login(world.coordinator)
    url = nurl("compilation_download", compilation_uuid=compilation.uuid, job_uuid=pdf.uuid)
    assert client.get(url).status_code == 404
    RenderJob.objects.filter(pk=pdf.pk).update(status=RenderStatus.FAILED, error="Out of ink.")
    assert client.get(url).status_code == 404
    page = text(client.get(nurl("compilation", compilation_uuid=compilation.uuid)))
    assert "Failed:" in page and "Out of ink." in page


def test_a_job_of_another_compilation_or_a_city_is_404(world, login, summary_a):
    first = compilation_with_jobs(world, status=RenderStatus.DONE)
    second = compilation_with_jobs(world, status=RenderStatus.DONE)
    job = first.render_jobs.first()
    city_job = RenderJob.objects.filter(report=summary_a, status=RenderStatus.DONE).first()
    client = login(world.coordinator)
    for foreign in (job, city_job):
        url = nurl("compilation_download", compilation_uuid=second.uuid, job_uuid=foreign.uuid)
        assert client.get(url).status_code == 404
    assert client.get(nurl("compilation", compilation_uuid=job.uuid)).status_code == 404


def _docx_text(content: bytes) -> str:
    document = docx.Document(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def test_a_compilation_renders_and_downloads_as_pdf_and_docx(world, login, committed):
    submitted(world, world.a, "## Housing and homelessness\n\nAlphaville rents rose sharply.")
    submitted(world, world.b, "## Housing and homelessness\n\nBetatown rents rose too.")
    client = login(world.coordinator)
    response = committed(
        client.post, nurl("compile"), {"cycle": world.cycle.uuid, "language": "en"}
    )
    compilation = NationalCompilation.objects.get()
    jobs = {job.kind: job for job in compilation.render_jobs.all()}
    assert all(j.status == RenderStatus.DONE for j in jobs.values()), [
        j.error for j in jobs.values()
    ]
    page = text(client.get(response["Location"]))
    assert "hx-trigger" not in page
    compilation.refresh_from_db()
    assert compilation.word_count and f"{compilation.word_count} words" in page

    pdf = client.get(
        nurl(
            "compilation_download",
            compilation_uuid=compilation.uuid,
            job_uuid=jobs["national_pdf"].uuid,
        )
    )
    assert pdf["Content-Type"] == "application/pdf"
    stamp = f"{compilation.created_at:%Y%m%d-%H%M}"
    assert pdf["Content-Disposition"] == (
        f'attachment; filename="national-report-cycle-4-{stamp}.pdf"'
    )
    reader = pypdf.PdfReader(io.BytesIO(read_file(pdf)))
    pdf_text = "\n".join(p.extract_text() for p in reader.pages)
    assert "Alphaville" in pdf_text and "Betatown" in pdf_text

    word = client.get(
        nurl(
            "compilation_download",
            compilation_uuid=compilation.uuid,
            job_uuid=jobs["national_docx"].uuid,
        )
    )
    assert word["Content-Type"] == DOCX_TYPE
    assert word["Content-Disposition"] == (
        f'attachment; filename="national-report-cycle-4-{stamp}.docx"'
    )
    docx_text = _docx_text(read_file(word))
    assert "Alphaville rents rose sharply." in docx_text
    assert "Betatown rents rose too." in docx_text


# --------------------------------------------------------------------------- counts CSV


def test_the_counts_csv_has_counts_only_and_neutralises_formulas(world, login):
    housing, policing = seeded_theme("housing"), seeded_theme("policing")
    for _n in range(2):
        TestimonyFactory(
            city=world.a.city, themes=[housing], narrative=NARRATIVE, redacted_quote=QUOTE
        )
    TestimonyFactory(city=world.a.city, themes=[policing], speaker_name="Sally Speaker")
    TestimonyFactory(city=world.a.city, themes=[policing], consent_withdrawn_at=timezone.now())
    evil = CityFactory(name='=HYPERLINK("http://evil.example","click")', state="+Nowhere")
    ParticipationFactory(city=evil, cycle=world.cycle)
    TestimonyFactory(city=evil, themes=[housing])

    response = login(world.coordinator).get(nurl("counts_export"), {"cycle": world.cycle.uuid})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="evidence-counts-cycle-4.csv"'
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0] == ["City", "State", "Theme", "Testimonies", "Survey responses"]
    # (Cities come in name order; where "=" sorts depends on the database's collation.)
    assert sorted(rows[1:]) == sorted(
        [
            ['\'=HYPERLINK("http://evil.example","click")', "'+Nowhere", housing.name, "1", "0"],
            ["Alphaville", "Oregon", housing.name, "2", "0"],
            ["Alphaville", "Oregon", policing.name, "1", "0"],
        ]
    )
    for secret in (NARRATIVE, "Birch Lane", QUOTE, "Sally Speaker"):
        assert secret not in body
    event = AuditEvent.objects.get(action=AuditAction.NATIONAL_EXPORTED)
    assert event.actor == world.coordinator and event.details == {"rows": 3}


def test_the_counts_csv_defaults_to_the_current_cycle(world, login):
    TestimonyFactory(city=world.b.city)
    response = login(world.coordinator).get(nurl("counts_export"))
    assert response["Content-Disposition"] == 'attachment; filename="evidence-counts-cycle-4.csv"'
    assert "Betatown" in response.content.decode()
