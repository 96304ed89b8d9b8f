"""Upload limits and type checks on every upload the portal takes: testimony attachments,
testimony CSV imports, UN recommendation imports and progress evidence files.

For each: a body far over its limit is a 413 before it is read; a file just over the limit
is refused with a clear message; a file whose content is not what its name says (an
executable named .pdf, HTML named .png or .csv) is refused with a clear message; and in
every refusal nothing is stored, neither a row nor a file. The global request-size
middleware covers every other POST. `test_every_upload_view_is_covered` fails when a new
view reads `request.FILES` without being listed here."""

from __future__ import annotations

import ast
import html
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from accountability import upr_import
from accountability.models import ProgressUpdate, RecommendationImport
from accountability.services import EVIDENCE_MAX_BYTES
from cities.models import AuditEvent
from consultations.models import Attachment, ImportBatch
from tests.factories import ActionFactory, ActionPlanFactory, TestimonyFactory
from upr_portal.http import _ENVELOPE

pytestmark = pytest.mark.django_db

BASE_DIR = Path(settings.BASE_DIR)
APP_PACKAGES = ("accounts", "accountability", "cities", "consultations", "reports", "upr_portal")

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00"
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(out, "PNG")
    return out.getvalue()


def media_files() -> set[str]:
    """Every stored file under MEDIA_ROOT (private, reports and default storage)."""
    root = Path(settings.MEDIA_ROOT)
    return (
        {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}
        if root.exists()
        else set()
    )


def rows() -> tuple[int, ...]:
    return (
        Attachment.objects.count(),
        ImportBatch.objects.count(),
        RecommendationImport.objects.count(),
        ProgressUpdate.objects.count(),
        AuditEvent.objects.count(),
    )


@dataclass
class Upload:
    """One upload endpoint: who may use it, its URL, its form fields, its limit."""

    user: Any
    url: str
    field: str
    data: dict[str, Any]
    max_bytes: int
    good_name: str
    good_content: bytes

    def post(self, client, name: str, content: bytes, **extra):
        file = SimpleUploadedFile(name, content, content_type="application/octet-stream")
        return client.post(self.url, {**self.data, self.field: file}, **extra)


def _attachment(world) -> Upload:
    testimony = TestimonyFactory(city=world.a.city, recorded_by=world.a.organizer)
    return Upload(
        user=world.a.organizer,
        url=reverse(
            "consultations:attachment_upload",
            kwargs={"city_uuid": world.a.city.uuid, "testimony_uuid": testimony.uuid},
        ),
        field="file",
        data={},
        max_bytes=settings.ATTACHMENT_MAX_BYTES,
        good_name="scan.png",
        good_content=png(),
    )


def _testimony_import(world) -> Upload:
    return Upload(
        user=world.a.organizer,
        url=reverse("consultations:import_start", kwargs={"city_uuid": world.a.city.uuid}),
        field="file",
        data={},
        max_bytes=settings.IMPORT_MAX_BYTES,
        good_name="forms.csv",
        good_content=(BASE_DIR / "tests/data/import_good_en.csv").read_bytes(),
    )


def _recommendation_import(world) -> Upload:
    return Upload(
        user=world.coordinator,
        url=reverse("national_recommendations:import_start"),
        field="file",
        data={"cycle": world.cycle.pk},
        max_bytes=upr_import.MAX_BYTES,
        good_name="recommendations.csv",
        good_content=(
            b"paragraph,recommending_state,position,theme,text\n"
            b"26.1,Brazil,supported,Right to adequate housing,Guarantee the right to housing\n"
        ),
    )


def _evidence(world) -> Upload:
    action = ActionFactory(plan=ActionPlanFactory(city=world.a.city))
    return Upload(
        user=world.a.organizer,
        url=reverse(
            "accountability:progress_add",
            kwargs={"city_uuid": world.a.city.uuid, "action_uuid": action.uuid},
        ),
        field="evidence_file",
        data={
            "reported_on": timezone.localdate().isoformat(),
            "text": "The council approved the budget line.",
            "indicator": "",
            "value": "",
            "status": action.status,
            "evidence_url": "",
        },
        max_bytes=EVIDENCE_MAX_BYTES,
        good_name="minutes.pdf",
        good_content=PDF,
    )


UPLOADS = {
    "attachment": _attachment,
    "testimony_import": _testimony_import,
    "recommendation_import": _recommendation_import,
    "evidence": _evidence,
}
# (module, view function) of every view that reads request.FILES.
KNOWN_UPLOAD_VIEWS = {
    ("consultations/views/testimony.py", "attachment_upload"): "attachment",
    ("consultations/views/imports.py", "import_start"): "testimony_import",
    ("accountability/views/national.py", "import_start"): "recommendation_import",
    ("accountability/views/city.py", "progress_add"): "evidence",
}


