"""Testimony: logging, editing, restricted fields, redaction, review, consent withdrawal
and the team's CSV export."""

from __future__ import annotations

import csv
import io
import uuid
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cities.models import AuditAction, City, ReviewCycle, Theme
from cities.permissions import CityAccess, can_see_restricted
from cities.services.audit import _apply_changes, audit_record, clean_text_list
from consultations import redaction
from consultations.models import ConsentLevel, Consultation, ReviewStatus, Testimony
from consultations.services.events import _check_themes
from upr_portal.lib.csvsafe import csv_safe

if TYPE_CHECKING:
    from collections.abc import Iterable

    from django.db.models import QuerySet

    from accounts.models import User

TESTIMONY_EDITABLE = frozenset(
    {
        "consultation",
        "narrative",
        "summary",
        "language",
        "rights",
        "nature",
        "occurred_on",
        "area",
        "source",
        "age_band",
        "demographic_group",
        "consent_level",
        "consent_method",
    }
)
TESTIMONY_RESTRICTED = frozenset({"speaker_name", "speaker_contact"})
# Changing any of these after review sends the testimony back to draft.
_REVIEWED_CONTENT = frozenset({"narrative", "summary", "consent_level", "redacted_quote"})


def _validate(testimony: Testimony) -> None:
    # A repeated submission id is not the user's error: testimony_create answers it.
    testimony.full_clean(exclude=["search_document", "submission_id"])
    errors: dict[str, str] = {}
    if not testimony.narrative.strip():
        errors["narrative"] = _("Write down what the person said.")
    if testimony.area and redaction.looks_like_street_address(testimony.area):
        errors["area"] = _("This looks like a street address. Enter only the neighborhood or area.")
    if testimony.consultation is not None and testimony.consultation.city_id != testimony.city_id:
        errors["consultation"] = _("Choose a consultation of this city.")
    if testimony.occurred_on and testimony.occurred_on > timezone.localdate():
        errors["occurred_on"] = _("This date is in the future.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def testimony_create(
    *,
    actor: User,
    city: City,
    cycle: ReviewCycle,
    themes: Iterable[Theme],
    consultation: Consultation | None = None,
    speaker_name: str = "",
    speaker_contact: str = "",
    submission_id: uuid.UUID | None = None,
    **fields: Any,
) -> Testimony:
    """Log a testimony. The actor is recorded as who logged it and who recorded consent.

    Preconditions: the actor may edit evidence in `city`; at least one theme in use.
    Side effects: an audit event (consent level only, never text or speaker details).
    A `submission_id` seen before in this city (the same form sent again) returns the
    testimony it saved, and changes nothing.
    """
    if submission_id is not None:
        saved = Testimony.objects.filter(city=city, submission_id=submission_id).first()
        if saved is not None:
            return saved
    testimony = Testimony(
        submission_id=submission_id,
        city=city,
        cycle=consultation.cycle if consultation is not None else cycle,
        consultation=consultation,
        recorded_by=actor,
        consent_recorded_by=actor,
        consent_recorded_at=timezone.now(),
        speaker_name=speaker_name.strip(),
        speaker_contact=speaker_contact.strip(),
    )
    fields["rights"] = clean_text_list(fields.get("rights", []))
    _apply_changes(testimony, fields, TESTIMONY_EDITABLE - {"consultation"})
    theme_list = _check_themes(themes)
    if not theme_list:
        raise ValidationError({"themes": _("Choose at least one theme.")})
    _validate(testimony)
    try:
        with transaction.atomic():
            testimony.save()
    except IntegrityError:
        # The same form, sent twice at once: the other request saved it first.
        if submission_id is None:
            raise
        return Testimony.objects.get(city=city, submission_id=submission_id)
    testimony.themes.set(theme_list)
    audit_record(
        actor=actor,
        action=AuditAction.TESTIMONY_CREATED,
        city=city,
        target=testimony,
        target_label=testimony.short_ref,
        details={"consent": testimony.consent_level, "source": testimony.source},
    )
    return testimony


def _lock_consented(testimony: Testimony) -> Testimony:
    """The testimony's row, locked for the change, refused once consent is withdrawn."""
    testimony = Testimony.objects.select_for_update().get(pk=testimony.pk)
    if testimony.is_withdrawn:
        raise ValidationError(
            _("Consent for this testimony was withdrawn. It can no longer be changed.")
        )
    return testimony


