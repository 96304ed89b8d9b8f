"""Issue 6, in the browser, in the demo world: the national coordinator (with two-factor
authentication) uploads the real 2010 UN recommendations file, checks the preview,
imports it, and maps a source theme the seeds leave unmapped; anyone browses the public
recommendations; the Harbor Falls organizer links a testimony to the top suggested
recommendation, takes it up, and builds the action plan (an action, an indicator and a
progress reading); the city lead creates a response link for an official; the official,
with no account, opens it and posts a commitment; the city's public scorecard shows it."""

from __future__ import annotations

import datetime
import re
import shutil
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from playwright.sync_api import Page, expect

from accountability.models import (
    ActionPlan,
    EvidenceLink,
    OfficialResponse,
    Recommendation,
    ThemeMapping,
)
from tests.e2e._compile_helpers import demo_log_in, demo_world
from tests.factories import ReviewCycleFactory

SOURCE = Path(settings.BASE_DIR) / "accountability" / "data" / "us-upr-cycle1-2010-uprinfo.csv"
RECOMMENDATIONS = 269  # 280 rows: joint recommendations come once per recommending state
CYCLE_TITLE = "United States — 1st UPR cycle (2010)"
TESTIMONY_SUMMARY = "Rent hike and retaliatory evictions after tenants organized."
# What the resident said and who they are (the demo testimony): never public.
SECRETS = ("Maria Alvarez", "1423 N. Elm Street", "Jordan Reyes", "thirty days' notice")
ACTION = "Adopt a right-to-counsel ordinance for every tenant facing eviction"
INDICATOR = "Tenants represented in eviction court"
COMMITMENT = "The Council commits to voting on the right-to-counsel ordinance by June."


def _field(page: Page, label: str):
    """A form field by its whole label (crispy forms add "*" to required ones)."""
    return page.get_by_label(re.compile(rf"^\s*{re.escape(label)}\s*\*?\s*$"))


def _message(page: Page, text: str) -> None:
    expect(page.locator(".messages .alert")).to_contain_text(text)


def _import_and_map(page: Page, snap, upload: Path) -> None:
    """The coordinator's part: upload, check, import; then map an unmapped theme."""
    page.goto("/app/national/")
    snap(page, "national-console")
    page.get_by_role("link", name="Import UN recommendations").first.click()
    expect(page.get_by_role("heading", name="Import UN recommendations", level=1)).to_be_visible()
    snap(page, "import-start")
    _field(page, "Review cycle").select_option(label=CYCLE_TITLE)
    _field(page, "CSV file").set_input_files(upload)
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Check before importing")
    snap(page, "import-preview")
    assert not Recommendation.objects.filter(cycle__number=1).exists()  # nothing written yet
    page.get_by_role("button", name=f"Import {RECOMMENDATIONS} recommendations").click()
    _message(page, f"Imported: {RECOMMENDATIONS} new, 0 updated, 0 unchanged recommendations.")
    snap(page, "import-done")
    assert Recommendation.objects.filter(cycle__number=1).count() == RECOMMENDATIONS

    page.get_by_role("link", name="Theme mapping").first.click()
    unmapped = page.locator("section").filter(has=page.locator("#unmapped-heading"))
    expect(unmapped.get_by_role("listitem").first).to_be_visible()
    snap(page, "theme-mapping")
    first = unmapped.get_by_role("listitem").first.get_by_role("link")
    source_theme = first.inner_text().strip()
    mapping = ThemeMapping.objects.get(source_theme=source_theme, vocabulary="upr_info")
    assert not mapping.themes.exists() and not mapping.not_applicable
    first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(source_theme)
    snap(page, "theme-mapping-edit")
    page.get_by_label("Poverty and social security").check()
    page.get_by_role("button", name="Save").click()
    _message(page, "Mapping saved: the recommendations with this theme are updated.")
    expect(unmapped.get_by_role("link", name=source_theme, exact=True)).to_have_count(0)
    snap(page, "theme-mapped")
    carrying = Recommendation.objects.filter(source_themes__contains=[source_theme])
    assert carrying.exists()
    assert all(r.themes.filter(slug="poverty").exists() for r in carrying)


