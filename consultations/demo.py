"""Fictional demo consultations and testimony, logged through the services (so the
audit trail is real). Idempotent: a city that already has consultations is left alone."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from accounts.models import User
from cities.models import City, ReviewCycle, Theme
from consultations import services
from consultations.models import Consultation, Testimony
from upr_portal.lib.demo import DEMO_DOMAIN


def _user(local: str) -> User:
    return User.objects.get(email=f"{local}@{DEMO_DOMAIN}")


def _themes(*slugs: str) -> list[Theme]:
    return list(Theme.objects.filter(slug__in=slugs))


HARBOR_TESTIMONY: list[dict[str, Any]] = [
    {
        "narrative": (
            "Our landlord raised the rent by 40 percent with thirty days' notice. When we "
            "organized a tenants' meeting, three families got eviction notices the next week. "
            "My neighbor Maria Alvarez at 1423 N. Elm Street, Apt 4B was one of them; you can "
            "reach her at (555) 201-7788."
        ),
        "summary": "Rent hike and retaliatory evictions after tenants organized.",
        "themes": ("housing", "land-displacement"),
        "nature": "problem",
        "area": "East Side",
        "consent_level": "anonymous",
        "speaker_name": "Jordan Reyes",
        "speaker_contact": "jordan.reyes@example.org",
        "quote": (
            "Our landlord raised the rent by 40 percent with thirty days' notice. When we "
            "organized a tenants' meeting, three families got eviction notices the next week."
        ),
        "review": True,
    },
    {
        "narrative": (
            "The city's new right-to-counsel program got me a lawyer in eviction court. I kept "
            "my apartment, and my kids stayed in their school."
        ),
        "summary": "Right to counsel prevented an eviction.",
        "themes": ("housing", "children"),
        "nature": "positive",
        "area": "Riverside",
        "consent_level": "named",
        "speaker_name": "Denise Carter",
        "quote": (
            "The city's new right-to-counsel program got me a lawyer in eviction court. I kept "
            "my apartment, and my kids stayed in their school."
        ),
        "review": True,
    },
    {
        "narrative": (
            "I was stopped three times in one month walking home from my night shift. Each time "
            "the officers asked about my immigration status. I am afraid to report anything now."
        ),
        "summary": "Repeated stops and immigration questions by police.",
        "themes": ("policing", "immigration", "racial-discrimination"),
        "nature": "problem",
        "area": "Northgate",
        "consent_level": "internal",
        "speaker_name": "",
        "review": False,
    },
    {
        "narrative": (
            "Since the shelter closed, people sleep under the bridge by the river. The sweeps "
            "take their tents and their IDs, and then they can't apply for housing."
        ),
        "summary": "Encampment sweeps destroy IDs and block housing applications.",
        "themes": ("housing", "poverty"),
        "nature": "problem",
        "area": "Downtown",
        "consent_level": "anonymous",
        "speaker_name": "",
        "review": False,
    },
]

MESA_TESTIMONY: list[dict[str, Any]] = [
    {
        "narrative": (
            "El agua del pozo de nuestra comunidad tiene arsénico desde hace años. Compramos "
            "agua embotellada y ya no nos alcanza el dinero."
        ),
        "summary": "Arsénico en el agua del pozo comunitario.",
        "themes": ("water-environment", "health", "indigenous"),
        "nature": "problem",
        "area": "Valle Norte",
        "language": "es",
        "consent_level": "anonymous",
        "speaker_name": "",
        "quote": (
            "El agua del pozo de nuestra comunidad tiene arsénico desde hace años. Compramos "
            "agua embotellada y ya no nos alcanza el dinero."
        ),
        "review": True,
    },
]


def _seed_city(
    *,
    city: City,
    cycle: ReviewCycle,
    organizer: User,
    lead: User,
    spanish: bool,
    items: list[dict[str, Any]],
) -> None:
    if Consultation.objects.filter(city=city).exists():
        return
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    held = services.consultation_create(
        actor=organizer,
        city=city,
        cycle=cycle,
        themes=_themes("housing", "policing") if not spanish else _themes("water-environment"),
        title="Sesión de escucha comunitaria" if spanish else "Tenants' listening session",
        kind="listening_session",
        starts_at=now - timedelta(days=20),
        ends_at=now - timedelta(days=20) + timedelta(hours=2),
        place="Centro comunitario" if spanish else "Central Library, community room",
        accessibility_notes="Step-free entrance; Spanish and ASL interpretation; childcare.",
        languages=["en", "es", "ase"],
        partner_organizations="Tenants United\nFaith in Action",
        attendance=34,
        facilitator_notes="Most speakers were renters from the East Side.",
        status="held",
        is_public=True,
    )
    services.consultation_create(
        actor=organizer,
        city=city,
        cycle=cycle,
        themes=_themes("policing", "immigration"),
        title="Conversación sobre seguridad pública"
        if spanish
        else "Community conversation on policing",
        kind="community_conversation",
        starts_at=now + timedelta(days=14),
        place="Escuela primaria" if spanish else "Northgate Community Center",
        accessibility_notes="Step-free entrance; bus lines 4 and 12.",
        languages=["en", "es"],
        status="planned",
        is_public=True,
    )
    for item in items:
        testimony = services.testimony_create(
            actor=organizer,
            city=city,
            cycle=cycle,
            consultation=held,
            themes=_themes(*item["themes"]),
            narrative=item["narrative"],
            summary=item["summary"],
            nature=item["nature"],
            area=item["area"],
            source="event",
            language=item.get("language", "en"),
            consent_level=item["consent_level"],
            consent_method="verbal",
            speaker_name=item["speaker_name"],
            speaker_contact=item.get("speaker_contact", ""),
            occurred_on=(now - timedelta(days=60)).date(),
        )
        if item.get("quote"):
            services.testimony_redact(
                actor=organizer, testimony=testimony, redacted_quote=item["quote"]
            )
        if item.get("review"):
            services.testimony_review(actor=lead, testimony=Testimony.objects.get(pk=testimony.pk))


def seed_evidence(*, cycle: ReviewCycle, cities: dict[str, City]) -> None:
    _seed_city(
        city=cities["harbor-falls-wa"],
        cycle=cycle,
        organizer=_user("organizer"),
        lead=_user("lead"),
        spanish=False,
        items=HARBOR_TESTIMONY,
    )
    _seed_city(
        city=cities["mesa-verde-nm"],
        cycle=cycle,
        organizer=_user("mesa-organizer"),
        lead=_user("mesa-lead"),
        spanish=True,
        items=MESA_TESTIMONY,
    )