@transaction.atomic
def testimony_update(
    *,
    actor: User,
    testimony: Testimony,
    themes: Iterable[Theme] | None = None,
    **fields: Any,
) -> Testimony:
    """Edit a testimony. Restricted fields may only be passed by someone who may see them
    (the view decides). A change of consent level records who recorded it, and when; a
    change of content after review sends it back to draft for the lead to review again.
    """
    testimony = _lock_consented(testimony)
    if "rights" in fields:
        fields["rights"] = clean_text_list(fields["rights"])
    changed = _apply_changes(testimony, fields, TESTIMONY_EDITABLE | TESTIMONY_RESTRICTED)
    if themes is not None:
        previous = list(testimony.themes.all())
        theme_list = _check_themes(themes, previous=previous)
        if not theme_list:
            raise ValidationError({"themes": _("Choose at least one theme.")})
        if {t.pk for t in theme_list} != {t.pk for t in previous}:
            changed.append("themes")
    if "consultation" in changed and testimony.consultation is not None:
        testimony.cycle = testimony.consultation.cycle
    if {"consent_level", "consent_method"} & set(changed):
        testimony.consent_recorded_by = actor
        testimony.consent_recorded_at = timezone.now()
    details: dict[str, Any] = {"fields": changed}
    if testimony.is_reviewed and _REVIEWED_CONTENT & set(changed):
        testimony.review_status = ReviewStatus.DRAFT
        details["review_reset"] = True
    _validate(testimony)
    testimony.save()
    if themes is not None:
        testimony.themes.set(theme_list)
    if changed:
        audit_record(
            actor=actor,
            action=AuditAction.TESTIMONY_UPDATED,
            city=testimony.city,
            target=testimony,
            target_label=testimony.short_ref,
            details=details,
        )
    return testimony


@transaction.atomic
def testimony_reveal_restricted(
    *, actor: User, access: CityAccess, testimony: Testimony
) -> dict[str, str]:
    """Return the speaker's name and contact to someone allowed to see them, and audit it.

    Raises PermissionDenied for anyone else (national coordinators included).
    """
    if not can_see_restricted(access, user_id=actor.pk, recorded_by_id=testimony.recorded_by_id):
        raise PermissionDenied
    audit_record(
        actor=actor,
        action=AuditAction.TESTIMONY_RESTRICTED_VIEWED,
        city=testimony.city,
        target=testimony,
        target_label=testimony.short_ref,
    )
    return {"speaker_name": testimony.speaker_name, "speaker_contact": testimony.speaker_contact}


def _check_quote(testimony: Testimony, quote: str) -> None:
    # One pass: the speaker's name counts only when consent doesn't allow naming them.
    names = [testimony.speaker_name] if testimony.consent_level != ConsentLevel.NAMED else []
    found = redaction.suggest(quote, names=[n for n in names if n]).counts
    if found.keys() - {"name"}:
        raise ValidationError(
            {
                "redacted_quote": _(
                    "The quote still contains an email address, phone number or street "
                    "address. Use “Suggest redactions”, or remove them by hand."
                )
            }
        )
    if found["name"]:
        raise ValidationError(
            {
                "redacted_quote": _(
                    "The quote contains the speaker's name, but consent only allows an "
                    "anonymous quote."
                )
            }
        )


@transaction.atomic
def testimony_redact(*, actor: User, testimony: Testimony, redacted_quote: str) -> Testimony:
    """Save the redacted quote that reports will use. Only for testimony whose consent
    allows a quote. A changed quote on a reviewed testimony goes back to draft."""
    testimony = _lock_consented(testimony)
    if testimony.consent_level == ConsentLevel.INTERNAL:
        raise ValidationError(
            _("Consent is “internal only”: this testimony can't be quoted, so it needs no quote.")
        )
    quote = redacted_quote.strip()
    if not quote:
        raise ValidationError({"redacted_quote": _("Write the quote, or cancel.")})
    _check_quote(testimony, quote)
    if quote == testimony.redacted_quote:
        return testimony
    testimony.redacted_quote = quote
    testimony.redacted_by = actor
    testimony.redacted_at = timezone.now()
    details: dict[str, Any] = {}
    if testimony.is_reviewed:
        testimony.review_status = ReviewStatus.DRAFT
        details["review_reset"] = True
    testimony.save()
    audit_record(
        actor=actor,
        action=AuditAction.TESTIMONY_REDACTED,
        city=testimony.city,
        target=testimony,
        target_label=testimony.short_ref,
        details=details,
    )
    return testimony


