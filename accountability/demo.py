"""Demo accountability data. Idempotent.

The past cycles 1 (2010) and 3 (2020) exist, and the 3rd cycle's real recommendations
are imported, so the public database, the scorecard and the comparison have content.
Mesa Verde has taken up a recommendation, with an action, an indicator, a progress update
and an official's commitment. Harbor Falls has no plan yet, and the 2010 file is left for
a newcomer to import (both files ship in `accountability/data/`).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.utils import timezone

from accountability import services
from accountability.models import ActionPlan, ImportStatus, Recommendation, RecommendationImport
from cities.models import City, ReviewCycle

DATA_DIR = Path(__file__).resolve().parent / "data"
CYCLE1_FILE = DATA_DIR / "us-upr-cycle1-2010-uprinfo.csv"
CYCLE3_FILE = DATA_DIR / "us-upr-cycle3-2020.csv"

PAST_CYCLES: list[dict[str, Any]] = [
    {
        "state_under_review": "United States",
        "number": 1,
        "title": "United States — 1st UPR cycle (2010)",
        "consultations_open": datetime.date(2009, 10, 1),
        "local_report_due": datetime.date(2010, 4, 19),
        "national_compilation_due": datetime.date(2010, 4, 19),
        "review_session": datetime.date(2010, 11, 5),
        "recommendations_released": datetime.date(2011, 3, 18),
    },
    {
        "state_under_review": "United States",
        "number": 3,
        "title": "United States — 3rd UPR cycle (2020)",
        "consultations_open": datetime.date(2019, 9, 1),
        "local_report_due": datetime.date(2020, 3, 15),
        "national_compilation_due": datetime.date(2020, 3, 15),
        "review_session": datetime.date(2020, 11, 9),
        "recommendations_released": datetime.date(2021, 3, 18),
    },
]

# Mesa Verde takes up a right-to-health recommendation, found by paragraph number.
MESA_PARAGRAPH = "26.295"


def _past_cycles(coordinator: object) -> dict[int, ReviewCycle]:
    from cities import services as city_services

    cycles = {}
    for data in PAST_CYCLES:
        cycle = ReviewCycle.objects.filter(
            state_under_review=data["state_under_review"], number=data["number"]
        ).first()
        if cycle is None:
            cycle = city_services.cycle_create(actor=coordinator, **data)  # type: ignore[arg-type]
        cycles[cycle.number] = cycle
    return cycles


def seed_accountability(*, cities: dict[str, City]) -> None:
    from accounts.models import User
    from upr_portal.lib.demo import DEMO_DOMAIN

    coordinator = User.objects.get(email=f"coordinator@{DEMO_DOMAIN}")
    cycles = _past_cycles(coordinator)
    cycle3 = cycles[3]
    if not RecommendationImport.objects.filter(cycle=cycle3, status=ImportStatus.APPLIED).exists():
        batch = services.recommendations_check(
            actor=coordinator,
            cycle=cycle3,
            filename=CYCLE3_FILE.name,
            content=CYCLE3_FILE.read_bytes(),
            source_document="A/HRC/46/15",
        )
        services.recommendations_apply(actor=coordinator, batch=batch)

    city = cities["mesa-verde-nm"]
    if ActionPlan.objects.filter(city=city).exists():
        return
    recommendation = (
        Recommendation.objects.filter(cycle=cycle3, paragraph=MESA_PARAGRAPH).first()
        or Recommendation.objects.filter(cycle=cycle3, themes__slug="health").first()
    )
    if recommendation is None:
        return
    lead = User.objects.get(email=f"mesa-lead@{DEMO_DOMAIN}")
    plan = services.plan_create(
        actor=lead,
        city=city,
        recommendation=recommendation,
        summary=(
            "Residents of the river valley told our listening sessions that clinics are "
            "too far away and that Spanish-language care is scarce."
        ),
    )
    today = timezone.localdate()
    action = services.action_save(
        actor=lead,
        plan=plan,
        fields={
            "description": "Open two bilingual community health clinics in the river valley.",
            "responsible": "County Health Department",
            "target": "Two clinics open five days a week",
            "due_on": today + datetime.timedelta(days=240),
            "status": "in_progress",
        },
    )
    indicator = services.indicator_save(
        actor=lead,
        action=action,
        fields={
            "name": "Residents within 30 minutes of a clinic",
            "unit": "%",
            "baseline": Decimal("41"),
            "target_value": Decimal("80"),
            "data_source": "County Health Department access survey",
        },
    )
    services.progress_add(
        actor=lead,
        action=action,
        reported_on=today - datetime.timedelta(days=20),
        text="The county approved the first clinic's lease.",
        indicator=indicator,
        value=Decimal("52"),
    )
    services.action_save(
        actor=lead,
        plan=plan,
        fields={
            "description": "Publish the health department's language-access plan.",
            "responsible": "Director of Public Health",
            "target": "Plan published in English, Spanish and Navajo",
            "due_on": today - datetime.timedelta(days=10),
            "status": "stalled",
        },
    )
    link = services.response_link_create(
        actor=lead,
        plan=plan,
        action=action,
        official_name="Dr. Elena Marquez",
        official_title="Director of Public Health, Mesa Verde County",
        message="Could you tell residents what the county commits to on the new clinics?",
    )
    services.official_respond(
        link=link,
        kind="commitment",
        text=(
            "The county commits to opening the first bilingual clinic by spring and will "
            "report the access survey figures every six months."
        ),
    )
