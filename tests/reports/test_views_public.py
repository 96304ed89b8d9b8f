"""Published local reports on the city's public page (`public:report_download`): anyone
may download a published version, current or superseded, with no login; nothing else a
city renders is reachable without logging in, and a city's slug scopes its publications."""

from __future__ import annotations

import io
import re

import pypdf
import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from reports import services
from reports.models import (
    DocumentKind,
    Publication,
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

pytestmark = pytest.mark.django_db

CONFIRM = {"submit": "Confirm"}


# --------------------------------------------------------------------------- helpers


def text(response) -> str:
    return response.content.decode()


def read_file(response) -> bytes:
    """A file response's bytes (the test client's iterator closes the file)."""
    return b"".join(response.streaming_content)


def download_url(city, publication: Publication) -> str:
    return reverse(
        "public:report_download", kwargs={"slug": city.slug, "publication_uuid": publication.uuid}
    )


def rurl(name: str, report: Report, **kwargs) -> str:
    return reverse(
        f"reports:{name}",
        kwargs={"city_uuid": report.city.uuid, "report_uuid": report.uuid, **kwargs},
    )


def write(report: Report, actor, body: str) -> None:
    s = ReportSection.objects.get(report=report, kind=SectionKind.PROBLEMS)
    services.sections_save(
        actor=actor, report=report, changes=[SectionChange(str(s.uuid), body, s.version)]
    )


def done_job(report: Report, *, final: bool, content: bytes) -> RenderJob:
    """A finished render of the report as it stands, with `content` as its file."""
    _document, digest = services.report_input(report=report, final=final)
    now = timezone.now()
    job = RenderJob.objects.create(
        city=report.city,
        report=report,
        kind=RenderKind.REPORT,
        is_final=final,
        status=RenderStatus.DONE,
        input_hash=digest,
        page_count=3,
        size_bytes=len(content),
        updated_at=now,
        finished_at=now,
    )
    job.file.save(f"{report.city.uuid}/{job.uuid}.pdf", ContentFile(content))
    return job


def publish_version(team, report: Report, body: str) -> Publication:
    """Write `body`, approve a stand-in draft and final PDF, and publish them."""
    write(report, team.lead, body)
    done_job(report, final=False, content=b"%PDF-1.4 draft of " + body.encode())
    services.report_approve(actor=team.lead, report=report)
    report.refresh_from_db()
    done_job(report, final=True, content=b"%PDF-1.4 final of " + body.encode())
    return services.report_publish(actor=team.lead, report=report)


def start(world, team) -> Report:
    return services.report_start(
        actor=team.lead, city=team.city, cycle=world.cycle, kind=DocumentKind.REPORT
    )


@pytest.fixture
def published(world) -> Publication:
    return publish_version(world.a, start(world, world.a), "Rents rose.")


# --------------------------------------------------------------------------- who may download


@pytest.mark.authz("public:report_download")
@pytest.mark.parametrize("role", ROLES)
def test_a_published_report_is_downloadable_by_anyone(world, login, published, role):
    client = login(user_for(world, role))
    response = client.get(download_url(world.a.city, published))
    assert response.status_code == 200
    assert read_file(response) == b"%PDF-1.4 final of Rents rose."
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="alphaville-local-report-v1.pdf"'
    )
    assert response["Cache-Control"] == "public, max-age=3600"


def test_the_download_is_get_only(world, client, published):
    url = download_url(world.a.city, published)
    assert client.post(url).status_code == 405
    assert client.put(url).status_code == 405


def test_another_citys_publication_under_this_citys_slug_is_404(world, client, published):
    assert client.get(download_url(world.b.city, published)).status_code == 404
    other = publish_version(world.b, start(world, world.b), "Betatown's buses.")
    assert client.get(download_url(world.a.city, other)).status_code == 404
    response = client.get(download_url(world.b.city, other))
    assert read_file(response) == b"%PDF-1.4 final of Betatown's buses."
    missing = reverse(
        "public:report_download",
        kwargs={"slug": "no-such-city", "publication_uuid": published.uuid},
    )
    assert client.get(missing).status_code == 404


