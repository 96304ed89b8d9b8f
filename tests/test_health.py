from __future__ import annotations

import pytest
from django.test import override_settings


@pytest.mark.authz("healthz")
@pytest.mark.django_db
def test_it_reports_both_parts_up(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}


@pytest.mark.django_db
def test_it_names_redis_when_redis_is_down(client):
    # A port nothing listens on: the check must fail fast and say which part is down.
    with override_settings(REDIS_URL="redis://127.0.0.1:1/0"):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "redis": "down"}
    assert b"Traceback" not in response.content


@pytest.mark.django_db
def test_it_names_the_database_when_it_is_down(client, monkeypatch):
    from upr_portal import views

    def broken_cursor():
        raise OSError("db gone")

    monkeypatch.setattr(views.connection, "cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "down", "redis": "ok"}
    assert b"db gone" not in response.content


@pytest.mark.django_db
def test_it_only_answers_get(client):
    assert client.post("/healthz").status_code == 405
