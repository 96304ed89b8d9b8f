"""The public side of accountability, with no login: the recommendations database
(`recommendations:list` / `detail`) with search, filters, facets and pages; the national
comparison; the one-page handout (`public:handout`); and the scorecard on the city's
public page. None of them shows restricted data: canaries planted in testimony, an
internal-only testimony, an evidence file's name, a hidden official response and a
response link's message must never appear on any of them, nor in the handout PDF."""

from __future__ import annotations

import datetime
import html as html_lib
import io
import re
import uuid
from decimal import Decimal

import pypdf
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from accountability import services
from accountability.models import HandoutCache, LinkStatus
from tests.conftest import ROLES, user_for
from tests.factories import (
    ActionFactory,
    ActionPlanFactory,
    CityFactory,
    IndicatorFactory,
    LocalRecommendationFactory,
    OfficialResponseFactory,
    RecommendationFactory,
    ResponseLinkFactory,
    ReviewCycleFactory,
    TestimonyFactory,
    seeded_theme,
)

pytestmark = pytest.mark.django_db

CANARIES = {
    "narrative": "CANARY-NARRATIVE-7f3a the officer at 40 Elm Street hit my brother",
    "speaker": "Canary Speakerina Q",
    "contact": "canary-contact@example.net",
    "quote": "CANARY-QUOTE-91b2 they stopped us for nothing",
    "internal": "CANARY-INTERNAL-55d0 only the team may read this",
    "file": "CANARY-FILE-c4e1",
    "hidden": "CANARY-HIDDEN-RESPONSE-2b9e we will do nothing at all",
    "message": "CANARY-LINK-MESSAGE-e07f private note to the director",
}


# --------------------------------------------------------------------------- helpers


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return html_lib.unescape(response.content.decode())


def read_file(response) -> bytes:
    """A file response's bytes (the test client's iterator closes the file)."""
    return b"".join(response.streaming_content)


def pdf_text(content: bytes) -> tuple[int, str]:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return len(reader.pages), "\n".join(page.extract_text() for page in reader.pages)


def detail_url(rec) -> str:
    return reverse("recommendations:detail", args=[rec.uuid])


def handout_url(city, language: str = "en") -> str:
    return reverse("public:handout", args=[city.slug, language])


def city_url(city) -> str:
    return reverse("public:city", args=[city.slug])


def assert_no_canary(page: str, where: str) -> None:
    for name, canary in CANARIES.items():
        assert canary not in page, f"{name} on {where}"
        marker = canary.split()[0]
        if marker.startswith("CANARY-"):
            assert marker not in page, f"{name} on {where}"


def reviewed(city, **kwargs):
    fields = {"review_status": "reviewed", "reviewed_at": timezone.now(), **kwargs}
    return TestimonyFactory(city=city, **fields)


def link_testimony(team, rec, testimony):
    return services.evidence_link_decide(
        actor=team.organizer, recommendation=rec, status=LinkStatus.CONFIRMED, testimony=testimony
    )


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def recs(world):
    """Five UN recommendations across two cycles, themes, responses and states."""
    cycle1 = ReviewCycleFactory(number=1, title="United States — 1st UPR cycle")
    cycle3 = ReviewCycleFactory(number=3, title="United States — 3rd UPR cycle")
    policing, housing = seeded_theme("policing"), seeded_theme("housing")
    return {
        "profiling": RecommendationFactory(
            cycle=cycle3,
            paragraph="26.150",
            text="End racial profiling by police and investigate excessive use of force",
            themes=[policing],
            response="supported",
            states=["Germany"],
        ),
        "custody": RecommendationFactory(
            cycle=cycle1,
            paragraph="",
            text="Ensure accountability of police officers for deaths in custody",
            themes=[policing],
            response="noted",
            states=["Ghana", "Norway"],
        ),
        "housing": RecommendationFactory(
            cycle=cycle3,
            paragraph="26.240",
            text="Guarantee the right to adequate housing for homeless people",
            themes=[housing],
            response="partially_supported",
            states=["Brazil"],
        ),
        "shelter": RecommendationFactory(
            cycle=cycle1,
            paragraph="",
            text="Stop criminalising homelessness and fund shelters",
            themes=[housing],
            response="supported",
            states=["Brazil"],
        ),
        "treaty": RecommendationFactory(
            cycle=cycle3,
            paragraph="26.3",
            text="Ratify the Convention on the Rights of the Child",
            themes=[],
            response="noted",
            states=["Albania"],
        ),
    }


