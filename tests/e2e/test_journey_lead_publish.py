"""Issue 5, in the browser: the demo city lead (Harbor Falls) drafts the summary from the
evidence, edits it, inserts two citations from the evidence panel (the editor's script
puts each token in its section and autosaves), generates the PDF while the page shows its
progress, sees the page check, approves and submits it; then drafts, renders, approves
and publishes the local report, which the city's public page then offers."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from reports.models import Citation, DocumentKind, Publication, Report, ReportStatus
from tests.e2e._compile_helpers import (
    assert_pdf,
    demo_log_in,
    demo_world,
    download,
)

PLACEHOLDER = "[Describe how the consultations were run and who took part.]"
METHOD = "We held listening sessions with tenants' unions and faith communities."
# In the demo testimony's narrative, never in its redacted quote: must never print.
UNREDACTED = ("Maria Alvarez", "1423 N. Elm Street", "(555) 201-7788", "jordan.reyes@example.org")


def _message(page: Page, text: str) -> None:
    """The flash message at the top of the page."""
    expect(page.locator(".messages .alert")).to_contain_text(text)


def _editor_ready(page: Page) -> None:
    """The detail page with its evidence panel loaded (htmx, on load)."""
    expect(page.locator("#evidence-panel")).to_be_visible()


def _start(page: Page, snap, label: str) -> None:
    """From the Reports page, start a document in English; the editor opens."""
    page.get_by_role("navigation", name="Harbor Falls pages").get_by_role(
        "link", name="Reports"
    ).click()
    expect(page.get_by_role("heading", name="Reports", level=1)).to_be_visible()
    snap(page, f"reports-before-{label}")
    page.get_by_role("button", name=f"Start {label}").click()
    _editor_ready(page)
    snap(page, f"{label}-editor-new")


def _draft_from_evidence(page: Page, snap, label: str) -> None:
    page.get_by_role("link", name="Draft from evidence").click()
    expect(page.get_by_role("heading", name="Draft from evidence", level=1)).to_be_visible()
    snap(page, f"{label}-draft-confirm")
    page.get_by_role("button", name="Draft from evidence").click()
    _message(page, "Drafted from the evidence.")
    _editor_ready(page)


def _generate_and_check(page: Page, snap, label: str, limit: str) -> bytes:
    """Click "Generate PDF", see the progress, then the page check; download the draft."""
    render_job = page.locator("#render-job")
    page.get_by_role("button", name="Generate PDF").click()
    # The answer shows the job queued and polls it every second; once it is done the
    # page reloads with the result.
    expect(render_job.locator("progress")).to_be_visible()
    expect(render_job.locator("#render-status")).to_have_text(re.compile(r"Queued…|Rendering…"))
    expect(page.get_by_text("Within the page limit.")).to_be_visible(timeout=30_000)
    expect(render_job).to_contain_text(f"(limit: {limit})")
    expect(render_job).to_contain_text(re.compile(r"PDF ready: \d+ pages?"))
    expect(
        page.get_by_text("The latest PDF matches the text and fits the page limit.")
    ).to_be_visible()
    _editor_ready(page)
    snap(page, f"{label}-pdf-checked")
    draft = download(page, render_job.get_by_role("link", name="Download the PDF"))
    assert draft.filename.endswith("-draft.pdf")
    _pages, text = assert_pdf(draft.content)
    assert "DRAFT" in text
    return draft.content


def _approve(page: Page, snap, label: str) -> str:
    """Approve the checked PDF; the final one (no DRAFT mark) is made. Returns its text."""
    page.get_by_role("link", name="Approve…").click()
    expect(
        page.get_by_text(re.compile(r"You are approving the draft PDF of \d+ pages?"))
    ).to_be_visible()
    snap(page, f"{label}-approve")
    page.get_by_role("button", name="Approve", exact=True).click()
    _message(page, "Approved. The final PDF, without the DRAFT mark")
    expect(page.get_by_text(re.compile(r"The final PDF is ready: \d+ pages?"))).to_be_visible()
    _editor_ready(page)
    snap(page, f"{label}-approved")
    final = download(page, page.get_by_role("link", name="Download the final PDF"))
    _pages, text = assert_pdf(final.content)
    assert "DRAFT" not in text
    assert "Harbor Falls" in text
    for secret in UNREDACTED:
        assert secret not in text
    return text


def test_the_city_lead_drafts_cites_renders_approves_submits_and_publishes(page, snap):
    demo_world(reports=False, accountability=False)  # Harbor Falls' evidence is enough
    demo_log_in(page, "lead", snap=snap)

    page.goto("/app/")
    snap(page, "dashboard")
    page.get_by_role("link", name="Harbor Falls").first.click()
    expect(page.get_by_role("heading", name="Harbor Falls", level=1)).to_be_visible()
    snap(page, "city-home")

    # ------------------------------------------------------------------ the summary
    _start(page, snap, "Summary for the national report")
    summary = Report.objects.get(kind=DocumentKind.SUMMARY, city__slug="harbor-falls-wa")
    _draft_from_evidence(page, snap, "summary")
    drafted = Citation.objects.filter(report=summary).count()
    assert drafted >= 1  # the strongest quotable testimony under each theme

    # Edit: the draft's placeholder for the method becomes real text.
    context = page.get_by_label("Context and method", exact=True)
    body = context.input_value()
    assert PLACEHOLDER in body
    context.fill(body.replace(PLACEHOLDER, METHOD))
    expect(page.locator("#word-total")).to_contain_text("words in all")
    page.get_by_role("button", name="Save", exact=True).click()
    _message(page, "Saved.")
    _editor_ready(page)
    snap(page, "summary-edited")
    assert METHOD in page.get_by_label("Context and method", exact=True).input_value()

    # Two citations from the evidence panel: each token lands in its section and is
    # autosaved with the text.
    items = page.locator("#evidence-panel .evidence-item").filter(
        has=page.get_by_role("button", name=re.compile("^Insert quote"))
    )
    assert items.count() >= 2
    for index, section in enumerate(("Key problems and challenges", "Positives and progress")):
        item = items.nth(index)
        item.get_by_label("Insert in").select_option(label=section)
        with page.expect_response(
            lambda r: r.url.endswith("/save/") and r.request.method == "POST"
        ) as saved:
            item.get_by_role("button", name=re.compile("^Insert quote")).click()
        assert saved.value.ok, saved.value.status
        token = page.locator("#cite-result").get_attribute("data-token")
        assert token and re.fullmatch(r"\[\[cite:[0-9a-f]{8}\]\]", token)
        expect(page.locator("#cite-result")).to_contain_text(f"Citation {token} inserted")
        expect(page.get_by_label(section, exact=True)).to_have_value(re.compile(re.escape(token)))
        expect(page.locator("#save-status")).to_contain_text("Autosaved at")
    snap(page, "summary-citations-inserted")
    assert Citation.objects.filter(report=summary).count() == drafted + 2
    bodies = "\n".join(summary.sections.values_list("body", flat=True))
    assert all(c.code in bodies for c in Citation.objects.filter(report=summary))

    # The citations list, after a reload: every one is in the text and can be used.
    page.reload()
    _editor_ready(page)
    citations = page.locator(".citation-list .citation-item")
    expect(citations).to_have_count(drafted + 2)
    expect(page.locator(".citation-warning")).to_have_count(0)
    expect(page.get_by_text("Not in the text:")).to_have_count(0)
    snap(page, "summary-citations-listed")

    # Generate the PDF, watch it, see the page check; approve; submit.
    _generate_and_check(page, snap, "summary", "1–2 pages")
    final_text = _approve(page, snap, "summary")
    assert "raised the rent by 40 percent" in final_text  # a cited, redacted quote
    page.get_by_role("link", name="Submit to the national report…").click()
    expect(page.get_by_text(re.compile(r"The deadline is "))).to_be_visible()
    snap(page, "summary-submit")
    page.get_by_role("button", name="Submit to the national report", exact=True).click()
    _message(page, "Submitted to the national coordinators.")
    expect(
        page.get_by_text(re.compile(r"It can't be changed unless they reopen it"))
    ).to_be_visible()
    snap(page, "summary-submitted")
    summary.refresh_from_db()
    assert summary.status == ReportStatus.SUBMITTED and not summary.submitted_late

    # ------------------------------------------------------------------ the local report
    _start(page, snap, "Local report")
    report = Report.objects.get(kind=DocumentKind.REPORT, city__slug="harbor-falls-wa")
    _draft_from_evidence(page, snap, "report")
    snap(page, "report-drafted")
    _generate_and_check(page, snap, "report", "at most 5 pages")
    _approve(page, snap, "report")
    page.get_by_role("link", name="Publish on the city page…").click()
    expect(
        page.get_by_role("heading", name="Publish the local report on the city page")
    ).to_be_visible()
    snap(page, "report-publish")
    page.get_by_role("button", name="Publish on the city page", exact=True).click()
    _message(page, "Published as version 1 on the city's public page.")
    published = page.locator("section").filter(
        has=page.get_by_role("heading", name="Published versions")
    )
    expect(published).to_contain_text("Version 1")
    expect(published).to_contain_text("Current")
    _editor_ready(page)
    snap(page, "report-published")
    assert Publication.objects.get(report=report).version == 1

    # The city's public page offers it.
    page.get_by_role("link", name="See the city's public page").click()
    expect(page.get_by_role("heading", name="Harbor Falls", level=1)).to_be_visible()
    expect(page.get_by_text(re.compile(r"Version 1, published"))).to_be_visible()
    expect(
        page.get_by_role("link", name=re.compile(r"Download the local report \(PDF, \d+ pages?"))
    ).to_be_visible()
    snap(page, "public-city-page")
