"""Fixtures for consultation and testimony tests: a testimony with restricted details in
each city, a second organizer in city A, and URL helpers."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.core.files.storage import storages
from django.urls import reverse

from cities.models import Role
from consultations.forms.public_survey import token_make
from consultations.models import ConsentLevel, SurveyStatus, Testimony
from tests.factories import (
    ConsultationFactory,
    MembershipFactory,
    NeighborhoodFactory,
    SurveyFactory,
    SurveyQuestionFactory,
    TestimonyFactory,
)

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


# --------------------------------------------------------------------------- surveys


@pytest.fixture
def quick_forms(settings):
    """Public survey forms with no minimum fill time, and a rate limit no test reaches by
    accident. Tests of either check set their own values."""
    settings.SURVEY_MIN_FILL_SECONDS = 0
    settings.SURVEY_RATE_LIMIT = 10_000
    return settings


@pytest.fixture
def surl():
    """A survey URL of the team's pages; `city` overrides the survey's own (cross-city
    probes)."""

    def _url(name: str, survey, city=None, **kwargs) -> str:
        return reverse(
            f"consultations:{name}",
            kwargs={"city_uuid": (city or survey.city).uuid, "survey_uuid": survey.uuid, **kwargs},
        )

    return _url


@pytest.fixture
def ward_names(world):
    """City A's neighborhoods: two in use and one retired; one of city B's."""
    return {
        "eastside": NeighborhoodFactory(city=world.a.city, name="Eastside", sort_order=0),
        "riverside": NeighborhoodFactory(city=world.a.city, name="Riverside", sort_order=1),
        "old_mill": NeighborhoodFactory(
            city=world.a.city, name="Old Mill", sort_order=2, is_active=False
        ),
        "b_harbor": NeighborhoodFactory(city=world.b.city, name="Harbor", sort_order=0),
    }


@pytest.fixture
def make_survey(world):
    """`make_survey(kind_or_fields, ...)`: an open survey in city A (or `city=`) with one
    question per argument, in order. An argument is a kind, or a dict of question fields
    (`show_if=(index, value)` makes a rule on an earlier question by its index)."""

    def _make(*specs, city=None, status=SurveyStatus.OPEN, **survey_fields):
        survey = SurveyFactory(city=city or world.a.city, status=status, **survey_fields)
        questions = []
        for spec in specs:
            fields = dict(spec) if isinstance(spec, dict) else {"kind": spec}
            rule = fields.pop("show_if", None)
            if rule is not None:
                index, value = rule
                fields["show_if_question"] = questions[index]
                fields["show_if_value"] = value
            questions.append(SurveyQuestionFactory(survey=survey, **fields))
        return survey, questions

    return _make


@pytest.fixture
def answers_post():
    """`answers_post(survey, {question: value}, ...)`: the public form's POST data, with a
    fresh token, the consent box ticked and the honeypot empty."""

    def _post(survey, answers=None, *, language="en", token=None, consent=True, **extra):
        data: dict[str, object] = {
            "token": token or token_make(survey),
            "language": language,
            "website": "",
        }
        if consent:
            data["consent"] = "on"
        for question, value in (answers or {}).items():
            data[question.field_name] = value
        data.update(extra)
        return data

    return _post
