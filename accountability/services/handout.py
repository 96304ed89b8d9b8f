"""The one-page "UN recommendations for our city" handout, in English or Spanish.

It goes through the reports' safe WeasyPrint pipeline (`reports.pdf`: only the portal's
static files and data: URLs, metadata reduced to the title). A handout whose printed
HTML is unchanged is served from storage, so public downloads don't re-render.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from accountability import selectors
from accountability.models import HandoutCache
from cities.models import City
from reports.pdf import print_html, render_pdf

HANDOUT_TEMPLATE = "accountability/pdf/handout.html"
HANDOUT_LANGUAGES = ("en", "es")


def handout_html(*, city: City, language: str) -> str:
    with translation.override(language):
        return print_html(
            HANDOUT_TEMPLATE,
            {
                "handout": selectors.handout_for_city(city=city),
                "city": city,
                "language": language,
                "today": timezone.localdate(),
                "site_url": settings.SITE_URL,
            },
        )


def handout_get_or_render(*, city: City, language: str) -> HandoutCache:
    """The handout for today's data: reused when the same HTML was rendered before,
    rendered (synchronously: one page takes a fraction of a second) otherwise."""
    if language not in HANDOUT_LANGUAGES:
        raise ValueError("unsupported handout language")
    html = handout_html(city=city, language=language)
    digest = hashlib.sha256(html.encode()).hexdigest()
    cached = HandoutCache.objects.filter(city=city, language=language, input_hash=digest).first()
    if cached is not None:
        return cached
    rendered = render_pdf(html)
    entry = HandoutCache(
        city=city,
        language=language,
        input_hash=digest,
        page_count=rendered.page_count,
        size_bytes=len(rendered.content),
    )
    entry.file.save(
        f"handouts/{city.uuid}/{language}-{digest[:16]}.pdf",
        ContentFile(rendered.content),
        save=False,
    )
    try:
        with transaction.atomic():
            entry.save()
    except IntegrityError:
        # Another request rendered the same handout meanwhile: use theirs.
        return HandoutCache.objects.get(city=city, language=language, input_hash=digest)
    for old in HandoutCache.objects.filter(city=city, language=language).exclude(pk=entry.pk):
        old.file.delete(save=False)
        old.delete()
    return entry