@pytest.fixture
def scorecard(world, recs):
    """City A's plan on the profiling recommendation: an overdue action with an indicator
    and a progress update carrying an evidence file, a completed action, a visible
    commitment and a hidden response; evidence linked with canaries in every restricted
    field. City B: five reviewed testimonies on it, and a plan on housing."""
    a = world.a
    plan = ActionPlanFactory(
        city=a.city,
        recommendation=recs["profiling"],
        summary="Residents told us about stops on the East Side.",
        created_by=a.lead,
    )
    overdue = ActionFactory(
        plan=plan,
        description="Publish police stop data every quarter",
        responsible="Police Commissioner",
        target="Four reports a year",
        due_on=timezone.localdate() - datetime.timedelta(days=10),
        status="in_progress",
        created_by=a.organizer,
    )
    done = ActionFactory(
        plan=plan,
        description="Create a civilian review board",
        responsible="City Council",
        due_on=timezone.localdate() + datetime.timedelta(days=30),
        status="completed",
        created_by=a.organizer,
    )
    indicator = IndicatorFactory(
        action=overdue,
        name="Stop reports published",
        unit="reports",
        baseline=0,
        target_value=4,
        data_source="Police department website",
    )
    update = services.progress_add(
        actor=a.organizer,
        action=overdue,
        reported_on=timezone.localdate() - datetime.timedelta(days=2),
        text="The first quarterly report came out.",
        indicator=indicator,
        value=Decimal("3"),
        evidence_file=SimpleUploadedFile(f"{CANARIES['file']}.pdf", b"%PDF-1.4 minutes"),
    )
    visible = OfficialResponseFactory(
        link=ResponseLinkFactory(
            plan=plan,
            official_name="Jordan Official",
            official_title="Police Commissioner",
            message=CANARIES["message"],
            used_at=timezone.now(),
        ),
        kind="commitment",
        text="We commit to publishing every stop by race and reason.",
    )
    hidden = OfficialResponseFactory(
        link=ResponseLinkFactory(plan=plan, official_name="Hidden Person"),
        kind="response",
        text=CANARIES["hidden"],
        hidden_at=timezone.now(),
        hidden_by=a.lead,
        hidden_reason="Posted by mistake.",
    )
    policing = [seeded_theme("policing")]
    restricted = reviewed(
        a.city,
        narrative=CANARIES["narrative"],
        speaker_name=CANARIES["speaker"],
        speaker_contact=CANARIES["contact"],
        consent_level="anonymous",
        redacted_quote=CANARIES["quote"],
        themes=policing,
    )
    internal = reviewed(a.city, narrative=CANARIES["internal"], consent_level="internal")
    for t in (restricted, internal):
        link_testimony(a, recs["profiling"], t)
    b_testimonies = [reviewed(world.b.city, narrative=f"B story {n}") for n in range(5)]
    for t in b_testimonies:
        link_testimony(world.b, recs["profiling"], t)
    ActionPlanFactory(city=world.b.city, recommendation=recs["housing"], created_by=world.b.lead)
    return {
        "plan": plan,
        "overdue": overdue,
        "done": done,
        "indicator": indicator,
        "update": update,
        "visible": visible,
        "hidden": hidden,
    }


# --------------------------------------------------------------------------- who may see


@pytest.mark.authz(
    "recommendations:list",
    "recommendations:detail",
    "recommendations:comparison",
    "public:handout",
)
@pytest.mark.parametrize("role", ROLES)
def test_the_public_pages_are_for_everyone(world, login, recs, scorecard, role):
    client = login(user_for(world, role))
    for url in (
        reverse("recommendations:list"),
        detail_url(recs["profiling"]),
        reverse("recommendations:comparison"),
    ):
        assert client.get(url).status_code == 200, url
    response = client.get(handout_url(world.a.city))
    assert response.status_code == 200
    assert read_file(response).startswith(b"%PDF")


def test_the_public_pages_are_get_only(world, client, recs):
    for url in (
        reverse("recommendations:list"),
        detail_url(recs["profiling"]),
        reverse("recommendations:comparison"),
        handout_url(world.a.city),
    ):
        assert client.post(url).status_code == 405, url
        assert client.put(url).status_code == 405, url
    assert not HandoutCache.objects.exists()


# --------------------------------------------------------------------------- the list


