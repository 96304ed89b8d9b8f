"""Redaction: the suggestion engine, the service's refusals, and the redact page."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from cities.models import AuditAction, AuditEvent
from consultations import redaction, services
from consultations.models import ConsentLevel, ReviewStatus
from tests.consultations.conftest import SPEAKER_NAME, messages_of, turl
from tests.factories import TestimonyFactory

# --------------------------------------------------------------------------- suggestions


@pytest.mark.parametrize(
    "email",
    ["maria.lopez@example.org", "m_lopez+rent@mail.example.co.uk", "TENANT-42@Example.ORG"],
)
def test_it_suggests_removing_email_addresses(email):
    result = redaction.suggest(f"Write to {email} if you can help.")
    assert result.text == "Write to [email] if you can help."
    assert result.counts == {"email": 1}


@pytest.mark.parametrize(
    "phone",
    [
        "(503) 555-0142",
        "503-555-0142",
        "503.555.0142",
        "503 555 0142",
        "5035550142",
        "+1 503 555 0142",
        "1-503-555-0142",
    ],
)
def test_it_suggests_removing_us_phone_numbers(phone):
    result = redaction.suggest(f"Call me on {phone}, evenings.")
    assert result.text == "Call me on [phone], evenings."
    assert result.counts == {"phone": 1}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "She lives at 1423 N. Elm Street, Apt 4B near the park.",
            "She lives at [address] near the park.",
        ),
        ("The fire was at 77 Sunset Blvd last May.", "The fire was at [address] last May."),
        ("We rent at 500 Main St #12 and it leaks.", "We rent at [address] and it leaks."),
        ("Vivo en la Calle Olmo 123 desde 2020.", "Vivo en la [address] desde 2020."),
        ("La clínica de la Avenida Juárez #45 cerró.", "La clínica de la [address] cerró."),
    ],
)
def test_it_suggests_removing_street_addresses(text, expected):
    result = redaction.suggest(text)
    assert result.text == expected
    assert result.counts == {"address": 1}


def test_it_removes_a_spanish_apartment_unit_with_the_address():
    result = redaction.suggest("Vivo en Calle Olmo 123, Apto 2B, con mis hijos.")
    assert result.text == "Vivo en [address], con mis hijos."


@pytest.mark.parametrize(
    "text",
    [
        "In 2019 I paid 1200 dollars for two rooms.",
        "We were 12 people in the flat and waited 3 months.",
        "The number 45 bus stopped running in 2025; call 911 they said.",
        "Everyone on the Main Street side of Eastside knows it.",
    ],
)
def test_it_leaves_ordinary_numbers_and_places_alone(text):
    result = redaction.suggest(text)
    assert result.text == text
    assert result.total == 0


def test_it_redacts_marked_names_and_each_part_of_a_multi_word_name():
    result = redaction.suggest(
        "Maria Elena Lopez told us that Lopez and her sister were scared, and maria cried. "
        "Mariana from the clinic helped.",
        names=["Maria Elena Lopez"],
    )
    assert result.text == (
        "[name] told us that [name] and her sister were scared, and [name] cried. "
        "Mariana from the clinic helped."
    )
    assert result.counts == {"name": 3}


def test_it_ignores_name_parts_too_short_to_be_safe_to_replace():
    result = redaction.suggest("Jo Li said it is so.", names=["Jo Li"])
    # The whole name is replaced; two-letter parts alone would hit ordinary words.
    assert result.text == "[name] said it is so."


def test_its_summary_counts_without_echoing_what_it_found():
    result = redaction.suggest(
        "Write to a@example.org or b@example.org, or call 503-555-0142; Ana lives at 12 Oak Ave.",
        names=["Ana"],
    )
    summary = dict(result.summary())
    assert summary == {
        "email addresses": 2,
        "phone number": 1,
        "street address": 1,
        "name": 1,
    }
    for found in ("a@example.org", "503-555-0142", "Ana", "Oak"):
        assert found not in str(result.summary())


@pytest.mark.parametrize(
    ("value", "is_address"),
    [
        ("1423 N. Elm Street, Apt 4B", True),
        ("Calle Olmo 123", True),
        ("12 Oak Ave", True),
        ("Eastside", False),
        ("Near the Main Street bridge", False),
        ("Barrio Logan", False),
    ],
)
def test_it_tells_a_street_address_from_a_neighborhood(value, is_address):
    assert redaction.looks_like_street_address(value) is is_address


# --------------------------------------------------------------------------- the service


@pytest.mark.django_db
class TestRedactService:
    @pytest.mark.parametrize(
        "leftover",
        ["write to rosalind.q@example.net", "call (503) 555-0142", "at 1423 N. Elm Street, Apt 4B"],
    )
    def test_it_refuses_a_quote_still_holding_contact_details(self, testimony, world, leftover):
        with pytest.raises(ValidationError) as exc:
            services.testimony_redact(
                actor=world.a.organizer,
                testimony=testimony,
                redacted_quote=f"The heating broke, {leftover}.",
            )
        assert "redacted_quote" in exc.value.message_dict
        testimony.refresh_from_db()
        assert testimony.redacted_quote == ""
        assert not AuditEvent.objects.filter(action=AuditAction.TESTIMONY_REDACTED).exists()

    @pytest.mark.parametrize("part", [SPEAKER_NAME, "Rosalind", "QUINTERO-VASQUEZ"])
    def test_it_refuses_the_speakers_name_without_named_consent(self, testimony, world, part):
        assert testimony.consent_level == ConsentLevel.ANONYMOUS
        with pytest.raises(ValidationError) as exc:
            services.testimony_redact(
                actor=world.a.organizer,
                testimony=testimony,
                redacted_quote=f"{part} said the heating broke in January.",
            )
        assert "speaker's name" in " ".join(exc.value.message_dict["redacted_quote"])

    def test_it_allows_the_speakers_name_under_named_consent(self, testimony, world):
        testimony.consent_level = ConsentLevel.NAMED
        testimony.save()
        services.testimony_redact(
            actor=world.a.organizer,
            testimony=testimony,
            redacted_quote="Rosalind said the heating broke in January.",
        )
        testimony.refresh_from_db()
        assert testimony.redacted_quote == "Rosalind said the heating broke in January."

    def test_it_refuses_internal_only_consent(self, world):
        testimony = TestimonyFactory(city=world.a.city, consent_level=ConsentLevel.INTERNAL)
        with pytest.raises(ValidationError):
            services.testimony_redact(
                actor=world.a.lead, testimony=testimony, redacted_quote="The rent went up."
            )
        testimony.refresh_from_db()
        assert testimony.redacted_quote == ""

    def test_it_refuses_an_empty_quote(self, testimony, world):
        with pytest.raises(ValidationError):
            services.testimony_redact(actor=world.a.lead, testimony=testimony, redacted_quote="  ")

    def test_it_saves_the_quote_with_who_redacted_it_and_audits(self, testimony, world):
        services.testimony_redact(
            actor=world.a.organizer,
            testimony=testimony,
            redacted_quote="  The landlord raised the rent twice this year.  ",
        )
        testimony.refresh_from_db()
        assert testimony.redacted_quote == "The landlord raised the rent twice this year."
        assert testimony.redacted_by == world.a.organizer
        assert testimony.redacted_at is not None
        event = AuditEvent.objects.get(action=AuditAction.TESTIMONY_REDACTED)
        assert event.actor == world.a.organizer
        assert event.city == world.a.city
        assert event.target_id == str(testimony.uuid)
        assert "landlord" not in str(event.details) + event.target_label

    def test_a_changed_quote_sends_a_reviewed_testimony_back_to_draft(self, testimony, world):
        services.testimony_redact(
            actor=world.a.organizer, testimony=testimony, redacted_quote="The rent went up."
        )
        services.testimony_review(actor=world.a.lead, testimony=testimony)
        testimony.refresh_from_db()
        assert testimony.review_status == ReviewStatus.REVIEWED

        services.testimony_redact(
            actor=world.a.organizer, testimony=testimony, redacted_quote="The rent went up twice."
        )
        testimony.refresh_from_db()
        assert testimony.review_status == ReviewStatus.DRAFT
        event = AuditEvent.objects.filter(action=AuditAction.TESTIMONY_REDACTED).first()
        assert event.details == {"review_reset": True}

    def test_the_same_quote_again_keeps_the_review(self, testimony, world):
        services.testimony_redact(
            actor=world.a.organizer, testimony=testimony, redacted_quote="The rent went up."
        )
        services.testimony_review(actor=world.a.lead, testimony=testimony)
        services.testimony_redact(
            actor=world.a.organizer, testimony=testimony, redacted_quote="The rent went up."
        )
        testimony.refresh_from_db()
        assert testimony.review_status == ReviewStatus.REVIEWED
        assert AuditEvent.objects.filter(action=AuditAction.TESTIMONY_REDACTED).count() == 1

    def test_it_refuses_withdrawn_testimony(self, testimony, world):
        services.testimony_withdraw_consent(actor=world.a.lead, testimony=testimony)
        with pytest.raises(ValidationError):
            services.testimony_redact(
                actor=world.a.lead, testimony=testimony, redacted_quote="The rent went up."
            )


# --------------------------------------------------------------------------- the page


@pytest.mark.django_db
class TestRedactPage:
    def test_get_prefills_a_suggestion_without_the_speakers_details(self, world, login):
        testimony = TestimonyFactory(
            city=world.a.city,
            recorded_by=world.a.organizer,
            consent_level=ConsentLevel.ANONYMOUS,
            speaker_name="Rosalind Quintero",
            narrative="I am Rosalind, call me on 503-555-0142 or write to r.q@example.net.",
        )
        response = login(world.a.organizer).get(turl("testimony_redact", testimony))
        assert response.status_code == 200
        assert response.context["form"].initial["redacted_quote"] == (
            "I am [name], call me on [phone] or write to [email]."
        )

    def test_suggest_post_replaces_marked_names_and_saves_nothing(self, testimony, world, login):
        response = login(world.a.organizer).post(
            turl("testimony_redact", testimony),
            {
                "suggest": "1",
                "names": "Don Ignacio, Pine Court",
                "redacted_quote": "Don Ignacio from Pine Court kept the deposit; mail a@b.org.",
            },
        )
        assert response.status_code == 200
        assert response.context["form"].initial["redacted_quote"] == (
            "[name] from [name] kept the deposit; mail [email]."
        )
        assert response.context["suggestion"].counts == {"name": 2, "email": 1}
        testimony.refresh_from_db()
        assert testimony.redacted_quote == ""
        assert not AuditEvent.objects.filter(action=AuditAction.TESTIMONY_REDACTED).exists()

    def test_suggest_post_with_an_empty_quote_starts_from_the_narrative(
        self, testimony, world, login
    ):
        response = login(world.a.organizer).post(
            turl("testimony_redact", testimony), {"suggest": "1", "names": "", "redacted_quote": ""}
        )
        assert response.context["form"].initial["redacted_quote"] == testimony.narrative

    def test_save_post_stores_the_quote_and_redirects(self, testimony, world, login):
        response = login(world.a.organizer).post(
            turl("testimony_redact", testimony),
            {"redacted_quote": "The landlord raised the rent twice this year."},
        )
        assert response.status_code == 302
        assert response["Location"] == turl("testimony_detail", testimony)
        testimony.refresh_from_db()
        assert testimony.redacted_quote == "The landlord raised the rent twice this year."
        assert testimony.redacted_by == world.a.organizer

    def test_save_post_with_a_leftover_phone_number_is_refused_and_keeps_the_text(
        self, testimony, world, login
    ):
        response = login(world.a.organizer).post(
            turl("testimony_redact", testimony),
            {"redacted_quote": "Ring the tenants union on 503-555-0142 for help."},
        )
        assert response.status_code == 422
        assert response.context["form"].errors["redacted_quote"]
        assert b"Ring the tenants union" in response.content
        testimony.refresh_from_db()
        assert testimony.redacted_quote == ""

    def test_internal_only_testimony_redirects_with_a_message(self, world, login):
        testimony = TestimonyFactory(city=world.a.city, consent_level=ConsentLevel.INTERNAL)
        client = login(world.a.lead)
        response = client.post(
            turl("testimony_redact", testimony), {"redacted_quote": "The rent went up."}
        )
        assert response.status_code == 302
        testimony.refresh_from_db()
        assert testimony.redacted_quote == ""
        assert any("internal only" in m for m in messages_of(response))
