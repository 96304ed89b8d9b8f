"""Issue 3's "done means" in a browser: an organizer creates a consultation, logs
testimony with different consent levels and an attachment, imports a CSV of paper forms
with one bad row, sees the error, fixes the file and re-imports it.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

from django.conf import settings
from PIL import Image
from playwright.sync_api import expect

from consultations.models import Consultation, ImportBatch, ImportStatus, Testimony
from tests.e2e.conftest import log_in

EXAMPLES = Path(settings.BASE_DIR) / "docs" / "examples"


def _photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), "teal").save(out, format="JPEG")
    return out.getvalue()


def test_organizer_logs_a_consultation_testimony_and_imports_paper_forms(page, world, visit, snap):
    city = world.a.city
    log_in(page, world.a.organizer.email, snap=snap)
    snap(page, "dashboard")
    page.get_by_role("link", name="Alphaville").first.click()
    snap(page, "city-home")

    # 1. A consultation, from the city's pages.
    nav = page.get_by_role("navigation", name="Alphaville pages")
    nav.get_by_role("link", name="Consultations").click()
    snap(page, "consultations")
    page.get_by_role("link", name="New consultation").first.click()
    snap(page, "consultation-form")
    page.get_by_label("Title").fill("Listening session on water bills")
    page.get_by_label("Kind of event").select_option(label="Listening session")
    page.get_by_label("Status").select_option(label="Held")
    page.get_by_label("Date and time").fill("2026-10-03T18:00")
    page.get_by_label("Place", exact=True).fill("Southside Library")
    page.get_by_label("Accessibility notes").fill("Step-free; Spanish interpretation")
    languages = page.get_by_role("group", name="Languages offered")
    languages.get_by_label("English").check()
    languages.get_by_label("Spanish").check()
    page.get_by_role("group", name="Themes").get_by_label("Water, sanitation").check()
    page.get_by_label("Attendance").fill("27")
    page.get_by_label("Show on the city's public page").check()
    page.get_by_role("button", name="Save consultation").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Listening session on water bills")
    snap(page, "consultation-detail")
    consultation = Consultation.objects.get(title="Listening session on water bills")
    assert consultation.city == city and consultation.created_by == world.a.organizer
    assert consultation.attendance == 27 and sorted(consultation.languages) == ["en", "es"]

    # 2. Testimony from this event: one internal-only with the speaker's name, one that
    # may be quoted anonymously; the first gets a photo attached.
    entries = [
        ("Internal only", "Our water was shut off for three weeks in winter.", "Ruth Gaines"),
        ("Anonymous quote allowed", "Shutoff notices only come in English.", ""),
    ]
    for consent, narrative, speaker in entries:
        page.get_by_role("link", name="Log testimony from this event").first.click()
        snap(page, f"testimony-form-{consent}")
        assert page.get_by_label("Consultation").input_value() == str(consultation.pk) or (
            "Listening session" in page.get_by_label("Consultation").inner_text()
        )
        page.get_by_label("Testimony", exact=False).first.fill(narrative)
        page.get_by_role("group", name="Themes").get_by_label("Water, sanitation").check()
        page.get_by_role("group", name="Describes").get_by_label("A problem").check()
        page.get_by_label("Neighborhood or area").fill("Southside")
        page.get_by_label("Source").select_option(label="Spoken at an event")
        page.get_by_role("group", name="Consent*", exact=True).get_by_label(consent).check()
        page.get_by_role("group", name="Consent given").get_by_label("Verbal").check()
        if speaker:
            page.get_by_label("Speaker's name").fill(speaker)
        page.get_by_role("button", name="Save testimony").click()
        page.wait_for_load_state("load")
        snap(page, f"testimony-detail-{consent}")
        expect(page.get_by_text(narrative).first).to_be_visible()
        if speaker:
            # The restricted name is not on the page until asked for.
            assert speaker not in page.content()
            page.get_by_label("Audio, photo or document").set_input_files(
                files=[{"name": "ruth.jpg", "mimeType": "image/jpeg", "buffer": _photo()}]
            )
            page.get_by_role("button", name=re.compile("upload|attach|add", re.I)).click()
            page.wait_for_load_state("load")
            snap(page, "testimony-with-attachment")
        page.goto(f"/app/cities/{city.uuid}/consultations/{consultation.uuid}/")
    logged = Testimony.objects.filter(consultation=consultation)
    assert sorted(logged.values_list("consent_level", flat=True)) == ["anonymous", "internal"]
    internal = logged.get(consent_level="internal")
    assert internal.speaker_name == "Ruth Gaines"
    assert internal.attachments.count() == 1

    # 3. Paper forms with a misspelt theme on line 4: nothing is imported, the row is named.
    nav = page.get_by_role("navigation", name="Alphaville pages")
    nav.get_by_role("link", name="Import").click()
    snap(page, "import-start")
    page.get_by_label("CSV file").set_input_files(EXAMPLES / "paper-forms-with-an-error.csv")
    page.get_by_role("button", name="Check the file").click()
    errors = page.locator("#import-errors")
    expect(errors).to_be_visible()
    expect(errors).to_be_focused()
    expect(errors).to_contain_text("housng")
    expect(errors.get_by_role("row").nth(1)).to_contain_text("4")
    snap(page, "import-errors")
    assert not ImportBatch.objects.filter(city=city).exists()

    # Fixed: a preview, then the import runs as a job and reports what it did.
    page.get_by_label("CSV file").set_input_files(EXAMPLES / "paper-forms-fixed.csv")
    page.get_by_role("button", name="Check the file").click()
    page.wait_for_load_state("load")
    snap(page, "import-preview")
    page.get_by_role("button", name="Import 3 testimonies").click()
    progress = page.locator("#import-progress")
    expect(progress).to_contain_text("Imported: 3 testimonies", timeout=20_000)
    snap(page, "import-done")
    batch = ImportBatch.objects.get(city=city)
    assert batch.status == ImportStatus.DONE and batch.imported_rows == 3
    assert Testimony.objects.filter(import_batch=batch).count() == 3

    # The imported rows are in the testimony list.
    page.get_by_role("link", name="See the testimony").click()
    snap(page, "testimony-list")
    rows = page.get_by_role("table").get_by_role("row")
    expect(rows).to_have_count(6)  # a header and five testimonies
    expect(page.get_by_role("cell", name="Family shelter refused a teenage boy")).to_be_visible()

    # A word search from the keyboard ("notice" finds "notices": English stemming).
    page.get_by_role("searchbox", name="Search").fill("notice")
    page.get_by_role("searchbox", name="Search").press("Enter")
    page.wait_for_load_state("load")
    snap(page, "testimony-search")
    expect(rows).to_have_count(2)
    expect(page.get_by_role("cell", name="Shutoff notices only come in English.")).to_be_visible()
