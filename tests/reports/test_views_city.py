"""A city team's report pages (`reports:*`) through HTTP: the role matrix for every route
and verb, 404 across cities, what each write does to the database and the audit trail,
the editor's saves and conflicts, citations and the evidence panel, render jobs and
downloads, and the approve / submit / publish confirmations."""

from __future__ import annotations

import datetime
import html as html_lib
import re

import pytest
from django.contrib.messages import get_messages
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from cities.models import AuditAction, AuditEvent
from consultations.models import QuestionKind
from reports import services
from reports.models import (
    Citation,
    DocumentKind,
    Publication,
    RenderJob,
    RenderKind,
    RenderStatus,
    Report,
    ReportSection,
    ReportStatus,
    Revision,
    SectionKind,
)
from reports.services import SectionChange
from tests.conftest import ROLES, assert_login_redirect, user_for
from tests.factories import (
    ReviewCycleFactory,
    SurveyFactory,
    SurveyQuestionFactory,
    SurveyResponseFactory,
    TestimonyFactory,
    seeded_theme,
)

pytestmark = pytest.mark.django_db

READ = {
    "anonymous": "login",
    "outsider": 404,
    "viewer": 200,
    "organizer": 200,
    "lead": 200,
    "other_lead": 404,
    "coordinator": 200,
}
EDIT = {**READ, "viewer": 403, "coordinator": 403}
DECIDE = {**EDIT, "organizer": 403}
HX = {"HTTP_HX_REQUEST": "true"}
CONFIRM = {"submit": "Confirm"}  # a browser always posts the button (and the CSRF token)
FAKE_PDF = b"%PDF-1.4\n% a stand-in for a rendered PDF\n%%EOF\n"

NARRATIVE = "NARRATIVE-ONLY: my landlord Mr. Pemberton at 12 Oak Street doubled the rent."
QUOTE = "The rent went up twice this year and nobody answered our calls."
SPEAKER = "Philippa Speakerton"
CONTACT = "philippa@example.net"


# --------------------------------------------------------------------------- helpers


def rurl(name: str, report: Report, *, city=None, **kwargs) -> str:
    """A report URL; `city` overrides the report's own (for cross-city probes)."""
    city = city or report.city
    return reverse(
        f"reports:{name}", kwargs={"city_uuid": city.uuid, "report_uuid": report.uuid, **kwargs}
    )


def curl(name: str, city) -> str:
    return reverse(f"reports:{name}", kwargs={"city_uuid": city.uuid})


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
    """A file response's bytes. The test client's iterator closes the file at the end
    (closing the response again would fire `request_finished` and drop the test's
    database connection)."""
    return b"".join(response.streaming_content)


def quotable(city, **kwargs):
    """A testimony a report may quote (reviewed, anonymous consent, redacted)."""
    fields = {
        "review_status": "reviewed",
        "reviewed_at": timezone.now(),
        "consent_level": "anonymous",
        "redacted_quote": QUOTE,
        "area": "the East Side",
        **kwargs,
    }
    return TestimonyFactory(city=city, **fields)


def start(world, kind: str = DocumentKind.REPORT, team=None) -> Report:
    team = team or world.a
    return services.report_start(actor=team.lead, city=team.city, cycle=world.cycle, kind=kind)


def section(report: Report, kind: str = SectionKind.PROBLEMS) -> ReportSection:
    return ReportSection.objects.get(report=report, kind=kind)


def write(report: Report, actor, body: str, kind: str = SectionKind.PROBLEMS) -> ReportSection:
    s = section(report, kind)
    services.sections_save(
        actor=actor, report=report, changes=[SectionChange(str(s.uuid), body, s.version)]
    )
    return section(report, kind)


def done_job(report: Report, *, final: bool = False, pages: int = 2) -> RenderJob:
    """A finished render of the report as it stands (a stand-in file, no WeasyPrint)."""
    _document, digest = services.report_input(report=report, final=final)
    now = timezone.now()
    job = RenderJob.objects.create(
        city=report.city,
        report=report,
        kind=RenderKind.SUMMARY if report.kind == DocumentKind.SUMMARY else RenderKind.REPORT,
        is_final=final,
        status=RenderStatus.DONE,
        input_hash=digest,
        page_count=pages,
        size_bytes=len(FAKE_PDF),
        updated_at=now,
        started_at=now,
        finished_at=now,
    )
    job.file.save(f"{report.city.uuid}/{job.uuid}.pdf", ContentFile(FAKE_PDF))
    return job


def approve(world, report: Report) -> RenderJob:
    """Approve the report through the service (a checked draft PDF first) and finish its
    final PDF. Returns the final job."""
    done_job(report)
    services.report_approve(actor=world.a.lead, report=report)
    report.refresh_from_db()
    return done_job(report, final=True)


def snapshot() -> tuple[int, ...]:
    return (
        Report.objects.count(),
        Revision.objects.count(),
        Citation.objects.count(),
        RenderJob.objects.count(),
        Publication.objects.count(),
        AuditEvent.objects.count(),
        Report.objects.filter(status=ReportStatus.DRAFTING).count(),
    )


def events(action: str, **filters) -> int:
    return AuditEvent.objects.filter(action=action, **filters).count()


def _save_data(report: Report, bodies: dict[str, str], versions: dict[str, int] | None = None):
    """The editor form as the browser posts it: every section's text and the version it
    was loaded at, with `bodies` typed in and `versions` (when given) as loaded earlier."""
    data = {}
    for s in ReportSection.objects.filter(report=report):
        data[f"body_{s.uuid.hex}"] = bodies.get(s.kind, s.body)
        data[f"version_{s.uuid.hex}"] = (versions or {}).get(s.kind, s.version)
    return data


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def report(world) -> Report:
    return start(world)


@pytest.fixture
def summary(world) -> Report:
    return start(world, DocumentKind.SUMMARY)


@pytest.fixture
def report_b(world) -> Report:
    """City B's local report: never reachable through city A."""
    return start(world, team=world.b)


@pytest.fixture
def testimony(world):
    """City A's quotable testimony, with restricted details on record."""
    return quotable(
        world.a.city,
        narrative=NARRATIVE,
        speaker_name=SPEAKER,
        speaker_contact=CONTACT,
        recorded_by=world.a.organizer,
    )


# --------------------------------------------------------------------------- role matrix: reads


