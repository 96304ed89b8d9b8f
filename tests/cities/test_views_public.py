"""Public pages: open to everyone, never showing team or personal data."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from tests.conftest import ROLES, user_for
from tests.factories import CityFactory

pytestmark = pytest.mark.django_db


@pytest.mark.authz("home", "public:directory", "public:city")
@pytest.mark.parametrize("role", ROLES)
def test_public_pages_are_open_to_everyone(world, login, role):
    client = login(user_for(world, role))
    for url in (
        reverse("home"),
        reverse("public:directory"),
        reverse("public:city", args=["alphaville"]),
    ):
        assert client.get(url).status_code == 200, url


def test_home_shows_the_current_cycle_and_the_countdown(world, client, monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: datetime.date(2027, 9, 5))
    response = client.get(reverse("home"))
    body = response.content.decode()
    assert world.cycle.title in body
    assert response.context["days_left"] == 10
    assert response.context["next_deadline"][0] == "Local report due"


def test_home_without_a_cycle_still_works(db, client):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert response.context["cycle"] is None


def test_directory_lists_and_searches_cities(world, client):
    response = client.get(reverse("public:directory"))
    assert {c.name for c in response.context["page"]} == {"Alphaville", "Betatown"}
    response = client.get(reverse("public:directory"), {"q": "beta"})
    assert [c.name for c in response.context["page"]] == ["Betatown"]


def test_directory_paginates(db, client):
    for _ in range(35):
        CityFactory()
    response = client.get(reverse("public:directory"))
    assert len(response.context["page"].object_list) == 30
    assert response.context["page"].has_next()
    assert client.get(reverse("public:directory"), {"page": "999"}).status_code == 200


def test_city_page_shows_no_team_members(world, client):
    body = client.get(reverse("public:city", args=["alphaville"])).content.decode()
    assert "Alphaville" in body
    for person in (world.a.lead, world.a.organizer, world.a.viewer):
        assert person.email not in body


def test_unknown_city_is_404(db, client):
    assert client.get(reverse("public:city", args=["nowhere"])).status_code == 404


def test_html_in_city_fields_is_escaped(world, client):
    world.a.city.public_description = "<script>alert(1)</script>"
    world.a.city.save()
    body = client.get(reverse("public:city", args=["alphaville"])).content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;" in body
