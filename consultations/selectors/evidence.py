"""Reads for consultations, testimony, attachments and imports, scoped to the reader.

`*_get_for_city` raises 404 for a missing row and for another city's row alike.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import Count, F, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from cities.models import City, Theme
from cities.selectors import _as_uuid
from consultations import csv_import
from consultations.models import (
    Attachment,
    ConsentLevel,
    Consultation,
    ConsultationStatus,
    ImportBatch,
    ReviewStatus,
    Testimony,
)

# --------------------------------------------------------------------------- consultations


def consultation_list_for_city(*, city: City) -> QuerySet[Consultation]:
    return (
        Consultation.objects.filter(city=city)
        .annotate(testimony_count=Count("testimonies"))
        .prefetch_related("themes")
        .order_by("-starts_at", "-id")
    )


def consultation_get_for_city(*, city: City, consultation_uuid: object) -> Consultation:
    try:
        return Consultation.objects.select_related("city", "cycle", "created_by").get(
            city=city, uuid=_as_uuid(consultation_uuid)
        )
    except Consultation.DoesNotExist:
        raise Http404 from None


def consultation_list_public(*, city: City) -> tuple[list[Consultation], list[Consultation]]:
    """Public events of a city: (upcoming, soonest first; held, latest first)."""
    public = Consultation.objects.filter(city=city, is_public=True).prefetch_related("themes")
    upcoming = list(
        public.filter(status=ConsultationStatus.PLANNED, starts_at__gte=timezone.now()).order_by(
            "starts_at"
        )[:20]
    )
    held = list(public.filter(status=ConsultationStatus.HELD).order_by("-starts_at")[:20])
    return upcoming, held


# --------------------------------------------------------------------------- testimony


@dataclass(frozen=True)
class TestimonyFilters:
    """What the list can be narrowed by. Empty values mean "any"."""

    __test__ = False  # not a pytest test class, despite the name

    q: str = ""
    theme: str = ""  # theme uuid
    consultation: str = ""  # consultation uuid
    nature: str = ""  # problem / positive (both counts for either) / both
    consent: str = ""  # a ConsentLevel, or "withdrawn"
    review: str = ""  # a ReviewStatus
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    city: str = ""  # city uuid (national search only)

    @property
    def active(self) -> bool:
        return any(getattr(self, name) for name in self.__dataclass_fields__)


def search_query(text: str) -> SearchQuery:
    """Web-search syntax ("quoted phrases", -exclusions, or) in English and Spanish."""
    return SearchQuery(text, search_type="websearch", config="english") | SearchQuery(
        text, search_type="websearch", config="spanish"
    )


def _apply_filters(qs: QuerySet[Testimony], filters: TestimonyFilters) -> QuerySet[Testimony]:
    if filters.theme:
        qs = qs.filter(themes__uuid=_as_uuid(filters.theme))
    if filters.consultation:
        qs = qs.filter(consultation__uuid=_as_uuid(filters.consultation))
    if filters.nature in ("problem", "positive"):
        qs = qs.filter(nature__in=[filters.nature, "both"])
    elif filters.nature == "both":
        qs = qs.filter(nature="both")
    if filters.consent == "withdrawn":
        qs = qs.filter(consent_withdrawn_at__isnull=False)
    elif filters.consent in ConsentLevel.values:
        qs = qs.filter(consent_level=filters.consent, consent_withdrawn_at__isnull=True)
    if filters.review in ReviewStatus.values:
        qs = qs.filter(review_status=filters.review)
    if filters.date_from:
        qs = qs.filter(occurred_on__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(occurred_on__lte=filters.date_to)
    if filters.q.strip():
        query = search_query(filters.q.strip())
        qs = qs.filter(search_document=query).annotate(rank=SearchRank(F("search_document"), query))
        return qs.order_by("-rank", "-created_at", "-id")
    return qs.order_by("-created_at", "-id")


def _list_columns(qs: QuerySet[Testimony]) -> QuerySet[Testimony]:
    # The list never needs restricted fields: don't even load them.
    return (
        qs.select_related("consultation", "city")
        .prefetch_related("themes")
        .defer("speaker_name", "speaker_contact", "search_document")
    )


def testimony_list_for_city(
    *, city: City, filters: TestimonyFilters | None = None
) -> QuerySet[Testimony]:
    """A city's testimony, newest first (or best match first when searching)."""
    qs = Testimony.objects.filter(city=city)
    return _list_columns(_apply_filters(qs, filters or TestimonyFilters()))


