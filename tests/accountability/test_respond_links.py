"""The official's response page (`official_respond`): reached through a single-purpose
link with no account. It shows the one plan (or action) the link is for and nothing else;
it takes one response, then the link is used; expired, revoked and used links answer 410;
a wrong token is a 404 like a missing link; requests are rate limited per address (in
Redis, for real: conftest's cache.clear() flushes the shared Redis database between tests,
and every test's links have fresh uuids, so counts never leak); the pages carry
strict-origin and no-store headers; and the form needs its CSRF token like any other."""

from __future__ import annotations

import datetime
import html as html_lib
import re
import uuid

import pytest
import redis
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from accountability import selectors
from accountability.models import OfficialResponse, ResponseLink
from accountability.tokens import response_token
from cities.models import AuditAction, AuditEvent
from tests.conftest import ROLES, user_for
from tests.factories import (
    ActionFactory,
    ActionPlanFactory,
    RecommendationFactory,
    ResponseLinkFactory,
    TestimonyFactory,
)

pytestmark = pytest.mark.django_db

NARRATIVE = "CANARY-RESPOND-NARRATIVE my neighbour at 7 Pine Road was evicted"
SPEAKER = "Canary Respondia Speaker"
OTHER_PLAN_TEXT = "Abolish solitary confinement in the county jail (another plan)"
OTHER_CITY_TEXT = "Fund Betatown's bus service (another city's plan)"
COMMITMENT = "The Department of Housing commits to funding right to counsel in 2027."


# --------------------------------------------------------------------------- helpers


def respond_url(link: ResponseLink, token: str | None = None) -> str:
    return reverse("official_respond", args=[link.uuid, token or response_token(link)])


def text(response) -> str:
    return html_lib.unescape(response.content.decode())


def answer(**overrides) -> dict[str, str]:
    return {"kind": "commitment", "text": COMMITMENT, "confirm": "on", **overrides}


def assert_private_headers(response) -> None:
    # The origin only (the token never travels in a Referer), and not no-referrer, which
    # makes browsers send `Origin: null` on the POST (tests/e2e/test_journey_clamor.py).
    assert response["Referrer-Policy"] == "strict-origin"
    assert "no-store" in response["Cache-Control"]
    assert response["X-Robots-Tag"] == "noindex, nofollow"


def rate_limit_keys(settings) -> list[str]:
    client = redis.Redis.from_url(settings.RATE_LIMIT_REDIS_URL)
    try:
        return [key.decode() for key in client.scan_iter("rl:respond:*")]
    finally:
        client.close()


@pytest.fixture
def plan(world):
    """City A's plan, with restricted testimony linked to its recommendation; another plan
    of city A and one of city B that the link must never show."""
    from accountability import services

    plan = ActionPlanFactory(
        city=world.a.city,
        recommendation=RecommendationFactory(
            text="Guarantee legal counsel to tenants facing eviction"
        ),
        created_by=world.a.lead,
    )
    testimony = TestimonyFactory(
        city=world.a.city, narrative=NARRATIVE, speaker_name=SPEAKER, recorded_by=world.a.lead
    )
    services.evidence_link_decide(
        actor=world.a.lead,
        recommendation=plan.recommendation,
        status="confirmed",
        testimony=testimony,
    )
    ActionPlanFactory(city=world.a.city, recommendation=RecommendationFactory(text=OTHER_PLAN_TEXT))
    ActionPlanFactory(city=world.b.city, recommendation=RecommendationFactory(text=OTHER_CITY_TEXT))
    return plan


@pytest.fixture
def link(world, plan) -> ResponseLink:
    return ResponseLinkFactory(
        plan=plan,
        official_name="Dana Director",
        official_title="Director of Housing",
        message="Residents asked about right to counsel: please tell them your plans.",
        created_by=world.a.organizer,
    )


# --------------------------------------------------------------------------- who may open it


@pytest.mark.authz("official_respond")
@pytest.mark.parametrize("role", ROLES)
def test_anyone_with_the_link_may_respond_and_nobody_without_it(world, login, link, role):
    """The token is the authorization: any visitor, logged in or not, with it; nobody,
    not even the city's lead, without it or with another link's."""
    client = login(user_for(world, role))
    assert client.get(respond_url(link)).status_code == 200
    other = ResponseLinkFactory(plan=link.plan)
    assert client.get(respond_url(link, response_token(other))).status_code == 404
    assert client.get(respond_url(link, "0" * 64)).status_code == 404
    assert client.post(respond_url(link, "0" * 64), answer()).status_code == 404
    assert not OfficialResponse.objects.exists()


