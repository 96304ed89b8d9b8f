"""Published local reports: anyone may download them, with no login."""

from __future__ import annotations

from django.http import FileResponse, HttpRequest
from django.views.decorators.http import require_GET

from cities import selectors as city_selectors
from reports import selectors


@require_GET
def publication_download(request: HttpRequest, slug: str, publication_uuid: str) -> FileResponse:
    """A published version (current or superseded) of a city's local report."""
    city = city_selectors.city_get_public(slug=slug)
    publication = selectors.publication_get_public(city=city, publication_uuid=publication_uuid)
    response = FileResponse(
        publication.file.open("rb"),
        as_attachment=True,
        filename=publication.download_name(),
        content_type="application/pdf",
    )
    response["Cache-Control"] = "public, max-age=3600"
    return response
