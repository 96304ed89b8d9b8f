"""The one-page "UN recommendations for our city" handout PDF: fits on one page in English
and Spanish, carries no testimony, keeps only the title in its metadata, and is rendered
once per input."""

from __future__ import annotations

import datetime
import io

import pypdf
import pytest
from django.core.files.storage import storages
from django.utils import formats, timezone, translation

from accountability import services
from accountability.models import EvidenceLink, HandoutCache, LinkStatus
from accountability.services import handout as handout_module
from tests.factories import (
    ActionFactory,
    ActionPlanFactory,
    OfficialResponseFactory,
    QuotableTestimonyFactory,
    RecommendationFactory,
    ResponseLinkFactory,
)

pytestmark = pytest.mark.django_db

CANARY_TEXT = "CANARYNARRATIVE"
CANARY_NAME = "Zebulon Canaryspeaker"
CANARY_QUOTE = "CANARYQUOTE"
LONG_TEXT = (
    "Take all necessary legislative, administrative and budgetary measures to guarantee "
    "the right to adequate housing for everyone, in particular persons of African descent, "
    "Indigenous peoples, migrants and persons experiencing homelessness, including by "
    "ending the criminalization of homelessness, expanding affordable and social housing, "
    "and ensuring that evictions comply with international human rights standards"
)
STATES = ["Switzerland", "Rwanda", "Bahamas", "Luxembourg", "Mali", "Morocco"]


def pdf_text(entry: HandoutCache) -> tuple[pypdf.PdfReader, str, bytes]:
    with entry.file.open("rb") as f:
        content = f.read()
    reader = pypdf.PdfReader(io.BytesIO(content))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    return reader, text, content


@pytest.fixture
def full_city(world):
    """City A with 8 plans on long recommendations (6 fit), 2 long actions each, two
    official commitments, and testimony linked to a recommendation it took up."""
    city = world.a.city
    plans = []
    for n in range(8):
        rec = RecommendationFactory(
            paragraph=f"26.{300 + n}", text=f"{LONG_TEXT} ({n})", states=STATES
        )
        plan = ActionPlanFactory(city=city, recommendation=rec)
        plans.append(plan)
        for k in range(2):
            ActionFactory(
                plan=plan,
                description=(
                    f"Action {n}.{k}: adopt and fund a municipal ordinance guaranteeing "
                    "legal representation to every tenant facing eviction, with outreach in "
                    "English and Spanish"
                ),
                responsible="Department of Housing and Community Development",
                due_on=datetime.date(2027, 6, 30) + datetime.timedelta(days=k),
            )
    for n in range(2):
        OfficialResponseFactory(
            link=ResponseLinkFactory(plan=plans[n]),
            kind="commitment",
            text=f"Commitment {n}: " + "We will include full funding in the next budget. " * 6,
            official_name="Jordan Official",
            official_title="Director of Housing",
        )
    testimony = QuotableTestimonyFactory(
        city=city,
        narrative=f"My landlord evicted us. {CANARY_TEXT}",
        summary=f"Eviction {CANARY_TEXT}",
        speaker_name=CANARY_NAME,
        redacted_quote=f"We were evicted. {CANARY_QUOTE}",
    )
    EvidenceLink.objects.create(
        city=city,
        recommendation=plans[0].recommendation,
        testimony=testimony,
        status=LinkStatus.CONFIRMED,
    )
    return city


def test_the_english_handout_fits_on_one_page(full_city):
    entry = services.handout_get_or_render(city=full_city, language="en")

    reader, text, _content = pdf_text(entry)
    assert len(reader.pages) == 1
    assert entry.page_count == 1
    assert entry.size_bytes == entry.file.size > 0
    assert (entry.city, entry.language) == (full_city, "en")
    assert "UN recommendations for Alphaville" in text
    assert "Recommendation 26.300" in text
    assert "Recommendation 26.305" in text
    assert "Recommendation 26.306" not in text  # only 6 fit
    assert "2 more on the portal" in text
    assert "Action 0.0" in text and "Action 0.1" in text
    assert "Commitment 0" in text and "Commitment 1" in text
    assert "Jordan Official" in text


