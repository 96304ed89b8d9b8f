"""The national console: only national coordinators, and what each write does."""

from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from cities.models import (
    AuditAction,
    AuditEvent,
    City,
    Invitation,
    InvitationRole,
    InvitationStatus,
    ReviewCycle,
)
from tests.conftest import ROLES, assert_login_redirect, user_for
from tests.factories import InvitationFactory, ReviewCycleFactory

pytestmark = pytest.mark.django_db

CYCLE_POST = {
    "state_under_review": "United States",
    "number": "5",
    "title": "United States — 5th UPR cycle",
    "consultations_open": "2031-03-01",
    "local_report_due": "2032-09-15",
    "national_compilation_due": "2032-10-15",
    "review_session": "2033-05-01",
    "recommendations_released": "2033-07-01",
    "national_word_limit": "5630",
}


def _expect_coordinator_only(response, role) -> None:
    if role == "anonymous":
        assert_login_redirect(response)
    elif role == "coordinator":
        assert response.status_code in (200, 302)
    else:
        assert response.status_code == 403


def _routes(world):
    cycle = world.cycle
    invitation = InvitationFactory(city=None, role=InvitationRole.NATIONAL_COORDINATOR)
    return {
        "national:console": reverse("national:console"),
        "national:city_create": reverse("national:city_create"),
        "national:city_edit": reverse("national:city_edit", args=[world.a.city.uuid]),
        "national:invite": reverse("national:invite"),
        "national:invitation_revoke": reverse("national:invitation_revoke", args=[invitation.uuid]),
        "national:cycles": reverse("national:cycles"),
        "national:cycle_create": reverse("national:cycle_create"),
        "national:cycle_edit": reverse("national:cycle_edit", args=[cycle.uuid]),
        "national:cycle_make_current": reverse("national:cycle_make_current", args=[cycle.uuid]),
        "national:activity": reverse("national:activity"),
    }


@pytest.mark.authz(
    "national:console",
    "national:city_create",
    "national:city_edit",
    "national:invite",
    "national:invitation_revoke",
    "national:cycles",
    "national:cycle_create",
    "national:cycle_edit",
    "national:cycle_make_current",
    "national:activity",
)
@pytest.mark.parametrize("role", ROLES)
def test_every_console_page_is_for_coordinators_only(world, login, role):
    client = login(user_for(world, role))
    for name, url in _routes(world).items():
        get = client.get(url)
        _expect_coordinator_only(get, role)
        if role != "coordinator":
            # POSTs by anyone else change nothing.
            before = (City.objects.count(), ReviewCycle.objects.count(), Invitation.objects.count())
            _expect_coordinator_only(
                client.post(url, {"name": "X", "state": "Y", **CYCLE_POST}), role
            )
            after = (City.objects.count(), ReviewCycle.objects.count(), Invitation.objects.count())
            assert before == after, name


