"""Testimony attachments: type by content, size limits (413), metadata stripped, UUID
names in private storage, and downloads only for the city's organizers and lead."""

from __future__ import annotations

import io
import re
import wave

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from cities.models import AuditAction, AuditEvent
from consultations import services
from consultations.models import Attachment, AttachmentKind
from consultations.services.attachments import MAX_ATTACHMENTS_PER_TESTIMONY
from tests.conftest import ROLES, assert_login_redirect, user_for
from tests.consultations.conftest import messages_of, turl
from tests.factories import TestimonyFactory

pytestmark = pytest.mark.django_db

EDIT_MATRIX = {
    "anonymous": "login",
    "outsider": 404,
    "viewer": 403,
    "organizer": 200,
    "lead": 200,
    "other_lead": 404,
    "coordinator": 403,
}
GPS_IFD = 0x8825


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(out, "PNG")
    return out.getvalue()


def _jpeg_with_exif(orientation: int = 1) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[0x0110] = "Model X"  # Model
    exif[0x0112] = orientation
    exif[GPS_IFD] = {1: "N", 2: (45.0, 31.0, 12.0), 3: "W", 4: (122.0, 40.0, 30.0)}
    out = io.BytesIO()
    Image.new("RGB", (40, 20), "red").save(out, "JPEG", exif=exif)
    return out.getvalue()


def _wav() -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\x00\x00" * 800)
    return out.getvalue()


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _file(name: str, data: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def _upload(client, testimony, name: str, data: bytes, **extra):
    return client.post(turl("attachment_upload", testimony), {"file": _file(name, data)}, **extra)


def _download(client, url):
    """GET a download and read it all: the test client closes the file once the stream
    is exhausted (closing it again here would close the test's database connection)."""
    response = client.get(url)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


@pytest.fixture
def attachment(world, testimony):
    return services.attachment_add(
        actor=world.a.organizer, testimony=testimony, upload=_file("rosalind-voice.png", _png())
    )


# --------------------------------------------------------------------------- type and size


@pytest.mark.parametrize(
    ("name", "data", "kind", "extension"),
    [
        ("scan.pdf", _png(), AttachmentKind.IMAGE, "png"),  # a PNG renamed .pdf
        ("photo.jpg", _jpeg_with_exif(), AttachmentKind.IMAGE, "jpg"),
        ("statement.txt", PDF, AttachmentKind.DOCUMENT, "pdf"),
        ("voice-note", _wav(), AttachmentKind.AUDIO, "wav"),
    ],
)
def test_the_type_comes_from_the_content_not_the_name(
    world, login, testimony, name, data, kind, extension
):
    response = _upload(login(world.a.organizer), testimony, name, data)
    assert response.status_code == 302
    assert response["Location"] == turl("testimony_detail", testimony) + "#attachments"
    attachment = Attachment.objects.get()
    assert (attachment.kind, attachment.extension) == (kind, extension)
    assert attachment.city == world.a.city
    assert attachment.uploaded_by == world.a.organizer
    assert attachment.file.name.endswith(f".{extension}")


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("photo.jpg", b"Just some words typed into a text file, not a photo at all."),
        ("clip.mp3", b"#!/bin/sh\necho pwned\n"),
        ("page.pdf", b"<html><script>alert(1)</script></html>"),
        ("logo.png", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        ("empty.png", b""),
    ],
)
def test_other_content_is_refused_whatever_its_name(
    world, login, testimony, new_private_files, name, data
):
    response = _upload(login(world.a.organizer), testimony, name, data)
    assert response.status_code == 302
    assert messages_of(response)
    assert not Attachment.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.ATTACHMENT_ADDED).exists()
    assert new_private_files() == set()


def test_a_file_over_the_attachment_limit_is_refused_by_size(
    world, testimony, settings, new_private_files
):
    settings.ATTACHMENT_MAX_BYTES = 1024
    with pytest.raises(services.AttachmentRejected) as exc:
        services.attachment_add(
            actor=world.a.organizer, testimony=testimony, upload=_file("big.wav", _wav())
        )
    assert "larger than 1.0" in exc.value.messages[0]
    assert not Attachment.objects.exists()
    assert new_private_files() == set()


def test_an_oversized_upload_gets_413_and_nothing_is_stored(
    world, login, testimony, new_private_files
):
    response = _upload(
        login(world.a.organizer),
        testimony,
        "huge.png",
        _png(),
        CONTENT_LENGTH=str(30 * 1024 * 1024),
    )
    assert response.status_code == 413
    assert "File too large" in response.content.decode()
    assert not Attachment.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.ATTACHMENT_ADDED).exists()
    assert new_private_files() == set()


