"""CSRF is enforced on every POST (issue #7, security suite).

With `Client(enforce_csrf_checks=True)`, every route of the catalogue that accepts POST
(tests/security/routes.py: the city and national pages, allauth's log-in, log-out and
password reset, the public survey, the officials' response page, the invitation page and
the language switch) is posted a request it would accept, as a role it serves:

- with the CSRF cookie but no token: 403, refused by the CSRF check (its log line says
  so), and no row of any table changed;
- with the token: not 403, which shows the check is what refused the first request.

And a token-less POST to every other route is refused the same way (no view is exempt),
as is a wrong token, a token in the htmx header is accepted, and a cross-site Origin is
refused even with a valid token.
"""

from __future__ import annotations

import logging

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.urls import resolve
from django.utils.crypto import get_random_string

from tests.security.routes import BY_NAME, LOGIN, ROUTES, Route, SecWorld

pytestmark = pytest.mark.django_db

# Who posts where: the public forms as a visitor, the rest as the widest role they serve.
PREFERENCE = ("lead", "coordinator", "organizer", "viewer", "outsider")
POSTER_OVERRIDE = {"account_logout": "organizer"}  # logging out needs someone logged in


def poster(route: Route) -> str:
    assert route.post is not None
    if route.name in POSTER_OVERRIDE:
        return POSTER_OVERRIDE[route.name]
    served = [role for role, outcome in route.post.items() if outcome not in (LOGIN, 403, 404)]
    if route.scope == "global" and "anonymous" in served:
        return "anonymous"
    return next(role for role in PREFERENCE if role in served)


def database_state() -> dict[str, str]:
    """A digest of every row of every table, in one query."""
    tables = sorted(connection.introspection.django_table_names(only_existing=True))
    quote = connection.ops.quote_name
    # Table names come from Django's introspection, quoted: nothing user-supplied.
    select = "SELECT %s, md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM "
    sql = " UNION ALL ".join(select + f"{quote(table)} t" for table in tables)
    with connection.cursor() as cursor:
        cursor.execute(sql, tables)
        return dict(cursor.fetchall())


def csrf_client(sec_world: SecWorld, role: str) -> tuple[Client, str]:
    """A client that enforces CSRF, logged in as `role`, holding a CSRF cookie."""
    client = Client(enforce_csrf_checks=True)
    sec_world.client_as(client, role)
    secret = get_random_string(32)
    client.cookies[settings.CSRF_COOKIE_NAME] = secret
    return client, secret


def csrf_refusals(caplog) -> list[str]:
    return [
        record.getMessage()
        for record in caplog.records
        if record.name == "django.security.csrf" and record.levelno >= logging.WARNING
    ]


def read(response) -> None:
    if getattr(response, "streaming", False):
        b"".join(response.streaming_content)


POST_ROUTES = [route for route in ROUTES if route.accepts_post]


def test_the_public_posts_the_issue_names_are_covered():
    names = {route.name for route in POST_ROUTES}
    for name in (
        "account_login",
        "account_logout",
        "account_reset_password",
        "survey_public:respond",
        "official_respond",
        "set_language",
        "invitations:accept",
    ):
        assert name in names, name
    assert poster(BY_NAME["survey_public:respond"]) == "anonymous"
    assert poster(BY_NAME["official_respond"]) == "anonymous"


@pytest.mark.parametrize("name", [route.name for route in POST_ROUTES])
def test_a_post_without_the_token_is_refused_and_changes_nothing(sec_world, caplog, name):
    route = BY_NAME[name]
    role = poster(route)
    client, _secret = csrf_client(sec_world, role)
    url = route.url(sec_world.a, sec_world.national)
    data = route.data(sec_world.a, sec_world.national)
    before = database_state()
    with caplog.at_level(logging.WARNING, logger="django.security.csrf"):
        response = client.post(url, data)
    read(response)
    assert response.status_code == 403, f"POST {url} as {role}"
    refusals = csrf_refusals(caplog)
    assert refusals and "CSRF token missing" in refusals[0], refusals
    changed = {table for table, digest in database_state().items() if before[table] != digest}
    assert not changed, f"POST {url} as {role} refused, yet changed {sorted(changed)}"


@pytest.mark.parametrize("name", [route.name for route in POST_ROUTES])
def test_the_same_post_with_the_token_gets_past_the_check(sec_world, caplog, name):
    route = BY_NAME[name]
    role = poster(route)
    client, secret = csrf_client(sec_world, role)
    url = route.url(sec_world.a, sec_world.national)
    data = {**route.data(sec_world.a, sec_world.national), "csrfmiddlewaretoken": secret}
    with caplog.at_level(logging.WARNING, logger="django.security.csrf"):
        response = client.post(url, data)
    read(response)
    assert not csrf_refusals(caplog), f"POST {url} as {role}"
    assert response.status_code != 403, f"POST {url} as {role}"
    assert response.status_code < 500, f"POST {url} as {role}"


