"""Issue 5's "done means", through the real pages with the demo data: the Harbor Falls
lead starts the summary, drafts it from the evidence, edits it, inserts two citations,
generates the PDF, checks it against the page limit, approves it and submits it; then
writes, approves and publishes the local report, which anyone downloads from the city's
public page without the DRAFT mark; and the coordinator compiles the national report
from Harbor Falls' and Mesa Verde's summaries as a PDF and a Word document.

Render jobs run eagerly when the request's transaction "commits" (`committed`), as a
worker would run them right after.
"""

from __future__ import annotations

import html
import io
import re

import docx
import pypdf
import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import User
from cities.models import AuditAction, AuditEvent, City
from reports.models import (
    Citation,
    DocumentKind,
    NationalCompilation,
    Publication,
    RenderJob,
    RenderStatus,
    Report,
    ReportStatus,
)
from tests.conftest import enrol_totp
from upr_portal.lib.demo import DEMO_DOMAIN

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}
CONFIRM = {"submit": "Confirm"}  # the button a browser posts with the form
# In the demo testimony's narrative, never in its redacted quote: must never print.
UNREDACTED = ("Maria Alvarez", "1423 N. Elm Street", "(555) 201-7788", "jordan.reyes@example.org")


def _login(client, local: str) -> User:
    user = User.objects.get(email=f"{local}@{DEMO_DOMAIN}")
    client.logout()
    enrol_totp(user)  # they log in with a TOTP code too (tested in tests/accounts)
    client.force_login(user)
    return user


def _text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def _file(response) -> bytes:
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content)  # the test client closes the file


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages)


def _docx_text(content: bytes) -> str:
    document = docx.Document(io.BytesIO(content))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def _link(page: str, pattern: str) -> str:
    match = re.search(rf'href="({pattern})"', page)
    assert match, f"no link matching {pattern}"
    return html.unescape(match.group(1))


class Editor:
    """The editor form as the browser holds it: the texts and versions from the page,
    kept up to date from the save answers' out-of-band version inputs, with citation
    tokens put at the end of their section (what static/js/reports.js does)."""

    VERSION = re.compile(r'name="version_([0-9a-f]{32})"[^>]*?value="(\d+)"')

    def __init__(self, page: str) -> None:
        self.bodies: dict[str, str] = {}
        self.kinds: dict[str, str] = {}
        for key, attrs, body in re.findall(
            r'<textarea name="body_([0-9a-f]{32})"([^>]*)>(.*?)</textarea>', page, re.S
        ):
            self.bodies[key] = html.unescape(body).removeprefix("\n")
            self.kinds[re.search(r'data-section="(\w+)"', attrs).group(1)] = key
        self.versions = dict(self.VERSION.findall(page))
        assert set(self.versions) == set(self.bodies) and len(self.bodies) == 4

    def type(self, kind: str, body: str) -> None:
        self.bodies[self.kinds[kind]] = body

    def insert(self, key: str, token: str) -> None:
        body = self.bodies[key].rstrip("\n")
        self.bodies[key] = f"{body}\n\n{token}\n" if body else f"{token}\n"

    def data(self, **extra: str) -> dict[str, str]:
        fields = {f"body_{k}": v for k, v in self.bodies.items()}
        fields.update({f"version_{k}": v for k, v in self.versions.items()})
        return {**fields, **extra}

    def absorb(self, answer: str) -> None:
        fresh = dict(self.VERSION.findall(answer))
        assert fresh, "a successful save sends the new versions"
        self.versions.update(fresh)


def _render_and_check(client, committed, detail_url: str, limit: str) -> RenderJob:
    """Generate the draft PDF, poll it until done, and see the page check pass."""
    page = _text(client.get(detail_url))
    render_url = re.search(r'hx-post="([^"]+/render/)"', page).group(1)
    answer = committed(client.post, render_url, **HX)
    assert 'hx-trigger="every 1s"' in _text(answer)  # queued when the answer was made
    poll = html.unescape(
        re.search(r'hx-get="([^"]+/jobs/[^"]+)"', answer.content.decode()).group(1)
    )
    for _attempt in range(5):
        partial = client.get(poll, **HX)
        if 'hx-trigger="every 1s"' not in _text(partial):
            break
    job = RenderJob.objects.filter(is_final=False).latest("created_at")
    assert job.status == RenderStatus.DONE, job.error
    assert partial["HX-Refresh"] == "true"  # it was queued: the page reloads once
    checked = _text(partial)
    assert "Within the page limit." in checked, checked
    assert f"(limit: {limit})" in checked
    assert "/download/" in checked
    draft = _pdf_text(_file(client.get(_link(checked, r"[^\"]+/download/"))))
    assert "DRAFT" in draft
    page = _text(client.get(detail_url))
    assert "The latest PDF matches the text and fits the page limit." in page
    return job


