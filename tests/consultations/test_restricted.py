"""Speaker name and contact: only the city lead and the organizer who logged the
testimony see them, every view of them is audited, and no other page shows them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cities.models import AuditAction, AuditEvent
from consultations import services
from tests.conftest import assert_login_redirect
from tests.consultations.conftest import SPEAKER_CONTACT, SPEAKER_NAME, curl, turl

pytestmark = pytest.mark.django_db

SECRETS = (SPEAKER_NAME.encode(), SPEAKER_CONTACT.encode())


def _viewed_events(testimony):
    return AuditEvent.objects.filter(
        action=AuditAction.TESTIMONY_RESTRICTED_VIEWED, target_id=str(testimony.uuid)
    )


def _hidden(response) -> None:
    for secret in SECRETS:
        assert secret not in response.content


def _users(world, other_organizer):
    return {
        "viewer": world.a.viewer,
        "other_organizer": other_organizer,
        "coordinator": world.coordinator,
        "recorder": world.a.organizer,
        "lead": world.a.lead,
    }


@pytest.mark.authz("consultations:testimony_restricted")
@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", "login"),
        ("outsider", 404),
        ("other_lead", 404),
        ("viewer", 403),
        ("other_organizer", 403),
        ("coordinator", 403),
        ("recorder", 200),
        ("lead", 200),
    ],
)
def test_the_restricted_endpoint_is_for_the_lead_and_the_recorder(
    world, login, testimony, other_organizer, who, expected
):
    user = {
        **_users(world, other_organizer),
        "anonymous": None,
        "outsider": world.a.outsider,
        "other_lead": world.b.lead,
    }[who]
    response = login(user).get(turl("testimony_restricted", testimony))
    if expected == "login":
        assert_login_redirect(response)
    else:
        assert response.status_code == expected
    if expected == 200:
        for secret in SECRETS:
            assert secret in response.content
        event = _viewed_events(testimony).get()
        assert event.actor == user
        assert event.city == world.a.city
        assert event.target_label == testimony.short_ref
        # The audit trail records the view, never what was seen.
        assert SPEAKER_NAME not in str(event.details)
    else:
        _hidden(response)
        assert not _viewed_events(testimony).exists()


def test_the_restricted_endpoint_is_post_free(world, login, testimony):
    response = login(world.a.lead).post(turl("testimony_restricted", testimony))
    assert response.status_code == 405
    assert not _viewed_events(testimony).exists()


def test_each_view_is_audited(world, login, testimony):
    client = login(world.a.lead)
    client.get(turl("testimony_restricted", testimony))
    client.get(turl("testimony_restricted", testimony), headers={"HX-Request": "true"})
    assert _viewed_events(testimony).count() == 2


def test_the_htmx_fragment_shows_only_the_restricted_box(world, login, testimony):
    response = login(world.a.organizer).get(
        turl("testimony_restricted", testimony), headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert SPEAKER_NAME in body
    assert 'id="restricted-details"' in body
    assert "<html" not in body


def test_another_citys_testimony_is_404_even_for_the_lead(world, login, testimony_b):
    response = login(world.a.lead).get(turl("testimony_restricted", testimony_b, city=world.a.city))
    assert response.status_code == 404
    assert b"Bartholomew" not in response.content
    assert not AuditEvent.objects.filter(action=AuditAction.TESTIMONY_RESTRICTED_VIEWED).exists()


@pytest.mark.parametrize("who", ["viewer", "other_organizer", "coordinator", "recorder", "lead"])
def test_the_detail_page_never_prints_the_speaker(world, login, testimony, other_organizer, who):
    user = _users(world, other_organizer)[who]
    response = login(user).get(turl("testimony_detail", testimony))
    assert response.status_code == 200
    _hidden(response)
    # Only the lead and the recorder are offered the audited way to see them.
    offered = turl("testimony_restricted", testimony).encode() in response.content
    assert offered is (who in ("recorder", "lead"))
    assert response.context["can_see_restricted"] is (who in ("recorder", "lead"))
    assert not _viewed_events(testimony).exists()


@pytest.mark.parametrize("who", ["viewer", "other_organizer", "coordinator", "recorder", "lead"])
def test_lists_and_searches_never_print_the_speaker(world, login, testimony, other_organizer, who):
    user = _users(world, other_organizer)[who]
    client = login(user)
    for url, params in (
        (curl("testimony_list", world.a.city), {}),
        (curl("testimony_list", world.a.city), {"q": "Rosalind"}),
        (curl("testimony_list", world.a.city), {"q": "landlord"}),
        (
            curl(
                "consultation_detail", world.a.city, consultation_uuid=testimony.consultation.uuid
            ),
            {},
        ),
    ):
        response = client.get(url, params)
        assert response.status_code == 200
        _hidden(response)


def test_searching_for_the_speakers_name_does_not_find_the_testimony(world, login, testimony):
    response = login(world.a.lead).get(curl("testimony_list", world.a.city), {"q": "Rosalind"})
    assert list(response.context["page"]) == []


def test_the_national_search_never_prints_speaker_names(world, login, testimony, testimony_b):
    response = login(world.coordinator).get(reverse("national:testimony"), {"q": "landlord"})
    assert response.status_code == 200
    assert [t.pk for t in response.context["page"]] == [testimony.pk]
    _hidden(response)
    response = login(world.coordinator).get(reverse("national:testimony"))
    _hidden(response)
    assert b"Bartholomew" not in response.content


def test_the_export_never_contains_the_speaker(world, login, testimony):
    response = login(world.a.lead).get(curl("testimony_export", world.a.city))
    assert response.status_code == 200
    assert testimony.short_ref.encode() in response.content
    _hidden(response)


class TestEditForm:
    @pytest.mark.parametrize("who", ["recorder", "lead"])
    def test_the_lead_and_recorder_see_and_can_change_them_and_it_is_audited(
        self, world, login, testimony, other_organizer, who
    ):
        user = _users(world, other_organizer)[who]
        response = login(user).get(turl("testimony_edit", testimony))
        assert response.status_code == 200
        for secret in SECRETS:
            assert secret in response.content
        assert _viewed_events(testimony).get().actor == user

    def test_another_organizer_edits_without_seeing_or_touching_them(
        self, world, login, testimony, other_organizer
    ):
        client = login(other_organizer)
        response = client.get(turl("testimony_edit", testimony))
        assert response.status_code == 200
        _hidden(response)
        assert "speaker_name" not in response.context["form"].fields
        assert not _viewed_events(testimony).exists()

        response = client.post(
            turl("testimony_edit", testimony),
            {
                **_edit_post(testimony),
                "summary": "Rent and heating.",
                "speaker_name": "Someone Else",
                "speaker_contact": "",
            },
        )
        assert response.status_code == 302
        testimony.refresh_from_db()
        assert testimony.summary == "Rent and heating."
        assert testimony.speaker_name == SPEAKER_NAME
        assert testimony.speaker_contact == SPEAKER_CONTACT


def _edit_post(testimony) -> dict[str, object]:
    return {
        "consultation": testimony.consultation.pk if testimony.consultation else "",
        "narrative": testimony.narrative,
        "summary": testimony.summary,
        "themes": [t.pk for t in testimony.themes.all()],
        "rights": "\n".join(testimony.rights),
        "nature": testimony.nature,
        "occurred_on": testimony.occurred_on.isoformat() if testimony.occurred_on else "",
        "area": testimony.area,
        "source": testimony.source,
        "language": testimony.language,
        "consent_level": testimony.consent_level,
        "consent_method": testimony.consent_method,
        "age_band": testimony.age_band,
        "demographic_group": testimony.demographic_group,
    }


def test_the_service_refuses_everyone_else(world, testimony, other_organizer):
    from django.core.exceptions import PermissionDenied

    from cities.selectors import city_access_for_user

    for user in (world.a.viewer, other_organizer, world.coordinator):
        access = city_access_for_user(user=user, city_uuid=world.a.city.uuid)
        with pytest.raises(PermissionDenied):
            services.testimony_reveal_restricted(actor=user, access=access, testimony=testimony)
    assert not _viewed_events(testimony).exists()


def test_a_coordinator_who_also_leads_the_city_sees_them(world, login, testimony):
    from cities.models import Role
    from tests.factories import MembershipFactory

    MembershipFactory(city=world.a.city, user=world.coordinator, role=Role.CITY_LEAD)
    response = login(world.coordinator).get(turl("testimony_restricted", testimony))
    assert response.status_code == 200
    assert SPEAKER_NAME.encode() in response.content


def test_the_redact_page_doesnt_print_the_speaker_for_another_organizer(
    world, login, testimony, other_organizer
):
    testimony.narrative = "Rosalind here. The landlord raised the rent twice this year."
    testimony.save()
    response = login(other_organizer).get(turl("testimony_redact", testimony))
    assert response.status_code == 200
    # The narrative says "Rosalind" itself; the full name and contact never appear.
    _hidden(response)
    assert "Rosalind here" in response.content.decode()
    assert "[name] here" in response.context["form"].initial["redacted_quote"]


def test_the_import_preview_never_prints_speaker_details(world, login, other_organizer):
    from django.core.files.uploadedfile import SimpleUploadedFile

    data = (
        b"testimony,themes,describes,consent,name,contact\n"
        b'"The shelter was full every night.",housing,problem,internal,'
        b"Imelda Hartsfield,imelda.h@example.org\n"
    )
    check = services.import_check(
        actor=world.a.organizer,
        city=world.a.city,
        cycle=world.cycle,
        upload=SimpleUploadedFile("forms.csv", data, content_type="text/csv"),
    )
    url = curl("import_detail", world.a.city, batch_uuid=check.batch.uuid)
    for user in (world.a.organizer, other_organizer, world.a.lead):
        response = login(user).get(url)
        assert response.status_code == 200
        body = response.content.decode()
        assert "The shelter was full every night." in body
        assert "Imelda" not in body
        assert "imelda.h@example.org" not in body