@pytest.fixture(params=sorted(UPLOADS))
def endpoint(request, world, login) -> tuple[str, Upload, Any]:
    upload = UPLOADS[request.param](world)
    return request.param, upload, login(upload.user)


def page_text(response) -> str:
    """What the person sees: the page, or the flash messages of a redirect."""
    if response.status_code == 302:
        from django.contrib.messages import get_messages

        return " ".join(str(m) for m in get_messages(response.wsgi_request))
    return html.unescape(response.content.decode())


# --------------------------------------------------------------------------- the guard


def test_every_upload_view_is_covered():
    found = set()
    for package in APP_PACKAGES:
        for path in (BASE_DIR / package).rglob("*.py"):
            if "migrations" in path.parts or "request.FILES" not in path.read_text():
                continue
            source = path.read_text()
            for node in ast.walk(ast.parse(source)):
                if isinstance(node, ast.FunctionDef) and "request.FILES" in (
                    ast.get_source_segment(source, node) or ""
                ):
                    found.add((str(path.relative_to(BASE_DIR)), node.name))
    assert found == set(KNOWN_UPLOAD_VIEWS)
    assert set(KNOWN_UPLOAD_VIEWS.values()) == set(UPLOADS)


# --------------------------------------------------------------------------- the control


def test_a_good_file_is_taken(endpoint):
    # So the refusals below are about size and type, not a broken form.
    _name, upload, client = endpoint
    before = rows()
    response = upload.post(client, upload.good_name, upload.good_content)
    assert response.status_code == 302, page_text(response)[:2000]
    assert rows() != before


# --------------------------------------------------------------------------- size


def test_a_body_far_over_the_limit_is_413_and_nothing_is_stored(endpoint):
    _name, upload, client = endpoint
    before, files = rows(), media_files()
    big = b"A" * (upload.max_bytes + _ENVELOPE + 1)
    response = upload.post(client, upload.good_name, big)
    assert response.status_code == 413
    assert "File too large" in response.content.decode()
    assert rows() == before
    assert media_files() == files


def test_a_file_just_over_the_limit_is_refused_with_a_message(endpoint):
    _name, upload, client = endpoint
    before, files = rows(), media_files()
    content = upload.good_content + b"\n" * (upload.max_bytes + 1 - len(upload.good_content))
    response = upload.post(client, upload.good_name, content)
    assert response.status_code in (200, 302, 413, 422)
    text = page_text(response)
    assert any(word in text for word in ("larger than", "too large", "File too large")), text[:3000]
    assert rows() == before
    assert media_files() == files


def test_the_middleware_refuses_any_oversized_post():
    from django.test import Client

    before = rows()
    response = Client().post(
        "/accounts/login/",
        {"login": "x@example.org", "password": "x"},
        CONTENT_LENGTH=str(settings.MAX_REQUEST_BYTES + _ENVELOPE + 1),
    )
    assert response.status_code == 413
    assert rows() == before


# --------------------------------------------------------------------------- type by content

DISGUISES = {
    "attachment": [("invoice.pdf", EXE), ("photo.png", HTML), ("voice.wav", EXE)],
    "testimony_import": [("forms.csv", EXE), ("forms.csv", HTML), ("forms.csv", png())],
    "recommendation_import": [("list.csv", EXE), ("list.csv", HTML), ("list.csv", png())],
    "evidence": [("minutes.pdf", EXE), ("photo.png", HTML), ("scan.jpg", EXE)],
}


def _disguises():
    for name, cases in sorted(DISGUISES.items()):
        for filename, content in cases:
            yield pytest.param(name, filename, content, id=f"{name}-{filename}")


@pytest.mark.parametrize(("name", "filename", "content"), list(_disguises()))
def test_content_that_is_not_what_its_name_says_is_refused(world, login, name, filename, content):
    upload = UPLOADS[name](world)
    client = login(upload.user)
    before, files = rows(), media_files()
    response = upload.post(client, filename, content)
    assert rows() == before, "the disguised file was taken"
    assert media_files() == files
    assert response.status_code in (200, 302, 422)
    text = page_text(response)
    messages = (
        "This kind of file isn't allowed",
        "Attach a PDF",
        "UTF-8",
        "not a CSV",
        "columns",
        "isn't",
    )
    assert any(m in text for m in messages), text[:3000]