def _browse_public(page: Page, snap) -> None:
    """Anyone, logged out: search the database and open a recommendation."""
    page.goto("/")
    page.get_by_role("link", name="UN recommendations").first.click()
    expect(page.get_by_role("search")).to_be_visible()
    snap(page, "public-recommendations")
    page.get_by_role("searchbox", name="Search").fill("police")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text(re.compile(r"\d+ recommendations? match"))).to_be_visible()
    snap(page, "public-recommendations-police")
    page.locator(".recommendation-item a[href^='/recommendations/']").first.click()
    expect(page.locator("blockquote, .recommendation-text").first).to_contain_text(
        re.compile("polic", re.I)
    )
    snap(page, "public-recommendation")


def _organizer_links_and_plans(page: Page, snap) -> Recommendation:
    """The organizer: confirm the top suggestion for a testimony, take the recommendation
    up, add an action, an indicator and a progress reading."""
    page.goto("/app/")
    page.get_by_role("link", name="Harbor Falls").first.click()
    page.get_by_role("navigation", name="Harbor Falls pages").get_by_role(
        "link", name="Testimony"
    ).click()
    snap(page, "testimony-list")
    # Click the reference a person sees: the link's first box is its visually hidden
    # "Testimony " prefix, where Playwright would aim by default.
    row = page.get_by_role("row").filter(has_text=TESTIMONY_SUMMARY)
    row.get_by_role("link").first.locator(".font-monospace").click()
    panel = page.locator("#recommendation-links")
    suggestions = panel.locator(".recommendation-item")
    expect(suggestions.first).to_be_visible()  # loaded into the page with htmx
    snap(page, "testimony-suggestions")
    top = suggestions.first.locator("input[name=recommendation]").get_attribute("value")
    recommendation = Recommendation.objects.get(uuid=top)
    suggestions.first.get_by_role("button", name=re.compile("^Confirm")).click()
    expect(panel).to_contain_text(f"This testimony supports {recommendation.label}")
    snap(page, "testimony-linked")
    link = EvidenceLink.objects.get(recommendation=recommendation)
    assert link.testimony.summary == TESTIMONY_SUMMARY

    page.get_by_role("navigation", name="Harbor Falls pages").get_by_role(
        "link", name="Accountability"
    ).click()
    snap(page, "accountability")
    page.get_by_role("link", name="Browse UN recommendations").first.click()
    page.get_by_role("searchbox", name="Search").fill(recommendation.text)
    page.get_by_role("button", name="Search").click()
    item = page.locator(".recommendation-item").filter(has_text=recommendation.text).first
    expect(item).to_be_visible()
    snap(page, "browse-to-take-up")
    item.get_by_role("button", name=re.compile("^Take up")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Action plan:")
    snap(page, "plan-new")
    plan = ActionPlan.objects.get(recommendation=recommendation)
    assert plan.city.slug == "harbor-falls-wa"

    page.get_by_role("link", name="Add an action").first.click()
    snap(page, "action-form")
    _field(page, "Action").fill(ACTION)
    _field(page, "Responsible department or official").fill("City Council")
    _field(page, "Target").fill("Every tenant facing eviction has a lawyer")
    due = timezone.localdate() + datetime.timedelta(days=120)
    _field(page, "Due date").fill(due.isoformat())
    page.get_by_role("button", name="Save").click()
    _message(page, "Action added.")

    page.get_by_role("link", name=re.compile("^Add an indicator")).click()
    snap(page, "indicator-form")
    _field(page, "Indicator").fill(INDICATOR)
    _field(page, "Unit").fill("%")
    _field(page, "Baseline").fill("10")
    _field(page, "Target value").fill("100")
    _field(page, "Data source").fill("Housing court records")
    page.get_by_role("button", name="Save").click()
    _message(page, "Indicator saved.")

    page.get_by_role("link", name=re.compile("^Add a progress update")).click()
    snap(page, "progress-form")
    _field(page, "What happened").fill("The Council funded a pilot with legal aid.")
    _field(page, "Indicator (optional)").select_option(label=INDICATOR)
    _field(page, "Indicator value").fill("35")
    _field(page, "Action status").select_option(label="In progress")
    page.get_by_role("button", name="Save").click()
    _message(page, "Progress update added.")
    expect(page.get_by_text(INDICATOR).first).to_be_visible()
    snap(page, "plan-with-action")
    return recommendation


def _lead_creates_a_response_link(page: Page, snap, recommendation: Recommendation) -> str:
    page.goto("/app/")
    page.get_by_role("link", name="Harbor Falls").first.click()
    page.get_by_role("navigation", name="Harbor Falls pages").get_by_role(
        "link", name="Accountability"
    ).click()
    plan = ActionPlan.objects.get(recommendation=recommendation)
    page.get_by_role("link", name=plan.title).first.click()
    expect(page.get_by_role("heading", name="Ask an official to respond")).to_be_visible()
    snap(page, "lead-plan")
    form = page.locator("form").filter(has=page.get_by_role("button", name="Create the link"))
    _field(page, "Official's name").fill("Council President Ortiz")
    _field(page, "Title or office").fill("President of the City Council")
    _field(page, "Message to the official (optional)").fill(
        "Residents ask when the Council will vote on right to counsel."
    )
    form.get_by_role("button", name="Create the link").click()
    _message(page, "Link created.")
    url = page.get_by_label("Link for Council President Ortiz (select and copy)")
    expect(url).to_have_value(re.compile(r"/respond/[0-9a-f-]{36}/[0-9a-f]{64}/$"))
    snap(page, "lead-link-created")
    return urlsplit(url.input_value()).path


def _official_opens_the_link(
    page: Page, snap, respond_path: str, recommendation: Recommendation
) -> None:
    response = page.goto(respond_path)
    assert response is not None and response.status == 200
    assert response.headers["cache-control"] == "private, no-store"
    expect(page.get_by_text("You are responding as Council President Ortiz")).to_be_visible()
    expect(page.locator("blockquote")).to_contain_text(recommendation.text[:80])
    snap(page, "official-respond")


def _official_submits_the_form(page: Page, snap) -> None:
    page.get_by_label("Commitment").check()
    page.get_by_role("textbox", name="Your response").fill(COMMITMENT)
    page.get_by_label("I am the official named above").check()
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name="Publish my response").click()
    assert posted.value.status == 200, f"the response form got HTTP {posted.value.status}"
    expect(page.get_by_text("Thank you: your response is published")).to_be_visible()
    snap(page, "official-thanks")


