"""Shared fixtures: the two-city world, MFA-enrolled log-ins, and clean Redis per test."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client

from accounts.models import User
from cities.models import City, ReviewCycle, Role
from tests.factories import (
    CityFactory,
    CoordinatorFactory,
    MembershipFactory,
    ParticipationFactory,
    ReviewCycleFactory,
    UserFactory,
)


@dataclass
class CityTeam:
    city: City
    lead: User
    organizer: User
    viewer: User
    outsider: User  # has an account, on no team of this city


@dataclass
class World:
    cycle: ReviewCycle
    a: CityTeam
    b: CityTeam
    coordinator: User


def _team(cycle: ReviewCycle, name: str, slug: str) -> CityTeam:
    city = CityFactory(name=name, slug=slug)
    ParticipationFactory(city=city, cycle=cycle)
    team = CityTeam(
        city=city,
        lead=MembershipFactory(city=city, role=Role.CITY_LEAD).user,
        organizer=MembershipFactory(city=city, role=Role.ORGANIZER).user,
        viewer=MembershipFactory(city=city, role=Role.VIEWER).user,
        outsider=UserFactory(),
    )
    return team


def enrol_totp(user: User) -> None:
    """Give a user a TOTP authenticator so MFA enrolment doesn't intercept them."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    TOTP.activate(user, generate_totp_secret())


@pytest.fixture(autouse=True)
def _clean_cache() -> None:
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """A view that activates a language (the public survey does) leaves it active in this
    thread; every test starts and ends in the default language."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


def seed_themes() -> None:
    """The national taxonomy, as the data migration seeds it. Transactional tests flush
    the database after each test, which removes migration-seeded rows; this puts them back."""
    import importlib

    from django.apps import apps

    importlib.import_module("cities.migrations.0004_seed_themes").seed(apps, None)


@pytest.fixture
def world(db: None) -> World:
    seed_themes()
    cycle = ReviewCycleFactory(is_current=True, number=4, title="United States — 4th UPR cycle")
    world = World(
        cycle=cycle,
        a=_team(cycle, "Alphaville", "alphaville"),
        b=_team(cycle, "Betatown", "betatown"),
        coordinator=CoordinatorFactory(),
    )
    for user in (world.coordinator, world.a.lead, world.b.lead):
        enrol_totp(user)
    return world


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run on-commit work (queued tasks) as if the request's transaction had committed."""

    def _run(call, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(*args, **kwargs)

    return _run


@pytest.fixture
def login(client: Client):
    """Log a user in (MFA-enrolled users count as fully authenticated)."""

    def _login(user: User | None) -> Client:
        client.logout()
        if user is not None:
            client.force_login(user)
        return client

    return _login


ROLES = ("anonymous", "outsider", "viewer", "organizer", "lead", "other_lead", "coordinator")


def user_for(world: World, role: str) -> User | None:
    """The user playing `role` against city A."""
    return {
        "anonymous": None,
        "outsider": world.a.outsider,
        "viewer": world.a.viewer,
        "organizer": world.a.organizer,
        "lead": world.a.lead,
        "other_lead": world.b.lead,
        "coordinator": world.coordinator,
    }[role]


def assert_login_redirect(response) -> None:
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def run_python(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run this interpreter in the project folder (for settings and manage.py checks)."""
    return subprocess.run(  # noqa: S603 — our own interpreter, fixed arguments
        [sys.executable, *args],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
