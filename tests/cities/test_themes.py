"""The national theme taxonomy: the seeded themes, and coordinators managing them."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cities import services
from cities.models import AuditAction, AuditEvent, Theme
from tests.conftest import ROLES, assert_login_redirect, user_for
from tests.factories import TestimonyFactory, seeded_theme

pytestmark = pytest.mark.django_db

THEME_POST = {
    "name_en": "Digital rights",
    "name_es": "Derechos digitales",
    "slug": "digital",
    "instruments": "UDHR art. 12\nICCPR art. 17\n\nICCPR art. 17",
    "sort_order": "190",
    "is_active": "on",
}


def test_the_seeded_taxonomy_has_eighteen_bilingual_themes_with_instruments(world):
    themes = list(Theme.objects.all())
    assert len(themes) == 18
    assert all(t.is_active for t in themes)
    assert all(t.name_en and t.name_es and t.name_en != t.name_es for t in themes)
    assert all(t.instruments for t in themes)
    assert sum(any("ICCPR" in i for i in t.instruments) for t in themes) >= 10
    housing = seeded_theme("housing")
    assert (housing.name_en, housing.name_es) == (
        "Housing and homelessness",
        "Vivienda y personas sin hogar",
    )
    assert "ICCPR art. 17" in housing.instruments
    assert [t.slug for t in themes][:2] == ["housing", "education"]  # sort order


def test_a_theme_is_named_in_the_active_language(world):
    from django.utils import translation

    housing = seeded_theme("housing")
    with translation.override("es"):
        assert housing.name == "Vivienda y personas sin hogar"
    with translation.override("en"):
        assert str(housing) == "Housing and homelessness"


def _routes() -> dict[str, str]:
    theme = seeded_theme("housing")
    return {
        "national:themes": reverse("national:themes"),
        "national:theme_create": reverse("national:theme_create"),
        "national:theme_edit": reverse("national:theme_edit", args=[theme.uuid]),
    }


@pytest.mark.authz("national:themes", "national:theme_create", "national:theme_edit")
@pytest.mark.parametrize("role", ROLES)
def test_theme_pages_are_for_coordinators_only(world, login, role):
    client = login(user_for(world, role))
    for name, url in _routes().items():
        response = client.get(url)
        if role == "anonymous":
            assert_login_redirect(response)
        else:
            assert response.status_code == (200 if role == "coordinator" else 403), name
        if role != "coordinator" and name != "national:themes":
            response = client.post(url, {**THEME_POST, "slug": "hijack", "name_en": "Hijack"})
            if role == "anonymous":
                assert_login_redirect(response)
            else:
                assert response.status_code == 403
    assert not Theme.objects.filter(slug__in=["digital", "hijack"]).exists()
    assert seeded_theme("housing").name_en == "Housing and homelessness"
    assert not AuditEvent.objects.filter(action__startswith="theme.").exists()


def test_the_themes_page_lists_both_names_and_instruments(world, login):
    body = login(world.coordinator).get(reverse("national:themes")).content.decode()
    assert "Housing and homelessness" in body
    assert "Vivienda y personas sin hogar" in body
    assert "ICCPR art. 17" in body


def test_a_coordinator_creates_a_theme(world, login):
    response = login(world.coordinator).post(reverse("national:theme_create"), THEME_POST)
    assert response.status_code == 302
    assert response["Location"] == reverse("national:themes")
    theme = Theme.objects.get(slug="digital")
    assert (theme.name_en, theme.name_es) == ("Digital rights", "Derechos digitales")
    assert theme.instruments == ["UDHR art. 12", "ICCPR art. 17"]
    assert theme.is_active is True
    event = AuditEvent.objects.get(action=AuditAction.THEME_CREATED)
    assert event.actor == world.coordinator
    assert event.city is None
    assert event.target_id == str(theme.uuid)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"slug": "housing"}, "slug"),
        ({"name_en": "housing and HOMELESSNESS"}, "name_en"),
        ({"name_es": "Salud"}, "name_es"),
        ({"slug": "Not A Slug"}, "slug"),
        ({"name_es": ""}, "name_es"),
    ],
)
def test_a_theme_must_be_unique_and_complete(world, login, overrides, field):
    response = login(world.coordinator).post(
        reverse("national:theme_create"), {**THEME_POST, **overrides}
    )
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    assert Theme.objects.count() == 18


def test_a_coordinator_edits_a_theme(world, login):
    theme = seeded_theme("voting")
    response = login(world.coordinator).post(
        reverse("national:theme_edit", args=[theme.uuid]),
        {
            "name_en": "Voting rights",
            "name_es": theme.name_es,
            "slug": theme.slug,
            "instruments": "\n".join([*theme.instruments, "ICERD art. 5(c)"]),
            "sort_order": str(theme.sort_order),
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    theme.refresh_from_db()
    assert theme.name_en == "Voting rights"
    event = AuditEvent.objects.get(action=AuditAction.THEME_UPDATED)
    assert event.details == {"fields": ["name_en"]}  # the instrument was already listed


def test_the_edit_form_is_filled_in(world, login):
    theme = seeded_theme("housing")
    form = (
        login(world.coordinator)
        .get(reverse("national:theme_edit", args=[theme.uuid]))
        .context["form"]
    )
    assert form.initial["name_es"] == "Vivienda y personas sin hogar"
    assert form.initial["instruments"].splitlines() == theme.instruments


def test_a_missing_theme_is_404(world, login):
    import uuid

    response = login(world.coordinator).get(reverse("national:theme_edit", args=[uuid.uuid4()]))
    assert response.status_code == 404


def test_retiring_a_theme_keeps_it_on_existing_testimony_but_not_for_new(world, login):
    theme = seeded_theme("policing")
    tagged = TestimonyFactory(city=world.a.city, themes=[theme])
    response = login(world.coordinator).post(
        reverse("national:theme_edit", args=[theme.uuid]),
        {
            "name_en": theme.name_en,
            "name_es": theme.name_es,
            "slug": theme.slug,
            "instruments": "\n".join(theme.instruments),
            "sort_order": str(theme.sort_order),
            # is_active unticked: retired
        },
    )
    assert response.status_code == 302
    theme.refresh_from_db()
    assert theme.is_active is False
    assert AuditEvent.objects.get(action=AuditAction.THEME_UPDATED).details == {
        "fields": ["is_active"]
    }
    assert list(tagged.themes.all()) == [theme]

    from consultations import services as consultation_services

    with pytest.raises(ValidationError):
        consultation_services.testimony_create(
            actor=world.a.organizer,
            city=world.a.city,
            cycle=world.cycle,
            themes=[theme],
            narrative="Stopped again.",
            nature="problem",
            source="event",
            consent_method="verbal",
        )
    # In the retired list, and still on the themes page.
    body = login(world.coordinator).get(reverse("national:themes")).content.decode()
    assert "Retired" in body


def test_the_theme_service_refuses_duplicates(world):
    with pytest.raises(ValidationError):
        services.theme_create(
            actor=world.coordinator,
            slug="housing",
            name_en="Another housing",
            name_es="Otra vivienda",
            instruments=[],
        )
    assert Theme.objects.count() == 18