def test_nothing_unpublished_is_reachable_without_logging_in(world, client):
    """A draft PDF and an approved, unpublished final PDF: not through the team's download
    (login first), not as a publication, not as a file URL, and not linked anywhere."""
    report = start(world, world.a)
    write(report, world.a.lead, "Not public yet.")
    draft = done_job(report, final=False, content=b"%PDF-1.4 draft")
    services.report_approve(actor=world.a.lead, report=report)
    report.refresh_from_db()
    final = done_job(report, final=True, content=b"%PDF-1.4 final")
    client.logout()
    for job in (draft, final):
        assert_login_redirect(client.get(rurl("download", report, job_uuid=job.uuid)))
        as_publication = reverse(
            "public:report_download",
            kwargs={"slug": world.a.city.slug, "publication_uuid": job.uuid},
        )
        assert client.get(as_publication).status_code == 404
        assert client.get(f"/media-not-served/{job.file.name}").status_code == 404
        assert client.get(f"/media-not-served/reports/{job.file.name}").status_code == 404
    as_report = reverse(
        "public:report_download",
        kwargs={"slug": world.a.city.slug, "publication_uuid": report.uuid},
    )
    assert client.get(as_report).status_code == 404
    page = text(client.get(reverse("public:city", args=[world.a.city.slug])))
    assert "No reports have been published yet." in page
    assert str(draft.uuid) not in page and str(final.uuid) not in page
    assert "/reports/" not in page.split('id="reports-heading"')[1]


# --------------------------------------------------------------------------- the public page


def _published_on(publication: Publication) -> str:
    return date_format(timezone.localtime(publication.published_at))


def test_the_city_page_lists_the_report_with_its_version_date_and_link(world, client, published):
    page = text(client.get(reverse("public:city", args=[world.a.city.slug])))
    assert download_url(world.a.city, published) in page
    assert f"Version 1, published {_published_on(published)}" in page
    assert "Download the local report (PDF, 3 pages," in page
    assert "United States — 4th UPR cycle" in page
    assert "Earlier versions" not in page
    # Another city's page doesn't list it.
    other = text(client.get(reverse("public:city", args=[world.b.city.slug])))
    assert str(published.uuid) not in other


def test_a_superseded_version_stays_downloadable_and_is_marked(world, login, published):
    client = login(None)
    report = published.report
    second = publish_version(world.a, report, "Rents rose, and then they rose again.")
    published.refresh_from_db()
    assert second.version == 2 and second.is_current
    assert published.superseded_at is not None and not published.is_current

    page = text(client.get(reverse("public:city", args=[world.a.city.slug])))
    current, earlier = page.split("Earlier versions")
    assert download_url(world.a.city, second) in current
    assert f"Version 2, published {_published_on(second)}" in current
    assert download_url(world.a.city, published) not in current
    assert download_url(world.a.city, published) in earlier
    superseded_on = date_format(timezone.localtime(published.superseded_at))
    assert re.search(
        rf"United States — 4th UPR cycle, version 1.*?Superseded on {re.escape(superseded_on)}\.",
        earlier,
        re.S,
    )

    old = client.get(download_url(world.a.city, published))
    assert old.status_code == 200
    assert read_file(old) == b"%PDF-1.4 final of Rents rose."
    assert old["Content-Disposition"] == 'attachment; filename="alphaville-local-report-v1.pdf"'
    new = client.get(download_url(world.a.city, second))
    assert read_file(new) == b"%PDF-1.4 final of Rents rose, and then they rose again."

    # The team's page marks them too.
    detail = text(login(world.a.viewer).get(rurl("detail", report)))
    assert "Superseded" in detail and "Current" in detail


def test_a_publication_stays_up_while_the_team_edits_the_report(world, client, published):
    write(published.report, world.a.lead, "A new draft for the next version.")
    published.report.refresh_from_db()
    assert published.report.status == ReportStatus.DRAFTING
    response = client.get(download_url(world.a.city, published))
    assert read_file(response) == b"%PDF-1.4 final of Rents rose."


def test_a_real_report_is_published_and_downloaded_without_the_draft_mark(world, login, committed):
    """Through the team's pages with real PDFs: render, approve (the final PDF is made),
    publish; then anyone downloads it from the city's page."""
    report = start(world, world.a)
    write(report, world.a.lead, "Rents in Alphaville rose by a third in two years.")
    client = login(world.a.lead)
    committed(client.post, rurl("render", report))
    draft = RenderJob.objects.get(report=report)
    assert draft.status == RenderStatus.DONE, draft.error
    response = committed(client.post, rurl("approve", report), CONFIRM)
    assert response.status_code == 302
    response = client.post(rurl("publish", report), CONFIRM)
    assert response.status_code == 302, text(response)
    publication = Publication.objects.get(report=report)

    client.logout()
    page = text(client.get(reverse("public:city", args=[world.a.city.slug])))
    link = download_url(world.a.city, publication)
    assert link in page
    response = client.get(link)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    content = read_file(response)
    pdf = pypdf.PdfReader(io.BytesIO(content))
    printed = "\n".join(p.extract_text() for p in pdf.pages)
    assert "Alphaville" in printed
    assert "Rents in Alphaville rose by a third" in printed
    assert "DRAFT" not in printed
    assert publication.page_count == len(pdf.pages)