@pytest.mark.authz(
    "reports:index",
    "reports:detail",
    "reports:history",
    "reports:revision",
    "reports:job",
    "reports:download",
)
@pytest.mark.parametrize("role", ROLES)
def test_read_pages_follow_the_read_matrix(world, login, report, role):
    revision = Revision.objects.get(report=report)
    job = done_job(report)
    client = login(user_for(world, role))
    before = events(AuditAction.REPORT_DOWNLOADED)
    for url in (
        curl("index", world.a.city),
        rurl("detail", report),
        rurl("history", report),
        rurl("revision", report, revision_uuid=revision.uuid),
        rurl("job", report, job_uuid=job.uuid) + "?was=done",
    ):
        response = client.get(url, **HX) if "/jobs/" in url else client.get(url)
        expect(response, READ[role], url)
    response = client.get(rurl("download", report, job_uuid=job.uuid))
    expect(response, READ[role])
    if READ[role] == 200:
        assert read_file(response) == FAKE_PDF
    assert events(AuditAction.REPORT_DOWNLOADED) == before + (READ[role] == 200)


@pytest.mark.authz("reports:draft", "reports:evidence")
@pytest.mark.parametrize("role", ROLES)
def test_editing_pages_follow_the_edit_matrix(world, login, report, role):
    """The draft confirmation and the evidence panel: the team that writes, not viewers and
    not coordinators (they read the report, they don't edit it)."""
    client = login(user_for(world, role))
    for url in (rurl("draft", report), rurl("evidence", report)):
        expect(client.get(url), EDIT[role], url)


@pytest.mark.authz("reports:approve", "reports:submit", "reports:publish")
@pytest.mark.parametrize("role", ROLES)
def test_decision_pages_are_for_the_city_lead(world, login, report, summary, role):
    client = login(user_for(world, role))
    for url in (rurl("approve", report), rurl("submit", summary), rurl("publish", report)):
        expect(client.get(url), DECIDE[role], url)


# --------------------------------------------------------------------------- role matrix: writes


@pytest.mark.authz("reports:start")
@pytest.mark.parametrize("role", ROLES)
def test_start_follows_the_edit_matrix(world, login, role):
    client = login(user_for(world, role))
    response = client.post(curl("start", world.a.city), {"kind": "summary", "language": "es"})
    expected = EDIT[role]
    expect(response, 302 if expected == 200 else expected)
    created = Report.objects.filter(city=world.a.city).first()
    if expected != 200:
        assert created is None
        assert not AuditEvent.objects.filter(action=AuditAction.REPORT_STARTED).exists()
        return
    assert response["Location"] == rurl("detail", created)
    assert (created.kind, created.language, created.status) == ("summary", "es", "drafting")
    assert created.created_by == user_for(world, role)
    assert [s.kind for s in created.sections.order_by("position")] == list(SectionKind.values)
    # The context section is prefilled with the facts, as revision 1.
    context = section(created, SectionKind.CONTEXT)
    assert context.body and context.version == 1
    assert Revision.objects.get(report=created).section == context
    assert events(AuditAction.REPORT_STARTED, city=world.a.city) == 1


@pytest.mark.authz("reports:save")
@pytest.mark.parametrize("role", ROLES)
def test_save_follows_the_edit_matrix(world, login, report, role):
    s = section(report)
    client = login(user_for(world, role))
    before = snapshot()
    response = client.post(rurl("save", report), _save_data(report, {"problems": "Rents rose."}))
    expected = EDIT[role]
    expect(response, 302 if expected == 200 else expected)
    if expected != 200:
        assert snapshot() == before
        assert section(report).body == ""
        return
    assert section(report).body == "Rents rose."
    assert Revision.objects.filter(section=s).get().author == user_for(world, role)


@pytest.mark.parametrize("role", ROLES)
def test_draft_from_evidence_follows_the_edit_matrix(world, login, report, testimony, role):
    client = login(user_for(world, role))
    before = snapshot()
    response = client.post(rurl("draft", report), CONFIRM)
    expected = EDIT[role]
    expect(response, 302 if expected == 200 else expected)
    if expected != 200:
        assert snapshot() == before
        return
    assert Citation.objects.filter(report=report, testimony=testimony).exists()
    assert events(AuditAction.REPORT_DRAFTED) == 1


@pytest.mark.authz("reports:cite")
@pytest.mark.parametrize("role", ROLES)
def test_cite_follows_the_edit_matrix(world, login, report, testimony, role):
    client = login(user_for(world, role))
    before = snapshot()
    response = client.post(
        rurl("cite", report),
        {"kind": "quote", "section": section(report).uuid, "testimony": testimony.uuid},
        **HX,
    )
    expected = EDIT[role]
    expect(response, expected)
    assert Citation.objects.filter(report=report).exists() is (expected == 200)
    if expected != 200:
        assert snapshot() == before


@pytest.mark.authz("reports:restore")
@pytest.mark.parametrize("role", ROLES)
def test_restore_follows_the_edit_matrix(world, login, report, role):
    first = Revision.objects.get(report=report)  # the prefilled context
    write(report, world.a.lead, "Rewritten context.", SectionKind.CONTEXT)
    client = login(user_for(world, role))
    before = snapshot()
    response = client.post(rurl("restore", report, revision_uuid=first.uuid))
    expected = EDIT[role]
    expect(response, 302 if expected == 200 else expected)
    body = section(report, SectionKind.CONTEXT).body
    if expected != 200:
        assert snapshot() == before
        assert body == "Rewritten context."
        return
    assert body == first.body


@pytest.mark.authz("reports:render")
@pytest.mark.parametrize("role", ROLES)
def test_render_follows_the_edit_matrix(world, login, report, role, monkeypatch):
    queued = []
    monkeypatch.setattr(
        "reports.services.rendering.enqueue_on_commit", lambda task, *ids: queued.append(ids)
    )
    client = login(user_for(world, role))
    before = snapshot()
    response = client.post(rurl("render", report))
    expected = EDIT[role]
    expect(response, 302 if expected == 200 else expected)
    if expected != 200:
        assert snapshot() == before
        assert queued == []
        return
    job = RenderJob.objects.get(report=report)
    assert queued == [(job.pk,)]
    assert job.requested_by == user_for(world, role)