def _texts(response) -> set[str]:
    return {rec.text for rec in response.context["page"].object_list}


def test_the_list_shows_every_recommendation_with_facets(world, client, recs):
    response = client.get(reverse("recommendations:list"))
    page = text(response)
    assert _texts(response) == {r.text for r in recs.values()}
    for rec in recs.values():
        assert rec.text in page
        assert detail_url(rec) in page
    assert "5 recommendations" in page
    facets = response.context["facets"]
    assert facets["total"] == 5
    assert {f.key: f.count for f in facets["responses"]} == {
        "supported": 2,
        "partially_supported": 1,
        "noted": 2,
    }
    assert {f.key: f.count for f in facets["themes"]} == {"policing": 2, "housing": 2}
    # The charts are plain HTML: labels and numbers as text.
    assert 'class="bar-chart"' in page
    charts = page[page.index('class="recommendation-facets"') :]
    assert "Policing and criminal justice" in charts and "2 (40%)" in charts
    assert "Partially supported" in charts and "1 (20%)" in charts


def test_search_finds_police_recommendations_and_not_others(world, client, recs):
    response = client.get(reverse("recommendations:list"), {"q": "police"})
    page = text(response)
    assert _texts(response) == {recs["profiling"].text, recs["custody"].text}
    assert recs["profiling"].text in page and recs["custody"].text in page
    assert recs["housing"].text not in page and recs["treaty"].text not in page
    assert "2 recommendations match" in page
    assert response.context["facets"]["total"] == 2
    # English stemming: "policing" finds them too; a paragraph number finds its one.
    assert _texts(client.get(reverse("recommendations:list"), {"q": "policing"})) == {
        recs["profiling"].text,
        recs["custody"].text,
    }
    assert _texts(client.get(reverse("recommendations:list"), {"q": "26.240"})) == {
        recs["housing"].text
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"cycle": "1"}, {"custody", "shelter"}),
        ({"cycle": "3"}, {"profiling", "housing", "treaty"}),
        ({"theme": "housing"}, {"housing", "shelter"}),
        ({"response": "noted"}, {"custody", "treaty"}),
        ({"state": "Brazil"}, {"housing", "shelter"}),
        ({"theme": "housing", "cycle": "3"}, {"housing"}),
        ({"q": "police", "response": "noted"}, {"custody"}),
        ({"q": "police", "state": "Brazil"}, set()),
    ],
)
def test_each_filter_narrows_the_results(world, client, recs, params, expected):
    response = client.get(reverse("recommendations:list"), params)
    page = text(response)
    assert _texts(response) == {recs[k].text for k in expected}
    for key, rec in recs.items():
        assert (rec.text in page) is (key in expected), key
    assert response.context["facets"]["total"] == len(expected)
    if not expected:
        assert "No recommendation matches. Try fewer filters." in page


def test_odd_search_input_never_breaks_the_list(world, client, recs):
    for q in ('"unclosed', "police & | ! :*", "'; DROP TABLE x; --", "x" * 300):
        response = client.get(reverse("recommendations:list"), {"q": q})
        assert response.status_code == 200, q
    response = client.get(reverse("recommendations:list"), {"cycle": "99", "page": "abc"})
    assert response.status_code == 200


def test_the_list_is_paginated_keeping_the_filters(world, client, recs):
    for n in range(30):
        RecommendationFactory(text=f"Train police officers in de-escalation, item {n}")
    response = client.get(reverse("recommendations:list"), {"q": "police"})
    page = text(response)
    assert response.context["page"].paginator.count == 32
    assert len(response.context["page"].object_list) == 25
    assert "Page 1 of 2" in page
    assert re.search(r'href="\?q=police&amp;page=2"|href="\?q=police&page=2"', page)
    second = client.get(reverse("recommendations:list"), {"q": "police", "page": "2"})
    assert len(second.context["page"].object_list) == 7
    assert "Page 2 of 2" in text(second)
    assert not set(_texts(response)) & set(_texts(second))


def test_the_list_without_recommendations_says_so(world, client):
    page = text(client.get(reverse("recommendations:list")))
    assert "No recommendations have been imported yet." in page
    assert "0 recommendations" in page


# --------------------------------------------------------------------------- the detail page