def test_the_page_shows_only_the_plan_and_no_way_into_the_portal(world, client, link):
    response = client.get(respond_url(link))
    assert response.status_code == 200
    assert_private_headers(response)
    page = text(response)
    assert "You are responding as Dana Director, Director of Housing" in page
    assert "Guarantee legal counsel to tenants facing eviction" in page
    assert "Residents asked about right to counsel" in page  # the team's message
    for hidden in (OTHER_PLAN_TEXT, OTHER_CITY_TEXT, NARRATIVE, "CANARY-RESPOND", SPEAKER):
        assert hidden not in page, hidden
    hrefs = re.findall(r'(?:href|action)="([^"]*)"', page)
    assert hrefs
    assert not [h for h in hrefs if "/app/" in h], hrefs
    assert 'name="confirm"' in page and 'name="text"' in page


def test_an_action_link_shows_the_action(world, client, plan):
    action = ActionFactory(
        plan=plan, description="Adopt a right-to-counsel ordinance", responsible="City Council"
    )
    link = ResponseLinkFactory(plan=plan, action=action)
    page = text(client.get(respond_url(link)))
    assert "The action you are asked about" in page
    assert "Adopt a right-to-counsel ordinance" in page and "City Council" in page
    client.post(respond_url(link), answer())
    response = OfficialResponse.objects.get()
    assert (response.plan, response.action) == (plan, action)


def test_wrong_tokens_and_unknown_links_are_404(world, client, link):
    token = response_token(link)
    for url in (
        respond_url(link, token[:-1] + ("0" if token[-1] != "0" else "1")),
        respond_url(link, token.upper()),
        reverse("official_respond", args=[uuid.uuid4(), token]),
        f"/respond/{link.uuid}/x/",
    ):
        assert client.get(url).status_code == 404, url
        assert client.post(url, answer()).status_code == 404, url
    assert client.get(f"/respond/not-a-uuid/{token}/").status_code == 404
    assert not OfficialResponse.objects.exists()
    link.refresh_from_db()
    assert link.used_at is None


def test_the_page_is_get_and_post_only(world, client, link):
    assert client.put(respond_url(link)).status_code == 405
    assert client.delete(respond_url(link)).status_code == 405


# --------------------------------------------------------------------------- responding


def test_posting_publishes_the_response_once(world, client, link):
    response = client.post(respond_url(link), answer())
    assert response.status_code == 200
    assert_private_headers(response)
    page = text(response)
    assert "Thank you: your response is published" in page
    assert reverse("public:city", args=[world.a.city.slug]) in page

    saved = OfficialResponse.objects.get()
    assert (saved.city, saved.plan, saved.action, saved.link) == (
        world.a.city,
        link.plan,
        None,
        link,
    )
    assert (saved.kind, saved.text) == ("commitment", COMMITMENT)
    assert (saved.official_name, saved.official_title) == ("Dana Director", "Director of Housing")
    assert saved.hidden_at is None
    link.refresh_from_db()
    assert link.used_at == saved.submitted_at
    event = AuditEvent.objects.get(action=AuditAction.OFFICIAL_RESPONDED)
    assert (event.actor, event.city, event.target_id) == (None, world.a.city, str(saved.uuid))
    assert event.details == {"link": str(link.uuid), "kind": "commitment"}

    # The city's public page shows it, marked as the official's, with its date.
    public = text(client.get(reverse("public:city", args=[world.a.city.slug])))
    flat = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", public))
    assert COMMITMENT in public
    day = date_format(timezone.localtime(saved.submitted_at))
    assert f"Response from Dana Director, Director of Housing, {day}" in flat

    # The link is used: another POST or GET is 410 and saves nothing.
    again = client.post(respond_url(link), answer(text="A second response."))
    assert again.status_code == 410
    assert_private_headers(again)
    closed = client.get(respond_url(link))
    assert closed.status_code == 410
    assert "A response was already posted through it" in text(closed)
    assert OfficialResponse.objects.count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.OFFICIAL_RESPONDED).count() == 1


def test_the_officials_words_are_shown_as_text_not_markup(world, client, link):
    words = '<script>alert("x")</script><a href="https://evil.example">Click</a> We will act.'
    assert client.post(respond_url(link), answer(text=words)).status_code == 200
    public = client.get(reverse("public:city", args=[world.a.city.slug])).content.decode()
    assert "&lt;script&gt;alert(" in public
    assert '<script>alert("x")' not in public
    assert 'href="https://evil.example"' not in public


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (answer(confirm=""), "confirm"),
        ({"kind": "commitment", "text": COMMITMENT}, "confirm"),
        (answer(text="   "), "text"),
        (answer(kind="threat"), "kind"),
        (answer(text="x" * 4001), "text"),
    ],
    ids=["unticked", "no-box", "blank", "bad-kind", "too-long"],
)
def test_an_incomplete_response_is_422_and_nothing_is_saved(world, client, link, data, field):
    response = client.post(respond_url(link), data)
    assert response.status_code == 422
    assert_private_headers(response)
    assert field in response.context["form"].errors
    if data.get("text", "").strip() and len(data["text"]) <= 4000:
        assert COMMITMENT in text(response)  # kept as typed
    assert not OfficialResponse.objects.exists()
    link.refresh_from_db()
    assert link.used_at is None
    assert client.get(respond_url(link)).status_code == 200  # still usable