@pytest.mark.parametrize("role", ROLES)
def test_approve_follows_the_decision_matrix(world, login, report, role):
    done_job(report)
    client = login(user_for(world, role))
    before = snapshot()
    response = client.post(rurl("approve", report), CONFIRM)
    expected = DECIDE[role]
    expect(response, 302 if expected == 200 else expected)
    report.refresh_from_db()
    assert (report.status == ReportStatus.APPROVED) is (expected == 200)
    if expected != 200:
        assert snapshot() == before


@pytest.mark.parametrize("role", ROLES)
def test_submit_follows_the_decision_matrix(world, login, summary, role):
    approve(world, summary)
    client = login(user_for(world, role))
    before = snapshot()
    response = client.post(rurl("submit", summary), CONFIRM)
    expected = DECIDE[role]
    expect(response, 302 if expected == 200 else expected)
    summary.refresh_from_db()
    assert (summary.status == ReportStatus.SUBMITTED) is (expected == 200)
    if expected != 200:
        assert snapshot() == before


@pytest.mark.parametrize("role", ROLES)
def test_publish_follows_the_decision_matrix(world, login, report, role):
    approve(world, report)
    client = login(user_for(world, role))
    before = snapshot()
    response = client.post(rurl("publish", report), CONFIRM)
    expected = DECIDE[role]
    expect(response, 302 if expected == 200 else expected)
    assert Publication.objects.filter(report=report).exists() is (expected == 200)
    if expected != 200:
        assert snapshot() == before


# --------------------------------------------------------------------------- verbs and cities


GET_ONLY = ["detail", "evidence", "history", "revision", "job", "download"]
POST_ONLY = ["save", "cite", "restore", "render"]
GET_AND_POST = ["draft", "approve", "publish"]


def _urls(report: Report, *, city=None) -> dict[str, str]:
    """Every report route of `report` (under `city` when given), with its first revision
    and render job where the route needs one."""
    revision = {"revision_uuid": Revision.objects.filter(report=report).first().uuid}
    job = {"job_uuid": RenderJob.objects.filter(report=report).first().uuid}
    extra = {"revision": revision, "restore": revision, "job": job, "download": job}
    return {
        name: rurl(name, report, city=city, **extra.get(name, {}))
        for name in GET_ONLY + POST_ONLY + GET_AND_POST
    }


def test_each_route_refuses_the_wrong_verb(world, login, report, summary):
    done_job(report)
    urls = _urls(report)
    client = login(world.a.lead)
    assert client.post(curl("index", world.a.city)).status_code == 405
    assert client.get(curl("start", world.a.city)).status_code == 405
    for name in GET_ONLY:
        assert client.post(urls[name]).status_code == 405, name
    for name in POST_ONLY:
        assert client.get(urls[name]).status_code == 405, name
    for name in GET_AND_POST:
        assert client.put(urls[name]).status_code == 405, name
        assert client.delete(urls[name]).status_code == 405, name
    assert client.put(rurl("submit", summary)).status_code == 405
    assert Revision.objects.filter(report=report).count() == 1


def test_another_citys_report_is_404_under_this_citys_url(world, login, report_b, summary):
    """City B's report, its revision and its job, asked for under city A's URL by city A's
    lead (who may do everything in A): 404 for every route and verb, nothing written."""
    done_job(report_b)
    client = login(world.a.lead)
    before = snapshot()
    urls = _urls(report_b, city=world.a.city)
    for name in GET_ONLY + GET_AND_POST:
        assert client.get(urls[name]).status_code == 404, name
    for name in POST_ONLY + GET_AND_POST:
        assert client.post(urls[name], CONFIRM).status_code == 404, name
    assert client.get(rurl("submit", summary, city=world.b.city)).status_code == 404
    assert snapshot() == before


def test_another_citys_report_under_its_own_url_is_404_for_this_citys_lead(world, login, report_b):
    """The city itself is invisible to a lead of another city."""
    done_job(report_b)
    client = login(world.a.lead)
    for name, url in _urls(report_b).items():
        assert client.get(url).status_code == 404, name
        assert client.post(url, CONFIRM).status_code == 404, name
    assert client.get(curl("index", world.b.city)).status_code == 404


def test_objects_of_another_report_in_the_same_city_are_404(world, login, report, summary):
    revision = Revision.objects.get(report=summary)
    job = done_job(summary)
    client = login(world.a.lead)
    assert client.get(rurl("revision", report, revision_uuid=revision.uuid)).status_code == 404
    assert client.post(rurl("restore", report, revision_uuid=revision.uuid)).status_code == 404
    assert client.get(rurl("job", report, job_uuid=job.uuid)).status_code == 404
    assert client.get(rurl("download", report, job_uuid=job.uuid)).status_code == 404
    # A section of the summary can't receive a citation made through the report.
    s = section(summary)
    t = quotable(world.a.city)
    response = client.post(
        rurl("cite", report), {"kind": "quote", "section": s.uuid, "testimony": t.uuid}, **HX
    )
    assert response.status_code == 404
    assert not Citation.objects.exists()


def test_submit_is_for_the_summary_and_publish_for_the_report(world, login, report, summary):
    client = login(world.a.lead)
    assert client.get(rurl("submit", report)).status_code == 404
    assert client.get(rurl("publish", summary)).status_code == 404
    assert client.post(rurl("submit", report), CONFIRM).status_code == 404
    assert client.post(rurl("publish", summary), CONFIRM).status_code == 404


# --------------------------------------------------------------------------- index and start


def test_index_offers_to_start_each_document_to_the_team_that_writes(world, login, summary):
    client = login(world.a.organizer)
    page = text(client.get(curl("index", world.a.city)))
    assert rurl("detail", summary) in page
    assert 'name="kind" value="report"' in page  # the local report isn't started yet
    assert 'name="kind" value="summary"' not in page
    page = text(login(world.a.viewer).get(curl("index", world.a.city)))
    assert 'name="kind"' not in page
    assert "A city lead or an organizer starts it." in page


def test_starting_twice_returns_the_same_report(world, login, report):
    client = login(world.a.organizer)
    response = client.post(curl("start", world.a.city), {"kind": "report", "language": "en"})
    assert response.status_code == 302
    assert response["Location"] == rurl("detail", report)
    assert Report.objects.filter(city=world.a.city).count() == 1
    assert events(AuditAction.REPORT_STARTED) == 1


def test_start_with_an_unknown_document_starts_nothing(world, login):
    client = login(world.a.lead)
    response = client.post(curl("start", world.a.city), {"kind": "memo", "language": "en"})
    assert response.status_code == 302
    assert response["Location"] == curl("index", world.a.city)
    assert "Choose a document and a language." in messages_of(response)
    assert not Report.objects.exists()