def test_a_testimony_holds_a_limited_number_of_attachments(world, testimony):
    for n in range(MAX_ATTACHMENTS_PER_TESTIMONY):
        services.attachment_add(
            actor=world.a.organizer, testimony=testimony, upload=_file(f"{n}.pdf", PDF)
        )
    with pytest.raises(services.AttachmentRejected):
        services.attachment_add(
            actor=world.a.organizer, testimony=testimony, upload=_file("one-more.pdf", PDF)
        )
    assert testimony.attachments.count() == MAX_ATTACHMENTS_PER_TESTIMONY


def test_withdrawn_testimony_takes_no_attachments(world, testimony):
    services.testimony_withdraw_consent(actor=world.a.lead, testimony=testimony)
    testimony.refresh_from_db()
    with pytest.raises(services.AttachmentRejected):
        services.attachment_add(
            actor=world.a.organizer, testimony=testimony, upload=_file("x.pdf", PDF)
        )
    assert not Attachment.objects.exists()


# --------------------------------------------------------------------------- what is stored


def test_photos_are_stored_without_exif_or_gps(world, testimony):
    original = _jpeg_with_exif()
    with Image.open(io.BytesIO(original)) as before:
        assert before.getexif().get_ifd(GPS_IFD)  # the test photo really carries a location
    attachment = services.attachment_add(
        actor=world.a.organizer, testimony=testimony, upload=_file("IMG_0001.jpg", original)
    )
    with attachment.file.open("rb") as fh, Image.open(fh) as stored:
        exif = stored.getexif()
        assert dict(exif) == {}
        assert exif.get_ifd(GPS_IFD) == {}
        assert "exif" not in stored.info
        assert stored.size == (40, 20)
    assert b"SpyCam" not in attachment.file.open("rb").read()
    attachment.file.close()


def test_png_text_metadata_is_dropped(world, testimony):
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Comment", "Taken at 1423 N. Elm Street")
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "green").save(out, "PNG", pnginfo=info)
    attachment = services.attachment_add(
        actor=world.a.organizer, testimony=testimony, upload=_file("map.png", out.getvalue())
    )
    with attachment.file.open("rb") as fh:
        data = fh.read()
    assert b"Elm Street" not in data
    assert b"Elm Street" in out.getvalue()


def test_a_rotated_photo_is_stored_upright(world, testimony):
    # Orientation 6: the camera was turned; viewers rotate it 90° on display.
    attachment = services.attachment_add(
        actor=world.a.organizer,
        testimony=testimony,
        upload=_file("turned.jpg", _jpeg_with_exif(orientation=6)),
    )
    with attachment.file.open("rb") as fh, Image.open(fh) as stored:
        assert stored.size == (20, 40)
        assert dict(stored.getexif()) == {}


def test_files_get_uuid_names_in_private_storage(world, testimony):
    attachment = services.attachment_add(
        actor=world.a.organizer,
        testimony=testimony,
        upload=_file("Rosalind Quintero statement.pdf", PDF),
    )
    name = attachment.file.name
    assert re.fullmatch(r"attachments/\d{4}/\d{2}/[0-9a-f-]{36}\.pdf", name), name
    assert "Rosalind" not in name and "statement" not in name
    assert "Rosalind" not in attachment.download_name
    # Private storage has no public URL.
    from django.conf import settings

    assert str(settings.MEDIA_ROOT) in attachment.file.path
    assert "/private/" in attachment.file.path


def test_adding_an_attachment_is_audited_without_its_name(world, testimony):
    attachment = services.attachment_add(
        actor=world.a.organizer, testimony=testimony, upload=_file("rosalind.pdf", PDF)
    )
    event = AuditEvent.objects.get(action=AuditAction.ATTACHMENT_ADDED)
    assert event.actor == world.a.organizer
    assert event.city == world.a.city
    assert event.target_id == str(testimony.uuid)
    assert event.details == {
        "kind": "document",
        "size": len(PDF),
        "attachment": str(attachment.uuid),
    }
    assert "rosalind" not in str(event.details).lower()


# --------------------------------------------------------------------------- the pages


@pytest.mark.authz("consultations:attachment_upload")
@pytest.mark.parametrize("role", ROLES)
def test_upload_follows_the_edit_matrix(world, login, testimony, role):
    response = _upload(login(user_for(world, role)), testimony, "a.pdf", PDF)
    expected = EDIT_MATRIX[role]
    if expected == "login":
        assert_login_redirect(response)
    else:
        assert response.status_code == (302 if expected == 200 else expected)
    assert Attachment.objects.exists() is (expected == 200)


def test_upload_is_post_only(world, login, testimony):
    response = login(world.a.organizer).get(turl("attachment_upload", testimony))
    assert response.status_code == 405


