"""Accounts: email log-in, no sign-up, MFA enrolment for coordinators and leads, throttling."""

from __future__ import annotations

import re
import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core import mail
from django.urls import reverse

from accounts.models import User
from cities.models import AuditAction, AuditEvent, Membership, Role
from tests.factories import PASSWORD, CoordinatorFactory, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def totp_now(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def password_login(client, email: str, password: str = PASSWORD):
    return client.post(reverse("account_login"), {"login": email, "password": password})


def enrol_totp_via_pages(client, password: str = PASSWORD) -> str:
    """Walk allauth's enrolment as a person would; returns the TOTP secret."""
    response = client.get(reverse("mfa_activate_totp"))
    # allauth asks for the password again before changing security settings.
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    client.post(reverse("account_reauthenticate"), {"password": password})
    assert client.get(reverse("mfa_activate_totp")).status_code == 200
    secret = client.session["mfa.totp.secret"]
    response = client.post(reverse("mfa_activate_totp"), {"code": totp_now(secret)})
    assert response.status_code == 302
    return secret


def test_log_in_by_email_is_audited(client):
    user = UserFactory()
    response = password_login(client, user.email)
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action=AuditAction.LOGIN, actor=user).count() == 1


def test_there_is_no_open_sign_up(client):
    response = client.post(
        reverse("account_signup"),
        {"email": "walk-in@example.org", "password1": "a-long-enough-passphrase"},
    )
    assert not User.objects.filter(email="walk-in@example.org").exists()
    assert response.status_code == 200
    assert "signup_closed" in " ".join(t.name for t in response.templates if t.name)


def test_an_unverified_email_cannot_log_in(client):
    user = User.objects.create_user(email="unverified@example.org", password=PASSWORD)
    password_login(client, user.email)
    assert client.get(reverse("cities:dashboard")).status_code == 302
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("make_user", ["coordinator", "lead"])
def test_coordinators_and_leads_must_enrol_mfa_before_any_app_page(client, make_user):
    if make_user == "coordinator":
        user = CoordinatorFactory()
    else:
        user = MembershipFactory(role=Role.CITY_LEAD).user
    password_login(client, user.email)
    response = client.get(reverse("cities:dashboard"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_activate_totp"))
    # Public pages stay reachable.
    assert client.get(reverse("home")).status_code == 200


def test_organizers_are_not_forced_to_enrol(client):
    user = MembershipFactory(role=Role.ORGANIZER).user
    password_login(client, user.email)
    assert client.get(reverse("cities:dashboard")).status_code == 200


def test_enrolling_totp_unlocks_the_portal_and_later_logins_ask_for_a_code(client):
    user = CoordinatorFactory()
    password_login(client, user.email)
    secret = enrol_totp_via_pages(client)
    assert Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
    assert client.get(reverse("national:console")).status_code == 200

    client.logout()
    response = password_login(client, user.email)
    assert response["Location"] == reverse("mfa_authenticate")
    assert client.get(reverse("national:console")).status_code == 302  # not logged in yet
    response = client.post(reverse("mfa_authenticate"), {"code": totp_now(secret)})
    assert response.status_code == 302
    assert client.get(reverse("national:console")).status_code == 200


def test_failed_logins_are_throttled_with_429(client):
    user = UserFactory()
    statuses = [password_login(client, user.email, "wrong-password").status_code for _ in range(8)]
    assert 429 in statuses
    # Even the right password is refused while throttled.
    assert password_login(client, user.email).status_code == 429


@pytest.mark.authz("admin:index")
def test_the_admin_login_goes_through_allauth(client):
    response = client.get("/admin/login/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    response = client.get("/admin/")
    assert response.status_code == 302


def test_the_admin_refuses_non_staff(client):
    user = UserFactory()
    client.force_login(user)
    assert client.get("/admin/login/").status_code == 403


def test_password_reset_looks_the_same_for_known_and_unknown_emails(client):
    user = UserFactory()
    known = client.post(reverse("account_reset_password"), {"email": user.email})
    unknown = client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    # The known address gets a reset link; the unknown one a "no account" notice.
    assert {m.to[0] for m in mail.outbox} == {user.email, "nobody@example.org"}
    reset = next(m for m in mail.outbox if m.to[0] == user.email)
    assert re.search(r"/accounts/password/reset/key/", reset.body)


def test_full_coordinator_to_lead_journey(client, committed):
    """The issue's "done means": coordinator enrols MFA, creates a city, invites a lead,
    the lead accepts from the emailed link, and the city is in the public directory."""
    coordinator = CoordinatorFactory()
    password_login(client, coordinator.email)
    enrol_totp_via_pages(client)

    client.post(reverse("national:city_create"), {"name": "Deltaport", "state": "Maine"})
    from cities.models import City

    city = City.objects.get(name="Deltaport")
    response = committed(
        client.post,
        reverse("national:invite"),
        {"email": "lead@deltaport.org", "role": "city_lead", "city": str(city.uuid)},
    )
    link = re.search(r"https?://[^/]+(/invitations/\S+/)", mail.outbox[-1].body).group(1)
    client.logout()

    response = client.post(
        link,
        {
            "full_name": "Dee Lead",
            "password1": "a-long-enough-passphrase",
            "password2": "a-long-enough-passphrase",
        },
    )
    assert response.status_code == 302
    lead = User.objects.get(email="lead@deltaport.org")
    assert Membership.objects.get(user=lead, city=city).role == Role.CITY_LEAD
    # As a city lead, they are sent to MFA enrolment before the portal.
    response = client.get(reverse("cities:city", args=[city.uuid]))
    assert response["Location"].startswith(reverse("mfa_activate_totp"))

    directory = client.get(reverse("public:directory")).content.decode()
    assert "Deltaport" in directory