def test_the_spanish_handout_fits_on_one_page(full_city):
    entry = services.handout_get_or_render(city=full_city, language="es")

    reader, text, _content = pdf_text(entry)
    assert len(reader.pages) == 1
    assert entry.page_count == 1
    assert "Alphaville" in text
    assert reader.trailer["/Root"].get("/Lang") == "es"
    # Dates come out in Spanish (Django's own catalog), e.g. "10 de marzo de 2027".
    with translation.override("es"):
        spanish_date = formats.date_format(timezone.localdate(), "DATE_FORMAT")
    assert " de " in spanish_date
    assert spanish_date in text
    assert "Recomendaciones de la ONU para Alphaville" in " ".join(text.split())
    assert "UN recommendations for" not in text


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_handout_carries_no_testimony(full_city, language):
    html = services.handout_html(city=full_city, language=language)
    entry = services.handout_get_or_render(city=full_city, language=language)

    _reader, text, content = pdf_text(entry)
    for canary in (CANARY_TEXT, CANARY_NAME, "Canaryspeaker", CANARY_QUOTE):
        assert canary not in html
        assert canary not in text
        assert canary.encode() not in content


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_metadata_keeps_only_the_title(full_city, language):
    entry = services.handout_get_or_render(city=full_city, language=language)

    reader, _text, _content = pdf_text(entry)
    metadata = dict(reader.metadata or {})
    assert set(metadata) <= {"/Title", "/Producer"}
    assert "/Author" not in metadata
    assert "Alphaville" in metadata["/Title"]
    if language == "en":
        assert metadata["/Title"] == "UN recommendations for Alphaville"


def test_a_second_call_reuses_the_rendered_file(full_city, monkeypatch):
    first = services.handout_get_or_render(city=full_city, language="en")

    def no_render(html):
        raise AssertionError("rendered again")

    monkeypatch.setattr(handout_module, "render_pdf", no_render)
    again = services.handout_get_or_render(city=full_city, language="en")

    assert again.pk == first.pk
    assert again.file.name == first.file.name
    assert HandoutCache.objects.count() == 1


def test_each_language_has_its_own_file(full_city):
    en = services.handout_get_or_render(city=full_city, language="en")
    es = services.handout_get_or_render(city=full_city, language="es")

    assert en.pk != es.pk
    assert en.file.name != es.file.name
    assert en.file.name.startswith(f"handouts/{full_city.uuid}/en-")
    assert es.file.name.startswith(f"handouts/{full_city.uuid}/es-")
    assert HandoutCache.objects.count() == 2


def test_a_change_renders_a_new_file_and_deletes_the_old_one(full_city, world):
    storage = storages["reports"]
    old = services.handout_get_or_render(city=full_city, language="en")
    es = services.handout_get_or_render(city=full_city, language="es")
    old_name = old.file.name
    assert storage.exists(old_name)

    plan = full_city.action_plans.order_by("created_at", "id").first()
    action = plan.actions.order_by("due_on", "id").first()
    action.description = "A brand new commitment"
    action.save()
    new = services.handout_get_or_render(city=full_city, language="en")

    assert new.pk != old.pk
    assert new.input_hash != old.input_hash
    assert new.file.name != old_name
    assert storage.exists(new.file.name)
    assert not storage.exists(old_name)
    assert not HandoutCache.objects.filter(pk=old.pk).exists()
    assert set(HandoutCache.objects.values_list("pk", flat=True)) == {new.pk, es.pk}
    _reader, text, _content = pdf_text(new)
    assert "A brand new commitment" in text
    # Another city's data doesn't change this city's handout.
    ActionPlanFactory(city=world.b.city)
    assert services.handout_get_or_render(city=full_city, language="en").pk == new.pk


def test_an_empty_handout_renders(world):
    entry = services.handout_get_or_render(city=world.b.city, language="en")

    reader, text, _content = pdf_text(entry)
    assert len(reader.pages) == 1
    assert "has not taken up any recommendation yet" in text


def test_an_unsupported_language_is_refused(world):
    with pytest.raises(ValueError):
        services.handout_get_or_render(city=world.a.city, language="fr")
    assert not HandoutCache.objects.exists()
