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


# --------------------------------------------------------------------------- lost database


def _queries_fail(monkeypatch, exc: Exception) -> None:
    from django.db.backends import utils

    def execute(self, sql, params=None):
        raise exc

    monkeypatch.setattr(utils.CursorWrapper, "execute", execute)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/cities/", "/recommendations/"])
def test_a_lost_database_is_a_503_to_retry_not_a_traceback(monkeypatch, path):
    from django.db import OperationalError
    from django.test import Client

    client = Client(raise_request_exception=False)
    _queries_fail(
        monkeypatch, OperationalError("terminating connection due to administrator command")
    )
    response = client.get(path)
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    body = response.content.decode()
    assert "briefly unavailable" in body
    assert "Traceback" not in body and "administrator command" not in body


@pytest.mark.django_db
def test_any_other_error_is_the_plain_500_page(monkeypatch):
    from django.db import ProgrammingError
    from django.test import Client

    client = Client(raise_request_exception=False)
    _queries_fail(monkeypatch, ProgrammingError("relation does not exist"))
    response = client.get("/cities/")
    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()
    assert "relation does not exist" not in response.content.decode()