def test_from_evidence_to_a_published_report_and_the_national_compilation(client, committed):
    call_command("seed_demo")
    city = City.objects.get(slug="harbor-falls-wa")
    lead = _login(client, "lead")

    # Open Reports from the city's pages; neither document is started.
    dashboard = _text(client.get(reverse("cities:city", args=[city.uuid])))
    index_url = _link(dashboard, re.escape(reverse("reports:index", args=[city.uuid])))
    index = _text(client.get(index_url))
    assert index.count('class="report-start-form"') == 2

    # ------------------------------------------------------------------ the summary
    response = client.post(
        reverse("reports:start", args=[city.uuid]), {"kind": "summary", "language": "en"}
    )
    assert response.status_code == 302
    summary = Report.objects.get(city=city, kind=DocumentKind.SUMMARY)
    detail_url = response["Location"]
    assert detail_url == reverse("reports:detail", args=[city.uuid, summary.uuid])

    page = _text(client.get(detail_url))
    draft_url = _link(page, r"[^\"]+/draft/")
    assert "Draft from evidence" in _text(client.get(draft_url))
    response = client.post(draft_url, CONFIRM)
    assert response.status_code == 302
    drafted = Citation.objects.filter(report=summary).count()
    assert drafted >= 1  # the strongest quotable testimony under each theme

    # Edit a section: the draft's placeholder for the method becomes real text.
    editor = Editor(_text(client.get(detail_url)))
    context = editor.bodies[editor.kinds["context"]]
    assert "[Describe how the consultations were run and who took part.]" in context
    editor.type(
        "context",
        context.replace(
            "[Describe how the consultations were run and who took part.]",
            "We held listening sessions with tenants' unions and faith communities.",
        ),
    )
    response = client.post(reverse("reports:save", args=[city.uuid, summary.uuid]), editor.data())
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action=AuditAction.REPORT_EDITED, actor=lead).count() == 1

    # Insert two citations from the evidence panel; each token goes into its section and
    # is autosaved with the text.
    editor = Editor(_text(client.get(detail_url)))
    panel = _text(client.get(reverse("reports:evidence", args=[city.uuid, summary.uuid]), **HX))
    testimonies = re.findall(r'name="testimony" value="([0-9a-f-]{36})"', panel)
    assert len(testimonies) >= 2
    for kind, testimony in (("problems", testimonies[0]), ("positives", testimonies[1])):
        answer = client.post(
            reverse("reports:cite", args=[city.uuid, summary.uuid]),
            {"kind": "quote", "testimony": testimony, "section": editor.kinds[kind]},
            **HX,
        )
        result = _text(answer)
        token = re.search(r'data-token="(\[\[cite:[0-9a-f]{8}\]\])"', result).group(1)
        assert f'data-section="{editor.kinds[kind]}"' in result
        editor.insert(editor.kinds[kind], token)
        saved = client.post(
            reverse("reports:save", args=[city.uuid, summary.uuid]),
            editor.data(autosave="1"),
            **HX,
        )
        assert "Autosaved at" in _text(saved)
        editor.absorb(saved.content.decode())
    assert Citation.objects.filter(report=summary).count() == drafted + 2
    page = _text(client.get(detail_url))
    assert "citation-warning" not in page
    assert "Not in the text:" not in page

    # Generate the PDF, watch it, see the page check; approve (the final PDF is made), submit.
    _render_and_check(client, committed, detail_url, "1–2 pages")
    approve_url = _link(_text(client.get(detail_url)), r"[^\"]+/approve/")
    assert "You are approving the draft PDF of" in _text(client.get(approve_url))
    response = committed(client.post, approve_url, CONFIRM)
    assert response.status_code == 302
    summary.refresh_from_db()
    assert summary.status == ReportStatus.APPROVED
    final = RenderJob.objects.get(report=summary, is_final=True)
    assert final.status == RenderStatus.DONE, final.error
    page = _text(client.get(detail_url))
    assert "The final PDF is ready:" in page
    final_url = re.search(r'href="([^"]+/download/)">Download the final PDF', page).group(1)
    final_text = _pdf_text(_file(client.get(final_url)))
    assert "DRAFT" not in final_text and "Harbor Falls" in final_text
    assert "raised the rent by 40 percent" in final_text  # a cited, redacted quote
    for secret in UNREDACTED:
        assert secret not in final_text

    submit_url = _link(page, r"[^\"]+/submit/")
    assert "The deadline is" in _text(client.get(submit_url))
    response = client.post(submit_url, CONFIRM, follow=True)
    assert "Submitted to the national coordinators." in _text(response)
    summary.refresh_from_db()
    assert summary.status == ReportStatus.SUBMITTED and not summary.submitted_late

    # ------------------------------------------------------------------ the local report
    response = client.post(
        reverse("reports:start", args=[city.uuid]), {"kind": "report", "language": "en"}
    )
    report = Report.objects.get(city=city, kind=DocumentKind.REPORT)
    report_url = response["Location"]
    assert (
        client.post(_link(_text(client.get(report_url)), r"[^\"]+/draft/"), CONFIRM).status_code
        == 302
    )
    _render_and_check(client, committed, report_url, "at most 5 pages")
    response = committed(
        client.post, _link(_text(client.get(report_url)), r"[^\"]+/approve/"), CONFIRM
    )
    assert response.status_code == 302
    publish_url = _link(_text(client.get(report_url)), r"[^\"]+/publish/")
    response = client.post(publish_url, CONFIRM)
    assert response.status_code == 302
    publication = Publication.objects.get(report=report)
    assert publication.version == 1

    # ------------------------------------------------------------------ anyone downloads it
    client.logout()
    public = _text(client.get(reverse("public:city", args=[city.slug])))
    assert "Version 1, published" in public
    link = _link(public, re.escape(f"/cities/{city.slug}/reports/") + r"[0-9a-f-]{36}/")
    response = client.get(link)
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    published = _pdf_text(_file(response))
    assert "Harbor Falls" in published
    assert "DRAFT" not in published
    for secret in UNREDACTED:
        assert secret not in published

    # ------------------------------------------------------------------ the coordinator compiles
    _login(client, "coordinator")
    console = _text(client.get(reverse("national:console")))
    board = _text(client.get(_link(console, re.escape(reverse("national_reports:dashboard")))))
    for name in ("Harbor Falls", "Mesa Verde"):
        row = next(r for r in re.findall(r"<tr>.*?</tr>", board, re.S) if f">{name}<" in r)
        assert "Submitted" in row
    assert "2 summaries have been submitted." in board
    cycle_uuid = re.search(r'name="cycle" value="([0-9a-f-]{36})"', board).group(1)
    response = committed(
        client.post, reverse("national_reports:compile"), {"cycle": cycle_uuid, "language": "en"}
    )
    assert response.status_code == 302
    compilation = NationalCompilation.objects.get()
    assert compilation.city_count == 2
    page = _text(client.get(response["Location"]))
    assert 'hx-trigger="every 1s"' not in page  # both files are made
    downloads = re.findall(r'href="([^"]+/jobs/[0-9a-f-]{36}/download/)"', page)
    assert len(downloads) == 2
    files = {}
    for url in downloads:
        response = client.get(url)
        files[response["Content-Type"]] = _file(response)
    national_pdf = _pdf_text(files["application/pdf"])
    national_docx = _docx_text(
        files["application/vnd.openxmlformats-officedocument.wordprocessingml.document"]
    )
    for document in (national_pdf, national_docx):
        assert "Harbor Falls" in document
        assert "Mesa Verde" in document
        for secret in UNREDACTED:
            assert secret not in document
    assert "DRAFT" not in national_pdf
