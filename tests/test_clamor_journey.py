"""Issue 6's "done means", through the real pages only, with the two real UN files in
accountability/data: the coordinator imports both (upload, check, confirm), maps a
theme the seeds left unmapped, and anyone browses the database; city A's organizer links
a testimony to the top suggested recommendation, takes it up, adds an action with a due
date, an indicator and a progress reading, and sends an official a link; the official,
with no account, posts a commitment; then the city's public page shows the plan, the
action, the indicator's value and the commitment, and the one-page handout names the
city. Nothing a resident said reaches a public page or the handout."""

from __future__ import annotations

import datetime
import html
import io
import re
from pathlib import Path

import pypdf
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accountability.models import (
    ActionPlan,
    EvidenceLink,
    OfficialResponse,
    Recommendation,
    ThemeMapping,
)
from tests.factories import ReviewCycleFactory, TestimonyFactory, seeded_theme

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}
DATA = Path(__file__).resolve().parents[1] / "accountability" / "data"
FILES = {
    1: (DATA / "us-upr-cycle1-2010-uprinfo.csv", 269),
    3: (DATA / "us-upr-cycle3-2020.csv", 347),
}
# What the resident said and who they are: never on a public page or in the handout.
NARRATIVE = (
    "Police officers stopped my son and his friends again on Elm Street because they are "
    "Black. It is racial profiling, and nobody investigates the excessive use of force."
)
SPEAKER = "Marisol Canaryworth"
COMMITMENT = "The Police Department commits to publishing every stop, by race, each quarter."


def _text(response) -> str:
    assert response.status_code == 200, response.status_code
    return html.unescape(response.content.decode())


def _link(page: str, pattern: str) -> str:
    match = re.search(rf'href="({pattern})"', page)
    assert match, f"no link matching {pattern}"
    return html.unescape(match.group(1))


def _form_action(page: str, pattern: str) -> str:
    match = re.search(rf'<form[^>]*action="({pattern})"', page)
    assert match, f"no form posting to {pattern}"
    return html.unescape(match.group(1))


def _input_value(page: str, name: str) -> str:
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', page)
    assert tag, f"no input {name}"
    return html.unescape(re.search(r'value="([^"]*)"', tag.group(0)).group(1))


def _option(page: str, select: str, label: str) -> str:
    block = re.search(rf'<select[^>]*name="{select}"[^>]*>(.*?)</select>', page, re.S).group(1)
    match = re.search(rf'<option value="([^"]+)"[^>]*>\s*{re.escape(label)}\s*</option>', block)
    assert match, f"no option {label!r} in {select}"
    return match.group(1)


def _pdf(content: bytes) -> tuple[int, str]:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return len(reader.pages), " ".join(
        " ".join(page.extract_text() for page in reader.pages).split()
    )


