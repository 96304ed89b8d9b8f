"""Brute force: guessing passwords (or two-factor codes) runs into the rate limits of
`ACCOUNT_RATE_LIMITS`, kept in the real Redis cache, and a throttled attempt is a 429 even
with the right password. The admin has no password form of its own: /admin/login/ sends
everyone to the allauth log-in, so it offers no un-throttled way to test a password.

Behind the TLS proxy of docker-compose every request comes from the proxy's address;
allauth must read the client's address the way the portal does (`TRUSTED_PROXY_COUNT`),
or all residents and staff would share one bucket and lock each other out."""

from __future__ import annotations

import re
import time

import pytest
from allauth.account import app_settings as account_settings
from allauth.core.internal.httpkit import get_client_ip
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings
from django.test import RequestFactory
from django.urls import reverse

from tests.conftest import enrol_totp, run_python
from tests.factories import PASSWORD, CoordinatorFactory, UserFactory
from tests.test_settings import production_env
from upr_portal.http import client_ip

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"


def limit(action: str, per: str) -> int:
    """The allowed count of `action` per `per` ("ip", "key", "user") from the settings."""
    rates = settings.ACCOUNT_RATE_LIMITS[action]
    for rate in rates.split(","):
        amount, _duration, scope = rate.strip().split("/")
        if scope == per:
            return int(amount)
    raise AssertionError(f"no {per} limit for {action}: {rates}")


def attempt(client, email: str, password: str, **extra):
    return client.post(LOGIN, {"login": email, "password": password}, **extra)


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_the_settings_rate_limit_failed_logins_and_allauth_uses_them():
    # The policy under test is the settings' one, and allauth really reads it.
    assert limit("login_failed", "key") >= 1
    assert limit("login_failed", "ip") >= limit("login_failed", "key")
    assert (
        account_settings.RATE_LIMITS["login_failed"] == settings.ACCOUNT_RATE_LIMITS["login_failed"]
    )
    assert settings.CACHES["default"]["BACKEND"] == "upr_portal.cache.FailOpenRedisCache"


def test_guessing_one_accounts_password_gets_429_after_the_limit(client):
    user = UserFactory()
    allowed = limit("login_failed", "key")
    statuses = [attempt(client, user.email, f"guess-{n}").status_code for n in range(allowed)]
    assert statuses == [200] * allowed  # wrong password: the form again
    response = attempt(client, user.email, "one-more-guess")
    assert response.status_code == 429
    assert "Too many failed login attempts" in response.content.decode()
    # Even the right password is refused now, and nobody is logged in.
    assert attempt(client, user.email, PASSWORD).status_code == 429
    assert not logged_in(client)


def test_changing_the_case_or_spacing_of_the_email_is_the_same_account(client):
    user = UserFactory(email="target@example.org")
    variants = ["target@example.org", "TARGET@example.org", " Target@Example.org "]
    allowed = limit("login_failed", "key")
    for n in range(allowed):
        attempt(client, variants[n % len(variants)], f"guess-{n}")
    assert attempt(client, "TaRgEt@example.org", PASSWORD).status_code == 429
    assert not logged_in(client)
    assert user.email == "target@example.org"


def test_guessing_across_many_accounts_from_one_address_gets_429(client):
    # Spraying one password over many emails dodges the per-account limit, not the
    # per-address one.
    allowed = limit("login_failed", "ip")
    victims = [UserFactory() for _ in range(allowed + 1)]
    statuses = [attempt(client, v.email, "Spring2026!").status_code for v in victims[:allowed]]
    assert statuses == [200] * allowed
    assert attempt(client, victims[allowed].email, "Spring2026!").status_code == 429
    assert attempt(client, victims[allowed].email, PASSWORD).status_code == 429
    assert not logged_in(client)


def test_another_address_is_not_locked_out_by_someone_elses_guessing(client):
    victims = [UserFactory() for _ in range(limit("login_failed", "ip"))]
    for v in victims:
        attempt(client, v.email, "Spring2026!")
    assert attempt(client, victims[0].email, PASSWORD).status_code == 429
    client.logout()
    elsewhere = attempt(client, UserFactory().email, PASSWORD, REMOTE_ADDR="203.0.113.9")
    assert elsewhere.status_code == 302
    assert logged_in(client)