def test_a_link_used_in_another_tab_meanwhile_posts_nothing(world, client, link, monkeypatch):
    """Two tabs: the page was checked usable, then the other tab's response landed before
    this one is saved. The row lock catches it and the official is sent back to the link."""
    stale = selectors.response_link_get_by_token(link_uuid=link.uuid, token=response_token(link))
    monkeypatch.setattr(
        "accountability.views.public.selectors.response_link_get_by_token",
        lambda **kwargs: stale,
    )
    ResponseLink.objects.filter(pk=link.pk).update(used_at=timezone.now())
    response = client.post(respond_url(link), answer())
    assert response.status_code == 302
    assert response["Location"] == respond_url(link)
    assert not OfficialResponse.objects.exists()


@pytest.mark.parametrize("state", ["expired", "revoked"])
def test_expired_and_revoked_links_are_410(world, client, link, state):
    if state == "expired":
        link.expires_at = timezone.now() - datetime.timedelta(minutes=1)
        expected = f"It expired on {date_format(timezone.localtime(link.expires_at))}."
    else:
        link.revoked_at = timezone.now()
        link.revoked_by = world.a.lead
        expected = "The city's team withdrew it."
    link.save()
    for response in (client.get(respond_url(link)), client.post(respond_url(link), answer())):
        assert response.status_code == 410
        assert_private_headers(response)
        page = text(response)
        assert "This link no longer works" in page and expected in page
        assert "Guarantee legal counsel" not in page  # nothing about the plan any more
        assert 'name="text"' not in page
    assert not OfficialResponse.objects.exists()


# --------------------------------------------------------------------------- rate limit


def test_too_many_requests_from_one_address_get_429(world, link, settings):
    settings.RESPONSE_LINK_RATE_LIMIT = 2
    official = Client(REMOTE_ADDR="203.0.113.5")
    assert official.get(respond_url(link)).status_code == 200
    assert official.get(respond_url(link)).status_code == 200
    limited = official.post(respond_url(link), answer())
    assert limited.status_code == 429
    assert_private_headers(limited)
    assert "Too many attempts" in text(limited)
    assert not OfficialResponse.objects.exists()
    # Another address, and another link from this address, are counted apart.
    assert Client(REMOTE_ADDR="198.51.100.7").get(respond_url(link)).status_code == 200
    other = ResponseLinkFactory(plan=link.plan)
    assert official.get(respond_url(other)).status_code == 200
    # Redis holds a hash of the address, never the address itself.
    keys = rate_limit_keys(settings)
    assert any(str(link.uuid) in key for key in keys)
    assert all("203.0.113.5" not in key and "198.51.100.7" not in key for key in keys)


def test_guessing_tokens_is_rate_limited_too(world, link, settings):
    settings.RESPONSE_LINK_RATE_LIMIT = 3
    guesser = Client(REMOTE_ADDR="192.0.2.66")
    for n in range(3):
        assert guesser.get(respond_url(link, f"{n:064x}")).status_code == 404
    assert guesser.get(respond_url(link, f"{9:064x}")).status_code == 429
    assert guesser.get(respond_url(link)).status_code == 429  # even with the right one


def test_without_redis_the_link_still_works(world, client, link, settings):
    settings.RATE_LIMIT_REDIS_URL = "redis://127.0.0.1:1/0"
    settings.RESPONSE_LINK_RATE_LIMIT = 1
    for _ in range(3):
        assert client.get(respond_url(link)).status_code == 200
    assert client.post(respond_url(link), answer()).status_code == 200
    assert OfficialResponse.objects.count() == 1


# --------------------------------------------------------------------------- CSRF


def test_a_post_without_the_csrf_token_is_refused(world, link):
    browser = Client(enforce_csrf_checks=True)
    response = browser.post(respond_url(link), answer())
    assert response.status_code == 403
    assert not OfficialResponse.objects.exists()
    link.refresh_from_db()
    assert link.used_at is None
    # The form as served carries the token, and then the same post goes through.
    page = browser.get(respond_url(link)).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = browser.post(respond_url(link), {**answer(), "csrfmiddlewaretoken": token})
    assert response.status_code == 200
    assert OfficialResponse.objects.count() == 1
