"""Security headers on every route and on the error pages (issue #7, security suite).

Every route of the catalogue (tests/security/routes.py), fetched with GET as a role the
route lets through (a POST-only route answers that GET with 405, which must carry the
headers too): a Content-Security-Policy without 'unsafe-inline' or 'unsafe-eval' whose
script and style sources are the site's own, nosniff, framing denied (X-Frame-Options and
frame-ancestors), a Referrer-Policy that doesn't leak paths to other sites. Then the
error pages (403, 404, 405, 410, 413, 429, 500), and, under the production settings
(read from upr_portal/settings/production.py in a subprocess), cookies that are Secure,
HttpOnly where scripts don't need them, SameSite, and HSTS on every HTTPS response.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import reverse

from tests.conftest import ROLES
from tests.factories import PASSWORD
from tests.security.routes import ADMIN_LOGIN, BY_NAME, LOGIN, ROUTES, Route
from tests.test_settings import production_values

pytestmark = pytest.mark.django_db

# Referrer policies that never send a path to another origin.
SAFE_REFERRER_POLICIES = {"no-referrer", "same-origin", "strict-origin"}
# The roles a header check tries, widest first; "staff" is for the admin.
PREFERENCE = ("lead", "coordinator", "organizer", "viewer", "anonymous", "outsider", "staff")

PRODUCTION_SETTINGS = [
    "DEBUG",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_HTTPONLY",
    "CSRF_COOKIE_SAMESITE",
    "LANGUAGE_COOKIE_SECURE",
    "LANGUAGE_COOKIE_SAMESITE",
    "SECURE_SSL_REDIRECT",
    "SECURE_REDIRECT_EXEMPT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_CONTENT_TYPE_NOSNIFF",
    "SECURE_REFERRER_POLICY",
    "SECURE_CROSS_ORIGIN_OPENER_POLICY",
    "X_FRAME_OPTIONS",
    "SECURE_CSP",
]


def reader(route: Route) -> str:
    """A role the route lets through on GET (405 counts: the route exists for them)."""
    for role in PREFERENCE:
        if role == "staff":
            return role
        if route.get[role] not in (LOGIN, ADMIN_LOGIN, 403, 404):
            return role
    raise AssertionError(route.name)


def read(response) -> None:
    if getattr(response, "streaming", False):
        b"".join(response.streaming_content)  # closes the file


def csp_directives(header: str) -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0].lower()] = words[1:]
    return directives


def assert_secure_headers(response, where: str, *, x_frame_options: bool = True) -> None:
    header = response.headers.get("Content-Security-Policy")
    assert header, f"{where}: no Content-Security-Policy"
    assert "unsafe-inline" not in header and "unsafe-eval" not in header, f"{where}: {header}"
    csp = csp_directives(header)
    for directive in ("script-src", "style-src"):
        sources = csp.get(directive, csp.get("default-src"))
        assert sources, f"{where}: no {directive} nor default-src"
        assert sources == ["'self'"], f"{where}: {directive} {sources}"
    assert csp.get("object-src") == ["'none'"], where
    assert csp.get("base-uri") == ["'none'"], where
    assert csp.get("frame-ancestors") == ["'none'"], where
    if x_frame_options:
        assert response.headers.get("X-Frame-Options") == "DENY", where
    assert response.headers.get("X-Content-Type-Options") == "nosniff", where
    assert response.headers.get("Referrer-Policy") in SAFE_REFERRER_POLICIES, where


# --------------------------------------------------------------------------- every route


@pytest.mark.parametrize("name", [route.name for route in ROUTES])
def test_every_route_sends_the_security_headers(sec_world, client, name):
    route = BY_NAME[name]
    role = reader(route)
    sec_world.client_as(client, role)
    url = route.url(sec_world.a, sec_world.national)
    response = client.get(url)
    read(response)
    expected = 200 if role == "staff" else route.get[role]
    assert response.status_code == expected, f"GET {url} as {role}"
    assert_secure_headers(response, f"GET {url} as {role}")


def test_the_policy_is_the_projects_strict_one():
    # The checks above compare against this; a looser setting would fail them too.
    policy = {key: [str(v) for v in value] for key, value in settings.SECURE_CSP.items()}
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert not settings.SECURE_CSP_REPORT_ONLY


def test_a_pages_csp_is_enforced_not_report_only(sec_world, client):
    response = client.get("/")
    assert "Content-Security-Policy-Report-Only" not in response.headers
    assert "Content-Security-Policy" in response.headers


# --------------------------------------------------------------------------- error pages


def test_the_404_page(sec_world, client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert_secure_headers(response, "404")


def test_the_403_page(sec_world, client):
    sec_world.client_as(client, "viewer")
    response = client.get(BY_NAME["consultations:testimony_create"].url(sec_world.a, None))
    assert response.status_code == 403
    assert_secure_headers(response, "403")


def test_the_405_page(sec_world, client):
    response = client.post(reverse("healthz"))
    assert response.status_code == 405
    assert_secure_headers(response, "405")


def test_the_410_page_of_a_revoked_link(sec_world, client):
    link = sec_world.a.link
    link.revoked_at = link.created_at
    link.save(update_fields=["revoked_at"])
    response = client.get(BY_NAME["official_respond"].url(sec_world.a, sec_world.national))
    assert response.status_code == 410
    assert_secure_headers(response, "410")
    # The token is in the URL: the origin only, never the path (and not no-referrer, which
    # makes browsers send Origin: null on the response form's POST).
    assert response.headers["Referrer-Policy"] == "strict-origin"


def _oversized(client, sec_world):
    url = BY_NAME["survey_public:respond"].url(sec_world.a, sec_world.national)
    too_big = settings.MAX_REQUEST_BYTES * 2
    return client.post(
        url, data=b"x", content_type="application/octet-stream", CONTENT_LENGTH=str(too_big)
    )


def test_the_413_page(sec_world, client):
    response = _oversized(client, sec_world)
    assert response.status_code == 413
    # Framing is denied by the CSP's frame-ancestors; X-Frame-Options: see the next test.
    assert_secure_headers(response, "413", x_frame_options=False)


def test_the_413_page_denies_framing_with_x_frame_options_too(sec_world, client):
    response = _oversized(client, sec_world)
    assert response.status_code == 413
    assert response.headers.get("X-Frame-Options") == "DENY"


@pytest.mark.parametrize("route", ["official_respond", "survey_public:respond"])
def test_the_429_page(sec_world, client, route):
    entry = BY_NAME[route]
    url = entry.url(sec_world.a, sec_world.national)
    with override_settings(
        RESPONSE_LINK_RATE_LIMIT=1, SURVEY_RATE_LIMIT=1, SURVEY_MIN_FILL_SECONDS=0
    ):
        first = client.post(url, entry.data(sec_world.a, sec_world.national))
        response = client.post(url, entry.data(sec_world.a, sec_world.national))
    assert first.status_code != 429
    assert response.status_code == 429
    assert_secure_headers(response, f"429 {route}")


def test_the_500_page(sec_world, monkeypatch):
    def broken():
        raise RuntimeError("a bug")

    monkeypatch.setattr("cities.selectors.cycle_get_current", broken)
    client = Client(raise_request_exception=False)
    response = client.get("/")
    assert response.status_code == 500
    assert "a bug" not in response.content.decode()
    assert_secure_headers(response, "500")


# --------------------------------------------------------------------------- production


@pytest.fixture(scope="module")
def production():
    """The security settings as upr_portal/settings/production.py makes them (read in a
    subprocess, since that module refuses to load without its environment)."""
    return production_values(PRODUCTION_SETTINGS)


def test_production_settings_are_the_secure_ones(production):
    assert production["DEBUG"] is False
    assert production["SESSION_COOKIE_SECURE"] is True
    assert production["CSRF_COOKIE_SECURE"] is True
    assert production["LANGUAGE_COOKIE_SECURE"] is True
    assert production["SESSION_COOKIE_HTTPONLY"] is True
    assert production["SECURE_SSL_REDIRECT"] is True
    assert production["SECURE_HSTS_SECONDS"] >= 31_536_000
    for name in ("SESSION_COOKIE_SAMESITE", "CSRF_COOKIE_SAMESITE", "LANGUAGE_COOKIE_SAMESITE"):
        assert production[name] in ("Lax", "Strict"), name


def _cookie_attributes(response, name: str) -> dict[str, object]:
    assert name in response.cookies, f"{name} not set: {list(response.cookies)}"
    morsel = response.cookies[name]
    return {
        "secure": bool(morsel["secure"]),
        "httponly": bool(morsel["httponly"]),
        "samesite": morsel["samesite"],
    }


@pytest.fixture
def https(production, settings):
    """A client under the production values, talking HTTPS to an allowed host."""
    for name, value in production.items():
        if name != "SECURE_CSP":  # a dict of lists after JSON: the test settings' is the same
            setattr(settings, name, value)
    return Client(HTTP_HOST="testserver")


def test_production_redirects_plain_http_to_https(sec_world, https):
    response = https.get("/cities/")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/cities/"


def test_production_sends_hsts_on_every_kind_of_response(sec_world, https):
    for path, status in (("/", 200), ("/no-such-page/", 404), ("/app/", 302)):
        response = https.get(path, secure=True)
        assert response.status_code == status, path
        hsts = response.headers.get("Strict-Transport-Security", "")
        assert "max-age=" in hsts, path
        assert int(hsts.split("max-age=")[1].split(";")[0]) >= 31_536_000, path
        assert "includeSubDomains" in hsts, path


def test_production_cookies_are_secure_httponly_and_samesite(sec_world, https):
    # The log-in page sets the CSRF cookie; logging in sets the session cookie.
    page = https.get(reverse("account_login"), secure=True)
    assert page.status_code == 200
    csrf = _cookie_attributes(page, settings.CSRF_COOKIE_NAME)
    assert csrf == {"secure": True, "httponly": True, "samesite": "Lax"}
    token = page.context["csrf_token"]
    user = sec_world.world.a.organizer
    response = https.post(
        reverse("account_login"),
        {"login": user.email, "password": PASSWORD, "csrfmiddlewaretoken": str(token)},
        secure=True,
        HTTP_REFERER="https://testserver/accounts/login/",
    )
    assert response.status_code == 302, response.content.decode()[:500]
    session = _cookie_attributes(response, settings.SESSION_COOKIE_NAME)
    assert session == {"secure": True, "httponly": True, "samesite": "Lax"}


def test_production_language_cookie_is_secure_and_samesite(sec_world, https):
    page = https.get(reverse("account_login"), secure=True)
    response = https.post(
        reverse("set_language"),
        {"language": "es", "next": "/", "csrfmiddlewaretoken": str(page.context["csrf_token"])},
        secure=True,
        HTTP_REFERER="https://testserver/",
    )
    assert response.status_code == 302
    language = _cookie_attributes(response, settings.LANGUAGE_COOKIE_NAME)
    assert language["secure"] is True
    assert language["samesite"] == "Lax"


def test_every_role_is_covered_by_the_header_checks():
    # Sanity for `reader`: each route is fetched as a role it actually serves.
    for route in ROUTES:
        role = reader(route)
        assert role in (*ROLES, "staff")
