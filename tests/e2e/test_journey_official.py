"""Issues 5 and 6, in the browser: a local official with no account finds the city in the
public directory and downloads its published local report from the city's page, then
the one-page "UN recommendations for our city" handout in English and in Spanish.

The city lead's side (draft, render, approve, publish) is walked in the browser by
test_journey_lead_publish.py; here the services do it, as the lead's clicks would."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from accountability import services as accountability
from cities.models import City, ReviewCycle
from reports import services as reports
from reports.models import DocumentKind, Publication
from tests.e2e._compile_helpers import (
    PDF,
    assert_pdf,
    demo_user,
    demo_world,
    download,
    fetch,
    href,
)
from tests.factories import RecommendationFactory, ReviewCycleFactory, seeded_theme

# In the demo testimony's narrative, never in its redacted quote: must never print.
UNREDACTED = ("Maria Alvarez", "1423 N. Elm Street", "(555) 201-7788", "jordan.reyes@example.org")
ACTION = "Adopt a right-to-counsel ordinance for tenants facing eviction"


def _publish_the_local_report(city: City) -> Publication:
    """What the lead does in test_journey_lead_publish.py, through the same services."""
    lead = demo_user("lead")
    report = reports.report_start(
        actor=lead,
        city=city,
        cycle=ReviewCycle.objects.get(is_current=True),
        kind=DocumentKind.REPORT,
        language="en",
    )
    reports.draft_from_evidence(actor=lead, report=report)
    reports.render_request(actor=lead, report=report)  # rendered on commit (eager worker)
    reports.report_approve(actor=lead, report=report)  # the final PDF, likewise
    return reports.report_publish(actor=lead, report=report)


def _take_up_a_recommendation(city: City) -> None:
    lead = demo_user("lead")
    recommendation = RecommendationFactory(
        cycle=ReviewCycleFactory(number=3, title="United States — 3rd UPR cycle (2020)"),
        paragraph="26.101",
        text="Guarantee the right to adequate housing and protect tenants from eviction",
        themes=[seeded_theme("housing")],
    )
    plan = accountability.plan_create(
        actor=lead, city=city, recommendation=recommendation, summary="Evictions doubled."
    )
    accountability.action_save(
        actor=lead,
        plan=plan,
        fields={
            "description": ACTION,
            "responsible": "City Council",
            "target": "Every tenant facing eviction has a lawyer",
            "due_on": recommendation.cycle.local_report_due.replace(year=2027),
            "status": "in_progress",
        },
    )


def test_an_official_downloads_the_published_report_and_the_handout_without_logging_in(page, snap):
    demo_world(reports=False, accountability=False)
    city = City.objects.get(slug="harbor-falls-wa")
    publication = _publish_the_local_report(city)
    _take_up_a_recommendation(city)

    page.goto("/")
    snap(page, "home")
    page.get_by_role("link", name="Cities directory").first.click()
    expect(page.get_by_role("link", name="Harbor Falls")).to_be_visible()
    snap(page, "directory")
    page.get_by_role("link", name="Harbor Falls").click()
    expect(page.get_by_role("heading", name="Harbor Falls", level=1)).to_be_visible()
    reports_section = page.locator("section").filter(
        has=page.get_by_role("heading", name="Reports", level=2)
    )
    expect(reports_section).to_contain_text("Version 1, published")
    snap(page, "public-city-page")
    assert not [c for c in page.context.cookies() if c["name"] == "sessionid"]

    # The published report: a PDF, served as an attachment to anyone.
    link = reports_section.get_by_role(
        "link", name=re.compile(r"Download the local report \(PDF, \d+ pages?")
    )
    served = fetch(page, href(link))
    assert served.status == 200
    assert served.headers["content-type"] == PDF
    assert served.headers["content-disposition"].startswith("attachment;")
    saved = download(page, link)
    assert saved.filename.endswith(".pdf")
    assert saved.content == served.content
    pages, text = assert_pdf(saved.content)
    assert pages == publication.page_count
    assert "Harbor Falls" in text
    assert "DRAFT" not in text
    for secret in UNREDACTED:
        assert secret not in text

    # The one-page handout, in English and in Spanish, from the scorecard.
    scorecard = page.locator("section.scorecard")
    expect(scorecard).to_contain_text(ACTION)
    for name, marker in (
        ("UN recommendations for our city (PDF, English)", "UN recommendations"),
        ("UN recommendations for our city (PDF, español)", "Recomendaciones"),
    ):
        link = scorecard.get_by_role("link", name=name)
        served = fetch(page, href(link))
        assert served.status == 200
        assert served.headers["content-type"] == PDF
        saved = download(page, link)
        assert saved.filename.endswith(".pdf")
        pages, text = assert_pdf(saved.content)
        assert pages == 1
        assert "Harbor Falls" in text
        assert ACTION in text
        assert marker.lower() in text.lower(), text[:300]