# --------------------------------------------------------------------------- editor and saves


def test_the_editor_is_for_writers_and_the_read_only_page_for_readers(world, login, report):
    write(report, world.a.lead, "Plain words <script>alert(1)</script>")
    editor = text(login(world.a.organizer).get(rurl("detail", report)))
    s = section(report)
    assert 'id="report-editor"' in editor
    assert f'name="body_{s.uuid.hex}"' in editor
    assert f'name="version_{s.uuid.hex}"' in editor
    assert rurl("evidence", report) in editor
    for reader in (world.a.viewer, world.coordinator):
        page = text(login(reader).get(rurl("detail", report)))
        assert 'id="report-editor"' not in page
        assert "Plain words &lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert "<script>alert(1)" not in page
        assert rurl("render", report) not in page
        assert rurl("evidence", report) not in page


def test_a_save_writes_a_revision_per_changed_section_and_audits_it(world, login, report):
    context = section(report, SectionKind.CONTEXT)
    client = login(world.a.organizer)
    response = client.post(
        rurl("save", report),
        _save_data(
            report,
            {
                SectionKind.CONTEXT: context.body,  # unchanged: no revision
                SectionKind.PROBLEMS: "Rents rose.\r\nWages did not.",
                SectionKind.RECOMMENDATIONS: "- Freeze the rent.",
            },
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == rurl("detail", report)
    assert messages_of(response) == ["Saved."]
    problems = section(report, SectionKind.PROBLEMS)
    assert problems.body == "Rents rose.\nWages did not."
    assert problems.version == 1
    assert section(report, SectionKind.CONTEXT).version == context.version
    revisions = Revision.objects.filter(report=report, author=world.a.organizer)
    assert sorted(r.section.kind for r in revisions) == ["problems", "recommendations"]
    assert not any(r.is_autosave for r in revisions)
    event = AuditEvent.objects.get(action=AuditAction.REPORT_EDITED)
    assert event.actor == world.a.organizer and event.city == world.a.city
    assert sorted(event.details["sections"]) == ["problems", "recommendations"]


def test_a_save_with_nothing_changed_says_so(world, login, report):
    client = login(world.a.lead)
    context = section(report, SectionKind.CONTEXT)
    response = client.post(rurl("save", report), _save_data(report, {"context": context.body}))
    assert response.status_code == 302
    assert messages_of(response) == ["Nothing had changed."]
    assert Revision.objects.count() == 1
    assert not events(AuditAction.REPORT_EDITED)


@pytest.fixture
def stale(world, report):
    """City A's organizer saved the problems section after the lead opened the editor:
    the lead's page still holds version 0."""
    write(report, world.a.organizer, "The organizer's words.")
    return report


def _assert_nothing_saved(world, report: Report) -> None:
    s = section(report)
    assert s.body == "The organizer's words."
    assert s.version == 1
    assert Revision.objects.filter(section=s).count() == 1
    assert not Revision.objects.filter(section=s, author=world.a.lead).exists()
    assert not events(AuditAction.REPORT_EDITED, actor=world.a.lead)


def test_a_stale_htmx_save_is_a_409_conflict_and_saves_nothing(world, login, stale):
    client = login(world.a.lead)
    typed = "The lead's words, typed over an old version."
    response = client.post(
        rurl("save", stale), _save_data(stale, {"problems": typed}, {"problems": 0}), **HX
    )
    assert response.status_code == 409
    page = text(response)
    assert "Someone else saved “Key problems and challenges” after you opened this page" in page
    assert 'id="save-status"' in page
    assert "<html" not in page  # the save-status partial only
    # The version inputs are not moved on: nothing may overwrite the other person's words.
    assert "hx-swap-oob" not in page
    _assert_nothing_saved(world, stale)


def test_a_stale_plain_save_keeps_the_typed_text_on_the_page_and_saves_nothing(world, login, stale):
    """Without JavaScript the whole editor comes back, with the typed text in it.
    (The view answers 409 here as well, like the htmx save; see the report.)"""
    client = login(world.a.lead)
    typed = "The lead's words, typed over an old version."
    response = client.post(
        rurl("save", stale), _save_data(stale, {"problems": typed}, {"problems": 0})
    )
    assert response.status_code == 409
    page = html_lib.unescape(text(response))
    assert typed in page
    assert 'id="report-editor"' in page
    assert "Someone else saved “Key problems and challenges”" in page
    _assert_nothing_saved(world, stale)


def test_an_invalid_plain_save_is_422_with_the_typed_text(world, login, report):
    client = login(world.a.lead)
    typed = "Too long. " + "x" * 60_000
    response = client.post(rurl("save", report), _save_data(report, {"problems": typed}))
    assert response.status_code == 422
    assert typed in text(response)
    assert section(report).body == ""
    assert Revision.objects.count() == 1


def test_an_invalid_htmx_save_is_422_with_the_message(world, login, report):
    client = login(world.a.lead)
    s = section(report)
    data = _save_data(report, {"problems": "Words."})
    data[f"version_{s.uuid.hex}"] = "not a number"
    response = client.post(rurl("save", report), data, **HX)
    assert response.status_code == 422
    assert "alert-danger" in text(response)
    assert section(report).body == ""


def test_an_htmx_autosave_returns_the_status_with_fresh_versions(world, login, report):
    client = login(world.a.organizer)
    s = section(report)
    response = client.post(
        rurl("save", report),
        {**_save_data(report, {"problems": "First words."}), "autosave": "1"},
        **HX,
    )
    assert response.status_code == 200
    page = text(response)
    assert "Autosaved at" in page
    assert "<html" not in page
    for each in ReportSection.objects.filter(report=report):
        assert re.search(
            rf'<input type="hidden" name="version_{each.uuid.hex}" '
            rf'id="id_version_{each.uuid.hex}" value="{each.version}" hx-swap-oob="true">',
            page,
        ), each.kind
    revision = Revision.objects.get(section=s)
    assert revision.is_autosave and revision.body == "First words."
    assert not events(AuditAction.REPORT_EDITED)  # autosaves aren't audited one by one

    # The next autosave, from the version the editor now holds, updates the same revision.
    response = client.post(
        rurl("save", report),
        {**_save_data(report, {"problems": "First words, and more."}), "autosave": "1"},
        **HX,
    )
    assert response.status_code == 200
    assert Revision.objects.filter(section=s).count() == 1
    assert Revision.objects.get(section=s).body == "First words, and more."
    assert section(report).version == 2


def test_an_htmx_save_that_is_not_an_autosave_says_saved(world, login, report):
    client = login(world.a.lead)
    response = client.post(rurl("save", report), _save_data(report, {"problems": "W."}), **HX)
    assert response.status_code == 200
    assert "Saved at" in text(response)
    assert "hx-swap-oob" in text(response)
    assert events(AuditAction.REPORT_EDITED) == 1


def test_saving_an_approved_report_withdraws_the_approval(world, login, report):
    approve(world, report)
    client = login(world.a.organizer)
    response = client.post(rurl("save", report), _save_data(report, {"problems": "Changed."}))
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFTING and report.approved_at is None
    assert events(AuditAction.REPORT_APPROVAL_WITHDRAWN, actor=world.a.organizer) == 1


def test_a_submitted_summary_is_read_only(world, login, summary):
    approve(world, summary)
    services.summary_submit(actor=world.a.lead, report=summary)
    client = login(world.a.lead)
    page = text(client.get(rurl("detail", summary)))
    assert 'id="report-editor"' not in page
    assert "It can't be changed unless they reopen it." in page
    # An autosave from an editor left open is refused with the reason.
    response = client.post(
        rurl("save", summary), {**_save_data(summary, {"problems": "Late."}), "autosave": "1"}, **HX
    )
    assert response.status_code == 422
    assert "This summary has been submitted and can't be changed." in html_lib.unescape(
        text(response)
    )
    assert section(summary).body == ""
    assert Revision.objects.filter(section=section(summary)).count() == 0


def test_a_plain_save_on_a_summary_submitted_meanwhile_keeps_the_typed_text(world, login, summary):
    approve(world, summary)
    client = login(world.a.organizer)
    data = _save_data(summary, {"problems": "Words typed while the lead submitted."})
    services.summary_submit(actor=world.a.lead, report=summary)
    response = client.post(rurl("save", summary), data)
    assert response.status_code == 422
    page = html_lib.unescape(text(response))
    assert "This summary has been submitted and can't be changed." in page
    assert "Words typed while the lead submitted." in page


# --------------------------------------------------------------------------- draft, history


def test_draft_from_evidence_asks_first_then_drafts_with_citations(world, login, report, testimony):
    client = login(world.a.organizer)
    page = text(client.get(rurl("draft", report)))
    assert "Draft from evidence" in page
    assert Revision.objects.count() == 1  # a GET changes nothing
    response = client.post(rurl("draft", report), CONFIRM)
    assert response.status_code == 302
    assert response["Location"] == rurl("detail", report)
    citation = Citation.objects.get(report=report)
    assert (citation.testimony, citation.kind) == (testimony, "quote")
    problems = section(report)
    assert f"[[cite:{citation.code}]]" in problems.body
    assert "## Housing" in problems.body
    drafted = Revision.objects.filter(report=report, note="Drafted from evidence")
    assert drafted.count() >= 3 and all(r.author == world.a.organizer for r in drafted)
    assert AuditEvent.objects.get(action=AuditAction.REPORT_DRAFTED).details == {
        "themes": 1,
        "citations": 1,
    }
    # The detail page lists the citation, which is in the text and renders.
    page = text(client.get(rurl("detail", report)))
    assert f"[[cite:{citation.code}]]" in page
    assert "citation-warning" not in page


def test_history_lists_revisions_and_restore_makes_an_old_one_current(world, login, report):
    first = Revision.objects.get(report=report)
    write(report, world.a.lead, "Second context.", SectionKind.CONTEXT)
    client = login(world.a.viewer)
    page = text(client.get(rurl("history", report)))
    assert rurl("revision", report, revision_uuid=first.uuid) in page
    detail = text(client.get(rurl("revision", report, revision_uuid=first.uuid)))
    assert rurl("restore", report, revision_uuid=first.uuid) not in detail  # viewer
    detail = text(login(world.a.organizer).get(rurl("revision", report, revision_uuid=first.uuid)))
    assert rurl("restore", report, revision_uuid=first.uuid) in detail

    response = login(world.a.organizer).post(rurl("restore", report, revision_uuid=first.uuid))
    assert response.status_code == 302
    context = section(report, SectionKind.CONTEXT)
    assert context.body == first.body
    newest = Revision.objects.filter(section=context).order_by("-number").first()
    assert (newest.number, newest.note, newest.author) == (
        3,
        "Restored revision 1",
        world.a.organizer,
    )
    event = AuditEvent.objects.filter(action=AuditAction.REPORT_EDITED).latest("created_at")
    assert event.details == {"sections": ["context"], "restored": 1}


# --------------------------------------------------------------------------- evidence panel


def test_the_evidence_panel_lists_quotable_testimony_only_by_its_redacted_quote(
    world, login, report, testimony
):
    hidden = {
        "unreviewed": quotable(world.a.city, review_status="draft", reviewed_at=None),
        "internal": quotable(world.a.city, consent_level="internal"),
        "withdrawn": quotable(world.a.city, consent_withdrawn_at=timezone.now()),
        "unredacted": quotable(world.a.city, redacted_quote=""),
        "other city": quotable(world.b.city),
    }
    named = quotable(
        world.a.city,
        consent_level="named",
        redacted_quote="Named quote about the bus.",
        speaker_name="Nadia Named",
        speaker_contact="nadia@example.net",
    )
    client = login(world.a.organizer)
    page = text(client.get(rurl("evidence", report)))
    assert testimony.short_ref in page
    assert QUOTE in page
    assert "a resident of the East Side" in page
    assert named.short_ref in page and "Nadia Named" in page  # named consent: by name
    for label, t in hidden.items():
        assert t.short_ref not in page, label
    for secret in (NARRATIVE, "Pemberton", SPEAKER, CONTACT, "nadia@example.net"):
        assert secret not in page
        assert secret not in html_lib.unescape(page)
    for t in hidden.values():
        assert t.narrative not in page


def test_the_evidence_panel_escapes_the_quote(world, login, report):
    t = quotable(world.a.city, redacted_quote='<img src=x onerror="alert(1)"> The rent.')
    page = text(login(world.a.lead).get(rurl("evidence", report)))
    assert t.short_ref in page
    assert "<img src=x" not in page
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; The rent." in page


def test_testimony_of_an_earlier_cycle_is_neither_listed_nor_citable(world, login, report):
    earlier = ReviewCycleFactory(number=3, title="United States — 3rd UPR cycle")
    old = quotable(world.a.city, cycle=earlier, redacted_quote="From the last cycle.")
    client = login(world.a.lead)
    page = text(client.get(rurl("evidence", report)))
    assert old.short_ref not in page and "From the last cycle." not in page
    data = {"kind": "quote", "section": section(report).uuid, "testimony": old.uuid}
    assert client.post(rurl("cite", report), data, **HX).status_code == 404
    assert not Citation.objects.exists()


def test_the_evidence_panel_filters_by_theme_and_answers_htmx_with_the_panel(
    world, login, report, testimony
):
    policing = seeded_theme("policing")
    stops = quotable(world.a.city, redacted_quote="Stopped three times.", themes=[policing])
    client = login(world.a.lead)
    page = text(client.get(rurl("evidence", report)))
    assert testimony.short_ref in page and stops.short_ref in page
    response = client.get(rurl("evidence", report), {"theme": policing.uuid}, **HX)
    panel = text(response)
    assert response.status_code == 200
    assert "<html" not in panel and 'id="evidence-panel"' in panel
    assert stops.short_ref in panel
    assert testimony.short_ref not in panel
    assert f'value="{policing.uuid}" selected' in panel


def test_the_evidence_panel_offers_survey_questions_with_responses(world, login, report):
    survey = SurveyFactory(city=world.a.city, status="open")
    question = SurveyQuestionFactory(survey=survey, kind=QuestionKind.SINGLE)
    SurveyQuestionFactory(survey=survey, kind=QuestionKind.LONG_TEXT)
    SurveyResponseFactory(survey=survey, answers={str(question.uuid): "a"})
    page = text(login(world.a.lead).get(rurl("evidence", report)))
    assert f'name="question" value="{question.uuid}"' in page
    assert page.count('name="question"') == 2  # chart and statistic of the choice question


# --------------------------------------------------------------------------- citations


def test_cite_with_htmx_returns_the_token_and_records_the_citation(world, login, report, testimony):
    s = section(report)
    client = login(world.a.organizer)
    response = client.post(
        rurl("cite", report),
        {"kind": "quote", "section": s.uuid, "testimony": testimony.uuid},
        **HX,
    )
    assert response.status_code == 200
    page = text(response)
    citation = Citation.objects.get(report=report)
    assert re.fullmatch(r"[0-9a-f]{8}", citation.code)
    assert f'data-token="[[cite:{citation.code}]]"' in page
    assert f'data-section="{s.uuid.hex}"' in page
    assert 'id="cite-result"' in page and "<html" not in page
    assert (citation.section, citation.testimony, citation.created_by) == (
        s,
        testimony,
        world.a.organizer,
    )
    # The editor puts the token at the cursor: the server doesn't touch the text.
    assert section(report).body == "" and section(report).version == 0
    event = AuditEvent.objects.get(action=AuditAction.REPORT_CITATION_ADDED)
    assert event.details == {"section": "problems", "code": citation.code}
    assert NARRATIVE not in str(event.details) and QUOTE not in str(event.details)


def test_cite_without_htmx_appends_the_token_to_the_section(world, login, report, testimony):
    write(report, world.a.lead, "Rents rose.")
    client = login(world.a.organizer)
    response = client.post(
        rurl("cite", report),
        {"kind": "quote", "section": section(report).uuid, "testimony": testimony.uuid},
    )
    assert response.status_code == 302
    assert response["Location"] == rurl("detail", report)
    citation = Citation.objects.get(report=report)
    s = section(report)
    assert s.body == f"Rents rose.\n\n[[cite:{citation.code}]]\n"
    revision = Revision.objects.filter(section=s).order_by("-number").first()
    assert (revision.note, revision.author) == ("Citation inserted", world.a.organizer)
    assert messages_of(response) == ["Citation added at the end of “Key problems and challenges”."]


def test_a_survey_chart_can_be_cited(world, login, report):
    survey = SurveyFactory(city=world.a.city, status="open")
    question = SurveyQuestionFactory(survey=survey, kind=QuestionKind.SINGLE)
    client = login(world.a.lead)
    response = client.post(
        rurl("cite", report),
        {"kind": "chart", "section": section(report).uuid, "question": question.uuid},
        **HX,
    )
    assert response.status_code == 200
    assert Citation.objects.get(report=report).question == question


def test_a_survey_statistic_needs_an_answer_to_quote(world, login, report):
    question = SurveyQuestionFactory(
        survey=SurveyFactory(city=world.a.city), kind=QuestionKind.SINGLE
    )
    client = login(world.a.lead)
    data = {"kind": "statistic", "section": section(report).uuid, "question": question.uuid}
    response = client.post(rurl("cite", report), data, **HX)
    assert response.status_code == 422
    assert "Choose the answer whose share you want to quote." in text(response)
    assert not Citation.objects.exists()
    response = client.post(rurl("cite", report), {**data, "option_key": "a"}, **HX)
    assert response.status_code == 200
    assert Citation.objects.get().option_key == "a"


@pytest.mark.parametrize("case", ["other city", "unreviewed", "withdrawn", "internal"])
def test_citing_testimony_that_is_not_citable_here_is_404(world, login, report, case):
    t = {
        "other city": lambda: quotable(world.b.city),
        "unreviewed": lambda: quotable(world.a.city, review_status="draft", reviewed_at=None),
        "withdrawn": lambda: quotable(world.a.city, consent_withdrawn_at=timezone.now()),
        "internal": lambda: quotable(world.a.city, consent_level="internal"),
    }[case]()
    client = login(world.a.lead)
    data = {"kind": "quote", "section": section(report).uuid, "testimony": t.uuid}
    assert client.post(rurl("cite", report), data, **HX).status_code == 404
    assert client.post(rurl("cite", report), data).status_code == 404
    assert not Citation.objects.exists()
    assert section(report).body == ""


def test_citing_another_citys_survey_question_is_404(world, login, report):
    question = SurveyQuestionFactory(
        survey=SurveyFactory(city=world.b.city), kind=QuestionKind.SINGLE
    )
    response = login(world.a.lead).post(
        rurl("cite", report),
        {"kind": "chart", "section": section(report).uuid, "question": question.uuid},
        **HX,
    )
    assert response.status_code == 404
    assert not Citation.objects.exists()


def test_an_incomplete_citation_is_refused_with_a_message(world, login, report):
    client = login(world.a.lead)
    response = client.post(
        rurl("cite", report), {"kind": "quote", "section": section(report).uuid}, **HX
    )
    assert response.status_code == 422
    assert "Choose a testimony to quote." in text(response)
    response = client.post(rurl("cite", report), {"kind": "quote", "section": section(report).uuid})
    assert response.status_code == 302
    assert messages_of(response) == ["Choose a testimony to quote."]
    assert not Citation.objects.exists()


def test_the_editor_warns_about_a_citation_whose_consent_was_withdrawn(
    world, login, report, testimony
):
    client = login(world.a.organizer)
    client.post(
        rurl("cite", report),
        {"kind": "quote", "section": section(report).uuid, "testimony": testimony.uuid},
    )
    page = text(client.get(rurl("detail", report)))
    assert "citation-warning" not in page
    type(testimony).objects.filter(pk=testimony.pk).update(consent_withdrawn_at=timezone.now())
    page = text(client.get(rurl("detail", report)))
    warning = re.search(r'<div class="alert alert-warning citation-warning.*?</div>', page, re.S)
    assert warning, "a visible warning on the citation"
    assert "Consent was withdrawn. The quote is left out of the report." in warning.group(0)
    assert QUOTE not in page and NARRATIVE not in page


# --------------------------------------------------------------------------- rendering


@pytest.fixture
def no_worker(monkeypatch):
    """Record what the render request would queue, and run nothing."""
    queued: list[tuple[int, ...]] = []
    monkeypatch.setattr(
        "reports.services.rendering.enqueue_on_commit", lambda task, *ids: queued.append(ids)
    )
    return queued


def test_render_queues_a_job_and_the_page_polls_it(world, login, report, no_worker):
    client = login(world.a.organizer)
    response = client.post(rurl("render", report))
    assert response.status_code == 302
    assert response["Location"] == rurl("detail", report)
    job = RenderJob.objects.get(report=report)
    assert (job.status, job.kind, job.is_final, job.city) == (
        "queued",
        "report",
        False,
        world.a.city,
    )
    assert job.input_hash == services.report_input(report=report, final=False)[1]
    assert no_worker == [(job.pk,)]
    event = AuditEvent.objects.get(action=AuditAction.REPORT_RENDER_REQUESTED)
    assert event.actor == world.a.organizer

    page = text(client.get(rurl("detail", report)))
    poll = rurl("job", report, job_uuid=job.uuid)
    assert f'hx-get="{poll}?was=queued" hx-trigger="every 1s"' in page
    assert "Queued…" in page
    # While it is queued there is no second button to press.
    assert f'hx-post="{rurl("render", report)}"' not in page

    partial = client.get(poll, {"was": "queued"}, **HX)
    assert partial.status_code == 200
    assert 'hx-trigger="every 1s"' in text(partial) and "<html" not in text(partial)
    assert "HX-Refresh" not in partial

    # A second request for the same text joins the queued job.
    response = client.post(rurl("render", report), **HX)
    assert response.status_code == 200
    assert 'hx-trigger="every 1s"' in text(response)
    assert RenderJob.objects.count() == 1 and len(no_worker) == 1

    # Without htmx the status URL sends the browser back to the page.
    plain = client.get(poll)
    assert plain.status_code == 302 and plain["Location"] == rurl("detail", report)


def test_a_finished_job_offers_its_download_and_reloads_the_page_once(
    world, login, report, committed
):
    write(report, world.a.lead, "Rents rose sharply downtown while wages stayed flat.")
    client = login(world.a.lead)
    response = client.post(rurl("render", report), **HX)
    job = RenderJob.objects.get(report=report)
    assert 'hx-trigger="every 1s"' in text(response)
    committed(services.render_run, job_id=job.pk)  # what the worker does
    job.refresh_from_db()
    assert job.status == RenderStatus.DONE, job.error

    partial = client.get(rurl("job", report, job_uuid=job.uuid), {"was": "running"}, **HX)
    page = text(partial)
    assert partial["HX-Refresh"] == "true"
    assert 'hx-trigger="every 1s"' not in page
    assert rurl("download", report, job_uuid=job.uuid) in page
    assert "Within the page limit." in page
    assert "PDF ready: 1 page" in page

    detail = text(client.get(rurl("detail", report)))
    assert rurl("download", report, job_uuid=job.uuid) in detail
    assert rurl("approve", report) in detail  # the page check passed: approval is offered

    # The same text again reuses the finished PDF and reloads the page.
    again = client.post(rurl("render", report), **HX)
    assert again["HX-Refresh"] == "true"
    assert RenderJob.objects.count() == 1

    response = client.get(rurl("download", report, job_uuid=job.uuid))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="alphaville-report-draft.pdf"'
    assert read_file(response).startswith(b"%PDF")
    event = AuditEvent.objects.get(action=AuditAction.REPORT_DOWNLOADED)
    assert (event.actor, event.city, event.target_id) == (
        world.a.lead,
        world.a.city,
        str(report.uuid),
    )


def test_a_job_that_is_not_done_has_nothing_to_download(world, login, report, no_worker):
    client = login(world.a.lead)
    client.post(rurl("render", report))
    job = RenderJob.objects.get(report=report)
    assert client.get(rurl("download", report, job_uuid=job.uuid)).status_code == 404
    RenderJob.objects.filter(pk=job.pk).update(status=RenderStatus.FAILED, error="Boom.")
    assert client.get(rurl("download", report, job_uuid=job.uuid)).status_code == 404
    page = text(client.get(rurl("detail", report)))
    assert "The PDF could not be made:" in page and "Boom." in page
    assert "Try again" in page
    assert not events(AuditAction.REPORT_DOWNLOADED)


def test_the_final_pdf_downloads_without_the_draft_suffix(world, login, report):
    final = approve(world, report)
    response = login(world.a.viewer).get(rurl("download", report, job_uuid=final.uuid))
    assert response["Content-Disposition"] == 'attachment; filename="alphaville-report.pdf"'
    read_file(response)


# --------------------------------------------------------------------------- decisions


def test_approve_asks_for_a_pdf_first(world, login, report):
    client = login(world.a.lead)
    page = text(client.get(rurl("approve", report)))
    assert "Generate the PDF and check it before approving." in page
    assert 'name="submit"' not in page  # no form while something blocks it
    response = client.post(rurl("approve", report), CONFIRM)
    assert response.status_code == 422
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFTING


def test_approve_shows_the_confirmation_then_approves_and_queues_the_final_pdf(
    world, login, report, no_worker
):
    draft = done_job(report, pages=3)
    client = login(world.a.lead)
    page = text(client.get(rurl("approve", report)))
    assert "You are approving the draft PDF of 3 pages." in page
    assert rurl("download", report, job_uuid=draft.uuid) in page
    assert 'value="Approve"' in page
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFTING  # a GET decides nothing

    response = client.post(rurl("approve", report), CONFIRM)
    assert response.status_code == 302
    assert response["Location"] == rurl("detail", report)
    report.refresh_from_db()
    assert report.status == ReportStatus.APPROVED
    assert report.approved_by == world.a.lead and report.approved_at is not None
    assert report.approved_hash == draft.input_hash
    final = RenderJob.objects.get(report=report, is_final=True)
    assert final.status == RenderStatus.QUEUED and final.requested_by is None
    assert no_worker == [(final.pk,)]
    assert events(AuditAction.REPORT_APPROVED, actor=world.a.lead, city=world.a.city) == 1
    page = text(client.get(rurl("detail", report)))
    assert "The final PDF, without the DRAFT mark, is being made." in page


def test_approve_is_blocked_when_the_pdf_is_over_the_page_limit(world, login, report):
    write(report, world.a.lead, "A very long text, as if.")
    job = done_job(report, pages=7)
    client = login(world.a.lead)
    blocked = "This PDF has 7 pages: 2 over the limit of 5. Shorten the text before approval."
    page = text(client.get(rurl("approve", report)))
    assert blocked in page
    assert 'value="Approve"' not in page
    detail = text(client.get(rurl("detail", report)))
    assert "Page limit:" in detail and blocked in detail
    assert "Not ready to approve:" in detail
    assert rurl("approve", report) not in detail

    response = client.post(rurl("approve", report), CONFIRM)
    assert response.status_code == 422
    assert blocked in text(response)
    report.refresh_from_db()
    assert report.status == ReportStatus.DRAFTING
    assert not events(AuditAction.REPORT_APPROVED)
    assert list(RenderJob.objects.all()) == [job]


def test_approve_is_blocked_when_the_text_changed_after_the_pdf(world, login, report):
    done_job(report)
    write(report, world.a.lead, "A change after the PDF.")
    response = login(world.a.lead).post(rurl("approve", report), CONFIRM)
    assert response.status_code == 422
    assert "The text or its evidence changed since the last PDF." in text(response)


def test_submit_confirms_then_submits_the_summary(world, login, summary):
    final = approve(world, summary)
    client = login(world.a.lead)
    page = text(client.get(rurl("submit", summary)))
    assert "Submit the summary to the national report" in page
    assert "The deadline is" in page and "Late:" not in page
    assert rurl("download", summary, job_uuid=final.uuid) in page
    response = client.post(rurl("submit", summary), CONFIRM)
    assert response.status_code == 302
    assert messages_of(response) == ["Submitted to the national coordinators."]
    summary.refresh_from_db()
    assert summary.status == ReportStatus.SUBMITTED
    assert summary.submitted_by == world.a.lead and not summary.submitted_late
    event = AuditEvent.objects.get(action=AuditAction.REPORT_SUBMITTED)
    assert event.details == {"late": False} and event.city == world.a.city


def test_submit_after_the_deadline_is_accepted_and_marked_late(world, login, summary):
    final = approve(world, summary)
    world.cycle.local_report_due = timezone.localdate() - datetime.timedelta(days=3)
    world.cycle.save()
    client = login(world.a.lead)
    page = text(client.get(rurl("submit", summary)))
    assert "The summary is still accepted, but marked late." in page
    response = client.post(rurl("submit", summary), CONFIRM, follow=True)
    assert response.status_code == 200
    page = text(response)
    assert "Submitted after the deadline: it is accepted and marked late." in page
    assert "it came after the deadline, so it is accepted and marked late." in page
    summary.refresh_from_db()
    assert summary.status == ReportStatus.SUBMITTED and summary.submitted_late
    assert AuditEvent.objects.get(action=AuditAction.REPORT_SUBMITTED).details == {"late": True}
    assert rurl("download", summary, job_uuid=final.uuid) in page


def test_submit_before_the_final_pdf_is_ready_waits_for_it(world, login, summary, no_worker):
    done_job(summary)
    services.report_approve(actor=world.a.lead, report=summary)
    response = login(world.a.lead).post(rurl("submit", summary), CONFIRM)
    assert response.status_code == 422
    assert "The final PDF is being made" in text(response)
    summary.refresh_from_db()
    assert summary.status == ReportStatus.APPROVED
    # The queued final job is reused, not duplicated.
    assert RenderJob.objects.filter(report=summary, is_final=True).count() == 1


def test_submit_of_a_summary_that_is_not_approved_is_refused(world, login, summary):
    response = login(world.a.lead).post(rurl("submit", summary), CONFIRM)
    assert response.status_code == 422
    assert "Approve the document first." in text(response)
    summary.refresh_from_db()
    assert summary.status == ReportStatus.DRAFTING


def test_publish_confirms_then_publishes_a_version(world, login, report):
    final = approve(world, report)
    client = login(world.a.lead)
    page = text(client.get(rurl("publish", report)))
    assert "Publish the local report on the city page" in page
    assert "The final PDF has 2 pages." in page
    assert not Publication.objects.exists()
    response = client.post(rurl("publish", report), CONFIRM)
    assert response.status_code == 302
    assert messages_of(response) == ["Published as version 1 on the city's public page."]
    publication = Publication.objects.get(report=report)
    assert (publication.version, publication.city, publication.render_job) == (
        1,
        world.a.city,
        final,
    )
    assert publication.file.name == final.file.name
    assert publication.published_by == world.a.lead and publication.is_current
    assert events(AuditAction.REPORT_PUBLISHED, city=world.a.city) == 1
    detail = text(client.get(rurl("detail", report)))
    assert reverse("public:report_download", args=[world.a.city.slug, publication.uuid]) in detail
    assert "Current" in detail

    # The same final PDF can't be published twice.
    again = client.post(rurl("publish", report), CONFIRM)
    assert again.status_code == 422
    assert "This version is already published." in text(again)
    assert Publication.objects.count() == 1