def test_the_detail_page_counts_what_each_city_does_and_withholds_small_counts(
    world, client, recs, scorecard
):
    rec = recs["profiling"]
    # City C echoes it with its own recommendation, and has an unreviewed testimony.
    c = CityFactory(name="Gammaburg", slug="gammaburg")
    local = LocalRecommendationFactory(city=c, text="End pretextual traffic stops")
    services.evidence_link_decide(
        actor=world.coordinator, recommendation=rec, status="confirmed", local_recommendation=local
    )
    services.evidence_link_decide(
        actor=world.coordinator,
        recommendation=rec,
        status="confirmed",
        testimony=TestimonyFactory(city=c, narrative="Not reviewed yet"),
    )
    # A withdrawn and a dismissed one in city B don't count.
    withdrawn = reviewed(world.b.city, consent_withdrawn_at=timezone.now())
    link_testimony(world.b, rec, withdrawn)
    services.evidence_link_decide(
        actor=world.b.organizer,
        recommendation=rec,
        status="dismissed",
        testimony=reviewed(world.b.city),
    )

    response = client.get(detail_url(rec))
    page = text(response)
    assert rec.text in page and "26.150" in page and "Germany" in page
    activity = {row.city.slug: row for row in response.context["activity"]}
    assert set(activity) == {"alphaville", "betatown", "gammaburg"}
    a, b, g = activity["alphaville"], activity["betatown"], activity["gammaburg"]
    assert (a.plan, a.actions, a.completed, a.testimonies) == (scorecard["plan"], 2, 1, None)
    assert (b.plan, b.testimonies, b.local_recommendations) == (None, 5, 0)
    assert (g.testimonies, g.local_recommendations) == (0, 1)

    def row(city_name: str) -> str:
        [match] = [r for r in re.findall(r"<tr>(.*?)</tr>", page, re.S) if city_name in r]
        return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match))

    assert "Yes: 1 of 2 actions completed" in row("Alphaville")
    assert "Fewer than 5" in row("Alphaville")
    assert re.search(r"No plan 5 0", row("Betatown"))
    assert "Fewer than" not in row("Betatown")
    assert re.search(r"No plan 0 1", row("Gammaburg"))
    assert reverse("public:city", args=["alphaville"]) in page
    assert_no_canary(page, "the recommendation's page")
    assert "B story" not in page and "End pretextual traffic stops" not in page


def test_a_recommendation_nobody_took_up(world, client, recs):
    page = text(client.get(detail_url(recs["treaty"])))
    assert "No city has taken up this recommendation or linked evidence to it yet." in page


def test_an_unknown_recommendation_is_404(world, client, recs):
    assert client.get(reverse("recommendations:detail", args=[uuid.uuid4()])).status_code == 404
    assert client.get("/recommendations/not-a-uuid/").status_code == 404


# --------------------------------------------------------------------------- comparison


def test_the_comparison_is_a_plain_table_with_the_numbers(world, client, recs, scorecard):
    ActionPlanFactory(
        city=world.b.city,
        recommendation=None,
        local_recommendation=LocalRecommendationFactory(
            city=world.b.city,
            text="Body cameras for all officers",
            themes=[seeded_theme("policing")],
        ),
    )
    response = client.get(reverse("recommendations:comparison"))
    page = text(response)
    rows = {row.theme.slug: row for row in response.context["rows"]}
    assert set(rows) == {"policing", "housing"}
    policing = {cell.city.slug: cell for cell in rows["policing"].cells}
    a = policing["alphaville"]
    assert (a.plans, a.actions, a.completed, a.overdue, a.percent) == (1, 2, 1, 1, 50)
    assert (policing["betatown"].plans, policing["betatown"].actions) == (1, 0)
    assert [c.city.slug for c in rows["housing"].cells] == ["betatown"]
    # No JavaScript needed: the numbers are in an HTML table.
    assert "<table" in page
    section = page[page.index('id="theme-policing"') :]
    section = section[: section.index("</section>")]
    flat = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", section))
    assert re.search(r"Alphaville 1 1 of 2 \(50%\) 1 overdue", flat)
    assert re.search(r"Betatown 1 No actions yet None", flat)
    assert "<script" not in section
    assert_no_canary(page, "the comparison")


def test_the_comparison_without_plans_says_so(world, client, recs):
    response = client.get(reverse("recommendations:comparison"))
    page = text(response)
    assert response.context["rows"] == []
    assert "No city has published an action plan yet." in page
    assert "Alphaville" not in page


