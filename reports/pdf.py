"""PDF rendering with WeasyPrint, and the only resources a print layout may load.

Print HTML is rendered against a fictitious origin, `https://portal.invalid/`, so that
`{% static %}` URLs become absolute URLs the fetcher can recognise. `PortalURLFetcher`
serves those from the static-file folders on disk and `data:` URLs from memory; it refuses
everything else (other hosts, `file:`, `http:`, cloud metadata addresses, paths that climb
out of the static folders, symlinks pointing outside them) without touching the network.
WeasyPrint treats a refused resource as missing, so a stray `<img>` or stylesheet is simply
left out of the PDF.

The PDF's metadata keeps only the title and language: no authors, keywords, dates or
custom `<meta>` values, so no personal data rides along in the document properties.
"""

from __future__ import annotations

import logging
import mimetypes
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import weasyprint
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.template.loader import render_to_string
from weasyprint.pdf.metadata import DocumentMetadata
from weasyprint.urls import URLFetcherResponse

logger = logging.getLogger(__name__)

#: The base URL of all print HTML: `{% static 'css/print.css' %}` (`/static/css/print.css`)
#: resolves to `https://portal.invalid/static/css/print.css`. `.invalid` never resolves in DNS.
BASE_URL = "https://portal.invalid/"
_PORTAL_HOST = "portal.invalid"
_FETCH_TIMEOUT = 3  # seconds; only `data:` URLs ever reach urllib
_MAX_STATIC_BYTES = 20 * 1024 * 1024


class RefusedURL(ValueError):
    """A print layout asked for a resource the PDF renderer may not load.

    WeasyPrint catches non-fatal fetch errors and leaves the resource out of the PDF.
    """


def _refuse(url: str, reason: str) -> RefusedURL:
    # Only the scheme and host are logged: a URL's path or query may carry anything.
    try:
        parts = urlsplit(url)
        where = f"{parts.scheme}://{parts.hostname or ''}" if parts.scheme else "(relative)"
    except ValueError:
        where = "(malformed URL)"
    logger.warning("PDF renderer refused a resource at %s: %s", where, reason)
    return RefusedURL(f"refused by the portal's PDF URL fetcher: {reason}")


def _static_prefix() -> str:
    prefix = urlsplit(str(settings.STATIC_URL)).path or "/static/"
    return prefix if prefix.endswith("/") else prefix + "/"


def _static_roots() -> list[str]:
    """Real paths of every folder static files may come from."""
    roots: list[str | os.PathLike[str]] = []
    for entry in settings.STATICFILES_DIRS:
        roots.append(entry[1] if isinstance(entry, list | tuple) else entry)
    if settings.STATIC_ROOT:
        roots.append(settings.STATIC_ROOT)
    for finder in finders.get_finders():
        if isinstance(finder, finders.AppDirectoriesFinder):
            roots.extend(storage.location for storage in finder.storages.values())
    return [os.path.realpath(root) for root in roots]


def _is_inside(path: str, roots: list[str]) -> bool:
    return any(path == root or path.startswith(root.rstrip(os.sep) + os.sep) for root in roots)


def _relative_static_path(url: str) -> str:
    """The static file's path relative to the static folders, or raise RefusedURL."""
    try:
        parts = urlsplit(url)
    except ValueError as error:
        raise _refuse(url, "malformed URL") from error
    if parts.scheme != "https" or parts.netloc != _PORTAL_HOST:
        raise _refuse(url, "not the portal's own origin")
    if parts.query or parts.fragment or "?" in url or "#" in url:
        raise _refuse(url, "query or fragment")
    prefix = _static_prefix()
    if not parts.path.startswith(prefix):
        raise _refuse(url, "outside the static files")
    relative = unquote(parts.path[len(prefix) :])
    if any(ord(char) < 0x20 or char == "\x7f" for char in relative) or "\\" in relative:
        raise _refuse(url, "control character or backslash in path")
    segments = relative.split("/")
    if any(segment in ("", ".", "..") for segment in segments):
        raise _refuse(url, "empty, '.' or '..' path segment")
    return relative


def _read_static_file(url: str, relative: str) -> bytes:
    roots = _static_roots()
    candidates: list[str] = []
    try:
        found = finders.find(relative)
    except SuspiciousFileOperation as error:
        raise _refuse(url, "suspicious static path") from error
    if isinstance(found, str):
        candidates.append(found)
    if settings.STATIC_ROOT:
        # Collected (and, in production, hashed) names exist only in STATIC_ROOT.
        candidates.append(os.path.join(settings.STATIC_ROOT, *relative.split("/")))
    for candidate in candidates:
        if not os.path.lexists(candidate):
            continue
        real = os.path.realpath(candidate)
        if not _is_inside(real, roots):
            raise _refuse(url, "resolves outside the static folders")
        try:
            with open(real, "rb") as file:
                info = os.fstat(file.fileno())
                if not stat.S_ISREG(info.st_mode) or info.st_size > _MAX_STATIC_BYTES:
                    raise _refuse(url, "not a regular file of a sensible size")
                return file.read()
        except OSError as error:
            raise _refuse(url, "unreadable static file") from error
    raise _refuse(url, "no such static file")


class PortalURLFetcher(weasyprint.urls.URLFetcher):
    """Loads `data:` URLs and the portal's static files; refuses everything else."""

    def __init__(self) -> None:
        super().__init__(
            timeout=_FETCH_TIMEOUT,
            allowed_protocols=("data", "https"),
            allow_redirects=False,
        )

    def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> Any:
        scheme = url.split(":", 1)[0].lower() if ":" in url else ""
        if scheme == "data":
            # urllib's DataHandler decodes it in memory; no network involved.
            return super().fetch(url, headers)
        relative = _relative_static_path(url)
        body = _read_static_file(url, relative)
        content_type = mimetypes.guess_type(Path(relative).name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body=body, headers={"Content-Type": content_type})


@dataclass(frozen=True)
class RenderedPdf:
    content: bytes
    page_count: int


def render_pdf(html: str) -> RenderedPdf:
    """Lay out print HTML and write it as a PDF whose metadata holds only title and language."""
    document = weasyprint.HTML(
        string=html, base_url=BASE_URL, url_fetcher=PortalURLFetcher()
    ).render()
    # WeasyPrint fills the metadata from <title>, <meta name=author|keywords|description|
    # generator|dcterms.*> and <link rel=attachment>: keep the title and language only.
    metadata = document.metadata
    document.metadata = DocumentMetadata(title=metadata.title, lang=metadata.lang)
    content = document.write_pdf(
        pdf_identifier=False,  # no random /ID: identical input gives identical bytes
        custom_metadata=False,
        xmp_metadata=None,
        attachments=None,
    )
    return RenderedPdf(content=content, page_count=len(document.pages))


def print_html(template_name: str, context: dict[str, Any]) -> str:
    """Render a print layout (`templates/reports/pdf/…`) to an HTML string."""
    return render_to_string(template_name, context)