def test_un_recommendations_to_an_officials_commitment_on_the_scorecard(new_page, snap, tmp_path):
    demo_world(reports=False, accountability=False)  # the 2010 file is this journey's own
    ReviewCycleFactory(number=1, title=CYCLE_TITLE)
    upload = tmp_path / SOURCE.name
    shutil.copyfile(SOURCE, upload)

    coordinator = new_page()
    demo_log_in(coordinator, "coordinator", snap=snap)
    _import_and_map(coordinator, snap, upload)

    visitor = new_page()  # logged out throughout: the public, then the official
    _browse_public(visitor, snap)

    organizer = new_page()
    demo_log_in(organizer, "organizer", snap=snap)
    recommendation = _organizer_links_and_plans(organizer, snap)

    lead = new_page()
    demo_log_in(lead, "lead")
    respond_path = _lead_creates_a_response_link(lead, snap, recommendation)

    # The official opens the link without an account and commits.
    _official_opens_the_link(visitor, snap, respond_path, recommendation)
    _official_submits_the_form(visitor, snap)
    response = OfficialResponse.objects.get(plan__recommendation=recommendation)
    assert response.official_name == "Council President Ortiz"
    assert response.kind == "commitment"
    again = visitor.goto(respond_path)
    assert again is not None and again.status == 410  # single use
    snap(visitor, "official-link-used")

    # The city's public scorecard.
    visitor.goto("/cities/harbor-falls-wa/")
    card = visitor.locator("section.scorecard")
    expect(card).to_contain_text(recommendation.text[:80])
    expect(card).to_contain_text(ACTION)
    expect(card).to_contain_text("Status: In progress")
    expect(card).to_contain_text(re.compile(rf"{INDICATOR}:\s+latest 35 %; target 100 %"))
    expect(card).to_contain_text(COMMITMENT)
    expect(card).to_contain_text("Council President Ortiz")
    snap(visitor, "public-scorecard")
    public = visitor.content()
    for secret in SECRETS:
        assert secret not in public