def test_a_coordinator_without_mfa_is_sent_to_enrolment(world, login):
    from tests.factories import CoordinatorFactory

    response = login(CoordinatorFactory()).get(reverse("national:console"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_activate_totp"))


def test_create_city_then_invite_its_lead(world, login, committed):
    client = login(world.coordinator)
    response = client.post(
        reverse("national:city_create"),
        {"name": "Gammaburg", "state": "Ohio", "public_description": "Hello", "contact_email": ""},
    )
    city = City.objects.get(name="Gammaburg")
    assert response.status_code == 302
    assert str(city.uuid) in response["Location"]
    assert list(city.cycles.all()) == [world.cycle]
    response = committed(
        client.post,
        reverse("national:invite"),
        {"email": "lead@gamma.org", "role": "city_lead", "city": str(city.uuid)},
    )
    assert response.status_code == 302
    invitation = Invitation.objects.get(email="lead@gamma.org")
    assert invitation.city == city
    assert mail.outbox[0].to == ["lead@gamma.org"]


def test_a_duplicate_city_is_refused_with_the_form_kept(world, login):
    response = login(world.coordinator).post(
        reverse("national:city_create"), {"name": "Alphaville", "state": world.a.city.state}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["name"]
    assert City.objects.filter(name="Alphaville").count() == 1


def test_edit_city(world, login):
    response = login(world.coordinator).post(
        reverse("national:city_edit", args=[world.a.city.uuid]),
        {"name": "Alphaville", "state": "Oregon", "slug": "", "public_description": "New words"},
    )
    assert response.status_code == 302
    world.a.city.refresh_from_db()
    assert world.a.city.public_description == "New words"
    assert world.a.city.slug == "alphaville"
    assert AuditEvent.objects.filter(action=AuditAction.CITY_UPDATED, city=world.a.city).exists()


def test_invite_a_coordinator(world, login):
    response = login(world.coordinator).post(
        reverse("national:invite"),
        {"email": "coord@example.org", "role": "national_coordinator", "city": ""},
    )
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.city is None
    assert invitation.role == InvitationRole.NATIONAL_COORDINATOR


def test_invite_requires_a_city_for_city_roles(world, login):
    response = login(world.coordinator).post(
        reverse("national:invite"), {"email": "x@example.org", "role": "organizer", "city": ""}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["city"]
    assert not Invitation.objects.exists()


def test_revoke_a_coordinator_invitation(world, login):
    invitation = InvitationFactory(city=None, role=InvitationRole.NATIONAL_COORDINATOR)
    response = login(world.coordinator).post(
        reverse("national:invitation_revoke", args=[invitation.uuid])
    )
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == InvitationStatus.REVOKED


def test_a_city_invitation_is_not_reachable_through_the_national_revoke(world, login):
    invitation = InvitationFactory(city=world.a.city)
    response = login(world.coordinator).post(
        reverse("national:invitation_revoke", args=[invitation.uuid])
    )
    assert response.status_code == 404


def test_create_and_switch_cycles(world, login):
    client = login(world.coordinator)
    response = client.post(reverse("national:cycle_create"), {**CYCLE_POST, "make_current": ""})
    assert response.status_code == 302
    new = ReviewCycle.objects.get(number=5)
    assert not new.is_current
    response = client.get(reverse("national:cycle_make_current", args=[new.uuid]))
    assert response.status_code == 200  # confirmation first
    world.cycle.refresh_from_db()
    assert world.cycle.is_current
    client.post(reverse("national:cycle_make_current", args=[new.uuid]))
    new.refresh_from_db()
    world.cycle.refresh_from_db()
    assert new.is_current and not world.cycle.is_current


def test_cycle_dates_out_of_order_are_explained(world, login):
    response = login(world.coordinator).post(
        reverse("national:cycle_create"), {**CYCLE_POST, "local_report_due": "2030-09-15"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["local_report_due"]
    assert not ReviewCycle.objects.filter(number=5).exists()


def test_edit_cycle(world, login):
    response = login(world.coordinator).post(
        reverse("national:cycle_edit", args=[world.cycle.uuid]),
        {**CYCLE_POST, "number": "4", "title": "Renamed", "national_word_limit": "2815"},
    )
    assert response.status_code == 302
    world.cycle.refresh_from_db()
    assert world.cycle.title == "Renamed"
    assert world.cycle.national_word_limit == 2815


def test_duplicate_cycle_number_is_refused(world, login):
    ReviewCycleFactory(number=5)
    response = login(world.coordinator).post(reverse("national:cycle_create"), CYCLE_POST)
    assert response.status_code == 200
    assert response.context["form"].errors["number"]


def test_console_query_count_does_not_grow_with_cities(world, login, django_assert_max_num_queries):
    from tests.factories import CityFactory

    client = login(world.coordinator)
    url = reverse("national:console")
    client.get(url)
    with django_assert_max_num_queries(25) as small:
        client.get(url)
    for _ in range(20):
        CityFactory()
    with django_assert_max_num_queries(25) as large:
        client.get(url)
    assert len(large.captured_queries) == len(small.captured_queries)