@pytest.mark.parametrize("name", [route.name for route in ROUTES if not route.accepts_post])
def test_a_tokenless_post_to_any_other_route_is_refused_by_the_check(sec_world, caplog, name):
    """No view is exempt: the CSRF check runs before the view, whatever it serves."""
    route = BY_NAME[name]
    client, _secret = csrf_client(sec_world, "anonymous")
    url = route.url(sec_world.a, sec_world.national)
    with caplog.at_level(logging.WARNING, logger="django.security.csrf"):
        response = client.post(url, {})
    assert response.status_code == 403, f"POST {url}"
    assert csrf_refusals(caplog), f"POST {url}"


def test_no_view_is_marked_csrf_exempt(sec_world):
    exempt = [
        route.name
        for route in ROUTES
        if getattr(resolve(route.url(sec_world.a, sec_world.national)).func, "csrf_exempt", False)
    ]
    assert not exempt


def test_the_state_digest_sees_a_change(sec_world):
    # The control for "changed nothing" above: an accepted POST shows in the digest.
    route = BY_NAME["accountability:plan_edit"]
    client, secret = csrf_client(sec_world, "lead")
    before = database_state()
    data = {**route.data(sec_world.a, sec_world.national), "csrfmiddlewaretoken": secret}
    response = client.post(route.url(sec_world.a, sec_world.national), data)
    assert response.status_code == 302
    changed = {table for table, digest in database_state().items() if before[table] != digest}
    assert "accountability_actionplan" in changed


def test_a_wrong_token_is_refused(sec_world, caplog):
    route = BY_NAME["accountability:plan_edit"]
    client, _secret = csrf_client(sec_world, "lead")
    url = route.url(sec_world.a, sec_world.national)
    before = database_state()
    data = {**route.data(sec_world.a, sec_world.national), "csrfmiddlewaretoken": "x" * 32}
    with caplog.at_level(logging.WARNING, logger="django.security.csrf"):
        response = client.post(url, data)
    assert response.status_code == 403
    assert "CSRF token from POST incorrect" in csrf_refusals(caplog)[0]
    assert database_state() == before


def test_a_post_without_the_cookie_is_refused(sec_world, caplog):
    route = BY_NAME["accountability:plan_edit"]
    client, secret = csrf_client(sec_world, "lead")
    del client.cookies[settings.CSRF_COOKIE_NAME]
    url = route.url(sec_world.a, sec_world.national)
    data = {**route.data(sec_world.a, sec_world.national), "csrfmiddlewaretoken": secret}
    with caplog.at_level(logging.WARNING, logger="django.security.csrf"):
        response = client.post(url, data)
    assert response.status_code == 403
    assert "CSRF cookie not set" in csrf_refusals(caplog)[0]


def test_the_htmx_header_carries_the_token(sec_world):
    route = BY_NAME["accountability:plan_edit"]
    client, secret = csrf_client(sec_world, "lead")
    url = route.url(sec_world.a, sec_world.national)
    response = client.post(
        url,
        route.data(sec_world.a, sec_world.national),
        HTTP_X_CSRFTOKEN=secret,
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 302
    sec_world.a.plan.refresh_from_db()
    assert sec_world.a.plan.summary == "Rewritten summary."


def test_a_cross_site_origin_is_refused_even_with_the_token(sec_world, caplog):
    route = BY_NAME["accountability:plan_edit"]
    client, secret = csrf_client(sec_world, "lead")
    url = route.url(sec_world.a, sec_world.national)
    data = {**route.data(sec_world.a, sec_world.national), "csrfmiddlewaretoken": secret}
    with caplog.at_level(logging.WARNING, logger="django.security.csrf"):
        response = client.post(url, data, HTTP_ORIGIN="https://attacker.example")
    assert response.status_code == 403
    assert "Origin checking failed" in csrf_refusals(caplog)[0]
    sec_world.a.plan.refresh_from_db()
    assert sec_world.a.plan.summary != "Rewritten summary."


def test_csrf_is_not_kept_in_the_session_and_its_cookie_is_not_readable_by_scripts():
    # The checks above set the cookie themselves; this pins the settings they rely on.
    assert not getattr(settings, "CSRF_USE_SESSIONS", False)
    assert settings.CSRF_COOKIE_HTTPONLY is True
    assert "django.middleware.csrf.CsrfViewMiddleware" in settings.MIDDLEWARE
