"""Officials' response links and responses, at the service level."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from accountability import services, tokens
from accountability.models import OfficialResponse, ResponseLink
from cities.models import AuditEvent
from tests.factories import (
    ActionFactory,
    ActionPlanFactory,
    OfficialResponseFactory,
    ResponseLinkFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(world):
    return ActionPlanFactory(city=world.a.city)


def create(world, plan, **kwargs):
    kwargs.setdefault("official_name", "  Jordan Official ")
    kwargs.setdefault("official_title", " Director of Housing ")
    return services.response_link_create(actor=world.a.lead, plan=plan, **kwargs)


def events(name: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=name).order_by("id"))


# --------------------------------------------------------------------------- links


def test_a_link_expires_after_the_default_days(world, plan):
    before = timezone.now()
    link = create(world, plan, message="  Please answer on the counsel ordinance. ")
    after = timezone.now()

    link.refresh_from_db()
    ttl = datetime.timedelta(days=settings.RESPONSE_LINK_TTL_DAYS)
    assert before + ttl <= link.expires_at <= after + ttl
    assert (link.city, link.plan, link.action) == (world.a.city, plan, None)
    assert (link.official_name, link.official_title) == ("Jordan Official", "Director of Housing")
    assert link.message == "Please answer on the counsel ordinance."
    assert len(link.token_nonce) == 32
    assert link.created_by == world.a.lead
    assert link.is_usable()
    [event] = events("response_link.created")
    assert event.city == world.a.city
    assert event.details == {
        "plan": str(plan.uuid),
        "action": "",
        "days": settings.RESPONSE_LINK_TTL_DAYS,
    }


def test_the_default_follows_the_setting(world, plan, settings):
    settings.RESPONSE_LINK_TTL_DAYS = 3

    link = create(world, plan)

    assert link.expires_at - link.created_at == pytest.approx(
        datetime.timedelta(days=3), abs=datetime.timedelta(seconds=5)
    )


@pytest.mark.parametrize("days", [1, 14, 90])
def test_a_chosen_validity(world, plan, days):
    link = create(world, plan, valid_days=days)

    assert abs(link.expires_at - (timezone.now() + datetime.timedelta(days=days))) < (
        datetime.timedelta(seconds=5)
    )
    assert events("response_link.created")[0].details["days"] == days


@pytest.mark.parametrize("days", [-1, 91, 365])
def test_a_validity_outside_1_to_90_days_is_refused(world, plan, days):
    with pytest.raises(ValidationError, match="1 to 90 days"):
        create(world, plan, valid_days=days)
    assert not ResponseLink.objects.exists()
    assert not events("response_link.created")


def test_zero_days_is_refused(world, plan):
    with pytest.raises(ValidationError, match="1 to 90 days"):
        create(world, plan, valid_days=0)
    assert not ResponseLink.objects.exists()


def test_a_link_for_one_action(world, plan):
    action = ActionFactory(plan=plan)

    link = create(world, plan, action=action)

    assert link.action == action
    assert events("response_link.created")[0].details["action"] == str(action.uuid)


def test_a_link_for_an_action_of_another_plan_is_refused(world, plan):
    other = ActionFactory(plan=ActionPlanFactory(city=world.a.city))

    with pytest.raises(ValueError):
        create(world, plan, action=other)
    assert not ResponseLink.objects.exists()


def test_a_link_needs_the_officials_name_and_title(world, plan):
    with pytest.raises(ValidationError):
        create(world, plan, official_name="  ")
    with pytest.raises(ValidationError):
        create(world, plan, official_title="")
    assert not ResponseLink.objects.exists()


def test_the_token_matches_only_its_link(world, plan):
    link = create(world, plan)
    other = create(world, plan)
    token = tokens.response_token(link)

    assert tokens.response_token_matches(link, token)
    assert not tokens.response_token_matches(other, token)
    assert not tokens.response_token_matches(link, "")
    assert not tokens.response_token_matches(link, token[:-1])
    assert not tokens.response_token_matches(link, token.upper())
    assert token not in str(ResponseLink.objects.filter(pk=link.pk).values().get())
    link.token_nonce = tokens.new_nonce()
    assert not tokens.response_token_matches(link, token)


def test_the_token_depends_on_the_secret_key(world, plan, settings):
    link = create(world, plan)
    token = tokens.response_token(link)

    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789"

    assert not tokens.response_token_matches(link, token)


def test_revoking_is_idempotent(world, plan):
    link = create(world, plan)

    services.response_link_revoke(actor=world.a.lead, link=link)
    link.refresh_from_db()
    first = link.revoked_at
    services.response_link_revoke(actor=world.a.organizer, link=link)
    link.refresh_from_db()

    assert link.revoked_at == first is not None
    assert link.revoked_by == world.a.lead
    assert not link.is_usable()
    assert len(events("response_link.revoked")) == 1


# --------------------------------------------------------------------------- responses


def test_an_official_responds_through_the_link(world, plan):
    action = ActionFactory(plan=plan)
    link = create(world, plan, action=action)

    response = services.official_respond(
        link=link, kind="commitment", text="  We will fund it in the 2027 budget. "
    )

    response.refresh_from_db()
    assert (response.city, response.plan, response.action, response.link) == (
        world.a.city,
        plan,
        action,
        link,
    )
    assert response.kind == "commitment"
    assert response.text == "We will fund it in the 2027 budget."
    assert (response.official_name, response.official_title) == (
        "Jordan Official",
        "Director of Housing",
    )
    assert response.hidden_at is None
    link.refresh_from_db()
    assert link.used_at == response.submitted_at
    assert not link.is_usable()
    [event] = events("official.responded")
    assert event.actor is None
    assert event.city == world.a.city
    assert event.details == {"link": str(link.uuid), "kind": "commitment"}
    assert "2027 budget" not in str(event.details)


def test_the_response_keeps_the_name_the_link_had(world, plan):
    link = create(world, plan)
    response = services.official_respond(link=link, kind="response", text="Noted.")

    ResponseLink.objects.filter(pk=link.pk).update(official_name="Someone Else")

    response.refresh_from_db()
    assert response.official_name == "Jordan Official"


def test_a_link_works_once(world, plan):
    link = create(world, plan)
    services.official_respond(link=link, kind="response", text="First.")

    with pytest.raises(services.LinkUnusable):
        services.official_respond(link=link, kind="response", text="Second.")

    assert list(OfficialResponse.objects.values_list("text", flat=True)) == ["First."]
    assert len(events("official.responded")) == 1


def test_a_stale_link_object_cannot_respond_twice(world, plan):
    """Two tabs: both loaded the link before either posted."""
    link = create(world, plan)
    tab_one = ResponseLink.objects.get(pk=link.pk)
    tab_two = ResponseLink.objects.get(pk=link.pk)
    services.official_respond(link=tab_one, kind="response", text="From tab one.")

    with pytest.raises(services.LinkUnusable):
        services.official_respond(link=tab_two, kind="response", text="From tab two.")
    assert OfficialResponse.objects.count() == 1


def test_an_expired_link_is_unusable(world, plan):
    link = ResponseLinkFactory(plan=plan, expires_at=timezone.now() - datetime.timedelta(seconds=1))

    with pytest.raises(services.LinkUnusable):
        services.official_respond(link=link, kind="response", text="Late.")

    assert not OfficialResponse.objects.exists()
    link.refresh_from_db()
    assert link.used_at is None


def test_a_revoked_link_is_unusable(world, plan):
    link = create(world, plan)
    services.response_link_revoke(actor=world.a.lead, link=link)

    with pytest.raises(services.LinkUnusable):
        services.official_respond(link=link, kind="response", text="Hello.")

    assert not OfficialResponse.objects.exists()


@pytest.mark.parametrize(("kind", "text"), [("praise", "Fine."), ("response", "   ")])
def test_an_invalid_response_leaves_the_link_usable(world, plan, kind, text):
    link = create(world, plan)

    with pytest.raises(ValidationError):
        services.official_respond(link=link, kind=kind, text=text)

    link.refresh_from_db()
    assert link.used_at is None
    assert link.is_usable()
    assert not OfficialResponse.objects.exists()
    assert not events("official.responded")


def test_is_expired_at_the_boundary():
    now = timezone.now()
    link = ResponseLink(expires_at=now)

    assert link.is_expired(now)
    assert not link.is_expired(now - datetime.timedelta(microseconds=1))


# --------------------------------------------------------------------------- hiding


def test_hiding_needs_a_reason(world, plan):
    response = OfficialResponseFactory(link=ResponseLinkFactory(plan=plan))

    with pytest.raises(ValidationError, match="Say why"):
        services.official_response_hide(actor=world.a.lead, response=response, reason="   ")

    response.refresh_from_db()
    assert response.hidden_at is None
    assert not events("official.response_hidden")


def test_hiding_a_response_is_audited_and_keeps_the_text(world, plan):
    response = OfficialResponseFactory(link=ResponseLinkFactory(plan=plan))

    services.official_response_hide(
        actor=world.a.lead, response=response, reason="  Posted by mistake. "
    )

    response.refresh_from_db()
    assert response.hidden_at is not None
    assert response.hidden_by == world.a.lead
    assert response.hidden_reason == "Posted by mistake."
    assert response.text == "We commit to funding right to counsel in the next budget."
    [event] = events("official.response_hidden")
    assert event.actor == world.a.lead
    assert event.city == world.a.city
    assert event.target_id == str(response.uuid)
    assert event.details == {"reason": "Posted by mistake."}


def test_a_long_reason_is_cut_to_the_field(world, plan):
    response = OfficialResponseFactory(link=ResponseLinkFactory(plan=plan))

    services.official_response_hide(actor=world.a.lead, response=response, reason="x" * 500)

    response.refresh_from_db()
    assert response.hidden_reason == "x" * 300
