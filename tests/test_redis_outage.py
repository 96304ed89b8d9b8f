"""Losing Redis degrades caching and rate limits; pages keep serving."""

from __future__ import annotations

import pytest
from django.core.cache import caches
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory

DEAD = "redis://127.0.0.1:1/0"


@pytest.fixture
def redis_down(settings):
    settings.CACHES = {
        "default": {**settings.CACHES["default"], "LOCATION": DEAD},
    }
    settings.REDIS_URL = DEAD  # overriding CACHES makes Django drop its cache connections


@pytest.mark.django_db
def test_public_pages_and_login_work_without_redis(world, client, redis_down):
    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("public:directory")).status_code == 200
    response = client.post(
        reverse("account_login"), {"login": world.a.organizer.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get(reverse("cities:dashboard")).status_code == 200
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.json()["checks"]["redis"] == "down"


@pytest.mark.django_db
def test_the_fail_open_cache_misses_instead_of_raising(redis_down):
    cache = caches["default"]
    assert cache.get("anything", "fallback") == "fallback"
    cache.set("k", "v")
    assert cache.get("k") is None
    assert cache.add("k", "v") is True  # lock-takers (allauth's rate limiter) carry on


@pytest.mark.django_db
def test_the_cache_really_is_redis(settings):
    import redis

    UserFactory()
    caches["default"].set("probe", "value")
    client = redis.Redis.from_url(settings.REDIS_URL)
    keys = [k.decode() for k in client.keys("*probe*")]
    assert keys, "the default cache must live in the real Redis"
