"""Fixtures for consultation and testimony tests: a testimony with restricted details in
each city, a second organizer in city A, and URL helpers."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.core.files.storage import storages
from django.urls import reverse

from cities.models import Role
from consultations.models import ConsentLevel, Testimony
from tests.factories import ConsultationFactory, MembershipFactory, TestimonyFactory

SPEAKER_NAME = "Rosalind Quintero-Vasquez"
SPEAKER_CONTACT = "rosalind.q@example.net"


@pytest.fixture
def other_organizer(world):
    """An organizer of city A who did not log the fixture testimony."""
    return MembershipFactory(city=world.a.city, role=Role.ORGANIZER).user


@pytest.fixture
def consultation(world):
    return ConsultationFactory(city=world.a.city, title="Eastside housing conversation")


@pytest.fixture
def testimony(world, consultation) -> Testimony:
    """City A, logged by city A's organizer, with a speaker name and contact on record."""
    return TestimonyFactory(
        city=world.a.city,
        consultation=consultation,
        recorded_by=world.a.organizer,
        narrative="Our landlord raised the rent twice this year and the heating broke in January.",
        speaker_name=SPEAKER_NAME,
        speaker_contact=SPEAKER_CONTACT,
        consent_level=ConsentLevel.ANONYMOUS,
        area="Eastside",
    )


@pytest.fixture
def testimony_b(world) -> Testimony:
    """City B's testimony: never reachable through city A."""
    return TestimonyFactory(
        city=world.b.city,
        recorded_by=world.b.organizer,
        narrative="Betatown bus routes were cut without any public hearing.",
        speaker_name="Bartholomew Betaresident",
        consent_level=ConsentLevel.ANONYMOUS,
    )


def curl(name: str, city, **kwargs) -> str:
    """A consultations URL in `city`."""
    return reverse(f"consultations:{name}", kwargs={"city_uuid": city.uuid, **kwargs})


def turl(name: str, testimony: Testimony, city=None, **kwargs) -> str:
    """A testimony URL; `city` overrides the testimony's own (for cross-city probes)."""
    return curl(name, city or testimony.city, testimony_uuid=testimony.uuid, **kwargs)


def messages_of(response) -> list[str]:
    """The flash messages a response queued."""
    return [str(m) for m in get_messages(response.wsgi_request)]


def private_files() -> set[str]:
    """Every file in private storage (attachments and import files), by relative path."""
    root = Path(storages["private"].location)
    if not root.exists():
        return set()
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def new_private_files():
    """Files added to private storage since the test started (the folder is shared by
    the whole run, so compare with what was there before)."""
    before = private_files()
    return lambda: private_files() - before
