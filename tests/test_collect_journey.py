"""Issue 3's "done means", through the real pages, as the demo organizer would do it:
create a consultation; log three testimonies with different consent levels and an
attachment; import a CSV of paper forms with one bad row, fix it and re-import it;
search for a word, filter by theme, and see restricted fields only where the role allows.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from PIL import Image

from accounts.models import User
from cities.models import AuditAction, AuditEvent, City, Theme
from consultations.models import Consultation, ImportBatch, ImportStatus, Testimony
from tests.conftest import enrol_totp
from upr_portal.lib.demo import DEMO_DOMAIN, DEMO_PASSWORD

pytestmark = pytest.mark.django_db

EXAMPLES = Path(settings.BASE_DIR) / "docs" / "examples"


def _login(client, local: str) -> User:
    user = User.objects.get(email=f"{local}@{DEMO_DOMAIN}")
    client.logout()
    if local in ("lead", "coordinator"):
        # They log in with a TOTP code too (tested in tests/accounts); skip that step here.
        enrol_totp(user)
        client.force_login(user)
        return user
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302
    return user


def _photo_with_gps() -> bytes:
    image = Image.new("RGB", (40, 30), "red")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (47.0, 36.0, 0.0)}  # GPSInfo
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_a_newcomer_organizer_collects_testimony_end_to_end(client, committed):
    call_command("seed_demo")
    city = City.objects.get(slug="harbor-falls-wa")
    organizer = _login(client, "organizer")
    app = f"/app/cities/{city.uuid}/"

    # 1. Create a consultation.
    response = client.post(
        reverse("consultations:consultation_create", args=[city.uuid]),
        {
            "title": "Listening session on water bills",
            "kind": "listening_session",
            "status": "held",
            "starts_at": "2026-10-03T18:00",
            "place": "Southside Library",
            "accessibility_notes": "Step-free; Spanish interpretation",
            "languages": ["en", "es"],
            "themes": [Theme.objects.get(slug="water-environment").pk],
            "attendance": "27",
            "is_public": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    consultation = Consultation.objects.get(title="Listening session on water bills")
    assert consultation.city == city and consultation.created_by == organizer

    # 2. Log three testimonies with different consent levels.
    water = Theme.objects.get(slug="water-environment")
    health = Theme.objects.get(slug="health")
    entries = [
        ("internal", "Our water was shut off for three weeks in winter.", "Ruth Gaines"),
        ("anonymous", "Shutoff notices only come in English, never in Spanish.", "Luis Ortega"),
        ("named", "The new water affordability plan cut my bill in half.", "Mae Brooks"),
    ]
    for consent, narrative, name in entries:
        response = client.post(
            reverse("consultations:testimony_create", args=[city.uuid]),
            {
                "consultation": consultation.pk,
                "narrative": narrative,
                "themes": [water.pk, health.pk] if consent == "internal" else [water.pk],
                "nature": "positive" if consent == "named" else "problem",
                "area": "Southside",
                "source": "event",
                "language": "en",
                "consent_level": consent,
                "consent_method": "verbal",
                "speaker_name": name,
                "speaker_contact": f"{name.split()[0].lower()}@example.org",
            },
        )
        assert response.status_code == 302, response.content.decode()[:2000]
    logged = Testimony.objects.filter(consultation=consultation)
    assert sorted(logged.values_list("consent_level", flat=True)) == [
        "anonymous",
        "internal",
        "named",
    ]
    shutoff = logged.get(consent_level="internal")

    # ... and an attachment, whose GPS data is stripped.
    response = client.post(
        reverse("consultations:attachment_upload", args=[city.uuid, shutoff.uuid]),
        {"file": SimpleUploadedFile("ruth-gaines.jpg", _photo_with_gps(), "image/jpeg")},
    )
    assert response.status_code == 302
    attachment = shutoff.attachments.get()
    assert "ruth" not in attachment.file.name
    with attachment.file.open("rb") as fh:
        assert not Image.open(fh).getexif()

    # 3. Import paper forms with one bad row: nothing is imported, the row is named.
    bad = (EXAMPLES / "paper-forms-with-an-error.csv").read_bytes()
    response = client.post(
        reverse("consultations:import_start", args=[city.uuid]),
        {"file": SimpleUploadedFile("forms.csv", bad, "text/csv")},
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "housng" in page and "4" in page
    assert not ImportBatch.objects.filter(city=city).exists()

    # Fix it and re-import: preview, confirm, and it runs as a job.
    fixed = (EXAMPLES / "paper-forms-fixed.csv").read_bytes()
    response = client.post(
        reverse("consultations:import_start", args=[city.uuid]),
        {"file": SimpleUploadedFile("forms.csv", fixed, "text/csv")},
    )
    assert response.status_code == 302
    batch = ImportBatch.objects.get(city=city)
    assert batch.status == ImportStatus.PREVIEW and batch.row_count == 3
    committed(client.post, reverse("consultations:import_confirm", args=[city.uuid, batch.uuid]))
    batch.refresh_from_db()
    assert batch.status == ImportStatus.DONE and batch.imported_rows == 3
    progress = client.get(reverse("consultations:import_detail", args=[city.uuid, batch.uuid]))
    assert progress.status_code == 200

    # The same file again is recognised and nothing is duplicated.
    response = client.post(
        reverse("consultations:import_start", args=[city.uuid]),
        {"file": SimpleUploadedFile("again.csv", fixed, "text/csv")},
    )
    assert response.status_code == 409
    assert Testimony.objects.filter(import_batch__city=city).count() == 3

    # 4. Search for a word ("notice" finds "notices": English stemming).
    listing = client.get(app + "testimony/", {"q": "notice"})
    found = {t.uuid for t in listing.context["page"].object_list}
    assert logged.get(consent_level="anonymous").uuid in found
    assert shutoff.uuid not in found
    assert all(t.city_id == city.pk for t in listing.context["page"].object_list)
    # Filter by theme.
    listing = client.get(app + "testimony/", {"theme": str(health.uuid)})
    by_theme = {t.uuid for t in listing.context["page"].object_list}
    assert shutoff.uuid in by_theme
    assert logged.get(consent_level="named").uuid not in by_theme

    # Restricted fields: the organizer who logged it sees them (audited)...
    detail = client.get(reverse("consultations:testimony_detail", args=[city.uuid, shutoff.uuid]))
    assert "Ruth Gaines" not in detail.content.decode()  # hidden until asked for
    reveal = client.get(
        reverse("consultations:testimony_restricted", args=[city.uuid, shutoff.uuid])
    )
    assert reveal.status_code == 200 and "Ruth Gaines" in reveal.content.decode()
    assert AuditEvent.objects.filter(
        action=AuditAction.TESTIMONY_RESTRICTED_VIEWED, actor=organizer
    ).exists()

    # ... the viewer and the national coordinator don't.
    for local in ("viewer", "coordinator"):
        _login(client, local)
        detail = client.get(
            reverse("consultations:testimony_detail", args=[city.uuid, shutoff.uuid])
        )
        assert detail.status_code == 200
        assert "Ruth Gaines" not in detail.content.decode()
        reveal = client.get(
            reverse("consultations:testimony_restricted", args=[city.uuid, shutoff.uuid])
        )
        assert reveal.status_code == 403