@transaction.atomic
def testimony_review(*, actor: User, testimony: Testimony) -> Testimony:
    """Mark a testimony reviewed (city lead). Only reviewed testimony can be cited."""
    testimony = _lock_consented(testimony)
    if testimony.is_reviewed:
        return testimony
    if testimony.consent_level != ConsentLevel.INTERNAL:
        if not testimony.redacted_quote:
            raise ValidationError(
                _("Prepare the redacted quote first: consent allows quoting, so reports need it.")
            )
        # Consent may have narrowed since the quote was written (named → anonymous).
        _check_quote(testimony, testimony.redacted_quote)
    testimony.review_status = ReviewStatus.REVIEWED
    testimony.reviewed_by = actor
    testimony.reviewed_at = timezone.now()
    testimony.save(update_fields=["review_status", "reviewed_by", "reviewed_at", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.TESTIMONY_REVIEWED,
        city=testimony.city,
        target=testimony,
        target_label=testimony.short_ref,
    )
    return testimony


@transaction.atomic
def testimony_withdraw_consent(*, actor: User, testimony: Testimony, note: str = "") -> Testimony:
    """Record that the person withdrew consent. The testimony leaves every future report
    and export; the record, and who logged and withdrew it, stay as the evidence trail."""
    testimony = Testimony.objects.select_for_update().get(pk=testimony.pk)
    if testimony.is_withdrawn:
        raise ValidationError(_("Consent for this testimony was already withdrawn."))
    testimony.consent_withdrawn_at = timezone.now()
    testimony.consent_withdrawn_by = actor
    testimony.consent_withdrawal_note = note.strip()[:300]
    testimony.save()
    audit_record(
        actor=actor,
        action=AuditAction.TESTIMONY_CONSENT_WITHDRAWN,
        city=testimony.city,
        target=testimony,
        target_label=testimony.short_ref,
        details={"previous_consent": testimony.consent_level},
    )
    return testimony


EXPORT_COLUMNS = (
    ("reference", _("Reference")),
    ("logged", _("Logged")),
    ("consultation", _("Consultation")),
    ("themes", _("Themes")),
    ("nature", _("Describes")),
    ("occurred_on", _("When it happened")),
    ("area", _("Neighborhood or area")),
    ("source", _("Source")),
    ("language", _("Language")),
    ("consent", _("Consent")),
    ("review", _("Review")),
    ("summary", _("Summary")),
    ("narrative", _("Testimony")),
    ("quote", _("Redacted quote")),
)


def testimony_export_csv(
    *, actor: User, city: City | None, testimonies: QuerySet[Testimony]
) -> str:
    """The team's CSV of the given testimonies, minus withdrawn consent, without restricted
    fields or demographics, with formula-like cells neutralised. Audited."""
    rows = (
        testimonies.filter(consent_withdrawn_at__isnull=True)
        .select_related("consultation")
        .prefetch_related("themes")
    )
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([str(label) for _key, label in EXPORT_COLUMNS])
    count = 0
    for t in rows.iterator(chunk_size=500):
        count += 1
        writer.writerow(
            csv_safe(value)
            for value in (
                t.short_ref,
                timezone.localtime(t.created_at).strftime("%Y-%m-%d"),
                t.consultation.title if t.consultation else "",
                "; ".join(theme.name for theme in t.themes.all()),
                t.get_nature_display(),
                t.occurred_on.isoformat() if t.occurred_on else "",
                t.area,
                t.get_source_display(),
                t.get_language_display(),
                t.get_consent_level_display(),
                t.get_review_status_display(),
                t.summary,
                t.narrative,
                t.redacted_quote,
            )
        )
    audit_record(
        actor=actor,
        action=AuditAction.TESTIMONY_EXPORTED,
        city=city,
        target_label=_("%(count)s testimonies") % {"count": count},
        details={"rows": count},
    )
    return "\ufeff" + out.getvalue()
