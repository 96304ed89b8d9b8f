"""Linking local evidence (testimony, the city's own recommendations) to UN ones."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accountability.models import EvidenceLink, LinkStatus, LocalRecommendation, Recommendation
from cities.models import AuditAction, City, ReviewCycle, Theme
from cities.services import audit_record

if TYPE_CHECKING:
    from accounts.models import User
    from consultations.models import Testimony
    from reports.models import Report


def _evidence_city(*, testimony: Testimony | None, local: LocalRecommendation | None) -> City:
    if (testimony is None) == (local is None):
        raise ValueError("link exactly one of testimony or local recommendation")
    return testimony.city if testimony is not None else local.city  # type: ignore[union-attr]


@transaction.atomic
def evidence_link_decide(
    *,
    actor: User,
    recommendation: Recommendation,
    status: str,
    testimony: Testimony | None = None,
    local_recommendation: LocalRecommendation | None = None,
    suggested: bool = False,
) -> EvidenceLink:
    """Confirm or dismiss one UN recommendation for one piece of evidence.

    Deciding again overwrites the earlier decision (a dismissed suggestion can be
    confirmed later). Side effect: an audit event naming the recommendation only.
    """
    if status not in LinkStatus.values:
        raise ValidationError(_("Unknown decision."))
    city = _evidence_city(testimony=testimony, local=local_recommendation)
    link, _created = EvidenceLink.objects.update_or_create(
        recommendation=recommendation,
        testimony=testimony,
        local_recommendation=local_recommendation,
        defaults={
            "city": city,
            "status": status,
            "suggested": suggested,
            "decided_by": actor,
            "decided_at": timezone.now(),
        },
    )
    audit_record(
        actor=actor,
        action=(
            AuditAction.EVIDENCE_LINKED
            if status == LinkStatus.CONFIRMED
            else AuditAction.EVIDENCE_LINK_DISMISSED
        ),
        city=city,
        target=testimony or local_recommendation,
        target_label=recommendation.label,
        details={"recommendation": str(recommendation.uuid), "suggested": suggested},
    )
    return link


@transaction.atomic
def evidence_link_remove(*, actor: User, link: EvidenceLink) -> None:
    """Forget a decision: the recommendation may be suggested again."""
    label = link.recommendation.label
    target = link.testimony or link.local_recommendation
    city = link.city
    link.delete()
    audit_record(
        actor=actor,
        action=AuditAction.EVIDENCE_UNLINKED,
        city=city,
        target=target,
        target_label=label,
    )


# --------------------------------------------------------------------------- local recommendations


@transaction.atomic
def local_recommendation_save(
    *,
    actor: User,
    city: City,
    cycle: ReviewCycle,
    text: str,
    themes: Iterable[Theme] = (),
    local: LocalRecommendation | None = None,
) -> LocalRecommendation:
    """Add (or edit) one of the city's own recommendations."""
    if local is None:
        last = (
            LocalRecommendation.objects.filter(city=city, cycle=cycle)
            .order_by("-sort_order")
            .values_list("sort_order", flat=True)
            .first()
        )
        local = LocalRecommendation(
            city=city, cycle=cycle, created_by=actor, sort_order=(last or 0) + 1
        )
    local.text = text.strip()
    local.full_clean()
    local.save()
    local.themes.set(list(themes))
    audit_record(
        actor=actor,
        action=AuditAction.LOCAL_RECOMMENDATION_SAVED,
        city=city,
        target=local,
        target_label=local.text[:80],
    )
    return local


@transaction.atomic
def local_recommendation_delete(*, actor: User, local: LocalRecommendation) -> None:
    """Delete one of the city's recommendations. Refused while an action plan uses it."""
    if local.action_plans.exists():
        raise ValidationError(_("This recommendation has an action plan. Delete the plan first."))
    city, label = local.city, local.text[:80]
    local.delete()
    audit_record(
        actor=actor,
        action=AuditAction.LOCAL_RECOMMENDATION_DELETED,
        city=city,
        target_label=label,
    )


_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+(?P<text>.+)$")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s")
_CITATION = re.compile(r"\s*\[\[cite:[0-9a-z]+\]\]")
# "Draft from evidence" leaves bracketed placeholders for the team to replace.
_PLACEHOLDER = re.compile(r"^\[.*\]$", re.S)


def recommendation_items(markdown_text: str) -> list[str]:
    """The items of a report's recommendations section: its list items (bullets or
    numbers, wrapped lines joined), or its paragraphs when it has no list. Headings and
    unreplaced placeholders are left out."""
    lines = [
        line for line in _CITATION.sub("", markdown_text).splitlines() if not _HEADING.match(line)
    ]
    items: list[str] = []
    paragraphs: list[str] = []
    current: list[str] = []
    in_item = False
    for line in lines:
        match = _ITEM.match(line)
        if match:
            items.append(match.group("text").strip())
            in_item = True
        elif not line.strip():
            in_item = False
            if current:
                paragraphs.append(" ".join(current))
                current = []
        elif in_item:
            items[-1] = f"{items[-1]} {line.strip()}"
        else:
            current.append(line.strip())
    if current:
        paragraphs.append(" ".join(current))
    if not items:
        items = paragraphs
    cleaned = [" ".join(item.split()) for item in items]
    return [item for item in cleaned if item and not _PLACEHOLDER.match(item)]


@transaction.atomic
def local_recommendations_from_report(*, actor: User, report: Report) -> list[LocalRecommendation]:
    """Copy the items of the report's recommendations section into the city's list,
    skipping ones already there (same text). Returns the ones added."""
    from reports.models import SectionKind

    section = report.sections.filter(kind=SectionKind.RECOMMENDATIONS).first()
    if section is None or not section.body.strip():
        raise ValidationError(_("The report's recommendations section is empty."))
    existing = {
        " ".join(t.split()).casefold()
        for t in LocalRecommendation.objects.filter(
            city=report.city, cycle=report.cycle
        ).values_list("text", flat=True)
    }
    added = []
    for item in recommendation_items(section.body):
        text = item[:1000]
        if " ".join(text.split()).casefold() in existing:
            continue
        local = local_recommendation_save(
            actor=actor, city=report.city, cycle=report.cycle, text=text
        )
        local.report = report
        local.save(update_fields=["report"])
        existing.add(" ".join(text.split()).casefold())
        added.append(local)
    return added
