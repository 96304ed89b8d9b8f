"""The route x role matrix over every URL (issue #7, security suite).

Every route of the catalogue (tests/security/routes.py), for anonymous, an outsider, city
A's viewer, organizer and lead, city B's lead and a national coordinator: what a GET gets,
and what an empty POST gets where the route accepts POST. A refusal never shows the city's
testimony. Then every route that names a city's object, with city B's object in the URL:
404 under city A's URL for whoever may otherwise use the route, and 404 under city B's own
URL for city A's team.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.conftest import ROLES
from tests.security.routes import (
    ADMIN_LOGIN,
    BY_NAME,
    EXCLUDED_NAMESPACES,
    EXCLUDED_PREFIXES,
    LOGIN,
    ROUTES,
    Outcome,
    Route,
    SecWorld,
    excluded,
    resolver_routes,
)

pytestmark = pytest.mark.django_db
PRERENDER_HANDOUT = True

CITY_A_ROLES = ("viewer", "organizer", "lead")
_PARAM = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>")


def route_params(route: Route) -> set[str]:
    pattern = resolver_routes()[route.name]
    return {a or b for a, b in _PARAM.findall(pattern)}


def names_an_object(route: Route) -> bool:
    """The route is a city's and its URL names one of that city's rows."""
    params = route_params(route)
    return (
        route.scope == "city"
        and bool(params & {"city_uuid", "slug"})
        and bool(params - {"city_uuid", "slug"} - route.plain_kwargs)
    )


def body(response) -> str:
    """The page's text; a file download is read to the end (which closes the file) and
    counts as no text."""
    if getattr(response, "streaming", False):
        b"".join(response.streaming_content)
        return ""
    return response.content.decode(errors="replace")


def check(response, expected: Outcome, where: str) -> None:
    if expected == LOGIN:
        assert response.status_code == 302, where
        assert response["Location"].startswith("/accounts/login/"), where
    elif expected == ADMIN_LOGIN:
        assert response.status_code == 302, where
        assert response["Location"].startswith("/admin/login/"), where
    else:
        assert response.status_code == expected, where


def secrets_of(sec_world: SecWorld) -> list[str]:
    """Words of city A's that no refused request may show."""
    a = sec_world.a
    return [a.testimony.narrative, a.testimony.speaker_name, a.testimony.speaker_contact]


# --------------------------------------------------------------------------- the catalogue


def test_the_catalogue_covers_every_route():
    known = {name for name in resolver_routes() if not excluded(name)}
    catalogued = set(BY_NAME)
    assert len(catalogued) == len(ROUTES), "a route is catalogued twice"
    assert not sorted(known - catalogued), (
        f"Routes missing from tests/security/routes.py: {sorted(known - catalogued)}"
    )
    assert not sorted(catalogued - known), (
        f"Catalogued routes that no longer exist: {sorted(catalogued - known)}"
    )


def test_every_exclusion_has_a_reason_and_still_excludes_something():
    names = resolver_routes()
    for namespace, reason in EXCLUDED_NAMESPACES.items():
        assert len(reason) > 40
        assert any(name.startswith(f"{namespace}:") for name in names), namespace
    for prefix, reason in EXCLUDED_PREFIXES.items():
        assert len(reason) > 40
        assert any(name.startswith(prefix) and excluded(name) for name in names), prefix


def test_the_catalogue_has_every_role_in_every_cell():
    for route in ROUTES:
        assert set(route.get) == set(ROLES), route.name
        if route.post is not None:
            assert set(route.post) == set(ROLES), route.name


# --------------------------------------------------------------------------- the matrix


@pytest.mark.parametrize(
    ("name", "role"),
    [(route.name, role) for route in ROUTES for role in ROLES],
)
def test_matrix(sec_world, client, name, role):
    route = BY_NAME[name]
    sec_world.client_as(client, role)
    url = route.url(sec_world.a, sec_world.national)
    cells = [("GET", route.get[role])]
    if route.post is not None:
        cells.append(("POST", route.post[role]))
    for method, expected in cells:
        response = client.get(url) if method == "GET" else client.post(url, {})
        text = body(response)
        check(response, expected, f"{method} {url} as {role}")
        if expected in (LOGIN, ADMIN_LOGIN, 403, 404):
            for secret in secrets_of(sec_world):
                assert secret not in text, f"{method} {url} as {role} shows {secret!r}"


# --------------------------------------------------------------------------- another city's objects

OBJECT_ROUTES = [route for route in ROUTES if names_an_object(route)]


def _send(client: Client, route: Route, url: str):
    return client.get(url) if route.primary_method() == "GET" else client.post(url, {})


def _reaches_the_row(route: Route, role: str) -> bool:
    """The role gets past the route's access check in its own city (or the view looks the
    row up before deciding a 403)."""
    own = route.primary()[role]
    return own not in (LOGIN, ADMIN_LOGIN, 403, 404) or (own == 403 and route.finds_row_first)


@pytest.mark.parametrize(
    ("name", "role"),
    [
        (route.name, role)
        for route in OBJECT_ROUTES
        for role in ROLES
        if role != "other_lead" and _reaches_the_row(route, role)
    ],
)
def test_another_citys_object_under_this_citys_url_is_404(sec_world, client, name, role):
    """City B's row in a city A URL, for every role that may use the route in city A:
    404, as for a row that doesn't exist. (Roles the route refuses get the same 403 or
    log-in redirect as in the matrix: decided before any row is looked at.)"""
    route = BY_NAME[name]
    sec_world.client_as(client, role)
    url = route.url(sec_world.b, sec_world.national, city_of=sec_world.a)
    response = _send(client, route, url)
    text = body(response)
    check(response, 404, f"{route.primary_method()} {url} as {role}")
    assert sec_world.b.testimony.narrative not in text


@pytest.mark.parametrize(
    "name", [route.name for route in OBJECT_ROUTES if route.primary()["anonymous"] == LOGIN]
)
def test_another_citys_object_under_its_own_url_is_404_for_this_citys_lead(sec_world, client, name):
    """City B's URL with city B's row, for city A's lead (the widest city A role; the
    viewer and organizer are refused by the same city check, see the matrix's outsider):
    404, as for a city that doesn't exist."""
    route = BY_NAME[name]
    sec_world.client_as(client, "lead")
    url = route.url(sec_world.b, sec_world.national)
    response = _send(client, route, url)
    text = body(response)
    check(response, 404, f"{route.primary_method()} {url} as city A's lead")
    assert sec_world.b.testimony.narrative not in text
    assert sec_world.b.testimony.speaker_name not in text
