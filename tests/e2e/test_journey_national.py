"""Issue 5, in the browser: the national coordinator, with two-factor authentication,
compiles the national report from the submitted summaries (the demo's Mesa Verde one)
and downloads it as a PDF and as a Word file."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from reports.models import NationalCompilation, RenderStatus
from tests.e2e._compile_helpers import (
    DOCX,
    PDF,
    assert_docx,
    assert_pdf,
    demo_log_in,
    demo_world,
    download,
    fetch,
    href,
)

# In the demo testimony's narrative, never in its redacted quote: must never print.
UNREDACTED = ("Maria Alvarez", "1423 N. Elm Street", "(555) 201-7788", "jordan.reyes@example.org")


def test_the_coordinator_compiles_the_national_report_as_pdf_and_docx(page, snap):
    demo_world(accountability=False)  # Mesa Verde's summary is submitted
    demo_log_in(page, "coordinator", snap=snap)

    page.goto("/app/national/")
    snap(page, "national-console")
    page.get_by_role("link", name="Reports dashboard").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Reports:")
    snap(page, "reports-dashboard")
    mesa = page.get_by_role("row").filter(has_text="Mesa Verde")
    expect(mesa).to_contain_text("Submitted")
    expect(page.get_by_text("1 summary has been submitted.")).to_be_visible()

    page.get_by_label("Language of the national report").select_option("en")
    page.get_by_role("button", name="Compile the national report").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("National report compiled on")
    # Both files are made by the (eager) worker: the page stops polling and offers them.
    jobs = page.locator("#compilation-jobs")
    expect(jobs.locator("progress")).to_have_count(0)
    expect(jobs).to_contain_text("words; the limit is")
    snap(page, "compilation")
    compilation = NationalCompilation.objects.get()
    assert compilation.city_count == 1
    assert {job.status for job in compilation.render_jobs.all()} == {RenderStatus.DONE}

    links = jobs.get_by_role("link", name=re.compile(r"^Download"))
    expect(links).to_have_count(2)
    texts: dict[str, str] = {}
    for link in links.all():
        served = fetch(page, href(link))
        assert served.status == 200
        content_type = served.headers["content-type"]
        assert served.headers["content-disposition"].startswith("attachment;")
        saved = download(page, link)
        assert saved.content == served.content
        if content_type == PDF:
            assert saved.filename.endswith(".pdf")
            _pages, texts[PDF] = assert_pdf(saved.content)
        else:
            assert content_type == DOCX, content_type
            assert saved.filename.endswith(".docx")
            texts[DOCX] = assert_docx(saved.content)
    assert set(texts) == {PDF, DOCX}
    for text in texts.values():
        assert "Mesa Verde" in text
        for secret in UNREDACTED:
            assert secret not in text
    assert "DRAFT" not in texts[PDF]