def testimony_list_national(*, filters: TestimonyFilters | None = None) -> QuerySet[Testimony]:
    """Testimony across every city, for national coordinators (no restricted fields)."""
    filters = filters or TestimonyFilters()
    qs = Testimony.objects.all()
    if filters.city:
        qs = qs.filter(city__uuid=_as_uuid(filters.city))
    return _list_columns(_apply_filters(qs, filters))


def testimony_get_for_city(*, city: City, testimony_uuid: object) -> Testimony:
    try:
        return Testimony.objects.select_related(
            "city",
            "cycle",
            "consultation",
            "recorded_by",
            "consent_recorded_by",
            "consent_withdrawn_by",
            "reviewed_by",
            "redacted_by",
        ).get(city=city, uuid=_as_uuid(testimony_uuid))
    except Testimony.DoesNotExist:
        raise Http404 from None


def testimony_list_citable(*, city: City) -> QuerySet[Testimony]:
    """Testimony a report may quote: reviewed, consent not withdrawn, consent allows a
    quote, and a redacted quote prepared. Reports (#5) read only through this."""
    return (
        Testimony.objects.filter(
            city=city,
            review_status=ReviewStatus.REVIEWED,
            consent_withdrawn_at__isnull=True,
            consent_level__in=[ConsentLevel.ANONYMOUS, ConsentLevel.NAMED],
        )
        .exclude(redacted_quote="")
        .prefetch_related("themes")
    )


def testimony_list_countable(*, city: City) -> QuerySet[Testimony]:
    """Testimony that may be counted in reports and exports: consent not withdrawn."""
    return Testimony.objects.filter(city=city, consent_withdrawn_at__isnull=True)


def testimony_counts_for_city(*, city: City) -> dict[str, int]:
    return Testimony.objects.filter(city=city).aggregate(
        total=Count("id"),
        draft=Count("id", filter=Q(review_status=ReviewStatus.DRAFT)),
        withdrawn=Count("id", filter=Q(consent_withdrawn_at__isnull=False)),
    )


# --------------------------------------------------------------------------- attachments


def attachment_get_for_city(
    *, city: City, testimony: Testimony, attachment_uuid: object
) -> Attachment:
    try:
        return Attachment.objects.select_related("testimony", "city").get(
            city=city, testimony=testimony, uuid=_as_uuid(attachment_uuid)
        )
    except Attachment.DoesNotExist:
        raise Http404 from None


# --------------------------------------------------------------------------- imports


def import_list_for_city(*, city: City) -> QuerySet[ImportBatch]:
    return ImportBatch.objects.filter(city=city).select_related("uploaded_by", "consultation")


def import_get_for_city(*, city: City, batch_uuid: object) -> ImportBatch:
    try:
        return ImportBatch.objects.select_related("uploaded_by", "consultation", "city").get(
            city=city, uuid=_as_uuid(batch_uuid)
        )
    except ImportBatch.DoesNotExist:
        raise Http404 from None


def import_preview_rows(*, batch: ImportBatch, limit: int = 10) -> list[csv_import.Row]:
    """The first rows of a batch as they will be imported (for the confirmation page)."""
    with batch.file.open("rb") as fh:
        data = fh.read()
    themes = csv_import.theme_lookup(Theme.objects.filter(is_active=True))
    return csv_import.parse(data, themes=themes, max_rows=settings.IMPORT_MAX_ROWS).rows[:limit]