def test_the_admin_login_checks_no_password_itself(client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    for password in ("wrong-1", "wrong-2", PASSWORD):
        response = client.post(
            ADMIN_LOGIN, {"username": admin.email, "password": password, "next": "/admin/"}
        )
        # Sent to the allauth log-in without the password being looked at: the right one
        # logs nobody in either.
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
        assert not logged_in(client)


def test_guessing_an_admins_password_through_the_admin_path_gets_429(client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    # Where /admin/login/ leads, with its next=, is the throttled allauth form.
    login_url = client.get(ADMIN_LOGIN)["Location"]
    assert login_url.startswith(LOGIN) and "next=" in login_url
    allowed = limit("login_failed", "key")
    for n in range(allowed):
        response = client.post(login_url, {"login": admin.email, "password": f"guess-{n}"})
        assert response.status_code == 200
    response = client.post(login_url, {"login": admin.email, "password": PASSWORD})
    assert response.status_code == 429
    assert not logged_in(client)
    assert client.get("/admin/").status_code == 302


def totp_now(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def test_guessing_two_factor_codes_is_throttled_too(client):
    coordinator = CoordinatorFactory()
    enrol_totp(coordinator)
    secret = Authenticator.objects.get(user=coordinator).wrap().instance.data["secret"]
    assert attempt(client, coordinator.email, PASSWORD)["Location"] == reverse("mfa_authenticate")
    allowed = limit("login_failed", "key")
    right = totp_now(secret)
    wrong = [f"{(int(right) + 1 + n) % 1_000_000:06d}" for n in range(allowed)]
    for code in wrong:
        client.post(reverse("mfa_authenticate"), {"code": code})
    response = client.post(reverse("mfa_authenticate"), {"code": totp_now(secret)})
    assert not logged_in(client)
    body = response.content.decode()
    assert re.search(r"Too many failed login attempts", body), body[:2000]
    assert client.get(reverse("national:console")).status_code == 302


# --------------------------------------------------------------------------- behind a proxy


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded"),
    [
        (0, "198.51.100.7", ""),
        (0, "198.51.100.7", "203.0.113.5"),  # no trusted proxy: the header is ignored
        (1, "10.0.0.2", "203.0.113.5"),
        (1, "10.0.0.2", "1.2.3.4, 203.0.113.5"),  # a spoofed first hop is not believed
        (2, "10.0.0.2", "1.2.3.4, 203.0.113.5, 10.0.0.3"),
    ],
)
def test_allauth_reads_the_client_address_like_the_portal(settings, proxies, remote, forwarded):
    settings.TRUSTED_PROXY_COUNT = proxies
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = proxies
    headers = {"HTTP_X_FORWARDED_FOR": forwarded} if forwarded else {}
    request = RequestFactory().post(LOGIN, REMOTE_ADDR=remote, **headers)
    assert get_client_ip(request) == client_ip(request)


def test_the_settings_give_allauth_the_portals_proxy_count():
    assert settings.ALLAUTH_TRUSTED_PROXY_COUNT == settings.TRUSTED_PROXY_COUNT
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.TRUSTED_PROXY_COUNT, s.ALLAUTH_TRUSTED_PROXY_COUNT)"
    )
    result = run_python(["-c", code], production_env(TRUSTED_PROXY_COUNT="1"))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["1", "1"]


def test_behind_the_proxy_one_persons_guessing_does_not_lock_out_the_others(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    victims = [UserFactory() for _ in range(limit("login_failed", "ip"))]
    for v in victims:
        attempt(client, v.email, "Spring2026!", HTTP_X_FORWARDED_FOR="203.0.113.66", **proxy)
    assert (
        attempt(client, victims[0].email, PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.66", **proxy)
    ).status_code == 429
    client.logout()
    someone = UserFactory()
    response = attempt(
        client, someone.email, PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.1", **proxy
    )
    assert response.status_code == 302
    assert logged_in(client)
