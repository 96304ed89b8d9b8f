"""Testimony attachments: checked by content, stripped of metadata, stored privately."""

from __future__ import annotations

import io
import uuid
from typing import IO, TYPE_CHECKING

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from cities.models import AuditAction
from cities.services import audit_record
from consultations.models import Attachment, AttachmentKind, Testimony

if TYPE_CHECKING:
    from django.core.files.uploadedfile import UploadedFile

    from accounts.models import User

MAX_ATTACHMENTS_PER_TESTIMONY = 10
MAX_IMAGE_PIXELS = 50_000_000

# Detected MIME type → (kind, extension). Anything else is refused.
ALLOWED_TYPES: dict[str, tuple[str, str]] = {
    "image/jpeg": (AttachmentKind.IMAGE, "jpg"),
    "image/png": (AttachmentKind.IMAGE, "png"),
    "image/webp": (AttachmentKind.IMAGE, "webp"),
    "audio/mpeg": (AttachmentKind.AUDIO, "mp3"),
    "audio/mp4": (AttachmentKind.AUDIO, "m4a"),
    "audio/aac": (AttachmentKind.AUDIO, "aac"),
    "audio/ogg": (AttachmentKind.AUDIO, "ogg"),
    "audio/x-wav": (AttachmentKind.AUDIO, "wav"),
    "audio/x-flac": (AttachmentKind.AUDIO, "flac"),
    "audio/amr": (AttachmentKind.AUDIO, "amr"),
    # Browsers record voice notes as WebM; it's detected by its container type.
    "video/webm": (AttachmentKind.AUDIO, "webm"),
    "application/pdf": (AttachmentKind.DOCUMENT, "pdf"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (
        AttachmentKind.DOCUMENT,
        "docx",
    ),
    "application/vnd.oasis.opendocument.text": (AttachmentKind.DOCUMENT, "odt"),
}
_PIL_FORMATS = {"jpg": "JPEG", "png": "PNG", "webp": "WEBP"}


class AttachmentRejected(ValidationError):
    """The file's type or size isn't allowed; the message says which."""


def allowed_types_label() -> str:
    return "JPEG, PNG, WebP, MP3, M4A, AAC, OGG, WAV, FLAC, AMR, WebM, PDF, DOCX, ODT"


def _strip_image(data: bytes, extension: str) -> bytes:
    """Re-encode an image without EXIF, GPS, XMP or comments, upright as it was shown."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            # The header gives the size without decoding: refuse huge images before
            # they take hundreds of megabytes of memory.
            if image.width * image.height > MAX_IMAGE_PIXELS:
                raise AttachmentRejected(
                    _("This image is too large (over %(mp)s megapixels). Resize it and try again.")
                    % {"mp": MAX_IMAGE_PIXELS // 1_000_000}
                )
            image.load()
            upright = ImageOps.exif_transpose(image)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError) as exc:
        raise AttachmentRejected(_("This image can't be read. Is the file damaged?")) from exc
    clean = Image.new(upright.mode, upright.size)
    clean.paste(upright)
    out = io.BytesIO()
    fmt = _PIL_FORMATS[extension]
    if fmt == "JPEG" and clean.mode not in ("RGB", "L"):
        clean = clean.convert("RGB")
    clean.save(out, format=fmt, **({"quality": 90} if fmt in ("JPEG", "WEBP") else {}))
    return out.getvalue()


def _read_limited(upload: UploadedFile[bytes] | IO[bytes], limit: int) -> bytes:
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise AttachmentRejected(
            _("The file is larger than %(limit)s.") % {"limit": filesizeformat(limit)}
        )
    return data


@transaction.atomic
def attachment_add(*, actor: User, testimony: Testimony, upload: UploadedFile[bytes]) -> Attachment:
    """Attach an audio recording, photo or document to a testimony.

    The type is decided by the file's content, never its name or the browser's claim.
    Images are re-encoded without metadata. The file gets a UUID name in private storage;
    the original name isn't kept, because it often names the speaker.
    """
    testimony = Testimony.objects.select_for_update().get(pk=testimony.pk)
    if testimony.is_withdrawn:
        raise AttachmentRejected(_("Consent for this testimony was withdrawn."))
    if testimony.attachments.count() >= MAX_ATTACHMENTS_PER_TESTIMONY:
        raise AttachmentRejected(
            _("A testimony can have at most %(n)s attachments.")
            % {"n": MAX_ATTACHMENTS_PER_TESTIMONY}
        )
    data = _read_limited(upload, settings.ATTACHMENT_MAX_BYTES)
    if not data:
        raise AttachmentRejected(_("The file is empty."))
    guessed = filetype.guess(data)
    mime = guessed.mime if guessed else ""
    if mime not in ALLOWED_TYPES:
        raise AttachmentRejected(
            _("This kind of file isn't allowed. Upload one of: %(types)s.")
            % {"types": allowed_types_label()}
        )
    kind, extension = ALLOWED_TYPES[mime]
    if kind == AttachmentKind.IMAGE:
        data = _strip_image(data, extension)
    attachment = Attachment(
        city=testimony.city,
        testimony=testimony,
        kind=kind,
        content_type=mime,
        extension=extension,
        size=len(data),
        uploaded_by=actor,
    )
    attachment.file.save(f"{uuid.uuid4()}.{extension}", ContentFile(data), save=False)
    name = attachment.file.name
    try:
        attachment.save()
        audit_record(
            actor=actor,
            action=AuditAction.ATTACHMENT_ADDED,
            city=testimony.city,
            target=testimony,
            target_label=testimony.short_ref,
            details={"kind": kind, "size": len(data), "attachment": str(attachment.uuid)},
        )
    except Exception:
        # Don't leave an orphan file behind when the row can't be written.
        attachment.file.storage.delete(name or "")
        raise
    return attachment


def attachment_open(*, actor: User, attachment: Attachment) -> IO[bytes]:
    """Open an attachment for download, and audit who downloaded it."""
    audit_record(
        actor=actor,
        action=AuditAction.ATTACHMENT_DOWNLOADED,
        city=attachment.city,
        target=attachment.testimony,
        target_label=attachment.testimony.short_ref,
        details={"attachment": str(attachment.uuid), "kind": attachment.kind},
    )
    return attachment.file.open("rb")


@transaction.atomic
def attachment_delete(*, actor: User, attachment: Attachment) -> None:
    """Remove an attachment and its file (after the commit). Audited."""
    storage, name = attachment.file.storage, attachment.file.name
    testimony = attachment.testimony
    audit_record(
        actor=actor,
        action=AuditAction.ATTACHMENT_DELETED,
        city=attachment.city,
        target=testimony,
        target_label=testimony.short_ref,
        details={"attachment": str(attachment.uuid), "kind": attachment.kind},
    )
    attachment.delete()
    transaction.on_commit(lambda: storage.delete(name or ""))