def _flat(page: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def test_from_the_un_files_to_an_officials_commitment_on_the_scorecard(world, client):
    cycles = {n: ReviewCycleFactory(number=n) for n in FILES}
    city = world.a.city
    testimony = TestimonyFactory(
        city=city,
        recorded_by=world.a.organizer,
        narrative=NARRATIVE,
        summary="Repeated police stops of young Black men",
        speaker_name=SPEAKER,
        themes=[seeded_theme("policing")],
    )

    # ------------------------------------------------------------------ the coordinator imports
    client.force_login(world.coordinator)
    console = _text(client.get(reverse("national:console")))
    import_url = _link(console, re.escape(reverse("national_recommendations:import_start")))
    for number, (path, expected) in FILES.items():
        form = _text(client.get(import_url))
        cycle_value = _option(form, "cycle", cycles[number].title)
        response = client.post(
            import_url,
            {
                "cycle": cycle_value,
                "file": SimpleUploadedFile(path.name, path.read_bytes(), content_type="text/csv"),
                "source_document": "",
            },
        )
        assert response.status_code == 302, response.status_code
        preview = _text(client.get(response["Location"]))
        assert f"Import {expected} recommendations" in preview
        assert not Recommendation.objects.filter(cycle=cycles[number]).exists()
        apply_url = _form_action(preview, r"[^\"]+/apply/")
        result = _text(client.post(apply_url, follow=True))
        assert f"Imported: {expected} new, 0 updated, 0 unchanged recommendations." in result
        assert Recommendation.objects.filter(cycle=cycles[number]).count() == expected

    # ------------------------------------------------------------------ and maps a theme
    mapping_url = _link(console, re.escape(reverse("national_recommendations:mapping")))
    mappings = _text(client.get(mapping_url))
    unmapped = mappings.split('id="unmapped-heading"')[1].split("</section>")[0]
    edit_url = _link(unmapped, r"/app/national/recommendations/themes/[0-9a-f-]{36}/")
    mapping = ThemeMapping.objects.get(uuid=edit_url.rstrip("/").rsplit("/", 1)[1])
    carrying = Recommendation.objects.filter(
        source_format=mapping.vocabulary, source_themes__contains=[mapping.source_theme]
    )
    assert carrying.exists()
    edit = _text(client.get(edit_url))
    assert mapping.source_theme in edit
    theme_value = re.search(r'<input[^>]*name="themes"[^>]*value="(\d+)"', edit).group(1)
    response = client.post(edit_url, {"themes": [theme_value]}, follow=True)
    page = _text(response)
    assert "Mapping saved: the recommendations with this theme are updated." in page
    assert edit_url not in page.split('id="unmapped-heading"')[1].split("</section>")[0]
    assert all(r.themes.filter(pk=theme_value).exists() for r in carrying)

    # ------------------------------------------------------------------ anyone browses
    client.logout()
    listing = _text(client.get(reverse("recommendations:list"), {"q": "police"}))
    assert "recommendations match" in listing
    detail_url = _link(listing, r"/recommendations/[0-9a-f-]{36}/")
    detail = _text(client.get(detail_url))
    shown = Recommendation.objects.get(uuid=detail_url.strip("/").rsplit("/", 1)[1])
    assert shown.text in detail
    assert "police" in shown.text.lower()

    # ------------------------------------------------------------------ the organizer links evidence
    client.force_login(world.a.organizer)
    testimony_page = _text(
        client.get(reverse("consultations:testimony_detail", args=[city.uuid, testimony.uuid]))
    )
    panel_url = _link(testimony_page, r"[^\"]+/testimony/[0-9a-f-]{36}/recommendations/")
    panel = _text(client.get(panel_url))
    assert NARRATIVE not in panel and SPEAKER not in panel
    top = _input_value(panel, "recommendation")  # the first suggestion
    decide_url = _form_action(panel, r"[^\"]+/recommendations/decide/")
    answer = client.post(
        decide_url, {"recommendation": top, "suggested": "true", "decision": "confirmed"}, **HX
    )
    recommendation = Recommendation.objects.get(uuid=top)
    assert f"This testimony supports {recommendation.label}" in _flat(_text(answer))
    assert EvidenceLink.objects.get(testimony=testimony).recommendation == recommendation

    # ------------------------------------------------------------------ takes it up
    dashboard = _text(client.get(reverse("cities:city", args=[city.uuid])))
    index_url = _link(dashboard, re.escape(reverse("accountability:index", args=[city.uuid])))
    index = _text(client.get(index_url))
    browse_url = _link(index, re.escape(reverse("accountability:browse", args=[city.uuid])))
    browse = _text(client.get(browse_url, {"q": recommendation.text}))
    item = next(
        chunk
        for chunk in browse.split('<li class="recommendation-item">')[1:]
        if f'value="{recommendation.uuid}"' in chunk
    )
    take_up_url = _form_action(item, r"[^\"]+/take-up/")
    response = client.post(take_up_url, {"recommendation": str(recommendation.uuid)})
    assert response.status_code == 302
    plan_url = response["Location"]
    plan = ActionPlan.objects.get(city=city, recommendation=recommendation)
    plan_page = _text(client.get(plan_url))
    assert recommendation.text in plan_page

    # ------------------------------------------------------------------ an action, an indicator, progress
    due = timezone.localdate() + datetime.timedelta(days=120)
    response = client.post(
        _link(plan_page, r"[^\"]+/actions/new/"),
        {
            "description": "Publish police stop data by race every quarter",
            "responsible": "Police Commissioner",
            "target": "Four public reports a year",
            "due_on": due.isoformat(),
            "status": "not_started",
        },
    )
    assert response["Location"] == plan_url
    plan_page = _text(client.get(plan_url))
    response = client.post(
        _link(plan_page, r"[^\"]+/indicators/new/"),
        {
            "name": "Quarterly stop reports published",
            "unit": "reports",
            "baseline": "0",
            "target_value": "4",
            "data_source": "Police department website",
        },
    )
    assert response["Location"] == plan_url
    progress_url = _link(_text(client.get(plan_url)), r"[^\"]+/progress/new/")
    progress_form = _text(client.get(progress_url))
    response = client.post(
        progress_url,
        {
            "reported_on": timezone.localdate().isoformat(),
            "text": "The first quarterly stop report is online.",
            "indicator": _option(progress_form, "indicator", "Quarterly stop reports published"),
            "value": "1",
            "status": "in_progress",
            "evidence_url": "https://police.example.gov/stops-q1",
        },
    )
    assert response["Location"] == plan_url

    # ------------------------------------------------------------------ a link for the official
    plan_page = _text(client.get(plan_url))
    response = client.post(
        _form_action(plan_page, r"[^\"]+/links/new/"),
        {
            "official_name": "Chief Rivera",
            "official_title": "Police Commissioner",
            "action": "",
            "message": "Residents ask what the department will do about stops.",
            "valid_days": "30",
        },
    )
    assert response["Location"] == plan_url
    plan_page = _text(client.get(plan_url))
    official_url = re.search(r"https?://[^/\s\"]+(/respond/[0-9a-f-]{36}/[0-9a-f]{64}/)", plan_page)
    assert official_url, "the plan page shows the link to copy"

    # ------------------------------------------------------------------ the official responds
    client.logout()
    respond = _text(client.get(official_url.group(1)))
    assert "You are responding as Chief Rivera, Police Commissioner" in respond
    assert recommendation.text in respond
    assert NARRATIVE not in respond and SPEAKER not in respond
    thanks = client.post(
        official_url.group(1),
        {"kind": "commitment", "text": COMMITMENT, "confirm": "on"},
    )
    assert "Thank you: your response is published" in _text(thanks)
    assert OfficialResponse.objects.get(plan=plan).official_name == "Chief Rivera"
    assert client.get(official_url.group(1)).status_code == 410

    # ------------------------------------------------------------------ the public scorecard
    public = _text(client.get(reverse("public:city", args=[city.slug])))
    card = public.split('id="scorecard-heading"')[1].split("</section>")[0]
    flat = _flat(card)
    assert recommendation.text in card
    assert "Publish police stop data by race every quarter" in card
    assert "Status: In progress" in flat
    assert "Quarterly stop reports published: latest 1 reports; target 4 reports" in flat
    assert COMMITMENT in card
    assert "Response from Chief Rivera, Police Commissioner" in flat
    for secret in (NARRATIVE, SPEAKER, "Elm Street", "Residents ask what the department"):
        assert secret not in public

    # ------------------------------------------------------------------ the handout
    handout_url = _link(card, re.escape(reverse("public:handout", args=[city.slug, "en"])))
    response = client.get(handout_url)
    assert response["Content-Type"] == "application/pdf"
    pages, printed = _pdf(b"".join(response.streaming_content))
    assert pages == 1
    assert "Alphaville" in printed
    assert "Publish police stop data by race every quarter" in printed
    for secret in (NARRATIVE, SPEAKER, "Elm Street"):
        assert secret not in printed