@pytest.mark.authz("consultations:attachment_download")
@pytest.mark.parametrize("role", ROLES)
def test_download_is_for_the_citys_organizers_and_lead_and_audited(world, login, attachment, role):
    user = user_for(world, role)
    url = turl("attachment_download", attachment.testimony, attachment_uuid=attachment.uuid)
    response, body = _download(login(user), url)
    expected = EDIT_MATRIX[role]
    events = AuditEvent.objects.filter(action=AuditAction.ATTACHMENT_DOWNLOADED)
    if expected == "login":
        assert_login_redirect(response)
    else:
        assert response.status_code == expected
    if expected != 200:
        assert not events.exists()
        return
    assert response["Content-Disposition"] == (f'attachment; filename="{attachment.download_name}"')
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Content-Type-Options"] == "nosniff"
    with attachment.file.open("rb") as fh:
        assert body == fh.read()
    event = events.get()
    assert (event.actor, event.city) == (user, world.a.city)
    assert event.details["attachment"] == str(attachment.uuid)


@pytest.mark.authz("consultations:attachment_delete")
@pytest.mark.parametrize("role", ROLES)
def test_delete_follows_the_edit_matrix(world, login, attachment, role):
    client = login(user_for(world, role))
    url = turl("attachment_delete", attachment.testimony, attachment_uuid=attachment.uuid)
    expected = EDIT_MATRIX[role]
    for response in (client.get(url), client.post(url) if expected != 200 else None):
        if response is None:
            continue
        if expected == "login":
            assert_login_redirect(response)
        else:
            assert response.status_code == expected
    assert Attachment.objects.filter(pk=attachment.pk).exists()
    assert not AuditEvent.objects.filter(action=AuditAction.ATTACHMENT_DELETED).exists()


def test_deleting_removes_the_row_and_the_file_and_is_audited(world, login, committed, attachment):
    storage, name = attachment.file.storage, attachment.file.name
    assert storage.exists(name)
    url = turl("attachment_delete", attachment.testimony, attachment_uuid=attachment.uuid)
    response = committed(login(world.a.lead).post, url)
    assert response.status_code == 302
    assert not Attachment.objects.exists()
    assert not storage.exists(name)
    event = AuditEvent.objects.get(action=AuditAction.ATTACHMENT_DELETED)
    assert event.actor == world.a.lead
    assert event.details == {"attachment": str(attachment.uuid), "kind": "image"}


def test_another_citys_attachment_is_404(world, login, testimony, testimony_b):
    theirs = services.attachment_add(
        actor=world.b.organizer, testimony=testimony_b, upload=_file("b.pdf", PDF)
    )
    client = login(world.a.lead)
    # Their testimony under our city, and their attachment under our testimony.
    for t in (testimony_b, testimony):
        for name in ("attachment_download", "attachment_delete"):
            url = turl(name, t, city=world.a.city, attachment_uuid=theirs.uuid)
            response, _body = _download(client, url)
            assert response.status_code == 404, (t, name)
        delete = turl("attachment_delete", t, city=world.a.city, attachment_uuid=theirs.uuid)
        assert client.post(delete).status_code == 404
    response = _upload(client, testimony_b, "x.pdf", PDF)
    assert response.status_code == 404  # the URL is in city B, where they have no role
    response = client.post(
        turl("attachment_upload", testimony_b, city=world.a.city), {"file": _file("x.pdf", PDF)}
    )
    assert response.status_code == 404
    assert list(Attachment.objects.all()) == [theirs]
    assert not AuditEvent.objects.filter(action=AuditAction.ATTACHMENT_DOWNLOADED).exists()


def test_the_detail_page_offers_downloads_only_to_those_who_may(world, login, attachment):
    url = turl("attachment_download", attachment.testimony, attachment_uuid=attachment.uuid)
    detail = turl("testimony_detail", attachment.testimony)
    assert url.encode() in login(world.a.organizer).get(detail).content
    assert url.encode() not in login(world.a.viewer).get(detail).content
    assert url.encode() not in login(world.coordinator).get(detail).content


def test_a_second_organizer_can_download_too(world, login, attachment, other_organizer):
    url = turl("attachment_download", attachment.testimony, attachment_uuid=attachment.uuid)
    response, _body = _download(login(other_organizer), url)
    assert response.status_code == 200


def test_attachments_of_another_testimony_are_404_under_this_one(world, login, attachment):
    other = TestimonyFactory(city=world.a.city)
    url = turl("attachment_download", other, attachment_uuid=attachment.uuid)
    response, _body = _download(login(world.a.lead), url)
    assert response.status_code == 404
