"""Issue 2's "done means" in a browser: the national coordinator logs in, enrols MFA,
adds a city and invites its lead; the lead accepts from the emailed link in a fresh
browser, sets a password, is sent to MFA enrolment, enrols, and reaches the city; the
city is on the public directory.
"""

from __future__ import annotations

import re

from django.core import mail
from playwright.sync_api import expect

from accounts.models import User
from cities.models import City, Membership, Role
from tests.conftest import seed_themes
from tests.e2e.conftest import enrol_mfa_in_browser, log_in, log_out
from tests.factories import CoordinatorFactory, ReviewCycleFactory

LEAD_EMAIL = "dee.lead@deltaport.example.org"
LEAD_PASSWORD = "tide-pools-and-lighthouses"


def test_coordinator_invites_a_city_lead_who_accepts_and_enrols_mfa(new_page, visit, snap):
    seed_themes()
    ReviewCycleFactory(is_current=True, number=4, title="United States — 4th UPR cycle")
    coordinator = CoordinatorFactory(full_name="Nia Coordinator")

    # The coordinator logs in and is sent to MFA enrolment before any app page.
    page = new_page()
    visit(page, "/", "home")
    log_in(page, coordinator.email, snap=snap)
    assert "/accounts/reauthenticate/" in page.url or "/accounts/2fa/totp/activate/" in page.url
    enrol_mfa_in_browser(page, snap=snap)
    snap(page, "after-enrolment")

    # National console: add a city.
    visit(page, "/app/national/", "national-console")
    page.get_by_role("link", name="Add a city").click()
    snap(page, "city-create")
    page.get_by_label("City name").fill("Deltaport")
    page.get_by_label("State").fill("Maine")
    page.get_by_label("Public description").fill("A harbor city on the Atlantic coast.")
    page.get_by_role("button", name=re.compile("save|add|create", re.I)).click()
    # ... and it goes straight on to inviting the lead, with the city and role chosen.
    expect(page.get_by_role("heading", name="Invite someone")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("Deltaport, Maine was added")
    snap(page, "invite-form")
    city = City.objects.get(name="Deltaport")
    assert page.get_by_label("City").input_value() == str(city.uuid)
    assert page.get_by_label("Role").input_value() == "city_lead"
    page.get_by_label("Email address").fill(LEAD_EMAIL)
    page.get_by_label("Email address").press("Enter")
    expect(page.get_by_text(f"Invitation sent to {LEAD_EMAIL}")).to_be_visible()
    snap(page, "invitation-sent")

    # The email, as the lead receives it.
    invitation_email = next(m for m in mail.outbox if LEAD_EMAIL in m.to)
    link = re.search(r"https?://[^/\s]+(/invitations/\S+/)", invitation_email.body)
    assert link, invitation_email.body
    log_out(page)
    snap(page, "coordinator-logged-out")

    # The lead, in another browser, opens the link and creates the account.
    lead_page = new_page()
    visit(lead_page, link.group(1), "invitation")
    expect(lead_page.get_by_role("heading", level=1)).to_contain_text("Deltaport")
    lead_page.get_by_label("Your name").fill("Dee Lead")
    lead_page.get_by_label("Choose a password").fill(LEAD_PASSWORD)
    lead_page.get_by_label("Type the password again").fill(LEAD_PASSWORD)
    lead_page.get_by_role("button", name="Accept and create my account").click()
    lead_page.wait_for_load_state("load")
    lead = User.objects.get(email=LEAD_EMAIL)
    assert Membership.objects.get(user=lead, city=city).role == Role.CITY_LEAD

    # A city lead is sent to MFA enrolment before the portal.
    snap(lead_page, "lead-after-accept")
    lead_page.goto(f"/app/cities/{city.uuid}/")
    assert "/accounts/reauthenticate/" in lead_page.url or "/2fa/totp/activate/" in lead_page.url
    secret = enrol_mfa_in_browser(lead_page, password=LEAD_PASSWORD, snap=snap)
    visit(lead_page, f"/app/cities/{city.uuid}/", "lead-city-home")
    expect(lead_page.get_by_role("heading", level=1)).to_contain_text("Deltaport")

    # From now on the lead's log-in asks for a code from the authenticator app.
    log_out(lead_page)
    log_in(lead_page, LEAD_EMAIL, LEAD_PASSWORD, totp_secret=secret, snap=snap)
    visit(lead_page, "/app/", "lead-dashboard")
    expect(lead_page.get_by_role("link", name=re.compile("Deltaport")).first).to_be_visible()

    # The city is on the public directory, for anyone.
    public = new_page()
    visit(public, "/", "public-home")
    public.get_by_role("link", name="Cities directory").first.click()
    snap(public, "public-directory")
    public.get_by_role("link", name=re.compile("Deltaport")).first.click()
    snap(public, "public-city")
    expect(public.get_by_role("heading", level=1)).to_contain_text("Deltaport")