# --------------------------------------------------------------------------- handout


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_handout_is_a_one_page_pdf(world, client, recs, scorecard, language):
    response = client.get(handout_url(world.a.city, language))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="alphaville-un-recommendations-{language}.pdf"'
    )
    pages, printed = pdf_text(read_file(response))
    assert pages == 1
    flat = " ".join(printed.split())
    assert "Alphaville" in flat
    assert "Publish police stop data every quarter" in flat
    assert "We commit to publishing every stop" in flat
    assert_no_canary(flat, f"the {language} handout")
    # A second download reuses the rendered file.
    read_file(client.get(handout_url(world.a.city, language)))
    assert HandoutCache.objects.filter(city=world.a.city, language=language).count() == 1


def test_the_handout_of_a_city_with_nothing_yet_is_still_one_page(world, client):
    response = client.get(handout_url(world.b.city))
    pages, printed = pdf_text(read_file(response))
    assert pages == 1 and "Betatown" in printed


def test_the_handout_in_an_unknown_language_or_city_is_404(world, client, recs):
    assert client.get(handout_url(world.a.city, "fr")).status_code == 404
    assert client.get("/cities/alphaville/un-recommendations/EN.pdf").status_code == 404
    assert client.get("/cities/no-such-city/un-recommendations/en.pdf").status_code == 404
    assert not HandoutCache.objects.exists()


# --------------------------------------------------------------------------- the city's scorecard


def test_the_city_page_shows_the_scorecard(world, client, recs, scorecard):
    page = text(client.get(city_url(world.a.city)))
    card = page[page.index('id="scorecard-heading"') :]
    card = card[: card.index("</section>")]
    flat = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", card))
    plan = scorecard["plan"]
    assert plan.title in card and recs["profiling"].text in card
    assert "Residents told us about stops on the East Side." in card
    assert detail_url(recs["profiling"]) in card
    # Actions with their status; the overdue one marked.
    overdue, done = scorecard["overdue"], scorecard["done"]
    assert "Publish police stop data every quarter" in card
    assert "Create a civilian review board" in card
    assert "Status: In progress" in flat and "Status: Completed" in flat
    assert f"Overdue since {date_format(overdue.due_on)}" in flat
    assert f"Overdue since {date_format(done.due_on)}" not in flat
    items = card.split('<li class="action-item')[1:]
    [overdue_item] = [i for i in items if "Publish police stop data" in i]
    [done_item] = [i for i in items if "Create a civilian review board" in i]
    assert overdue_item.startswith(" action-overdue") and "Overdue since" in overdue_item
    assert "Overdue since" not in done_item and "action-overdue" not in done_item[:20]
    # The indicator with its latest value, and the progress note (not the file).
    assert "Stop reports published: latest 3 reports; target 4 reports (from 0 reports)" in flat
    assert "The first quarterly report came out." in card
    # The official's visible response, marked as theirs, with its date; the hidden one absent.
    visible = scorecard["visible"]
    assert (
        f"Response from Jordan Official, Police Commissioner, "
        f"{date_format(timezone.localtime(visible.submitted_at))}"
    ) in flat
    assert "We commit to publishing every stop by race and reason." in card
    assert "Posted by the official through a personal link" in card
    assert "Hidden Person" not in page
    # Handouts in both languages.
    assert handout_url(world.a.city, "en") in card and handout_url(world.a.city, "es") in card
    assert_no_canary(page, "the city page")
    # No way in to the team's files or pages.
    assert "/app/" not in card
    assert scorecard["update"].evidence_file.name not in page


def test_a_city_without_plans_says_so(world, client, recs):
    page = text(client.get(city_url(world.a.city)))
    assert "The city has not published an action plan yet." in page
    assert handout_url(world.a.city, "en") in page


def test_nothing_restricted_reaches_any_public_page_or_the_handout(world, client, recs, scorecard):
    """The canaries, searched for on every public page that shows accountability data."""
    pages = {
        "city A": city_url(world.a.city),
        "city B": city_url(world.b.city),
        "detail": detail_url(recs["profiling"]),
        "list": reverse("recommendations:list"),
        "search": reverse("recommendations:list") + "?q=CANARY",
        "comparison": reverse("recommendations:comparison"),
    }
    for where, url in pages.items():
        assert_no_canary(text(client.get(url)), where)
    for language in ("en", "es"):
        _pages, printed = pdf_text(read_file(client.get(handout_url(world.a.city, language))))
        assert_no_canary(" ".join(printed.split()), f"handout {language}")
