"""Testimony pages: the role matrix for every route and verb, 404 across cities, and
what each write does to the database and the audit trail."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cities.models import AuditAction, AuditEvent
from consultations import services
from consultations.models import ConsentLevel, ReviewStatus, Testimony
from tests.conftest import ROLES, assert_login_redirect, user_for
from tests.consultations.conftest import curl, messages_of, turl
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
REVIEW_MATRIX = {**EDIT_MATRIX, "organizer": 403}


def _expect(response, expected) -> None:
    if expected == "login":
        assert_login_redirect(response)
    else:
        assert response.status_code == expected


def _form_data(**overrides) -> dict[str, object]:
    return {
        "consultation": "",
        "narrative": "The clinic closed and the next one is two buses away.",
        "summary": "",
        "themes": [seeded_theme("health").pk],
        "rights": "",
        "nature": "problem",
        "occurred_on": "2026-02-10",
        "area": "Northside",
        "source": "event",
        "language": "en",
        "consent_level": "anonymous",
        "consent_method": "verbal",
        "speaker_name": "Walter Okafor",
        "speaker_contact": "555-0199",
        "age_band": "",
        "demographic_group": "",
        **overrides,
    }


def _edit_data(testimony: Testimony, **overrides) -> dict[str, object]:
    data = {
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
        "speaker_name": testimony.speaker_name,
        "speaker_contact": testimony.speaker_contact,
        "age_band": testimony.age_band,
        "demographic_group": testimony.demographic_group,
    }
    return {**data, **overrides}


# --------------------------------------------------------------------------- role matrix


@pytest.mark.authz("consultations:testimony_list", "consultations:testimony_detail")
@pytest.mark.parametrize("role", ROLES)
def test_testimony_read_pages_follow_the_read_matrix(world, login, testimony, role):
    client = login(user_for(world, role))
    for url in (curl("testimony_list", world.a.city), turl("testimony_detail", testimony)):
        _expect(client.get(url), READ_MATRIX[role])


@pytest.mark.authz(
    "consultations:testimony_create",
    "consultations:testimony_edit",
    "consultations:testimony_redact",
    "consultations:testimony_withdraw",
    "consultations:testimony_export",
)
@pytest.mark.parametrize("role", ROLES)
def test_testimony_write_pages_follow_the_edit_matrix(world, login, testimony, role):
    client = login(user_for(world, role))
    for url in (
        curl("testimony_create", world.a.city),
        turl("testimony_edit", testimony),
        turl("testimony_redact", testimony),
        turl("testimony_withdraw", testimony),
        curl("testimony_export", world.a.city),
    ):
        _expect(client.get(url), EDIT_MATRIX[role])


@pytest.mark.authz("consultations:testimony_review")
@pytest.mark.parametrize("role", ROLES)
def test_review_is_for_the_city_lead_only(world, login, role):
    testimony = TestimonyFactory(city=world.a.city, consent_level=ConsentLevel.INTERNAL)
    response = login(user_for(world, role)).post(turl("testimony_review", testimony))
    expected = REVIEW_MATRIX[role]
    _expect(response, 302 if expected == 200 else expected)
    testimony.refresh_from_db()
    assert testimony.is_reviewed is (role == "lead")
    assert AuditEvent.objects.filter(action=AuditAction.TESTIMONY_REVIEWED).exists() is (
        role == "lead"
    )


def test_review_is_post_only(world, login, testimony):
    assert login(world.a.lead).get(turl("testimony_review", testimony)).status_code == 405


@pytest.mark.parametrize("role", ["anonymous", "outsider", "viewer", "other_lead", "coordinator"])
def test_testimony_posts_by_anyone_else_change_nothing(world, login, testimony, role):
    client = login(user_for(world, role))
    expected = EDIT_MATRIX[role]
    _expect(client.post(curl("testimony_create", world.a.city), _form_data()), expected)
    _expect(
        client.post(turl("testimony_edit", testimony), _edit_data(testimony, summary="Hijacked")),
        expected,
    )
    _expect(
        client.post(turl("testimony_redact", testimony), {"redacted_quote": "Hijacked."}),
        expected,
    )
    _expect(
        client.post(turl("testimony_withdraw", testimony), {"confirm": "on", "note": "x"}),
        expected,
    )
    assert list(Testimony.objects.all()) == [testimony]
    testimony.refresh_from_db()
    assert testimony.summary == ""
    assert testimony.redacted_quote == ""
    assert testimony.consent_withdrawn_at is None
    assert not AuditEvent.objects.filter(action__startswith="testimony.").exists()


def test_another_citys_testimony_is_404_for_every_verb(world, login, testimony_b):
    client = login(world.a.lead)
    for name in (
        "testimony_detail",
        "testimony_edit",
        "testimony_redact",
        "testimony_withdraw",
        "testimony_restricted",
    ):
        url = turl(name, testimony_b, city=world.a.city)
        assert client.get(url).status_code == 404, name
    posts = {
        "testimony_edit": _edit_data(testimony_b, summary="Hijacked"),
        "testimony_redact": {"redacted_quote": "Hijacked."},
        "testimony_withdraw": {"confirm": "on"},
        "testimony_review": {},
    }
    for name, data in posts.items():
        url = turl(name, testimony_b, city=world.a.city)
        assert client.post(url, data).status_code == 404, name
    testimony_b.refresh_from_db()
    assert testimony_b.summary == ""
    assert testimony_b.redacted_quote == ""
    assert testimony_b.consent_withdrawn_at is None
    assert testimony_b.review_status == ReviewStatus.DRAFT
    assert not AuditEvent.objects.exists()


def test_another_citys_consultation_cant_be_used_to_prefill(world, login):
    theirs = ConsultationFactory(city=world.b.city)
    response = login(world.a.organizer).get(
        curl("testimony_create", world.a.city), {"consultation": str(theirs.uuid)}
    )
    assert response.status_code == 404


# --------------------------------------------------------------------------- create


@pytest.mark.parametrize("role", ["organizer", "lead"])
def test_logging_testimony(world, login, role):
    user = user_for(world, role)
    response = login(user).post(curl("testimony_create", world.a.city), _form_data())
    testimony = Testimony.objects.get()
    assert response.status_code == 302
    assert response["Location"] == turl("testimony_detail", testimony)
    assert testimony.city == world.a.city
    assert testimony.recorded_by == user
    assert testimony.speaker_name == "Walter Okafor"
    assert testimony.consent_level == ConsentLevel.ANONYMOUS
    assert [t.slug for t in testimony.themes.all()] == ["health"]
    assert AuditEvent.objects.get(action=AuditAction.TESTIMONY_CREATED).actor == user


def test_save_and_log_another_returns_to_the_form_for_the_same_event(world, login, consultation):
    response = login(world.a.organizer).post(
        curl("testimony_create", world.a.city),
        _form_data(consultation=consultation.pk, add_another="1"),
    )
    assert response.status_code == 302
    assert response["Location"] == (
        curl("testimony_create", world.a.city) + f"?consultation={consultation.uuid}"
    )
    form_page = login(world.a.organizer).get(response["Location"])
    assert form_page.context["form"].initial["consultation"] == consultation
    assert form_page.context["form"].initial["source"] == "event"


def test_the_same_form_sent_twice_saves_one_testimony(world, login):
    """A double click, or a retry after the connection dropped (a 503 while PostgreSQL
    restarted), re-sends the form with its submission id: one testimony, one audit event."""
    client = login(world.a.organizer)
    page = client.get(curl("testimony_create", world.a.city))
    submission_id = page.context["form"]["submission_id"].value()
    assert f'name="submission_id" value="{submission_id}"' in page.content.decode()
    data = _form_data(submission_id=str(submission_id))
    first = client.post(curl("testimony_create", world.a.city), data)
    again = client.post(curl("testimony_create", world.a.city), data)
    testimony = Testimony.objects.get()
    assert first["Location"] == again["Location"] == turl("testimony_detail", testimony)
    assert str(testimony.submission_id) == str(submission_id)
    assert AuditEvent.objects.filter(action=AuditAction.TESTIMONY_CREATED).count() == 1
    # A fresh form is a new testimony, even with the same words.
    client.post(curl("testimony_create", world.a.city), _form_data())
    assert Testimony.objects.count() == 2


def test_a_submission_id_from_another_city_is_a_new_testimony(world, login):
    data = _form_data(submission_id="5b0f6f7e-8a1c-4d0e-9a43-2f1f3c1d9e01")
    login(world.b.organizer).post(curl("testimony_create", world.b.city), data)
    login(world.a.organizer).post(curl("testimony_create", world.a.city), data)
    assert sorted(Testimony.objects.values_list("city", flat=True)) == sorted(
        [world.a.city.pk, world.b.city.pk]
    )


def test_the_edit_form_has_no_submission_id(world, login, testimony):
    page = login(world.a.organizer).get(turl("testimony_edit", testimony))
    assert "submission_id" not in page.context["form"].fields


def test_logging_testimony_on_the_page_logs_none_of_it(world, login, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    client = login(world.a.organizer)
    client.post(curl("testimony_create", world.a.city), _form_data())
    testimony = Testimony.objects.get()
    client.get(turl("testimony_detail", testimony))
    client.get(turl("testimony_restricted", testimony))
    logged = "\n".join(f"{r.getMessage()} {r.args!r}" for r in caplog.records)
    for secret in ("two buses away", "Walter Okafor", "555-0199"):
        assert secret not in logged


def test_a_form_that_fails_keeps_everything_typed(world, login):
    response = login(world.a.organizer).post(
        curl("testimony_create", world.a.city), _form_data(themes=[], summary="Clinic closed")
    )
    assert response.status_code == 422
    assert response.context["form"].errors["themes"]
    body = response.content.decode()
    assert "The clinic closed and the next one is two buses away." in body
    assert 'value="Clinic closed"' in body
    assert 'value="Northside"' in body
    assert 'value="Walter Okafor"' in body
    assert not Testimony.objects.exists()


def test_another_citys_consultation_cant_be_chosen_on_the_form(world, login):
    theirs = ConsultationFactory(city=world.b.city)
    response = login(world.a.organizer).post(
        curl("testimony_create", world.a.city), _form_data(consultation=theirs.pk)
    )
    assert response.status_code == 422
    assert response.context["form"].errors["consultation"]
    assert not Testimony.objects.exists()


def test_a_street_address_as_area_is_refused_on_the_form(world, login):
    response = login(world.a.organizer).post(
        curl("testimony_create", world.a.city), _form_data(area="1423 N. Elm Street, Apt 4B")
    )
    assert response.status_code == 422
    assert response.context["form"].errors["area"]
    assert not Testimony.objects.exists()


def test_a_retired_theme_isnt_offered_for_new_testimony(world, login):
    retired = seeded_theme("voting")
    retired.is_active = False
    retired.save()
    client = login(world.a.organizer)
    form = client.get(curl("testimony_create", world.a.city)).context["form"]
    assert retired not in form.fields["themes"].queryset
    response = client.post(curl("testimony_create", world.a.city), _form_data(themes=[retired.pk]))
    assert response.status_code == 422
    assert not Testimony.objects.exists()


def test_a_retired_theme_stays_on_existing_testimony_when_edited(world, login):
    retired = seeded_theme("voting")
    testimony = TestimonyFactory(city=world.a.city, recorded_by=world.a.organizer, themes=[retired])
    retired.is_active = False
    retired.save()
    client = login(world.a.organizer)
    form = client.get(turl("testimony_edit", testimony)).context["form"]
    assert retired in form.fields["themes"].queryset
    response = client.post(
        turl("testimony_edit", testimony), _edit_data(testimony, summary="Polling place moved.")
    )
    assert response.status_code == 302
    testimony.refresh_from_db()
    assert testimony.summary == "Polling place moved."
    assert [t.slug for t in testimony.themes.all()] == ["voting"]


# --------------------------------------------------------------------------- edit


def test_editing_a_reviewed_testimonys_narrative_returns_it_to_draft(world, login, testimony):
    services.testimony_redact(
        actor=world.a.organizer, testimony=testimony, redacted_quote="The rent went up."
    )
    services.testimony_review(actor=world.a.lead, testimony=testimony)
    response = login(world.a.organizer).post(
        turl("testimony_edit", testimony),
        _edit_data(testimony, narrative="Our landlord raised the rent three times."),
    )
    assert response.status_code == 302
    testimony.refresh_from_db()
    assert testimony.narrative == "Our landlord raised the rent three times."
    assert testimony.review_status == ReviewStatus.DRAFT
    event = AuditEvent.objects.filter(action=AuditAction.TESTIMONY_UPDATED).get()
    assert event.details["review_reset"] is True


def test_withdrawn_testimony_cant_be_edited(world, login, testimony):
    services.testimony_withdraw_consent(actor=world.a.lead, testimony=testimony)
    client = login(world.a.organizer)
    for response in (
        client.get(turl("testimony_edit", testimony)),
        client.post(turl("testimony_edit", testimony), _edit_data(testimony, summary="Changed")),
    ):
        assert response.status_code == 302
        assert response["Location"] == turl("testimony_detail", testimony)
        assert any("withdrawn" in m for m in messages_of(response))
    testimony.refresh_from_db()
    assert testimony.summary == ""
    assert not AuditEvent.objects.filter(action=AuditAction.TESTIMONY_UPDATED).exists()


# --------------------------------------------------------------------------- review


def test_review_needs_a_redacted_quote_when_consent_allows_quoting(world, login, testimony):
    client = login(world.a.lead)
    response = client.post(turl("testimony_review", testimony))
    assert response.status_code == 302
    assert any("redacted quote" in m for m in messages_of(response))
    testimony.refresh_from_db()
    assert testimony.review_status == ReviewStatus.DRAFT

    services.testimony_redact(
        actor=world.a.organizer, testimony=testimony, redacted_quote="The rent went up."
    )
    client.post(turl("testimony_review", testimony))
    testimony.refresh_from_db()
    assert testimony.review_status == ReviewStatus.REVIEWED
    assert testimony.reviewed_by == world.a.lead
    assert testimony.is_quotable()


# --------------------------------------------------------------------------- withdrawal


@pytest.mark.parametrize("role", ["organizer", "lead"])
def test_withdrawing_consent_on_the_page(world, login, testimony, role):
    user = user_for(world, role)
    client = login(user)
    response = client.post(
        turl("testimony_withdraw", testimony), {"confirm": "on", "note": "By phone, 3 May"}
    )
    assert response.status_code == 302
    testimony.refresh_from_db()
    assert testimony.consent_withdrawn_by == user
    assert testimony.consent_withdrawn_at is not None
    assert testimony.consent_withdrawal_note == "By phone, 3 May"
    assert AuditEvent.objects.get(action=AuditAction.TESTIMONY_CONSENT_WITHDRAWN).actor == user
    # The row is kept, and the list still shows it (marked) for the team's records.
    detail = client.get(turl("testimony_detail", testimony))
    assert detail.context["can_edit"] is False
    assert "Consent withdrawn" in detail.content.decode()


def test_withdrawing_needs_the_confirmation_box(world, login, testimony):
    response = login(world.a.organizer).post(turl("testimony_withdraw", testimony), {"note": "x"})
    assert response.status_code == 422
    assert response.context["form"].errors["confirm"]
    testimony.refresh_from_db()
    assert testimony.consent_withdrawn_at is None


def test_withdrawing_twice_only_says_so(world, login, testimony):
    client = login(world.a.organizer)
    client.post(turl("testimony_withdraw", testimony), {"confirm": "on"})
    response = client.post(turl("testimony_withdraw", testimony), {"confirm": "on"})
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action=AuditAction.TESTIMONY_CONSENT_WITHDRAWN).count() == 1


# --------------------------------------------------------------------------- export


def test_the_export_is_a_csv_of_this_citys_consented_testimony(
    world, login, testimony, testimony_b
):
    gone = TestimonyFactory(city=world.a.city, narrative="Please take my words out.")
    services.testimony_withdraw_consent(actor=world.a.lead, testimony=gone)
    TestimonyFactory(city=world.a.city, narrative='=HYPERLINK("http://evil.example","x")')
    response = login(world.a.organizer).get(curl("testimony_export", world.a.city))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="alphaville-testimony-')
    body = response.content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert len(rows) == 2
    narratives = {row["Testimony"] for row in rows}
    assert testimony.narrative in narratives
    assert '\'=HYPERLINK("http://evil.example","x")' in narratives
    assert "Please take my words out." not in body
    assert "Betatown" not in body
    event = AuditEvent.objects.get(action=AuditAction.TESTIMONY_EXPORTED)
    assert event.actor == world.a.organizer
    assert event.details == {"rows": 2}


def test_the_export_follows_the_lists_filters(world, login):
    TestimonyFactory(
        city=world.a.city, narrative="About housing.", themes=[seeded_theme("housing")]
    )
    TestimonyFactory(city=world.a.city, narrative="About health.", themes=[seeded_theme("health")])
    response = login(world.a.organizer).get(
        curl("testimony_export", world.a.city), {"theme": str(seeded_theme("health").uuid)}
    )
    body = response.content.decode("utf-8-sig")
    assert "About health." in body
    assert "About housing." not in body


# --------------------------------------------------------------------------- output safety


def test_html_in_testimony_is_escaped_on_the_detail_and_list_pages(world, login):
    testimony = TestimonyFactory(
        city=world.a.city,
        narrative="<script>alert(1)</script> happened",
        area="<b>Eastside</b>",
        redacted_quote="<img src=x onerror=alert(2)>",
        consent_level=ConsentLevel.ANONYMOUS,
    )
    client = login(world.a.viewer)
    for url in (turl("testimony_detail", testimony), curl("testimony_list", world.a.city)):
        body = client.get(url).content
        assert b"<script>alert(1)</script>" not in body
        assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in body
    detail = client.get(turl("testimony_detail", testimony)).content
    assert b"<img src=x" not in detail
    assert b"<b>Eastside</b>" not in detail
    national = login(world.coordinator).get(reverse("national:testimony")).content
    assert b"<script>alert(1)</script>" not in national
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in national


# --------------------------------------------------------------------------- query counts


def _fill(world, count: int) -> None:
    themes = [seeded_theme("housing"), seeded_theme("health")]
    consultation = ConsultationFactory(city=world.a.city)
    author = world.a.organizer
    for _ in range(count):
        TestimonyFactory(
            city=world.a.city, consultation=consultation, themes=themes, recorded_by=author
        )


@pytest.mark.parametrize("role", ["viewer", "lead"])
def test_the_list_page_query_count_does_not_grow_with_the_testimony(
    world, login, role, django_assert_num_queries
):
    client = login(user_for(world, role))
    url = curl("testimony_list", world.a.city)
    _fill(world, 3)
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as small:
        response = client.get(url)
    assert len(response.context["page"]) == 3
    _fill(world, 27)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert len(response.context["page"]) == 30


def test_the_list_query_count_is_the_same_when_searching_and_filtering(
    world, login, django_assert_num_queries
):
    client = login(world.a.lead)
    url = curl("testimony_list", world.a.city)
    params = {"q": "rent", "theme": str(seeded_theme("health").uuid), "nature": "problem"}
    _fill(world, 3)
    client.get(url, params)
    with CaptureQueriesContext(connection) as small:
        client.get(url, params)
    _fill(world, 27)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(url, params)
    assert len(response.context["page"]) == 30


def test_the_national_search_query_count_does_not_grow(world, login, django_assert_num_queries):
    client = login(world.coordinator)
    url = reverse("national:testimony")
    _fill(world, 3)
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    _fill(world, 27)
    for _ in range(5):
        TestimonyFactory(city=world.b.city, themes=[seeded_theme("work")])
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert len(response.context["page"]) == 35
