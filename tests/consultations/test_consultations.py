"""Consultation events: the role matrix, create and edit, and the public city page."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from cities.models import AuditAction, AuditEvent
from consultations import services
from consultations.models import Consultation, ConsultationStatus
from tests.conftest import ROLES, assert_login_redirect, user_for
from tests.consultations.conftest import curl
from tests.factories import ConsultationFactory, TestimonyFactory, seeded_theme

pytestmark = pytest.mark.django_db

READ_MATRIX = {
    "anonymous": "login",
    "outsider": 404,
    "viewer": 200,
    "organizer": 200,
    "lead": 200,
    "other_lead": 404,
    "coordinator": 200,
}
EDIT_MATRIX = {**READ_MATRIX, "viewer": 403, "coordinator": 403}


def _expect(response, expected) -> None:
    if expected == "login":
        assert_login_redirect(response)
    else:
        assert response.status_code == expected, response


def _post_data(**overrides) -> dict[str, object]:
    return {
        "title": "Listening session on housing",
        "kind": "listening_session",
        "status": "planned",
        "starts_at": "2027-04-02T18:30",
        "ends_at": "2027-04-02T20:00",
        "place": "Eastside community center",
        "accessibility_notes": "Step-free entrance; ASL interpretation.",
        "languages": ["en", "es", "ase"],
        "themes": [seeded_theme("housing").pk, seeded_theme("poverty").pk],
        "partner_organizations": "Tenants Union\nEastside Mutual Aid",
        "attendance": "",
        "facilitator_notes": "Bring sign-in sheets without names.",
        "is_public": "on",
        **overrides,
    }


# --------------------------------------------------------------------------- role matrix


@pytest.mark.authz("consultations:consultation_list", "consultations:consultation_detail")
@pytest.mark.parametrize("role", ROLES)
def test_consultation_pages_follow_the_read_matrix(world, login, consultation, role):
    client = login(user_for(world, role))
    for url in (
        curl("consultation_list", world.a.city),
        curl("consultation_detail", world.a.city, consultation_uuid=consultation.uuid),
    ):
        _expect(client.get(url), READ_MATRIX[role])


@pytest.mark.authz("consultations:consultation_create", "consultations:consultation_edit")
@pytest.mark.parametrize("role", ROLES)
def test_consultation_forms_follow_the_edit_matrix(world, login, consultation, role):
    client = login(user_for(world, role))
    for url in (
        curl("consultation_create", world.a.city),
        curl("consultation_edit", world.a.city, consultation_uuid=consultation.uuid),
    ):
        _expect(client.get(url), EDIT_MATRIX[role])


@pytest.mark.parametrize("role", ["anonymous", "outsider", "viewer", "other_lead", "coordinator"])
def test_consultation_posts_by_anyone_else_change_nothing(world, login, consultation, role):
    client = login(user_for(world, role))
    response = client.post(curl("consultation_create", world.a.city), _post_data())
    _expect(response, EDIT_MATRIX[role])
    response = client.post(
        curl("consultation_edit", world.a.city, consultation_uuid=consultation.uuid),
        _post_data(title="Hijacked"),
    )
    _expect(response, EDIT_MATRIX[role])
    assert list(Consultation.objects.all()) == [consultation]
    consultation.refresh_from_db()
    assert consultation.title == "Eastside housing conversation"
    assert not AuditEvent.objects.filter(action__startswith="consultation.").exists()


def test_another_citys_consultation_is_404_for_get_and_post(world, login):
    theirs = ConsultationFactory(city=world.b.city, title="Betatown budget hearing")
    client = login(world.a.lead)
    for name in ("consultation_detail", "consultation_edit"):
        url = curl(name, world.a.city, consultation_uuid=theirs.uuid)
        assert client.get(url).status_code == 404
    response = client.post(
        curl("consultation_edit", world.a.city, consultation_uuid=theirs.uuid),
        _post_data(title="Hijacked"),
    )
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.title == "Betatown budget hearing"


# --------------------------------------------------------------------------- writes


@pytest.mark.parametrize("role", ["organizer", "lead"])
def test_organizers_and_leads_create_a_consultation(world, login, role):
    user = user_for(world, role)
    response = login(user).post(curl("consultation_create", world.a.city), _post_data())
    consultation = Consultation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == curl(
        "consultation_detail", world.a.city, consultation_uuid=consultation.uuid
    )
    assert consultation.city == world.a.city
    assert consultation.cycle == world.cycle
    assert consultation.created_by == user
    assert consultation.languages == ["en", "es", "ase"]
    assert consultation.partner_list() == ["Tenants Union", "Eastside Mutual Aid"]
    assert consultation.is_public is True
    assert {t.slug for t in consultation.themes.all()} == {"housing", "poverty"}
    event = AuditEvent.objects.get(action=AuditAction.CONSULTATION_CREATED)
    assert (event.actor, event.city, event.target_id) == (
        user,
        world.a.city,
        str(consultation.uuid),
    )


def test_editing_a_consultation_is_audited_with_the_changed_fields(world, login, consultation):
    response = login(world.a.organizer).post(
        curl("consultation_edit", world.a.city, consultation_uuid=consultation.uuid),
        _post_data(
            title="Eastside housing conversation",
            status="held",
            starts_at="2026-03-02T18:30",
            ends_at="",
            attendance="42",
        ),
    )
    assert response.status_code == 302
    consultation.refresh_from_db()
    assert consultation.status == ConsultationStatus.HELD
    assert consultation.attendance == 42
    event = AuditEvent.objects.get(action=AuditAction.CONSULTATION_UPDATED)
    assert event.actor == world.a.organizer
    assert "attendance" in event.details["fields"]
    assert "themes" in event.details["fields"]
    assert "title" not in event.details["fields"]


def test_saving_an_unchanged_consultation_is_not_audited(world, consultation):
    services.consultation_update(
        actor=world.a.lead, consultation=consultation, title=consultation.title, themes=[]
    )
    assert not AuditEvent.objects.filter(action=AuditAction.CONSULTATION_UPDATED).exists()


def test_a_consultation_whose_creator_account_was_deleted_can_still_be_edited(world):
    consultation = ConsultationFactory(city=world.a.city, created_by=world.a.organizer)
    world.a.organizer.delete()
    consultation.refresh_from_db()
    services.consultation_update(actor=world.a.lead, consultation=consultation, place="Online")
    consultation.refresh_from_db()
    assert consultation.place == "Online"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": ""}, "title"),
        ({"starts_at": "not a date"}, "starts_at"),
        ({"ends_at": "2027-04-01T10:00"}, "ends_at"),  # before the start
        ({"attendance": "30"}, "attendance"),  # attendance for an event not held yet
        ({"kind": "rave"}, "kind"),
    ],
)
def test_a_bad_consultation_is_refused_and_keeps_what_was_typed(world, login, overrides, field):
    response = login(world.a.organizer).post(
        curl("consultation_create", world.a.city), _post_data(**overrides)
    )
    assert response.status_code == 422
    assert response.context["form"].errors[field]
    assert b"Step-free entrance; ASL interpretation." in response.content
    assert not Consultation.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.CONSULTATION_CREATED).exists()


def test_a_retired_theme_cant_be_chosen_for_a_new_consultation(world, login):
    poverty = seeded_theme("poverty")
    poverty.is_active = False
    poverty.save()
    response = login(world.a.organizer).post(
        curl("consultation_create", world.a.city), _post_data()
    )
    assert response.status_code == 422
    assert response.context["form"].errors["themes"]
    assert not Consultation.objects.exists()


def test_without_a_current_cycle_create_explains_and_redirects(world, login):
    world.cycle.is_current = False
    world.cycle.save()
    response = login(world.a.organizer).post(
        curl("consultation_create", world.a.city), _post_data()
    )
    assert response.status_code == 302
    assert not Consultation.objects.exists()


def test_the_detail_page_lists_its_testimony_and_notes_for_the_team(world, login, consultation):
    consultation.facilitator_notes = "Room was too small."
    consultation.save()
    TestimonyFactory(city=world.a.city, consultation=consultation, summary="Mold in the flats.")
    TestimonyFactory(city=world.a.city, summary="Not from this event.")
    response = login(world.a.viewer).get(
        curl("consultation_detail", world.a.city, consultation_uuid=consultation.uuid)
    )
    body = response.content.decode()
    assert "Mold in the flats." in body
    assert "Not from this event." not in body
    assert "Room was too small." in body
    assert response.context["can_edit"] is False


def test_the_list_shows_only_this_citys_consultations(world, login, consultation):
    ConsultationFactory(city=world.b.city, title="Betatown budget hearing")
    response = login(world.coordinator).get(curl("consultation_list", world.a.city))
    body = response.content.decode()
    assert "Eastside housing conversation" in body
    assert "Betatown budget hearing" not in body


def test_the_consultation_list_query_count_does_not_grow(world, login):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def fill(count):
        for _ in range(count):
            consultation = ConsultationFactory(
                city=world.a.city, themes=[seeded_theme("housing"), seeded_theme("work")]
            )
            TestimonyFactory(city=world.a.city, consultation=consultation)

    client = login(world.a.viewer)
    url = curl("consultation_list", world.a.city)
    fill(3)
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    fill(20)
    with CaptureQueriesContext(connection) as large:
        response = client.get(url)
    assert len(response.context["page"]) == 23
    assert len(large.captured_queries) == len(small.captured_queries)


def test_html_in_a_consultation_is_escaped(world, login):
    ConsultationFactory(city=world.a.city, title="<script>alert(1)</script>")
    response = login(world.a.viewer).get(curl("consultation_list", world.a.city))
    assert b"<script>alert(1)</script>" not in response.content
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in response.content


# --------------------------------------------------------------------------- public page


def _public_page(client, world):
    return client.get(reverse("public:city", args=[world.a.city.slug]))


def test_public_consultations_appear_on_the_public_city_page(world, client):
    soon = timezone.now() + datetime.timedelta(days=10)
    ConsultationFactory(
        city=world.a.city,
        title="Upcoming listening session",
        status=ConsultationStatus.PLANNED,
        starts_at=soon,
        is_public=True,
        accessibility_notes="Childcare provided.",
    )
    ConsultationFactory(
        city=world.a.city,
        title="Spring hearing",
        status=ConsultationStatus.HELD,
        is_public=True,
        attendance=57,
        facilitator_notes="Speaker three was upset; follow up privately.",
        partner_organizations="Quiet Partner Org",
    )
    ConsultationFactory(
        city=world.a.city,
        title="Private planning meeting",
        status=ConsultationStatus.PLANNED,
        starts_at=soon,
        is_public=False,
    )
    ConsultationFactory(
        city=world.a.city,
        title="Cancelled town hall",
        status=ConsultationStatus.CANCELLED,
        starts_at=soon,
        is_public=True,
    )
    ConsultationFactory(
        city=world.b.city,
        title="Betatown open forum",
        status=ConsultationStatus.PLANNED,
        starts_at=soon,
        is_public=True,
    )
    response = _public_page(client, world)
    assert response.status_code == 200
    assert [c.title for c in response.context["upcoming"]] == ["Upcoming listening session"]
    assert [c.title for c in response.context["held"]] == ["Spring hearing"]
    body = response.content.decode()
    assert "Upcoming listening session" in body
    assert "Childcare provided." in body
    assert "Spring hearing" in body
    for private in (
        "Private planning meeting",
        "Cancelled town hall",
        "Betatown open forum",
        "Speaker three was upset",
        "Quiet Partner Org",
    ):
        assert private not in body


def test_a_planned_event_in_the_past_is_not_listed_as_upcoming(world, client):
    ConsultationFactory(
        city=world.a.city,
        title="Forgotten to mark held",
        status=ConsultationStatus.PLANNED,
        starts_at=timezone.now() - datetime.timedelta(days=2),
        is_public=True,
    )
    response = _public_page(client, world)
    assert response.context["upcoming"] == []
    assert response.context["held"] == []
