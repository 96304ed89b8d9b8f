"""Accepting an invitation from the link in the email."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from cities.models import InvitationStatus, Membership, Role
from cities.tokens import invitation_token
from tests.conftest import ROLES, user_for
from tests.factories import InvitationFactory

pytestmark = pytest.mark.django_db


def _url(invitation, token=None):
    return reverse(
        "invitations:accept", args=[invitation.uuid, token or invitation_token(invitation)]
    )


@pytest.mark.authz("invitations:accept")
@pytest.mark.parametrize("role", ROLES)
def test_only_the_right_token_opens_the_page(world, login, role):
    invitation = InvitationFactory(city=world.a.city, email="fresh@example.org")
    client = login(user_for(world, role))
    assert client.get(_url(invitation, token="0" * 64)).status_code == 404
    response = client.get(_url(invitation))
    # Logged in as someone else: told so, and nothing happens.
    assert response.status_code == (200 if role == "anonymous" else 403)
    assert client.post(_url(invitation, token="0" * 64), {}).status_code == 404
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.PENDING


def test_a_newcomer_sets_a_password_and_lands_in_the_portal(world, client):
    invitation = InvitationFactory(
        city=world.a.city, email="fresh@example.org", role=Role.ORGANIZER
    )
    response = client.post(
        _url(invitation),
        {
            "full_name": "Fresh Person",
            "password1": "a-long-enough-passphrase",
            "password2": "a-long-enough-passphrase",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="fresh@example.org")
    assert Membership.objects.get(user=user).role == Role.ORGANIZER
    assert client.get(reverse("cities:dashboard")).status_code == 200
    # Single use: the same link now explains itself instead of working again.
    assert client.get(_url(invitation)).status_code in (403, 410)


def test_mismatched_passwords_keep_the_name(world, client):
    invitation = InvitationFactory(city=world.a.city)
    response = client.post(
        _url(invitation),
        {"full_name": "Keep Me", "password1": "a-long-enough-passphrase", "password2": "different"},
    )
    assert response.status_code == 200
    assert b'value="Keep Me"' in response.content
    assert response.context["form"].errors["password2"]
    assert not User.objects.filter(email=invitation.email).exists()


def test_a_weak_password_is_refused(world, client):
    invitation = InvitationFactory(city=world.a.city)
    response = client.post(_url(invitation), {"password1": "password", "password2": "password"})
    assert response.status_code == 200
    assert response.context["form"].errors["password1"]


def test_an_expired_link_gets_a_friendly_page(world, client):
    invitation = InvitationFactory(
        city=world.a.city, expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    response = client.get(_url(invitation))
    assert response.status_code == 410
    assert "expired" in response.content.decode().lower()
    response = client.post(
        _url(invitation),
        {"password1": "a-long-enough-passphrase", "password2": "a-long-enough-passphrase"},
    )
    assert response.status_code == 410
    assert not User.objects.filter(email=invitation.email).exists()


def test_a_revoked_link_gets_a_friendly_page(world, client):
    invitation = InvitationFactory(city=world.a.city, status=InvitationStatus.REVOKED)
    assert client.get(_url(invitation)).status_code == 410


def test_an_existing_user_accepts_while_logged_in(world, login):
    invitation = InvitationFactory(
        city=world.b.city, email=world.a.organizer.email, role=Role.VIEWER
    )
    client = login(world.a.organizer)
    assert client.get(_url(invitation)).status_code == 200
    response = client.post(_url(invitation))
    assert response.status_code == 302
    assert Membership.objects.get(user=world.a.organizer, city=world.b.city).role == Role.VIEWER


def test_an_existing_user_is_asked_to_log_in(world, client):
    invitation = InvitationFactory(city=world.b.city, email=world.a.organizer.email)
    response = client.get(_url(invitation))
    assert response.status_code == 200
    assert response.context["existing_account"] is True
    assert response.context["form"] is None
    client.post(
        _url(invitation),
        {"password1": "a-long-enough-passphrase", "password2": "a-long-enough-passphrase"},
    )
    assert not Membership.objects.filter(user=world.a.organizer, city=world.b.city).exists()
